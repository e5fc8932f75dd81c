"""``handgrad mistakes``: the gallery of classic mistakes, each planted into a copy of a correct
derivation and run through ``handgrad verify``'s checks, and look-alikes that are right.
Exit 0 when every mistake is caught and every look-alike passes, 1 otherwise."""

import sys

from comparisons.commands.arguments import positive_int


def add_parser(commands):
    p = commands.add_parser("mistakes", help="the gallery of classic mistakes, each caught and explained")
    p.add_argument("--m", type=positive_int, default=64, help="examples in the typical batch (default: 64)")
    p.add_argument("--seed", type=int, default=0, help="seed for parameters and data (default: 0)")
    p.add_argument("--out", default="reports", help="folder for mistakes.md and mistakes.csv (default: reports/)")


def run(args):
    from comparisons.mistakes import exhibit
    from comparisons.mistakes.render import files, render_terminal
    from comparisons.writing import check_out_dir, write_files

    check_out_dir(args.out)
    gallery = exhibit.run(m=args.m, seed=args.seed, progress=sys.stderr.isatty())
    print(render_terminal(gallery))
    written = write_files(args.out, files(gallery))
    print(f"\nwrote {', '.join(str(p) for p in written)}")
    return 0 if gallery.ok else 1
