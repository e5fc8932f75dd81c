"""Which shape of code this is: the project's contract or the seed tutorial's functions.

``auto`` looks for ``backward_prop`` (the tutorial) and then ``backward`` (the contract); a function
named explicitly (``PATH.py:name``) is taken by its number of arguments: 8 for the tutorial's
backward_prop, 4 for the contract's backward.
"""

import inspect

from comparisons.verify import contract, tutorial
from comparisons.verify.errors import CannotVerify, one_line
from comparisons.verify.load import Code

FORMS = ("auto", "contract", "tutorial")
ADAPTERS = {"contract": contract.Contract, "tutorial": tutorial.Tutorial}
EXPECTED = {"contract": contract.BACKWARD, "tutorial": tutorial.BACKWARD}


def adapter(code, model, form="auto"):
    """The ``Contract`` or ``Tutorial`` adapter running ``code`` (a ``load.Code``) for ``model``."""
    if form not in FORMS:
        raise CannotVerify(f"unknown form {form!r}; expected one of {', '.join(FORMS)}")
    if code.function:
        form = form if form != "auto" else form_by_arity(code.function, code.get(code.function))
        return ADAPTERS[form](code, model, backward_name=code.function)
    code = configured(code, model)
    found = {"tutorial": code.get("backward_prop"), "contract": code.get("backward")}
    if form == "auto":
        form = next((f for f in ("tutorial", "contract") if found[f]), None)
    defines = f"(it defines: {', '.join(code.defines()) or 'no functions'})"
    if form is None:
        raise CannotVerify(f"{code.origin} defines neither backward_prop nor backward; expected "
                           f"{EXPECTED['tutorial']} (the tutorial's) or {EXPECTED['contract']} (the "
                           f"project's contract) {defines}")
    if not found[form]:
        name = EXPECTED[form].split("(")[0]
        raise CannotVerify(f"{code.origin} defines no {name}; expected {EXPECTED[form]} {defines}")
    return ADAPTERS[form](code, model)


def configured(code, model):
    """``code`` itself, or for code with ``configure(**config)`` and a configurable catalogue model,
    the object that ``configure`` returns for the model's config (layer sizes, lambda, ...)."""
    if not (code.get("configure") and model.config):
        return code
    try:
        return Code(code.get("configure")(**model.config), code.origin)
    except Exception as e:
        raise CannotVerify(f"configure(**{model.config}) in {code.origin} raised {one_line(e)}; expected it "
                           f"to return an object with {contract.BACKWARD}") from None


def form_by_arity(name, fn):
    """"tutorial" for 8 positional parameters, "contract" for 4; otherwise a CannotVerify."""
    try:
        n = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        n = None
    if n not in (4, 8):
        raise CannotVerify(f"{name} takes {n} arguments; expected 4, {contract.BACKWARD.replace('backward', name, 1)}, "
                           f"or 8, {tutorial.BACKWARD.replace('backward_prop', name, 1)} (or say --form)")
    return "contract" if n == 4 else "tutorial"
