"""Batch, layer and spatial batch normalization in JAX (forward only), the twins of
``manual/layers/normalization.py``: the same functions and signatures, returning ``out`` alone.

``jnp.var`` is the BIASED variance (ddof=0), the one the forward normalizes with, as in the manual
layer. ``momentum`` and ``running`` are accepted for the same signature and not used: the running
statistics are the manual layer's bookkeeping, not part of out.
"""

import jax.numpy as jnp


def batchnorm_forward(x, gamma, beta, eps=1e-5, momentum=0.9, running=None):
    mu = jnp.mean(x, axis=0)
    var = jnp.var(x, axis=0)
    return gamma * (x - mu) / jnp.sqrt(var + eps) + beta


def layernorm_forward(x, gamma, beta, eps=1e-5):
    mu = jnp.mean(x, axis=1, keepdims=True)
    var = jnp.var(x, axis=1, keepdims=True)
    return gamma * (x - mu) / jnp.sqrt(var + eps) + beta


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5, momentum=0.9, running=None):
    # each channel over N, H, W at once, without moving x to rows as the manual layer does
    mu = jnp.mean(x, axis=(0, 2, 3), keepdims=True)
    var = jnp.var(x, axis=(0, 2, 3), keepdims=True)
    return gamma[:, None, None] * (x - mu) / jnp.sqrt(var + eps) + beta[:, None, None]
