"""Scaled dot-product attention, one head, in JAX (forward only), the twin of
``manual/layers/attention.py``."""

import math

import jax
import jax.numpy as jnp


def attention_forward(q, k, v, causal=False):
    scores = q @ jnp.swapaxes(k, 1, 2) / math.sqrt(q.shape[-1])
    if causal:
        T, S = scores.shape[-2:]
        hidden = jnp.triu(jnp.ones((T, S), dtype=bool), k=1)                  # key s > query t
        scores = jnp.where(hidden, -jnp.inf, scores)
    return jax.nn.softmax(scores, axis=-1) @ v
