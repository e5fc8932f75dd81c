"""The witness's primitives on functions whose derivatives are known exactly (float64, non-zero x)."""

import numpy as np
import pytest

from comparisons.numerical.differences import (central_directional, central_partials, complex_directional,
                                               complex_partials, crosses_kink, every_element)
from comparisons.numerical.step_sweep import sweep


def lse(x):
    """log sum exp(x), the maximum (of the real part) subtracted first."""
    c = x.real.max()
    return c + np.log(np.exp(x - c).sum())


FUNCTIONS = {  # name: (f(x), f'(x))
    "cubic": (lambda x: (3 * x ** 3 - 2 * x ** 2 + x).sum(), lambda x: 9 * x ** 2 - 4 * x + 1),
    "exp": (lambda x: np.exp(x).sum(), np.exp),
    "log-sum-exp": (lse, lambda x: np.exp(x - lse(x))),
}


@pytest.fixture
def x():
    return {"x": np.random.default_rng(0).uniform(0.2, 1.5, (3, 4)) * np.array([1, -1, 1, -1])}


def f_of(name):
    f, _ = FUNCTIONS[name]
    return lambda P: f(P["x"])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_central_differences_match_the_derivative(name, x):
    values, kinks = central_partials(f_of(name), x, every_element({"x": (3, 4)}), 1e-5)
    exact = FUNCTIONS[name][1](x["x"]).ravel()
    assert np.max(np.abs(values - exact)) / np.max(np.abs(exact)) < 1e-8
    assert not kinks.any()


@pytest.mark.parametrize("name", FUNCTIONS)
def test_complex_step_matches_the_derivative_to_rounding(name, x):
    values = complex_partials(f_of(name), x, every_element({"x": (3, 4)}))
    exact = FUNCTIONS[name][1](x["x"]).ravel()
    assert np.max(np.abs(values - exact)) / np.max(np.abs(exact)) < 1e-14


@pytest.mark.parametrize("name", FUNCTIONS)
def test_directional_derivatives(name, x):
    v = {"x": np.random.default_rng(1).standard_normal((3, 4))}
    exact = float(np.sum(FUNCTIONS[name][1](x["x"]) * v["x"]))
    estimate, kink = central_directional(f_of(name), x, v, 1e-5)
    assert abs(estimate - exact) / abs(exact) < 1e-8 and not kink
    assert abs(complex_directional(f_of(name), x, v) - exact) / abs(exact) < 1e-14


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_sweep_picks_a_step_at_the_bottom_of_the_v(name, x):
    s = sweep(f_of(name), x, every_element({"x": (3, 4)}))
    h = s.chosen["x"]
    assert 1e-7 <= h <= 1e-3                            # neither truncation's arm nor rounding's
    assert s.error["x"] < 1e-8 and s.worst["x"][0] > 1e3 * s.error["x"] < s.worst["x"][-1]
    at_h = central_partials(f_of(name), x, every_element({"x": (3, 4)}), h)[0]
    exact = FUNCTIONS[name][1](x["x"]).ravel()
    assert np.max(np.abs(at_h - exact)) / np.max(np.abs(exact)) < 1e-8


def test_the_divisor_is_the_step_actually_taken():
    """At x = 1e8 + 0.3 (spacing 1.5e-8), x +- 1e-7 round to a step 4% off 2h; dividing by the step
    taken keeps the derivative of f(x) = x exact."""
    x = 1e8 + 0.3
    assert abs(((x + 1e-7) - (x - 1e-7)) / 2e-7 - 1) > 0.01
    values, _ = central_partials(lambda p: float(p["x"][0, 0]), {"x": np.array([[x]])}, [("x", 0)], 1e-7)
    assert values.tolist() == [1.0]


def relu_sum(P):
    return float(np.maximum(P["x"], 0).sum())


def test_a_stencil_across_a_kink_is_marked():
    """relu(x) summed, h = 1e-5: 3e-8 is within even h/100 of the kink, so its stencil crosses it at
    every step tried; the others never do."""
    P = {"x": np.array([[-0.7, 3e-8, 0.4]])}
    values, kinks = central_partials(relu_sum, P, every_element({"x": (1, 3)}), 1e-5, pattern=lambda p: (p["x"] > 0,))
    assert kinks.tolist() == [False, True, False]
    np.testing.assert_allclose(values[[0, 2]], [0.0, 1.0], atol=1e-10)
    assert 0.5 < values[1] < 0.7                        # a mixture of the two slopes, no derivative


def test_a_shorter_step_clears_a_kink_that_is_not_too_close():
    """3e-6 is within h = 1e-5 of the kink but not within h/10: the retry measures the slope."""
    P = {"x": np.array([[3e-6]])}
    values, kinks = central_partials(relu_sum, P, [("x", 0)], 1e-5, pattern=lambda p: (p["x"] > 0,))
    assert not kinks[0] and values[0] == pytest.approx(1.0, abs=1e-9)
    values, kinks = central_partials(relu_sum, P, [("x", 0)], 1e-5, pattern=lambda p: (p["x"] > 0,), retry=False)
    assert kinks[0] and values[0] < 0.7


def test_parameters_are_restored_exactly(x):
    before = x["x"].copy()
    central_partials(f_of("exp"), x, every_element({"x": (3, 4)}), 1e-5)
    np.testing.assert_array_equal(x["x"], before)


def test_patterns_differ_only_where_a_sign_flips():
    a = (np.array([True, False]),)
    assert not crosses_kink(a, (np.array([True, False]),)) and crosses_kink(a, (np.array([True, True]),))
    assert not crosses_kink(None, None)


def test_an_array_that_cannot_be_perturbed_in_place_is_refused():
    with pytest.raises(ValueError, match="x must be a writable C-contiguous array"):
        central_partials(f_of("exp"), {"x": np.ones((3, 4)).T}, [("x", 0)], 1e-5)


def test_an_element_that_bends_at_its_arrays_step_is_settled_at_shorter_steps():
    """mlp_deep at large logits: the sweep's sampled W3 elements are linear at h = 3.2e-2, but W3[7, 6]
    sits on a near tie of two saturated logits and bends there; at that step it erred by 5e-4 of W3's
    scale. Settled at shorter steps, every element agrees with the derivation."""
    from comparisons import catalogue
    from comparisons.agreement import compare
    from comparisons.numerical import witness
    from comparisons.sources import run_all
    from comparisons.verify.calls import make_cases

    model = catalogue.get("mlp_deep")
    case = make_cases(model, 64, 0, "float64", ["large-logits"])[0]
    w = witness(model, case.params, case.X, case.Y)
    manual = run_all(model, case.params, case.X, case.Y, sources=("manual",))["manual"]
    rows = {r["quantity"]: r for r in compare(manual, w.result, model.name)}
    assert w.steps["W3"] > 1e-2                          # the step the sweep chose, where W3[7, 6] bends
    assert rows["dW3"]["verdict"] == "agree" and rows["dW3"]["max_rel"] < 1e-6, rows["dW3"]


def test_settling_stops_where_rounding_takes_over():
    """J = 1e8 + sum exp(10 x): at h = 1e-3 the element x = 0.5 bends, and its rounding eps |J| / h
    grows past its truncation within a few half decades. Shortened all the way to 1e-9 its estimate
    erred by 1.6e-5 of the scale; settling stops where the estimates stop converging."""
    x = {"x": np.array([[0.3, 0.45, -0.2, 0.5]])}

    def f(P):
        return 1e8 + np.exp(10 * P["x"]).sum()

    exact = 10 * np.exp(10 * x["x"]).ravel()
    scale = float(exact.max())
    values, _ = central_partials(f, x, every_element({"x": (1, 4)}), 1e-3, settle=(f(x), {"x": scale}))
    assert np.max(np.abs(values - exact)) / scale < 1e-6


@pytest.mark.slow
def test_the_witness_agrees_with_dlai_deep_on_all_its_built_in_data():
    """The default report's dlai_deep: 1,797 examples, where W3[0, 5]'s stencil crosses a ReLU kink at
    every step down to 3.2e-5 and its estimate at 1e-5 bends; settling it down to 1e-9 once gave an
    error of 1e-5 relative, against the witness's 1e-6."""
    from comparisons import catalogue
    from comparisons.agreement import compare
    from comparisons.numerical import witness
    from comparisons.sources import run_all

    model = catalogue.get("dlai_deep")
    data = model.data(None, 0, np.dtype("float64"))
    params = model.init_params(0, np.dtype("float64"))
    assert data.X.shape[1] == 1797
    w = witness(model, params, data.X, data.Y)
    manual = run_all(model, params, data.X, data.Y, sources=("manual",))["manual"]
    rows = compare(manual, w.result, model.name)
    assert rows and all(r["verdict"] == "agree" for r in rows), [r for r in rows if r["verdict"] != "agree"]
