"""A planted mistake in the tutorial's one-hot encoding (a copy of ``right.backward_prop`` and
``right.one_hot``, one idea changed, marked ``# planted``)."""

import numpy as np


def one_hot_by_largest_label(Y):
    one_hot_Y = np.zeros((Y.size, Y.max() + 1))       # planted: as many rows as the largest label + 1
    one_hot_Y[np.arange(Y.size), Y] = 1
    return one_hot_Y.T


def backward_prop_one_hot_by_largest_label(Z1, A1, Z2, A2, W1, W2, X, Y):
    m = X.shape[1]
    one_hot_Y = one_hot_by_largest_label(Y)           # planted: the one-hot above
    dZ2 = A2 - one_hot_Y
    dW2 = 1 / m * dZ2.dot(A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = W2.T.dot(dZ2) * (Z1 > 0)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return dW1, db1, dW2, db2
