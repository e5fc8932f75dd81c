"""The seed network, compiled: the equations of manual/seed_net.py fused into one pass over X (numba).

Read manual/seed_net.py for the derivation; this module computes exactly the same quantities,
example by example (column j of X is x, of Y is y):

    z1 = W1 x + b1     a1 = g_ReLU(z1)     z2 = W2 a1 + b2     a2 = g_softmax(z2)
    dz2 = a2 - y       dW2 += dz2 a1^T     db2 += dz2
    da1 = W2^T dz2     dz1 = da1 * g_ReLU'(z1)
    dW1 += dz1 x^T     db1 += dz1

then dW = dW / m and db = db / m. g_ReLU'(z1) is (z1 > 0), so g_ReLU'(0) = 0.

Why compiled: in NumPy the two products with X (W1 X and dZ1 X^T) are two BLAS calls, and for
n_h = 10 rows BLAS spends as long copying ("packing") X as multiplying it; every (10, m)
intermediate is a separate pass over memory. Here each example's 784 pixels are read once, while
they sit in the core's first cache, and used for both products; the 10 x 10 products and the
softmax of the example stay in registers. How the work is laid out:

1. Layout: X with each example's pixels next to each other (``layout``, Fortran order, as the
   fast form), so that x is one contiguous stretch of 784 numbers.
2. Columns in eights (``_TILE``) and rows in pairs: W1's rows h, h+1 are read once for eight
   examples and each pixel once for both rows, so z1 = W1 x needs 10 loads for 16 multiply-adds;
   dW1's rows h, h+1 are read and written once for eight examples' dz1 x^T.
3. Chunks of ``CHUNK`` columns run in parallel (numba's ``prange``); each chunk sums its own
   dW1, dW2, db1, db2, and the chunks' sums are added at the end in chunk order, so the result
   does not depend on the number of threads.

Compiled by numba on first use for each dtype (float64, float32), with ``cache=True``: later
processes load the machine code from numba's cache, which lies next to this file where that folder
is writable and in the user's cache folder (or ``NUMBA_CACHE_DIR``) where it is not (numba's own
fallback; ``cache_folder`` says which); where neither can be written, each process compiles anew
(``compiled``). Compilation is timed apart from the step
(``handgrad bench``'s ``compile_s``). Floating point: reassociation and fused multiply-add are
allowed (``_MATH``, so the sums vectorise); NaN and inf keep their meaning, so a NaN in X is still found.

Shapes: X (784, m), W1 (n_h, 784), b1 (n_h, 1), W2 (10, n_h), b2 (10, 1), Y (10, m); any n_h >= 1.
"""

import numpy as np
from numba import njit, prange, get_num_threads, set_num_threads, config

from manual.seed_net import INTERMEDIATES, KINKS, N_Y, param_shapes
from manual.seed_net_fast import check_inputs, init_params
from manual.batching import layout
from manual.validate import check_array, checked

__all__ = ["INTERMEDIATES", "KINKS", "CHUNK", "layout", "param_shapes", "init_params", "check_inputs", "forward",
           "loss", "gradient", "backward", "products_with_x", "cache_folder"]


def compiled(**options):
    """numba's ``njit(**options)`` with its on-disk cache where one can be written, else without it.

    numba caches next to this file where that folder is writable, else in the user's cache folder
    (or ``NUMBA_CACHE_DIR``); where neither is, ``cache=True`` fails when the function is defined,
    and the function is compiled in each process instead (``caching`` says which happened).
    """
    def decorate(fn):
        try:
            return njit(cache=True, **options)(fn)
        except RuntimeError:                    # "cannot cache function ...: no locator available"
            CACHING[fn.__name__] = False
            return njit(**options)(fn)
    return decorate


CACHING = {}        # {function name: False} where numba could not cache it on disk

CHUNK = 1024        # columns a parallel task takes: 59 tasks at m = 60,000, enough to balance two to 64 threads
_TILE = 8           # examples sharing one read of W1's and dW1's rows
_MATH = {"reassoc", "contract"}     # not "nnan"/"ninf": a NaN in X must stay visible


@compiled(fastmath=_MATH, inline="always")
def _tile(j, t):
    """The 8 rows of X^T a tile reads: examples j, ..., j+t-1, the last repeated past t (its dz1 rows are 0)."""
    last = j + t - 1
    return (j, min(j + 1, last), min(j + 2, last), min(j + 3, last), min(j + 4, last), min(j + 5, last),
            min(j + 6, last), min(j + 7, last))


@compiled(fastmath=_MATH, inline="always")
def _layer1(W1, b1, XT, j, t, z1):
    """z1[s, :] = W1 x_(j+s) + b1 for the t <= 8 examples j, ..., j+t-1 (XT is X^T, one example a row).

    Rows h and h+1 of W1 at once: each x_i is read once for two rows, each W1[h, i] once for eight
    examples (an odd last row is computed twice, alike)."""
    n_h, n_x = W1.shape
    j0, j1, j2, j3, j4, j5, j6, j7 = _tile(j, t)
    for h in range(0, n_h, 2):
        g = min(h + 1, n_h - 1)
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = W1.dtype.type(0)
        for i in range(n_x):
            w, v = W1[h, i], W1[g, i]
            x0, x1, x2, x3 = XT[j0, i], XT[j1, i], XT[j2, i], XT[j3, i]
            x4, x5, x6, x7 = XT[j4, i], XT[j5, i], XT[j6, i], XT[j7, i]
            a0 += w * x0; a1 += w * x1; a2 += w * x2; a3 += w * x3              # noqa: E702
            a4 += w * x4; a5 += w * x5; a6 += w * x6; a7 += w * x7              # noqa: E702
            c0 += v * x0; c1 += v * x1; c2 += v * x2; c3 += v * x3              # noqa: E702
            c4 += v * x4; c5 += v * x5; c6 += v * x6; c7 += v * x7              # noqa: E702
        for s, (a, c) in enumerate(((a0, c0), (a1, c1), (a2, c2), (a3, c3), (a4, c4), (a5, c5), (a6, c6), (a7, c7))):
            z1[s, h], z1[s, g] = a + b1[h, 0], c + b1[g, 0]


@compiled(fastmath=_MATH, inline="always")
def _outer_x(dz1, XT, j, t, dW1):
    """dW1 += sum_s dz1[s] x_(j+s)^T for the t <= 8 examples of a tile (rows s >= t of dz1 are 0).

    Rows h and h+1 of dW1 at once: each x_i read once for both, each dW1[h, i] read and written
    once for eight examples (an odd last row gets its share once, the repeat adds 0)."""
    n_h, n_x = dW1.shape
    j0, j1, j2, j3, j4, j5, j6, j7 = _tile(j, t)
    for h in range(0, n_h, 2):
        g = min(h + 1, n_h - 1)
        twice = dz1.dtype.type(g != h)
        d0, d1, d2, d3, d4, d5, d6, d7 = dz1[0, h], dz1[1, h], dz1[2, h], dz1[3, h], dz1[4, h], dz1[5, h], \
            dz1[6, h], dz1[7, h]
        e0, e1, e2, e3 = dz1[0, g] * twice, dz1[1, g] * twice, dz1[2, g] * twice, dz1[3, g] * twice
        e4, e5, e6, e7 = dz1[4, g] * twice, dz1[5, g] * twice, dz1[6, g] * twice, dz1[7, g] * twice
        for i in range(n_x):
            x0, x1, x2, x3 = XT[j0, i], XT[j1, i], XT[j2, i], XT[j3, i]
            x4, x5, x6, x7 = XT[j4, i], XT[j5, i], XT[j6, i], XT[j7, i]
            dW1[h, i] += d0 * x0 + d1 * x1 + d2 * x2 + d3 * x3 + d4 * x4 + d5 * x5 + d6 * x6 + d7 * x7
            dW1[g, i] += e0 * x0 + e1 * x1 + e2 * x2 + e3 * x3 + e4 * x4 + e5 * x5 + e6 * x6 + e7 * x7


@compiled(fastmath=_MATH, inline="always")
def _layer2_softmax(W2, b2, z1, s, a1, a2):
    """a1 = g_ReLU(z1[s]), z2 = W2 a1 + b2, a2 = g_softmax(z2) = exp(z2 - max) / sum exp(z2 - max)."""
    n_y, n_h = W2.shape
    for h in range(n_h):
        a1[h] = max(z1[s, h], z1.dtype.type(0))
    for k in range(n_y):
        z = b2[k, 0]
        for h in range(n_h):
            z += W2[k, h] * a1[h]
        a2[k] = z
    top = a2[0]
    for k in range(1, n_y):
        top = max(top, a2[k])
    total = a2.dtype.type(0)
    for k in range(n_y):
        a2[k] = np.exp(a2[k] - top)
        total += a2[k]
    for k in range(n_y):
        a2[k] /= total


@compiled(fastmath=_MATH, parallel=True)
def _gradient(XT, YT, W1, b1, W2, b2, dZ2T, dA1T, dZ1T, dW1s, dW2s, db1s, db2s, finite):
    """Every chunk c of CHUNK examples: its rows of dZ2^T, dA1^T, dZ1^T, and its sums dW1s[c], ... (unscaled)."""
    m, n_x = XT.shape
    n_y, n_h = W2.shape
    for c in prange(dW1s.shape[0]):
        dW1, dW2, db1, db2 = dW1s[c], dW2s[c], db1s[c], db2s[c]
        z1 = np.empty((_TILE, n_h), XT.dtype)
        dz1 = np.zeros((_TILE, n_h), XT.dtype)
        zero = XT.dtype.type(0)          # not 0 * x: numba makes float32 * 0 a float64
        a1, a2 = np.empty(n_h, XT.dtype), np.empty(n_y, XT.dtype)
        ok = True
        for j in range(c * CHUNK, min((c + 1) * CHUNK, m), _TILE):
            t = min(_TILE, m - j, (c + 1) * CHUNK - j)
            _layer1(W1, b1, XT, j, t, z1)                                   # z1 = W1 x + b1
            for s in range(t):
                _layer2_softmax(W2, b2, z1, s, a1, a2)                      # a1, a2
                for k in range(n_y):
                    dz2 = a2[k] - YT[j + s, k]                              # dz2 = a2 - y
                    dZ2T[j + s, k] = dz2
                    db2[k] += dz2                                           # db2 += dz2
                    for h in range(n_h):
                        dW2[k, h] += dz2 * a1[h]                            # dW2 += dz2 a1^T
                for h in range(n_h):
                    da1 = zero
                    for k in range(n_y):
                        da1 += W2[k, h] * dZ2T[j + s, k]                    # da1 = W2^T dz2
                    dA1T[j + s, h] = da1
                    dz1[s, h] = da1 if z1[s, h] > 0 else zero               # dz1 = da1 * g_ReLU'(z1)
                    dZ1T[j + s, h] = dz1[s, h]
                    db1[h] += dz1[s, h]                                     # db1 += dz1
                    ok = ok and np.isfinite(z1[s, h])
            for s in range(t, _TILE):                                       # a short last tile adds nothing
                for h in range(n_h):
                    dz1[s, h] = 0
            _outer_x(dz1, XT, j, t, dW1)                                    # dW1 += dz1 x^T
        finite[c] = ok


@compiled(fastmath=_MATH, parallel=True)
def _loss(XT, YT, W1, b1, W2, b2, sums, finite):
    """sums[c] = sum over chunk c's examples of sum_k y_k log a2_k (log a2 = z2 - max - log sum exp)."""
    m, n_x = XT.shape
    n_y, n_h = W2.shape
    for c in prange(sums.shape[0]):
        z1 = np.empty((_TILE, n_h), XT.dtype)
        a1, a2 = np.empty(n_h, XT.dtype), np.empty(n_y, XT.dtype)
        total, ok = 0.0, True
        for j in range(c * CHUNK, min((c + 1) * CHUNK, m), _TILE):
            t = min(_TILE, m - j, (c + 1) * CHUNK - j)
            _layer1(W1, b1, XT, j, t, z1)
            for s in range(t):
                for h in range(n_h):
                    a1[h] = max(z1[s, h], z1.dtype.type(0))
                    ok = ok and np.isfinite(z1[s, h])
                top = -np.inf
                for k in range(n_y):
                    z = b2[k, 0]
                    for h in range(n_h):
                        z += W2[k, h] * a1[h]
                    a2[k] = z                                               # z2, kept for the log
                    top = max(top, z)
                log_sum = 0.0
                for k in range(n_y):
                    log_sum += np.exp(a2[k] - top)
                log_sum = np.log(log_sum)
                for k in range(n_y):
                    total += YT[j + s, k] * (a2[k] - top - log_sum)
        sums[c], finite[c] = total, ok


@compiled(fastmath=_MATH, parallel=True)
def _products_with_x(XT, W1, b1, dZ1T, dW1s):
    """The two products with X alone, tiled as in ``_gradient``: z1 = W1 x + b1 and dW1s[c] += dz1 x^T."""
    m, n_x = XT.shape
    n_h = W1.shape[0]
    for c in prange(dW1s.shape[0]):
        z1 = np.empty((_TILE, n_h), XT.dtype)
        dz1 = np.zeros((_TILE, n_h), XT.dtype)
        zero = XT.dtype.type(0)          # not 0 * x: numba makes float32 * 0 a float64
        for j in range(c * CHUNK, min((c + 1) * CHUNK, m), _TILE):
            t = min(_TILE, m - j)
            _layer1(W1, b1, XT, j, t, z1)
            for s in range(_TILE):
                for h in range(n_h):                                        # z1 read: its work is not dropped
                    dz1[s, h] = dZ1T[j + s, h] + z1[s, h] * zero if s < t else zero
            _outer_x(dz1, XT, j, t, dW1s[c])


def products_with_x(params, X, dZ1, threads=None):
    """W1 X + b1 and sum_j dz1 x^T alone, the two products with X as ``gradient`` does them (``handgrad bench``
    times them apart to attribute the step); returns dW1 unscaled."""
    XT, W1, b1, _, _ = _arrays(params, X)
    dW1s = np.zeros((_chunks(X.shape[1]), *W1.shape), X.dtype)
    with _threads(threads):
        _products_with_x(XT, W1, b1, np.ascontiguousarray(dZ1.T), dW1s)
    return dW1s.sum(axis=0)


def _arrays(params, X):
    """X^T (one example a row) and the parameters, C-contiguous: X^T is a view when X is in ``layout``
    order, a copy of X otherwise (one compiled signature per dtype either way)."""
    return np.ascontiguousarray(X.T), *(np.ascontiguousarray(params[k]) for k in ("W1", "b1", "W2", "b2"))


def _chunks(m):
    return -(-m // CHUNK)


def _check_finite(X, finite):
    """ValueError naming X where some z1 was NaN/inf (a finite z1 proves a finite column of X)."""
    if not finite.all():
        check_array("X", X, (X.shape[0], None), finite=True)


class _threads:
    """numba's threads set to ``n`` inside the block (None: as they are), restored after."""

    def __init__(self, n):
        self.n = None if n is None else max(1, min(int(n), config.NUMBA_NUM_THREADS))

    def __enter__(self):
        self.before = get_num_threads()
        if self.n is not None:
            set_num_threads(self.n)

    def __exit__(self, *exc):
        set_num_threads(self.before)


@checked(check_inputs)
def gradient(params, X, Y, threads=None):
    """Forward and backward fused, one pass over X; returns every d<name>, as the literal backward.

    dZ2, dA1, dZ1 (10 or n_h, m) are transposed views of (m, .) arrays written one example a row.
    ``threads``: numba's threads for the chunks (None: numba's own count, all cores).
    """
    XT, W1, b1, W2, b2 = _arrays(params, X)
    m, n_h, dtype, n = X.shape[1], W1.shape[0], X.dtype, _chunks(X.shape[1])
    dZ2T, dA1T, dZ1T = np.empty((m, N_Y), dtype), np.empty((m, n_h), dtype), np.empty((m, n_h), dtype)
    dW1s, dW2s = np.zeros((n, n_h, W1.shape[1]), dtype), np.zeros((n, N_Y, n_h), dtype)
    db1s, db2s, finite = np.zeros((n, n_h), dtype), np.zeros((n, N_Y), dtype), np.ones(n, np.bool_)
    with _threads(threads):
        _gradient(XT, np.ascontiguousarray(Y.T), W1, b1, W2, b2, dZ2T, dA1T, dZ1T, dW1s, dW2s, db1s, db2s, finite)
    _check_finite(X, finite)
    return {"dZ2": dZ2T.T, "dW2": dW2s.sum(axis=0) / m, "db2": db2s.sum(axis=0)[:, None] / m,
            "dA1": dA1T.T, "dZ1": dZ1T.T, "dW1": dW1s.sum(axis=0) / m, "db1": db1s.sum(axis=0)[:, None] / m}


@checked(check_inputs)
def loss(params, X, Y, threads=None):
    """J = -1/m sum_j sum_k Y[k, j] log A2[k, j], one pass over X, nothing of size (., m) kept."""
    XT, W1, b1, W2, b2 = _arrays(params, X)
    sums, finite = np.zeros(_chunks(X.shape[1])), np.ones(_chunks(X.shape[1]), np.bool_)
    with _threads(threads):
        _loss(XT, np.ascontiguousarray(Y.T), W1, b1, W2, b2, sums, finite)
    _check_finite(X, finite)
    return float(-sums.sum() / X.shape[1])


def forward(params, X):
    """The literal forward (manual/seed_net.py): the cache the contract asks for is the (., m) arrays
    this module never makes."""
    from manual import seed_net

    return seed_net.forward(params, np.ascontiguousarray(X))


def backward(params, cache, X, Y):
    """The contract's backward: ``gradient(params, X, Y)``, the fused pass; ``cache`` is not needed."""
    return gradient(params, X, Y)


def cache_folder():
    """Where numba keeps this module's compiled code: next to this file, or the user's cache where that is
    read-only; None where it cannot keep it (compiled in every process)."""
    cache = getattr(_gradient, "_cache", None)
    return getattr(cache, "_cache_path", None) if not CACHING else None
