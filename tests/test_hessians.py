"""Hand-derived Hessians of the convex models against torch.func.hessian and jax.hessian."""

import dataclasses

import numpy as np
import pytest

from comparisons.agreement import AGREE, DISAGREE, compare
from comparisons.sections.hessian import hessian_results, hessian_section
from tests.convex import BACKENDS, with_lam

MODELS = ["linear_regression", "logistic_regression", "softmax_regression"]
DTYPES = [np.float64, np.float32]
SEEDS = [0, pytest.param(1, marks=pytest.mark.slow)]   # a second seed: the same programs, other numbers


def batch(name, lam, seed, dtype=np.float64, m=60):
    model = with_lam(name, lam)
    d = model.data(m, seed, np.dtype(dtype))
    return model, model.init_params(seed, dtype), d.X, d.Y


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", MODELS)
def test_hessian_agrees_with_autograd(name, backend, dtype, seed):
    model, params, X, Y = batch(name, 0.5, seed, dtype)
    results = hessian_results(model, params, X, Y, sources=(backend,))
    rows = compare(results["manual"], results[backend], name)
    P = sum(v.size for v in params.values())
    assert [(r["quantity"], r["shape_a"]) for r in rows] == [("J", "()"), ("H", str((P, P)))]
    assert {r["verdict"] for r in rows} == {AGREE}


@pytest.mark.parametrize("name", MODELS)
def test_l2_enters_the_weight_diagonal_only(name):
    """H(lambda) - H(0) = lambda/m on the diagonal entries of W, and 0 everywhere else (biases too)."""
    _, params, X, Y = batch(name, 0.0, 3)
    lam, m = 2.0, X.shape[1]
    H0 = with_lam(name, 0.0).manual.hessian(params, X, Y)
    H = with_lam(name, lam).manual.hessian(params, X, Y)
    on_W = np.r_[np.ones(params["W"].size), np.zeros(params["b"].size)]     # theta = (W row by row, b)
    np.testing.assert_allclose(H - H0, np.diag(lam / m * on_W), rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", MODELS)
def test_hessian_is_symmetric_and_positive_semidefinite(name):
    """J is convex in (W, b) for all three models."""
    _, params, X, Y = batch(name, 0.0, 4)
    H = with_lam(name, 0.0).manual.hessian(params, X, Y)
    np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-15)
    np.linalg.cholesky(H + 1e-12 * np.abs(H).max() * np.eye(len(H)))   # LinAlgError unless PSD


def test_linear_hessian_ignores_parameters_and_targets():
    """J is quadratic: H = 1/m X~ X~^T + lambda/m D at any (W, b) and for any Y."""
    model, params, X, Y = batch("linear_regression", 0.5, 5)
    other = {k: v + 3.0 for k, v in params.items()}
    np.testing.assert_array_equal(model.manual.hessian(params, X, Y), model.manual.hessian(other, X, -Y))


def test_softmax_hessian_is_singular_along_a_shift_of_every_class():
    """Adding the same u to every row of W and the same c to every b leaves softmax unchanged, so
    without L2 that direction v is in H's null space: H v = 0 (the block structure sums to zero)."""
    model, params, X, Y = batch("softmax_regression", 0.0, 6)
    rng = np.random.default_rng(0)
    u, c = rng.standard_normal(64), 0.7
    v = np.r_[np.tile(u, 10), np.full(10, c)]                  # theta = (W row by row, then b)
    H = model.manual.hessian(params, X, Y)
    assert np.abs(H @ v).max() <= 1e-14 * np.abs(H).max() * np.abs(v).max() * v.size
    assert np.abs(H @ np.r_[u, np.zeros(640 - 64 + 10)]).max() > 1e-3   # not every direction is null


@pytest.mark.parametrize("backend", BACKENDS)
def test_logistic_hessian_at_saturated_logits(backend):
    """Logits of +-1000: every a_j (1 - a_j) is 0, so H is lambda/m D exactly, finite, and autograd agrees."""
    model = with_lam("logistic_regression", 1.0)
    params = {"W": np.array([[1000.0]]), "b": np.array([[0.0]])}
    X, Y = np.array([[1.0, -1.0, 1.0, -1.0]]), np.array([[1.0, 0.0, 0.0, 1.0]])
    results = hessian_results(model, params, X, Y, sources=(backend,))
    np.testing.assert_array_equal(results["manual"].grads["H"], [[0.25, 0.0], [0.0, 0.0]])
    assert {r["verdict"] for r in compare(results["manual"], results[backend], model.name)} == {AGREE}


@pytest.mark.parametrize("name", MODELS)
def test_a_hessian_penalising_the_biases_is_caught(name):
    """A planted mistake, lambda/m added on the bias diagonal too, is a DISAGREE row for H."""
    model, params, X, Y = batch(name, 0.5, 7)
    results = hessian_results(model, params, X, Y, sources=("torch",))
    H = results["manual"].grads["H"].copy()
    n_W = params["W"].size
    H[n_W:, n_W:] += 0.5 / X.shape[1] * np.eye(params["b"].size)
    planted = dataclasses.replace(results["manual"], grads={"H": H})
    assert [r["verdict"] for r in compare(planted, results["torch"], name)] == [AGREE, DISAGREE]


def test_hessian_order_follows_param_shapes():
    """Row 0 is d/dW[0, 0], the last rows the biases: d^2 J / db_k db_l = 1/m sum_j a_kj (delta_kl - a_lj)."""
    model, params, X, Y = batch("softmax_regression", 0.0, 8)
    H = model.manual.hessian(params, X, Y)
    A, _ = model.manual.forward(params, X)
    expected = (np.diag(A.sum(axis=1)) - A @ A.T) / X.shape[1]
    np.testing.assert_allclose(H[640:, 640:], expected, rtol=1e-12)
    np.testing.assert_allclose(H[0, 0], (A[0] * (1 - A[0]) * X[0] ** 2).mean(), rtol=1e-12)


@pytest.mark.parametrize("name", MODELS)
def test_report_section(name):
    model = with_lam(name, 0.5)
    [section] = hessian_section(model, ("float64",), 0)
    assert section.ok and section.title == "Hessian"
    assert set(section.table["pair"]) == {"manual vs torch", "manual vs jax", "torch vs jax"}
    assert set(section.table["verdict"]) == {AGREE}
