"""Peak memory of a step: measured in a child process from the resident-memory high-water mark."""

import math
import subprocess
import sys

import pytest

from comparisons.bench import memory

CHILD = """
import numpy as np
from comparisons.bench import memory
assert memory.return_freed_memory()
np.ones(2**20)                                    # warm NumPy up
print(memory.peak_bytes(lambda: np.ones({n}).sum()) / 2**20)
"""


@pytest.mark.parametrize("mib", [16, 64])
def test_peak_of_a_known_allocation(mib):
    """A step that makes one array of n MiB adds n MiB at its peak (to within a few pages)."""
    code = CHILD.format(n=mib * 2**20 // 8)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert abs(float(out) - mib) < 2.5


@pytest.mark.slow
def test_every_job_is_reported_with_its_method(seed_net):
    jobs = [("float64", "gradient", "manual NumPy"), ("float64", "forward", "manual NumPy fast"),
            ("float64", "gradient", "numba")]
    rows = memory.measure_peak_memory(seed_net.name, None, 3000, 0, 1, jobs)
    assert [(r["dtype"], r["kind"], r["backend"]) for r in rows] == jobs
    assert rows[0]["peak_MiB"] > 1.0 and rows[0]["memory_how"] == memory.HOW_CPU   # dZ2, dA1, dZ1 alone: 0.7 MiB
    assert rows[1]["peak_MiB"] >= 0
    assert math.isnan(rows[2]["peak_MiB"]) and rows[2]["memory_how"].startswith("failed: ValueError: unknown backend")


def test_a_child_that_fails_gives_nan_rows_not_a_crash():
    rows = memory.measure_peak_memory("no_such_model", None, 10, 0, 1, [("float64", "forward", "jax.jit")])
    assert math.isnan(rows[0]["peak_MiB"]) and rows[0]["memory_how"].startswith("not measured")
