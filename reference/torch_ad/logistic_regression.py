"""Binary logistic regression (cross-entropy from the logits, L2 on W only) in PyTorch.

Same ``params`` keys and shapes as ``manual/logistic_regression.py``: X (n, m), W (1, n), b (1, 1),
Y (1, m) in [0, 1]. The loss is PyTorch's own ``binary_cross_entropy_with_logits``, stable at
logits of +-1000 (``torch.nn.functional.softplus`` is not used: above z = 20 it returns z itself,
which moves dZ by up to 2e-9, visible at float64 tolerances). No gradient is written here.
"""

from functools import partial
from types import SimpleNamespace

import torch

from reference.taps import identity


def forward(params, X, tap=identity):
    """Z = W X + b, the logits (1, m)."""
    return tap("Z", params["W"] @ X + params["b"])


def loss(params, X, Y, tap=identity, lam=0.0):
    """J = 1/m sum_j [-y log g(z) - (1 - y) log(1 - g(z))] + lambda/(2m) ||W||^2."""
    m = X.shape[1]
    Z = forward(params, X, tap)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(Z, Y, reduction="sum")
    return bce / m + lam / (2 * m) * (params["W"] ** 2).sum()


def configure(lam=0.0):
    """This model with its L2 strength bound (checked by the manual twin, which runs first)."""
    return SimpleNamespace(lam=lam, forward=forward, loss=partial(loss, lam=lam))
