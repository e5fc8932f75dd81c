"""``handgrad report``: agreement (and speed) for catalogue models; exit 1 if any derivation disagrees."""

import sys

from comparisons import catalogue
from comparisons.commands.arguments import DTYPES, add_dtype_option, add_model_option, positive_int


def add_parser(commands):
    p = commands.add_parser("report", help="agreement and speed tables for catalogue models")
    add_model_option(p)
    add_dtype_option(p)
    p.add_argument("--out", default="reports", help="folder for the Markdown and CSV files (default: reports/)")
    p.add_argument("--seed", type=int, default=0, help="seed for parameters and data (default: 0)")
    p.add_argument("--no-speed", action="store_true", help="skip the speed table")
    p.add_argument("--no-witness", action="store_true",
                   help="skip the numerical witness (the fourth source: finite differences, complex step)")
    p.add_argument("--speed-m", type=positive_int, help="batch size of the speed rows (default: per model)")
    p.add_argument("--repeats", type=positive_int, default=10, help="timed repeats per row (default: 10)")
    p.add_argument("--threads", type=positive_int, help="threads for NumPy BLAS and PyTorch (default: all cores)")


def run(args):
    from comparisons import report
    from comparisons.writing import check_out_dir, write_files

    check_out_dir(args.out)
    models = [catalogue.get(name) for name in (args.model or catalogue.CATALOGUE)]
    result = report.build(models, tuple(args.dtype or DTYPES), seed=args.seed, speed=not args.no_speed,
                          speed_m=args.speed_m, repeats=args.repeats, threads=args.threads,
                          progress=sys.stderr.isatty(), witness=not args.no_witness)
    print(report.render_terminal(result))
    written = write_files(args.out, report.files(result))
    print(f"\nwrote {', '.join(str(p) for p in written)}")
    return 0 if result.all_agree else 1
