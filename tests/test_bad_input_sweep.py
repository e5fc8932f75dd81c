"""The bad-input sweep (``tests/bad_inputs.py``): each case run as a new user runs it, in a fresh Python
and a fresh folder, asserting the exit status, one line naming the problem with the words expected, no
traceback, no partly written report and no process of the person's code left behind. The words must be
in the line that names the problem: stderr's first line for exit 2, the VERDICT for 1, the output for 0."""

import os
import signal
from pathlib import Path

import pytest

from tests.bad_inputs import CASES, alive, message, run

pytestmark = pytest.mark.slow      # a Python start per case: the quick run has each part's own tests


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_bad_input_is_one_clear_line_and_leaves_nothing_behind(tmp_path, case):
    try:
        status, out, err = run(case, tmp_path)
    finally:
        left = alive(tmp_path)
        for pid in left:        # never leave them running, even when the test fails
            os.kill(pid, signal.SIGKILL)
    assert status == case.status, out[-2000:] + err
    assert "Traceback" not in out + err
    said = message(status, out, err)
    assert case.words in said, said
    if status >= 2:     # the first line names it; at most a short excerpt of the person's code follows
        assert err.strip() and len(err.strip().splitlines()) <= 8, err
    assert not left, f"the person's code still runs: {left}"
    out_dir = tmp_path / "out"
    written = sorted(p.name for p in out_dir.iterdir()) if out_dir.is_dir() else []
    assert not any(name.endswith(".partial") for name in written)
    if status >= 2:                 # nothing was run to the end: nothing is written
        assert not written, written
    elif case.out:                  # a finished run writes its whole report
        assert {"verify.md", "verify.csv"} <= set(written), written
    assert not list(Path(tmp_path).glob("**/*.partial"))


def test_the_sweep_has_at_least_sixty_cases_of_every_kind():
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)
    assert {c.status for c in CASES} >= {0, 1, 2}
