"""Linear multiclass SVM (the hinge loss of CS231n's svm_loss_naive), derived by hand; no Hessian.

Shapes (one column per example, m = X.shape[1], K classes, y_j the class of example j):

    X : (n, m)    W : (K, n)    b : (K, 1)    Z, D : (K, m)    Y : (K, m), one-hot columns

Scores Z = W X + b. Margins, before the hinge, compare every class with the labelled one:

    D_kj = z_kj - z_{y_j} j + delta,   delta = 1     (D_{y_j} j = delta exactly; it is left out)

Loss: mean over examples of the hinges summed over the wrong classes, plus an L2 penalty on W:

    J = 1/m sum_j sum_{k != y_j} max(0, D_kj) + c ||W||^2,

c = lambda/(2m) by default, or as another course writes it (reg ||W||^2 in CS231n: ``penalty``,
manual/regularisation.py). J is piecewise linear in Z, so there is no Hessian beyond the penalty's.
Derivation, per example (dZ is m dJ/dZ of the mean loss, as for the other models): with
P_kj = 1[D_kj > 0] for k != y_j and P_{y_j} j = 0 (the hinges that are active),
    d/dz_kj       of sum_l max(0, D_lj) = P_kj                         (k != y_j)
    d/dz_{y_j} j  of sum_l max(0, D_lj) = -sum_k P_kj                  (z_y enters every margin)
so dZ = P - Y (1^T P), and dW = 1/m dZ X^T + 2c W, db = 1/m sum_j dz_j (no penalty on b).

The kink. max(0, .) has no derivative where a margin is exactly 0. The derivation takes the
subgradient 0 there: only D > 0 counts, as in CS231n's ``if margin > 0`` and as ReLU'(0) = 0 in this
project. The twins in reference/ follow it by writing the hinge with ReLU, whose derivative at 0 is
0 in both frameworks (``torch.clamp(D, min=0)`` would give 1 there and ``maximum(D, 0)`` 1/2).
KINKS names D: ``forward(params, X, Y)`` puts the margins in its cache, and the numerical witness
reads their signs at both ends of a stencil, so a stencil that crosses a kink is counted, not
measured (comparisons/numerical/differences.py). Without Y the forward pass has no margins.

Without a bias (``configure(bias=False)``, CS231n's ``svm_loss_naive(W, X, y, reg)``, whose bias trick
is a column of X) Z = W X, the params are {W} and there is no db. The logits, the input checks and
``configure`` are the other linear models' (``manual/linear_model.py``).
"""

import numpy as np

from manual import linear_model, regularisation
from manual.init import uniform_params
from manual.validate import checked, loss_value

N_X, N_Y = 64, 10   # scikit-learn's 8x8 digits: 64 pixels, 10 classes (the built-in data set)
DELTA = 1.0         # the margin the labelled class must win by
INTERMEDIATES = ("dZ",)
KINKS = ("D",)      # the margins before the hinge: max(0, D) has a kink where D = 0
NAMES = tuple(n for n in linear_model.MANUAL if n != "hessian")   # the contract, with no Hessian


def param_shapes(n_x=N_X, n_y=N_Y, *, bias=True):
    """{name: shape} of the parameters: W (K, n), b (K, 1) (no b when ``bias=False``)."""
    return {"W": (n_y, n_x), "b": (n_y, 1)} if bias else {"W": (n_y, n_x)}


def init_params(seed=0, dtype=np.float64, n_x=N_X, n_y=N_Y, *, bias=True):
    """W, b ~ Uniform[-0.5, 0.5), never zero (zeros would hide a missing term); W the same either way."""
    return uniform_params(param_shapes(n_x, n_y, bias=bias), seed, dtype)


def check_inputs(params, X, Y=None, *, bias=True):
    """ValueError naming the array that does not fit; K and n are W's shape, K >= 2; Y one-hot."""
    linear_model.check_inputs(params, X, Y, classes=True, labels=_one_hot, bias=bias)


def _one_hot(Y):
    if Y.size and not (np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=0) == 1)):
        raise ValueError("Y has an entry other than 0 and 1 or a column without exactly one 1; expected "
                         "one-hot columns (each margin compares a class with the labelled one)")


def margins(Z, Y):
    """D = Z - z_y + delta, D_kj = z_kj - z_{y_j} j + 1 (K, m); the labelled class's D is delta exactly."""
    return Z - (Y * Z).sum(axis=0, keepdims=True) + DELTA   # z_y: one-hot Y picks it out exactly


@checked(check_inputs)
def forward(params, X, Y=None, *, bias=True):
    """Scores Z = W X + b (W X without a bias); returns Z (K, m) and the cache {Z}, and with the
    labels Y also the margins D (the witness reads their signs: KINKS)."""
    Z, cache = linear_model.forward(params, X, bias=bias)
    if Y is not None:
        cache["D"] = margins(Z, Y)
    return Z, cache


@checked(check_inputs)
def loss(params, X, Y, lam=0.0, penalty=regularisation.DEFAULT, *, bias=True):
    """J = 1/m sum_j sum_{k != y_j} max(0, z_kj - z_{y_j} j + 1) + lambda/(2m) ||W||^2 (c: ``penalty``)."""
    m = X.shape[1]
    c = regularisation.coefficient(penalty, lam, m)
    _, cache = forward(params, X, Y, bias=bias)
    hinges = np.maximum(cache["D"], 0) * (1 - Y)    # max(0, D_kj) for k != y_j only
    return loss_value(hinges.sum() / m + c * (params["W"] ** 2).sum())


@checked(check_inputs)
def backward(params, cache, X, Y, lam=0.0, penalty=regularisation.DEFAULT, *, bias=True):
    """dZ (per example), then dW and db (no db without a bias); keyed in the order computed."""
    m = X.shape[1]
    two_c = 2 * regularisation.coefficient(penalty, lam, m)   # d/dW (c ||W||^2) = 2c W: lambda/m by default
    D = margins(cache["Z"], Y)                    # the margins before the hinge                          (K, m)
    P = (D > 0) * (1 - Y)                         # active hinges, k != y_j; 0 at a kink (D = 0)            (K, m)
    dZ = P - Y * P.sum(axis=0, keepdims=True)     # dz_kj = P_kj; dz_{y_j} j = -(number of active hinges)   (K, m)
    dW = dZ @ X.T / m + two_c * params["W"]       # dW = 1/m dZ X^T + lambda/m W                          (K, n)
    if not bias:                                  # z = W X: no b, so no db
        return {"dZ": dZ, "dW": dW}
    db = dZ.sum(axis=1, keepdims=True) / m        # db = 1/m sum_j dz_j: no lambda on b                    (K, 1)
    return {"dZ": dZ, "dW": dW, "db": db}


def configure(lam=0.0, penalty=regularisation.DEFAULT, bias=True):
    """This model with its L2 strength (and how it is written) bound, with b or without (``bias``):
    the model contract (catalogue.Model)."""
    return linear_model.bind_lam(__name__, lam, NAMES, penalty, bias)
