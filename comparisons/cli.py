"""The ``handgrad`` command line: its grammar, and what its exit statuses mean.

    0  every derivation agrees (and nothing failed)
    1  a derivation disagrees (or a mistake of the gallery went uncaught)
    2  bad usage or bad input: an option, a path, the code given to ``verify``; one line on stderr
    3  an internal error, a bug of handgrad's and not the user's input: one line on stderr naming it
       as ours, with the traceback written to a log file whose path the line gives
  130  interrupted (Ctrl-C)

The options of every command are declared here; what a command does is ``comparisons.commands``.
Heavy packages (torch, jax, matplotlib) are imported by the commands that use them, not here.
"""

import argparse
import datetime
import os
import sys
import tempfile
import traceback
from pathlib import Path

from comparisons import BadInput, catalogue

DTYPES = ("float64", "float32")
LOG_DIR = Path(tempfile.gettempdir()) / "handgrad-logs"


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


# --- argument types: one-line errors that name what was expected -------------------------------------


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


def size_list(text):
    """argparse type: comma-separated whole numbers >= 1 ("1,10,100"); "none" or "" for an empty list."""
    if text.strip().lower() in ("", "none"):
        return ()
    return tuple(positive_int(part.strip().replace("_", "")) for part in text.split(","))


# --- options shared by several commands ----------------------------------------------------------------


def add_model(p, default=None, many=False, what="the catalogue model"):
    names = list(catalogue.CATALOGUE)
    if many:
        p.add_argument("--model", action="append", choices=names, metavar="NAME",
                       help=f"model to run (repeatable; default: all of {', '.join(names)})")
    elif default is None:
        p.add_argument("--model", required=True, choices=names, metavar="NAME",
                       help=f"{what}, one of {', '.join(names)}")
    else:
        p.add_argument("--model", default=default, choices=names, metavar="NAME",
                       help=f"{what}, one of {', '.join(names)} (default: {default})")


def add_dtypes(p):
    p.add_argument("--dtype", action="append", choices=DTYPES, help="dtype (repeatable; default: float64 and float32)")


def add_seed(p, what="parameters and data"):
    p.add_argument("--seed", type=non_negative_int, default=0, help=f"seed for {what} (default: 0)")


def add_m(p, default, what):
    p.add_argument("--m", type=positive_int, default=default, help=f"{what} (default: {default})")


# --- the commands' grammar ------------------------------------------------------------------------------


def add_report(commands):
    p = commands.add_parser("report", help="agreement and speed tables for catalogue models")
    add_model(p, many=True)
    add_dtypes(p)
    p.add_argument("--out", default="reports", help="folder for the Markdown and CSV files (default: reports/)")
    add_seed(p)
    p.add_argument("--no-speed", action="store_true", help="skip the speed table")
    p.add_argument("--no-witness", action="store_true",
                   help="skip the numerical witness (the fourth source: finite differences, complex step)")
    p.add_argument("--speed-m", type=positive_int, help="batch size of the speed rows (default: per model)")
    p.add_argument("--repeats", type=positive_int, default=10, help="timed repeats per row (default: 10)")
    p.add_argument("--threads", type=positive_int, help="threads for NumPy BLAS and PyTorch (default: all cores)")


def add_models(commands):
    commands.add_parser("models", help="list the catalogue's models with sizes and parameter counts")


def add_check(commands):
    p = commands.add_parser("check", help="the numerical witness (finite differences, complex step) "
                                          "against a model's manual derivation")
    add_model(p)
    add_m(p, 64, "examples in the batch")
    add_seed(p, "parameters, data and samples")
    p.add_argument("--dtype", default="float64", choices=DTYPES,
                   help="dtype the derivation runs in; the witness always computes in float64 (default: float64)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--full", action="store_true", help="every element, however long it takes")
    how.add_argument("--sample", type=positive_int, metavar="N",
                     help="N sampled elements per parameter array instead of every element")
    p.add_argument("--directions", type=positive_int, default=4, help="random directions (default: 4)")
    p.add_argument("--budget", type=positive_seconds, default=10.0, metavar="SECONDS",
                   help="every element when the estimate fits this many seconds (default: 10)")
    p.add_argument("--no-blind-spots", action="store_true", help="skip the blind-spot measurement")
    p.add_argument("--out", help="also write check.md, CSV files and the step-sweep plot into this folder")


def add_verify(commands):
    from comparisons import verify

    p = commands.add_parser("verify", help="check your own forward/backward code against autograd",
                            description="Check your own derivation, quantity by quantity. TARGET is "
                            "PATH.py, a notebook PATH.ipynb or package.module, optionally :function "
                            "(the backward alone). "
                            "The code follows one of the forms `handgrad forms` lists: the project's "
                            "contract (forward, loss, backward), the seed tutorial's "
                            "forward_prop/backward_prop, ...")
    p.add_argument("target", metavar="TARGET", help="PATH.py, PATH.ipynb, package.module, or one with :function")
    p.add_argument("--model", default=None, choices=list(catalogue.CATALOGUE), metavar="NAME",
                   help=f"the catalogue model the code implements, one of {', '.join(catalogue.CATALOGUE)} "
                        f"(default: inferred from the form (seed_net when none))")
    p.add_argument("--form", default="auto", choices=verify.FORMS, metavar="NAME",
                   help=f"the form your code is written in: {', '.join(verify.FORMS[1:])}, or auto (default: "
                        f"detected by its functions' names; handgrad forms lists them)")
    p.add_argument("--names", type=name_map, metavar="ROLE=NAME,...",
                   help="your functions' names where they differ from the form's, e.g. "
                        "forward_prop=forward,backward_prop=back")
    add_m(p, 64, "examples in the typical batch")
    add_seed(p)
    p.add_argument("--dtype", default="float64", choices=DTYPES, help="dtype (default: float64)")
    p.add_argument("--case", action="append", choices=verify.CASES, help="batch to check on (repeatable; default: all)")
    p.add_argument("--against", action="append", choices=verify.AUTOGRAD + tuple(verify.EXTRA),
                   help="reference (repeatable; default: torch, jax and the numerical witness where installed)")
    p.add_argument("--full-witness", action="store_true",
                   help="the numerical witness measures every element (default: a seeded sample; slower)")
    p.add_argument("--timeout", type=positive_seconds, default=verify.DEFAULT_TIMEOUT,
                   help=f"seconds your code may run before it is stopped (default: {verify.DEFAULT_TIMEOUT:g})")
    p.add_argument("--out", help="also write verify.md and CSV files into this folder")


def add_forms(commands):
    commands.add_parser("forms", help="list the forms of code verify reads: their functions, signatures and "
                                      "conventions")


def add_mistakes(commands):
    p = commands.add_parser("mistakes", help="the gallery of classic mistakes, each caught and explained")
    add_m(p, 64, "examples in the typical batch")
    add_seed(p)
    p.add_argument("--out", default="reports", help="folder for mistakes.md and mistakes.csv (default: reports/)")


def add_bench(commands):
    from comparisons import bench

    p = commands.add_parser("bench", help="speed: backends, the machine's floor, memory, scaling sweeps")
    add_model(p, default="seed_net")
    add_dtypes(p)
    p.add_argument("--kind", action="append", choices=bench.KINDS, help="step (repeatable; default: forward and gradient)")
    p.add_argument("--backend", action="append", choices=bench.CPU_BACKENDS + bench.GPU_BACKENDS, metavar="NAME",
                   help="backend (repeatable; default: every one that runs the model here)")
    add_m(p, 60_000, "batch size of the main table")
    p.add_argument("--sweep-m", type=size_list, default=bench.M_SWEEP, metavar="LIST",
                   help=f"batch sizes of the m sweep, or 'none' (default: {','.join(map(str, bench.M_SWEEP))})")
    p.add_argument("--sweep-width", type=size_list, default=None, metavar="LIST",
                   help=f"hidden widths of the width sweep, or 'none' (default: "
                        f"{','.join(map(str, bench.WIDTH_SWEEP))} for models with a width)")
    p.add_argument("--width-m", type=positive_int, default=bench.WIDTH_M,
                   help=f"batch size of the width sweep (default: {bench.WIDTH_M})")
    p.add_argument("--repeats", type=positive_int, default=7, help="timed repeats per row (default: 7)")
    p.add_argument("--warmup", type=non_negative_int, default=2, help="untimed warm-up calls per row (default: 2)")
    p.add_argument("--threads", type=positive_int, help="threads for NumPy BLAS and PyTorch (default: all cores)")
    add_seed(p)
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurement")
    p.add_argument("--out", default="bench", help="folder for the Markdown, CSV and PNG files (default: bench/)")


GRAMMAR = {"report": add_report, "models": add_models, "check": add_check, "verify": add_verify,
           "forms": add_forms, "mistakes": add_mistakes, "bench": add_bench}


def make_parser():
    parser = Parser(prog="handgrad", description="Hand-derived gradients, verified against autograd.",
                    epilog="Exit status: 0 agree, 1 disagree, 2 bad usage or input, 3 internal error (ours).")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for add in GRAMMAR.values():
        add(commands)
    return parser


# --- running a command, and telling the user's mistakes from ours ----------------------------------------


def main(argv=None):
    try:
        args = make_parser().parse_args(argv)
        from comparisons import commands

        return getattr(commands, args.command)(args)
    except BadInput as e:
        print(f"handgrad: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("handgrad: interrupted", file=sys.stderr)
        return 130
    except Exception as e:   # noqa: BLE001 - anything else is a bug of ours: say so, keep the traceback
        log = log_internal_error()
        print(f"handgrad: internal error (a bug in handgrad, not in your input): {type(e).__name__}: "
              f"{str(e).splitlines()[0] if str(e) else ''} -- traceback in {log}", file=sys.stderr)
        return 3


def log_internal_error():
    """Write the traceback being handled to a new log file; returns its path (or where it would have gone)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = LOG_DIR / f"handgrad-{stamp}-{os.getpid()}.log"
    try:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(f"handgrad {' '.join(sys.argv[1:])}\n\n{traceback.format_exc()}", encoding="utf-8")
    except OSError:
        traceback.print_exc()   # no log could be written: the traceback goes to stderr instead
        return "stderr (no log file could be written)"
    return path


if __name__ == "__main__":
    sys.exit(main())
