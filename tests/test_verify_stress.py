"""The stress batches that judge robustness, each with a planted case that fails only there and the
right code that passes: large logits (the last layer's Z in the thousands, where an unguarded exp
overflows even on a linear model) and one example (m = 1, where a squeeze drops the example axis).
A stress batch never makes a right derivation wrong: the VERDICT says the derivation agrees.
"""

import numpy as np
import pytest

from comparisons import catalogue
from comparisons.verify import verify
from comparisons.verify.calls import LOGITS, make_cases
from tests.user_files import edited, write

SOFTMAX_REGRESSION = '''\
import numpy as np


def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def forward(params, X):
    Z = params["W"] @ X + params["b"]
    A = softmax(Z)
    return A, {"Z": Z, "A": A}


def loss(params, X, Y):
    Z = params["W"] @ X + params["b"]
    Zs = Z - Z.max(axis=0, keepdims=True)
    log_A = Zs - np.log(np.exp(Zs).sum(axis=0, keepdims=True))
    return -np.sum(Y * log_A) / X.shape[1]


def backward(params, cache, X, Y):
    m = X.shape[1]
    dZ = cache["A"] - Y
    dW = dZ @ X.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    return {"dW": dW, "db": db}
'''
UNGUARDED = edited(SOFTMAX_REGRESSION, "np.exp(Z - Z.max(axis=0, keepdims=True))", "np.exp(Z)")
SQUEEZED = edited(SOFTMAX_REGRESSION, 'Z = params["W"] @ X + params["b"]', 'Z = np.squeeze(params["W"] @ X + params["b"])')
CAPPED = edited(SOFTMAX_REGRESSION, """    Z = params["W"] @ X + params["b"]
    Zs = Z - Z.max(axis=0, keepdims=True)
    log_A = Zs - np.log(np.exp(Zs).sum(axis=0, keepdims=True))
    return -np.sum(Y * log_A) / X.shape[1]""", """    A, _ = forward(params, X)
    return -np.sum(Y * np.log(A + 1e-300)) / X.shape[1]""")
FAST = dict(model="softmax_regression", options=dict(lam=0.0), m=32, against=("torch",), isolate=False)


@pytest.mark.parametrize("name", list(catalogue.CATALOGUE))
def test_the_large_logits_batch_reaches_the_logits_where_exp_overflows(name):
    model = catalogue.get(name)
    case = make_cases(model, 64, 0, "float64", ["large-logits"])[0]
    _, cache = model.manual.forward(case.params, case.X)
    last = [k for k in cache if k.startswith("Z")][-1]
    assert np.max(np.abs(cache[last])) >= LOGITS
    assert f"max |{last}| = " in case.description


@pytest.mark.parametrize("name", [n for n in catalogue.CATALOGUE if catalogue.get(n).data(8, 0, "float64").Y.shape[0] > 1])
def test_the_one_example_batch_is_one_whole_one_hot_example(name):
    case = make_cases(catalogue.get(name), 64, 0, "float64", ["one-example"])[0]
    assert case.X.shape[1] == case.Y.shape[1] == 1
    if np.isin(case.Y, (0, 1)).all() and case.Y.sum() == 1:
        assert case.Y[-1, 0] == 1      # the last class: a one-hot sized by the largest label is whole


def test_an_unguarded_softmax_on_a_linear_model_overflows_at_large_logits(tmp_path):
    result = verify(write(tmp_path, UNGUARDED), **FAST)
    assert result.derivation_agrees and result.exit_status == 1
    verdict = result.verdict()
    assert verdict.startswith("VERDICT: your derivation agrees on the typical batch")
    assert "on the large-logits batch" in verdict and "overflow in exp" in verdict and "mine.py:5" in verdict


def test_a_guarded_softmax_passes_every_batch(tmp_path):
    result = verify(write(tmp_path, SOFTMAX_REGRESSION), **FAST)
    assert result.passed, result.verdict()
    assert [c.name for c in result.cases] == ["typical", "large-logits", "class-missing", "one-example"]


def test_a_log_with_an_epsilon_caps_the_loss_at_large_logits(tmp_path):
    result = verify(write(tmp_path, CAPPED), **FAST)
    assert result.derivation_agrees and result.exit_status == 1
    first = result.failures().iloc[0]
    assert (first["case"], first["quantity"], first["verdict"]) == ("large-logits", "J", "LOSS MISMATCH")


def test_a_squeeze_that_drops_the_example_axis_fails_at_one_example_only(tmp_path):
    result = verify(write(tmp_path, SQUEEZED), **FAST)
    assert result.derivation_agrees and result.exit_status == 1
    failing = set(result.failures()["case"])
    assert failing == {"one-example"}
    assert "on the one-example batch" in result.verdict()


def test_one_example_alone_is_a_case_the_command_line_takes(tmp_path, capsys):
    from tests.user_files import run_cli

    status, out, _ = run_cli(capsys, "verify", write(tmp_path, SQUEEZED), "--model", "softmax_regression",
                             "--lam", "0", "--case", "one-example", "--against", "torch", "--timeout", "60")
    assert status == 1
    assert "Batch one-example: example" in out and "(m = 1, of class 9)" in out
