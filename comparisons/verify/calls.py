"""Calling the person's functions: arity checked before the call, exceptions and NumPy warnings
recorded, and what comes back checked for count and type.

A problem becomes a ``Failure`` that names the function and what was expected; whether it means
"could not be checked" (exit 2) or "wrong on this batch" is decided by the caller (``api.py``).
"""

import inspect
import linecache
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from comparisons.verify.errors import excerpt, one_line


@dataclass(frozen=True)
class Failure:
    """function: its name; kind: "raises", "arity", "returns" or "types"; message: one paragraph;
    error: the exception on one line, for diagnoses (empty unless it raised)."""

    function: str
    kind: str
    message: str
    error: str = ""


class Failed(Exception):
    """Carries a ``Failure`` out of an adapter."""

    def __init__(self, failure):
        super().__init__(failure.message)
        self.failure = failure


class Caller:
    """Calls functions for one batch, writing what it is doing to ``status`` (a file, read when a
    time limit stops the process) and keeping the first NumPy warnings each call raised."""

    def __init__(self, status=None):
        self.status = Path(status) if status else None
        self.warnings = []

    def __call__(self, name, fn, args, expected, batch):
        """``fn(*args)``; ``expected`` is its signature as the check expects it, e.g.
        ``backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y) -> dW1, db1, dW2, db2``."""
        check_arity(name, fn, len(args), expected)
        if self.status:
            self.status.write_text(f"running {name} on the {batch} batch")
        with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            warnings.simplefilter("always")
            try:
                out = fn(*args)
            except Exception as e:
                raise Failed(Failure(name, "raises", f"{name} raised {one_line(e)} on the {batch} batch\n"
                                     f"  your traceback (last lines):\n{excerpt(e)}", one_line(e))) from None
        self.warnings += [describe(w) for w in caught[:3] if describe(w) not in self.warnings]
        return out


def check_arity(name, fn, n, expected):
    """A ``Failed`` ("arity") unless ``fn`` accepts ``n`` positional arguments."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*range(n))
    except TypeError:
        params = ", ".join(signature.parameters)
        raise Failed(Failure(name, "arity", f"{name} takes ({params}); expected {n} arguments: "
                                            f"{expected}")) from None


def describe(warning):
    """``RuntimeWarning: overflow encountered in exp (mine.py:12: A = np.exp(Z) / ...)``."""
    line = linecache.getline(warning.filename, warning.lineno).strip()
    return (f"{warning.category.__name__}: {warning.message} "
            f"({Path(warning.filename).name}:{warning.lineno}: {line})")


def unpack(name, value, names, expected):
    """``value`` as a tuple of ``len(names)`` things, or a ``Failed`` ("returns")."""
    if isinstance(value, (dict, str, bytes, np.ndarray)) or not hasattr(value, "__len__"):
        got = f"a {type(value).__name__}" if not isinstance(value, np.ndarray) else "one array"
        raise Failed(Failure(name, "returns", f"{name} returned {got}; expected {len(names)} values "
                                              f"({', '.join(names)}): {expected}"))
    if len(value) != len(names):
        raise Failed(Failure(name, "returns", f"{name} returned {len(value)} values; expected "
                                              f"{len(names)} ({', '.join(names)}): {expected}"))
    return tuple(value)


def numbers(name, label, value, shape):
    """``value`` as a NumPy array of real numbers, or a ``Failed`` ("types") naming ``label``."""
    try:
        array = np.asarray(value)
    except Exception:  # ragged lists and the like
        array = None
    if array is None or array.dtype.kind not in "biuf":
        kind = type(value).__name__ if array is None or array.dtype == object else f"array of {array.dtype}"
        raise Failed(Failure(name, "types", f"{name} returned {label} as {kind}; expected a NumPy array "
                                            f"of real numbers of shape {shape}"))
    return array


def mapping(name, value, expected):
    """``value`` as a dict with string keys, or a ``Failed`` ("returns")."""
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        got = type(value).__name__ + (f" of {len(value)}" if isinstance(value, (tuple, list)) else "")
        raise Failed(Failure(name, "returns", f"{name} returned a {got}; expected a dict of arrays "
                                              f"keyed by name: {expected}"))
    return value
