"""Output that fits the terminal (``comparisons.terminal``): every line that ``check``, ``report``,
``reproduce``, ``mistakes`` and ``bench`` print is at most the terminal's width (COLUMNS), the key
columns and the VERDICT are still there, a narrowed table says where every column is, and the Markdown
files keep every column."""

import numpy as np
import pandas as pd
import pytest

from comparisons import report, terminal
from comparisons.agreement import Result, compare
from comparisons.bench import tables
from comparisons.bench.runner import Bench, slopes
from comparisons.mistakes import exhibit
from comparisons.numerical import SHOWN
from comparisons.sections import Section
from tests.test_bench_outputs import sweep_rows, table_rows
from tests.user_files import run_cli

WIDTHS = [80, 100, 120]


def too_long(text, width):
    """The lines of ``text`` longer than ``width``: none, when it fits."""
    return [line for line in text.splitlines() if len(line) > width]


def header_of(md, first):
    """The column names of the first Markdown table in ``md`` whose first column is ``first``."""
    for line in md.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first:
            return cells
    raise AssertionError(f"no Markdown table starting with column {first!r}")


def header_line(text, first):
    """The first line of a terminal table whose first column is ``first`` (its header)."""
    return next(line for line in text.splitlines() if line.split()[:1] == [first])


def on_one_line(text, keys):
    """Some line of ``text`` holds every one of ``keys`` as a word: a table's header, unwrapped."""
    return any(set(keys) <= set(line.split()) for line in text.splitlines())


def verdict_is_last(text):
    """The VERDICT paragraph comes after every table: the last paragraph but the files' summary."""
    paragraphs = [p for p in text.strip().split("\n\n") if not p.startswith(("wrote ", "removed ", "kept "))]
    return paragraphs[-1].startswith("VERDICT: ")


# --- The module ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("columns, width", [("80", 80), ("200", 200), ("30", terminal.NARROWEST)])
def test_width_is_the_terminals_and_never_below_the_narrowest(monkeypatch, columns, width):
    monkeypatch.setenv("COLUMNS", columns)
    assert terminal.width() == width


def scores():
    """A table like ``handgrad check``'s: a long label, numbers, booleans, a missing value, a blank."""
    return pd.DataFrame({
        "dtype": ["float64"] * 3, "quantity": ["J", "dW1", "all parameters (unrolled)"],
        "measured": [1, 7840, 7960], "elements": [1, 7840, 7960], "kink_crossed": [0, 12, 12],
        "max_abs": [0.0, 9.6e-12, 2.3e-10], "cs231n": [0.0, 3.1e-08, 2.4e-07],
        "cs231n_band": ["happy", "ok with kinks", "ok with kinks"], "cs231n_pass": [True, True, True],
        "ng": [0.0, 2.8e-11, 5.4e-11], "ng_pass": [True, True, True], "max_rel": [0.0, 5.0e-11, np.nan],
        "verdict": ["agree", "agree", ""]})


def test_a_table_that_fits_is_shown_whole_without_a_note():
    text = terminal.fit_table(scores(), ["quantity"], at=200, note="every column: check.md")
    assert header_line(text, "dtype").split() == list(scores().columns) and "every column" not in text


@pytest.mark.parametrize("width", [60, *WIDTHS])
def test_a_wide_table_keeps_its_key_columns_and_says_where_the_rest_is(width):
    keys = ["quantity", "measured", "cs231n", "ng", "max_rel", "verdict"]
    text = terminal.fit_table(scores(), keys, at=width, floatfmt=".1e",
                              note="every column: out/check.md, out/check.csv")
    assert too_long(text, width) == []
    assert (on_one_line(text, keys) or width < 80) and set(keys) <= set(text.split())
    assert "cs231n_band" not in text and "ok with kinks" not in text
    assert text.endswith("every column: out/check.md, out/check.csv")
    assert "3.1e-08" in text and "7960" in text and "unrolled" in text


@pytest.mark.parametrize("width", [60, 80])
def test_numbers_in_text_cells_wrap_whole_never_cut(width):
    frame = pd.DataFrame({"figure": ["difference after the fix, the notebook's loss, compared to every digit"] * 2,
                          "published": ["1.1890913024229996e-07", "< 1e-08"],
                          "handgrad": ["1.1890913024229996e-07 (every printed digit agrees)", "3.561e-09"]})
    text = terminal.fit_table(frame, at=width)
    assert too_long(text, width) == []
    assert sum(line.count("1.1890913024229996e-07") for line in text.splitlines()) == 2


def test_key_columns_wider_than_the_terminal_are_dealt_into_tables_led_by_the_first():
    frame = pd.DataFrame({"quantity": ["dW1", "db1"], **{f"score_{i}": [1.234567e-05, 2.5e-11] for i in range(9)}})
    text = terminal.fit_table(frame, at=60, floatfmt=".6e")
    assert too_long(text, 60) == []
    assert all(f"score_{i}" in text for i in range(9)) and text.count("1.234567e-05") == 9
    tables_shown = text.split("\n\n")
    assert len(tables_shown) > 1 and all(t.split()[0] == "quantity" for t in tables_shown)


@pytest.mark.parametrize("text, wrapped", [
    ("- " + "word " * 12, "- word word word word word\n  word word word word word\n  word word"),
    ("  indented " + "x " * 14, "  indented x x x x x x x x x x\n  x x x x"),
    ("first\n\nsecond", "first\n\nsecond"),
    ("VERDICT: all 13 published figures reproduced.", "VERDICT: all 13 published\nfigures reproduced."),
])
def test_notes_wrap_with_bullets_hanging(text, wrapped):
    assert terminal.wrap_notes(text, 30) == wrapped


@pytest.mark.parametrize("out, line", [
    ("reports", "every column: reports/agreement.md, reports/agreement.csv"),
    (None, "every column: in agreement.md, agreement.csv, written by --out FOLDER"),
])
def test_the_note_names_the_files_or_the_option_that_writes_them(out, line):
    assert terminal.every_column(out, ["agreement.md", "agreement.csv"]) == line


# --- handgrad check and reproduce, in process ------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
def test_check_fits_the_terminal_and_its_files_keep_every_column(capsys, monkeypatch, tmp_path, width):
    monkeypatch.setenv("COLUMNS", str(width))
    status, out, err = run_cli(capsys, "check", "--model", "linear_regression", "--out", str(tmp_path))
    assert status == 0 and err == "" and too_long(out, width) == []
    assert on_one_line(out, ["quantity", "measured", "cs231n", "ng", "dlai", "max_rel", "verdict"])
    assert on_one_line(out, ["direction", "analytic", "numerical", "max_rel", "verdict"])
    assert on_one_line(out, ["mistake", "check", "k=1", "k=8"]) and on_one_line(out, ["convention", "formula"])
    assert "VERDICT: the derivation agrees with the numerical witness." in out and verdict_is_last(out)
    assert header_of((tmp_path / "check.md").read_text(), "dtype") == SHOWN
    assert f"every column: {tmp_path}/check.md, {tmp_path}/check.csv" in " ".join(out.split())
    assert f"wrote 5 files into {tmp_path}: check.csv, directions.csv," in " ".join(out.split())


def test_check_without_out_says_which_option_writes_every_column(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    status, out, _ = run_cli(capsys, "check", "--model", "linear_regression", "--no-blind-spots")
    assert status == 0 and too_long(out, 80) == []
    assert "every column: in check.md, check.csv, written by --out FOLDER" in out and "wrote" not in out


@pytest.mark.parametrize("width", WIDTHS)
def test_reproduce_fits_the_terminal_and_its_files_keep_every_column(capsys, monkeypatch, tmp_path, width):
    monkeypatch.setenv("COLUMNS", str(width))
    status, out, err = run_cli(capsys, "reproduce", "--out", str(tmp_path))
    assert status == 0 and err == "" and too_long(out, width) == []
    assert on_one_line(out, ["figure", "published", "handgrad", "agrees"])
    assert "0.2850931567761623" in out and "1.30378789133" in out      # published figures, whole
    assert "VERDICT: all 13 published figures reproduced." in out and verdict_is_last(out)
    md = (tmp_path / "reproduce.md").read_text()
    assert header_of(md, "source") == ["source", "figure", "published", "handgrad", "compared", "agrees"]


# --- report, mistakes and bench renderers, on tables made here -------------------------------------------

def agreement():
    """Agreement rows of four sources, one of which is wrong in dW, so a cell is flagged."""
    dW, db = np.arange(1.0, 7.0).reshape(2, 3), np.ones((2, 1))
    right = {s: Result(s, 1.5, {"dW": dW, "db": db}) for s in ("manual", "torch", "jax", "numerical")}
    right["manual"] = Result("manual", 1.5, {"dW": 2 * dW, "db": db})
    names = list(right)
    return pd.DataFrame([r for i, a in enumerate(names) for b in names[i + 1:]
                         for r in compare(right[a], right[b], "softmax_regression", "float64")])


def a_report():
    table = pd.DataFrame({"dtype": ["float64"] * 2, "lambda": [0.0, 0.1], "pair": ["manual vs scikit-learn"] * 2,
                          "quantity": ["dJ/dθ at the solution", "W"], "max_abs": [3.6e-15, 1.2e-12],
                          "max_rel": [2.4e-17, 3.8e-15], "rtol": [1e-9, 1e-9], "verdict": ["agree", "agree"]})
    section = Section("softmax_regression", "closed form", table, "A sentence of explanation. " * 12)
    return report.Report(agreement(), pd.DataFrame(), {"softmax_regression": "64 digits " * 20}, {}, [section])


@pytest.mark.parametrize("width", [60, *WIDTHS])
def test_the_report_fits_the_terminal_and_its_files_keep_every_column(monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    shown = a_report()
    text = report.render_terminal(shown, out="reports")
    assert too_long(text, width) == []
    assert "3 comparison(s) disagree: softmax_regression float64 dW (manual vs torch" in " ".join(text.split())
    assert verdict_is_last(text) and "quantity" in text and "dW" in text and "3.8e-15" in text
    matrix = report.matrices(shown.agreement)[0][1]
    assert header_of(report.files(shown)["agreement.md"], "model") == list(matrix.columns)
    assert "every column: reports/agreement.md, reports/agreement.csv" in text


def a_gallery():
    row = {"kind": "mistake", "name": "a global m that differs from the batch", "model": "seed_net",
           "planted": "m = M_TRAIN", "instead of": "m = X.shape[1]", "batch": "typical", "quantity": "dW2",
           "diagnosis": "a factor 64/42000: the m used (42000) is not the batch size (64); a global m? Take m "
                        "from the batch passed in (its number of examples)",
           "conventions that flag it": "CS231n, Ng, deeplearning.ai, ADBench/GradBench", "verdict": "caught"}
    return exhibit.Exhibit(pd.DataFrame([row, {**row, "name": "softmax without subtracting the maximum"}],
                                        columns=exhibit.COLUMNS), {})


@pytest.mark.parametrize("width", [60, *WIDTHS])
def test_the_mistakes_table_fits_the_terminal_and_its_files_keep_every_column(monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    gallery = a_gallery()
    text = exhibit.render_terminal(gallery, out="reports")
    assert too_long(text, width) == [] and "2 of 2 mistakes caught" in text
    assert set(exhibit.KEYS) <= set(text.split()) and "64/42000" in text and "instead of" not in text
    assert header_of(exhibit.files(gallery)["mistakes.md"], "kind") == exhibit.COLUMNS


@pytest.mark.parametrize("width", [60, *WIDTHS])
def test_the_bench_tables_fit_the_terminal_and_the_files_keep_every_column(monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    bench = Bench("seed_net", dict(m=60_000, dtypes=["float32"], kinds=["gradient"], repeats=3, warmup=1, threads=2,
                                   seed=0, ms=[10, 100, 1000, 10_000], widths=[], width_m=100),
                  {"cpu": None, "gpu": None}, {"torch": None, "jax": None}, {"GPU": "none present"},
                  table=[{**r, "status": "failed: " + "a long reason " * 8} if r["backend"] == "jax.jit" else r
                         for r in table_rows()], sweep_m=sweep_rows())
    bench.slopes = slopes(bench.sweep_m, "m")
    text = tables.terminal(bench, out="bench")
    assert too_long(text, width) == []
    assert set(tables.TABLE_KEYS) <= set(text.split()) and "every column: bench/bench.md, bench/bench.csv" in text
    assert on_one_line(text, tables.TABLE_KEYS) or width < 80     # at 60 the key columns are dealt in two
    md = tables.markdown(bench)
    assert header_of(md, "dtype") == [c for c in tables.TABLE if c in table_rows()[0]]
    assert header_of(md, "sweep") == tables.SLOPES


# --- The commands end to end ------------------------------------------------------------------------------

@pytest.mark.slow
def test_report_fits_the_terminal(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("COLUMNS", "100")
    status, out, err = run_cli(capsys, "report", "--model", "linear_regression", "--no-speed", "--out", str(tmp_path))
    assert status == 0 and too_long(out, 100) == [] and verdict_is_last(out)
    assert "VERDICT: every derivation agrees." in out and "quantity" in out and "manual vs" in out
    assert f"every column: {tmp_path}/agreement.md, {tmp_path}/agreement.csv" in " ".join(out.split())
    assert header_of((tmp_path / "agreement.md").read_text(), "model")[:3] == ["model", "quantity", "scaling"]
    assert header_of((tmp_path / "linear_regression-numerical-witness.md").read_text(), "dtype") == SHOWN


@pytest.mark.slow
def test_mistakes_fits_the_terminal(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("COLUMNS", "80")
    status, out, err = run_cli(capsys, "mistakes", "--out", str(tmp_path))
    assert status == 0 and too_long(out, 80) == [] and "15 of 15 mistakes caught" in out
    assert header_of((tmp_path / "mistakes.md").read_text(), "kind") == exhibit.COLUMNS


@pytest.mark.slow
def test_bench_fits_the_terminal(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("COLUMNS", "80")
    status, out, err = run_cli(capsys, "bench", "--model", "linear_regression", "--m", "48", "--sweep-m", "8,16",
                               "--sweep-width", "none", "--dtype", "float64", "--repeats", "1", "--warmup", "0",
                               "--threads", "1", "--backend", "manual NumPy", "--no-memory", "--out", str(tmp_path))
    assert status == 0 and too_long(out, 80) == []
    assert on_one_line(out, tables.TABLE_KEYS)
    assert header_of((tmp_path / "bench.md").read_text(), "dtype")[:3] == ["dtype", "kind", "backend"]
