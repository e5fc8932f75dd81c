"""The convolutional layer in PyTorch (forward only), the twin of ``manual/layers/conv.py``.

``conv2d`` is a cross-correlation, as CS231n's convolution is: no flip on either side. The im2col twin
is the hand layer's im2col, its patches by PyTorch's own ``unfold`` (X_col, the same (c, k, l) row order),
then one matrix product, its nodes marked ``tap(name, ...)`` (the identity unless
``comparisons.layer_check`` asks for their gradients): x_pad, X_col, out_col."""

import torch.nn.functional as F


def untapped(name, value, step=None):
    return value


def conv_forward_naive(x, w, b, stride=1, pad=1):
    return F.conv2d(x, w, b, stride=stride, padding=pad)


def conv_forward_im2col(x, w, b, stride=1, pad=1, tap=None):
    tap = tap or untapped
    N, (n_filters, _, HH, WW) = x.shape[0], w.shape
    x_pad = tap("x_pad", F.pad(x, (pad, pad, pad, pad)))
    patches = F.unfold(x_pad, (HH, WW), stride=stride)                          # (N, K, P)
    X_col = tap("X_col", patches.permute(1, 0, 2).reshape(patches.shape[1], -1))  # (K, N P)
    out_col = tap("out_col", w.reshape(n_filters, -1) @ X_col + b[:, None])    # (F, N P)
    H_out, W_out = (x_pad.shape[2] - HH) // stride + 1, (x_pad.shape[3] - WW) // stride + 1
    return out_col.reshape(n_filters, N, H_out, W_out).permute(1, 0, 2, 3)
