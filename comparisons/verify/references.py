"""What the person's numbers are checked against, per batch: PyTorch and JAX autograd (through
``comparisons.sources.run_all``) and, where it is installed, the numerical witness.

An extra reference is one entry in ``EXTRA``: a name and a module with ``ready()`` and
``measure(model, params, X, Y, full=False) -> (Result, details)``, imported when first asked for.
"""

import importlib
from dataclasses import dataclass, field

from comparisons.agreement import Result
from comparisons.sources import run_all

AUTOGRAD = ("torch", "jax")
EXTRA = {"numerical": "comparisons.verify.witness"}


@dataclass(frozen=True)
class References:
    """manual: the catalogue's own derivation (backward order; not a reference a verdict rests on);
    results: {name: Result}; details: {name: what an extra reference measured besides (the Witness)};
    forward: the catalogue's forward values (Z1, A1, ...) on the batch."""

    manual: Result
    results: dict
    details: dict = field(default_factory=dict)
    forward: dict = field(default_factory=dict)


def available():
    """Every reference that can run here: torch, jax, then each extra whose module says it is ready."""
    return AUTOGRAD + tuple(name for name in EXTRA if importlib.import_module(EXTRA[name]).ready())


def results(model, case, names, full=False):
    """``References`` on ``case`` from each of ``names``; ``full`` asks extras to measure every element."""
    unknown = [n for n in names if n not in AUTOGRAD + tuple(EXTRA)]
    if unknown:
        raise ValueError(f"unknown reference {unknown[0]!r}; expected one of {', '.join(AUTOGRAD + tuple(EXTRA))}")
    out = run_all(model, case.params, case.X, case.Y, sources=("manual",) + tuple(n for n in names if n in AUTOGRAD))
    details = {}
    for name in (n for n in names if n in EXTRA):
        module = importlib.import_module(EXTRA[name])
        if not module.ready():
            raise ValueError(f"reference {name!r} is not installed here; expected one of {', '.join(available())}")
        out[name], details[name] = module.measure(model, case.params, case.X, case.Y, full=full)
    _, forward = model.manual.forward(case.params, case.X)
    return References(out.pop("manual"), out, details, forward)
