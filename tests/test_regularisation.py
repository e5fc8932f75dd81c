"""The regularisation conventions (``manual/regularisation.py``): the same penalty c ||W||^2 written as
lambda/(2m), reg, 0.5 reg or not at all, in the derivation and both autograd twins.

Each convention is checked by what it means, not by the code's own formula: the penalised loss minus
the unpenalised one equals c sum ||W||^2 for the coefficient the convention names, the gradient's
extra term is 2c W on the weights and nothing on the biases, and PyTorch and JAX agree with the
derivation on every quantity.
"""

from dataclasses import replace

import numpy as np
import pytest

from comparisons import catalogue
from comparisons.agreement import compare
from comparisons.sources import run_all
from manual import regularisation

MODELS = ["softmax_regression", "mlp_deep"]
LAM, M = 0.3, 24
COEFFICIENT = {"lambda/2m": LAM / (2 * M), "reg": LAM, "half_reg": LAM / 2, "none": 0.0}


def configured(name, penalty, lam=LAM):
    model = catalogue.get(name)
    return replace(model, config={**model.config, "lam": lam, "penalty": penalty})


def batch(model):
    data = model.data(M, 0, np.float64)
    return model.init_params(seed=3), data.X, data.Y


def weights(params):
    return {k: v for k, v in params.items() if k.startswith("W")}


@pytest.mark.parametrize("penalty", regularisation.PENALTIES)
@pytest.mark.parametrize("name", MODELS)
def test_the_penalty_adds_c_times_the_squared_weights_to_the_loss(name, penalty):
    model = configured(name, penalty)
    params, X, Y = batch(model)
    J = model.manual.loss(params, X, Y)
    J0 = configured(name, penalty, lam=0.0).manual.loss(params, X, Y)
    squared = sum(float((W ** 2).sum()) for W in weights(params).values())
    assert J - J0 == pytest.approx(COEFFICIENT[penalty] * squared, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("penalty", regularisation.PENALTIES)
@pytest.mark.parametrize("name", MODELS)
def test_the_gradient_adds_2c_w_on_the_weights_and_nothing_on_the_biases(name, penalty):
    model = configured(name, penalty)
    params, X, Y = batch(model)
    grads = run_all(model, params, X, Y, sources=("manual",))["manual"].grads
    plain = run_all(configured(name, penalty, lam=0.0), params, X, Y, sources=("manual",))["manual"].grads
    for key, value in params.items():
        extra = grads[f"d{key}"] - plain[f"d{key}"]
        expected = 2 * COEFFICIENT[penalty] * value if key.startswith("W") else np.zeros_like(value)
        np.testing.assert_allclose(extra, expected, rtol=1e-9, atol=1e-15, err_msg=f"d{key}")


@pytest.mark.parametrize("penalty", ["reg", "half_reg", "none"])
@pytest.mark.parametrize("name", MODELS)
def test_autograd_agrees_with_the_derivation_under_each_convention(name, penalty):
    model = configured(name, penalty)
    params, X, Y = batch(model)
    results = run_all(model, params, X, Y)
    for source in ("torch", "jax"):
        rows = compare(results["manual"], results[source], model.name)
        assert rows and all(r["verdict"] == "agree" for r in rows), [(r["quantity"], r["verdict"]) for r in rows]


def test_the_default_is_lambda_over_2m_and_gives_todays_results():
    model = catalogue.get("softmax_regression")
    params, X, Y = batch(model)
    default = model.manual.loss(params, X, Y)
    explicit = configured("softmax_regression", "lambda/2m", lam=model.config["lam"]).manual.loss(params, X, Y)
    assert regularisation.DEFAULT == "lambda/2m" and default == explicit


@pytest.mark.parametrize("name", MODELS)
def test_an_unknown_penalty_is_one_message_naming_the_conventions(name):
    with pytest.raises(ValueError, match=r"unknown penalty 'l2'; expected one of lambda/2m, reg, half_reg, none"):
        configured(name, "l2").manual.loss(*batch(catalogue.get(name)))


@pytest.mark.parametrize("penalty, lam, words", [
    ("lambda/2m", 0.1, "lambda=0.1"), ("reg", 0.05, "reg=0.05 (reg sum ||W||^2)"),
    ("half_reg", 0.5, "reg=0.5 (0.5 reg sum ||W||^2)"), ("none", 1.0, "no penalty")])
def test_each_convention_describes_itself(penalty, lam, words):
    assert regularisation.describe(penalty, lam) == words
