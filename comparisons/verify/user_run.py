"""What the person's code computed on one batch, in the derivation's names."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class UserRun:
    """forward: forward values it returned ({"Z1": ..., "A2": ...}), empty if it used the catalogue's;
    loss: its J, or None when it has no loss function; grads: {"dW1": ..., "dZ2": ...};
    warnings: NumPy warnings its calls raised, as text."""

    forward: dict = field(default_factory=dict)
    loss: float = None
    grads: dict = field(default_factory=dict)
    warnings: tuple = ()
