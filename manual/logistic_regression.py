"""Binary logistic regression, derived by hand: cross-entropy from the logits, optional L2, Hessian.

Shapes (one column per example, m = X.shape[1]):

    X : (n, m)    W : (1, n)    b : (1, 1)    Z, A : (1, m)    Y : (1, m), labels in [0, 1]

Loss: the mean binary cross-entropy plus lambda/(2m) times the squared weights (bias excluded).
With a = g(z) = 1 / (1 + e^-z), log a = -softplus(-z) and log(1 - a) = -softplus(z), so

    L_j = -y log a - (1 - y) log(1 - a) = y softplus(-z) + (1 - y) softplus(z),
    J   = 1/m sum_j [y_j softplus(-z_j) + (1 - y_j) softplus(z_j)] + lambda/(2m) ||W||^2,

softplus(z) = log(1 + e^z), computed from the logits: finite at z = +-1000, where a is exactly
1 or 0. Both terms are >= 0, so a tiny loss keeps its relative precision; the equal form
softplus(z) - y z cancels (at y = 1, z = 54 it returns 0 instead of 3.5e-24).
Derivation: softplus'(z) = g(z), so the per-example dz_j = dL_j/dz_j = -y_j g(-z_j) + (1 - y_j) g(z_j)
= a_j - y_j; vectorised dZ = A - Y (m dJ/dZ of the mean loss; the loss never divides by a, so
there is no dA step). It is computed as (1 - Y) A - Y g(-Z), with 1 - A = g(-Z) taken directly,
for the same reason. Then dW = 1/m dZ X^T + lambda/m W and db = 1/m sum_j dz_j.

The logits Z = W X + b, the input checks and ``configure`` are the other convex models' too
(``manual/linear_model.py``).
"""

import numpy as np

from manual import linear_model
from manual.activations import sigmoid, softplus
from manual.init import uniform_params
from manual.validate import checked, loss_value

N_X = 30   # the thirty features of scikit-learn's breast-cancer data, the built-in data set
INTERMEDIATES = ("dZ",)
KINKS = ()  # sigmoid and softplus are smooth everywhere


def param_shapes(n_x=N_X):
    """{name: shape} of the parameters, in the order of the Hessian's rows: W (1, n), b (1, 1)."""
    return {"W": (1, n_x), "b": (1, 1)}


def init_params(seed=0, dtype=np.float64, n_x=N_X):
    """W, b ~ Uniform[-0.5, 0.5), never zero (zeros would hide a missing term)."""
    return uniform_params(param_shapes(n_x), seed, dtype)


def check_inputs(params, X, Y=None):
    """ValueError naming the array whose shape, dtype or values do not fit; n is W's column count."""
    linear_model.check_inputs(params, X, Y, labels=_labels_in_0_1)


def _labels_in_0_1(Y):
    if Y.size and (Y.min() < 0 or Y.max() > 1):
        raise ValueError(f"Y ranges over [{Y.min():g}, {Y.max():g}]; expected labels in [0, 1]")


@checked(check_inputs)
def forward(params, X):
    """Z = W X + b, A = g(Z) = 1 / (1 + e^-Z); returns the probabilities A (1, m) and the cache {Z, A}."""
    return linear_model.forward(params, X, sigmoid)


@checked(check_inputs)
def loss(params, X, Y, lam=0.0):
    """J = 1/m sum_j [y_j softplus(-z_j) + (1 - y_j) softplus(z_j)] + lambda/(2m) ||W||^2, from Z."""
    m = X.shape[1]
    _, cache = forward(params, X)
    Z = cache["Z"]
    L = Y * softplus(-Z) + (1 - Y) * softplus(Z)   # -y log a - (1-y) log(1-a), both terms >= 0   (1, m)
    return loss_value(L.sum() / m + lam / (2 * m) * (params["W"] ** 2).sum())  # no lambda on b


@checked(check_inputs)
def backward(params, cache, X, Y, lam=0.0):
    """dZ (per example), then dW and db; keyed in the order computed."""
    m = X.shape[1]
    dZ = (1 - Y) * cache["A"] - Y * sigmoid(-cache["Z"])  # A - Y, with 1 - A = g(-Z): no cancellation (1, m)
    dW = dZ @ X.T / m + lam / m * params["W"]              # dW = 1/m dZ X^T + lambda/m W               (1, n)
    db = dZ.sum(axis=1, keepdims=True) / m                 # db = 1/m sum_j dz_j: no lambda on b         (1, 1)
    return {"dZ": dZ, "dW": dW, "db": db}


@checked(check_inputs)
def hessian(params, X, Y, lam=0.0):
    """d^2 J / d theta^2 for theta = (W[0, 0], ..., W[0, n-1], b): a (n+1, n+1) matrix.

    With x~_j = [x_j; 1], dJ/dtheta = 1/m sum_j (a_j - y_j) x~_j + lambda/m D theta, and
    da_j/dtheta = a_j (1 - a_j) x~_j, so
        H = 1/m sum_j a_j (1 - a_j) x~_j x~_j^T + lambda/m D = 1/m X~ S X~^T + lambda/m D,
    S = diag(a_j (1 - a_j)), D = diag(1, ..., 1, 0) (no lambda on the bias). Y does not enter.
    """
    n_x, m = X.shape
    A, cache = forward(params, X)
    s = A * sigmoid(-cache["Z"])                         # s_j = a_j (1 - a_j), 1 - a_j = g(-z_j)     (1, m)
    Xt = np.vstack([X, np.ones((1, m), X.dtype)])        # X~ = [X; 1^T]: b is W's weight on a 1     (n+1, m)
    D = np.diag(np.r_[np.ones(n_x), 0.0]).astype(X.dtype)  # D = diag(1, ..., 1, 0): W only          (n+1, n+1)
    return (Xt * s) @ Xt.T / m + lam / m * D             # H = 1/m X~ S X~^T + lambda/m D           (n+1, n+1)


def configure(lam=0.0):
    """This model with its L2 strength bound: an object with the model contract (catalogue.Model)."""
    return linear_model.bind_lam(__name__, lam)
