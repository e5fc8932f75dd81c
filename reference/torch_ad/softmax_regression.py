"""Softmax regression (mean cross-entropy summed over classes, L2 on W only) in PyTorch.

Same ``params`` keys and shapes as ``manual/softmax_regression.py``: X (n, m), W (K, n), b (K, 1),
Y one-hot (K, m). No gradient is written here: autograd derives them.
"""

from functools import partial
from types import SimpleNamespace

import torch

from reference.taps import identity


def forward(params, X, tap=identity):
    """Z = W X + b, the logits (K, m)."""
    return tap("Z", params["W"] @ X + params["b"])


def loss(params, X, Y, tap=identity, lam=0.0):
    """J = -1/m sum_j sum_k y_kj log softmax(z_j)_k + lambda/(2m) ||W||^2."""
    m = X.shape[1]
    Z = forward(params, X, tap)
    return -(Y * torch.log_softmax(Z, dim=0)).sum() / m + lam / (2 * m) * (params["W"] ** 2).sum()


def configure(lam=0.0):
    """This model with its L2 strength bound (checked by the manual twin, which runs first)."""
    return SimpleNamespace(lam=lam, forward=forward, loss=partial(loss, lam=lam))
