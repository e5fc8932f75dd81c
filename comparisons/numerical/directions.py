"""Directional checks: dJ/dtheta . v for random directions v over all parameters at once.

One directional derivative costs two loss evaluations whatever the number of parameters, which is
why large models are checked this way. Its analytic side is the derivation's g . v = sum over the
parameter arrays of sum(dtheta * v). A direction checks the whole gradient, but only through one
number: see ``blind_spots`` for what that misses.
"""

import numpy as np

from comparisons.agreement import compare_arrays
from comparisons.numerical.central import central_directional
from comparisons.numerical.complex_step import complex_directional

KINK_CROSSED = "kink-crossed"


def random_directions(params, k, rng):
    """k directions, each {name: array of params[name]'s shape}, uniform on the unit sphere.

    Standard normal entries scaled to a 2-norm of 1 over all parameters: a step h along one moves
    the parameters as far as a step h of one element does, so the element steps serve for it too.
    """
    out = []
    for _ in range(k):
        v = {name: rng.standard_normal(a.shape) for name, a in params.items()}
        norm = np.sqrt(sum(np.sum(x * x) for x in v.values()))
        out.append({name: x / norm for name, x in v.items()})
    return out


def dot(grads, v):
    """g . v = sum over parameter arrays of sum(d<name> * v[name]), with ``grads`` keyed "d" + name."""
    return float(sum(np.sum(np.asarray(grads["d" + name], dtype=np.float64) * v[name]) for name in v))


def directional_estimates(f, params, directions, h, pattern=None, complex_f=None):
    """``(estimates, crossed)`` arrays over ``directions``: complex step when ``complex_f`` is given
    (never crossed: it needs a smooth loss), else central differences with step ``h``."""
    if complex_f is not None:
        return np.array([complex_directional(complex_f, params, v) for v in directions]), np.zeros(len(directions), bool)
    pairs = [central_directional(f, params, v, h, pattern) for v in directions]
    return np.array([p[0] for p in pairs], dtype=float), np.array([p[1] for p in pairs], dtype=bool)


def directional_rows(directions, estimates, crossed, grads, rtol):
    """One row per direction: numerical and analytic dJ/dtheta . v, their errors and the verdict
    (``compare_arrays`` on the two numbers); a kink-crossed direction is marked and not judged."""
    rows = []
    for n, (v, estimate, kink) in enumerate(zip(directions, estimates, crossed)):
        analytic = dot(grads, v)
        _, max_abs, max_rel, verdict = compare_arrays(np.array(analytic), np.array(estimate), rtol)
        rows.append(dict(direction=n, analytic=analytic, numerical=float(estimate), max_abs=max_abs,
                         max_rel=max_rel, rtol=rtol, verdict=KINK_CROSSED if kink else verdict))
    return rows
