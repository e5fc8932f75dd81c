"""The course-style network (400-25-10, sigmoid units, summed binary cross-entropy, L2) in JAX.

Same ``params`` keys and shapes as ``manual/course_net.py``: X (n_x, m), W1 (n_h, n_x), b1 (n_h, 1),
W2 (n_y, n_h), b2 (n_y, 1), Y one-hot (n_y, m). No gradient is written here: autograd derives them.
The loss comes from the logits, softplus(z) - y z (``jax.nn.softplus`` is logaddexp(z, 0): stable).
"""

import jax
import jax.numpy as jnp

from manual.mlp_config import check_config
from reference.taps import identity


def configure(n_x=400, n_h=25, n_y=10, lam=1.0):
    """A ``CourseNet`` with L2 strength lambda; the sizes are read from ``params``."""
    config = check_config((n_x, n_h, n_y), ("sigmoid",), "sigmoid", "binary_cross_entropy", lam)
    return CourseNet(config.lam)


class CourseNet:
    """``forward(params, X, tap)`` and ``loss(params, X, Y, tap)``."""

    def __init__(self, lam):
        self.lam = lam

    def forward(self, params, X, tap=identity):
        """Forward pass; returns the logits Z2 (the loss takes the cross-entropy from them, not from A2)."""
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        Z1 = tap("Z1", W1 @ X + b1)            # Z1 = W1 A0 + b1     [z2 = Theta1 a1]                   (n_h, m)
        A1 = tap("A1", jax.nn.sigmoid(Z1))     # A1 = g(Z1)          [a2 = g(z2)]                       (n_h, m)
        Z2 = tap("Z2", W2 @ A1 + b2)           # Z2 = W2 A1 + b2     [z3 = Theta2 a2]                   (n_y, m)
        return Z2

    def loss(self, params, X, Y, tap=identity):
        """J = 1/m sum_j sum_k [softplus(Z2) - Y Z2] + lambda/(2m) (||W1||^2 + ||W2||^2)."""
        m, W1, W2 = X.shape[1], params["W1"], params["W2"]
        Z2 = self.forward(params, X, tap)
        data = jnp.sum(jax.nn.softplus(Z2) - Y * Z2) / m  # -Y log A2 - (1-Y) log(1-A2), from Z2: finite at +-1000
        penalty = self.lam / (2 * m) * (jnp.sum(W1 ** 2) + jnp.sum(W2 ** 2))  # not Theta's bias column
        return data + penalty
