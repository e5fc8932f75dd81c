"""The mistakes gallery per layer (``comparisons/mistakes/layer_exhibit.py``, the planted backwards in
``layer_slips.py``): every layer mistake is caught, by every reference asked, in the gradients it
breaks; every look-alike passes; the table's columns; and ``handgrad mistakes`` prints the layers'
section after the models' gallery, writes it, and counts a miss or a false alarm in its exit status."""

import inspect
import io

import numpy as np
import pandas as pd
import pytest

from comparisons.agreement import PASSING, rtol_for
from comparisons.cli import main
from comparisons.mistakes import exhibit, layer_exhibit, layer_slips
from comparisons.mistakes.gallery import LOOK_ALIKE, MISTAKE
from comparisons.mistakes.layer_exhibit import LAYER_GALLERY, Entry, key

LSTM = ["dx", "dprev_h", "dWx", "dWh", "db"]
# "layer: name" -> the gradients that disagree (in the table's words); every reference asked flags each
EXPECTED = {
    "batchnorm: mean and variance as constants": ["dx"],
    "batchnorm_alt (var < eps): eps left out of the backward": ["dx", "dgamma"],
    "batchnorm_alt: biased forward, the unbiased (N - 1) backward": ["dx"],
    "batchnorm_alt (unbiased forward): unbiased forward, the biased (N) backward": ["dx"],
    "layernorm: layer norm's sums over the batch axis": ["dx"],
    "conv_naive: dx without the flip": ["dx"],
    "conv_naive: dx with the padding left in (the witness refuses its shape)": ["dx (shape)"],
    "conv_naive: dx cropped at the corner": ["dx"],
    "max_pool: dout to every element of the window": ["dx"],
    "max_pool (a tie): dout to every tied maximum": ["dx"],
    "avg_pool: average pooling without the division": ["dx"],
    "dropout: dropout without 1/p": ["dx"],
    "dropout: dropout without the mask": ["dx"],
    "lstm_step: the LSTM's gates in the wrong order": LSTM,                 # dprev_c = dc f needs no gate order
    "lstm_step: the LSTM without tanh' of the cell": ["dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"],
    "rnn: the RNN without dh carried back": ["dx", "dh0", "dWx", "dWh", "db"],
    "attention: attention without the softmax Jacobian": ["dq", "dk"],        # dv = P^T dout needs none
    "attention_causal: causal attention without the softmax Jacobian": ["dq", "dk"],
    "softmax_loss: softmax loss without 1/N": ["dx"],
    "svm_loss: SVM counting the labelled class's own margin": ["dx"],
    "word_embedding: embedding by assignment": ["dW"],
    "word_embedding: embedding by buffered +=": ["dW"],
}
MISTAKES = [e for e in LAYER_GALLERY if e.kind == MISTAKE]
LOOK_ALIKES = [e for e in LAYER_GALLERY if e.kind == LOOK_ALIKE]
# the layers the list names, each with a mistake and a look-alike in the gallery
BOTH = {"batchnorm", "batchnorm_alt (unbiased forward)", "layernorm", "conv_naive", "max_pool (a tie)", "avg_pool",
        "dropout", "lstm_step", "rnn", "attention", "attention_causal", "softmax_loss", "svm_loss", "word_embedding"}


@pytest.fixture(scope="module")
def gallery():
    """The whole layer gallery, run once."""
    return layer_exhibit.run()


def row(gallery, entry):
    return gallery.table.iloc[list(LAYER_GALLERY).index(entry)]


def marked_lines(function):
    return [line for line in inspect.getsource(function).splitlines()
            if any(mark in line for mark in exhibit.MARKS)]


# --- the entries, without running them --------------------------------------------------------------

def test_every_mistake_has_an_expectation_and_every_named_layer_a_look_alike():
    assert sorted(key(e) for e in MISTAKES) == sorted(EXPECTED)
    assert BOTH <= {e.label for e in MISTAKES} & {e.label for e in LOOK_ALIKES}
    assert len({key(e) for e in LAYER_GALLERY}) == len(LAYER_GALLERY)


@pytest.mark.parametrize("entry", LAYER_GALLERY, ids=key)
def test_each_entry_marks_one_line_planted_in_a_mistake(entry):
    lines = marked_lines(entry.marked)
    assert len(lines) == 1, lines
    if entry.kind == MISTAKE:
        assert "# planted" in lines[0]
    elif entry.marked is not layer_slips.unbiased_variance_formula:   # right for the unbiased forward only
        assert "# looks wrong" in lines[0]
    assert exhibit.planted_line(entry)[0] == lines[0].split("#")[0].strip()


def test_every_marked_function_of_layer_slips_is_in_the_gallery():
    marked = {name for name, f in inspect.getmembers(layer_slips, inspect.isfunction)
              if f.__module__ == layer_slips.__name__ and marked_lines(f)}
    assert marked == {e.marked.__name__ for e in LAYER_GALLERY}


# --- the gallery run --------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("entry", MISTAKES, ids=key)
def test_each_layer_mistake_is_caught_in_the_gradients_it_breaks_by_every_reference(gallery, entry):
    r = row(gallery, entry)
    assert r["verdict"] == exhibit.CAUGHT
    assert r["quantity"].split(", ") == EXPECTED[key(entry)]
    rows = gallery.results[key(entry)]
    bad = rows[~rows["verdict"].isin(PASSING)]
    assert {q: set(g["reference"]) for q, g in bad.groupby("quantity")} == \
        {q.split(" ")[0]: set(entry.against) for q in EXPECTED[key(entry)]}
    shape = EXPECTED[key(entry)] == ["dx (shape)"]
    assert np.isnan(r["max_rel"]) if shape else r["max_rel"] > 100 * rtol_for("float64")


@pytest.mark.slow
@pytest.mark.parametrize("entry", LOOK_ALIKES, ids=key)
def test_each_look_alike_passes_every_reference(gallery, entry):
    r = row(gallery, entry)
    assert (r["verdict"], r["quantity"]) == (exhibit.PASSES, "none"), r.to_dict()
    assert r["max_rel"] <= rtol_for("float64")
    assert set(gallery.results[key(entry)]["reference"]) == set(entry.against)


@pytest.mark.slow
def test_the_table_files_and_summary(gallery):
    assert list(gallery.table.columns) == layer_exhibit.COLUMNS == \
        ["kind", "layer", "name", "planted", "quantity", "max_rel", "against", "verdict"]
    assert gallery.ok
    assert f"{len(MISTAKES)} of {len(MISTAKES)} layer mistakes caught; {len(LOOK_ALIKES)} of " \
           f"{len(LOOK_ALIKES)} look-alikes pass." in layer_exhibit.render_terminal(gallery)
    csv = layer_exhibit.files(gallery)["layer-mistakes.csv"]
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(csv)), gallery.table)
    assert layer_exhibit.section(gallery).startswith("## Layers: classic mistakes in a layer's backward")


# --- quick: a few entries in process, the verdicts that fail, the terminal ---------------------------

def few(*keys):
    return [e for e in LAYER_GALLERY if key(e) in keys]


def test_a_few_entries_in_process_caught_and_passing():
    entries = few("dropout: dropout without 1/p", "dropout: dropout by np.where")
    gallery = layer_exhibit.run(entries)
    assert list(gallery.table["verdict"]) == [exhibit.CAUGHT, exhibit.PASSES] and gallery.ok
    assert list(gallery.table["planted"]) == ["return dout * mask",
                                              "return np.where(mask, dout / p, 0).astype(dout.dtype)"]
    assert list(gallery.table["quantity"]) == ["dx", "none"]
    assert list(gallery.table["against"]) == ["torch, jax, numerical"] * 2


def test_a_missed_mistake_a_false_alarm_and_a_backward_that_raises_are_failures():
    layer = next(e.layer for e in LAYER_GALLERY if e.layer.name == "dropout")

    def raises(dout, cache):
        raise ValueError("no")

    entries = [Entry("the right backward, as if planted", MISTAKE, layer, layer_slips.dropout_where_lookalike,
                     layer_slips.dropout_where_lookalike),
               Entry("a wrong backward, as if right", LOOK_ALIKE, layer, layer_slips.dropout_without_scale,
                     layer_slips.dropout_without_scale),
               Entry("a backward that raises", MISTAKE, layer, raises, layer_slips.dropout_without_mask)]
    gallery = layer_exhibit.run(entries)
    assert list(gallery.table["verdict"]) == [exhibit.MISSED, exhibit.FALSE_ALARM, exhibit.UNCHECKED]
    assert gallery.table["quantity"].iloc[2] == "could not be checked: ValueError: no"
    assert not gallery.ok


def stub(verdict=exhibit.CAUGHT):
    """A layer gallery of one row, as ``run`` makes it, without running the check."""
    entry = few("softmax_loss: softmax loss without 1/N")[0]
    r = dict(kind=MISTAKE, layer="softmax_loss", name=entry.name, planted=exhibit.planted_line(entry)[0],
             quantity="dx", max_rel=0.8, against="torch, jax, numerical", verdict=verdict)
    return exhibit.Exhibit(pd.DataFrame([r], columns=layer_exhibit.COLUMNS), {})


def models_stub():
    """A models' gallery of one row, as ``exhibit.run`` makes it, without running the verifier."""
    r = dict(zip(exhibit.COLUMNS, [MISTAKE, "missing 1/m", "seed_net", "dW2 = dZ2 @ A1.T", "dW2 = dZ2 @ A1.T / m",
                                   "typical", "dW2", "the 1/m is missing", "CS231n", exhibit.CAUGHT]))
    return exhibit.Exhibit(pd.DataFrame([r], columns=exhibit.COLUMNS), {})


def test_the_terminal_keeps_the_key_columns_when_narrow(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    text = layer_exhibit.render_terminal(stub(), out=None)
    header = text.splitlines()[2].split()
    assert set(layer_exhibit.KEYS) <= set(header) and "against" not in header and "name" not in header
    assert "every column: in mistakes.md, layer-mistakes.csv" in text
    assert all(len(line) <= 60 for line in text.splitlines())


@pytest.mark.parametrize("layers, status", [(exhibit.CAUGHT, 0), (exhibit.MISSED, 1), (exhibit.FALSE_ALARM, 1)])
def test_the_command_prints_the_layers_after_the_models_writes_both_and_counts_a_miss(
        tmp_path, capsys, monkeypatch, layers, status):
    models, ours = models_stub(), stub(layers)
    monkeypatch.setattr(exhibit, "run", lambda **options: models)
    monkeypatch.setattr(layer_exhibit, "run", lambda **options: ours)
    assert main(["mistakes", "--out", str(tmp_path)]) == status
    out = capsys.readouterr().out
    assert out.startswith(exhibit.render_terminal(models, out=str(tmp_path)))       # the models' output as it was
    assert out.index("1 of 1 mistakes caught") < out.index("Layer mistakes") < out.index("layer mistakes caught")
    md = (tmp_path / "mistakes.md").read_text()
    assert md.startswith(exhibit.files(models)["mistakes.md"]) and md.endswith(layer_exhibit.section(ours))
    written = pd.read_csv(tmp_path / "layer-mistakes.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(written, ours.table.astype(str))
    assert (tmp_path / "mistakes.csv").read_text() == models.table.to_csv(index=False)
