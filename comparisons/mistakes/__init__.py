"""A gallery of classic mistakes in hand-derived backward passes, and look-alikes that are right.

Each mistake is a copy of a correct derivation with one line changed, run through the same verifier
people use on their own code (``comparisons.verify.verify``). ``handgrad mistakes`` prints, for
each: the line planted, the batch and quantity where it first shows, the diagnosis, and which
gradient-checking conventions catch it.

    correct.py   the correct derivations the mistakes are copied from, and the look-alikes
    planted.py   every planted mistake, a whole copy with one line marked ``# planted``
    gallery.py   the entries: name, kind, catalogue model, the code handed to the verifier
    exhibit.py   the gallery run through the verifier, the conventions that flag each, the table
    layer_slips.py    the planted layer backwards and their right look-alikes, each line marked
    layer_exhibit.py  the mistakes gallery per layer: each run through ``layer_check.check``, one table

    run(m=64, seed=0) -> Exhibit        .table (one row per entry), .results, .ok
    render_terminal(exhibit) -> str     files(exhibit) -> {"mistakes.md": ..., "mistakes.csv": ...}
"""

from comparisons.mistakes.exhibit import Exhibit, files, planted_line, render_terminal, run
from comparisons.mistakes.gallery import GALLERY, LOOK_ALIKE, MISTAKE, Entry

__all__ = ["GALLERY", "LOOK_ALIKE", "MISTAKE", "Entry", "Exhibit", "files", "planted_line",
           "render_terminal", "run"]
