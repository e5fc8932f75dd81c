"""Linear regression's closed form by ``torch.linalg.lstsq``, formulated apart from the manual one.

The manual solution centres the data and recovers b afterwards. Here b is one more unknown:
with theta = [W^T; b] (n+1, 1), J's minimiser solves the least-squares problem
    min_theta || [X^T 1; sqrt(lambda) I 0] theta - [Y^T; 0] ||^2,
(the zero column: the bias is not penalised), handed as it stands to ``torch.linalg.lstsq``
with the SVD driver ``gelsd`` (minimum-norm when the system is rank deficient).
"""

import math

import numpy as np
import torch


def solve(X, Y, lam=0.0):
    """The minimiser {W (1, n), b (1, 1)} of J, as NumPy arrays in X's dtype."""
    X, Y = torch.from_numpy(np.ascontiguousarray(X)), torch.from_numpy(np.ascontiguousarray(Y))
    n_x, m = X.shape
    A = torch.cat([torch.cat([X.T, torch.ones(m, 1, dtype=X.dtype)], dim=1),
                   torch.cat([math.sqrt(lam) * torch.eye(n_x, dtype=X.dtype),
                              torch.zeros(n_x, 1, dtype=X.dtype)], dim=1)])     # (m+n, n+1)
    B = torch.cat([Y.T, torch.zeros(n_x, 1, dtype=X.dtype)])                   # (m+n, 1)
    theta = torch.linalg.lstsq(A, B, driver="gelsd").solution                  # (n+1, 1)
    return {"W": theta[:n_x].T.numpy(), "b": theta[n_x:].numpy()}
