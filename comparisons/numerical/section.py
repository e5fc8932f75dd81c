"""The witness in reports: a table of every convention's score, the sentences that explain it, the plot."""

import pandas as pd

from comparisons.agreement import AGREE
from comparisons.numerical.check import check_rows, direction_rows
from comparisons.numerical.directions import KINK_CROSSED
from comparisons.numerical.localize import localize
from comparisons.numerical.scores import CONVENTIONS
from comparisons.numerical.sweep_plot import sweep_png
from comparisons.sections import Section
from comparisons.agreement import METHOD_WHY

SHOWN = ["dtype", "quantity", "measured", "elements", "kink_crossed", "max_abs", "cs231n", "cs231n_band", "cs231n_pass",
         "ng", "ng_pass", "dlai_pass", "adbench", "adbench_pass", "cosine", "max_rel", "rtol", "verdict"]


def score_table(rows):
    """The check rows as a table of the columns a reader compares, in ``SHOWN`` order."""
    return pd.DataFrame(rows).reindex(columns=SHOWN)


def rows_ok(rows, directions):
    """Every quantity agrees and every judged direction agrees."""
    return all(r["verdict"] == AGREE for r in rows) and all(d["verdict"] in (AGREE, KINK_CROSSED) for d in directions)


def figure_name(model, dtype):
    return f"{model}-step-sweep-{dtype}.png"


def describe(w, rows, directions, order):
    """Sentences for one witness: method, plan, steps and sweep error, kinks, directions, localisation."""
    steps = ", ".join(f"{k} {h:.1e} (sweep error {w.sweep.error[k]:.1e})" for k, h in w.steps.items())
    judged = [d for d in directions if d["verdict"] != KINK_CROSSED]
    worst = max((d["max_rel"] for d in judged), default=float("nan"))
    crossed = ", ".join(f"{q} {c['kink_crossed']}" for q, c in w.counts.items() if c["kink_crossed"])
    lines = [f"{w.dtype} parameters, witnessed in float64 by {w.method} over {w.plan.describe()}; "
             f"{w.seconds:.1f} s.",
             *[f"{n[0].upper()}{n[1:]}." for n in w.notes],
             f"Central-difference steps chosen by the sweep (plot {figure_name(w.model, w.sweep_dtype)}): {steps}.",
             f"Kink-crossed elements, counted and not judged: {w.kink_crossed()}"
             + (f" ({crossed})." if crossed else "."),
             f"{len(directions)} random unit directions: {sum(d['verdict'] == AGREE for d in judged)} of "
             f"{len(judged)} judged agree (worst max_rel {worst:.1e}), "
             f"{len(directions) - len(judged)} kink-crossed.",
             localize(rows, order).sentence()]
    return " ".join(lines)


def witness_section(model, pairs):
    """``(Section, {png name: bytes})`` for ``pairs`` of (manual ``Result``, ``Witness``), one per dtype."""
    tables, texts, figures, ok = [], [], {}, True
    for manual, w in pairs:
        rows = check_rows(manual, w, model)
        directions = direction_rows(manual, w)
        ok &= rows_ok(rows, directions)
        tables.append(score_table(rows))
        texts.append(f"- {describe(w, rows, directions, list(manual.grads))}")
        if w.sweep_dtype == w.dtype:
            figures[figure_name(model, w.dtype)] = sweep_png(w.sweep, f"{model}: central-difference step sweep "
                                                                      f"({w.dtype} parameters, in float64)")
    methods = sorted({w.method for _, w in pairs})
    legend = "; ".join(f"{c.name} = {c.formula}, threshold {c.threshold} ({c.source})" for c in CONVENTIONS)
    text = "\n".join(texts + [
        f"- Columns: {legend}. `*_pass` is each convention's own verdict; `verdict` is the project's "
        "(max_rel against rtol, as in the agreement table).",
        *[f"- rtol of the {m}: the larger of the dtype's and {w_rtol(pairs, m):.0e}, because {METHOD_WHY[m]}."
          for m in methods],
        "- The witness differentiates the manual loss itself, so it cannot see a wrong loss: PyTorch and JAX "
        "check the loss (LOSS MISMATCH in the agreement table)."])
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=SHOWN)
    return Section(model, "numerical witness", table, text, bool(ok)), figures


def w_rtol(pairs, method):
    return next(w.result.rtol for _, w in pairs if w.method == method)
