"""Scaling sweeps (time against batch size m and against hidden width) and their log-log slopes.

A slope of 1 means time proportional to size. Small sizes are dominated by fixed costs (Python
calls, dispatch, thread wake-ups), so the slope is fitted over the upper half of each sweep (the
largest ceil(n/2) sizes; all of them when a sweep has fewer than four): where the work, not the
overhead, sets the time.
"""

import math

import numpy as np

from comparisons.bench.measure import measure
from comparisons.bench.subject import Subject

M_SWEEP = (1, 10, 100, 1_000, 10_000, 60_000)
WIDTH_SWEEP = (10, 32, 100, 320, 1_024)
WIDTH_M = 10_000


def sweep_m(model, ms=M_SWEEP, **kw):
    """Rows of ``measure`` for each batch size in ``ms`` (the model at its own width)."""
    return [dict(r, sweep="m") for r in measure(Subject(model), ms, **kw)]


def sweep_width(model, widths=WIDTH_SWEEP, m=WIDTH_M, **kw):
    """Rows of ``measure`` at batch size ``m`` for each hidden width in ``widths``."""
    return [dict(r, sweep="width") for w in widths for r in measure(Subject(model, w), [m], **kw)]


def fit_slope(x, t):
    """(slope, first x, last x): least-squares slope of log t against log x over the upper half."""
    pts = sorted((a, b) for a, b in zip(x, t) if b > 0 and not math.isnan(b))
    upper = pts[len(pts) // 2:] if len(pts) >= 4 else pts
    if len({a for a, _ in upper}) < 2:
        return float("nan"), float("nan"), float("nan")
    xs, ts = np.log([a for a, _ in upper]), np.log([b for _, b in upper])
    return float(np.polyfit(xs, ts, 1)[0]), upper[0][0], upper[-1][0]


def slopes(rows, axis):
    """One row per (model, dtype, kind, backend) of a sweep along ``axis`` ("m" or "n_h")."""
    groups = {}
    for r in rows:
        if r["status"] == "ok":
            groups.setdefault((r["model"], r["dtype"], r["kind"], r["backend"]), []).append(r)
    out = []
    for (model, dtype, kind, backend), rs in groups.items():
        slope, lo, hi = fit_slope([r[axis] for r in rs], [r["median_ms"] for r in rs])
        out.append(dict(model=model, sweep=axis, dtype=dtype, kind=kind, backend=backend, slope=slope,
                        fitted_from=lo, fitted_to=hi, points=len(rs)))
    return out
