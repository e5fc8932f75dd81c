"""Text that fits the terminal: its width, tables narrowed to their key columns, notes wrapped.

Every command prints for a person at a terminal of some width (``COLUMNS``, else the tty's, else 100
for a pipe or a log file). The Markdown and CSV files keep every column of every table; the terminal
shows what fits:

- ``width()``: the columns to fit, never fewer than ``NARROWEST`` (a table's key columns need them);
- ``fit_table(frame, keys, ...)``: the whole table when it fits; else its key columns, and as many
  of the others as fit unwrapped, with one line saying where every column is. Text cells wrap at
  their words when even the key columns are too wide; numbers are never cut or wrapped. Past that
  (key columns wider than the terminal with every text cell wrapped), the columns are dealt into
  consecutive tables, each repeating the first key column, so a row can still be read across;
  ``fit_tables`` does the same for several tables of the same columns, saying the line once;
- ``wrap_notes(text)``: paragraphs and "- " bullets wrapped, a bullet's lines hanging under its text;
- ``every_column(out, names, option)``: the line that says where the full table is.
"""

import math
import os
import shutil
import sys
import textwrap

import numpy as np
import pandas as pd

UNLIMITED = 10 ** 6  # the width of no terminal: nothing is narrowed or wrapped
NARROWEST = 60      # below this even a table's key columns stop being readable; wider lines are kept
GAP = "  "          # between columns
LONGEST_WORD = 12   # a text cell's words longer than this (a path, code) may be broken to fit; numbers never
NARROW_TEXT = 8     # a text column is not wrapped narrower than this, unless its words are all shorter


def width():
    """The terminal's columns: COLUMNS, else the tty's, at least ``NARROWEST``; ``UNLIMITED`` where there is
    no terminal to fit (stdout a pipe or a log file, COLUMNS unset): every line whole, for grep and logs."""
    if not os.environ.get("COLUMNS") and not sys.stdout.isatty():
        return UNLIMITED
    return max(NARROWEST, shutil.get_terminal_size(fallback=(100, 24)).columns)


def wrap_notes(text, at=None):
    """``text`` with every line wrapped to ``at`` columns (default ``width()``), blank lines kept.

    A line keeps its indentation; a bullet ("- ", "* ") hangs its later lines under its text. Words
    are broken only when longer than a whole line (a long path)."""
    at = at or width()
    out = []
    for line in text.splitlines():
        if not line.strip():
            out.append("")
            continue
        indent = len(line) - len(line.lstrip())
        hang = indent + (2 if line.lstrip().startswith(("- ", "* ")) else 0)
        out += textwrap.wrap(line, at, subsequent_indent=" " * hang, break_on_hyphens=False) or [line]
    return "\n".join(out)


def every_column(out, names, option="--out FOLDER"):
    """The line under a narrowed table: "every column: reports/agreement.md, reports/agreement.csv",
    or, when nothing is written (``out`` None), which option writes those files."""
    if out is None:
        return f"every column: in {', '.join(names)}, written by {option}"
    folder = str(out).rstrip("/") or "/"
    return f"every column: {', '.join(f'{folder}/{n}' if folder != '.' else n for n in names)}"


# --- Tables ------------------------------------------------------------------------------------------

def formatted(value, fmt):
    """A cell as text: floats by ``fmt`` (a format spec or a function; NaN is "-"), the rest by str."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        return str(value) if value is not None else "-"
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "-"
        return fmt(value) if callable(fmt) else format(value, fmt)
    return str(value)


def as_text(frame, floatfmt):
    """{column: [cell text]}; ``floatfmt``: one format for every float column, or {column: format}."""
    fmt = floatfmt if isinstance(floatfmt, dict) else {}
    default = ".3g" if isinstance(floatfmt, dict) else floatfmt
    return {c: [formatted(v, fmt.get(c, default)) for v in frame[c].tolist()] for c in frame.columns}


def longest(texts, words=False, numbers=False):
    """The longest line of ``texts``, or word, or word that reads as a number (e.g. "1.19e-07,")."""
    pieces = [p for t in texts for p in (t.split() if words or numbers else t.splitlines() or [""])]
    return max((len(p) for p in pieces if not numbers or is_number(p)), default=0)


def is_number(word):
    try:
        float(word.strip("()[],;:<>=~"))
        return True
    except ValueError:
        return False


class Layout:
    """The widths of a table's columns: each column's natural width (widest cell or header line) and
    its floor (numbers whole; text down to its longest word, capped; headers to their longest word)."""

    def __init__(self, cells, numeric):
        self.cells, self.numeric = cells, numeric
        self.natural = {c: max(longest([str(c)]), longest(v)) for c, v in cells.items()}
        self.floor = {}
        for c, v in cells.items():
            head = longest([str(c)], words=True)
            body = longest(v) if numeric[c] else min(longest(v), max(NARROW_TEXT, min(LONGEST_WORD, longest(v, True)),
                                                                     longest(v, numbers=True)))
            self.floor[c] = min(self.natural[c], max(head, body))

    def total(self, widths):
        return sum(widths.values()) + len(GAP) * (len(widths) - 1)

    def widths(self, columns, at):
        """{column: width} that fit ``at`` columns, or None. The room above the floors is shared in
        proportion to the square root of what each column would take above its floor (a column of long
        sentences keeps the most width, without starving the short ones beside it); a column whose share
        covers it is shown whole, and what is left over goes to those nearest to whole."""
        w = {c: self.natural[c] for c in columns}
        if self.total(w) <= at:
            return w
        w = {c: self.floor[c] for c in columns}
        room = at - self.total(w)
        if room < 0:
            return None
        wanting = [c for c in columns if self.natural[c] > w[c]]
        while wanting:
            weight = {c: math.sqrt(self.natural[c] - self.floor[c]) for c in wanting}
            share = {c: room * weight[c] / sum(weight.values()) for c in wanting}
            whole = [c for c in wanting if share[c] >= self.natural[c] - self.floor[c]]
            if not whole:
                w.update({c: self.floor[c] + int(share[c]) for c in wanting})
                break
            for c in whole:
                w[c] = self.natural[c]
                room -= self.natural[c] - self.floor[c]
            wanting = [c for c in wanting if c not in whole]
        for c in sorted(columns, key=lambda c: self.natural[c] - w[c]):   # rounding's leftover, nearest first
            w[c] += max(0, min(at - self.total(w), self.natural[c] - w[c]))
        for c in sorted(columns, key=lambda c: self.natural[c] - w[c]):
            # a column a few characters short of whole (a backend's name) takes them from the widest one
            short, widest = self.natural[c] - w[c], max(columns, key=lambda x: w[x] - self.floor[x])
            spare = w[widest] - self.floor[widest]
            if 0 < short <= max(2, self.natural[c] // 4) and widest != c and spare >= 2 * short:
                w[c], w[widest] = w[c] + short, w[widest] - short
        return w

    def render(self, widths):
        """The table in ``widths``: headers wrapped above a rule, cells wrapped, numbers right-aligned."""
        columns = list(widths)

        def block(texts):
            wrapped = [textwrap.wrap(t, widths[c], break_on_hyphens=False) or [""] for c, t in zip(columns, texts)]
            height = max(map(len, wrapped))
            return [GAP.join((p.rjust if self.numeric[c] else p.ljust)(widths[c])
                             for c, lines in zip(columns, wrapped)
                             for p in [lines[i] if i < len(lines) else ""]).rstrip() for i in range(height)]

        n = len(next(iter(self.cells.values()), []))
        lines = block([str(c) for c in columns]) + [GAP.join("-" * widths[c] for c in columns)]
        for i in range(n):
            lines += block([self.cells[c][i] for c in columns])
        return "\n".join(lines)


def fit_table(frame, keys=None, at=None, floatfmt=".3g", note=None, wrap=None):
    """``frame`` as text no wider than ``at`` columns (default ``width()``).

    The whole table when it fits. Otherwise its ``keys`` (the columns a reader cannot do without, in
    the table's order; default: all), each other column that still fits unwrapped, and ``note`` (e.g.
    ``every_column(...)``) under it. ``wrap``: the text columns that may wrap (default: every
    non-numeric one); numbers are never cut. ``floatfmt``: a format spec or function for floats, or
    {column: format} (others ".3g").
    """
    at = at or width()
    frame = frame.reset_index(drop=True)
    if frame.columns.empty:
        return ""
    numeric = {c: pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns}
    cells = as_text(frame, floatfmt)
    layout = Layout(cells, numeric)
    if wrap is not None:   # columns that must not wrap keep their natural width as floor
        layout.floor.update({c: layout.natural[c] for c in frame.columns if c not in wrap and not numeric[c]})
    everything = list(frame.columns)
    if layout.total({c: layout.natural[c] for c in everything}) <= at:
        return layout.render({c: layout.natural[c] for c in everything})
    shown = [c for c in everything if c in keys] if keys else everything
    shown = shown or everything[:1]
    for c in everything:
        trial = [x for x in everything if x in shown or x == c]
        if c not in shown and layout.total({x: layout.natural[x] for x in trial}) <= at:
            shown = trial
    widths = layout.widths(shown, at)
    text = layout.render(widths) if widths else "\n\n".join(layout.render(w) for w in dealt(layout, shown, at))
    if note and shown != everything:
        text += "\n" + wrap_notes(note, at)
    return text


def fit_tables(frames, keys=None, at=None, note=None, **options):
    """``fit_table`` of each of ``frames`` (tables of the same columns, e.g. one per model), with
    ``note`` said once, under the last, when any of them was narrowed."""
    at = at or width()
    said = "\n" + wrap_notes(note, at) if note else None
    texts = [fit_table(f, keys, at, note=note, **options) for f in frames]
    narrowed = bool(said) and any(t.endswith(said) for t in texts)
    texts = [t.removesuffix(said) if said else t for t in texts]
    return texts[:-1] + [texts[-1] + said] if narrowed and texts else texts


def dealt(layout, columns, at):
    """Width maps for consecutive groups of ``columns``, each fitting ``at`` and led by the first column
    again where both fit (a column too wide on its own goes alone, wrapped to ``at``)."""
    lead, groups, current = columns[0], [], []
    for c in columns:
        if current and layout.widths(current + [c], at) is None:
            groups.append(current)
            current = [lead, c] if layout.widths([lead, c], at) else [c]
        else:
            current.append(c)
    groups.append(current)
    return [layout.widths(g, at) or {c: min(layout.natural[c], at) for c in g} for g in groups]
