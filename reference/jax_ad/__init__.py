"""Reference models in JAX; gradients from ``jax.grad`` (named so as not to shadow jax).

JAX computes in float32 unless 64-bit mode is on. It is switched on here, once, before any
array is made, so float64 inputs stay float64 and float32 inputs stay float32.

Compiled programs are kept on disk between runs (JAX's persistent compilation cache): XLA takes
0.1 to 0.3 s to compile each model's or layer's gradient, 86 programs in a default report, and
the same programs come back every run. The folder is ``$HANDGRAD_CACHE`` when set (``off``: no
cache), else ``$XDG_CACHE_HOME/handgrad/jax`` (``~/.cache/handgrad/jax``), at most ``CACHE_BYTES``
(the least recently used programs are dropped beyond it). A folder that cannot be made leaves the
cache off. A cached program is the one XLA would compile: JAX keys it on the program, the compile
options, the device and JAX's and XLA's versions. A bench's ``compile_s`` is what its run paid, as
for numba's cache: a program an earlier run compiled is read back in milliseconds.
"""

import os
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

CACHE_BYTES = 512 * 2**20

# XLA's CPU compiler options for a program that runs once so that its numbers can be compared (a
# reference gradient, a Hessian, a layer's VJP), not timed: no LLVM optimization, the elemental
# emitters instead of the fusion emitters (most of a compile is spent generating fast kernels), one
# codegen piece. A catalogue model's gradient compiles in 0.03-0.08 s instead of 0.2-0.6 s and runs as
# fast at these sizes. The same operations run; unoptimized code may round a few of them differently
# (no fused multiply-adds, sums in another order), so results move by a few units in the last place
# (tests/test_layer_table_witness.py, tests/test_jax_cache.py bound it). Programs that are timed (the
# bench, the report's speed rows, train) are compiled with XLA's defaults.
ONCE = {"xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False,
        "xla_cpu_parallel_codegen_split_count": 1}


def cache_folder(environ=os.environ):
    """The persistent cache's folder, or None when ``HANDGRAD_CACHE=off``."""
    chosen = environ.get("HANDGRAD_CACHE", "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "handgrad" / "jax"


def use_cache(folder):
    """Keep compiled programs in ``folder``; False (and no cache) when it cannot be made."""
    if folder is None:
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)    # ours all take 0.1 to 0.3 s
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    jax.config.update("jax_compilation_cache_max_size", CACHE_BYTES)        # also: writes under a file lock
    return True


CACHED = use_cache(cache_folder())

