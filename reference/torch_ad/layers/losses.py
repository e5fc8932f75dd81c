"""The softmax loss and the multiclass SVM loss in PyTorch (forward only), the twins of
``manual/layers/losses.py``.

Each returns the mean loss as a 0-d tensor, as the manual layer returns a 0-d array.
"""

import torch


def softmax_loss_forward(x, y):
    # -1/N sum_n log softmax(x_n)_{y_n}; log_softmax subtracts the row maximum (stable at +-1000)
    return torch.nn.functional.cross_entropy(x, y)


def svm_loss_forward(x, y):
    N, C = x.shape
    Y = torch.nn.functional.one_hot(y, C).to(x.dtype)               # (N, C), sized by C
    D = x - (Y * x).sum(dim=1, keepdim=True) + 1                     # margins x_nk - x_{n y_n} + 1
    # the hinge as ReLU: its derivative at 0 is 0, the derivation's subgradient (clamp would give 1)
    return (torch.relu(D) * (1 - Y)).sum() / N
