"""Inverted dropout in PyTorch (forward only), the twin of ``manual/layers/dropout.py``: the mask is the
manual one (NumPy, from the seed), converted to a tensor, so that the three compute the same function."""

import torch

from manual.layers.dropout import dropout_mask


def dropout_forward(x, p, seed):
    # p is the probability of keeping a unit; kept units are scaled by 1/p
    mask = torch.from_numpy(dropout_mask(tuple(x.shape), p, seed)).to(x.dtype)
    return x * mask / p
