"""Label encodings."""

import numpy as np


def one_hot(y, n_classes, dtype=np.float64):
    """Y[k, j] = 1 if y[j] == k else 0.

    y: integer labels of shape (m,) in [0, n_classes) -> Y: (n_classes, m).
    The number of classes is explicit: a batch missing a class keeps that class's row (all zero),
    and a label outside the range is an error rather than a silently wider matrix.
    """
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels y have shape {y.shape} and dtype {y.dtype}; expected integers of shape (m,)")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels y range over [{y.min()}, {y.max()}]; expected [0, {n_classes - 1}]")
    Y = np.zeros((n_classes, y.size), dtype=dtype)
    Y[y, np.arange(y.size)] = 1
    return Y


def is_one_hot(Y):
    """Whether Y (K, m) is one-hot columns of more than one class: entries 0 or 1, one 1 per column."""
    return Y.shape[0] > 1 and bool(np.all((Y == 0) | (Y == 1))) and bool(np.all(Y.sum(axis=0) == 1))
