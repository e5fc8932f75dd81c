"""Shared fixtures."""

import pytest

from comparisons import catalogue


@pytest.fixture
def seed_net():
    """The seed network's catalogue entry."""
    return catalogue.get("seed_net")


@pytest.fixture
def handgrad(capsys):
    """Run ``handgrad ARGS...`` in this process: ``(exit status, stdout, stderr)``. A usage error exits
    from argparse (SystemExit), as it does in a real process."""
    from comparisons.cli import main

    def run(*args):
        try:
            status = main(list(args))
        except SystemExit as e:
            status = e.code
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run
