"""``verify()``'s arguments, checked before any work: each wrong one is one ``CannotVerify`` line that
names the argument, the value given and what is expected.

From the command line argparse has already checked them (``comparisons.arguments``); from Python and
the pytest plugin nothing had: ``m=0`` silently checked all 1,797 examples, ``m="64"`` and ``seed=-1``
gave NumPy's TypeError and ValueError, ``against="torch"`` was read letter by letter ("unknown
reference 't'"), ``timeout=-1`` was a timeout at once. A single name where a tuple is expected
(``against="torch"``, ``cases="typical"``) is what people mean by one reference or one batch, so it is
taken as one. A batch that cannot fit in memory is refused with the estimate (``batch_memory``).
"""

import numbers

from comparisons.arguments import MAX_TIMEOUT    # a day, as --timeout: past it Python's timers overflow
from comparisons.verify.calls import CASES, CannotVerify

DTYPES = ("float64", "float32")


def checked(*, model=None, form="auto", names=None, m=64, seed=0, dtype="float64", cases=None, against=None,
            timeout=None, options=None, black_box=False):
    """``(cases, against, timeout)`` as ``verify`` uses them: a single name as a one-name tuple, an infinite
    timeout as None (no limit); ``CannotVerify`` naming the first argument that is wrong. ``black_box``:
    the model's arguments do not apply, and no batch is built from them."""
    whole(m, "m", 1, "the typical batch's number of examples")
    whole(seed, "seed", 0, "the seed of data and parameters")
    if np_name(dtype) not in DTYPES:
        raise CannotVerify(f"dtype={dtype!r}: expected 'float64' or 'float32'")
    cases = names_in(cases, "cases", CASES, "batch")
    against = names_in(against, "against", references(), "reference")
    timeout = seconds(timeout)
    if black_box:
        return cases, against, timeout
    model_of(model)
    from comparisons.forms import FORMS, checked_names

    if form not in FORMS:
        raise CannotVerify(f"form={form!r}: expected one of {', '.join(FORMS)} (handgrad forms lists them)")
    checked_names(names)        # the forms' own check, here before any work
    check_options(options)
    fits(model, m, dtype, options)
    return cases, against, timeout


def whole(value, name, least, what):
    """``CannotVerify`` unless ``value`` is a whole number (an int, not a bool or a str) >= ``least``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise CannotVerify(f"{name}={value!r}: expected a whole number {least} or more ({what}), "
                           f"not a {type(value).__name__}")
    if value < least:
        raise CannotVerify(f"{name}={value!r}: expected a whole number {least} or more ({what})")


def np_name(dtype):
    """The dtype's name ("float64" for np.float64 or "float64"), or None when it is no dtype."""
    import numpy as np

    try:
        return np.dtype(dtype).name if dtype is not None else None
    except (TypeError, ValueError):
        return None


def references():
    """Every reference name ``against`` may hold: torch, jax and the extra ones (the numerical witness)."""
    from comparisons.verify.api import EXTRA
    from comparisons.verify.verification import AUTOGRAD

    return AUTOGRAD + tuple(EXTRA)


def names_in(value, name, known, what):
    """``value`` (None, one name, or an iterable of names) as a tuple of names from ``known``; None as is."""
    if value is None:
        return None
    if isinstance(value, str):
        value = (value,)
    try:
        value = tuple(value)
    except TypeError:
        raise CannotVerify(f"{name}={value!r}: expected a {what} name or a tuple of them, from "
                           f"{', '.join(known)}") from None
    unknown = [v for v in value if v not in known]
    if unknown:
        raise CannotVerify(f"{name}={value!r}: {unknown[0]!r} is not a {what}; expected names from "
                           f"{', '.join(known)}")
    return value


def seconds(timeout):
    """``timeout`` as seconds in (0, a day], None (no limit) for None or inf; ``CannotVerify`` otherwise."""
    expected = f"expected seconds more than 0 and at most {MAX_TIMEOUT:g} (a day), or None for no limit"
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
        raise CannotVerify(f"timeout={timeout!r}: {expected}")
    if timeout == float("inf"):
        return None
    if not 0 < timeout <= MAX_TIMEOUT:      # nan too
        raise CannotVerify(f"timeout={timeout!r}: {expected}")
    return timeout


def model_of(model):
    """The catalogue ``Model`` that ``model`` names (None: None, inferred later); ``CannotVerify`` otherwise."""
    from comparisons import catalogue

    if model is None or isinstance(model, catalogue.Model):
        return model
    if isinstance(model, str) and model in catalogue.CATALOGUE:
        return catalogue.get(model)
    raise CannotVerify(f"model={model!r}: expected a catalogue model's name ({', '.join(catalogue.CATALOGUE)}), "
                       f"a catalogue Model, or None to infer it from the code")


def check_options(options):
    """``CannotVerify`` unless ``options`` is None or a dict of known model options; lam a finite number
    >= 0 and sizes whole numbers >= 1 (the rest is checked by the model's ``configure``)."""
    from comparisons.model_options import OPTIONS

    if options is None:
        return
    if not isinstance(options, dict):
        raise CannotVerify(f"options={options!r}: expected a dict of model options, e.g. {{'lam': 0.05}}, "
                           f"with keys from {', '.join(OPTIONS)}")
    unknown = [k for k in options if k not in OPTIONS]
    if unknown:
        raise CannotVerify(f"options: {unknown[0]!r} is not a model option; expected keys from {', '.join(OPTIONS)}")
    lam = options.get("lam")
    if lam is not None and (isinstance(lam, bool) or not isinstance(lam, numbers.Real) or not 0 <= lam < float("inf")):
        raise CannotVerify(f"options['lam']={lam!r}: expected a finite number 0 or more")
    sizes = options.get("sizes")
    if sizes is not None and (isinstance(sizes, str) or not hasattr(sizes, "__len__") or len(sizes) < 2 or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1 for n in sizes)):
        raise CannotVerify(f"options['sizes']={sizes!r}: expected whole numbers 1 or more, inputs first, at least "
                           f"two, e.g. (64, 32, 10)")


def fits(model, m, dtype, options):
    """``CannotVerify`` when a batch of ``m`` examples of ``model`` cannot fit in this machine's memory (the
    model with the most inputs when it is not named yet: it is inferred from the code later)."""
    from comparisons import BadInput, batch_memory

    named = model_of(model)
    model = named or batch_memory.widest()
    sizes = (options or {}).get("sizes")
    layers = batch_memory.layers_of(model, sizes)
    name = model.name if named else f"{model.name}-sized"      # the widest: the model is inferred later
    try:
        batch_memory.refuse_oversized(name, layers, m, dtype, "m=", "options['sizes']=", sizes and repr(tuple(sizes)))
    except BadInput as e:
        raise CannotVerify(str(e)) from None
