"""The comparison primitive: two results in, one row per quantity out.

Both the reports (pandas DataFrames of these rows) and the tests (asserting on them) use
``compare``, so a report and a test can never disagree about a verdict.
"""

import numpy as np

from comparisons.convention import scaling_of
from comparisons.tolerances import rtol_for

AGREE = "agree"
DISAGREE = "DISAGREE"
LOSS_MISMATCH = "LOSS MISMATCH"
SHAPE_MISMATCH = "SHAPE MISMATCH"
NON_FINITE = "NON-FINITE"
MISSING = "MISSING"

COLUMNS = ["model", "quantity", "scaling", "dtype", "pair", "shape_a", "shape_b", "shape_ok",
           "max_abs", "max_rel", "rtol", "verdict"]


def max_errors(a, b):
    """(max|a - b|, max|a - b| / max(max|a|, max|b|)); both 0 when a and b are exactly zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    max_abs = float(np.max(np.abs(a - b))) if a.size else 0.0
    scale = float(max(np.max(np.abs(a)), np.max(np.abs(b)))) if a.size else 0.0
    return max_abs, (max_abs / scale if scale > 0 else 0.0)


def compare_arrays(a, b, rtol, mismatch=DISAGREE):
    """Shape check, then finiteness, then the max-norm relative error against ``rtol``.

    Returns ``(shape_ok, max_abs, max_rel, verdict)``; errors are NaN when shapes differ.
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False, np.nan, np.nan, SHAPE_MISMATCH
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return True, np.nan, np.nan, NON_FINITE
    max_abs, max_rel = max_errors(a, b)
    return True, max_abs, max_rel, (AGREE if max_rel <= rtol else mismatch)


def compare(a, b, model, dtype=None):
    """Rows comparing ``Result`` a with ``Result`` b: the loss J first, then every gradient.

    Quantities are taken in a's order, then any only b has. A quantity one side lacks is
    ``MISSING``; a loss that differs is ``LOSS MISMATCH``, its own failure, since gradients of two
    different losses cannot be expected to agree.

    A witness that measures part of what a derivation holds (the numerical witness, see
    ``Result``) is compared on the quantities it covers, on the elements both sides measured,
    against the larger of the dtype's rtol and its method's.
    """
    dtype = np.dtype(dtype or a.dtype).name
    rtol = max(rtol_for(dtype), a.rtol, b.rtol)
    pair = f"{a.source} vs {b.source}"
    intermediates = tuple(a.intermediates) + tuple(b.intermediates)

    def row(quantity, scaling, shape_a, shape_b, shape_ok, max_abs, max_rel, verdict):
        return dict(model=model, quantity=quantity, scaling=scaling, dtype=dtype, pair=pair,
                    shape_a=shape_a, shape_b=shape_b, shape_ok=shape_ok, max_abs=max_abs,
                    max_rel=max_rel, rtol=rtol, verdict=verdict)

    rows = [row("J", "loss", "()", "()",
                *compare_arrays(a.loss, b.loss, rtol, mismatch=LOSS_MISMATCH))]
    for q in [*a.grads, *(k for k in b.grads if k not in a.grads)]:
        if not (covered(a, q) and covered(b, q)):
            continue
        scaling = scaling_of(q, intermediates)
        if q not in a.grads or q not in b.grads:
            have = a.grads if q in a.grads else b.grads
            shape = str(np.shape(have[q]))
            rows.append(row(q, scaling, shape if q in a.grads else "-", shape if q in b.grads else "-",
                            False, np.nan, np.nan, MISSING))
            continue
        ga, gb = a.grads[q], b.grads[q]
        shapes = str(np.shape(ga)), str(np.shape(gb))
        if (q in a.masks or q in b.masks) and np.shape(ga) == np.shape(gb):
            keep = measured(a, q) & measured(b, q)
            ga, gb = np.asarray(ga)[keep], np.asarray(gb)[keep]
        rows.append(row(q, scaling, *shapes, *compare_arrays(ga, gb, rtol)))
    return rows


def covered(result, quantity):
    """Whether ``result`` gives ``quantity`` at all (``Result.covers``; None covers everything)."""
    return result.covers is None or quantity in result.covers


def measured(result, quantity):
    """Boolean array, True where ``result`` measured ``quantity`` (everywhere unless it has a mask)."""
    return result.masks.get(quantity, np.ones(np.shape(result.grads[quantity]), dtype=bool))


def all_agree(rows):
    """True when every row's verdict is ``agree``."""
    return all(r["verdict"] == AGREE for r in rows)
