"""Named edge cases of the seed network, each checked against both autograds."""

import numpy as np
import pytest

from comparisons.agreement import AGREE, compare
from comparisons.sources import run_all
from manual.encoding import one_hot
from tests.batches import relu_zeros_batch, seed_batch

BACKENDS = ["torch", "jax"]


def agree_everywhere(model, params, X, Y):
    results = run_all(model, params, X, Y)
    rows = [r for b in BACKENDS for r in compare(results["manual"], results[b], model.name)]
    assert {r["verdict"] for r in rows} == {AGREE}, [r for r in rows if r["verdict"] != AGREE]
    return results


def test_relu_exact_zeros_in_Z1(seed_net):
    """Z1 == 0 exactly (a blank image, zero biases): ReLU'(0) = 0 in all three sources."""
    params, X, Y, zeros = relu_zeros_batch(seed_net)
    results = agree_everywhere(seed_net, params, X, Y)
    for source in ("manual", *BACKENDS):
        assert np.all(results[source].grads["dZ1"][zeros] == 0), source


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
def test_logits_of_plus_minus_1000(seed_net, dtype):
    """Z2 entries of +-1000: no overflow, no NaN, a finite (large) loss, and agreement."""
    X, Y = seed_batch(10, 1, dtype)
    params = seed_net.init_params(1, dtype)
    params["b2"][:] = np.where(np.arange(10) % 2 == 0, 1000.0, -1000.0).reshape(10, 1).astype(dtype)
    _, cache = seed_net.manual.forward(params, X)
    assert np.abs(cache["Z2"]).max() > 990
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        J = seed_net.manual.loss(params, X, Y)
    assert np.isfinite(J) and J > 100
    results = agree_everywhere(seed_net, params, X, Y)
    assert all(np.all(np.isfinite(g)) for r in results.values() for g in r.grads.values())


def test_batch_missing_a_class(seed_net):
    """No example of class 9: Y keeps all 10 rows, and db2[9] is the mean of A2[9]."""
    rng = np.random.default_rng(2)
    X = rng.random((784, 30))
    Y = one_hot(rng.integers(0, 9, size=30), 10)
    assert Y.shape == (10, 30) and Y[9].sum() == 0
    params = seed_net.init_params(2)
    results = agree_everywhere(seed_net, params, X, Y)
    A2, _ = seed_net.manual.forward(params, X)
    assert results["manual"].grads["db2"][9, 0] == pytest.approx(A2[9].mean(), rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
def test_single_example_m_equals_1(seed_net, dtype):
    X, Y = seed_batch(1, 3, dtype)
    results = agree_everywhere(seed_net, seed_net.init_params(3, dtype), X, Y)
    assert results["manual"].grads["dZ1"].shape == (10, 1)
    assert results["manual"].grads["db1"].shape == (10, 1)
