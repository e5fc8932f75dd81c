"""Any-depth MLP in PyTorch, built from the same ``Config`` as ``manual/mlp.py``.

Same ``params`` keys and shapes: W_l (n_l, n_{l-1}), b_l (n_l, 1) for l = 1..L, X (n_0, m),
Y (n_L, m). No gradient is written here: autograd derives them. Leaky ReLU's slope is 0.01 and its
derivative at 0 is that slope (PyTorch's ``leaky_relu`` backward takes the slope where Z <= 0).
"""

import torch
import torch.nn.functional as F

from manual.mlp_config import check_config
from reference.taps import identity

HIDDEN = {
    "relu": torch.relu,
    "leaky_relu": lambda Z: F.leaky_relu(Z, negative_slope=0.01),
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "identity": lambda Z: Z,
}
LOSS_SUM = {  # sum over examples and output units, from the logits Z_L
    "cross_entropy": lambda Z, Y: -(Y * torch.log_softmax(Z, dim=0)).sum(),
    "binary_cross_entropy": lambda Z, Y: F.binary_cross_entropy_with_logits(Z, Y, reduction="sum"),
    "mse": lambda Z, Y: ((Z - Y) ** 2).sum() / 2,
}


def configure(sizes=(784, 10, 10), activations=("relu",), output="softmax", loss=None, lam=0.0,
              penalty="lambda/2m"):
    """An ``MLP``; the defaults are the seed network (784-10-10, ReLU, softmax + cross-entropy)."""
    return MLP(check_config(sizes, activations, output, loss, lam, penalty))


class MLP:
    """``forward(params, X, tap)`` and ``loss(params, X, Y, tap)`` for one ``Config``."""

    def __init__(self, config):
        self.config = config

    def forward(self, params, X, tap=identity):
        """Forward pass; returns the logits Z_L (the loss is taken from them, not from A_L)."""
        c, L, A = self.config, self.config.L, X
        for l in range(1, L + 1):
            Z = tap(f"Z{l}", params[f"W{l}"] @ A + params[f"b{l}"])  # Z_l = W_l A_{l-1} + b_l, A_0 = X  (n_l, m)
            if l < L:
                A = tap(f"A{l}", HIDDEN[c.activations[l - 1]](Z))   # A_l = g_l(Z_l)                   (n_l, m)
        return Z

    def loss(self, params, X, Y, tap=identity):
        """J = 1/m sum_j loss(Z_L, Y)[j] + c sum_l ||W_l||^2, c = lambda/(2m) by default (``penalty``)."""
        Z = self.forward(params, X, tap)
        m, c = X.shape[1], self.config
        data = LOSS_SUM[c.loss](Z, Y) / m                              # from the logits Z_L: finite at +-1000
        penalty = c.coefficient(m) * sum((params[f"W{l}"] ** 2).sum() for l in range(1, c.L + 1))  # no biases
        return data + penalty
