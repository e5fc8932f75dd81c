"""Seeded batches of the seed network's shape, made by the tests themselves (nothing downloaded)."""

import numpy as np

from manual.encoding import one_hot


def seed_batch(m, seed, dtype=np.float64, n_classes=10):
    """X (784, m) uniform in [0, 1) and one-hot Y (10, m) from seeded labels in [0, n_classes)."""
    rng = np.random.default_rng(seed)
    X = rng.random((784, m)).astype(dtype)
    y = rng.integers(0, n_classes, size=m)
    return X, one_hot(y, 10, dtype=dtype)
