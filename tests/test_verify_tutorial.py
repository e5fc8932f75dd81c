"""``handgrad verify`` on files written in the seed tutorial's style: right, with mistakes, and
files that cannot be checked (do not import, raise, return the wrong things, loop forever).

Through the command line (and in ``slow`` tests) the file runs in a child process, as people run it;
the diagnoses and call checks, which do not depend on that, load the file here (``isolate=False``)."""

import pytest

from comparisons.cli import main
from comparisons.verify import CannotVerify, verify
from tests.tutorial_code import SLIPS, TUTORIAL, original, variant
from tests.user_files import write

FAST = ["--m", "16", "--against", "torch"]


def run_cli(capsys, *argv):
    status = main(["verify", *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.slow
def test_the_tutorial_done_right_agrees_with_torch_jax_and_the_witness(tmp_path, capsys):
    status, out, err = run_cli(capsys, write(tmp_path, TUTORIAL), "--m", "16")
    assert status == 0, out + err
    assert "VERDICT: agrees" in out and "tutorial form (forward_prop, backward_prop)" in out
    assert "against torch, jax, numerical" in out


@pytest.mark.parametrize("slip, batch, quantity, words", [
    ("global m", "typical", "dW2", "the m used"),
    ("db2 summed over all axes", "typical", "db2", "summed over all axes"),
    ("softmax without the maximum", "large-logits", "A2", "overflow in exp"),
    ("one-hot by the largest label", "class-missing", "backward_prop", "one-hot sized by the largest label"),
])
def test_each_slip_of_the_tutorial_is_found_where_it_first_shows(tmp_path, slip, batch, quantity, words):
    source = variant(*SLIPS[slip])
    if slip == "global m":
        source = "m = 42_000\n" + source
    result = verify(write(tmp_path, source), m=16, against=("torch",), isolate=False)
    first = result.first_wrong
    assert (first["case"], first["quantity"]) == (batch, quantity)
    assert words in first["diagnosis"]
    assert result.exit_status == 1


@pytest.mark.slow
def test_the_original_tutorial_disagrees_with_exit_status_1(tmp_path, capsys):
    status, out, _ = run_cli(capsys, write(tmp_path, original()), *FAST)
    assert status == 1
    assert "VERDICT: disagrees" in out and "First wrong: dW2 on the typical batch" in out
    assert "the m used (42000) is not the batch size (16)" in out


@pytest.mark.slow
def test_module_and_function_forms(tmp_path, monkeypatch, capsys):
    write(tmp_path, TUTORIAL, "tutorial_nn.py")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    status, out, err = run_cli(capsys, "tutorial_nn:backward_prop", *FAST, "--case", "typical")
    assert status == 0, err
    assert "tutorial form (backward_prop)" in out


@pytest.mark.slow
@pytest.mark.parametrize("source, words", [
    ("def backward_prop(:\n", "does not import: SyntaxError at line 1"),
    ("import numpy as np\nW = np.zeros(3) @ undefined\n", "does not import: NameError: name 'undefined' is not defined"),
    ("open('/no/such/train.csv')\n", "belongs under `if __name__ == \"__main__\":`"),
    ("import sys\nsys.exit(3)\n", "does not import: SystemExit: 3"),
    ("def forward_prop(W1, b1, W2, b2, X):\n    pass\n", "defines neither backward_prop nor backward"),
])
def test_files_that_cannot_be_checked_exit_2_with_one_clear_message(tmp_path, capsys, source, words):
    path = write(tmp_path, source)
    status, out, err = run_cli(capsys, path, *FAST)
    assert status == 2 and out == ""
    assert err.startswith(f"handgrad verify: could not check {path}: ") and words in err
    assert "Traceback (most recent call last)" not in err


def test_a_missing_file_names_what_was_expected(tmp_path, capsys):
    status, _, err = run_cli(capsys, str(tmp_path / "nowhere.py"))
    assert status == 2 and "no such file; expected a Python file or module defining backward" in err


@pytest.mark.parametrize("old, new, words", [
    ("    m = X.shape[1]\n", "    m = X.shape[1]\n    raise NotImplementedError('not derived yet')\n",
     "backward_prop raised NotImplementedError: not derived yet on the typical batch"),
    ("def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):", "def backward_prop(Z1, A1, Z2, A2, W2, X, Y):",
     "backward_prop takes (Z1, A1, Z2, A2, W2, X, Y); expected 8 arguments"),
    ("return dW1, db1, dW2, db2", "return dW1, db1, dW2",
     "backward_prop returned 3 values; expected 4 (dW1, db1, dW2, db2)"),
    ("return dW1, db1, dW2, db2", "return dW1, db1, dW2, 'db2'",
     "backward_prop returned db2 as array of <U3; expected a NumPy array of real numbers of shape (10, 1)"),
    ("return dW1, db1, dW2, db2", "return dW1, db1, dW2, None",
     "backward_prop returned db2 as NoneType; expected a NumPy array"),
    ("return dW1, db1, dW2, db2", "return {'dW1': dW1}", "backward_prop returned a dict; expected 4 values"),
    ("return Z1, A1, Z2, A2", "return Z1, A1, Z2", "forward_prop returned 3 values; expected 4 (Z1, A1, Z2, A2)"),
])
def test_functions_that_raise_or_return_the_wrong_things(tmp_path, old, new, words):
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, variant(old, new)), m=16, against=("torch",), isolate=False)
    assert words in str(error.value)


@pytest.mark.slow
def test_a_raise_shows_a_short_excerpt_of_the_persons_traceback(tmp_path):
    source = variant("    m = X.shape[1]\n", "    m = X.shape[1]\n    raise NotImplementedError('not derived yet')\n")
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, source), m=16, against=("torch",))
    assert "mine.py\", line" in str(error.value) and "in backward_prop" in str(error.value)


@pytest.mark.slow
def test_a_backward_that_loops_forever_is_stopped_by_the_timeout(tmp_path, capsys):
    source = variant("    m = X.shape[1]\n", "    while True:\n        pass\n")
    status, _, err = run_cli(capsys, write(tmp_path, source), *FAST, "--timeout", "3")
    assert status == 2
    assert "stopped after 3 s (--timeout 3) while running backward_prop on the typical batch" in err
    assert "an endless loop?" in err


@pytest.mark.slow
def test_an_import_that_trains_forever_is_stopped_by_the_timeout(tmp_path, capsys):
    status, _, err = run_cli(capsys, write(tmp_path, "while True:\n    pass\n"), *FAST, "--timeout", "3")
    assert status == 2 and "while importing" in err and "at import time" in err


def test_the_tutorial_form_needs_a_two_layer_model(tmp_path):
    with pytest.raises(CannotVerify, match="describe a two-layer network"):
        verify(write(tmp_path, TUTORIAL), "mlp_deep", against=("torch",), isolate=False)
