"""The command line's values, read by argparse: each type turns text into a value, or fails with one
line that names what was expected (``comparisons.cli`` prints it and exits with status 2).

    positive_int, non_negative_int     whole numbers: --m, --seed, --repeats
    positive_seconds                   --timeout, --budget
    non_negative_number                --lam
    layer_sizes, size_list             --sizes 64,32,10; the bench sweeps' 1,10,100 (or none)
    name_list, name_map                --activations relu,tanh; --names forward_prop=forward,...
"""

import argparse


def positive_int(text):
    """argparse type: a whole number >= 1."""
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def non_negative_int(text):
    """argparse type: a whole number >= 0."""
    value = whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must be 0 or more")
    return value


def whole_number(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def positive_seconds(text):
    """argparse type: a number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value:g} must be more than 0 seconds")
    return value


def name_map(text):
    """argparse type: ``role=name,role=name`` ("forward_prop=forward,backward_prop=back") as a dict."""
    pairs = [part.strip() for part in text.split(",") if part.strip()]
    names = {}
    for pair in pairs:
        role, sep, name = (s.strip() for s in pair.partition("="))
        if not (sep and role.isidentifier() and name.isidentifier()):
            raise argparse.ArgumentTypeError(f"{pair!r} is not ROLE=NAME; expected e.g. forward_prop=forward,"
                                             f"backward_prop=back (handgrad forms lists the roles)")
        if role in names:
            raise argparse.ArgumentTypeError(f"{role} is named twice ({role}={names[role]}, {role}={name})")
        names[role] = name
    if not names:
        raise argparse.ArgumentTypeError("no ROLE=NAME given; expected e.g. forward_prop=forward,backward_prop=back")
    return names


def non_negative_number(text):
    """argparse type: a finite number >= 0 (lambda)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{value:g} must be a finite number >= 0")
    return value


def layer_sizes(text):
    """argparse type: n_0,...,n_L ("64,32,10"), at least an input and an output size."""
    sizes = tuple(positive_int(part.strip()) for part in text.split(","))
    if len(sizes) < 2:
        raise argparse.ArgumentTypeError(f"{text!r} has {len(sizes)} size; expected at least n_0,n_L "
                                         f"(inputs, ..., outputs), e.g. 64,32,10")
    return sizes


def name_list(text):
    """argparse type: comma-separated names ("relu,tanh")."""
    names = tuple(part.strip() for part in text.split(","))
    if not all(n.isidentifier() for n in names):
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of names, e.g. relu,tanh")
    return names


def size_list(text):
    """argparse type: comma-separated whole numbers >= 1 ("1,10,100"); "none" or "" for an empty list."""
    if text.strip().lower() in ("", "none"):
        return ()
    return tuple(positive_int(part.strip().replace("_", "")) for part in text.split(","))
