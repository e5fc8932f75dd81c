"""Intermediates people compute but do not return: the backward's locals named as the derivation
names them (dZ2, dA1, dZ1, dW1, ...) are read as it returns and compared too, so a hidden-layer
mistake shows where it is made even in code that returns only dW and db.

The tutorial's ``backward_prop`` returns dW1, db1, dW2, db2 and computes dZ2 and dZ1 on the way;
the contract's ``backward`` may return only the parameter gradients. Loaded here (``isolate=False``)
except the one command-line test, where the locals are read in the child process.
"""

import functools
import sys

import numpy as np
import pytest

from comparisons.cli import main
from comparisons.verify import UserRun, verify
from comparisons.verify.calls import Caller
from comparisons.verify.watching import locals_read, reading_locals
from comparisons.verify.verification import NOTE
from tests.tutorial_code import TUTORIAL, variant
from tests.user_files import write

FAST = dict(m=16, against=("torch",), cases=("typical",), isolate=False)
RELU_LEFT_OUT = ("dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)", "dZ1 = W2.T.dot(dZ2)")
# the 1/m taken early: dZ2 is dJ/dZ2 of the mean loss, and dW2 = dZ2 A1^T needs no 1/m of its own
MEAN_LOSS = ("""    dZ2 = A2 - one_hot_Y
    dW2 = 1 / m * dZ2.dot(A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
""", """    dZ2 = (A2 - one_hot_Y) / m
    dW2 = dZ2.dot(A1.T)
    db2 = np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)
    dW1 = dZ1.dot(X.T)
    db1 = np.sum(dZ1, axis=1, keepdims=True)
""")

# The project's contract, written by hand: returns the parameter gradients only.
CONTRACT = '''\
import numpy as np


def backward(params, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = params["W2"].T @ dZ2
    dZ1 = dA1 * (A1 > 0)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
'''


def row(result, quantity, case="typical"):
    table = result.table
    return table[(table["case"] == case) & (table["quantity"] == quantity)].iloc[0].to_dict()


# --- Read and compared -------------------------------------------------------------------------------


def test_the_tutorial_done_right_has_dZ2_and_dZ1_read_from_its_locals_and_agreeing(tmp_path):
    result = verify(write(tmp_path, TUTORIAL), m=16, against=("torch",), isolate=False)
    assert result.exit_status == 0
    for case in ("typical", "large-logits", "class-missing"):
        assert result.outcome.runs[case].from_locals == ("dZ2", "dZ1")
        assert row(result, "dZ1", case)["verdict"] == "agree"
    assert row(result, "dZ2")["kind"] == "m · dJ/dZ (local)" and row(result, "dW2")["kind"] == "dJ/dθ"
    notes = result.notes()
    assert "- Read from backward_prop's locals (computed, not returned): dZ2, dZ1." in notes
    assert "Not returned, so not checked (intermediates are optional): dA1." in notes


def test_a_hidden_layer_mistake_is_localised_at_dZ1_with_its_diagnosis(tmp_path):
    result = verify(write(tmp_path, variant(*RELU_LEFT_OUT)), **FAST)
    first = result.first_wrong
    assert result.exit_status == 1
    assert (first["quantity"], first["verdict"]) == ("dZ1", "DISAGREE")
    assert "the ReLU derivative (A1 > 0) is missing from dZ1" in first["diagnosis"]
    assert row(result, "dZ2")["verdict"] == "agree"     # the layer above is right: the mistake is below it


def test_the_contract_form_reads_its_locals_too(tmp_path):
    right = verify(write(tmp_path, CONTRACT), **FAST)
    assert right.passed and right.outcome.form == "contract"
    assert right.outcome.runs["typical"].from_locals == ("dZ2", "dA1", "dZ1")
    assert "- Read from backward's locals (computed, not returned): dZ2, dA1, dZ1." in right.notes()
    wrong = verify(write(tmp_path, CONTRACT.replace("dZ1 = dA1 * (A1 > 0)", "dZ1 = dA1"), "wrong.py"), **FAST)
    assert wrong.first_wrong["quantity"] == "dZ1"
    assert "the ReLU derivative (A1 > 0) is missing from dZ1" in wrong.first_wrong["diagnosis"]


def test_a_local_parameter_gradient_not_returned_is_read(tmp_path):
    source = CONTRACT.replace('return {"dW1": dW1, "db1": db1, ', 'return {"db1": db1, ')
    result = verify(write(tmp_path, source), **FAST)
    assert "dW1" in result.outcome.runs["typical"].from_locals
    assert row(result, "dW1")["verdict"] == "agree" and row(result, "dW1")["kind"] == "dJ/dθ (local)"


# --- What is read, and what wins -------------------------------------------------------------------


def test_locals_that_are_not_arrays_of_numbers_are_skipped_and_wrong_shapes_kept():
    values = {"dZ2": "see below", "dA1": None, "dZ1": np.ones((2, 3)), "dW1": [[1.0, 2.0], [3.0]],
              "dW2": [1.0, 2.0], "db1": len, "Z1": np.zeros(2)}
    found = locals_read(values, ("dZ2", "dW2", "dA1", "dZ1", "dW1", "db1"))
    assert list(found) == ["dW2", "dZ1"]
    assert found["dZ1"].shape == (2, 3)
    values["dZ1"][0, 0] = 5.0
    assert found["dZ1"][0, 0] == 1.0                    # a copy, as it was at the return


def test_a_local_that_is_not_an_array_is_left_out_of_the_check(tmp_path):
    source = variant("    dZ1 = W2.T", "    dA1 = None  # not needed\n    dZ1 = W2.T")
    result = verify(write(tmp_path, source), **FAST)
    assert result.passed and result.outcome.runs["typical"].from_locals == ("dZ2", "dZ1")
    assert "dA1" not in set(result.table["quantity"])


def test_a_returned_value_wins_over_a_local_of_the_same_name(tmp_path):
    run = UserRun(grads={"dW2": np.ones(2)}).with_locals({"dW2": np.zeros(2), "dZ2": np.zeros(3)}, "backward")
    assert run.grads["dW2"].tolist() == [1.0, 1.0] and run.from_locals == ("dZ2",)
    source = '''\
import manual.seed_net as s


def backward(params, cache, X, Y):
    grads = s.backward(params, cache, X, Y)
    dZ2 = grads["dZ2"] * 0      # a scratch array under the derivation's name
    return grads
'''
    result = verify(write(tmp_path, source), **FAST)
    assert result.passed and result.outcome.runs["typical"].from_locals == ()
    assert "(local)" not in "".join(result.table["kind"])


def test_only_the_backward_frame_is_read_not_the_functions_it_calls():
    def inner():
        dZ1 = np.ones(2)
        return dZ1

    def backward():
        dZ2 = np.zeros(3)
        inner()
        return {}

    out, found = reading_locals(backward, (), ("dZ2", "dZ1"))
    assert out == {} and list(found) == ["dZ2"]


def test_a_decorated_backward_and_a_method_are_read_through():
    def traced(fn):
        @functools.wraps(fn)
        def wrapper(*args):
            dZ2 = "the wrapper's, not the backward's"
            return fn(*args)
        return wrapper

    @traced
    def backward(x):
        dZ2 = x * 2
        return {}

    class Net:
        def backward(self, x):
            dZ2 = x * 3
            return {}

    assert reading_locals(backward, (np.ones(1),), ("dZ2",))[1]["dZ2"].tolist() == [2.0]
    assert reading_locals(Net().backward, (np.ones(1),), ("dZ2",))[1]["dZ2"].tolist() == [3.0]


def test_the_profile_function_is_put_back_after_the_call_even_when_it_raises():
    def backward(x):
        dZ2 = x
        if x.sum() < 0:
            raise ValueError("no")
        return {}

    assert sys.getprofile() is None
    caller = Caller(backward="backward", wanted=("dZ2",))
    caller("backward", backward, (np.ones(2),), "backward(x)", "typical")
    assert sys.getprofile() is None and caller.locals["dZ2"].tolist() == [1.0, 1.0]
    with pytest.raises(Exception):
        caller("backward", backward, (-np.ones(2),), "backward(x)", "typical")
    assert sys.getprofile() is None
    seen = []

    def theirs(frame, event, arg):
        seen.append(event)

    sys.setprofile(theirs)
    try:
        _, found = reading_locals(backward, (np.ones(2),), ("dZ2",))
        assert sys.getprofile() is theirs and "dZ2" in found and "return" in seen   # called on, put back
    finally:
        sys.setprofile(None)


def test_only_the_call_named_as_the_backward_is_read():
    def forward(x):
        dZ2 = x
        return x

    caller = Caller(backward="backward_prop", wanted=("dZ2",))
    caller("forward_prop", forward, (np.ones(2),), "forward_prop(x)", "typical")
    assert caller.locals == {}


# --- Conventions, and never calling a right derivation wrong ----------------------------------------


def test_a_dZ_of_the_mean_loss_is_the_other_convention_not_a_mistake(tmp_path):
    result = verify(write(tmp_path, variant(*MEAN_LOSS)), **FAST)
    assert result.exit_status == 0
    dZ1 = row(result, "dZ1")
    assert dZ1["verdict"] == "agree"
    assert "dJ/dZ1 of the mean loss, 1/m of the per-example dZ1" in dZ1["diagnosis"]
    assert "compared times m = 16" in dZ1["diagnosis"]


def test_dividing_by_m_twice_is_found_at_dW2_not_at_the_mean_loss_dZ2(tmp_path):
    source = variant(*MEAN_LOSS).replace("dW2 = dZ2.dot(A1.T)", "dW2 = 1 / m * dZ2.dot(A1.T)")
    first = verify(write(tmp_path, source), **FAST).first_wrong
    assert first["quantity"] == "dW2" and "a factor 1/m = 1/16" in first["diagnosis"]


def test_a_local_named_like_the_derivation_but_holding_something_else_is_a_note(tmp_path):
    # dZ1 here holds what the derivation calls dA1; the ReLU derivative is applied where it is used
    source = variant("""    dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)""", """    dZ1 = W2.T.dot(dZ2)
    dW1 = 1 / m * (dZ1 * ReLU_deriv(Z1)).dot(X.T)
    db1 = 1 / m * np.sum(dZ1 * ReLU_deriv(Z1), axis=1, keepdims=True)""")
    result = verify(write(tmp_path, source), **FAST)
    assert result.exit_status == 0
    dZ1 = row(result, "dZ1")
    assert dZ1["verdict"] == NOTE
    assert dZ1["diagnosis"].startswith("not counted: everything your code returns agrees")
    assert "the ReLU derivative (A1 > 0) is missing from dZ1" in dZ1["diagnosis"]
    assert "1 local(s) that are not the derivation's, not counted (note)" in result.verdict()


# --- Through the command line, in the child process -------------------------------------------------


@pytest.mark.slow
def test_the_command_line_localises_a_hidden_layer_mistake_from_the_locals(tmp_path, capsys):
    status = main(["verify", write(tmp_path, variant(*RELU_LEFT_OUT))])
    out, err = capsys.readouterr()
    assert status == 1, out + err
    assert "- Read from backward_prop's locals (computed, not returned): dZ2, dZ1." in out
    assert ("First wrong: dZ1 on the typical batch (DISAGREE): the ReLU derivative (A1 > 0) is missing "
            "from dZ1: left out?") in out
