"""Run the person's code on every batch: in a child process with a time limit (for code given as
a path or module name), or here (for functions and modules handed over from Python).

The child imports the code itself, so an import that hangs, exits or crashes the interpreter is
stopped or reported like any other failure. The two processes speak through three files:

    request   pickled {target, model name and config, cases, form, names}, written by the parent
    response  pickled {"outcome": Outcome} or {"error": CannotVerify's message}, written by the child
    status    what the child is doing ("importing mine.py", "running backward_prop on the typical
              batch"), rewritten before each step: it names the step a time limit stopped

What the person's code prints is the child's own output, which the parent discards (the last lines
of its stderr are shown only when the child dies without an answer).
"""

import os
import pickle
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from comparisons import catalogue
from comparisons.verify.calls import CannotVerify, Caller, Failed
from comparisons.verify import floating
from comparisons.forms import detect
from comparisons.verify.load import IMPORT_TIME, check_file, explained, file_of, load, split_target

DEFAULT_TIMEOUT = 30.0
# The child's program: ``python -c CHILD MODULE REQUEST RESPONSE STATUS`` runs ``MODULE.child``. It
# imports the module by its name (``-m`` would run it as ``__main__``, and what it pickles would not
# unpickle here).
CHILD = "import sys, importlib; importlib.import_module(sys.argv[1]).child(*sys.argv[2:5])"


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
    """An ``Outcome``; ``isolate`` defaults to True for a path or module name given as text; ``names``
    ({role: name}) renames the form's functions (``comparisons.forms.detect``)."""
    if isolate is None:
        isolate = isinstance(target, (str, Path))
    if isolate:
        return run_isolated(str(target), model, cases, form, timeout, names)
    return run_here(target, model, cases, form, names=names)


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
    """``run_here`` in a child Python, stopped after ``timeout`` seconds (None: no limit)."""
    job = dict(target=target, model=model.name, config=model.config, cases=cases, form=form, names=names)
    return in_child(__name__, job, target, timeout)["outcome"]


def in_child(module, job, target, timeout, stopped=None):
    """The answer of ``module.child(request, response, status)`` (a dict), run on ``job`` in a child Python
    and stopped after ``timeout`` seconds (None: no limit); a ``CannotVerify`` for its {"error": message},
    a time limit (``stopped(target, timeout, status)`` words it) or a child that dies without an answer."""
    path = file_of(split_target(target)[0])
    if path:
        check_file(path)        # before starting a child for nothing
    with tempfile.TemporaryDirectory(prefix="handgrad-verify-") as tmp:
        request, response, status = (Path(tmp) / n for n in ("request.pkl", "response.pkl", "status.txt"))
        request.write_bytes(pickle.dumps(job))
        env = {**os.environ, "MPLBACKEND": "Agg"}
        process = subprocess.Popen([sys.executable, "-c", CHILD, module, str(request), str(response), str(status)],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=env, start_new_session=True)
        try:
            _, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)   # the child's own process group, started above
            process.communicate()
            raise CannotVerify((stopped or timeout_message)(target, timeout, status)) from None
        if not response.is_file():
            tail = "\n".join("    " + line for line in err.decode(errors="replace").strip().splitlines()[-5:])
            raise CannotVerify(f"checking {target} stopped without an answer (exit status {process.returncode}) "
                               f"while {read(status) or 'starting'}\n{tail}")
        answer = pickle.loads(response.read_bytes())
    if "error" in answer:
        raise CannotVerify(answer["error"])
    return answer


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


def read(path):
    """The text of ``path``, stripped; empty when it cannot be read."""
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""
