"""Every planted mistake: a whole copy of a correct derivation in ``correct.py`` with one line
changed, marked ``# planted``, so a reader sees the mistake in its context (``handgrad mistakes``
finds the marked line by reading this source: ``exhibit.planted_line``).

Shapes are the originals': params {"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h),
"b2": (n_y, 1)}, X (n_x, m), Y one-hot (n_y, m); the seed network is 784-10-10, so W2 is square
(which is why a missing transpose still runs). The tutorial's functions take integer labels Y (m,).
"""

import numpy as np

from manual.activations import relu, relu_prime

M_TRAIN = 42_000   # the tutorial's m, read once from the whole training file


# Scale and shape, in the seed network's backward pass (copies of ``correct.seed_backward``).
def missing_one_over_m(params, cache, X, Y):
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T                                  # planted: the 1/m left out
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * relu_prime(Z1)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def bias_summed_over_all_axes(params, cache, X, Y):
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2) / m                             # planted: no axis=1, a scalar
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * relu_prime(Z1)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def global_m(params, cache, X, Y):
    m = M_TRAIN                                       # planted: a global m, not this batch's
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


def single_element(params, cache, X, Y):
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.zeros((dZ2.shape[0], 1))
    for k in range(1, dZ2.shape[0]):                  # planted: a loop from 1, as in 1-based maths
        db2[k] = dZ2[k].sum() / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * relu_prime(Z1)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


# Sign and transposition, in the seed network's backward pass (copies of ``correct.seed_backward``).
def y_minus_a(params, cache, X, Y):
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = Y - A2                                      # planted: Y - A2, the gradient of -J
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * relu_prime(Z1)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def missing_transpose(params, cache, X, Y):
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2 @ dZ2                                    # planted: W2 where W2.T belongs (W2 is square)
    dZ1 = dA1 * relu_prime(Z1)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def operands_swapped(params, cache, X, Y):
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * relu_prime(Z1)
    dW1 = X @ dZ1.T / m                               # planted: X dZ1^T, the transpose of dW1
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


# The hidden layer's activation derivative (copies of ``correct.seed_backward``), and the softmax
# (a copy of ``correct.seed_forward``).
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


# The tutorial's one-hot encoding (copies of ``correct.one_hot`` and ``correct.backward_prop``).
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


# L2 regularisation on the course network (sigmoid units, loss with lambda/(2m) (||W1||^2 + ||W2||^2),
# biases excluded): copies of ``correct.course_backward``. The gradient of lambda/(2m) ||W||^2 is
# lambda/m W.
def bias_regularised(params, cache, X, Y, lam):
    m = X.shape[1]
    W1, W2 = params["W1"], params["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m + lam / m * W2
    db2 = dZ2.sum(axis=1, keepdims=True) / m + lam / m * params["b2"]   # planted: L2 on the bias
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * A1 * (1 - A1)
    dW1 = dZ1 @ X.T / m + lam / m * W1
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def l2_term_dropped(params, cache, X, Y, lam):
    m = X.shape[1]
    W1, W2 = params["W1"], params["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m                              # planted: lambda/m W2 dropped
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * A1 * (1 - A1)
    dW1 = dZ1 @ X.T / m + lam / m * W1
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def l2_term_halved(params, cache, X, Y, lam):
    m = X.shape[1]
    W1, W2 = params["W1"], params["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m + lam / (2 * m) * W2         # planted: the loss's lambda/(2m) copied
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * A1 * (1 - A1)
    dW1 = dZ1 @ X.T / m + lam / m * W1
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def l2_term_doubled(params, cache, X, Y, lam):
    m = X.shape[1]
    W1, W2 = params["W1"], params["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m + 2 * lam / m * W2           # planted: 2 lambda/m, the 2 of W^2 kept twice
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * A1 * (1 - A1)
    dW1 = dZ1 @ X.T / m + lam / m * W1
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
