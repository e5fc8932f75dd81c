"""Run the gallery through the verifier and lay it out as one table, for the terminal and as
Markdown and CSV files. Every cell is computed in the run:

- ``planted``, ``instead of``: the line marked in the entry's source (``# planted`` or
  ``# looks wrong``) and the closest line of the correct derivation it copies, read by inspection;
- ``batch``, ``quantity``, ``diagnosis``: where the mistake first shows, in backward order, and
  ``verify``'s one-line diagnosis;
- ``conventions that flag it``: which gradient-checking conventions flag the derivation: CS231n's
  relative error, the Ng course's and deeplearning.ai's norm ratios, ADBench's check, each with its
  published threshold, scored by the numerical witness's own functions (``check_rows``) on the
  batch where a mistake first shows. Like the checks in those courses, it looks at the parameter
  gradients, on the elements the witness measured. For a mistake, the conventions that flag it
  catch it; for a look-alike, any that flags it raises a false alarm.
"""

import difflib
import inspect
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from comparisons.agreement import Result
from comparisons.mistakes.gallery import GALLERY, LOOK_ALIKE, MISTAKE
from comparisons.numerical import CONVENTIONS, check_rows
from comparisons.verify import CannotVerify, Failure, verify

MARKS = ("# planted", "# looks wrong")
CAUGHT, MISSED, PASSES, FALSE_ALARM, UNCHECKED = "caught", "MISSED", "passes", "FALSE ALARM", "NOT CHECKED"
COLUMNS = ["kind", "name", "model", "planted", "instead of", "batch", "quantity", "diagnosis",
           "conventions that flag it", "verdict"]
INTRO = ("Each mistake is a copy of a correct derivation with one line changed, checked exactly as "
         "`handgrad verify` checks your code: against PyTorch and JAX autograd (and the numerical "
         "witness where installed) on a typical batch, a batch with large logits and a batch missing a "
         "class. `batch` and `quantity` say where it first shows, in backward order. Look-alikes are "
         "written differently but are right: they must pass.")


@dataclass
class Exhibit:
    """table: one row per entry (``COLUMNS``); results: {entry name: Verification or CannotVerify}."""

    table: pd.DataFrame
    results: dict

    @property
    def ok(self):
        """Every mistake caught and every look-alike passed."""
        return bool(self.table["verdict"].isin([CAUGHT, PASSES]).all())


def run(entries=GALLERY, m=64, seed=0, against=None, progress=False):
    """An ``Exhibit`` of ``entries``, each verified on its model's batches (references computed once)."""
    memo, rows, results = {}, [], {}
    for entry in tqdm(entries, desc="mistakes", unit="entry", disable=not progress):
        try:
            result = verify(entry.code, entry.model, m=m, seed=seed, against=against, isolate=False,
                            memo=memo)
        except CannotVerify as e:
            result = e
        results[entry.name] = result
        rows.append(row(entry, result))
    return Exhibit(pd.DataFrame(rows, columns=COLUMNS), results)


def row(entry, result):
    """The gallery row of one entry from its verification."""
    planted, instead = planted_line(entry)
    out = dict(kind=entry.kind, name=entry.name, model=entry.model, planted=planted,
               **{"instead of": instead if entry.kind == MISTAKE else "-"},
               batch="-", quantity="-", diagnosis="-", **{"conventions that flag it": "-"})
    if isinstance(result, CannotVerify):
        return {**out, "diagnosis": f"could not be checked: {str(result).splitlines()[0]}",
                "verdict": UNCHECKED}
    first = result.first_wrong
    if first:
        out.update(batch=first["case"], quantity=first["quantity"], diagnosis=first["diagnosis"])
    out["conventions that flag it"] = flagging(result, first["case"] if first else result.cases[0].name)
    if entry.kind == LOOK_ALIKE:
        return {**out, "verdict": PASSES if result.passed else FALSE_ALARM}
    return {**out, "verdict": MISSED if result.passed else CAUGHT}


def planted_line(entry):
    """(the line marked in ``entry.planted``, the closest line of ``entry.right``), code only."""
    lines = inspect.getsource(entry.planted).splitlines()
    marked = next(line for line in lines if any(mark in line for mark in MARKS))
    code = marked.split("#")[0].strip()
    right = [line.split("#")[0].strip() for line in inspect.getsource(entry.right).splitlines()[1:]]
    right = [line for line in right if line and not line.startswith(('"""', "return"))]
    return code, (difflib.get_close_matches(code, right, n=1, cutoff=0) or [""])[0]


def flagging(result, case):
    """The conventions flagging ``result``'s derivation (a ``Verification``) on batch ``case``, as text."""
    witness = result.references[case].details.get("numerical")
    ran = result.outcome.runs[case]   # the derivation's own outputs on this batch, or its Failure
    thresholds = [c for c in CONVENTIONS if c.passes is not None]
    every = ", ".join(short(c) for c in thresholds)
    if witness is None:
        return "(numerical witness not run)"
    if isinstance(ran, Failure):
        return f"{every} (it raises: no check runs)"
    params = [q for q in witness.result.grads if q not in witness.result.intermediates]
    if not all(np.all(np.isfinite(ran.grads[q])) for q in params if q in ran.grads):
        return f"{every} (NaN or inf)"
    yours = Result("yours", witness.result.loss if ran.loss is None else ran.loss, ran.grads,
                   tuple(witness.result.intermediates))
    rows = [r for r in check_rows(yours, witness, result.model) if r["quantity"] in params]
    # a convention flags a quantity when its published threshold fails (None: it publishes none)
    flagged = [c for c in thresholds
               if any(not r["shape_ok"] or r.get(c.column + "_pass") is False for r in rows)]
    return ", ".join(short(c) for c in flagged) or "none"


def short(convention):
    """"CS231n", "Ng", "deeplearning.ai", "ADBench/GradBench": the first word of its name."""
    return convention.name.split()[0]


def summary(gallery):
    """"k of n mistakes caught; j of l look-alikes pass." for an ``Exhibit``."""
    t = gallery.table
    mistakes, alikes = t[t["kind"] == MISTAKE], t[t["kind"] == LOOK_ALIKE]
    return (f"{(mistakes['verdict'] == CAUGHT).sum()} of {len(mistakes)} mistakes caught; "
            f"{(alikes['verdict'] == PASSES).sum()} of {len(alikes)} look-alikes pass.")


KEYS = ["name", "planted", "quantity", "diagnosis", "verdict"]   # the rest: mistakes.md and mistakes.csv


def render_terminal(gallery, out=None):
    """The table narrowed to ``KEYS`` and wrapped to the terminal (``comparisons.terminal``), with a
    line naming the files in ``out`` that hold every column; then the summary."""
    from comparisons.terminal import every_column, fit_table, wrap_notes

    table = fit_table(gallery.table, KEYS, note=every_column(out, ["mistakes.md", "mistakes.csv"]))
    return f"{table}\n\n{wrap_notes(summary(gallery))}"


def files(gallery):
    """{file name: text}: mistakes.md and mistakes.csv."""
    return {"mistakes.md": (f"# Classic mistakes, caught and explained\n\n{INTRO}\n\n"
                            + gallery.table.to_markdown(index=False) + f"\n\n{summary(gallery)}\n"),
            "mistakes.csv": gallery.table.to_csv(index=False)}
