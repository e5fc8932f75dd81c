"""The person's numbers against the references, and ``Verification``, the result of ``verify``.

On each batch (``check_case``) there are two kinds of rows:

- long rows, one per quantity and reference, from ``comparisons.agreement.compare`` (forward values
  against the catalogue's NumPy forward pass, with ``compare_arrays``);
- summary rows, one per quantity: max_rel against each reference (a column each), the worst
  verdict over them and a one-line diagnosis (``diagnose.py``) unless it passes.

Quantities come in the derivation's order: forward values, the loss J, then the gradients in the
order the backward pass computes them, so the first wrong row is where a mistake first shows.

Quantities read from the backward's locals (``UserRun.from_locals``: computed, not returned) are
compared like the rest, kind marked "(local)", with two rules that keep a right derivation from
being called wrong (``locals_judged``): an intermediate that is 1/m of the per-example one is dJ/dZ
of the mean loss, the convention autograd has (``dZ2 = (A2 - Y) / m``), and is compared times m;
and on a batch where everything the code returns agrees, a local that does not is a ``NOTE`` (a
name used for something else), not a failure.

``Verification`` holds both tables and renders them on a terminal, in a notebook (HTML), in
Markdown and CSV, with the verdict, the first wrong quantity, and the notes that explain it; the
metric's sentence and the tolerance's reason are quoted from ``comparisons.agreement``.
"""

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from comparisons.agreement import AGREE, DISAGREE, LOSS_MISMATCH, METRIC, MISSING, NON_FINITE, NOT_MEASURED, \
    PASSING, PER_EXAMPLE, SHAPE_MISMATCH, WHY, Result, compare, compare_arrays, rtol_for
from comparisons.verify.calls import Failure, UserRun
from comparisons.verify.watching import IN_PLACE
from comparisons.verify.diagnose import Context, changed_input, close, diagnose, failure_hint, input_changed

# pandas and tabulate are imported where used: verify imports this module before it starts PyTorch's
# child (``ahead``), which the 0.25 s of their import would delay
if TYPE_CHECKING:
    import pandas as pd

AUTOGRAD = ("torch", "jax")   # the references a diagnosis rests on; the others are second opinions
FAILS = "FAILS"               # a function raised or returned the wrong things on this batch
FORWARD = "forward"
LOSS = "loss"
WORST = (FAILS, MISSING, SHAPE_MISMATCH, NON_FINITE, LOSS_MISMATCH, DISAGREE)
NOTE = "note"                 # a local that disagrees where everything returned agrees: not counted
OK = PASSING + (NOTE,)        # the summary verdicts that pass
FORWARD_REFERENCE = "forward"   # the catalogue's NumPy forward pass, the reference of forward values
TYPICAL = "typical"             # the batch that judges the derivation; the others judge robustness

# --- The rows of one batch -----------------------------------------------------------------------


def check_case(model, case, run, refs, dtype):
    """(long rows, summary rows) for ``case``; ``run`` is the person's UserRun or a Failure, ``refs``
    the ``api.References`` on the same batch."""
    if isinstance(run, Failure):
        return failure_rows(model, case, run, dtype)
    run, rescaled = mean_loss_locals(model, case, run, refs.manual)
    forward = refs.forward
    rows = forward_rows(model, case, run, forward, dtype) + gradient_rows(model, case, run, refs.results, dtype)
    order = [*forward, "J", *refs.manual.grads]
    quantities = sorted({r["quantity"] for r in rows}, key=lambda q: order.index(q) if q in order else len(order))
    summary = [summarise(model, case, run, q, [r for r in rows if r["quantity"] == q], refs.results, forward)
               for q in quantities]
    return rows, locals_judged(case, run, rescaled, carried(summary))


def forward_rows(model, case, run, forward, dtype):
    """The person's forward values against the catalogue's forward pass (rows of ``compare_arrays``)."""
    rtol = rtol_for(dtype)
    return [dict(case=case.name, kind=FORWARD, reference=FORWARD_REFERENCE, model=model.name, quantity=k,
                 scaling=FORWARD, dtype=np.dtype(dtype).name, pair="yours vs NumPy forward",
                 shape_a=str(np.shape(run.forward[k])), shape_b=str(np.shape(v)),
                 **dict(zip(("shape_ok", "max_abs", "max_rel", "verdict"),
                            compare_arrays(run.forward[k], v, rtol))), rtol=rtol)
            for k, v in forward.items() if k in run.forward]


def gradient_rows(model, case, run, refs, dtype):
    """``compare`` rows of the person's loss and gradients against each reference. Left out: J when
    the code has no loss, intermediates it does not return, and quantities a reference lacks."""
    intermediates = model.intermediates
    yours = Result("yours", np.nan if run.loss is None else run.loss, run.grads, intermediates)
    rows = []
    for name, reference in refs.items():
        for r in compare(yours, reference, model.name, dtype):
            if r["quantity"] == "J" and run.loss is None:
                continue
            if r["verdict"] == MISSING and (r["shape_b"] == "-" or r["quantity"] in intermediates):
                continue
            rows.append(dict(case=case.name, kind=LOSS if r["quantity"] == "J" else r["scaling"],
                             reference=name, **r))
    return rows


def summarise(model, case, run, quantity, rows, refs, forward):
    """One summary row: max_rel against each reference (a column each), the worst verdict over them
    (``not measured`` only when no reference measured it), and a diagnosis unless it passes."""
    bad = [r for r in rows if r["verdict"] not in PASSING]
    measured = AGREE if any(r["verdict"] == AGREE for r in rows) else NOT_MEASURED
    verdict = min((r["verdict"] for r in bad), key=WORST.index, default=measured)
    mine = run.forward.get(quantity) if rows[0]["kind"] == FORWARD else (
        run.loss if quantity == "J" else run.grads.get(quantity))
    row = dict(case=case.name, quantity=quantity, kind=rows[0]["kind"], shape=rows[0]["shape_a"],
               expected=rows[0]["shape_b"], **{r["reference"]: r["max_rel"] for r in rows}, verdict=verdict,
               diagnosis="")
    if not bad:
        return row
    first = bad[0]
    if first["verdict"] == MISSING:
        row["diagnosis"] = missing(quantity, run)
        return row
    source = refs.get(first["reference"])
    expected = forward[quantity] if first["kind"] == FORWARD else (
        source.loss if quantity == "J" else source.grads[quantity])
    if first["kind"] != FORWARD and not any(r["reference"] in AUTOGRAD for r in bad):
        row["diagnosis"] = (f"agrees with autograd but not with the {first['reference']} reference "
                            f"(max relative error {first['max_rel']:.1e})")
        return row
    ctx = Context(quantity, case.m, case.params, model.config.get("lam"), model.config.get("penalty", "lambda/2m"),
                  forward, dict(source.grads) if source else {}, run.warnings, rows[0]["dtype"],
                  origin=getattr(run, "origin", None), X=case.X)
    row["diagnosis"] = changed_input(quantity, run.warnings) or (
        diagnose(mine, expected, ctx) + ("" if first["kind"] == FORWARD else input_changed(run.warnings)))
    return row


def mean_loss_locals(model, case, run, derivation):
    """(``run`` with each intermediate read from its locals that is 1/m of the derivation's per-example
    value multiplied by m, the names so rescaled). Such a dZ is dJ/dZ of the mean loss, the value
    autograd has, written by people who take the 1/m early (``dZ2 = (A2 - Y) / m``, then
    ``dW2 = dZ2 @ A1.T``): another convention, not a mistake."""
    scaled = {}
    for q in run.from_locals:
        mine, per_example = run.grads[q], derivation.grads.get(q)
        if q in model.intermediates and per_example is not None and np.shape(mine) == np.shape(per_example) \
                and close(np.asarray(mine, dtype=np.float64) * case.m, per_example) and not close(mine, per_example):
            scaled[q] = mine * case.m
    return (replace(run, grads={**run.grads, **scaled}) if scaled else run), tuple(scaled)


def locals_judged(case, run, rescaled, summary):
    """``summary`` with the rows of quantities read from the backward's locals marked "(local)", those
    in the mean loss's convention saying so, and, when every quantity the code returned passes on this
    batch, a local that does not turned into a ``NOTE``: the code's results are right, so that local
    is not the derivation's quantity (a name used for something else, or a value still in progress)."""
    returned_ok = all(r["verdict"] in OK for r in summary if r["quantity"] not in run.from_locals)
    for r in summary:
        q = r["quantity"]
        if q not in run.from_locals:
            continue
        r["kind"] += " (local)"
        if q in rescaled and r["verdict"] in OK:
            r["diagnosis"] = (f"yours is dJ/d{q[1:]} of the mean loss, 1/m of the per-example {q} (the 1/m "
                              f"taken early, as autograd has it): compared times m = {case.m}")
        elif r["verdict"] not in OK and returned_ok:
            r["verdict"] = NOTE
            r["diagnosis"] = (f"not counted: everything your code returns agrees, so this local {q} is not the "
                              f"derivation's {q} (the name used for something else?); it reads: {r['diagnosis']}")
    return summary


def carried(summary):
    """NaN/inf rows after the first in a batch say where it came from, instead of repeating its diagnosis."""
    first = next((r["quantity"] for r in summary if r["verdict"] == NON_FINITE), None)
    for r in summary:
        if r["verdict"] == NON_FINITE and r["quantity"] != first:
            r["diagnosis"] = f"{r['diagnosis'].split(':')[0]}, carried from {first}"
    return summary


def missing(quantity, run):
    """Why a parameter gradient is missing: not returned, or returned under another name."""
    plain = quantity[1:]
    if plain in run.grads:
        return f"not returned: found {plain!r}; expected the key {quantity!r}"
    return f"not returned: the backward pass must return {quantity}"


def failure_rows(model, case, failure, dtype):
    """One row for a function that failed on this batch (after passing the typical one)."""
    hint = failure_hint(case.Y)
    text = failure.message.splitlines()[0] + (f": {hint}" if hint else "")
    if failure.crashed:    # a finding about their code: the line it crashed at, the input, a form's hint
        said = " ".join(line.strip() for line in failure.message.splitlines() if line.startswith("  ("))
        text = f"{failure.error} at {failure.where}; called with {failure.inputs}" + (
            f": {hint}" if hint else "") + (f" {said}" if said else "")
    long = dict(case=case.name, kind="call", reference="-", model=model.name, quantity=failure.function,
                scaling="call", dtype=np.dtype(dtype).name, pair="-", shape_a="-", shape_b="-",
                shape_ok=False, max_abs=np.nan, max_rel=np.nan, rtol=rtol_for(dtype), verdict=FAILS)
    summary = dict(case=case.name, quantity=failure.function, kind="call", shape="-", expected="-",
                   verdict=FAILS, diagnosis=text)
    return [long], [summary]


# --- The result -----------------------------------------------------------------------------------

FIRST, LAST = ["case", "quantity", "kind", "shape", "expected"], ["verdict", "diagnosis"]


@dataclass
class Verification:
    """model, the person's code (``outcome``: origin, form, functions, runs), the batches, the
    references' names, dtype; ``rows``: every comparison (one per quantity and reference);
    ``table``: one row per batch and quantity with its verdict and diagnosis; ``references``:
    {batch name: api.References}, what the references computed."""

    model: str
    outcome: object
    cases: list
    against: tuple
    dtype: str
    rows: "pd.DataFrame"
    table: "pd.DataFrame"
    intermediates: tuple = ()
    references: dict = field(default_factory=dict)
    hint: str = ""      # "Is this the right --model? ..." (``model_fit.model_hint``)
    recipe: tuple = ()  # a course's own check, its lines (``course_scores.recipe_lines``; ``--recipe``)

    @property
    def passed(self):
        """No summary row fails (every verdict ``agree``, or ``not measured``)."""
        return bool(self.table["verdict"].isin(OK).all())

    @property
    def derivation_agrees(self):
        """Whether the derivation agrees: every summary row of the typical batch passes. The typical
        batch judges the derivation; the stress batches (large-logits, class-missing) judge its code's
        robustness, and a failure there does not make a right derivation wrong. None when the typical
        batch was not checked (``cases`` without it)."""
        if TYPICAL not in [c.name for c in self.cases]:
            return None
        return bool(self.table[self.table["case"] == TYPICAL]["verdict"].isin(OK).all())

    @property
    def exit_status(self):
        """0 when every quantity passes, 1 otherwise: a derivation that disagrees or a stress batch that
        fails, the verdict says which (2, could not be checked, is ``CannotVerify``)."""
        return 0 if self.passed else 1

    def robustness(self):
        """What the stress batches found, a phrase per failing batch ("on the large-logits batch J
        (NON-FINITE): -inf: log of 0 at mine.py:12 ..."): its first failing row. With a derivation that
        disagrees, a batch whose first failure is the typical batch's (the same mistake again) is left out."""
        bad = self.failures()
        typical = bad[bad["case"] == TYPICAL]
        same = set() if typical.empty else {(typical.iloc[0]["quantity"], typical.iloc[0]["verdict"])}
        found = []
        for case in (c.name for c in self.cases if c.name != TYPICAL):
            rows = bad[bad["case"] == case]
            if rows.empty or (rows.iloc[0]["quantity"], rows.iloc[0]["verdict"]) in same:
                continue
            r = rows.iloc[0]
            found.append(f"on the {case} batch {r['quantity']} ({r['verdict']}): {r['diagnosis']}")
        return found

    def failures(self):
        """The summary rows that fail."""
        return self.table[~self.table["verdict"].isin(OK)].reset_index(drop=True)

    @property
    def first_wrong(self):
        """The first summary row that fails (batches in order, quantities in backward order), or None."""
        bad = self.failures()
        return None if bad.empty else bad.iloc[0].to_dict()

    def reference_columns(self):
        """The columns of max_rel against each reference, in the order checked (forward last)."""
        return [c for c in self.table.columns if c not in FIRST + LAST]

    def shown(self, table=None):
        """A table for reading: each reference's max_rel to two digits, '-' where there is none."""
        import pandas as pd

        table = self.table if table is None else table
        view = table[FIRST + self.reference_columns() + LAST].copy()
        for c in self.reference_columns():
            view[c] = view[c].map(lambda x: "-" if pd.isna(x) else f"{x:.1e}")
        return view

    def verdict(self):
        """One line: agrees; or the derivation agrees (the typical batch) and what the stress batches
        found; or how many rows disagree, the first wrong quantity with its diagnosis, and what the
        stress batches found besides."""
        against = ", ".join(self.against)
        if self.passed:
            unmeasured = int((self.table["verdict"] == NOT_MEASURED).sum())
            noted = int((self.table["verdict"] == NOTE).sum())
            return (f"VERDICT: agrees. Every quantity matches {against} on {len(self.cases)} batch(es) "
                    f"({', '.join(c.name for c in self.cases)})"
                    + (f", except {unmeasured} row(s) {NOT_MEASURED}" if unmeasured else "")
                    + (f"; {noted} local(s) that are not the derivation's, not counted ({NOTE})" if noted else "")
                    + ".")
        findings = self.robustness() if self.derivation_agrees is not None else []
        if self.derivation_agrees:      # only a stress batch failed: the derivation is not called wrong
            return (f"VERDICT: your derivation agrees on the typical batch (every quantity matches {against}); "
                    f"robustness: {'; '.join(findings)}")
        first = self.first_wrong
        return (f"VERDICT: disagrees in {len(self.failures())} row(s). First wrong: {first['quantity']} on "
                f"the {first['case']} batch ({first['verdict']}): {first['diagnosis']}"
                + (f"; robustness: {'; '.join(findings)}" if findings else ""))

    def notes(self):
        """The sentences that explain the table."""
        import pandas as pd

        o = self.outcome
        lines = [f"- Checked: {o.origin}, {o.form} form ({', '.join(o.functions)}), as model {self.model}, "
                 f"{self.dtype}, against {', '.join(self.against)}; forward values against the catalogue's "
                 f"NumPy forward pass."]
        lines += [f"- {self.hint}."] if self.hint else []
        reading = getattr(o, "reading", "")   # how the form read the code (``comparisons.forms``)
        lines += [f"- {reading[:1].upper()}{reading[1:]}."] if reading else []
        lines += [f"- {n[:1].upper()}{n[1:]}." for n in getattr(o, "notes", ())]   # how the file was read (load.py)
        lines += [f"- Batch {c.name}: {c.description}." for c in self.cases]
        stress = [c.name for c in self.cases if c.name != TYPICAL]
        if self.derivation_agrees is not None and stress:
            failing = sum(1 for c in stress if not self.table[self.table["case"] == c]["verdict"].isin(OK).all())
            yours = "agrees" if self.derivation_agrees else "disagrees"
            lines.append(f"- The typical batch judges the derivation (yours {yours}); the stress batches "
                         f"({', '.join(stress)}) judge the code's robustness ({failing} of {len(stress)} fail). "
                         f"Exit status 1 for either; --case typical checks the derivation alone.")
        lines.append(f"- Intermediates (dZ, dA) are per example, `{PER_EXAMPLE}` of autograd's gradient of "
                     f"the mean loss J; parameter gradients are dJ/dθ.")
        checked = self.rows[self.rows["reference"] != "-"] if not self.rows.empty else self.rows
        rtols = checked.groupby("reference", sort=False)["rtol"].max() if not checked.empty else pd.Series()
        limits = "; ".join(f"{rtol:.0e} against {', '.join(refs.index)}"
                           for rtol, refs in rtols.groupby(rtols, sort=False))
        lines.append("- Nothing compared: your code failed before returning on every batch." if not limits else
                     f"- Columns {', '.join(self.reference_columns())}: yours against each reference"
                     + (" (forward: the catalogue's NumPy forward pass)" if FORWARD_REFERENCE in rtols else "")
                     + f". {METRIC} Here rtol is {limits}. {self.dtype}: {WHY[self.dtype]}.")
        if "numerical" in rtols:
            lines.append("- The numerical witness measures a sample of each array by finite differences or "
                         "complex step, held to its method's tolerance (comparisons/agreement.py).")
        lines += self.witness_localisation()
        lines += self.course_scores()
        runs = [r for r in o.runs.values() if isinstance(r, UserRun)]
        if runs:
            read = list(dict.fromkeys(q for r in runs for q in r.from_locals))
            if read:
                of = next(r.locals_of for r in runs if r.from_locals)
                lines.append(f"- Read from {of}'s locals (computed, not returned): {', '.join(read)}.")
            skipped = [q for q in self.intermediates if q not in runs[0].grads]
            if skipped:
                lines.append(f"- Not returned, so not checked (intermediates are optional): {', '.join(skipped)}.")
            known = set(self.rows["quantity"]) if not self.rows.empty else set()
            extra = [q for q in runs[0].grads if q not in known]
            if extra:
                lines.append(f"- Not checked (no such quantity in {self.model}): {', '.join(extra)}.")
            changed = list(dict.fromkeys(w for r in runs for w in r.warnings if w.startswith(IN_PLACE)))
            lines += [f"- {w[len(IN_PLACE):]}." for w in changed]
            warned = list(dict.fromkeys(w for r in runs for w in r.warnings if not w.startswith(IN_PLACE)))[:3]
            lines += [f"- NumPy warned: {w}" for w in warned]
        return "\n".join(lines)

    def witness_localisation(self):
        """The numerical witness's own account (``comparisons.numerical.localize``) of the first wrong
        line on the first batch that disagrees: a second opinion that names unwitnessed lines."""
        first = self.first_wrong
        if first is None or "numerical" not in self.against or first["kind"] == "call":
            return []
        from comparisons.numerical import localize

        rows = self.rows[(self.rows["case"] == first["case"]) & (self.rows["reference"] == "numerical")]
        order = list(self.references[first["case"]].manual.grads)
        return [f"- Numerical witness on the {first['case']} batch: "
                f"{localize(rows.to_dict('records'), order).sentence()}"]

    def course_scores(self):
        """The whole parameter vector scored as the courses score it, on the typical batch (or the first
        batch checked), and the course's own recipe when one was asked for (``course_scores``)."""
        from comparisons.verify.course_scores import whole_vector_line

        case = next((c for c in self.cases if c.name == TYPICAL), self.cases[0] if self.cases else None)
        if case is None or case.name not in self.references:
            return []
        against = [a for a in self.against if a in AUTOGRAD]
        lines = [f"- {whole_vector_line(case, self.outcome.runs[case.name], self.references[case.name], against)}"]
        return lines + [f"- {self.recipe[0]}", *(f"  {line.strip()}" for line in self.recipe[1:])] if self.recipe \
            else lines

    def render(self, width=None):
        """The text: every row and column, one line per note (``repr``, logs); with ``width`` (the CLI
        passes the terminal's), a text that fits it (``terminal_view``)."""
        if width is not None:
            return self.terminal_view(width)
        return f"{text_table(self.shown())}\n\n{self.notes()}\n\n{self.verdict()}"

    def terminal_view(self, width):
        """The result in ``width`` columns: the typical batch's rows in full, a stress batch's failing rows
        and one row for the rest ("all 12 agree", their worst max_rel), only the key columns (shapes where
        one differs), the diagnosis and every note wrapped, the VERDICT last. The files keep everything."""
        from comparisons.terminal import UNLIMITED, wrap_notes

        if width >= UNLIMITED:      # no terminal to fit: every row and column, every line whole
            return self.render()
        view = self.shown(self.compact())
        notes = wrap_notes(self.notes() + "\n- Here, each stress batch that agrees is one row; every row and column of "
                           "every batch are in verify.md and verify.csv (written by --out DIR).", width)
        verdict = wrap_notes(self.verdict(), width)
        return f"{fitted_table(view, width, self.reference_columns())}\n\n{notes}\n\n{verdict}"

    def compact(self):
        """The summary table with each stress batch's agreeing rows folded into one row ("all N agree" with
        the worst max_rel of each reference); the typical batch and every failing row as they are."""
        import pandas as pd

        rows, refs = [], self.reference_columns()
        for case in [c.name for c in self.cases]:
            batch = self.table[self.table["case"] == case]
            good = batch[batch["verdict"].isin(OK)]
            if case == TYPICAL or len(good) < 2:
                rows += batch.to_dict("records")
                continue
            rows += batch[~batch["verdict"].isin(OK)].to_dict("records")
            folded = dict(case=case, quantity=f"{'all' if len(good) == len(batch) else 'other'} {len(good)}",
                          kind="", shape="", expected="", verdict=AGREE if (good["verdict"] == AGREE).all() else "pass",
                          diagnosis="")
            folded.update({c: good[c].max() for c in refs})
            rows.append(folded)
        return pd.DataFrame(rows, columns=self.table.columns)

    __repr__ = render

    def _repr_html_(self):
        """In a notebook: verify's HTML page (comparisons.html): your code beside the derivation, the first
        wrong line marked, the tables and notes."""
        from comparisons.html import verify_html

        return verify_html(self, standalone=False)

    def markdown(self):
        return (f"# Verification of {self.outcome.origin} as {self.model}\n\n"
                + self.shown().to_markdown(index=False) + f"\n\n{self.notes()}\n\n**{self.verdict()}**\n")

    def files(self):
        """{file name: text} for ``comparisons.writing.write_files``."""
        return {"verify.md": self.markdown(), "verify.csv": self.table.to_csv(index=False),
                "verify-comparisons.csv": self.rows.to_csv(index=False)}

    def failure_message(self):
        """The failing rows as a table and the verdict: the pytest plugin's assertion message."""
        return f"{self.verdict()}\n\n{text_table(self.shown(self.failures()))}"


def fitted_table(view, width, references):
    """``view`` (from ``shown``) in ``width`` columns: kind folded into the quantity ("dZ1 (local)"), the
    shapes only where one differs from the expected, each reference's max_rel (or, where they leave the
    diagnosis under ``DIAGNOSIS`` columns, the worst of them, "max_rel") and the diagnosis wrapped."""
    view = view.copy()
    view["quantity"] = [q + (" (local)" if "(local)" in str(k) else "") for q, k in zip(view["quantity"], view["kind"])]
    drop = ["kind"] + ([] if (view["shape"] != view["expected"]).any() else ["shape", "expected"])
    view = view.drop(columns=drop)
    if width - used(view) < DIAGNOSIS:
        worst = [max((x for x in row if x != "-"), key=float, default="-") for row in view[references].values]
        view = view.drop(columns=references)
        view.insert(list(view.columns).index("verdict"), "max_rel", worst)
    from comparisons.terminal import fit_table

    return fit_table(view, at=width, wrap=["diagnosis"])


DIAGNOSIS = 40    # the fewest columns the diagnosis keeps before the references fold into one


def used(view):
    """The columns every column but the diagnosis takes in ``text_table`` (two spaces between columns)."""
    return sum(max(len(c), *(len(str(v)) for v in view[c])) + 2 for c in view.columns if c != "diagnosis")


def text_table(view, width=72):
    """A plain-text table with the diagnosis column wrapped at ``width`` characters."""
    from tabulate import tabulate

    widths = [width if c == "diagnosis" else None for c in view.columns]
    return tabulate(view, headers="keys", tablefmt="simple", showindex=False, disable_numparse=True,
                    maxcolwidths=widths)
