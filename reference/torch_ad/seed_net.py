"""The seed network (784-10-10, ReLU, softmax, mean cross-entropy) in PyTorch.

Same ``params`` keys and shapes as ``manual/seed_net.py``: X (784, m), W1 (10, 784), b1 (10, 1),
W2 (10, 10), b2 (10, 1), Y one-hot (10, m). Read beside it, line against line: the inputs are
checked there (the harness runs the manual model first), and no gradient is written here:
autograd derives every one, of the parameters and of each tapped intermediate.
"""

import torch

from reference.taps import identity


def forward(params, X, tap=identity):
    """Forward pass; returns the logits Z2 (the loss takes log-softmax of them, not log of A2)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z1 = tap("Z1", W1 @ X + b1)        # Z1 = W1 A0 + b1, b1 added to every example's column        (10, m)
    A1 = tap("A1", torch.relu(Z1))     # A1 = g_ReLU(Z1) = max(0, Z1); its derivative at 0 is 0     (10, m)
    Z2 = tap("Z2", W2 @ A1 + b2)       # Z2 = W2 A1 + b2                                            (10, m)
    return Z2


def loss(params, X, Y, tap=identity):
    """J = -1/m sum_j sum_k Y[k, j] log A2[k, j]: the mean over examples, the sum over classes."""
    m = X.shape[1]
    Z2 = forward(params, X, tap)
    return -(Y * torch.log_softmax(Z2, dim=0)).sum() / m  # log A2 from Z2: finite where A2 underflows
