"""Which gradient-checking conventions flag a derivation: CS231n's relative error, the Ng course's
and deeplearning.ai's norm ratios, ADBench's check, each with its published threshold, scored by
the numerical witness's own functions (``comparisons.numerical.check_rows``) on the batch where a
mistake first shows. Like the checks in those courses, it looks at the parameter gradients, on
the elements the witness measured.

For a mistake, the conventions that flag it catch it; for a look-alike, any that flags it raises
a false alarm.
"""

import numpy as np

from comparisons.agreement import Result
from comparisons.verify.calls import Failure


def flagging(result, case):
    """The conventions flagging ``result``'s derivation (a ``Verification``) on batch ``case``, as text."""
    from comparisons.numerical.check import check_rows
    from comparisons.numerical.scores import CONVENTIONS

    witness = result.references[case].details.get("numerical")
    run = result.outcome.runs[case]
    thresholds = [c for c in CONVENTIONS if c.passes is not None]
    every = ", ".join(short(c) for c in thresholds)
    if witness is None:
        return "(numerical witness not run)"
    if isinstance(run, Failure):
        return f"{every} (it raises: no check runs)"
    params = [q for q in witness.result.grads if q not in witness.result.intermediates]
    if not all(np.all(np.isfinite(run.grads[q])) for q in params if q in run.grads):
        return f"{every} (NaN or inf)"
    yours = Result("yours", witness.result.loss if run.loss is None else run.loss, run.grads,
                   tuple(witness.result.intermediates))
    rows = [r for r in check_rows(yours, witness, result.model) if r["quantity"] in params]
    flagged = [c for c in thresholds
               if any(not r["shape_ok"] or r.get(c.column + "_pass") is False for r in rows)]
    return ", ".join(short(c) for c in flagged) or "none"


def short(convention):
    """"CS231n", "Ng", "deeplearning.ai", "ADBench/GradBench": the first word of its name."""
    return convention.name.split()[0]
