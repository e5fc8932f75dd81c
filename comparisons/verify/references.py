"""What the person's numbers are checked against, per batch: PyTorch and JAX autograd (through
``comparisons.sources.run_all``) and, where it is installed, the numerical witness.

An extra reference is one entry in ``EXTRA``: a name and ``result(model, params, X, Y) -> Result``
in the derivation's convention, imported when first asked for.
"""

import importlib

from comparisons.sources import run_all

AUTOGRAD = ("torch", "jax")
EXTRA = {"numerical": "comparisons.verify.witness"}


def available():
    """Every reference that can run here: torch, jax, then each extra whose module imports."""
    return AUTOGRAD + tuple(name for name in EXTRA if extra(name) is not None)


def extra(name):
    """The module providing the extra reference ``name``, or None where it cannot be imported."""
    try:
        module = importlib.import_module(EXTRA[name])
    except ImportError:
        return None
    return module if module.ready() else None


def results(model, case, names):
    """{"manual": the catalogue's derivation, then each of ``names``: Result} on ``case``.

    The catalogue's derivation gives the backward order and the forward values; it is not one of
    the references a verdict rests on.
    """
    unknown = [n for n in names if n not in AUTOGRAD + tuple(EXTRA)]
    if unknown:
        raise ValueError(f"unknown reference {unknown[0]!r}; expected one of {', '.join(AUTOGRAD + tuple(EXTRA))}")
    out = run_all(model, case.params, case.X, case.Y, sources=("manual",) + tuple(n for n in names if n in AUTOGRAD))
    for name in names:
        if name in EXTRA:
            module = extra(name)
            if module is None:
                raise ValueError(f"reference {name!r} is not available here")
            out[name] = module.result(model, case.params, case.X, case.Y)
    return out
