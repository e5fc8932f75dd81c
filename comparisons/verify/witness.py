"""The numerical witness (``comparisons/numerical``) as an extra reference for ``verify``.

By default it measures a seeded sample of each parameter array (32 elements, every bias element
of the models here), the per-example dZ of a few examples and a few random directions: a second
opinion independent of autograd that costs well under a second. ``full=True`` measures every
element, which takes seconds to minutes on the larger models.
"""

import importlib.util

import numpy as np


def ready():
    """Whether the witness is installed here."""
    return importlib.util.find_spec("comparisons.numerical") is not None


def measure(model, params, X, Y, full=False):
    """(the witness's ``Result``, source "numerical"; the ``Witness`` with everything it measured)."""
    from comparisons.numerical import plan_for, witness

    n = sum(int(np.size(v)) for v in params.values())
    plan = plan_for(n, X.shape[1], full=full, kinks=bool(getattr(model.manual, "KINKS", ())))
    w = witness(model, params, X, Y, plan=plan)
    return w.result, w
