"""The seed network, fast: the equations of manual/seed_net.py, arranged for the machine.

Read manual/seed_net.py for the derivation; this module computes exactly the same quantities:

    Z1 = W1 X + b1     A1 = g_ReLU(Z1)     Z2 = W2 A1 + b2     A2 = g_softmax(Z2)
    dZ2 = A2 - Y       dW2 = 1/m dZ2 A1^T  db2 = 1/m sum_j dZ2
    dA1 = W2^T dZ2     dZ1 = dA1 * g_ReLU'(Z1)
    dW1 = 1/m dZ1 X^T  db1 = 1/m sum_j dZ1

What changes is only how the work is laid out (timed in ``handgrad bench``; the machinery,
blocks, pieces, threads and layout, is in manual/batching.py):

1. Layout: X with each example's 784 pixels next to each other (Fortran order, ``layout``),
   so that a block of examples is one contiguous stretch of memory. X keeps its shape
   (784, m); only the order of its bytes changes, once, when the data are loaded.
2. Blocks of columns. Examples are independent until the sums over j, so the batch is taken
   B columns at a time (``batching.BLOCK``). A block of X is read from memory once and used
   twice while it is still in cache: for Z1 = W1 X and for dW1 += dZ1 X^T. The literal form
   streams all of X twice, and makes each (10, m) intermediate as a fresh array.
3. The two products with X run in pieces of P columns (``batching.PIECE``), a stack per call:
   with n_h = 10 such products are small enough for BLAS's small-matrix kernels, which skip
   the copying ("packing") a large product starts with; for this shape that copy costs as
   much as the arithmetic.
   Which block B and piece P are fastest depends on the CPU's caches and on the BLAS (OpenBLAS's
   small kernels on one machine, its large ones on another), so by default they are chosen
   here, at run time: ``calibrated`` times the gradient once per process for a few (B, P) on a
   batch of its own and keeps the fastest (``block=``/``piece=`` fix them instead).
4. Sums over examples are sums over blocks: dW = 1/m sum_blocks dZ_b A_b^T, db likewise.
5. No temporaries in the loop: each step writes into a per-block scratch array or straight into
   its slice of the returned dZ2, dA1, dZ1 (``out=``, in place); float32 stays float32.
6. Threads over blocks (``threads=``): the sums over examples split into sums over shares of
   the blocks, one share per thread, added at the end in a fixed order.
7. Any hidden width: n_h is read from W1's shape (the literal module fixes n_h = 10), so the
   bench can sweep the width with the same code.

Every function gives the same numbers (to rounding) for X in either order; only speed differs.
Shapes: X (784, m), W1 (n_h, 784), b1 (n_h, 1), W2 (10, n_h), b2 (10, 1), Y (10, m).
"""

import numpy as np

import time
from functools import lru_cache

from manual.batching import BLOCK, PIECE, _blas_threads, blocks, layout, over_blocks, small_pieces, stack
from manual.seed_net import INTERMEDIATES, KINKS, N_H, N_X, N_Y, param_shapes
from manual.init import uniform_params
from manual.validate import check_array, check_data, check_finite_through, check_params, checked

__all__ = ["INTERMEDIATES", "KINKS", "layout", "param_shapes", "init_params", "check_inputs", "forward", "loss",
           "gradient", "backward", "calibrated", "CANDIDATES"]

# (block B, piece P) tried by ``calibrated``: P = 0 is one product per block
CANDIDATES = tuple((b, p) for b in (256, 512, 1024) for p in (0, 32, 64, 128))
CALIBRATION_M = 8 * 1024    # examples of the calibration batch: 8 to 32 blocks, a few ms a try

def init_params(seed=0, dtype=np.float64, n_h=N_H):
    """W, b ~ Uniform[-0.5, 0.5) drawn as in manual/seed_net.py (the same arrays when n_h = 10)."""
    return uniform_params(param_shapes(n_h=n_h), seed, dtype)


def check_inputs(params, X, Y=None):
    """As manual/seed_net.check_inputs, with the hidden width n_h taken from W1 (any n_h >= 1)."""
    W1 = params.get("W1") if isinstance(params, dict) else None
    n_h = W1.shape[0] if isinstance(W1, np.ndarray) and W1.ndim == 2 and W1.shape[0] else N_H
    check_params(params, param_shapes(n_h=n_h))
    check_array("X", X, (N_X, None), finite=False)
    if X.shape[1] == 0:
        raise ValueError("X has shape (784, 0); expected at least one example (column)")
    check_data(params, X, Y, N_X, N_Y)


def _layers(params, Xb, Z1, A1, Z2, piece=None):
    """Z1 = W1 Xb + b1, A1 = g_ReLU(Z1), Z2 = W2 A1 + b2 for one block, into the arrays given."""
    W1 = params["W1"]
    n_h, k = W1.shape[0], small_pieces(Xb, W1.shape[0], piece)
    if k:                                                # Z1^T = X_b^T W1^T, piece by piece, one
        Z1T = np.empty((Xb.shape[1], n_h), Xb.dtype)     # example per row: the orientation BLAS
        W1T = np.ascontiguousarray(W1.T)                 # runs fastest with X in layout order
        np.matmul(stack(Xb, k).transpose(0, 2, 1), W1T, out=Z1T.reshape(k, -1, n_h))
        Z1[...] = Z1T.T
    else:
        np.matmul(W1, Xb, out=Z1)                        # Z1 = W1 X_b
    Z1 += params["b1"]                                   # Z1 = W1 X_b + b1        (n_h, B)
    np.maximum(Z1, 0, out=A1)                            # A1 = g_ReLU(Z1)         (n_h, B)
    np.matmul(params["W2"], A1, out=Z2)
    Z2 += params["b2"]                                   # Z2 = W2 A1 + b2         (10, B)


def _softmax_into(Z2, A2):
    """A2 = g_softmax(Z2) = exp(Z2 - max) / sum_k exp(Z2 - max), column by column, in A2 (may be Z2)."""
    np.subtract(Z2, Z2.max(axis=0, keepdims=True), out=A2)
    np.exp(A2, out=A2)
    A2 /= A2.sum(axis=0, keepdims=True)


@checked(check_inputs)
def forward(params, X):
    """Forward pass block by block; returns A2 and the cache (Z1, A1, Z2, A2), as the literal one."""
    n_h, m = params["W1"].shape[0], X.shape[1]
    Z1, A1 = np.empty((n_h, m), X.dtype), np.empty((n_h, m), X.dtype)
    Z2, A2 = np.empty((N_Y, m), X.dtype), np.empty((N_Y, m), X.dtype)
    for s in blocks(m):
        _layers(params, X[:, s], Z1[:, s], A1[:, s], Z2[:, s])
        _softmax_into(Z2[:, s], A2[:, s])
    check_finite_through(X, Z1)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


@checked(check_inputs)
def loss(params, X, Y, block=None, threads=1, piece=None):
    """J = -1/m sum_j sum_k Y[k, j] log A2[k, j], block by block, with log A2 = S - log sum_k exp S.

    S = Z2 - max_k Z2 (the stable log-softmax); nothing of size (., m) is kept. ``threads``: see
    ``manual.batching.over_blocks``; ``block``, ``piece``: see ``sizes``.
    """
    n_h, m, dtype = params["W1"].shape[0], X.shape[1], X.dtype
    block, piece = sizes(block, piece, dtype, n_h)

    def partial_sum(cols):                        # sum_{j in cols} sum_k Y log A2
        B = max(s.stop - s.start for s in cols)
        Z1, A1, S = np.empty((n_h, B), dtype), np.empty((n_h, B), dtype), np.empty((N_Y, B), dtype)
        total = 0.0
        for s in cols:
            b = s.stop - s.start
            z1, s_ = Z1[:, :b], S[:, :b]
            _layers(params, X[:, s], z1, A1[:, :b], s_, piece)
            check_finite_through(X[:, s], z1)
            s_ -= s_.max(axis=0, keepdims=True)                   # S = Z2 - max_k Z2
            log_sum = np.log(np.exp(s_).sum(axis=0))              # log sum_k exp S     (B,)
            total += float((Y[:, s] * s_).sum() - Y[:, s].sum(axis=0) @ log_sum)
        return total

    return -sum(over_blocks(partial_sum, m, block, threads)) / m


@checked(check_inputs)
def gradient(params, X, Y, block=None, threads=1, piece=None):
    """Forward and backward fused, block by block; returns every d<name>, as the literal backward.

    For each block b of columns, while X_b is in cache:
        forward   Z1, A1, Z2 as above, A2 = g_softmax(Z2)
        dZ2_b = A2 - Y_b        dW2 += dZ2_b A1^T       db2 += sum_j dZ2_b
        dA1_b = W2^T dZ2_b      dZ1_b = dA1_b * g_ReLU'(Z1)
        dW1 += dZ1_b X_b^T      db1 += sum_j dZ1_b
    then dW = dW / m and db = db / m. g_ReLU'(Z1) is (Z1 > 0), so g_ReLU'(0) = 0.
    ``threads``: see ``manual.batching.over_blocks``; ``block``, ``piece``: see ``sizes``.
    """
    W2 = params["W2"]
    n_h, m, dtype = params["W1"].shape[0], X.shape[1], X.dtype
    block, piece = sizes(block, piece, dtype, n_h)
    dZ2, dA1, dZ1 = np.empty((N_Y, m), dtype), np.empty((n_h, m), dtype), np.empty((n_h, m), dtype)

    def partial_sums(cols):                       # (dW1, dW2, db1, db2) summed over the blocks in cols
        B = max(s.stop - s.start for s in cols)
        Z1, A1, A2 = np.empty((n_h, B), dtype), np.empty((n_h, B), dtype), np.empty((N_Y, B), dtype)
        dW1, dW2 = np.zeros((n_h, N_X), dtype), np.zeros((N_Y, n_h), dtype)
        db1, db2 = np.zeros((n_h, 1), dtype), np.zeros((N_Y, 1), dtype)
        dW1_pieces = np.empty((B // max(piece, 1), n_h, N_X), dtype)
        for s in cols:
            b, Xb = s.stop - s.start, X[:, s]
            z1, a1, a2 = Z1[:, :b], A1[:, :b], A2[:, :b]
            _layers(params, Xb, z1, a1, a2, piece)
            check_finite_through(Xb, z1)
            _softmax_into(a2, a2)                             # A2 = g_softmax(Z2)       (10, B)
            np.subtract(a2, Y[:, s], out=dZ2[:, s])           # dZ2 = A2 - Y             (10, B)
            dW2 += dZ2[:, s] @ a1.T                           # dW2 += dZ2 A1^T          (10, n_h)
            db2 += dZ2[:, s].sum(axis=1, keepdims=True)       # db2 += sum_j dZ2         (10, 1)
            np.matmul(W2.T, dZ2[:, s], out=dA1[:, s])         # dA1 = W2^T dZ2           (n_h, B)
            np.multiply(dA1[:, s], z1 > 0, out=dZ1[:, s])     # dZ1 = dA1 * g_ReLU'(Z1)  (n_h, B)
            dz1, k = dZ1[:, s], small_pieces(Xb, n_h, piece)
            if k:                                             # dW1 += sum_pieces dZ1 X^T
                np.matmul(stack(dz1, k), stack(Xb, k).transpose(0, 2, 1), out=dW1_pieces[:k])
                dW1 += dW1_pieces[:k].sum(axis=0)
            else:
                dW1 += dz1 @ Xb.T                             # dW1 += dZ1 X^T           (n_h, 784)
            db1 += dz1.sum(axis=1, keepdims=True)             # db1 += sum_j dZ1         (n_h, 1)
        return dW1, dW2, db1, db2

    parts = over_blocks(partial_sums, m, block, threads)
    dW1, dW2, db1, db2 = (sum(p[i] for p in parts) for i in range(4))
    return {"dZ2": dZ2, "dW2": dW2 / m, "db2": db2 / m, "dA1": dA1, "dZ1": dZ1, "dW1": dW1 / m, "db1": db1 / m}


def sizes(block, piece, dtype, n_h):
    """(B, P): those given; where both are None, ``calibrated``'s for this dtype and width; else the
    constants (``batching.BLOCK``, ``batching.PIECE``) for the one not given."""
    if block is None and piece is None:
        return calibrated(dtype, n_h)
    return block or BLOCK, PIECE if piece is None else piece


def calibrated(dtype, n_h=N_H):
    """(B, P) of ``CANDIDATES`` under which ``gradient`` ran fastest here, for ``dtype`` and width n_h.

    Timed once per process (then kept in memory): on one thread with BLAS on one thread, as each
    share of the blocks runs (``batching.over_blocks``), on a batch of ``CALIBRATION_M`` random
    examples in layout order; each candidate once to warm up, then the best of three, unless its
    warm-up already took three times the best so far. About a quarter of a second in all on an
    idle machine.
    """
    return _calibrated(np.dtype(dtype).name, int(n_h))


@lru_cache(maxsize=None)
def _calibrated(dtype, n_h):
    rng = np.random.default_rng(0)
    X = layout(rng.random((N_X, CALIBRATION_M)).astype(dtype))
    Y = np.eye(N_Y, dtype=dtype)[:, rng.integers(0, N_Y, CALIBRATION_M)]
    params = init_params(0, dtype, n_h)
    best = (float("inf"), BLOCK, PIECE)

    def took(block, piece):
        t0 = time.perf_counter()
        gradient(params, X, Y, block=block, piece=piece)
        return time.perf_counter() - t0

    with _blas_threads(1):
        for block, piece in CANDIDATES:
            if took(block, piece) > 3 * best[0]:
                continue
            best = min(best, (min(took(block, piece) for _ in range(3)), block, piece))
    return best[1], best[2]


def backward(params, cache, X, Y):
    """The contract's backward: ``gradient(params, X, Y)``, the fused pass.

    The fused pass recomputes Z1, A1, A2 block by block while X_b is in cache, which costs less
    than streaming X a second time; ``cache`` (from ``forward``) is accepted and not needed.
    """
    return gradient(params, X, Y)
