"""Max and average pooling in JAX (forward only), the twins of ``manual/layers/pooling.py``, by
``lax.reduce_window`` over (1, 1, ph, pw) windows with strides (1, 1, s, s) and no padding. The initial
values are NumPy constants: under ``jax.jit`` a ``jnp.array`` would be a traced value, and the gradient of
``reduce_window`` needs its initial value known."""

import numpy as np
from jax import lax


def max_pool_forward_naive(x, pool_height=2, pool_width=2, stride=2):
    return lax.reduce_window(x, np.array(-np.inf, x.dtype), lax.max, (1, 1, pool_height, pool_width),
                             (1, 1, stride, stride), "VALID")


def avg_pool_forward(x, pool_height=2, pool_width=2, stride=2):
    total = lax.reduce_window(x, np.array(0, x.dtype), lax.add, (1, 1, pool_height, pool_width),
                              (1, 1, stride, stride), "VALID")
    return total / (pool_height * pool_width)
