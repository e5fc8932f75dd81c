"""The comparison primitive: what a source computed, in the derivation's convention, compared
quantity by quantity against another source, with one tolerance table and one set of verdicts.

Every consumer goes through this module: the reports (pandas DataFrames of ``compare``'s rows),
the tests (asserting on the same rows), ``verify``, the numerical witness and the report sections.
A report and a test can therefore never disagree about a verdict, and a new metric is added here
once. Renderers quote ``METRIC`` instead of restating it.

Four ideas, in the order a row is made:

1. ``Result``: the loss J and every gradient one source computed, keyed by the derivation's names.
2. The per-example convention: autograd differentiates the mean loss J = 1/m sum_j L_j, so for an
   intermediate Z it returns dJ/dZ; the derivation writes per-example intermediates instead (the
   seed's dZ2 = A2 - Y is dL_j/dZ2[:, j] for each column j, which is m * dJ/dZ2). Parameter
   gradients need no factor: dW2 = 1/m dZ2 A1^T is exactly dJ/dW2. ``to_derivation`` applies the
   factor, in this one place, and every report names it beside each intermediate (``PER_EXAMPLE``).
3. Tolerances per dtype (and per numerical method), with the reason for each.
4. ``compare``: the loss first, then shape, finiteness and the max-norm relative error of every
   quantity, turned into a verdict.
"""

from dataclasses import dataclass, field

import numpy as np

# --- 1. What one source computed -------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """The loss J and every gradient, in the derivation's names and convention.

    source:        "manual", "torch", "jax", ...
    loss:          J, a float
    grads:         {"dW1": array, ..., "dZ1": array}; intermediates per example (m · dJ/dZ)
    intermediates: the keys of ``grads`` that are intermediates rather than parameter gradients

    A witness that measures only part of what a derivation holds (the numerical witness) also sets:
    masks:         {quantity: boolean array of its shape}, True where the element was measured; a
                   quantity without a mask is measured everywhere
    covers:        the quantities it can give at all; ``compare`` leaves the other side's quantities
                   outside it alone instead of calling them MISSING (None: it covers everything)
    rtol:          the accuracy of its method; ``compare`` uses the larger of this and the dtype's rtol
    """

    source: str
    loss: float
    grads: dict = field(default_factory=dict)
    intermediates: tuple = ()
    masks: dict = field(default_factory=dict)
    covers: tuple = None
    rtol: float = 0.0

    @property
    def dtype(self):
        return next(iter(self.grads.values())).dtype if self.grads else np.dtype(type(self.loss))


# --- 2. The per-example convention -------------------------------------------------------------

PARAMETER = "dJ/dθ"
PER_EXAMPLE = "m · dJ/dZ"


def to_derivation(raw_grads, m, intermediates):
    """Autograd's ``{name: dJ/dname}`` -> the derivation's ``{"d" + name: ...}``.

    Names whose derivative ``"d" + name`` is in ``intermediates`` are multiplied by m; parameter
    gradients are kept as they are.
    """
    out = {}
    for name, g in raw_grads.items():
        d = "d" + name
        out[d] = g * m if d in intermediates else g
    return out


def scaling_of(quantity, intermediates):
    """How a quantity is scaled in the derivation: ``PER_EXAMPLE`` or ``PARAMETER``."""
    return PER_EXAMPLE if quantity in intermediates else PARAMETER


# --- 3. Tolerances, with their reasons -----------------------------------------------------------
# The max-norm relative error measures each quantity against its own scale, so entries that are
# zero up to rounding (dW1 at blank pixels, for example) cannot fail a correct derivation, while a
# factor, a sign, a missing term or a single wrong element above the tolerance is caught.

RTOL = {
    "float64": 1e-9,
    "float32": 1e-4,
}

WHY = {
    "float64": "unit roundoff 1.1e-16: reordered sums over tens of thousands of examples stay many "
               "orders below 1e-9, and a 1/m slip or a 41/42 factor (2.4e-2) stays far above it",
    "float32": "unit roundoff 6.0e-8: NumPy, PyTorch and XLA sum in different orders, which costs a "
               "few ulps per reduction level, well below 1e-4; a 41/42 factor (2.4e-2) stays above it",
}

# The numerical witness (comparisons/numerical) is only as accurate as its method: ``compare`` takes
# the larger of the method's rtol (carried by its ``Result``) and the dtype's.
METHOD_RTOL = {
    "central differences": 1e-6,
    "complex step": 1e-9,
}

METHOD_WHY = {
    "central differences": "a central difference errs by h^2 J'''/6 (truncation) plus eps |J| / h "
                           "(rounding), at best about eps^(2/3) ~ 4e-11 of J's scale; the step sweep "
                           "measures it at the chosen step (shown beside it), orders below 1e-6, while a "
                           "41/42 factor (2.4e-2) or one element off by 1e-4 of its quantity's scale "
                           "stays above it",
    "complex step": "Im J(theta + i h v) / h subtracts nothing, so with h = 1e-20 it is exact to "
                    "rounding in the loss (about 1e-15); it is held to float64's own 1e-9",
}


def rtol_for(dtype):
    """The relative tolerance for ``dtype`` (a NumPy dtype or its name)."""
    name = np.dtype(dtype).name
    if name not in RTOL:
        raise ValueError(f"no tolerance for dtype {name}; expected one of {sorted(RTOL)}")
    return RTOL[name]


def method_rtol(method):
    """The numerical witness's relative tolerance for ``method`` ("central differences", "complex step")."""
    if method not in METHOD_RTOL:
        raise ValueError(f"no tolerance for method {method!r}; expected one of {sorted(METHOD_RTOL)}")
    return METHOD_RTOL[method]


# --- 4. Verdicts and the comparison ---------------------------------------------------------------

AGREE = "agree"
DISAGREE = "DISAGREE"
LOSS_MISMATCH = "LOSS MISMATCH"
SHAPE_MISMATCH = "SHAPE MISMATCH"
NON_FINITE = "NON-FINITE"
MISSING = "MISSING"
NOT_MEASURED = "not measured"   # a comparison over zero elements: neither agreement nor failure
ZERO_TO_ROUNDING = "zero to rounding"   # 0 in exact arithmetic, both sides within rounding of the terms that
#                                         cancel (comparisons/layer_check.py: makemore's db1)
PASSING = (AGREE, NOT_MEASURED, ZERO_TO_ROUNDING)

METRIC = ("max_rel is max|a - b| / max(max|a|, max|b|) per quantity; the verdict is `agree` when it "
          "is at most the dtype's rtol, `not measured` when no element could be compared. The loss J "
          "is compared first.")

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

    Returns ``(shape_ok, max_abs, max_rel, verdict)``; errors are NaN when shapes differ, and when
    there is nothing to compare (zero elements: ``NOT_MEASURED``, never a vacuous ``agree``).
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False, np.nan, np.nan, SHAPE_MISMATCH
    if a.size == 0:
        return True, np.nan, np.nan, NOT_MEASURED
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
    against the larger of the dtype's rtol and its method's; where no element was measured (every
    stencil crossed a kink, say) the row is ``NOT_MEASURED``.
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
    """True when no row fails: every verdict is ``agree``, or ``not measured`` (nothing to compare)."""
    return all(r["verdict"] in PASSING for r in rows)
