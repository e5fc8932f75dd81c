"""``verify`` on code written to the project's contract, and the result object of the Python API."""

import numpy as np
import pytest

from comparisons.cli import main
from comparisons.verify import CannotVerify, verify
from manual import seed_net

RIGHT = '''\
from manual.seed_net import backward, forward, loss
'''
FAST = dict(m=16, against=("torch", "jax"), cases=("typical",))


def write(tmp_path, source, name="mine.py"):
    path = tmp_path / name
    path.write_text(source)
    return str(path)


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
    assert "<table" in result._repr_html_() and "VERDICT" in result._repr_html_()
    assert set(result.files()) == {"verify.md", "verify.csv", "verify-comparisons.csv"}
    assert result.failure_message().startswith("VERDICT: disagrees")


def test_float32_code_is_held_to_the_float32_tolerance():
    result = verify(seed_net.backward, m=16, dtype="float32", against=("torch", "jax"), cases=("typical",))
    assert result.passed
    assert set(result.rows["rtol"]) == {1e-4}


def test_cli_writes_the_tables_when_asked(tmp_path, capsys):
    out_dir = tmp_path / "out"
    status = main(["verify", write(tmp_path, RIGHT), "--m", "16", "--against", "torch", "--case", "typical",
                   "--out", str(out_dir)])
    assert status == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["verify-comparisons.csv", "verify.csv", "verify.md"]
    assert "| quantity" in (out_dir / "verify.md").read_text()


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
