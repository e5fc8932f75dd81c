"""Writing people's files for the tests, and running the command line as they do.

The tests of ``handgrad verify`` write code the way people keep it (a file, a notebook) into pytest's
``tmp_path`` and run ``handgrad`` in process (``comparisons.cli.main``), reading what it printed.
"""

import json

from comparisons.cli import main


def write(folder, source, name="mine.py"):
    """``source`` written to ``folder / name``; its path as a string, as a person types it."""
    path = folder / name
    path.write_text(source)
    return str(path)


def edited(source, old, new):
    """``source`` with its first ``old`` replaced by ``new`` (a planted mistake); ``old`` must be there."""
    assert old in source, old
    return source.replace(old, new, 1)


def run_cli(capsys, *argv):
    """(exit status, stdout, stderr) of ``handgrad ARGV...``."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def as_notebook(*cells, title="Assignment"):
    """A Jupyter notebook (nbformat 4): a markdown ``title`` cell, then ``cells`` as code cells."""
    code = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": text.splitlines(True)} for text in cells]
    heading = {"cell_type": "markdown", "metadata": {}, "source": [f"# {title}\n"]}
    return json.dumps({"cells": [heading, *code], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
