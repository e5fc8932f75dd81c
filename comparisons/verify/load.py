"""Load the code to verify, as people keep it: ``PATH.py``, ``PATH.ipynb`` or ``package.module``, each
optionally with ``:function``; or (from Python) a module, an object holding the functions, or one function.

A file is read by its top-level statements, classified before anything of it runs (``statements.py``):

- only definitions, settings and a ``__main__`` block: imported as it is, under a module name that
  is not ``__main__``, so that block never runs;
- any work (a script's or a notebook's: training, reading data, plotting, loops, calls): its
  definitions only, one statement at a time, each kept if it runs and left out if it fails; the
  work, and a statement that reads what only the work would have set, is skipped. A file whose
  plain import fails is read this way too;
- no function or class at all: imported as it is, since nothing in it could be verified and its
  own error (``sys.exit`` at import, a missing file, an endless loop) says best why.

The file's folder and the current folder are importable (siblings, and packages of the repository
the person runs from). A module the file imports that is not installed here (h5py, a course's
``lr_utils``) is stood in for by a placeholder whose attributes raise only when called.
``Code.notes`` says how the file was read, one line each; ``verify`` prints them. Each failure is
one ``CannotVerify`` message that names the file or function and what was expected.
"""

import __future__
import ast
import importlib
import importlib.abc
import importlib.machinery
import inspect
import sys
import traceback
import types
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from comparisons.verify.calls import CannotVerify, excerpt, one_line
from comparisons.verify.statements import DEFS, MAIN, WORK, Reading, Statement, binds, loads, read_chunks, \
    syntax_error

EXPECTED = ("a Python file or module defining backward(params, cache, X, Y) (the project's contract) "
            "or backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y) (the tutorial's)")
IMPORT_TIME = ("code that loads data or trains at import time belongs under "
               "`if __name__ == \"__main__\":`")


@dataclass(frozen=True)
class Code:
    """The person's code: ``namespace`` holds the functions; ``function`` is the one named
    explicitly (``PATH.py:function``), if any; ``origin`` names it in messages; ``notes``: how a
    file was read (definitions only, stand-ins, notebook cells), one line each, lower case."""

    namespace: object
    origin: str
    function: str = None
    notes: tuple = ()

    def get(self, name):
        """The callable ``name``, or None."""
        value = getattr(self.namespace, name, None)
        return value if callable(value) else None

    def defines(self):
        """The names of the functions it defines, for messages."""
        return sorted(n for n in dir(self.namespace) if not n.startswith("_")
                      and inspect.isfunction(getattr(self.namespace, n, None)))


def split_target(text):
    """``"a/b.py:fn"`` -> (``"a/b.py"``, ``"fn"``); no ``:identifier`` suffix -> (text, None)."""
    head, sep, tail = text.rpartition(":")
    return (head, tail) if sep and head and tail.isidentifier() else (text, None)


def load(target):
    """A ``Code`` for ``target``: a string (path or module, optional ``:function``), a module,
    a function, or any object whose attributes are the functions."""
    if isinstance(target, (str, Path)):
        where, function = split_target(str(target))
        module, notes = import_file(file_of(where)) if file_of(where) else (import_module(where), ())
        code = Code(module, where, function, notes)
        if function and code.get(function) is None:
            raise CannotVerify(explained(f"{where} has no function {function}; expected {function} to be defined "
                                         f"there (it defines: {', '.join(code.defines()) or 'no functions'})", notes))
        return code
    if inspect.isfunction(target) or inspect.ismethod(target):
        holder = SimpleNamespace(**{target.__name__: target})   # a nested function is no module attribute
        return Code(holder, f"{target.__module__}.{target.__qualname__}", target.__name__)
    if target is None:
        raise CannotVerify(f"nothing to verify; expected {EXPECTED}")
    return Code(target, getattr(target, "__name__", type(target).__name__))


def explained(message, notes):
    """``message`` followed by how the file was read, for a failure after a file read unusually."""
    return message + "".join(f"\n  ({note})" for note in notes)


def file_of(where):
    """``Path(where)`` when ``where`` names a file (.py, .ipynb, or has a folder) or a folder that is no
    package (a folder given by mistake, for ``check_file`` to name), else None (a module)."""
    path = Path(where)
    if where.endswith((".py", ".ipynb")) or "/" in where or "\\" in where or path.is_file():
        return path
    return path if path.is_dir() and not (path / "__init__.py").is_file() else None


def check_file(path):
    """A ``CannotVerify`` unless ``path`` is a file: a folder is named as one, with the files it holds."""
    if path.is_dir():
        inside = sorted(p.name for p in path.iterdir() if p.suffix in (".py", ".ipynb"))[:5]
        example = f"; it holds {', '.join(inside)}: e.g. handgrad verify {path / inside[0]}" if inside else ""
        raise CannotVerify(f"{path} is a folder; expected a Python file (.py), a notebook (.ipynb) or a module "
                           f"name{example}")
    if not path.is_file():
        raise CannotVerify(f"{path}: no such file; expected {EXPECTED}")
    if path.suffix not in (".py", ".ipynb"):
        raise CannotVerify(f"{path} is a {path.suffix or 'file without a'} file, not Python; expected a Python file "
                           f"(.py), a notebook (.ipynb) or a module name")


# --- Stand-ins for modules not installed here ------------------------------------------------------


class StandIn:
    """A name from a module that is not installed here: it imports, passes around and has attributes;
    calling it raises ``ModuleNotFoundError`` naming the module."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return StandIn(f"{self._name}.{attr}")

    def __call__(self, *args, **kwargs):
        top = self._name.partition(".")[0]
        raise ModuleNotFoundError(f"{self._name} was called, but {top} is not installed here (handgrad stood in "
                                  f"for it so that the file loads)", name=top)

    def __repr__(self):
        return f"<stand-in for {self._name}>"


class StandInModule(types.ModuleType):
    """A module not installed here: every attribute is a ``StandIn``; ``from m import *`` imports nothing."""

    def __init__(self, name):
        super().__init__(name)
        self.__all__ = []

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return StandIn(f"{self.__name__}.{attr}")


class StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """While in a ``with`` block, the last finder on sys.meta_path: it serves ``StandInModule``s for
    ``names`` (and their submodules) only, so installed modules and libraries' optional imports are
    untouched. ``used``: the names it served. Its modules leave sys.modules at the end of the block."""

    def __init__(self, names):
        self.names, self.used = set(names), []

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        top = spec.name.partition(".")[0]
        self.used += [top] if top not in self.used else []
        return StandInModule(spec.name)

    def exec_module(self, module):
        pass

    def __enter__(self):
        sys.meta_path.append(self)
        return self

    def __exit__(self, *exc):
        sys.meta_path.remove(self)
        for name in [n for n, m in sys.modules.items() if isinstance(m, StandInModule)]:
            del sys.modules[name]


# --- Loading a file --------------------------------------------------------------------------------


def import_file(path):
    """(a module of the file at ``path``, notes on how it was read); see the module's docstring."""
    check_file(path)
    chunks, notes = read_chunks(path)
    folder = path.resolve().parent
    for place in (str(Path.cwd()), str(folder)):      # the folder first, as `python path/mine.py` has it
        if place in sys.path:
            sys.path.remove(place)
        sys.path.insert(0, place)
    reading = Reading(chunks)
    work, named = reading.work
    what = "notebook" if path.suffix == ".ipynb" else "file"
    before = set(sys.modules)
    name = f"handgrad_user_{abs(hash(str(path.resolve())))}"
    try:
        with StandIns(reading.missing) as stand_ins:
            if named is None or not reading.own:
                module, failure = import_plain(name, path, chunks, reading.own)
                if failure:
                    module, more = import_definitions(name, path, reading, skip=failure[0])
                    notes += [f"loaded the definitions only: the {what} does not import as it is: "
                              f"{one_line(failure[1])} ({failure[0].quoted()})", *more]
            else:
                module, more = import_definitions(name, path, reading)
                notes += [f"loaded the definitions only: the {what} {named.doing} at import ({named.quoted()})"
                          + (f"; skipped {more_work(len(work) - 1)}" if len(work) > 1 else ""),
                          *more]
    finally:
        for new in set(sys.modules) - before - {name}:     # siblings: another folder's utils.py is another module
            if inside(getattr(sys.modules[new], "__file__", None), folder):
                del sys.modules[new]
    if stand_ins.used:
        notes.append(f"stood in for modules not installed here: {', '.join(stand_ins.used)}")
    return module, tuple(notes)


def more_work(k):
    """``3 more statements that do work``, for the note."""
    return "1 more statement that does work" if k == 1 else f"{k} more statements that do work"


def inside(file, folder):
    """Whether ``file`` lies in ``folder``, outside any installed packages there."""
    if not file:
        return False
    resolved = Path(file).resolve()
    return resolved.is_relative_to(folder) and not {"site-packages", "dist-packages"} & set(resolved.parts)


def new_module(name, path):
    """An empty module ``name`` for the file at ``path``, in sys.modules (dataclasses look it up there)."""
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    return module


def import_plain(name, path, chunks, defines):
    """(the module, None) after running every chunk as it is; when it fails: (None, (the top-level
    statement that failed, the error)) if the file defines functions, else a ``CannotVerify``."""
    module = new_module(name, path)
    try:
        for chunk in chunks:
            exec(compile(chunk.tree, chunk.filename, "exec", dont_inherit=True), module.__dict__)
        return module, None
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: B902  (SystemExit too: a script that exits at import)
        where = failed_statement(e, chunks)
        if not defines or where is None:
            raise syntax_error(path, e) if isinstance(e, SyntaxError) else CannotVerify(
                f"{path} does not import: {one_line(e)}"
                + (f" ({IMPORT_TIME})" if isinstance(e, (OSError, SystemExit)) else "") + f"\n{excerpt(e)}") from None
        return None, (where, e)


def failed_statement(error, chunks):
    """The top-level ``Statement`` whose run raised ``error`` (from its traceback), or None."""
    frames = {f.filename: f.lineno for f in reversed(traceback.extract_tb(error.__traceback__))}
    for chunk in chunks:
        line = frames.get(chunk.filename)
        for node in chunk.tree.body:
            if line is not None and node.lineno <= line <= (node.end_lineno or node.lineno):
                return Statement(node, chunk)
    return None


def import_definitions(name, path, reading, skip=None):
    """(a module holding what runs of ``reading``'s definitions, notes on what was left out). Work is
    skipped, as is a statement (not a def) that reads a name only skipped or failed statements set."""
    module, unset, failed = new_module(name, path), {}, []
    flags = 0
    for s in reading.statements:
        if isinstance(s.node, ast.ImportFrom) and s.node.module == "__future__":
            flags |= sum(getattr(__future__, a.name).compiler_flag for a in s.node.names)
        reads = loads(s.node) | (binds(s.node) if isinstance(s.node, ast.AugAssign) else set())
        needs_unset = not isinstance(s.node, DEFS) and reads & set(unset)
        if s.kind in (WORK, MAIN) or needs_unset or (skip and s.node is skip.node):
            unset.update({n: s for n in binds(s.node)})
            continue
        try:
            code = compile(ast.Module([s.node], []), s.chunk.filename, "exec", flags=flags, dont_inherit=True)
            exec(code, module.__dict__)
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # noqa: B902  (a constant that exits counts as failed too)
            failed.append(f"{s.quoted(60)} ({one_line(e)[:100]})")
            unset.update({n: s for n in binds(s.node)})
        else:
            for n in binds(s.node):
                unset.pop(n, None)
    notes = [f"left out, as they failed here: {failed[0]}" + (f", and {len(failed) - 1} more" if len(failed) > 1 else "")
             ] if failed else []
    return module, notes + undefined_globals(reading, module, unset)


def undefined_globals(reading, module, unset):
    """A note naming the globals the person's functions read that only skipped code sets (the
    tutorial's ``m``, from ``m, n = data.shape``): calling those functions would raise NameError."""
    used = {}
    for s in reading.statements:
        if isinstance(s.node, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.node.name in vars(module):
            local = {n.id for n in ast.walk(s.node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            local |= {a.arg for a in ast.walk(s.node.args) if isinstance(a, ast.arg)}
            for n in sorted(loads(s.node) & set(unset) - local - set(vars(module))):
                used.setdefault(n, []).append(s.node.name)
    return ["left undefined, as only skipped statements set them: " + "; ".join(
        f"{n} ({unset[n].quoted(60)}), read by {', '.join(fns)}" for n, fns in list(used.items())[:3])] if used else []


def import_module(name):
    """Import ``package.module`` with the current folder on sys.path."""
    if not all(part.isidentifier() for part in name.split(".")):
        raise CannotVerify(f"{name!r} is neither a .py file nor a module name; expected {EXPECTED}")
    sys.path.insert(0, str(Path.cwd()))
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name and name.startswith(e.name):
            raise CannotVerify(f"no module named {name!r} (looked in {Path.cwd()} and the installed "
                               f"packages); expected {EXPECTED}") from None
        raise CannotVerify(f"module {name} does not import: {one_line(e)}\n{excerpt(e)}") from None
    except BaseException as e:  # noqa: B902
        if isinstance(e, KeyboardInterrupt):
            raise
        raise CannotVerify(f"module {name} does not import: {one_line(e)}\n{excerpt(e)}") from None
