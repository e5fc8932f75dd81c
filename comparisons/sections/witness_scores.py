"""The numerical witness in reports: every convention's score per quantity and dtype, the sentences
that explain it (method, steps, kinks, directions, the first wrong line), and the step-sweep plots.

The rows, words and plot come from ``comparisons.numerical``, the same that ``handgrad check`` prints;
a quantity of which the witness measured no element reads ``not measured`` in the table.
"""

import pandas as pd

from comparisons.agreement import METHOD_WHY, METRIC
from comparisons.numerical import (CONVENTIONS, SHOWN, check_rows, describe, direction_rows, figure_name, rows_ok,
                                   score_table, sweep_png)
from comparisons.numerical.checks import WHOLE, whole_row
from comparisons.sections import Section


def witness_section(model, pairs):
    """``(Section, {png name: bytes})`` for ``pairs`` of (manual ``Result``, ``Witness``), one per dtype."""
    tables, texts, figures, ok = [], [], {}, True
    for manual, w in pairs:
        rows = check_rows(manual, w, model)
        directions = direction_rows(manual, w)
        ok &= rows_ok(rows, directions)
        tables.append(score_table(rows, whole_row(manual, w)))
        texts.append(f"- {describe(w, rows, directions, list(manual.grads))}")
        if w.sweep_dtype == w.dtype:
            figures[figure_name(model, w.dtype)] = sweep_png(w.sweep, f"{model}: central-difference step sweep "
                                                                      f"({w.dtype} parameters, in float64)")
    legend = "; ".join(f"{c.name} = {c.formula}, threshold {c.threshold} ({c.source})" for c in CONVENTIONS)
    rtols = {w.method: w.result.rtol for _, w in reversed(pairs)}   # the first witness's, per method
    text = "\n".join(texts + [
        f"- Columns: {legend}. The row `{WHOLE}` scores every parameter gradient as one vector, as the courses "
        f"publish their figures. `*_pass` is each convention's own verdict; `verdict` is the project's, as in "
        f"the agreement table: {METRIC}",
        *[f"- rtol of the {m}: the larger of the dtype's and {rtols[m]:.0e}, because {METHOD_WHY[m]}."
          for m in sorted(rtols)],
        "- The witness differentiates the manual loss itself, so it cannot see a wrong loss: PyTorch and JAX "
        "check the loss (LOSS MISMATCH in the agreement table)."])
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=SHOWN)
    return Section(model, "numerical witness", table, text, bool(ok)), figures
