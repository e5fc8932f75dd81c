"""The references computed ahead (``comparisons.verify.ahead``): JAX's in a thread, PyTorch's in a child
process; the same results as ``run_autograd`` here, bit for bit, and nothing left behind when the block ends:
no thread, no process, whatever ended it (an answer, an error, leaving unasked, Ctrl-C, SIGTERM).

The child's rules are tested on a NumPy-only computation (a fork of pytest's process, which may hold
PyTorch's thread pools, must not run PyTorch: ``torch_references`` computes here where it is imported);
PyTorch's own in the child, in a fresh Python that has not imported it (``slow``)."""

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from comparisons import catalogue
from comparisons.sources import run_autograd, run_manual
from comparisons.verify import children
from comparisons.verify.ahead import ChildTraceback, Here, InChild, JaxReferences, torch_references
from comparisons.verify.calls import make_cases
from tests.test_verify_process import child_pid, gone
from tests.tutorial_code import TUTORIAL
from tests.user_files import write

ROOT = Path(__file__).parents[1]


def assert_same(found, here):
    """Two ``Result``s bit for bit: the loss, and every gradient's values and dtype."""
    assert found.source == here.source and found.loss == here.loss
    assert set(found.grads) == set(here.grads)
    for k, g in here.grads.items():
        assert found.grads[k].dtype == g.dtype
        np.testing.assert_array_equal(found.grads[k], g)


def test_the_results_ahead_are_run_autograds_and_the_thread_ends_with_the_block():
    model = catalogue.get("seed_net")
    cases = make_cases(model, 16, 0, "float64", None)
    with JaxReferences(model, cases) as ahead:
        found = {case.name: ahead.result(case) for case in reversed(cases)}     # any order of asking
    assert not [t for t in threading.enumerate() if t.name.startswith("handgrad-jax")]
    for case in cases:
        here = run_autograd(model, "jax", case.params, case.X, case.Y)
        assert found[case.name].loss == here.loss
        assert set(found[case.name].grads) == set(here.grads)
        for k, g in here.grads.items():
            np.testing.assert_array_equal(found[case.name].grads[k], g)


def test_an_error_in_the_thread_reaches_the_caller():
    model = catalogue.get("seed_net")
    broken = replace(make_cases(model, 16, 0, "float64", None)[0], X=np.ones((783, 16)))   # n_x 783, W1's 784
    with JaxReferences(model, [broken]) as ahead, pytest.raises(Exception):
        ahead.result(broken)
    assert not [t for t in threading.enumerate() if t.name.startswith("handgrad-jax")]


# --- The child process, on a NumPy-only computation (quick) ---------------------------------------------


def manual(model):
    """The catalogue's own derivation of a case: a computation a fork of pytest's process may run."""
    return lambda case: run_manual(model, case.params, case.X, case.Y)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_childs_results_are_those_computed_here_bit_for_bit(dtype):
    model = catalogue.get("seed_net")
    cases = make_cases(model, 16, 0, dtype, None)
    with InChild(manual(model), cases) as ahead:
        assert ahead.pid is not None            # a child indeed
        found = {case.name: ahead.result(case) for case in reversed(cases)}
        pid = ahead.pid
    assert pid is None                          # reaped once its answer was read
    for case in cases:
        assert_same(found[case.name], manual(model)(case))


def looping(pid_file):
    """A computation that writes its process's id to ``pid_file`` and never ends."""
    def compute(case):
        pid_file.write_text(str(os.getpid()))
        while True:
            time.sleep(0.01)
    return compute


def test_an_error_in_the_child_is_raised_here_with_the_childs_traceback():
    def compute(case):
        raise ValueError(f"no reference for {case.name}")
    case = make_cases(catalogue.get("seed_net"), 16, 0, "float64", ("typical",))[0]
    with InChild(compute, [case]) as ahead, pytest.raises(ValueError, match="no reference for typical") as error:
        ahead.result(case)
    assert isinstance(error.value.__cause__, ChildTraceback)
    assert "Traceback" in str(error.value.__cause__) and "in compute" in str(error.value.__cause__)
    assert ahead.pid is None


@pytest.mark.parametrize("end, said", [
    (lambda: os._exit(4), "exit status 4"),
    (lambda: os.kill(os.getpid(), signal.SIGKILL), "killed by SIGKILL (signal 9)"),
])
def test_a_child_that_ends_without_an_answer_is_an_error_of_ours(end, said):
    case = make_cases(catalogue.get("seed_net"), 16, 0, "float64", ("typical",))[0]
    with InChild(lambda case: end(), [case]) as ahead, pytest.raises(RuntimeError) as error:
        ahead.result(case)
    assert str(error.value) == f"the child computing PyTorch's references ended without an answer ({said})"


def test_the_child_is_ended_when_the_block_ends_unasked(tmp_path):
    pid_file = tmp_path / "pid.txt"
    case = make_cases(catalogue.get("seed_net"), 16, 0, "float64", ("typical",))[0]
    with InChild(looping(pid_file), [case]):
        pid = child_pid(pid_file)
    assert gone(pid)


@pytest.mark.parametrize("signum, raised", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, children.Terminated)])
def test_the_child_is_ended_when_handgrad_is_interrupted_or_terminated(tmp_path, signum, raised):
    pid_file = tmp_path / "pid.txt"
    case = make_cases(catalogue.get("seed_net"), 16, 0, "float64", ("typical",))[0]
    before = signal.getsignal(signal.SIGTERM)
    threading.Thread(target=lambda: (child_pid(pid_file), os.kill(os.getpid(), signum)), daemon=True).start()
    with pytest.raises(raised):
        with InChild(looping(pid_file), [case]) as ahead:
            ahead.result(case)
    assert gone(int(pid_file.read_text())) and signal.getsignal(signal.SIGTERM) is before


def test_where_no_child_can_be_started_the_results_are_computed_here(monkeypatch):
    def no_fork():
        raise OSError(11, "Resource temporarily unavailable")
    monkeypatch.setattr(os, "fork", no_fork)
    model = catalogue.get("seed_net")
    cases = make_cases(model, 16, 0, "float64", ("typical", "one-example"))
    with InChild(manual(model), cases) as ahead:
        found = {case.name: ahead.result(case) for case in cases}
        assert ahead.pid is None
    for case in cases:
        assert_same(found[case.name], manual(model)(case))


def test_where_pytorch_is_imported_its_references_are_computed_here():
    import torch  # noqa: F401  (imported, as in a notebook that uses it)

    model = catalogue.get("seed_net")
    cases = make_cases(model, 16, 0, "float64", ("typical",))
    with torch_references(model, cases) as ahead:
        assert isinstance(ahead, Here)
        found = ahead.result(cases[0])
    assert_same(found, run_autograd(model, "torch", cases[0].params, cases[0].X, cases[0].Y))


BEFORE_THE_CHILD = """
import sys
from comparisons import catalogue
from comparisons.cli import make_parser
from comparisons.verify.api import chosen_model
from comparisons.verify.calls import make_cases

make_parser()
model, _ = chosen_model(sys.argv[1])
make_cases(model, 64, 0, "float64", None)
print(",".join(m for m in ("torch", "jax", "pandas", "tabulate", "tqdm", "sklearn", "matplotlib") if m in sys.modules))
"""


def test_nothing_heavy_is_imported_before_verify_starts_pytorchs_child(tmp_path):
    # the command line's parser, verify's module, the model read from the code and the batches: what comes
    # before the child's start (``api.verify``), so that its import of PyTorch begins early
    done = subprocess.run([sys.executable, "-c", BEFORE_THE_CHILD, write(tmp_path, TUTORIAL)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


# --- PyTorch's references in the child, in a Python that has not imported PyTorch (slow) ---------------------

IN_CHILD = """
import pickle, sys
from comparisons import catalogue
from comparisons.sources import run_autograd
from comparisons.verify.ahead import InChild, torch_references
from comparisons.verify.calls import make_cases

model = catalogue.get("seed_net")
cases = make_cases(model, 16, 0, sys.argv[1], None)
with torch_references(model, cases) as ahead:
    kind = type(ahead).__name__
    child = {case.name: ahead.result(case) for case in cases}
    assert "torch" not in sys.modules       # imported in the child only
here = {case.name: run_autograd(model, "torch", case.params, case.X, case.Y) for case in cases}
sys.stdout.buffer.write(pickle.dumps((kind, child, here)))
"""


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pytorchs_references_from_the_child_are_run_autograds_here(dtype):
    done = subprocess.run([sys.executable, "-c", IN_CHILD, dtype], cwd=ROOT, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    kind, child, here = pickle.loads(done.stdout)
    assert kind == "InChild" and set(child) == set(here) and len(here) == 4
    for name in here:
        assert_same(child[name], here[name])
