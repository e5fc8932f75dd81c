"""deeplearning.ai's network forms (``comparisons.forms.dlai``) and the catalogue models they read:
course 1's L_model_forward/compute_cost/L_model_backward at any depth (dlai_deep, 64-20-7-5-1 on the
digits 0-4 or not) and course 2's forward_propagation_n/backward_propagation_n (dlai_gradcheck, 4-5-3-1
on iris virginica or not).

Each form has a right file, written in the course's published style from its signatures, and one file
per classic mistake, including course 2's own planted bugs (dW2 doubled, db1 with 4/m), written here
our own way. Through the command line with no flag but the file, as a new user runs it (``slow``: a
Python start per run); the same files load here (``isolate=False``) for the quick checks.

The right files start the output layer's backward from dZL = AL - Y (what the course's dAL times the
sigmoid's derivative simplifies to) and course 2's cost from Z3 (``np.logaddexp``): the course's own
dAL = -(Y/AL - (1-Y)/(1-AL)) and -log(A3) are NON-FINITE on the large-logits batch, which
``test_the_courses_own_...`` record.
"""


import numpy as np
import pytest

from comparisons import catalogue, data
from comparisons.forms import DETECTED, dlai, describe, inferred
from comparisons.verify import CannotVerify, verify
from comparisons.verify.api import chosen_model, defined
from tests.user_files import as_notebook, run_cli, write

HELPERS = '''\
import numpy as np


def sigmoid(Z):
    A = 1 / (1 + np.exp(-Z))
    cache = Z
    return A, cache


def relu(Z):
    A = np.maximum(0, Z)
    cache = Z
    return A, cache


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def sigmoid_backward(dA, cache):
    Z = cache
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)
'''

FORWARD = '''

def linear_forward(A, W, b):
    Z = W.dot(A) + b
    cache = (A, W, b)
    return Z, cache


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A, activation_cache = sigmoid(Z)
    elif activation == "relu":
        A, activation_cache = relu(Z)
    cache = (linear_cache, activation_cache)
    return A, cache


def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
    cost = np.squeeze(cost)
    return cost
'''

BACKWARD = '''

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    elif activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache)
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)

    # the sigmoid layer: dAL times sigmoid'(ZL) is AL - Y, which stays finite where AL rounds to 0 or 1
    linear_cache, activation_cache = caches[L - 1]
    dZL = AL - Y
    dA_prev_temp, dW_temp, db_temp = linear_backward(dZL, linear_cache)
    grads["dA" + str(L - 1)] = dA_prev_temp
    grads["dW" + str(L)] = dW_temp
    grads["db" + str(L)] = db_temp

    # from l = L-2 down to 0: the ReLU layers
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 1)], current_cache, "relu")
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads
'''

DEEP = HELPERS + FORWARD + BACKWARD

# the course's earlier notebooks keyed dA one layer up: grads["dA" + str(l)] held dA_(l-1)
EARLIER_KEYS = DEEP.replace('grads["dA" + str(L - 1)] = dA_prev_temp', 'grads["dA" + str(L)] = dA_prev_temp') \
    .replace('backward(grads["dA" + str(l + 1)]', 'backward(grads["dA" + str(l + 2)]') \
    .replace('grads["dA" + str(l)] = dA_prev_temp', 'grads["dA" + str(l + 1)] = dA_prev_temp')

GRADCHECK = '''\
import numpy as np


def relu(x):
    return np.maximum(0, x)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def forward_propagation_n(X, Y, parameters):
    m = X.shape[1]
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    W3 = parameters["W3"]
    b3 = parameters["b3"]

    # LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)

    # -Y log(A3) - (1 - Y) log(1 - A3), written from Z3 so that it stays finite where A3 rounds to 0 or 1
    logprobs = Y * np.logaddexp(0, -Z3) + (1 - Y) * np.logaddexp(0, Z3)
    cost = np.sum(logprobs) / m

    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return cost, cache


def backward_propagation_n(X, Y, cache):
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y
    dW3 = np.dot(dZ3, A2.T) / m
    db3 = np.sum(dZ3, axis=1, keepdims=True) / m

    dA2 = np.dot(W3.T, dZ3)
    dZ2 = dA2 * (A2 > 0)
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m

    dA1 = np.dot(W2.T, dZ2)
    dZ1 = dA1 * (A1 > 0)
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m

    gradients = {"dZ3": dZ3, "dW3": dW3, "db3": db3,
                 "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
                 "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
    return gradients
'''

# name: (source, form, model, how it was read, {mistake: (old, new, first wrong quantity, words)})
COURSES = {
    "deep": (DEEP, "dlai_L_model", "dlai_deep (inferred from the dlai_L_model form; lam = 0",
             "grads['dA' + str(l)] read as dA_l, the course's keys dA3 .. dA0", {
                 "dAL with the wrong sign": ("dZL = AL - Y", "dZL = Y - AL", "dW4", "sign flipped"),
                 "dW without its 1/m": ("dW = np.dot(dZ, A_prev.T) / m", "dW = np.dot(dZ, A_prev.T)", "dW4",
                                        "a factor m = 64: the 1/m is missing"),
                 "ReLU's value for its derivative": ("dZ[Z <= 0] = 0", "dZ = dZ * np.maximum(0, Z)", "dW3",
                                                     "values differ"),
                 "the sigmoid's derivative in the ReLU layers": (
                     'current_cache, "relu")', 'current_cache, "sigmoid")', "dW3", "values differ"),
                 "caches[0] never visited": ("for l in reversed(range(L - 1)):",
                                             "for l in reversed(range(1, L - 1)):", "dW1",
                                             "not returned: the backward pass must return dW1"),
                 "cost without its minus sign": ("cost = -np.sum(", "cost = np.sum(", "J", "sign flipped")}),
    "deep, earlier keys": (EARLIER_KEYS, "dlai_L_model", "dlai_deep (inferred from the dlai_L_model form",
                           "grads['dA' + str(l)] read as dA_(l-1), the course's earlier keys dA1 .. dA4", {}),
    "gradient check": (GRADCHECK, "dlai_gradient_check", "dlai_gradcheck (inferred from the dlai_gradient_check "
                       "form; lam = 0", "read as deeplearning.ai course 2's forward_propagation_n/"
                       "backward_propagation_n: X columns are examples", {
                           "dW2 doubled (the course's planted bug)": (
                               "dW2 = np.dot(dZ2, A1.T) / m", "dW2 = 2 * np.dot(dZ2, A1.T) / m", "dW2",
                               "a constant factor 2"),
                           "db1 with 4/m (the course's planted bug)": (
                               "db1 = np.sum(dZ1, axis=1, keepdims=True) / m",
                               "db1 = 4 * np.sum(dZ1, axis=1, keepdims=True) / m", "db1", "a constant factor 4"),
                           "a ReLU mask that is always on": ("dZ2 = dA2 * (A2 > 0)", "dZ2 = dA2 * (A2 >= 0)", "dZ2",
                                                             "the ReLU derivative (A2 > 0) is missing from dZ2"),
                           "cost summed, not averaged": ("cost = np.sum(logprobs) / m", "cost = np.sum(logprobs)",
                                                         "J", "a factor m = 64: summed over the examples")}),
}
MISTAKES = [(course, mistake) for course, (*_, mistakes) in COURSES.items() for mistake in mistakes]
QUICK = dict(isolate=False, against=("torch",))


def planted(course, mistake):
    source, *_, mistakes = COURSES[course]
    old, new, *_ = mistakes[mistake]
    assert source.count(old) == 1, (course, mistake)
    return source.replace(old, new)


NOTEBOOK_CELLS = ("import numpy as np\nimport h5py\nimport matplotlib.pyplot as plt\nfrom testCases import *\n"
                  "%matplotlib inline\n%load_ext autoreload\n%autoreload 2\nnp.random.seed(1)\n",
                  HELPERS.replace("import numpy as np\n", ""), FORWARD,
                  "t_X, t_parameters = L_model_forward_test_case_2hidden()\nt_AL, t_caches = L_model_forward(t_X, "
                  "t_parameters)\nprint('AL = ' + str(t_AL))\n", BACKWARD,
                  "t_AL, t_Y, t_caches = L_model_backward_test_case()\ngrads = L_model_backward(t_AL, t_Y, t_caches)\n"
                  "print_grads(grads)\n")


# --- the catalogue's models and data -----------------------------------------------------------------------


@pytest.mark.parametrize("name, sizes, make, n", [("dlai_deep", (64, 20, 7, 5, 1), data.digits_64_binary, 1797),
                                                  ("dlai_gradcheck", (4, 5, 3, 1), data.iris_binary, 150)])
def test_the_networks_are_relu_sigmoid_mlps_without_penalty_on_binary_built_in_data(name, sizes, make, n):
    model = catalogue.get(name)
    config = model.manual.config
    assert (model.module, config.sizes, config.output, config.loss) == ("mlp", sizes, "sigmoid",
                                                                        "binary_cross_entropy")
    assert set(config.activations) == {"relu"} and config.coefficient(64) == 0 and "lam" not in model.config
    d = make(None, 0)
    assert d.X.shape == (sizes[0], n) and d.Y.shape == (1, n) and model.data is make
    assert set(np.unique(d.Y)) == {0.0, 1.0} and 0.2 < d.Y.mean() < 0.8        # both labels, neither rare
    assert all(np.all(p != 0) for p in model.init_params(0).values())


def test_the_binary_labels_are_the_ones_the_descriptions_name():
    from sklearn.datasets import load_digits, load_iris

    digits, d = load_digits(), data.digits_64_binary(None, 0)
    column = {tuple(x): y for x, y in zip(digits.data / 16.0, digits.target)}
    assert all((column[tuple(x)] < 5) == y for x, y in zip(d.X.T[:50], d.Y[0, :50]))
    assert "label 1 for the digits 0-4, 0 for 5-9" in d.description
    iris, d = load_iris(), data.iris_binary(None, 0)
    assert d.Y.sum() == (iris.target == 2).sum() == 50 and "label 1 Iris virginica" in d.description
    np.testing.assert_allclose(d.X.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(d.X.std(axis=1), 1)


# --- in process ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("course", COURSES)
def test_each_course_file_is_read_by_its_form_with_its_model_and_agrees(tmp_path, course):
    source, form, model, reading, _ = COURSES[course]
    result = verify(write(tmp_path, source), **QUICK)
    text = result.render()
    assert result.outcome.form == form and result.exit_status == 0, text
    assert f"as model {model}" in text and reading in result.outcome.reading
    assert [c.name for c in result.cases] == ["typical", "large-logits", "one-example"]   # Y (1, m): no class-missing


def test_the_deep_form_checks_the_output_every_dW_db_and_dA_but_not_x_gradient(tmp_path):
    result = verify(write(tmp_path, DEEP), **QUICK)
    typical = result.table[result.table["case"] == "typical"]
    assert list(typical["quantity"]) == ["A4", "J", "dW4", "db4", "dA3", "dW3", "db3", "dA2", "dW2", "db2", "dA1",
                                         "dW1", "db1"]
    assert "dA0, X's gradient, not compared" in result.outcome.reading
    # compute_cost(AL, Y) where AL rounds to 0 or 1: no cost can be read from AL, and the reading says so
    large = result.table[result.table["case"] == "large-logits"]
    assert "J" not in set(large["quantity"]) and "dW4" in set(large["quantity"])
    assert "compute_cost not compared on the large-logits batch: AL is 0 or 1 there" in result.outcome.reading


def test_the_gradient_check_form_compares_every_intermediate_it_returns(tmp_path):
    result = verify(write(tmp_path, GRADCHECK), **QUICK)
    typical = result.table[result.table["case"] == "typical"]
    assert list(typical["quantity"]) == ["J", "dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1",
                                         "db1"]
    assert set(typical["verdict"]) == {"agree"}


@pytest.mark.parametrize("course, mistake", MISTAKES)
def test_each_classic_mistake_is_found_and_diagnosed(tmp_path, course, mistake):
    *_, mistakes = COURSES[course]
    quantity, words = mistakes[mistake][2:]
    result = verify(write(tmp_path, planted(course, mistake)), **QUICK)
    verdict = result.render().strip().splitlines()[-1]
    assert result.exit_status == 1
    assert f"First wrong: {quantity} on the typical batch" in verdict and words in verdict, verdict


def test_the_courses_own_dAL_is_non_finite_on_the_large_logits_batch(tmp_path):
    """The course's dAL = -(Y/AL - (1-Y)/(1-AL)) through sigmoid_backward: right on the typical batch, a
    division by zero where AL rounds to 0 or 1: a robustness finding, the derivation agrees (issue 11)."""
    course = DEEP.replace("dZL = AL - Y\n    dA_prev_temp, dW_temp, db_temp = linear_backward(dZL, linear_cache)",
                          "dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))\n    dA_prev_temp, dW_temp, db_temp "
                          "= linear_activation_backward(dAL, caches[L - 1], \"sigmoid\")")
    assert course != DEEP
    result = verify(write(tmp_path, course), **QUICK)
    verdict = result.render().strip().splitlines()[-1]
    assert set(result.table[result.table["case"] == "typical"]["verdict"]) == {"agree"}
    assert result.exit_status == 1 and result.derivation_agrees      # issue 11: robustness, not the derivation
    assert "robustness: on the large-logits batch dW4 (NON-FINITE)" in verdict
    assert "division by zero at mine.py:" in verdict and "np.divide(1 - Y, 1 - AL)" in verdict
    assert "(AL rounds to" in verdict and "softmax" not in verdict


def test_the_courses_own_log_cost_is_non_finite_on_the_large_logits_batch(tmp_path):
    course = GRADCHECK.replace("logprobs = Y * np.logaddexp(0, -Z3) + (1 - Y) * np.logaddexp(0, Z3)",
                               "logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)")
    assert course != GRADCHECK
    result = verify(write(tmp_path, course), **QUICK)
    verdict = result.render().strip().splitlines()[-1]
    assert result.exit_status == 1 and result.derivation_agrees      # issue 11: robustness, not the derivation
    assert "robustness: on the large-logits batch J (NON-FINITE)" in verdict and "log of 0 at mine.py:" in verdict


def test_the_model_is_inferred_from_the_code_without_running_it(tmp_path):
    for source, form, model in [(DEEP, "dlai_L_model", "dlai_deep"), (GRADCHECK, "dlai_gradient_check",
                                                                         "dlai_gradcheck")]:
        path = write(tmp_path, source + "\nraise SystemExit('ran at import')\n", f"{model}.py")
        assert inferred(*defined(path)).name == form
        chosen, how = chosen_model(path)
        assert chosen.name == model and chosen.config == {**catalogue.get(model).config, "lam": 0.0}
        assert how == f"inferred from the {form} form; lam = 0: the {form} form has no regularisation"


def test_any_depth_the_layers_are_those_of_the_model_named(tmp_path):
    """The same L_model files read course 2's 3-layer network when --model names it: the depth comes from the
    parameters handed over, never from the code."""
    result = verify(write(tmp_path, DEEP), model="dlai_gradcheck", **QUICK)
    assert result.exit_status == 0, result.render()
    assert "3 layers read from parameters W1..W3" in result.outcome.reading
    assert "the course's keys dA2 .. dA0" in result.outcome.reading
    assert list(result.table[result.table["case"] == "typical"]["quantity"])[:3] == ["A3", "J", "dW3"]
    earlier = verify(write(tmp_path, EARLIER_KEYS, "earlier.py"), model="dlai_gradcheck", **QUICK)
    assert earlier.exit_status == 0 and "earlier keys dA1 .. dA3" in earlier.outcome.reading


@pytest.mark.parametrize("source, model, expected", [
    (DEEP, "mlp_deep", "is a network with a sigmoid output; model mlp_deep is not: use --model dlai_deep"),
    (DEEP, "logistic_regression", "model logistic_regression is not: use --model dlai_deep"),
    (GRADCHECK, "dlai_deep", "is a network of 3 layers with a sigmoid output; model dlai_deep is not: use --model "
                             "dlai_gradcheck")])
def test_a_model_the_form_cannot_read_is_one_message(tmp_path, source, model, expected):
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, source), model=model, **QUICK)
    assert expected in str(error.value)


@pytest.mark.parametrize("source, backward, forward", [
    (HELPERS + BACKWARD, "L_model_backward", "L_model_forward(X, parameters) -> (AL, caches)"),
    (GRADCHECK.split("\n\ndef forward_propagation_n")[0] + "\n\ndef backward_propagation_n"
     + GRADCHECK.split("\n\ndef backward_propagation_n")[1], "backward_propagation_n",
     "forward_propagation_n(X, Y, parameters) -> (cost, cache)")])
def test_a_backward_without_the_forward_that_makes_its_cache_is_one_message(tmp_path, source, backward, forward):
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, source), **QUICK)
    assert f"defines {backward} but no {forward.split('(')[0]}; expected {forward}" in str(error.value)


def test_a_backward_handed_over_from_python_finds_its_forward_beside_it():
    namespace = {}
    exec(compile(DEEP, "deep.py", "exec"), namespace)
    result = verify(namespace["L_model_backward"], **QUICK)
    assert result.outcome.form == "dlai_L_model" and result.exit_status == 0
    assert result.outcome.functions == ("L_model_forward", "compute_cost", "L_model_backward")


def test_a_named_function_is_read_by_its_parameters(tmp_path):
    path = write(tmp_path, GRADCHECK.replace("def backward_propagation_n", "def backward_n"))
    assert inferred(*defined(path + ":backward_n")).name == "dlai_gradient_check"
    result = verify(path + ":backward_n", **QUICK)
    assert result.outcome.form == "dlai_gradient_check" and result.exit_status == 0


def test_other_names_are_said_with_names(tmp_path):
    source = DEEP.replace("def L_model_backward(", "def backward(").replace("def compute_cost(", "def cost(")
    result = verify(write(tmp_path, source), form="dlai_L_model",
                    names={"L_model_backward": "backward", "compute_cost": "cost"}, **QUICK)
    assert result.exit_status == 0 and result.outcome.functions == ("L_model_forward", "cost", "backward")


def test_float32_agrees_at_its_own_tolerance(tmp_path):
    for source in (DEEP, GRADCHECK):
        result = verify(write(tmp_path, source), dtype="float32", **QUICK)
        assert result.exit_status == 0 and result.dtype == "float32", result.render()


def test_a_course_notebook_verifies(tmp_path):
    result = verify(write(tmp_path, as_notebook(*NOTEBOOK_CELLS, title="Building your Deep Neural Network"), "Building_your_Deep_Neural_Network.ipynb"),
                    **QUICK)
    assert result.outcome.form == "dlai_L_model" and result.exit_status == 0, result.render()
    assert any("code cells of Building_your_Deep_Neural_Network.ipynb" in note for note in result.outcome.notes)


def test_the_forms_are_tried_in_order_and_listed():
    assert dlai.FORMS == (dlai.LModel, dlai.GradientCheck, dlai.Propagate)
    assert [f for f in DETECTED if f in dlai.FORMS] == list(dlai.FORMS)
    text = " ".join(describe(300).split())
    for form in dlai.FORMS:
        assert f"{form.name} ({form.whose})" in text and form.signature in text
    assert "dlai_deep, dlai_gradcheck (default dlai_deep at lam = 0; --model NAME chooses)" in text
    assert "dlai_gradcheck (default dlai_gradcheck at lam = 0; --model NAME chooses)" in text


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
def test_a_course_notebook_verifies_from_the_command_line(tmp_path, capsys):
    path = write(tmp_path, as_notebook(*NOTEBOOK_CELLS, title="Building your Deep Neural Network"), "Building_your_Deep_Neural_Network.ipynb")
    status, out, err = run_cli(capsys, "verify", path)
    assert status == 0, out + err
    assert "dlai_L_model form" in out and "as model dlai_deep" in out and "VERDICT: agrees" in out


@pytest.mark.slow
def test_a_model_the_form_cannot_read_from_the_command_line_exits_2(tmp_path, capsys):
    status, out, err = run_cli(capsys, "verify", write(tmp_path, GRADCHECK), "--model", "dlai_deep")
    assert status == 2 and out == ""
    assert "model dlai_deep is not: use --model dlai_gradcheck" in err
