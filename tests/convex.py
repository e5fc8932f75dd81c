"""Helpers for the convex models' tests (linear, logistic and softmax regression)."""

import dataclasses

from comparisons.agreement import compare
from comparisons.catalogue import get
from comparisons.sources import run_all

BACKENDS = ["torch", "jax"]
SOURCES = ["manual", "torch", "jax"]


def with_lam(name, lam):
    """The catalogue entry ``name`` with its L2 strength set to ``lam`` (data and modules unchanged)."""
    return dataclasses.replace(get(name), config={"lam": lam})


def agreement(model, params, X, Y, backend):
    """``compare`` rows of the manual derivation against ``backend``'s autograd on this batch."""
    results = run_all(model, params, X, Y, sources=("manual", backend))
    return compare(results["manual"], results[backend], model.name)


def quantities(rows):
    return [r["quantity"] for r in rows]


def verdicts(rows):
    return {r["quantity"]: r["verdict"] for r in rows}


def grads_of(model, source, params, X, Y):
    """The ``Result`` of one source (manual, torch or jax) on this batch."""
    return run_all(model, params, X, Y, sources=(source,))[source]
