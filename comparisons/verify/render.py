"""``Verification``: the result of ``verify``, as a table on the terminal, in a notebook (HTML),
in Markdown and CSV, with the verdict, the first wrong quantity, and the notes that explain it."""

import html
from dataclasses import dataclass, field

import pandas as pd
from tabulate import tabulate

from comparisons.agreement import AGREE
from comparisons.agreement import PER_EXAMPLE
from comparisons.agreement import WHY
from comparisons.verify.user_run import UserRun

FIRST, LAST = ["case", "quantity", "kind", "shape", "expected"], ["verdict", "diagnosis"]


@dataclass
class Verification:
    """model, the person's code (``outcome``: origin, form, functions, runs), the batches, the
    references' names, dtype; ``rows``: every comparison (one per quantity and reference);
    ``table``: one row per batch and quantity with its verdict and diagnosis; ``references``:
    {batch name: references.References}, what the references computed."""

    model: str
    outcome: object
    cases: list
    against: tuple
    dtype: str
    rows: pd.DataFrame
    table: pd.DataFrame
    intermediates: tuple = ()
    references: dict = field(default_factory=dict)

    @property
    def passed(self):
        return bool((self.table["verdict"] == AGREE).all())

    @property
    def exit_status(self):
        """0 when every quantity agrees, 1 otherwise (2, could not be checked, is ``CannotVerify``)."""
        return 0 if self.passed else 1

    def failures(self):
        """The summary rows that do not agree."""
        return self.table[self.table["verdict"] != AGREE].reset_index(drop=True)

    @property
    def first_wrong(self):
        """The first summary row that does not agree (batches in order, quantities in backward order), or None."""
        bad = self.failures()
        return None if bad.empty else bad.iloc[0].to_dict()

    def reference_columns(self):
        """The columns of max_rel against each reference, in the order checked (forward last)."""
        return [c for c in self.table.columns if c not in FIRST + LAST]

    def shown(self, table=None):
        """A table for reading: each reference's max_rel to two digits, '-' where there is none."""
        table = self.table if table is None else table
        view = table[FIRST + self.reference_columns() + LAST].copy()
        for c in self.reference_columns():
            view[c] = view[c].map(lambda x: "-" if pd.isna(x) else f"{x:.1e}")
        return view

    def verdict(self):
        """One line: agrees, or how many rows disagree and the first wrong quantity with its diagnosis."""
        against = ", ".join(self.against)
        if self.passed:
            return (f"VERDICT: agrees. Every quantity matches {against} on {len(self.cases)} batch(es) "
                    f"({', '.join(c.name for c in self.cases)}).")
        first = self.first_wrong
        return (f"VERDICT: disagrees in {len(self.failures())} row(s). First wrong: {first['quantity']} on "
                f"the {first['case']} batch ({first['verdict']}): {first['diagnosis']}")

    def notes(self):
        """The sentences that explain the table."""
        o = self.outcome
        lines = [f"- Checked: {o.origin}, {o.form} form ({', '.join(o.functions)}), as model {self.model}, "
                 f"{self.dtype}, against {', '.join(self.against)}; forward values against the catalogue's "
                 f"NumPy forward pass."]
        lines += [f"- Batch {c.name}: {c.description}." for c in self.cases]
        lines.append(f"- Intermediates (dZ, dA) are per example, `{PER_EXAMPLE}` of autograd's gradient of "
                     f"the mean loss J; parameter gradients are dJ/dθ.")
        checked = self.rows[self.rows["reference"] != "-"] if not self.rows.empty else self.rows
        rtols = checked.groupby("reference", sort=False)["rtol"].max() if not checked.empty else pd.Series()
        limits = "; ".join(f"{rtol:.0e} against {', '.join(refs.index)}"
                           for rtol, refs in rtols.groupby(rtols, sort=False))
        lines.append(f"- Columns {', '.join(self.reference_columns())}: max_rel = max|yours - reference| / "
                     f"max(max|yours|, max|reference|) against each reference"
                     + (" (forward: the catalogue's NumPy forward pass)" if "forward" in rtols else "")
                     + f"; agree when at most {limits}. {self.dtype}: {WHY[self.dtype]}.")
        if "numerical" in rtols:
            lines.append("- The numerical witness measures a sample of each array by finite differences or "
                         "complex step, held to its method's tolerance (comparisons/agreement.py).")
        lines += self.witness_localisation()
        runs = [r for r in o.runs.values() if isinstance(r, UserRun)]
        if runs:
            skipped = [q for q in self.intermediates if q not in runs[0].grads]
            if skipped:
                lines.append(f"- Not returned, so not checked (intermediates are optional): {', '.join(skipped)}.")
            known = set(self.rows["quantity"]) if not self.rows.empty else set()
            extra = [q for q in runs[0].grads if q not in known]
            if extra:
                lines.append(f"- Not checked (no such quantity in {self.model}): {', '.join(extra)}.")
            warned = list(dict.fromkeys(w for r in runs for w in r.warnings))[:3]
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

    def render(self):
        """The text for a terminal."""
        return f"{text_table(self.shown())}\n\n{self.notes()}\n\n{self.verdict()}"

    __repr__ = render

    def _repr_html_(self):
        colour = "#1a7f37" if self.passed else "#cf222e"
        return (self.shown().to_html(index=False) + f"<p style='color:{colour}'><b>{html.escape(self.verdict())}"
                f"</b></p><pre>{html.escape(self.notes())}</pre>")

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


def text_table(view, width=72):
    """A plain-text table with the diagnosis column wrapped at ``width`` characters."""
    widths = [width if c == "diagnosis" else None for c in view.columns]
    return tabulate(view, headers="keys", tablefmt="simple", showindex=False, disable_numparse=True,
                    maxcolwidths=widths)
