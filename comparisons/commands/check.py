"""``handgrad check --model NAME``: the numerical witness alone against the manual derivation.

Prints every convention's score per quantity, the kink-crossed counts, the random directions, the
first wrong line in backward order, and the blind spots of sampled checks; with ``--out``, writes
them as Markdown and CSV beside the step-sweep plot. Exit 0 agree, 1 disagree, 2 bad usage.
"""

import sys

from comparisons import catalogue
from comparisons.commands.arguments import DTYPES, add_model_option, positive_int


def add_parser(commands):
    p = commands.add_parser("check", help="the numerical witness (finite differences, complex step) "
                                          "against a model's manual derivation")
    add_model_option(p, repeatable=False)
    p.add_argument("--m", type=positive_int, default=64, help="examples in the batch (default: 64)")
    p.add_argument("--seed", type=int, default=0, help="seed for parameters, data and samples (default: 0)")
    p.add_argument("--dtype", default="float64", choices=DTYPES,
                   help="dtype the derivation runs in; the witness always computes in float64 (default: float64)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--full", action="store_true", help="every element, however long it takes")
    how.add_argument("--sample", type=positive_int, metavar="N",
                     help="N sampled elements per parameter array instead of every element")
    p.add_argument("--directions", type=positive_int, default=4, help="random directions (default: 4)")
    p.add_argument("--budget", type=float, default=10.0, metavar="SECONDS",
                   help="every element when the estimate fits this many seconds (default: 10)")
    p.add_argument("--no-blind-spots", action="store_true", help="skip the blind-spot measurement")
    p.add_argument("--out", help="also write check.md, CSV files and the step-sweep plot into this folder")


def run(args):
    import numpy as np

    from comparisons.numerical import plan_for
    from comparisons.numerical.render import check_report
    from comparisons.writing import check_out_dir, write_files

    if args.out:
        check_out_dir(args.out)
    model = catalogue.get(args.model)
    dtype = np.dtype(args.dtype)
    data = model.data(args.m, args.seed, dtype)
    params = model.init_params(args.seed, dtype)
    sizes = dict(directions=args.directions, **({"per_array": args.sample} if args.sample else {}))
    plan = plan_for(model.n_params(), args.m, args.budget, full=True if args.full else False if args.sample else None,
                    kinks=bool(getattr(model.manual, "KINKS", ())), seed=args.seed, **sizes)
    text, files, ok = check_report(model, params, data, plan, blind=not args.no_blind_spots,
                                   progress=sys.stderr.isatty())
    print(text)
    if args.out:
        written = write_files(args.out, files)
        print(f"\nwrote {', '.join(str(p) for p in written)}")
    return 0 if ok else 1
