"""The affine layer and the element-wise activations as layers, derived by hand.

Shapes (CS231n's layout: examples are rows): x (N, d_1, ..., d_k), flattened to X (N, D) with
D = d_1 ... d_k; w (D, M); b (M,); out (N, M).

    affine:      out = X w + b             dX = dout w^T (reshaped to x's shape), dw = X^T dout,
                                           db = sum over n of dout[n]
    relu:        out = max(x, 0)           dx = dout * [x > 0]        (the subgradient 0 at x = 0)
    leaky_relu:  out = max(x, a x), 0<a<1  dx = dout * (1 if x > 0 else a)
    sigmoid:     out = 1 / (1 + e^-x)      dx = dout * out (1 - out)
    tanh:        out = tanh(x)             dx = dout * (1 - out^2)
"""

import numpy as np

from manual.layers import Layer


def affine_forward(x, w, b):
    """out = x.reshape(N, D) @ w + b; cache (x, w)."""
    X = x.reshape(x.shape[0], -1)           # (N, D): each example's features in one row
    out = X @ w + b                          # (N, M)
    return out, (x, w)


def affine_backward(dout, cache):
    """(dx, dw, db) for dout (N, M)."""
    x, w = cache
    X = x.reshape(x.shape[0], -1)
    dX = dout @ w.T                          # (N, D): d out[n, m] / d X[n, d] = w[d, m]
    dw = X.T @ dout                          # (D, M): summed over the examples n
    db = dout.sum(axis=0)                    # (M,): b is added to every row
    return dX.reshape(x.shape), dw, db


def relu_forward(x):
    """out = max(x, 0); cache x."""
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    """dx = dout where x > 0, else 0 (the subgradient at 0 is 0, as autograd takes it)."""
    x = cache
    return dout * (x > 0)


LEAK = 0.01     # leaky ReLU's slope below 0


def leaky_relu_forward(x, alpha=LEAK):
    """out = x where x > 0, else alpha x; cache (x, alpha)."""
    return np.where(x > 0, x, alpha * x), (x, alpha)


def leaky_relu_backward(dout, cache):
    """dx = dout where x > 0, else alpha dout."""
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha).astype(dout.dtype)


def sigmoid_forward(x):
    """out = 1 / (1 + e^-x), computed without overflow: e^-|x| never exceeds 1; cache out."""
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out, out


def sigmoid_backward(dout, cache):
    """dx = dout * s (1 - s), s = sigmoid(x): the derivative from the output alone."""
    s = cache
    return dout * s * (1 - s)


def tanh_forward(x):
    """out = tanh(x); cache out."""
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """dx = dout * (1 - tanh(x)^2)."""
    t = cache
    return dout * (1 - t ** 2)


def away_from_zero(rng, shape, dtype, gap=0.1):
    """Standard normal values with |value| >= gap: no element sits at (or within a step of) a kink at 0."""
    z = rng.standard_normal(shape)
    return (np.sign(z) * (gap + np.abs(z))).astype(dtype)


def affine_inputs(seed, dtype):
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((4, 3, 2)).astype(dtype), "w": rng.standard_normal((6, 5)).astype(dtype),
            "b": rng.standard_normal(5).astype(dtype)}


def elementwise_inputs(seed, dtype):
    return {"x": away_from_zero(np.random.default_rng(seed), (4, 5), dtype)}


LAYERS = (
    Layer("affine", "affine", affine_inputs, ("x", "w", "b"), summary="out = x.reshape(N, D) @ w + b"),
    Layer("relu", "affine", elementwise_inputs, ("x",), kinks=True, summary="out = max(x, 0)"),
    Layer("leaky_relu", "affine", elementwise_inputs, ("x",), options={"alpha": LEAK}, kinks=True,
          summary=f"out = max(x, {LEAK} x)"),
    Layer("sigmoid", "affine", elementwise_inputs, ("x",), summary="out = 1 / (1 + exp(-x))"),
    Layer("tanh", "affine", elementwise_inputs, ("x",), summary="out = tanh(x)"),
)
