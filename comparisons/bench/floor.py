"""The machine's floor: the least time a step could take on this hardware.

    floor = max(bytes that must be moved / streaming bandwidth,  FLOPs / large-GEMM rate)

Both rates are measured here, in the run, with the bench's thread setting (``measure_rates``):

- streaming bandwidth: the better of a read (``x @ x`` of a large vector: every byte read once)
  and a copy (``np.copyto``: each byte read once and written once, 2 x size moved), on arrays
  far larger than the caches;
- GEMM rate: a large square ``A @ B`` (2 n^3 FLOPs) in each dtype.

Bytes and FLOPs come from the model's shapes (``traffic``). Bytes: X and Y read once, the
parameters read once, and for a gradient the parameter gradients written once. FLOPs: matrix
products only, counted from the weights (parameters whose names do not start with ``b``):
forward 2 m |W| per weight and m |b| per bias; the gradient adds dW (2 m |W|), the input
gradient dA of every layer but the first (2 m |W|), and db (m |b|). Element-wise work (exp, max)
is not counted, so the floor stays a lower bound. ``floor_columns`` puts both, and the floor,
into a row of the table.
"""

from dataclasses import dataclass

import numpy as np

from comparisons.bench.machine import thread_limits
from comparisons.bench.timing import time_step


@dataclass(frozen=True)
class Rates:
    """Measured rates: bytes/s read, bytes/s copied, and {dtype name: FLOP/s} of a large GEMM."""

    read: float
    copy: float
    gemm: dict

    @property
    def bandwidth(self):
        """The streaming bandwidth the floor uses: the better of read and copy."""
        return max(self.read, self.copy)


def measure_cpu_rates(dtypes=("float64", "float32"), size_bytes=512 * 2**20, n=2048, repeats=3):
    """``Rates`` of this CPU on arrays of ``size_bytes`` and ``n`` x ``n`` matrices (threads as set now)."""
    x = np.ones(size_bytes // 8)
    y = np.empty_like(x)
    read = time_step(lambda: x @ x, repeats=repeats, warmup=1).min
    copy = time_step(lambda: np.copyto(y, x), repeats=repeats, warmup=1).min
    gemm = {}
    for dtype in dtypes:
        A = np.random.default_rng(0).random((n, n)).astype(dtype)
        gemm[np.dtype(dtype).name] = 2 * n**3 / time_step(lambda: A @ A, repeats=repeats, warmup=1).min
    return Rates(read=x.nbytes / read, copy=2 * x.nbytes / copy, gemm=gemm)


def measure_cuda_rates(dtypes=("float64", "float32"), size_bytes=2**30, n=8192, repeats=5):
    """``Rates`` of PyTorch's first CUDA device: a sum (read), a copy, and an n x n matmul."""
    import torch

    def sync(result):
        torch.cuda.synchronize()

    x = torch.ones(size_bytes // 4, device="cuda")
    y = torch.empty_like(x)
    read = time_step(lambda: x.sum(), repeats=repeats, warmup=1, wait=sync).min
    copy = time_step(lambda: y.copy_(x), repeats=repeats, warmup=1, wait=sync).min
    gemm = {}
    for dtype in dtypes:
        A = torch.rand(n, n, dtype=getattr(torch, np.dtype(dtype).name), device="cuda")
        gemm[np.dtype(dtype).name] = 2 * n**3 / time_step(lambda: A @ A, repeats=repeats, warmup=1, wait=sync).min
    return Rates(read=size_bytes / read, copy=2 * size_bytes / copy, gemm=gemm)


def measure_rates(dtypes, threads, gpu):
    """{"cpu": Rates, "gpu": Rates or None}: the CPU's with ``threads`` threads, the GPU's where PyTorch sees one."""
    with thread_limits(threads):
        rates = {"cpu": measure_cpu_rates(dtypes)}
    rates["gpu"] = measure_cuda_rates(dtypes) if gpu.get("torch") else None
    return rates


def is_bias(name):
    """Biases are named b, b1, b2, ... in every model of the catalogue."""
    return name.startswith("b")


def traffic(shapes, m, n_x, n_y, itemsize, kind):
    """(bytes, FLOPs) a step must move and compute, from the parameter shapes ``{name: shape}``.

    ``n_x``, ``n_y``: rows of X and Y; ``kind``: "forward" (J only) or "gradient".
    """
    if kind not in ("forward", "gradient"):
        raise ValueError(f"unknown kind of step {kind!r}; expected 'forward' or 'gradient'")
    sizes = {k: int(np.prod(s)) for k, s in shapes.items()}
    weights = [s for k, s in sizes.items() if not is_bias(k)]
    biases = sum(s for k, s in sizes.items() if is_bias(k))
    n_params = sum(sizes.values())
    flops = 2 * m * sum(weights) + m * biases
    moved = (n_x + n_y) * m + n_params
    if kind == "gradient":
        flops += 2 * m * sum(weights) + 2 * m * sum(weights[1:]) + m * biases
        moved += n_params
    return moved * itemsize, flops


def floor_seconds(n_bytes, flops, bandwidth, gemm_rate):
    """(floor in s, what bounds it: "memory" or "compute") = max(bytes / bandwidth, FLOPs / rate)."""
    memory, compute = n_bytes / bandwidth, flops / gemm_rate
    return (memory, "memory") if memory >= compute else (compute, "compute")


def floor_columns(subject, m, X, Y, kind, rates):
    """{MB_moved, GFLOP, floor_ms, bound} of one row's step, from the shapes and the measured ``rates``.

    ``rates``: the ``Rates`` of the row's device, or None (floor_ms NaN, bound empty).
    """
    n_bytes, flops = traffic(subject.param_shapes(), m, X.shape[0], Y.shape[0], X.dtype.itemsize, kind)
    cols = dict(MB_moved=n_bytes / 1e6, GFLOP=flops / 1e9, floor_ms=float("nan"), bound="")
    if rates is not None and X.dtype.name in rates.gemm:
        seconds, bound = floor_seconds(n_bytes, flops, rates.bandwidth, rates.gemm[X.dtype.name])
        cols.update(floor_ms=1e3 * seconds, bound=bound)
    return cols
