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


def param_shapes(n_x=N_X, n_y=N_Y):
    """{name: shape} of the parameters, in the order of the Hessian's rows: W (K, n), b (K, 1)."""
    return {"W": (n_y, n_x), "b": (n_y, 1)}


def init_params(seed=0, dtype=np.float64, n_x=N_X, n_y=N_Y):
    """W, b ~ Uniform[-0.5, 0.5), never zero (zeros would hide a missing term)."""
    return uniform_params(param_shapes(n_x, n_y), seed, dtype)


def check_inputs(params, X, Y=None):
    """ValueError naming the array that does not fit; K and n are W's shape, K >= 2."""
    linear_model.check_inputs(params, X, Y, classes=True, labels=_columns_sum_to_1)


def _columns_sum_to_1(Y):
    tol = 1e3 * np.finfo(Y.dtype).eps   # one-hot columns sum to 1 exactly; leave room for rounding
    if Y.size and (Y.min() < 0 or np.abs(Y.sum(axis=0) - 1).max() > tol):
        raise ValueError("Y has a negative entry or a column not summing to 1; expected one-hot "
                         "(or probability) columns, which dZ = A - Y assumes")


@checked(check_inputs)
def forward(params, X):
    """Z = W X + b, A = softmax(Z) per column; returns A (K, m) and the cache {Z, A}."""
    return linear_model.forward(params, X, softmax)


@checked(check_inputs)
def loss(params, X, Y, lam=0.0, penalty=regularisation.DEFAULT):
    """J = -1/m sum_j sum_k y_kj log softmax(z_j)_k + lambda/(2m) ||W||^2 (c ||W||^2: ``penalty``)."""
    m = X.shape[1]
    c = regularisation.coefficient(penalty, lam, m)
    _, cache = forward(params, X)
    return loss_value(-(Y * log_softmax(cache["Z"])).sum() / m + c * (params["W"] ** 2).sum())


@checked(check_inputs)
def backward(params, cache, X, Y, lam=0.0, penalty=regularisation.DEFAULT):
    """dZ (per example), then dW and db; keyed in the order computed."""
    m = X.shape[1]
    two_c = 2 * regularisation.coefficient(penalty, lam, m)   # d/dW (c ||W||^2) = 2c W: lambda/m by default
    dZ = cache["A"] - Y                           # softmax + cross-entropy: the log-sum-exp cancels   (K, m)
    dW = dZ @ X.T / m + two_c * params["W"]       # dW = 1/m dZ X^T + lambda/m W                       (K, n)
    db = dZ.sum(axis=1, keepdims=True) / m        # db = 1/m sum_j dz_j: no lambda on b                 (K, 1)
    return {"dZ": dZ, "dW": dW, "db": db}


@checked(check_inputs)
def hessian(params, X, Y, lam=0.0, penalty=regularisation.DEFAULT):
    """d^2 J / d theta^2, theta = (W row by row: W[0, :], ..., W[K-1, :], then b[0], ..., b[K-1]).

    With x~_j = [x_j; 1], class k's parameters are theta_k = [W[k, :], b[k]] and z_kj = theta_k^T x~_j.
    The softmax Jacobian is da_kj/dz_lj = a_kj (delta_kl - a_lj), so the (k, l) block is
        H_kl = 1/m sum_j a_kj (delta_kl - a_lj) x~_j x~_j^T + lambda/m delta_kl D,  D = diag(1, .., 1, 0):
    the weight part W_k W_l is 1/m sum_j a_kj (delta_kl - a_lj) x_j x_j^T (+ lambda/m I when k = l),
    the weight-bias part 1/m sum_j a_kj (delta_kl - a_lj) x_j, the bias part 1/m sum_j a_kj (delta_kl - a_lj).
    Built as  blockdiag_k(1/m X~ diag(a_k) X~^T) - 1/m V V^T,  V = columns a_j (x) x~_j, then the rows
    and columns are put in theta's order (all of W, then b). Y does not enter.
    """
    (n_y, n_x), m = params["W"].shape, X.shape[1]
    n1 = n_x + 1
    A, _ = forward(params, X)
    Xt = np.vstack([X, np.ones((1, m), X.dtype)])            # X~ = [X; 1^T]                  (n+1, m)
    V = (A[:, None, :] * Xt[None, :, :]).reshape(n_y * n1, m)  # v_j = a_j (x) x~_j             (K(n+1), m)
    H = -(V @ V.T / m).reshape(n_y, n1, n_y, n1)             # -1/m sum_j a_kj a_lj x~_j x~_j^T
    k = np.arange(n_y)
    H[k, :, k, :] += V.reshape(n_y, n1, m) @ Xt.T / m       # + delta_kl 1/m sum_j a_kj x~_j x~_j^T
    two_c = 2 * regularisation.coefficient(penalty, lam, m)   # lambda/m by default
    H[k, :n_x, k, :n_x] += two_c * np.eye(n_x, dtype=X.dtype)  # + delta_kl lambda/m I on W only
    H = H.reshape(n_y * n1, n_y * n1)                        # rows theta_0, ..., theta_K-1  (K(n+1), K(n+1))
    order = np.r_[(k[:, None] * n1 + np.arange(n_x)).ravel(), k * n1 + n_x]  # all of W, then b
    return H[np.ix_(order, order)]


def configure(lam=0.0, penalty=regularisation.DEFAULT):
    """This model with its L2 strength (and how it is written) bound: the model contract (catalogue.Model)."""
    return linear_model.bind_lam(__name__, lam, penalty=penalty)
