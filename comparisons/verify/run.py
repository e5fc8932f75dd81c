"""Run the person's code on every batch: in a child process with a time limit (for code given as
a path or module name), or here (for functions and modules handed over from Python).

The child imports the code itself, so an import that hangs, exits or crashes the interpreter is
stopped or reported like any other failure; it writes what it is doing to a status file, which
names the function that was running when the time limit struck.
"""

import os
import pickle
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from comparisons import catalogue
from comparisons.verify import forms
from comparisons.verify.calls import Caller, Failed
from comparisons.verify.errors import CannotVerify
from comparisons.verify.load import IMPORT_TIME, check_file, file_of, load, split_target

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Outcome:
    """origin: the code, in words; form: "contract" or "tutorial"; functions: the ones called;
    runs: {case name: UserRun or calls.Failure}."""

    origin: str
    form: str
    functions: tuple
    runs: dict = field(default_factory=dict)


def run_user(target, model, cases, form="auto", timeout=DEFAULT_TIMEOUT, isolate=None):
    """An ``Outcome``; ``isolate`` defaults to True for a path or module name given as text."""
    if isolate is None:
        isolate = isinstance(target, (str, Path))
    if isolate:
        return run_isolated(str(target), model.name, cases, form, timeout)
    return run_here(target, model.name, cases, form)


def run_here(target, model_name, cases, form="auto", status=None):
    """Load ``target`` and run it on ``cases`` in this process."""
    model = catalogue.get(model_name)
    if status:
        Path(status).write_text(f"importing {target}")
    code = load(target)
    adapter = forms.adapter(code, model, form)
    runs = {}
    for case in cases:
        try:
            runs[case.name] = adapter.run(case, Caller(status), expected_shapes(model, case))
        except Failed as failed:
            runs[case.name] = failed.failure
    return Outcome(code.origin, adapter.form, adapter.functions, runs)


def expected_shapes(model, case):
    """{quantity: shape} of every parameter, forward value and gradient of the catalogue's derivation."""
    module = model.manual
    _, cache = module.forward(case.params, case.X)
    grads = module.backward(case.params, cache, case.X, case.Y)
    return {k: v.shape for k, v in {**case.params, **cache, **grads}.items()}


def run_isolated(target, model_name, cases, form, timeout):
    """``run_here`` in a child Python, stopped after ``timeout`` seconds (None: no limit)."""
    path = file_of(split_target(target)[0])
    if path:
        check_file(path)        # before starting a child for nothing
    with tempfile.TemporaryDirectory(prefix="handgrad-verify-") as tmp:
        request, response, status = (Path(tmp) / n for n in ("request.pkl", "response.pkl", "status.txt"))
        request.write_bytes(pickle.dumps(dict(target=target, model=model_name, cases=cases, form=form)))
        env = {**os.environ, "MPLBACKEND": "Agg"}
        child = subprocess.Popen([sys.executable, "-m", "comparisons.verify.child", str(request),
                                  str(response), str(status)], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                 start_new_session=True)
        try:
            _, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)   # the child's own process group, started above
            child.communicate()
            raise CannotVerify(timeout_message(target, timeout, status)) from None
        if not response.is_file():
            tail = "\n".join("    " + line for line in err.decode(errors="replace").strip().splitlines()[-5:])
            raise CannotVerify(f"checking {target} stopped without an answer (exit status {child.returncode}) "
                               f"while {read(status) or 'starting'}\n{tail}")
        answer = pickle.loads(response.read_bytes())
    if "error" in answer:
        raise CannotVerify(answer["error"])
    return answer["outcome"]


def timeout_message(target, timeout, status):
    doing = read(status) or f"starting Python for {target}"
    hint = IMPORT_TIME if doing.startswith("importing") else (
        "an endless loop? Each function is called once per batch on a few dozen examples, which takes "
        "well under a second; raise --timeout only if it is merely slow")
    return f"stopped after {timeout:g} s (--timeout {timeout:g}) while {doing}: {hint}"


def read(path):
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""
