"""Planted mistakes in the hidden layer's activation derivative, and in the softmax (copies of
``right.seed_backward`` and ``right.seed_forward``, one idea changed, marked ``# planted``)."""

import numpy as np

from manual.activations import relu


def relu_derivative_left_out(params, cache, X, Y):
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1                                         # planted: g'(Z1) left out
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def sigmoid_derivative_for_relu(params, cache, X, Y):
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * A1 * (1 - A1)                         # planted: sigmoid's A (1 - A) on a ReLU layer
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def softmax_without_max(params, X):
    Z1 = params["W1"] @ X + params["b1"]
    A1 = relu(Z1)
    Z2 = params["W2"] @ A1 + params["b2"]
    A2 = np.exp(Z2) / np.exp(Z2).sum(axis=0)          # planted: no column maximum subtracted
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}

