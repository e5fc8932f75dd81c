"""Extra report sections a model can add (Hessians, closed forms, Newton steps, ...).

A catalogue entry lists ``extras``: callables ``extra(model, dtypes, seed) -> list[Section]``.
The report prints each section under the agreement table, writes its table as Markdown and CSV,
and counts a section with ``ok=False`` as a disagreement (exit status 1).
"""

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Section:
    """A titled table with a sentence or two of explanation; ``ok`` is its verdict."""

    model: str
    title: str
    table: pd.DataFrame
    text: str = ""
    ok: bool = True

    @property
    def slug(self):
        """A file-name stem, e.g. ``linear_regression-closed-form``."""
        words = "".join(c if c.isalnum() else " " for c in self.title.lower()).split()
        return f"{self.model}-{'-'.join(words)}"
