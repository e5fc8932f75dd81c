"""The timing harness does what it promises, checked with a fake clock and cheap steps (no timing asserts);
the machine block reads the thread counts the timed code ran with."""

import os
import subprocess
import sys

import jax
import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info

from comparisons.bench import Subject, describe_machine, make_step, thread_limits, time_step, xla_threads


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def costed_step(clock, costs):
    """A step whose n-th call takes ``costs[n]`` seconds on ``clock``; records how often it ran."""
    calls = []

    def step():
        clock.advance(costs[len(calls)])
        calls.append(len(calls))
        return len(calls)

    return step, calls


def test_warmup_calls_are_run_and_not_timed():
    clock = FakeClock()
    step, calls = costed_step(clock, [100.0, 100.0, 1.0, 2.0, 3.0])
    t = time_step(step, repeats=3, warmup=2, clock=clock)
    assert len(calls) == 5
    assert (t.median, t.min, t.max) == (2.0, 1.0, 3.0)
    assert (t.repeats, t.warmup) == (3, 2)


def test_compile_is_timed_apart_from_the_steps():
    clock = FakeClock()
    step, calls = costed_step(clock, [1.0] * 4)
    t = time_step(step, repeats=4, warmup=0, compile=lambda: clock.advance(50.0), clock=clock)
    assert t.compile == 50.0
    assert t.max == 1.0 and len(calls) == 4


def test_no_compile_gives_nan():
    assert np.isnan(time_step(lambda: None, repeats=1, warmup=0).compile)


def test_results_are_waited_for_inside_the_timed_interval():
    """Asynchronous work (JAX, CUDA) ends in ``wait``: its time belongs to the step."""
    clock = FakeClock()
    waited = []

    def wait(result):
        clock.advance(3.0)
        waited.append(result)

    step, calls = costed_step(clock, [0.0] * 5)
    t = time_step(step, repeats=3, warmup=2, wait=wait, clock=clock)
    assert t.median == 3.0 and t.min == 3.0
    assert waited == [1, 2, 3, 4, 5]


def test_compile_result_is_waited_for_too():
    clock = FakeClock()
    waited = []
    time_step(lambda: "step", repeats=1, warmup=0, compile=lambda: "compiled", wait=waited.append, clock=clock)
    assert waited == ["compiled", "step"]


def test_quartiles_of_known_samples():
    clock = FakeClock()
    step, _ = costed_step(clock, [1.0, 2.0, 3.0, 4.0, 5.0])
    t = time_step(step, repeats=5, warmup=0, clock=clock)
    assert (t.p25, t.median, t.p75) == (2.0, 3.0, 4.0)


def test_one_repeat_has_equal_quartiles():
    clock = FakeClock()
    step, _ = costed_step(clock, [7.0])
    t = time_step(step, repeats=1, warmup=0, clock=clock)
    assert t.p25 == t.median == t.p75 == 7.0


@pytest.mark.parametrize("repeats, warmup", [(0, 1), (3, -1)])
def test_bad_repeats_or_warmup_raise(repeats, warmup):
    with pytest.raises(ValueError, match="repeats="):
        time_step(lambda: None, repeats=repeats, warmup=warmup)


@pytest.mark.parametrize("threads", [1, 2])
def test_thread_settings_are_applied_and_restored(threads):
    before = torch.get_num_threads()
    with thread_limits(threads) as applied:
        assert torch.get_num_threads() == threads
        assert all(p["num_threads"] == threads for p in threadpool_info() if p["user_api"] == "blas")
        assert applied["torch intra-op"] == threads and set(applied.values()) == {threads}
        assert any(pool.endswith("of numpy") for pool in applied)       # NumPy's BLAS among the pools read
    assert torch.get_num_threads() == before


def test_zero_threads_raise():
    with pytest.raises(ValueError, match="threads=0"):
        with thread_limits(0):
            pass


def test_jax_steps_wait_for_their_result(seed_net):
    """The jax.jit backend hands ``jax.block_until_ready`` to ``time_step``, and its results are ready after it."""
    X = np.random.default_rng(0).random((784, 8))
    Y = np.eye(10)[:, np.arange(8) % 10]
    subject = Subject(seed_net)
    step = make_step("jax.jit", subject, seed_net.init_params(0), X, Y, "forward")
    assert step.wait is jax.block_until_ready
    step.compile()
    result = step.wait(step.step())
    assert all(leaf.is_ready() for leaf in jax.tree_util.tree_leaves(result))


def test_the_machine_block_reads_the_threads_inside_the_limits():
    """Read after the limits ended, PyTorch would report its own default; inside, the count timed with."""
    threads = 1 if torch.get_num_threads() > 1 else 2
    before = torch.get_num_threads()
    block = describe_machine(threads)
    assert block["threads (PyTorch intra-op, torch.set_num_threads)"] == threads != before
    pools = block["threads (BLAS/OpenMP pools, set with threadpoolctl)"].split(", ")
    assert any(p.endswith(f"of numpy: {threads}") for p in pools) and all(p.endswith(f": {threads}") for p in pools)
    assert torch.get_num_threads() == before


def test_the_machine_block_names_each_blas_and_its_kernels():
    block = describe_machine(1)
    numpy_blas = next(p for p in threadpool_info() if p["user_api"] == "blas" and "numpy" in p["filepath"])
    assert f"numpy: {numpy_blas['internal_api']} {numpy_blas['version']}" in block["BLAS libraries"]
    assert f"CPU capability {torch.backends.cpu.get_cpu_capability()}" in block["BLAS libraries"]


XLA_IN_A_CHILD = """
import os
os.sched_setaffinity(0, {0})                       # one CPU for this process, before XLA starts
from comparisons.bench import machine
print(machine.xla_threads(), os.cpu_count())
"""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or os.cpu_count() < 2, reason="needs Linux and 2 cores")
def test_xla_threads_are_counted_not_assumed():
    """A process allowed one CPU gets a one-thread XLA pool, though the machine has more cores."""
    out = subprocess.run([sys.executable, "-c", XLA_IN_A_CHILD], capture_output=True, text=True, check=True)
    xla, cores = map(int, out.stdout.split())
    assert xla == 1 < cores
    assert describe_machine(1)["threads (JAX/XLA CPU)"].startswith(f"{xla_threads()}, counted")
