"""Batch, layer and spatial batch normalization in PyTorch (forward only), the twins of
``manual/layers/normalization.py``: the same functions and signatures, returning ``out`` alone.

The batch variance is the BIASED one (``correction=0``), the one the forward normalizes with, as in
the manual layer. ``torch.nn.functional.batch_norm`` normalizes with the same variance, but it refuses
a batch of one in training mode, so batch norm is written in tensor ops here; layer norm, which has no
such case, is PyTorch's own ``layer_norm``. ``momentum`` and ``running`` are accepted for the same
signature and not used: the running statistics are the manual layer's bookkeeping, not part of out.
"""

import torch


def batchnorm_forward(x, gamma, beta, eps=1e-5, momentum=0.9, running=None):
    mu = x.mean(dim=0)
    var = x.var(dim=0, correction=0)
    return gamma * (x - mu) / torch.sqrt(var + eps) + beta


def layernorm_forward(x, gamma, beta, eps=1e-5):
    return torch.nn.functional.layer_norm(x, (x.shape[1],), gamma, beta, eps)


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5, momentum=0.9, running=None):
    # each channel over N, H, W at once, without moving x to rows as the manual layer does
    mu = x.mean(dim=(0, 2, 3), keepdim=True)
    var = x.var(dim=(0, 2, 3), keepdim=True, correction=0)
    return gamma[:, None, None] * (x - mu) / torch.sqrt(var + eps) + beta[:, None, None]
