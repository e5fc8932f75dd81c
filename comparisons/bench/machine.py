"""What the timings ran on: CPU, cores, library versions, BLAS kernels, and the threads of every pool.

Three thread pools do the timed work:

- BLAS/OpenMP pools (NumPy's OpenBLAS, PyTorch's OpenMP, ...): set with threadpoolctl;
- PyTorch's intra-op pool: set with ``torch.set_num_threads``;
- XLA's CPU intra-op pool (JAX): sized once, when XLA's CPU client starts, and not settable from
  Python afterwards. Its size is counted, not assumed: XLA names the pool's threads "XLAEigen"
  (Linux shows "tf_XLAEigen"), and ``/proc/self/task/<id>/comm`` holds every thread's name.

``thread_limits(threads)`` sets the first two for a block and restores them after. Every timed
step runs inside it, and ``describe_machine`` reads the counts inside the same limits, so the
machine block states the threads the timed code ran with, not what was left after the limits ended.
"""

import functools
import os
import platform
import re
from contextlib import contextmanager


def cpu_name():
    """The CPU model from /proc/cpuinfo where there is one, else what ``platform`` says."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def versions():
    """{library: version} of everything that computes in a report."""
    import jax
    import numpy
    import pandas
    import torch

    return {"python": platform.python_version(), "numpy": numpy.__version__, "torch": torch.__version__,
            "jax": jax.__version__, "pandas": pandas.__version__}


def owner(pool):
    """The package that loaded a threadpoolctl pool, from its file's path: ``.../numpy.libs/x.so`` -> numpy."""
    parts = pool["filepath"].split(os.sep)
    if "site-packages" in parts[:-1]:
        return parts[parts.index("site-packages") + 1].removesuffix(".libs")
    return pool["prefix"]


def thread_counts():
    """{pool: threads} as read now: each BLAS/OpenMP pool ("openblas of numpy") and "torch intra-op"."""
    import torch
    from threadpoolctl import threadpool_info

    pools = {f"{p['internal_api']} of {owner(p)}": p["num_threads"] for p in threadpool_info()}
    return {**pools, "torch intra-op": torch.get_num_threads()}


@contextmanager
def thread_limits(threads):
    """Run the block with ``threads`` threads in every BLAS/OpenMP pool and in PyTorch's intra-op pool.

    BLAS pools are limited with threadpoolctl, PyTorch with ``torch.set_num_threads``; both are
    restored afterwards. Yields ``thread_counts()`` read inside the limits. XLA's pool is not
    changed here (it is fixed when JAX starts; ``xla_threads`` counts it).
    """
    import torch
    from threadpoolctl import threadpool_limits

    if threads < 1:
        raise ValueError(f"threads={threads}; expected at least 1")
    before = torch.get_num_threads()
    with threadpool_limits(limits=threads):
        torch.set_num_threads(threads)
        try:
            yield thread_counts()
        finally:
            torch.set_num_threads(before)


def xla_threads():
    """Threads of XLA's CPU intra-op pool, counted by name in /proc/self/task; None where unreadable."""
    import jax

    try:
        jax.devices("cpu")                               # starts XLA's CPU client, which makes the pool
        tasks = os.listdir("/proc/self/task")
    except (RuntimeError, OSError):                      # no CPU client, or no /proc (not Linux)
        return None
    count = 0
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/comm") as f:
                count += "XLAEigen" in f.read()
        except OSError:                                  # a thread that ended while we looked
            pass
    return count or None


def xla_line(count):
    """The machine block's sentence for XLA's pool: the count read, how, and the flags JAX started with."""
    flags = os.environ.get("XLA_FLAGS")
    how = (f"{count}, counted: the 'XLAEigen' threads of XLA's CPU intra-op pool in /proc/self/task"
           if count else "not read (no 'XLAEigen' threads in /proc/self/task)")
    return f"{how}; sized when JAX starts, not set by the bench; XLA_FLAGS {repr(flags) if flags else 'unset'}"


def blas_libraries():
    """Each BLAS the timed code calls and its kernels: NumPy's (threadpoolctl) and PyTorch's (its build).

    threadpoolctl names a loaded BLAS (``internal_api``), its ``version`` and the CPU ``architecture``
    its kernels were chosen for; PyTorch links its BLAS statically (threadpoolctl does not see it),
    so its build configuration (``torch.__config__.show()``) names it, and its CPU capability says
    which vector kernels its own operators dispatch to.
    """
    import torch
    from threadpoolctl import threadpool_info

    lines = [f"{owner(p)}: {p['internal_api']} {p.get('version') or '(version unknown)'}, "
             f"{p.get('architecture') or 'unknown'} kernels, {p.get('threading_layer') or 'unknown'} threading"
             for p in threadpool_info() if p["user_api"] == "blas"]
    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", config)
    mkl = re.search(r"Math Kernel Library Version ([\d.]+)", config)
    name = blas.group(1) if blas else "unknown"
    if name == "mkl" and mkl:
        name += f" {mkl.group(1)}"
    lines.append(f"torch: {name} (torch.backends.mkl.is_available() = {torch.backends.mkl.is_available()}), "
                 f"CPU capability {torch.backends.cpu.get_cpu_capability()}, {torch_parallel()}")
    lines.append(xla_kernels())
    lines.append(numba_kernels())
    return "; ".join(line for line in lines if line)


def torch_parallel():
    """PyTorch's parallel backend, as ``torch.__config__.parallel_info()`` names it."""
    import torch

    backend = re.search(r"ATen parallel backend: (.+)", torch.__config__.parallel_info())
    return f"ATen parallel backend {backend.group(1).strip() if backend else 'unknown'}"


def xla_kernels():
    """JAX's matrix products: XLA's own CPU backend (Eigen's contraction kernels, or oneDNN where XLA picks it)."""
    try:
        import jax
        import jaxlib

        device = jax.devices("cpu")[0]
    except (ImportError, RuntimeError):
        return ""
    return (f"jax: XLA CPU backend of jaxlib {jaxlib.__version__} ({device.platform}, {device.device_kind}); "
            "its products run in XLA's own kernels, not NumPy's or PyTorch's BLAS")


def numba_kernels():
    """numba (the compiled manual form): its version, LLVM's name for this CPU, the threading layer."""
    try:
        import llvmlite
        import llvmlite.binding as llvm
        import numba
    except ImportError:
        return ""
    try:
        layer = numba.threading_layer()
    except ValueError:                                   # no parallel function has run yet
        layer = "not started yet"
    return (f"numba {numba.__version__} (llvmlite {llvmlite.__version__}): LLVM code for CPU "
            f"{llvm.get_host_cpu_name()}, threading layer {layer}")


def _jax_gpus():
    import jax

    return [d for d in jax.devices() if d.platform == "gpu"]


def gpus():
    """{"torch": name or None, "jax": device or None}: the GPUs PyTorch and JAX see (the first of each).
    Asked once per process (a copy is returned): asking CUDA and JAX took 0.1 s a time, and a report
    asks once per model."""
    return dict(_gpus())


@functools.lru_cache(maxsize=1)
def _gpus():
    import torch

    jax_gpus = _jax_gpus()
    return {"torch": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "jax": jax_gpus[0] if jax_gpus else None}


def gpu_line():
    """Which GPUs PyTorch and JAX see; the speed rows here are CPU rows when none is present."""
    torch_gpu, jax_gpus = gpus()["torch"], [str(d) for d in _jax_gpus()]
    if not torch_gpu and not jax_gpus:
        return "none present (all rows are CPU rows)"
    return f"torch: {torch_gpu or 'none'}; jax: {', '.join(jax_gpus) or 'none'}"


def describe_machine(threads):
    """{field: value}: the machine, versions, BLAS kernels, and the threads read inside ``thread_limits(threads)``."""
    with thread_limits(threads) as counts:
        xla = xla_threads()
    torch_threads = counts.pop("torch intra-op")
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        **versions(),
        "threads (BLAS/OpenMP pools, set with threadpoolctl)":
            ", ".join(f"{pool}: {n}" for pool, n in counts.items()) or "none loaded",
        "threads (PyTorch intra-op, torch.set_num_threads)": torch_threads,
        "threads (JAX/XLA CPU)": xla_line(xla),
        "BLAS libraries": blas_libraries(),
        "GPU": gpu_line(),
    }
