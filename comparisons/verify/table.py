"""The person's numbers against the references on one batch: the long rows (one per quantity and
reference, from ``comparisons.agreement.compare``) and the summary (one per quantity, with its
verdict and diagnosis).

Quantities come in the derivation's order: forward values, the loss J, then the gradients in the
order the backward pass computes them, so the first wrong row is where a mistake first shows.
"""

import numpy as np

from comparisons.agreement import AGREE, DISAGREE, LOSS_MISMATCH, MISSING, NON_FINITE, SHAPE_MISMATCH, \
    compare, compare_arrays
from comparisons.agreement import Result
from comparisons.agreement import rtol_for
from comparisons.verify.calls import Failure
from comparisons.verify.references import AUTOGRAD
from comparisons.verify.diagnose import Context, diagnose, failure_hint

FAILS = "FAILS"        # a function raised or returned the wrong things on this batch
FORWARD = "forward"
LOSS = "loss"
WORST = (FAILS, MISSING, SHAPE_MISMATCH, NON_FINITE, LOSS_MISMATCH, DISAGREE)
FORWARD_REFERENCE = "forward"   # the catalogue's NumPy forward pass, the reference of forward values


def check_case(model, case, run, refs, dtype):
    """(long rows, summary rows) for ``case``; ``run`` is the person's UserRun or a Failure, ``refs``
    the ``references.References`` on the same batch."""
    if isinstance(run, Failure):
        return failure_rows(model, case, run, dtype)
    forward = refs.forward
    rows = forward_rows(model, case, run, forward, dtype) + gradient_rows(model, case, run, refs.results, dtype)
    order = [*forward, "J", *refs.manual.grads]
    quantities = sorted({r["quantity"] for r in rows}, key=lambda q: order.index(q) if q in order else len(order))
    summary = [summarise(model, case, run, q, [r for r in rows if r["quantity"] == q], refs.results, forward)
               for q in quantities]
    return rows, carried(summary)


def carried(summary):
    """NaN/inf rows after the first in a batch say where it came from, instead of repeating its diagnosis."""
    first = next((r["quantity"] for r in summary if r["verdict"] == NON_FINITE), None)
    for r in summary:
        if r["verdict"] == NON_FINITE and r["quantity"] != first:
            r["diagnosis"] = f"{r['diagnosis'].split(':')[0]}, carried from {first}"
    return summary


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
    """One summary row: max_rel against each reference (a column each), the worst verdict over them,
    and a diagnosis unless all agree."""
    bad = [r for r in rows if r["verdict"] != AGREE]
    verdict = min((r["verdict"] for r in bad), key=WORST.index, default=AGREE)
    mine = run.forward.get(quantity) if rows[0]["kind"] == FORWARD else (
        run.loss if quantity == "J" else run.grads.get(quantity))
    row = dict(case=case.name, quantity=quantity, kind=rows[0]["kind"], shape=rows[0]["shape_a"],
               expected=rows[0]["shape_b"], **{r["reference"]: r["max_rel"] for r in rows}, verdict=verdict,
               diagnosis="")
    if not bad:
        return row
    first = bad[0]
    if first["verdict"] == MISSING:
        row["diagnosis"] = missing(quantity, run, refs)
        return row
    source = refs.get(first["reference"])
    expected = forward[quantity] if first["kind"] == FORWARD else (
        source.loss if quantity == "J" else source.grads[quantity])
    if first["kind"] != FORWARD and not any(r["reference"] in AUTOGRAD for r in bad):
        row["diagnosis"] = (f"agrees with autograd but not with the {first['reference']} reference "
                            f"(max relative error {first['max_rel']:.1e})")
        return row
    ctx = Context(quantity, case.m, case.params, model.config.get("lam"), forward,
                  dict(source.grads) if source else {}, run.warnings)
    row["diagnosis"] = diagnose(mine, expected, ctx)
    return row


def missing(quantity, run, refs):
    """Why a parameter gradient is missing: not returned, or returned under another name."""
    plain = quantity[1:]
    if plain in run.grads:
        return f"not returned: found {plain!r}; expected the key {quantity!r}"
    return f"not returned: the backward pass must return {quantity}"


def failure_rows(model, case, failure, dtype):
    """One row for a function that failed on this batch (after passing the typical one)."""
    hint = failure_hint(case.Y)
    text = failure.message.splitlines()[0] + (f": {hint}" if hint else "")
    long = dict(case=case.name, kind="call", reference="-", model=model.name, quantity=failure.function,
                scaling="call", dtype=np.dtype(dtype).name, pair="-", shape_a="-", shape_b="-",
                shape_ok=False, max_abs=np.nan, max_rel=np.nan, rtol=rtol_for(dtype), verdict=FAILS)
    summary = dict(case=case.name, quantity=failure.function, kind="call", shape="-", expected="-",
                   verdict=FAILS, diagnosis=text)
    return [long], [summary]
