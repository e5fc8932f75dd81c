"""Seeded batches of the seed network's shape, made by the tests themselves (nothing downloaded), and the
backends x seeds grid the tests draw them for."""

import numpy as np
import pytest

from manual.encoding import one_hot


def seed_batch(m, seed, dtype=np.float64, n_classes=10):
    """X (784, m) uniform in [0, 1) and one-hot Y (10, m) from seeded labels in [0, n_classes)."""
    rng = np.random.default_rng(seed)
    X = rng.random((784, m)).astype(dtype)
    y = rng.integers(0, n_classes, size=m)
    return X, one_hot(y, 10, dtype=dtype)


def backend_seed_grid(seeds, backends=("torch", "jax")):
    """``pytest.param(backend, seed)`` for every seed and backend; JAX after the first seed is ``slow``.

    JAX compiles its program anew on every call (0.3-1 s on 2 cores) where torch runs eagerly in
    milliseconds: the quick run (``-m "not slow"``) calls JAX at the first seed only.
    """
    return [pytest.param(backend, seed, id=f"{backend}-{seed}",
                         marks=pytest.mark.slow if backend == "jax" and seed != seeds[0] else ())
            for seed in seeds for backend in backends]


def relu_zeros_batch(model):
    """``(params, X, Y, zeros)``: 12 seed examples, three of them blank images, and every other b1 set to
    0, so that Z1 == 0 exactly at the True entries of ``zeros`` (at least 15): ReLU's kink, where every
    source takes g_ReLU'(0) = 0."""
    X, Y = seed_batch(12, 0)
    X[:, :3] = 0.0
    params = model.init_params(0)
    params["b1"][::2] = 0.0
    _, cache = model.manual.forward(params, X)
    zeros = cache["Z1"] == 0
    assert zeros.sum() >= 15
    return params, X, Y, zeros
