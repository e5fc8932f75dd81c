"""Checking a derivation against the numerical witness: ``compare`` rows, scored by every convention.

``check(model, params, X, Y, backward=...)`` runs the manual derivation (or the given ``backward``,
someone's own) and the witness on the same parameters and data, and returns one row per quantity:
``compare``'s columns (its verdict is the project's), then how many elements were measured and
kink-crossed, and the score and pass/fail of each convention in ``scores``.
"""

from types import SimpleNamespace

import numpy as np

from comparisons.agreement import compare
from comparisons.numerical.contract import intermediates_of, name_of
from comparisons.numerical.directions import directional_rows
from comparisons.numerical.scores import scores
from comparisons.numerical.witness import witness as run_witness
from comparisons.sources import run_manual
from comparisons.agreement import rtol_for


def manual_result(model, params, X, Y, backward=None):
    """The derivation's ``Result`` (``run_manual``), for a catalogue entry or a bare contract module."""
    if not hasattr(model, "manual"):
        model = SimpleNamespace(manual=model, intermediates=intermediates_of(model))
    return run_manual(model, params, X, Y, backward)


def check_rows(manual, w, model_name):
    """``compare(manual, w.result)`` rows, each with counts and every convention's score."""
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
