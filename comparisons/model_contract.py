"""The model contract as code: what a catalogue model provides, checked when the catalogue loads.

A catalogue model is one module name shared by three trees (README.md, "The model contract"):

    manual/<module>.py              the hand derivation (NumPy)
    reference/torch_ad/<module>.py  the same loss in PyTorch; gradients from autograd
    reference/jax_ad/<module>.py    the same loss in JAX; gradients from autograd

The manual side is the model (for a configurable model, the object ``configure(**config)`` returns):

    param_shapes() -> {name: shape}             "W1": (10, 784), "b1": (10, 1), ...
    init_params(seed, dtype) -> {name: array}   never all zeros: zeros hide wrong backward passes
    check_inputs(params, X, Y=None)             ValueError naming the array that is wrong
    forward(params, X) -> (output, cache)       X: (n_features, m), one column per example
    loss(params, X, Y) -> float                 mean over examples, sum over classes
    backward(params, cache, X, Y) -> dict       d<name> of every parameter and intermediate
    INTERMEDIATES                               the per-example intermediates, in backward order
    KINKS                                       cache names whose entries meet a kink at 0 (ReLU's Z);
                                                () for a smooth model. Required: a model without it
                                                must not be silently treated as smooth by the witness.
                                                Kinks that depend on the labels (the SVM's margins):
                                                forward(params, X, Y=None) caches them when given Y

Optional: ``configure(**config)`` (required when the entry has a config), what a report section
needs (``comparisons.sections.EXTRAS``: ``hessian``, ``backward_per_example``, ``lam``), and a fast form ``manual/<module>_fast.py`` (forward, loss, gradient, backward) for the bench.

Each reference module defines ``loss(params, X, Y, tap)`` (and ``configure`` for a configurable
model). References import their framework, so they are checked when first used (``check_reference``),
not when the catalogue loads: ``handgrad models`` must not start PyTorch and JAX.
"""

import importlib
import importlib.util
from pathlib import Path

from comparisons.sections import EXTRAS

MANUAL_FUNCTIONS = ("param_shapes", "init_params", "check_inputs", "forward", "loss", "backward")
MANUAL_TUPLES = ("INTERMEDIATES", "KINKS")
FAST_FUNCTIONS = ("forward", "loss", "gradient", "backward")
REFERENCE_FUNCTIONS = ("loss",)
PACKAGES = {"manual": "manual", "torch": "reference.torch_ad", "jax": "reference.jax_ad"}



class ContractError(TypeError):
    """A catalogue entry whose modules do not provide the model contract: a bug of ours, not bad input."""


def module_name(source, module):
    """``"manual.seed_net"``, ``"reference.torch_ad.seed_net"``, ...; ValueError for an unknown source."""
    if source not in PACKAGES:
        raise ValueError(f"unknown source {source!r}; expected one of {tuple(PACKAGES)}")
    return f"{PACKAGES[source]}.{module}"


def check_manual(name, manual, extras=()):
    """ContractError listing everything the manual model ``manual`` of entry ``name`` lacks."""
    problems = [f"no function {f}" for f in MANUAL_FUNCTIONS if not callable(getattr(manual, f, None))]
    for attr in MANUAL_TUPLES:
        value = getattr(manual, attr, None)
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            problems.append(f"{attr} is {value!r}; expected a tuple of names"
                            + (" (() for a smooth model)" if attr == "KINKS" else ""))
    intermediates = getattr(manual, "INTERMEDIATES", ())
    if isinstance(intermediates, tuple):
        problems += [f"intermediate {q!r} is not a d<name>" for q in intermediates if not str(q).startswith("d")]
    for section in extras:
        if section not in EXTRAS:
            problems.append(f"unknown report section {section!r}; expected one of {sorted(EXTRAS)}")
            continue
        problems += [f"section {section!r} needs {need!r}" for need in EXTRAS[section][2]
                     if not hasattr(manual, need)]
    if problems:
        raise ContractError(f"catalogue model {name}: manual model breaks the contract: " + "; ".join(problems))


def check_fast(name, fast):
    """ContractError when a fast form ``manual/<module>_fast.py`` lacks part of its contract."""
    missing = [f for f in FAST_FUNCTIONS if not callable(getattr(fast, f, None))]
    if missing:
        raise ContractError(f"catalogue model {name}: fast form {fast.__name__} has no {', '.join(missing)}")


def check_reference(name, source, reference):
    """ContractError when a reference model (a torch_ad/jax_ad module, or its configure() object) lacks ``loss``."""
    missing = [f for f in REFERENCE_FUNCTIONS if not callable(getattr(reference, f, None))]
    if missing:
        raise ContractError(f"catalogue model {name}: {source} reference has no {', '.join(missing)}"
                            "(params, X, Y, tap)")


def module_file(source, module):
    """The file of ``module`` in ``source``'s tree, found without importing the tree's package (the
    reference packages import their framework, which costs a second)."""
    top, *rest = PACKAGES[source].split(".")
    root = Path(importlib.util.find_spec(top).submodule_search_locations[0])
    return root.joinpath(*rest, f"{module}.py")


def check_files(name, module, configured):
    """ContractError when one of the three trees has no ``module``."""
    for source in PACKAGES:
        if not module_file(source, module).is_file():
            raise ContractError(f"catalogue model {name}: no module {module_name(source, module)}")
    if configured:
        manual = importlib.import_module(module_name("manual", module))
        if not callable(getattr(manual, "configure", None)):
            raise ContractError(f"catalogue model {name} has a config, but manual/{module}.py has no configure()")


def check_model(model):
    """Check one catalogue ``Model``: its three modules exist, its manual model and fast form provide the
    contract, and its report sections find what they need. Returns ``model``."""
    check_files(model.name, model.module, bool(model.config))
    check_manual(model.name, model.manual, model.extras)
    fast = f"manual.{model.module}_fast"
    if not model.config and importlib.util.find_spec(fast) is not None:
        check_fast(model.name, importlib.import_module(fast))
    return model

