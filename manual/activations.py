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
    """
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def log_softmax(Z):
    """log A[i, j] = Z[i, j] - max_k Z[k, j] - log sum_k exp(Z[k, j] - max_k Z[k, j]).

    Z: (n_classes, m) -> (n_classes, m), finite wherever Z is.
    """
    S = Z - Z.max(axis=0, keepdims=True)
    return S - np.log(np.exp(S).sum(axis=0, keepdims=True))
