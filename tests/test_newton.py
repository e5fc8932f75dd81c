"""Newton's method on the hand-derived gradient and Hessian."""

import numpy as np
import pytest

from comparisons.agreement import AGREE, compare
from comparisons.data import breast_cancer, diabetes
from comparisons.sections.newton_steps import newton_sections, sklearn_logistic
from comparisons.agreement import Result
from manual import linear_regression, logistic_regression, normal_equation
from manual.newton import flatten, newton, unflatten
from tests.convex import with_lam
from tests.test_logistic_regression import separable

DTYPES = [np.float64, np.float32]


def zeros(module, n_x, dtype=np.float64):
    return {k: np.zeros(s, dtype) for k, s in module.param_shapes(n_x).items()}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_converges_on_breast_cancer_in_a_handful_of_steps(dtype, seed):
    d = breast_cancer(400, seed, dtype)
    run = newton(logistic_regression.configure(1.0), zeros(logistic_regression, 30, dtype), d.X, d.Y)
    J = [s["J"] for s in run.steps]
    assert run.converged and len(run.steps) - 1 <= 10
    assert all(later <= earlier * (1 + 1e-6) for earlier, later in zip(J, J[1:]))   # J never rises
    assert run.steps[-1]["grad_max"] <= np.sqrt(np.finfo(dtype).eps) * run.steps[0]["grad_max"]
    assert run.params["W"].dtype == dtype


def test_convergence_is_quadratic_at_the_end():
    """With the exact Hessian, ||g_(k+1)|| <= C ||g_k||^2 near the minimum: the last two steps square
    the gradient (a Hessian off by a factor or a term would converge only linearly)."""
    d = breast_cancer(None, 0)
    run = newton(logistic_regression.configure(1.0), zeros(logistic_regression, 30), d.X, d.Y)
    g = [s["grad_max"] for s in run.steps]
    assert run.converged
    assert g[-1] <= 1e3 * g[-2] ** 2 and g[-2] <= 1e3 * g[-3] ** 2
    assert g[-1] / g[-2] < 1e-2 * (g[-2] / g[-3])                   # the ratios themselves collapse


def test_a_wrong_hessian_converges_only_linearly():
    """A planted mistake: H doubled (2/m written for 1/m). Each step then goes half way, the
    convergence is only linear, and the steps that sufficed for the right H do not."""
    d = breast_cancer(None, 0)
    model = logistic_regression.configure(1.0)
    halved = type(model)(**{**vars(model), "hessian": lambda p, X, Y: 2 * model.hessian(p, X, Y)})
    right = newton(model, zeros(logistic_regression, 30), d.X, d.Y)
    wrong = newton(halved, zeros(logistic_regression, 30), d.X, d.Y, max_iter=len(right.steps) - 1)
    assert right.converged and not wrong.converged


def test_solution_agrees_with_scikit_learn():
    d = breast_cancer(None, 0)
    model = logistic_regression.configure(1.0)
    run = newton(model, zeros(logistic_regression, 30), d.X, d.Y)
    theirs = sklearn_logistic(d.X, d.Y, 1.0)
    rows = compare(Result("manual Newton", model.loss(run.params, d.X, d.Y), run.params),
                   Result("scikit-learn", model.loss(theirs, d.X, d.Y), theirs), "logistic_regression")
    assert {r["verdict"] for r in rows} == {AGREE}


def test_one_step_solves_linear_regression():
    """J is quadratic, so one Newton step from anywhere lands on the closed form."""
    d = diabetes(None, 0)
    run = newton(linear_regression.configure(0.1), linear_regression.init_params(0), d.X, d.Y)
    closed = normal_equation.solve(d.X, d.Y, 0.1)
    assert run.converged and len(run.steps) == 2
    for k in ("W", "b"):
        np.testing.assert_allclose(run.params[k], closed[k], rtol=1e-10)


def test_separable_data_needs_l2():
    """Separable data: with lambda > 0 Newton converges to finite weights in a few steps; without, J
    has no minimiser, and the weights only grow while J shrinks by a constant factor per step."""
    X, Y = separable()
    with_l2 = newton(logistic_regression.configure(0.1), zeros(logistic_regression, 2), X, Y)
    assert with_l2.converged and len(with_l2.steps) - 1 <= 10
    without = newton(logistic_regression.configure(0.0), zeros(logistic_regression, 2), X, Y, max_iter=8)
    assert not without.converged
    norms = [np.linalg.norm(s) for s in [with_l2.params["W"], without.params["W"]]]
    assert norms[1] > 2 * norms[0]
    J = [s["J"] for s in without.steps[3:]]
    ratios = np.array(J[1:]) / np.array(J[:-1])
    assert np.all((ratios > 0.2) & (ratios < 0.6))                  # linear, about 1/e per step


def test_flatten_and_unflatten_follow_param_shapes():
    params = logistic_regression.init_params(0)
    theta = flatten(params, ["W", "b"])
    assert theta[-1] == params["b"][0, 0] and theta[0] == params["W"][0, 0]
    back = unflatten(theta, {k: v.shape for k, v in params.items()})
    assert all(np.array_equal(back[k], params[k]) for k in params)


def test_report_sections():
    steps, versus = newton_sections(with_lam("logistic_regression", 1.0), ("float64", "float32"), 0)
    assert steps.ok and versus.ok
    assert list(steps.table.columns) == ["dtype", "iteration", "J", "grad_max", "step_max"]
    assert set(versus.table["verdict"]) == {AGREE}


@pytest.mark.parametrize("kwargs, message", [
    (dict(max_iter=0), "max_iter is 0; expected a whole number >= 1"),
    (dict(rtol=1.5), r"rtol is 1.5; expected a number in \(0, 1\)"),
])
def test_bad_settings(kwargs, message):
    d = breast_cancer(20, 0)
    with pytest.raises(ValueError, match=message):
        newton(logistic_regression.configure(1.0), zeros(logistic_regression, 30), d.X, d.Y, **kwargs)


def test_singular_hessian_is_a_clear_error():
    """Every logit saturated and no L2: H = 0, reported as a ValueError, not a LinAlgError."""
    params = {"W": np.array([[1000.0]]), "b": np.array([[0.0]])}
    X, Y = np.array([[1.0, -1.0, 1.0, -1.0]]), np.array([[1.0, 0.0, 0.0, 1.0]])
    with pytest.raises(ValueError, match="the Hessian is singular at iteration 0"):
        newton(logistic_regression.configure(0.0), params, X, Y)
