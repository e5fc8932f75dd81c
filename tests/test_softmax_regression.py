"""Softmax regression's hand derivation: its reductions, saturated logits, missing classes and bad input.

Its agreement with PyTorch and JAX autograd, with the catalogue's lambda and without L2, is
tests/test_catalogue.py's.
"""

import numpy as np
import pytest

from comparisons.agreement import AGREE
from comparisons.data import digits_64
from manual import softmax_regression
from manual.encoding import one_hot
from tests.convex import BACKENDS, agreement, grads_of, verdicts, with_lam

DTYPES = [np.float64, np.float32]


def test_loss_is_a_mean_over_examples_and_a_sum_over_classes():
    """At W = 0, b = 0 every a_kj = 1/K: J = log K (a mean over classes would give log(K)/K, a sum
    over examples m log K), and dZ = 1/K - Y."""
    d = digits_64(37, 1)
    zero = {"W": np.zeros((10, 64)), "b": np.zeros((10, 1))}
    assert softmax_regression.loss(zero, d.X, d.Y) == pytest.approx(np.log(10), rel=1e-15)
    grads = softmax_regression.backward(zero, softmax_regression.forward(zero, d.X)[1], d.X, d.Y)
    assert list(grads) == ["dZ", "dW", "db"]                     # backward order
    np.testing.assert_allclose(grads["dZ"], 0.1 - d.Y, rtol=1e-15)


@pytest.mark.parametrize("backend, dtype", [
    pytest.param(backend, dtype, id=f"{backend}-{dtype.__name__}",
                 marks=pytest.mark.slow if backend == "jax" and dtype != np.float64 else ())
    for backend in BACKENDS for dtype in DTYPES])                           # JAX once in the quick run
def test_saturated_logits_pm1000(backend, dtype):
    """Logits +-1000 (3 classes, x = (1, -1), W = (1000, -1000, 0)): example 1 is class 0 with
    z = (1000, -1000, 0), cost 0; example 2 is labelled class 2 but z = (-1000, 1000, 0), cost 1000.
    J = 500, finite gradients, and autograd agrees."""
    params = {"W": np.array([[1000.0], [-1000.0], [0.0]], dtype), "b": np.zeros((3, 1), dtype)}
    X, Y = np.array([[1.0, -1.0]], dtype), one_hot(np.array([0, 2]), 3, dtype=dtype)
    model = with_lam("softmax_regression", 0.0)
    result = grads_of(model, "manual", params, X, Y)
    assert result.loss == 500.0
    np.testing.assert_array_equal(result.grads["dZ"], [[0.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    assert all(np.all(np.isfinite(g)) for g in result.grads.values())
    assert set(verdicts(agreement(model, params, X, Y, backend)).values()) == {AGREE}


@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_missing_classes_keeps_every_row(backend):
    """Only labels 0..4 in the batch: Y keeps all 10 rows, and rows 5..9 of dZ are A's (Y = 0 there)."""
    d = digits_64(300, 3)
    keep = d.Y[:5].sum(axis=0) == 1
    X, Y = d.X[:, keep], d.Y[:, keep]
    params = softmax_regression.init_params(3)
    A, cache = softmax_regression.forward(params, X)
    dZ = softmax_regression.backward(params, cache, X, Y)["dZ"]
    assert Y.shape[0] == 10 and not Y[5:].any()
    np.testing.assert_array_equal(dZ[5:], A[5:])
    assert set(verdicts(agreement(with_lam("softmax_regression", 0.0), params, X, Y, backend)).values()) == {AGREE}


def test_columns_of_Y_must_sum_to_one():
    d = digits_64(5, 0)
    with pytest.raises(ValueError, match="Y has a negative entry or a column not summing to 1"):
        softmax_regression.loss(softmax_regression.init_params(), d.X, 2 * d.Y)


@pytest.mark.parametrize("change, message", [
    (lambda p, X, Y: ({**p, "W": np.ones((1, 64)), "b": np.ones((1, 1))}, X, Y[:1]), r"at least 2 classes"),
    (lambda p, X, Y: ({**p, "b": np.ones((9, 1))}, X, Y), r"b has shape \(9, 1\); expected \(10, 1\)"),
    (lambda p, X, Y: (p, X[:63], Y), r"X has shape \(63, 5\); expected \(64, m\)"),
    (lambda p, X, Y: (p, X, Y[:9]), r"Y has shape \(9, 5\); expected \(10, 5\)"),
])
def test_bad_shapes(change, message):
    d = digits_64(5, 0)
    params, X, Y = change(softmax_regression.init_params(), d.X, d.Y)
    with pytest.raises(ValueError, match=message):
        softmax_regression.loss(params, X, Y)


@pytest.mark.parametrize("lam", [-1.0, float("inf")])
def test_bad_lambda(lam):
    with pytest.raises(ValueError, match="lam is .*; expected a finite number >= 0"):
        softmax_regression.configure(lam)
