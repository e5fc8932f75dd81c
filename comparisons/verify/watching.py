"""What the ``Caller`` sees while a person's function runs, besides what it returns: the inputs it
changed in place (copies compared before and after the call, ``changed_in_place``) and the locals it
computed but did not return (its own frame read as it returns, ``reading_locals``).

Light (NumPy only), like ``calls``: it runs in the child process beside the person's code.
"""

import inspect
import sys
import types

import numpy as np


IN_PLACE = "changed in place: "    # how a ``changed_in_place`` note starts among a run's warnings


def snapshot(fn, args):
    """{(label, key): (the array passed, a copy)} for every array among ``args`` and in the dicts among
    them, labelled by the parameter's name (``A2``, ``cache['A2']``) and keyed by the quantity's name."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    names = (names + [f"argument {i + 1}" for i in range(len(names), len(args))])[:len(args)]
    found = {}
    for name, value in zip(names, args):
        items = [(name, name, value)] if isinstance(value, np.ndarray) else (
            [(f"{name}[{k!r}]", k, v) for k, v in value.items() if isinstance(v, np.ndarray)]
            if isinstance(value, dict) else [])
        found.update({(label, key): (v, v.copy()) for label, key, v in items})
    return found


def changed_in_place(name, fn, before):
    """Notes (``IN_PLACE`` ...) for each input that ``fn`` changed in place: its values after the call
    are not those passed, so the caller's arrays (the forward values the person returned, their X)
    changed under them; with the line of ``fn`` that likely did it, read from its source."""
    notes = []
    for (label, key), (array, copy) in before.items():
        if array.shape == copy.shape and np.array_equal(array, copy, equal_nan=True):
            continue
        notes.append(f"{IN_PLACE}{name} changed {label} in place{writing_line(fn, label.split('[')[0], key)}; "
                     f"the {key} the caller holds is no longer the one it passed in")
    return notes


def writing_line(fn, name, key):
    """`` (line 14?: `dZ2 -= Y`)``: the first line of ``fn``'s source that writes into ``name`` (or a name
    bound to it by plain assignment, ``dZ2 = A2``) in place: an augmented assignment, a slice
    assignment or out=; "" when none is found (the writing happens in a function it calls)."""
    import re

    try:
        lines, start = inspect.getsourcelines(inspect.unwrap(fn))
    except (TypeError, OSError, ValueError):
        return ""
    entry = rf"{re.escape(name)}\[['\"]{re.escape(key)}['\"]\]" if name != key else re.escape(name)
    aliases = [entry]
    for text in lines:   # names bound to the input share its memory
        bound = re.match(rf"\s*(\w+)\s*=\s*({'|'.join(aliases)})\s*(#.*)?$", text)
        if bound:
            aliases.append(re.escape(bound.group(1)))
    writes = "|".join(aliases)
    pattern = rf"^\s*({writes})\s*(\[.*\]\s*=(?!=)|(\*\*|//|[-+*/@%])=)|\bout\s*=\s*({writes})\b"
    for n, text in enumerate(lines):
        if re.search(pattern, text):
            return f" (line {start + n}?: `{text.strip()}`)"
    return ""


def reading_locals(fn, args, wanted):
    """(``fn(*args)``, {name: copy} of the locals named in ``wanted`` that ``fn``'s own frame holds
    as it returns), in ``wanted``'s order.

    A profile function (``sys.setprofile``) sees every frame's 'return' event with the frame's
    locals still in place; it reads only the first frame running ``fn``'s code (not the functions
    ``fn`` calls, nor a recursive call). A profile function already set is called on too and put
    back after the call, even when ``fn`` raises; a profiler in C (cProfile) is left alone, and
    nothing is read. Values are copied at the return; ``locals_read`` says which count.
    """
    code, previous = code_of(fn), sys.getprofile()
    if code is None or not (previous is None or callable(previous)):
        return fn(*args), {}  # no frame of its own to read (a builtin), or cProfile at work
    watched, found = [], {}

    def profile(frame, event, arg):
        if previous is not None:
            previous(frame, event, arg)
        if event == "call" and not watched and frame.f_code is code:
            watched.append(frame)
        elif event == "return" and watched and frame is watched[0]:
            found.update(locals_read(frame.f_locals, wanted))
            watched.clear()     # read once; the frame is let go

    sys.setprofile(profile)
    try:
        out = fn(*args)
    finally:
        sys.setprofile(previous)
    return out, found


def code_of(fn):
    """The code object that runs when ``fn`` is called (through ``functools.wraps`` decorators, bound
    methods and objects with ``__call__``), or None."""
    try:
        fn = inspect.unwrap(fn)
    except ValueError:        # a cycle of __wrapped__
        pass
    code = getattr(fn, "__code__", None)
    if not isinstance(code, types.CodeType):
        code = getattr(getattr(type(fn), "__call__", None), "__code__", None)
    return code if isinstance(code, types.CodeType) else None


def locals_read(values, wanted):
    """{name: array copy} of ``values`` named in ``wanted`` that are arrays of real numbers (any
    shape: a wrongly shaped dZ1 is compared, and its shape is the diagnosis); anything else under
    such a name (None, a string, a function, a ragged list) is not a quantity and is skipped."""
    found = {}
    for name in wanted:
        if name not in values:
            continue
        try:
            array = np.array(values[name], copy=True)
        except Exception:     # ragged lists, tensors that refuse, ...
            continue
        if array.dtype.kind in "biuf":
            found[name] = array
    return found
