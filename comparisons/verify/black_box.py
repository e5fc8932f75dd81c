"""Black-box mode: any cost function and gradient function, checked against the numerical witness.

For code no form knows: ``verify(cost=f, grad=g, params=theta)``, or from the command line with the three
named in a file (``named.py``). Nothing is assumed about the model but what the two functions say:

    cost(params) -> J             a number; complex for complex parameters where the code allows it
    grad(params) -> dJ/dparams    the same structure as ``params``: a dict of arrays keyed as ``params``
                                  (answered as d<name>), or one array of ``params``' shape (``dtheta``)

``params`` is a dict of arrays, or one array (named ``theta``, as in ``scipy.optimize.check_grad``).
The witness measures dJ/dparams from ``cost`` alone, in float64: by the complex step where the cost
runs on complex numbers (exact to rounding), by central differences with a swept step otherwise.
The result is the per-parameter table of every gradient-checking convention's score, the first
wrong quantity, random directions, and one verdict: what ``scipy.optimize.check_grad`` (one number,
one step, no verdict) should have been.

Kinks: a black box has no cache the witness could read, so it cannot tell which stencils cross a
kink (ReLU at 0, |x|, max); at such a point central differences and any gradient may differ by the
kink's jump. The output says so. A caller that knows where the kinks are gives ``pattern(params) ->
array`` whose sign pattern (``> 0``) changes exactly at them (``comparisons.layer_check`` gives a
layer's): the box then declares it as its one KINKS array, read by the witness as it reads a model's
(``differences.sign_pattern``), and a stencil across which it changes is counted kink-crossed and not
judged.
"""

import linecache
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from comparisons import BadInput
from comparisons.agreement import METRIC, PASSING
from comparisons.verify.calls import one_line
from manual.validate import loss_value

ARRAY = "theta"    # the name of ``params`` given as one array
NO_KINKS = ("a black box shows no cache, so stencils across a kink (ReLU at 0, |x|, max) cannot be told "
            "apart: at such a point a right gradient may differ from the differences by the kink's jump")


class BlackBox:
    """``cost`` and ``grad`` seen through the manual contract, for the witness: a model of parameters
    only (X and Y are placeholders of shape (1, 1) it never reads)."""

    name = "black_box"      # the witness names its rows and its plot after it
    INTERMEDIATES = ()
    KINKS = ()
    PATTERN = "kink pattern"    # the cache name of ``pattern(params)``, when one is given

    def __init__(self, cost, grad, params, pattern=None):
        self.cost, self.grad, self.pattern = cost, grad, pattern
        self.single = not isinstance(params, dict)
        self.shapes = {k: np.shape(v) for k, v in self.named(params).items()}
        if pattern is not None:
            self.KINKS = (self.PATTERN,)

    def named(self, params):
        """``params`` as a dict ({"theta": array} for one array)."""
        return {ARRAY: params} if self.single else params

    def theirs(self, params):
        """The dict the witness works with, back in the form the person's functions take."""
        return params[ARRAY] if self.single else dict(params)

    def param_shapes(self):
        return dict(self.shapes)

    def check_inputs(self, params, X, Y=None):
        """The witness checks nothing of a black box's inputs: its own functions will say."""

    def forward(self, params, X):
        """No output; the cache holds the kinks' pattern at ``params`` where one was given."""
        return None, ({self.PATTERN: self.pattern(self.theirs(params))} if self.pattern is not None else {})

    def loss(self, params, X, Y):
        return loss_value(self.cost(self.theirs(params)))   # stays complex inside the complex step

    def backward(self, params, cache, X, Y):
        g = self.grad(self.theirs(params))
        if self.single:
            return {"d" + ARRAY: as_gradient(g, self.shapes[ARRAY], "grad(theta)")}
        if not isinstance(g, dict):
            raise BadInput(f"grad(params) returned {type(g).__name__}; expected a dict keyed as params "
                           f"({', '.join(self.shapes)}), with or without a leading 'd'")
        out = {}
        for k, shape in self.shapes.items():
            value = g.get(k, g.get("d" + k))
            if value is None:
                raise BadInput(f"grad(params) has no {k!r} (nor 'd{k}'); it has {', '.join(map(str, g)) or 'nothing'}")
            out["d" + k] = as_gradient(value, shape, f"grad(params)[{k!r}]")
        return out


def as_gradient(value, shape, what):
    """``value`` as a float64 array of ``shape`` (a (n,) gradient for an (n, 1) parameter is accepted)."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise BadInput(f"{what} is {type(value).__name__}; expected numbers of shape {shape}") from None
    if a.shape != tuple(shape):
        if a.size != int(np.prod(shape)):
            raise BadInput(f"{what} has shape {a.shape}; expected {tuple(shape)}")
        a = a.reshape(shape)
    return a


@dataclass
class GradientCheck:
    """What black-box mode found: the score table (one row per quantity), the random directions, a
    paragraph on how the witness measured, and the verdict."""

    table: pd.DataFrame
    directions: pd.DataFrame
    how: str
    verdict: str
    passed: bool
    rows: list = field(default_factory=list)
    sweep: object = None    # the witness's step sweep, plotted by ``files``
    origin: str = ""        # the file and names checked, from the command line (``named``)
    notes: tuple = ()       # how that file was read (``load.Code.notes``)
    recipe: tuple = ()      # a course's own check, its lines (``recipes.Outcome.lines``), when asked for
    witness: object = None  # the witness's ``Witness`` (its method, its estimates: ``like``)

    @property
    def exit_status(self):
        return 0 if self.passed else 1

    def render(self):
        return "\n".join([
            "handgrad black-box check: your gradient against the numerical witness",
            *([f"- Checked: {self.origin}."] if self.origin else []), *(f"- Read: {n}." for n in self.notes),
            self.how, "",
            "Every convention's score, your gradient (a) against the witness (b):",
            self.table.to_string(index=False, float_format=lambda x: f"{x:.1e}"), "",
            "Random unit directions, dJ/dθ · v:",
            self.directions.to_string(index=False, float_format=lambda x: f"{x:.6g}"), "",
            *(["", *self.recipe, "  (beside the witness, whose verdict below sets the exit status)"]
              if self.recipe else []),
            f"verdict: {METRIC}", self.verdict])

    def files(self):
        """{file name: text or PNG bytes}: the text as Markdown, the score table as CSV, the step sweep."""
        from comparisons.numerical import figure_name, sweep_png

        return {"gradient-check.md": self.render() + "\n", "gradient-check.csv": self.table.to_csv(index=False),
                figure_name(BlackBox.name, "float64"):
                    sweep_png(self.sweep, "your cost: central-difference step sweep (float64)")}

    def _repr_html_(self):
        """In a notebook: verify --html's page of this check (comparisons.html), tables and plot inline."""
        from comparisons.html import verify_html

        return verify_html(self, standalone=False)


def check_gradient(cost, grad, params, *, budget_s=10.0, full=None, seed=0, progress=False, recipe=None, pattern=None,
                   like=None, **sizes):
    """``GradientCheck`` of ``grad`` against the witness of ``cost`` at ``params`` (see the module); with
    ``recipe`` ("ng", "dlai", "cs231n"), that course's own check too (``comparisons.numerical.recipes``);
    ``pattern``: ``pattern(params) -> array`` whose sign changes at the kinks (see the module), or None;
    ``sizes``: the witness's plan sizes (``plan_for``: sweep_per_array, per_array, directions); ``like``: a
    ``GradientCheck`` of the same ``cost`` at the same ``params`` and plan, whose witness is taken over (the
    caller vouches for the cost; the witness checks the point and plan: ``numerical.witness``'s like)."""
    from comparisons.numerical import check_rows, describe, direction_rows, plan_for, score_table, witness
    from comparisons.numerical.checks import manual_result, verdict_line, whole_row

    if not callable(cost) or not callable(grad):
        raise BadInput("black-box mode needs cost(params) -> J and grad(params) -> dJ/dparams, both functions; "
                       f"got cost={type(cost).__name__}, grad={type(grad).__name__}")
    P = checked_params(params)
    box = BlackBox(cost, grad, P, pattern)
    X = Y = np.zeros((1, 1))
    try:
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
            warnings.simplefilter("always")
            manual = manual_result(box, box.named(P), X, Y)
    except BadInput:
        raise
    except Exception as e:
        raise BadInput(f"your cost or gradient raised {one_line(e)} at the given params") from None
    not_finite(manual, caught)
    n = sum(int(np.prod(s)) for s in box.shapes.values())
    plan = plan_for(n, 1, budget_s, full=full, kinks=pattern is not None, seed=seed, **sizes)
    w = witness(box, box.named(P), X, Y, plan=plan, progress=progress, like=like.witness if like is not None else None)
    rows = check_rows(manual, w, box.name)
    directions = direction_rows(manual, w)
    how = describe(w, rows, directions, list(manual.grads))
    if w.method != "complex step" and pattern is None:     # with a pattern the kinks are seen and counted
        how += " " + NO_KINKS[0].upper() + NO_KINKS[1:] + "."
    ok = all(r["verdict"] in PASSING for r in rows) and all(d["verdict"] in (*PASSING, "kink-crossed")
                                                             for d in directions)
    course = ()
    if recipe:
        from comparisons.numerical.recipes import run as run_recipe

        course = tuple(run_recipe(recipe, lambda p: box.loss(p, X, Y), box.named(P), manual.grads).lines())
    return GradientCheck(score_table(rows, whole_row(manual, w)), pd.DataFrame(directions), how,
                         verdict_line(rows, directions).replace("the derivation", "your gradient"), ok, rows, w.sweep,
                         recipe=course, witness=w)


def not_finite(manual, caught):
    """``BadInput`` when the cost or the gradient is NaN or inf at the given point: no difference quotient
    is defined there, so nothing can be checked; names the first NumPy warning and its line, if any."""
    bad = (["the cost"] if not np.all(np.isfinite(manual.loss)) else []) + \
          [f"the gradient {k}" for k, g in manual.grads.items() if not np.all(np.isfinite(g))]
    if not bad:
        return
    first = next((w for w in caught if issubclass(w.category, RuntimeWarning)), None)
    where = (f": NumPy warned {str(first.message)} at {Path(first.filename).name}:{first.lineno}"
             f" `{linecache.getline(first.filename, first.lineno).strip()}`" if first else "")
    raise BadInput(f"{' and '.join(bad)} {'is' if len(bad) == 1 else 'are'} NaN or inf at the given params{where}; "
                   f"expected finite values: choose a point inside the cost's domain")


def checked_params(params, name=None):
    """float64 copies of ``params`` (a dict of arrays or one array), or ``BadInput`` naming the problem
    (``name``: what the messages call the point, e.g. ``theta0 (--params)``; params[key] otherwise)."""
    named = params if isinstance(params, dict) else {ARRAY: params}
    if not named:
        raise BadInput(f"{name or 'params'} is empty; expected a dict of arrays or one array")
    out = {}
    for k, v in named.items():
        what = name if name and not isinstance(params, dict) else f"{name or 'params'}[{k!r}]"
        try:
            a = np.array(v, dtype=np.float64)
        except (TypeError, ValueError):
            raise BadInput(f"{what} is {type(v).__name__}; expected an array of numbers") from None
        if a.size == 0 or not np.all(np.isfinite(a)):
            raise BadInput(f"{what} holds {'no values' if a.size == 0 else 'NaN or inf'}; expected finite numbers")
        out[k] = a
    return out if isinstance(params, dict) else out[ARRAY]
