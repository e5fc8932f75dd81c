"""``handgrad bench``: timing tables, the machine's floor, peak memory and scaling sweeps for one model."""

import argparse

from comparisons import catalogue
from comparisons.commands.arguments import add_dtype_option, positive_int


def non_negative_int(text):
    """argparse type: a whole number >= 0, with a one-line error otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must be 0 or more")
    return value


def size_list(text):
    """argparse type: comma-separated whole numbers >= 1 ("1,10,100"); "none" or "" for an empty list."""
    if text.strip().lower() in ("", "none"):
        return ()
    return tuple(positive_int(part.strip().replace("_", "")) for part in text.split(","))


def add_parser(commands):
    from comparisons.bench.backends import CPU_BACKENDS, GPU_BACKENDS, KINDS
    from comparisons.bench.sweeps import M_SWEEP, WIDTH_M, WIDTH_SWEEP

    names = list(catalogue.CATALOGUE)
    p = commands.add_parser("bench", help="speed: backends, the machine's floor, memory, scaling sweeps")
    p.add_argument("--model", default="seed_net", choices=names, metavar="NAME",
                   help=f"the catalogue model (default: seed_net; one of {', '.join(names)})")
    add_dtype_option(p)
    p.add_argument("--kind", action="append", choices=KINDS, help="step (repeatable; default: forward and gradient)")
    p.add_argument("--backend", action="append", choices=CPU_BACKENDS + GPU_BACKENDS, metavar="NAME",
                   help="backend (repeatable; default: every one that runs the model here)")
    p.add_argument("--m", type=positive_int, default=60_000, help="batch size of the main table (default: 60000)")
    p.add_argument("--sweep-m", type=size_list, default=M_SWEEP, metavar="LIST",
                   help=f"batch sizes of the m sweep, or 'none' (default: {','.join(map(str, M_SWEEP))})")
    p.add_argument("--sweep-width", type=size_list, default=None, metavar="LIST",
                   help=f"hidden widths of the width sweep, or 'none' (default: {','.join(map(str, WIDTH_SWEEP))} "
                        "for models with a width)")
    p.add_argument("--width-m", type=positive_int, default=WIDTH_M, help=f"batch size of the width sweep (default: {WIDTH_M})")
    p.add_argument("--repeats", type=positive_int, default=7, help="timed repeats per row (default: 7)")
    p.add_argument("--warmup", type=non_negative_int, default=2, help="untimed warm-up calls per row (default: 2)")
    p.add_argument("--threads", type=positive_int, help="threads for NumPy BLAS and PyTorch (default: all cores)")
    p.add_argument("--seed", type=int, default=0, help="seed for parameters and data (default: 0)")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurement")
    p.add_argument("--out", default="bench", help="folder for the Markdown, CSV and PNG files (default: bench/)")


def run(args):
    import sys

    from comparisons.bench import run as bench_run
    from comparisons.bench import tables
    from comparisons.bench.subject import has_width
    from comparisons.bench.sweeps import WIDTH_SWEEP
    from comparisons.writing import check_out_dir, write_files

    check_out_dir(args.out)
    model = catalogue.get(args.model)
    if args.sweep_width and not has_width(model):
        raise ValueError(f"--sweep-width: model {model.name} has no hidden width; expected a network model")
    widths = WIDTH_SWEEP if args.sweep_width is None else args.sweep_width
    bench = bench_run.run(model, m=args.m, dtypes=tuple(args.dtype or ("float32", "float64")),
                          kinds=tuple(args.kind or ("forward", "gradient")), backends=args.backend,
                          ms=args.sweep_m, widths=widths, width_m=args.width_m, repeats=args.repeats,
                          warmup=args.warmup, threads=args.threads, seed=args.seed,
                          with_memory=not args.no_memory, progress=None if sys.stderr.isatty() else False)
    print(tables.terminal(bench))
    written = write_files(args.out, tables.files(bench))
    print(f"\nwrote {', '.join(str(p) for p in written)}")
    return 0
