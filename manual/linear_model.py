"""What the linear models share: the logits Z = W X + b, their input checks, and configure(lam).

Linear, logistic and softmax regression (``manual/linear_regression.py``, ``logistic_regression.py``,
``softmax_regression.py``) and the multiclass SVM (``svm.py``) differ only in the output g and the
loss on top of one affine map. Shapes (one column per example, m = X.shape[1]; K = 1 output for
linear and logistic regression):

    X : (n, m)    W : (K, n)    b : (K, 1)    Z, A : (K, m)    Y : (K, m)

n and K are read from W, so one module serves any number of features (and of classes).
A classifier configured with ``bias=False`` has no b at all: Z = W X, params {W} (CS231n's
``softmax_loss_naive(W, X, y, reg)`` and ``svm_loss_naive``, whose bias trick is a column of X).
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


def check_inputs(params, X, Y=None, classes=False, labels=None, bias=True):
    """ValueError naming the array whose shape, dtype or values do not fit; n is W's column count.

    ``classes``: K is W's row count, at least 2 (softmax regression, the SVM); otherwise K = 1.
    ``labels(Y)`` checks Y's values once its shape is right. ``bias=False``: params hold W alone.
    """
    shapes = {"W": (None, None) if classes else (1, None), "b": (None, 1) if classes else (1, 1)}
    check_params(params, shapes if bias else {"W": shapes["W"]})
    n_y = params["W"].shape[0]
    if classes and n_y < 2:
        raise ValueError(f"W has shape {params['W'].shape}; expected at least 2 classes (rows)")
    if classes and bias:
        check_array("b", params["b"], (n_y, 1))
    check_data(params, X, Y, params["W"].shape[1], n_y, labels)


def check_bias(bias):
    """``bias`` if it is True (z = W X + b) or False (z = W X, no b); a ValueError otherwise."""
    if not isinstance(bias, bool):
        raise ValueError(f"bias is {bias!r}; expected True (z = W X + b) or False (z = W X: no b)")
    return bias


def forward(params, X, g=None, bias=True):
    """Z = W X + b (Z = W X without a bias) and, for a model with an output function g, A = g(Z):
    (A, cache {Z, A}), else (Z, {Z})."""
    Z = params["W"] @ X + params["b"] if bias else params["W"] @ X  # z_j = W x_j + b per example   (K, m)
    check_finite_through(X, Z)             # a finite Z proves a finite X, at K/n of X's scan
    if g is None:
        return Z, {"Z": Z}
    A = g(Z)                               # a_j = g(z_j), column by column                 (K, m)
    return A, {"Z": Z, "A": A}


def bind_lam(module_name, lam, names=MANUAL, penalty=None, bias=None):
    """The module ``module_name`` with its L2 strength bound: an object holding ``names``, where each
    of ``loss``, ``backward`` and ``hessian`` takes ``lam`` (and ``penalty``, how lambda is written, for
    a module that takes it: ``manual/regularisation.py``) from it (catalogue.Model's ``configure``).
    ``bias`` (for a module that takes it): every function of ``names`` takes it, so that the shapes,
    the checks and the derivation all see the model with b (True) or without (False)."""
    lam = check_lam(lam)
    module = sys.modules[module_name]
    fixed = {"lam": lam} if penalty is None else {"lam": lam, "penalty": regularisation.check_penalty(penalty)}
    shape = {} if bias is None else {"bias": check_bias(bias)}

    def bound(name):
        f = getattr(module, name)
        if not callable(f):
            return f                                       # INTERMEDIATES, KINKS
        keywords = {**(fixed if name in ("loss", "backward", "hessian") else {}), **shape}
        return partial(f, **keywords) if keywords else f

    return SimpleNamespace(**fixed, **shape, **{n: bound(n) for n in names})
