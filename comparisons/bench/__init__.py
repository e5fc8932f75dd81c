"""Speed that can be trusted, for any catalogue model: ``handgrad bench`` and the report's speed rows.

- ``timing``:   ``time_step``: warm-up, repeats, median and quartiles; compile time apart
- ``machine``:  what the timings ran on (CPU, versions, BLAS libraries and their kernels) and the
  threads of every pool: ``thread_limits`` sets them, ``describe_machine`` reads them inside it
- ``backends``: the ``Subject`` timed (a catalogue model at its own or another hidden width) and
  one forward or gradient step of it per backend (manual, fast manual, PyTorch eager,
  torch.compile, jax.jit; their CUDA/GPU variants where a GPU is present)
- ``floor``:    the machine's floor from measured bandwidth and GEMM rate, per row
- ``memory``:   peak memory of one step, measured in a child process
- ``runner``:   the rows (every backend timed, with a status), the sweeps and their slopes, one
  bench run, and the report's speed rows
- ``tables``:   the Markdown, CSV and PNG files, the terminal text, the report's speed view
- ``layers``:   convolution's naive loops against im2col, PyTorch and JAX over the image side
  (``handgrad bench --layers``), with its own files and text (import the module itself)

Import names from here (``from comparisons.bench import run_bench``); each is loaded from its
module on first use, so importing the package costs nothing until a name is asked for.
"""

import importlib

_HOMES = {
    "timing": ("Timing", "time_step"),
    "machine": ("describe_machine", "gpus", "thread_counts", "thread_limits", "xla_threads"),
    "backends": ("CPU_BACKENDS", "GPU_BACKENDS", "KINDS", "Step", "Subject", "available", "has_width",
                 "make_step", "unavailable"),
    "floor": ("Rates", "floor_columns", "floor_seconds", "measure_rates", "traffic"),
    "memory": ("measure_peak_memory",),
    "runner": ("Bench", "M_SWEEP", "REPORT_BACKENDS", "WIDTH_M", "WIDTH_SWEEP", "fit_slope", "run_bench",
               "slopes", "speed_rows", "time_backends", "with_ratios"),
    "tables": ("draw_sweep", "files", "speed_view", "sweep_figure", "terminal"),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
