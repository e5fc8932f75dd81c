"""What one source (manual, torch, jax) computed for one model on one batch."""

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Result:
    """The loss J and every gradient, in the derivation's names and convention.

    source:        "manual", "torch", "jax", ...
    loss:          J, a float
    grads:         {"dW1": array, ..., "dZ1": array}; intermediates per example (m · dJ/dZ)
    intermediates: the keys of ``grads`` that are intermediates rather than parameter gradients

    A witness that measures only part of what a derivation holds (the numerical witness) also sets:
    masks:         {quantity: boolean array of its shape}, True where the element was measured; a
                   quantity without a mask is measured everywhere
    covers:        the quantities it can give at all; ``compare`` leaves the other side's quantities
                   outside it alone instead of calling them MISSING (None: it covers everything)
    rtol:          the accuracy of its method; ``compare`` uses the larger of this and the dtype's rtol
    """

    source: str
    loss: float
    grads: dict = field(default_factory=dict)
    intermediates: tuple = ()
    masks: dict = field(default_factory=dict)
    covers: tuple = None
    rtol: float = 0.0

    @property
    def dtype(self):
        return next(iter(self.grads.values())).dtype if self.grads else np.dtype(type(self.loss))
