"""Linear multiclass SVM (hinges summed over the wrong classes, mean over examples, L2 on W only) in PyTorch.

Same ``params`` keys and shapes as ``manual/svm.py``: X (n, m), W (K, n), b (K, 1), Y one-hot (K, m);
without a bias (``configure(bias=False)``) params hold W alone and Z = W X. No gradient is written
here: autograd derives them. The hinge is ``torch.relu``, whose derivative at 0 is 0, the
derivation's subgradient at a margin of exactly 0; ``torch.clamp(D, min=0)`` would give 1 there and
``torch.maximum(D, 0)`` 1/2.
"""

import torch

from manual import linear_model, regularisation
from manual.svm import DELTA
from reference.taps import identity


def forward(params, X, tap=identity, *, bias=True):
    """Z = W X + b (W X without a bias), the scores (K, m)."""
    Z = params["W"] @ X + params["b"] if bias else params["W"] @ X  # z_j = W x_j + b per example   (K, m)
    return tap("Z", Z)


def loss(params, X, Y, tap=identity, lam=0.0, penalty=regularisation.DEFAULT, *, bias=True):
    """J = 1/m sum_j sum_{k != y_j} max(0, z_kj - z_{y_j} j + 1) + lambda/(2m) ||W||^2 (c: ``penalty``)."""
    m = X.shape[1]
    Z = forward(params, X, tap, bias=bias)
    D = Z - (Y * Z).sum(dim=0, keepdim=True) + DELTA      # margins: z_kj - z_{y_j} j + delta   (K, m)
    hinges = torch.relu(D) * (1 - Y)                       # k != y_j only
    return hinges.sum() / m + regularisation.coefficient(penalty, lam, m) * (params["W"] ** 2).sum()


def configure(lam=0.0, penalty=regularisation.DEFAULT, bias=True):
    """This model with its L2 strength and ``bias`` bound (``forward``, ``loss``), as the manual twin's."""
    return linear_model.bind_lam(__name__, lam, linear_model.REFERENCE, penalty, bias)
