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
