"""Load the code to verify: ``PATH.py``, ``package.module``, either with ``:function``, or (from
Python) a module, an object with the functions as attributes, or one function.

Importing runs the file as a module that is not ``__main__``, so training code under
``if __name__ == "__main__":`` does not run. Each failure is one ``CannotVerify`` message that names
the file or function and says what was expected.
"""

import importlib
import importlib.util
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from comparisons.verify.calls import CannotVerify, excerpt, one_line

EXPECTED = ("a Python file or module defining backward(params, cache, X, Y) (the project's contract) "
            "or backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y) (the tutorial's)")
IMPORT_TIME = ("code that loads data or trains at import time belongs under "
               "`if __name__ == \"__main__\":`")


@dataclass(frozen=True)
class Code:
    """The person's code: ``namespace`` holds the functions; ``function`` is the one named
    explicitly (``PATH.py:function``), if any; ``origin`` names it in messages."""

    namespace: object
    origin: str
    function: str = None

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
        module = import_file(file_of(where)) if file_of(where) else import_module(where)
        code = Code(module, where, function)
        if function and code.get(function) is None:
            raise CannotVerify(f"{where} has no function {function}; expected {function} to be defined "
                               f"there (it defines: {', '.join(code.defines()) or 'no functions'})")
        return code
    if inspect.isfunction(target) or inspect.ismethod(target):
        holder = SimpleNamespace(**{target.__name__: target})   # a nested function is no module attribute
        return Code(holder, f"{target.__module__}.{target.__qualname__}", target.__name__)
    if target is None:
        raise CannotVerify(f"nothing to verify; expected {EXPECTED}")
    return Code(target, getattr(target, "__name__", type(target).__name__))


def file_of(where):
    """``Path(where)`` when ``where`` names a file (ends in .py or has a folder), else None (a module)."""
    return Path(where) if where.endswith(".py") or "/" in where or "\\" in where else None


def check_file(path):
    """A ``CannotVerify`` unless ``path`` is a file."""
    if not path.is_file():
        raise CannotVerify(f"{path}: no such file; expected {EXPECTED}")


def import_file(path):
    """Import the file at ``path`` under a private module name; its folder goes first on sys.path."""
    check_file(path)
    name = f"handgrad_user_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))
    try:
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except SyntaxError as e:
        raise CannotVerify(f"{path} does not import: SyntaxError at line {e.lineno}: {e.msg}\n"
                           f"    {(e.text or '').rstrip()}") from None
    except BaseException as e:  # noqa: B902  (SystemExit too: a script that exits at import)
        if isinstance(e, KeyboardInterrupt):
            raise
        hint = f" ({IMPORT_TIME})" if isinstance(e, (OSError, SystemExit)) else ""
        raise CannotVerify(f"{path} does not import: {one_line(e)}{hint}\n{excerpt(e)}") from None
    return module


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
