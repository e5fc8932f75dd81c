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
    """

    source: str
    loss: float
    grads: dict = field(default_factory=dict)
    intermediates: tuple = ()

    @property
    def dtype(self):
        return next(iter(self.grads.values())).dtype if self.grads else np.dtype(type(self.loss))
