"""Checking a derivation against the numerical witness, and the report of it that ``handgrad check`` prints.

``check(model, params, X, Y, backward=...)`` runs the manual derivation (or the given ``backward``,
someone's own) and the witness on the same parameters and data, and returns one row per quantity:
``compare``'s columns (its verdict is the project's, ``agreement.METRIC``), then how many elements
were measured and kink-crossed, and the score and pass/fail of each convention in ``scores``. The
random directions give rows of their own (``direction_rows``).

A quantity of which the witness measured no element (every witnessed element kink-crossed, say) is
``not measured`` in every table: it neither agrees nor fails, and the verdict names it.

The words and tables here (``score_table``, ``describe``, ``rows_ok``) serve both renderers:
``check_report`` for ``handgrad check`` and the report's witness section
(``comparisons.sections.witness_scores``).
"""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from comparisons.agreement import AGREE, METHOD_WHY, METRIC, NOT_MEASURED, PASSING, compare, rtol_for
from comparisons.numerical.directions import KINK_CROSSED, blind_spots, directional_rows
from comparisons.numerical.scores import conventions_table, localize, scores, whole_vector
from comparisons.numerical.step_sweep import sweep_png
from comparisons.numerical.witness import intermediates_of, name_of, witness as run_witness
from comparisons.sources import run_manual

SHOWN = ["dtype", "quantity", "measured", "elements", "kink_crossed", "max_abs", "cs231n", "cs231n_band", "cs231n_pass",
         "ng", "ng_pass", "dlai", "dlai_pass", "adbench", "adbench_pass", "cosine", "max_rel", "rtol", "verdict"]


# --- Rows ----------------------------------------------------------------------------------------

def manual_result(model, params, X, Y, backward=None):
    """The derivation's ``Result`` (``run_manual``), for a catalogue entry or a bare contract module."""
    if not hasattr(model, "manual"):
        model = SimpleNamespace(manual=model, intermediates=intermediates_of(model))
    return run_manual(model, params, X, Y, backward)


def check_rows(manual, w, model_name):
    """``compare(manual, w.result)`` rows, each with counts and every convention's score on the
    elements the witness measured (NaN scores where it measured none)."""
    rows = compare(manual, w.result, model_name)
    for r in rows:
        q = r["quantity"]
        counts = w.counts.get(q, dict(elements=1, measured=1, kink_crossed=0))
        if q == "J":
            a, b = np.array([manual.loss]), np.array([w.result.loss])
        elif r["shape_ok"]:
            keep = w.result.masks.get(q, np.ones(np.shape(w.result.grads[q]), bool))
            a, b = np.asarray(manual.grads[q])[keep], w.result.grads[q][keep]
        else:
            a = b = None
        r.update(method=w.method, **counts)
        r.update(scores(a, b, kinks=bool(w.kinks)) if a is not None else {})
    return rows


WHOLE = "all parameters (unrolled)"


def whole_row(manual, w):
    """Every convention's score over the whole unrolled parameter vector, as the courses publish their
    figures: the parameter gradients (no intermediates) on the elements the witness measured. A row of
    the score table; its verdict is blank (the project judges quantity by quantity). None for a single
    parameter array: its own row is the whole vector."""
    names = [q for q in manual.grads if q not in manual.intermediates and q in w.result.grads
             and np.shape(manual.grads[q]) == np.shape(w.result.grads[q])]
    if len(names) < 2:
        return None
    keeps = {q: w.result.masks.get(q, np.ones(np.shape(w.result.grads[q]), bool)) for q in names}
    pairs = [(np.asarray(manual.grads[q])[keeps[q]], w.result.grads[q][keeps[q]]) for q in names]
    counts = {k: sum(w.counts.get(q, {}).get(k, 0) for q in names) for k in ("elements", "measured", "kink_crossed")}
    return dict(dtype=np.dtype(manual.dtype).name, quantity=WHOLE, **counts,
                **whole_vector(pairs, kinks=bool(w.kinks)), verdict="")


def direction_rows(manual, w):
    """The witness's random directions checked against the derivation's g . v."""
    rtol = max(rtol_for(manual.dtype), w.result.rtol)
    return directional_rows(w.directions, w.estimates, w.crossed, manual.grads, rtol)


def check(model, params, X, Y, backward=None, witness=None, **options):
    """Rows for every quantity the witness covers: the derivation (``backward`` if given) against it.

    ``witness``: a ``Witness`` already computed for these parameters and data; otherwise one is run
    with ``options`` (plan, budget_s, progress).
    """
    manual = manual_result(model, params, X, Y, backward)
    w = witness or run_witness(model, params, X, Y, **options)
    return check_rows(manual, w, name_of(model))


# --- Words and tables, for both renderers ---------------------------------------------------------

def score_table(rows, whole=None):
    """The check rows as a table of the columns a reader compares, in ``SHOWN`` order; ``whole``: the
    whole-vector row (``whole_row``), shown last."""
    return pd.DataFrame(rows + ([whole] if whole else [])).reindex(columns=SHOWN)


def rows_ok(rows, directions):
    """No quantity and no judged direction fails (``not measured`` and kink-crossed ones do not)."""
    return (all(r["verdict"] in PASSING for r in rows)
            and all(d["verdict"] in (*PASSING, KINK_CROSSED) for d in directions))


def figure_name(model, dtype):
    return f"{model}-step-sweep-{dtype}.png"


def describe(w, rows, directions, order):
    """Sentences for one witness: method, plan, steps and sweep error, kinks, directions, localisation."""
    steps = ", ".join(f"{k} {h:.1e} (sweep error {w.sweep.error[k]:.1e})" for k, h in w.steps.items())
    judged = [d for d in directions if d["verdict"] != KINK_CROSSED]
    worst = f" (worst max_rel {max(d['max_rel'] for d in judged):.1e})" if judged else ""
    crossed = ", ".join(f"{q} {c['kink_crossed']}" for q, c in w.counts.items() if c["kink_crossed"])
    taken = (f"the {w.sweep_dtype} witness's estimates, taken over: the {w.dtype} values cast to float64 are "
             f"its point, bit for bit (nothing measured again)" if w.reused else f"{w.seconds:.1f} s")
    lines = [f"{w.dtype} parameters, witnessed in float64 by {w.method} over {w.plan.describe()}; {taken}.",
             *[f"{n[0].upper()}{n[1:]}." for n in w.notes],
             f"Central-difference steps chosen by the sweep (plot {figure_name(w.model, w.sweep_dtype)}): {steps}.",
             f"Kink-crossed elements, counted and not judged: {w.kink_crossed()}"
             + (f" ({crossed})." if crossed else "."),
             f"{len(directions)} random unit directions: {sum(d['verdict'] == AGREE for d in judged)} of "
             f"{len(judged)} judged agree{worst}, {len(directions) - len(judged)} kink-crossed.",
             localize(rows, order).sentence()]
    return " ".join(lines)


def verdict_line(rows, directions):
    """One line: the derivation agrees, or the quantities that disagree; either way, what was not measured."""
    failed = [r["quantity"] for r in rows if r["verdict"] not in PASSING]
    bad_directions = any(d["verdict"] not in (*PASSING, KINK_CROSSED) for d in directions)
    unmeasured = [r["quantity"] for r in rows if r["verdict"] == NOT_MEASURED]
    also = f"; {NOT_MEASURED} (no element could be compared): {', '.join(unmeasured)}" if unmeasured else ""
    if failed:
        return ("VERDICT: the derivation disagrees with the numerical witness: " + ", ".join(failed)
                + (" (and random directions)" if bad_directions else "") + also)
    if bad_directions:
        return f"VERDICT: the derivation disagrees with the numerical witness along random directions{also}"
    if unmeasured:
        return f"VERDICT: the derivation agrees with the numerical witness on every measured quantity{also}."
    return "VERDICT: the derivation agrees with the numerical witness."


# --- handgrad check --------------------------------------------------------------------------------

def blind_target(manual, params, seed):
    """(quantity, flat index): an element of the last parameter gradient in backward order (db1 for
    the seed network), drawn with ``seed``."""
    q = [k for k in manual.grads if k[1:] in params][-1]
    return q, int(np.random.default_rng(seed).integers(np.size(manual.grads[q])))


SCORE_KEYS = ["quantity", "measured", "cs231n", "ng", "dlai", "max_rel", "verdict"]
DIRECTION_KEYS = ["direction", "analytic", "numerical", "max_rel", "verdict"]
CONVENTION_KEYS = ["convention", "formula", "threshold"]


def check_report(model, params, data, plan, blind=True, progress=False, out=None):
    """``(text, {file name: text or PNG bytes}, ok)`` for the witness against ``model``'s derivation; the
    step-sweep plot is among the files only when they go to a folder ``out``.

    The text fits the terminal (``comparisons.terminal``): tables narrowed to their key columns, with
    a line naming the files that hold every column (in ``out``, or the --out option that writes them)."""
    from comparisons.terminal import every_column, fit_table, wrap_notes

    manual = manual_result(model, params, data.X, data.Y)
    w = run_witness(model, params, data.X, data.Y, plan=plan, progress=progress)
    rows = check_rows(manual, w, model.label)    # the label says a config set by options; files keep the name
    directions = direction_rows(manual, w)
    scores_table, dirs = score_table(rows, whole_row(manual, w)), pd.DataFrame(directions)
    m = data.X.shape[1]
    parts = [f"handgrad check: {model.label}, m = {m:,}: {data.description}.",
             describe(w, rows, directions, list(manual.grads)), "",
             "Every convention's score, manual derivation (a) against the witness (b), per quantity and over "
             f"{WHOLE} (the courses' published figures are over the whole vector):"]
    screen = [wrap_notes("\n".join(parts)),
              fit_table(scores_table, SCORE_KEYS, floatfmt=".1e", note=every_column(out, ["check.md", "check.csv"])),
              "", "Random unit directions, dJ/dθ · v:",
              fit_table(dirs, DIRECTION_KEYS, floatfmt=".6g", note=every_column(out, ["check.md", "directions.csv"]))]
    figure = figure_name(model.name, w.dtype)
    files = {"check.csv": pd.DataFrame(rows).to_csv(index=False), "directions.csv": dirs.to_csv(index=False)}
    if out:     # drawn only to be written: matplotlib's import and the drawing are most of a second
        files[figure] = sweep_png(w.sweep, f"{model.name}: central-difference step sweep, "
                                           f"m = {m:,} ({w.dtype} parameters, in float64)")
    blind_md = []
    if blind:
        target = blind_target(manual, params, plan.seed)
        spots = blind_spots(model, params, data.X, data.Y, w, manual.grads, target)
        intro = (f"Blind spots: a mistake planted in one element, {target[0]}[{target[1]}], of a correct "
                 "derivation; the share of checks by k random unit directions, or by k random elements, "
                 "that all miss it (C(missed, k) / C(pool, k), counted over the pool):")
        keys = ["mistake", "check", *[c for c in spots.columns if str(c).startswith("k=")]]
        screen += ["", wrap_notes(intro),
                   fit_table(spots, keys, floatfmt=".4g", note=every_column(out, ["check.md", "blind-spots.csv"]))]
        files["blind-spots.csv"] = spots.to_csv(index=False)
        blind_md = [f"## Blind spots\n\n{intro}\n\n" + spots.to_markdown(index=False, floatfmt=".4g")]
    conventions = conventions_table()
    metric = f"verdict, the project's own (as in the agreement table): {METRIC}"
    why = f"rtol of the {w.method}: {w.result.rtol:.0e} (or the dtype's, if larger), because {METHOD_WHY[w.method]}."
    verdict = verdict_line(rows, directions)
    screen += ["", "Conventions:", fit_table(conventions, CONVENTION_KEYS, note=every_column(out, ["check.md"])),
               wrap_notes(f"{metric}\n{why}\n\n{verdict}")]
    files["check.md"] = "\n\n".join([
        f"# handgrad check: {model.label}", parts[0], parts[1],
        "## Every convention's score\n\n" + scores_table.to_markdown(index=False, floatfmt=".2e"),
        "## Random unit directions\n\n" + dirs.to_markdown(index=False, floatfmt=".3e"),
        *blind_md,
        f"## Conventions\n\n{conventions.to_markdown(index=False)}\n\n{metric}\n\n{why}",
        *([f"![step sweep]({figure})"] if out else []), verdict]) + "\n"
    return "\n".join(screen), files, rows_ok(rows, directions)
