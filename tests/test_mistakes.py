"""The gallery: every planted mistake is caught where it first shows and diagnosed; every
look-alike passes; the conventions column comes from the numerical witness's scores."""

import pytest

from comparisons.cli import main
from comparisons.mistakes import exhibit
from comparisons.mistakes.gallery import GALLERY, LOOK_ALIKE, MISTAKE
from comparisons.mistakes.render import files, render_terminal

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
MISTAKES = [e for e in GALLERY if e.kind == MISTAKE]
LOOK_ALIKES = [e for e in GALLERY if e.kind == LOOK_ALIKE]


@pytest.fixture(scope="module")
def gallery():
    """The whole gallery, run once (references computed once per model and batch)."""
    return exhibit.run(m=32)


def row(gallery, entry):
    return gallery.table.set_index("name").loc[entry.name]


def test_the_gallery_has_at_least_twelve_mistakes_each_with_an_expectation():
    assert len(MISTAKES) >= 12 and LOOK_ALIKES
    assert sorted(e.name for e in MISTAKES) == sorted(EXPECTED)


@pytest.mark.parametrize("entry", MISTAKES, ids=lambda e: e.name)
def test_each_mistake_is_caught_where_it_first_shows_and_diagnosed(gallery, entry):
    batch, quantity, words = EXPECTED[entry.name]
    r = row(gallery, entry)
    assert r["verdict"] == exhibit.CAUGHT
    assert (r["batch"], r["quantity"]) == (batch, quantity)
    assert words in r["diagnosis"]


@pytest.mark.parametrize("entry", LOOK_ALIKES, ids=lambda e: e.name)
def test_each_look_alike_passes(gallery, entry):
    r = row(gallery, entry)
    assert r["verdict"] == exhibit.PASSES, r["diagnosis"]
    assert gallery.results[entry.name].passed


@pytest.mark.parametrize("entry", GALLERY, ids=lambda e: e.name)
def test_the_planted_line_is_shown(gallery, entry):
    source_line = exhibit.planted_line(entry)[0]
    assert row(gallery, entry)["planted"] == source_line and source_line


def test_instead_of_shows_the_right_line():
    entry = next(e for e in GALLERY if e.name == "missing 1/m")
    assert exhibit.planted_line(entry) == ("dW2 = dZ2 @ A1.T", "dW2 = dZ2 @ A1.T / m")


@pytest.mark.parametrize("entry", [e for e in MISTAKES if EXPECTED[e.name][0] == "typical"], ids=lambda e: e.name)
def test_conventions_named_for_a_mistake_come_from_the_witness(gallery, entry):
    named = row(gallery, entry)["conventions that flag it"]
    assert named != "(numerical witness not run)"
    assert set(named.split(", ")) <= {"CS231n", "Ng", "deeplearning.ai", "ADBench/GradBench", "none"}


def test_the_gallery_is_ok_and_its_files_are_markdown_and_csv(gallery):
    assert gallery.ok
    written = files(gallery)
    assert set(written) == {"mistakes.md", "mistakes.csv"}
    assert written["mistakes.csv"].splitlines()[0].startswith("kind,name,model,planted,instead of,batch")
    assert f"{len(MISTAKES)} of {len(MISTAKES)} mistakes caught" in render_terminal(gallery)


def test_the_command_prints_writes_and_exits_0(gallery, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(exhibit, "run", lambda **options: gallery)
    assert main(["mistakes", "--out", str(tmp_path)]) == 0
    assert "mistakes caught" in capsys.readouterr().out
    assert (tmp_path / "mistakes.md").read_text().startswith("# Classic mistakes, caught and explained")


def test_the_command_refuses_a_file_as_its_folder_before_any_work(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("")
    assert main(["mistakes", "--out", str(target)]) == 2
    assert "is a file; expected a folder" in capsys.readouterr().err
