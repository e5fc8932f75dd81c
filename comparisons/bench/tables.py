"""What a speed run shows: Markdown and CSV tables, log-log PNG figures, and the text for the terminal.

``handgrad bench`` writes ``files(bench)`` and prints ``terminal(bench)``; the report's speed
section shows ``speed_view`` of its rows. Every table has the rows' ``status`` ("ok", "failed:
...", "unavailable: ..."), and states measured times and ratios only.
"""

import io
import math

import numpy as np
import pandas as pd

from comparisons.bench import attribution, memory
from comparisons.bench.backends import MANUAL_BACKENDS
from manual import batching

TABLE = ["dtype", "kind", "backend", "device", "median_ms", "p25_ms", "p75_ms", "compile_s", "floor_ms",
         "bound", "vs_floor", "vs_manual", "peak_MiB", "status"]
SLOPES = ["sweep", "dtype", "kind", "backend", "slope", "fitted_from", "fitted_to", "points"]
ROUND = {"median_ms": 3, "p25_ms": 3, "p75_ms": 3, "compile_s": 3, "floor_ms": 3, "vs_floor": 2,
         "vs_manual": 2, "peak_MiB": 1, "slope": 2}


def view(rows, columns):
    """The ``columns`` of ``rows`` that are there, rounded for reading."""
    frame = pd.DataFrame(rows)
    return frame[[c for c in columns if c in frame]].round(ROUND) if not frame.empty else frame


def fast_lines(table):
    """Before/after of the fast manual form per dtype, from the gradient rows: measured ratios only."""
    by = {(r["dtype"], r["backend"]): r["median_ms"] for r in table if r["kind"] == "gradient" and r["status"] == "ok"}
    floors = {r["dtype"]: r["floor_ms"] for r in table if r["kind"] == "gradient"}
    lines = []
    for dtype in dict.fromkeys(r["dtype"] for r in table):
        fast, literal = by.get((dtype, "manual NumPy fast")), by.get((dtype, "manual NumPy"))
        if fast is None or literal is None:
            continue
        parts = [f"- {dtype}: literal {literal:.2f} ms -> fast {fast:.2f} ms ({literal / fast:.2f}x faster)"]
        for other in ("jax.jit", "PyTorch eager"):
            if (dtype, other) in by:
                parts.append(f"fast / {other} = {fast / by[(dtype, other)]:.2f}")
        if not math.isnan(floors.get(dtype, float("nan"))):
            parts.append(f"fast / floor = {fast / floors[dtype]:.2f}")
        lines.append("; ".join(parts))
    return lines


def fastest_lines(table):
    """Per dtype, the fastest hand-derived form of the gradient rows against PyTorch eager, jax.jit and the
    floor: "- float32: manual numba (compiled) 12.10 ms: 0.55x PyTorch eager's median, ...". Measured only."""
    ok = [r for r in table if r["kind"] == "gradient" and r["status"] == "ok"]
    lines = []
    for dtype in dict.fromkeys(r["dtype"] for r in ok):
        here = {r["backend"]: r for r in ok if r["dtype"] == dtype}
        manual = [here[b] for b in MANUAL_BACKENDS if b in here]
        if not manual:
            continue
        best = min(manual, key=lambda r: r["median_ms"])
        parts = [f"- {dtype}: fastest hand-derived form {best['backend']} {best['median_ms']:.2f} ms"]
        parts += [f"{best['median_ms'] / here[b]['median_ms']:.2f}x {b}'s median" for b in ("PyTorch eager", "jax.jit")
                  if b in here]
        if not math.isnan(best["floor_ms"]):
            parts.append(f"{best['median_ms'] / best['floor_ms']:.2f}x the floor")
        lines.append(parts[0] + ": " + ", ".join(parts[1:]) if parts[1:] else parts[0])
    return lines


ATTRIBUTION_COLUMNS = {**{p: p for p in attribution.PARTS}, attribution.OVERHEAD: "overhead"}


def attribution_view(rows):
    """One row per (dtype, backend): the step's median, then each part as "ms (share of the step)".

    A part with no time of its own (the compiled form's fused parts) is "fused"."""
    out = []
    for (dtype, backend), rs in _groups(rows).items():
        cells = {ATTRIBUTION_COLUMNS[r["part"]]: ("fused" if math.isnan(r["ms"]) else
                                                  f"{r['ms']:.2f} ({100 * r['share']:.0f}%)") for r in rs}
        out.append(dict(dtype=dtype, backend=backend, step_ms=round(rs[0]["step_ms"], 2), **cells))
    return pd.DataFrame(out)


def _groups(rows):
    groups = {}
    for r in rows:
        groups.setdefault((r["dtype"], r["backend"]), []).append(r)
    return groups


def attribution_lines(rows):
    """How the parts were timed, one line per backend (measured facts only)."""
    how = dict.fromkeys(f"- {r['backend']}: {r['how']}" for r in rows if r["part"] != attribution.OVERHEAD)
    return [*how, f"- {attribution.OVERHEAD}: the step's median (the table above) minus the sum of the parts "
                  "timed alone; negative where the step does the parts faster together than alone"]


def draw_attribution(rows, title):
    """Stacked horizontal bars, one per backend, one panel per dtype: each part's ms (overhead last,
    drawn from 0 to the left where it is negative). matplotlib's Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dtypes = list(dict.fromkeys(r["dtype"] for r in rows))
    parts = [*attribution.PARTS, attribution.OVERHEAD]
    colours = dict(zip(parts, plt.get_cmap("tab10").colors))
    fig, axes = plt.subplots(1, max(len(dtypes), 1), squeeze=False, figsize=(7 * max(len(dtypes), 1), 4.2))
    for ax, dtype in zip(axes[0], dtypes):
        groups = {b: {r["part"]: r["ms"] for r in rs} for (d, b), rs in _groups(rows).items() if d == dtype}
        names = list(groups)
        left = np.zeros(len(names))
        for part in parts:
            ms = np.array([groups[b].get(part, float("nan")) for b in names], dtype=float)
            ms = np.nan_to_num(ms)
            positive = np.clip(ms, 0, None)
            ax.barh(names, positive, left=left, color=colours[part], label=part)
            if (ms < 0).any():
                ax.barh(names, np.clip(ms, None, 0), color=colours[part], hatch="//", alpha=0.6)
            left += positive
        ax.invert_yaxis()
        ax.set(xlabel="ms per gradient step (parts timed alone; overhead the remainder)", title=dtype)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.grid(True, axis="x", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def attribution_figure(rows, title):
    """PNG bytes of ``draw_attribution`` at 100 dpi."""
    import matplotlib.pyplot as plt

    fig = draw_attribution(rows, title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def rate_lines(bench):
    """One line per device: the bandwidths and GEMM rates measured in this run, and the one the floor uses."""
    lines = []
    for device, rates in bench.rates.items():
        if rates is None:
            continue
        gemm = ", ".join(f"{d} {r / 1e9:.1f} GFLOP/s" for d, r in rates.gemm.items())
        lines.append(f"- {device}: streaming read {rates.read / 1e9:.1f} GB/s, copy {rates.copy / 1e9:.1f} GB/s "
                     f"(the floor uses {rates.bandwidth / 1e9:.1f} GB/s); large GEMM: {gemm}")
    return lines


def method_lines(bench):
    """How the numbers were measured: steps, timing, threads, floor, memory, GPU, sweeps, and the run's notes."""
    s = bench.settings
    gpu = bench.gpu
    return [
        "- Steps: `forward` is the loss J alone (no gradient: PyTorch under `no_grad`, JAX `jit(loss)`); "
        "`gradient` is J's gradient with respect to every parameter (forward and backward once). The literal "
        "manual form runs `forward` then `backward` and, as its contract says, also returns dZ, dA; the fast "
        "one runs its fused `gradient` (which returns them too). Every backend gets X once, before timing, in "
        "the layout it works in: the data's own (C order) for NumPy and PyTorch, JAX's buffers (a copy), and "
        "for the fast manual form examples contiguous (Fortran order, its `layout`).",
        f"- Hand-derived forms: the fast NumPy form's block and piece sizes are calibrated on this machine "
        f"(its `compile_s`: a short timing of {len(batching_candidates())} (block, piece) pairs, once per process); "
        "the compiled form (`manual numba (compiled)`, manual/seed_net_compiled.py) runs the same equations fused "
        "in one pass over X, and its `compile_s` is its first call: numba's compilation, or the load of numba's "
        "on-disk cache where an earlier run compiled it, and one step.",
        f"- Timing: {s['warmup']} untimed warm-up calls, then {s['repeats']} timed; median and quartiles in ms. "
        "`compile_s` is apart from the step time: jax.jit's ahead-of-time lower and compile (read from JAX's "
        "persistent cache, in milliseconds, where an earlier run compiled the same program); torch.compile's "
        "first call (Dynamo, Inductor, C++ build, one run), compiled from scratch for each row "
        "(Inductor's on-disk cache may shorten repeats). JAX results are waited for (`block_until_ready`); "
        "CUDA is synchronised.",
        f"- Threads: {s['threads']} for NumPy's BLAS (threadpoolctl) and PyTorch (`torch.set_num_threads`); "
        "XLA (JAX) uses its own pool, sized when JAX starts and not set here (its size, as counted, is in "
        "the machine block with the other pools' counts, read inside the same limits). The fast manual form "
        f"runs its blocks on up to {s['threads']} threads of its own, BLAS held to one thread each meanwhile "
        f"(one thread for batches of fewer than {batching.MIN_BLOCKS_PER_THREAD} blocks of "
        f"{batching.BLOCK} a thread).",
        "- Floor: max(bytes that must move / streaming bandwidth, FLOPs / large-GEMM rate), from the model's "
        "shapes: X, Y and the parameters read once, the parameter gradients written once; FLOPs of the "
        "matrix products only (forward 2m|W|, backward 2m|W| for dW plus 2m|W| for dA of every layer but the "
        "first; biases m|b| each way). `vs_floor` = median / floor; `bound` says which term set it.",
        f"- Memory (`peak_MiB`): {memory.HOW_CPU} (glibc told to return freed blocks of 64 KiB and more, "
        "VmHWM reset through /proc/self/clear_refs, after one warm-up step); it counts NumPy, PyTorch, XLA "
        f"and BLAS allocations alike, in whole pages. CUDA rows: {memory.HOW_CUDA}.",
        "- GPU: " + ("none present: all rows are CPU rows." if not (gpu.get("torch") or gpu.get("jax")) else
                     f"PyTorch sees {gpu.get('torch') or 'none'}, JAX sees {gpu.get('jax') or 'none'}."),
        f"- Sweeps: m over {', '.join(f'{m:,}' for m in s['ms']) or 'none'}; hidden width over "
        f"{', '.join(map(str, s['widths'])) or 'none'} at m = {s['width_m']:,}. Slopes: least squares of "
        "log time on log size over the upper half of each sweep (small sizes measure fixed overheads).",
        *[f"- {n}" for n in bench.notes],
    ]


def batching_candidates():
    from manual import seed_net_fast

    return seed_net_fast.CANDIDATES


def markdown(bench):
    """bench.md: the machine, the rates, the table, the fast form's before/after, the slopes, the method."""
    s = bench.settings
    parts = [f"# Speed: {bench.model} at m = {s['m']:,}", "", "## Machine", "",
             *[f"- {k}: {v}" for k, v in bench.machine.items()], "", "## Rates measured in this run", "",
             *rate_lines(bench), "", f"## Table at m = {s['m']:,}", "",
             view(bench.table, TABLE).to_markdown(index=False)]
    fast = fast_lines(bench.table)
    if fast:
        parts += ["", "## Fast manual NumPy: before (literal) and after (fast), gradient", "", *fast]
    fastest = fastest_lines(bench.table)
    if fastest:
        parts += ["", "## The fastest hand-derived form, gradient", "", *fastest]
    if bench.attribution:
        parts += ["", f"## Where the gradient step goes (ms and share of the step, m = {s['m']:,})", "",
                  attribution_view(bench.attribution).to_markdown(index=False), "", *attribution_lines(bench.attribution),
                  "", "![attribution](attribution.png)"]
    if bench.slopes:
        parts += ["", "## Fitted log-log slopes of the sweeps", "", view(bench.slopes, SLOPES).to_markdown(index=False)]
        parts += ["", *[f"![{a}]({a}.png)" for a, rows in (("sweep_m", bench.sweep_m),
                                                             ("sweep_width", bench.sweep_width)) if rows]]
    parts += ["", "## How this was measured", "", *method_lines(bench), ""]
    return "\n".join(parts)


def draw_sweep(rows, slopes, axis, title, xlabel=None):
    """The figure of a sweep: median time (ms) against ``axis`` ("m" or "n_h"; ``xlabel`` names any other,
    e.g. the image side of ``layers``) for each backend, log-log.

    One panel per (kind, dtype), one line per backend with its fitted slope in the legend, the
    machine's floor for each size as a dashed grey line; "ok" rows only. Drawn with matplotlib's
    Agg backend (no display needed).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if r["status"] == "ok"]
    kinds = sorted({r["kind"] for r in ok}, key=["forward", "gradient"].index)
    dtypes = sorted({r["dtype"] for r in ok})
    slope = {(s["dtype"], s["kind"], s["backend"]): s["slope"] for s in slopes}
    fig, axes = plt.subplots(len(kinds) or 1, len(dtypes) or 1, squeeze=False,
                             figsize=(6 * max(len(dtypes), 1), 4.2 * max(len(kinds), 1)))
    for i, kind in enumerate(kinds):
        for j, dtype in enumerate(dtypes):
            ax = axes[i][j]
            here = [r for r in ok if r["kind"] == kind and r["dtype"] == dtype]
            for backend in dict.fromkeys(r["backend"] for r in here):
                pts = sorted((r[axis], r["median_ms"]) for r in here if r["backend"] == backend)
                fitted = slope.get((dtype, kind, backend), float("nan"))
                ax.plot(*zip(*pts), marker="o", label=f"{backend} (slope {fitted:.2f})")
            floor = sorted({(r[axis], r["floor_ms"]) for r in here if r["floor_ms"] == r["floor_ms"]})
            if floor:
                ax.plot(*zip(*floor), linestyle="--", color="grey", label="machine floor")
            ax.set(xscale="log", yscale="log",
                   xlabel=xlabel or ("batch size m" if axis == "m" else "hidden width n_h"),
                   ylabel="median time per step (ms)", title=f"{kind}, {dtype}")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def sweep_figure(rows, slopes, axis, title, xlabel=None):
    """PNG bytes of ``draw_sweep`` at 100 dpi."""
    import matplotlib.pyplot as plt

    fig = draw_sweep(rows, slopes, axis, title, xlabel)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def files(bench):
    """{file name: text or PNG bytes} for ``comparisons.writing.write_files``."""
    out = {"bench.md": markdown(bench), "bench.csv": pd.DataFrame(bench.table).to_csv(index=False)}
    if bench.attribution:
        out["attribution.csv"] = pd.DataFrame(bench.attribution).to_csv(index=False)
        out["attribution.png"] = attribution_figure(
            bench.attribution, f"{bench.model}: where the gradient step goes at m = {bench.settings['m']:,}")
    if bench.slopes:
        out["slopes.csv"] = pd.DataFrame(bench.slopes).to_csv(index=False)
    for name, rows, axis in (("sweep_m", bench.sweep_m, "m"), ("sweep_width", bench.sweep_width, "n_h")):
        if rows:
            out[f"{name}.csv"] = pd.DataFrame(rows).to_csv(index=False)
            slopes = [r for r in bench.slopes if r["sweep"] == axis]
            what = "batch size m" if axis == "m" else f"hidden width at m = {bench.settings['width_m']:,}"
            out[f"{name}.png"] = sweep_figure(rows, slopes, axis, f"{bench.model}: time per step against {what}")
    return out


TABLE_KEYS = ["dtype", "kind", "backend", "median_ms", "vs_floor", "vs_manual", "status"]
SLOPE_KEYS = ["sweep", "dtype", "kind", "backend", "slope"]


def terminal(bench, out=None):
    """The table, the rates, the fast form's before/after and the slopes, as text that fits the terminal
    (``comparisons.terminal``): tables narrowed to their key columns where they must be, with a line
    naming the files in ``out`` that hold every column."""
    from comparisons.terminal import every_column, fit_table, wrap_notes

    parts = [wrap_notes(f"{bench.model} at m = {bench.settings['m']:,} (threads {bench.settings['threads']})"),
             fit_table(view(bench.table, TABLE), TABLE_KEYS, floatfmt="g",
                       note=every_column(out, ["bench.md", "bench.csv"])),
             wrap_notes("\n".join([*rate_lines(bench), *fast_lines(bench.table), *fastest_lines(bench.table)]))]
    if bench.attribution:
        parts += ["", "Where the gradient step goes (ms, share of the step)",
                  fit_table(attribution_view(bench.attribution), ["dtype", "backend", "step_ms", "products with X",
                                                                   "overhead"],
                            note=every_column(out, ["bench.md", "attribution.csv"]))]
    if bench.slopes:
        parts += ["", "Fitted log-log slopes", fit_table(view(bench.slopes, SLOPES), SLOPE_KEYS, floatfmt="g",
                                                         note=every_column(out, ["bench.md", "slopes.csv"]))]
    parts += ["", wrap_notes("GPU: " + (bench.machine.get("GPU", "") or "unknown"))]
    return "\n".join(p for p in parts if p is not None)


def speed_view(speed):
    """The report's speed rows (a DataFrame of ``runner.speed_rows``) with rounded columns for reading."""
    view = speed[["model", "dtype", "m", "backend", "median_ms", "p25_ms", "p75_ms", "compile_s",
                  "vs_manual", "repeats", "threads", "status"]].copy()
    return view.round({"median_ms": 2, "p25_ms": 2, "p75_ms": 2, "compile_s": 3, "vs_manual": 2})
