"""The report's short speed section: one full-batch gradient per backend, from the bench's code.

The rows are ``comparisons.bench.measure`` rows (timed by ``comparisons.timing.time_step``),
restricted to the gradient step and to ``BACKENDS``: no second timing implementation. The full
picture (forward steps, torch.compile, the machine's floor, memory, sweeps) is ``handgrad bench``.
"""

import os

BACKENDS = ("manual NumPy", "manual NumPy fast", "PyTorch eager", "jax.jit",
            "PyTorch eager (CUDA)", "jax.jit (GPU)")


def speed_rows(model, dtypes=("float64", "float32"), m=None, seed=0, repeats=10, warmup=2,
               threads=None, progress=True):
    """One row per (dtype, backend): median and spread in ms, compile time in s, ratio to manual."""
    from tqdm import tqdm

    from comparisons.bench.backends import available
    from comparisons.bench.measure import measure
    from comparisons.bench.subject import Subject

    subject = Subject(model)
    names = [b for b in available(subject) if b in BACKENDS]
    m = m or model.speed_m
    bar = tqdm(total=len(dtypes) * len(names), desc=f"timing {model.name} at m={m:,}", disable=not progress,
               leave=False)
    with bar:
        return measure(subject, [m], dtypes, kinds=("gradient",), backends=names, seed=seed, repeats=repeats,
                       warmup=warmup, threads=threads or os.cpu_count(), bar=bar)
