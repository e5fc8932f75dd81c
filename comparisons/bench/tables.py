"""The files of a bench run: Markdown and CSV tables, PNG figures; and the text for the terminal."""

import math

import pandas as pd

from comparisons.bench import memory, plot
from manual import batching

TABLE = ["dtype", "kind", "backend", "device", "median_ms", "p25_ms", "p75_ms", "compile_s", "floor_ms",
         "bound", "vs_floor", "vs_manual", "peak_MiB", "status"]
SLOPES = ["sweep", "dtype", "kind", "backend", "slope", "fitted_from", "fitted_to", "points"]
ROUND = {"median_ms": 3, "p25_ms": 3, "p75_ms": 3, "compile_s": 3, "floor_ms": 3, "vs_floor": 2,
         "vs_manual": 2, "peak_MiB": 1, "slope": 2}


def view(rows, columns):
    frame = pd.DataFrame(rows)
    return frame[[c for c in columns if c in frame]].round(ROUND) if not frame.empty else frame


def fast_lines(table):
    """Before/after of the fast manual form, and its targets, per dtype, from the gradient rows."""
    by = {(r["dtype"], r["backend"]): r["median_ms"] for r in table if r["kind"] == "gradient" and r["status"] == "ok"}
    floors = {r["dtype"]: r["floor_ms"] for r in table if r["kind"] == "gradient"}
    lines = []
    for dtype in dict.fromkeys(r["dtype"] for r in table):
        fast, literal = by.get((dtype, "manual NumPy fast")), by.get((dtype, "manual NumPy"))
        if fast is None or literal is None:
            continue
        parts = [f"- {dtype}: literal {literal:.2f} ms -> fast {fast:.2f} ms ({literal / fast:.2f}x faster)"]
        for other, target in (("jax.jit", "target <= 1"), ("PyTorch eager", "target <= 0.6")):
            if (dtype, other) in by:
                parts.append(f"fast / {other} = {fast / by[(dtype, other)]:.2f} ({target})")
        if not math.isnan(floors.get(dtype, float("nan"))):
            parts.append(f"fast / floor = {fast / floors[dtype]:.2f} (aim <= 4)")
        lines.append("; ".join(parts))
    return lines


def rate_lines(bench):
    lines = []
    for device, rates in bench.rates.items():
        if rates is None:
            continue
        gemm = ", ".join(f"{d} {r / 1e9:.1f} GFLOP/s" for d, r in rates.gemm.items())
        lines.append(f"- {device}: streaming read {rates.read / 1e9:.1f} GB/s, copy {rates.copy / 1e9:.1f} GB/s "
                     f"(the floor uses {rates.bandwidth / 1e9:.1f} GB/s); large GEMM: {gemm}")
    return lines


def method_lines(bench):
    s = bench.settings
    gpu = bench.gpu
    return [
        "- Steps: `forward` is the loss J alone (no gradient: PyTorch under `no_grad`, JAX `jit(loss)`); "
        "`gradient` is J's gradient with respect to every parameter (forward and backward once). The literal "
        "manual form runs `forward` then `backward` and, as its contract says, also returns dZ, dA; the fast "
        "one runs its fused `gradient` (which returns them too). Every backend gets X once, before timing, in "
        "the layout it works in: the data's own (C order) for NumPy and PyTorch, JAX's buffers (a copy), and "
        "for the fast manual form examples contiguous (Fortran order, its `layout`).",
        f"- Timing: {s['warmup']} untimed warm-up calls, then {s['repeats']} timed; median and quartiles in ms. "
        "`compile_s` is apart from the step time: jax.jit's ahead-of-time lower and compile; torch.compile's "
        "first call (Dynamo, Inductor, C++ build, one run), compiled from scratch for each row "
        "(Inductor's on-disk cache may shorten repeats). JAX results are waited for (`block_until_ready`); "
        "CUDA is synchronised.",
        f"- Threads: {s['threads']} for NumPy's BLAS (threadpoolctl) and PyTorch (`torch.set_num_threads`); "
        "XLA (JAX) uses its own pool, one thread per core, fixed when JAX starts. The fast manual form "
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


def markdown(bench):
    s = bench.settings
    parts = [f"# Speed: {bench.model} at m = {s['m']:,}", "", "## Machine", "",
             *[f"- {k}: {v}" for k, v in bench.machine.items()], "", "## Rates measured in this run", "",
             *rate_lines(bench), "", f"## Table at m = {s['m']:,}", "",
             view(bench.table, TABLE).to_markdown(index=False)]
    fast = fast_lines(bench.table)
    if fast:
        parts += ["", "## Fast manual NumPy: before (literal) and after (fast), gradient", "", *fast]
    if bench.slopes:
        parts += ["", "## Fitted log-log slopes of the sweeps", "", view(bench.slopes, SLOPES).to_markdown(index=False)]
        parts += ["", *[f"![{a}]({a}.png)" for a, rows in (("sweep_m", bench.sweep_m), ("sweep_width", bench.sweep_width)) if rows]]
    parts += ["", "## How this was measured", "", *method_lines(bench), ""]
    return "\n".join(parts)


def files(bench):
    """{file name: text or PNG bytes} for ``comparisons.writing.write_files``."""
    out = {"bench.md": markdown(bench), "bench.csv": pd.DataFrame(bench.table).to_csv(index=False)}
    if bench.slopes:
        out["slopes.csv"] = pd.DataFrame(bench.slopes).to_csv(index=False)
    for name, rows, axis in (("sweep_m", bench.sweep_m, "m"), ("sweep_width", bench.sweep_width, "n_h")):
        if rows:
            out[f"{name}.csv"] = pd.DataFrame(rows).to_csv(index=False)
            slopes = [r for r in bench.slopes if r["sweep"] == axis]
            what = "batch size m" if axis == "m" else f"hidden width at m = {bench.settings['width_m']:,}"
            out[f"{name}.png"] = plot.figure(rows, slopes, axis, f"{bench.model}: time per step against {what}")
    return out


def terminal(bench):
    """The table, the fast form's before/after and the slopes, as text."""
    parts = [f"{bench.model} at m = {bench.settings['m']:,} (threads {bench.settings['threads']})",
             view(bench.table, TABLE).to_string(index=False), *rate_lines(bench)]
    parts += fast_lines(bench.table)
    if bench.slopes:
        parts += ["", "Fitted log-log slopes", view(bench.slopes, SLOPES).to_string(index=False)]
    parts += ["", "GPU: " + (bench.machine.get("GPU", "") or "unknown")]
    return "\n".join(parts)
