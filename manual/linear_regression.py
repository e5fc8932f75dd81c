"""Linear regression, derived by hand: squared error with an optional ridge term, and its Hessian.

Shapes (one column per example, m = X.shape[1]; W is the course's theta^T without the bias):

    X : (n, m)    W : (1, n)    b : (1, 1)    Z : (1, m)    Y : (1, m)

Loss: half the mean squared error, plus lambda/(2m) times the squared weights (bias excluded),

    J = 1/(2m) sum_j (W x_j + b - y_j)^2 + lambda/(2m) ||W||^2.

Derivation, for one example and then vectorised: L_j = 1/2 (z_j - y_j)^2 gives the per-example
dz_j = dL_j/dz_j = z_j - y_j, so dZ = Z - Y (1, m), which is m dJ/dZ of the mean loss. From
z_j = W x_j + b: dJ/dW = 1/m sum_j dz_j x_j^T + lambda/m W = 1/m dZ X^T + lambda/m W, and
dJ/db = 1/m sum_j dz_j. The closed form is in ``manual/normal_equation.py``.

The logits Z = W X + b, the input checks and ``configure`` are the other convex models' too
(``manual/linear_model.py``).
"""

import numpy as np

from manual import linear_model
from manual.init import uniform_params
from manual.validate import checked, loss_value

N_X = 10   # the ten features of scikit-learn's diabetes data, the built-in data set
INTERMEDIATES = ("dZ",)
KINKS = ()  # no function here has a kink: J is a quadratic in (W, b)


def param_shapes(n_x=N_X):
    """{name: shape} of the parameters, in the order of the Hessian's rows: W (1, n), b (1, 1)."""
    return {"W": (1, n_x), "b": (1, 1)}


def init_params(seed=0, dtype=np.float64, n_x=N_X):
    """W, b ~ Uniform[-0.5, 0.5), never zero (zeros would hide a missing term)."""
    return uniform_params(param_shapes(n_x), seed, dtype)


def check_inputs(params, X, Y=None):
    """ValueError naming the array whose shape, dtype or values do not fit; n is W's column count."""
    linear_model.check_inputs(params, X, Y)


@checked(check_inputs)
def forward(params, X):
    """Z = W X + b, the predictions (1, m); returns Z and the cache {Z}."""
    return linear_model.forward(params, X)


@checked(check_inputs)
def loss(params, X, Y, lam=0.0):
    """J = 1/(2m) sum_j (z_j - y_j)^2 + lambda/(2m) ||W||^2."""
    m = X.shape[1]
    Z, _ = forward(params, X)
    return loss_value(((Z - Y) ** 2).sum() / (2 * m) + lam / (2 * m) * (params["W"] ** 2).sum())  # no lambda on b


@checked(check_inputs)
def backward(params, cache, X, Y, lam=0.0):
    """dZ (per example), then dW and db; keyed in the order computed."""
    m = X.shape[1]
    dZ = cache["Z"] - Y                           # the 1/2 of the square cancels its 2                (1, m)
    dW = dZ @ X.T / m + lam / m * params["W"]     # dW = 1/m dZ X^T + lambda/m W                       (1, n)
    db = dZ.sum(axis=1, keepdims=True) / m        # db = 1/m sum_j dz_j: no lambda on b                 (1, 1)
    return {"dZ": dZ, "dW": dW, "db": db}


@checked(check_inputs)
def hessian(params, X, Y, lam=0.0):
    """d^2 J / d theta^2 for theta = (W[0, 0], ..., W[0, n-1], b): a (n+1, n+1) matrix.

    With x~_j = [x_j; 1] (the bias's feature), z_j = theta^T x~_j, so
        H = 1/m sum_j x~_j x~_j^T + lambda/m diag(1, ..., 1, 0) = 1/m X~ X~^T + lambda/m D,
    the same for every theta and every Y: J is a quadratic. The bias's diagonal entry gets no lambda.
    """
    n_x, m = X.shape
    Xt = np.vstack([X, np.ones((1, m), X.dtype)])        # X~ = [X; 1^T]: b is W's weight on a 1     (n+1, m)
    D = np.diag(np.r_[np.ones(n_x), 0.0]).astype(X.dtype)  # D = diag(1, ..., 1, 0): W only          (n+1, n+1)
    return Xt @ Xt.T / m + lam / m * D                   # H = 1/m X~ X~^T + lambda/m D             (n+1, n+1)


def configure(lam=0.0):
    """This model with its L2 strength bound: an object with the model contract (catalogue.Model)."""
    return linear_model.bind_lam(__name__, lam)
