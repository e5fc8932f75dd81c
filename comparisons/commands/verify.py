"""``handgrad verify TARGET``: check a person's own derivation against PyTorch, JAX and the
numerical witness. Exit 0 every quantity agrees, 1 something disagrees, 2 it could not be checked."""

import argparse
import sys

from comparisons import catalogue
from comparisons.commands.arguments import DTYPES, positive_int


def positive_seconds(text):
    """argparse type: a number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value:g} must be more than 0 seconds")
    return value


def add_parser(commands):
    from comparisons.verify.cases import CASES
    from comparisons.verify.forms import FORMS
    from comparisons.verify.references import AUTOGRAD, EXTRA
    from comparisons.verify.run import DEFAULT_TIMEOUT

    p = commands.add_parser("verify", help="check your own forward/backward code against autograd",
                            description="Check your own derivation, quantity by quantity. TARGET is "
                            "PATH.py or package.module, optionally :function (the backward alone). "
                            "The code follows the project's contract (forward, loss, backward) or the "
                            "seed tutorial's forward_prop/backward_prop.")
    p.add_argument("target", metavar="TARGET", help="PATH.py, package.module, or either with :function")
    names = list(catalogue.CATALOGUE)
    p.add_argument("--model", default="seed_net", choices=names, metavar="NAME",
                   help=f"the catalogue model the code implements, one of {', '.join(names)} (default: seed_net)")
    p.add_argument("--form", default="auto", choices=FORMS, help="contract, tutorial, or auto (default)")
    p.add_argument("--m", type=positive_int, default=64, help="examples in the typical batch (default: 64)")
    p.add_argument("--seed", type=int, default=0, help="seed for parameters and data (default: 0)")
    p.add_argument("--dtype", default="float64", choices=DTYPES, help="dtype (default: float64)")
    p.add_argument("--case", action="append", choices=CASES, help="batch to check on (repeatable; default: all)")
    p.add_argument("--against", action="append", choices=AUTOGRAD + tuple(EXTRA),
                   help="reference (repeatable; default: torch, jax and the numerical witness where installed)")
    p.add_argument("--full-witness", action="store_true",
                   help="the numerical witness measures every element (default: a seeded sample; slower)")
    p.add_argument("--timeout", type=positive_seconds, default=DEFAULT_TIMEOUT,
                   help=f"seconds your code may run before it is stopped (default: {DEFAULT_TIMEOUT:g})")
    p.add_argument("--out", help="also write verify.md and CSV files into this folder")


def run(args):
    from comparisons.verify import CannotVerify, verify
    from comparisons.writing import check_out_dir, write_files

    if args.out:
        check_out_dir(args.out)
    try:
        result = verify(args.target, args.model, form=args.form, m=args.m, seed=args.seed, dtype=args.dtype,
                        cases=args.case, against=args.against, full_witness=args.full_witness, timeout=args.timeout,
                        progress=sys.stderr.isatty())
    except CannotVerify as e:
        print(f"handgrad verify: could not check {args.target}: {e}", file=sys.stderr)
        return 2
    print(result.render())
    if args.out:
        written = write_files(args.out, result.files())
        print(f"\nwrote {', '.join(str(p) for p in written)}")
    return result.exit_status
