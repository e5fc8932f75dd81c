"""Softmax regression (mean cross-entropy summed over classes, L2 on W only) in JAX.

Same ``params`` keys and shapes as ``manual/softmax_regression.py``: X (n, m), W (K, n), b (K, 1),
Y one-hot (K, m); without a bias (``configure(bias=False)``) params hold W alone and Z = W X.
No gradient is written here: autograd derives them.
"""

import jax
import jax.numpy as jnp

from manual import linear_model, regularisation
from reference.taps import identity


def forward(params, X, tap=identity, *, bias=True):
    """Z = W X + b (W X without a bias), the logits (K, m)."""
    Z = params["W"] @ X + params["b"] if bias else params["W"] @ X  # z_j = W x_j + b per example   (K, m)
    return tap("Z", Z)


def loss(params, X, Y, tap=identity, lam=0.0, penalty=regularisation.DEFAULT, *, bias=True):
    """J = -1/m sum_j sum_k y_kj log softmax(z_j)_k + lambda/(2m) ||W||^2 (c ||W||^2: ``penalty``)."""
    m = X.shape[1]
    Z = forward(params, X, tap, bias=bias)
    return -jnp.sum(Y * jax.nn.log_softmax(Z, axis=0)) / m + regularisation.coefficient(penalty, lam, m) * jnp.sum(params["W"] ** 2)


def configure(lam=0.0, penalty=regularisation.DEFAULT, bias=True):
    """This model with its L2 strength and ``bias`` bound (``forward``, ``loss``), as the manual twin's."""
    return linear_model.bind_lam(__name__, lam, linear_model.REFERENCE, penalty, bias)
