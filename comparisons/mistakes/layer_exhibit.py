"""The mistakes gallery per layer: each planted layer backward and each right look-alike
(``layer_slips.py``) run through the layer check (``comparisons.layer_check.check``: PyTorch's and
JAX's vector-Jacobian products and the numerical witness, float64) in place of its layer's own
backward, laid out as one table for ``handgrad mistakes``, after the models' gallery.

Every cell is computed in the run: ``planted`` is the line marked in the entry's source (read by
``exhibit.planted_line``), ``quantity`` the gradients some reference disagrees with ("none"),
``max_rel`` the worst relative error over every gradient and reference (NaN where a gradient's shape is
wrong), and the verdict: a mistake
flagged is ``caught`` (else ``MISSED``), a look-alike that agrees ``passes`` (else ``FALSE ALARM``).

    run(entries=LAYER_GALLERY, seed=0) -> exhibit.Exhibit    .table, .results, .ok
    render_terminal(gallery, out=None) -> str
    section(gallery) -> str (the section of mistakes.md)      files(gallery) -> {"layer-mistakes.csv": ...}
"""

from dataclasses import dataclass, replace
from typing import Callable, Optional

import numpy as np
import pandas as pd
from tqdm import tqdm

from comparisons.agreement import PASSING, SHAPE_MISMATCH
from comparisons.layer_check import REFERENCES, check
from comparisons.mistakes import layer_slips as slips
from comparisons.mistakes.exhibit import CAUGHT, FALSE_ALARM, MISSED, PASSES, UNCHECKED, Exhibit, planted_line
from comparisons.mistakes.gallery import LOOK_ALIKE, MISTAKE
from manual.layers import Layer, catalogue

COLUMNS = ["kind", "layer", "name", "planted", "quantity", "max_rel", "against", "verdict"]
KEYS = ["layer", "planted", "quantity", "verdict"]     # the rest: mistakes.md and layer-mistakes.csv
INTRO = ("Each planted backward is checked in place of its layer's own, exactly as `handgrad layers` checks "
         "the catalogue: against PyTorch's and JAX's vector-Jacobian products of the same forward with a "
         "random upstream gradient dout, and the numerical witness of s = sum(out * dout), in float64. "
         "`quantity`: the gradients some reference disagrees with; `max_rel`: the worst relative error over "
         "every gradient and reference. Look-alikes are written differently but are right: they must pass.")


@dataclass(frozen=True)
class Entry:
    """name: what it is; kind: MISTAKE or LOOK_ALIKE; layer: the ``Layer`` checked (the catalogue's, or
    one on other inputs or forwards, said by ``on``); backward: the hand backward checked instead of the
    layer's own (None: its own, where the forward is what was changed); marked_in: the function holding
    the marked line (None: the backward itself; ``marked`` is the one used); against: the references asked."""

    name: str
    kind: str
    layer: Layer
    backward: Optional[Callable]
    marked_in: Optional[Callable] = None
    on: str = ""
    against: tuple = REFERENCES

    @property
    def label(self):
        return f"{self.layer.name} ({self.on})" if self.on else self.layer.name

    # ``exhibit.planted_line`` reads ``planted`` and ``right``; a layer entry shows the marked line alone
    @property
    def marked(self):
        return self.marked_in or self.backward

    @property
    def planted(self):
        return self.marked

    @property
    def right(self):
        return self.marked


def entries():
    """The gallery's entries, on the catalogue's layers (``manual.layers.catalogue``)."""
    L = catalogue()
    narrow = replace(L["batchnorm_alt"], inputs=slips.narrow_batch)
    unbiased = slips.unbiased(L["batchnorm_alt"])
    tied = slips.tied_layer()
    step = slips.joint
    autograd = ("torch", "jax")
    M, A = MISTAKE, LOOK_ALIKE
    return (
        Entry("mean and variance as constants", M, L["batchnorm"], slips.mean_and_var_as_constants),
        Entry("eps left out of the backward", M, narrow, slips.backward_without_eps, on="var < eps"),
        Entry("biased forward, the unbiased (N - 1) backward", M, L["batchnorm_alt"],
              slips.unbiased_variance_formula),
        Entry("unbiased forward, the biased (N) backward", M, unbiased, None, slips.unbiased_manual_forward,
              on="unbiased forward"),
        Entry("layer norm's sums over the batch axis", M, L["layernorm"], slips.layernorm_summed_over_the_batch),
        Entry("dx without the flip", M, L["conv_naive"], slips.unflipped),
        Entry("dx with the padding left in (the witness refuses its shape)", M, L["conv_naive"],
              slips.padding_left_in, against=autograd),
        Entry("dx cropped at the corner", M, L["conv_naive"], slips.cropped_at_the_corner),
        Entry("dout to every element of the window", M, L["max_pool"], slips.every_element_of_the_window),
        Entry("dout to every tied maximum", M, tied, slips.every_tied_maximum, on="a tie", against=autograd),
        Entry("average pooling without the division", M, L["avg_pool"], slips.avg_without_dividing),
        Entry("dropout without 1/p", M, L["dropout"], slips.dropout_without_scale),
        Entry("dropout without the mask", M, L["dropout"], slips.dropout_without_mask),
        Entry("the LSTM's gates in the wrong order", M, L["lstm_step"],
              step(slips.lstm_step_backward_gates_swapped), slips.lstm_step_backward_gates_swapped),
        Entry("the LSTM without tanh' of the cell", M, L["lstm_step"],
              step(slips.lstm_step_backward_without_tanh_derivative),
              slips.lstm_step_backward_without_tanh_derivative),
        Entry("the RNN without dh carried back", M, L["rnn"], slips.rnn_backward_without_carry),
        Entry("attention without the softmax Jacobian", M, L["attention"],
              slips.attention_backward_without_softmax_jacobian),
        Entry("causal attention without the softmax Jacobian", M, L["attention_causal"],
              slips.attention_backward_without_softmax_jacobian),
        Entry("softmax loss without 1/N", M, L["softmax_loss"], slips.softmax_without_mean),
        Entry("SVM counting the labelled class's own margin", M, L["svm_loss"], slips.svm_counting_the_correct_class),
        Entry("embedding by assignment", M, L["word_embedding"], slips.embedding_assigned),
        Entry("embedding by buffered +=", M, L["word_embedding"], slips.embedding_buffered_add),
        Entry("the direct path less both corrections", A, L["batchnorm"], slips.direct_path_with_both_corrections),
        Entry("unbiased forward, the unbiased backward", A, unbiased, slips.unbiased_variance_formula,
              on="unbiased forward"),
        Entry("layer norm as batch norm of x^T", A, L["layernorm"], slips.layernorm_as_batchnorm_of_the_transpose),
        Entry("dx by a full correlation with the flipped filters", A, L["conv_naive"], slips.flipped),
        Entry("dx of the padded input, cropped by the padding", A, L["conv_naive"], slips.cropped_by_the_padding),
        Entry("dout to the first tied maximum", A, tied, slips.first_tied_maximum, on="a tie", against=autograd),
        Entry("average pooling divided by each side", A, L["avg_pool"], slips.avg_dividing_twice_by_a_side),
        Entry("dropout by np.where", A, L["dropout"], slips.dropout_where_lookalike),
        Entry("the LSTM's gates written slice by slice", A, L["lstm_step"],
              step(slips.lstm_step_backward_by_slices), slips.lstm_step_backward_by_slices),
        Entry("the RNN vectorised over time", A, L["rnn"], slips.rnn_backward_vectorised),
        Entry("attention with the full softmax Jacobian", A, L["attention"], slips.attention_backward_full_jacobian),
        Entry("causal attention with the full softmax Jacobian", A, L["attention_causal"],
              slips.attention_backward_full_jacobian),
        Entry("softmax loss by an in-place -1", A, L["softmax_loss"], slips.softmax_in_place_lookalike),
        Entry("SVM loop without skipping the label", A, L["svm_loss"], slips.svm_loop_without_continue_lookalike),
        Entry("embedding by a one-hot product", A, L["word_embedding"], slips.embedding_one_hot_lookalike),
    )


LAYER_GALLERY = entries()


def run(entries=LAYER_GALLERY, seed=0, progress=False):
    """An ``exhibit.Exhibit`` of ``entries``: .table (``COLUMNS``), .results {name: the check's rows, or
    the exception it raised}."""
    rows, results = [], {}
    for entry in tqdm(entries, desc="layer mistakes", unit="entry", disable=not progress):
        try:
            found = check(entry.layer, "float64", seed, against=entry.against, backward=entry.backward)
        except Exception as e:     # noqa: BLE001  (a backward that raises is shown, not a crash of the gallery)
            found = e
        results[key(entry)] = found
        rows.append(row(entry, found))
    return Exhibit(pd.DataFrame(rows, columns=COLUMNS), results)


def key(entry):
    """The entry's name in ``results``: its layer and name (two layers may share a mistake's name)."""
    return f"{entry.label}: {entry.name}"


def row(entry, found):
    """The table's row of one entry from the check's rows (or the exception it raised)."""
    out = dict(kind=entry.kind, layer=entry.label, name=entry.name, planted=planted_line(entry)[0],
               quantity="-", max_rel=np.nan, against=", ".join(entry.against))
    if isinstance(found, Exception):
        return {**out, "quantity": f"could not be checked: {type(found).__name__}: {str(found).splitlines()[0]}",
                "verdict": UNCHECKED}
    bad = found[~found["verdict"].isin(PASSING)]
    named = [f"{q} (shape)" if (g["verdict"] == SHAPE_MISMATCH).any() else q
             for q, g in bad.groupby("quantity", sort=False)]
    # the worst relative error; NaN (shown "-") where a disagreeing gradient has none (a wrong shape)
    worst = np.nan if bad["max_rel"].isna().any() else found["max_rel"].max()
    out.update(quantity=", ".join(named) or "none", max_rel=worst)
    if entry.kind == LOOK_ALIKE:
        return {**out, "verdict": PASSES if bad.empty else FALSE_ALARM}
    return {**out, "verdict": MISSED if bad.empty else CAUGHT}


def summary(gallery):
    """"k of n layer mistakes caught; j of l look-alikes pass." for an ``Exhibit``."""
    t = gallery.table
    mistakes, alikes = t[t["kind"] == MISTAKE], t[t["kind"] == LOOK_ALIKE]
    return (f"{(mistakes['verdict'] == CAUGHT).sum()} of {len(mistakes)} layer mistakes caught; "
            f"{(alikes['verdict'] == PASSES).sum()} of {len(alikes)} look-alikes pass.")


def render_terminal(gallery, out=None):
    """A heading, the table narrowed to ``KEYS`` and wrapped to the terminal, a line naming the files
    that hold every column, then the summary."""
    from comparisons.terminal import every_column, fit_table, wrap_notes

    table = fit_table(gallery.table, KEYS, floatfmt=".1e",
                      note=every_column(out, ["mistakes.md", "layer-mistakes.csv"]))
    return f"Layer mistakes (handgrad layers' check, float64):\n\n{table}\n\n{wrap_notes(summary(gallery))}"


def section(gallery):
    """The section of mistakes.md: the intro, the table in Markdown, the summary."""
    return (f"## Layers: classic mistakes in a layer's backward\n\n{INTRO}\n\n"
            + gallery.table.to_markdown(index=False, floatfmt=".2e") + f"\n\n{summary(gallery)}\n")


def files(gallery):
    """{"layer-mistakes.csv": the table}."""
    return {"layer-mistakes.csv": gallery.table.to_csv(index=False)}
