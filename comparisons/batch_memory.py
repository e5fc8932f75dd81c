"""Whether a batch fits in this machine's memory, estimated before any of it is built.

A batch of m examples of a model with layer sizes n_0, ..., n_L holds, per example, X's n_0 numbers
and each layer's Z and A (2 n_l); the parameters hold n_{l-1} n_l each. Every check copies the batch
a few times: the data drawn from the built-in pool, the person's code in its child process, PyTorch's
tensors and JAX's arrays; ``COPIES`` counts them. Without this estimate, ``--m 100000000`` on
seed_net is a MemoryError traceback (584 GiB for X alone) after seconds of work; with it, one line
before any work that says how much it needs, how much the machine has, and the largest m that fits.

A batch larger than the built-in data (1,797 digits) is not refused: its columns are drawn with
replacement, and the batch's description says so.
"""

import os

from comparisons import BadInput

COPIES = 4              # the drawn batch, the child's copy, PyTorch's tensors, JAX's arrays
GIB = 2 ** 30


def machine_bytes():
    """This machine's physical memory in bytes; None where the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def layers_of(model, sizes=None):
    """The layer sizes (n_0, ..., n_L): ``sizes`` when given (``--sizes``), else read from the model's
    weight shapes (W1 n_1 x n_0, ...), without building any data."""
    if sizes:
        return tuple(int(n) for n in sizes)
    shapes = [s for s in model.manual.param_shapes().values() if len(s) == 2 and s[1] > 1]
    return (shapes[0][1], *(s[0] for s in shapes)) if shapes else (1, 1)


def needed_bytes(layers, m, itemsize):
    """(bytes of X alone, bytes in all) for a batch of ``m`` examples through ``layers``."""
    per_example = layers[0] + 2 * sum(layers[1:])
    weights = sum(a * b + b for a, b in zip(layers, layers[1:]))
    x_alone = layers[0] * m * itemsize
    return x_alone, COPIES * (per_example * m + weights) * itemsize


def said(n_bytes):
    """Bytes in words: ``584 GiB``, ``1.2 TiB``, ``320 MiB``."""
    for unit, size in (("TiB", GIB * 1024), ("GiB", GIB), ("MiB", 2 ** 20)):
        if n_bytes >= size:
            return f"{n_bytes / size:,.3g} {unit}" if n_bytes < 100 * size else f"{n_bytes / size:,.0f} {unit}"
    return f"{n_bytes:,} bytes"


def refuse_oversized(name, layers, m, dtype="float64", option="--m", sizes_option="--sizes", sizes_said=None,
                     memory=None):
    """Raise ``BadInput`` when a batch of ``m`` examples of model ``name`` through ``layers`` in ``dtype``
    would not fit in ``memory`` bytes (this machine's by default): naming ``option`` (the batch size:
    "--m" on the command line, "m=" in Python) with the estimate and the largest m that fits; or
    ``sizes_option`` when the parameters alone do not fit (``sizes_said``: the value given to it, the
    layers by default). Nothing when it fits or the machine does not say its memory."""
    import numpy as np

    memory = machine_bytes() if memory is None else memory
    itemsize = np.dtype(dtype).itemsize
    x_alone, total = needed_bytes(layers, m, itemsize)
    if not memory or total <= memory:
        return
    fixed = needed_bytes(layers, 0, itemsize)[1]       # the parameters (and their copies), whatever m is
    have = f"this machine has {said(memory)} of memory"
    if fixed >= memory:
        raise BadInput(f"{spelled(sizes_option, sizes_said or ','.join(map(str, layers)))}: {name}'s parameters "
                       f"({','.join(map(str, layers))}) alone need about "
                       f"{said(fixed)} with their copies; {have}; expected smaller layers")
    largest = (memory - fixed) // (needed_bytes(layers, 1, itemsize)[1] - fixed)
    raise BadInput(f"{spelled(option, m)}: a {name} batch of {m:,} examples needs about {said(x_alone)} for X alone "
                   f"({layers[0]:,} x {m:,} {np.dtype(dtype).name}) and about {said(total)} in all with its "
                   f"copies; {have}; expected {option.rstrip('=')} at most {largest:,}")


def spelled(option, value):
    """``--m 100`` for an option of the command line, ``m=100`` for an argument of Python's (``"m="``)."""
    return f"{option}{value}" if option.endswith("=") else f"{option} {value}"


def widest():
    """The catalogue model with the most inputs (seed_net's 784): the estimate for a command over several
    models, or before the model is inferred from the code."""
    from comparisons import catalogue

    return max(catalogue.CATALOGUE.values(), key=lambda model: layers_of(model)[0])
