"""Inverted dropout (training mode) as a layer, derived by hand.

CS231n's convention: p is the probability of KEEPING a unit (not of dropping it). In training each
unit is kept with probability p and the kept ones are scaled by 1/p, so that E[out] = x and the
test-time forward is the identity (no rescaling there: that is what "inverted" means).

Shapes: x (any shape, e.g. (N, D)), mask and out the same.

    mask = [u < p],  u ~ Uniform[0, 1) from np.random.default_rng(seed)   (1 keeps the unit, 0 drops it)
    out  = x * mask / p
    dx   = dout * mask / p          (the forward is linear in x: the same mask, the same 1/p)

The mask is fixed by ``seed`` and made in NumPy (``dropout_mask``), and the twins in reference/ import
this function and convert the mask to a tensor, so that all three compute the same function of x.
"""

import numpy as np

from manual.layers import Layer
from manual.layers.affine import away_from_zero


def dropout_mask(shape, p, seed):
    """mask (shape,) of booleans, True (keep) with probability p: np.random.default_rng(seed) draws it."""
    if not 0 < p <= 1:
        raise ValueError(f"p is the probability of keeping a unit, 0 < p <= 1; got {p}")
    return np.random.default_rng(seed).random(shape) < p


def dropout_forward(x, p, seed):
    """out = x * mask / p (inverted dropout, training mode; p the probability of keeping); cache (mask, p)."""
    mask = dropout_mask(x.shape, p, seed)
    out = x * mask / p                  # kept units scaled by 1/p: E[out] = x, no rescaling at test time
    return out, (mask, p)


def dropout_backward(dout, cache):
    """dx = dout * mask / p: a dropped unit gets no gradient, a kept one the 1/p of the forward."""
    mask, p = cache
    return dout * mask / p


def dropout_inputs(seed, dtype):
    return {"x": away_from_zero(np.random.default_rng(seed), (4, 5), dtype)}


OPTIONS = {"p": 0.7, "seed": 3}

LAYERS = (
    Layer("dropout", "dropout", dropout_inputs, ("x",), options=OPTIONS,
          summary="out = x * mask / p, mask = [u < p] from the seed (p keeps)"),
)
