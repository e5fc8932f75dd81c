"""Kinks: where a difference stencil straddles a point at which the loss is not differentiable.

A model names in ``KINKS`` the cache arrays whose entries enter a function with a kink at 0 (the
seed network's Z1 enters ReLU). The stencil theta - h, theta + h of an element crosses a kink when
the sign pattern (Z > 0) of any such array differs between its two ends: the difference quotient
then mixes two slopes and is no estimate of either one-sided derivative. Such elements are marked
``kink-crossed`` and counted, never failed. (``central`` first tries such a stencil again with
steps 10 and 100 times shorter; what still crosses at all three is kink-crossed.)
"""

import numpy as np


def sign_pattern(module, X, names):
    """``pattern(params) -> tuple of boolean arrays (Z > 0)``, one per name in ``names``; None if none.

    Runs the module's forward pass on ``X`` and reads the named arrays from its cache.
    """
    if not names:
        return None

    def pattern(params):
        _, cache = module.forward(params, X)
        return tuple(np.asarray(cache[n]) > 0 for n in names)

    return pattern


def crossed(before, after):
    """True when two sign patterns differ anywhere (the stencil between them crosses a kink)."""
    if before is None or after is None:
        return False
    return any(not np.array_equal(a, b) for a, b in zip(before, after))
