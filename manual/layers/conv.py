"""The convolutional layer, derived by hand: the naive loops, and the same function by im2col.

Shapes (CS231n's layout): x (N, C, H, W), N images of C channels; w (F, C, HH, WW), F filters;
b (F,); zero padding ``pad`` on each side of H and W, then the filter moves ``stride`` at a time:

    x_pad = x padded with ``pad`` zeros on each side of H and W       (N, C, H + 2 pad, W + 2 pad)
    H' = 1 + (H + 2 pad - HH) / stride,  W' = 1 + (W + 2 pad - WW) / stride   (refused unless whole)
    out[n, f, i, j] = sum over c, k, l of x_pad[n, c, i s + k, j s + l] w[f, c, k, l] + b[f]

This is a cross-correlation (the filter is not flipped), as in CS231n and in
``torch.nn.functional.conv2d``. Its derivatives, for dout = d s / d out of the shape (N, F, H', W'):

    db[f]             = sum over n, i, j of dout[n, f, i, j]
    dw[f, c, k, l]    = sum over n, i, j of dout[n, f, i, j] x_pad[n, c, i s + k, j s + l]
    dx_pad[n, c, p, q] = sum over f, i, j with (p, q) = (i s + k, j s + l) of dout[n, f, i, j] w[f, c, k, l]
    dx                = dx_pad[:, :, pad : pad + H, pad : pad + W]   (the zeros of the padding are no input)

dx_pad is the *transposed* correlation: every output position scatters dout times the filter back on
the patch it read. For stride 1 this is the full correlation of dout with the filter turned by 180
degrees, i.e. a true convolution; written as a correlation with the filter unturned it is wrong (the
classic slip, in ``tests/test_layers_conv.py``), and so is leaving the padding's border in dx.

im2col. Each patch x_pad[n, :, i s : i s + HH, j s : j s + WW] becomes a column of
X_col (K, N P), K = C HH WW, P = H' W'; the filters become the rows of W_row = w.reshape(F, K), and the
whole layer is one matrix product:

    out_col = W_row X_col + b                      (F, N P)
    dW_row  = dout_col X_col^T,  db = dout_col summed over its columns,  dX_col = W_row^T dout_col
    dx_pad  = col2im(dX_col): each column added back onto its patch (np.add.at: patches overlap when
              stride < kernel, and a plain fancy-index assignment would keep only the last write)
"""

import numpy as np

from manual.layers import Layer


def output_size(size, kernel, stride, pad, axis):
    """1 + (size + 2 pad - kernel) / stride, or a ValueError when the filter does not tile the padded axis."""
    if stride < 1 or pad < 0:
        raise ValueError(f"stride must be >= 1 and pad >= 0; got stride={stride}, pad={pad}")
    span = size + 2 * pad - kernel
    if span < 0:
        raise ValueError(f"the kernel's {axis} {kernel} is larger than the padded input's {size + 2 * pad}")
    if span % stride:
        raise ValueError(f"{axis} does not divide: (H + 2 pad - HH) / stride = ({size} + 2*{pad} - {kernel}) / "
                         f"{stride} is not a whole number; choose stride and pad so that it is")
    return 1 + span // stride


def shapes(x, w, stride, pad):
    """(N, C, H, W, F, HH, WW, H', W') of a convolution, checked."""
    N, C, H, W = x.shape
    F, C_w, HH, WW = w.shape
    if C_w != C:
        raise ValueError(f"x has {C} channels but w's filters have {C_w}; expected w of shape (F, {C}, HH, WW)")
    return N, C, H, W, F, HH, WW, output_size(H, HH, stride, pad, "height"), output_size(W, WW, stride, pad, "width")


def padded(x, pad):
    """x with ``pad`` zeros on each side of its last two axes (N, C, H + 2 pad, W + 2 pad)."""
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


# --- The naive loops ----------------------------------------------------------------------------

def conv_forward_naive(x, w, b, stride=1, pad=1):
    """out (N, F, H', W') of the equations above, one output element at a time; cache (x, w, b, stride, pad)."""
    N, C, H, W, F, HH, WW, H_out, W_out = shapes(x, w, stride, pad)
    x_pad = padded(x, pad)
    out = np.zeros((N, F, H_out, W_out), dtype=np.result_type(x, w, b))   # complex in, complex out
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    patch = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]   # (C, HH, WW)
                    out[n, f, i, j] = np.sum(patch * w[f]) + b[f]
    return out, (x, w, b, stride, pad)


def conv_backward_naive(dout, cache):
    """(dx, dw, db) for dout (N, F, H', W'): every output element sends dout back along what it read."""
    x, w, b, stride, pad = cache
    N, C, H, W, F, HH, WW, H_out, W_out = shapes(x, w, stride, pad)
    x_pad = padded(x, pad)
    dx_pad = np.zeros(x_pad.shape, dtype=np.result_type(dout, w))
    dw = np.zeros(w.shape, dtype=np.result_type(dout, x))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    # d out[n, f, i, j] / d x_pad[n, :, rows, cols] = w[f]: the transposed correlation
                    dx_pad[n, :, rows, cols] += dout[n, f, i, j] * w[f]
                    # d out[n, f, i, j] / d w[f] = the patch it read
                    dw[f] += dout[n, f, i, j] * x_pad[n, :, rows, cols]
    db = dout.sum(axis=(0, 2, 3))                              # b[f] is added at every n, i, j
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]                # the padding's zeros are not inputs
    return dx, dw, db


# --- im2col ------------------------------------------------------------------------------------

def patch_indices(C, HH, WW, H_out, W_out, stride):
    """(c, rows, cols), each broadcasting to (K, P): x_pad[n][c, rows, cols] is X_col's block of image n,
    row r = (c, k, l) of the patch, column p = (i, j) of the output."""
    c = np.repeat(np.arange(C), HH * WW)                       # (K,): the channel of patch row r
    k = np.tile(np.repeat(np.arange(HH), WW), C)               # (K,): its row inside the patch
    l = np.tile(np.arange(WW), C * HH)                         # (K,): its column inside the patch
    i = np.repeat(np.arange(H_out), W_out)                     # (P,): the output row of column p
    j = np.tile(np.arange(W_out), H_out)                       # (P,): its output column
    return c[:, None], k[:, None] + stride * i[None, :], l[:, None] + stride * j[None, :]


def im2col(x_pad, index):
    """X_col (K, N P): column n P + p is image n's patch under output position p, flattened as (c, k, l)."""
    c, rows, cols = index
    patches = x_pad[:, c, rows, cols]                          # (N, K, P)
    return patches.transpose(1, 0, 2).reshape(patches.shape[1], -1)


def col2im(dX_col, shape, index):
    """dx_pad of ``shape`` (N, C, Hp, Wp): each column of dX_col (K, N P) added back onto its patch."""
    N = shape[0]
    c, rows, cols = index
    dx_pad = np.zeros(shape, dtype=dX_col.dtype)
    dpatches = dX_col.reshape(dX_col.shape[0], N, -1).transpose(1, 0, 2)   # (N, K, P)
    np.add.at(dx_pad, (slice(None), c, rows, cols), dpatches)  # overlapping patches add up
    return dx_pad


def conv_forward_im2col(x, w, b, stride=1, pad=1):
    """The naive forward's out by one matrix product W_row X_col + b; cache (x, w, stride, pad, X_col)."""
    N, C, H, W, F, HH, WW, H_out, W_out = shapes(x, w, stride, pad)
    index = patch_indices(C, HH, WW, H_out, W_out, stride)
    X_col = im2col(padded(x, pad), index)                      # (K, N P)
    W_row = w.reshape(F, -1)                                   # (F, K): filter f's weights in (c, k, l) order
    out_col = W_row @ X_col + b[:, None]                       # (F, N P)
    out = out_col.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3)
    return np.ascontiguousarray(out), (x, w, stride, pad, X_col)


def conv_backward_im2col_steps(dout, cache):
    """{dout_col, db, dw, dX_col, dx_pad, dx} for dout (N, F, H', W'): the matrix product's derivatives,
    then col2im (dx_pad, the padded input's), then the padding cropped (dx)."""
    x, w, stride, pad, X_col = cache
    N, C, H, W, F, HH, WW, H_out, W_out = shapes(x, w, stride, pad)
    dout_col = dout.transpose(1, 0, 2, 3).reshape(F, -1)       # (F, N P), columns in X_col's order
    db = dout_col.sum(axis=1)                                  # (F,)
    dw = (dout_col @ X_col.T).reshape(w.shape)                 # (F, K) -> (F, C, HH, WW)
    dX_col = w.reshape(F, -1).T @ dout_col                     # (K, N P)
    dx_pad = col2im(dX_col, (N, C, H + 2 * pad, W + 2 * pad), patch_indices(C, HH, WW, H_out, W_out, stride))
    return dict(dout_col=dout_col, db=db, dw=dw, dX_col=dX_col, dx_pad=dx_pad,
                dx=dx_pad[:, :, pad:pad + H, pad:pad + W])


def conv_backward_im2col(dout, cache):
    """(dx, dw, db) for dout (N, F, H', W'), the matrix product's derivatives then col2im
    (``conv_backward_im2col_steps``)."""
    g = conv_backward_im2col_steps(dout, cache)
    return g["dx"], g["dw"], g["db"]


# --- Inputs and the catalogue --------------------------------------------------------------------

def conv_inputs(seed, dtype):
    """x (2, 3, 5, 5), w (4, 3, 3, 3), b (4,): small, so the naive loops and the witness stay quick."""
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((2, 3, 5, 5)).astype(dtype),
            "w": rng.standard_normal((4, 3, 3, 3)).astype(dtype),
            "b": rng.standard_normal(4).astype(dtype)}


LAYERS = (
    Layer("conv_naive", "conv", conv_inputs, ("x", "w", "b"), options={"stride": 1, "pad": 1},
          summary="out[n, f] = sum_c x_pad[n, c] (correlated with) w[f, c] + b[f], by loops",
          functions=("conv_forward_naive", "conv_backward_naive")),
    Layer("conv_im2col", "conv", conv_inputs, ("x", "w", "b"), options={"stride": 2, "pad": 1},
          summary="the same convolution by im2col: W_row X_col + b, col2im in the backward",
          functions=("conv_forward_im2col", "conv_backward_im2col"), steps="conv_backward_im2col_steps"),
)
