"""Forms: the shapes of code people write, each read into the project's contract, and how one is
chosen for a person's code (by the names and signatures of its functions, never from values).

A form is a ``Form`` subclass that says how it is found, how it reads the code, and in what
conventions; ``handgrad forms`` lists them (``describe``), and a verification says which one read
the code and how (``Form.reading``). One module per curriculum:

    project    the project's own contract: forward, loss, backward with the derivation's names
    tutorial   the seed tutorial's forward_prop/backward_prop, and the variants people write
    ng         Andrew Ng's ML course (Python ports): ex1, ex2, ex5
    ng_ex4     its exercise 4, the network: nnCostFunction (unrolled Thetas, C or F order)
    dlai       deeplearning.ai's courses: L_model_forward/backward, *_propagation_n, propagate
    cs231n     Stanford CS231n's assignment 1: TwoLayerNet.loss, softmax_loss_*, svm_loss_*
    convex     what the courses' forms of the convex models share (layouts, the unrolled gradient)

``DETECTED`` lists the forms in the order ``auto`` tries them (the first whose backward the code
defines reads it): a new form is one class in its curriculum's module and one entry there.
A form reads the person's call into ``{"dW1": ..., "dZ2": ...}`` keyed by the derivation's names;
everything after that (comparison, witness, diagnosis) is shared and form-free.
"""

import inspect

from comparisons.verify.calls import CannotVerify, one_line
from comparisons.verify.load import Code


class Form:
    """A shape of code, bound to the person's ``code`` (a ``load.Code``) and a catalogue ``model``.

    Said by the class (for messages, detection and ``handgrad forms``):
        name            what ``--form`` calls it; whose: whose convention, in words
        roles           the functions it looks for, by the names its curriculum gives them
        backward_name   the role that identifies it; signature: that function's signature in words
        arity           its backward's positional parameters, for messages
        signatures      {role: signature}; optional: {role: what stands in when the code lacks it}
        layout, labels, regularisation, variants: its conventions, in words
        matches(parameters), reads(model): whether a backward named explicitly (``PATH.py:name``)
                        has its parameters; whether it can read that catalogue model
    Said by the instance: ``names`` ({role: the person's name for it}), ``backward_name`` (the
    person's), ``functions`` (the person's functions it calls, in order) and ``reading`` (one
    sentence: how it read this code); ``run(case, call, shapes) -> UserRun`` calls the person's
    functions on one batch."""

    name = None
    whose = None
    roles = ()
    backward_name = None
    signature = None
    arity = None
    signatures = {}
    optional = {}
    layout = labels = regularisation = None
    variants = ()
    model = None            # the catalogue model it reads when none is named (None: seed_net's default)
    config = {}             # the config its code fixes (e.g. {"lam": 0.0}), over the model's own
    PARAMETERS = ()         # the backward's parameter names where they tell the form (the courses')

    def __init__(self, code, model, names=None):
        self.names = {role: (names or {}).get(role, role) for role in self.roles}
        self.backward_name = self.names[type(self).backward_name]
        self.derivation = model.manual
        self.functions = ()
        self.reading = f"read as {self.whose} {'/'.join(self.roles)}"

    @classmethod
    def matches(cls, parameters):
        """Whether a backward with these positional ``parameters`` (names) fits the form."""
        return len(parameters) == cls.arity

    @classmethod
    def reads(cls, model):
        """Whether the form can read catalogue ``model``."""
        return True

    def signed(self, role):
        """``role``'s signature under the person's name for it."""
        return self.signatures[role].replace(role, self.names[role], 1)

    def run(self, case, call, shapes):
        """A ``UserRun`` on ``case``; ``call`` is a ``calls.Caller``; ``shapes`` ({quantity: shape})
        words the type messages."""
        raise NotImplementedError


def positional(fn):
    """The names of ``fn``'s named positional parameters; None when it has no signature to read."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


# The forms' modules import ``Form`` and ``positional`` from here, so they come after them.
from comparisons.forms.project import Contract  # noqa: E402
from comparisons.forms.tutorial import Tutorial  # noqa: E402
from comparisons.forms import cs231n, dlai, ng, ng_ex4  # noqa: E402

# the order ``auto`` tries them in
DETECTED = (Tutorial, *ng.FORMS, *ng_ex4.FORMS, *dlai.FORMS, *cs231n.FORMS, Contract)
BY_NAME = {f.name: f for f in DETECTED}
FORMS = ("auto", *sorted(BY_NAME))          # the choices of ``--form``


# --- Detection -------------------------------------------------------------------------------------


def detect(code, model, form="auto", names=None):
    """The ``Form`` reading ``code`` (a ``load.Code``) for ``model``: ``form`` by name, or the first
    of ``DETECTED`` whose backward the code defines (for a function named explicitly: whose
    parameters it has). ``names`` ({role: name}, ``--names``) says what the person calls a form's
    functions, e.g. {"backward_prop": "back"}; ``auto`` then tries the forms with those roles."""
    if form not in FORMS:
        raise CannotVerify(f"unknown form {form!r}; expected one of {', '.join(FORMS)}")
    names = checked_names(names)
    if code.function:
        if names:
            raise CannotVerify(f"{code.origin}:{code.function} names the backward already; expected "
                               f"either :{code.function} or --names, not both")
        chosen = BY_NAME[form] if form != "auto" else by_arity(code.function, code.get(code.function))
        return chosen(code, model, {chosen.backward_name: code.function})
    code = configured(code, model)
    defines = f"(it defines: {', '.join(code.defines()) or 'no functions'})"
    candidates = DETECTED if form == "auto" else (BY_NAME[form],)
    if names:
        candidates = renamed(code, candidates, names, defines)
    found = [f for f in candidates if code.get(names.get(f.backward_name, f.backward_name))]
    if form == "auto":
        if not found:
            networks, told = split_by_kind(DETECTED)
            raise CannotVerify(f"{code.origin} defines {neither(f.backward_name for f in networks)}; expected "
                               + " or ".join(f"{f.signature} ({f.whose})" for f in networks)
                               + f" (or a course's {', '.join(f.backward_name for f in told)})" * bool(told)
                               + f" {defines}; "
                               f"under other names, say which: --names {DETECTED[0].backward_name}=NAME "
                               f"(handgrad forms lists each form's functions)")
        return found[0](code, model, names)
    chosen = BY_NAME[form]
    if chosen not in found:
        raise CannotVerify(f"{code.origin} defines no {chosen.backward_name}; expected {chosen.signature} {defines}")
    return chosen(code, model, names)


def checked_names(names):
    """``names`` as a {role: name} dict of identifiers, or a ``CannotVerify`` saying what was expected."""
    if not names:
        return {}
    if not isinstance(names, dict) or not all(isinstance(k, str) and isinstance(v, str) and k.isidentifier()
                                              and v.isidentifier() for k, v in names.items()):
        raise CannotVerify(f"names {names!r}: expected a dict of role to function name, e.g. "
                           f"{{'forward_prop': 'forward', 'backward_prop': 'back'}}")
    return dict(names)


def renamed(code, candidates, names, defines):
    """The forms among ``candidates`` that have every role ``names`` maps; a ``CannotVerify`` for a
    role none of them has, a name the code does not define, or roles of two forms mixed."""
    said = f"--names {','.join(f'{role}={name}' for role, name in names.items())}"
    roles = "; ".join(f"{', '.join(f.roles)} ({f.whose})" for f in sum(split_by_kind(candidates), ()))
    which = "the forms'" if len(candidates) > 1 else f"the {candidates[0].name} form's"
    unknown = [role for role in names if not any(role in f.roles for f in candidates)]
    if unknown:
        raise CannotVerify(f"{said}: {unknown[0]} is not one of {which} functions; expected one of {roles}; "
                           f"{code.origin} {defines}")
    absent = [(role, name) for role, name in names.items() if not code.get(name)]
    if absent:
        role, name = absent[0]
        raise CannotVerify(f"{said}: {code.origin} defines no function {name} (for {role}) {defines}")
    fitting = [f for f in candidates if set(names) <= set(f.roles)]
    if not fitting:
        raise CannotVerify(f"{said}: mixes the functions of two forms; expected those of one: {roles}; "
                           f"{code.origin} {defines}")
    return fitting


def split_by_kind(forms):
    """(the forms told by their functions' names alone, those told by parameter names too: the courses'),
    each in ``forms``' order: messages list the first in full and name the second."""
    return tuple(f for f in forms if not f.PARAMETERS), tuple(f for f in forms if f.PARAMETERS)


def neither(names):
    """``neither a nor b`` for two names, ``none of a, b, c`` for more."""
    names = list(names)
    return f"neither {names[0]} nor {names[1]}" if len(names) == 2 else f"none of {', '.join(names)}"


def configured(code, model):
    """``code`` itself, or for code with ``configure(**config)`` and a configurable catalogue model,
    the object that ``configure`` returns for the model's config (layer sizes, lambda, ...)."""
    if not (code.get("configure") and model.config):
        return code
    try:
        return Code(code.get("configure")(**model.config), code.origin)
    except Exception as e:
        raise CannotVerify(f"configure(**{model.config}) in {code.origin} raised {one_line(e)}; expected it "
                           f"to return an object with {Contract.signature}") from None


def by_arity(name, fn):
    """The first form of ``DETECTED`` whose backward's parameters ``fn`` has; otherwise a
    ``CannotVerify`` that lists each form's signature under ``name``."""
    parameters = positional(fn)
    chosen = fitting(name, parameters)
    if chosen is None:
        n = None if parameters is None else len(parameters)
        options = ", or ".join(f"{f.arity}, {f.signature.replace(f.backward_name, name, 1)}"
                               for f in sorted(DETECTED, key=lambda f: f.arity)
                               if not f.PARAMETERS)   # forms told by parameter names: not by arity
        raise CannotVerify(f"{name} takes {n} arguments; expected {options} (or say --form)")
    return chosen


def fitting(name, parameters):
    """The first form of ``DETECTED`` whose backward has these ``parameters`` (names; None: unknown),
    the one whose backward is called ``name`` among those that fit (svm_loss_naive, not the softmax's
    form before it, whose parameters are the same); None when none fits."""
    fit = [f for f in DETECTED if parameters is not None and f.matches(parameters)]
    return next((f for f in fit if f.backward_name == name), fit[0] if fit else None)


def inferred(defined, function=None, form="auto", names=None):
    """The form ``detect`` would choose for code defining ``defined`` ({function name: its positional
    parameter names}, read without running the code), ``function`` the one named explicitly; None when
    none would. ``verify`` takes the catalogue model from it before the code runs."""
    try:
        names = checked_names(names)
    except CannotVerify:
        return None
    if form != "auto":
        return BY_NAME.get(form)
    if function:
        parameters = defined.get(function)
        return fitting(function, parameters)
    candidates = [f for f in DETECTED if not names or set(names) <= set(f.roles)]
    return next((f for f in candidates if names.get(f.backward_name, f.backward_name) in defined), None)


def configured_as(form):
    """`` at lam = 0`` for a form whose code fixes the model's config; "" otherwise."""
    return "".join(f" at {k} = {v:g}" if isinstance(v, (int, float)) and not isinstance(v, bool)   # bias = False
                   else f" at {k} = {v}"
                   for k, v in form.config.items())


# --- The listing -------------------------------------------------------------------------------------

LABEL = 18   # the width of a field's label in the listing, indent included


def describe(width=100):
    """Every form, in the order ``auto`` tries them: whose it is, its functions with their
    signatures, its variants, layout, labels, regularisation and the catalogue models it reads;
    wrapped to ``width`` columns (``handgrad forms``)."""
    import textwrap

    from comparisons import catalogue

    width = max(width, LABEL + 30)
    fill = lambda text, first="", rest=" " * LABEL: textwrap.fill(  # noqa: E731
        text, width=width, initial_indent=first, subsequent_indent=rest)
    out = [fill("The forms of code `handgrad verify` reads, tried in this order: the first whose backward "
                "your code defines reads it. --form NAME chooses one; --names ROLE=NAME,... says what your "
                "functions are called (e.g. --names forward_prop=forward,backward_prop=back).", rest="")]
    for f in DETECTED:
        out += ["", fill(f"{f.name} ({f.whose}): {', '.join(f.roles)}", rest="  ")]
        models = [m.name for m in catalogue.CATALOGUE.values() if f.reads(m)]
        fields = [("functions", f"{f.signatures[r]}" + (f" (optional: {f.optional[r]})" if r in f.optional else ""))
                  for r in f.roles]
        fields += [("variants", v) for v in f.variants]
        fields += [("layout", f.layout), ("labels", f.labels), ("regularisation", f.regularisation),
                   ("models", ", ".join(models) + (f" (default {f.model}{configured_as(f)}; --model NAME chooses)"
                                                   if f.model else " (choose with --model NAME; default seed_net)"))]
        for i, (label, text) in enumerate(fields):
            shown = label if i == 0 or fields[i - 1][0] != label else ""
            out.append(fill(text, first=f"  {shown}".ljust(LABEL)))
    return "\n".join(out)
