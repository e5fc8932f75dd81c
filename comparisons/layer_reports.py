"""The layer catalogue in handgrad's reports: ``check --layer`` (one layer's hand backward against the
numerical witness, with every convention's score) and the layer section of ``report``.

A layer out = f(x, w, ...) is judged through the scalar s = sum(out * dout), dout standard normal of
out's shape (``comparisons.layer_check``): its gradients are the vector-Jacobian products the backward
returns, so the witness differentiates s in float64 exactly as ``check --model`` differentiates a
model's loss J, and reads with the same scores, directions and verdict.
"""

import numpy as np

from comparisons import layer_check

TITLE = "layer catalogue"       # the report's section (its files: layers-layer-catalogue.md, .csv)


def describe_inputs(layer, inputs, dout):
    """One sentence: the inputs' shapes and dtypes, the gradients judged, and dout's shape."""
    shown = ", ".join(f"{k} {tuple(np.shape(v))}" + ("" if k in layer.grads else " (integer, not differentiated)"
                                                      if not np.issubdtype(np.asarray(v).dtype, np.floating) else "")
                      for k, v in inputs.items())
    options = ", ".join(f"{k}={v}" for k, v in layer.options.items() if k != "running")
    return (f"inputs {shown}{f'; options {options}' if options else ''}; dout standard normal of out's shape "
            f"{tuple(np.shape(dout))}; the witness differentiates s = sum(out * dout) in float64")


def check_report(layer, seed=0, recipe=None, full=None, budget_s=5.0, out=None, **sizes):
    """``(text, {file name: text or PNG bytes}, ok)``: the layer's hand backward against the witness.

    ``recipe``: a course's own check beside it; ``full``, ``budget_s`` and ``sizes`` (per_array,
    directions) as for the witness's plan (``comparisons.numerical.plan_for``)."""
    from comparisons.numerical import figure_name, sweep_png
    from comparisons.numerical.checks import DIRECTION_KEYS, SCORE_KEYS
    from comparisons.terminal import every_column, fit_table, wrap_notes
    from comparisons.verify.black_box import BlackBox

    inputs = layer.inputs(seed, np.dtype("float64"))
    _, _, dout = layer_check.manual(layer, inputs, seed=seed)
    found = layer_check.witness(layer, inputs, dout, recipe=recipe, full=full, budget_s=budget_s, seed=seed,
                                **sizes)
    where = f"manual/layers/{layer.module}.py {layer.backward_name}"
    head = f"handgrad check: layer {layer.name} ({where}), seed {seed}: {describe_inputs(layer, inputs, dout)}."
    verdict = found.verdict.replace("your gradient", f"the hand backward of {layer.name}")
    figure = figure_name(f"layer-{layer.name}", "float64")
    how = found.how.replace(figure_name(BlackBox.name, "float64"), figure)    # the plot's name here
    intro = "Every convention's score, the hand backward (a) against the witness (b), per gradient:"
    screen = [wrap_notes(f"{head}\n{how}\n\n{intro}"),
              fit_table(found.table, SCORE_KEYS, floatfmt=".1e", note=every_column(out, ["check.md", "check.csv"])),
              "", "Random unit directions, ds/dθ · v:",
              fit_table(found.directions, DIRECTION_KEYS, floatfmt=".6g",
                        note=every_column(out, ["check.md", "directions.csv"]))]
    screen += ["", wrap_notes("\n".join(found.recipe))] if found.recipe else []
    screen += ["", wrap_notes(verdict)]
    files = {
        "check.md": "\n\n".join([f"# handgrad check: layer {layer.name}", head, how,
                                 "## Every convention's score\n\n" + found.table.to_markdown(index=False, floatfmt=".2e"),
                                 "## Random unit directions\n\n" + found.directions.to_markdown(index=False, floatfmt=".3e"),
                                 *(["## The course's own check\n\n" + "\n".join(found.recipe)] if found.recipe else []),
                                 *([f"![step sweep]({figure})"] if out else []), verdict]) + "\n",
        "check.csv": found.table.to_csv(index=False),
        "directions.csv": found.directions.to_csv(index=False),
    }
    if out:     # drawn only to be written (matplotlib's import and the drawing: most of a second)
        files[figure] = sweep_png(found.sweep, f"layer {layer.name}: central-difference step sweep of s (float64)")
    return "\n".join(screen), files, found.passed


def section(layers, dtypes, seed=0, progress=False, witness=True):
    """The report's layer section: ``layer_check.table`` of ``layers`` as a ``Section`` whose text says
    what was compared and names every row that disagrees."""
    return section_of(layer_check.table(layers, dtypes, seed, progress=progress, witness=witness), witness)


def section_of(frame, witness=True):
    """The ``Section`` of a layer table (``layer_check.table``'s frame, or the frames of several layers
    concatenated): its text says what was compared and names every row that disagrees."""
    from comparisons.agreement import PASSING
    from comparisons.sections import Section

    bad = frame[~frame["verdict"].isin(PASSING)]
    text = layer_check.explained(witness) + "\n" + (
        f"- {frame['layer'].nunique()} layers, every row agrees." if bad.empty else
        "- Disagrees: " + ", ".join(f"{r.layer} {r.quantity} ({r.dtype})" for r in bad.itertuples()) + ".")
    return Section("layers", TITLE, frame, text=text, ok=bad.empty)


def chosen(names):
    """The layers named (all of the catalogue's for None), in the catalogue's order."""
    from manual.layers import catalogue

    found = catalogue()
    return [found[n] for n in (names or found)]

