"""The command line's values, read by argparse: each type turns text into a value, or fails with one
line that names what was expected (``comparisons.cli`` prints it and exits with status 2; argparse
puts the option's name first: "argument --seed: -1 must be 0 or more").

    positive_int, non_negative_int     whole numbers: --m, --seed, --sample
    at_most(type, cap, what)           the same with an upper bound: --repeats, --warmup, --directions
    positive_seconds                   --budget (inf: no limit to the budget)
    timeout_seconds                    --timeout: up to a day, or inf for no limit
    thread_count                       --threads, capped at the cores this process may use, with a note
    non_negative_number                --lam
    positive_number, fraction          train's --alpha (> 0, finite) and --held-out (0 <= x < 1)
    layer_sizes, size_list             --sizes 64,32,10; the bench sweeps' 1,10,100 (or none)
    name_list, name_map                --activations relu,tanh; --names forward_prop=forward,...

What a value means with the others is checked once they are all read, before any work:
``refuse_oversized`` (a batch that cannot fit in memory, ``comparisons.batch_memory``).
"""

import argparse
import os
import sys

MAX_TIMEOUT = 86_400.0      # a day: past it, Python's timers overflow (1e9 s) and no check is meant to run longer


def positive_int(text):
    """argparse type: a whole number >= 1."""
    value = whole_number(text, "1 or more")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def non_negative_int(text):
    """argparse type: a whole number >= 0."""
    value = whole_number(text, "0 or more")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must be 0 or more")
    return value


def whole_number(text, expected):
    """``text`` as an int: "64", "60_000", or "1e5" (a whole number in scientific notation, as people
    write batch sizes); otherwise the error says it is not one, and which are ``expected``."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value.is_integer():      # nan, inf, 2.5
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; expected {expected}")
    return int(value)


def at_most(kind, cap, what):
    """argparse type: ``kind``'s value, refused above ``cap`` (``what`` says what is counted)."""
    def bounded(text):
        value = kind(text)
        if value > cap:
            raise argparse.ArgumentTypeError(f"{value} must be at most {cap:,} ({what})")
        return value

    bounded.__name__ = kind.__name__     # argparse names the type in its own messages
    return bounded


def cores():
    """The CPU cores this process may run on (its affinity mask where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def thread_count(text):
    """argparse type: a whole number of threads >= 1; more than the cores this process may use is
    capped at them, with a note on stderr (BLAS pools of 100,000 threads fail and then crash)."""
    value = positive_int(text)
    have = cores()
    if value > have:
        print(f"handgrad: note: --threads {value} is more than the {have} core(s) this process may use; "
              f"using {have}", file=sys.stderr)
        return have
    return value


def timeout_seconds(text):
    """argparse type: seconds > 0 and at most a day; "inf" or "none": no limit (None)."""
    if text.strip().lower() in ("inf", "infinity", "none"):
        return None
    expected = f"expected seconds more than 0 and at most {MAX_TIMEOUT:g} (a day), or inf for no limit"
    value = positive_seconds(text, expected)
    if value > MAX_TIMEOUT:     # past a day Python's timers overflow (1e9 s)
        raise argparse.ArgumentTypeError(f"{value:g} must be at most {MAX_TIMEOUT:g} seconds; {expected}")
    return value


def positive_seconds(text, expected=""):
    """argparse type: a number of seconds > 0; ``expected`` ends each message when given."""
    suffix = f"; {expected}" if expected else ""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds{suffix}") from None
    if not value > 0:     # nan too
        raise argparse.ArgumentTypeError(f"{value:g} must be more than 0 seconds{suffix}")
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


def a_number(text, expected=""):
    """``float(text)``, or the argparse error saying ``text`` is not a number (and what is ``expected``)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number" + (f"; expected {expected}" if expected else "")) \
            from None


def non_negative_number(text):
    """argparse type: a finite number >= 0 (lambda)."""
    value = a_number(text)
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{value:g} must be a finite number >= 0")
    return value


def positive_number(text):
    """argparse type: a finite number > 0 (--alpha, the learning rate)."""
    value = a_number(text, "a finite number more than 0, e.g. 0.1")
    if not 0 < value < float("inf"):     # nan too
        raise argparse.ArgumentTypeError(f"{value:g} must be a finite number more than 0, e.g. 0.1")
    return value


def fraction(text):
    """argparse type: a number 0 <= x < 1 (--held-out, the share of the examples kept apart)."""
    value = a_number(text, "a fraction 0 <= x < 1, e.g. 0.2")
    if not 0 <= value < 1:     # nan too
        raise argparse.ArgumentTypeError(f"{value:g} must be a fraction 0 <= x < 1, e.g. 0.2")
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


def refuse_oversized(args):
    """``BadInput`` (one line naming the option, the estimate and the largest value that fits) when a
    command's batch sizes cannot fit in this machine's memory: verify's, check's and mistakes' --m,
    report's --speed-m, bench's --m, --sweep-m, --width-m and --sweep-width; with --sizes where given.
    Checked before anything is built; for a command with no model named (mistakes' gallery, verify's
    model inferred from the code), the estimate is the model with the most inputs (``verify()`` checks
    its m again for Python callers)."""
    from comparisons import batch_memory, catalogue

    command = getattr(args, "command", None)
    if not any(hasattr(args, attr) for attr in ("m", "speed_m", "width_m", "sweep_m")):
        return      # models, forms, reproduce: no batch of a size given
    names = args.model if isinstance(getattr(args, "model", None), list) else [getattr(args, "model", None)]
    names = [n for n in names if n] or (list(catalogue.CATALOGUE) if command == "report" else [None])
    dtypes = args.dtype if isinstance(getattr(args, "dtype", None), list) else [getattr(args, "dtype", None)]
    dtype = "float64" if any(d in (None, "float64") for d in dtypes) else "float32"
    for name in names:
        model = catalogue.get(name) if name else batch_memory.widest()
        layers = batch_memory.layers_of(model, getattr(args, "sizes", None))
        sizes = [(option, getattr(args, attr, None)) for option, attr in
                 (("--m", "m"), ("--speed-m", "speed_m"), ("--width-m", "width_m"))]
        sizes += [("--sweep-m", max(getattr(args, "sweep_m", None) or (0,)))]
        for option, m in sizes:
            if m:
                batch_memory.refuse_oversized(model.name if name else f"{model.name}-sized", layers, m, dtype, option)
        for width in (getattr(args, "sweep_width", None) or ()) if len(layers) > 2 else ():
            wide = (layers[0], *(width for _ in layers[1:-1]), layers[-1])
            batch_memory.refuse_oversized(model.name, wide, args.width_m, dtype, "--width-m", "--sweep-width",
                                          str(width))

