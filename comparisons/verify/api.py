"""``verify(target, model)``: one call that checks a person's derivation and returns a
``Verification``, a result that renders as a table (terminal, notebook, Markdown, CSV) and says
whether it passed.

The person's numbers on each batch (``calls.make_cases``) are checked against references computed
on the same batch: PyTorch and JAX autograd (through ``comparisons.sources.run_all``) and, where it
is installed, the numerical witness (``comparisons.numerical``). An extra reference is one entry in
``EXTRA``: a name, a test of whether it can run here, and a function
``(model, params, X, Y, full=False) -> (Result, details)``. PyTorch's references are computed in a
child process started as soon as the batches are known, JAX's in a thread (``ahead``), while the
person's code, JAX's import and every batch's witness run here; this module imports pandas only after
that start, so that the child's import of PyTorch, the longest piece of a verdict, begins early.

Could not be checked (the code does not import, lacks a function, takes or returns the wrong
things, meets a name or module it lacks, raises NotImplementedError, runs too long): ``CannotVerify``
(exit 2), whose message names the function and what was expected. A crash at the person's own line
on a valid input (an IndexError on the typical batch: ``Failure.crashed``), and a function that fails
only on a later batch (say, a batch without label 9), are findings about their code: a ``FAILS``
row naming the exception, the line and the input's shapes (exit 1).
"""

import ast
import contextlib
import importlib.util
import inspect
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from comparisons import catalogue
from comparisons.agreement import Result
from comparisons.sources import run_all
from comparisons.verify.ahead import JaxReferences, torch_references
from comparisons.verify.calls import CannotVerify, Failure, make_cases
from comparisons.verify.diagnose import failure_hint
from comparisons.verify.model_fit import model_hint
from comparisons.verify.isolation import DEFAULT_TIMEOUT, run_user
from comparisons.verify.load import file_of, split_target
from comparisons.verify.statements import read_chunks
from comparisons.verify.verification import AUTOGRAD, OK, Verification, check_case
from comparisons.verify.verify_arguments import checked

# --- The references ------------------------------------------------------------------------------


def witness_installed():
    """Whether the numerical witness is installed here."""
    return importlib.util.find_spec("comparisons.numerical") is not None


def run_witness(model, params, X, Y, full=False):
    """The numerical witness on one batch: (its ``Result``, source "numerical"; the ``Witness`` with
    everything it measured).

    By default it measures a seeded sample of each parameter array (32 elements, every bias element
    of the models here), the per-example dZ of a few examples and a few random directions: a second
    opinion independent of autograd that costs well under a second. ``full=True`` measures every
    element, which takes seconds to minutes on the larger models.
    """
    from comparisons.numerical import plan_for, witness

    n = sum(int(np.size(v)) for v in params.values())
    plan = plan_for(n, X.shape[1], full=full, kinks=bool(getattr(model.manual, "KINKS", ())))
    w = witness(model, params, X, Y, plan=plan)
    return w.result, w


@dataclass(frozen=True)
class Extra:
    """A reference besides autograd: ``ready()`` says whether it can run here; ``run(model, params,
    X, Y, full=False)`` returns (its ``Result``, what else it measured)."""

    ready: object
    run: object


EXTRA = {"numerical": Extra(witness_installed, run_witness)}


@dataclass(frozen=True)
class References:
    """manual: the catalogue's own derivation (backward order; not a reference a verdict rests on);
    results: {name: Result}; details: {name: what an extra reference measured besides (the Witness)};
    forward: the catalogue's forward values (Z1, A1, ...) on the batch."""

    manual: Result
    results: dict
    details: dict = field(default_factory=dict)
    forward: dict = field(default_factory=dict)


def available():
    """Every reference that can run here: torch, jax, then each extra that is ready."""
    return AUTOGRAD + tuple(name for name, extra in EXTRA.items() if extra.ready())


def references(model, case, names, full=False, ahead=None):
    """``References`` on ``case`` from each of ``names``; ``full`` asks extras to measure every element;
    ``ahead``: {"torch" or "jax": what computes that autograd's result of this case elsewhere already
    (``comparisons.verify.ahead``)}."""
    return references_begun(model, case, names, full, ahead)()


def references_begun(model, case, names, full=False, ahead=None):
    """``references``' own work, done now in this thread (the manual derivation, the autograd references
    not in ``ahead``, the extras); returns the function that ends it: it waits for ``ahead``'s results and
    returns the ``References``. ``verify`` begins every batch's before it ends the first: the witness
    of each runs while PyTorch's child is still at work."""
    unknown = [n for n in names if n not in AUTOGRAD + tuple(EXTRA)]
    if unknown:
        raise ValueError(f"unknown reference {unknown[0]!r}; expected one of {', '.join(AUTOGRAD + tuple(EXTRA))}")
    autograd = tuple(n for n in names if n in AUTOGRAD)
    ahead = {n: a for n, a in (ahead or {}).items() if n in autograd and a is not None}
    here = tuple(n for n in autograd if n not in ahead)
    out = run_all(model, case.params, case.X, case.Y, sources=("manual",) + here)
    details = {}
    for name in (n for n in names if n in EXTRA):
        if not EXTRA[name].ready():
            raise ValueError(f"reference {name!r} is not installed here; expected one of {', '.join(available())}")
        out[name], details[name] = EXTRA[name].run(model, case.params, case.X, case.Y, full=full)
    _, forward = model.manual.forward(case.params, case.X)

    def end():
        found = {**out, **{n: a.result(case) for n, a in ahead.items()}}
        found = {k: found[k] for k in ("manual", *autograd, *(n for n in names if n in EXTRA))}    # autograd first
        return References(found.pop("manual"), found, details, forward)
    return end


# --- The model, inferred from the form ---------------------------------------------------------------

DEFAULT_MODEL = "seed_net"     # when no form's functions are found


def defined(target):
    """({top-level function or class name: its positional parameter names, a class's __init__'s but self},
    the function named explicitly or None),
    read without running the person's code: a file or notebook by its syntax tree (``statements``), a
    module name by its file's, an object or function from Python by ``inspect``."""
    if isinstance(target, (str, Path)):
        where, function = split_target(str(target))
        path = file_of(where) or module_file(where)
        if path is None or not Path(path).is_file():
            return {}, function
        try:
            chunks, _ = read_chunks(Path(path))
        except CannotVerify:        # the child says why, with the rest of the loading's messages
            return {}, function
        nodes = [n for c in chunks for n in c.tree.body
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        return {n.name: parameters_of(n) for n in nodes}, function
    from comparisons.forms import positional

    if inspect.isfunction(target) or inspect.ismethod(target):
        return {target.__name__: positional(target) or []}, target.__name__
    found = {}
    for name in dir(target):
        value = getattr(target, name, None) if not name.startswith("__") else None
        if callable(value):
            found[name] = positional(value) or []
    return found, None


def parameters_of(node):
    """The positional parameter names of a function's syntax tree; of a class's, those of its __init__ but
    self, as the class is called (CS231n's TwoLayerNet(input_size, hidden_size, output_size, std))."""
    if isinstance(node, ast.ClassDef):
        init = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
        return parameters_of(init)[1:] if init else []
    return [a.arg for a in node.args.posonlyargs + node.args.args]


def module_file(name):
    """The file of module ``name`` (``package.module``) under the current folder or sys.path, found
    without importing it (nor its package); None otherwise."""
    import sys

    if not all(part.isidentifier() for part in name.split(".")):
        return None
    for folder in ["", *sys.path]:
        base = Path(folder or ".").joinpath(*name.split("."))
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                return path
    return None


def chosen_model(target, model=None, form="auto", names=None, options=None):
    """(the catalogue ``Model`` to check ``target`` against, how it was chosen in words): ``model`` by
    name or as a Model; otherwise the model of the form that would read the code (``forms.inferred``),
    seed_net when none would; with ``options`` ({"lam": 0.05, ...}: ``model_options.configured``) over
    its config. A form whose code fixes part of the config (no regularisation: lam = 0) reads its
    model with that config (``Form.config``), named or inferred; an option that contradicts it is refused."""
    from comparisons import model_options
    from comparisons.forms import configured_as, inferred

    reader = inferred(*defined(target), form=form, names=names)
    how = ""
    if model is None:
        model, how = ((reader.model, f"inferred from the {reader.name} form") if reader and reader.model
                      else (DEFAULT_MODEL, ""))     # today's default, said as before
    model = model_options.configured(catalogue.get(model) if isinstance(model, str) else model, **(options or {}))
    chosen = model_options.changed(model)       # what the options (or a Model configured in Python) set
    if reader and reader.config and reader.reads(model):    # any model the form can read
        given = [k for k, v in (options or {}).items() if v is not None]
        model = model_options.fixed(model, reader.config, f"the {reader.name} form", given)
        chosen = {k: v for k, v in chosen.items() if k not in reader.config}   # said by the form's words
        fixed = configured_as(reader).replace(" at ", "", 1)
        why = getattr(reader, "fixed_because", "") or f"the {reader.name} form has no regularisation"
        how = "; ".join(filter(None, [how, f"{fixed}: {why}"]))
    how = "; ".join(filter(None, [how, chosen and f"with {model_options.said(chosen)}"]))
    return model, how


# --- The one call ------------------------------------------------------------------------------------


def verify(target=None, model=None, *, form="auto", names=None, m=64, seed=0, dtype="float64", cases=None,
           against=None, full_witness=False, timeout=DEFAULT_TIMEOUT, isolate=None, progress=False,
           memo=None, cost=None, grad=None, params=None, options=None, own_params=None, own_data=None,
           recipe=None):
    """Check ``target``'s derivation of catalogue ``model`` on every batch of ``cases``; or, in black-box
    mode (``cost``, ``grad`` and ``params`` instead of ``target``), any gradient against the numerical
    witness (``black_box.check_gradient``: a ``GradientCheck``).

    target:  ``"PATH.py"``, ``"package.module"``, either with ``":function"`` (the backward alone),
             or a module, an object holding the functions, or a backward function itself
    model:   a catalogue name or ``Model``; None: inferred from the form that reads the code, read
             without running it (``costFunction`` -> logistic_regression at lam = 0), seed_net when
             no form's functions are found (``chosen_model``); a file of CS231n layer pairs and no form's
             functions (``layers.py``: affine_forward/affine_backward, ...; or ``PATH.py:affine_backward``)
             is checked pair by pair against the layer catalogue (``layer_files.check_layer_file``: a
             ``LayerFileCheck``, with ``seed``, ``dtype``, ``against``, ``timeout`` and ``isolate``)
    form:    "auto" or a form's name from ``comparisons.forms.FORMS`` ("contract": forward/loss/backward,
             "tutorial": forward_prop/backward_prop; ``handgrad forms`` lists them)
    names:   {role: your function's name} where yours differ from the form's, e.g.
             {"forward_prop": "forward", "backward_prop": "back"} (``--names``)
    m, seed, dtype: the typical batch's size, the seed of data and parameters, float64 or float32
    cases:   names from ``calls.CASES`` (default: all that apply to the model)
    against: reference names (default: torch, jax and every extra reference installed)
    full_witness: the numerical witness measures every element (default: a seeded sample)
    timeout: seconds the person's code may run (None: no limit), for a function as for a file
    isolate: run the code in a child process (default): a fresh Python for a path or module name, a fork
             of this one for a function or module from Python (no pickling: a notebook's function runs
             too); False runs it here, without a time limit (``isolation.run_user``)
    memo:    a dict that keeps the references' results between calls on the same batches (the gallery)
    cost, grad, params: black-box mode, ``cost(params) -> J`` and ``grad(params) -> dJ/dparams`` at
             ``params`` (a dict of arrays or one array), for code no form knows; or, with a file or
             module as ``target``, the names of the three there (``named.check_named``, run like a form's)
    options: model options over the model's config, {"lam": 0.05, "penalty": "reg", "sizes": (64, 32, 10),
             ...} (``model_options.configured``; ``--lam``, ``--sizes``, ...); one that contradicts what
             the form's code fixes (no regularisation) is refused
    own_params, own_data: files of the person's parameters and examples (``--params FILE``, ``--data FILE``,
             ``comparisons.own``): every batch is built from them; the output says how they were read
    recipe:  "ng", "dlai" or "cs231n": that course's own gradient check on the typical batch, in the notes
             beside the verdict (``course_scores``); it does not change the verdict or the exit status
    """
    cases, against, timeout = checked(model=model, form=form, names=names, m=m, seed=seed, dtype=dtype, cases=cases,
                                      against=against, timeout=timeout, options=options,
                                      black_box=cost is not None or grad is not None)
    if recipe is not None and recipe not in ("ng", "dlai", "cs231n"):
        raise CannotVerify(f"recipe={recipe!r}: expected 'ng', 'dlai' or 'cs231n' (a course's own gradient check)")
    if cost is not None or grad is not None:
        if isinstance(target, (str, Path)) and all(isinstance(n, str) for n in (cost, grad, params)):
            from comparisons.verify.named import check_named

            return check_named(str(target), cost, grad, params, full=full_witness or None, seed=seed,
                               timeout=timeout, isolate=isolate, recipe=recipe)
        if target is not None or params is None:
            raise CannotVerify("black-box mode takes cost=, grad= and params=, and no target; "
                               f"got target={target!r}, params={'given' if params is not None else 'none'}")
        from comparisons.verify.black_box import check_gradient
        from comparisons.verify.isolation import in_own_process

        return in_own_process(lambda: check_gradient(cost, grad, params, full=full_witness or None, seed=seed,
                                                     progress=progress, recipe=recipe),
                              "cost and grad", timeout, isolate, doing="running your cost and grad for the witness")
    if target is None:
        raise CannotVerify("nothing to verify: give a target (a file, a module or a function), or "
                           "cost=, grad= and params= for black-box mode")
    if model is None and form == "auto" and not names and own_params is None and own_data is None:
        from comparisons.forms import inferred
        from comparisons.verify.layer_calls import is_layer_file, pairs
        from comparisons.verify.layer_files import check_layer_file

        found, function = defined(target) if isinstance(target, (str, Path)) else ({}, None)
        # CS231n's layers.py (no model form's functions), or PATH.py:affine_backward: the layer catalogue's path
        if function in pairs() if function else is_layer_file(found) and inferred(found) is None:
            # the layers' inputs are the catalogue's own: the model's batch options say nothing here
            given = [said for said, used in [("--m (m=)", m != 64), ("--case (cases=)", cases),
                                             ("--recipe (recipe=)", recipe),
                                             ("the model options (options=)",
                                              any(v is not None for v in (options or {}).values()))] if used]
            if given:
                raise CannotVerify(f"{given[0]} does not apply to a layer file ({target}: CS231n-style layer pairs, "
                                   f"each checked on the layer catalogue's own inputs); it takes --seed, --dtype, "
                                   f"--against and --timeout")
            return check_layer_file(target, timeout, seed=seed, dtype=dtype, against=against, isolate=isolate,
                                    names=found)
    model, how = chosen_model(target, model, form, names, options)
    if own_params is not None or own_data is not None:
        from comparisons.own import with_own

        model = with_own(model, own_params, own_data)   # the data's statement is the typical batch's
        how = "; ".join(filter(None, [how, *(line for line in model.said if line.startswith("params:"))]))
    batches = make_cases(model, m, seed, dtype, cases)
    against = tuple(against) if against else available()
    rows, summary, found, memo = [], [], {}, ({} if memo is None else memo)

    def key(case):
        return (model.name, repr(model.config), getattr(model, "said", ()), case.name, m, seed, np.dtype(dtype).name,
                against, full_witness)     # ``said``: the person's --params/--data files read, if any

    with contextlib.ExitStack() as stack:
        # PyTorch's references of the batches not yet known, in a child process from now on, while this one
        # runs the person's code, imports JAX and computes JAX's and the witness's (``ahead``)
        unknown = [case for case in batches if key(case) not in memo]
        ahead = {"torch": stack.enter_context(torch_references(model, unknown)) if unknown and "torch" in against
                 else None}
        outcome = run_user(target, model, batches, form, timeout, isolate, names=names)
        first = outcome.runs[batches[0].name]
        if isinstance(first, Failure) and not first.crashed:   # could not be run at all; a crash is a finding
            hint = failure_hint(batches[0].Y)
            raise CannotVerify(first.message + (f"\n  ({hint})" if hint else ""))
        if getattr(first, "config", None):   # read from the code's numbers (CS231n's 0.5 reg): the references follow it
            from comparisons import model_options

            given = [k for k, v in (options or {}).items() if v is not None]
            model = model_options.fixed(model, first.config, "your code's numbers", given)
            if ahead["torch"] is not None:      # computed for the model before: PyTorch's are computed here instead
                ahead["torch"].close()
                ahead["torch"] = None
        import pandas as pd     # here, not above: PyTorch's child starts before their imports (``ahead``)
        from tqdm import tqdm

        # JAX's references of the batches not yet known, in a thread beside the witness's here
        unknown = [case for case in batches if key(case) not in memo]
        ahead["jax"] = stack.enter_context(JaxReferences(model, unknown)) if unknown and "jax" in against else None
        begun = {case.name: references_begun(model, case, against, full=full_witness, ahead=ahead)
                 for case in tqdm(unknown, desc="verify", unit="batch", disable=not progress)}
        for case in batches:
            if key(case) not in memo:
                memo[key(case)] = begun[case.name]()
            found[case.name] = memo[key(case)]
            case_rows, case_summary = check_case(model, case, outcome.runs[case.name], found[case.name], dtype)
            rows += case_rows
            summary += case_summary
    label = model.name + (f" ({how})" if how else "")
    course = ()
    if recipe:
        from comparisons.verify.course_scores import recipe_lines

        # the table's own verdicts: every parameter gradient of the first batch agrees with autograd
        gradients = {"d" + k for k in batches[0].params}
        agrees = all(r["verdict"] in OK for r in summary if r["case"] == batches[0].name and r["quantity"] in gradients)
        course = tuple(recipe_lines(model, batches[0], first, recipe, agrees)[0])
    return Verification(model=label, outcome=outcome, cases=batches, against=against,
                        dtype=np.dtype(dtype).name, rows=pd.DataFrame(rows), table=pd.DataFrame(summary),
                        intermediates=model.intermediates, references=found,
                        hint=model_hint(model, batches[0], first, summary), recipe=course)
