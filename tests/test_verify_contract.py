"""``verify`` on code written to the project's contract, and the result object of the Python API.

Code given as a path runs in a child process (``slow``: a Python start per test) only where that is
what the test is about; the rest load the same file here (``isolate=False``).
"""

import io

import numpy as np
import pandas as pd
import pytest

from comparisons.agreement import AGREE, NOT_MEASURED
from comparisons.cli import main
from comparisons.verify import CannotVerify, UserRun, verify
from comparisons.verify.verification import Verification, summarise
from manual import seed_net
from tests.tutorial_code import TUTORIAL
from tests.user_files import write

RIGHT = '''\
from manual.seed_net import backward, forward, loss
'''
FAST = dict(m=16, against=("torch", "jax"), cases=("typical",), isolate=False)


@pytest.mark.slow
def test_a_contract_module_agrees_and_names_its_functions(tmp_path):
    result = verify(write(tmp_path, RIGHT), m=16)
    assert result.passed and result.exit_status == 0
    assert result.outcome.form == "contract"
    assert result.outcome.functions == ("forward", "loss", "backward")
    assert set(result.table["quantity"]) == {"Z1", "A1", "Z2", "A2", "J", "dZ2", "dW2", "db2", "dA1", "dZ1",
                                             "dW1", "db1"}


def test_a_loss_summed_over_examples_is_a_loss_mismatch(tmp_path):
    source = RIGHT + ("import manual.seed_net as s\n\n\ndef loss(params, X, Y):\n"
                      "    return s.loss(params, X, Y) * X.shape[1]\n")
    first = verify(write(tmp_path, source), **FAST).first_wrong
    assert (first["quantity"], first["verdict"]) == ("J", "LOSS MISMATCH")
    assert "summed over the examples instead of averaged" in first["diagnosis"]


def test_a_gradient_under_the_parameters_name_is_missing(tmp_path):
    source = RIGHT + ("import manual.seed_net as s\n\n\ndef backward(params, cache, X, Y):\n"
                      "    grads = s.backward(params, cache, X, Y)\n"
                      "    grads['W1'] = grads.pop('dW1')\n    return grads\n")
    result = verify(write(tmp_path, source), **FAST)
    wrong = result.failures().set_index("quantity")
    assert wrong.loc["dW1", "verdict"] == "MISSING"
    assert wrong.loc["dW1", "diagnosis"] == "not returned: found 'W1'; expected the key 'dW1'"
    assert "Not checked (no such quantity in seed_net): W1" in result.notes()


def test_intermediates_are_optional(tmp_path):
    source = RIGHT + ("import manual.seed_net as s\n\n\ndef backward(params, cache, X, Y):\n"
                      "    g = s.backward(params, cache, X, Y)\n"
                      "    return {k: g[k] for k in ('dW1', 'db1', 'dW2', 'db2')}\n")
    result = verify(write(tmp_path, source), **FAST)
    assert result.passed
    assert "Not returned, so not checked (intermediates are optional): dZ2, dA1, dZ1" in result.notes()


def test_a_backward_returning_a_tuple_cannot_be_checked(tmp_path):
    source = RIGHT + ("import manual.seed_net as s\n\n\ndef backward(params, cache, X, Y):\n"
                      "    return tuple(s.backward(params, cache, X, Y).values())\n")
    with pytest.raises(CannotVerify, match=r"backward returned a tuple of 7; expected a dict of arrays"):
        verify(write(tmp_path, source), **FAST)


@pytest.mark.slow
def test_a_named_function_is_the_backward_alone(tmp_path, capsys):
    source = "from manual.seed_net import backward as my_backward\n"
    status = main(["verify", write(tmp_path, source) + ":my_backward", "--m", "16", "--against", "torch",
                   "--case", "typical"])
    out = capsys.readouterr().out
    assert status == 0 and "contract form (my_backward)" in out


def test_a_named_function_that_is_not_there(tmp_path):
    with pytest.raises(CannotVerify, match=r"has no function my_backward; expected my_backward to be defined"):
        verify(write(tmp_path, RIGHT) + ":my_backward", **FAST)


def test_asking_for_the_tutorial_form_of_contract_code(tmp_path):
    with pytest.raises(CannotVerify, match=r"defines no backward_prop; expected backward_prop\(Z1, A1"):
        verify(write(tmp_path, RIGHT), form="tutorial", **FAST)


def test_a_function_from_python_runs_here_and_the_result_renders(tmp_path):
    def backward(params, cache, X, Y):
        grads = seed_net.backward(params, cache, X, Y)
        return {**grads, "dW2": grads["dW2"] * X.shape[1]}

    result = verify(backward, **FAST)
    assert not result.passed and result.exit_status == 1
    assert result.first_wrong["quantity"] == "dW2"
    assert "VERDICT: disagrees" in repr(result) and "a factor m = 16" in repr(result)
    page = result._repr_html_()
    assert "<table" in page and "color:#cf222e" in page and "VERDICT: disagrees in 1 row(s)" in page
    files = result.files()
    table = pd.read_csv(io.StringIO(files["verify.csv"])).set_index("quantity")
    assert table.loc["dW2", "verdict"] == "DISAGREE" and table.loc["dW1", "verdict"] == AGREE
    assert "First wrong: dW2" in files["verify.md"]
    assert set(pd.read_csv(io.StringIO(files["verify-comparisons.csv"]))["reference"]) == {"torch", "jax"}
    assert result.failure_message().startswith("VERDICT: disagrees")


def test_float32_code_is_held_to_the_float32_tolerance():
    result = verify(seed_net.backward, m=16, dtype="float32", against=("torch", "jax"), cases=("typical",))
    assert result.passed
    assert set(result.rows["rtol"]) == {1e-4}


@pytest.mark.slow
def test_cli_writes_the_tables_when_asked(tmp_path, capsys):
    out_dir = tmp_path / "out"
    status = main(["verify", write(tmp_path, RIGHT), "--m", "16", "--against", "torch", "--case", "typical",
                   "--out", str(out_dir)])
    assert status == 0
    assert sorted(p.name for p in out_dir.iterdir()) == [".handgrad-files.json", "verify-comparisons.csv", "verify.csv",
                                                          "verify.md"]
    table = pd.read_csv(out_dir / "verify.csv")
    assert list(table["quantity"]) == ["Z1", "A1", "Z2", "A2", "J", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]
    assert set(table["verdict"]) == {AGREE}
    assert "VERDICT: agrees" in (out_dir / "verify.md").read_text()


@pytest.mark.parametrize("argv, words", [
    (["--timeout", "0"], "must be more than 0 seconds"),
    (["--case", "huge"], "invalid choice: 'huge'"),
    (["--model", "nope"], "invalid choice: 'nope'"),
])
def test_cli_misuse_is_one_line_and_exit_2(tmp_path, capsys, argv, words):
    with pytest.raises(SystemExit) as stop:
        main(["verify", write(tmp_path, RIGHT), *argv])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and words in err and len(err.strip().splitlines()) == 1


def test_the_batches_are_the_ones_asked_for():
    result = verify(seed_net.backward, m=16, against=("torch",), cases=("class-missing", "typical"))
    assert [c.name for c in result.cases] == ["typical", "class-missing"]
    assert np.all(result.cases[1].Y[-1] == 0)


def test_a_named_function_of_another_arity_lists_each_form_under_its_name():
    def my_backward(params, cache, X):
        return {}

    with pytest.raises(CannotVerify) as error:
        verify(my_backward, **FAST)
    assert str(error.value) == (
        'my_backward takes 3 arguments; expected 4, my_backward(params, cache, X, Y) -> {"dW1": ..., "db1": ..., '
        '...}, or 8, my_backward(Z1, A1, Z2, A2, W1, W2, X, Y) -> dW1, db1, dW2, db2, with Y the integer labels '
        'of shape (m,) (or say --form)')


def test_code_with_both_backwards_is_read_in_the_tutorial_form(tmp_path):
    result = verify(write(tmp_path, RIGHT + TUTORIAL), **FAST)
    assert result.outcome.form == "tutorial" and result.passed


def test_a_quantity_no_reference_measured_is_not_measured_and_does_not_fail():
    rows = [dict(reference=r, kind="dJ/dθ", shape_a="(0,)", shape_b="(0,)", max_rel=np.nan, verdict=NOT_MEASURED)
            for r in ("torch", "jax")]
    row = summarise(None, type("Batch", (), {"name": "typical"}), UserRun(), "dW9", rows, {}, {})
    assert (row["verdict"], row["diagnosis"]) == (NOT_MEASURED, "")
    table = pd.DataFrame([dict(case="typical", quantity="dW1", verdict=AGREE, diagnosis=""),
                          dict(case="typical", quantity="dW9", verdict=NOT_MEASURED, diagnosis="")])
    result = Verification("seed_net", None, [], ("torch",), "float64", pd.DataFrame(), table)
    assert result.passed and result.failures().empty and result.first_wrong is None
    assert result.verdict().endswith(", except 1 row(s) not measured.")
