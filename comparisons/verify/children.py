"""The process that runs a person's code, and how it ends: it never outlives handgrad, and what it
does besides answering (exiting, printing, allocating) is told (files it writes: ``isolation``).

A child is started either as a fresh Python (``spawn``: code given as a path or module name, which
the child imports itself) or by ``os.fork`` (``fork``: a function or module handed over from Python,
which a notebook cannot have pickled; the child inherits it). Either way it runs

- in its own process group, killed (SIGKILL, the whole group: the person's own subprocesses too) and
  reaped on every way ``supervise`` ends: an answer, the time limit, Ctrl-C (KeyboardInterrupt while
  waiting), SIGTERM or SIGHUP to handgrad (``Terminated``, raised by a handler installed only while
  the child runs) or any exception of ours; and, on Linux, killed by the kernel if handgrad itself
  is killed (PR_SET_PDEATHSIG);
- with its output on two pipes that threads here read to the end, counting the bytes and keeping
  the last ``TAIL`` of stderr: a child that prints megabytes neither fills memory nor blocks;
- with its address space limited (RLIMIT_AS) to its size at the start plus half the memory the
  machine has free, so that code allocating without bound raises MemoryError in its own line (named by
  ``calls.Caller``) instead of swapping or waking the OOM killer.

The fork is safe with PyTorch or JAX imported here because the child runs only NumPy: the person's
code and our batches; the references run here afterwards (JAX's warning about fork is silenced for
that reason). A person's function that itself calls JAX may hang in the child; the time limit ends it.
"""

import io
import os
import resource
import signal
import subprocess
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

from comparisons import BadInput
from comparisons.verify import calls

TAIL = 64 * 1024        # bytes of the child's stderr kept for messages
LARGE = 1 << 20         # output beyond this many bytes is named in a note
STOPPING = (signal.SIGTERM, signal.SIGHUP)
# A fresh child draws no windows and sees no GPU: CUDA cannot start under an address-space limit (it
# reserves tens of GiB of addresses), and the person's NumPy code needs none; PyTorch and JAX in their
# file then run on the CPU instead of failing at start or taking the GPU from the references.
CHILD_ENV = {"MPLBACKEND": "Agg", "CUDA_VISIBLE_DEVICES": "", "JAX_PLATFORMS": "cpu"}
# A fresh child's program: ``python -c SPAWN MODULE REQUEST RESPONSE STATUS PARENT`` runs ``main``, which runs
# ``MODULE.child``. Modules are imported by name (``-m`` would run one as ``__main__``, and what it pickles
# would not unpickle here).
SPAWN = "import sys, importlib; importlib.import_module('comparisons.verify.children').main(*sys.argv[1:])"


class Terminated(KeyboardInterrupt):
    """handgrad was asked to stop (SIGTERM, SIGHUP) while the person's code ran. A KeyboardInterrupt,
    so that it ends handgrad as Ctrl-C does and no ``except Exception`` swallows it; ``signum``: the signal."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass(frozen=True)
class Ended:
    """How a child ended: status (its exit status, minus the signal's number when a signal killed it;
    None when the time limit stopped it), printed (bytes it wrote to stdout and stderr), stderr (the
    last lines of its stderr, indented, each cut to 200 characters)."""

    status: object
    printed: int
    stderr: str

    def said(self):
        """Its exit status in words: ``exit status 3``, ``killed by SIGKILL (signal 9)``."""
        if self.status is not None and self.status < 0:
            return f"killed by {signal_name(-self.status)} (signal {-self.status})"
        return f"exit status {self.status}"

    def printing(self):
        """``your code printed 104 MB, discarded`` when it printed more than ``LARGE``; else ""."""
        return f"your code printed {self.printed / 1e6:,.0f} MB, discarded" if self.printed > LARGE else ""


def signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class Output:
    """One of the child's pipes, read to its end by a thread: its size, and its last ``TAIL`` bytes."""

    def __init__(self, fd):
        self.size, self.tail = 0, b""
        self.thread = threading.Thread(target=self.read, args=(fd,), daemon=True)
        self.thread.start()

    def read(self, fd):
        with open(fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                self.size += len(chunk)
                self.tail = (self.tail + chunk)[-TAIL:]

    def lines(self, n=5):
        text = self.tail.decode(errors="replace").strip().splitlines()[-n:]
        return "\n".join("    " + (line if len(line) <= 200 else line[:200] + " ...") for line in text)


def supervise(start, timeout):
    """Start a child with ``start(stdout, stderr)`` (two pipe ends it writes to; returns (pid, poll),
    poll() its exit status or None while it runs) and wait for it at most ``timeout`` seconds (None: no
    limit); its ``Ended``. The child's process group is killed and reaped on every way out of here."""
    (out, out_end), (err, err_end) = os.pipe(), os.pipe()
    pid, readers = None, ()
    with stopping_raises():
        try:
            try:
                pid, poll = start(out_end, err_end)
            finally:
                os.close(out_end)       # the child holds its own: the pipes end when it (and its group) does
                os.close(err_end)
            readers = Output(out), Output(err)      # they close the read ends
            status = wait(poll, timeout)
        finally:
            if not readers:
                os.close(out)
                os.close(err)
            if pid is not None:
                end_group(pid, poll)
    for reader in readers:          # a grandchild that left the group may hold a pipe open: wait a little
        reader.thread.join(2)
    return Ended(status, readers[0].size + readers[1].size, readers[1].lines())


class stopping_raises:
    """While in the block (in the main thread only: Python's rule for signals), the first SIGTERM or
    SIGHUP raises ``Terminated`` here, so that the block's ``finally`` ends the child (a second one
    waits for that); the handlers before it are restored after."""

    def __enter__(self):
        self.before, self.raised = {}, False
        if threading.current_thread() is threading.main_thread():
            for s in STOPPING:
                self.before[s] = signal.signal(s, self.raise_terminated)
        return self

    def raise_terminated(self, signum, frame):
        if not self.raised:
            self.raised = True
            raise Terminated(signum)

    def __exit__(self, *exc):
        for s, handler in self.before.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)


def wait(poll, timeout):
    """The child's exit status once ``poll()`` gives one; None when ``timeout`` seconds pass first."""
    deadline = None if timeout is None else time.monotonic() + timeout
    pause = 0.001
    while (status := poll()) is None:
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    return status


def end_group(pid, poll):
    """Kill the child's process group (the person's own subprocesses with it) and reap the child."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):    # no one left in it
        pass
    if poll() is None:      # not reaped yet, so the number is still our child's
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        while poll() is None:
            time.sleep(0.001)


# --- The two ways to start a child ----------------------------------------------------------------


def spawn(module, request, response, status):
    """A ``start`` for ``supervise``: a fresh Python running ``module.child(request, response, status)``
    (through ``main``)."""
    def start(stdout, stderr):
        process = subprocess.Popen([sys.executable, "-c", SPAWN, module, str(request), str(response), str(status),
                                    str(os.getpid())], stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                   env={**os.environ, **CHILD_ENV}, start_new_session=True)
        return process.pid, process.poll
    return start


def main(module, request, response, status, parent):
    """The spawned child: bound to its parent, limited, then ``module.child``; a ``sys.exit`` that
    escapes the person's calls is answered as such (an ``os._exit`` cannot be: the parent names it)."""
    prepared(int(parent))
    import importlib
    import pickle

    try:
        importlib.import_module(module).child(request, response, status)
    except SystemExit as e:
        Path(response).write_bytes(pickle.dumps({"error": exit_message(e, status)}))


def fork(body, response, status):
    """A ``start`` for ``supervise``: ``os.fork``, the child writing ``{"...": body(status)}``'s answer
    (a dict, pickled) to ``response``. The child never returns into the caller's code: it ends with
    ``os._exit``, whatever happens."""
    def start(stdout, stderr):
        parent = os.getpid()
        with warnings.catch_warnings():     # JAX warns of fork in its at-fork hook; the child runs NumPy only
            warnings.filterwarnings("ignore", "os.fork", RuntimeWarning)
            pid = os.fork()
        if pid == 0:                        # the child, its warning filters as they were
            os._exit(forked(body, response, status, stdout, stderr, parent))
        try:
            os.setpgid(pid, pid)        # here too, so that no kill can come before the child's own setpgid
        except OSError:
            pass
        return pid, Reaped(pid).poll
    return start


def forked(body, response, status, stdout, stderr, parent):
    """The forked child's whole life; its exit status."""
    import pickle

    try:
        os.setpgid(0, 0)
        for s in (signal.SIGINT, *STOPPING):
            signal.signal(s, signal.SIG_DFL)
        import faulthandler

        faulthandler.disable()      # pytest's would write into the parent's own stderr
        null = os.open(os.devnull, os.O_RDONLY)
        for fd, to in ((null, 0), (stdout, 1), (stderr, 2)):
            os.dup2(fd, to)
        # a notebook's sys.stdout is the kernel's socket: the person's prints go to the pipe instead
        sys.stdout, sys.stderr = (io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), line_buffering=True)
                                  for fd in (1, 2))
        if "matplotlib.pyplot" in sys.modules:     # a notebook's inline backend would draw through the kernel
            sys.modules["matplotlib.pyplot"].switch_backend("Agg")
        prepared(parent)
        try:
            answer = body(status)
        except SystemExit as e:
            answer = {"error": exit_message(e, status)}
        except BadInput as e:      # CannotVerify too: the person's input, said in the parent
            answer = {"error": str(e)}
        Path(response).write_bytes(pickle.dumps(answer))
        return 0
    except BaseException:       # noqa: B902 - ours: said on stderr, which the parent shows
        try:
            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:   # noqa: B902
            pass
        return 70
    finally:
        try:
            sys.stdout.flush()
        except BaseException:   # noqa: B902
            pass


class Reaped:
    """``poll()``: the exit status of the forked child ``pid`` (minus the signal that killed it), None
    while it runs; reaped once, then remembered."""

    def __init__(self, pid):
        self.pid, self.status = pid, None

    def poll(self):
        if self.status is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            self.status = os.waitstatus_to_exitcode(status) if done else None
        return self.status


def exit_message(error, status):
    """What a ``SystemExit`` that escaped the person's calls says: the code called sys.exit, while doing what."""
    doing = read(status) or "starting"
    return f"the code called sys.exit({error.code!r}) while {doing}; expected it to return, not to end the program"


def read(path):
    """The text of ``path`` (the status file), stripped; empty when it cannot be read."""
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


# --- In the child: bound to the parent, memory limited ---------------------------------------------


def prepared(parent):
    """The child's set-up before the person's code: killed when ``parent`` dies (Linux), and its
    address space limited (``limit_memory``)."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)    # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent:      # the parent died before the line above
            os._exit(1)
    limit_memory()


def limit_memory():
    """RLIMIT_AS: the process's size now plus half the memory free on the machine (at least 4 GiB: PyTorch and
    JAX imported by the person's file take about 2 GiB of addresses on the CPU alone), so
    that the person's code gets a MemoryError rather than the machine swapping; said in
    ``calls.MEMORY_LIMIT`` (bytes the code may add). Nothing where /proc cannot say."""
    try:
        size = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        # half of what is free: the other half keeps handgrad (holding PyTorch and JAX) and the machine
        # responsive while the code fills its share, which touching page by page takes seconds
        free = max(int(meminfo["MemAvailable"].split()[0]) * 1024 // 2, 4 << 30)
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = min(x for x in (size + free, soft, hard) if x != resource.RLIM_INFINITY)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError, KeyError, IndexError):
        return
    calls.MEMORY_LIMIT = limit - size if limit > size else None
