"""Taking a batch in blocks of examples, for the fast manual forms (manual/*_fast.py).

Examples are independent until the sums over j, so a sum over the batch is a sum over blocks of
columns, and the blocks can be shared out among threads. These helpers hold no mathematics:
they say which columns go together, where the products with X are cut, and how the shares run.
"""

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache

import numpy as np

BLOCK = 512          # columns per block: 784 x 512 float32 is 1.6 MB, about what a core's caches hold
PIECE = 64           # columns per product with X (see ``small_pieces``)
SMALL = 10**6        # multiply-adds up to which a product counts as small (OpenBLAS's small kernels)
MIN_BLOCKS_PER_THREAD = 16   # fewer blocks than this per thread: starting threads costs more than it saves


def layout(X):
    """X with examples contiguous (Fortran order), same shape and values: each block of columns is
    one stretch of memory. One pass over X (a copy unless X already is in that order): do it
    once, when the data are loaded, not per step.
    """
    return np.asfortranarray(X)


def blocks(m, size=None):
    """Column slices [0, B), [B, 2B), ... covering range(m), B = ``size`` or ``BLOCK``.

    The last slice is shorter when B does not divide m.
    """
    size = size or BLOCK
    if size < 1:
        raise ValueError(f"block size is {size}; expected at least 1")
    return [slice(j, min(j + size, m)) for j in range(0, m, size)]


def small_pieces(Xb, n_out, piece=None):
    """How many pieces of ``piece`` (default PIECE) columns the products with the block X_b run in; 0: one product.

    Pieces when X is in ``layout`` order, the block splits evenly, and a piece's product with an
    (n_out, n_x) matrix is small (n_out * n_x * piece <= SMALL): BLAS's small-matrix kernels then
    skip the copying ("packing") a large product starts with, which for a skinny product like
    W1 X costs as much as the arithmetic. ``piece`` 0: always one product.
    """
    n_x, b = Xb.shape
    piece = PIECE if piece is None else piece
    small = piece > 0 and Xb.flags.f_contiguous and b % piece == 0 and n_out * n_x * piece <= SMALL
    return b // piece if small else 0


def stack(A, k):
    """The columns of A (r, k n) as a stack of k pieces of n columns, shape (k, r, n); a view.

    ``np.matmul`` multiplies stacks piece by piece in one call, without the GIL in between.
    """
    return A.reshape(A.shape[0], k, -1).transpose(1, 0, 2)


def over_blocks(work, m, block=None, threads=1):
    """[work(share) for each share of the blocks of range(m)], a list in share order.

    With ``threads`` > 1 the blocks are dealt out in turn (block k to share k mod threads) and
    the shares run on that many threads at once, BLAS held to one thread each meanwhile (NumPy
    lets go of the GIL inside products and element-wise loops). Each share sums only its own
    blocks and the caller adds the shares in share order, so the result does not depend on
    which thread finishes first. Each thread gets at least ``MIN_BLOCKS_PER_THREAD`` blocks:
    small batches run on one thread.
    """
    cols = blocks(m, block)
    n = min(max(threads, 1), max(len(cols) // MIN_BLOCKS_PER_THREAD, 1))
    shares = [cols[t::n] for t in range(n)]
    if len(shares) == 1:
        return [work(cols)]
    with _blas_threads(1), ThreadPoolExecutor(len(shares)) as pool:
        return list(pool.map(work, shares))


@lru_cache(maxsize=1)
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def _blas_threads(n):
    """BLAS limited to ``n`` threads inside the block (threadpoolctl), restored after."""
    with _controller().limit(limits=n, user_api="blas"):
        yield
