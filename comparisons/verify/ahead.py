"""The autograd references of verify's batches, computed ahead, beside the main thread's work: the
results are those of ``comparisons.sources.run_autograd``, computed by it, only elsewhere.

PyTorch's in a child process (``torch_references``). Importing PyTorch takes 1.7-2 s of a verdict
(more than JAX's import, the person's code and the witness together), and its references need
nothing of this process but the model and the batches. So, once verify knows them, a fork of this
process, which has not imported PyTorch, imports it and computes each batch's ``Result``, and sends
them back pickled over a pipe, while this process runs the person's code, imports JAX and computes
JAX's references and the witness's: two cores, two streams. The child follows the rules of the person's
(``children``): it is killed and reaped on every way the block ends (an answer taken, an error,
Ctrl-C, SIGTERM or SIGHUP, which raise ``children.Terminated`` while the block runs), and killed by
the kernel if handgrad itself is (PR_SET_PDEATHSIG). An error in it is raised here, the same
exception with the child's traceback as its cause: ours (exit 3) unless it is the user's input's.
Where PyTorch is imported already (a notebook, the tests), or there is no fork, or it fails, the
results are computed here, on first asking: the import the child would save is done, and a fork
of a process that has run PyTorch's thread pools could hang in them.

JAX's in a thread (``JaxReferences``): compiling JAX's gradient for each batch's shapes takes about
0.2 s (three shapes in a verdict), and XLA compiles and runs outside Python's lock, so the thread and
the main one share the cores. The thread ends before ``verify`` returns (the context manager waits
for it), so that no later fork of this process (verify's child for a function) inherits a thread
half-way through its work. The frameworks' imports are not moved to a thread: an interrupted
handgrad would end with that thread half-way through an import.
"""

import os
import pickle
import signal
import sys
import traceback
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from comparisons.sources import run_autograd
from comparisons.verify import children


def autograd_result(model, source, case):
    """``run_autograd``'s ``Result`` of ``source`` ("torch", "jax") on ``case``."""
    return run_autograd(model, source, case.params, case.X, case.Y)


def torch_references(model, cases):
    """PyTorch's ``Result`` of each of ``cases``: computed in a child process started by the block
    (``InChild``), or here when PyTorch is imported already or this platform has no fork (``Here``)."""
    compute = partial(autograd_result, model, "torch")
    if "torch" in sys.modules or not hasattr(os, "fork"):
        return Here(compute)
    return InChild(compute, cases)


class Here:
    """``compute(case)`` in this process, on first asking, kept; ``result(case)`` as ``InChild``'s."""

    def __init__(self, compute):
        self.compute, self.found = compute, {}

    def result(self, case):
        if case.name not in self.found:
            self.found[case.name] = self.compute(case)
        return self.found[case.name]

    def close(self):
        """Nothing runs elsewhere: nothing to end."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


class ChildTraceback(Exception):
    """The traceback of an error in the child, as the cause of the same error raised here."""

    def __str__(self):
        return "\n" + self.args[0]


class InChild:
    """``compute(case)`` of every one of ``cases`` (a picklable result, by case name), in a fork of this
    process started when the block begins; ``result(case)`` waits for them all (one message, at the end:
    they take a fraction of a second once the import is done). The block's end kills and reaps the child,
    whatever happened; ``close()`` does so before (the results are not wanted after all). Where the
    fork fails, ``compute`` runs here on first asking."""

    def __init__(self, compute, cases):
        self.compute, self.cases = compute, list(cases)
        self.pid, self.pipe, self.found, self.here = None, None, None, None

    def __enter__(self):
        self.stopping = children.stopping_raises().__enter__()
        try:
            self.start()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, *exc):
        try:
            self.close()
        finally:
            self.stopping.__exit__(*exc)

    def start(self):
        read_end, write_end = os.pipe()
        parent = os.getpid()
        try:
            with warnings.catch_warnings():     # JAX warns of fork in its at-fork hook; the child runs PyTorch only
                warnings.filterwarnings("ignore", "os.fork", RuntimeWarning)
                pid = os.fork()
        except OSError:             # no process to be had (a limit on processes, on memory): here instead
            os.close(read_end)
            os.close(write_end)
            self.here = Here(self.compute)
            return
        if pid == 0:
            os._exit(self.child(read_end, write_end, parent))
        self.pid, self.pipe = pid, read_end
        os.close(write_end)         # the child holds its own: the pipe ends when it does

    def child(self, read_end, write_end, parent):
        """The child's whole life: bound to ``parent``, quiet, the results computed and written; its exit
        status. It never returns into the caller's code (``os._exit`` above)."""
        try:
            for s in (signal.SIGINT, *children.STOPPING):   # the parent's handlers raise; here a signal ends it
                signal.signal(s, signal.SIG_DFL)
            bound_to(parent)
            os.close(read_end)
            import faulthandler

            faulthandler.disable()      # pytest's would write into the parent's own stderr
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)            # stderr stays the parent's: PyTorch's warnings reach the person, as before
            try:
                answer = {"results": {case.name: self.compute(case) for case in self.cases}}
            except Exception as e:      # noqa: BLE001 - raised in the parent, with this traceback as its cause
                answer = {"error": e, "traceback": traceback.format_exc()}
            try:
                message = pickle.dumps(answer)
            except Exception:           # noqa: BLE001 - an error that does not pickle: said as text
                error = answer.get("error")
                message = pickle.dumps({"error": RuntimeError(f"{type(error).__name__}: {error}"),
                                        "traceback": answer.get("traceback") or traceback.format_exc()})
            with open(write_end, "wb", closefd=True) as pipe:
                pipe.write(message)
            return 0
        except BaseException:   # noqa: B902 - the parent names a child that ended without an answer
            return 70

    def result(self, case):
        """The child's result on ``case``, waiting for the child's answer the first time."""
        if self.here is not None:
            return self.here.result(case)
        if self.found is None:
            self.found = self.receive()
        return self.found[case.name]

    def receive(self):
        """The child's answer read to its end, the child reaped: its results; its error raised here."""
        if self.pipe is None:
            raise RuntimeError("the child computing PyTorch's references was closed before its answer was read")
        with open(self.pipe, "rb", closefd=True) as pipe:
            self.pipe = None
            message = pipe.read()
        status = self.reap()
        try:
            answer = pickle.loads(message)
        except Exception:       # noqa: BLE001 - cut short: the child died while writing, or before
            raise RuntimeError(f"the child computing PyTorch's references ended without an answer "
                               f"({children.Ended(status, 0, '').said()})") from None
        if "error" in answer:
            raise answer["error"] from ChildTraceback(answer["traceback"])
        return answer["results"]

    def reap(self):
        """Wait for the child (it has ended, or is ending); its exit status (minus a signal's number)."""
        try:
            status = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        except ChildProcessError:       # reaped already
            status = None
        self.pid = None                 # only once reaped: a signal while waiting leaves it to ``close``
        return status

    def close(self):
        """Kill the child if it still runs and reap it; then close the pipe (not before: a child still writing
        would meet a closed pipe). Called by the block's end."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.reap()
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None


def bound_to(parent):
    """In a child: killed by the kernel when its parent dies (Linux's PR_SET_PDEATHSIG), and ended now
    if the parent died before that was set (``children.prepared`` does the same, with a memory limit)."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)    # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent:
            os._exit(1)


class JaxReferences:
    """JAX's ``Result`` of each batch, computed in one thread in the batches' order; ``result(case)``
    waits for that batch's. Use as a context manager: leaving it waits for the thread."""

    def __init__(self, model, cases):
        import reference.jax_ad.autograd  # noqa: F401  (imported here, in the main thread: see the module)

        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="handgrad-jax")
        self.futures = {case.name: self.pool.submit(autograd_result, model, "jax", case) for case in cases}

    def result(self, case):
        return self.futures[case.name].result()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.pool.shutdown(wait=True, cancel_futures=True)
