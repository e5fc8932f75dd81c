"""Scaled dot-product attention, one head, in JAX (forward only), the twin of
``manual/layers/attention.py``; the softmax's input (the scores after the mask) and output P are marked
``tap(name, ...)`` (the identity unless ``comparisons.layer_check`` asks for their gradients)."""

import math

import jax
import jax.numpy as jnp


def untapped(name, value, step=None):
    return value


def attention_forward(q, k, v, causal=False, tap=None):
    tap = tap or untapped
    scores = q @ jnp.swapaxes(k, 1, 2) / math.sqrt(q.shape[-1])
    if causal:
        T, S = scores.shape[-2:]
        hidden = jnp.triu(jnp.ones((T, S), dtype=bool), k=1)                  # key s > query t
        scores = jnp.where(hidden, -jnp.inf, scores)
    P = tap("P", jax.nn.softmax(tap("scores", scores), axis=-1))
    return P @ v
