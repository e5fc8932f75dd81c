"""One witness for both dtypes where they share a point: the float32 witness takes over the float64
witness's estimates when the float32 values cast to float64 are its point bit for bit, and only then;
what it takes over is what it would have measured."""

from dataclasses import replace

import numpy as np
import pytest

from comparisons import catalogue
from comparisons import report as reports
from comparisons.numerical import witness
from comparisons.numerical.witness import digest

PLAN_SIZES = dict(per_array=6, directions=2)


def point(name, dtype, drawn_in):
    """(model, params, X, Y) of a catalogue model in ``dtype``, drawn in ``drawn_in`` (as the report does)."""
    model = catalogue.get(name)
    data = model.data(None, 0, np.dtype(drawn_in))
    params = reports.cast(model.init_params(0, np.dtype(drawn_in)), dtype)
    X, Y = reports.cast({"X": data.X, "Y": data.Y}, dtype).values()
    return model, params, X, Y


@pytest.fixture(scope="module", params=["svm", "logistic_regression"])   # central differences, complex step
def shared(request):
    """The float64 witness at the float32 draws, and the float32 point."""
    model, p64, X64, Y64 = point(request.param, "float64", "float32")
    w64 = witness(model, p64, X64, Y64, budget_s=0.0)     # a sample: quick
    return model, w64, point(request.param, "float32", "float32")[1:]


def test_the_float32_witness_at_the_same_point_takes_over_the_estimates(shared):
    model, w64, (p32, X32, Y32) = shared
    w32 = witness(model, p32, X32, Y32, budget_s=0.0, like=w64)
    assert w32.reused and not w64.reused
    assert w32.dtype == "float32" and w64.dtype == "float64" and w32.seconds == 0.0
    assert w32.result is w64.result and w32.point == w64.point


def test_what_it_takes_over_is_what_it_would_have_measured(shared):
    model, w64, (p32, X32, Y32) = shared
    measured = witness(model, p32, X32, Y32, budget_s=0.0, like=replace(w64, point="another point"))
    assert not measured.reused and measured.seconds > 0
    assert measured.result.loss == w64.result.loss
    for q, g in w64.result.grads.items():
        np.testing.assert_array_equal(measured.result.grads[q], g)      # NaN where neither measured
    np.testing.assert_array_equal(measured.estimates, w64.estimates)


def test_another_point_is_measured_again():
    model, p64, X64, Y64 = point("svm", "float64", "float64")          # float64 draws: not float32 values
    w64 = witness(model, p64, X64, Y64, budget_s=0.0)
    _, p32, X32, Y32 = point("svm", "float32", "float32")
    w32 = witness(model, p32, X32, Y32, budget_s=0.0, like=w64)
    assert not w32.reused and w32.point != w64.point and w32.seconds > 0


def test_a_different_plan_is_measured_again(shared):
    from comparisons.numerical import plan_for

    model, w64, (p32, X32, Y32) = shared
    other = plan_for(1, 1, full=False, **PLAN_SIZES)
    assert not witness(model, p32, X32, Y32, plan=other, like=w64).reused


def test_the_digest_sees_one_bit():
    P, X, Y = {"W": np.ones((2, 3))}, np.zeros((3, 4)), np.zeros((1, 4))
    flipped = X.copy()
    flipped[2, 3] = np.nextafter(0.0, 1.0)
    assert digest(P, X, Y) == digest({"W": np.ones((2, 3))}, X.copy(), Y)
    assert digest(P, X, Y) != digest(P, flipped, Y)
    assert digest(P, X, Y) != digest({"V": np.ones((2, 3))}, X, Y)           # names count
    assert digest(P, X, Y) != digest({"W": np.ones((3, 2))}, X, Y)           # and shapes


def test_the_report_says_the_float32_witness_was_taken_over():
    rep = reports.build([catalogue.get("logistic_regression")], speed=False, progress=False, jobs=1)
    (section,) = [s for s in rep.sections if s.title == "numerical witness"]
    lines = section.text.splitlines()
    assert lines[0].startswith("- float64 parameters") and "taken over" not in lines[0]
    assert lines[1].startswith("- float32 parameters") and "the float64 witness's estimates, taken over" in lines[1]
    assert "drawn in float32 and cast to float64" in reports.notes(rep)
    assert rep.all_agree


def test_another_budget_that_makes_another_plan_is_measured_again():
    model, p64, X64, Y64 = point("svm", "float64", "float32")
    sampled = witness(model, p64, X64, Y64, budget_s=0.0)
    _, p32, X32, Y32 = point("svm", "float32", "float32")
    every = witness(model, p32, X32, Y32, budget_s=1e6, like=sampled)     # the budget fits every element
    assert every.plan.full and not sampled.plan.full and not every.reused
