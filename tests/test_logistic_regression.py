"""Logistic regression's hand derivation: its reductions, saturated and separable data, L2 and bad input.

Its agreement with PyTorch and JAX autograd, with the catalogue's lambda and without L2, is
tests/test_catalogue.py's.
"""

import numpy as np
import pytest

from comparisons.agreement import AGREE
from comparisons.data import breast_cancer
from manual import logistic_regression
from tests.convex import BACKENDS, agreement, grads_of, verdicts, with_lam

DTYPES = [np.float64, np.float32]


def test_loss_is_a_mean_over_examples():
    """At W = 0, b = 0 every a_j = 1/2: J = log 2 whatever the batch (a sum would give m log 2)."""
    d = breast_cancer(37, 1)
    zero = {"W": np.zeros((1, 30)), "b": np.zeros((1, 1))}
    assert logistic_regression.loss(zero, d.X, d.Y) == pytest.approx(np.log(2), rel=1e-15)
    grads = logistic_regression.backward(zero, logistic_regression.forward(zero, d.X)[1], d.X, d.Y)
    assert list(grads) == ["dZ", "dW", "db"]                     # backward order
    np.testing.assert_array_equal(grads["dZ"], 0.5 - d.Y)
    assert grads["db"][0, 0] == pytest.approx(0.5 - d.Y.mean(), rel=1e-14)


def saturated():
    """Logits exactly +-1000: x = (1, -1, 1, -1), W = 1000, b = 0; labels right, right, wrong, wrong."""
    params = {"W": np.array([[1000.0]]), "b": np.array([[0.0]])}
    return params, np.array([[1.0, -1.0, 1.0, -1.0]]), np.array([[1.0, 0.0, 0.0, 1.0]])


@pytest.mark.parametrize("backend, dtype", [
    pytest.param(backend, dtype, id=f"{backend}-{dtype.__name__}",
                 marks=pytest.mark.slow if backend == "jax" and dtype != np.float64 else ())
    for backend in BACKENDS for dtype in DTYPES])                           # JAX once in the quick run
def test_saturated_sigmoid_at_logits_pm1000(backend, dtype):
    """Each wrong example costs exactly 1000, each right one 0: J = 500, dZ = (0, 0, 1, -1), no NaN."""
    params, X, Y = saturated()
    params = {k: v.astype(dtype) for k, v in params.items()}
    X, Y = X.astype(dtype), Y.astype(dtype)
    model = with_lam("logistic_regression", 0.0)
    result = grads_of(model, "manual", params, X, Y)
    assert result.loss == 500.0
    np.testing.assert_array_equal(result.grads["dZ"], [[0.0, 0.0, 1.0, -1.0]])
    assert all(np.all(np.isfinite(g)) for g in result.grads.values())
    assert set(verdicts(agreement(model, params, X, Y, backend)).values()) == {AGREE}


def separable(m=40, seed=0):
    """Two features; y = 1 exactly where x_0 > 0, with a margin of 0.5 on each side."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2, m))
    Y = (X[:1] > 0).astype(np.float64)
    X[0] += np.where(Y[0] > 0, 0.5, -0.5)
    return X, Y


@pytest.mark.parametrize("backend, scale", [
    pytest.param(backend, scale, id=f"{backend}-{scale}",
                 marks=pytest.mark.slow if backend == "jax" and scale != 1000.0 else ())
    for backend in BACKENDS for scale in [1.0, 10.0, 100.0, 1000.0]])       # JAX once in the quick run
def test_perfectly_separable_data(backend, scale):
    """Along the separating direction W = c (1, 0) the loss falls towards 0 and never reaches a
    minimum (without L2 there is none); gradients stay finite and agree with autograd at every c."""
    X, Y = separable()
    params = {"W": np.array([[scale, 0.0]]), "b": np.array([[0.0]])}
    farther = {"W": np.array([[2 * scale, 0.0]]), "b": np.array([[0.0]])}
    J, J_farther = (logistic_regression.loss(p, X, Y) for p in (params, farther))
    assert 0 <= J_farther < J <= np.exp(-0.5 * scale)       # each term log(1 + e^-|z|), |z| >= c/2
    rows = agreement(with_lam("logistic_regression", 0.0), params, X, Y, backend)
    assert set(verdicts(rows).values()) == {AGREE}


def test_labels_outside_0_1():
    d = breast_cancer(5, 0)
    with pytest.raises(ValueError, match=r"Y ranges over \[0, 2\]; expected labels in \[0, 1\]"):
        logistic_regression.loss(logistic_regression.init_params(), d.X, np.array([[0.0, 2.0, 1.0, 0.0, 1.0]]))


@pytest.mark.parametrize("lam", [-1.0, float("nan")])
def test_bad_lambda(lam):
    with pytest.raises(ValueError, match="lam is .*; expected a finite number >= 0"):
        logistic_regression.configure(lam)


@pytest.mark.parametrize("change, message", [
    (lambda p, X, Y: ({**p, "W": np.ones((1, 29))}, X, Y), r"X has shape \(30, 5\); expected \(29, m\)"),
    (lambda p, X, Y: ({"W": p["W"]}, X, Y), r"missing \['b'\]"),
    (lambda p, X, Y: (p, X, Y.T), r"Y has shape \(5, 1\); expected \(1, 5\)"),
])
def test_bad_shapes(change, message):
    d = breast_cancer(5, 0)
    params, X, Y = change(logistic_regression.init_params(), d.X, d.Y)
    with pytest.raises(ValueError, match=message):
        logistic_regression.loss(params, X, Y)
