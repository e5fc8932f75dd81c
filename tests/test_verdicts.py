"""Verdicts that separate the derivation from robustness, and where a NaN or inf first appears (issue 11,
items 3 and 4's first bullet).

The typical batch judges the derivation; the stress batches (large-logits, class-missing) judge the
code's robustness. A right derivation whose code breaks only on a stress batch exits 1 with a verdict
that says the derivation agrees and what broke; a NaN or inf is traced to the person's line and the
operation that made it (log of 0, division by zero, overflow in exp), by running that batch again under
NumPy's floating-point handling (``comparisons/verify/floating.py``).

Files are written as people write them: the project's contract (a 2-layer softmax network), the seed
tutorial's (``tests.tutorial_code``) and Ng ex2's costFunction, each with one planted change. The
command line runs them in a child process (``slow``); the same files load here (``isolate=False``).
"""

import numpy as np
import pytest

from comparisons.verify import verify
from comparisons.verify.floating import Watch, holds_non_finite
from tests.tutorial_code import SLIPS, TUTORIAL, variant
from tests.user_files import edited, run_cli, write

QUICK = dict(m=16, against=("torch",), isolate=False)

# the project's contract, right: the softmax shifted by its maximum, but the loss takes log(A2), which is
# 0 at large logits (a right derivation whose code is not robust)
LOG_A2 = '''\
import numpy as np


def forward(params, X):
    Z1 = params["W1"] @ X + params["b1"]
    A1 = np.maximum(Z1, 0)
    Z2 = params["W2"] @ A1 + params["b2"]
    E = np.exp(Z2 - Z2.max(axis=0, keepdims=True))
    A2 = E / E.sum(axis=0, keepdims=True)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def loss(params, X, Y):
    A2, _ = forward(params, X)
    m = X.shape[1]
    return -np.sum(Y * np.log(A2)) / m


def backward(params, cache, X, Y):
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dW2 = dZ2 @ cache["A1"].T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dZ1 = (params["W2"].T @ dZ2) * (cache["Z1"] > 0)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
'''

# Ng ex2's costFunction with the gradient by the chain rule through h: dJ/dh = -y/h + (1-y)/(1-h), right
# while h is strictly between 0 and 1, a division by zero where sigmoid(z) rounds to 1
EX2_CHAIN = '''\
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def costFunction(theta, X, y):
    m = y.size
    z = X.dot(theta)
    J = np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)) / m
    h = sigmoid(z)
    dJ_dh = -y / h + (1 - y) / (1 - h)
    grad = X.T.dot(dJ_dh * h * (1 - h)) / m
    return J, grad
'''

EX2_SIMPLE = edited(EX2_CHAIN, "    dJ_dh = -y / h + (1 - y) / (1 - h)\n    grad = X.T.dot(dJ_dh * h * (1 - h)) / m",
                    "    grad = X.T.dot(h - y) / m")

SOFTMAX_UNSHIFTED = variant(*SLIPS["softmax without the maximum"])
ONE_HOT_BY_LARGEST = variant(*SLIPS["one-hot by the largest label"])
GLOBAL_M = "m = 42_000\n" + variant(*SLIPS["global m"])
NAN_WRITTEN = edited(TUTORIAL, "    return dW1, db1, dW2, db2", "    dW1[0, 0] = np.nan\n    return dW1, db1, dW2, db2")


def line_of(source, text):
    """The 1-based line of ``source`` holding ``text``."""
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


def verdict_of(result):
    return result.render().strip().splitlines()[-1]


# --- Stress batches judge robustness, the typical batch the derivation ----------------------------------


@pytest.mark.parametrize("source, batch, quantity, words", [
    (LOG_A2, "large-logits", "J", f"NaN: log of 0 at mine.py:{line_of(LOG_A2, 'np.log(A2)')} "
                                  f"`return -np.sum(Y * np.log(A2)) / m` (A2 rounds to 0 in"),
    (EX2_CHAIN, "large-logits", "dW", f"division by zero at mine.py:{line_of(EX2_CHAIN, 'dJ_dh =')} "
                                      f"`dJ_dh = -y / h + (1 - y) / (1 - h)` (h rounds to "),
    (SOFTMAX_UNSHIFTED, "large-logits", "A2", f"overflow in exp at mine.py:{line_of(SOFTMAX_UNSHIFTED, 'np.exp(Z)')} "
                                              f"`E = np.exp(Z)`, then invalid value in divide"),
    (ONE_HOT_BY_LARGEST, "class-missing", "backward_prop", "one-hot sized by the largest label seen"),
])
def test_a_right_derivation_broken_only_by_a_stress_batch_is_said_to_agree(tmp_path, source, batch, quantity, words):
    result = verify(write(tmp_path, source), **QUICK)
    verdict = verdict_of(result)
    assert result.exit_status == 1 and not result.passed and result.derivation_agrees
    assert verdict.startswith("VERDICT: your derivation agrees on the typical batch (every quantity matches torch); "
                              f"robustness: on the {batch} batch {quantity} ("), verdict
    assert words in verdict and "disagrees" not in verdict
    assert "- The typical batch judges the derivation (yours agrees)" in result.notes()


def test_the_softmax_is_blamed_only_where_a_softmax_made_the_nan(tmp_path):
    advice = "a softmax must subtract the column maximum first"
    assert advice in verdict_of(verify(write(tmp_path, SOFTMAX_UNSHIFTED), **QUICK))
    for source in (LOG_A2, EX2_CHAIN):     # log of 0, a division by zero: no softmax to blame
        assert advice not in verdict_of(verify(write(tmp_path, source), **QUICK))


def test_a_wrong_derivation_is_said_as_before_with_the_stress_findings_after_it(tmp_path):
    result = verify(write(tmp_path, GLOBAL_M), **QUICK)
    verdict = verdict_of(result)
    assert result.exit_status == 1 and result.derivation_agrees is False
    assert verdict.startswith("VERDICT: disagrees in ")
    assert "First wrong: dW2 on the typical batch (DISAGREE)" in verdict
    assert "the m used (42000) is not the batch size (16)" in verdict
    # the typical batch's mistake, not a robustness finding: no stress batch fails another way here
    assert "robustness" not in verdict
    assert "- The typical batch judges the derivation (yours disagrees)" in result.notes()


def test_a_finite_disagreement_gets_no_nan_diagnosis_and_no_rerun(tmp_path):
    result = verify(write(tmp_path, GLOBAL_M), **QUICK)
    wrong = result.failures()
    assert not wrong.empty and all(r.origin is None for r in result.outcome.runs.values())
    for text in ("NaN", "inf", "log of 0", "division by zero", "overflow", "floating-point", "softmax"):
        assert not wrong["diagnosis"].str.contains(text, regex=False).any(), text


def test_a_nan_written_in_is_said_as_such(tmp_path):
    result = verify(write(tmp_path, NAN_WRITTEN), **QUICK)
    first = result.first_wrong
    assert result.derivation_agrees is False and (first["case"], first["quantity"]) == ("typical", "dW1")
    assert first["diagnosis"] == ("1 of 7840 values are NaN: no floating-point event made it: backward_prop "
                                  "returned it as written (np.nan, np.inf?) or made it outside NumPy")


def test_an_overflow_absorbed_is_no_finding(tmp_path):
    """1 / (1 + np.exp(-z)) overflows at large negative z and rightly gives 0: the code agrees everywhere."""
    result = verify(write(tmp_path, EX2_SIMPLE), **QUICK)
    assert result.exit_status == 0 and result.derivation_agrees
    assert verdict_of(result).startswith("VERDICT: agrees.")


def test_the_typical_case_alone_checks_the_derivation(tmp_path):
    result = verify(write(tmp_path, LOG_A2), cases=("typical",), **QUICK)
    assert result.exit_status == 0 and result.derivation_agrees
    assert verdict_of(result).startswith("VERDICT: agrees. Every quantity matches torch on 1 batch(es) (typical)")


def test_without_the_typical_batch_the_derivation_is_not_judged(tmp_path):
    result = verify(write(tmp_path, LOG_A2), cases=("large-logits",), **QUICK)
    assert result.derivation_agrees is None and result.exit_status == 1
    assert verdict_of(result).startswith("VERDICT: disagrees in 1 row(s). First wrong: J on the large-logits batch")


# --- Where the NaN or inf first appears: the watch of NumPy's floating-point events -------------------------


def test_a_file_rewritten_at_the_same_path_is_quoted_as_it_is_now(tmp_path):
    verify(write(tmp_path, LOG_A2), **QUICK)      # its lines read once, as a notebook session would
    verdict = verdict_of(verify(write(tmp_path, EX2_CHAIN), **QUICK))
    assert f"mine.py:{line_of(EX2_CHAIN, 'dJ_dh =')} `dJ_dh = -y / h + (1 - y) / (1 - h)`" in verdict


def watched(calls):
    """``Watch.origin`` of ``calls`` ([(name, function, args)]) run as a Caller runs them."""
    watch = Watch()
    for name, fn, args in calls:
        with watch.errstate(name):
            out = fn(*args)
        watch.returned(name, out)
    return watch.origin()


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def cost(a, y):
    return -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))


def test_the_first_call_returning_a_nan_is_blamed_not_an_earlier_overflow():
    z, y = np.array([-1000.0, 0.5, 1000.0]), np.array([1.0, 0.0, 1.0])
    with np.errstate(over="ignore"):
        a = sigmoid(z)
    origin = watched([("forward", sigmoid, (z,)), ("loss", cost, (a, y))])
    assert origin.call == "loss" and [e.kind for e in origin.events] == ["divide by zero"]
    assert origin.sentence().startswith(f"log of 0 at test_verdicts.py:{cost.__code__.co_firstlineno + 1}")


@pytest.mark.parametrize("value, holds", [
    (np.ones(3), False), ((np.ones(2), {"c": [np.array([1.0, np.inf])]}), True), (float("nan"), True),
    (np.array([1, 2]), False), ("text", False), ({"J": 1.0, "grads": (np.zeros((2, 2)),)}, False),
])
def test_holds_non_finite_walks_what_functions_return(value, holds):
    assert holds_non_finite(value) is holds


# --- The command line, as a new user runs it (a child process) ----------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("source, words", [
    (LOG_A2, f"log of 0 at mine.py:{line_of(LOG_A2, 'np.log(A2)')}"),
    (EX2_CHAIN, f"division by zero at mine.py:{line_of(EX2_CHAIN, 'dJ_dh =')}"),
    (SOFTMAX_UNSHIFTED, "a softmax must subtract the column maximum first"),
])
def test_the_command_line_says_the_derivation_agrees_and_where_the_nan_appears(tmp_path, capsys, source, words):
    status, out, err = run_cli(capsys, "verify", write(tmp_path, source))
    verdict = out.strip().splitlines()[-1]
    assert status == 1, out + err
    assert verdict.startswith("VERDICT: your derivation agrees on the typical batch (every quantity matches torch, jax")
    assert "; robustness: on the large-logits batch" in verdict and words in verdict, verdict


@pytest.mark.slow
def test_case_typical_on_the_command_line_checks_the_derivation_alone(tmp_path, capsys):
    path = write(tmp_path, LOG_A2)
    status, out, err = run_cli(capsys, "verify", path, "--case", "typical")
    assert status == 0, out + err
    assert "VERDICT: agrees." in out and "large-logits" not in out


def test_the_help_says_what_exit_status_1_means_and_what_case_typical_does(capsys):
    with pytest.raises(SystemExit):
        run_cli(capsys, "verify", "--help")
    out = " ".join(capsys.readouterr().out.split())
    assert "1 a derivation disagrees or a stress batch fails, the VERDICT line says which" in out
    assert "--case typical checks the derivation alone" in out
