"""Source text of code written in the seed tutorial's style, for tests to write into tmp_path.

``TUTORIAL`` is the tutorial's network done right (softmax with the maximum subtracted, m from X,
biases summed over the examples, one-hot of 10 classes); ``ORIGINAL`` is the tutorial as commonly
copied, with its four classic slips. ``variant(old, new)`` plants one change, checking it applies.
"""

TUTORIAL = '''\
import numpy as np


def ReLU(Z):
    return np.maximum(Z, 0)


def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def forward_prop(W1, b1, W2, b2, X):
    Z1 = W1.dot(X) + b1
    A1 = ReLU(Z1)
    Z2 = W2.dot(A1) + b2
    A2 = softmax(Z2)
    return Z1, A1, Z2, A2


def ReLU_deriv(Z):
    return Z > 0


def one_hot(Y):
    one_hot_Y = np.zeros((Y.size, 10))
    one_hot_Y[np.arange(Y.size), Y] = 1
    return one_hot_Y.T


def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
    m = X.shape[1]
    one_hot_Y = one_hot(Y)
    dZ2 = A2 - one_hot_Y
    dW2 = 1 / m * dZ2.dot(A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return dW1, db1, dW2, db2


if __name__ == "__main__":
    raise SystemExit("training would start here; verify never runs it")
'''

SLIPS = {
    "global m": ("    m = X.shape[1]\n", ""),
    "softmax without the maximum": ("E = np.exp(Z - Z.max(axis=0, keepdims=True))", "E = np.exp(Z)"),
    "one-hot by the largest label": ("np.zeros((Y.size, 10))", "np.zeros((Y.size, Y.max() + 1))"),
    "db2 summed over all axes": ("np.sum(dZ2, axis=1, keepdims=True)", "np.sum(dZ2)"),
}


def variant(old, new, source=TUTORIAL):
    """``source`` with ``old`` replaced by ``new`` (which must occur)."""
    assert old in source, f"{old!r} is not in the source"
    return source.replace(old, new)


def original():
    """The tutorial as commonly copied: a global m of 42,000, softmax without its maximum, a one-hot
    sized by the largest label, and biases summed over all axes."""
    source = "m = 42_000  # rows of the whole training file\n" + TUTORIAL
    for old, new in SLIPS.values():
        source = variant(old, new, source)
    return source.replace("np.sum(dZ1, axis=1, keepdims=True)", "np.sum(dZ1)")
