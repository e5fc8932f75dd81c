"""The convolutional layer in JAX (forward only), the twin of ``manual/layers/conv.py``.

``conv_general_dilated`` with dimension numbers (NCHW, OIHW, NCHW) is CS231n's layout, and like
CS231n's convolution it is a cross-correlation (the kernel is not flipped)."""

from jax import lax

LAYOUT = ("NCHW", "OIHW", "NCHW")


def conv_forward_naive(x, w, b, stride=1, pad=1):
    out = lax.conv_general_dilated(x, w, (stride, stride), [(pad, pad), (pad, pad)], dimension_numbers=LAYOUT,
                                   precision=lax.Precision.HIGHEST)
    return out + b[None, :, None, None]


def conv_forward_im2col(x, w, b, stride=1, pad=1):
    return conv_forward_naive(x, w, b, stride, pad)
