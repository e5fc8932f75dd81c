"""Directional checks, and the blind spots of sampled checks, measured.

A random direction v over all parameters checks the whole gradient with two loss evaluations: its
analytic side is the derivation's g . v = sum over the parameter arrays of sum(dtheta * v), its
numerical side the witness's D_v ~ dJ/dtheta . v (``differences.directional_estimates``). But it
checks it through one number, and that is what it can miss.

Blind spots. A mistake g'_t = factor * g_t at one element t is planted in a correct derivation's
gradient.
- A direction v catches it when its directional check fails: |g' . v - D_v| / max(|g' . v|, |D_v|)
  above the tolerance. The planted error adds (factor - 1) g_t v_t to a sum of n terms, so a small
  mistake drowns in the other n - 1.
- An element e catches it when |g'_e - D_e| exceeds the tolerance times its quantity's max-norm
  (the project's verdict, one element at a time): only e = t can, so k of n elements miss it with
  probability 1 - k/n, whatever its size.
From a pool of N directions (or the n measured elements) of which M miss, k drawn at random without
replacement all miss with probability C(M, k) / C(N, k): the rates are counted, not assumed.
"""

from math import comb

import numpy as np
import pandas as pd

from comparisons.agreement import compare_arrays
from comparisons.numerical.differences import directional_estimates, random_directions, sign_pattern
from comparisons.numerical.witness import as_float64, manual_of

KINK_CROSSED = "kink-crossed"
KS = (1, 2, 4, 8)
FACTORS = (2.0, 1.01, 1.0001)


def dot(grads, v):
    """g . v = sum over parameter arrays of sum(d<name> * v[name]), with ``grads`` keyed "d" + name."""
    return float(sum(np.sum(np.asarray(grads["d" + name], dtype=np.float64) * v[name]) for name in v))


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


# --- Blind spots ---------------------------------------------------------------------------------

def all_miss(pool, missed, k):
    """Probability that k of ``pool`` drawn without replacement all come from the ``missed``."""
    return comb(missed, k) / comb(pool, k) if k <= pool else float("nan")


def direction_misses(analytic, estimates, rtol):
    """Boolean per direction: |analytic - estimate| within rtol of the larger (the check passes)."""
    return np.abs(analytic - estimates) <= rtol * np.maximum(np.abs(analytic), np.abs(estimates))


def element_misses(grads, w, names, rtol):
    """(pool, missed): measured parameter elements, and those whose check passes for ``grads``."""
    pool = missed = 0
    for name in names:
        q = "d" + name
        mask, g = w.result.masks[q], np.asarray(grads[q], dtype=np.float64)
        error = np.abs(g - w.result.grads[q])[mask]
        pool += int(mask.sum())
        missed += int(np.sum(error <= rtol * np.max(np.abs(g))))
    return pool, missed


def planted(grads, target, factor):
    """A copy of ``grads`` with element ``target`` = (quantity, flat index) multiplied by ``factor``."""
    q, t = target
    wrong = np.array(grads[q], dtype=np.float64)
    wrong.reshape(-1)[t] *= factor
    return {**grads, q: wrong}


def blind_spots(model, params, X, Y, w, grads, target, factors=FACTORS, ks=KS, pool=200, seed=1):
    """A DataFrame: for each mistake size and kind of check, the measured miss rate for each k.

    ``w``: the ``Witness`` for these parameters (its measured elements, steps and tolerance);
    ``grads``: a correct derivation's gradient; ``target``: (quantity, flat index), e.g. ("db1", 3).
    """
    from threadpoolctl import threadpool_limits

    module = manual_of(model)
    P, X64, Y64 = as_float64(params, X, Y)
    rtol = w.result.rtol
    directions = random_directions(P, pool, np.random.default_rng(seed))
    with threadpool_limits(limits=1):   # many small evaluations, as in the witness
        estimates, crossed = directional_estimates(lambda p: module.loss(p, X64, Y64), P, directions,
                                                   float(np.median(list(w.steps.values()))),
                                                   sign_pattern(module, X64, w.kinks, Y64))
    keep = [v for v, c in zip(directions, crossed) if not c]
    estimates = estimates[~crossed]
    rows = []
    for factor in factors:
        wrong = planted(grads, target, factor)
        analytic = np.array([dot(wrong, v) for v in keep])
        n_dirs, missed_dirs = len(keep), int(direction_misses(analytic, estimates, rtol).sum())
        n_elements, missed_elements = element_misses(wrong, w, P, rtol)
        mistake = f"{target[0]}[{target[1]}] x {factor:g}"
        for check, n, missed in (("k random directions", n_dirs, missed_dirs),
                                 ("k random elements", n_elements, missed_elements)):
            rows.append(dict(mistake=mistake, check=check, pool=n, missed=missed,
                             **{f"k={k}": all_miss(n, missed, k) for k in ks}))
    return pd.DataFrame(rows)
