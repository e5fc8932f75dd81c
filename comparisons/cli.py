"""The ``handgrad`` command line: its grammar, and what its exit statuses mean.

    0  every derivation agrees (and nothing failed)
    1  a derivation disagrees or a stress batch fails (verify's VERDICT line says which), or a mistake
       of the gallery went uncaught
    2  bad usage or bad input: an option, a path, the code given to ``verify``; one line on stderr
    3  an internal error, a bug of handgrad's and not the user's input: one line on stderr naming it
       as ours, with the traceback written to a log file whose path the line gives
  130  interrupted (Ctrl-C)

The options of every command are declared here (the types of their values in ``comparisons.arguments``);
what a command does is ``comparisons.commands``; model options are merged in ``comparisons.model_options``.
Heavy packages (torch, jax, matplotlib) are imported by the commands that use them, not here.
"""

import argparse
import datetime
import io
import os
import sys
import tempfile
import traceback
from pathlib import Path

from comparisons import BadInput, catalogue
from comparisons.writing import out_folder
from comparisons.arguments import (at_most, fraction, layer_sizes, name_list, name_map, non_negative_int,
                                   non_negative_number, positive_int, positive_number, positive_seconds,
                                   refuse_oversized, size_list, thread_count, timeout_seconds)
from manual.mlp_config import LOSS_OF_OUTPUT
from manual.regularisation import FORMULA, PENALTIES

DTYPES = ("float64", "float32")
LOG_DIR = Path(tempfile.gettempdir()) / "handgrad-logs"


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class KeepLines(argparse.HelpFormatter):
    """Help whose descriptions are wrapped, except a text of several lines (examples), kept as written."""

    def _fill_text(self, text, width, indent):
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


# --- options shared by several commands ----------------------------------------------------------------


def add_model(p, default=None, many=False, what="the catalogue model", required=True):
    names = list(catalogue.CATALOGUE)
    if many:
        p.add_argument("--model", action="append", choices=names, metavar="NAME",
                       help=f"model to run (repeatable; default: all of {', '.join(names)})")
    elif default is None:
        p.add_argument("--model", required=required, choices=names, metavar="NAME",
                       help=f"{what}, one of {', '.join(names)}")
    else:
        p.add_argument("--model", default=default, choices=names, metavar="NAME",
                       help=f"{what}, one of {', '.join(names)} (default: {default})")


def add_layer(p, many=True, what="a layer to check (repeatable; default: all)"):
    """--layer NAME, one of the layer catalogue's (``manual.layers``), repeatable when ``many``."""
    from manual.layers import catalogue as layer_catalogue

    names = list(layer_catalogue())
    p.add_argument("--layer", action="append" if many else "store", choices=names, metavar="NAME",
                   help=f"{what}: {', '.join(names)}")


def add_model_options(p, which="the model's", more=""):
    """--lam, --penalty, --sizes, --activations, --output, --loss: over ``which`` config
    (``comparisons.model_options``); a model refuses an option its configure does not take."""
    g = p.add_argument_group("model options", f"override {which} config (`handgrad models` lists the defaults); "
                                              f"a model refuses an option it does not take{more}")
    g.add_argument("--lam", type=non_negative_number, metavar="X", help="the L2 strength lambda (or reg)")
    g.add_argument("--penalty", choices=PENALTIES, metavar="P",
                   help="how lam is written: " + "; ".join(f"{k}: {v}" for k, v in FORMULA.items()))
    g.add_argument("--sizes", type=layer_sizes, metavar="N0,...,NL",
                   help="layer sizes, inputs first, e.g. 64,32,10 (course_net: N_X,N_H,N_Y)")
    g.add_argument("--activations", type=name_list, metavar="A,...",
                   help="hidden activations, one per hidden layer or one for all, e.g. relu,tanh")
    g.add_argument("--output", choices=tuple(LOSS_OF_OUTPUT), metavar="O",
                   help=f"output layer: {', '.join(LOSS_OF_OUTPUT)} (its loss follows unless --loss)")
    g.add_argument("--loss", choices=tuple(LOSS_OF_OUTPUT.values()), metavar="L",
                   help=f"loss: {', '.join(LOSS_OF_OUTPUT.values())}")


def add_dtypes(p):
    p.add_argument("--dtype", action="append", choices=DTYPES, help="dtype (repeatable; default: float64 and float32)")


def add_seed(p, what="parameters and data"):
    p.add_argument("--seed", type=non_negative_int, default=0, help=f"seed for {what} (default: 0)")


def add_m(p, default, what):
    p.add_argument("--m", type=positive_int, default=default, help=f"{what} (default: {default})")


def add_own(p, params=True):
    """--params FILE and --data FILE: the person's weights and examples (``comparisons.own``)."""
    if params:
        p.add_argument("--params", metavar="FILE", help="your parameters: .npz (W1, b1, ...), .npy of a dict, or "
                                                        ".mat (the course's Theta1, Theta2, as in ex4weights.mat)")
    p.add_argument("--data", metavar="FILE", help="your examples: Kaggle's MNIST CSV (label,pixel0..), MNIST IDX "
                                                  "images (labels found beside them, or IMAGES,LABELS), .mat "
                                                  "(X, y as in ex4data1.mat) or .npz (X with Y or y)")


# --- the commands' grammar ------------------------------------------------------------------------------


def add_report(commands):
    p = commands.add_parser("report", help="agreement and speed tables for catalogue models, and the layer table")
    add_model(p, many=True)
    add_layer(p, what="a layer of the layer catalogue to report (repeatable; with neither --model nor --layer, "
                      "every model and every layer)")
    p.add_argument("--no-layers", action="store_true", help="leave the layer table out of the default report")
    add_dtypes(p)
    p.add_argument("--out", type=out_folder, default="reports",
                   help="folder for the Markdown and CSV files (default: reports/)")
    add_seed(p)
    p.add_argument("--no-speed", action="store_true", help="skip the speed table")
    p.add_argument("--no-witness", action="store_true",
                   help="skip the numerical witness (the fourth source: finite differences, complex step)")
    p.add_argument("--html", action="store_true",
                   help="also write report.html: one self-contained page (equations as MathML, the manual lines "
                        "beside the PyTorch and JAX lines with their agreement, every table and plot inline)")
    p.add_argument("--train", action="store_true",
                   help="with --html: train each model by the three backends (handgrad train's defaults) and add "
                        "the curves to report.html")
    p.add_argument("--speed-m", type=positive_int, help="batch size of the speed rows (default: per model)")
    p.add_argument("--repeats", type=at_most(positive_int, 10_000, "timed repeats"), default=5,
                   help="timed repeats per speed row, 1 to 10,000 (default: 5, after 2 warm-up calls; handgrad "
                        "bench times more closely)")
    p.add_argument("--threads", type=thread_count, help="threads for NumPy BLAS and PyTorch, at most the cores "
                                                       "this process may use (default: all cores)")
    p.add_argument("--jobs", type=at_most(positive_int, 64, "processes"),
                   help="processes that share the models' and layers' checks, 1 to 64 (default: one per core, "
                        "at most 4, when there is enough to share); the speed rows are timed afterwards, alone")
    add_own(p)
    add_model_options(p, "every --model's")


def add_models(commands):
    commands.add_parser("models", help="list the catalogue's models with sizes and parameter counts")


def add_check(commands):
    p = commands.add_parser("check", help="the numerical witness (finite differences, complex step) "
                                          "against a model's manual derivation, or a layer's hand backward")
    which = p.add_mutually_exclusive_group(required=True)
    add_model(which, required=False)
    add_layer(which, many=False, what="a layer of the layer catalogue (instead of --model): its hand backward "
                                      "against the witness of s = sum(out * dout), in float64")
    add_m(p, 64, "examples in the batch")
    add_seed(p, "parameters, data and samples")
    p.add_argument("--dtype", default="float64", choices=DTYPES,
                   help="dtype the derivation runs in; the witness always computes in float64 (default: float64)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--full", action="store_true", help="every element, however long it takes")
    how.add_argument("--sample", type=positive_int, metavar="N",
                     help="N sampled elements per parameter array instead of every element")
    p.add_argument("--directions", type=at_most(positive_int, 1_000, "random directions"), default=4,
                   help="random directions, 1 to 1,000 (default: 4)")
    p.add_argument("--budget", type=positive_seconds, default=10.0, metavar="SECONDS",
                   help="every element when the estimate fits this many seconds (default: 10)")
    p.add_argument("--no-blind-spots", action="store_true", help="skip the blind-spot measurement")
    add_recipe(p)
    p.add_argument("--out", type=out_folder,
                   help="also write check.md, CSV files and the step-sweep plot into this folder")
    add_own(p)
    add_model_options(p)


VERIFY_EXAMPLES = """\
examples:
  handgrad verify mine.py                         the form and the model are read from your code
  handgrad verify mine.py --case typical          your derivation alone, without the stress batches
  handgrad verify mine.py --model mlp_deep --sizes 64,32,10 --activations relu --lam 0
  handgrad verify ex4.py --params ex4weights.mat --data ex4data1.mat   at your weights, on your data
  handgrad verify costs.py --cost cost --grad grad --params theta0

black-box mode (--cost, --grad, --params): for code no form knows. In costs.py,
  def cost(theta): ...      returns J, a number
  def grad(theta): ...      returns dJ/dtheta: an array like theta, or a dict keyed as the params
  theta0 = np.array(...)    the point: an array, a dict of arrays, or a function of no arguments
the gradient is checked against the numerical witness of the cost alone (complex step where the cost
runs on complex numbers, central differences otherwise): a table per parameter with every gradient-
checking convention's score, the first wrong one, and a verdict. Your code runs in a child process,
stopped after --timeout seconds.

batches: the typical batch judges your derivation; the stress batches (large-logits: every parameter
x 20 or more, until the last Z reaches 1,000; class-missing: no example of the last class; one-example:
m = 1) judge your code's robustness. A NaN or inf is
traced to the line and operation that first made it (log of 0, division by zero, overflow in exp).
exit status: 0 everything agrees; 1 a derivation disagrees or a stress batch fails, the VERDICT line
says which ("your derivation agrees on the typical batch ...; robustness: ..."); 2 your code could not
be checked. --case typical checks the derivation alone.
"""


def add_recipe(p):
    """--recipe COURSE, for check and verify."""
    p.add_argument("--recipe", choices=("ng", "dlai", "cs231n"), metavar="COURSE",
                   help="also run a course's own gradient check beside the verdict, on the typical batch: ng "
                        "(step 1e-4, norm(numgrad - grad) / norm(numgrad + grad) < 1e-9), dlai (step 1e-7, "
                        "||a - b|| / (||a|| + ||b||) <= 2e-7, 1e-7 in 2017) or cs231n (step 1e-5, rel_error per "
                        "array); it does not change the exit status")


def add_verify(commands):
    from comparisons import verify

    p = commands.add_parser("verify", help="check your own forward/backward code against autograd",
                            description="Check your own derivation, quantity by quantity. TARGET is "
                            "PATH.py, a notebook PATH.ipynb or package.module, optionally :function "
                            "(the backward alone). "
                            "The code follows one of the forms `handgrad forms` lists: the project's "
                            "contract (forward, loss, backward), the seed tutorial's "
                            "forward_prop/backward_prop, ...; or, with --cost, --grad and --params, "
                            "any cost and gradient functions (black-box mode)",
                            epilog=VERIFY_EXAMPLES, formatter_class=KeepLines)
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
    p.add_argument("--case", action="append", choices=verify.CASES,
                   help="batch to check on (repeatable; default: all): typical judges the derivation, "
                        "large-logits, class-missing and one-example its robustness; --case typical checks the "
                        "derivation alone")
    p.add_argument("--against", action="append", choices=verify.AUTOGRAD + tuple(verify.EXTRA),
                   help="reference (repeatable; default: torch, jax and the numerical witness where installed)")
    p.add_argument("--full-witness", action="store_true",
                   help="the numerical witness measures every element (default: a seeded sample; slower)")
    add_recipe(p)
    p.add_argument("--timeout", type=timeout_seconds, default=verify.DEFAULT_TIMEOUT,
                   help=f"seconds your code may run before it is stopped, up to 86400 (a day), or inf for no "
                        f"limit (default: {verify.DEFAULT_TIMEOUT:g})")
    p.add_argument("--out", type=out_folder, help="also write verify.md and CSV files into this folder")
    p.add_argument("--html", action="store_true",
                   help="also write verify.html (into --out, default reports/): your code beside the derivation, "
                        "the first wrong line marked with its diagnosis")
    add_own(p, params=False)       # --params FILE is below: a .npz, .npy or .mat there is a file, not a name
    add_model_options(p, more=", and one that contradicts what the form's code fixes (no regularisation)")
    box = p.add_argument_group("black-box mode", "a cost function, a gradient function and a point, named "
                                                 "in TARGET (all three; see the examples below)")
    box.add_argument("--cost", metavar="NAME", help="cost(params) -> J")
    box.add_argument("--grad", metavar="NAME", help="grad(params) -> dJ/dparams, shaped as params")
    box.add_argument("--params", metavar="NAME|FILE", help="the point: an array, a dict of arrays, or a function "
                                                           "of no arguments returning one; outside black-box "
                                                           "mode, a FILE of your parameters to check at (.npz, "
                                                           ".npy of a dict, or .mat with Theta1, Theta2, ...)")


def add_forms(commands):
    commands.add_parser("forms", help="list the forms of code verify reads: their functions, signatures and "
                                      "conventions")


def add_mistakes(commands):
    p = commands.add_parser("mistakes", help="the gallery of classic mistakes, each caught and explained")
    add_m(p, 64, "examples in the typical batch")
    add_seed(p)
    p.add_argument("--out", type=out_folder, default="reports",
                   help="folder for mistakes.md, mistakes.csv and layer-mistakes.csv (default: reports/)")


def add_bench(commands):
    from comparisons import bench
    from comparisons.bench.layers import SIDES

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
    p.add_argument("--repeats", type=at_most(positive_int, 10_000, "timed repeats"), default=7,
                   help="timed repeats per row, 1 to 10,000 (default: 7)")
    p.add_argument("--warmup", type=at_most(non_negative_int, 1_000, "warm-up calls"), default=2,
                   help="untimed warm-up calls per row, 0 to 1,000 (default: 2)")
    p.add_argument("--threads", type=thread_count, help="threads for NumPy BLAS and PyTorch, at most the cores "
                                                       "this process may use (default: all cores)")
    add_seed(p)
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurement")
    p.add_argument("--no-attribution", action="store_true",
                   help="skip timing the gradient step's parts alone (seed_net: where the time goes)")
    add_own(p)
    p.add_argument("--out", type=out_folder, default="bench",
                   help="folder for the Markdown, CSV and PNG files (default: bench/)")
    layers = p.add_argument_group("layers", "--layers times the convolution layer instead of a model: the naive "
                                            "loops, im2col, torch (autograd) and jax.jit (vjp), forward and "
                                            "gradient, over the image side at N=8, C=3, F=8, 3x3, stride 1, pad 1; "
                                            "it takes --dtype, --kind, --repeats, --warmup, --threads, --seed, "
                                            "--out (files conv.md, conv.csv, conv_slopes.csv, sweep_conv.png)")
    layers.add_argument("--layers", action="store_true", help="time the convolution layer (see above)")
    layers.add_argument("--sides", type=size_list, default=SIDES, metavar="LIST",
                        help=f"image sides of the --layers sweep (default: {','.join(map(str, SIDES))}; the naive "
                             "loops grow as the side squared: under a minute on 2 cores at these)")


def add_layers(commands):
    p = commands.add_parser("layers", help="the layer catalogue (CS231n style): each hand backward against "
                                           "PyTorch's and JAX's vector-Jacobian products and the witness")
    add_layer(p)
    p.add_argument("--dtype", action="append", choices=DTYPES, help="dtype (repeatable; default: both)")
    add_seed(p)
    p.add_argument("--out", type=out_folder, help="also write layers.md and layers.csv into this folder")


def add_reproduce(commands):
    p = commands.add_parser("reproduce", help="the curricula's published gradient-check figures (deeplearning.ai, "
                                              "Ng's ex4, CS231n), recomputed on their published test cases")
    p.add_argument("--out", type=out_folder, help="also write reproduce.md and reproduce.csv into this folder")


def add_train(commands):
    p = commands.add_parser("train", help="train a model by the manual derivation, PyTorch and JAX side by side: "
                                          "loss and accuracy curves, and how far their parameters part per step",
                            description="The same initial parameters trained by the manual derivation, PyTorch and "
                                        "JAX with plain gradient descent (W := W - alpha dW, as in the seed tutorial) "
                                        "on the same batches: loss, training and held-out accuracy, and the largest "
                                        "parameter difference between each pair at every step, against a bound "
                                        "from the dtype's eps and the number of steps. Exit 1 when the backends "
                                        "part beyond it, the loss does not fall or becomes non-finite.")
    add_model(p, default="seed_net", what="the catalogue model to train")
    p.add_argument("--alpha", type=positive_number, default=0.1,
                   help="learning rate, a finite number more than 0 (default: 0.1, the seed's)")
    p.add_argument("--steps", type=at_most(positive_int, 1_000_000, "steps"), default=500,
                   help="steps of gradient descent, 1 to 1,000,000 (default: 500, the seed's)")
    p.add_argument("--batch", type=positive_int, metavar="B",
                   help="examples per step, 1 to the training split's size: seeded mini-batches, the same for the "
                        "three backends (default: the whole training split each step)")
    p.add_argument("--dtype", dest="dtypes", default="both", choices=("float64", "float32", "both"),
                   help="dtype to train in: float64, float32 or both (default: both)")
    p.add_argument("--m", type=positive_int, help="examples taken from the data before the split (default: all)")
    p.add_argument("--held-out", type=fraction, default=0.2, metavar="FRACTION",
                   help="share of the examples kept apart for the held-out accuracy, 0 <= FRACTION < 1 (default: 0.2)")
    p.add_argument("--threads", type=thread_count, default=1,
                   help="threads for NumPy BLAS and PyTorch, at most the cores this process may use (default: 1: "
                        "the backends take turns each step, and pools that spin between turns slow each other)")
    add_seed(p, "parameters, the split and the batches")
    add_own(p, params=False)
    p.add_argument("--out", type=out_folder, default="reports",
                   help="folder for train.md, train.csv, train_pairs.csv and the PNG plots (default: reports/)")


GRAMMAR = {"report": add_report, "models": add_models, "check": add_check, "verify": add_verify,
           "forms": add_forms, "mistakes": add_mistakes, "bench": add_bench, "reproduce": add_reproduce, "layers": add_layers,
           "train": add_train}


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
        refuse_oversized(args)      # batch sizes that cannot fit in memory, before any work
        from comparisons import commands

        return getattr(commands, args.command)(args)
    except BadInput as e:
        print(f"handgrad: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:     # Ctrl-C; or SIGTERM/SIGHUP while verify's child ran (``children.Terminated``)
        signum = getattr(e, "signum", 2)       # 2: SIGINT, Ctrl-C's
        print("handgrad: interrupted" if signum == 2 else f"handgrad: stopped by {e}", file=sys.stderr)
        return 128 + signum
    except BrokenPipeError:
        # the reader left (``handgrad models | head``): nothing more can be shown, and that is no bug; stdout
        # is pointed at devnull so that Python's flush at exit does not fail on the closed pipe again
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            pass        # a stdout without a file descriptor (an embedding program's): nothing to flush
        return 141      # 128 + SIGPIPE, as a shell reports a command ended by a closed pipe
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
