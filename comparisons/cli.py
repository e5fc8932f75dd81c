"""The ``handgrad`` command.

Exit status: 0 every derivation agrees; 1 one disagrees; 2 bad usage or input (one line on stderr).
"""

import argparse
import sys

from comparisons import catalogue

DTYPES = ("float64", "float32")


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def make_parser():
    parser = Parser(prog="handgrad", description="Hand-derived gradients, verified against autograd.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    report = commands.add_parser("report", help="agreement and speed tables for catalogue models")
    report.add_argument("--model", action="append", choices=list(catalogue.CATALOGUE), metavar="NAME",
                        help=f"model to run (repeatable; default: all of {', '.join(catalogue.CATALOGUE)})")
    report.add_argument("--dtype", action="append", choices=DTYPES,
                        help="dtype to verify and time (repeatable; default: float64 and float32)")
    report.add_argument("--out", default="reports", help="folder for the Markdown and CSV files (default: reports/)")
    report.add_argument("--seed", type=int, default=0, help="seed for parameters and data (default: 0)")
    report.add_argument("--no-speed", action="store_true", help="skip the speed table")
    report.add_argument("--speed-m", type=positive_int, help="batch size of the speed rows (default: per model)")
    report.add_argument("--repeats", type=positive_int, default=10, help="timed repeats per row (default: 10)")
    report.add_argument("--threads", type=positive_int, help="threads for NumPy BLAS and PyTorch (default: all cores)")
    return parser


def run_report(args):
    from comparisons import report
    from comparisons.writing import write_files

    models = [catalogue.get(name) for name in (args.model or catalogue.CATALOGUE)]
    result = report.build(models, tuple(args.dtype or DTYPES), seed=args.seed, speed=not args.no_speed,
                          speed_m=args.speed_m, repeats=args.repeats, threads=args.threads,
                          progress=sys.stderr.isatty())
    print(report.render_terminal(result))
    written = write_files(args.out, report.files(result))
    print(f"\nwrote {', '.join(str(p) for p in written)}")
    return 0 if result.all_agree else 1


def main(argv=None):
    args = make_parser().parse_args(argv)
    try:
        return {"report": run_report}[args.command](args)
    except (ValueError, OSError) as e:
        print(f"handgrad: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
