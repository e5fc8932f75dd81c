"""The person's code never outlives handgrad, and what it does besides answering is named.

Code as people write it (the seed tutorial's file, with one line changed) that exits (``sys.exit``,
``os._exit``), loops, prints megabytes, allocates without bound, crashes the interpreter or writes
files: each case asserts the exit status, the one line that names it, no traceback, and that no
process of the person's code is left. The person's code writes its process id to a file first, so
the test can tell that the process is gone (and kill its group if a test fails).

The command line (``slow``: a Python start per run) runs the file in a fresh child, as people run it;
``children`` is tested directly on forks of this process, and the Caller's naming here (``isolate=False``).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from comparisons.verify import CannotVerify, verify
from comparisons.verify import children, isolation
from tests.tutorial_code import variant
from tests.user_files import write

ROOT = Path(__file__).parents[1]
FAST = ["--m", "16", "--against", "torch", "--case", "typical"]
QUICK = dict(m=16, against=("torch",), cases=("typical",), isolate=False)
FIRST = "    m = X.shape[1]\n"    # backward_prop's first line in the tutorial


def in_backward(*lines, pid=None):
    """The tutorial's file with ``lines`` at the start of backward_prop (after writing its process id to
    ``pid``, when given)."""
    said = [f"import os; open({str(pid)!r}, 'w').write(str(os.getpid()))"] if pid else []
    return variant(FIRST, "".join(f"    {line}\n" for line in [*said, *lines]) + FIRST)


def at_import(*lines, pid=None):
    """A file that does its work at import, and defines nothing."""
    said = ["import os", f"open({str(pid)!r}, 'w').write(str(os.getpid()))"] if pid else []
    return "".join(line + "\n" for line in [*said, *lines])


def gone(pid, within=5.0):
    """Whether process ``pid`` has ended (a zombie counts as ended) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z"):
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


def group_gone(pgid, within=5.0):
    """Whether no running process is left in process group ``pgid`` within ``within`` seconds."""
    found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True).stdout.split()
    return all(gone(int(pid), within) for pid in found)


@pytest.fixture
def pid_file(tmp_path):
    """Where the person's code writes its process id; afterwards, its group is killed whatever happened."""
    path = tmp_path / "pid.txt"
    yield path
    if path.is_file() and path.read_text().strip():
        try:
            os.killpg(int(path.read_text()), signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def child_pid(path, within=30.0):
    """The process id the person's code wrote to ``path``, once it has."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"the person's code never started ({path} not written)")


# --- Here: the Caller names sys.exit and MemoryError (quick) ---------------------------------------------


@pytest.mark.parametrize("line, said", [
    ("import sys; sys.exit(3)", "called sys.exit(3) at mine.py:32"),
    ("exit(3)", "called sys.exit(3) at mine.py:32"),
    ("raise SystemExit('done')", "called sys.exit('done') at mine.py:32"),
    ("blocks = [np.zeros((10**7, 10**7))]",
     "MemoryError: your code asked for more memory than this machine could give"),
])
def test_an_exit_or_a_memory_error_in_a_function_is_a_finding_named_as_such(tmp_path, line, said):
    result = verify(write(tmp_path, in_backward(line)), **QUICK)
    assert result.exit_status == 1
    assert said in result.verdict() and "backward_prop on the typical batch (FAILS)" in result.verdict()


# --- children, on forks of this process (quick) -------------------------------------------------------------


def forked(body, timeout, tmp_path):
    """``children.supervise`` of ``body(status)`` in a fork: (its ``Ended``, its answer or None)."""
    import pickle

    response, status = tmp_path / "response.pkl", tmp_path / "status.txt"
    ended = children.supervise(children.fork(body, response, status), timeout)
    return ended, (pickle.loads(response.read_bytes()) if response.is_file() else None)


def test_a_fork_that_loops_is_stopped_by_the_time_limit_and_its_group_is_gone(tmp_path, pid_file):
    def body(status):
        if os.fork() == 0:          # a subprocess of the person's own, in the same group
            while True:
                pass
        Path(pid_file).write_text(str(os.getpid()))
        while True:
            pass
    start = time.monotonic()
    ended, answer = forked(body, 0.5, tmp_path)
    assert ended.status is None and answer is None and time.monotonic() - start < 3
    assert gone(int(pid_file.read_text())) and group_gone(int(pid_file.read_text()))


@pytest.mark.parametrize("signum, raised", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, children.Terminated)])
def test_a_fork_is_ended_when_handgrad_is_interrupted_or_terminated(tmp_path, pid_file, signum, raised):
    import threading

    def body(status):
        Path(pid_file).write_text(str(os.getpid()))
        while True:
            pass
    before = signal.getsignal(signal.SIGTERM)
    threading.Thread(target=lambda: (child_pid(pid_file), os.kill(os.getpid(), signum)), daemon=True).start()
    with pytest.raises(raised):
        forked(body, 20, tmp_path)
    assert gone(int(pid_file.read_text())) and signal.getsignal(signal.SIGTERM) is before


@pytest.mark.parametrize("body, status, said", [
    (lambda status: os._exit(4), 4, "exit status 4"),
    (lambda status: os.kill(os.getpid(), signal.SIGSEGV), -signal.SIGSEGV, "killed by SIGSEGV (signal 11)"),
    (lambda status: {"answer": 42}, 0, "exit status 0"),
    (lambda status: {"answer": sys.exit(3)}, 0, "exit status 0"),   # answered: "the code called sys.exit(3)"
])
def test_how_a_fork_ended_is_told(tmp_path, body, status, said):
    ended, answer = forked(body, 10, tmp_path)
    assert ended.status == status and ended.said() == said
    assert (answer is not None) == (status == 0)


@pytest.mark.parametrize("end, said", [
    (lambda: os._exit(4), "the code ended the process with os._exit(4) (exit status 4) while running backward_prop "
                          "on the typical batch; expected it to return"),
    (lambda: os.kill(os.getpid(), signal.SIGKILL), "the code's process was killed by SIGKILL (signal 9) while running "
                                                    "backward_prop on the typical batch: out of memory"),
    (lambda: sys.exit(3), "the code called sys.exit(3) while running backward_prop on the typical batch"),
])
def test_a_child_that_ends_without_an_answer_is_named(end, said):
    from comparisons.verify.isolation import in_fork

    def body(status):
        Path(status).write_text("running backward_prop on the typical batch")
        end()
    with pytest.raises(CannotVerify) as error:
        in_fork(body, "mine.py", 10)
    assert str(error.value).startswith(said) and "Traceback" not in str(error.value)


def test_megabytes_printed_are_counted_not_kept(tmp_path):
    def body(status):
        for _ in range(50):
            print("x" * 10**6)
        sys.stderr.write("last words\n")
        return {"answer": 1}
    ended, answer = forked(body, 20, tmp_path)
    assert answer == {"answer": 1} and ended.printed > 50e6
    assert ended.printing() == "your code printed 50 MB, discarded" and ended.stderr == "    last words"


def test_memory_is_limited_in_the_child(tmp_path):
    def body(status):
        from comparisons.verify import calls

        try:
            blocks = [np.zeros(10**9) for _ in range(10_000)]    # 80 TB of address space, none of it touched
        except MemoryError:
            return {"limit": calls.MEMORY_LIMIT}
        return {"limit": None, "blocks": len(blocks)}
    ended, answer = forked(body, 20, tmp_path)
    assert ended.status == 0 and answer["limit"] and answer["limit"] >= 4 << 30


def test_files_written_beside_the_code_are_named(tmp_path):
    (tmp_path / "old.txt").write_text("1")
    before = isolation.listing([tmp_path])
    (tmp_path / "losses.png").write_bytes(b"png")
    (tmp_path / "__pycache__").mkdir()
    assert isolation.written(before, isolation.listing([tmp_path])) == \
        f"written while your code ran (by it, unless another program wrote there meanwhile): losses.png in " \
        f"{tmp_path.resolve()}"
    assert isolation.written(before, before) == ""


# --- The command line: a fresh child per run (slow) -------------------------------------------------------


def cli(*args, cwd=ROOT):
    """``handgrad ARGS...`` as a process of its own, run from ``cwd``."""
    return subprocess.Popen([sys.executable, "-m", "comparisons.cli", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("signum, status, said", [
    (signal.SIGINT, 130, "handgrad: interrupted"),
    (signal.SIGTERM, 143, "handgrad: stopped by SIGTERM"),
])
@pytest.mark.parametrize("where", ["backward", "import"])
def test_handgrad_stopped_ends_the_persons_code(tmp_path, pid_file, signum, status, said, where):
    code = (in_backward("while True:", "    pass", pid=pid_file) if where == "backward" else
            at_import("while True:", "    pass", pid=pid_file))
    handgrad = cli("verify", write(tmp_path, code), *FAST, "--timeout", "120")
    try:
        pid = child_pid(pid_file)
        handgrad.send_signal(signum)
        out, err = handgrad.communicate(timeout=10)
    finally:
        handgrad.kill()
        handgrad.wait()
    assert handgrad.returncode == status and err.strip() == said and "Traceback" not in out + err
    assert gone(pid)


def children_of(pid):
    """The process ids whose parent is ``pid`` (ended ones not yet reaped too)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(") ", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_handgrad_stopped_ends_pytorchs_child_too(tmp_path, pid_file, signum, status):
    # PyTorch's references are computed in a child of handgrad from before the person's code runs (``ahead``)
    handgrad = cli("verify", write(tmp_path, in_backward("while True:", "    pass", pid=pid_file)), *FAST,
                   "--timeout", "120")
    try:
        person = child_pid(pid_file)
        ours = [pid for pid in children_of(handgrad.pid) if pid != person]
        handgrad.send_signal(signum)
        out, err = handgrad.communicate(timeout=10)
    finally:
        handgrad.kill()
        handgrad.wait()
    assert handgrad.returncode == status and "Traceback" not in out + err
    assert len(ours) == 1 and gone(ours[0]) and gone(person)


@pytest.mark.slow
@pytest.mark.parametrize("case, where, lines, status, said", [
    ("sys.exit in backward_prop", in_backward, ["import sys; sys.exit(3)"], 1,
     "backward_prop on the typical batch (FAILS): called sys.exit(3) at mine.py:33"),
    ("os._exit in backward_prop", in_backward, ["import os; os._exit(4)"], 2,
     "the code ended the process with os._exit(4) (exit status 4) while running backward_prop on the typical batch"),
    ("os._exit at import", at_import, ["os._exit(5)"], 2,
     "the code ended the process with os._exit(5) (exit status 5) while importing"),
    ("sys.exit at import", at_import, ["import sys", "sys.exit(6)"], 2, "does not import: SystemExit: 6"),
    ("a segmentation fault", in_backward, ["import ctypes; ctypes.string_at(0)"], 2,
     "the code's process was killed by SIGSEGV (signal 11) while running backward_prop on the typical batch"),
    ("allocates without bound", in_backward, ["blocks = [np.zeros(10**9) for _ in range(10_000)]"], 1,
     "MemoryError: your code asked for more memory than the limit of"),
    ("prints 100 MB", in_backward, ["for _ in range(100): print('x' * 10**6)"], 0,
     "- Your code printed 100 MB, discarded."),
    ("writes a file", in_backward, ["open('losses.txt', 'w').close()"], 0, "meanwhile): losses.txt, pid.txt in "),
    ("loops in backward_prop", in_backward, ["while True: pass"], 2,
     "stopped after 3 s (--timeout 3) while running backward_prop on the typical batch"),
])
def test_what_the_code_does_besides_answering_is_named(tmp_path, pid_file, case, where, lines, status, said):
    handgrad = cli("verify", write(tmp_path, where(*lines, pid=pid_file)), *FAST, "--timeout", "3", cwd=tmp_path)
    try:
        out, err = handgrad.communicate(timeout=60)
    finally:
        handgrad.kill()
        handgrad.wait()
    assert handgrad.returncode == status, out + err
    assert said in " ".join((err if status == 2 else out).split()) and "Traceback" not in out + err   # as wrapped
    if status == 2:
        assert err.startswith("handgrad verify: could not check ")
    assert gone(child_pid(pid_file, within=1))


@pytest.mark.slow
def test_a_function_from_python_is_stopped_by_its_timeout(pid_file):
    def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
        pid_file.write_text(str(os.getpid()))
        while True:
            pass
    start = time.monotonic()
    with pytest.raises(CannotVerify, match="stopped after 2 s .* while running backward_prop on the typical batch"):
        verify(backward_prop, "seed_net", form="tutorial", m=16, against=("torch",), cases=("typical",), timeout=2)
    assert time.monotonic() - start < 10 and child_pid(pid_file, within=1) != os.getpid()
    assert gone(int(pid_file.read_text()))


@pytest.mark.slow
def test_black_box_functions_from_python_are_stopped_by_the_timeout():
    def cost(theta):
        while True:
            pass
    with pytest.raises(CannotVerify, match="stopped after 2 s .* while running your cost and grad for the witness"):
        verify(cost=cost, grad=lambda theta: theta, params=np.ones(3), timeout=2)


@pytest.mark.slow
def test_a_function_from_python_runs_in_a_fork_with_torch_and_jax_imported():
    import jax.numpy as jnp
    import torch

    from manual import seed_net

    torch.ones(3) @ torch.ones(3), jnp.ones(3).block_until_ready()     # their threads are running
    result = verify(seed_net.backward, m=16, against=("torch", "jax"), cases=("typical",))
    assert result.exit_status == 0
