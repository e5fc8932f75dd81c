"""Softmax (multinomial logistic) regression, derived by hand: cross-entropy, optional L2, Hessian.

Shapes (one column per example, m = X.shape[1], K classes):

    X : (n, m)    W : (K, n)    b : (K, 1)    Z, A : (K, m)    Y : (K, m), columns summing to 1

Loss: mean over examples, sum over classes, of the cross-entropy, plus lambda/(2m) ||W||^2:

    J = -1/m sum_j sum_k y_kj log softmax(z_j)_k + lambda/(2m) ||W||^2,

(or c ||W||^2 as another course writes its strength, reg ||W||^2 in CS231n: ``penalty``,
manual/regularisation.py; then dW takes 2c W where it takes lambda/m W below)

with log softmax(z)_k = z_k - max z - log sum_l e^(z_l - max z), finite for logits of +-1000.
Derivation: d/dz_kj of -sum_l y_lj log a_lj is a_kj sum_l y_lj - y_kj = a_kj - y_kj when each
column of Y sums to 1, so dZ = A - Y per example (m dJ/dZ of the mean loss). Then
dW = 1/m dZ X^T + lambda/m W and db = 1/m sum_j dz_j.

Without a bias (``configure(bias=False)``, CS231n's ``softmax_loss_naive(W, X, y, reg)``) Z = W X,
the params are {W} and there is no db: every line below holds with b and db struck out.
The logits Z = W X + b, the input checks and ``configure`` are the other convex models' too
(``manual/linear_model.py``).
"""

import numpy as np

from manual import linear_model, regularisation
from manual.activations import log_softmax, softmax
from manual.init import uniform_params
from manual.validate import checked, loss_value

N_X, N_Y = 64, 10   # scikit-learn's 8x8 digits: 64 pixels, 10 classes (the built-in data set)
INTERMEDIATES = ("dZ",)
KINKS = ()  # log-softmax is smooth everywhere (the max it subtracts cancels exactly)


def param_shapes(n_x=N_X, n_y=N_Y, *, bias=True):
    """{name: shape} of the parameters, in the order of the Hessian's rows: W (K, n), b (K, 1) (no b
    when ``bias=False``)."""
    return {"W": (n_y, n_x), "b": (n_y, 1)} if bias else {"W": (n_y, n_x)}


def init_params(seed=0, dtype=np.float64, n_x=N_X, n_y=N_Y, *, bias=True):
    """W, b ~ Uniform[-0.5, 0.5), never zero (zeros would hide a missing term); W the same either way."""
    return uniform_params(param_shapes(n_x, n_y, bias=bias), seed, dtype)


def check_inputs(params, X, Y=None, *, bias=True):
    """ValueError naming the array that does not fit; K and n are W's shape, K >= 2; no b without a bias."""
    linear_model.check_inputs(params, X, Y, classes=True, labels=_columns_sum_to_1, bias=bias)


def _columns_sum_to_1(Y):
    tol = 1e3 * np.finfo(Y.dtype).eps   # one-hot columns sum to 1 exactly; leave room for rounding
    if Y.size and (Y.min() < 0 or np.abs(Y.sum(axis=0) - 1).max() > tol):
        raise ValueError("Y has a negative entry or a column not summing to 1; expected one-hot "
                         "(or probability) columns, which dZ = A - Y assumes")


@checked(check_inputs)
def forward(params, X, *, bias=True):
    """Z = W X + b (W X without a bias), A = softmax(Z) per column; returns A (K, m) and the cache {Z, A}."""
    return linear_model.forward(params, X, softmax, bias)


@checked(check_inputs)
def loss(params, X, Y, lam=0.0, penalty=regularisation.DEFAULT, *, bias=True):
    """J = -1/m sum_j sum_k y_kj log softmax(z_j)_k + lambda/(2m) ||W||^2 (c ||W||^2: ``penalty``)."""
    m = X.shape[1]
    c = regularisation.coefficient(penalty, lam, m)
    _, cache = forward(params, X, bias=bias)
    return loss_value(-(Y * log_softmax(cache["Z"])).sum() / m + c * (params["W"] ** 2).sum())


@checked(check_inputs)
def backward(params, cache, X, Y, lam=0.0, penalty=regularisation.DEFAULT, *, bias=True):
    """dZ (per example), then dW and db (no db without a bias); keyed in the order computed."""
    m = X.shape[1]
    two_c = 2 * regularisation.coefficient(penalty, lam, m)   # d/dW (c ||W||^2) = 2c W: lambda/m by default
    dZ = cache["A"] - Y                           # softmax + cross-entropy: the log-sum-exp cancels   (K, m)
    dW = dZ @ X.T / m + two_c * params["W"]       # dW = 1/m dZ X^T + lambda/m W                       (K, n)
    if not bias:                                  # z = W X: no b, so no db
        return {"dZ": dZ, "dW": dW}
    db = dZ.sum(axis=1, keepdims=True) / m        # db = 1/m sum_j dz_j: no lambda on b                 (K, 1)
    return {"dZ": dZ, "dW": dW, "db": db}


@checked(check_inputs)
def hessian(params, X, Y, lam=0.0, penalty=regularisation.DEFAULT, *, bias=True):
    """d^2 J / d theta^2, theta = (W row by row: W[0, :], ..., W[K-1, :], then b[0], ..., b[K-1]).

    With x~_j = [x_j; 1], class k's parameters are theta_k = [W[k, :], b[k]] and z_kj = theta_k^T x~_j.
    The softmax Jacobian is da_kj/dz_lj = a_kj (delta_kl - a_lj), so the (k, l) block is
        H_kl = 1/m sum_j a_kj (delta_kl - a_lj) x~_j x~_j^T + lambda/m delta_kl D,  D = diag(1, .., 1, 0):
    the weight part W_k W_l is 1/m sum_j a_kj (delta_kl - a_lj) x_j x_j^T (+ lambda/m I when k = l),
    the weight-bias part 1/m sum_j a_kj (delta_kl - a_lj) x_j, the bias part 1/m sum_j a_kj (delta_kl - a_lj).
    Built as  blockdiag_k(1/m X~ diag(a_k) X~^T) - 1/m V V^T,  V = columns a_j (x) x~_j, then the rows
    and columns are put in theta's order (all of W, then b). Y does not enter. Without a bias
    x~_j = x_j and theta is W alone: the same blocks, less their last row and column.
    """
    (n_y, n_x), m = params["W"].shape, X.shape[1]
    A, _ = forward(params, X, bias=bias)
    Xt = np.vstack([X, np.ones((1, m), X.dtype)]) if bias else X   # X~ = [X; 1^T]            (n+1, m)
    n1 = Xt.shape[0]
    V = (A[:, None, :] * Xt[None, :, :]).reshape(n_y * n1, m)  # v_j = a_j (x) x~_j             (K(n+1), m)
    H = -(V @ V.T / m).reshape(n_y, n1, n_y, n1)             # -1/m sum_j a_kj a_lj x~_j x~_j^T
    k = np.arange(n_y)
    H[k, :, k, :] += V.reshape(n_y, n1, m) @ Xt.T / m       # + delta_kl 1/m sum_j a_kj x~_j x~_j^T
    two_c = 2 * regularisation.coefficient(penalty, lam, m)   # lambda/m by default
    H[k, :n_x, k, :n_x] += two_c * np.eye(n_x, dtype=X.dtype)  # + delta_kl lambda/m I on W only
    H = H.reshape(n_y * n1, n_y * n1)                        # rows theta_0, ..., theta_K-1  (K(n+1), K(n+1))
    order = (k[:, None] * n1 + np.arange(n_x)).ravel()       # all of W, row by row,
    order = np.r_[order, k * n1 + n_x] if bias else order    # then b
    return H[np.ix_(order, order)]


def configure(lam=0.0, penalty=regularisation.DEFAULT, bias=True):
    """This model with its L2 strength (and how it is written) bound, with b or without (``bias``):
    the model contract (catalogue.Model)."""
    return linear_model.bind_lam(__name__, lam, penalty=penalty, bias=bias)
