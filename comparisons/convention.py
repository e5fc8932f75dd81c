"""The one place where autograd's gradients are put into the derivation's convention.

Autograd differentiates the mean loss J = 1/m sum_j L_j, so it returns dJ/dZ for an intermediate Z.
The derivation writes per-example intermediates instead: the seed's dZ2 = A2 - Y is dL_j/dZ2[:, j]
for each column j, which is m * dJ/dZ2. Parameter gradients need no factor: dW2 = 1/m dZ2 A1^T is
exactly dJ/dW2. Every report names this factor beside each intermediate (``PER_EXAMPLE``).
"""

PARAMETER = "dJ/dθ"
PER_EXAMPLE = "m · dJ/dZ"


def to_derivation(raw_grads, m, intermediates):
    """Autograd's ``{name: dJ/dname}`` -> the derivation's ``{"d" + name: ...}``.

    Names whose derivative ``"d" + name`` is in ``intermediates`` are multiplied by m; parameter
    gradients are kept as they are.
    """
    out = {}
    for name, g in raw_grads.items():
        d = "d" + name
        out[d] = g * m if d in intermediates else g
    return out


def scaling_of(quantity, intermediates):
    """How a quantity is scaled in the derivation: ``PER_EXAMPLE`` or ``PARAMETER``."""
    return PER_EXAMPLE if quantity in intermediates else PARAMETER
