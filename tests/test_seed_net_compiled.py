"""The compiled seed network (manual/seed_net_compiled.py, numba) against the literal derivation and autograd.

numba compiles each kernel on first use for each dtype (several seconds on 2 cores, unless its
on-disk cache holds it), so every test that runs the compiled code is marked slow.
"""

import numpy as np
import pytest

from comparisons.agreement import AGREE, all_agree, compare
from comparisons.agreement import Result
from comparisons.sources import run_autograd, run_manual
from manual import seed_net, seed_net_compiled
from tests.batches import backend_seed_grid, relu_zeros_batch, seed_batch

DTYPES = [np.float64, np.float32]
GRADS = ["dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]     # the literal backward's keys, in its order


def compiled_result(params, X, Y, threads=None):
    """The compiled form's loss and fused gradient as a ``Result`` the comparison primitive reads."""
    X = seed_net_compiled.layout(X)
    grads = seed_net_compiled.gradient(params, X, Y, threads=threads)
    return Result("manual compiled", seed_net_compiled.loss(params, X, Y, threads=threads), grads,
                  seed_net.INTERMEDIATES)


@pytest.mark.slow
@pytest.mark.parametrize("source, seed", backend_seed_grid([0, 1]))
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_compiled_backward_agrees_with_autograd(seed_net, source, dtype, seed):
    X, Y = seed_batch(300, seed, dtype)
    X = seed_net_compiled.layout(X)
    params = seed_net.init_params(seed, dtype)
    compiled = run_manual(seed_net, params, X, Y, backward=seed_net_compiled.backward)
    rows = compare(compiled, run_autograd(seed_net, source, params, X, Y), "seed_net")
    assert [r["quantity"] for r in rows] == ["J", *GRADS]
    assert all_agree(rows), [r for r in rows if r["verdict"] != AGREE]


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("m", [1, 3, 6, 100, 1025, 1101, 2051])   # short last tiles, blocks, chunks; m = 1
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_compiled_agrees_with_literal(seed_net, dtype, m, threads):
    X, Y = seed_batch(m, 3, dtype)
    params = seed_net.init_params(3, dtype)
    rows = compare(run_manual(seed_net, params, X, Y), compiled_result(params, X, Y, threads), "seed_net")
    assert all_agree(rows), [r for r in rows if r["verdict"] != AGREE]


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_single_example_agrees_with_torch_and_keeps_the_shapes(seed_net, dtype):
    X, Y = seed_batch(1, 4, dtype)
    params = seed_net.init_params(4, dtype)
    rows = compare(compiled_result(params, X, Y), run_autograd(seed_net, "torch", params, X, Y), "seed_net")
    assert all_agree(rows), [r for r in rows if r["verdict"] != AGREE]
    grads = seed_net_compiled.gradient(params, seed_net_compiled.layout(X), Y)
    assert grads["dZ1"].shape == (10, 1) and grads["db1"].shape == (10, 1) and grads["dW1"].shape == (10, 784)


@pytest.mark.slow
def test_relu_exact_zeros_in_Z1_give_zero_dZ1(seed_net):
    """Z1 == 0 exactly (blank images, zero biases): g_ReLU'(0) = 0, as in the literal form and torch."""
    params, X, Y, zeros = relu_zeros_batch(seed_net)
    got = compiled_result(params, X, Y)
    assert np.all(got.grads["dZ1"][zeros] == 0) and np.any(got.grads["dA1"][zeros] != 0)
    rows = compare(got, run_autograd(seed_net, "torch", params, X, Y), "seed_net")
    assert all_agree(rows), [r for r in rows if r["verdict"] != AGREE]


@pytest.mark.slow
@pytest.mark.parametrize("column", [7, 12])                 # in a full tile; the last of a short one
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_X_is_named(bad, column):
    X, Y = seed_batch(13, 0)
    X[100, column] = bad
    with pytest.raises(ValueError, match="X"):
        seed_net_compiled.gradient(seed_net.init_params(0), seed_net_compiled.layout(X), Y)


@pytest.mark.slow
@pytest.mark.parametrize("m", [1, 7, 100, 1030])
def test_products_with_x_alone_give_dZ1_X_transposed(m):
    X, Y = seed_batch(m, 5)
    params = seed_net.init_params(5)
    dZ1 = np.random.default_rng(5).standard_normal((10, m))
    got = seed_net_compiled.products_with_x(params, seed_net_compiled.layout(X), dZ1)
    np.testing.assert_allclose(got, dZ1 @ X.T, rtol=1e-12, atol=1e-12)


def test_without_a_writable_cache_numba_compiles_in_each_process(monkeypatch):
    """Where numba can write no cache (cache=True raises when the function is defined), the function is
    compiled without one and ``CACHING`` says so."""
    calls = []

    def njit(cache=False, **options):
        calls.append(cache)
        if cache:
            raise RuntimeError("cannot cache function 'f': no locator available for file 'x.py'")
        return lambda fn: fn

    monkeypatch.setattr(seed_net_compiled, "njit", njit)
    monkeypatch.setattr(seed_net_compiled, "CACHING", {})

    def f():
        return 3

    assert seed_net_compiled.compiled(fastmath=True)(f)() == 3
    assert calls == [True, False] and seed_net_compiled.CACHING == {"f": False}
    assert seed_net_compiled.cache_folder() is None


def test_the_cache_lies_in_a_folder_numba_could_write():
    import os

    folder = seed_net_compiled.cache_folder()
    assert folder is not None and os.path.isdir(folder) and os.access(folder, os.W_OK)


@pytest.mark.slow
@pytest.mark.parametrize("n_h", [1, 11, 32])                 # odd widths: the last row of a pair repeats
def test_any_hidden_width_agrees_with_the_fast_form(n_h):
    from manual import seed_net_fast

    X, Y = seed_batch(70, 8)
    X = seed_net_fast.layout(X)
    params = seed_net_fast.init_params(8, n_h=n_h)
    fast = seed_net_fast.gradient(params, X, Y, block=32, piece=0)
    got = seed_net_compiled.gradient(params, X, Y)
    for k in fast:
        np.testing.assert_allclose(got[k], fast[k], rtol=1e-10, atol=1e-13, err_msg=k)
    assert seed_net_compiled.loss(params, X, Y) == pytest.approx(seed_net_fast.loss(params, X, Y, block=32), rel=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("m", [100, 1101, 2053])         # chunks of 1,024 ending mid-block and mid-tile
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_the_numbers_do_not_depend_on_the_thread_count_and_keep_the_dtype(dtype, m):
    """Chunks, blocks and lanes are summed in a fixed order, so one and two threads give the same bits."""
    X, Y = seed_batch(m, 6, dtype)
    X = seed_net_compiled.layout(X)
    params = seed_net.init_params(6, dtype)
    one, two = (seed_net_compiled.gradient(params, X, Y, threads=n) for n in (1, 2))
    literal = seed_net.backward(params, seed_net.forward(params, X)[1], X, Y)
    assert list(one) == GRADS
    for k in GRADS:
        assert one[k].dtype == dtype and one[k].shape == literal[k].shape, k
        np.testing.assert_array_equal(one[k], two[k], err_msg=k)
    assert seed_net_compiled.loss(params, X, Y, threads=1) == seed_net_compiled.loss(params, X, Y, threads=2)
