"""Binary logistic regression (cross-entropy from the logits, L2 on W only) in PyTorch.

Same ``params`` keys and shapes as ``manual/logistic_regression.py``: X (n, m), W (1, n), b (1, 1),
Y (1, m) in [0, 1]. L_j = y softplus(-z) + (1 - y) softplus(z): stable at logits of +-1000, and
tiny losses and gradients keep their relative precision. ``softplus`` returns z itself above its
``threshold``; the default 20 would move dZ by up to e^-20 = 2e-9, visible at float64 tolerances,
so it is 40 here (e^-40 = 4e-18, below float64's rounding of 1). Not used:
``binary_cross_entropy_with_logits``, whose gradient sigmoid(z) - y cancels (0 instead of -3.5e-24
at y = 1, z = 54), and ``torch.logaddexp(z, 0)``, whose second derivative is NaN at z = -1000
(torch 2.13), which ``torch.func.hessian`` would report. No gradient is written here.
"""

from functools import partial

import torch

from manual import linear_model
from reference.taps import identity


def forward(params, X, tap=identity):
    """Z = W X + b, the logits (1, m)."""
    return tap("Z", params["W"] @ X + params["b"])  # z_j = W x_j + b: one affine map per example   (1, m)


def loss(params, X, Y, tap=identity, lam=0.0):
    """J = 1/m sum_j [y_j softplus(-z_j) + (1 - y_j) softplus(z_j)] + lambda/(2m) ||W||^2."""
    m = X.shape[1]
    Z = forward(params, X, tap)
    softplus = partial(torch.nn.functional.softplus, threshold=40.0)
    L = Y * softplus(-Z) + (1 - Y) * softplus(Z)   # -y log a - (1-y) log(1-a), both terms >= 0  (1, m)
    return L.sum() / m + lam / (2 * m) * (params["W"] ** 2).sum()  # no lambda on b


def configure(lam=0.0):
    """This model with its L2 strength bound (``forward``, ``loss``), as the manual twin's."""
    return linear_model.bind_lam(__name__, lam, linear_model.REFERENCE)
