"""Shared fixtures."""

import atexit
import os
import shutil
import tempfile

import pytest

# JAX's persistent compilation cache (reference/jax_ad): one folder for the session, shared with the
# handgrad processes tests start, and removed at the end, so tests neither read nor fill the user's own.
if "HANDGRAD_CACHE" not in os.environ:
    os.environ["HANDGRAD_CACHE"] = tempfile.mkdtemp(prefix="handgrad-test-jax-cache-")
    atexit.register(shutil.rmtree, os.environ["HANDGRAD_CACHE"], True)

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
