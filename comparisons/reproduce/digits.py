"""How a recomputed figure is held against a published one, row by row.

A published figure is text, printed to some number of significant digits. ``printed`` compares
handgrad's value to every printed digit (or to fewer, with the reason in the row's note, and how many
digits agree anyway); ``below`` checks a published bound ("we get < 1e-12"); ``order`` holds a
rounding-level figure (a right gradient's difference, which depends on the order of floating-point
operations of the course's code and machine) to its power of ten and the course's threshold.
"""

from dataclasses import dataclass

import numpy as np

EXACT = "every printed digit"


# --- Rows ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One published figure: where from, what, the published text, handgrad's value, how compared."""

    case: str
    source: str
    figure: str
    published: str
    value: float
    compared: str
    agrees: bool
    note: str = ""

    def as_dict(self):
        return dict(case=self.case, source=self.source, figure=self.figure, published=self.published,
                     handgrad=shown(self.value, self.published), compared=self.compared,
                     agrees="yes" if self.agrees else "NO", note=self.note)


def significant(text):
    """The significant digits printed in a published number, e.g. 12 for "0.285093156781"."""
    mantissa = text.lower().split("e")[0].lstrip("+-").replace(".", "").lstrip("0")
    return max(len(mantissa), 1)


def shown(value, published):
    """handgrad's value printed with the published figure's significant digits (two more, at most 17)."""
    if published.startswith(("<", ">")):
        return f"{value:.3e}"
    return f"{value:.{min(significant(published) + 1, 17)}g}"


def to_digits(value, digits):
    return float(f"{value:.{digits - 1}e}")


def printed(case, source, figure, published, value, digits=None, note=""):
    """A row compared to ``digits`` significant digits (default: all those printed)."""
    shown_digits = significant(published)
    digits = digits or shown_digits
    agrees = to_digits(value, digits) == to_digits(float(published), digits)
    compared = EXACT if digits == shown_digits else f"{digits} significant digits"
    if digits < shown_digits:
        same = max((d for d in range(1, shown_digits + 1) if to_digits(value, d) == to_digits(float(published), d)),
                   default=0)
        note += f" (it agrees to {same} of its {shown_digits} printed digits)"
    return Row(case, source, figure, published, value, compared, agrees, note)


def below(case, source, figure, bound, value, note=""):
    """A row for a published claim "below ``bound``"."""
    return Row(case, source, figure, f"< {bound:g}", value, "the published bound", bool(value < bound), note)


def order(case, source, figure, published, value, bound, note=""):
    """A rounding-level figure: the same power of ten as the published one, and below its threshold."""
    same = np.floor(np.log10(value)) == np.floor(np.log10(float(published)))
    return Row(case, source, figure, published, value, f"order of magnitude, and < {bound:g}",
               bool(same and value < bound), note)
