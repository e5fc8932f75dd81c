"""Speed rows: one full-batch forward + backward of a model per backend, timed the same way.

Backends: manual NumPy (forward then backward), PyTorch eager (loss then ``torch.autograd.grad``),
and ``jax.jit`` of ``jax.value_and_grad`` (compiled ahead of time; compile time in its own column).
Threads are set for NumPy's BLAS with threadpoolctl and for PyTorch with ``torch.set_num_threads``.
"""

import os

import numpy as np

from comparisons.timing import time_step

BACKENDS = ("manual NumPy", "PyTorch eager", "jax.jit")


def gradient_steps(model, params, X, Y):
    """{backend: (step, compile or None)}: each step computes J's gradient once for the batch."""
    from reference.jax_ad import autograd as jax_autograd
    from reference.torch_ad import autograd as torch_autograd

    manual = model.manual

    def manual_step():
        _, cache = manual.forward(params, X)
        return manual.backward(params, cache, X, Y)

    jax_step, jax_compile = jax_autograd.gradient_step(model.source("jax"), params, X, Y)
    return {
        "manual NumPy": (manual_step, None),
        "PyTorch eager": (torch_autograd.gradient_step(model.source("torch"), params, X, Y), None),
        "jax.jit": (jax_step, jax_compile),
    }


def speed_rows(model, dtypes=("float64", "float32"), m=None, seed=0, repeats=10, warmup=2,
               threads=None, progress=True):
    """One row per (dtype, backend): median and spread in ms, compile time in s, ratio to manual."""
    import torch
    from threadpoolctl import threadpool_limits
    from tqdm import tqdm

    threads = threads or os.cpu_count()
    m = m or model.speed_m
    torch.set_num_threads(threads)
    rows = []
    jobs = [(d, b) for d in dtypes for b in BACKENDS]
    bar = tqdm(total=len(jobs), desc=f"timing {model.name} at m={m:,}", disable=not progress, leave=False)
    with threadpool_limits(limits=threads), bar:
        for dtype in dtypes:
            data = model.data(m, seed, np.dtype(dtype))
            params = model.init_params(seed, np.dtype(dtype))
            model.manual.check_inputs(params, data.X, data.Y)
            manual_median = None
            for backend, (step, compile) in gradient_steps(model, params, data.X, data.Y).items():
                bar.set_postfix_str(f"{dtype} {backend}")
                t = time_step(step, repeats=repeats, warmup=warmup, compile=compile)
                manual_median = manual_median or t.median
                rows.append(dict(model=model.name, dtype=np.dtype(dtype).name, m=m, backend=backend,
                                 median_ms=1e3 * t.median, p25_ms=1e3 * t.p25, p75_ms=1e3 * t.p75,
                                 min_ms=1e3 * t.min, compile_s=t.compile,
                                 vs_manual=t.median / manual_median, repeats=t.repeats,
                                 warmup=t.warmup, threads=threads))
                bar.update()
    return rows
