"""makemore's "backprop ninja" network in JAX (forward only), the twin of ``manual/layers/makemore.py``.

The same sequence of ops as makemore's forward, in jax.numpy, returning the loss alone; ``jax.vjp``
differentiates it. The batch variance keeps makemore's Bessel's correction 1/(N-1).
"""

import jax.numpy as jnp


def makemore_forward(Xb, Yb, C, W1, b1, bngain, bnbias, W2, b2):
    n = Xb.shape[0]
    emb = C[Xb]
    embcat = emb.reshape(n, -1)
    hprebn = embcat @ W1 + b1
    bnmeani = 1 / n * hprebn.sum(0, keepdims=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff ** 2
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdims=True)     # Bessel's correction, as makemore
    bnvar_inv = (bnvar + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = jnp.tanh(hpreact)
    logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdims=True)
    norm_logits = logits - logit_maxes
    counts = jnp.exp(norm_logits)
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum ** -1
    probs = counts * counts_sum_inv
    logprobs = jnp.log(probs)
    return -logprobs[jnp.arange(n), Yb].mean()
