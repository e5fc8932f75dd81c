"""Every convention the field uses to score a gradient check, with its published threshold.

Each score compares an analytic gradient a (the derivation) with a numerical one b, element by
element or as whole vectors:

    max abs       max |a - b|                                no threshold: it carries the gradient's scale
    CS231n        max |a - b| / max(1e-8, |a| + |b|)         bands of the CS231n notes (below)
    Ng course     ||a - b|| / (||a|| + ||b||)  (2-norms)     < 1e-9, Coursera ML ex4's checkNNGradients
    deeplearning.ai  the same norm ratio                     < 2e-7, the Gradient Checking exercise
    ADBench       max |x - y| / max(1, |x| + |y|)            < 1e-6, ADBench's JacobianCheck (GradBench
                                                             keeps the metric)
    cosine        a . b / (||a|| ||b||)                      no threshold: it sees direction only

The CS231n bands: above 1e-2 the gradient is probably wrong; 1e-2 to 1e-4 uncomfortable; 1e-4 to
1e-7 fine for an objective with kinks (ReLU) but too high without; below 1e-7 happy. The project's
own verdict is ``compare``'s (max-norm relative error against the tolerance table), shown beside.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

CS231N_BANDS = ((1e-7, "happy"), (1e-4, "ok with kinks"), (1e-2, "uncomfortable"), (np.inf, "probably wrong"))


def max_abs(a, b):
    """max |a - b|."""
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def cs231n(a, b):
    """max |a - b| / max(1e-8, |a| + |b|): CS231n's rel_error, element by element, then the worst."""
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))) if a.size else 0.0


def norm_ratio(a, b):
    """||a - b|| / (||a|| + ||b||) with 2-norms over all elements; 0 when both are zero."""
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / denominator) if denominator > 0 else 0.0


def adbench(a, b):
    """max |x - y| / max(1, |x| + |y|): absolute near zero, relative elsewhere (ADBench, GradBench)."""
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(a) + np.abs(b)))) if a.size else 0.0


def cosine(a, b):
    """a . b / (||a|| ||b||); 1 when both are zero, NaN when only one is."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 1.0 if na == nb else float("nan")
    return float(np.dot(a.ravel(), b.ravel()) / (na * nb))


def cs231n_band(score):
    """The CS231n notes' band for a relative error: happy, ok with kinks, uncomfortable, probably wrong."""
    return next(name for bound, name in CS231N_BANDS if score < bound)


@dataclass(frozen=True)
class Convention:
    """A scoring convention: its column, formula, threshold as published, source, and pass rule.

    ``passes(score, kinks) -> bool``, or None where the convention publishes no threshold.
    """

    column: str
    name: str
    formula: str
    threshold: str
    source: str
    score: Callable
    passes: Callable = None


CONVENTIONS = (
    Convention("max_abs", "max abs", "max |a - b|", "none (scale-dependent)", "the makemore 'cmp' row",
               max_abs),
    Convention("cs231n", "CS231n relative error", "max |a - b| / max(1e-8, |a| + |b|)",
               "< 1e-7; < 1e-4 with kinks", "CS231n notes, gradient checks", cs231n,
               lambda s, kinks: cs231n_band(s) == "happy" or (kinks and cs231n_band(s) == "ok with kinks")),
    Convention("ng", "Ng course norm ratio", "||a - b|| / (||a|| + ||b||)", "< 1e-9",
               "Coursera Machine Learning, ex4 checkNNGradients", norm_ratio, lambda s, kinks: s < 1e-9),
    Convention("dlai", "deeplearning.ai norm ratio", "||a - b|| / (||a|| + ||b||)", "< 2e-7",
               "deeplearning.ai, Gradient Checking exercise", norm_ratio, lambda s, kinks: s < 2e-7),
    Convention("adbench", "ADBench/GradBench", "max |x - y| / max(1, |x| + |y|)", "< 1e-6",
               "ADBench docs/JacobianCheck.md", adbench, lambda s, kinks: s < 1e-6),
    Convention("cosine", "cosine similarity", "a . b / (||a|| ||b||)", "none (direction only)",
               "common practice", cosine),
)


def scores(a, b, kinks=False):
    """{column: score, column + "_pass": True/False/None, "cs231n_band": band} for a (analytic), b."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    out = {}
    for c in CONVENTIONS:
        value = c.score(a, b)
        out[c.column] = value
        out[c.column + "_pass"] = None if c.passes is None else bool(c.passes(value, kinks))
    out["cs231n_band"] = cs231n_band(out["cs231n"])
    return out


def conventions_table():
    """One row per convention: name, formula, published threshold, source (for reports)."""
    import pandas as pd

    return pd.DataFrame([dict(convention=c.name, formula=c.formula, threshold=c.threshold, source=c.source)
                         for c in CONVENTIONS])
