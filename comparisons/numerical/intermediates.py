"""Per-example intermediates dZ_l, witnessed through the biases b_l one example at a time.

The derivation's Z_l = W_l A_{l-1} + b_l adds b_l to every column, and its dZ_l is per example:
dZ_l[:, j] = dL_j / dZ_l[:, j], m times dJ/dZ_l of the mean loss. On a batch of the single example
j (m = 1) the loss is L_j, and db_l = dZ_l[:, j] exactly (no regulariser touches a bias). So the
difference quotients of L_j in the elements of b_l are a numerical witness of column j of dZ_l,
with no access to the model's insides. An intermediate with no bias of its own (dA_l) has none.
"""

import numpy as np

from comparisons.numerical.central import central_partials
from comparisons.numerical.complex_step import complex_loss, complex_partials
from comparisons.numerical.kinks import sign_pattern


def bias_of(intermediate, shapes):
    """The bias that witnesses ``dZ<l>``: ``b<l>`` of shape (n, 1), or None (e.g. for dA1)."""
    if not intermediate.startswith("dZ"):
        return None
    bias = "b" + intermediate[2:]
    shape = shapes.get(bias)
    return bias if shape is not None and len(shape) == 2 and shape[1] == 1 else None


def per_example(module, params, X, Y, names, columns, h, kinks=(), complex_ok=False):
    """{dZ name: (values, measured, crossed)}: (n, m) arrays, NaN and False where not measured.

    ``names``: the intermediates to witness; ``columns``: the examples j to measure; ``h``:
    {bias name: step} for central differences, unused when ``complex_ok``; ``kinks``: the KINKS
    names, whose sign pattern on the one-example batch marks crossed stencils.
    """
    shapes = {k: a.shape for k, a in params.items()}
    m = X.shape[1]
    out = {}
    for name in names:
        bias = bias_of(name, shapes)
        n = shapes[bias][0]
        values = np.full((n, m), np.nan)
        crossed = np.zeros((n, m), dtype=bool)
        for j in columns:
            Xj, Yj = X[:, j:j + 1], Y[:, j:j + 1]
            elements = [(bias, i) for i in range(n)]
            if complex_ok:
                values[:, j] = complex_partials(complex_loss(module, Xj, Yj), params, elements)
            else:
                values[:, j], crossed[:, j] = central_partials(
                    lambda P: module.loss(P, Xj, Yj), params, elements, h[bias], sign_pattern(module, Xj, kinks))
        measured = np.zeros((n, m), dtype=bool)
        measured[:, list(columns)] = True
        measured &= ~crossed
        out[name] = (np.where(measured, values, np.nan), measured, crossed)
    return out
