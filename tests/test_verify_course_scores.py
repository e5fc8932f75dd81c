"""``verify`` scores the person's gradient as the courses publish theirs, beside its own table: over the
whole unrolled parameter vector (Ng's and deeplearning.ai's norm ratios, CS231n's rel_error, against each
autograd reference), and, with ``recipe=`` / ``--recipe``, by a course's own check (its step, formula and
thresholds) on the typical batch. Neither changes the verdict or the exit status.
"""

import re

import numpy as np
import pytest

from comparisons.verify import CannotVerify, verify
from tests.tutorial_code import TUTORIAL
from tests.user_files import edited, run_cli, write

QUICK = dict(m=16, against=("torch",), cases=("typical",), isolate=False)
SIGN_FLIPPED = edited(TUTORIAL, "    return dW1, db1, dW2, db2", "    return -dW1, -db1, -dW2, -db2")
DW1_MISSING = '''\
from manual.seed_net import forward, loss
import manual.seed_net as s


def backward(params, cache, X, Y):
    grads = s.backward(params, cache, X, Y)
    del grads["dW1"]
    return grads
'''
LOGISTIC = '''\
import numpy as np


def costFunction(theta, X, y):
    m = y.size
    z = X @ theta
    J = np.sum(np.logaddexp(0, -z) * y + np.logaddexp(0, z) * (1 - y)) / m
    grad = X.T @ (1 / (1 + np.exp(-z)) - y) / m
    return J, grad
'''


def whole_line(result):
    return next(line for line in result.notes().splitlines() if line.startswith("- Whole parameter vector"))


def test_a_right_derivation_passes_every_course_over_the_whole_vector(tmp_path):
    line = whole_line(verify(write(tmp_path, TUTORIAL), **QUICK))
    assert "(dW1, db1, dW2, db2 unrolled: 7,960 values) on the typical batch" in line
    assert "against torch: Ng " in line and line.count("(passes)") == 3 and "FAILS" not in line


def test_a_sign_flipped_gradient_is_where_the_two_norm_ratios_part(tmp_path):
    # a = -b: deeplearning.ai's ||a - b|| / (||a|| + ||b||) is 1 exactly, Ng's ||b - a|| / ||b + a|| unbounded
    result = verify(write(tmp_path, SIGN_FLIPPED), **QUICK)
    line = whole_line(result)
    assert "deeplearning.ai 1.0e+00 (FAILS)" in line
    ng = float(re.search(r"Ng (\S+) \(FAILS\)", line).group(1))
    assert ng > 1e6      # b + a is rounding alone
    assert result.exit_status == 1


def test_a_missing_gradient_leaves_the_whole_vector_not_measured(tmp_path):
    line = whole_line(verify(write(tmp_path, DW1_MISSING), **QUICK))
    assert line.endswith("on the typical batch: not measured (dW1 not returned).")


@pytest.mark.parametrize("recipe, words", [
    ("ng", "step 0.0001, centred differences of logistic_regression's loss J over every element (31)"),
    ("dlai", "FAILS <= 1e-07 (the 2017 notebook); FAILS <= 2e-07 (later notebooks)"),
    ("cs231n", "score max |x - y| / max(1e-8, |x| + |y|) over each parameter array"),
])
def test_a_courses_recipe_is_shown_beside_the_verdict_without_changing_it(tmp_path, recipe, words):
    wrong = edited(LOGISTIC, "- y) / m", "- y) / (m - 1)")     # the classic off-by-one in m
    result = verify(write(tmp_path, wrong), recipe=recipe, **QUICK)
    notes = result.notes()
    assert words in notes and "own recipe" in notes
    assert result.exit_status == 1 and "FAILS" in next(line for line in result.recipe if "figure" in line)


def test_a_right_gradient_that_the_fixed_step_fails_is_said_to_agree_with_autograd(tmp_path):
    result = verify(write(tmp_path, TUTORIAL), recipe="ng", **QUICK)
    assert result.exit_status == 0
    figure = next(line for line in result.recipe if "figure" in line)
    if "FAILS" in figure:      # the fixed step of 1e-4 on a ReLU net: truncation and kinks, not the derivation
        assert any(line.startswith("Your gradients agree with autograd where the recipe fails") for line in result.recipe)


def test_the_recipe_of_a_missing_gradient_is_not_measured(tmp_path):
    result = verify(write(tmp_path, DW1_MISSING), recipe="dlai", **QUICK)
    assert result.recipe == ("deeplearning.ai, course 2's own recipe (Gradient Checking: gradient_check_n): "
                             "not measured (dW1 not returned).",)


def test_black_box_mode_runs_the_recipe_on_the_persons_own_cost():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])

    def cost(theta):
        return 0.5 * theta @ A @ theta

    result = verify(cost=cost, grad=lambda theta: A @ theta, params=np.array([1.0, -2.0]), recipe="dlai")
    assert result.passed
    assert any("deeplearning.ai, course 2's own recipe" in line for line in result.recipe)
    assert "own recipe" in result.render()


@pytest.mark.parametrize("recipe", ["Ng", "andrew", ""])
def test_an_unknown_recipe_is_one_line(tmp_path, recipe):
    with pytest.raises(CannotVerify, match=r"recipe=.*expected 'ng', 'dlai' or 'cs231n'"):
        verify(write(tmp_path, TUTORIAL), recipe=recipe, **QUICK)


@pytest.mark.slow
def test_the_command_line_takes_recipe(tmp_path, capsys):
    status, out, err = run_cli(capsys, "verify", write(tmp_path, LOGISTIC), "--recipe", "ng", "--case", "typical")
    assert status == 0, out + err
    assert "Ng, Coursera Machine Learning's own recipe" in out and "figure: " in out
    assert "- Whole parameter vector (dW, db unrolled: 31 values) on the typical batch" in out
