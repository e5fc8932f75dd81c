"""Linear regression (half mean squared error, ridge lambda/(2m) ||W||^2, bias excluded) in JAX.

Same ``params`` keys and shapes as ``manual/linear_regression.py``: X (n, m), W (1, n), b (1, 1),
Y (1, m). No gradient is written here: autograd derives them.
"""

from functools import partial
from types import SimpleNamespace

import jax.numpy as jnp

from reference.taps import identity


def forward(params, X, tap=identity):
    """Z = W X + b, the predictions (1, m)."""
    return tap("Z", params["W"] @ X + params["b"])


def loss(params, X, Y, tap=identity, lam=0.0):
    """J = 1/(2m) sum_j (z_j - y_j)^2 + lambda/(2m) ||W||^2."""
    m = X.shape[1]
    Z = forward(params, X, tap)
    return jnp.sum((Z - Y) ** 2) / (2 * m) + lam / (2 * m) * jnp.sum(params["W"] ** 2)


def configure(lam=0.0):
    """This model with its L2 strength bound (checked by the manual twin, which runs first)."""
    return SimpleNamespace(lam=lam, forward=forward, loss=partial(loss, lam=lam))
