"""The harness: catalogue of models, comparison primitive, numerical witness, verify, speed, reports, CLI."""


class BadInput(ValueError):
    """The user's input is wrong (an option, a path, a file to check): the CLI prints this one line and
    exits with status 2. Every other exception that reaches the CLI is ours, not the user's: it is reported
    as an internal error, with its traceback in a log file (``comparisons.cli``)."""
