"""The softmax (cross-entropy) loss and the multiclass SVM (hinge) loss as layers, derived by hand.

CS231n's layout: x (N, C) the scores, one row per example; y (N,) integer labels in 0..C-1; the loss
is the mean over the N examples, a 0-d array, so that the check's upstream gradient dout is 0-d too
and the backward returns dx = dout * dL/dx (N, C). The derivations are the models' (the softmax
regression's dZ = A - Y, manual/softmax_regression.py; the SVM's dZ = P - Y (1^T P), manual/svm.py),
with examples as rows here where the models keep them as columns: the helpers are called on x^T.

    softmax_loss:  L = -1/N sum_n log softmax(x_n)_{y_n}
                   dx = dout/N (softmax(x) - Y)                       Y (N, C) one-hot of y
    svm_loss:      D[n, k] = x[n, k] - x[n, y_n] + 1                  (the margins; D[n, y_n] = 1)
                   L = 1/N sum_n sum_{k != y_n} max(0, D[n, k])
                   P = [D > 0], 0 at k = y_n                           (the active hinges)
                   dx = dout/N (P - Y * (number of active hinges of the row))

The softmax is stable: log softmax subtracts the row's maximum before exponentiating
(``manual.activations.log_softmax``), so scores of +-1000 give a finite loss and gradient.

The SVM's kink: max(0, D) has no derivative at D = 0. The derivation takes the subgradient 0 there
(only D > 0 counts, as CS231n's ``if margin > 0`` and as the frameworks' ReLU'(0) = 0, which the twins
use for the hinge); the inputs keep every margin at least 0.1 from 0 (``Layer(kinks=True)``).
One-hot Y is sized by C = x.shape[1], never by the largest label seen (a known slip of this lineage).
"""

import numpy as np

from manual import svm
from manual.activations import log_softmax, softmax
from manual.layers import Layer
from manual.layers.affine import away_from_zero


def one_hot(y, C, dtype):
    """Y (N, C): Y[n, y_n] = 1, else 0; C from the scores, not from max(y)."""
    Y = np.zeros((y.shape[0], C), dtype)
    Y[np.arange(y.shape[0]), y] = 1
    return Y


def softmax_loss_forward(x, y):
    """L = -1/N sum_n log softmax(x_n)_{y_n}, a 0-d array; cache (x, y).

    x (N, C) scores, y (N,) integer labels; the log-softmax of manual.activations works on columns,
    so it is taken on x^T (C, N), the models' layout, and transposed back.
    """
    N = x.shape[0]
    log_probs = log_softmax(x.T).T                  # (N, C): x - max - log sum exp(x - max), finite at +-1000
    loss = -log_probs[np.arange(N), y].sum() / N    # the labelled class's log-probability, mean over N
    return np.asarray(loss), (x, y)


def softmax_loss_backward(dout, cache):
    """dx = dout/N (softmax(x) - Y) (N, C): the models' dZ = A - Y per example, then the mean's 1/N."""
    x, y = cache
    N, C = x.shape
    probs = softmax(x.T).T                         # A (N, C), rows summing to 1
    dscores = probs - one_hot(y, C, x.dtype)       # dZ = A - Y: the log-sum-exp's derivative less the label's
    return dout * dscores / N                      # the loss is a mean over N; dout scales the scalar loss


def svm_loss_forward(x, y):
    """L = 1/N sum_n sum_{k != y_n} max(0, x[n, k] - x[n, y_n] + 1), a 0-d array; cache (x, y).

    The margins are manual.svm's (D = Z - z_y + delta on columns), taken on x^T.
    """
    N, C = x.shape
    Y = one_hot(y, C, x.dtype)                     # (N, C)
    D = svm.margins(x.T, Y.T).T                    # (N, C): x[n, k] - x[n, y_n] + 1; D[n, y_n] = 1 exactly
    hinges = np.maximum(D, 0) * (1 - Y)            # max(0, D) for k != y_n only: the labelled class is left out
    return np.asarray(hinges.sum() / N), (x, y)


def svm_loss_backward(dout, cache):
    """dx = dout/N (P - Y * sum_k P[n, k]) (N, C), P the active hinges (0 at a margin of exactly 0)."""
    x, y = cache
    N, C = x.shape
    Y = one_hot(y, C, x.dtype)
    D = svm.margins(x.T, Y.T).T                    # the margins again (N, C)
    P = (D > 0) * (1 - Y)                          # active hinges, k != y_n; the subgradient 0 at D = 0
    dscores = P - Y * P.sum(axis=1, keepdims=True)  # dx[n, k] = P[n, k]; dx[n, y_n] = -(active hinges): x_y is in each
    return dout * dscores / N                      # the mean over N, times the scalar upstream gradient


def softmax_inputs(seed, dtype, N=5, C=4):
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((N, C)).astype(dtype), "y": rng.integers(0, C, N)}


def svm_inputs(seed, dtype, N=5, C=4):
    """Scores whose margins x[n, k] - x[n, y_n] + 1 (k != y_n) are all at least 0.1 from the kink at 0,
    about half of them positive: x[n, k] = x[n, y_n] - 1 + d, d standard normal with |d| >= 0.1."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, C, N)
    correct = rng.standard_normal((N, 1))          # x[n, y_n]
    x = correct - 1 + away_from_zero(rng, (N, C), np.float64)   # then D[n, k] = d[n, k] for k != y_n
    x[np.arange(N), y] = correct[:, 0]
    return {"x": x.astype(dtype), "y": y}


LAYERS = (
    Layer("softmax_loss", "losses", softmax_inputs, ("x",),
          summary="L = -1/N sum_n log softmax(x_n)_{y_n}, x (N, C), y (N,) labels"),
    Layer("svm_loss", "losses", svm_inputs, ("x",), kinks=True,
          summary="L = 1/N sum_n sum_{k != y_n} max(0, x_nk - x_{n y_n} + 1)"),
)
