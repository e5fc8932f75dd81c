"""Verify a person's own derivation: their forward and backward against PyTorch, JAX and the
numerical witness, on a catalogue model, quantity by quantity, with one-line diagnoses.

``verify(target, model="seed_net")`` is the one call; ``handgrad verify`` and the pytest plugin
(``comparisons/pytest_plugin.py``) are thin layers over it. Modules, in the order a check runs:

    load           the code to verify: a file, a module, an object or a function
    forms          the shapes of code people write (the contract, the seed tutorial's), each read
                   into the derivation's names; detection tries them in order
    calls          the batches, calling the person's functions on them, what comes back or fails
    isolation      running the person's code in a child process with a time limit
    diagnose       one-line diagnoses of a wrong quantity's numbers
    verification   the rows of each batch, and ``Verification``, the result and its rendering
    api            ``verify`` itself and the references it checks against

The names are imported on first use, so ``import comparisons.verify`` is cheap and the child
process that runs a person's code (``isolation``) stays light.
"""

import importlib

HOMES = {
    "verify": "api", "EXTRA": "api",
    "Verification": "verification", "AUTOGRAD": "verification",
    "CannotVerify": "calls", "Failure": "calls", "UserRun": "calls", "CASES": "calls",
    "FORMS": "forms",
    "DEFAULT_TIMEOUT": "isolation",
}

__all__ = sorted(HOMES)


def __getattr__(name):
    if name in HOMES:
        return getattr(importlib.import_module(f"comparisons.verify.{HOMES[name]}"), name)
    raise AttributeError(f"module 'comparisons.verify' has no attribute {name!r}")
