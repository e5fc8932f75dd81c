"""Verify a person's own derivation: their forward and backward against PyTorch, JAX and the
numerical witness, on a catalogue model, quantity by quantity, with one-line diagnoses.

``verify(target, model="seed_net")`` is the one call (see ``api.py``); ``handgrad verify`` and the
pytest plugin (``comparisons/pytest_plugin.py``) are thin layers over it.
"""

from comparisons.verify.api import Verification, verify
from comparisons.verify.errors import CannotVerify

__all__ = ["CannotVerify", "Verification", "verify"]
