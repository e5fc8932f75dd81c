"""Max pooling and average pooling, derived by hand.

Shapes (CS231n's layout): x (N, C, H, W); a pool_height x pool_width window moves ``stride`` at a
time over each channel of each image, without padding:

    H' = 1 + (H - ph) / stride,  W' = 1 + (W - pw) / stride   (refused unless whole)
    window(i, j) = rows i s : i s + ph, columns j s : j s + pw

Max pooling:  out[n, c, i, j] = max of x[n, c] over window(i, j)
    dx[n, c, p, q] = sum over the windows (i, j) whose maximum is at (p, q) of dout[n, c, i, j]

The maximum is a kink wherever two elements of a window tie: the one-sided slopes of the scalar
s = sum(out * dout) in a tied element differ (dout on the way up, where it becomes the unique maximum,
0 on the way down), and any convex combination of the tied elements is a subgradient. This derivation
picks ONE: the first maximum in the window's row-major order, as ``np.argmax`` does, so that the
window's dx sums to its dout whatever the ties. Passing dout to every tied maximum is wrong (the window
then sends back k dout for k ties: ``tests/test_layers_conv.py``). PyTorch's ``max_pool2d`` and JAX's
``reduce_window`` choose for themselves, so a tie is compared to them only where there is none.
The layer gives the witness ``max_pool_pattern`` (which element of each window is its maximum): a
difference stencil that changes it crosses a tie, and is counted kink-crossed instead of judged.

Average pooling:  out[n, c, i, j] = (1 / (ph pw)) sum of x[n, c] over window(i, j)
    dx[n, c, p, q] = sum over the windows (i, j) holding (p, q) of dout[n, c, i, j] / (ph pw)

Windows overlap when stride < the pool's size; the backwards add (+=) into dx for that reason.
"""

import numpy as np

from manual.layers import Layer


def pool_size(x, pool_height, pool_width, stride):
    """(N, C, H, W, H', W') of a pooling, or a ValueError when the window does not tile x."""
    N, C, H, W = x.shape
    sizes = []
    for axis, size, pool, names in (("height", H, pool_height, "(H - ph)"), ("width", W, pool_width, "(W - pw)")):
        span = size - pool
        if stride < 1 or pool < 1 or span < 0:
            raise ValueError(f"pooling {axis}: need 1 <= pool <= {size} and stride >= 1; got pool {pool}, "
                             f"stride {stride}")
        if span % stride:
            raise ValueError(f"pooling {axis} does not divide: {names} / stride = ({size} - {pool}) / {stride} "
                             f"is not a whole number; choose the pool and stride so that it is")
        sizes.append(1 + span // stride)
    return N, C, H, W, sizes[0], sizes[1]


def windows(H_out, W_out, pool_height, pool_width, stride):
    """(i, j, rows, cols) of every window, row by row."""
    for i in range(H_out):
        for j in range(W_out):
            yield i, j, slice(i * stride, i * stride + pool_height), slice(j * stride, j * stride + pool_width)


# --- Max pooling ----------------------------------------------------------------------------------

def max_pool_forward_naive(x, pool_height=2, pool_width=2, stride=2):
    """out (N, C, H', W'), the maximum of each window; cache (x, pool_height, pool_width, stride)."""
    N, C, H, W, H_out, W_out = pool_size(x, pool_height, pool_width, stride)
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for i, j, rows, cols in windows(H_out, W_out, pool_height, pool_width, stride):
        out[:, :, i, j] = x[:, :, rows, cols].max(axis=(2, 3))          # every image and channel at once
    return out, (x, pool_height, pool_width, stride)


def max_pool_backward_naive(dout, cache):
    """dx (N, C, H, W): each window's dout routed to its maximum, the FIRST one (np.argmax) at a tie."""
    x, pool_height, pool_width, stride = cache
    N, C, H, W, H_out, W_out = pool_size(x, pool_height, pool_width, stride)
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x.real))
    for i, j, rows, cols in windows(H_out, W_out, pool_height, pool_width, stride):
        window = x[:, :, rows, cols].reshape(N, C, -1)                  # (N, C, ph pw), row-major
        first = np.argmax(window, axis=2)                               # (N, C): one maximum per window
        routed = np.zeros(window.shape, dtype=dx.dtype)
        np.put_along_axis(routed, first[:, :, None], dout[:, :, i, j, None], axis=2)
        dx[:, :, rows, cols] += routed.reshape(N, C, pool_height, pool_width)   # += : windows may overlap
    return dx


def max_pool_pattern(x, pool_height=2, pool_width=2, stride=2):
    """Where each window's maximum is: one-hot (N, C, H', W', ph pw), True at the FIRST maximum (np.argmax).

    The kinks of max pooling are the ties: this pattern changes exactly where a difference stencil moves
    an element past its window's maximum (or the maximum below another element), so the witness counts
    such a stencil as kink-crossed instead of judging its quotient, the mean of two one-sided slopes.
    """
    N, C, H, W, H_out, W_out = pool_size(x, pool_height, pool_width, stride)
    where = np.zeros((N, C, H_out, W_out, pool_height * pool_width), dtype=bool)
    for i, j, rows, cols in windows(H_out, W_out, pool_height, pool_width, stride):
        first = np.argmax(x[:, :, rows, cols].reshape(N, C, -1), axis=2)           # (N, C)
        np.put_along_axis(where[:, :, i, j], first[:, :, None], True, axis=2)
    return where


# --- Average pooling ----------------------------------------------------------------------------

def avg_pool_forward(x, pool_height=2, pool_width=2, stride=2):
    """out (N, C, H', W'), the mean of each window; cache (x, pool_height, pool_width, stride)."""
    N, C, H, W, H_out, W_out = pool_size(x, pool_height, pool_width, stride)
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for i, j, rows, cols in windows(H_out, W_out, pool_height, pool_width, stride):
        out[:, :, i, j] = x[:, :, rows, cols].sum(axis=(2, 3)) / (pool_height * pool_width)
    return out, (x, pool_height, pool_width, stride)


def avg_pool_backward(dout, cache):
    """dx (N, C, H, W): each window's dout / (ph pw) spread over every element of it."""
    x, pool_height, pool_width, stride = cache
    N, C, H, W, H_out, W_out = pool_size(x, pool_height, pool_width, stride)
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x.real))
    share = 1 / (pool_height * pool_width)                              # d mean / d each element
    for i, j, rows, cols in windows(H_out, W_out, pool_height, pool_width, stride):
        dx[:, :, rows, cols] += dout[:, :, i, j, None, None] * share
    return dx


# --- Inputs and the catalogue --------------------------------------------------------------------

def without_ties(rng, shape, dtype, gap=0.05):
    """Values a random permutation of 0, gap, 2 gap, ... (centred), jittered by under gap / 4: every two
    differ by more than gap / 2, far beyond any difference step, so no window has a tie or comes near one."""
    n = int(np.prod(shape))
    values = (np.arange(n) - n / 2) * gap + rng.uniform(-gap / 4, gap / 4, n)
    return rng.permutation(values).reshape(shape).astype(dtype)


def max_pool_inputs(seed, dtype):
    return {"x": without_ties(np.random.default_rng(seed), (2, 3, 4, 4), dtype)}


def avg_pool_inputs(seed, dtype):
    return {"x": np.random.default_rng(seed).standard_normal((2, 3, 5, 5)).astype(dtype)}


LAYERS = (
    Layer("max_pool", "pooling", max_pool_inputs, ("x",),
          options={"pool_height": 2, "pool_width": 2, "stride": 2}, kinks=True,
          summary="out = the maximum of each 2x2 window, stride 2 (ties: the first maximum)",
          functions=("max_pool_forward_naive", "max_pool_backward_naive"), pattern=max_pool_pattern),
    Layer("avg_pool", "pooling", avg_pool_inputs, ("x",),
          options={"pool_height": 3, "pool_width": 3, "stride": 2},
          summary="out = the mean of each 3x3 window, stride 2 (overlapping windows)"),
)
