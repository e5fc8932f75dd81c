"""Timing one step of work: warm-up first, then repeats; the median and its spread.

The one timing implementation: ``handgrad bench``, the speed section of ``handgrad report`` and
the machine's rates (``floor``) all time through ``time_step``. Compilation (``jax.jit``
ahead-of-time lowering, the first call of ``torch.compile``) is timed on its own and never mixed
into the step time. A step's result is waited for inside the timed interval: ``wait(result)`` is
``jax.block_until_ready`` for JAX and a device synchronisation for CUDA, so asynchronous work is
counted where it is done. The threads a step runs on are set by ``machine.thread_limits``.
"""

import statistics
import time
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
    Returns a ``Timing``; the quartiles are the inclusive ones of the ``repeats`` samples (all
    three equal the one sample when ``repeats`` is 1). ``repeats`` must be at least 1.
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
