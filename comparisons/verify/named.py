"""Black-box mode from the command line: ``handgrad verify FILE --cost NAME --grad NAME --params NAME``.

The three names are read from the person's file as ``verify`` reads any (``load``: a notebook, the
definitions only of a file that trains at import, stand-ins for modules not installed):

    --cost NAME     a function cost(params) -> J, a number
    --grad NAME     a function grad(params) -> dJ/dparams, shaped as params (a dict keyed as params)
    --params NAME   the point: an array, a dict of arrays, or a function of no arguments returning one

and ``black_box.check_gradient`` checks the gradient against the numerical witness of the cost. All of
it runs in a child process stopped after the time limit (``isolation.in_child``), as a form's code
runs: the witness calls the person's cost a few hundred times, and a cost that hangs is stopped like
any other code. What cannot be checked (a name the file does not define, a point that is not numbers,
a cost that raises) is one ``CannotVerify`` message, exit status 2, naming the option and what it expected.
"""

import inspect
import pickle
import traceback
from dataclasses import replace
from pathlib import Path

from comparisons import BadInput
from comparisons.verify.black_box import check_gradient, checked_params
from comparisons.verify.calls import CannotVerify, one_line
from comparisons.verify import isolation
from comparisons.verify.isolation import DEFAULT_TIMEOUT, in_child
from comparisons.verify.load import explained, load

EXPECTED = {"cost": "a function cost(params) -> J, a number",
            "grad": "a function grad(params) -> dJ/dparams, shaped as params",
            "params": "the point: an array, a dict of arrays, or a function of no arguments returning one"}
MISSING = object()
HANDGRAD = tuple(str(Path(__file__).parents[2] / tree) for tree in ("comparisons", "manual"))   # our frames


def check_named(target, cost, grad, params, *, full=None, seed=0, timeout=DEFAULT_TIMEOUT, isolate=None, recipe=None):
    """The ``GradientCheck`` of the functions named ``cost`` and ``grad`` in ``target`` (a file, a notebook
    or a module name) at the point named ``params`` there; ``full``, ``seed``: the witness's plan
    (``check_gradient``), ``recipe`` a course's own check beside it. In a child process stopped after
    ``timeout`` seconds unless ``isolate=False``."""
    names = dict(cost=cost, grad=grad, params=params)
    if isolate is False:
        return run_here(target, names, full, seed, recipe=recipe)
    job = dict(target=target, names=names, full=full, seed=seed, recipe=recipe)
    answer = in_child(__name__, job, target, timeout, stopped=timeout_message)
    return replace(answer["result"], notes=answer["result"].notes + answer["notes"])   # what else the code did


def child(request, response, status):
    """The child process (``children.main``): read the request, ``run_here``, write the answer."""
    job = pickle.loads(Path(request).read_bytes())
    try:
        answer = {"result": run_here(job["target"], job["names"], job["full"], job["seed"], status, job["recipe"])}
    except BadInput as e:          # CannotVerify too
        answer = {"error": str(e)}
    Path(response).write_bytes(pickle.dumps(answer))


def run_here(target, names, full=None, seed=0, status=None, recipe=None):
    """``check_named`` in this process; ``status``: the file that says what is running (``Watcher``)."""
    watcher = Watcher(status)
    watcher.say(f"importing {target}")
    code = load(target)
    cost, grad = (function(code, names[role], role) for role in ("cost", "grad"))
    point = point_of(code, names["params"], watcher)
    try:
        result = check_gradient(watcher.watch(cost, "cost", names["cost"]), watcher.watch(grad, "grad", names["grad"]),
                                point, full=full, seed=seed, recipe=recipe)
    except Exception as e:
        theirs = watcher.raised(e)
        if theirs is not None:
            role, error = theirs
            raise CannotVerify(f"{names[role]}(params) (--{role}) raised {one_line(error)} at or near "
                               f"{names['params']}; expected {EXPECTED[role]}\n{their_lines(error)}") from None
        if isinstance(e, BadInput):     # what it returned is not what was expected
            raise CannotVerify(explained(str(e), code.notes)) from None
        raise
    origin = f"{code.origin}: {names['cost']} and {names['grad']} at {names['params']}"
    return replace(result, origin=origin, notes=code.notes)


def function(code, name, role):
    """The function ``name`` of ``code`` (a ``load.Code``), given as --``role``; or a ``CannotVerify``."""
    value = getattr(code.namespace, name, MISSING)
    if value is MISSING:
        raise CannotVerify(explained(f"{code.origin} defines no {name} (--{role}); expected {EXPECTED[role]} "
                                     f"(it defines: {', '.join(code.defines()) or 'no functions'})", code.notes))
    if not callable(value):
        raise CannotVerify(f"{name} (--{role}) in {code.origin} is {type(value).__name__}; expected {EXPECTED[role]}")
    return value


def point_of(code, name, watcher):
    """The point named ``name`` in ``code``: its value, or what it returns when it is a function of no
    arguments, checked to be finite numbers (``black_box.checked_params``); or a ``CannotVerify``."""
    value = getattr(code.namespace, name, MISSING)
    if value is MISSING:
        defined = [k for k, v in vars(code.namespace).items() if not k.startswith("_") and not inspect.ismodule(v)]
        raise CannotVerify(explained(f"{code.origin} defines no {name} (--params); expected {EXPECTED['params']} "
                                     f"(it defines: {', '.join(defined) or 'nothing'})", code.notes))
    if callable(value):
        needed = needs(value)
        if needed:
            raise CannotVerify(f"{name} (--params) is a function of {', '.join(needed)}; expected "
                               f"{EXPECTED['params']}")
        watcher.say(f"calling {name}() for the point")
        try:
            value = value()
        except Exception as e:
            raise CannotVerify(f"{name}() (--params) raised {one_line(e)}; expected it to return an array or a "
                               f"dict of arrays\n{their_lines(e)}") from None
    try:
        return checked_params(value, f"{name} (--params)")
    except BadInput as e:
        raise CannotVerify(str(e)) from None


def their_lines(error, lines=3):
    """The last ``lines`` frames of ``error``'s traceback in the person's code (none of handgrad's: the
    witness's calls are in comparisons/ and manual/), then its type and message, indented."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(HANDGRAD)]
    text = "".join(traceback.format_list(frames[-lines:])) + f"{type(error).__name__}: {error}"
    return "\n".join("    " + line for line in text.rstrip().splitlines())


def needs(fn):
    """The parameters ``fn`` cannot be called without (none when its signature cannot be read)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


class Watcher:
    """Says in ``status`` (a file, read when the time limit strikes) which of the person's functions
    is running, rewritten only when that changes (the witness calls the cost hundreds of times), and
    keeps the last error one of them raised: the person's error, told from one of ours."""

    def __init__(self, status=None):
        self.status, self.doing, self.error = status, None, None

    def say(self, doing):
        if self.status and doing != self.doing:
            Path(self.status).write_text(doing)
        self.doing = doing

    def watch(self, fn, role, name):
        """``fn``, the person's ``role`` ("cost", "grad") called ``name``: says so while it runs and keeps
        what it raises."""
        def call(params):
            self.say(f"running {name}(params)")
            try:
                return fn(params)
            except Exception as e:
                self.error = (role, e)
                raise
        return call

    def raised(self, error):
        """(the role, the person's error) when ``error`` is that error or was raised while handling it."""
        if self.error and (error is self.error[1] or error.__context__ is self.error[1]):
            return self.error
        return None


RUNNING = ("an endless loop? The numerical witness calls your cost a few hundred times, within a budget of "
           "about 10 s for a slow one; raise --timeout only if one call is merely slow")


def timeout_message(target, timeout, status):
    """``isolation.timeout_message`` with black-box mode's account of how long the calls should take."""
    return isolation.timeout_message(target, timeout, status, RUNNING)
