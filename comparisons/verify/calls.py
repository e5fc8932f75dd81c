"""The person's functions called on our batches: the batches, the call, and what comes back.

1. The batches (``Case``), each built to expose a family of mistakes:
   - ``typical``: the model's built-in data, m examples, its initial parameters (never zero);
   - ``large-logits``: the same batch with every parameter times ``LARGE``: pre-activations in the
     thousands (the last layer's doubled until its Z reaches ``LOGITS``), where a softmax that does
     not guard its exp overflows and a naive log(1 - sigmoid(z)) is log of 0;
   - ``class-missing`` (one-hot targets only): the typical batch without the examples of the last
     class, where a one-hot sized by the largest label seen loses a row;
   - ``one-example``: one example of the typical batch (m = 1, of the last class where Y is one-hot, so
     that the one-hot is whole), where a sum over the wrong axis, a squeeze or a (n,) array passed for
     (n, 1) goes wrong while the same code is right at m = 64.
2. The call (``Caller``): arity checked before it, exceptions and NumPy warnings recorded, and
   what comes back checked for count and type (``unpack``, ``numbers``, ``mapping``). For the
   backward, the Caller also reads the locals it computed but did not return (``watching.reading_locals``):
   named as the derivation names them (dZ2, dA1, dZ1, dW1, ...), they are compared too, so a
   hidden-layer mistake shows where it is made even in code that returns only dW and db.
3. What it computed (``UserRun``), or why not: a ``Failure`` names the function and what was
   expected; whether it means "could not be checked" (``CannotVerify``, exit 2) or "wrong on this
   batch" is decided by ``verify`` (``api.py``). A message may end with a short excerpt of the
   person's own traceback, never a traceback alone.

This module is light (NumPy only): the child process that runs a person's code unpickles the
batches and imports it.
"""

import inspect
import linecache
import traceback
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from comparisons import BadInput
from comparisons.verify.watching import changed_in_place, reading_locals, snapshot
from manual.encoding import is_one_hot

# --- 1. The batches ------------------------------------------------------------------------------

CASES = ("typical", "large-logits", "class-missing", "one-example")
LARGE = 20.0       # the large-logits batch's factor on every parameter, the last layer's doubled ...
LOGITS = 1000.0    # ... until its max |Z| reaches this (exp(1000) overflows even float64)


@dataclass(frozen=True)
class Case:
    """One batch: ``params``, ``X`` (n_x, m), ``Y`` (n_y, m), and what it is, in words."""

    name: str
    description: str
    params: dict
    X: np.ndarray
    Y: np.ndarray

    @property
    def m(self):
        return self.X.shape[1]


def make_cases(model, m=64, seed=0, dtype="float64", names=None):
    """The ``Case``s named in ``names`` (default: every one that applies to ``model``), in ``CASES`` order."""
    names = CASES if names is None else tuple(names)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        raise ValueError(f"unknown case {unknown[0]!r}; expected one of {', '.join(CASES)}")
    dtype = np.dtype(dtype)
    data = model.data(m, seed, dtype)
    params = model.init_params(seed, dtype)
    typical = Case("typical", f"{data.description}; m = {data.X.shape[1]}", params, data.X, data.Y)
    make = {"typical": lambda: typical, "large-logits": lambda: large_logits(model, typical),
            "class-missing": lambda: class_missing(typical), "one-example": lambda: one_example(typical)}
    cases = [make[n]() for n in CASES if n in names]
    return [c for c in cases if c is not None]


def large_logits(model, typical):
    """The typical batch with every parameter times ``LARGE``; where the last layer's max |Z| is still
    below ``LOGITS`` (a linear model at |Z| = 68, a net whose sigmoid hidden layer saturates), the last
    layer's parameters are doubled again until it is, at most 2**12 times: the hidden layers keep the
    scale at which float32's rounding of their sums stays small. Says the factors and the last max |Z|."""
    last = [k for k in model.manual.forward(typical.params, typical.X)[1] if k.startswith("Z")][-1:]
    params = {k: v * np.asarray(LARGE, v.dtype) for k, v in typical.params.items()}
    layer = max((k.lstrip("Wb") for k in params), key=lambda n: int(n) if n.isdigit() else 0)
    top, extra = largest(model, params, typical.X, last), 1
    while last and top < LOGITS and extra < 2 ** 12:
        extra *= 2
        params = {k: v * np.asarray(2.0 if k.lstrip("Wb") == layer else 1.0, v.dtype) for k, v in params.items()}
        top = largest(model, params, typical.X, last)
    size = f" (max |{last[0]}| = {top:,.0f})" if last else ""
    one_layer = all(k.lstrip("Wb") == layer for k in params)
    also = f", the last layer's (W{layer}, b{layer}) x {extra * LARGE:g}" if extra > 1 and not one_layer else ""
    factor = extra * LARGE if one_layer else LARGE
    return Case("large-logits", f"the typical batch with every parameter x {factor:g}{also}{size}",
                params, typical.X, typical.Y)


def largest(model, params, X, last):
    """max |Z| of the last layer (``last``: its name, in a list; empty: none) under the catalogue's forward."""
    if not last:
        return 0.0
    with np.errstate(all="ignore"):     # the catalogue's forward is stable; float32 may still overflow
        _, cache = model.manual.forward(params, X)
    return float(np.max(np.abs(cache[last[0]])))


def class_missing(typical):
    """The typical batch without its examples of the last class; None unless Y is one-hot."""
    Y = typical.Y
    if not is_one_hot(Y):
        return None
    last = Y.shape[0] - 1
    keep = Y[last] == 0
    if keep.all() or not keep.any():
        return None
    return Case("class-missing", f"the typical batch without its {int((~keep).sum())} examples of class "
                f"{last} (m = {int(keep.sum())}): no label {last} in the batch",
                typical.params, typical.X[:, keep], Y[:, keep])


def one_example(typical):
    """One example of the typical batch, m = 1: the first of the last class where Y is one-hot (a whole
    one-hot, so that only m = 1 is new), else the first."""
    Y = typical.Y
    j = int(np.argmax(Y[-1] == 1)) if is_one_hot(Y) and (Y[-1] == 1).any() else 0
    label = f", of class {Y.shape[0] - 1}" if is_one_hot(Y) and Y[-1, j] == 1 else ""
    return Case("one-example", f"example {j} of the typical batch alone (m = 1{label})",
                typical.params, typical.X[:, j:j + 1], Y[:, j:j + 1])


# --- 2. Calling, and what goes wrong -------------------------------------------------------------

OURS = str(Path(__file__).parent)   # frames in comparisons/verify are ours, not the person's


class CannotVerify(BadInput):
    """The code could not be checked: it does not import, lacks a function, raises, returns the
    wrong number or kind of things, or runs past the time limit. ``str(e)`` is the whole message.
    It is the user's input, not an error of ours (``comparisons.BadInput``: exit status 2)."""


@dataclass(frozen=True)
class Failure:
    """function: its name; kind: "raises", "arity", "returns" or "types"; message: one paragraph;
    error: the exception on one line, for diagnoses (empty unless it raised); where: the person's
    line it raised at (``file:line: code``) and inputs: the shapes it was called with, for a crash
    that is a finding about their code (``crashed``)."""

    function: str
    kind: str
    message: str
    error: str = ""
    where: str = ""
    inputs: str = ""

    @property
    def crashed(self):
        """Whether this is the person's code failing on a valid input (an IndexError at their line): a
        failed verdict, exit 1. An import, a name left undefined, a placeholder (NotImplementedError),
        a wrong signature or wrong return values mean it could not be run at all: ``CannotVerify``."""
        return self.kind == "raises" and bool(self.where) and not self.error.startswith(NOT_RUN)


NOT_RUN = ("ModuleNotFoundError", "ImportError", "NameError", "NotImplementedError", "UnboundLocalError")


class Failed(Exception):
    """Carries a ``Failure`` out of a form's ``run``."""

    def __init__(self, failure):
        super().__init__(failure.message)
        self.failure = failure


def one_line(error):
    """``ValueError: what it said``, on one line."""
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def excerpt(error, lines=3):
    """The last ``lines`` frames of ``error``'s traceback outside comparisons/verify, then its type and message."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(OURS)]
    text = "".join(traceback.format_list(frames[-lines:])) + f"{type(error).__name__}: {error}"
    return "\n".join("    " + line for line in text.rstrip().splitlines())


class Caller:
    """Calls functions for one batch, writing what it is doing to ``status`` (a file, read when a
    time limit stops the process) and keeping the first NumPy warnings each call raised.

    The call named ``backward`` is watched as it returns: ``locals`` keeps copies of its own frame's
    numeric locals whose names are in ``wanted`` (the derivation's gradients, dZ2, dW2, ...), for
    ``UserRun.with_locals``; the last such call wins. With ``watch`` (a ``floating.Watch``, on the re-run
    of a batch whose numbers hold a NaN or inf) NumPy's floating-point events go to it, with where each
    happened, instead of warnings."""

    def __init__(self, status=None, backward=None, wanted=(), watch=None):
        self.status = Path(status) if status else None
        self.warnings = []
        self.backward, self.wanted = backward, tuple(wanted)
        self.locals = {}
        self.watch = watch

    def __call__(self, name, fn, args, expected, batch):
        """``fn(*args)``; ``expected`` is its signature as the check expects it, e.g.
        ``backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y) -> dW1, db1, dW2, db2``."""
        check_arity(name, fn, len(args), expected)
        if self.status:
            self.status.write_text(f"running {name} on the {batch} batch")
        before = snapshot(fn, args)
        with warnings.catch_warnings(record=True) as caught, (self.watch.errstate(name) if self.watch else
                                                              np.errstate(over="warn", invalid="warn", divide="warn",
                                                                          under="ignore")):
            warnings.simplefilter("always")
            try:
                if name == self.backward and self.wanted:
                    out, self.locals = reading_locals(fn, args, self.wanted)
                else:
                    out = fn(*args)
            except (Exception, SystemExit) as e:    # sys.exit() in their function is a crash, named as such
                where, inputs = raised_at(e), shapes_of(fn, args)
                said, error = raised(name, e, where, batch, expected)
                raise Failed(Failure(name, "raises", f"{said}\n  your traceback (last lines):\n{excerpt(e)}", error,
                                     f"{where}" if where else "", inputs)) from None
        self.warnings += [describe(w) for w in caught[:3] if describe(w) not in self.warnings]
        self.warnings += [w for w in changed_in_place(name, fn, before) if w not in self.warnings]
        if self.watch:
            self.watch.returned(name, out)
        return out


MEMORY_LIMIT = None    # bytes the person's code may allocate, where a child process limits it (``children``)


def raised(name, error, where, batch, expected):
    """(the first line of a ``Failure``'s message, its ``error``) for ``error`` raised by the call of
    ``name``: a sys.exit and a MemoryError named for what they are, anything else by its type and message."""
    at = f" at {where.split(': ', 1)[0]}" if where else ""
    if isinstance(error, SystemExit):
        return (f"{name} called sys.exit({error.code!r}){at} on the {batch} batch; expected it to return: {expected}",
                f"called sys.exit({error.code!r})")
    if isinstance(error, MemoryError):
        limit = (f"the limit of {MEMORY_LIMIT / 2 ** 30:.1f} GiB (half the memory free when it started)" if MEMORY_LIMIT
                 else "this machine could give")
        said = f"MemoryError: your code asked for more memory than {limit}" + (f" ({error})" if str(error) else "")
        return f"{said}, in {name}{at} on the {batch} batch", said
    return f"{name} raised {one_line(error)} on the {batch} batch", one_line(error)


def raised_at(error):
    """``mine.py:12: dW1[i] = ...`` for the deepest frame of ``error``'s traceback in the person's code
    (not in comparisons/, nor in an installed package or the standard library); "" if none is."""
    import sysconfig

    libraries = tuple(str(Path(sysconfig.get_paths()[k]).resolve()) for k in ("stdlib", "purelib", "platlib"))
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith((OURS, str(Path(OURS).parent), "<")) and
              not str(Path(f.filename).resolve()).startswith(libraries)]
    if not frames:
        return ""
    f = frames[-1]
    return f"{Path(f.filename).name}:{f.lineno}: {(f.line or '').strip()}"


def shapes_of(fn, args):
    """The inputs of a call in words, by the function's parameter names: ``X (784, 64), params {W1 (10,
    784), b1 (10, 1)}``; numbers as they are, other things by their type."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    names = (names + [f"arg{i}" for i in range(len(names), len(args))])[:len(args)]

    def said(v):
        if isinstance(v, np.ndarray):
            return str(v.shape)
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} {said(x)}" for k, x in v.items()) + "}"
        if isinstance(v, (int, float, np.number)):
            return f"= {v:g}" if not isinstance(v, bool) else f"= {v}"
        return type(v).__name__
    return ", ".join(f"{n} {said(v)}" for n, v in zip(names, args))


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


# --- 3. What comes back ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRun:
    """What the person's code computed on one batch, in the derivation's names.

    forward: forward values it returned ({"Z1": ..., "A2": ...}), empty if it used the catalogue's;
    loss: its J, or None when it has no loss function; grads: {"dW1": ..., "dZ2": ...};
    warnings: NumPy warnings its calls raised, as text; from_locals: the names in grads read from
    the locals of ``locals_of`` (its backward) rather than returned; config: the model's config as the
    form read it from the code's own numbers (CS231n's {"penalty": "half_reg"}, from its loss at reg
    and at 0), which ``verify`` computes the references with; origin: where a NaN or inf in it first
    appeared (a ``floating.Origin``, found by running the batch again), None when it holds none."""

    forward: dict = field(default_factory=dict)
    loss: float = None
    grads: dict = field(default_factory=dict)
    warnings: tuple = ()
    from_locals: tuple = ()
    locals_of: str = ""
    config: dict = field(default_factory=dict)
    origin: object = None

    def with_locals(self, found, function):
        """This run with ``found`` ({name: array}, read from ``function``'s locals by a ``Caller``)
        added to its grads under the names it did not return: what the code returns wins."""
        new = {k: v for k, v in found.items() if k not in self.grads}
        if not new:
            return self
        return replace(self, grads={**self.grads, **new}, from_locals=tuple(new), locals_of=function)


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
