"""Tolerances per dtype, in one table, with the reason for each.

The verdict compares the max-norm relative error, max|a - b| / max(max|a|, max|b|), with ``RTOL``.
It measures each quantity against its own scale, so entries that are zero up to rounding (dW1 at
blank pixels, for example) cannot fail a correct derivation, while a factor, a sign, a missing
term or a single wrong element of any size above the tolerance is caught.
"""

import numpy as np

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


def rtol_for(dtype):
    """The relative tolerance for ``dtype`` (a NumPy dtype or its name)."""
    name = np.dtype(dtype).name
    if name not in RTOL:
        raise ValueError(f"no tolerance for dtype {name}; expected one of {sorted(RTOL)}")
    return RTOL[name]

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


def method_rtol(method):
    """The numerical witness's relative tolerance for ``method`` ("central differences", "complex step")."""
    if method not in METHOD_RTOL:
        raise ValueError(f"no tolerance for method {method!r}; expected one of {sorted(METHOD_RTOL)}")
    return METHOD_RTOL[method]
