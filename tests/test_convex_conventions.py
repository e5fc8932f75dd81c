"""The conventions every convex model shares: mean over examples, and L2 that leaves the bias alone."""

import numpy as np
import pytest

from comparisons.data import breast_cancer, diabetes, digits_64
from tests.convex import SOURCES, grads_of, with_lam

MODELS = [("linear_regression", diabetes), ("logistic_regression", breast_cancer),
          ("softmax_regression", digits_64)]


@pytest.mark.parametrize("name, data", MODELS, ids=[n for n, _ in MODELS])
def test_duplicating_every_example_changes_nothing(name, data):
    """Mean over examples: J, dW and db are those of the batch when every example appears twice.

    (Without L2: lambda/(2m) ||W||^2 halves when m doubles, by the convention.)
    """
    model = with_lam(name, 0.0)
    d = data(40, 2)
    params = model.init_params(2)
    X2, Y2 = np.hstack([d.X, d.X]), np.hstack([d.Y, d.Y])
    once, twice = grads_of(model, "manual", params, d.X, d.Y), grads_of(model, "manual", params, X2, Y2)
    assert twice.loss == pytest.approx(once.loss, rel=1e-13)
    for k in ("dW", "db"):
        np.testing.assert_allclose(twice.grads[k], once.grads[k], rtol=1e-12)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name, data", MODELS, ids=[n for n, _ in MODELS])
def test_l2_leaves_the_bias_alone(name, data, source):
    """db does not change with lambda; dW changes by lambda/m W; J by lambda/(2m) ||W||^2."""
    d = data(150, 5)
    params = with_lam(name, 0.0).init_params(5)
    lam, m = 3.0, d.X.shape[1]
    plain = grads_of(with_lam(name, 0.0), source, params, d.X, d.Y)
    l2 = grads_of(with_lam(name, lam), source, params, d.X, d.Y)
    np.testing.assert_array_equal(l2.grads["db"], plain.grads["db"])
    np.testing.assert_allclose(l2.grads["dW"] - plain.grads["dW"], lam / m * params["W"], rtol=1e-9, atol=1e-15)
    assert l2.loss - plain.loss == pytest.approx(lam / (2 * m) * (params["W"] ** 2).sum(), rel=1e-9)
