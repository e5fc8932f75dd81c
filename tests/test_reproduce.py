"""``handgrad reproduce``: the published figures of deeplearning.ai, Ng's ex4 and CS231n, recomputed
on their published test cases, asserted against the published constants; the cases as fixtures of
the project's own models."""

import subprocess
import sys

import numpy as np
import pytest

from comparisons import reproduce
from comparisons.numerical import check
from comparisons.numerical.checks import manual_result
from comparisons.reproduce import CASES, Row, report
from tests.user_files import run_cli

ROWS = {(r.case, r.source, r.figure): r for r in reproduce.rows()}


def row(case, start, source=""):
    return next(r for (c, s, f), r in ROWS.items() if c == case and f.startswith(start) and s.startswith(source))


# --- Each published figure, against the published constant ----------------------------------------------


@pytest.mark.parametrize("case, figure, source, published, rel", [
    ("dlai", "difference, planted bugs", "later", 0.2850931567761623, 1e-15),   # the later notebook's test value
    ("dlai", "difference, planted bugs", "2017", 0.285093156781, 1e-10),        # the 2017 notebook's expected output
    ("dlai", "difference after the fix", "later", 1.1890913024229996e-07, 1e-12),
    ("ng", "sigmoidGradient(0)", "", 0.25, 0.0),
    ("cs231n", "difference between your scores", "", 3.6802720745909845e-08, 1e-12),
    ("cs231n", "loss, reg = 0.05", "", 1.30378789133, 1e-11),
])
def test_published_figures_recomputed(case, figure, source, published, rel):
    r = row(case, figure, source)
    assert r.agrees and r.value == pytest.approx(published, rel=rel, abs=0.0)


@pytest.mark.parametrize("lam", ["0", "3"])
def test_ng_relative_difference_is_about_2e_11_and_below_1e_9(lam):
    r = row("ng", f"relative difference, lambda = {lam}")
    assert r.agrees and 1.5e-11 < r.value < 3.5e-11 and r.published == "2.33553e-11"


@pytest.mark.parametrize("array", ["W1", "b1", "W2", "b2"])
def test_cs231n_gradient_check_below_the_notebooks_1e_8(array):
    r = row("cs231n", f"{array} max relative error")
    assert r.agrees and 1e-12 < r.value < 1e-8


def test_the_fixed_figure_is_rounding_in_the_naive_loss():
    """The stable loss gives about 1e-9 where the notebook's gives 1.19e-7, for the same right gradient."""
    why = reproduce.dlai_why()
    assert "gives 1.077e-09 on the fixed code, against 1.189e-07" in why
    assert "example 3 has Y = 0 and A3 = 0.998873" in why and "0.2929 where deeplearning.ai's is 0.2851" in why


def test_every_row_agrees_and_names_its_source():
    text, files, ok = report()
    assert ok and "VERDICT: all 13 published figures reproduced." in text
    assert all(r.source and r.published for r in ROWS.values()) and len(ROWS) == 13
    assert set(files) == {"reproduce.md", "reproduce.csv"}


def test_a_row_that_disagrees_fails_the_verdict():
    wrong = Row("dlai", "test", "difference", "0.285093156781", 0.2851, "every printed digit", False)
    text, _, ok = report([*ROWS.values(), wrong])
    assert not ok and "1 of 14 published figures not reproduced: dlai difference" in text


@pytest.mark.parametrize("published, value, digits, agrees", [
    ("0.285093156781", 0.28509315677616, None, False),    # 12 printed digits: the last two differ
    ("0.285093156781", 0.28509315677616, 10, True),
    ("1.30378789133", 1.3037878913298202, None, True),
])
def test_agreement_to_the_printed_digits(published, value, digits, agrees):
    assert reproduce.printed("c", "s", "f", published, value, digits).agrees is agrees


# --- The cases as fixtures of the project's models ---------------------------------------------------------


@pytest.mark.parametrize("name, J", [("dlai", 2.407833389834357), ("cs231n", 1.30378789133)])
def test_the_project_model_has_the_published_loss_on_the_case(name, J):
    case = CASES[name]
    assert case.model.loss(case.params, case.X, case.Y) == pytest.approx(J, rel=1e-11)


def test_the_ng_fixture_is_the_course_network():
    """course_net at 3-5-3, lambda 3, with Theta split into (b, W): ex4's cost and gradient."""
    case = CASES["ng"]
    X, y, t = reproduce.ng_test_case()
    J, grads = reproduce.nn_cost_function(t["Theta1"], t["Theta2"], X, y, 3.0)
    manual = manual_result(case.model, case.params, case.X, case.Y)
    assert manual.loss == pytest.approx(J, rel=1e-13)
    np.testing.assert_allclose(manual.grads["dW1"], grads["dTheta1"][:, 1:], rtol=1e-12)
    np.testing.assert_allclose(manual.grads["db2"], grads["dTheta2"][:, :1], rtol=1e-12)


def test_the_cs231n_fixture_transposes_the_course_layout():
    case = CASES["cs231n"]
    X, y, params = reproduce.cs231n_test_case()
    grads = reproduce.two_layer_loss(params, X, y, reg=0.05)[1]
    manual = manual_result(case.model, case.params, case.X, case.Y)
    np.testing.assert_allclose(manual.grads["dW1"], grads["dW1"].T, rtol=1e-12)
    np.testing.assert_allclose(manual.grads["db2"].ravel(), grads["db2"], rtol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_the_witness_agrees_with_the_project_derivation_on_each_case(name):
    case = CASES[name]
    rows = check(case.model, case.params, case.X, case.Y)
    assert {r["verdict"] for r in rows} == {"agree"}


def test_the_witness_names_the_planted_bugs_on_the_dlai_case():
    """The notebook's bugs as a backward of the project's contract: dW2 and db1 disagree, nothing else."""
    case = CASES["dlai"]
    model = case.model

    def planted(params, cache, X, Y):
        grads = dict(model.backward(params, cache, X, Y))
        return {**grads, "dW2": 2 * grads["dW2"], "db1": 4 * grads["db1"]}

    rows = check(model, case.params, case.X, case.Y, backward=planted)
    assert sorted(r["quantity"] for r in rows if r["verdict"] != "agree") == ["dW2", "db1"]


# --- The command ---------------------------------------------------------------------------------------------


def test_reproduce_prints_the_table_and_exits_0(capsys, tmp_path):
    status, out, _ = run_cli(capsys, "reproduce", "--out", str(tmp_path))
    assert status == 0 and "0.2850931567761623" in out and "1.30378789133" in out
    assert (tmp_path / "reproduce.md").read_text().startswith("# handgrad reproduce")


@pytest.mark.slow
def test_handgrad_reproduce_as_a_new_user_runs_it():
    done = subprocess.run([sys.executable, "-m", "comparisons.cli", "reproduce"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "VERDICT: all 13 published figures reproduced." in done.stdout
