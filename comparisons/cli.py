"""The ``handgrad`` command: parses arguments and hands over to ``comparisons.commands.<name>``.

Exit status: 0 every derivation agrees; 1 one disagrees; 2 bad usage or input (one line on stderr).
"""

import argparse
import importlib
import sys

COMMANDS = ("report", "models", "check", "verify", "mistakes", "bench")


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def make_parser():
    parser = Parser(prog="handgrad", description="Hand-derived gradients, verified against autograd.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for name in COMMANDS:
        importlib.import_module(f"comparisons.commands.{name}").add_parser(commands)
    return parser


def main(argv=None):
    args = make_parser().parse_args(argv)
    try:
        return importlib.import_module(f"comparisons.commands.{args.command}").run(args)
    except (ValueError, OSError) as e:
        print(f"handgrad: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
