"""Batch, layer and spatial batch normalization in PyTorch (forward only), the twins of
``manual/layers/normalization.py``: the same functions and signatures, returning ``out`` alone.

Each is written node by node as the hand derivation's graph (mu, xmu, sq, var, sqrtvar, ivar, xhat,
gammax), every node marked ``tap(name, ...)`` (the identity unless ``comparisons.layer_check`` asks for
autograd's gradient of each node). The batch variance is the BIASED one, the one the forward normalizes
with, as in the manual layer. ``torch.nn.functional.batch_norm`` normalizes with the same variance (and
``layer_norm`` is layer norm), with the same out and gradients (``tests/test_layers_normalization.py``,
``tests/test_layer_intermediates.py``), but neither shows its nodes, and batch_norm refuses a batch of one
in training mode. ``momentum`` and ``running`` are accepted for the same signature and not used: the
running statistics are the manual layer's bookkeeping, not part of out.
"""

import torch


def untapped(name, value, step=None):
    return value


def batchnorm_forward(x, gamma, beta, eps=1e-5, momentum=0.9, running=None, tap=None):
    tap = tap or untapped
    mu = tap("mu", x.mean(dim=0))
    xmu = tap("xmu", x - mu)
    sq = tap("sq", xmu ** 2)
    var = tap("var", sq.mean(dim=0))                   # biased: 1/N
    sqrtvar = tap("sqrtvar", torch.sqrt(var + eps))
    ivar = tap("ivar", 1 / sqrtvar)
    xhat = tap("xhat", xmu * ivar)
    gammax = tap("gammax", gamma * xhat)
    return gammax + beta


def layernorm_forward(x, gamma, beta, eps=1e-5, tap=None):
    tap = tap or untapped
    mu = tap("mu", x.mean(dim=1, keepdim=True))        # each example over its own features
    xmu = tap("xmu", x - mu)
    var = tap("var", (xmu ** 2).mean(dim=1, keepdim=True))
    xhat = tap("xhat", xmu / torch.sqrt(var + eps))
    return gamma * xhat + beta


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5, momentum=0.9, running=None, tap=None):
    # each channel over N, H, W at once, without moving x to rows as the manual layer does
    tap = tap or untapped
    mu = tap("mu", x.mean(dim=(0, 2, 3)))              # (C,)
    xmu = tap("xmu", x - mu[:, None, None])
    sq = tap("sq", xmu ** 2)
    var = tap("var", sq.mean(dim=(0, 2, 3)))           # (C,) biased
    sqrtvar = tap("sqrtvar", torch.sqrt(var + eps))
    ivar = tap("ivar", 1 / sqrtvar)
    xhat = tap("xhat", xmu * ivar[:, None, None])
    gammax = tap("gammax", gamma[:, None, None] * xhat)
    return gammax + beta[:, None, None]
