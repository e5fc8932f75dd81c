"""Rows of a speed table: every backend's step timed with ``comparisons.timing.time_step``.

One row per (dtype, m, kind, backend): median and quartiles in ms after the warm-up, compile
time in s in its own column, the bytes and FLOPs the step must move and compute, the machine's
floor and the row's ratio to it, and the ratio to the literal manual row of the same size. A
backend that fails (``torch.compile`` without a compiler, say) gets a row saying so.
"""

import math

import numpy as np

from comparisons.bench import backends as bk
from comparisons.bench import floor
from comparisons.timing import thread_limits, time_step

NAN = float("nan")


def time_row(subject, params, X, Y, kind, backend, repeats, warmup, threads=1):
    """{device, median_ms, ..., compile_s, status} of one backend's step; failures in ``status``."""
    try:
        s = bk.make_step(backend, subject, params, X, Y, kind, threads)
        t = time_step(s.step, repeats=repeats, warmup=warmup, compile=s.compile, wait=s.wait)
    except Exception as e:  # reported in the row: one backend's failure must not end the bench
        first = str(e).splitlines()[0][:160] if str(e) else ""
        return dict(device="gpu" if backend in bk.GPU_BACKENDS else "cpu", median_ms=NAN, p25_ms=NAN,
                    p75_ms=NAN, min_ms=NAN, max_ms=NAN, compile_s=NAN, status=f"failed: {type(e).__name__}: {first}")
    return dict(device=s.device, median_ms=1e3 * t.median, p25_ms=1e3 * t.p25, p75_ms=1e3 * t.p75,
                min_ms=1e3 * t.min, max_ms=1e3 * t.max, compile_s=t.compile, status="ok")


def floor_columns(subject, m, X, Y, kind, rates):
    """{MB_moved, GFLOP, floor_ms, bound} of a step, from the shapes and the measured ``rates``."""
    n_bytes, flops = floor.traffic(subject.param_shapes(), m, X.shape[0], Y.shape[0], X.dtype.itemsize, kind)
    cols = dict(MB_moved=n_bytes / 1e6, GFLOP=flops / 1e9, floor_ms=NAN, bound="")
    if rates is not None and X.dtype.name in rates.gemm:
        seconds, bound = floor.floor_seconds(n_bytes, flops, rates.bandwidth, rates.gemm[X.dtype.name])
        cols.update(floor_ms=1e3 * seconds, bound=bound)
    return cols


def measure(subject, ms, dtypes=("float32",), kinds=bk.KINDS, backends=None, seed=0, repeats=7,
            warmup=2, threads=1, rates=None, bar=None):
    """Rows for every (dtype, m, kind, backend). ``rates``: {"cpu": Rates, "gpu": Rates} or None.

    ``bar``: a tqdm bar advanced once per row (or None). Threads are set with ``thread_limits``.
    """
    names = backends or bk.available(subject)
    rows = []
    with thread_limits(threads):
        for dtype in map(np.dtype, dtypes):
            for m in ms:
                data = subject.data(m, seed, dtype)
                params = subject.init_params(seed, dtype)
                subject.check_inputs(params, data.X, data.Y)
                for kind in kinds:
                    for backend in names:
                        if bar is not None:
                            bar.set_postfix_str(f"{dtype.name} m={m:,} {kind} {backend}")
                        device = "gpu" if backend in bk.GPU_BACKENDS else "cpu"
                        rows.append(dict(model=subject.name, n_h=subject.width or subject.own_width,
                                         dtype=dtype.name, m=m, kind=kind, backend=backend,
                                         **time_row(subject, params, data.X, data.Y, kind, backend, repeats, warmup,
                                                    threads),
                                         repeats=repeats, warmup=warmup, threads=threads,
                                         **floor_columns(subject, m, data.X, data.Y, kind, (rates or {}).get(device))))
                        if bar is not None:
                            bar.update()
    return with_ratios(rows)


def with_ratios(rows):
    """Add ``vs_floor`` (median / floor) and ``vs_manual`` (median / the literal manual row's)."""
    manual = {(r["model"], r["n_h"], r["dtype"], r["m"], r["kind"]): r["median_ms"]
              for r in rows if r["backend"] == "manual NumPy"}
    for r in rows:
        r["vs_floor"] = NAN if math.isnan(r["floor_ms"]) else r["median_ms"] / r["floor_ms"]
        r["vs_manual"] = r["median_ms"] / manual.get((r["model"], r["n_h"], r["dtype"], r["m"], r["kind"]), NAN)
    return rows
