"""The convolutional layer in PyTorch (forward only), the twin of ``manual/layers/conv.py``.

``conv2d`` is a cross-correlation, as CS231n's convolution is: no flip on either side."""

import torch.nn.functional as F


def conv_forward_naive(x, w, b, stride=1, pad=1):
    return F.conv2d(x, w, b, stride=stride, padding=pad)


def conv_forward_im2col(x, w, b, stride=1, pad=1):
    return F.conv2d(x, w, b, stride=stride, padding=pad)
