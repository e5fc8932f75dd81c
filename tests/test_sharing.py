"""A report's checks shared between processes (comparisons/sharing.py): the same results in the same
order whoever computes them, a part's error kept with its traceback, a dead worker's part computed here,
and no worker left running."""

import multiprocessing
import os
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from comparisons import report as reports
from comparisons import sharing
from comparisons.catalogue import get
from comparisons.layer_reports import chosen
from comparisons.sharing import Failed, run_parts

@dataclass(frozen=True)
class Gram:
    """A part: the Gram matrix of a seeded random matrix, and the pid of the process that computed it;
    ``pause`` seconds long, so that a worker, which takes a second or two to start, gets some."""

    seed: int
    pause: float = 0.0

    @property
    def name(self):
        return f"gram {self.seed}"

    def run(self):
        time.sleep(self.pause)
        A = np.random.default_rng(self.seed).standard_normal((40, 30))
        return A.T @ A, os.getpid()


@dataclass(frozen=True)
class Raises:
    name: str = "raises"

    def run(self):
        raise ValueError("a part's own error, in its own words")


@dataclass(frozen=True)
class DiesInWorker:
    """Ends a worker's process outright, as a crash would; in the process that made it, it computes."""

    parent: int
    name: str = "dies in a worker"

    def run(self):
        if os.getpid() != self.parent:
            os._exit(7)
        return "computed by the parent"


def parts(n, pause=0.0):
    return [Gram(seed, pause) for seed in range(n)]


def test_one_job_computes_every_part_here_in_order():
    results = run_parts(parts(5), jobs=1)
    assert [pid for _, pid in results] == [os.getpid()] * 5
    np.testing.assert_array_equal(results[3][0], Gram(3).run()[0])


@pytest.mark.slow
def test_two_jobs_give_the_same_results_in_the_same_order_and_leave_no_process():
    seen = []
    results = run_parts(parts(16, pause=0.3), jobs=2, done=lambda part: seen.append(part.name))
    alone = run_parts(parts(16), jobs=1)
    for (G, _), (G1, _) in zip(results, alone):
        np.testing.assert_array_equal(G, G1)
    assert sorted(seen) == sorted(p.name for p in parts(16))     # every part reported done, once
    assert len({pid for _, pid in results}) == 2                 # this process and the worker both took parts
    assert multiprocessing.active_children() == []


@pytest.mark.slow
def test_a_part_that_raises_comes_back_failed_with_its_traceback():
    results = run_parts([*parts(8, pause=0.3), Raises()], jobs=2)
    failed = results[-1]
    assert isinstance(failed, Failed) and isinstance(failed.error, ValueError)
    assert "a part's own error" in str(failed.error) and "def run" not in failed.trace
    assert 'raise ValueError("a part\'s own error' in failed.trace        # the line that raised
    with pytest.raises(ValueError, match="in its own words") as raised:
        failed.reraise()
    assert isinstance(raised.value.__cause__, sharing.RemoteTraceback)


def test_a_part_that_raises_here_is_failed_too():
    (failed,) = run_parts([Raises()], jobs=1)
    assert isinstance(failed, Failed) and "Traceback" in failed.trace


@pytest.mark.slow
def test_a_part_whose_worker_died_is_computed_here():
    seen = []
    results = run_parts([*parts(10, pause=0.3), *[DiesInWorker(os.getpid())] * 4], jobs=2,
                        done=lambda part: seen.append(part.name))
    assert results[10:] == ["computed by the parent"] * 4
    assert len({pid for _, pid in results[:10]}) == 2         # the worker took parts before it died
    assert all(isinstance(r, tuple) for r in results[:10])
    assert multiprocessing.active_children() == []


def test_parts_that_do_not_pickle_alone_stay_in_this_process():
    @dataclass(frozen=True)
    class Local:           # defined in a function: it does not pickle, so no worker could take it
        name: str = "local"

        def run(self):
            return os.getpid()

    assert run_parts([Local()] * 8, jobs=2) == [os.getpid()] * 8


@pytest.mark.slow
def test_parts_that_do_not_pickle_are_computed_here_and_the_others_shared():
    @dataclass(frozen=True)
    class Local:
        name: str = "local"

        def run(self):
            return "here", os.getpid()

    results = run_parts([Local(), *parts(12, pause=0.3), Local()], jobs=2)
    assert results[0] == results[-1] == ("here", os.getpid())
    for seed, (G, _) in enumerate(results[1:-1]):
        np.testing.assert_array_equal(G, Gram(seed).run()[0])
    assert len({pid for _, pid in results}) == 2
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("n_parts, cores, expected", [(1, 8, 1), (7, 8, 1), (8, 2, 2), (36, 2, 2), (36, 16, 4),
                                                      (36, 1, 1)])
def test_default_jobs_one_per_core_when_there_is_enough_to_share(monkeypatch, n_parts, cores, expected):
    monkeypatch.setattr(sharing, "usable_cores", lambda: cores)
    assert sharing.default_jobs(n_parts) == expected


@pytest.mark.slow
def test_a_report_shared_by_two_processes_is_the_report_of_one():
    models = [get("linear_regression"), get("svm")]
    layers = chosen(["affine", "batchnorm"])
    shared = reports.build(models, speed=False, progress=False, layers=layers, jobs=2)
    alone = reports.build(models, speed=False, progress=False, layers=layers, jobs=1)
    assert shared.agreement.equals(alone.agreement)            # bit for bit
    assert [s.title for s in shared.sections] == [s.title for s in alone.sections]
    for a, b in zip(shared.sections, alone.sections):
        # the verdicts and every non-number; the numbers only to rounding: the closed form's lstsq results
        # differ in their last bits between two calls in one process (its first call, the second)
        assert a.table.shape == b.table.shape and a.ok == b.ok, a.title
        text = [c for c in a.table if not pd.api.types.is_float_dtype(a.table[c])]
        assert a.table[text].equals(b.table[text]), a.title
    assert shared.figures.keys() == alone.figures.keys()
    assert multiprocessing.active_children() == []


def test_every_part_of_the_default_report_can_go_to_a_worker():
    from comparisons.catalogue import CATALOGUE

    default = ([reports.ModelPart(get(name), ("float64", "float32"), 0, True) for name in CATALOGUE]
               + [reports.LayerPart(run, ("float64", "float32"), 0, True) for run in reports.by_module(chosen(None))])
    assert [p.name for p in default if not sharing.pickles(p)] == []


SCRIPT = """
from comparisons import report
from comparisons.catalogue import get
from comparisons.layer_reports import chosen

# at the top level, as scripts are written: a worker must not run this file again
print("the script ran")
result = report.build([get("linear_regression")], speed=False, progress=False, witness=False,
                      layers=chosen(["affine", "relu", "tanh"]), jobs=2)
print("agrees" if result.all_agree else "disagrees")
"""


@pytest.mark.slow
def test_a_script_that_builds_a_report_at_its_top_level_runs_once(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "my_report.py"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["the script ran", "agrees"]
    assert "Traceback" not in done.stderr


def children_of(pid):
    """The pids whose parent is ``pid``, from /proc."""
    from pathlib import Path

    found = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(status.parent.name))
    return found


def running(pid):
    """Whether ``pid`` exists and is not a zombie (dead, waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads the process table from /proc")
@pytest.mark.parametrize("signum, statuses", [("SIGINT", (130,)), ("SIGTERM", (143, -15))])
def test_a_stopped_report_leaves_no_worker(tmp_path, signum, statuses):
    import signal
    import subprocess
    import sys

    handgrad = subprocess.Popen([sys.executable, "-m", "comparisons.cli", "report", "--no-speed", "--jobs", "2",
                                 "--out", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (workers := children_of(handgrad.pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert workers, "no worker started"
        time.sleep(2)                                   # the worker is at work
        if signum == "SIGINT":
            os.killpg(handgrad.pid, signal.SIGINT)      # Ctrl-C: the terminal signals the whole group
        else:
            handgrad.send_signal(signal.SIGTERM)        # handgrad alone
        handgrad.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(map(running, workers)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [w for w in workers if running(w)]
        assert handgrad.returncode in statuses          # -15: ended by the signal (a shell shows 143)
        assert not list(tmp_path.glob("*.csv"))         # nothing half-written
    finally:
        if handgrad.poll() is None:
            handgrad.kill()
            handgrad.wait()


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads the process table from /proc")
def test_the_speed_rows_are_timed_after_every_worker_has_ended(monkeypatch):
    timed_beside = []

    def speed_rows(model, *args, **kwargs):
        timed_beside.append([w for w in children_of(os.getpid()) if running(w)])
        return [dict(backend="manual NumPy", median_ms=1.0, threads=1)]

    monkeypatch.setattr("comparisons.bench.speed_rows", speed_rows)
    models = [get("linear_regression"), get("logistic_regression")]
    rep = reports.build(models, progress=False, witness=False, layers=chosen(["affine", "relu", "tanh"]), jobs=2)
    assert timed_beside == [[], []] and len(rep.speed) == 2


def test_a_report_shares_its_layers_by_module_in_their_order():
    runs = reports.by_module(chosen(["makemore", "makemore_fused", "affine", "relu", "batchnorm"]))
    assert [[layer.name for layer in run] for run in runs] == [["makemore", "makemore_fused"], ["affine", "relu"],
                                                              ["batchnorm"]]
