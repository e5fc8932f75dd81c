"""The seed network (784-10-10, ReLU, softmax, mean cross-entropy) in JAX.

Same ``params`` keys and shapes as ``manual/seed_net.py``: X (784, m), W1 (10, 784), b1 (10, 1),
W2 (10, 10), b2 (10, 1), Y one-hot (10, m). No gradient is written here: autograd derives them.
``jax.nn.relu`` has derivative 0 at 0, like the manual mask; ``jnp.maximum(0, z)`` would split it.
"""

import jax
import jax.numpy as jnp

from reference.taps import identity


def forward(params, X, tap=identity):
    """Z1 = W1 X + b1, A1 = ReLU(Z1), Z2 = W2 A1 + b2; returns the logits Z2 (10, m)."""
    Z1 = tap("Z1", params["W1"] @ X + params["b1"])
    A1 = tap("A1", jax.nn.relu(Z1))
    return tap("Z2", params["W2"] @ A1 + params["b2"])


def loss(params, X, Y, tap=identity):
    """J = -1/m sum_j sum_k Y[k, j] log softmax(Z2)[k, j]."""
    m = X.shape[1]
    Z2 = forward(params, X, tap)
    return -jnp.sum(Y * jax.nn.log_softmax(Z2, axis=0)) / m
