"""Input checks shared by every model: one clear ``ValueError`` per problem.

A message names the array, what was expected and what was found, e.g.
``W1 has shape (10, 783); expected (10, 784)``.
"""

import math
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Real

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)
_COMPLEX_STEP = ContextVar("complex_step", default=False)


@contextmanager
def complex_step():
    """Within this block parameters may be complex128 and ``loss_value`` keeps J complex.

    Only the complex-step witness (``comparisons/numerical/complex_step.py``) opens it: it runs a
    smooth model's loss at theta + i h v, with X and Y real float64, and reads dJ/dtheta . v from
    Im J / h. Outside the block a complex array is refused as before.
    """
    token = _COMPLEX_STEP.set(True)
    try:
        yield
    finally:
        _COMPLEX_STEP.reset(token)


def loss_value(J):
    """J as a Python float; inside ``complex_step()`` a complex J stays complex (float() drops Im J)."""
    return complex(J) if _COMPLEX_STEP.get() and np.iscomplexobj(J) else float(J)


def check_array(name, a, shape, finite=True):
    """Check that ``a`` is a float32/float64 array of ``shape`` holding finite numbers.

    ``shape`` is a tuple whose entries are ints or ``None`` (any length, e.g. the batch size m).
    ``finite=False`` skips the O(size) scan for NaN/inf, for large inputs whose finiteness is
    checked more cheaply downstream (see ``check_finite_through``). Returns ``a`` unchanged.
    """
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{name} must be a NumPy array of shape {_fmt(shape)}; got {type(a).__name__}")
    if a.dtype.type not in FLOAT_DTYPES and not (_COMPLEX_STEP.get() and a.dtype == np.complex128):
        raise ValueError(f"{name} has dtype {a.dtype}; expected float32 or float64")
    if a.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, a.shape)):
        raise ValueError(f"{name} has shape {a.shape}; expected {_fmt(shape)}")
    if finite and not np.all(np.isfinite(a)):
        bad = int(np.size(a) - np.count_nonzero(np.isfinite(a)))
        raise ValueError(f"{name} holds {bad} NaN or inf value(s); expected finite numbers")
    return a


def check_finite_through(name, a, shape, derived):
    """Check ``a`` for NaN/inf only if ``derived``, a smaller array computed from it, is not finite.

    NaN and inf propagate through products and sums, so a finite ``Z1 = W1 X + b1`` (10 x m)
    proves a finite X (784 x m) at a 78th of the cost of scanning X. Raises naming ``name``.
    """
    if not np.all(np.isfinite(derived)):
        check_array(name, a, shape, finite=True)


def check_same_dtype(arrays):
    """Check that every array in the ``{name: array}`` dict has one dtype (no silent upcasts)."""
    dtypes = {name: a.dtype for name, a in arrays.items()}
    complex_ok = _COMPLEX_STEP.get()  # inside complex_step(), complex128 parameters go with float64 data
    kinds = {np.dtype(np.float64) if complex_ok and d == np.complex128 else d for d in dtypes.values()}
    if len(kinds) > 1:
        listing = ", ".join(f"{n}: {d}" for n, d in dtypes.items())
        raise ValueError(f"arrays mix dtypes ({listing}); expected one dtype for all")


def check_params(params, shapes):
    """Check a params dict against ``{name: shape}``: no missing or extra keys, every shape right."""
    if not isinstance(params, dict):
        raise ValueError(f"params must be a dict of arrays with keys {sorted(shapes)}; got {type(params).__name__}")
    missing = [k for k in shapes if k not in params]
    extra = [k for k in params if k not in shapes]
    if missing or extra:
        raise ValueError(f"params has keys {sorted(params)}; expected {sorted(shapes)}"
                         + (f" (missing {missing})" if missing else "")
                         + (f" (unexpected {extra})" if extra else ""))
    for name, shape in shapes.items():
        check_array(name, params[name], shape)


def check_lam(lam):
    """The L2 strength lambda as a float; ValueError unless it is a finite real number >= 0."""
    if isinstance(lam, bool) or not isinstance(lam, Real) or not math.isfinite(lam) or lam < 0:
        raise ValueError(f"lam is {lam!r}; expected a finite number >= 0 (the L2 strength lambda)")
    return float(lam)


def _fmt(shape):
    return "(" + ", ".join("m" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
