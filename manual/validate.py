"""Input checks shared by every model: one clear ``ValueError`` per problem, outside the derivation.

A message names the array, what was expected and what was found, e.g.
``W1 has shape (10, 783); expected (10, 784)``.

A model states its checks once, in ``check_inputs(params, X, Y=None)``, and ``@checked(check_inputs)``
runs them before each of its functions, so that the function's lines hold only the derivation and
read line against line with its PyTorch and JAX twins:

    @checked(check_inputs)
    def backward(params, cache, X, Y):
        ...

One check stays in the forward pass, on purpose: X (n_x x m, the largest input) is scanned for
NaN/inf only when Z1 = W1 X + b1 (n_1 x m) is not finite (``check_finite_through``): n_1/n_x of the
cost of scanning X (a 78th for the seed network), and before anything made from a NaN can warn.
"""

import functools
import inspect
import math
import operator
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Real

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)
_COMPLEX_STEP = ContextVar("complex_step", default=False)
_CHECKED_ONCE = ContextVar("checked_once", default=False)


def checked(check_inputs):
    """Decorator: ``check_inputs(params, X, Y)`` runs before the function, whose lines then hold
    only the derivation.

    The function names its arguments ``params``, ``X`` and, where it takes them, ``Y`` and ``lam``;
    a method takes ``self`` first and its check is the class's ``check_inputs(self, params, X, Y)``.
    A function without Y (``forward``) has params and X checked; one whose Y is optional
    (``forward(params, X, Y=None)``) has it checked when given. ``lam``, the L2 strength, is
    checked after the arrays and reaches the function as a float (``check_lam``). A keyword-only
    option that the check takes too (``bias``: a model with or without b) is passed on to it. A
    checked function that calls another (``loss`` calls ``forward``) checks once for each.
    """
    def decorate(fn):
        parameters = inspect.signature(fn).parameters
        names = list(parameters)
        if not {"params", "X"} <= set(names):
            raise TypeError(f"@checked {fn.__qualname__} takes ({', '.join(names)}); expected params and X")
        head = names[:1] == ["self"]                         # a method passes self on to its check
        checked_names = [name for name in (["self"] * head + ["params", "X", "Y"]) if name in names]
        where = [names.index(name) for name in checked_names]
        positional = operator.itemgetter(*where)
        defaults = {n: p.default for n, p in parameters.items() if p.default is not p.empty}
        lam = names.index("lam") if "lam" in names else None
        options = [n for n in inspect.signature(check_inputs).parameters
                   if n in parameters and n not in ("self", "params", "X", "Y")]
        for name in options:                                 # by keyword only: always found in kwargs
            if parameters[name].kind is not inspect.Parameter.KEYWORD_ONLY:
                raise TypeError(f"@checked {fn.__qualname__}: {name} must be keyword-only, as its check's")

        @functools.wraps(fn)
        def run(*args, **kwargs):
            chosen = {n: kwargs[n] for n in options if n in kwargs}
            if _CHECKED_ONCE.get():                          # inside ``checked_once()``: the caller checked
                pass
            elif len(args) > where[-1]:                      # the usual call: all positional
                check_inputs(*positional(args), **chosen)
            else:
                try:
                    arrays = [args[i] if i < len(args) else kwargs[n] if n in kwargs else defaults[n]
                              for i, n in zip(where, checked_names)]
                except KeyError:
                    return fn(*args, **kwargs)               # an argument missing: Python's TypeError names it
                check_inputs(*arrays, **chosen)
            if lam is not None:
                if "lam" in kwargs:
                    kwargs["lam"] = check_lam(kwargs["lam"])
                elif lam < len(args):
                    args = (*args[:lam], check_lam(args[lam]), *args[lam + 1:])
            return fn(*args, **kwargs)

        return run

    return decorate


def check_data(params, X, Y, n_x, n_y, labels=None):
    """X of shape (n_x, m); Y, when given, of shape (n_y, m), finite, then ``labels(Y)``; one dtype
    for the parameters, X and Y. X is not scanned for NaN/inf here: see ``check_finite_through``."""
    check_array("X", X, (n_x, None), finite=False)
    arrays = {**params, "X": X}
    if Y is not None:
        arrays["Y"] = check_array("Y", Y, (n_y, X.shape[1]))
        if labels is not None:
            labels(Y)
    check_same_dtype(arrays)


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


def check_finite_through(X, Z):
    """ValueError naming X when it holds NaN/inf, looked for only where ``Z = W X + b`` is not finite.

    NaN and inf propagate through products and sums, so a finite Z1 = W1 X + b1 (10 x m) proves a
    finite X (784 x m) at a 78th of the cost of scanning X. X's shape is already checked.
    """
    if not _CHECKED_ONCE.get() and not np.all(np.isfinite(Z)):
        check_array("X", X, (X.shape[0], None), finite=True)


def check_same_dtype(arrays):
    """Check that every array in the ``{name: array}`` dict has one dtype (no silent upcasts)."""
    dtypes = {name: a.dtype for name, a in arrays.items()}
    complex_ok = _COMPLEX_STEP.get()  # inside complex_step(), complex128 parameters go with float64 data
    kinds = {np.dtype(np.float64) if complex_ok and d == np.complex128 else d for d in dtypes.values()}
    if len(kinds) > 1:
        listing = ", ".join(f"{n}: {d}" for n, d in dtypes.items())
        raise ValueError(f"arrays mix dtypes ({listing}); expected one dtype for all")


def check_lam(lam):
    """The L2 strength lambda as a float; ValueError unless it is a finite real number >= 0."""
    if isinstance(lam, bool) or not isinstance(lam, Real) or not math.isfinite(lam) or lam < 0:
        raise ValueError(f"lam is {lam!r}; expected a finite number >= 0 (the L2 strength lambda)")
    return float(lam)


@contextmanager
def complex_step():
    """Within this block parameters may be complex128 and ``loss_value`` keeps J complex.

    Only the complex-step witness (``comparisons/numerical/``) opens it: it runs a smooth model's
    loss at theta + i h v, with X and Y real float64, and reads dJ/dtheta . v from Im J / h.
    Outside the block a complex array is refused as before.
    """
    token = _COMPLEX_STEP.set(True)
    try:
        yield
    finally:
        _COMPLEX_STEP.reset(token)


@contextmanager
def checked_once():
    """Within this block the ``@checked`` functions skip their input checks (``lam`` still becomes a float),
    and the forward passes do not look for NaN in X (``check_finite_through``).

    Only for a caller that has run ``check_inputs`` on its arrays, and scanned X, itself and then calls the model
    thousands of times on copies that differ from them by a step in one element: the numerical
    witness (``comparisons/numerical/``). There the checks cost about as much as the derivation
    (0.44 s of a 1.2 s witness of the seed network, m = 64)."""
    token = _CHECKED_ONCE.set(True)
    try:
        yield
    finally:
        _CHECKED_ONCE.reset(token)


def loss_value(J):
    """J as a Python float; inside ``complex_step()`` a complex J stays complex (float() drops Im J)."""
    return complex(J) if _COMPLEX_STEP.get() and np.iscomplexobj(J) else float(J)


def _fmt(shape):
    return "(" + ", ".join("m" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
