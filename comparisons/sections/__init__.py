"""Report sections beyond the gradient agreement: Hessians, the closed form, Newton's steps, the
per-example backward pass and the numerical witness's scores.

A catalogue entry names its sections (``extras=("hessian", "closed_form")``); ``build(name, ...)``
imports the section's module only when a report asks for it, so the catalogue never imports their
code (nor SciPy, scikit-learn or the frameworks they use). A section function has the signature
``section(model, dtypes, seed) -> list[Section]``.

The report prints each section under the agreement table, writes its table as Markdown and CSV,
and counts a section with ``ok=False`` as a disagreement (exit status 1). A section that raises is
shown as failed, with its error, and the rest of the report is still written.
"""

import importlib
from dataclasses import dataclass

# name -> (module under comparisons.sections, its function, what it needs of the manual model beyond
# the contract; comparisons.model_contract checks that when the catalogue loads). The witness's section
# is not here: the report builds it from the witness results it already has.
EXTRAS = {
    "hessian": ("hessian", "hessian_section", ("hessian",)),
    "closed_form": ("closed_form", "closed_form_section", ("lam",)),
    "newton": ("newton_steps", "newton_sections", ("hessian", "lam")),
    "per_example": ("per_example", "per_example_section", ("backward_per_example",)),
}


@dataclass(frozen=True)
class Section:
    """A titled table with a sentence or two of explanation; ``ok`` is its verdict; ``failed`` the
    internal error that kept it from being computed ("" when it was)."""

    model: str
    title: str
    table: object        # a pandas DataFrame (pandas is imported by the sections, not by the catalogue)
    text: str = ""
    ok: bool = True
    failed: str = ""

    @property
    def slug(self):
        """A file-name stem, e.g. ``linear_regression-closed-form``."""
        words = "".join(c if c.isalnum() else " " for c in self.title.lower()).split()
        return f"{self.model}-{'-'.join(words)}"


def check_names(names):
    """ValueError for any name in ``names`` that is not a known section (the catalogue checks on load)."""
    unknown = [n for n in names if n not in EXTRAS]
    if unknown:
        raise ValueError(f"unknown report section(s) {unknown}; expected names from {sorted(EXTRAS)}")


def build(name, model, dtypes, seed):
    """The sections ``name`` adds for ``model``: its module imported now, its function called."""
    check_names([name])
    module, function, _ = EXTRAS[name]
    return getattr(importlib.import_module(f"comparisons.sections.{module}"), function)(model, dtypes, seed)
