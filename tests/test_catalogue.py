"""Every catalogue model against PyTorch and JAX autograd: a model joins the tests by joining the catalogue.

For each model x dtype x backend x seed, the hand derivation and the backend's autograd run on the
model's own built-in data, ``model.data(m, seed, dtype)``, from the catalogue's initial parameters
(non-zero: an all-zero weight hides a wrong backward pass). ``comparisons.agreement.compare``, the
primitive the reports are made of, turns the two ``Result``s into rows, so a test and a report cannot
disagree. The loss row J comes first and must agree (gradients of a different loss prove nothing);
then every quantity of the manual backward, parameter gradients dW = dJ/dW and per-example
intermediates dZ = m dJ/dZ, must be on both sides and agree within the dtype's rtol.

The quick run takes M columns of the data and calls JAX once per model and dtype (it compiles anew on
every call; torch runs eagerly); further seeds under JAX, lambda = 0 under JAX, and the whole data with
all three pairs (manual, torch, jax) are ``slow``.
"""

import dataclasses
import re

import numpy as np
import pytest

from comparisons.agreement import AGREE, compare, rtol_for
from comparisons.catalogue import CATALOGUE
from comparisons.sources import run_all
from tests.batches import backend_seed_grid

MODELS = list(CATALOGUE.values())
REGULARISED = [model for model in MODELS if model.config.get("lam", 0) > 0]
DTYPES = [np.float64, np.float32]
BACKENDS = ["torch", "jax"]
SEEDS = [0, 1]
WHOLE_DATA_SEED = 2
M = 32          # columns of the quick batch: every reduction over examples, yet a quick compile

by_model = pytest.mark.parametrize("model", MODELS, ids=lambda model: model.name)
by_dtype = pytest.mark.parametrize("dtype", DTYPES, ids=lambda dtype: dtype.__name__)
by_backend_and_seed = pytest.mark.parametrize("backend, seed", backend_seed_grid(SEEDS, BACKENDS))


def backward_order(params, intermediates):
    """The order the chain rule yields gradients in: from the last layer to the first, and in layer l
    the intermediates handed down to it (dA_l, dZ_l, in ``INTERMEDIATES`` order), then the gradients
    of layer l's parameters in ``params`` order. A name's layer is its trailing number (none: one layer)."""
    def layer(name):
        number = re.search(r"\d*$", name).group()
        return int(number) if number else 0

    names = [*intermediates, *("d" + p for p in params)]
    return sorted(names, key=lambda name: (-layer(name), name not in intermediates))


def assert_agree(rows, quantities, dtype):
    """J first and agreeing; then exactly ``quantities``, each on both sides and agreeing at dtype's rtol."""
    assert rows[0]["quantity"] == "J" and rows[0]["verdict"] == AGREE, rows[0]
    assert sorted(r["quantity"] for r in rows[1:]) == sorted(quantities)
    assert {(r["dtype"], r["rtol"]) for r in rows} == {(np.dtype(dtype).name, rtol_for(dtype))}
    failing = [r for r in rows if r["verdict"] != AGREE]
    assert not failing, failing


@by_backend_and_seed
@by_dtype
@by_model
def test_manual_agrees_with_autograd(model, dtype, backend, seed):
    d = model.data(M, seed, dtype)
    params = model.init_params(seed, dtype)
    assert all(np.all(p != 0) for p in params.values())
    results = run_all(model, params, d.X, d.Y, sources=("manual", backend))
    rows = compare(results["manual"], results[backend], model.name)
    assert [r["quantity"] for r in rows] == ["J", *results["manual"].grads]
    assert_agree(rows, results["manual"].grads, dtype)


@pytest.mark.parametrize("backend", ["torch", pytest.param("jax", marks=pytest.mark.slow)])  # JAX: called above
@by_dtype
@pytest.mark.parametrize("model", REGULARISED, ids=lambda model: model.name)
def test_without_l2_agrees_with_autograd(model, dtype, backend):
    """lambda = 0, beside the catalogue's lambda > 0: the derivation holds with and without its L2 term."""
    plain = dataclasses.replace(model, config={**model.config, "lam": 0.0})
    d = plain.data(M, 0, dtype)
    params = plain.init_params(0, dtype)
    results = run_all(plain, params, d.X, d.Y, sources=("manual", backend))
    assert_agree(compare(results["manual"], results[backend], plain.name), results["manual"].grads, dtype)


@pytest.mark.slow
@by_dtype
@by_model
def test_whole_data_agrees_three_ways(model, dtype):
    """All of the built-in data (every example once), a third seed: manual, torch and jax pairwise."""
    d = model.data(None, WHOLE_DATA_SEED, dtype)
    results = run_all(model, model.init_params(WHOLE_DATA_SEED, dtype), d.X, d.Y)
    quantities = list(results["manual"].grads)
    for a, b in [("manual", "torch"), ("manual", "jax"), ("torch", "jax")]:
        assert_agree(compare(results[a], results[b], model.name), quantities, dtype)


@by_dtype
@by_model
def test_backward_holds_every_parameter_and_intermediate_in_backward_order(model, dtype):
    """backward's keys: d<name> of every parameter and the model's INTERMEDIATES, in backward order;
    each parameter's gradient has its shape and dtype, each intermediate d<N> the shape of the forward's N."""
    d = model.data(M, 0, dtype)
    params = model.init_params(0, dtype)
    module = model.manual
    assert {name: p.shape for name, p in params.items()} == dict(module.param_shapes())
    _, cache = module.forward(params, d.X)
    grads = module.backward(params, cache, d.X, d.Y)
    assert list(grads) == backward_order(params, model.intermediates)
    assert {k: (g.shape, g.dtype) for k, g in grads.items() if k not in model.intermediates} == {
        "d" + name: (p.shape, np.dtype(dtype)) for name, p in params.items()}
    assert {k: (grads[k].shape, grads[k].dtype) for k in model.intermediates} == {
        k: (cache[k[1:]].shape, np.dtype(dtype)) for k in model.intermediates}
    assert all(cache[k[1:]].shape[1] == M for k in model.intermediates)


@by_dtype
@by_model
def test_built_in_data_fit_the_model(model, dtype):
    """``data(m, seed, dtype)``: m columns of the dtype asked for, which the model's forward maps to Y's shape."""
    d = model.data(50, 0, dtype)
    assert d.X.shape[1] == d.Y.shape[1] == 50 and d.X.dtype == d.Y.dtype == dtype
    A, _ = model.manual.forward(model.init_params(0, dtype), d.X)
    assert A.shape == d.Y.shape and A.dtype == dtype and np.all(np.isfinite(A))
    np.testing.assert_array_equal(model.data(50, 0, dtype).X, d.X)                 # seeded
    assert not np.array_equal(model.data(50, 1, dtype).X, d.X)


def test_backward_order_of_a_three_layer_model():
    """The rule above, pinned on names: a check of the check."""
    params = dict.fromkeys(["W1", "b1", "W2", "b2", "W3", "b3"])
    assert backward_order(params, ("dZ3", "dA2", "dZ2", "dA1", "dZ1")) == [
        "dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]
    assert backward_order(dict.fromkeys(["W", "b"]), ("dZ",)) == ["dZ", "dW", "db"]


def test_every_regularised_model_is_in_the_without_l2_grid():
    """The lambda = 0 grid is not empty, and holds every model whose catalogue entry sets lambda."""
    assert {model.name for model in REGULARISED} == {
        name for name, model in CATALOGUE.items() if "lam" in model.config} != set()
