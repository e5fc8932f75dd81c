"""Forms that look wrong, or at least different, but are right: each must pass the verifier.
Copies of the right derivations with one line written another way, marked ``# looks wrong``."""

import numpy as np

from manual.activations import relu, relu_prime, sigmoid


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
