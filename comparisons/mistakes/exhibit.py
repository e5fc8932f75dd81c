"""Run the gallery through the verifier and lay it out as one table: the line planted (and the
right line it replaces), the batch and quantity where the mistake first shows, the diagnosis, and
which gradient-checking conventions flag it (for a look-alike: raise a false alarm). Every cell is computed in the run."""

import difflib
import inspect
from dataclasses import dataclass

import pandas as pd
from tqdm import tqdm

from comparisons.mistakes import conventions
from comparisons.mistakes.gallery import GALLERY, LOOK_ALIKE, MISTAKE
from comparisons.verify import CannotVerify, verify

MARKS = ("# planted", "# looks wrong")
CAUGHT, MISSED, PASSES, FALSE_ALARM, UNCHECKED = "caught", "MISSED", "passes", "FALSE ALARM", "NOT CHECKED"
COLUMNS = ["kind", "name", "model", "planted", "instead of", "batch", "quantity", "diagnosis",
           "conventions that flag it", "verdict"]


@dataclass
class Exhibit:
    """table: one row per entry (``COLUMNS``); results: {entry name: Verification or CannotVerify}."""

    table: pd.DataFrame
    results: dict

    @property
    def ok(self):
        """Every mistake caught and every look-alike passed."""
        return bool(self.table["verdict"].isin([CAUGHT, PASSES]).all())


def planted_line(entry):
    """(the line marked in ``entry.planted``, the closest line of ``entry.right``), code only."""
    lines = inspect.getsource(entry.planted).splitlines()
    marked = next(line for line in lines if any(mark in line for mark in MARKS))
    code = marked.split("#")[0].strip()
    right = [line.split("#")[0].strip() for line in inspect.getsource(entry.right).splitlines()[1:]]
    right = [line for line in right if line and not line.startswith(('"""', "return"))]
    return code, (difflib.get_close_matches(code, right, n=1, cutoff=0) or [""])[0]


def run(entries=GALLERY, m=64, seed=0, against=None, progress=False):
    """An ``Exhibit`` of ``entries``, each verified on its model's batches (references computed once)."""
    memo, rows, results = {}, [], {}
    for entry in tqdm(entries, desc="mistakes", unit="entry", disable=not progress):
        try:
            result = verify(entry.code, entry.model, m=m, seed=seed, against=against, isolate=False, memo=memo)
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
        return {**out, "diagnosis": f"could not be checked: {str(result).splitlines()[0]}", "verdict": UNCHECKED}
    first = result.first_wrong
    if first:
        out.update(batch=first["case"], quantity=first["quantity"], diagnosis=first["diagnosis"])
    out["conventions that flag it"] = conventions.flagging(result, first["case"] if first else result.cases[0].name)
    if entry.kind == LOOK_ALIKE:
        return {**out, "verdict": PASSES if result.passed else FALSE_ALARM}
    return {**out, "verdict": MISSED if result.passed else CAUGHT}
