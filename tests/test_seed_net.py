"""The seed network's conventions, its update, and the seed lineage's mistakes planted to prove the check fails.

Its agreement with PyTorch and JAX autograd, quantity by quantity, is tests/test_catalogue.py's.
"""

import numpy as np
import pytest

from comparisons.agreement import AGREE, DISAGREE, LOSS_MISMATCH, SHAPE_MISMATCH, compare
from comparisons.sources import run_all, run_manual
from manual import seed_net
from tests.batches import seed_batch

# Each planted mistake against both references; JAX compiles anew on every call, so its run is slow.
REFERENCES = ["torch", pytest.param("jax", marks=pytest.mark.slow)]


def verdicts(rows):
    return {r["quantity"]: r["verdict"] for r in rows}


def test_intermediates_are_per_example(seed_net):
    """dZ2 = A2 - Y per example: autograd's dJ/dZ2 of the mean loss times m, applied by the harness."""
    X, Y = seed_batch(16, 3)
    params = seed_net.init_params(3)
    A2, _ = seed_net.manual.forward(params, X)
    torch_result = run_all(seed_net, params, X, Y, sources=("torch",))["torch"]
    np.testing.assert_allclose(torch_result.grads["dZ2"], A2 - Y, rtol=1e-12, atol=1e-15)


def test_loss_is_mean_over_examples_and_sum_over_classes(seed_net):
    X, Y = seed_batch(8, 4)
    params = seed_net.init_params(4)
    J = seed_net.manual.loss(params, X, Y)
    A2, _ = seed_net.manual.forward(params, X)
    assert J == pytest.approx(-np.mean(np.sum(Y * np.log(A2), axis=0)), rel=1e-12)
    X2, Y2 = np.concatenate([X, X], axis=1), np.concatenate([Y, Y], axis=1)
    assert seed_net.manual.loss(params, X2, Y2) == pytest.approx(J, rel=1e-12)


def test_gradient_descent_update(seed_net):
    """W := W - alpha dW for every parameter, and a small step lowers J."""
    X, Y = seed_batch(64, 5)
    params = seed_net.init_params(5)
    _, cache = seed_net.manual.forward(params, X)
    grads = seed_net.manual.backward(params, cache, X, Y)
    new = seed_net.manual.update_params(params, grads, alpha=0.1)
    for k in params:
        np.testing.assert_array_equal(new[k], params[k] - 0.1 * grads["d" + k])
    assert seed_net.manual.loss(new, X, Y) < seed_net.manual.loss(params, X, Y)


# Planted wrong derivations: they prove the check can fail.

def backward_bias_summed_over_all_axes(params, cache, X, Y):
    """db = 1/m sum(dZ) without axis=1: a scalar, the seed lineage's classic slip."""
    grads = seed_net.backward(params, cache, X, Y)
    m = X.shape[1]
    return {**grads, "db2": np.sum(grads["dZ2"]) / m, "db1": np.sum(grads["dZ1"]) / m}


def backward_global_m(params, cache, X, Y):
    """Every 1/m computed with a global m = 42 on a batch of 41."""
    grads = seed_net.backward(params, cache, X, Y)
    factor = X.shape[1] / 42
    return {k: (v * factor if k in ("dW1", "db1", "dW2", "db2") else v) for k, v in grads.items()}


@pytest.mark.parametrize("backend", REFERENCES)
def test_planted_bias_summed_over_all_axes_disagrees(seed_net, backend):
    X, Y = seed_batch(41, 0)
    params = seed_net.init_params(0)
    planted = run_manual(seed_net, params, X, Y, backward=backward_bias_summed_over_all_axes)
    reference = run_all(seed_net, params, X, Y, sources=(backend,))[backend]
    v = verdicts(compare(planted, reference, "seed_net"))
    assert v["db1"] == v["db2"] == SHAPE_MISMATCH
    assert v["dW1"] == v["dZ1"] == AGREE


@pytest.mark.parametrize("backend", REFERENCES)
def test_planted_global_m_disagrees(seed_net, backend):
    X, Y = seed_batch(41, 1)
    params = seed_net.init_params(1)
    planted = run_manual(seed_net, params, X, Y, backward=backward_global_m)
    reference = run_all(seed_net, params, X, Y, sources=(backend,))[backend]
    rows = compare(planted, reference, "seed_net")
    v = verdicts(rows)
    assert {v[q] for q in ("dW1", "db1", "dW2", "db2")} == {DISAGREE}
    assert v["J"] == v["dZ2"] == AGREE
    assert max(r["max_rel"] for r in rows if r["quantity"] == "dW2") == pytest.approx(1 / 42, rel=1e-6)


def test_planted_loss_sum_instead_of_mean_is_a_loss_mismatch(seed_net, monkeypatch):
    X, Y = seed_batch(16, 2)
    params = seed_net.init_params(2)
    reference = run_all(seed_net, params, X, Y, sources=("jax",))["jax"]
    true_loss = seed_net.manual.loss
    monkeypatch.setattr(seed_net.manual, "loss", lambda p, X, Y: true_loss(p, X, Y) * X.shape[1])
    rows = compare(run_manual(seed_net, params, X, Y), reference, "seed_net")
    assert rows[0]["quantity"] == "J" and rows[0]["verdict"] == LOSS_MISMATCH
