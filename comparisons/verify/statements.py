"""A file or notebook as its top-level statements, each classified before anything of it runs.

``read_chunks(path)``: the source as ``Chunk``s that run as one piece: a .py file's whole text, or
each code cell of a notebook (read as JSON, no Jupyter needed) in order, with ``%`` magics and
``!`` shell lines blanked so that line numbers stay the cell's.

``Reading(chunks)``: every top-level ``Statement`` with its kind:

    DEFINE  imports, functions, classes, constants (assignments that call only libraries and quiet
            builtins: none of the file's own functions, no ``input``, ``print`` or ``open``), a
            try block of those (``try: import a / except ImportError: ...``), docstrings
    SETUP   a library's settings, which change what the functions compute or import:
            ``np.random.seed``, ``sys.path.append``, ``jax.config.update``, ``torch.set_default_dtype``
    MAIN    ``if __name__ == "__main__":``, which never runs
    WORK    the rest: training, reading data, plotting, loops, prints, calls of the file's own
            functions; ``doing`` says which in words, for the note that names it

and the modules the file imports that are not installed here (``missing``), found with the
person's folders on sys.path. Deciding from the syntax tree means a file that would train for
an hour is read without running a line of it; ``load`` then runs what the kinds allow.
"""

import ast
import builtins
import importlib.util
import json
import linecache
import re
import sys
from dataclasses import dataclass

from comparisons.verify.calls import CannotVerify, one_line


# --- The source: a file's text, or a notebook's code cells -----------------------------------------


@dataclass(frozen=True)
class Chunk:
    """Source that runs as one piece: a file, or one notebook cell (``label`` "code cell 3, ")."""

    filename: str
    text: str
    tree: ast.Module
    label: str = ""


def read_chunks(path):
    """(the ``Chunk``s of the file at ``path``, notes): a .py file is one chunk; a notebook one per cell."""
    if path.suffix != ".ipynb":
        text = importlib.util.decode_source(path.read_bytes())
        try:
            return [Chunk(str(path), text, ast.parse(text, str(path)))], []
        except SyntaxError as e:
            raise syntax_error(path, e) from None
    chunks, dropped, bad = [], 0, []
    cells = notebook_cells(path)
    for k, cell in enumerate(cells, 1):
        text, blanked = python_of(cell)
        dropped += blanked
        filename = f"{path} (code cell {k})"
        try:
            chunks.append(Chunk(filename, text, ast.parse(text, filename), f"code cell {k}, "))
        except SyntaxError as e:
            bad.append(f"code cell {k} ({e.msg}, line {e.lineno})")
            continue
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)   # for tracebacks
    notes = [f"read {len(cells)} code cell{'s' * (len(cells) != 1)} of {path.name}"
             + (f" ({dropped} lines of % magics and ! shell commands dropped)" if dropped else "")]
    if bad:
        notes.append(f"skipped {len(bad)} code cell(s) that are not Python: {', '.join(bad[:3])}")
    return chunks, notes


def syntax_error(path, e):
    """The one message for a file that is not Python."""
    if e.lineno is None:    # not text at all (null bytes): no line to show
        return CannotVerify(f"{path} is not Python source: {e.msg}; expected a Python file (.py) or a notebook (.ipynb)")
    return CannotVerify(f"{path} does not import: SyntaxError at line {e.lineno}: {e.msg}\n"
                        f"    {(e.text or '').rstrip()}")


def notebook_cells(path):
    """The source of each code cell of the notebook at ``path``, in order (nbformat 4, or 3's worksheets)."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"] if "cells" in notebook else [
            c for sheet in notebook["worksheets"] for c in sheet["cells"]]
        sources = [c.get("source", c.get("input", "")) for c in cells if c.get("cell_type") == "code"]
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as e:
        raise CannotVerify(f"{path} is not a notebook ({one_line(e)}); expected a Jupyter notebook: JSON with "
                           f"a list of cells") from None
    if not sources:
        raise CannotVerify(f"{path} has no code cells; expected a notebook whose code cells define the functions "
                           f"to verify")
    return ["".join(s) if isinstance(s, list) else str(s) for s in sources]


SHELL_OR_MAGIC = re.compile(r"\s*(%|!|[\w.]+\?{1,2}\s*$)")     # %time f(), !pip install, np.sum?
PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun")   # their body is Python


def python_of(cell):
    """(the Python of a cell, how many lines were blanked): magic and shell lines become blank lines,
    so line numbers stay the cell's; a ``%%bash`` (or any other language's) cell is blank throughout."""
    lines = cell.splitlines()
    if lines and lines[0].startswith("%%") and lines[0].split()[0] not in PYTHON_CELL_MAGICS:
        return "\n" * len(lines), len(lines)
    kept = ["" if SHELL_OR_MAGIC.match(line) else line for line in lines]
    return "\n".join(kept) + "\n", sum(a != b for a, b in zip(kept, lines))


# --- What each top-level statement does ------------------------------------------------------------

DEFINE, SETUP, WORK, MAIN = "define", "setup", "work", "main"
# What a statement that does work does, most telling first: the note names the first of the best.
DOINGS = ("trains", "reads data", "asks for input", "plots", "calls its own functions", "loops", "prints",
          "exits", "uses modules not installed here", "does work")
TRAINING = re.compile(r"train|fit|descent|optimi[sz]e|learn|epoch|model", re.I)
READING = re.compile(r"read|load|open|imread|genfromtxt|fromfile|^File$", re.I)
PLOTTING = {"plt", "pyplot", "matplotlib", "sns", "seaborn", "display", "imshow", "show", "plot"}
SETTINGS = re.compile(r"(^sys\.path\.|config\.update$|\.seed$|\.manual_seed$|\.set_?\w*$|warnings\.\w*$"
                      r"|^matplotlib\.use$)")
QUIET_BUILTINS = set(dir(builtins)) - {"input", "open", "print", "exec", "eval", "breakpoint", "exit", "quit",
                                       "help", "compile", "__import__"}
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass
class Statement:
    """One top-level statement of a chunk: its ``kind`` (DEFINE, SETUP, WORK, MAIN) and, for work,
    what it does in words (``doing``, one of DOINGS)."""

    node: ast.stmt
    chunk: Chunk
    kind: str = DEFINE
    doing: str = ""

    def quoted(self, width=90):
        """``line 41: `W1, b1, W2, b2 = gradient_descent(...)` ``, its first line shortened to ``width``."""
        text = "".join((ast.get_source_segment(self.chunk.text, self.node) or "").splitlines()[:1])
        text = text if len(text) <= width else text[:width - 3] + "..."
        return f"{self.chunk.label}line {self.node.lineno}: `{text}`"


def root(node):
    """The name an expression starts from (``np`` of ``np.random.seed``), or None."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def dotted(node):
    """``np.random.seed`` for the expression ``np.random.seed``; "" when it is not a dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else ""


def calls_in(node):
    """Every call ``node`` makes when it runs (not those inside the functions or lambdas it defines)."""
    if isinstance(node, (*DEFS, ast.Lambda)):
        return []
    own = [node] if isinstance(node, ast.Call) else []
    return own + [c for child in ast.iter_child_nodes(node) for c in calls_in(child)]


def binds(node):
    """The names a top-level statement binds (not the locals of what it defines)."""
    if isinstance(node, DEFS):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"}
    found = {n.id for n in [node] if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    inner = [c for c in ast.iter_child_nodes(node) if not isinstance(c, (ast.Lambda, ast.comprehension))]
    return found.union(*(binds(c) for c in inner))


def loads(node):
    """The names ``node`` reads."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def is_main_block(node):
    """``if __name__ == "__main__":`` (either way round)."""
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
            and {ast.dump(test.left), ast.dump(test.comparators[0])}
            == {ast.dump(ast.Name("__name__", ast.Load())), ast.dump(ast.Constant("__main__"))})


class Reading:
    """The top-level statements of ``chunks``, each classified, and the modules they import that are
    not installed here (``missing``; the names they bind: ``stood``)."""

    def __init__(self, chunks):
        self.statements = [Statement(node, chunk) for chunk in chunks for node in chunk.tree.body]
        nodes = [s.node for s in self.statements]
        self.own = {n.name for n in nodes if isinstance(n, DEFS)}
        imports = [n for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom)) and not getattr(n, "level", 0)]
        self.missing = sorted({m for n in imports for m in modules(n) if not installed(m)})
        self.stood = {b for n in imports if set(modules(n)) & set(self.missing) for b in binds(n)}
        self.quiet = set(QUIET_BUILTINS)     # names whose calls are a constant's: libraries, constants
        for s in self.statements:
            s.kind, s.doing = self.classify(s.node)
            if s.kind in (DEFINE, SETUP):
                self.quiet |= binds(s.node) - self.own - self.stood

    @property
    def work(self):
        """The statements that do work, and the one a note names (the first of the most telling)."""
        work = [s for s in self.statements if s.kind == WORK]
        return work, min(work, key=lambda s: DOINGS.index(s.doing), default=None)

    def classify(self, node):
        """(kind, doing) of one top-level statement."""
        if isinstance(node, (*DEFS, ast.Import, ast.ImportFrom, ast.Pass, ast.Global)):
            return DEFINE, ""
        if is_main_block(node):
            return MAIN, ""
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return DEFINE, ""     # a docstring
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            doing = self.doing(node, constant=True)
            return (WORK, doing) if doing else (DEFINE, "")
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and root(node.value) in self.quiet
                and SETTINGS.search(dotted(node.value.func)) and not self.doing(node, constant=True)):
            return SETUP, ""
        if isinstance(node, ast.Try) and all(self.classify(n)[0] == DEFINE for n in tried(node)):
            return DEFINE, ""     # try: import a / except ImportError: import b
        return WORK, self.doing(node) or ("loops" if isinstance(node, (ast.For, ast.While)) else "does work")

    def doing(self, node, constant=False):
        """What the calls of ``node`` do, in words; for a ``constant``, "" when they only call
        libraries and quiet builtins (``pd.read_csv`` runs, and is left out if it fails)."""
        found = []
        for call in calls_in(node):
            name, start = dotted(call.func) or "", root(call.func)
            last = name.rpartition(".")[2] or (call.func.attr if isinstance(call.func, ast.Attribute) else "")
            if start in self.quiet:
                if not constant:
                    found.append("reads data" if READING.search(last) else "plots" if {start, last} & PLOTTING
                                 else "exits" if last in ("exit", "quit") else "")
            elif start in ("input", "print", "open", "exit", "quit"):
                found.append({"input": "asks for input", "print": "prints", "open": "reads data"}.get(start, "exits"))
            elif start in self.stood:
                found.append("reads data" if READING.search(last) else "uses modules not installed here")
            elif start is not None or not constant:
                found.append("trains" if TRAINING.search(last) else "calls its own functions" if start in self.own
                             else "plots" if last in PLOTTING else "does work")
        return min((f for f in found if f), key=DOINGS.index, default="")


def tried(node):
    """The statements of a try block: body, handlers, else and finally."""
    return node.body + [n for h in node.handlers for n in h.body] + node.orelse + node.finalbody


def modules(node):
    """The top-level module names an import statement imports."""
    names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    return [n.split(".")[0] for n in names if n]


def installed(name):
    """Whether ``import name`` finds a module here (with the person's folders on sys.path)."""
    try:
        return name in sys.modules or importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
