"""Inverted dropout in JAX (forward only), the twin of ``manual/layers/dropout.py``: the mask is the manual
one (NumPy, from the seed), converted to an array, so that the three compute the same function."""

import jax.numpy as jnp

from manual.layers.dropout import dropout_mask


def dropout_forward(x, p, seed):
    # p is the probability of keeping a unit; kept units are scaled by 1/p
    mask = jnp.asarray(dropout_mask(x.shape, p, seed), dtype=x.dtype)
    return x * mask / p
