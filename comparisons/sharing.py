"""A report's checks shared between this process and worker processes, each taking the next part.

``handgrad report`` checks eleven models and 25 layers. The parts do not depend on each other, and on
one core their agreement, witness and plots take about a minute; on two cores a second process takes
half of them. ``run_parts(parts, jobs)`` returns each part's result (or the exception it raised) in the
parts' order, whoever computed it:

- this process and ``jobs - 1`` workers take parts in turn from one counter, kept here: a worker
  that is slow, or slow to start (a fresh Python imports NumPy, PyTorch and JAX: 2 to 3 s), takes
  fewer. A worker asks for its next part when it sends the last one's result, over a pipe that a
  thread here reads, so a worker never waits for this process's own work;
- workers are fresh interpreters running this module (``python -c``), not ``multiprocessing``'s
  spawn, which imports the caller's ``__main__`` again in every worker: a person's script that calls
  ``report.build`` at its top level, as scripts do, would run again there. A fork is no better:
  forking a process that has started PyTorch's or JAX's thread pools is unsafe;
- each worker runs with one BLAS thread, as this process does while they run: two processes on two
  cores, not four threads fighting for them. With one job the parts run on one BLAS thread too, so a
  report's numbers do not depend on ``jobs`` (a product split over threads may round differently);
- a worker never outlives handgrad: it is killed and reaped on every way ``run_parts`` ends (Ctrl-C,
  an error of ours), and on Linux the kernel kills it if handgrad itself dies (PR_SET_PDEATHSIG).
  A part a worker took but did not return (it died) is computed here;
- the speed section is not a part: it is timed afterwards, alone, on a quiet machine.

A part is a picklable object with ``name`` and ``run()``, importable by the worker (which is given
this process's ``sys.path``); what ``run()`` returns must pickle too. A part that does not pickle is
computed here.
"""

import os
import queue
import sys
import threading
import traceback
from dataclasses import dataclass

MAX_JOBS = 4           # each worker imports the frameworks again (2-3 s of CPU, about 0.5 GB)
PARTS_PER_WORKER = 4   # fewer parts than this per process: starting a worker costs more than it saves


def usable_cores():
    """The cores this process may run on (its affinity), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


def default_jobs(n_parts):
    """Processes worth starting for ``n_parts`` parts: one per usable core, at most ``MAX_JOBS``, and no
    more than one per ``PARTS_PER_WORKER`` parts (a short report stays in this process)."""
    return max(1, min(usable_cores(), MAX_JOBS, n_parts // PARTS_PER_WORKER))


@dataclass(frozen=True)
class Failed:
    """A part's exception, with the traceback of the process that raised it (a worker's, as text)."""

    error: BaseException
    trace: str

    def reraise(self):
        """Raise the part's exception here, its remote traceback chained as the cause."""
        raise self.error from RemoteTraceback(self.trace)


class RemoteTraceback(Exception):
    """The traceback of a part that failed in a worker, shown under the exception raised here."""

    def __str__(self):
        return "\n" + self.args[0]


def run_part(part):
    """``part.run()``, or ``Failed`` holding what it raised (an ``Exception``; Ctrl-C propagates)."""
    try:
        return part.run()
    except Exception as e:   # noqa: BLE001 - handed to the caller, who decides (report: a failed section)
        return Failed(picklable(e), traceback.format_exc())


def picklable(error):
    """``error`` when it pickles, else a RuntimeError with its type and message (a worker sends it)."""
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:   # noqa: BLE001 - any failure to pickle: keep the words
        return RuntimeError(f"{type(error).__name__}: {error}")


WORKER = "import sys; from comparisons.sharing import worker; worker(int(sys.argv[1]), int(sys.argv[2]))"


def worker(read_fd, write_fd):
    """A worker's whole life (in a fresh interpreter started with ``WORKER``): receive the parent's
    ``sys.path``, then the parts; then, until told None, send ``(index, result)`` of the last part
    (``(None, None)`` at first) and receive the index of the next."""
    from multiprocessing.connection import Connection

    from threadpoolctl import threadpool_limits

    die_with_parent()
    receive, send = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    try:
        sys.path[:] = receive.recv()          # before the parts: unpickling them imports their modules
        try:
            parts = receive.recv()
        except Exception:   # noqa: BLE001 - a part's module that does not import here: the parent computes it
            return
        with threadpool_limits(limits=1):
            send.send((None, None))
            while (k := receive.recv()) is not None:
                send.send((k, run_part(parts[k])))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):   # Ctrl-C (the parent handles it), or it ended us
        pass
    finally:
        receive.close()
        send.close()


def die_with_parent():
    """On Linux, ask the kernel to kill this process when its parent dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
        except (OSError, AttributeError):     # no prctl: the parent's finally still ends us
            pass


def run_parts(parts, jobs=None, done=None):
    """Each part's ``run()`` result, or its ``Failed``, in ``parts``' order.

    ``jobs``: processes in all, this one included (default ``default_jobs``); with 1 everything runs
    here. A part that does not pickle (a model built on a person's file in a notebook, say) is computed
    here, first, while the workers start. ``done(part)`` is called here as each part finishes, in any
    order (a progress bar).
    """
    parts = list(parts)
    shared = [i for i, part in enumerate(parts) if pickles(part)]
    jobs = default_jobs(len(shared)) if jobs is None else max(1, min(jobs, len(shared)))
    if jobs == 1:
        from threadpoolctl import threadpool_limits

        results = []
        with threadpool_limits(limits=1):      # as in the shared case: the same numbers whatever ``jobs``
            for part in parts:
                results.append(run_part(part))
                if done:
                    done(part)
        return results
    return Shared(parts, shared, jobs - 1, done).run()


def pickles(part):
    import pickle

    try:
        pickle.dumps(part)
        return True
    except Exception:   # noqa: BLE001 - any reason at all: the part stays in this process
        return False


class Shared:
    """Parts shared between this process and ``n_workers`` worker processes (see the module); ``shared``:
    the indices of the parts that may go to a worker (they pickle), the others are this process's."""

    def __init__(self, parts, shared, n_workers, done):
        self.parts, self.shared, self.done = parts, shared, done
        self.next, self.lock = 0, threading.Lock()    # the next of ``shared`` to take, by anyone
        self.results = {}
        self.arrived = queue.Queue()        # (k, result) of shared[k], or (None, None) when a worker ends
        self.n_workers, self.ended, self.finished = n_workers, 0, False
        self.processes, self.readers = [], []

    def take(self):
        """The next index into ``shared``, or None when every part is taken."""
        with self.lock:
            if self.next >= len(self.shared):
                return None
            self.next += 1
            return self.next - 1

    def run(self):
        from threadpoolctl import threadpool_limits

        try:
            self.start()
            with threadpool_limits(limits=1):
                for i in sorted(set(range(len(self.parts))) - set(self.shared)):   # ours alone
                    self.keep(i, run_part(self.parts[i]))
                    self.collect(block=False)
                while (k := self.take()) is not None:
                    self.keep(self.shared[k], run_part(self.parts[self.shared[k]]))
                    self.collect(block=False)
            self.collect(block=True)
            # a part a worker took and never returned (the worker died): computed here
            for i in (i for i in range(len(self.parts)) if i not in self.results):
                self.keep(i, run_part(self.parts[i]))
            self.finished = True
        finally:
            self.end()
        return [self.results[i] for i in range(len(self.parts))]

    def start(self):
        import subprocess
        from multiprocessing.connection import Connection

        given = [self.parts[i] for i in self.shared]
        for _ in range(self.n_workers):
            to_worker, from_worker = os.pipe(), os.pipe()       # (read, write) each
            process = subprocess.Popen([sys.executable, "-c", WORKER, str(to_worker[0]), str(from_worker[1])],
                                       pass_fds=(to_worker[0], from_worker[1]), stdin=subprocess.DEVNULL)
            os.close(to_worker[0])
            os.close(from_worker[1])     # ours closed: the pipe ends (EOFError) when the worker's end does
            send = Connection(to_worker[1], readable=False)
            receive = Connection(from_worker[0], writable=False)
            self.processes.append((process, send, receive))
            send.send(sys.path)
            send.send(given)     # a few kB: the pipe holds it while the worker starts
            reader = threading.Thread(target=self.serve, args=(send, receive), daemon=True,
                                      name="handgrad-report-worker-reader")
            reader.start()
            self.readers.append(reader)

    def serve(self, send, receive):
        """A reader thread, one per worker: each result it sends is kept, and answered with the next part's
        index (None: none left); (None, None) goes to ``arrived`` when the worker's pipe ends."""
        try:
            while True:
                k, result = receive.recv()
                if k is not None:
                    self.arrived.put((k, result))
                send.send(self.take())
        except (EOFError, OSError):
            pass
        finally:
            self.arrived.put((None, None))

    def keep(self, i, result):
        self.results[i] = result
        if self.done:
            self.done(self.parts[i])

    def collect(self, block):
        """Results that have arrived; with ``block``, wait until every worker's pipe has ended."""
        while self.ended < self.n_workers:
            try:
                k, result = self.arrived.get(block=block)
            except queue.Empty:
                break
            if k is None:
                self.ended += 1
            else:
                self.keep(self.shared[k], result)

    def end(self):
        """Every worker reaped: given a moment to exit when all went well, killed at once otherwise (an
        error of ours, Ctrl-C); then the pipes closed."""
        for process, send, receive in self.processes:
            if self.finished:
                try:
                    process.wait(timeout=5)
                except Exception:   # noqa: BLE001 - still running: killed below
                    pass
            if process.poll() is None:
                process.kill()
            process.wait()
            send.close()
        for r in self.readers:
            r.join(timeout=5)
        for _, _, receive in self.processes:
            receive.close()
