"""Linear regression (half mean squared error, ridge lambda/(2m) ||W||^2, bias excluded) in JAX.

Same ``params`` keys and shapes as ``manual/linear_regression.py``: X (n, m), W (1, n), b (1, 1),
Y (1, m). No gradient is written here: autograd derives them.
"""

import jax.numpy as jnp

from manual import linear_model
from reference.taps import identity


def forward(params, X, tap=identity):
    """Z = W X + b, the predictions (1, m)."""
    return tap("Z", params["W"] @ X + params["b"])  # z_j = W x_j + b: one affine map per example   (1, m)


def loss(params, X, Y, tap=identity, lam=0.0):
    """J = 1/(2m) sum_j (z_j - y_j)^2 + lambda/(2m) ||W||^2."""
    m = X.shape[1]
    Z = forward(params, X, tap)
    return jnp.sum((Z - Y) ** 2) / (2 * m) + lam / (2 * m) * jnp.sum(params["W"] ** 2)  # no lambda on b


def configure(lam=0.0):
    """This model with its L2 strength bound (``forward``, ``loss``), as the manual twin's."""
    return linear_model.bind_lam(__name__, lam, linear_model.REFERENCE)
