"""The layer table's witness (``comparisons.layer_check.table_witness``): a short step sweep where the
complex step measures, the full sweep otherwise, and one witness shared by layers of the same forward;
each must give the full witness's rows bit for bit. And JAX's VJP compiled with ``reference.jax_ad.ONCE``: the same
gradients to a few units in the last place."""

import dataclasses

import numpy as np
import pytest

from comparisons import layer_check
from comparisons.agreement import AGREE, PASSING
from comparisons.layer_check import CONFIRM, SWEEP, cost_key, manual, table, table_witness, witness
from comparisons.verify.black_box import check_gradient
from manual.layers import catalogue

LAYERS = catalogue()


def at(name, seed=0):
    """(layer, float64 inputs, dout) of a catalogue layer."""
    layer = LAYERS[name]
    inputs = layer.inputs(seed, np.dtype("float64"))
    return layer, inputs, manual(layer, inputs, seed=seed)[2]


def rows_of(found):
    return [(r["quantity"], r["max_rel"], r["verdict"]) for r in found.rows]


def half_dbeta(name):
    """The layer's own backward with dbeta halved: a wrong backward of a (x, gamma, beta) layer."""
    right = LAYERS[name].function("manual", "backward")

    def backward(dout, cache):
        dx, dgamma, dbeta = right(dout, cache)
        return dx, dgamma, 0.5 * dbeta
    return backward


# (layer, the sweep it ends with): CONFIRM where the complex step measures; SWEEP for a kink pattern
# (max_pool), a forward that is not analytic (sigmoid's |x|), and few swept elements all zero (relu)
@pytest.mark.parametrize("name, size", [("affine", CONFIRM), ("batchnorm", CONFIRM), ("word_embedding", CONFIRM),
                                        ("relu", SWEEP), ("sigmoid", SWEEP), ("max_pool", SWEEP)])
def test_the_table_witness_gives_the_full_witness_rows(name, size):
    layer, inputs, dout = at(name)
    found = table_witness(layer, inputs, dout)
    assert found.witness.plan.sweep_per_array == size
    assert rows_of(found) == rows_of(witness(layer, inputs, dout))
    assert all(v in PASSING for _, _, v in rows_of(found))


def test_a_wrong_backward_is_judged_by_the_full_witness():
    layer, inputs, dout = at("batchnorm")
    wrong = half_dbeta("batchnorm")
    found = table_witness(layer, inputs, dout, wrong)
    assert found.witness.plan.sweep_per_array == SWEEP and not found.passed
    assert rows_of(found) == rows_of(witness(layer, inputs, dout, wrong))
    assert [q for q, _, v in rows_of(found) if v != AGREE] == ["dbeta"]


def test_layers_of_one_forward_share_one_witness():
    shared = {}
    table_witness(*at("batchnorm"), shared=shared)
    layer, inputs, dout = at("batchnorm_alt")
    found = table_witness(layer, inputs, dout, shared=shared)
    assert found.witness.reused
    assert rows_of(found) == rows_of(table_witness(layer, inputs, dout))


def test_a_shared_witness_still_catches_a_wrong_backward():
    shared = {}     # a wrong backward first: its full witness (SWEEP) is shared too
    table_witness(*at("batchnorm"), half_dbeta("batchnorm"), shared=shared)
    layer, inputs, dout = at("batchnorm_alt")
    wrong = half_dbeta("batchnorm_alt")
    found = table_witness(layer, inputs, dout, wrong, shared=shared)
    assert found.witness.reused and not found.passed
    assert rows_of(found) == rows_of(witness(layer, inputs, dout, wrong))


def test_the_key_tells_forwards_points_and_options_apart():
    assert cost_key(*at("batchnorm")) == cost_key(*at("batchnorm_alt"))
    assert cost_key(*at("batchnorm")) != cost_key(*at("batchnorm", seed=1))
    assert cost_key(*at("batchnorm")) != cost_key(*at("layernorm"))
    layer, inputs, dout = at("batchnorm")
    assert cost_key(dataclasses.replace(layer, options={**layer.options, "eps": 1e-3}), inputs, dout) \
        != cost_key(layer, inputs, dout)
    assert cost_key(dataclasses.replace(layer, options={"f": lambda: 0}), inputs, dout) is None   # unpicklable


@pytest.mark.slow
def test_a_table_of_layers_sharing_a_forward_has_each_layer_s_own_rows():
    both = table([LAYERS["batchnorm"], LAYERS["batchnorm_alt"]], ("float64",))
    alone = table([LAYERS["batchnorm_alt"]], ("float64",))
    shared = both[both["layer"] == "batchnorm_alt"].reset_index(drop=True)
    assert shared.equals(alone)


def quadratic(p):
    return 0.5 * p["a"] @ (np.arange(1.0, 5.0) * p["a"]) + np.sum(np.sin(p["b"]))


def quadratic_grad(p):
    return {"a": np.arange(1.0, 5.0) * p["a"], "b": np.cos(p["b"])}


def test_check_gradient_takes_a_witness_over():
    params = {"a": np.array([0.3, -1.2, 0.7, 2.0]), "b": np.array([0.4, -0.9])}
    first = check_gradient(quadratic, quadratic_grad, params)
    again = check_gradient(quadratic, quadratic_grad, params, like=first)
    assert again.witness.reused and not first.witness.reused and again.passed
    assert rows_of(again) == rows_of(first)
    wrong = check_gradient(quadratic, lambda p: {**quadratic_grad(p), "b": np.sin(p["b"])}, params, like=first)
    assert wrong.witness.reused and not wrong.passed


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["attention", "batchnorm", "lstm"])
def test_the_cheap_compile_moves_jax_gradients_by_rounding_only(name, dtype, monkeypatch):
    layer = LAYERS[name]
    inputs = layer.inputs(0, np.dtype(dtype))
    dout = manual(layer, inputs)[2]
    cheap = layer_check.jax_vjp(layer, inputs, dout, taps=bool(layer.steps))
    monkeypatch.setattr("reference.jax_ad.ONCE", {})     # XLA's own defaults
    optimized = layer_check.jax_vjp(layer, inputs, dout, taps=bool(layer.steps))
    assert cheap.keys() == optimized.keys()
    eps = np.finfo(dtype).eps
    for q, g in optimized.items():
        scale = np.max(np.abs(g))
        assert np.max(np.abs(cheap[q] - g)) <= 16 * eps * scale, q
