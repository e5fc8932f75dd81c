"""Convolution's speed: the hand-derived naive loops against im2col, PyTorch and JAX (``handgrad bench --layers``).

The layer is the catalogue's (``manual/layers/conv.py`` and its twins): x (N, C, S, S), w (F, C, 3, 3),
b (F,), stride 1, pad 1, so out is (N, F, S, S), over a sweep of the image side S at N = 8, C = 3,
F = 8. Two kinds of step (``backends.KINDS``):

- ``forward``:  out alone (PyTorch under ``no_grad``, JAX ``jit`` of the twin's forward);
- ``gradient``: the forward, then (dx, dw, db) for a fixed random dout (the layer check's): the hand
  backward on the forward's cache, ``torch.autograd.grad(out, (x, w, b), dout)``, ``jax.vjp`` under
  ``jax.jit`` (compiled ahead of time, the compilation timed apart in ``compile_s``).

Backends (``BACKENDS``): "manual conv naive" (the loops: N F S^2 Python iterations, each a (C, 3, 3)
product), "manual conv im2col" (one matrix product and col2im), "torch (autograd)", "jax.jit (vjp)".

Timed with the bench's ``timing.time_step`` (warm-up, then median and quartiles) under
``machine.thread_limits``; one failing backend is its row's ``status``, never the end of the run. The
work grows as S^2, so a backend whose time the work sets has a log-log slope of 2 against S (fitted
over the upper half of the sweep, ``runner.slopes``). The naive loops set the run's length: at the
default sides 8, 16, 32 and the default 2 warm-up and 7 timed calls the whole run takes well under a
minute on 2 cores (about 0.35 s a naive forward and 0.8 s a naive gradient at S = 32).
"""

from dataclasses import dataclass, field

import numpy as np

from comparisons.bench.backends import KINDS, Step
from comparisons.bench.machine import describe_machine, thread_limits
from comparisons.bench.runner import NAN, slopes, timed

BACKENDS = ("manual conv naive", "manual conv im2col", "torch (autograd)", "jax.jit (vjp)")
SIDES = (8, 16, 32)
SHAPE = dict(N=8, C=3, F=8, kernel=3)
OPTIONS = {"stride": 1, "pad": 1}
LAYER = "conv"
MANUAL = {"manual conv naive": ("conv_forward_naive", "conv_backward_naive"),
          "manual conv im2col": ("conv_forward_im2col", "conv_backward_im2col")}


def conv_arrays(side, seed, dtype):
    """(x, w, b, dout) of the sweep at image side ``side``: standard normal, seeded, in ``dtype``."""
    rng = np.random.default_rng(seed)
    N, C, F, k = SHAPE["N"], SHAPE["C"], SHAPE["F"], SHAPE["kernel"]
    out_side = 1 + (side + 2 * OPTIONS["pad"] - k) // OPTIONS["stride"]
    shapes = [(N, C, side, side), (F, C, k, k), (F,), (N, F, out_side, out_side)]
    return tuple(rng.standard_normal(s).astype(dtype) for s in shapes)


def make_step(backend, x, w, b, dout, kind):
    """The ``Step`` of ``backend`` doing ``kind`` on (x, w, b) (dout for the gradient); ValueError for
    unknown names."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of step {kind!r}; expected one of {KINDS}")
    if backend in MANUAL:
        return _manual(*MANUAL[backend], x, w, b, dout, kind)
    if backend == "torch (autograd)":
        return _torch(x, w, b, dout, kind)
    if backend == "jax.jit (vjp)":
        return _jax(x, w, b, dout, kind)
    raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")


def _manual(forward_name, backward_name, x, w, b, dout, kind):
    from manual.layers import conv

    forward, backward = getattr(conv, forward_name), getattr(conv, backward_name)
    if kind == "forward":
        return Step(lambda: forward(x, w, b, **OPTIONS)[0])
    return Step(lambda: backward(dout, forward(x, w, b, **OPTIONS)[1]))


def _torch(x, w, b, dout, kind):
    import torch

    from reference.torch_ad.layers.conv import conv_forward_naive as forward

    tensors = [torch.from_numpy(np.ascontiguousarray(a)).requires_grad_(kind == "gradient") for a in (x, w, b)]
    upstream = torch.from_numpy(np.ascontiguousarray(dout))

    def step():
        if kind == "forward":
            with torch.no_grad():
                return forward(*tensors, **OPTIONS)
        return torch.autograd.grad(forward(*tensors, **OPTIONS), tensors, upstream)

    return Step(step)


def _jax(x, w, b, dout, kind):
    import jax

    import reference.jax_ad  # noqa: F401  (64-bit mode: float64 rows stay float64)
    from reference.jax_ad.layers.conv import conv_forward_naive as forward

    device = jax.devices("cpu")[0]
    arrays = [jax.device_put(a, device) for a in (x, w, b, dout)]   # device_put: no compile per shape

    def f(x, w, b):
        return forward(x, w, b, **OPTIONS)

    def gradient(x, w, b, dout):
        return jax.vjp(f, x, w, b)[1](dout)

    fn, args = (f, arrays[:3]) if kind == "forward" else (gradient, arrays)
    compiled = {}

    def compile():
        with jax.default_device(device):
            compiled["fn"] = jax.jit(fn).lower(*args).compile()

    def step():
        return compiled["fn"](*args)

    return Step(step, compile, jax.block_until_ready)


def time_row(backend, arrays, kind, repeats, warmup):
    """The timing columns of one backend's step; a failure is its ``status`` (``runner.not_timed``)."""
    return timed(backend, lambda: make_step(backend, *arrays, kind), repeats, warmup)


def with_ratios(rows):
    """Add ``vs_naive`` and ``vs_im2col``: median / the naive (im2col) manual row's of the same dtype, side, kind."""
    for column, backend in (("vs_naive", "manual conv naive"), ("vs_im2col", "manual conv im2col")):
        base = {(r["dtype"], r["side"], r["kind"]): r["median_ms"] for r in rows if r["backend"] == backend}
        for r in rows:
            r[column] = r["median_ms"] / base.get((r["dtype"], r["side"], r["kind"]), NAN)
    return rows


def time_conv(sides=SIDES, dtypes=("float32", "float64"), kinds=KINDS, backends=BACKENDS, seed=0, repeats=7,
              warmup=2, threads=1, bar=None):
    """Rows for every (dtype, side, kind, backend), with ratios; threads set with ``thread_limits``."""
    rows = []
    with thread_limits(threads):
        for dtype in map(np.dtype, dtypes):
            for side in sides:
                arrays = conv_arrays(side, seed, dtype)
                for kind in kinds:
                    for backend in backends:
                        if bar is not None:
                            bar.set_postfix_str(f"{dtype.name} side={side} {kind} {backend}")
                        rows.append(dict(model=LAYER, layer=LAYER, dtype=dtype.name, side=side, **SHAPE, **OPTIONS,
                                         kind=kind, backend=backend, **time_row(backend, arrays, kind, repeats,
                                                                                warmup),
                                         repeats=repeats, warmup=warmup, threads=threads, floor_ms=NAN))
                        if bar is not None:
                            bar.update()
    return with_ratios(rows)


@dataclass
class LayerBench:
    """Everything ``handgrad bench --layers`` writes; every number in it was measured in this run."""

    settings: dict
    machine: dict
    rows: list = field(default_factory=list)
    slopes: list = field(default_factory=list)
    seconds: float = NAN


def run_layer_bench(sides=SIDES, dtypes=("float32", "float64"), kinds=KINDS, backends=BACKENDS, seed=0, repeats=7,
                    warmup=2, threads=None, progress=None):
    """Time convolution over ``sides`` for every backend, dtype and kind; the slopes along the side."""
    import os
    import time

    from tqdm import tqdm

    threads = threads or os.cpu_count()
    t0 = time.perf_counter()
    hidden = None if progress is None else not progress      # None: tqdm hides itself off a terminal
    total = len(sides) * len(dtypes) * len(kinds) * len(backends)
    with tqdm(total=total, desc="bench conv", disable=hidden, leave=False) as bar:
        rows = time_conv(sides, dtypes, kinds, backends, seed, repeats, warmup, threads, bar)
    settings = dict(sides=list(sides), dtypes=list(dtypes), kinds=list(kinds), backends=list(backends),
                    repeats=repeats, warmup=warmup, threads=threads, seed=seed, **SHAPE, **OPTIONS)
    return LayerBench(settings, describe_machine(threads), rows, slopes(rows, "side"), time.perf_counter() - t0)


# --- What it shows ---------------------------------------------------------------------------------

TABLE = ["dtype", "side", "kind", "backend", "median_ms", "p25_ms", "p75_ms", "compile_s", "vs_naive", "vs_im2col",
         "status"]
TABLE_KEYS = ["dtype", "side", "kind", "backend", "median_ms", "vs_naive", "status"]
SLOPE_KEYS = ["dtype", "kind", "backend", "slope"]
ROUND = {"vs_naive": 3, "vs_im2col": 2}


def view(rows, columns):
    """The bench's ``tables.view`` (rounded for reading), the ratios to naive with one more digit."""
    from comparisons.bench.tables import view as bench_view

    frame = bench_view(rows, columns)
    return frame.round(ROUND) if not frame.empty else frame


def ratio_lines(bench):
    """At the largest side, per dtype and kind: naive / im2col, and im2col against PyTorch and JAX."""
    ok = {(r["dtype"], r["side"], r["kind"], r["backend"]): r["median_ms"] for r in bench.rows if r["status"] == "ok"}
    side = max(bench.settings["sides"])
    lines = []
    for dtype in bench.settings["dtypes"]:
        for kind in bench.settings["kinds"]:
            at = {b: ok.get((np.dtype(dtype).name, side, kind, b)) for b in BACKENDS}
            parts = [f"{a} / {b} = {at[a] / at[b]:.2f}" for a, b in
                     (("manual conv naive", "manual conv im2col"), ("manual conv im2col", "torch (autograd)"),
                      ("manual conv im2col", "jax.jit (vjp)")) if at[a] and at[b]]
            if parts:
                lines.append(f"- {dtype} {kind} at side {side}: " + "; ".join(parts))
    return lines


def method_lines(bench):
    s = bench.settings
    return [
        f"- Layer: x ({s['N']}, {s['C']}, S, S), w ({s['F']}, {s['C']}, {s['kernel']}, {s['kernel']}), b "
        f"({s['F']},), stride {s['stride']}, pad {s['pad']}; S over {', '.join(map(str, s['sides']))}. "
        "`forward` is out alone; `gradient` is the forward and (dx, dw, db) for a fixed random dout.",
        f"- Timing: {s['warmup']} untimed warm-up calls, then {s['repeats']} timed; median and quartiles in ms "
        "(`comparisons.bench.timing`). jax.jit's ahead-of-time compilation is in `compile_s`, apart (read from "
        "JAX's persistent cache where an earlier run compiled it); JAX results "
        "are waited for (`block_until_ready`).",
        f"- Threads: {s['threads']} for NumPy's BLAS and PyTorch; XLA's pool as in the machine block.",
        "- Slopes: least squares of log time on log S over the upper half of the sweep; the work grows as S^2, "
        "so a slope of 2 is time proportional to work, and less means fixed costs still count.",
        f"- This run took {bench.seconds:.1f} s.",
    ]


def markdown(bench):
    parts = ["# Speed: convolution, naive loops against im2col, PyTorch and JAX", "", "## Machine", "",
             *[f"- {k}: {v}" for k, v in bench.machine.items()], "", "## Table", "",
             view(bench.rows, TABLE).to_markdown(index=False), "", "## Ratios at the largest side", "",
             *ratio_lines(bench)]
    if bench.slopes:
        parts += ["", "## Fitted log-log slopes against the image side", "",
                  view(bench.slopes, ["dtype", "kind", "backend", "slope", "fitted_from", "fitted_to",
                                      "points"]).to_markdown(index=False), "", "![sweep_conv](sweep_conv.png)"]
    parts += ["", "## How this was measured", "", *method_lines(bench), ""]
    return "\n".join(parts)


def files(bench):
    """{file name: text or PNG bytes}: conv.md, conv.csv, conv_slopes.csv and the sweep's figure."""
    import pandas as pd

    from comparisons.bench.tables import sweep_figure

    out = {"conv.md": markdown(bench), "conv.csv": pd.DataFrame(bench.rows).to_csv(index=False)}
    if bench.slopes:
        out["conv_slopes.csv"] = pd.DataFrame(bench.slopes).to_csv(index=False)
        out["sweep_conv.png"] = sweep_figure(bench.rows, bench.slopes, "side",
                                             f"convolution (N={SHAPE['N']}, C={SHAPE['C']}, F={SHAPE['F']}, 3x3, "
                                             "stride 1, pad 1): time per step against the image side",
                                             xlabel="image side S (H = W = S)")
    return out


def terminal(bench, out=None):
    """The table, the ratios at the largest side and the slopes, fitted to the terminal."""
    from comparisons.terminal import every_column, fit_table, wrap_notes

    s = bench.settings
    parts = [wrap_notes(f"convolution at N = {s['N']}, C = {s['C']}, F = {s['F']}, 3x3, stride 1, pad 1; image "
                        f"sides {', '.join(map(str, s['sides']))} (threads {s['threads']}; {bench.seconds:.1f} s)"),
             fit_table(view(bench.rows, TABLE), TABLE_KEYS, floatfmt="g",
                       note=every_column(out, ["conv.md", "conv.csv"])),
             wrap_notes("\n".join(ratio_lines(bench)))]
    if bench.slopes:
        parts += ["", "Fitted log-log slopes against the image side (2: time proportional to the work)",
                  fit_table(view(bench.slopes, SLOPE_KEYS), SLOPE_KEYS, floatfmt="g",
                            note=every_column(out, ["conv.md", "conv_slopes.csv"]))]
    return "\n".join(p for p in parts if p is not None)
