"""Verify a person's own derivation: their forward and backward against PyTorch, JAX and the
numerical witness, on a catalogue model, quantity by quantity, with one-line diagnoses.

``verify(target, model=None)`` is the one call (the model inferred from the form of the code);
``handgrad verify`` and the pytest plugin (``comparisons/pytest_plugin.py``) are thin layers over it. Modules, in the order a check runs:

    load           the code to verify: a file, a notebook, a module, an object or a function, read
                   as people keep it (definitions only when it does work at import, stand-ins
                   for modules not installed, siblings importable)
    statements     a file's or notebook's top-level statements, classified before any runs
    calls          the batches, calling the person's functions on them, what comes back or fails
    watching       what a call shows besides its result: inputs changed in place, locals not returned
    isolation      running the person's code in a child process with a time limit
    children       that child: ended on every way handgrad stops; its exits, output, memory and files named
    floating       where a NaN or inf first appears in the person's code (file, line, operation): the
                   batch run again under NumPy's floating-point error handling
    diagnose       one-line diagnoses of a wrong quantity's numbers
    model_fit      "Is this the right --model?": the catalogue model that fits when nearly everything differs
    verification   the rows of each batch, and ``Verification``, the result and its rendering
    api            ``verify`` itself and the references it checks against
    black_box      ``verify(cost=f, grad=g, params=theta)``: any gradient against the numerical witness,
                   for code no form knows
    named          the same with the three named in a file (``handgrad verify FILE --cost NAME --grad NAME
                   --params NAME``), run in the child process
    layer_calls    a CS231n-style layer file's function pairs, called on the layer catalogue's inputs in
                   the child process (``affine_forward``/``affine_backward``, ``batchnorm_backward_alt``, ...)
    layer_files    their backwards against the layers' vector-Jacobian products: one table for the file

The forms, the shapes of code people write (the project's contract, the seed tutorial's, ...), each
read into the derivation's names and detected by names and signatures, are a package of their own:
``comparisons.forms`` (``isolation`` asks it which form reads the code; ``FORMS`` is re-exported).

The names are imported on first use, so ``import comparisons.verify`` is cheap and the child
process that runs a person's code (``isolation``) stays light.
"""

import importlib

HOMES = {
    "verify": "api", "EXTRA": "api", "GradientCheck": "black_box",
    "Verification": "verification", "AUTOGRAD": "verification",
    "CannotVerify": "calls", "Failure": "calls", "UserRun": "calls", "CASES": "calls",
    "FORMS": "comparisons.forms",
    "DEFAULT_TIMEOUT": "isolation",
}

__all__ = sorted(HOMES)


def __getattr__(name):
    if name in HOMES:
        home = HOMES[name]   # a module of this package, or a whole module path
        return getattr(importlib.import_module(home if "." in home else f"comparisons.verify.{home}"), name)
    raise AttributeError(f"module 'comparisons.verify' has no attribute {name!r}")
