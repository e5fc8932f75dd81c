"""The course-style network (400-25-10, sigmoid units, summed binary cross-entropy, L2) in PyTorch.

Same ``params`` keys and shapes as ``manual/course_net.py``: X (n_x, m), W1 (n_h, n_x), b1 (n_h, 1),
W2 (n_y, n_h), b2 (n_y, 1), Y one-hot (n_y, m). No gradient is written here: autograd derives them.
The loss comes from the logits through ``binary_cross_entropy_with_logits`` (stable at +-1000).
"""

import torch
import torch.nn.functional as F

from manual.mlp_config import check_config
from reference.taps import identity


def configure(n_x=400, n_h=25, n_y=10, lam=1.0):
    """A ``CourseNet`` with L2 strength lambda; the sizes are read from ``params``."""
    config = check_config((n_x, n_h, n_y), ("sigmoid",), "sigmoid", "binary_cross_entropy", lam)
    return CourseNet(config.lam)


class CourseNet:
    """``forward(params, X, tap)`` and ``loss(params, X, Y, tap)``."""

    def __init__(self, lam):
        self.lam = lam

    def forward(self, params, X, tap=identity):
        """Z1 = W1 X + b1, A1 = sigmoid(Z1), Z2 = W2 A1 + b2; returns the logits Z2 (n_y, m)."""
        Z1 = tap("Z1", params["W1"] @ X + params["b1"])
        A1 = tap("A1", torch.sigmoid(Z1))
        return tap("Z2", params["W2"] @ A1 + params["b2"])

    def loss(self, params, X, Y, tap=identity):
        """J = 1/m sum_j sum_k BCE(sigmoid(Z2), Y) + lambda/(2m) (||W1||^2 + ||W2||^2)."""
        m = X.shape[1]
        Z2 = self.forward(params, X, tap)
        data = F.binary_cross_entropy_with_logits(Z2, Y, reduction="sum") / m
        return data + self.lam / (2 * m) * ((params["W1"] ** 2).sum() + (params["W2"] ** 2).sum())
