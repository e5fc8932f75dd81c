"""The rows of a speed table: every backend's step timed, for ``handgrad bench`` and ``handgrad report``.

One row per (dtype, m, kind, backend): median and quartiles in ms after the warm-up (timed with
``timing.time_step``, threads set with ``machine.thread_limits``), compile time in s in its own
column, the bytes and FLOPs the step must move and compute, the machine's floor and the row's
ratio to it, and the ratio to the literal manual row of the same size. Every row has a
``status``: "ok", "failed: <error>: <its first line>" for a backend that raised (``torch.compile``
without a compiler, say), or "unavailable: <why>" for a backend asked for that cannot run the
model here. One backend's failure never ends the run.

Three users of the same rows:

- ``run_bench``: one ``handgrad bench`` run (the machine's rates, the table at one batch size,
  the sweeps over batch size and hidden width with their log-log slopes, peak memory);
- ``speed_rows``: the report's short speed section, the gradient step of ``REPORT_BACKENDS``;
- the sweeps' ``slopes``. A slope of 1 means time proportional to size. Small sizes are
  dominated by fixed costs (Python calls, dispatch, thread wake-ups), so the slope is fitted over
  the upper half of each sweep (the largest ceil(n/2) sizes; all of them when a sweep has fewer
  than four): where the work, not the overhead, sets the time.
"""

import math
import os
from dataclasses import dataclass, field

import numpy as np

from comparisons.bench import backends as bk
from comparisons.bench import attribution, floor, memory
from comparisons.bench.backends import Subject, has_width
from comparisons.bench.machine import describe_machine, gpus, thread_limits
from comparisons.bench.timing import time_step

NAN = float("nan")
M_SWEEP = (1, 10, 100, 1_000, 10_000, 60_000)
WIDTH_SWEEP = (10, 32, 100, 320, 1_024)
WIDTH_M = 10_000
REPORT_BACKENDS = ("manual NumPy", "manual NumPy fast", "PyTorch eager", "jax.jit",
                   "PyTorch eager (CUDA)", "jax.jit (GPU)")


def time_backend(subject, params, X, Y, kind, backend, repeats, warmup, threads=1):
    """{device, median_ms, ..., compile_s, status} of one backend's step; a failure is its ``status``."""
    return timed(backend, lambda: bk.make_step(backend, subject, params, X, Y, kind, threads), repeats, warmup)


def timed(backend, make_step, repeats, warmup):
    """The timing columns of the ``backends.Step`` that ``make_step()`` makes; a failure, in making or in
    running it, is the row's ``status`` (one backend's failure must not end the bench)."""
    try:
        s = make_step()
        t = time_step(s.step, repeats=repeats, warmup=warmup, compile=s.compile, wait=s.wait)
    except Exception as e:  # reported in the row
        first = str(e).splitlines()[0][:160] if str(e) else ""
        return not_timed(backend, f"failed: {type(e).__name__}: {first}")
    return dict(device=s.device, median_ms=1e3 * t.median, p25_ms=1e3 * t.p25, p75_ms=1e3 * t.p75,
                min_ms=1e3 * t.min, max_ms=1e3 * t.max, compile_s=t.compile, status="ok")


def not_timed(backend, status):
    """The timing columns of a row that has no timing: NaN, and ``status`` saying why."""
    return dict(device="gpu" if backend in bk.GPU_BACKENDS else "cpu", median_ms=NAN, p25_ms=NAN, p75_ms=NAN,
                min_ms=NAN, max_ms=NAN, compile_s=NAN, status=status)


def time_backends(subject, ms, dtypes=("float32",), kinds=bk.KINDS, backends=None, seed=0, repeats=7,
                  warmup=2, threads=1, rates=None, bar=None):
    """Rows for every (dtype, m, kind, backend). ``rates``: {"cpu": Rates, "gpu": Rates} or None.

    ``backends``: the names to time (default: every one ``available`` here); a name that cannot
    run ``subject`` here gets an "unavailable: <why>" row. ``bar``: a tqdm bar advanced once per
    row (or None). Threads are set with ``thread_limits``.
    """
    names = backends or bk.available(subject)
    cannot = bk.unavailable(subject)
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
                        timed = (not_timed(backend, f"unavailable: {cannot[backend]}") if backend in cannot else
                                 time_backend(subject, params, data.X, data.Y, kind, backend, repeats, warmup, threads))
                        rows.append(dict(model=subject.name, n_h=subject.width or subject.own_width,
                                         dtype=dtype.name, m=m, kind=kind, backend=backend, **timed,
                                         repeats=repeats, warmup=warmup, threads=threads,
                                         **floor.floor_columns(subject, m, data.X, data.Y, kind,
                                                               (rates or {}).get(device))))
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


def speed_rows(model, dtypes=("float64", "float32"), m=None, seed=0, repeats=5, warmup=2,
               threads=None, progress=True):
    """The report's speed rows: one per (dtype, backend of ``REPORT_BACKENDS`` that runs here), gradient only.

    Median and spread in ms, compile time in s, ratio to manual, ``status``: rows of
    ``time_backends``, so the report and ``handgrad bench`` time the same way.
    """
    from tqdm import tqdm

    subject = Subject(model)
    names = [b for b in bk.available(subject) if b in REPORT_BACKENDS]
    m = m or model.speed_m
    bar = tqdm(total=len(dtypes) * len(names), desc=f"timing {model.name} at m={m:,}", disable=not progress,
               leave=False)
    with bar:
        return time_backends(subject, [m], dtypes, kinds=("gradient",), backends=names, seed=seed,
                             repeats=repeats, warmup=warmup, threads=threads or os.cpu_count(), bar=bar)


def fit_slope(x, t):
    """(slope, first x, last x): least-squares slope of log t against log x over the upper half."""
    pts = sorted((a, b) for a, b in zip(x, t) if b > 0 and not math.isnan(b))
    upper = pts[len(pts) // 2:] if len(pts) >= 4 else pts
    if len({a for a, _ in upper}) < 2:
        return NAN, NAN, NAN
    xs, ts = np.log([a for a, _ in upper]), np.log([b for _, b in upper])
    return float(np.polyfit(xs, ts, 1)[0]), upper[0][0], upper[-1][0]


def slopes(rows, axis):
    """One row per (model, dtype, kind, backend) of a sweep along ``axis`` ("m" or "n_h"); "ok" rows only."""
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


@dataclass
class Bench:
    """Everything ``handgrad bench`` writes; every number in it was measured in this run."""

    model: str
    settings: dict
    rates: dict                                   # {"cpu": Rates, "gpu": Rates or None}
    gpu: dict                                     # machine.gpus()
    machine: dict                                 # machine.describe_machine
    table: list = field(default_factory=list)     # rows at the headline m, with peak memory
    sweep_m: list = field(default_factory=list)
    sweep_width: list = field(default_factory=list)
    slopes: list = field(default_factory=list)
    attribution: list = field(default_factory=list)   # the gradient step's parts per backend (``attribution``)
    notes: list = field(default_factory=list)     # sentences about what was skipped and why


def backend_names(subject, wanted=None):
    """The backends that run ``subject``, restricted to ``wanted`` when given."""
    return [b for b in bk.available(subject) if wanted is None or b in wanted]


def run_bench(model, m=60_000, dtypes=("float32", "float64"), kinds=bk.KINDS, backends=None, ms=M_SWEEP,
              widths=WIDTH_SWEEP, width_m=WIDTH_M, repeats=7, warmup=2, threads=None, seed=0,
              with_memory=True, progress=None, with_attribution=True):
    """Run the bench for catalogue ``model``; ``ms`` or ``widths`` empty skips that sweep.

    ``with_attribution``: the gradient step's parts timed alone for every backend of the table
    (``attribution``; the seed network only).

    The headline table has a row for every backend in ``backends`` (default: every one that runs
    here), "unavailable" where one cannot run the model; the sweeps time only those that can.
    """
    from tqdm import tqdm

    threads = threads or os.cpu_count()
    gpu = gpus()
    notes = []
    if with_attribution and "gradient" in kinds and not attribution.supports(model):
        notes.append(f"No attribution of the gradient step: its parts are written for the seed network, "
                     f"not {model.name}.")
    if widths and not has_width(model):
        notes.append(f"No width sweep: {model.name} has no hidden width to change.")
        widths = ()
    own = Subject(model)
    headline = [b for b in bk.CPU_BACKENDS + bk.GPU_BACKENDS if b in backends] if backends else backend_names(own)
    plan = [(own, list(ms))] + [(Subject(model, w), [width_m]) for w in widths]
    total = len(dtypes) * len(kinds) * (len(headline) + sum(len(sizes) * len(backend_names(s, backends))
                                                            for s, sizes in plan))
    bench = Bench(model.name, dict(m=m, dtypes=list(dtypes), kinds=list(kinds), repeats=repeats, warmup=warmup,
                                   threads=threads, seed=seed, ms=list(ms), widths=list(widths), width_m=width_m),
                  floor.measure_rates(dtypes, threads, gpu), gpu, {}, notes=notes)
    common = dict(dtypes=dtypes, kinds=kinds, seed=seed, repeats=repeats, warmup=warmup, threads=threads,
                  rates=bench.rates)
    hidden = None if progress is None else not progress      # None: tqdm hides itself off a terminal
    with tqdm(total=total, desc=f"bench {model.name}", disable=hidden, leave=False) as bar:
        bench.table = time_backends(own, [m], backends=headline, bar=bar, **common)
        if with_attribution and "gradient" in kinds:
            bar.set_postfix_str("the gradient step's parts")
            bench.attribution = attribution.attribution_rows(own, bench.table, m, seed, threads, repeats, warmup)
        if ms:
            bench.sweep_m = [dict(r, sweep="m") for r in
                             time_backends(own, ms, backends=backend_names(own, backends), bar=bar, **common)]
        for w in widths:
            at_w = Subject(model, w)
            bench.sweep_width += [dict(r, sweep="width") for r in
                                  time_backends(at_w, [width_m], backends=backend_names(at_w, backends), bar=bar,
                                                **common)]
    bench.slopes = slopes(bench.sweep_m, "m") + slopes(bench.sweep_width, "n_h")
    if widths and Subject(model, widths[0]).through_fast:
        notes.append(f"Width sweep: the literal manual module fixes n_h = {own.own_width}, so its line has "
                     "that one point; the fast manual module, PyTorch and JAX run every width.")
    if with_memory:
        add_peak_memory(bench.table, model.name, m, seed, threads)
    bench.machine = describe_machine(threads)
    return bench


def add_peak_memory(table, model, m, seed, threads):
    """Add ``peak_MiB`` and ``memory_how`` to every row, measured in a child (``memory``); none for unavailable rows."""
    jobs = [(r["dtype"], r["kind"], r["backend"]) for r in table if not r["status"].startswith("unavailable")]
    peaks = {(p["dtype"], p["kind"], p["backend"]): p
             for p in (memory.measure_peak_memory(model, None, m, seed, threads, jobs) if jobs else [])}
    for r in table:
        p = peaks.get((r["dtype"], r["kind"], r["backend"]), dict(peak_MiB=NAN, memory_how="not measured: unavailable"))
        r.update(peak_MiB=p["peak_MiB"], memory_how=p["memory_how"])
