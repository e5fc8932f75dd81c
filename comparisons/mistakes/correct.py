"""The correct derivations every planted mistake is copied from, and the look-alikes: forms that
look wrong, or at least different, but are right.

The correct derivations, written plainly, one line per equation:

- ``seed_backward`` / ``seed_forward``: the seed network (784-10-10, ReLU, softmax), as
  manual/seed_net.py: params {"W1": (10, 784), "b1": (10, 1), "W2": (10, 10), "b2": (10, 1)},
  X (784, m), Y one-hot (10, m), cache {"Z1", "A1", "Z2", "A2"} each (10, m);
- ``course_backward``: the course network (sigmoid units, L2 lambda/(2m) on the weights), as
  manual/course_net.py, with lambda passed in;
- ``forward_prop`` / ``backward_prop`` (with ``one_hot``): the seed tutorial's functions, Y the
  integer labels (m,).

The look-alikes are copies of these with one line written another way, marked ``# looks wrong``;
each must pass the verifier. (``planted.py`` holds the copies with one line made wrong.)
"""

import numpy as np

from manual.activations import relu, relu_prime, sigmoid, softmax


def seed_backward(params, cache, X, Y):
    """dZ2 = A2 - Y, dW2 = 1/m dZ2 A1^T, db2 = 1/m sum_j dZ2, dA1 = W2^T dZ2, dZ1 = dA1 * g'(Z1), ..."""
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * relu_prime(Z1)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def seed_forward(params, X):
    """Z1 = W1 X + b1, A1 = ReLU(Z1), Z2 = W2 A1 + b2, A2 = softmax(Z2) (column maximum subtracted)."""
    Z1 = params["W1"] @ X + params["b1"]
    A1 = relu(Z1)
    Z2 = params["W2"] @ A1 + params["b2"]
    A2 = softmax(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def course_backward(params, cache, X, Y, lam):
    """As seed_backward with sigmoid's g'(Z1) = A1 (1 - A1) and lambda/m W added to each dW."""
    m = X.shape[1]
    W1, W2 = params["W1"], params["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m + lam / m * W2
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * A1 * (1 - A1)
    dW1 = dZ1 @ X.T / m + lam / m * W1
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def one_hot(Y):
    """The tutorial's one-hot, sized by the number of classes (10), not by the labels seen."""
    one_hot_Y = np.zeros((Y.size, 10))
    one_hot_Y[np.arange(Y.size), Y] = 1
    return one_hot_Y.T


def forward_prop(W1, b1, W2, b2, X):
    """The tutorial's forward pass, with a softmax that subtracts the column maximum."""
    Z1 = W1.dot(X) + b1
    A1 = relu(Z1)
    Z2 = W2.dot(A1) + b2
    A2 = softmax(Z2)
    return Z1, A1, Z2, A2


def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
    """The tutorial's backward pass, corrected: m from X, biases summed over the examples only."""
    m = X.shape[1]
    one_hot_Y = one_hot(Y)
    dZ2 = A2 - one_hot_Y
    dW2 = 1 / m * dZ2.dot(A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = W2.T.dot(dZ2) * (Z1 > 0)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return dW1, db1, dW2, db2


# Look-alikes: right, though one line looks wrong (each marked ``# looks wrong``).
def relu_derivative_from_a1(params, cache, X, Y):
    m = X.shape[1]
    W2 = params["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (A1 > 0)                              # looks wrong: A1 > 0 exactly where Z1 > 0
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def bias_as_mean_and_product(params, cache, X, Y):
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.mean(axis=1, keepdims=True)             # looks wrong: no 1/m, but a mean is sum / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * relu_prime(Z1)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1 @ np.ones((m, 1)) / m                   # looks wrong: a product with ones is the sum
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def dz2_by_indexing(params, cache, X, Y):
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2.copy()
    dZ2[Y.argmax(axis=0), np.arange(m)] -= 1          # looks wrong: subtract 1 at each label = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * relu_prime(Z1)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def weights_by_loop_over_examples(params, cache, X, Y):
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = sum(np.outer(dZ2[:, j], A1[:, j]) for j in range(m)) / m   # looks wrong: the course's loop
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * relu_prime(Z1)
    dW1 = np.einsum("ij,kj->ik", dZ1, X) / m          # looks wrong: einsum of the same product
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def softmax_by_logsumexp(params, X):
    Z1 = params["W1"] @ X + params["b1"]
    A1 = relu(Z1)
    Z2 = params["W2"] @ A1 + params["b2"]
    top = Z2.max(axis=0, keepdims=True)
    A2 = np.exp(Z2 - top - np.log(np.exp(Z2 - top).sum(axis=0)))   # looks wrong: exp(Z - logsumexp Z)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def course_derivative_from_z1(params, cache, X, Y, lam):
    m = X.shape[1]
    W1, W2 = params["W1"], params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m + lam / m * W2
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * sigmoid(Z1) * (1 - sigmoid(Z1))       # looks wrong: g'(Z1) recomputed from Z1
    dW1 = dZ1 @ X.T / m + lam / m * W1
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
