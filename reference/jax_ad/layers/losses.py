"""The softmax loss and the multiclass SVM loss in JAX (forward only), the twins of
``manual/layers/losses.py``; each returns the mean loss as a 0-d array."""

import jax
import jax.numpy as jnp


def softmax_loss_forward(x, y):
    # -1/N sum_n log softmax(x_n)_{y_n}; jax.nn.log_softmax subtracts the row maximum (stable at +-1000)
    log_probs = jax.nn.log_softmax(x, axis=1)
    return -jnp.take_along_axis(log_probs, y[:, None], axis=1).mean()


def svm_loss_forward(x, y):
    N, C = x.shape
    Y = jax.nn.one_hot(y, C, dtype=x.dtype)                          # (N, C), sized by C
    D = x - (Y * x).sum(axis=1, keepdims=True) + 1                   # margins x_nk - x_{n y_n} + 1
    # the hinge as ReLU: its derivative at 0 is 0, the derivation's subgradient (maximum would give 1/2)
    return (jax.nn.relu(D) * (1 - Y)).sum() / N
