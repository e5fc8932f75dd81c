"""The lines that compute each quantity, found by name in the source: the manual NumPy line beside the
PyTorch and JAX lines, for the HTML report's aligned code.

``find(path, quantity)`` reads a file's syntax tree (``ast``: nothing is run) and returns the line that
assigns the quantity: ``dW2 = dZ2 @ A1.T / m`` by its name, ``grads[f"dW{l}"] = ...`` by its key (the
MLP writes every layer with one line, so ``dW2`` is found as ``dW{l}``), ``tap("Z1", W1 @ X + b1)`` by
the name a twin taps; and J as the ``return`` of ``loss``. Where a name is generic (``dZ`` in a loop
over layers), the output layer's quantity takes the first such line and the hidden layers' the last, as
the derivation writes them (``dZ = A_L - Y`` before the loop, ``dZ = dA * g'(Z)`` inside it).

Autograd has no line for a gradient: for ``dQ`` a twin shows the forward line that defines Q, the line
autograd differentiates (for a parameter W_l or b_l, the line of Z_l, where it enters).
"""

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORWARD_FUNCTIONS = ("forward", "margins", "loss")   # where a forward quantity is computed, in this order
BACKWARD_FUNCTIONS = ("backward",)


@dataclass(frozen=True)
class Line:
    """A line of source: its file (relative to the project, or as given), number and text; ``via`` is the
    quantity whose line it is when it is not the quantity's own (a twin's Z2 for dW2), else ""."""

    path: str
    number: int
    text: str
    via: str = ""


@dataclass(frozen=True)
class Assignment:
    name: str        # the target's name, or the key it is stored under ("dW{l}" for f"dW{l}")
    number: int      # the line number where the statement starts
    function: str    # the enclosing function's name ("" at module level)
    trivial: bool    # the value is a bare name (grads["dZ2"] = dZ2): an alias, not a computation


def stem(name):
    """The name without its layer: "dW2" -> "dW", "dW{l}" -> "dW", "Z{l - 1}" -> "Z"."""
    return re.sub(r"\d+$", "", re.sub(r"\{[^}]*\}", "", name))


def generic(name):
    """A name that stands for every layer: "dZ", "Z{l}" (not "Z1", one layer's own)."""
    return "{" in name or not re.search(r"\d$", name)


def key_of(node):
    """The name a target or a tap's first argument says: Name -> id, x["k"] -> "k", x[f"dW{l}"] -> "dW{l}"."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript):
        return key_of(node.slice)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                       for v in node.values)
    return None


def targets(node):
    """The simple targets of an assignment, tuples unpacked."""
    for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
        yield from (t.elts if isinstance(t, ast.Tuple) else [t])


def parsed(path):
    """(source lines, assignments, {function: line of its last return}) of the file ``path``; read again
    when the file changed (a notebook verifies a file, the person edits it, verifies again)."""
    stat = Path(path).stat()
    return parsed_version(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def parsed_version(path, mtime_ns, size):
    text = Path(path).read_text()
    tree = ast.parse(text)
    found, returns = [], {}

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and child.value is not None:
                trivial = is_alias(child.value)
                found.extend(Assignment(k, child.lineno, function, trivial)
                             for k in map(key_of, targets(child)) if k)
            if isinstance(child, ast.Call) and getattr(child.func, "id", None) == "tap" and child.args:
                name = key_of(child.args[0])          # a twin's tap("Z1", W1 @ X + b1): autograd's quantity
                if name:
                    found.append(Assignment(name, child.lineno, function, False))
            if isinstance(child, ast.Return) and child.value is not None and function:
                returns[function] = child.lineno
            visit(child, inner)

    visit(tree, "")
    return text.splitlines(), tuple(found), returns


def is_alias(value):
    """A value that computes nothing: a name, a literal, or a tuple of them and attributes (``c, L, cache,
    A = self.config, self.config.L, {}, X``), a cache read (``cache["Z"]``), or the forward pass called again (``Z, _ = forward(...)``)."""
    parts = value.elts if isinstance(value, ast.Tuple) else [value]
    if all(isinstance(v, (ast.Name, ast.Attribute, ast.Dict, ast.List, ast.Constant)) for v in parts):
        return True
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and isinstance(value.slice, ast.Constant):
        return True
    return isinstance(value, ast.Call) and ast.unparse(value.func).split(".")[-1] == "forward"


def find(paths, quantity, layers=()):
    """The ``Line`` that computes ``quantity`` in the files ``paths`` (searched in order, each function
    where such a quantity is computed before the rest), or None. ``layers``: every quantity of the model,
    to tell the output layer's (the first generic line) from the hidden layers' (the last)."""
    if quantity == "J":
        for path in paths:
            lines, _, returns = parsed(str(path))
            if "loss" in returns:
                return Line(shown(path), returns["loss"], lines[returns["loss"] - 1].strip())
        return None
    scopes = BACKWARD_FUNCTIONS if quantity.startswith("d") else FORWARD_FUNCTIONS
    for scope in (*scopes, None):
        for path in paths:
            lines, found, _ = parsed(str(path))
            inside = [a for a in found if not a.trivial and (scope is None or a.function == scope)]
            exact = [a for a in inside if a.name == quantity]
            matches = exact or [a for a in inside if generic(a.name) and stem(a.name) == stem(quantity)]
            if matches:
                pick = matches[0] if exact or is_top(quantity, layers) else matches[-1]
                return Line(shown(path), pick.number, lines[pick.number - 1].strip())
    return None


def is_top(quantity, layers):
    """Whether ``quantity`` is the highest layer of its name among ``layers`` (dZ3 of dZ1..dZ3)."""
    numbers = [int(q[len(stem(q)):]) for q in layers if stem(q) == stem(quantity) and q[len(stem(q)):].isdigit()]
    own = quantity[len(stem(quantity)):]
    return not own.isdigit() or not numbers or int(own) == max(numbers)


def defined_by(quantity, params):
    """The forward quantity whose line autograd differentiates for ``quantity``: dZ2 -> Z2, dA1 -> A1,
    a parameter's gradient dW2 or db2 -> Z2 (where W2 and b2 enter); J -> J; a forward quantity itself."""
    if not quantity.startswith("d") or quantity == "J":
        return quantity
    q = quantity[1:]
    return "Z" + q[1:] if q in params else q


def split_comment(text):
    """(code, comment) of one line: the trailing ``# ...`` apart (found by the tokenizer, so a "#" inside a
    string stays code); the comment "" where there is none or the line does not tokenize alone."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                return text[:token.start[1]].rstrip(), token.string.lstrip("# ").rstrip()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return text, ""


def shown(path):
    """``path`` relative to the project where it lies inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def module_files(model, source):
    """The files a model's ``source`` (manual, torch, jax) is written in: its module, then (for the manual
    tree) the modules of ``manual`` it imports (the linear models' ``linear_model.forward``)."""
    from comparisons.model_contract import module_name

    name = module_name(source, model.module)
    first = ROOT / Path(*name.split(".")).with_suffix(".py")
    files = [first]
    if source == "manual":
        tree = ast.parse(first.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "manual":
                files += [ROOT / "manual" / f"{a.name}.py" for a in node.names]
    return [f for f in files if f.exists()]


def lines_of(model, quantities):
    """{quantity: {source: Line or None}} for "manual", "torch" and "jax": the manual line of each
    quantity and, for the twins, the line autograd differentiates to give it."""
    params = set(model.manual.param_shapes())
    files = {s: module_files(model, s) for s in ("manual", "torch", "jax")}
    out = {}
    for q in quantities:
        row = {}
        for source, paths in files.items():
            wanted = q if source == "manual" else defined_by(q, params)
            line = find(paths, wanted, quantities)
            row[source] = Line(line.path, line.number, line.text, wanted if wanted != q else "") if line else None
        out[q] = row
    return out
