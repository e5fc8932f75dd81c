"""The complex step on the smooth models: derivatives to rounding, and the fallbacks when it cannot run."""

from types import SimpleNamespace

import numpy as np
import pytest

from comparisons import catalogue
from comparisons.agreement import AGREE
from comparisons.numerical import check, plan_for, witness
from manual import softmax_regression
from manual.validate import loss_value

SMOOTH = ["linear_regression", "logistic_regression", "softmax_regression"]


def batch(model, m, seed=0):
    data = model.data(m, seed, np.float64)
    return model.init_params(seed), data.X, data.Y


@pytest.mark.parametrize("name", SMOOTH)
def test_complex_step_agrees_with_the_derivation_to_rounding(name):
    model = catalogue.get(name)
    params, X, Y = batch(model, 48)
    w = witness(model, params, X, Y, plan=plan_for(model.n_params(), 48, full=True, kinks=False))
    rows = check(model, params, X, Y, witness=w)
    assert w.method == "complex step" and w.kink_crossed() == 0
    assert all(r["verdict"] == AGREE and r["max_rel"] < 1e-14 for r in rows)   # about 1e-15
    assert all(r["ng_pass"] for r in rows)                                     # even Ng's 1e-9 holds


def test_complex_step_on_a_sampled_network():
    model = catalogue.get("course_net")
    params, X, Y = batch(model, 24)
    w = witness(model, params, X, Y, plan=plan_for(model.n_params(), 24, full=False, per_array=12))
    rows = check(model, params, X, Y, witness=w)
    assert w.method == "complex step" and all(r["max_rel"] < 1e-13 for r in rows)
    assert {r["quantity"] for r in rows} >= {"dZ1", "dZ2", "dW1", "db1"}


def model_with_loss(loss):
    """Softmax regression with its loss replaced."""
    return SimpleNamespace(**{k: getattr(softmax_regression, k) for k in
                              ("INTERMEDIATES", "KINKS", "param_shapes", "check_inputs", "forward", "backward")},
                           loss=loss)


def test_a_loss_that_drops_the_imaginary_part_falls_back_to_central_differences():
    model = model_with_loss(lambda P, X, Y: float(np.real(softmax_regression.loss(P, X, Y))))
    params, X, Y = batch(catalogue.get("softmax_regression"), 16)
    w = witness(model, params, X, Y, plan=plan_for(650, 16, full=False, per_array=16))
    assert w.method == "central differences"
    assert any("loss_value(J) instead of float(J)" in note for note in w.notes)
    assert {r["verdict"] for r in check(model, params, X, Y, witness=w)} == {AGREE}


def test_a_loss_that_is_not_analytic_falls_back_to_central_differences():
    """|W| on complex numbers is the modulus, whose imaginary part is 0: the complex step would miss
    the penalty's gradient. Checked against central differences at the swept elements, it is refused."""
    def loss(P, X, Y):
        return softmax_regression.loss(P, X, Y) + loss_value(0.1 * np.abs(P["W"]).sum())

    model = model_with_loss(loss)
    params, X, Y = batch(catalogue.get("softmax_regression"), 16)
    w = witness(model, params, X, Y, plan=plan_for(650, 16, full=False, per_array=16))
    assert w.method == "central differences" and any("not analytic" in note for note in w.notes)
    grads = softmax_regression.backward(params, softmax_regression.forward(params, X)[1], X, Y)
    expected = grads["dW"] + 0.1 * np.sign(params["W"])
    measured = w.result.masks["dW"]
    np.testing.assert_allclose(w.result.grads["dW"][measured], expected[measured], rtol=1e-6, atol=1e-9)


def test_a_kinked_model_never_tries_the_complex_step():
    model = catalogue.get("seed_net")
    params, X, Y = batch(model, 8)
    w = witness(model, params, X, Y, plan=plan_for(7960, 8, full=False, per_array=4))
    assert w.method == "central differences" and w.kinks == ("Z1",)
