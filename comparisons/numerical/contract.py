"""What the witness needs from a model, through the model contract only.

A model is a catalogue ``Model`` or anything with the manual contract (a module, a configured
object): ``param_shapes()``, ``forward(params, X) -> (output, cache)``, ``loss(params, X, Y)``,
``INTERMEDIATES`` and ``KINKS`` (cache names whose entries enter a function with a kink at 0).
"""

import numpy as np


def manual_of(model):
    """The manual module of a catalogue entry, or the model itself when it has the contract."""
    return model.manual if hasattr(model, "manual") else model


def name_of(model):
    """A name for rows: the catalogue name, else the module's or class's name."""
    return getattr(model, "name", None) or getattr(model, "__name__", type(model).__name__)


def kinks_of(module):
    """``(names, note)``: the module's KINKS, and a sentence when it declares none at all."""
    if not hasattr(module, "KINKS"):
        return (), "declares no KINKS: treated as smooth"
    return tuple(module.KINKS), ""


def intermediates_of(module):
    """The derivation's per-example intermediates (dZ2, dA1, ...), in backward order."""
    return tuple(getattr(module, "INTERMEDIATES", ()))


def as_float64(params, X, Y):
    """Copies of params, X and Y in float64: the witness computes in float64 whatever the model's dtype.

    The parameter copies are C-contiguous and writable, so the witness can perturb them in place.
    """
    P = {k: np.array(v, dtype=np.float64, order="C") for k, v in params.items()}
    return P, np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)


def elements(shapes):
    """Every parameter element as ``(name, flat index)``, parameter by parameter."""
    return [(k, i) for k, s in shapes.items() for i in range(int(np.prod(s)))]
