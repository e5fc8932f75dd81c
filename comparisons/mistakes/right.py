"""The correct derivations every planted mistake is a copy of, written plainly, one line per equation.

- ``seed_backward``: the seed network (784-10-10, ReLU, softmax), as manual/seed_net.py;
- ``course_backward``: the course network (sigmoid units, L2 lambda/(2m) on the weights), as
  manual/course_net.py, with lambda passed in;
- ``forward_prop`` / ``backward_prop``: the seed tutorial's functions, Y the integer labels (m,).
"""

import numpy as np

from manual.activations import relu, relu_prime, softmax


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
