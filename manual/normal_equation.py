"""Linear regression's closed form: the normal equation with ridge, solved without an inverse.

Minimise J = 1/(2m) sum_j (W x_j + b - y_j)^2 + lambda/(2m) ||W||^2 (X (n, m), Y (1, m)).

    dJ/db = 0   =>  b = y_bar - W x_bar                  (x_bar (n, 1), y_bar: means over examples)
    dJ/dW = 0   =>  (Xc Xc^T + lambda I) W^T = Xc Yc^T   (Xc = X - x_bar, Yc = Y - y_bar: centred)

The second line is the normal equation of the least-squares problem
    min_W || [Xc^T; sqrt(lambda) I] W^T - [Yc^T; 0] ||^2,
which ``np.linalg.lstsq`` solves by SVD: no inverse, and no Gram matrix Xc Xc^T, whose condition
number is the square of Xc's. A constant feature column is a zero row of Xc; its singular value
is below lstsq's cut-off, and the minimum-norm solution gives it weight 0, as scikit-learn does.
The bias is not penalised: it stays b = y_bar - W x_bar for every lambda.
"""

import math

import numpy as np

from manual.validate import check_array, check_lam, check_same_dtype


def solve(X, Y, lam=0.0):
    """The minimiser {W (1, n), b (1, 1)} of J, in X's dtype."""
    if np.ndim(X) != 2:
        raise ValueError(f"X has shape {np.shape(X)}; expected (n, m): features by examples")
    check_array("X", X, (X.shape[0], None))
    check_array("Y", Y, (1, X.shape[1]))
    check_same_dtype({"X": X, "Y": Y})
    lam = check_lam(lam)
    n_x, m = X.shape
    if m < 1:
        raise ValueError("X has no examples (shape (n, 0)); expected at least one column")
    x_bar = X.mean(axis=1, keepdims=True)                       # x_bar = 1/m sum_j x_j           (n, 1)
    y_bar = Y.mean(axis=1, keepdims=True)                       # y_bar = 1/m sum_j y_j           (1, 1)
    Xc, Yc = X - x_bar, Y - y_bar                               # centred data                   (n, m), (1, m)
    A = np.vstack([Xc.T, math.sqrt(lam) * np.eye(n_x, dtype=X.dtype)])   # [Xc^T; sqrt(lambda) I]  (m+n, n)
    B = np.vstack([Yc.T, np.zeros((n_x, 1), X.dtype)])          # [Yc^T; 0]                      (m+n, 1)
    Wt = np.linalg.lstsq(A, B, rcond=None)[0]                   # W^T = argmin ||A W^T - B||^2   (n, 1)
    W = Wt.T                                                    #                                (1, n)
    b = y_bar - W @ x_bar                                       # b = y_bar - W x_bar            (1, 1)
    return {"W": W, "b": b}
