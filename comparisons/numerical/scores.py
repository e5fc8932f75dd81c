"""Every convention the field uses to score a gradient check, with its published threshold.

Each score compares an analytic gradient a (the derivation) with a numerical one b, element by
element or as whole vectors:

    max abs       max |a - b|                                no threshold: it carries the gradient's scale
    CS231n        max |a - b| / max(1e-8, |a| + |b|)         bands of the CS231n notes (below)
    Ng course     ||b - a|| / ||b + a||  (2-norms)           < 1e-9, Coursera ML ex4's checkNNGradients
                                                             (norm(numgrad - grad) / norm(numgrad + grad))
    deeplearning.ai  ||a - b|| / (||a|| + ||b||)             <= 2e-7 (1e-7 in the 2017 notebook), the
                                                             Gradient Checking exercise ("> 2e-7: a mistake")
    ADBench       max |x - y| / max(1, |x| + |y|)            < 1e-6, ADBench's JacobianCheck (GradBench
                                                             keeps the metric)
    cosine        a . b / (||a|| ||b||)                      no threshold: it sees direction only

The two norm ratios agree to first order for a right gradient (b = a + e, e small: both are
||e|| / 2||a||) and part for a wrong one: deeplearning.ai's is at most 1 (1 exactly for b = -a),
Ng's has no bound (for b = -a + e it is 2||a|| / ||e||, millions for a sign-flipped gradient).

Each score is computed per quantity (one array) or, as the courses publish their figures, over the
whole unrolled parameter vector (``whole_vector``: every parameter gradient, concatenated).

The CS231n bands: above 1e-2 the gradient is probably wrong; 1e-2 to 1e-4 uncomfortable; 1e-4 to
1e-7 fine for an objective with kinks (ReLU) but too high without; below 1e-7 happy. The project's
own verdict is ``compare``'s (``agreement.METRIC``), shown beside. Over zero measured elements (every
witnessed element kink-crossed, say) there is nothing to score: every score is NaN, no convention
passes or fails, and the band is ``not measured``.

Where a derivation goes wrong (``localize``). A backward pass computes its quantities in order (dZ2,
dW2, db2, dA1, dZ1, dW1, db1 for the seed network), and every quantity after a wrong one that depends
on it is wrong too. So the line to look at is the first one, in that order, that disagrees with its
witness. An intermediate the witness cannot reach (dA1: no bias of its own), or one of which it
measured no element, is named beside it: the mistake may sit on its line.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from comparisons.agreement import NOT_MEASURED, PASSING

CS231N_BANDS = ((1e-7, "happy"), (1e-4, "ok with kinks"), (1e-2, "uncomfortable"), (np.inf, "probably wrong"))


def max_abs(a, b):
    """max |a - b|."""
    return float(np.max(np.abs(a - b)))


def cs231n(a, b):
    """max |a - b| / max(1e-8, |a| + |b|): CS231n's rel_error, element by element, then the worst."""
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def norm_ratio(a, b):
    """||a - b|| / (||a|| + ||b||) with 2-norms over all elements (deeplearning.ai's difference, at most 1);
    0 when both are zero."""
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / denominator) if denominator > 0 else 0.0


def ng_ratio(a, b):
    """||b - a|| / ||b + a|| with 2-norms (Ng's checkNNGradients: norm(numgrad - grad) / norm(numgrad + grad)):
    unbounded, since b + a vanishes when b = -a; 0 when both are zero, inf when only a + b is."""
    numerator, denominator = np.linalg.norm(b - a), np.linalg.norm(b + a)
    if denominator == 0:
        return 0.0 if numerator == 0 else float("inf")
    return float(numerator / denominator)


def adbench(a, b):
    """max |x - y| / max(1, |x| + |y|): absolute near zero, relative elsewhere (ADBench, GradBench)."""
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(a) + np.abs(b))))


def cosine(a, b):
    """a . b / (||a|| ||b||); 1 when both are zero, NaN when only one is."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 1.0 if na == nb else float("nan")
    return float(np.dot(a.ravel(), b.ravel()) / (na * nb))


def cs231n_band(score):
    """The CS231n notes' band for a relative error: happy, ok with kinks, uncomfortable, probably wrong;
    "not finite" for a NaN score (a NaN or inf in either gradient), which no band holds."""
    return next((name for bound, name in CS231N_BANDS if score < bound), "not finite")


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
    Convention("ng", "Ng course norm ratio", "||b - a|| / ||b + a||", "< 1e-9",
               "Coursera Machine Learning, ex4 checkNNGradients", ng_ratio, lambda s, kinks: s < 1e-9),
    Convention("dlai", "deeplearning.ai norm ratio", "||a - b|| / (||a|| + ||b||)", "<= 2e-7 (1e-7 in 2017)",
               "deeplearning.ai, Gradient Checking exercise", norm_ratio, lambda s, kinks: s <= 2e-7),
    Convention("adbench", "ADBench/GradBench", "max |x - y| / max(1, |x| + |y|)", "< 1e-6",
               "ADBench docs/JacobianCheck.md", adbench, lambda s, kinks: s < 1e-6),
    Convention("cosine", "cosine similarity", "a . b / (||a|| ||b||)", "none (direction only)",
               "common practice", cosine),
)


def scores(a, b, kinks=False):
    """{column: score, column + "_pass": True/False/None, "cs231n_band": band} for a (analytic), b.

    With no element to compare, every score is NaN, every pass None and the band ``not measured``.
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    measured = a.size > 0
    out = {}
    for c in CONVENTIONS:
        value = c.score(a, b) if measured else float("nan")
        out[c.column] = value
        out[c.column + "_pass"] = None if c.passes is None or not measured else bool(c.passes(value, kinks))
    out["cs231n_band"] = cs231n_band(out["cs231n"]) if measured else NOT_MEASURED
    return out


def whole_vector(pairs, kinks=False):
    """``scores`` over the whole unrolled parameter vector, as the courses publish their figures:
    ``pairs`` of (a, b), one per parameter gradient, each raveled and all concatenated (the order
    changes no score). Intermediates (dZ1, ...) are not parameters and do not belong in ``pairs``."""
    pairs = list(pairs)
    a = np.concatenate([np.ravel(np.asarray(x, dtype=np.float64)) for x, _ in pairs]) if pairs else np.array([])
    b = np.concatenate([np.ravel(np.asarray(y, dtype=np.float64)) for _, y in pairs]) if pairs else np.array([])
    return scores(a, b, kinks)


def conventions_table():
    """One row per convention: name, formula, published threshold, source (for reports)."""
    import pandas as pd

    return pd.DataFrame([dict(convention=c.name, formula=c.formula, threshold=c.threshold, source=c.source)
                         for c in CONVENTIONS])


# --- Where a derivation goes wrong -----------------------------------------------------------------

@dataclass(frozen=True)
class Localisation:
    """first: the first disagreeing quantity (None when none disagrees); max_rel: its error; before:
    the last agreeing quantity before it; unwitnessed: quantities between them that no witness covers
    or of which it measured no element; not_measured: every quantity compared over zero elements;
    profile: (quantity, max_rel or None) in backward order."""

    first: str = None
    max_rel: float = 0.0
    before: str = None
    unwitnessed: tuple = ()
    not_measured: tuple = ()
    profile: tuple = ()

    def sentence(self):
        trail = " · ".join(f"{q} {error_text(e, q in self.not_measured)}" for q, e in self.profile)
        if self.first is None:
            if self.not_measured:
                return (f"Every measured quantity agrees ({trail}); {NOT_MEASURED}: "
                        f"{', '.join(self.not_measured)}.")
            return f"Every witnessed quantity agrees ({trail})."
        after = f" after {self.before} agreed" if self.before else ""
        also = (f"; {', '.join(self.unwitnessed)} just before it has no numerical witness, so check "
                f"{'that line' if len(self.unwitnessed) == 1 else 'those lines'} too" if self.unwitnessed else "")
        return (f"First wrong line in backward order: {self.first} (max_rel {self.max_rel:.1e}{after}){also}. "
                f"Errors in backward order: {trail}.")


def error_text(max_rel, not_measured):
    """A quantity's entry in the errors-in-backward-order trail: "-" where nothing witnesses it."""
    return NOT_MEASURED if not_measured else "-" if max_rel is None else f"{max_rel:.1e}"


def localize(rows, order):
    """A ``Localisation`` from ``compare`` rows (manual vs a witness) and the backward order of keys.

    A row ``not measured`` neither agrees nor fails: like a quantity with no witness, it is skipped
    and named beside the first wrong line after it.
    """
    by_quantity = {r["quantity"]: r for r in rows if r["quantity"] != "J"}
    profile = tuple((q, by_quantity[q]["max_rel"] if q in by_quantity else None) for q in order)
    not_measured = tuple(q for q in order if q in by_quantity and by_quantity[q]["verdict"] == NOT_MEASURED)
    before, skipped = None, []
    for q in order:
        if q not in by_quantity or q in not_measured:
            skipped.append(q)
            continue
        if by_quantity[q]["verdict"] not in PASSING:
            return Localisation(q, by_quantity[q]["max_rel"], before, tuple(skipped), not_measured, profile)
        before, skipped = q, []
    return Localisation(not_measured=not_measured, profile=profile)
