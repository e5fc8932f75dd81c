"""The word embedding as a layer, derived by hand.

Shapes (CS231n's layout): x (N, T) integer indices into a vocabulary of V words; W (V, D) one row per
word; out (N, T, D).

    out[n, t] = W[x[n, t]]
    dW[v] = sum over (n, t) with x[n, t] = v of dout[n, t]       (V, D)

Each occurrence of word v copies row v, so each sends its dout back to row v and they add up: a word
that occurs twice gets the sum of both. ``np.add.at`` accumulates at repeated indices; the
assignment ``dW[x] = dout`` (or ``dW[x] += dout``, buffered) keeps only one occurrence of each, the
classic slip. Rows of words that do not occur get 0. x is an integer input: there is no dx.
"""

import numpy as np

from manual.layers import Layer


def word_embedding_forward(x, W):
    """out = W[x] (N, T, D): row x[n, t] of W for each position; cache (x, W.shape)."""
    out = W[x]                          # fancy indexing: (N, T) indices -> (N, T, D) rows
    return out, (x, W.shape)


def word_embedding_backward(dout, cache):
    """dW (V, D): dout[n, t] added to row x[n, t], once per occurrence (np.add.at, unbuffered)."""
    x, W_shape = cache
    dW = np.zeros(W_shape, dout.dtype)
    np.add.at(dW, x, dout)              # dW[x[n, t]] += dout[n, t] for every (n, t), repeats accumulate
    return dW


def embedding_inputs(seed, dtype, N=2, T=4, V=5, D=3):
    """x (N, T) in which index 1 occurs at least three times, in both rows (x[0, 0], x[0, 2], x[1, 3]), and
    the last word never occurs; W (V, D) standard normal."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, V - 1, (N, T))  # the last word never occurs: its dW row must stay 0
    x[0, 0] = x[0, 2] = x[1, 3] = 1     # a repeated index, across rows and within one
    return {"x": x, "W": rng.standard_normal((V, D)).astype(dtype)}


LAYERS = (
    Layer("word_embedding", "embedding", embedding_inputs, ("W",),
          summary="out[n, t] = W[x[n, t]], x (N, T) indices, W (V, D)"),
)
