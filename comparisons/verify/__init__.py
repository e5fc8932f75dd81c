"""Verify a person's own derivation: their forward and backward against PyTorch, JAX and the
numerical witness, on a catalogue model, quantity by quantity, with one-line diagnoses.

``verify(target, model="seed_net")`` is the one call (see ``api.py``); ``handgrad verify`` and the
pytest plugin (``comparisons/pytest_plugin.py``) are thin layers over it. The names are imported
on first use, so the child process that runs a person's code (``child.py``) stays light.
"""

__all__ = ["CannotVerify", "Verification", "verify"]


def __getattr__(name):
    if name == "CannotVerify":
        from comparisons.verify.errors import CannotVerify
        return CannotVerify
    if name in ("verify", "Verification"):
        from comparisons.verify import api
        return getattr(api, name)
    raise AttributeError(f"module 'comparisons.verify' has no attribute {name!r}")
