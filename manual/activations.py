"""Activations and their derivatives, element-wise or column-wise (one column per example)."""

import numpy as np


def relu(Z):
    """g(Z) = max(0, Z), element-wise."""
    return np.maximum(Z, 0)


def relu_prime(Z):
    """g'(Z) = 1 where Z > 0, else 0 (so g'(0) = 0), in Z's dtype."""
    return (Z > 0).astype(Z.dtype)


def softmax(Z):
    """A[i, j] = exp(Z[i, j]) / sum_k exp(Z[k, j]); the column maximum is subtracted first.

    Z: (n_classes, m) -> A: (n_classes, m). Logits of +-1000 give no overflow and no NaN.
    The maximum is taken over the real part, so a complex Z (the complex-step witness) works too.
    """
    E = np.exp(Z - Z.real.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def log_softmax(Z):
    """log A[i, j] = Z[i, j] - max_k Z[k, j] - log sum_k exp(Z[k, j] - max_k Z[k, j]).

    Z: (n_classes, m) -> (n_classes, m), finite wherever Z is; complex Z as in ``softmax``.
    """
    S = Z - Z.real.max(axis=0, keepdims=True)
    return S - np.log(np.exp(S).sum(axis=0, keepdims=True))


LEAKY_SLOPE = 0.01  # the default of torch.nn.functional.leaky_relu and jax.nn.leaky_relu


def leaky_relu(Z):
    """g(Z) = Z where Z > 0, else 0.01 Z, element-wise."""
    return np.where(Z > 0, Z, LEAKY_SLOPE * Z)


def leaky_relu_prime(Z):
    """g'(Z) = 1 where Z > 0, else 0.01 (so g'(0) = 0.01, the slope on the left, as ReLU'(0) = 0)."""
    return np.where(Z > 0, Z.dtype.type(1), Z.dtype.type(LEAKY_SLOPE))


def sigmoid(Z):
    """g(Z) = 1 / (1 + e^-Z), element-wise, from E = e^-|Z| <= 1 so that no exp overflows.

    Z >= 0: 1 / (1 + E);  Z < 0: E / (1 + E).  Logits of +-1000 give exactly 1 and 0.
    A complex Z (the complex-step witness) branches on its real part: see ``minus_abs``.
    """
    E = np.exp(minus_abs(Z))
    return np.where(Z.real >= 0, 1 / (1 + E), E / (1 + E))


def sigmoid_prime(Z):
    """g'(Z) = g(Z) (1 - g(Z)), element-wise."""
    A = sigmoid(Z)
    return A * (1 - A)


def tanh(Z):
    """g(Z) = tanh(Z), element-wise."""
    return np.tanh(Z)


def tanh_prime(Z):
    """g'(Z) = 1 - tanh(Z)^2, element-wise."""
    return 1 - np.tanh(Z) ** 2


def identity(Z):
    """g(Z) = Z."""
    return Z


def identity_prime(Z):
    """g'(Z) = 1, element-wise, in Z's dtype."""
    return np.ones_like(Z)


def softplus(Z):
    """log(1 + e^Z) = logaddexp(0, Z), element-wise, finite for logits of +-1000.

    The binary cross-entropy from the logits: -y log g(z) - (1 - y) log(1 - g(z)) = softplus(z) - y z.
    A complex Z (np.logaddexp is real only) takes max(z, 0) + log(1 + e^-|z|), branching on Re z.
    """
    if np.iscomplexobj(Z):
        return np.where(Z.real >= 0, Z, 0) + np.log1p(np.exp(minus_abs(Z)))
    return np.logaddexp(0, Z)


def minus_abs(Z):
    """-|Z| for real Z; for complex Z, -Z or Z by the sign of Re Z, which is analytic (|z| is not).

    The complex-step witness evaluates the loss at theta + i h v and reads the derivative from the
    imaginary part; a branch chosen by the real part keeps every step analytic.
    """
    return np.where(Z.real >= 0, -Z, Z)
