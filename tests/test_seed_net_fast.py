"""The fast seed network (manual/seed_net_fast.py) against the literal derivation and autograd."""

import numpy as np
import pytest

from comparisons.agreement import AGREE, all_agree, compare
from comparisons.agreement import to_derivation
from comparisons.agreement import Result
from comparisons.sources import run_autograd, run_manual
from manual import batching, seed_net, seed_net_fast
from reference.torch_ad import seed_net as torch_seed_net
from reference.torch_ad.autograd import loss_and_grads
from tests.batches import backend_seed_grid, seed_batch

DTYPES = [np.float64, np.float32]
SEEDS = [0, 1, 2]
GRADS = ["dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]     # the literal backward's keys, in its order


def fast_result(params, X, Y, block=None, threads=1):
    """The fast form's loss and fused gradient as a ``Result`` the comparison primitive reads."""
    grads = seed_net_fast.gradient(params, X, Y, block=block, threads=threads)
    J = seed_net_fast.loss(params, X, Y, block=block, threads=threads)
    return Result("manual fast", J, grads, seed_net.INTERMEDIATES)


@pytest.mark.parametrize("source, seed", backend_seed_grid(SEEDS))
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_fast_backward_agrees_with_autograd(seed_net, source, dtype, seed):
    X, Y = seed_batch(300, seed, dtype)
    params = seed_net.init_params(seed, dtype)
    fast = run_manual(seed_net, params, X, Y, backward=seed_net_fast.backward)
    rows = compare(fast, run_autograd(seed_net, source, params, X, Y), "seed_net")
    assert [r["quantity"] for r in rows] == ["J", *GRADS]
    assert all_agree(rows), [r for r in rows if r["verdict"] != AGREE]


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("m, block", [(1, None), (2, 1), (300, 64), (97, 7),
                                      pytest.param(1025, None, marks=pytest.mark.slow),
                                      pytest.param(2500, 1000, marks=pytest.mark.slow)])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_fast_agrees_with_literal(seed_net, dtype, m, block, threads, order, monkeypatch):
    monkeypatch.setattr(batching, "MIN_BLOCKS_PER_THREAD", 1)      # threads even for small batches
    X, Y = seed_batch(m, 3, dtype)
    params = seed_net.init_params(3, dtype)
    literal = run_manual(seed_net, params, X, Y)
    X = seed_net_fast.layout(X) if order == "F" else X
    rows = compare(literal, fast_result(params, X, Y, block, threads), "seed_net")
    assert all_agree(rows), [r for r in rows if r["verdict"] != AGREE]


def test_layout_keeps_shape_and_values_and_orders_examples_contiguously():
    X, _ = seed_batch(33, 1, np.float32)
    F = seed_net_fast.layout(X)
    assert F.shape == X.shape and F.dtype == X.dtype and F.flags.f_contiguous and np.array_equal(F, X)
    assert seed_net_fast.layout(F) is F


@pytest.mark.parametrize("b, n_h, order, expected", [
    (128, 10, "F", 2),       # small products, in pieces of PIECE columns
    (150, 10, "F", 0),       # a block that does not split evenly: one product
    (128, 10, "C", 0),       # rows of a C-ordered block are not contiguous: one product
    (128, 100, "F", 0),      # too large for the small kernels: one product
])
def test_small_pieces_of_a_block(b, n_h, order, expected):
    assert batching.PIECE == 64
    assert batching.small_pieces(np.zeros((784, b), order=order), n_h) == expected


@pytest.mark.parametrize("name, make", [
    ("X block in layout order", lambda: seed_net_fast.layout(np.arange(784 * 256.0).reshape(784, 256))[:, 64:192]),
    ("slice of a scratch array", lambda: np.zeros((10, 512))[:, :128]),
])
def test_stack_is_a_view_of_the_pieces(name, make):
    A = make()
    S = batching.stack(A, 2)
    assert S.shape == (2, A.shape[0], 64) and np.shares_memory(S, A)
    assert np.array_equal(S[1], A[:, 64:128])


def test_fast_threads_give_the_same_numbers_every_time(monkeypatch):
    """Shares are added in a fixed order: no dependence on which thread finishes first."""
    monkeypatch.setattr(batching, "MIN_BLOCKS_PER_THREAD", 1)
    X, Y = seed_batch(1000, 12, np.float32)
    X, params = seed_net_fast.layout(X), seed_net.init_params(12, np.float32)
    first, second = (seed_net_fast.gradient(params, X, Y, block=64, threads=4) for _ in range(2))
    assert list(first) == list(second) == GRADS
    assert all(np.array_equal(first[k], second[k]) for k in first)


@pytest.mark.parametrize("m, block, threads, least, shares", [
    (10, 2, 2, 1, [[0, 4, 8], [2, 6]]),   # blocks dealt in turn: block k to share k mod threads
    (10, 4, 5, 1, [[0], [4], [8]]),       # never more shares than blocks
    (10, 4, 1, 1, [[0, 4, 8]]),
    (10, 2, 4, 2, [[0, 4, 8], [2, 6]]),   # at least 2 blocks a thread: 5 blocks, 2 threads
    (10, 2, 4, 16, [[0, 2, 4, 6, 8]]),    # a small batch: one thread
])
def test_over_blocks_deals_blocks_in_turn(m, block, threads, least, shares, monkeypatch):
    monkeypatch.setattr(batching, "MIN_BLOCKS_PER_THREAD", least)
    got = batching.over_blocks(lambda cols: [s.start for s in cols], m, block, threads)
    assert got == shares


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_fast_forward_cache_equals_literal(dtype):
    X, _ = seed_batch(130, 4, dtype)
    params = seed_net.init_params(4, dtype)
    A2, cache = seed_net.forward(params, X)
    A2_fast, cache_fast = seed_net_fast.forward(params, X)
    assert set(cache_fast) == set(cache)
    for name in cache:
        np.testing.assert_allclose(cache_fast[name], cache[name], rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_array_equal(A2_fast, cache_fast["A2"])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_fast_keeps_dtype(dtype):
    X, Y = seed_batch(50, 5, dtype)
    grads = seed_net_fast.gradient(seed_net.init_params(5, dtype), X, Y, block=16)
    assert {name: g.dtype for name, g in grads.items()} == {name: np.dtype(dtype) for name in GRADS}
    assert isinstance(seed_net_fast.loss(seed_net.init_params(5, dtype), X, Y), float)


def test_fast_init_params_equal_literal_at_width_10():
    fast, literal = seed_net_fast.init_params(9, np.float32), seed_net.init_params(9, np.float32)
    assert all(np.array_equal(fast[k], literal[k]) and fast[k].dtype == literal[k].dtype for k in literal)


@pytest.mark.parametrize("n_h", [1, 37])
def test_fast_any_width_agrees_with_torch(n_h):
    X, Y = seed_batch(80, 6, np.float64)
    params = seed_net_fast.init_params(6, np.float64, n_h=n_h)
    assert params["W1"].shape == (n_h, 784) and params["W2"].shape == (10, n_h)
    J, raw = loss_and_grads(torch_seed_net, params, X, Y)
    torch_result = Result("torch", J, to_derivation(raw, 80, seed_net.INTERMEDIATES), seed_net.INTERMEDIATES)
    assert all_agree(compare(fast_result(params, seed_net_fast.layout(X), Y, block=32), torch_result, "seed_net"))


def test_fast_relu_prime_at_zero_is_zero():
    """A hidden unit with zero weights and bias has Z1 = 0 exactly: g'(0) = 0, so its dZ1, dW1, db1 are 0."""
    X, Y = seed_batch(40, 8, np.float64)
    params = seed_net.init_params(8, np.float64)
    params["W1"][3], params["b1"][3] = 0.0, 0.0
    grads = seed_net_fast.gradient(params, X, Y, block=16)
    assert np.all(grads["dZ1"][3] == 0) and np.all(grads["dW1"][3] == 0) and grads["db1"][3, 0] == 0
    assert np.any(grads["dA1"][3] != 0)


def test_fast_softmax_is_stable_at_large_logits():
    X, Y = seed_batch(20, 9, np.float64)
    params = seed_net.init_params(9, np.float64)
    params["b2"][:] = np.array([[1000.0], [-1000.0]] * 5)
    grads = seed_net_fast.gradient(params, X, Y)
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    assert np.isfinite(seed_net_fast.loss(params, X, Y))


@pytest.mark.parametrize("m, size, expected", [(10, 4, [(0, 4), (4, 8), (8, 10)]), (8, 4, [(0, 4), (4, 8)]),
                                               (1, 1024, [(0, 1)])])
def test_blocks_cover_every_column_once(m, size, expected):
    assert [(s.start, s.stop) for s in batching.blocks(m, size)] == expected


@pytest.mark.parametrize("change, name", [
    (lambda p, X, Y: p.update(b1=p["b1"][:5]), "b1"),
    (lambda p, X, Y: p.update(W2=p["W2"][:, :4]), "W2"),
    (lambda p, X, Y: p.update(b2=p["b2"].astype(np.float32)), "b2"),
])
def test_fast_bad_params_name_the_array(change, name):
    X, Y = seed_batch(5, 0)
    params = seed_net.init_params(0)
    change(params, X, Y)
    with pytest.raises(ValueError, match=name):
        seed_net_fast.gradient(params, X, Y)


def test_fast_bad_inputs_name_the_array():
    X, Y = seed_batch(5, 0)
    params = seed_net.init_params(0)
    with pytest.raises(ValueError, match="X has shape"):
        seed_net_fast.gradient(params, X[:700], Y)
    with pytest.raises(ValueError, match="Y has shape"):
        seed_net_fast.gradient(params, X, Y[:, :4])
    X[5, 2] = np.nan
    with pytest.raises(ValueError, match="X holds 1 NaN"):
        seed_net_fast.gradient(params, X, Y)
    with pytest.raises(ValueError, match="block size"):
        batching.blocks(5, -1)
