"""What the three convex models share: the logits Z = W X + b, their input checks, and configure(lam).

Linear, logistic and softmax regression (``manual/linear_regression.py``, ``logistic_regression.py``,
``softmax_regression.py``) differ only in the output g and the loss on top of one affine map.
Shapes (one column per example, m = X.shape[1]; K = 1 output for linear and logistic regression):

    X : (n, m)    W : (K, n)    b : (K, 1)    Z, A : (K, m)    Y : (K, m)

n and K are read from W, so one module serves any number of features (and of classes).
Their PyTorch and JAX twins take ``configure`` from here too (``bind_lam``).
"""

import sys
from functools import partial
from types import SimpleNamespace

from manual import regularisation
from manual.validate import check_array, check_data, check_finite_through, check_lam, check_params

MANUAL = ("INTERMEDIATES", "KINKS", "param_shapes", "init_params", "check_inputs", "forward", "loss",
          "backward", "hessian")   # the manual model contract, with the Hessian of a convex model
REFERENCE = ("forward", "loss")    # a reference twin's


def check_inputs(params, X, Y=None, classes=False, labels=None):
    """ValueError naming the array whose shape, dtype or values do not fit; n is W's column count.

    ``classes``: K is W's row count, at least 2 (softmax regression); otherwise K = 1.
    ``labels(Y)`` checks Y's values once its shape is right.
    """
    if classes:
        check_params(params, {"W": (None, None), "b": (None, 1)})
        n_y = params["W"].shape[0]
        if n_y < 2:
            raise ValueError(f"W has shape {params['W'].shape}; expected at least 2 classes (rows)")
        check_array("b", params["b"], (n_y, 1))
    else:
        check_params(params, {"W": (1, None), "b": (1, 1)})
        n_y = 1
    check_data(params, X, Y, params["W"].shape[1], n_y, labels)


def forward(params, X, g=None):
    """Z = W X + b and, for a model with an output function g, A = g(Z): (A, cache {Z, A}), else (Z, {Z})."""
    Z = params["W"] @ X + params["b"]      # z_j = W x_j + b: one affine map per example   (K, m)
    check_finite_through(X, Z)             # a finite Z proves a finite X, at K/n of X's scan
    if g is None:
        return Z, {"Z": Z}
    A = g(Z)                               # a_j = g(z_j), column by column                 (K, m)
    return A, {"Z": Z, "A": A}


def bind_lam(module_name, lam, names=MANUAL, penalty=None):
    """The module ``module_name`` with its L2 strength bound: an object holding ``names``, where each
    of ``loss``, ``backward`` and ``hessian`` takes ``lam`` (and ``penalty``, how lambda is written, for
    a module that takes it: ``manual/regularisation.py``) from it (catalogue.Model's ``configure``)."""
    lam = check_lam(lam)
    module = sys.modules[module_name]
    fixed = {"lam": lam} if penalty is None else {"lam": lam, "penalty": regularisation.check_penalty(penalty)}
    bound = {n: partial(getattr(module, n), **fixed) if n in ("loss", "backward", "hessian") else getattr(module, n)
             for n in names}
    return SimpleNamespace(**fixed, **bound)
