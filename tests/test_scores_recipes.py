"""The two norm ratios as the courses compute them, whole-vector scores beside the per-quantity
ones, and each course's own recipe (its step, formula, score and thresholds) run beside the witness.

The wrong gradients are the published deeplearning.ai test case's (``comparisons.reproduce``): its
planted bugs, and the fixed gradient with its sign flipped."""

import math

import numpy as np
import pytest

from comparisons.numerical import check
from comparisons.numerical.checks import WHOLE, check_rows, manual_result, whole_row
from comparisons.numerical.recipes import RECIPES, numerical_gradient, recipe_lines, run
from comparisons.numerical.scores import ng_ratio, norm_ratio, scores, whole_vector
from comparisons.numerical.witness import witness
from comparisons.reproduce import (CASES, cs231n_test_case, dlai_backward, dlai_forward, dlai_test_case,
                                   two_layer_loss)
from tests.user_files import run_cli


def dlai_gradients(flip=1.0, planted=False):
    """(analytic, numerical) whole vectors of the published deeplearning.ai case, by its own recipe."""
    X, Y, parameters = dlai_test_case()
    grads = dlai_backward(X, Y, parameters, dlai_forward(X, Y, parameters)[1], planted=planted)
    outcome = run("dlai", lambda p: dlai_forward(X, Y, p)[0], parameters, {k: flip * g for k, g in grads.items()})
    return outcome.analytic, outcome.numerical


# --- The two norm ratios -------------------------------------------------------------------------------


@pytest.mark.parametrize("a, b, ng, dlai", [
    ([1.0, 2.0], [1.0, 2.5], 0.5 / math.sqrt(4 + 4.5 ** 2), 0.5 / (math.sqrt(5) + math.sqrt(7.25))),
    ([3.0, 0.0], [0.0, 4.0], 5.0 / 5.0, 5.0 / 7.0),      # orthogonal: ||a - b|| = ||a + b||
    ([1.0, -2.0], [-1.0, 2.0], math.inf, 1.0),            # b = -a: Ng's denominator vanishes
    ([0.0, 0.0], [0.0, 0.0], 0.0, 0.0),                   # nothing to compare: no 0 / 0
])
def test_the_two_ratios_by_hand(a, b, ng, dlai):
    a, b = np.array(a), np.array(b)
    assert ng_ratio(a, b) == pytest.approx(ng, rel=1e-15) and norm_ratio(a, b) == pytest.approx(dlai, rel=1e-15)
    assert scores(a, b)["ng"] == ng_ratio(a, b) and scores(a, b)["dlai"] == norm_ratio(a, b)


def test_the_ratios_part_on_a_sign_flipped_gradient():
    """-grad against the numerical gradient: deeplearning.ai's ratio is 1, Ng's about 2||g|| / ||noise||."""
    a, b = dlai_gradients(flip=-1.0)
    assert norm_ratio(a, b) == pytest.approx(1.0, abs=1e-12)
    assert 1e6 < ng_ratio(a, b) < 1e8 and f"{ng_ratio(a, b):.1e}" == "8.4e+06"


def test_the_ratios_part_on_the_planted_bugs():
    """The issue's figures: 0.2851 (deeplearning.ai's, the notebook's) against 0.2929 (Ng's)."""
    a, b = dlai_gradients(planted=True)
    assert f"{norm_ratio(a, b):.4f}" == "0.2851" and f"{ng_ratio(a, b):.4f}" == "0.2929"


def test_the_ratios_agree_to_first_order_on_a_right_gradient():
    a, b = dlai_gradients()
    assert ng_ratio(a, b) == pytest.approx(norm_ratio(a, b), rel=1e-6)


@pytest.mark.parametrize("column, score, passes", [("ng", 5e-10, True), ("ng", 2e-9, False),
                                                   ("dlai", 2e-7, True), ("dlai", 2.5e-7, False)])
def test_published_thresholds_of_the_two_ratios(column, score, passes):
    from comparisons.numerical.scores import CONVENTIONS

    assert next(c for c in CONVENTIONS if c.column == column).passes(score, False) is passes


# --- Whole-vector scores ---------------------------------------------------------------------------------


def test_whole_vector_scores_the_concatenation_not_the_worst_quantity():
    """A small quantity wrong by half weighs little in the whole vector, and fails alone."""
    right, wrong = (np.array([10.0, -20.0]), np.array([10.0, -20.0])), (np.array([1e-3]), np.array([2e-3]))
    whole = whole_vector([right, wrong])
    assert whole["dlai"] == pytest.approx(1e-3 / (math.sqrt(500 + 1e-6) + math.sqrt(500 + 4e-6)), rel=1e-12)
    assert whole["dlai_pass"] is False and scores(*wrong)["dlai"] == pytest.approx(1 / 3)
    assert whole_vector([])["cs231n_band"] == "not measured"


@pytest.mark.parametrize("name", ["dlai", "ng", "cs231n"])
def test_the_whole_row_covers_every_parameter_and_no_intermediate(name):
    case = CASES[name]
    manual = manual_result(case.model, case.params, case.X, case.Y)
    w = witness(case.model, case.params, case.X, case.Y)
    row = whole_row(manual, w)
    n = sum(v.size for v in case.params.values())
    assert (row["quantity"], row["elements"], row["verdict"]) == (WHOLE, n, "")
    assert row["ng"] < 1e-9 and row["dlai_pass"] and all(r["verdict"] == "agree" for r in check_rows(manual, w, name))


def test_check_prints_the_whole_row(capsys):
    """`check` prints the whole-vector row beside the per-quantity ones."""
    status, out, _ = run_cli(capsys, "check", "--model", "dlai_gradcheck", "--m", "8", "--no-blind-spots")
    flat = " ".join(out.split())                       # as said, whatever the terminal's width
    assert status == 0 and f"{WHOLE}" in out and "per quantity and over all parameters (unrolled)" in flat


# --- The courses' recipes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key, epsilon, over", [("ng", 1e-4, "the whole unrolled parameter vector"),
                                                ("dlai", 1e-7, "the whole unrolled parameter vector"),
                                                ("cs231n", 1e-5, "each parameter array")])
def test_each_recipe_keeps_its_course_step_and_scope(key, epsilon, over):
    assert (RECIPES[key].epsilon, RECIPES[key].over) == (epsilon, over)


def test_both_deeplearning_ai_thresholds_are_named_and_judged():
    """The fixed code's 1.19e-7: above the 2017 notebook's 1e-7, within the later 2e-7."""
    X, Y, parameters = dlai_test_case()
    grads = dlai_backward(X, Y, parameters, dlai_forward(X, Y, parameters)[1], planted=False)
    outcome = run("dlai", lambda p: dlai_forward(X, Y, p)[0], parameters, grads)
    assert [(t.bound, ok) for t, ok in outcome.verdicts()] == [(1e-7, False), (2e-7, True)]
    assert "FAILS <= 1e-07 (the 2017 notebook); passes <= 2e-07 (later notebooks)" in outcome.lines()[1]


def test_cs231n_scores_each_array_and_allows_kinks():
    X, y, params = cs231n_test_case()
    grads = two_layer_loss(params, X, y, reg=0.05)[1]
    grads["dW1"] = grads["dW1"] * (1 + 1e-6)                       # 1e-6 off: within the kinks' 1e-4
    outcome = run("cs231n", lambda p: two_layer_loss(p, X, y, reg=0.05)[0], params, grads, kinks=True)
    assert set(outcome.figures) == {"W1", "b1", "W2", "b2"} and outcome.figure == outcome.figures["W1"]
    assert [ok for _, ok in outcome.verdicts()] == [True, False]   # the notes' bands yes, the notebook's 1e-8 no


def test_the_numerical_gradient_perturbs_arrays_in_any_memory_order():
    """A column-major array (Ng's Theta) is perturbed element by element, not a copy of it."""
    theta = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    grad = numerical_gradient(lambda t: np.sum(t ** 2), theta, 1e-4)
    np.testing.assert_allclose(grad, 2 * theta, rtol=1e-9)


@pytest.mark.parametrize("key, figure", [("dlai", "passes <= 2e-07"), ("ng", "passes < 1e-09"),
                                         ("cs231n", "passes < 1e-08 (two-layer-net notebook)")])
def test_check_runs_the_recipe_beside_the_witness(capsys, key, figure):
    status, out, _ = run_cli(capsys, "check", "--model", "dlai_gradcheck", "--m", "8", "--no-blind-spots",
                             "--recipe", key)
    assert status == 0 and "VERDICT: the derivation agrees" in out
    flat = " ".join(out.split())                       # as said, whatever the terminal's width
    assert f"step {RECIPES[key].epsilon:g}" in flat and figure in flat


def test_a_recipe_catches_what_the_witness_catches():
    """Ng's recipe on the published Ng case with one element of dW1 off: above 1e-9, as the witness."""
    case = CASES["ng"]
    grads = dict(manual_result(case.model, case.params, case.X, case.Y).grads)
    grads["dW1"] = grads["dW1"].copy()
    grads["dW1"][0, 0] += 1e-5
    outcome, lines = recipe_lines(case.model, case.params, case.X, case.Y, "ng", grads=grads)
    assert not outcome.ok and "FAILS < 1e-09" in lines[1]
    rows = check(case.model, case.params, case.X, case.Y, backward=lambda *a: grads)
    assert {r["quantity"]: r["verdict"] for r in rows}["dW1"] != "agree"


def test_black_box_verify_shows_the_whole_row():
    """Black-box mode's score table ends with the whole-vector row (for more than one array); one element
    off by half fails it too, and a single array gets no extra row (its own row is the whole vector)."""
    from comparisons.verify.black_box import check_gradient

    target = dict(w=np.array([1.0, -2.0]), b=np.array([3.0]))

    def cost(p):
        return 0.5 * sum(np.sum((p[k] - target[k]) ** 2) for k in p)

    def grad(p):
        g = {k: p[k] - target[k] for k in p}
        g["w"] = g["w"] * np.array([1.5, 1.0])       # one element off by half
        return g

    point = dict(w=np.array([0.5, 0.5]), b=np.array([0.5]))
    result = check_gradient(cost, grad, point)
    whole = result.table.set_index("quantity").loc[WHOLE]
    a = np.concatenate([grad(point)["w"], grad(point)["b"]])
    b = np.concatenate([point["w"] - target["w"], point["b"] - target["b"]])
    assert result.exit_status == 1 and whole["measured"] == 3 and not whole["dlai_pass"]
    assert whole["ng"] == pytest.approx(ng_ratio(a, b), rel=1e-6)
    single = check_gradient(lambda t: 0.5 * np.sum(t ** 2), lambda t: t, np.array([0.5, 2.0]))
    assert WHOLE not in set(single.table["quantity"])


@pytest.mark.slow
def test_a_recipe_that_fails_a_right_derivation_says_why(capsys):
    """Ng's fixed step and 1e-9 on the seed network (ReLU, softmax, larger scale): the recipe fails, the
    witness agrees, the exit status is the witness's, and the line says where the recipe's error comes from."""
    status, out, _ = run_cli(capsys, "check", "--model", "seed_net", "--m", "8", "--no-blind-spots", "--recipe", "ng")
    flat = " ".join(out.split())                       # as said, whatever the terminal's width
    assert status == 0 and "FAILS < 1e-09 (ex4: 'less than 1e-9')" in flat
    assert "The witness agrees where the recipe fails. A fixed step of 0.0001 errs by about h^2 J''' / 6" in flat


def test_a_nan_score_is_in_no_cs231n_band_and_said_as_not_finite():
    from comparisons.numerical.scores import cs231n_band

    assert cs231n_band(float("nan")) == "not finite" and cs231n_band(5e-8) == "happy"
