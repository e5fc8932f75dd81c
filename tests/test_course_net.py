"""The course-style network: its per-example backward against autograd and the vectorised one, its
conventions (summed binary cross-entropy, L2 without the biases), edge cases and configurations.

The vectorised backward's agreement with PyTorch and JAX autograd is tests/test_catalogue.py's.
"""

import dataclasses
import re

import numpy as np
import pytest

from comparisons import catalogue, data
from comparisons.agreement import AGREE, compare
from comparisons.sections.per_example import per_example_rows
from comparisons.sources import run_all, run_manual
from manual import course_net
from manual.encoding import one_hot
from tests.batches import backend_seed_grid

BACKENDS = ["torch", "jax"]
DTYPES = [np.float64, np.float32]
SEEDS = [0, 1, 2]
ORDER = ["J", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]


@pytest.fixture
def model():
    """The catalogue entry: 400-25-10, lambda = 1."""
    return catalogue.get("course_net")


def sized(n_x=12, n_h=5, n_y=4, lam=0.7):
    """A catalogue-style entry for another configuration of the course network."""
    return dataclasses.replace(catalogue.get("course_net"), config=dict(n_x=n_x, n_h=n_h, n_y=n_y, lam=lam))


def batch(m, seed, dtype=np.float64, n_x=400, n_y=10):
    """X (n_x, m) uniform in [0, 1), Y one-hot (n_y, m) from seeded labels."""
    rng = np.random.default_rng(seed)
    return rng.random((n_x, m)).astype(dtype), one_hot(rng.integers(0, n_y, size=m), n_y, dtype=dtype)


def verdicts(rows):
    return {r["quantity"]: r["verdict"] for r in rows}


def agree_everywhere(model, params, X, Y):
    """Vectorised and per-example manual passes agree with both autograds; returns run_all's results."""
    results = run_all(model, params, X, Y)
    looped = run_manual(model, params, X, Y, backward=model.manual.backward_per_example)
    rows = [r for b in BACKENDS for manual in (results["manual"], looped)
            for r in compare(manual, results[b], model.name)]
    assert {r["verdict"] for r in rows} == {AGREE}, [r for r in rows if r["verdict"] != AGREE]
    return results


@pytest.mark.parametrize("backend, seed", backend_seed_grid(SEEDS, BACKENDS))
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_per_example_backward_agrees_with_autograd(model, backend, dtype, seed):
    X, Y = batch(48, seed, dtype)
    params = model.init_params(seed, dtype)
    looped = run_manual(model, params, X, Y, backward=model.manual.backward_per_example)
    reference = run_all(model, params, X, Y, sources=(backend,))[backend]
    assert verdicts(compare(looped, reference, model.name)) == {q: AGREE for q in ORDER}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_per_example_agrees_with_vectorised(model, dtype, seed):
    X, Y = batch(60, seed, dtype)
    rows = per_example_rows(model, model.init_params(seed, dtype), X, Y)
    assert [r["quantity"] for r in rows] == ORDER
    assert rows[0]["pair"] == "manual per-example vs manual"
    assert verdicts(rows) == {q: AGREE for q in ORDER}


def test_per_example_columns_are_each_examples_delta(model):
    """Column t of dZ2 from the loop is a3 - y for example t alone (m = 1): delta3 of the course."""
    X, Y = batch(5, 4)
    params = model.init_params(4)
    grads = model.manual.backward_per_example(params, None, X, Y)
    for t in range(5):
        A2, _ = model.manual.forward(params, X[:, t:t + 1])
        np.testing.assert_array_equal(grads["dZ2"][:, t:t + 1], A2 - Y[:, t:t + 1])


def test_loss_is_mean_over_examples_of_sum_over_classes(model):
    """J = 1/m sum_j sum_k [-y log a - (1-y) log(1-a)] + lambda/(2m) (||W1||^2 + ||W2||^2)."""
    X, Y = batch(20, 5)
    params = model.init_params(5)
    A2, _ = model.manual.forward(params, X)
    bce = -(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
    penalty = 1.0 / (2 * 20) * ((params["W1"] ** 2).sum() + (params["W2"] ** 2).sum())
    assert model.manual.loss(params, X, Y) == pytest.approx(bce.sum(axis=0).mean() + penalty, rel=1e-12)


def test_unregularised_loss_of_a_repeated_batch_is_unchanged():
    """With lambda = 0 the loss is a mean: the batch twice over gives the same J."""
    net = course_net.configure(lam=0.0)
    X, Y = batch(16, 6)
    params = net.init_params(6)
    X2, Y2 = np.concatenate([X, X], axis=1), np.concatenate([Y, Y], axis=1)
    assert net.loss(params, X2, Y2) == pytest.approx(net.loss(params, X, Y), rel=1e-12)


@pytest.mark.parametrize("backward", ["backward", "backward_per_example"])
def test_regularisation_leaves_biases_alone(backward):
    """Raising lambda adds lambda/m W to dW and changes neither db nor any intermediate."""
    X, Y = batch(24, 7)
    plain, ridge = course_net.configure(lam=0.0), course_net.configure(lam=3.0)
    params = plain.init_params(7)
    _, cache = plain.forward(params, X)
    g0 = getattr(plain, backward)(params, cache, X, Y)
    g3 = getattr(ridge, backward)(params, cache, X, Y)
    for k in ("db1", "db2", "dZ2", "dA1", "dZ1"):
        np.testing.assert_array_equal(g3[k], g0[k])
    for k in ("W1", "W2"):
        np.testing.assert_allclose(g3["d" + k] - g0["d" + k], 3.0 / 24 * params[k], rtol=1e-10, atol=1e-15)
    assert ridge.loss(params, X, Y) > plain.loss(params, X, Y)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_saturated_sigmoid_at_logits_plus_minus_1000(model, dtype):
    """Z2 and Z1 at +-1000: A = exactly 0 or 1, no overflow or NaN, a finite loss, and agreement."""
    X, Y = batch(10, 8, dtype)
    params = model.init_params(8, dtype)
    params["b2"][:] = np.where(np.arange(10) % 2 == 0, 1000.0, -1000.0).reshape(10, 1).astype(dtype)
    params["b1"][:3] = 1000.0
    params["b1"][3:6] = -1000.0
    _, cache = model.manual.forward(params, X)
    assert np.abs(cache["Z2"]).min() > 990 and set(np.unique(cache["A2"])) == {0.0, 1.0}
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        J = model.manual.loss(params, X, Y)
    assert np.isfinite(J) and J > 100
    results = agree_everywhere(model, params, X, Y)
    assert all(np.all(np.isfinite(g)) for r in results.values() for g in r.grads.values())
    assert np.all(results["manual"].grads["dZ1"][:6] == 0)  # a saturated hidden unit passes nothing back


@pytest.mark.parametrize("dtype", [np.float64, pytest.param(np.float32, marks=pytest.mark.slow)],
                         ids=lambda d: d.__name__)       # float32 at m = 1 runs quick in test_seed_net_edges
def test_single_example_m_equals_1(model, dtype):
    X, Y = batch(1, 9, dtype)
    results = agree_everywhere(model, model.init_params(9, dtype), X, Y)
    assert results["manual"].grads["dZ1"].shape == (25, 1)
    assert results["manual"].grads["db1"].shape == (25, 1)


@pytest.mark.parametrize("sizes", [(12, 5, 4), (3, 7, 1),
                                   pytest.param((400, 25, 10), marks=pytest.mark.slow)], ids=str)
def test_configured_sizes_agree(sizes):
    model = sized(*sizes, lam=0.3)
    X, Y = batch(9, 10, n_x=sizes[0], n_y=sizes[2])
    agree_everywhere(model, model.init_params(10), X, Y)
    assert {k: v.shape for k, v in model.init_params(10).items()} == {
        "W1": (sizes[1], sizes[0]), "b1": (sizes[1], 1), "W2": (sizes[2], sizes[1]), "b2": (sizes[2], 1)}


def test_course_defaults():
    net = course_net.configure()
    assert (net.n_x, net.n_h, net.n_y, net.lam) == (400, 25, 10, 1.0)
    assert net.INTERMEDIATES == ("dZ2", "dA1", "dZ1") and net.KINKS == ()
    params = net.init_params(0)
    assert all(np.abs(v).max() <= 0.12 and np.abs(v).min() > 0 for v in params.values())


@pytest.mark.parametrize("config, message", [
    (dict(n_h=0), "layer 1 of sizes (400, 0, 10) has size 0"),
    (dict(n_x=2.5), "has size 2.5; expected a positive integer"),
    (dict(lam=-1.0), "lam is -1.0; expected a finite number >= 0"),
    (dict(lam=float("nan")), "expected a finite number >= 0"),
], ids=["zero-hidden-units", "fractional-inputs", "negative-lambda", "nan-lambda"])
@pytest.mark.parametrize("tree", ["manual", "torch", "jax"])
def test_bad_configuration_is_one_clear_error(tree, config, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        dataclasses.replace(catalogue.get("course_net"), config=config).source(tree)


def test_wrong_input_shape_names_the_array(model):
    X, Y = batch(4, 0, n_x=401)
    with pytest.raises(ValueError, match=r"X has shape \(401, 4\); expected \(400, m\)"):
        model.manual.forward(model.init_params(0), X)


def test_digits_400_are_the_digits_padded_and_upscaled():
    """8x8 digits, zero-padded to 10x10, each pixel repeated 2x2: 20x20 images in [0, 1]."""
    d = data.digits_400()
    assert d.X.shape == (400, 1797) and d.Y.shape == (10, 1797)
    images = d.X.T.reshape(-1, 20, 20)
    assert np.all(images[:, :2] == 0) and np.all(images[:, -2:] == 0)
    assert np.all(images[:, :, :2] == 0) and np.all(images[:, :, -2:] == 0)
    for di, dj in [(0, 1), (1, 0), (1, 1)]:
        np.testing.assert_array_equal(images[:, di::2, dj::2], images[:, ::2, ::2])
    assert 0 <= d.X.min() and d.X.max() == 1.0
    assert d.description.startswith("1,797 of scikit-learn's 1,797 digits")      # m=None: every digit once
    more = data.digits_400(5000, seed=1, dtype=np.float32)
    assert more.X.shape == (400, 5000) and more.X.dtype == np.float32
    assert "5,000 columns drawn with replacement" in more.description
