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
intermediate is a separate pass over memory. Here X comes from memory once: a block of examples is
read for z1 = W1 x and read again, from the core's own second-level cache, for dW1 += dz1 x^T.
How the work is laid out:

1. Layout: X with each example's pixels next to each other (``layout``, Fortran order, as the
   fast form), so that x is one contiguous stretch of 784 numbers.
2. Tiles of eight columns (``_TILE``) and rows in pairs: W1's rows h, h+1 are read once for eight
   examples and each pixel once for both rows, so z1 = W1 x needs 10 loads for 16 multiply-adds;
   dW1's rows h, h+1 are read and written once for eight examples' dz1 x^T. The loops over the
   784 pixels have a constant trip count (``N_X``), which lets LLVM drop the remainder loop and
   keep the sixteen dz1 values in registers (with a count read from the array's shape it spilled
   half of them to the stack and reloaded them for every multiply-add).
3. Blocks of ``_BLOCK`` = 64 columns (eight tiles): z1 for the block's tiles, then the block's
   small products (``_middle``: ReLU, W2 a1, the softmax, dz2, dW2, da1, dz1) with the 64 examples
   as the innermost loop, which LLVM turns into vector code (example by example, as before, these
   10 x 10 products ran one number at a time and took a third of the step), then dW1 += dz1 x^T
   for the block's tiles. A block of X (200 kB in float32, 400 kB in float64) is still in the
   core's 1 MB second-level cache when dW1 needs it.
4. Prefetching: while a tile's z1 is computed, the tile ``_AHEAD`` = 2 tiles later is asked of the
   memory (``_prefetch``, LLVM's prefetch hint), a share of it per pair of rows, so X streams in
   while the core computes instead of in between.
5. Chunks of ``CHUNK`` columns run in parallel (numba's ``prange``); each chunk sums its own
   dW1, dW2, db1, db2 (dW2, db2, db1 first per example lane of a block, then over the 64 lanes in
   a fixed order at the chunk's end), and the chunks' sums are added at the end in chunk order,
   so the result does not depend on the number of threads.

Every sum is accumulated in the data's own dtype: a float32 X gives a float32 computation
throughout, as in PyTorch; float64 stays float64.

Compiled by numba on first use for each dtype (float64, float32), with ``cache=True``: later
processes load the machine code from numba's cache, which lies next to this file where that folder
is writable and in the user's cache folder (or ``NUMBA_CACHE_DIR``) where it is not (numba's own
fallback; ``cache_folder`` says which); where neither can be written, each process compiles anew
(``compiled``). Compilation is timed apart from the step
(``handgrad bench``'s ``compile_s``). Floating point: numba's fastmath flags "reassoc" (sums may be
regrouped, so LLVM can split them over vector lanes) and "contract" (a * b + c may become one fused
multiply-add, one rounding instead of two), nothing else (``_MATH``): not "nnan"/"ninf", so NaN and
inf keep their meaning and a NaN in X is still found, not "arcp"/"afn", so divisions and exp are
IEEE's. Both only change the order and count of roundings; the tests compare with torch and JAX at
the project's tolerances.

Shapes: X (784, m), W1 (n_h, 784), b1 (n_h, 1), W2 (10, n_h), b2 (10, 1), Y (10, m); any n_h >= 1.
"""

import numpy as np
from llvmlite import ir
from numba import njit, prange, get_num_threads, set_num_threads, config, types
from numba.core import cgutils
from numba.extending import intrinsic

from manual.seed_net import INTERMEDIATES, KINKS, N_X, N_Y, param_shapes
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
_BLOCK = 64         # examples whose small products run as one vector loop (X of a block stays in L2)
_AHEAD = 2          # tiles between the one computed and the one asked of the cache (``_prefetch``)


@intrinsic
def _prefetch(typingctx, a, k):
    """Ask the cache for the line holding ``a.flat[k]`` (LLVM's ``llvm.prefetch``: read, kept in L2, data):
    a hint with no result, so X arrives from memory while the tile before it is computed."""
    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        pointer = builder.gep(ary.data, [args[1]])
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [pointer.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [pointer, i32(0), i32(2), i32(1)])     # read, locality 2 (L2), data
        return context.get_dummy_value()
    return types.void(a, k), codegen


@compiled(inline="always")
def _ahead(XT, j, stop, loops):
    """(p, end, share): the flat range of X^T the tile ``_AHEAD`` tiles after the one at j covers (cut at
    ``stop``), and the 64-byte lines each of the ``loops`` pair loops that compute this tile prefetches."""
    n_x, line = XT.shape[1], 64 // XT.itemsize
    return (min(j + _AHEAD * _TILE, stop) * n_x, min(j + (_AHEAD + 1) * _TILE, stop) * n_x,
            _TILE * n_x // line // loops + 1)


@compiled(inline="always")
def _prefetch_share(XT, p, end, share):
    """Prefetch ``share`` lines of X^T's flat range [p, end) from p on; returns where the next share starts."""
    line = 64 // XT.itemsize
    for _ in range(share):
        if p < end:
            _prefetch(XT, p)
        p += line
    return p


@compiled(fastmath=_MATH, inline="always")
def _tile(j, t):
    """The 8 rows of X^T a tile reads: examples j, ..., j+t-1, the last repeated past t (its dz1 rows are 0)."""
    last = j + t - 1
    return (j, min(j + 1, last), min(j + 2, last), min(j + 3, last), min(j + 4, last), min(j + 5, last),
            min(j + 6, last), min(j + 7, last))


@compiled(fastmath=_MATH, inline="always")
def _layer1(W1, b1, XT, j, t, z1, o, p, end, share):
    """z1[:, o+s] = W1 x_(j+s) + b1 for the t <= 8 examples j, ..., j+t-1 (XT is X^T, one example a row);
    columns o+t, ..., o+7 get the last example's z1 again. Before each pair of rows, ``share`` lines of
    X^T's flat range [p, end) are prefetched (``_ahead``).

    Rows h and h+1 of W1 at once: each x_i is read once for two rows, each W1[h, i] once for eight
    examples (an odd last row is computed twice, alike)."""
    n_h = W1.shape[0]
    j0, j1, j2, j3, j4, j5, j6, j7 = _tile(j, t)
    for h in range(0, n_h, 2):
        p = _prefetch_share(XT, p, end, share)
        g = min(h + 1, n_h - 1)
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = W1.dtype.type(0)
        for i in range(N_X):                # a constant trip count: no remainder loop
            w, v = W1[h, i], W1[g, i]
            x0, x1, x2, x3 = XT[j0, i], XT[j1, i], XT[j2, i], XT[j3, i]
            x4, x5, x6, x7 = XT[j4, i], XT[j5, i], XT[j6, i], XT[j7, i]
            a0 += w * x0; a1 += w * x1; a2 += w * x2; a3 += w * x3              # noqa: E702
            a4 += w * x4; a5 += w * x5; a6 += w * x6; a7 += w * x7              # noqa: E702
            c0 += v * x0; c1 += v * x1; c2 += v * x2; c3 += v * x3              # noqa: E702
            c4 += v * x4; c5 += v * x5; c6 += v * x6; c7 += v * x7              # noqa: E702
        for s, (a, c) in enumerate(((a0, c0), (a1, c1), (a2, c2), (a3, c3), (a4, c4), (a5, c5), (a6, c6), (a7, c7))):
            z1[h, o + s], z1[g, o + s] = a + b1[h, 0], c + b1[g, 0]


@compiled(fastmath=_MATH, inline="always")
def _outer_x(dz1, XT, j, t, dW1, o):
    """dW1 += sum_s dz1[:, o+s] x_(j+s)^T for the t <= 8 examples of a tile (columns o+s, s >= t, of dz1
    are 0).

    Rows h and h+1 of dW1 at once: each x_i read once for both, each dW1[h, i] read and written
    once for eight examples (an odd last row gets its share once, the repeat adds 0)."""
    n_h = dW1.shape[0]
    j0, j1, j2, j3, j4, j5, j6, j7 = _tile(j, t)
    for h in range(0, n_h, 2):
        g = min(h + 1, n_h - 1)
        twice = dz1.dtype.type(g != h)
        d0, d1, d2, d3 = dz1[h, o], dz1[h, o + 1], dz1[h, o + 2], dz1[h, o + 3]
        d4, d5, d6, d7 = dz1[h, o + 4], dz1[h, o + 5], dz1[h, o + 6], dz1[h, o + 7]
        e0, e1, e2, e3 = dz1[g, o] * twice, dz1[g, o + 1] * twice, dz1[g, o + 2] * twice, dz1[g, o + 3] * twice
        e4, e5, e6, e7 = dz1[g, o + 4] * twice, dz1[g, o + 5] * twice, dz1[g, o + 6] * twice, dz1[g, o + 7] * twice
        for i in range(N_X):                # a constant trip count: no remainder loop, nothing spilled
            x0, x1, x2, x3 = XT[j0, i], XT[j1, i], XT[j2, i], XT[j3, i]
            x4, x5, x6, x7 = XT[j4, i], XT[j5, i], XT[j6, i], XT[j7, i]
            dW1[h, i] += d0 * x0 + d1 * x1 + d2 * x2 + d3 * x3 + d4 * x4 + d5 * x5 + d6 * x6 + d7 * x7
            dW1[g, i] += e0 * x0 + e1 * x1 + e2 * x2 + e3 * x3 + e4 * x4 + e5 * x5 + e6 * x6 + e7 * x7


@compiled(fastmath=_MATH, inline="always")
def _middle(W2, b2, Y, jb, tb, lanes, z1, a1, z2, dz2, dz1, top, total, dW2, db2, db1):
    """The block's small products, one lane per example (lane s is example jb+s, s < tb; lanes tb <= s <
    lanes repeat the last example and get dz2 = dz1 = 0, so they add nothing):

        a1 = g_ReLU(z1)   z2 = W2 a1 + b2   a2 = exp(z2 - max) / sum exp(z2 - max)   dz2 = a2 - y
        dW2 += dz2 a1^T   db2 += dz2   da1 = W2^T dz2   dz1 = da1 * g_ReLU'(z1)   db1 += dz1

    Every loop runs over the lanes, innermost, so LLVM makes it vector code; dW2, db2, db1 keep a
    partial sum per lane (added over the lanes at the chunk's end). z2 ends holding a2, a1 holding
    da1. Returns whether every z1 was finite."""
    n_y, n_h = W2.shape
    zero = z1.dtype.type(0)
    bad = zero
    for h in range(n_h):
        for s in range(lanes):
            bad += z1[h, s] - z1[h, s]                                      # NaN where z1 is NaN or inf
            a1[h, s] = max(z1[h, s], zero)                                  # a1 = g_ReLU(z1)
    for k in range(n_y):
        for s in range(lanes):
            z2[k, s] = b2[k, 0]
        for h in range(n_h):
            w = W2[k, h]
            for s in range(lanes):
                z2[k, s] += w * a1[h, s]                                    # z2 = W2 a1 + b2
    for s in range(lanes):
        top[s] = z2[0, s]
    for k in range(1, n_y):
        for s in range(lanes):
            top[s] = max(top[s], z2[k, s])
    for s in range(lanes):
        total[s] = zero
    for k in range(n_y):
        for s in range(lanes):
            z2[k, s] = np.exp(z2[k, s] - top[s])
            total[s] += z2[k, s]
    for k in range(n_y):
        for s in range(lanes):
            z2[k, s] /= total[s]                                            # a2 = g_softmax(z2)
        for s in range(tb):
            dz2[k, s] = z2[k, s] - Y[k, jb + s]                             # dz2 = a2 - y
        for s in range(tb, lanes):
            dz2[k, s] = zero
        for s in range(lanes):
            db2[k, s] += dz2[k, s]                                          # db2 += dz2
        for h in range(n_h):
            for s in range(lanes):
                dW2[k, h, s] += dz2[k, s] * a1[h, s]                        # dW2 += dz2 a1^T
    for h in range(n_h):
        for s in range(lanes):
            a1[h, s] = zero
        for k in range(n_y):
            w = W2[k, h]
            for s in range(lanes):
                a1[h, s] += w * dz2[k, s]                                   # da1 = W2^T dz2 (into a1)
        for s in range(lanes):
            dz1[h, s] = a1[h, s] if z1[h, s] > 0 else zero                  # dz1 = da1 * g_ReLU'(z1)
            db1[h, s] += dz1[h, s]                                          # db1 += dz1
    return bad == 0


@compiled(fastmath=_MATH, parallel=True)
def _gradient(XT, Y, W1, b1, W2, b2, dZ2, dA1, dZ1, dW1s, dW2s, db1s, db2s, finite):
    """Every chunk c of CHUNK examples: its columns of dZ2, dA1, dZ1, and its sums dW1s[c], ... (unscaled).

    A chunk goes in blocks of _BLOCK examples: z1 for the block's tiles (X from memory, the tiles after
    it prefetched), the block's small products (``_middle``), then dW1 += dz1 x^T for its tiles (X
    again, now from the core's second-level cache)."""
    m, n_x = XT.shape
    n_y, n_h = W2.shape
    for c in prange(dW1s.shape[0]):
        dt = XT.dtype
        z1, a1, dz1 = np.empty((n_h, _BLOCK), dt), np.empty((n_h, _BLOCK), dt), np.empty((n_h, _BLOCK), dt)
        z2, dz2 = np.empty((n_y, _BLOCK), dt), np.empty((n_y, _BLOCK), dt)
        top, total = np.empty(_BLOCK, dt), np.empty(_BLOCK, dt)
        dW2, db2, db1 = np.zeros((n_y, n_h, _BLOCK), dt), np.zeros((n_y, _BLOCK), dt), np.zeros((n_h, _BLOCK), dt)
        ok = True
        stop = min((c + 1) * CHUNK, m)
        for jb in range(c * CHUNK, stop, _BLOCK):
            tb = min(_BLOCK, stop - jb)
            lanes = -(-tb // _TILE) * _TILE                                 # whole tiles
            for j in range(jb, jb + tb, _TILE):
                p, end, share = _ahead(XT, j, stop, (n_h + 1) // 2)
                _layer1(W1, b1, XT, j, min(_TILE, stop - j), z1, j - jb, p, end, share)     # z1 = W1 x + b1
            ok = _middle(W2, b2, Y, jb, tb, lanes, z1, a1, z2, dz2, dz1, top, total, dW2, db2, db1) and ok
            for k in range(n_y):
                for s in range(tb):
                    dZ2[k, jb + s] = dz2[k, s]
            for h in range(n_h):
                for s in range(tb):
                    dA1[h, jb + s] = a1[h, s]
                for s in range(tb):
                    dZ1[h, jb + s] = dz1[h, s]
            for j in range(jb, jb + tb, _TILE):
                _outer_x(dz1, XT, j, min(_TILE, stop - j), dW1s[c], j - jb)             # dW1 += dz1 x^T
        for k in range(n_y):                                                # the lanes' sums
            for s in range(_BLOCK):
                db2s[c, k] += db2[k, s]
            for h in range(n_h):
                for s in range(_BLOCK):
                    dW2s[c, k, h] += dW2[k, h, s]
        for h in range(n_h):
            for s in range(_BLOCK):
                db1s[c, h] += db1[h, s]
        finite[c] = ok


@compiled(fastmath=_MATH, parallel=True)
def _loss(XT, YT, W1, b1, W2, b2, sums, finite):
    """sums[c] = sum over chunk c's examples of sum_k y_k log a2_k (log a2 = z2 - max - log sum exp)."""
    m, n_x = XT.shape
    n_y, n_h = W2.shape
    for c in prange(sums.shape[0]):
        z1 = np.empty((n_h, _TILE), XT.dtype)
        a1, a2 = np.empty(n_h, XT.dtype), np.empty(n_y, XT.dtype)
        total, ok = 0.0, True
        stop = min((c + 1) * CHUNK, m)
        for j in range(c * CHUNK, stop, _TILE):
            t = min(_TILE, m - j, (c + 1) * CHUNK - j)
            p, end, share = _ahead(XT, j, stop, (n_h + 1) // 2)
            _layer1(W1, b1, XT, j, t, z1, 0, p, end, share)
            for s in range(t):
                for h in range(n_h):
                    a1[h] = max(z1[h, s], z1.dtype.type(0))
                    ok = ok and np.isfinite(z1[h, s])
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
def _products_with_x(XT, W1, b1, dZ1, dW1s):
    """The two products with X alone, in ``_gradient``'s blocks and tiles: z1 = W1 x + b1 for a block's
    tiles, then dW1s[c] += dz1 x^T for them, dz1 read from dZ1 (n_h, m) instead of computed."""
    m, n_x = XT.shape
    n_h = W1.shape[0]
    for c in prange(dW1s.shape[0]):
        z1, dz1 = np.empty((n_h, _BLOCK), XT.dtype), np.zeros((n_h, _BLOCK), XT.dtype)
        zero = XT.dtype.type(0)          # not 0 * x: numba makes float32 * 0 a float64
        stop = min((c + 1) * CHUNK, m)
        for jb in range(c * CHUNK, stop, _BLOCK):
            tb = min(_BLOCK, stop - jb)
            for j in range(jb, jb + tb, _TILE):
                p, end, share = _ahead(XT, j, stop, (n_h + 1) // 2)
                _layer1(W1, b1, XT, j, min(_TILE, stop - j), z1, j - jb, p, end, share)
            for h in range(n_h):                                            # z1 read: its work is not dropped
                for s in range(tb):
                    dz1[h, s] = dZ1[h, jb + s] + z1[h, s] * zero
                for s in range(tb, -(-tb // _TILE) * _TILE):
                    dz1[h, s] = zero
            for j in range(jb, jb + tb, _TILE):
                _outer_x(dz1, XT, j, min(_TILE, stop - j), dW1s[c], j - jb)


def products_with_x(params, X, dZ1, threads=None):
    """W1 X + b1 and sum_j dz1 x^T alone, the two products with X as ``gradient`` does them (``handgrad bench``
    times them apart to attribute the step); returns dW1 unscaled."""
    XT, W1, b1, _, _ = _arrays(params, X)
    dW1s = np.zeros((_chunks(X.shape[1]), *W1.shape), X.dtype)
    with _threads(threads):
        _products_with_x(XT, W1, b1, np.ascontiguousarray(dZ1), dW1s)
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
    """Forward and backward fused, X read from memory once; returns every d<name>, as the literal backward.

    dZ2, dA1, dZ1 are (10 or n_h, m) arrays in C order, written a block of columns at a time.
    ``threads``: numba's threads for the chunks (None: numba's own count, all cores).
    """
    XT, W1, b1, W2, b2 = _arrays(params, X)
    m, n_h, dtype, n = X.shape[1], W1.shape[0], X.dtype, _chunks(X.shape[1])
    dZ2, dA1, dZ1 = np.empty((N_Y, m), dtype), np.empty((n_h, m), dtype), np.empty((n_h, m), dtype)
    dW1s, dW2s = np.zeros((n, n_h, W1.shape[1]), dtype), np.zeros((n, N_Y, n_h), dtype)
    db1s, db2s, finite = np.zeros((n, n_h), dtype), np.zeros((n, N_Y), dtype), np.ones(n, np.bool_)
    with _threads(threads):
        _gradient(XT, np.ascontiguousarray(Y), W1, b1, W2, b2, dZ2, dA1, dZ1, dW1s, dW2s, db1s, db2s, finite)
    _check_finite(X, finite)
    return {"dZ2": dZ2, "dW2": dW2s.sum(axis=0) / m, "db2": db2s.sum(axis=0)[:, None] / m,
            "dA1": dA1, "dZ1": dZ1, "dW1": dW1s.sum(axis=0) / m, "db1": db1s.sum(axis=0)[:, None] / m}


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
