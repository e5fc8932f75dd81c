"""Issue 11, item 4: diagnoses that are right. Each diagnosis has a planted case that triggers it and a
look-alike that must not: one-element quantities, a result in another dtype, inputs changed in place,
the wrong --model, hidden-layer mistakes, the m = 1 false failure, and a crash in the person's code.

Files are written as people write them (the seed tutorial's ``forward_prop/backward_prop``, the project's
contract) and checked through ``verify`` in process; the command line's exit statuses in the slow tests.
"""

import numpy as np
import pytest

from comparisons.numerical.step_sweep import QUIET, edge_shortened
from comparisons.verify import CannotVerify, verify
from comparisons.verify.diagnose import Context, diagnose
from tests.tutorial_code import TUTORIAL, variant
from tests.user_files import run_cli, write

M = 16
QUICK = dict(isolate=False, against=("torch",), cases=("typical",))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def ctx(quantity, **kw):
    return Context(quantity, M, **kw)


def first_wrong(result):
    return result.first_wrong["diagnosis"]


# --- One-element quantities: no factor, sign or L2 pattern read from one number ----------------------

@pytest.mark.parametrize("quantity, yours, expected, words", [
    ("db2", [[0.31250005]], [[0.3125]], "yours 0.31250005, expected 0.3125: 1.6e-07 apart (relative), above "
                                        "float64's 1e-09: precision lost"),
    ("J", 3.1, 2.9, "yours 3.1, expected 2.9: one number, so no pattern is read from it"),
    ("J", 2.5 * M, 2.5, f"yours 40, expected 2.5, exactly a factor m = {M}: summed over the examples instead"),
    ("db2", [[-0.7]], [[0.7]], "yours -0.7, expected 0.7, exactly its negative: sign flipped"),
    ("J", 1.4, 0.7, "yours 1.4, expected 0.7, exactly a constant factor 2"),
])
def test_one_number_says_the_numbers_and_only_an_exact_ratio(quantity, yours, expected, words):
    line = diagnose(np.array(yours), np.array(expected), ctx(quantity))
    assert line.startswith(words), line


@pytest.mark.parametrize("yours", [[[0.31250005]], [[0.4]], [[1.37]]])
def test_one_number_is_never_a_sign_flip_a_factor_or_an_l2_term(yours):
    line = diagnose(np.array(yours), np.array([[0.3125]]), ctx("db2", params={"b2": np.array([[0.9]])}, lam=1.0))
    assert line.startswith("yours ") and ("one number, so no pattern" in line or "precision lost" in line), line
    assert not any(w in line for w in ("sign flipped", "exactly", "regularised", "L2")), line


def test_a_real_factor_on_a_large_array_is_still_a_constant_factor(rng):
    expected = rng.normal(size=(10, 784))
    assert diagnose(2 * expected, expected, ctx("dW1")) == "a constant factor 2"


def test_an_array_close_but_above_tolerance_is_nearly_equal_not_a_sign_flip(rng):
    expected = rng.normal(size=(10, 10))
    line = diagnose(expected * (1 + 1e-8 * rng.normal(size=(10, 10))), expected, ctx("dW2"))
    assert line.startswith("nearly equal: max relative error") and "sign" not in line
    assert diagnose(-expected, expected, ctx("dW2")) == "sign flipped: yours = -expected"


# --- A result in another dtype -----------------------------------------------------------------------

@pytest.mark.parametrize("dtype, words", [
    (np.float32, "returned float32 in a float64 check: it agrees to"),
    (np.int64, "returned int64 in a float64 check: integer arithmetic"),
    (np.bool_, "returned bool in a float64 check: a comparison's mask"),
])
def test_a_result_of_another_dtype_is_named_as_such(rng, dtype, words):
    expected = rng.normal(size=(10, 10))
    line = diagnose(expected.astype(dtype), expected, ctx("dW2"))
    assert line.startswith(words) and "sign" not in line, line


def test_float32_in_a_float32_check_is_judged_by_its_values(rng):
    expected = rng.normal(size=(10, 10)).astype(np.float32)
    assert diagnose(2 * expected, expected, ctx("dW2", dtype="float32")) == "a constant factor 2"


CONTRACT_FLOAT32 = '''\
import numpy as np
from manual import seed_net
from manual.seed_net import forward, loss, param_shapes, init_params


def backward(params, cache, X, Y):
    grads = seed_net.backward(params, cache, X, Y)
    grads["dW2"] = grads["dW2"].astype(np.float32)
    return grads
'''


def test_float32_returned_in_a_float64_check_fails_named_and_passes_a_float32_check(tmp_path):
    path = write(tmp_path, CONTRACT_FLOAT32)
    result = verify(path, m=M, **QUICK)
    assert result.exit_status == 1 and result.first_wrong["quantity"] == "dW2"
    assert first_wrong(result).startswith("returned float32 in a float64 check: it agrees to")
    assert verify(path, m=M, dtype="float32", **QUICK).exit_status == 0


# --- Inputs changed in place --------------------------------------------------------------------------

IN_PLACE = ("    dZ2 = A2 - one_hot_Y\n", "    dZ2 = A2\n    dZ2 -= one_hot_Y\n")


CONTRACT_IN_PLACE = '''\
from manual import seed_net
from manual.seed_net import forward, loss, param_shapes, init_params


def backward(params, cache, X, Y):
    A2 = cache["A2"]
    A2 -= Y
    return seed_net.backward(params, {**cache, "A2": A2 + Y}, X, Y)
'''


@pytest.mark.parametrize("source, quantity, said", [
    (variant(*IN_PLACE), "A2", "backward_prop changed A2 in place (line 35?: `dZ2 -= one_hot_Y`)"),
    (variant("    m = X.shape[1]\n", "    m = X.shape[1]\n    Z1[Z1 <= 0] = 0\n"), "Z1",
     "backward_prop changed Z1 in place (line 33?: `Z1[Z1 <= 0] = 0`)"),
    (CONTRACT_IN_PLACE, "A2", "backward changed cache['A2'] in place (line 7?: `A2 -= Y`)"),
])
def test_an_input_changed_in_place_is_named_not_blamed_on_the_forward_pass(tmp_path, source, quantity, said):
    result = verify(write(tmp_path, source), m=M, **QUICK)
    assert result.exit_status == 1 and result.first_wrong["quantity"] == quantity
    assert first_wrong(result) == (f"not the forward pass: {said} after it was returned, so the {quantity} compared "
                                   f"is the changed one (change a copy, {quantity}.copy(), or write a new array)")
    assert f"- {said}; the {quantity} the caller holds is no longer the one it passed in." in result.notes()


def test_a_copy_changed_in_place_is_no_finding(tmp_path):
    result = verify(write(tmp_path, variant(IN_PLACE[0], "    dZ2 = A2.copy()\n    dZ2 -= one_hot_Y\n")),
                    m=M, **QUICK)
    assert result.exit_status == 0 and "in place" not in result.render()


# --- The wrong --model ----------------------------------------------------------------------------------

SOFTMAX = "from manual.softmax_regression import *\n"


def test_a_wrong_model_is_asked_about_naming_the_one_that_fits(tmp_path):
    result = verify(write(tmp_path, SOFTMAX), model="svm", m=M, **QUICK)
    assert result.exit_status == 1
    assert ("- Is this the right --model? Nearly every quantity differs (4 of 5 rows on the typical batch) and "
            "your J and gradients agree with softmax_regression's in 4 of 4: try --model softmax_regression."
            in result.notes())


def test_the_model_hint_compares_other_models_at_the_checked_models_penalty(tmp_path):
    """Checked as an SVM at reg = 0.05 (reg sum W^2), softmax code at the same penalty agrees with
    softmax regression at that penalty, not at the catalogue's lambda = 1: the hint still names it."""
    from comparisons.model_options import configured

    code = write(tmp_path, "from manual.softmax_regression import configure\n")
    result = verify(code, model=configured("svm", lam=0.05, penalty="reg"), m=M, **QUICK)
    assert result.exit_status == 1 and "try --model softmax_regression" in result.hint
    assert "your J and gradients agree with softmax_regression's in 4 of 4" in result.hint


@pytest.mark.parametrize("source", [
    SOFTMAX + "_backward = backward\n\ndef backward(params, cache, X, Y):\n    g = _backward(params, cache, X, Y)\n"
              "    return {**g, 'dW': 2 * g['dW']}\n",          # one mistake: the model is right
    variant("dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)", "dZ1 = W2.T.dot(dZ2)"),   # a hidden-layer mistake
])
def test_a_few_wrong_quantities_ask_nothing_about_the_model(tmp_path, source):
    result = verify(write(tmp_path, source), m=M, **QUICK)
    assert result.exit_status == 1 and result.hint == "" and "right --model" not in result.render()


# --- Hidden-layer mistakes ---------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, quantity, words", [
    ("dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)", "dZ1 = W2.T.dot(dZ2)", "dZ1",
     "the ReLU derivative (A1 > 0) is missing from dZ1: left out? (dZ1 = dA1 where dZ1 = dA1 * (A1 > 0) belongs)"),
    ("dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)", "dZ1 = W2.dot(dZ2) * ReLU_deriv(Z1)", "dZ1",
     "W2 is not transposed: dA1 = W2 @ dZ2 where W2.T @ dZ2 belongs (W2 is square, so the shapes do not show it)"),
    ("    dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)\n    dW1 = 1 / m * dZ1.dot(X.T)\n",
     "    dW1 = 1 / m * W2.dot(dZ2).dot(X.T)\n    dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)\n", "dW1",
     "W2 is not transposed (W2 is square, so the shapes do not show it) and the ReLU derivative (A1 > 0) is missing "
     "from dZ1 (seen in dW1)"),
])
def test_hidden_layer_mistakes_are_named(tmp_path, old, new, quantity, words):
    result = verify(write(tmp_path, variant(old, new)), m=M, **QUICK)
    assert result.first_wrong["quantity"] == quantity and first_wrong(result) == words


def test_a_hidden_layer_factor_is_not_a_missing_transpose(tmp_path):
    result = verify(write(tmp_path, variant("dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)",
                                            "dZ1 = 2 * W2.T.dot(dZ2) * ReLU_deriv(Z1)")), m=M, **QUICK)
    assert first_wrong(result) == "a constant factor 2"


def test_the_sigmoid_derivative_left_out_of_a_hidden_layer(rng):
    W2, dZ2 = rng.normal(size=(10, 25)), rng.normal(size=(10, M))
    A1, X = 1 / (1 + np.exp(-rng.normal(size=(25, M)))), rng.normal(size=(400, M))
    right = (W2.T @ dZ2) * A1 * (1 - A1) @ X.T / M
    c = ctx("dW1", params={"W2": W2}, expected={"dZ2": dZ2}, forward={"A1": A1}, X=X)
    assert diagnose((W2.T @ dZ2) @ X.T / M, right, c).startswith("the sigmoid derivative A1 (1 - A1) is missing "
                                                                   "from dZ1: left out?")
    assert diagnose(-right, right, c) == "sign flipped: yours = -expected"


# --- m = 1 ----------------------------------------------------------------------------------------------

def test_the_step_is_shortened_from_the_sweeps_edge_while_rounding_stays_quiet():
    worst = np.array([1e-14, 2e-13, 5e-12, 3e-10, 2e-9, 1e-8])
    assert edge_shortened(worst, 0) == 3 and worst[3] <= QUIET < worst[4]
    assert edge_shortened(worst, 2) == 2     # a V found inside the sweep is kept


@pytest.mark.parametrize("source", ["from manual.seed_net import *\n", TUTORIAL])
def test_right_code_agrees_at_one_example(tmp_path, source):
    result = verify(write(tmp_path, source), m=1, isolate=False, against=("torch", "numerical"))
    assert result.exit_status == 0, result.render()


def test_wrong_code_still_fails_at_one_example(tmp_path):
    result = verify(write(tmp_path, variant("dW2 = 1 / m * dZ2.dot(A1.T)", "dW2 = 2 / m * dZ2.dot(A1.T)")), m=1,
                    isolate=False, against=("torch", "numerical"))
    assert result.exit_status == 1 and first_wrong(result) == "a constant factor 2"


# --- A crash in the person's code ----------------------------------------------------------------------

CRASH = ("np.zeros((Y.size, 10))", "np.zeros((Y.size, 9))")


def test_a_crash_on_a_valid_input_is_a_failed_verdict_naming_line_exception_and_input(tmp_path):
    result = verify(write(tmp_path, variant(*CRASH)), m=M, **QUICK)
    assert result.exit_status == 1
    assert result.verdict() == (
        "VERDICT: disagrees in 1 row(s). First wrong: backward_prop on the typical batch (FAILS): IndexError: index "
        "9 is out of bounds for axis 1 with size 9 at mine.py:27: one_hot_Y[np.arange(Y.size), Y] = 1; called "
        f"with Z1 (10, {M}), A1 (10, {M}), Z2 (10, {M}), A2 (10, {M}), W1 (10, 784), W2 (10, 10), X (784, {M}), "
        f"Y ({M},)")


@pytest.mark.parametrize("old, new, words", [
    ("    m = X.shape[1]\n", "    m = X.shape[1]\n    raise NotImplementedError('backprop')\n",
     "backward_prop raised NotImplementedError: backprop on the typical batch"),
    ("    m = X.shape[1]\n", "", "backward_prop raised NameError: name 'm' is not defined"),
    ("def one_hot(Y):", "def one_hot(Y)", "does not import: SyntaxError"),
])
def test_what_cannot_be_run_at_all_stays_could_not_check(tmp_path, old, new, words):
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, variant(old, new)), m=M, **QUICK)
    assert words in str(error.value)


# --- The command line --------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("source, args, status, words", [
    (variant(*CRASH), (), 1, "(FAILS): IndexError: index 9 is out of bounds for axis 1 with size 9 at mine.py:27"),
    ("from manual.seed_net import *\n", ("--m", "1"), 0, "VERDICT: agrees."),
    (variant(*IN_PLACE), (), 1, "not the forward pass: backward_prop changed A2 in place (line 35?"),
    (SOFTMAX, ("--model", "svm"), 1, "try --model softmax_regression"),
])
def test_handgrad_verify_as_a_new_user_runs_it(tmp_path, capsys, source, args, status, words):
    got, out, err = run_cli(capsys, "verify", write(tmp_path, source), *args)
    assert got == status and words in out, out + err


def test_shapes_that_fit_another_model_name_it():
    from comparisons import catalogue
    from comparisons.verify.calls import UserRun, make_cases
    from comparisons.verify.model_fit import model_hint

    model = catalogue.get("softmax_regression")
    case = make_cases(model, M, 0, "float64", ("typical",))[0]
    shapes = catalogue.get("seed_net").manual.param_shapes()
    run = UserRun(loss=1.0, grads={"d" + k: np.ones(s) for k, s in shapes.items()})
    summary = [dict(case="typical", quantity=q, verdict="SHAPE MISMATCH") for q in ("J", "dW", "db")]
    assert model_hint(model, case, run, summary) == (
        "Is this the right --model? Nearly every quantity differs (3 of 3 rows on the typical batch) and the shapes "
        "you return fit seed_net's parameters in 4 of 4: try --model seed_net")
    assert model_hint(model, case, run, summary[:1] + [dict(summary[1], verdict="agree")] * 2) == ""


def test_a_bias_term_under_a_convention_without_l2_is_said_by_its_factor():
    """penalty "none" has no L2 term to name: a db off by 0.05 b is said as that factor, not as a
    convention's lambda/m (and the rule does not fail on a convention without a gradient term)."""
    b = np.array([[0.5], [-0.25], [1.0]])
    expected = np.array([[0.1], [0.2], [-0.3]])
    line = diagnose(expected + 0.05 * b, expected, Context("db1", 10, {"b1": b}, 0.5, "none"))
    assert line.startswith("0.05 * b1 added: the bias regularised?") and "lambda" not in line
