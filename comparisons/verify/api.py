"""``verify(target, model)``: one call that checks a person's derivation and returns a
``Verification``, a result that renders as a table (terminal, notebook, Markdown, CSV) and says
whether it passed.

Could not be checked (the code does not import, lacks a function, raises or returns the wrong
things on the typical batch, runs too long): ``CannotVerify``, whose message names the function
and what was expected. A function that fails only on a later batch (say, a batch without label 9)
is a wrong derivation: it shows as a ``FAILS`` row.
"""

import numpy as np
import pandas as pd
from tqdm import tqdm

from comparisons import catalogue
from comparisons.verify import references
from comparisons.verify.calls import Failure
from comparisons.verify.cases import make_cases
from comparisons.verify.diagnose import failure_hint
from comparisons.verify.errors import CannotVerify
from comparisons.verify.render import Verification
from comparisons.verify.run import DEFAULT_TIMEOUT, run_user
from comparisons.verify.table import check_case

__all__ = ["verify", "Verification"]


def verify(target, model="seed_net", *, form="auto", m=64, seed=0, dtype="float64", cases=None,
           against=None, full_witness=False, timeout=DEFAULT_TIMEOUT, isolate=None, progress=False,
           memo=None):
    """Check ``target``'s derivation of catalogue ``model`` on every batch of ``cases``.

    target:  ``"PATH.py"``, ``"package.module"``, either with ``":function"`` (the backward alone),
             or a module, an object holding the functions, or a backward function itself
    form:    "auto", "contract" (forward/loss/backward) or "tutorial" (forward_prop/backward_prop)
    m, seed, dtype: the typical batch's size, the seed of data and parameters, float64 or float32
    cases:   names from ``comparisons.verify.cases.CASES`` (default: all that apply to the model)
    against: reference names (default: torch, jax and every extra reference installed)
    full_witness: the numerical witness measures every element (default: a seeded sample)
    timeout: seconds the person's code may run, for code given as a path or module name
    isolate: run the code in a child process (default: for a path or module name only)
    memo:    a dict that keeps the references' results between calls on the same batches (the gallery)
    """
    model = catalogue.get(model) if isinstance(model, str) else model
    batches = make_cases(model, m, seed, dtype, cases)
    names = tuple(against) if against else references.available()
    outcome = run_user(target, model, batches, form, timeout, isolate)
    first = outcome.runs[batches[0].name]
    if isinstance(first, Failure):
        hint = failure_hint(batches[0].Y)
        raise CannotVerify(first.message + (f"\n  ({hint})" if hint else ""))
    rows, summary, found, memo = [], [], {}, ({} if memo is None else memo)
    for case in tqdm(batches, desc="verify", unit="batch", disable=not progress):
        key = (model.name, case.name, m, seed, np.dtype(dtype).name, names, full_witness)
        if key not in memo:
            memo[key] = references.results(model, case, names, full=full_witness)
        found[case.name] = memo[key]
        case_rows, case_summary = check_case(model, case, outcome.runs[case.name], found[case.name], dtype)
        rows += case_rows
        summary += case_summary
    return Verification(model=model.name, outcome=outcome, cases=batches, against=names,
                        dtype=np.dtype(dtype).name, rows=pd.DataFrame(rows), table=pd.DataFrame(summary),
                        intermediates=model.intermediates, references=found)
