"""What a verification reports when the code could not be checked at all (exit status 2).

Each message names the function and says what was expected; a short excerpt of the person's own
traceback may follow it, never a traceback alone.
"""

import traceback
from pathlib import Path

OURS = str(Path(__file__).parent)   # frames in comparisons/verify are ours, not the person's


class CannotVerify(ValueError):
    """The code could not be checked: it does not import, lacks a function, raises, returns the
    wrong number or kind of things, or runs past the time limit. ``str(e)`` is the whole message."""


def excerpt(error, lines=3):
    """The last ``lines`` frames of ``error``'s traceback outside comparisons/verify, then its type and message."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(OURS)]
    text = "".join(traceback.format_list(frames[-lines:])) + f"{type(error).__name__}: {error}"
    return "\n".join("    " + line for line in text.rstrip().splitlines())


def one_line(error):
    """``ValueError: what it said``, on one line."""
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
