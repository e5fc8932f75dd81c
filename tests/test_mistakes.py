"""The gallery: every planted mistake is a copy of a correct derivation changed in one place, the
marked line; it is caught where it first shows and diagnosed; every look-alike passes; the
conventions column comes from the numerical witness's scores."""

import difflib
import inspect

import pandas as pd
import pytest

from comparisons.cli import main
from comparisons.mistakes import GALLERY, LOOK_ALIKE, MISTAKE, exhibit, files, planted_line, render_terminal

# name: (batch, quantity where it first shows, words its diagnosis must hold)
EXPECTED = {
    "missing 1/m": ("typical", "dW2", "the 1/m is missing"),
    "bias gradient summed over all axes": ("typical", "db2", "() where (10, 1) expected: summed over all axes"),
    "a global m that differs from the batch": ("typical", "dW2", "the m used (42000) is not the batch size (32)"),
    "a mistake in a single element": ("typical", "db2", "only 1 of 10 elements differ, at (0, 0)"),
    "dZ2 = Y - A2": ("typical", "dZ2", "sign flipped"),
    "a missing transpose (W2 for W2.T)": ("typical", "dA1", "equals W2 @ dZ2 where W2.T @ dZ2 is expected"),
    "the product's operands swapped (X dZ1^T)": ("typical", "dW1", "(784, 10) where (10, 784) expected: transposed"),
    "ReLU derivative left out of dZ1": ("typical", "dZ1", "the ReLU derivative (A1 > 0) is missing"),
    "sigmoid's derivative used for ReLU": ("typical", "dZ1", "A1 (1 - A1), sigmoid's derivative"),
    "softmax without subtracting the maximum": ("large-logits", "A2", "overflow in exp"),
    "one-hot sized by the largest label seen": ("class-missing", "backward_prop", "one-hot sized by the largest label"),
    "the bias regularised": ("typical", "db2", "lambda/m * b2 added: the bias regularised"),
    "L2 term lambda/m W dropped from the gradient": ("typical", "dW2", "the L2 term lambda/m * W2 is missing"),
    "L2 term halved: lambda/(2m) W, the loss's factor": ("typical", "dW2", "half the L2 term"),
    "L2 term doubled: 2 lambda/m W": ("typical", "dW2", "the L2 term doubled"),
}
CONVENTIONS = {"CS231n", "Ng", "deeplearning.ai", "ADBench/GradBench"}
# why no convention's score could be computed, by the batch where the mistake first shows
NO_SCORE = {"typical": "", "large-logits": "NaN or inf)", "class-missing": "it raises: no check runs)"}
MISTAKES = [e for e in GALLERY if e.kind == MISTAKE]
LOOK_ALIKES = [e for e in GALLERY if e.kind == LOOK_ALIKE]


@pytest.fixture(scope="module")
def gallery():
    """The whole gallery, run once (references computed once per model and batch)."""
    return exhibit.run(m=32)


def row(gallery, entry):
    return gallery.table.set_index("name").loc[entry.name]


def code_lines(function):
    """The function's body without its def line, docstring and comments."""
    lines = [line.split("#")[0].rstrip() for line in inspect.getsource(function).splitlines()[1:]]
    return [line for line in lines if line.strip() and not line.strip().startswith('"""')]


def test_the_gallery_has_at_least_twelve_mistakes_each_with_an_expectation():
    assert len(MISTAKES) >= 12 and LOOK_ALIKES
    assert sorted(e.name for e in MISTAKES) == sorted(EXPECTED)


@pytest.mark.parametrize("entry", MISTAKES, ids=lambda e: e.name)
def test_each_mistake_is_its_correct_derivation_changed_in_one_place_the_marked_line(entry):
    right, planted = code_lines(entry.right), code_lines(entry.planted)
    changes = [op for op in difflib.SequenceMatcher(a=right, b=planted, autojunk=False).get_opcodes()
               if op[0] != "equal"]
    assert len(changes) == 1, changes
    _, _, _, start, end = changes[0]
    marked, instead = planted_line(entry)
    assert marked in [line.strip() for line in planted[start:end]]
    assert instead in [line.strip() for line in right] and instead != marked


@pytest.mark.parametrize("entry", LOOK_ALIKES, ids=lambda e: e.name)
def test_each_look_alike_marks_a_line_its_correct_derivation_does_not_have(entry):
    marked, _ = planted_line(entry)
    assert marked and marked not in [line.strip() for line in code_lines(entry.right)]


def test_instead_of_shows_the_right_line():
    entry = next(e for e in GALLERY if e.name == "missing 1/m")
    assert planted_line(entry) == ("dW2 = dZ2 @ A1.T", "dW2 = dZ2 @ A1.T / m")


@pytest.mark.slow
@pytest.mark.parametrize("entry", MISTAKES, ids=lambda e: e.name)
def test_each_mistake_is_caught_where_it_first_shows_and_diagnosed(gallery, entry):
    batch, quantity, words = EXPECTED[entry.name]
    r = row(gallery, entry)
    assert r["verdict"] == exhibit.CAUGHT
    assert (r["batch"], r["quantity"]) == (batch, quantity)
    assert words in r["diagnosis"]


@pytest.mark.slow
@pytest.mark.parametrize("entry", LOOK_ALIKES, ids=lambda e: e.name)
def test_each_look_alike_passes_and_no_convention_raises_a_false_alarm(gallery, entry):
    r = row(gallery, entry)
    assert r["verdict"] == exhibit.PASSES, r["diagnosis"]
    assert gallery.results[entry.name].passed
    assert r["conventions that flag it"] == "none"


@pytest.mark.slow
@pytest.mark.parametrize("entry", GALLERY, ids=lambda e: e.name)
def test_the_planted_line_and_the_line_it_replaces_are_shown(gallery, entry):
    marked, instead = planted_line(entry)
    r = row(gallery, entry)
    assert (r["planted"], r["instead of"]) == (marked, instead if entry.kind == MISTAKE else "-")


@pytest.mark.slow
@pytest.mark.parametrize("entry", MISTAKES, ids=lambda e: e.name)
def test_conventions_named_for_a_mistake_come_from_the_witness(gallery, entry):
    named, _, why = row(gallery, entry)["conventions that flag it"].partition(" (")
    assert set(named.split(", ")) <= CONVENTIONS   # so neither "none" nor "(numerical witness not run)"
    assert why == NO_SCORE[EXPECTED[entry.name][0]]


@pytest.mark.slow
def test_the_gallery_is_ok_and_its_files_are_markdown_and_csv(gallery):
    assert gallery.ok
    written = files(gallery)
    assert set(written) == {"mistakes.md", "mistakes.csv"}
    assert written["mistakes.csv"].splitlines()[0].startswith("kind,name,model,planted,instead of,batch")
    assert f"{len(MISTAKES)} of {len(MISTAKES)} mistakes caught" in render_terminal(gallery)


@pytest.mark.slow
def test_the_command_prints_writes_and_exits_0(gallery, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(exhibit, "run", lambda **options: gallery)
    assert main(["mistakes", "--out", str(tmp_path)]) == 0
    assert f"{len(LOOK_ALIKES)} of {len(LOOK_ALIKES)} look-alikes pass." in capsys.readouterr().out
    assert (tmp_path / "mistakes.md").read_text().startswith("# Classic mistakes, caught and explained")
    written = pd.read_csv(tmp_path / "mistakes.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(written, gallery.table.astype(str))


def test_the_command_refuses_a_file_as_its_folder_before_any_work(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("")
    assert main(["mistakes", "--out", str(target)]) == 2
    assert "is a file; expected a folder" in capsys.readouterr().err
