"""The machine's floor: byte and FLOP counts from shapes, and max(bytes / bandwidth, FLOPs / rate)."""

import math

import numpy as np
import pytest

from comparisons.bench import Subject, floor, with_ratios
from manual import seed_net

SEED_SHAPES = seed_net.param_shapes()      # W1 10x784, b1 10x1, W2 10x10, b2 10x1: 7,960 parameters


@pytest.mark.parametrize("itemsize", [4, 8])
def test_seed_net_forward_traffic(itemsize):
    n_bytes, flops = floor.traffic(SEED_SHAPES, 1000, 784, 10, itemsize, "forward")
    assert n_bytes == ((784 + 10) * 1000 + 7960) * itemsize      # X, Y and the parameters read once
    assert flops == 2 * 1000 * (7840 + 100) + 1000 * (10 + 10)   # W1 X, W2 A1, and the bias additions


def test_seed_net_gradient_traffic():
    n_bytes, flops = floor.traffic(SEED_SHAPES, 1000, 784, 10, 8, "gradient")
    assert n_bytes == ((784 + 10) * 1000 + 2 * 7960) * 8          # ... and the gradients written once
    forward = 2 * 1000 * 7940 + 1000 * 20
    dW = 2 * 1000 * 7940                                          # dW1 = dZ1 X^T, dW2 = dZ2 A1^T
    dA = 2 * 1000 * 100                                           # dA1 = W2^T dZ2; no dA0 (X needs none)
    assert flops == forward + dW + dA + 1000 * 20


def test_single_layer_has_no_input_gradient():
    _, flops = floor.traffic({"W": (1, 30), "b": (1, 1)}, 500, 30, 1, 8, "gradient")
    assert flops == 2 * 500 * 30 + 500 + 2 * 500 * 30 + 500


def test_unknown_kind_raises():
    with pytest.raises(ValueError, match="unknown kind of step 'backward'"):
        floor.traffic(SEED_SHAPES, 10, 784, 10, 8, "backward")


@pytest.mark.parametrize("n_bytes, flops, expected", [
    (1e9, 1e9, (0.1, "memory")),       # 1 GB at 10 GB/s beats 1 GFLOP at 100 GFLOP/s
    (1e8, 1e11, (1.0, "compute")),     # 100 GFLOP at 100 GFLOP/s beats 0.1 GB at 10 GB/s
])
def test_floor_is_the_larger_bound(n_bytes, flops, expected):
    seconds, bound = floor.floor_seconds(n_bytes, flops, bandwidth=1e10, gemm_rate=1e11)
    assert math.isclose(seconds, expected[0]) and bound == expected[1]


def test_bandwidth_is_the_better_of_read_and_copy():
    assert floor.Rates(read=2e10, copy=1.5e10, gemm={}).bandwidth == 2e10
    assert floor.Rates(read=1e10, copy=1.5e10, gemm={}).bandwidth == 1.5e10


def test_floor_columns_use_the_row_dtype(seed_net):
    rates = floor.Rates(read=1e10, copy=1e10, gemm={"float64": 1e11, "float32": 2e11})
    X, Y = np.zeros((784, 1000)), np.zeros((10, 1000))
    cols = floor.floor_columns(Subject(seed_net), 1000, X, Y, "forward", rates)
    n_bytes, flops = floor.traffic(SEED_SHAPES, 1000, 784, 10, 8, "forward")
    assert math.isclose(cols["floor_ms"], 1e3 * max(n_bytes / 1e10, flops / 1e11))
    assert cols["MB_moved"] == n_bytes / 1e6 and cols["GFLOP"] == flops / 1e9


def test_floor_columns_without_rates_are_nan(seed_net):
    cols = floor.floor_columns(Subject(seed_net), 10, np.zeros((784, 10)), np.zeros((10, 10)), "gradient", None)
    assert math.isnan(cols["floor_ms"]) and cols["GFLOP"] > 0


def test_ratios_to_floor_and_to_manual():
    base = dict(model="m", n_h=10, dtype="float64", m=5, kind="gradient")
    rows = with_ratios([dict(base, backend="manual NumPy", median_ms=4.0, floor_ms=2.0),
                        dict(base, backend="jax.jit", median_ms=2.0, floor_ms=float("nan"))])
    assert (rows[0]["vs_floor"], rows[0]["vs_manual"]) == (2.0, 1.0)
    assert math.isnan(rows[1]["vs_floor"]) and rows[1]["vs_manual"] == 0.5


def test_measured_rates_are_positive_and_finite():
    rates = floor.measure_cpu_rates(("float32",), size_bytes=2**20, n=64, repeats=1)
    assert rates.read > 0 and rates.copy > 0 and 0 < rates.gemm["float32"] < math.inf
