"""The comparison primitive on small known arrays: every verdict it can give."""

import numpy as np
import pytest

from comparisons.agreement import (AGREE, DISAGREE, LOSS_MISMATCH, MISSING, NON_FINITE, NOT_MEASURED,
                                   SHAPE_MISMATCH, Result, all_agree, compare, max_errors, rtol_for)


def result(source, loss=1.0, **grads):
    return Result(source, loss, {k: np.asarray(v, dtype=np.float64) for k, v in grads.items()}, ("dZ",))


def test_max_errors_are_relative_to_the_largest_magnitude():
    assert max_errors([1.0, -4.0, 0.0], [1.0, -4.0, 2e-3]) == pytest.approx((2e-3, 5e-4))
    assert max_errors(np.zeros(3), np.zeros(3)) == (0.0, 0.0)


@pytest.mark.parametrize("b, verdict", [
    ([1.0, 2.0], AGREE),
    ([1.0, 2.0 * (1 + 1e-6)], DISAGREE),
    ([1.0, np.nan], NON_FINITE),
    ([[1.0, 2.0]], SHAPE_MISMATCH),
])
def test_gradient_verdicts(b, verdict):
    rows = compare(result("a", dW=[1.0, 2.0]), result("b", dW=b), "m")
    assert [r["verdict"] for r in rows] == [AGREE, verdict]
    assert rows[1]["shape_ok"] == (verdict != SHAPE_MISMATCH)


def test_nothing_to_compare_is_not_measured_never_agree():
    """Zero elements on both sides: no error to report, so no 0.0 and no `agree`; it fails nothing either."""
    rows = compare(result("a", dW=np.empty((0, 3))), result("b", dW=np.empty((0, 3))), "m")
    assert rows[1]["verdict"] == NOT_MEASURED and np.isnan(rows[1]["max_rel"]) and np.isnan(rows[1]["max_abs"])
    assert all_agree(rows)


def test_loss_first_and_its_own_failure():
    rows = compare(result("a", loss=2.0, dW=[1.0]), result("b", loss=2.1, dW=[1.0]), "m")
    assert rows[0]["quantity"] == "J" and rows[0]["verdict"] == LOSS_MISMATCH
    assert not all_agree(rows)


def test_a_quantity_one_side_lacks_is_missing():
    rows = compare(result("a", dW=[1.0], dZ=[2.0]), result("b", dW=[1.0], db=[3.0]), "m")
    by_q = {r["quantity"]: r for r in rows}
    assert by_q["dZ"]["verdict"] == by_q["db"]["verdict"] == MISSING
    assert by_q["dZ"]["scaling"] == "m · dJ/dZ" and by_q["dW"]["scaling"] == "dJ/dθ"


@pytest.mark.parametrize("dtype, expected", [("float64", 1e-9), (np.float32, 1e-4)])
def test_one_tolerance_table(dtype, expected):
    assert rtol_for(dtype) == expected


def test_tolerance_for_an_unknown_dtype():
    with pytest.raises(ValueError, match="no tolerance for dtype float16"):
        rtol_for(np.float16)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_carry_the_dtype_and_its_tolerance(dtype):
    a = Result("a", 1.0, {"dW": np.ones(2, dtype)})
    rows = compare(a, Result("b", 1.0, {"dW": np.ones(2, dtype)}), "m")
    assert {(r["dtype"], r["rtol"]) for r in rows} == {(np.dtype(dtype).name, rtol_for(dtype))}
