"""Black-box mode from the command line: ``handgrad verify FILE --cost NAME --grad NAME --params NAME``
(``comparisons/verify/named.py``), for code no form knows.

The files are written as people write a cost and a gradient for ``scipy.optimize.check_grad`` or
``fmin_tnc``: Ng's regularised logistic regression (theta unrolled, the intercept first and
unpenalised) with the point a module-level array, and a two-layer tanh network with its parameters
in a dict made by a function of no arguments, in a script that trains at import. Right files exit 0;
one per classic mistake exits 1 naming the first wrong parameter; bad input exits 2 with one
message. Through ``main`` with a child Python for the person's code (``slow``); the same files load
here (``isolate=False``) for the quick checks.
"""

import pytest

from comparisons.agreement import AGREE, DISAGREE
from comparisons.verify import CannotVerify, verify
from tests.tutorial_code import notebook
from tests.user_files import write

LOGISTIC = '''\
import numpy as np

rng = np.random.default_rng(7)
X = np.c_[np.ones(50), rng.standard_normal((50, 3))]   # examples as rows, the intercept column first
y = (rng.random(50) > 0.4).astype(float)
lambda_ = 0.5
initial_theta = rng.standard_normal(4)


def cost(theta):
    """-y log h - (1 - y) log(1 - h), from z = X theta (finite where h rounds to 1), + lambda/(2m) |theta[1:]|^2."""
    m = y.size
    z = X @ theta
    return np.sum(np.logaddexp(0, z) - y * z) / m + lambda_ / (2 * m) * np.sum(theta[1:] ** 2)


def grad(theta):
    m = y.size
    h = 1 / (1 + np.exp(-(X @ theta)))
    g = X.T @ (h - y) / m
    g[1:] = g[1:] + lambda_ / m * theta[1:]
    return g
'''

NET = '''\
import numpy as np

rng = np.random.default_rng(3)
X = rng.standard_normal((4, 40))        # features x examples
Y = np.sin(X.sum(axis=0, keepdims=True))


def init_params():
    r = np.random.default_rng(0)
    return {"W1": r.standard_normal((6, 4)), "b1": r.standard_normal((6, 1)),
            "W2": r.standard_normal((1, 6)), "b2": r.standard_normal((1, 1))}


def cost(p):
    A1 = np.tanh(p["W1"] @ X + p["b1"])
    return np.mean((p["W2"] @ A1 + p["b2"] - Y) ** 2) / 2


def gradients(p):
    m = X.shape[1]
    A1 = np.tanh(p["W1"] @ X + p["b1"])
    dZ2 = (p["W2"] @ A1 + p["b2"] - Y) / m
    dZ1 = (p["W2"].T @ dZ2) * (1 - A1 ** 2)
    return {"dW1": dZ1 @ X.T, "db1": dZ1.sum(axis=1, keepdims=True),
            "dW2": dZ2 @ A1.T, "db2": dZ2.sum(axis=1, keepdims=True)}


params = init_params()
for i in range(100000):                 # training at import: the file is read for its definitions only
    g = gradients(params)
    params = {k: v - 0.1 * g["d" + k] for k, v in params.items()}
print("trained:", cost(params))
'''

# name -> (file, the slip planted, the parameters it makes wrong, the --grad and --params names)
MISTAKES = {
    "the intercept regularised": (LOGISTIC, ("    g[1:] = g[1:] + lambda_ / m * theta[1:]",
                                             "    g = g + lambda_ / m * theta"), ["dtheta"]),
    "1/m left out": (LOGISTIC, ("    g = X.T @ (h - y) / m", "    g = X.T @ (h - y)"), ["dtheta"]),
    "tanh's derivative left out": (NET, ("    dZ1 = (p[\"W2\"].T @ dZ2) * (1 - A1 ** 2)",
                                         "    dZ1 = p[\"W2\"].T @ dZ2"), ["dW1", "db1"]),
    "the squared error's 1/2 dropped in dW2": (NET, ("\"dW2\": dZ2 @ A1.T", "\"dW2\": 2 * dZ2 @ A1.T"), ["dW2"]),
}
NAMES = {LOGISTIC: ["--cost", "cost", "--grad", "grad", "--params", "initial_theta"],
         NET: ["--cost", "cost", "--grad", "gradients", "--params", "init_params"]}


def planted(mistake):
    source, (old, new), _ = MISTAKES[mistake]
    assert old in source, mistake
    return source.replace(old, new, 1)


def here(path, source):
    """verify in this process, with the names the command line would pass."""
    names = dict(zip(NAMES[source][::2], NAMES[source][1::2]))
    return verify(path, cost=names["--cost"], grad=names["--grad"], params=names["--params"], isolate=False)


# --- in process ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("source, quantities", [(LOGISTIC, ["J", "dtheta"]),
                                                (NET, ["J", "dW1", "db1", "dW2", "db2", "all parameters (unrolled)"])])
def test_a_right_gradient_named_in_a_file_agrees(tmp_path, source, quantities):
    result = here(write(tmp_path, source), source)
    assert result.exit_status == 0, result.render()
    # the whole-vector row (several arrays only) carries scores, not a verdict of its own
    assert list(result.table["quantity"]) == quantities and set(result.table["verdict"]) - {""} == {AGREE}
    assert "- Checked: " in result.render() and result.verdict == "VERDICT: your gradient agrees with the numerical witness."


def test_a_script_that_trains_at_import_is_read_for_its_definitions(tmp_path):
    result = here(write(tmp_path, NET), NET)
    assert result.notes and result.notes[0].startswith("loaded the definitions only: the file")
    assert "- Checked: " in result.render() and ": cost and gradients at init_params." in result.render()


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_names_the_parameters_it_makes_wrong(tmp_path, mistake):
    source, _, wrong = MISTAKES[mistake]
    result = here(write(tmp_path, planted(mistake)), source)
    assert result.exit_status == 1
    verdicts = result.table.set_index("quantity")["verdict"]
    assert [q for q in verdicts.index if verdicts[q] == DISAGREE] == wrong
    assert result.verdict.startswith(f"VERDICT: your gradient disagrees with the numerical witness: {', '.join(wrong)}")


@pytest.mark.parametrize("edit, names, message", [
    (None, dict(cost="costFunction"), r"mine.py defines no costFunction \(--cost\); expected a function "
                                      r"cost\(params\) -> J, a number \(it defines: cost, grad\)"),
    (None, dict(params="theta"), r"mine.py defines no theta \(--params\); expected the point"),
    (None, dict(grad="lambda_"), r"lambda_ \(--grad\) in \S*mine.py is float; expected a function grad\(params\)"),
    (None, dict(cost="initial_theta"), r"initial_theta \(--cost\) in \S*mine.py is ndarray; expected a function"),
    (None, dict(params="cost"), r"cost \(--params\) is a function of theta; expected the point"),
    ("initial_theta = ['a', 'b', 'c', 'd']", {}, r"initial_theta \(--params\) is list; expected an array of numbers"),
    ("initial_theta = np.array([1.0, np.nan, 0, 0])", {}, r"initial_theta \(--params\) holds NaN or inf"),
    ("initial_theta = np.ones(3)", {}, r"shapes \(50,4\) and \(3,\) not aligned|matmul"),
    ("def grad(theta):\n    return np.zeros(3)\n", {}, r"grad\(theta\) has shape \(3,\); expected \(4,\)"),
    ("def cost(theta):\n    return np.log(-1 + 'a')\n", {},
     r"cost\(params\) \(--cost\) raised (UFuncTypeError|TypeError|numpy.*): .* at or near initial_theta; expected a "
     r"function cost\(params\) -> J, a number\n.*mine.py"),
])
def test_bad_input_is_one_clear_message(tmp_path, edit, names, message):
    source = LOGISTIC + ("\n\n" + edit + "\n" if edit else "")
    chosen = {**dict(cost="cost", grad="grad", params="initial_theta"), **names}
    with pytest.raises(CannotVerify, match=message):
        verify(write(tmp_path, source), **chosen, isolate=False)


@pytest.mark.parametrize("argv, message", [
    (["--cost", "cost", "--grad", "grad"], "black-box mode takes --cost, --grad and --params together; missing "
                                           "--params"),
    (["--cost", "cost", "--grad", "grad", "--params", "t", "--model", "svm"], "--model does not apply to black-box"),
    (["--cost", "cost", "--grad", "grad", "--params", "t", "--lam", "1"], "--lam does not apply to black-box"),
    (["--cost", "cost", "--grad", "grad", "--params", "t", "--form", "ng_ex2"], "--form does not apply"),
    (["--cost", "cost", "--grad", "grad", "--params", "t", "--dtype", "float32"], "--dtype does not apply"),
])
def test_options_that_do_not_go_together_are_one_message(handgrad, tmp_path, argv, message):
    status, out, err = handgrad("verify", write(tmp_path, LOGISTIC), *argv)
    assert status == 2 and out == "" and len(err.strip().splitlines()) == 1 and message in err, err


def test_verify_help_documents_black_box_mode_with_an_example(handgrad):
    status, out, _ = handgrad("verify", "--help")
    assert status == 0
    assert "--cost NAME" in out and "--grad NAME" in out and "--params NAME" in out
    assert "handgrad verify costs.py --cost cost --grad grad --params theta0" in out


# --- through the command line, as a person runs it (a child Python for their code) --------------------------


@pytest.mark.slow
@pytest.mark.parametrize("source", [LOGISTIC, NET])
def test_a_right_file_exits_0_from_the_command_line(handgrad, tmp_path, source):
    status, out, err = handgrad("verify", write(tmp_path, source), *NAMES[source])
    assert status == 0, out + err
    assert out.startswith("handgrad black-box check: your gradient against the numerical witness\n- Checked: ")
    assert "Every convention's score" in out and "cs231n_pass" in out and "ng_pass" in out
    assert out.rstrip().endswith("VERDICT: your gradient agrees with the numerical witness.")


@pytest.mark.slow
@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_wrong_file_exits_1_naming_the_first_wrong_parameter(handgrad, tmp_path, mistake):
    source, _, wrong = MISTAKES[mistake]
    status, out, err = handgrad("verify", write(tmp_path, planted(mistake)), *NAMES[source])
    assert status == 1, out + err
    assert f"First wrong line in backward order: {wrong[0]} " in out
    assert out.rstrip().splitlines()[-1].startswith(
        f"VERDICT: your gradient disagrees with the numerical witness: {', '.join(wrong)}")


@pytest.mark.slow
def test_a_notebook_is_read_for_its_cells(handgrad, tmp_path):
    cells = [LOGISTIC.split("\n\n\ndef cost")[0], "def cost" + LOGISTIC.split("\n\n\ndef cost")[1],
             "%matplotlib inline\nimport scipy.optimize as opt\nprint(cost(initial_theta))"]
    status, out, err = handgrad("verify", write(tmp_path, notebook(cells), "ex2.ipynb"), *NAMES[LOGISTIC])
    assert status == 0, out + err
    assert "- Read: read 3 code cells of ex2.ipynb" in out


@pytest.mark.slow
def test_a_cost_that_hangs_is_ended_by_the_timeout(handgrad, tmp_path):
    source = LOGISTIC + "\n\ndef slow_cost(theta):\n    while True:\n        pass\n"
    status, out, err = handgrad("verify", write(tmp_path, source), "--cost", "slow_cost", "--grad", "grad",
                                "--params", "initial_theta", "--timeout", "2")
    assert status == 2 and out == ""
    assert ("handgrad verify: could not check " in err and "stopped after 2 s (--timeout 2) while running "
            "slow_cost(params): an endless loop?" in err), err


@pytest.mark.slow
def test_a_name_the_file_lacks_exits_2(handgrad, tmp_path):
    status, out, err = handgrad("verify", write(tmp_path, NET), "--cost", "cost", "--grad", "grad",
                                "--params", "init_params")
    assert status == 2 and out == ""
    assert "defines no grad (--grad); expected a function grad(params) -> dJ/dparams, shaped as params" in err
    assert "(loaded the definitions only: the file" in err     # how the file was read, since it matters here
