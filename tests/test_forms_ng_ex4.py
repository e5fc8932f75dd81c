"""Ng's exercise 4 form (``comparisons.forms.ng_ex4``): nnCostFunction(nn_params, input_layer_size,
hidden_layer_size, num_labels, X, y, lambda_) -> (J, grad), read into the catalogue's course_net.

Files written in the course's published style from its signatures and the handout's equations: one
vectorised in C order (NumPy's ravel), one looping over the examples in F order (MATLAB's Theta(:), the
course's own), one with labels 0..9 (the digit d in class d) where the course has 1..10 (10 is the
digit 0), and one per classic mistake. Through the command line with no flag but the file, as a new
user runs it (``slow``: a Python start per run); in process (``isolate=False``) for the quick checks.
The right files compute the cost from z3 (``np.logaddexp``); the course's own ``log(h)`` is recorded
by ``test_the_courses_own_log_h_cost_...``.
"""

import numpy as np
import pytest

from comparisons import catalogue
from comparisons.forms import DETECTED, describe, inferred, ng_ex4
from comparisons.verify import CannotVerify, verify
from comparisons.verify.api import chosen_model, defined
from tests.user_files import run_cli

HELPERS = '''\
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def randInitializeWeights(L_in, L_out, epsilon_init=0.12):
    return np.random.rand(L_out, 1 + L_in) * 2 * epsilon_init - epsilon_init
'''

# vectorised, nn_params unrolled row by row (NumPy's default reshape and ravel), labels 1..10
C_ORDER = HELPERS + '''

def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, input_layer_size + 1))
    Theta2 = np.reshape(nn_params[hidden_layer_size * (input_layer_size + 1):],
                        (num_labels, hidden_layer_size + 1))
    m = y.size

    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1.dot(Theta1.T)
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    z3 = a2.dot(Theta2.T)
    a3 = sigmoid(z3)

    y_matrix = np.eye(num_labels)[y - 1]     # label 10 (the digit 0) is the last column

    # -y log(h) - (1 - y) log(1 - h), from z3: finite where h rounds to 0 or 1
    J = np.sum(y_matrix * np.logaddexp(0, -z3) + (1 - y_matrix) * np.logaddexp(0, z3)) / m
    J += lambda_ / (2 * m) * (np.sum(np.square(Theta1[:, 1:])) + np.sum(np.square(Theta2[:, 1:])))

    delta3 = a3 - y_matrix
    delta2 = delta3.dot(Theta2)[:, 1:] * sigmoidGradient(z2)

    Delta1 = delta2.T.dot(a1)
    Delta2 = delta3.T.dot(a2)

    Theta1_grad = Delta1 / m
    Theta2_grad = Delta2 / m
    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
'''

# the course's loop over the examples, nn_params = [Theta1(:); Theta2(:)] column by column, labels 1..10
F_ORDER = HELPERS + '''

def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lmbda):
    Theta1 = nn_params[:hidden_layer_size * (input_layer_size + 1)].reshape(
        (hidden_layer_size, input_layer_size + 1), order="F")
    Theta2 = nn_params[hidden_layer_size * (input_layer_size + 1):].reshape(
        (num_labels, hidden_layer_size + 1), order="F")
    m = X.shape[0]
    J = 0.0
    Theta1_grad = np.zeros(Theta1.shape)
    Theta2_grad = np.zeros(Theta2.shape)

    for t in range(m):
        a1 = np.r_[1, X[t]]
        z2 = Theta1 @ a1
        a2 = np.r_[1, sigmoid(z2)]
        z3 = Theta2 @ a2
        a3 = sigmoid(z3)
        yk = np.zeros(num_labels)
        yk[y[t] - 1] = 1
        J += np.sum(yk * np.logaddexp(0, -z3) + (1 - yk) * np.logaddexp(0, z3))

        d3 = a3 - yk
        d2 = (Theta2.T @ d3)[1:] * sigmoidGradient(z2)
        Theta2_grad += np.outer(d3, a2)
        Theta1_grad += np.outer(d2, a1)

    J = J / m + lmbda / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    Theta1_grad = Theta1_grad / m
    Theta2_grad = Theta2_grad / m
    Theta1_grad[:, 1:] += lmbda / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lmbda / m * Theta2[:, 1:]
    grad = np.concatenate([Theta1_grad.ravel(order="F"), Theta2_grad.ravel(order="F")])
    return J, grad
'''

# a port that keeps the digits as they are: labels 0..9, the digit d in column d; F order
LABELS_0_9 = F_ORDER.replace("yk[y[t] - 1] = 1", "yk[y[t]] = 1")

# name: (source, its order, its labels, whether its deltas are read as dZ2 and dZ1)
RIGHT = {
    "C order, vectorised": (C_ORDER, "C order (NumPy's ravel)", "labels 1..10 (10 is the digit 0)", True),
    "F order, a loop over the examples": (F_ORDER, "F order (MATLAB's Theta1(:))", "labels 1..10 (10 is the digit 0)",
                                          False),
    "labels 0..9": (LABELS_0_9, "F order (MATLAB's Theta1(:))", "labels 0..9 (the digit d in class d)", False),
}

# mistake: (file, [(old, new), ...], first wrong quantity, words of its diagnosis, words of the reading)
MISTAKES = {
    "bias column regularised": (C_ORDER, [
        ("Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]",
         "Theta1_grad = Theta1_grad + (lambda_ / m) * Theta1"),
        ("Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lambda_ / m) * Theta2[:, 1:]",
         "Theta2_grad = Theta2_grad + (lambda_ / m) * Theta2")],
        "db2", "lambda/m * b2 added: the bias regularised?", "C order"),
    # J no longer equals the model's under any reading: the gradient's direction decides the order
    "bias column regularised in J too": (F_ORDER, [
        ("np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2)", "np.sum(Theta1 ** 2) + np.sum(Theta2 ** 2)"),
        ("Theta1_grad[:, 1:] += lmbda / m * Theta1[:, 1:]", "Theta1_grad += lmbda / m * Theta1"),
        ("Theta2_grad[:, 1:] += lmbda / m * Theta2[:, 1:]", "Theta2_grad += lmbda / m * Theta2")],
        "J", "lambda/(2m) * b^2 added: the bias regularised?", "F order"),
    "sigmoid gradient left out of delta2": (C_ORDER, [
        ("delta2 = delta3.dot(Theta2)[:, 1:] * sigmoidGradient(z2)", "delta2 = delta3.dot(Theta2)[:, 1:]")],
        "dZ1", "the sigmoid derivative A1 (1 - A1) is missing from dZ1", "C order"),
    "labels not recoded as vectors": (C_ORDER, [
        ("y_matrix = np.eye(num_labels)[y - 1]     # label 10 (the digit 0) is the last column",
         "y_matrix = y.reshape(-1, 1)     # the labels as they are, broadcast over the 10 outputs")],
        "J", "(LOSS MISMATCH)", "unrolled in C order"),
    "1/m left out": (F_ORDER, [
        ("    Theta1_grad = Theta1_grad / m\n    Theta2_grad = Theta2_grad / m\n", ""),
        ("lmbda / m * Theta1[:, 1:]", "lmbda * Theta1[:, 1:]"), ("lmbda / m * Theta2[:, 1:]", "lmbda * Theta2[:, 1:]")],
        "dW2", "a factor m = 64: the 1/m is missing", "F order"),
}

# delta2 keeps its bias row: Theta1_grad is (26, 401); with lambda the course's update cannot broadcast
BIAS_ROW_KEPT = [("delta2 = delta3.dot(Theta2)[:, 1:] * sigmoidGradient(z2)",
                  "delta2 = delta3.dot(Theta2) * sigmoidGradient(np.concatenate([np.ones((m, 1)), z2], axis=1))")]
QUICK = dict(isolate=False, against=("torch",))


def write(tmp_path, source, name="ex4.py"):
    path = tmp_path / name
    path.write_text(source)
    return str(path)


def planted(source, edits):
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new, 1)
    return source


def test_the_files_planted_differ_from_the_right_ones():
    assert LABELS_0_9 != F_ORDER
    for source, edits, *_ in MISTAKES.values():
        assert planted(source, edits) != source


# --- in process ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("right", RIGHT)
def test_each_right_file_is_read_in_its_order_and_labels_and_agrees(tmp_path, right):
    source, order, labels, deltas = RIGHT[right]
    result = verify(write(tmp_path, source), **QUICK)
    assert result.outcome.form == "ng_ex4" and result.exit_status == 0, result.render()
    assert result.model == "course_net (inferred from the ng_ex4 form)"
    reading = result.outcome.reading
    assert reading.startswith("read as Ng ex4's nnCostFunction(nn_params, input_layer_size, hidden_layer_size, "
                              "num_labels, X, y, ")
    assert f"X rows are examples (no bias column), {labels}, Theta = [b W] unrolled in {order}, lambda = 1 passed " \
           f"as its 7th argument, sizes 400, 25, 10 (the model's)" in reading
    assert ("(with labels 1..10, the course's, it does not)" in reading) == labels.startswith("labels 0..9")
    assert [c.name for c in result.cases] == ["typical", "large-logits", "class-missing", "one-example"]
    read = ("dZ2", "dZ1") if deltas else ()
    assert all(run.from_locals == read for run in result.outcome.runs.values())
    assert ("; read from its locals: dZ2 = delta3^T, dZ1 = delta2^T" in reading) == deltas


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_classic_mistake_is_found_and_diagnosed(tmp_path, mistake):
    source, edits, quantity, words, how = MISTAKES[mistake]
    result = verify(write(tmp_path, planted(source, edits)), **QUICK)
    verdict = result.render().strip().splitlines()[-1]
    assert result.exit_status == 1, result.render()
    assert f"First wrong: {quantity} on the typical batch" in verdict and words in verdict, verdict
    assert how in result.outcome.reading


@pytest.mark.parametrize("theta1", ["Theta1", "T1"])
def test_a_wrong_J_leaves_the_order_to_its_local_theta1_or_the_gradients_direction_and_says_so(tmp_path, theta1):
    source, edits, *_ = MISTAKES["bias column regularised in J too"]
    source = planted(source, edits).replace("Theta1", theta1)       # T1: no local the course names
    result = verify(write(tmp_path, source), **QUICK)
    reading = result.outcome.reading
    assert "unrolled in F order" in reading and "labels 1..10" in reading
    assert "its J equals the model's under no order (C, F) and labels (1..10, 0..9), so the order " in reading
    decided = ("is the one in which its local Theta1 is [b1 W1], the labels those whose gradient" if theta1 == "Theta1"
               else "and labels are those whose gradient")
    assert f"{decided} is nearest the model's (cosine 1.00)" in reading
    rows = result.table[result.table["case"] == "typical"].set_index("quantity")["verdict"]
    assert rows["dW2"] == rows["dW1"] == "agree" and rows["db2"] != "agree"   # read in the right order


def test_labels_not_recoded_are_read_in_the_order_its_local_theta1_says(tmp_path):
    source, edits, *_ = MISTAKES["labels not recoded as vectors"]
    reading = verify(write(tmp_path, planted(source, edits)), **QUICK).outcome.reading
    assert "unrolled in C order" in reading and "its local Theta1 is [b1 W1]" in reading


def test_delta2_with_its_bias_row_kept_cannot_broadcast_and_says_why(tmp_path):
    # a crash at the person's line on a valid input: a failed verdict (exit 1) naming the line and the input
    result = verify(write(tmp_path, planted(C_ORDER, BIAS_ROW_KEPT)), **QUICK)
    message = result.verdict()
    assert result.exit_status == 1 and "First wrong: nnCostFunction on the typical batch (FAILS)" in message
    assert "at ex4.py:44: Theta1_grad[:, 1:] = " in message and "X (64, 400), y (64,)" in message
    assert "ValueError: operands could not be broadcast together with shapes (26,400)" in message
    assert "(an array of 26 = hidden_layer_size + 1 rows: delta2 with its bias row kept?" in message


def test_a_gradient_with_delta2s_bias_row_is_one_message_naming_it(tmp_path):
    unregularised = [("    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]\n", "")]
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, planted(C_ORDER, BIAS_ROW_KEPT + unregularised)), **QUICK)
    message = str(error.value)
    assert "nnCostFunction returned grad of 10686 numbers; expected 10285: Theta1_grad (25, 401) and Theta2_grad " \
           "(10, 26) unrolled: Theta1_grad of (26, 401), delta2 with its bias row kept?" in message


def test_the_model_is_inferred_from_the_code_without_running_it(tmp_path):
    path = write(tmp_path, C_ORDER + "\nraise SystemExit('trains at import')\n")
    functions, named = defined(path)
    assert functions["nnCostFunction"][4:6] == ["X", "y"] and named is None
    model, how = chosen_model(path)
    assert model is catalogue.get("course_net") and how == "inferred from the ng_ex4 form"
    assert model.config["lam"] == 1.0


def test_a_named_function_is_read_by_its_parameters(tmp_path):
    path = write(tmp_path, F_ORDER.replace("def nnCostFunction", "def nn_cost"))
    assert inferred(*defined(path + ":nn_cost")) is ng_ex4.NgEx4
    result = verify(path + ":nn_cost", **QUICK)
    assert result.outcome.form == "ng_ex4" and result.exit_status == 0, result.render()
    assert result.outcome.reading.startswith("read as Ng ex4's nn_cost(nn_params, ")


def test_a_model_the_form_cannot_read_is_one_message(tmp_path):
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, C_ORDER), model="seed_net", **QUICK)
    assert "is the course's sigmoid network; model seed_net is not: use --model course_net" in str(error.value)


def test_a_function_that_raises_under_every_reading_reports_the_courses_reading(tmp_path):
    # a crash in the person's code on a valid input is a finding about it (exit 1), not "could not check"
    broken = C_ORDER.replace("m = y.size", "m = y.size\n    raise RuntimeError('not yet')")
    result = verify(write(tmp_path, broken), **QUICK)
    assert result.exit_status == 1
    assert ("First wrong: nnCostFunction on the typical batch (FAILS): RuntimeError: not yet at ex4.py:23: raise "
            "RuntimeError('not yet'); called with nn_params (10285,), input_layer_size = 400") in result.verdict()


def test_the_reading_rolls_theta2_so_that_label_10_is_the_digit_0():
    model = catalogue.get("course_net")
    form = ng_ex4.NgEx4.__new__(ng_ex4.NgEx4)
    form.sizes, form.n_y, form.lam = (400, 25, 10), 10, 1.0
    params = model.init_params(seed=1)
    Y = np.eye(10)[:, [0, 3, 9]]                       # digits 0, 3 and 9
    case = type("Case", (), {"params": params, "Y": Y, "X": np.zeros((400, 3))})
    nn_params, *sizes, X, y, lam = form.course_args(case, ng_ex4.Reading("C", 1))
    assert list(y) == [10, 3, 9] and sizes == [400, 25, 10] and X.shape == (3, 400) and lam == 1.0
    Theta2 = nn_params[25 * 401:].reshape(10, 26)
    assert np.array_equal(Theta2[9], np.r_[params["b2"][0], params["W2"][0]])   # label 10: the digit 0's row
    grads = form.grads(nn_params, ng_ex4.Reading("C", 1))                      # and back
    assert np.array_equal(grads["dW2"], params["W2"]) and np.array_equal(grads["db1"], params["b1"])
    assert list(form.course_args(case, ng_ex4.Reading("F", 0))[5]) == [0, 3, 9]


def test_the_courses_own_log_h_cost_is_a_robustness_finding_at_large_logits(tmp_path):
    naive = C_ORDER.replace(
        "J = np.sum(y_matrix * np.logaddexp(0, -z3) + (1 - y_matrix) * np.logaddexp(0, z3)) / m",
        "J = -np.sum(y_matrix * np.log(a3) + (1 - y_matrix) * np.log(1 - a3)) / m")
    result = verify(write(tmp_path, naive), **QUICK)
    # the last layer is scaled until |Z2| reaches 1,000: sigmoid(z) rounds to 1 and log(1 - h) is log of 0
    assert "the last layer's (W2, b2) x" in result.cases[1].description
    assert result.derivation_agrees and result.exit_status == 1, result.render()
    assert "robustness: on the large-logits batch J (NON-FINITE)" in result.verdict()
    assert "log of 0 at ex4.py:" in result.verdict()


def test_the_form_is_tried_after_ngs_convex_forms_and_listed():
    names = [f.name for f in DETECTED]
    assert names.index("ng_ex4") == names.index("ng_ex5") + 1
    text = " ".join(describe(300).split())
    assert "ng_ex4 (Ng ex4's): nnCostFunction" in text and ng_ex4.NgEx4.signature in text
    assert "course_net (default course_net; --model NAME chooses)" in text


# --- through the command line, as a new user runs it ----------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("right", RIGHT)
def test_each_right_file_verifies_from_the_command_line(tmp_path, capsys, right):
    source, order, labels, _ = RIGHT[right]
    status, out, err = run_cli(capsys, "verify", write(tmp_path, source))
    assert status == 0, out + err
    assert "VERDICT: agrees" in out and "ng_ex4 form (nnCostFunction)" in out
    assert "as model course_net (inferred from the ng_ex4 form)" in out
    said = " ".join(out.split())
    assert "- Read as Ng ex4's nnCostFunction(" in said and f"{labels}, Theta = [b W] unrolled in {order}" in said


@pytest.mark.slow
@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_classic_mistake_exits_1_from_the_command_line(tmp_path, capsys, mistake):
    source, edits, quantity, words, _ = MISTAKES[mistake]
    status, out, err = run_cli(capsys, "verify", write(tmp_path, planted(source, edits)))
    verdict = out.strip().splitlines()[-1]
    assert status == 1, out + err
    assert f"First wrong: {quantity} on the typical batch" in verdict and words in verdict, verdict


@pytest.mark.slow
def test_delta2_with_its_bias_row_kept_exits_1_from_the_command_line(tmp_path, capsys):
    status, out, err = run_cli(capsys, "verify", write(tmp_path, planted(C_ORDER, BIAS_ROW_KEPT)))
    verdict = out.strip().splitlines()[-1]
    assert status == 1 and "could not be broadcast" in verdict and "delta2 with its bias row kept?" in verdict
