"""Binary logistic regression (cross-entropy from the logits, L2 on W only) in JAX.

Same ``params`` keys and shapes as ``manual/logistic_regression.py``: X (n, m), W (1, n), b (1, 1),
Y (1, m) in [0, 1]. ``jax.nn.softplus`` is ``logaddexp(z, 0)``, stable at logits of +-1000, and
L_j = y softplus(-z) + (1 - y) softplus(z) has no cancellation, so tiny losses and gradients keep
their relative precision. No gradient is written here: autograd derives them.
"""

import jax
import jax.numpy as jnp

from manual import linear_model
from reference.taps import identity


def forward(params, X, tap=identity):
    """Z = W X + b, the logits (1, m)."""
    return tap("Z", params["W"] @ X + params["b"])  # z_j = W x_j + b: one affine map per example   (1, m)


def loss(params, X, Y, tap=identity, lam=0.0):
    """J = 1/m sum_j [y_j softplus(-z_j) + (1 - y_j) softplus(z_j)] + lambda/(2m) ||W||^2."""
    m = X.shape[1]
    Z = forward(params, X, tap)
    L = Y * jax.nn.softplus(-Z) + (1 - Y) * jax.nn.softplus(Z)  # -y log a - (1-y) log(1-a), both terms >= 0  (1, m)
    return jnp.sum(L) / m + lam / (2 * m) * jnp.sum(params["W"] ** 2)  # no lambda on b


def configure(lam=0.0):
    """This model with its L2 strength bound (``forward``, ``loss``), as the manual twin's."""
    return linear_model.bind_lam(__name__, lam, linear_model.REFERENCE)
