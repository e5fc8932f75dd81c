"""A report's checks shared between this process and spawned workers, each taking the next part.

``handgrad report`` checks eleven models and 25 layers. The parts do not depend on each other, and on
one core their agreement, witness and plots take about a minute; on two cores a second process takes
half of them. ``run_parts(parts, jobs)`` returns each part's result (or the exception it raised) in the
parts' order, whoever computed it:

- this process and ``jobs - 1`` workers take parts in turn from one shared counter, so a worker
  that is slow, or slow to start (a fresh Python imports NumPy, PyTorch and JAX: 2 to 3 s), takes
  fewer; results come back over a pipe, read by a thread here so that a worker never waits for us;
- workers are fresh interpreters (``spawn``): forking a process that has started PyTorch's or JAX's
  thread pools is unsafe. Each runs with one BLAS thread, as this process does while they run: two
  processes on two cores, not four threads fighting for them;
- a worker never outlives handgrad: it is killed and reaped on every way ``run_parts`` ends (Ctrl-C,
  an error of ours), and on Linux the kernel kills it if handgrad itself dies (PR_SET_PDEATHSIG).
  A part a worker took but did not return (it died) is computed here;
- the speed section is not a part: it is timed afterwards, alone, on a quiet machine.

A part is a picklable object with ``name`` and ``run()``; what ``run()`` returns must pickle too.
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


def take(counter, n):
    """The next part's index from the shared counter, or None when every part is taken."""
    with counter.get_lock():
        i = counter.value
        if i >= n:
            return None
        counter.value = i + 1
        return i


def worker(parts, counter, conn):
    """A worker's whole life: take parts until none is left, sending ``(index, result)`` for each."""
    from threadpoolctl import threadpool_limits

    die_with_parent()
    try:
        with threadpool_limits(limits=1):
            while (i := take(counter, len(parts))) is not None:
                conn.send((i, run_part(parts[i])))
    except KeyboardInterrupt:   # Ctrl-C reaches the whole process group: the parent handles it
        pass
    finally:
        conn.close()


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

    ``jobs``: processes in all, this one included (default ``default_jobs``); 1, or parts that do not
    pickle, runs everything here. ``done(part)`` is called here as each part finishes, in any order
    (a progress bar).
    """
    parts = list(parts)
    jobs = default_jobs(len(parts)) if jobs is None else max(1, min(jobs, len(parts)))
    if jobs > 1 and not pickles(parts):
        jobs = 1
    if jobs == 1:
        results = []
        for part in parts:
            results.append(run_part(part))
            if done:
                done(part)
        return results
    return Shared(parts, jobs - 1, done).run()


def pickles(parts):
    import pickle

    try:
        pickle.dumps(parts)
        return True
    except Exception:   # noqa: BLE001 - e.g. a model built on a person's file: it stays in this process
        return False


class Shared:
    """Parts shared between this process and ``n_workers`` spawned workers (see the module)."""

    def __init__(self, parts, n_workers, done):
        import multiprocessing

        self.parts, self.done = parts, done
        self.context = multiprocessing.get_context("spawn")
        self.counter = self.context.Value("i", 0)
        self.results = {}
        self.arrived = queue.Queue()        # (index, result), or (None, None) when a worker's pipe ends
        self.n_workers, self.ended, self.finished = n_workers, 0, False
        self.processes, self.readers = [], []

    def run(self):
        from threadpoolctl import threadpool_limits

        try:
            self.start()
            with threadpool_limits(limits=1):
                while (i := take(self.counter, len(self.parts))) is not None:
                    self.keep(i, run_part(self.parts[i]))
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
        for _ in range(self.n_workers):
            receive, send = self.context.Pipe(duplex=False)
            process = self.context.Process(target=worker, args=(self.parts, self.counter, send), daemon=True,
                                           name="handgrad-report-worker")
            process.start()
            send.close()            # ours: the pipe ends (EOFError) when the worker's end closes
            reader = threading.Thread(target=self.read, args=(receive,), daemon=True)
            reader.start()
            self.processes.append(process)
            self.readers.append(reader)

    def read(self, conn):
        """A reader thread: everything one worker sends, then (None, None) when its pipe ends."""
        try:
            while True:
                self.arrived.put(conn.recv())
        except (EOFError, OSError):
            pass
        finally:
            conn.close()
            self.arrived.put((None, None))

    def keep(self, i, result):
        self.results[i] = result
        if self.done:
            self.done(self.parts[i])

    def collect(self, block):
        """Results that have arrived; with ``block``, wait until every worker's pipe has ended."""
        while self.ended < self.n_workers:
            try:
                i, result = self.arrived.get(block=block)
            except queue.Empty:
                break
            if i is None:
                self.ended += 1
            else:
                self.keep(i, result)

    def end(self):
        """Every worker reaped: given a moment to exit when all went well, killed at once otherwise (an
        error of ours, Ctrl-C)."""
        for p in self.processes:
            if self.finished:
                p.join(timeout=5)
            if p.is_alive():
                p.kill()
            p.join()
        for r in self.readers:
            r.join(timeout=5)
