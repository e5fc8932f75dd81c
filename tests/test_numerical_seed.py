"""The numerical witness on the seed network: every element, kinks on purpose, planted mistakes,
the first wrong line, float32 models, and the blind spots of sampled checks."""

import numpy as np
import pytest

from comparisons import catalogue
from comparisons.agreement import AGREE, DISAGREE
from comparisons.numerical import blind_spots, check, localize, plan_for, witness
from comparisons.numerical.differences import central_partials, sign_pattern
from comparisons.numerical.directions import KS
from comparisons.numerical.witness import as_float64
from manual import seed_net
from tests.batches import seed_batch

M = 16  # examples: the full per-element check costs the same 4 calls per element at any m
FULL = plan_for(7960, M, full=True)


@pytest.fixture(scope="module")
def case():
    """(model, params, X, Y, witness) with every element measured; the witness is shared by the tests
    below, which plant mistakes in the derivation only."""
    model = catalogue.get("seed_net")
    X, Y = seed_batch(M, 0)
    params = model.init_params(0)
    return model, params, X, Y, witness(model, params, X, Y, plan=FULL)


def verdicts(rows):
    return {r["quantity"]: r["verdict"] for r in rows}


def test_a_correct_derivation_agrees_on_every_element(case):
    model, params, X, Y, w = case
    rows = check(model, params, X, Y, witness=w)
    assert verdicts(rows) == {q: AGREE for q in ["J", "dZ2", "dW2", "db2", "dZ1", "dW1", "db1"]}
    assert w.method == "central differences" and w.result.dtype == np.float64
    assert {q: c["measured"] + c["kink_crossed"] for q, c in w.counts.items()} == {
        "dW1": 7840, "db1": 10, "dW2": 100, "db2": 10, "dZ2": 10 * M, "dZ1": 10 * M}
    assert all(r["ng_pass"] and r["dlai_pass"] and r["adbench_pass"] for r in rows)


def scaled(quantity, index, factor):
    """A derivation with one element of ``quantity`` multiplied by ``factor`` (index None: the largest,
    since a ReLU unit dead on the whole batch has a row of exact zeros that no factor changes)."""
    def backward(params, cache, X, Y):
        grads = seed_net.backward(params, cache, X, Y)
        wrong = grads[quantity].copy()
        at = np.unravel_index(np.argmax(np.abs(wrong)), wrong.shape) if index is None else index
        wrong[at] *= factor
        return {**grads, quantity: wrong}
    return backward


@pytest.mark.parametrize("quantity, index, factor", [
    ("db1", (3, 0), 1.001), ("db1", (7, 0), -1.0), ("dW1", None, 1.0001), ("db2", (0, 0), 1.001),
])
def test_a_single_wrong_element_is_caught(case, quantity, index, factor):
    model, params, X, Y, w = case
    got = verdicts(check(model, params, X, Y, backward=scaled(quantity, index, factor), witness=w))
    assert got.pop(quantity) == DISAGREE
    assert set(got.values()) == {AGREE}


def forgot_relu_prime(params, cache, X, Y):
    """dZ1 = dA1: the ReLU derivative left out; dW1 and db1 follow from the wrong dZ1."""
    g = seed_net.backward(params, cache, X, Y)
    dZ1 = g["dA1"]
    return {**g, "dZ1": dZ1, "dW1": dZ1 @ X.T / X.shape[1], "db1": dZ1.sum(axis=1, keepdims=True) / X.shape[1]}


def untransposed(params, cache, X, Y):
    """dA1 = W2 dZ2 instead of W2^T dZ2 (W2 is square, so the shapes hide it); the rest follows."""
    g = seed_net.backward(params, cache, X, Y)
    dA1 = params["W2"] @ g["dZ2"]
    dZ1 = dA1 * (cache["Z1"] > 0)
    return {**g, "dA1": dA1, "dZ1": dZ1, "dW1": dZ1 @ X.T / X.shape[1],
            "db1": dZ1.sum(axis=1, keepdims=True) / X.shape[1]}


def negated_dW2(params, cache, X, Y):
    g = seed_net.backward(params, cache, X, Y)
    return {**g, "dW2": -g["dW2"]}


@pytest.mark.parametrize("backward, first, unwitnessed", [
    (forgot_relu_prime, "dZ1", ("dA1",)),   # dZ1, not dW1: the line that went wrong
    (untransposed, "dZ1", ("dA1",)),        # dA1 has no witness: named beside dZ1
    (negated_dW2, "dW2", ()),
    (scaled("db1", (3, 0), 1.001), "db1", ()),
])
def test_localisation_names_the_first_wrong_line(case, backward, first, unwitnessed):
    model, params, X, Y, w = case
    rows = check(model, params, X, Y, backward=backward, witness=w)
    found = localize(rows, ["dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"])
    assert (found.first, found.unwitnessed) == (first, unwitnessed)
    assert f"First wrong line in backward order: {first}" in found.sentence()


def test_localisation_of_a_correct_derivation_names_nothing(case):
    model, params, X, Y, w = case
    found = localize(check(model, params, X, Y, witness=w), ["dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"])
    assert found.first is None and found.sentence().startswith("Every witnessed quantity agrees")


@pytest.fixture(scope="module")
def near_kinks():
    """Parameters with Z1[i, j] = +-1e-7 for four (i, j), one per row: within the steps the sweep picks."""
    model = catalogue.get("seed_net")
    X, Y = seed_batch(M, 1)
    params = model.init_params(1)
    Z1 = params["W1"] @ X + params["b1"]
    rows, cols = np.array([0, 3, 6, 9]), np.array([2, 11, 0, 7])
    params["b1"][rows, 0] -= Z1[rows, cols] - np.array([1, 1, -1, 1]) * 1e-7
    assert np.allclose(np.abs((params["W1"] @ X + params["b1"])[rows, cols]), 1e-7, rtol=1e-6)
    return model, params, X, Y, witness(model, params, X, Y, plan=FULL), set(rows)


@pytest.mark.slow   # the near_kinks witness: every element of the seed network, ~5 s
def test_kink_crossed_elements_are_counted_and_never_fail_a_correct_model(near_kinks):
    model, params, X, Y, w, rows = near_kinks
    assert set(verdicts(check(model, params, X, Y, witness=w)).values()) == {AGREE}
    crossed_W1 = ~w.result.masks["dW1"]
    assert w.counts["dW1"]["kink_crossed"] == crossed_W1.sum() > 0
    assert set(np.flatnonzero(crossed_W1.any(axis=1))) <= rows            # only rows with Z1 near 0
    assert set(np.flatnonzero(~w.result.masks["db1"])) <= rows
    assert w.counts["dW2"]["kink_crossed"] == 0                             # W2 does not move Z1
    assert w.kink_crossed() == sum(c["kink_crossed"] for c in w.counts.values())


@pytest.mark.slow   # the near_kinks witness: every element of the seed network, ~5 s
def test_the_crossed_stencils_are_the_ones_that_would_fail(near_kinks):
    """Judged anyway, kink-crossed elements of dW1 disagree: leaving them out is what keeps the
    check of a correct model honest."""
    model, params, X, Y, w, _ = near_kinks
    crossed = np.argwhere(~w.result.masks["dW1"])[::50]
    grads = seed_net.backward(params, seed_net.forward(params, X)[1], X, Y)
    P, X64, Y64 = as_float64(params, X, Y)
    elements = [("W1", int(np.ravel_multi_index(tuple(ij), (10, 784)))) for ij in crossed]
    values, kinks = central_partials(lambda p: seed_net.loss(p, X64, Y64), P, elements, w.steps["W1"],
                                     sign_pattern(seed_net, X64, ("Z1",)))
    assert kinks.all()
    error = np.abs(values - grads["dW1"][tuple(crossed.T)]) / np.max(np.abs(grads["dW1"]))
    assert np.median(error) > 100 * w.result.rtol


def test_a_float32_model_is_witnessed_in_float64(case):
    model, params, X, Y, _ = case
    p32, X32, Y32 = ({k: v.astype(np.float32) for k, v in params.items()}, X.astype(np.float32),
                     Y.astype(np.float32))
    w = witness(model, p32, X32, Y32, plan=plan_for(7960, M, full=False, per_array=16))
    rows = check(model, p32, X32, Y32, witness=w)
    assert w.dtype == "float32" and all(g.dtype == np.float64 for g in w.result.grads.values())
    assert {r["dtype"] for r in rows} == {"float32"} and {r["rtol"] for r in rows} == {1e-4}
    assert set(verdicts(rows).values()) == {AGREE}


def test_the_api_takes_a_bare_module_too(case):
    _, params, X, Y, _ = case
    rows = check(seed_net, params, X, Y, plan=plan_for(7960, M, full=False, per_array=8))
    assert rows[0]["model"] == "manual.seed_net" and set(verdicts(rows).values()) == {AGREE}


def test_blind_spots_are_counted(case):
    model, params, X, Y, w = case
    grads = seed_net.backward(params, seed_net.forward(params, X)[1], X, Y)
    table = blind_spots(model, params, X, Y, w, grads, ("db1", 4), pool=60)
    rates = table[[f"k={k}" for k in KS]].to_numpy()
    assert np.all((rates >= 0) & (rates <= 1)) and np.all(np.diff(rates, axis=1) <= 0)   # more k, fewer misses
    elements = table[table["check"] == "k random elements"]
    assert (elements["pool"] == 7960).all() and (elements["missed"] == 7959).all()         # only db1[4] catches
    np.testing.assert_allclose(elements["k=8"], 1 - 8 / 7960)                              # C(n-1, k) / C(n, k)
    directions = table[table["check"] == "k random directions"].set_index("mistake")["missed"]
    assert directions["db1[4] x 2"] <= directions["db1[4] x 1.01"] <= directions["db1[4] x 1.0001"]
