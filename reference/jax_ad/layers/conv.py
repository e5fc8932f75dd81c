"""The convolutional layer in JAX (forward only), the twin of ``manual/layers/conv.py``.

``conv_general_dilated`` with dimension numbers (NCHW, OIHW, NCHW) is CS231n's layout, and like
CS231n's convolution it is a cross-correlation (the kernel is not flipped). The im2col twin is the hand
layer's im2col, its patches by JAX's own ``conv_general_dilated_patches`` (X_col, the same (c, k, l) row
order), then one matrix product, its nodes marked ``tap(name, ...)`` (the identity unless
``comparisons.layer_check`` asks for their gradients): x_pad, X_col, out_col."""

import jax.numpy as jnp
from jax import lax

LAYOUT = ("NCHW", "OIHW", "NCHW")


def untapped(name, value, step=None):
    return value


def conv_forward_naive(x, w, b, stride=1, pad=1):
    out = lax.conv_general_dilated(x, w, (stride, stride), [(pad, pad), (pad, pad)], dimension_numbers=LAYOUT,
                                   precision=lax.Precision.HIGHEST)
    return out + b[None, :, None, None]


def conv_forward_im2col(x, w, b, stride=1, pad=1, tap=None):
    tap = tap or untapped
    N, (n_filters, _, HH, WW) = x.shape[0], w.shape
    x_pad = tap("x_pad", jnp.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))))
    patches = lax.conv_general_dilated_patches(x_pad, (HH, WW), (stride, stride), "VALID",
                                               precision=lax.Precision.HIGHEST)  # (N, K, H', W')
    H_out, W_out = patches.shape[2:]
    K = patches.shape[1]
    X_col = tap("X_col", patches.reshape(N, K, -1).transpose(1, 0, 2).reshape(K, -1))   # (K, N P)
    out_col = tap("out_col", w.reshape(n_filters, -1) @ X_col + b[:, None])   # (F, N P)
    return out_col.reshape(n_filters, N, H_out, W_out).transpose(1, 0, 2, 3)
