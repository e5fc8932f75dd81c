"""Argument types and options shared by several commands."""

import argparse

from comparisons import catalogue

DTYPES = ("float64", "float32")


def positive_int(text):
    """argparse type: a whole number >= 1, with a one-line error otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def add_model_option(parser, repeatable=True):
    """``--model NAME`` restricted to the catalogue's names."""
    names = list(catalogue.CATALOGUE)
    if repeatable:
        parser.add_argument("--model", action="append", choices=names, metavar="NAME",
                            help=f"model to run (repeatable; default: all of {', '.join(names)})")
    else:
        parser.add_argument("--model", required=True, choices=names, metavar="NAME",
                            help=f"the catalogue model, one of {', '.join(names)}")


def add_dtype_option(parser):
    parser.add_argument("--dtype", action="append", choices=DTYPES,
                        help="dtype (repeatable; default: float64 and float32)")
