"""Where a NaN or inf first appears in the person's code: the file, the line and the operation.

A batch on which the person's numbers hold a NaN or inf is run again (``locate``, in the child,
under its time limit) with NumPy's floating-point error handling in "log" mode
(``np.errstate(divide="log", over="log", invalid="log", call=watch)``, the handler ``np.seterrcall``
sets): every division by zero, overflow and invalid value calls ``Watch.write`` with NumPy's
message ("divide by zero encountered in log") while the person's frame is still on the stack, so
each ``Event`` is recorded with its file, line, function and operation, and the run goes on.
Stopping at the first event (``all="raise"``) would blame a harmless one: ``1 / (1 + np.exp(-z))``
overflows at z = -1000 and rightly gives 0, and it is log(A2) that turns that 0 into -inf.

Which event made the NaN or inf (``Watch.origin``):

1. the first of the person's calls whose result holds one (forward, loss, backward, in the order
   the form calls them): events of earlier calls were absorbed (that sigmoid's overflow);
2. in it, the first division by zero (log of 0, x / 0) or invalid value (0/0, inf - inf, 0 * inf);
   for an invalid value, an overflow in the same function before it made the inf it turned into
   NaN, and is named first (a softmax's exp(Z) / sum(exp(Z)));
3. only overflows: the last, the nearest the result;
4. no event at all: the function returned it as written (np.nan) or made it outside NumPy.

A softmax is blamed only when it is one: an overflow in exp, or an invalid value, in a function
named like softmax or on a line that divides by a sum of exps.

This module is light (NumPy only): the child process imports it.
"""

import ast
import linecache
import math
import re
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# frames that are not the person's: NumPy's, the standard library's and other packages', and the
# verifier's own (comparisons/verify, comparisons/forms); the gallery's planted code
# (comparisons/mistakes) is code under check like anyone's
LIBRARIES = tuple(str(Path(p)) for p in {Path(np.__file__).parent, *(sysconfig.get_paths()[k]
                                                                    for k in ("stdlib", "purelib", "platlib"))})
VERIFIER = tuple(str(Path(__file__).parent.parent / d) for d in ("verify", "forms"))
MADE = ("divide by zero", "invalid value")     # events that make a NaN or inf out of finite numbers, or NaN out of inf
SOFTMAX = ("a softmax must subtract the column maximum first: np.exp(Z - Z.max(axis=0, keepdims=True)) "
           "(axis=1 with examples as rows), which changes no probability")
SHOWN = 80                                      # characters of a line quoted


@dataclass(frozen=True)
class Event:
    """One floating-point event in the person's code: kind ("divide by zero", "overflow", "invalid
    value"), ufunc (NumPy's name: "log", "divide", "exp", "scalar divide"), file, line, function (the
    person's function it happened in), code (the line), call (the index of the form's call it
    happened during), rounded (an operand that rounded to 0 or 1: "A2 rounds to 0 in 3 of 64 entries")."""

    kind: str
    ufunc: str
    file: str
    line: int
    function: str
    code: str
    call: int
    rounded: str = ""

    @property
    def operation(self):
        """The operation in words: log of 0, division by zero, overflow in exp, invalid value (0 * inf)."""
        u = self.ufunc.replace("scalar ", "")
        if self.kind == "divide by zero":
            if u.startswith("log"):
                return "log of 0"
            return {"power": "0 to a negative power", "float_power": "0 to a negative power"}.get(u, "division by zero")
        if self.kind == "overflow":
            return f"overflow in {u}"
        why = {"subtract": "inf - inf", "add": "inf - inf", "multiply": "0 * inf", "divide": "0/0 or inf/inf",
               "true_divide": "0/0 or inf/inf", "log": "log of a negative number", "sqrt": "square root of a "
               "negative number", "power": "a negative number to a fractional power"}.get(u)
        return f"invalid value in {u}" + (f" ({why})" if why else "")

    def at(self):
        """``mine.py:12 `J = -np.sum(Y * np.log(A2)) / m```."""
        code = self.code if len(self.code) <= SHOWN else self.code[:SHOWN - 3] + "..."
        return f"{Path(self.file).name}:{self.line}" + (f" `{code}`" if code else "")


@dataclass(frozen=True)
class Origin:
    """Where a NaN or inf first appeared: call, the person's function whose result first held one;
    events, the event that made it (an overflow and the invalid value it led to, or none)."""

    call: str
    events: tuple = ()

    def sentence(self):
        """"log of 0 at mine.py:12 `J = ...` (A2 rounds to 0 in 3 of 64 entries)", with the softmax's
        advice only where a softmax made it."""
        if not self.events:
            return (f"no floating-point event made it: {self.call or 'your code'} returned it as written "
                    f"(np.nan, np.inf?) or made it outside NumPy")
        first, last = self.events[0], self.events[-1]
        line = f"{first.operation} at {first.at()}"
        if last is not first:
            line += (f", then {last.operation} on that line" if last.line == first.line and last.file == first.file
                     else f", then {last.operation} at line {last.line}")
        line += f" ({last.rounded})" if last.rounded and last is first else ""   # an inf's NaN is not rounding
        if self.softmax():
            line += f"; {SOFTMAX}"
        return line

    def softmax(self):
        """Whether a softmax made it: an overflow in exp or an invalid value, in a function named like
        softmax or on lines that divide by a sum of exps."""
        first, last = self.events[0], self.events[-1]
        if not (first.kind == "overflow" and first.ufunc.endswith("exp") or last.kind == "invalid value"):
            return False
        named = any("softmax" in e.function.lower() for e in self.events)
        divides = any("/" in e.code and "sum" in e.code for e in self.events)
        exps = any(e.ufunc.endswith("exp") or "exp" in e.code for e in self.events)
        return named or (divides and exps)


def locate(rerun, status=None):
    """The ``Origin`` of a NaN or inf: ``rerun(caller)`` runs the batch again through a ``calls.Caller``
    that watches NumPy's floating-point events. A failure on the re-run (code that keeps state between
    calls) ends it; what was seen by then counts, since the first run's verdict stands either way."""
    from comparisons.verify.calls import Caller

    watch = Watch()
    try:
        rerun(Caller(status, watch=watch))
    except Exception:       # Failed, or a form's own complaint: the origin is an addition, never a new failure
        pass
    return watch.origin()


class Watch:
    """A ``Caller``'s companion on the re-run: NumPy's floating-point events in the person's code
    (``write``, NumPy's "log" handler) and which call first returned a NaN or inf (``returned``)."""

    def __init__(self):
        self.events, self.calls = [], []     # Events; (name, whether its result holds a NaN or inf)
        self.read = set()                    # the files whose lines are quoted, checked as they are now

    def errstate(self, name):
        """The floating-point handling for the call of ``name``: each event logged to ``write``."""
        self.calls.append((name, None))
        return np.errstate(divide="log", over="log", invalid="log", under="ignore", call=self)

    def returned(self, name, out):
        self.calls[-1] = (name, holds_non_finite(out))

    def write(self, message):
        """NumPy's message ("Warning: overflow encountered in exp\\n"), called as the event happens."""
        found = re.match(r"(?:Warning: )?(.+?) encountered in (.+)", message.strip())
        frame = person_frame(sys._getframe(1))
        if not found or frame is None or len(self.events) > 1000:
            return
        kind, ufunc = found.groups()
        file = frame.f_code.co_filename
        if file not in self.read:           # a file rewritten since linecache last read it (the same path)
            linecache.checkcache(file)
            self.read.add(file)
        code = linecache.getline(file, frame.f_lineno).strip()
        rounded = rounding(frame, code) if kind in MADE else ""
        self.events.append(Event(kind, ufunc, file, frame.f_lineno, frame.f_code.co_name, code, len(self.calls) - 1,
                                 rounded))

    def origin(self):
        """The ``Origin`` (rules 1 to 4 of the module's docstring)."""
        first = next((i for i, (_, bad) in enumerate(self.calls) if bad), None)
        events = [e for e in self.events if first is None or e.call == first]
        name = self.calls[first][0] if first is not None else ""
        made = next((i for i, e in enumerate(events) if e.kind in MADE), None)
        if made is None:
            return Origin(name, tuple(events[-1:]))
        e = events[made]
        over = [p for p in events[:made] if p.kind == "overflow" and (p.file, p.function) == (e.file, e.function)]
        return Origin(name, (over[0], e) if e.kind == "invalid value" and over else (e,))


def person_frame(frame):
    """The innermost frame of the person's code, walking out of NumPy and other libraries; None when
    the verifier's own frame comes first (an event of ours, not theirs)."""
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(VERIFIER):
            return None
        if not name.startswith(LIBRARIES) and not name.startswith("<frozen"):
            return frame
        frame = frame.f_back
    return None


def rounding(frame, code):
    """The operand on ``code`` that rounded to 0 where it is a divisor or a log's argument (``/ h``,
    ``np.log(A2)``), or to 1 in such a ``1 - A``: a float array of the frame's locals, said "A2 rounds
    to 0 in 3 of 64 entries"; empty when none does. Labels (``1 - Y`` as a numerator) are not divisors."""
    try:
        names = [n.id for n in ast.walk(ast.parse(code.rstrip(":\\"), mode="exec")) if isinstance(n, ast.Name)]
    except SyntaxError:
        names = re.findall(r"[A-Za-z_]\w*", code)
    values = frame.f_locals
    divides = r"(?:/|divide\([^,]*,|log\w*\(|reciprocal\()\s*\(*\s*"
    for name in dict.fromkeys(names):
        a = values.get(name)
        if not isinstance(a, np.ndarray) or a.dtype.kind != "f":
            continue
        for target, pattern in ((0, rf"{divides}{name}\b"), (1, rf"{divides}1\.?0*\s*-\s*{name}\b")):
            hits = int(np.count_nonzero(a == target))
            if hits and re.search(pattern, code):
                return f"{name} rounds to {target} in {hits} of {a.size} entries"
    return ""


def holds_non_finite(value, depth=0):
    """Whether ``value`` (an array, a number, or tuples, lists and dicts of them) holds a NaN or inf."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.kind in "fc" and not bool(np.all(np.isfinite(value)))
    if isinstance(value, float):
        return not math.isfinite(value)
    if depth < 6 and isinstance(value, dict):
        return any(holds_non_finite(v, depth + 1) for v in value.values())
    if depth < 6 and isinstance(value, (list, tuple)):
        return any(holds_non_finite(v, depth + 1) for v in value)
    return False


def run_holds_non_finite(run):
    """Whether a ``calls.UserRun`` holds a NaN or inf in its forward values, its J or its gradients."""
    return any(holds_non_finite(v) for v in (run.forward, run.loss, run.grads))
