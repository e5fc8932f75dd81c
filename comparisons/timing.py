"""Timing one step of work: warm-up first, then repeats; the median and its spread.

The one timing implementation: ``handgrad bench`` and the speed section of ``handgrad report``
both time through ``time_step``. Compilation (``jax.jit`` ahead-of-time lowering, the first call
of ``torch.compile``) is timed on its own and never mixed into the step time. A step's result is
waited for inside the timed interval: ``wait(result)`` is ``jax.block_until_ready`` for JAX and
a device synchronisation for CUDA, so asynchronous work is counted where it is done.
"""

import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Seconds: median, quartiles and extremes of ``repeats`` steps after ``warmup``; compile time."""

    median: float
    p25: float
    p75: float
    min: float
    max: float
    repeats: int
    warmup: int
    compile: float = float("nan")


def time_step(step, repeats=10, warmup=2, compile=None, wait=None, clock=time.perf_counter):
    """Time ``step()``: ``compile()`` once (timed apart), ``warmup`` untimed calls, ``repeats`` timed.

    ``wait(result)``, when given, is called on every result of ``step()`` (and of ``compile()``)
    before the clock is read, so work a step leaves running (JAX, CUDA) is inside its interval.
    Returns a ``Timing``. ``repeats`` must be at least 1.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats={repeats}, warmup={warmup}; expected repeats >= 1 and warmup >= 0")
    wait = wait or (lambda result: result)
    compile_s = float("nan")
    if compile is not None:
        t0 = clock()
        wait(compile())
        compile_s = clock() - t0
    for _ in range(warmup):
        wait(step())
    samples = []
    for _ in range(repeats):
        t0 = clock()
        wait(step())
        samples.append(clock() - t0)
    q = statistics.quantiles(samples, n=4, method="inclusive") if len(samples) > 1 else samples * 3
    return Timing(statistics.median(samples), q[0], q[2], min(samples), max(samples),
                  repeats, warmup, compile_s)


@contextmanager
def thread_limits(threads):
    """Run the block with ``threads`` threads in every BLAS/OpenMP pool and in PyTorch's intra-op pool.

    BLAS pools (NumPy's OpenBLAS, ...) are limited with threadpoolctl; PyTorch with
    ``torch.set_num_threads``. Both are restored afterwards. Yields ``{pool: threads}`` as set.
    XLA's CPU pool (JAX) is fixed when JAX starts and is not changed here (see ``machine``).
    """
    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    if threads < 1:
        raise ValueError(f"threads={threads}; expected at least 1")
    before = torch.get_num_threads()
    with threadpool_limits(limits=threads):
        torch.set_num_threads(threads)
        try:
            yield {**{p["internal_api"]: p["num_threads"] for p in threadpool_info()},
                   "torch": torch.get_num_threads()}
        finally:
            torch.set_num_threads(before)
