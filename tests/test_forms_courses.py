"""The courses' forms of the convex models (``comparisons.forms.ng``, ``dlai``) and the model inferred from
the form: Ng's ex1 (and its Multi variant), ex2 (costFunction, costFunctionReg) and ex5, and
deeplearning.ai's propagate.

Each form has one right file, written in the course's published style from its signatures, and one
file per classic mistake. Through the command line with no flag but the file, as a new user runs it
(``slow``: a Python start per run); the same files load here (``isolate=False``) for the quick checks.
The right logistic files compute the cost from the logits (``np.logaddexp``): the course's own
``log(h)`` is NON-FINITE on the large-logits batch, which ``test_the_courses_own_log_h_...`` shows.
"""

import pytest

from comparisons import catalogue
from comparisons.forms import DETECTED, describe, inferred
from comparisons.forms import dlai, ng
from comparisons.verify import CannotVerify, verify

FORMS = ng.FORMS + dlai.FORMS
from comparisons.verify.api import chosen_model, defined
from tests.user_files import as_notebook, run_cli, write

STABLE = '''\
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def log_loss(z, y):
    """-y log g(z) - (1 - y) log(1 - g(z)), from z: finite where g(z) rounds to 1."""
    return y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)
'''

EX2 = STABLE + '''

def costFunction(theta, X, y):
    m = y.size
    z = X.dot(theta)
    J = np.sum(log_loss(z, y)) / m
    grad = X.T.dot(sigmoid(z) - y) / m
    return J, grad


if __name__ == "__main__":
    data = np.loadtxt("ex2data1.txt", delimiter=",")
'''

EX2_REG = STABLE + '''

def costFunctionReg(theta, X, y, lambda_):
    m = y.size
    z = X.dot(theta)
    J = np.sum(log_loss(z, y)) / m + lambda_ / (2 * m) * np.sum(theta[1:] ** 2)
    grad = X.T.dot(sigmoid(z) - y) / m
    grad[1:] = grad[1:] + (lambda_ / m) * theta[1:]
    return J, grad
'''

EX1 = '''\
import numpy as np


def computeCost(X, y, theta):
    m = y.size
    return np.sum((X.dot(theta) - y) ** 2) / (2 * m)


def gradientDescent(X, y, theta, alpha, num_iters):
    m = y.shape[0]
    theta = theta.copy()
    J_history = []
    for i in range(num_iters):
        theta = theta - (alpha / m) * (X.T.dot(X.dot(theta) - y))
        J_history.append(computeCost(X, y, theta))
    return theta, J_history
'''

EX1_MULTI = '''\
import numpy as np


def computeCostMulti(X, y, theta):
    m = y.shape[0]
    error = X @ theta - y
    return error @ error / (2 * m)


def gradientDescentMulti(X, y, theta, alpha, num_iters):
    m = y.shape[0]
    for i in range(num_iters):
        theta -= alpha / m * (X.T @ (X @ theta - y))     # in place, as many ports do
    return theta
'''

EX5 = '''\
import numpy as np


def linearRegCostFunction(X, y, theta, lambda_=0.0):
    m = y.size
    h = X.dot(theta)
    J = (1 / (2 * m)) * np.sum(np.square(h - y)) + (lambda_ / (2 * m)) * np.sum(np.square(theta[1:]))
    grad = (1 / m) * (h - y).dot(X)
    grad[1:] = grad[1:] + (lambda_ / m) * theta[1:]
    return J, grad
'''

DLAI = STABLE + '''

def propagate(w, b, X, Y):
    m = X.shape[1]
    Z = np.dot(w.T, X) + b
    A = sigmoid(Z)
    cost = np.sum(log_loss(Z, Y)) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    cost = np.squeeze(np.array(cost))
    grads = {"dw": dw, "db": db}
    return grads, cost
'''

# name: (source, form, model, how it was read, {mistake: (old, new, first wrong quantity, words)})
COURSES = {
    "ex2": (EX2, "ng_ex2", "logistic_regression (inferred from the ng_ex2 form; lam = 0",
            "read as Ng ex2's costFunction(theta, X, y): X rows are examples with a first column of ones", {
                "1/m missing": ("grad = X.T.dot(sigmoid(z) - y) / m", "grad = X.T.dot(sigmoid(z) - y)",
                                "dW", "a factor m = 64: the 1/m is missing"),
                "sign flipped": ("grad = X.T.dot(sigmoid(z) - y) / m", "grad = X.T.dot(y - sigmoid(z)) / m",
                                 "dW", "sign flipped")}),
    "ex2_reg": (EX2_REG, "ng_ex2_reg", "logistic_regression (inferred from the ng_ex2_reg form)",
                "L2 lambda = 1 passed as its 4th argument", {
                    "theta[0] regularised": ("grad[1:] = grad[1:] + (lambda_ / m) * theta[1:]",
                                             "grad = grad + (lambda_ / m) * theta", "db",
                                             "lambda/m * b added: the bias regularised?"),
                    "theta[0] regularised in J and grad": (
                        "np.sum(theta[1:] ** 2)\n    grad = X.T.dot(sigmoid(z) - y) / m\n"
                        "    grad[1:] = grad[1:] + (lambda_ / m) * theta[1:]",
                        "np.sum(theta ** 2)\n    grad = X.T.dot(sigmoid(z) - y) / m + (lambda_ / m) * theta",
                        "J", "lambda/(2m) * b^2 added: the bias regularised?")}),
    "ex1": (EX1, "ng_ex1", "linear_regression (inferred from the ng_ex1 form; lam = 0",
            "the gradient from one step at alpha = 1, num_iters = 1 on a copy", {
                "1/m missing": ("(alpha / m) * (X.T", "alpha * (X.T", "dW", "a factor m = 64: the 1/m is missing"),
                "cost without the 1/2": ("/ (2 * m)", "/ m", "J", "a constant factor 2")}),
    "ex1_multi": (EX1_MULTI, "ng_ex1_multi", "linear_regression (inferred from the ng_ex1_multi form; lam = 0",
                  "read as Ng ex1's computeCostMulti and gradientDescentMulti", {
                      "not a simultaneous update": (
                          "theta -= alpha / m * (X.T @ (X @ theta - y))     # in place, as many ports do",
                          "for j in range(theta.size):     # theta[0] is new when theta[1] is updated\n"
                          "            theta[j] = theta[j] - alpha / m * np.sum((X @ theta - y) * X[:, j])",
                          "dW", "values differ")}),
    "ex5": (EX5, "ng_ex5", "linear_regression (inferred from the ng_ex5 form)",
            "read as Ng ex5's linearRegCostFunction(X, y, theta, lambda_)", {
                "theta[0] regularised": ("grad[1:] = grad[1:] + (lambda_ / m) * theta[1:]",
                                         "grad = grad + (lambda_ / m) * theta", "db",
                                         "lambda/m * b added: the bias regularised?")}),
    "dlai": (DLAI, "dlai_propagate", "logistic_regression (inferred from the dlai_propagate form; lam = 0",
             "w (30, 1) is W's transpose, b a float", {
                 "db a vector": ("db = np.sum(A - Y) / m", "db = (A - Y) / m", "db", "(1, 64) where (1, 1) expected"),
                 "dw without 1/m": ("dw = np.dot(X, (A - Y).T) / m", "dw = np.dot(X, (A - Y).T)", "dW",
                                    "a factor m = 64: the 1/m is missing")}),
}
MISTAKES = [(course, mistake) for course, (*_, mistakes) in COURSES.items() for mistake in mistakes]
QUICK = dict(isolate=False, against=("torch",))


def planted(course, mistake):
    source, *_, mistakes = COURSES[course]
    old, new, *_ = mistakes[mistake]
    assert old in source, (course, mistake)
    return source.replace(old, new, 1)


# --- in process ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("course", COURSES)
def test_each_course_file_is_read_by_its_form_with_its_model_and_agrees(tmp_path, course):
    source, form, model, reading, _ = COURSES[course]
    result = verify(write(tmp_path, source), **QUICK)
    text = result.render()
    assert result.outcome.form == form and result.exit_status == 0, text
    assert f"as model {model}" in text and reading in result.outcome.reading
    assert [c.name for c in result.cases] == ["typical", "large-logits", "one-example"]   # Y (1, m): no class-missing


@pytest.mark.parametrize("course, mistake", MISTAKES)
def test_each_classic_mistake_is_found_and_diagnosed(tmp_path, course, mistake):
    *_, mistakes = COURSES[course]
    quantity, words = mistakes[mistake][2:]
    result = verify(write(tmp_path, planted(course, mistake)), **QUICK)
    verdict = result.render().strip().splitlines()[-1]
    assert result.exit_status == 1
    assert f"First wrong: {quantity} on the typical batch" in verdict and words in verdict, verdict


def test_the_model_is_inferred_from_the_code_without_running_it(tmp_path):
    path = write(tmp_path, EX2 + "\nraise SystemExit('ran at import')\n")
    functions, named = defined(path)
    assert functions["costFunction"] == ["theta", "X", "y"] and named is None
    model, how = chosen_model(path)
    assert (model.name, model.config, how) == ("logistic_regression", {"lam": 0.0}, "inferred from the ng_ex2 form; "
                                               "lam = 0: the ng_ex2 form has no regularisation")
    assert catalogue.get("logistic_regression").config == {"lam": 1.0}     # the catalogue's entry is unchanged
    assert chosen_model(write(tmp_path, "def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y): pass\n", "t.py"))[0] \
        is catalogue.get("seed_net")
    assert chosen_model(write(tmp_path, "x = 1\n", "nothing.py"))[0] is catalogue.get("seed_net")


def test_a_notebook_infers_its_model_from_its_cells_without_running_them(tmp_path):
    cells = ("!pip install numpy\n" + STABLE, EX2.split("\n\n\nif __name__")[0].replace(STABLE, ""),
             "data = np.loadtxt('ex2data1.txt', delimiter=',')\ncostFunction(np.zeros(3), data, data)\n")
    path = write(tmp_path, as_notebook(*cells, title="Logistic regression"), "ex2.ipynb")
    assert chosen_model(path)[0].config == {"lam": 0.0}
    result = verify(path, **QUICK)
    assert result.outcome.form == "ng_ex2" and result.exit_status == 0, result.render()


def test_a_function_given_from_python_infers_its_form_by_its_parameters():
    namespace = {}
    exec(compile(DLAI, "dlai.py", "exec"), namespace)
    result = verify(namespace["propagate"], **QUICK)
    assert result.outcome.form == "dlai_propagate" and result.exit_status == 0
    assert result.model.startswith("logistic_regression (inferred from the dlai_propagate form")


def test_a_named_function_is_read_by_its_parameters(tmp_path):
    path = write(tmp_path, EX2_REG.replace("def costFunctionReg", "def cost_reg"))
    assert inferred(*defined(path + ":cost_reg")).name == "ng_ex2_reg"
    result = verify(path + ":cost_reg", **QUICK)
    assert result.outcome.form == "ng_ex2_reg" and result.exit_status == 0


def test_model_overrides_and_a_model_the_form_cannot_read_is_one_message(tmp_path):
    path = write(tmp_path, EX2)
    named = verify(path, model="logistic_regression", **QUICK)     # named: the form's lam = 0 still applies
    assert named.exit_status == 0 and "as model logistic_regression (lam = 0: the ng_ex2 form" in named.render()
    with pytest.raises(CannotVerify) as error:
        verify(path, model="seed_net", **QUICK)
    assert "is logistic regression; model seed_net is not: use --model logistic_regression" in str(error.value)


def test_the_courses_own_log_h_cost_is_non_finite_on_the_large_logits_batch(tmp_path):
    naive = EX2.replace("J = np.sum(log_loss(z, y)) / m",
                        "h = sigmoid(z)\n    J = -(y.dot(np.log(h)) + (1 - y).dot(np.log(1 - h))) / m")
    result = verify(write(tmp_path, naive), **QUICK)
    verdict = result.render().strip().splitlines()[-1]
    # issue 11: a right derivation whose loss is not robust; the line and operation that made the NaN
    assert result.exit_status == 1 and result.derivation_agrees
    assert verdict.startswith("VERDICT: your derivation agrees on the typical batch")
    assert "robustness: on the large-logits batch J (NON-FINITE)" in verdict and "log of 0 at mine.py:" in verdict


def test_the_forms_are_tried_after_the_tutorial_and_before_the_contract_and_listed():
    names = [f.name for f in DETECTED]
    assert names[0] == "tutorial" and names[-1] == "contract" and tuple(f for f in DETECTED if f in FORMS) == FORMS
    text = " ".join(describe(300).split())
    for form in FORMS:
        assert f"{form.name} ({form.whose})" in text and form.signature in text
    assert "logistic_regression (default logistic_regression at lam = 0; --model NAME chooses)" in text


# --- through the command line, as a new user runs it ----------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("course", COURSES)
def test_each_course_file_verifies_from_the_command_line(tmp_path, capsys, course):
    source, form, model, reading, _ = COURSES[course]
    status, out, err = run_cli(capsys, "verify", write(tmp_path, source))
    assert status == 0, out + err
    assert "VERDICT: agrees" in out and f"{form} form" in out and f"as model {model}" in out
    assert reading.lower() in " ".join(out.split()).lower()    # the output says "- Read as ..."


@pytest.mark.slow
@pytest.mark.parametrize("course, mistake", MISTAKES)
def test_each_classic_mistake_exits_1_from_the_command_line(tmp_path, capsys, course, mistake):
    *_, mistakes = COURSES[course]
    quantity, words = mistakes[mistake][2:]
    status, out, err = run_cli(capsys, "verify", write(tmp_path, planted(course, mistake)))
    verdict = out.strip().splitlines()[-1]
    assert status == 1, out + err
    assert f"First wrong: {quantity} on the typical batch" in verdict and words in verdict, verdict


@pytest.mark.slow
def test_model_from_the_command_line_overrides_the_inferred_one(tmp_path, capsys):
    path = write(tmp_path, EX1)
    status, out, err = run_cli(capsys, "verify", path, "--model", "seed_net")
    assert status == 2 and out == ""
    assert "is linear regression; model seed_net is not: use --model linear_regression" in err
