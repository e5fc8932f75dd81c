"""Timing one step of work: warm-up first, then repeats; the median and its spread.

Compilation (``jax.jit`` ahead-of-time lowering) is timed on its own and never mixed into the
step time. Steps must return only when their work is done: JAX steps block on their result.
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


def time_step(step, repeats=10, warmup=2, compile=None, clock=time.perf_counter):
    """Time ``step()``: ``compile()`` once (timed apart), ``warmup`` untimed calls, ``repeats`` timed.

    Returns a ``Timing``. ``repeats`` must be at least 1.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats={repeats}, warmup={warmup}; expected repeats >= 1 and warmup >= 0")
    compile_s = float("nan")
    if compile is not None:
        t0 = clock()
        compile()
        compile_s = clock() - t0
    for _ in range(warmup):
        step()
    samples = []
    for _ in range(repeats):
        t0 = clock()
        step()
        samples.append(clock() - t0)
    q = statistics.quantiles(samples, n=4, method="inclusive") if len(samples) > 1 else samples * 3
    return Timing(statistics.median(samples), q[0], q[2], min(samples), max(samples),
                  repeats, warmup, compile_s)
