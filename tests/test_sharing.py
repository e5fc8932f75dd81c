"""A report's checks shared between processes (comparisons/sharing.py): the same results in the same
order whoever computes them, a part's error kept with its traceback, a dead worker's part computed here,
and no worker left running."""

import multiprocessing
import os
import time
from dataclasses import dataclass

import numpy as np
import pytest

from comparisons import report as reports
from comparisons import sharing
from comparisons.catalogue import get
from comparisons.layer_reports import chosen
from comparisons.sharing import Failed, run_parts

PARENT = os.getpid()


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
    """Ends a worker's process outright, as a crash would; in the parent it computes normally."""

    name: str = "dies in a worker"

    def run(self):
        if os.getpid() != PARENT:
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
    results = run_parts([*parts(10, pause=0.3), *[DiesInWorker()] * 4], jobs=2)
    assert results[10:] == ["computed by the parent"] * 4
    assert all(isinstance(r, tuple) for r in results[:10])
    assert multiprocessing.active_children() == []


def test_parts_that_do_not_pickle_stay_in_this_process():
    @dataclass(frozen=True)
    class Local:           # defined in a function: a worker could not unpickle it
        name: str = "local"

        def run(self):
            return os.getpid()

    assert run_parts([Local()] * 8, jobs=2) == [os.getpid()] * 8


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
    assert shared.agreement.equals(alone.agreement)
    assert [s.title for s in shared.sections] == [s.title for s in alone.sections]
    for a, b in zip(shared.sections, alone.sections):
        assert a.table.equals(b.table), a.title
    assert shared.figures.keys() == alone.figures.keys()
    assert multiprocessing.active_children() == []
