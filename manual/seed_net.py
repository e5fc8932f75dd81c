"""The seed network, exactly as derived: 784-10-10, ReLU hidden layer, softmax output.

Shapes (one column per example, m = X.shape[1]):

    A0 = X : (784, m)    W1 : (10, 784)   b1 : (10, 1)   Z1, A1 : (10, m)
    Y      : (10, m)     W2 : (10, 10)    b2 : (10, 1)   Z2, A2 : (10, m)

Loss: mean over examples of the cross-entropy, summed over classes,
    J = -1/m sum_j sum_k Y[k, j] log A2[k, j].

The backward pass returns the derivation's per-example intermediates (dZ2 = A2 - Y is m times
dJ/dZ2 of the mean loss) and the parameter gradients (dW2 = 1/m dZ2 A1^T is exactly dJ/dW2).
Put beside reference/torch_ad/seed_net.py and reference/jax_ad/seed_net.py, the forward pass and
the loss read line against line; only this tree writes the backward pass.
"""

import numpy as np

from manual.activations import log_softmax, relu, relu_prime, softmax
from manual.init import uniform_params
from manual.validate import check_data, check_finite_through, check_params, checked

N_X, N_H, N_Y = 784, 10, 10
INTERMEDIATES = ("dZ2", "dA1", "dZ1")
KINKS = ("Z1",)  # Z1 enters ReLU, not differentiable at 0 (see comparisons/numerical/)


def param_shapes(n_x=N_X, n_h=N_H, n_y=N_Y):
    """{name: shape} of the parameters."""
    return {"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}


def init_params(seed=0, dtype=np.float64):
    """W, b ~ Uniform[-0.5, 0.5), as in the seed tutorial; never zero, which would hide mistakes."""
    return uniform_params(param_shapes(), seed, dtype)


def check_inputs(params, X, Y=None):
    """ValueError naming the array when a shape, dtype or value is not what the derivation needs.

    X is scanned for NaN/inf through Z1 in ``forward`` (see ``check_finite_through``).
    """
    check_params(params, param_shapes())
    check_data(params, X, Y, N_X, N_Y)


@checked(check_inputs)
def forward(params, X):
    """Forward pass; returns A2 and the cache (Z1, A1, Z2, A2)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z1 = W1 @ X + b1             # Z1 = W1 A0 + b1, b1 added to every example's column        (10, m)
    check_finite_through(X, Z1)  # a finite Z1 proves a finite X, at a 78th of X's scan
    A1 = relu(Z1)                # A1 = g_ReLU(Z1) = max(0, Z1)                               (10, m)
    Z2 = W2 @ A1 + b2            # Z2 = W2 A1 + b2                                            (10, m)
    A2 = softmax(Z2)             # A2 = g_softmax(Z2): each column sums to 1 over the classes (10, m)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


@checked(check_inputs)
def loss(params, X, Y):
    """J = -1/m sum_j sum_k Y[k, j] log A2[k, j]: the mean over examples, the sum over classes."""
    m = X.shape[1]
    _, cache = forward(params, X)
    return float(-(Y * log_softmax(cache["Z2"])).sum() / m)  # log A2 from Z2: finite where A2 underflows


@checked(check_inputs)
def backward(params, cache, X, Y):
    """Backward pass, line by line in reverse; returns every d<name>, keyed in the order computed."""
    m = X.shape[1]
    W2 = params["W2"]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y                              # softmax + cross-entropy: the log-sum-exp cancels        (10, m)
    dW2 = dZ2 @ A1.T / m                      # dW2 = 1/m dZ2 A1^T: the mean of each example's dz2 a1^T (10, 10)
    db2 = dZ2.sum(axis=1, keepdims=True) / m  # db2 = 1/m sum_j dZ2: b2 enters every example           (10, 1)
    dA1 = W2.T @ dZ2                          # dA1 = W2^T dZ2: Z2 = W2 A1 + b2 sends dZ2 back         (10, m)
    dZ1 = dA1 * relu_prime(Z1)                # dZ1 = dA1 * g_ReLU'(Z1): only where Z1 > 0; g'(0) = 0  (10, m)
    dW1 = dZ1 @ X.T / m                       # dW1 = 1/m dZ1 A0^T, as dW2 one layer down               (10, 784)
    db1 = dZ1.sum(axis=1, keepdims=True) / m  # db1 = 1/m sum_j dZ1                                    (10, 1)
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def update_params(params, grads, alpha):
    """One step of gradient descent: W := W - alpha dW, b := b - alpha db, for every layer."""
    return {k: params[k] - alpha * grads["d" + k] for k in params}
