"""Run the person's code on every batch: in a child process with a time limit, or here when asked
(``isolate=False``: the quick tests).

Code given as a path or module name runs in a fresh Python that imports it itself, so an import that
hangs, exits or crashes the interpreter is stopped or reported like any other failure; a function or
module handed over from Python runs in a fork of this process (``children.fork``: a notebook's
function cannot be pickled, a fork inherits it), under the same time limit. ``children`` says how
the child is ended on every way handgrad stops, and how its output, memory and files are watched.
The two processes speak through three files:

    request   pickled {target, model name and config, cases, form, names}, written by the parent
              (a fresh Python only: a fork has the job already)
    response  pickled {"outcome": Outcome} or {"error": CannotVerify's message}, written by the child
    status    what the child is doing ("importing mine.py", "running backward_prop on the typical
              batch"), rewritten before each step: it names the step a time limit stopped

What the person's code prints is counted and discarded (the last lines of its stderr are shown only
when the child dies without an answer); more than a megabyte, and files it wrote beside the code or
in the current folder, are said in the notes.
"""

import os
import pickle
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from comparisons import catalogue
from comparisons.verify import children
from comparisons.verify.children import read
from comparisons.verify.calls import CannotVerify, Caller, Failed
from comparisons.verify import floating
from comparisons.forms import detect
from comparisons.verify.load import IMPORT_TIME, check_file, explained, file_of, load, split_target

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Outcome:
    """origin: the code, in words; form: the form's name ("contract", "tutorial"); functions: the
    ones called; runs: {case name: calls.UserRun or calls.Failure}; reading: how the form read the
    code, one sentence (``Form.reading``); notes: how the file was read (``load.Code.notes``)."""

    origin: str
    form: str
    functions: tuple
    runs: dict = field(default_factory=dict)
    reading: str = ""
    notes: tuple = ()


def run_user(target, model, cases, form="auto", timeout=DEFAULT_TIMEOUT, isolate=None, names=None):
    """An ``Outcome``; ``isolate`` (default True) runs the code in a child process, stopped after
    ``timeout`` seconds: a fresh Python for a path or module name given as text, a fork for a function
    or module from Python (where the platform has no fork, that runs here, without a time limit);
    ``names`` ({role: name}) renames the form's functions (``comparisons.forms.detect``)."""
    if isolate is False:
        return run_here(target, model, cases, form, names=names)
    if isinstance(target, (str, Path)):
        return run_isolated(str(target), model, cases, form, timeout, names)
    if not hasattr(os, "fork"):
        return run_here(target, model, cases, form, names=names)
    answer = in_fork(lambda status: {"outcome": run_here(target, model, cases, form, status, names)},
                     origin_of(target), timeout, folders=[source_folder(target)])
    return with_notes(answer["outcome"], answer["notes"])


def in_own_process(run, origin, timeout, isolate=None, doing="running your functions"):
    """``run()`` (black-box mode's check of functions from Python) in a fork stopped after ``timeout``
    seconds, as ``run_user`` runs a form's functions; here when ``isolate`` is False or there is no fork.
    ``doing`` is what the time limit's message says was running."""
    if isolate is False or not hasattr(os, "fork"):
        return run()

    def body(status):
        Path(status).write_text(doing)
        return {"result": run()}
    answer = in_fork(body, origin, timeout)
    return with_notes(answer["result"], answer["notes"])


def with_notes(outcome, notes):
    """``outcome`` (or black-box mode's result) with ``notes`` (what the child did besides answering) after its own."""
    return replace(outcome, notes=outcome.notes + tuple(notes)) if notes else outcome


def origin_of(target):
    """A function or module from Python, in words: ``mine.backward``."""
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None) or type(target).__name__
    module = getattr(target, "__module__", None)
    return f"{module}.{name}" if module and not isinstance(target, type(os)) else name


def source_folder(target):
    """The folder of the file ``target`` (a function, a module, an object) was defined in, if any."""
    import inspect

    try:
        return Path(inspect.getsourcefile(target if inspect.ismodule(target) or callable(target)
                                          else type(target))).parent
    except (TypeError, OSError):
        return None


def model_of(model, config=None):
    """The catalogue ``Model`` named ``model`` (or ``model`` itself), its config replaced by ``config``
    when one is given: a form that fixes part of the config reads the entry so changed."""
    model = catalogue.get(model) if isinstance(model, str) else model
    return model if config is None or config == model.config else replace(model, config=dict(config))


def run_here(target, model, cases, form="auto", status=None, names=None):
    """Load ``target`` and run it on ``cases`` in this process; ``model`` a ``Model`` or a catalogue name."""
    model = model_of(model)
    if status:
        Path(status).write_text(f"importing {target}")
    code = load(target)
    try:
        reader = detect(code, model, form, names)
    except CannotVerify as e:     # a function not found may be one that reading the file left out
        raise CannotVerify(explained(str(e), code.notes)) from None
    runs = {}
    for case in cases:
        shapes = expected_shapes(model, case)
        # the backward's locals named as the derivation names its gradients join what it returns
        call = Caller(status, reader.backward_name, gradient_names(model, case, shapes))
        try:
            runs[case.name] = reader.run(case, call, shapes).with_locals(call.locals, reader.backward_name)
        except Failed as failed:   # how the file was read explains a NameError of a global left unset
            runs[case.name] = replace(failed.failure, message=explained(failed.failure.message, code.notes))
            continue
        if floating.run_holds_non_finite(runs[case.name]):   # where it first appeared: the batch run again
            origin = floating.locate(lambda caller: reader.run(case, caller, shapes), status)
            runs[case.name] = replace(runs[case.name], origin=origin)
    return Outcome(code.origin, reader.name, reader.functions, runs, reader.reading, code.notes)


def expected_shapes(model, case):
    """{quantity: shape} of every parameter, forward value and gradient of the catalogue's derivation."""
    module = model.manual
    _, cache = module.forward(case.params, case.X)
    grads = module.backward(case.params, cache, case.X, case.Y)
    return {k: v.shape for k, v in {**case.params, **cache, **grads}.items()}


def gradient_names(model, case, shapes):
    """The derivation's gradients (intermediates dZ2, dA1, ... and dW1, db1, ...) in the order its
    backward computes them: the locals a ``Caller`` reads from the person's backward."""
    names = {*model.intermediates, *("d" + p for p in case.params)}
    return tuple(k for k in shapes if k in names)


def run_isolated(target, model, cases, form, timeout, names=None):
    """``run_here`` in a fresh Python, stopped after ``timeout`` seconds (None: no limit)."""
    job = dict(target=target, model=model.name, config=model.config, cases=cases, form=form, names=names)
    answer = in_child(__name__, job, target, timeout)
    return with_notes(answer["outcome"], answer["notes"])


def in_child(module, job, target, timeout, stopped=None):
    """The answer of ``module.child(request, response, status)`` (a dict), run on ``job`` in a fresh
    Python and stopped after ``timeout`` seconds (None: no limit), with "notes": what the code did
    besides answering (``supervised``); a ``CannotVerify`` for its {"error": message}, a time limit
    (``stopped(target, timeout, status)`` words it) or a child that dies without an answer."""
    path = file_of(split_target(target)[0])
    if path:
        check_file(path)        # before starting a child for nothing

    def start(request, response, status):
        request.write_bytes(pickle.dumps(job))
        return children.spawn(module, request, response, status)
    return supervised(start, target, timeout, stopped, [path.parent] if path else [])


def in_fork(body, target, timeout, stopped=None, folders=()):
    """``in_child`` for a job this process holds: ``body(status)`` (a dict, the answer) in a fork."""
    return supervised(lambda request, response, status: children.fork(body, response, status), target, timeout,
                      stopped, folders)


def supervised(start, target, timeout, stopped, folders):
    """The child that ``start(request, response, status)`` returns the start of (``children.supervise``),
    its answer with "notes" added; ``folders`` (the code's) and the current one are watched for files it writes."""
    with tempfile.TemporaryDirectory(prefix="handgrad-verify-") as tmp:
        request, response, status = (Path(tmp) / n for n in ("request.pkl", "response.pkl", "status.txt"))
        watched = [Path.cwd(), *(f for f in folders if f)]
        before = listing(watched)
        ended = children.supervise(start(request, response, status), timeout)
        printed = ended.printing()
        if ended.status is None:
            raise CannotVerify((stopped or timeout_message)(target, timeout, status)
                               + (f" ({printed} meanwhile)" if printed else "")) from None
        if not response.is_file():
            raise CannotVerify(without_answer(target, ended, read(status)))
        answer = pickle.loads(response.read_bytes())
    if "error" in answer:
        raise CannotVerify(answer["error"])
    return {**answer, "notes": tuple(filter(None, [printed, written(before, listing(watched))]))}


def without_answer(target, ended, doing):
    """Why a child that ended without an answer did: a signal (the OOM killer's SIGKILL, a segmentation
    fault), ``os._exit(n)``, or an error of ours in the child (its traceback's last lines)."""
    doing = doing or "starting"
    if ended.status is not None and ended.status < 0:
        why = {"SIGKILL": ": out of memory (the system's OOM killer)?",
               "SIGSEGV": ": a segmentation fault, in a compiled extension the code called?"}
        name = children.signal_name(-ended.status)
        said = f"the code's process was {ended.said()} while {doing}{why.get(name, '')}"
    elif "Traceback" not in ended.stderr:
        said = (f"the code ended the process with os._exit({ended.status}) (exit status {ended.status}) while "
                f"{doing}; expected it to return")
    else:
        said = f"checking {target} stopped without an answer ({ended.said()}) while {doing}"
    return said + (f"; {ended.printing()}" if ended.printing() else "") + (f"\n{ended.stderr}" if ended.stderr else "")


def child(request, response, status):
    """The child process: read the request, ``run_here``, write the answer."""
    job = pickle.loads(Path(request).read_bytes())
    try:
        answer = {"outcome": run_here(job["target"], model_of(job["model"], job.get("config")), job["cases"],
                                      job["form"], status, job["names"])}
    except CannotVerify as e:
        answer = {"error": str(e)}
    Path(response).write_bytes(pickle.dumps(answer))


RUNNING = ("an endless loop? Each function is called once per batch on a few dozen examples, which takes "
           "well under a second; raise --timeout only if it is merely slow")


def timeout_message(target, timeout, status, running=RUNNING):
    """What was running when the time limit struck, and the likely reason: slow imports while importing,
    else ``running`` (how long the person's calls should take, in the job's own terms)."""
    doing = read(status) or f"starting Python for {target}"
    hint = IMPORT_TIME if doing.startswith("importing") else running
    return f"stopped after {timeout:g} s (--timeout {timeout:g}) while {doing}: {hint}"


# --- Files the person's code wrote -------------------------------------------------------------------


def listing(folders):
    """{path: modification time} of the entries directly in each of ``folders`` (not below, and the first
    10,000 only: a quick look), leaving out Python's own caches (``__pycache__``, written by importing)."""
    found = {}
    for folder in dict.fromkeys(Path(f).resolve() for f in folders):
        try:
            with os.scandir(folder) as entries:
                for k, entry in enumerate(entries):
                    if k > 10_000:
                        break
                    if entry.name != "__pycache__":
                        found[Path(folder) / entry.name] = entry.stat(follow_symlinks=False).st_mtime_ns
        except OSError:
            continue
    return found


def written(before, after):
    """A note naming what appeared or changed between two ``listing``s; "" when nothing did."""
    new = [p for p, t in after.items() if before.get(p) != t]
    if not new:
        return ""
    by_folder = {}
    for p in new:
        by_folder.setdefault(p.parent, []).append(p.name)
    said = "; ".join(f"{', '.join(sorted(names)[:5])}{f' and {len(names) - 5} more' if len(names) > 5 else ''} "
                     f"in {folder}" for folder, names in by_folder.items())
    # another program may write into the same folders meanwhile: said as what was seen, not as a certainty
    return f"written while your code ran (by it, unless another program wrote there meanwhile): {said}"
