"""Linear regression's hand derivation: values worked by hand, its reductions, ridge and edge cases.

Its agreement with PyTorch and JAX autograd, with the catalogue's lambda and without L2, is
tests/test_catalogue.py's.
"""

import numpy as np
import pytest

from comparisons.agreement import AGREE
from comparisons.data import diabetes
from manual import linear_regression
from tests.convex import agreement, verdicts, with_lam


@pytest.mark.parametrize("lam, J, dW", [(0.0, 3.25, -0.5), (1.0, 4.25, 0.5)])
def test_values_worked_by_hand(lam, J, dW):
    """W = 2, b = 1, x = (1, 2), y = (0, 7): residuals (3, -2); J = 13/4 + lam/4 * 4; dW = -1/2 + lam."""
    params = {"W": np.array([[2.0]]), "b": np.array([[1.0]])}
    X, Y = np.array([[1.0, 2.0]]), np.array([[0.0, 7.0]])
    Z, cache = linear_regression.forward(params, X)
    grads = linear_regression.backward(params, cache, X, Y, lam)
    assert linear_regression.loss(params, X, Y, lam) == J
    assert list(grads) == ["dZ", "dW", "db"]                     # backward order
    np.testing.assert_array_equal(grads["dZ"], [[3.0, -2.0]])
    np.testing.assert_array_equal(grads["dW"], [[dW]])
    np.testing.assert_array_equal(grads["db"], [[0.5]])          # no lambda on the bias


def test_J_scales_with_the_square_of_residuals_and_weights():
    """Scaling W, b and Y by c scales every residual and ||W|| by c, so J by c^2 (lambda term too)."""
    d = diabetes(40, 4)
    params = linear_regression.init_params(4)
    scaled = {k: 3 * v for k, v in params.items()}
    J = linear_regression.loss(params, d.X, d.Y, 0.7)
    assert linear_regression.loss(scaled, d.X, 3 * d.Y, 0.7) == pytest.approx(9 * J, rel=1e-12)


@pytest.mark.parametrize("backend", ["torch", pytest.param("jax", marks=pytest.mark.slow)])  # JAX compiles anew
def test_constant_feature_column(backend):
    """A constant feature (a column of 3s beside the ten real ones) is just one more input."""
    d = diabetes(80, 6)
    X = np.vstack([d.X, np.full((1, 80), 3.0)])
    model = with_lam("linear_regression", 0.1)
    rows = agreement(model, linear_regression.init_params(6, n_x=11), X, d.Y, backend)
    assert set(verdicts(rows).values()) == {AGREE}


@pytest.mark.parametrize("lam", [-0.1, float("nan"), float("inf"), True, "0.1"])
def test_bad_lambda(lam):
    with pytest.raises(ValueError, match="lam is .*; expected a finite number >= 0"):
        linear_regression.configure(lam)
    d = diabetes(5, 0)
    with pytest.raises(ValueError, match="lam is"):
        linear_regression.loss(linear_regression.init_params(), d.X, d.Y, lam)


@pytest.mark.parametrize("change, message", [
    (lambda p, X, Y: ({**p, "W": np.ones((2, 10))}, X, Y), r"W has shape \(2, 10\); expected \(1, m\)"),
    (lambda p, X, Y: ({**p, "b": np.ones((1,))}, X, Y), r"b has shape \(1,\); expected \(1, 1\)"),
    (lambda p, X, Y: (p, X[:9], Y), r"X has shape \(9, 5\); expected \(10, m\)"),
    (lambda p, X, Y: (p, X, Y[:, :4]), r"Y has shape \(1, 4\); expected \(1, 5\)"),
    (lambda p, X, Y: (p, X, Y.astype(np.float32)), r"arrays mix dtypes"),
])
def test_bad_shapes(change, message):
    d = diabetes(5, 0)
    params, X, Y = change(linear_regression.init_params(), d.X, d.Y)
    with pytest.raises(ValueError, match=message):
        linear_regression.loss(params, X, Y)
