"""Peak memory of one step: how much memory a step adds at its highest point.

CPU rows (every backend alike): measured in a child process, so that the timings are untouched.
There glibc's malloc hands every block of 64 KiB or more straight back to the system (mallopt
M_MMAP_THRESHOLD; otherwise freed memory stays resident and is silently reused), Linux's
high-water mark VmHWM is reset (``/proc/self/clear_refs``), one step runs after a warm-up, and
the peak is VmHWM minus VmRSS just before the step. It counts NumPy's, PyTorch's, XLA's and
BLAS's allocations alike, in whole pages. CUDA rows use PyTorch's allocator statistics
(``torch.cuda.max_memory_allocated`` minus what was allocated before the step).
"""

import ctypes
import json
import subprocess
import sys

HOW_CPU = "resident-memory high-water mark (VmHWM) growth over one step, in a child process"
HOW_CUDA = "torch.cuda.max_memory_allocated growth over one step"
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
THRESHOLD = 64 * 1024


def return_freed_memory():
    """Make glibc give blocks >= 64 KiB back to the system on free (True when it could)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD)) and bool(libc.mallopt(M_TRIM_THRESHOLD, THRESHOLD))


def resident():
    """{"VmRSS": bytes, "VmHWM": bytes} of this process, from /proc/self/status."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out


def peak_bytes(run):
    """Bytes of resident memory ``run()`` adds at its peak (Linux; see the module docstring)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                                  # 5: reset the peak RSS to the current RSS
    before = resident()["VmRSS"]
    run()
    return max(resident()["VmHWM"] - before, 0)


def cuda_peak_bytes(run):
    import torch

    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    run()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - before


def measure_peak_memory(model, width, m, seed, threads, jobs, timeout=900):
    """[{dtype, kind, backend, peak_MiB, memory_how}] for ``jobs`` [(dtype, kind, backend)], measured in a child."""
    spec = dict(model=model, width=width, m=m, seed=seed, threads=threads, jobs=[list(j) for j in jobs])
    try:
        done = subprocess.run([sys.executable, "-m", "comparisons.bench.memory"], input=json.dumps(spec),
                              capture_output=True, text=True, timeout=timeout)
        rows = json.loads(done.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError) as e:
        why = f"not measured: the child process failed ({type(e).__name__})"
        return [dict(dtype=d, kind=k, backend=b, peak_MiB=float("nan"), memory_how=why) for d, k, b in jobs]
    return rows


def child(spec):
    """In the child process: build, warm up and measure each job; returns the rows."""
    from comparisons import catalogue
    from comparisons.bench.backends import Subject
    from comparisons.bench.machine import thread_limits

    subject = Subject(catalogue.get(spec["model"]), spec["width"])
    with thread_limits(spec["threads"]):
        return [dict(dtype=d, kind=k, backend=b,
                     **step_peak(subject, spec["m"], spec["seed"], d, k, b, spec["threads"]))
                for d, k, b in spec["jobs"]]


def step_peak(subject, m, seed, dtype, kind, backend, threads=1):
    """{peak_MiB, memory_how} of one backend's step; a failure is reported, never raised."""
    import numpy as np

    from comparisons.bench.backends import make_step

    if backend.endswith("(GPU)"):
        return dict(peak_MiB=float("nan"), memory_how="not measured (JAX on a GPU)")
    try:
        data = subject.data(m, seed, np.dtype(dtype))
        s = make_step(backend, subject, subject.init_params(seed, np.dtype(dtype)), data.X, data.Y, kind, threads)
        wait = s.wait or (lambda result: result)
        if s.compile:
            wait(s.compile())
        wait(s.step())
        measured, how = (cuda_peak_bytes, HOW_CUDA) if backend.endswith("(CUDA)") else (peak_bytes, HOW_CPU)
        return dict(peak_MiB=measured(lambda: wait(s.step())) / 2**20, memory_how=how)
    except Exception as e:  # a backend that fails is reported in its row, never fatal
        first = str(e).splitlines()[0] if str(e) else ""
        return dict(peak_MiB=float("nan"), memory_how=f"failed: {type(e).__name__}: {first}")


if __name__ == "__main__":
    freed = return_freed_memory()
    rows = child(json.loads(sys.stdin.read()))
    if not freed:
        for row in rows:
            row["memory_how"] += " (mallopt unavailable: freed memory may be reused, an underestimate)"
    print(json.dumps(rows))
