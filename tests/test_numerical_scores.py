"""Each convention's score on small examples computed by hand, its published threshold, and how
``compare`` treats a witness that measures part of a derivation (masks, covers, its own rtol)."""

import math

import numpy as np
import pytest

from comparisons.agreement import AGREE, DISAGREE, MISSING, NOT_MEASURED, Result, compare
from comparisons.numerical.scores import CONVENTIONS, cs231n_band, localize, scores

A, B = np.array([1.0, 2.0]), np.array([1.0, 2.5])


@pytest.mark.parametrize("column, expected", [
    ("max_abs", 0.5),
    ("cs231n", 0.5 / 4.5),                                   # max(0 / 2, 0.5 / 4.5)
    ("ng", 0.5 / math.sqrt(4 + 4.5 ** 2)),                    # ||(0, 0.5)|| / ||(2, 4.5)||: ||b - a|| / ||b + a||
    ("dlai", 0.5 / (math.sqrt(5) + math.sqrt(7.25))),
    ("adbench", 0.5 / 4.5),                                  # |2 - 2.5| / max(1, 4.5)
    ("cosine", 6.0 / (math.sqrt(5) * math.sqrt(7.25))),       # (1 + 5) / (||a|| ||b||)
])
def test_scores_by_hand(column, expected):
    assert scores(A, B)[column] == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("a, b, column, expected", [
    (1e-9, 2e-9, "cs231n", 0.1),       # the 1e-8 floor: 1e-9 / max(1e-8, 3e-9)
    (1e-9, 2e-9, "adbench", 1e-9),     # absolute near zero: 1e-9 / max(1, 3e-9)
    (300.0, 303.0, "adbench", 3 / 603),  # relative away from zero
    (0.0, 0.0, "ng", 0.0),             # both zero: no 0 / 0
    (0.0, 0.0, "cosine", 1.0),
])
def test_scores_near_zero(a, b, column, expected):
    assert scores(np.array([a]), np.array([b]))[column] == pytest.approx(expected, rel=1e-12)


def test_cosine_is_blind_to_scale():
    s = scores(A, 3 * A)
    assert s["cosine"] == pytest.approx(1.0, rel=1e-15) and s["ng"] == pytest.approx(0.5) and not s["dlai_pass"]


@pytest.mark.parametrize("score, band", [(1e-8, "happy"), (1e-5, "ok with kinks"), (1e-3, "uncomfortable"),
                                         (0.1, "probably wrong")])
def test_cs231n_bands(score, band):
    assert cs231n_band(score) == band


@pytest.mark.parametrize("column, score, kinks, passes", [
    ("cs231n", 5e-8, False, True), ("cs231n", 1e-5, False, False), ("cs231n", 1e-5, True, True),
    ("cs231n", 1e-3, True, False),
    ("ng", 5e-10, False, True), ("ng", 5e-9, False, False),
    ("dlai", 1e-7, False, True), ("dlai", 3e-7, False, False),
    ("adbench", 5e-7, False, True), ("adbench", 2e-6, False, False),
])
def test_published_thresholds(column, score, kinks, passes):
    convention = next(c for c in CONVENTIONS if c.column == column)
    assert convention.passes(score, kinks) is passes


@pytest.mark.parametrize("column", ["max_abs", "cosine"])
def test_conventions_without_a_published_threshold_give_no_verdict(column):
    assert scores(A, B)[column + "_pass"] is None


def test_zero_measured_elements_score_nothing():
    """Every element kink-crossed: no score is 0.0 and no convention passes; the band says so."""
    s = scores(np.array([]), np.array([]), kinks=True)
    assert all(math.isnan(s[c.column]) and s[c.column + "_pass"] is None for c in CONVENTIONS)
    assert s["cs231n_band"] == NOT_MEASURED


ORDER = ["dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]


def row(quantity, verdict, max_rel):
    return dict(quantity=quantity, verdict=verdict, max_rel=max_rel)


def test_a_quantity_not_measured_is_neither_the_first_wrong_line_nor_an_agreement():
    """dZ1 not measured, dW1 wrong: the first wrong line is dW1, with dA1 and dZ1 named beside it."""
    rows = [row("J", AGREE, 0.0), row("dZ2", AGREE, 1e-11), row("dW2", AGREE, 1e-10), row("db2", AGREE, 1e-10),
            row("dZ1", NOT_MEASURED, math.nan), row("dW1", DISAGREE, 0.5), row("db1", AGREE, 1e-11)]
    found = localize(rows, ORDER)
    assert (found.first, found.before, found.unwitnessed) == ("dW1", "db2", ("dA1", "dZ1"))
    assert found.not_measured == ("dZ1",)
    assert "dZ1 not measured" in found.sentence() and "nan" not in found.sentence()
    rows[5] = row("dW1", AGREE, 1e-11)
    found = localize(rows, ORDER)
    assert found.first is None
    assert found.sentence().startswith("Every measured quantity agrees (") and found.sentence().endswith(
        "; not measured: dZ1.")


def result(source, grads, **witness):
    return Result(source, 1.5, {k: np.asarray(v, dtype=np.float64) for k, v in grads.items()}, (), **witness)


def test_compare_judges_a_witness_on_the_elements_it_measured():
    manual = result("manual", {"dW": [[1.0, 2.0, 3.0]]})
    witness = result("numerical", {"dW": [[1.0, np.nan, 9.0]]}, masks={"dW": np.array([[True, False, False]])})
    [_, row] = compare(manual, witness, "m")
    assert row["verdict"] == AGREE and row["max_abs"] == 0.0 and row["shape_a"] == row["shape_b"] == "(1, 3)"
    witness = result("numerical", {"dW": [[1.0, np.nan, 9.0]]}, masks={"dW": np.array([[True, False, True]])})
    assert compare(manual, witness, "m")[1]["verdict"] == DISAGREE


def test_compare_skips_what_a_witness_does_not_cover_but_not_what_it_does():
    manual = result("manual", {"dZ": [[1.0]], "dA": [[2.0]], "dW": [[3.0]]})
    witness = result("numerical", {"dZ": [[1.0]]}, covers=("dZ", "dW"))
    assert {r["quantity"]: r["verdict"] for r in compare(manual, witness, "m")} == {
        "J": AGREE, "dZ": AGREE, "dW": MISSING}


def test_compare_still_calls_a_missing_quantity_missing_between_full_sources():
    a, b = result("manual", {"dZ": [[1.0]], "dA": [[2.0]]}), result("torch", {"dZ": [[1.0]]})
    assert compare(a, b, "m")[-1]["verdict"] == MISSING


def test_compare_uses_the_coarser_of_the_dtype_and_the_method():
    manual = result("manual", {"dW": [[1.0]]})
    witness = result("numerical", {"dW": [[1.0 + 1e-7]]}, rtol=1e-6)
    [_, row] = compare(manual, witness, "m")
    assert row["rtol"] == 1e-6 and row["verdict"] == AGREE
    assert compare(manual, result("torch", {"dW": [[1.0 + 1e-7]]}), "m")[1]["verdict"] == DISAGREE
