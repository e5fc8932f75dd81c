"""``handgrad check``'s output: the witness against the manual derivation, as text and as files."""

import numpy as np
import pandas as pd

from comparisons.agreement import AGREE
from comparisons.numerical.blind_spots import blind_spots
from comparisons.numerical.check import check_rows, direction_rows, manual_result
from comparisons.numerical.scores import conventions_table
from comparisons.numerical.section import describe, figure_name, rows_ok, score_table
from comparisons.numerical.sweep_plot import sweep_png
from comparisons.numerical.witness import witness
from comparisons.agreement import METHOD_WHY


def blind_target(manual, params, seed):
    """(quantity, flat index): an element of the last parameter gradient in backward order (db1 for
    the seed network), drawn with ``seed``."""
    q = [k for k in manual.grads if k[1:] in params][-1]
    return q, int(np.random.default_rng(seed).integers(np.size(manual.grads[q])))


def check_report(model, params, data, plan, blind=True, progress=False):
    """``(text, {file name: text or PNG bytes}, ok)`` for the witness against ``model``'s derivation."""
    manual = manual_result(model, params, data.X, data.Y)
    w = witness(model, params, data.X, data.Y, plan=plan, progress=progress)
    rows = check_rows(manual, w, model.name)
    directions = direction_rows(manual, w)
    ok = rows_ok(rows, directions)
    scores, dirs = score_table(rows), pd.DataFrame(directions)
    m = data.X.shape[1]
    parts = [f"handgrad check: {model.name}, m = {m:,}: {data.description}.",
             describe(w, rows, directions, list(manual.grads)), "",
             "Every convention's score, manual derivation (a) against the witness (b):",
             scores.to_string(index=False, float_format=lambda x: f"{x:.1e}"), "",
             "Random unit directions, dJ/dθ · v:", dirs.to_string(index=False, float_format=lambda x: f"{x:.6g}")]
    files = {"check.csv": pd.DataFrame(rows).to_csv(index=False), "directions.csv": dirs.to_csv(index=False),
             figure_name(model.name, w.dtype): sweep_png(w.sweep, f"{model.name}: central-difference step sweep, "
                                                                   f"m = {m:,} ({w.dtype} parameters, in float64)")}
    blind_md = []
    if blind:
        target = blind_target(manual, params, plan.seed)
        spots = blind_spots(model, params, data.X, data.Y, w, manual.grads, target)
        intro = (f"Blind spots: a mistake planted in one element, {target[0]}[{target[1]}], of a correct "
                 "derivation; the share of checks by k random unit directions, or by k random elements, "
                 "that all miss it (C(missed, k) / C(pool, k), counted over the pool):")
        parts += ["", intro, spots.to_string(index=False, float_format=lambda x: f"{x:.4g}")]
        files["blind-spots.csv"] = spots.to_csv(index=False)
        blind_md = [f"## Blind spots\n\n{intro}\n\n" + spots.to_markdown(index=False, floatfmt=".4g")]
    conventions = conventions_table()
    why = f"rtol of the {w.method}: {w.result.rtol:.0e} (or the dtype's, if larger), because {METHOD_WHY[w.method]}."
    parts += ["", "Conventions:", conventions.to_string(index=False), why, "",
              "VERDICT: the derivation agrees with the numerical witness." if ok else
              "VERDICT: the derivation disagrees with the numerical witness: " + ", ".join(
                  r["quantity"] for r in rows if r["verdict"] != AGREE)
              + (" (and random directions)" if any(d["verdict"] not in (AGREE, "kink-crossed") for d in directions)
                 else "")]
    files["check.md"] = "\n\n".join([
        f"# handgrad check: {model.name}", parts[0], parts[1],
        "## Every convention's score\n\n" + scores.to_markdown(index=False, floatfmt=".2e"),
        "## Random unit directions\n\n" + dirs.to_markdown(index=False, floatfmt=".3e"),
        *blind_md,
        f"## Conventions\n\n{conventions.to_markdown(index=False)}\n\n{why}",
        f"![step sweep]({figure_name(model.name, w.dtype)})", parts[-1]]) + "\n"
    return "\n".join(parts), files, ok
