"""What the timings ran on: CPU, cores, library versions and thread settings."""

import os
import platform


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


def blas_threads():
    """'library (api): N threads' for each BLAS/OpenMP pool NumPy and friends loaded."""
    from threadpoolctl import threadpool_info

    return ", ".join(f"{p['internal_api']}: {p['num_threads']}" for p in threadpool_info()) or "none loaded"


def describe(threads):
    """{field: value} describing the machine and the thread settings used for timing."""
    import torch

    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        **versions(),
        "threads (NumPy BLAS, set with threadpoolctl)": threads,
        "threads (PyTorch intra-op, torch.set_num_threads)": torch.get_num_threads(),
        "threads (JAX/XLA CPU)": f"XLA's own pool, one thread per core ({os.cpu_count()}); "
                                 "not settable after start-up",
        "BLAS pools seen": blas_threads(),
        "GPU": gpu_line(),
    }


def gpu_line():
    """Which GPUs PyTorch and JAX see; the speed rows here are CPU rows when none is present."""
    import jax
    import torch

    torch_gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    jax_gpu = [str(d) for d in jax.devices() if d.platform == "gpu"]
    if not torch_gpu and not jax_gpu:
        return "none present (all rows are CPU rows)"
    return f"torch: {torch_gpu or 'none'}; jax: {', '.join(jax_gpu) or 'none'}"
