"""The shapes of code people write (forms), and how each is read into the project's contract.

A form is a ``Form`` subclass that says how it is found and how it is read:

    name            what ``--form`` calls it
    backward_name   the backward function that identifies it; ``auto`` looks for it by this name
    arity           its backward's positional parameters; a function named explicitly
                    (``PATH.py:name``) is matched by this number
    signature       its backward's signature in words, for messages; whose: whose convention it is
    run(case, call, shapes) -> UserRun
                    call the person's functions on one batch and return what they computed in the
                    derivation's names (dW1, dZ2, ...), whatever they are called in the code

``DETECTED`` lists the forms in the order ``auto`` tries them: a new form is one class here and
one entry there. The two forms now:

- ``Contract``, the project's model contract: ``forward(params, X) -> (output, cache)``,
  ``loss(params, X, Y) -> float``, ``backward(params, cache, X, Y) -> {"dW1": ..., "dZ1": ...}``.
  Only ``backward`` is required: without ``forward`` the catalogue's forward pass makes the cache,
  without ``loss`` the loss row is left out. A module with ``configure(**config)`` is configured
  for the catalogue model first (layer sizes, lambda, ...).
- ``Tutorial``, the seed tutorial's functions, found by name:
      forward_prop(W1, b1, W2, b2, X) -> Z1, A1, Z2, A2
      backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y) -> dW1, db1, dW2, db2
  where ``Y`` is the integer label vector of shape (m,): the tutorial one-hot encodes it inside
  ``backward_prop``. Without ``forward_prop`` the catalogue's forward pass makes Z1, A1, Z2, A2.
"""

import copy
import inspect

import numpy as np

from comparisons.verify.calls import CannotVerify, UserRun, mapping, numbers, one_line, unpack
from comparisons.verify.load import Code


class Form:
    """A shape of code, bound to the person's ``code`` (a ``load.Code``) and a catalogue ``model``.

    ``functions`` names the person's functions it calls, in order; ``backward_name`` is the one
    its backward goes by here (the class's, or the function named explicitly)."""

    name = None
    backward_name = None
    arity = None
    signature = None
    whose = None

    def __init__(self, code, model, backward_name=None):
        self.backward_name = backward_name or type(self).backward_name
        self.derivation = model.manual
        self.functions = ()

    def run(self, case, call, shapes):
        """A ``UserRun`` on ``case``; ``call`` is a ``calls.Caller``; ``shapes`` ({quantity: shape})
        words the type messages."""
        raise NotImplementedError


class Contract(Form):
    """The project's contract: forward, loss and backward, with the derivation's names."""

    name = "contract"
    backward_name = "backward"
    arity = 4
    signature = 'backward(params, cache, X, Y) -> {"dW1": ..., "db1": ..., ...}'
    whose = "the project's contract"
    FORWARD = "forward(params, X) -> (output, cache)"
    LOSS = "loss(params, X, Y) -> float"

    def __init__(self, code, model, backward_name=None):
        super().__init__(code, model, backward_name)
        if code.function:    # only the named backward is the person's; the rest is the catalogue's
            self.backward, self.forward, self.loss = code.get(code.function), None, None
        else:
            self.backward, self.forward, self.loss = (code.get(n) for n in ("backward", "forward", "loss"))
        self.functions = tuple(n for n, f in [("forward", self.forward), ("loss", self.loss),
                                              (self.backward_name, self.backward)] if f)

    def run(self, case, call, shapes):
        params, X, Y = copy.deepcopy(case.params), case.X.copy(), case.Y.copy()
        forward = {}
        if self.forward:
            out = call("forward", self.forward, (params, X), self.FORWARD, case.name)
            _, cache = unpack("forward", out, ("output", "cache"), self.FORWARD)
            cache = mapping("forward", cache, self.FORWARD + ", the cache a dict")
            forward = {k: numbers("forward", f"cache[{k!r}]", v, shapes.get(k, "?"))
                       for k, v in cache.items() if k in shapes}
        else:
            _, cache = self.derivation.forward(params, X)
        loss = None
        if self.loss:
            J = numbers("loss", "J", call("loss", self.loss, (copy.deepcopy(case.params), X, Y), self.LOSS,
                                          case.name), "()")
            loss = float(J.reshape(())) if J.size == 1 else J   # a J of another shape is compared as it is
        out = call(self.backward_name, self.backward, (params, cache, X, Y), self.signature, case.name)
        grads = mapping(self.backward_name, out, self.signature)
        grads = {k: numbers(self.backward_name, k, v, shapes.get(k, "?")) for k, v in grads.items()}
        return UserRun(forward, loss, grads, tuple(call.warnings))


class Tutorial(Form):
    """The seed tutorial's forward_prop and backward_prop, for a two-layer catalogue model."""

    name = "tutorial"
    backward_name = "backward_prop"
    arity = 8
    signature = ("backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y) -> dW1, db1, dW2, db2, "
                 "with Y the integer labels of shape (m,)")
    whose = "the tutorial's"
    FORWARD = "forward_prop(W1, b1, W2, b2, X) -> Z1, A1, Z2, A2"
    PARAMS = ("W1", "b1", "W2", "b2")
    CACHE = ("Z1", "A1", "Z2", "A2")
    GRADS = ("dW1", "db1", "dW2", "db2")

    def __init__(self, code, model, backward_name=None):
        if tuple(model.manual.param_shapes()) != self.PARAMS:
            raise CannotVerify(f"the tutorial's functions ({self.signature}) describe a two-layer network "
                               f"with parameters {', '.join(self.PARAMS)}; model {model.name} has "
                               f"{', '.join(model.manual.param_shapes())}: use --model seed_net, or the "
                               f"project's contract")
        super().__init__(code, model, backward_name)
        self.backward = code.get(code.function or self.backward_name)
        self.forward = None if code.function else code.get("forward_prop")
        self.functions = tuple(n for n, f in [("forward_prop", self.forward),
                                              (self.backward_name, self.backward)] if f)

    def run(self, case, call, shapes):
        W1, b1, W2, b2 = (case.params[k].copy() for k in self.PARAMS)
        X, y = case.X.copy(), np.argmax(case.Y, axis=0)
        forward = {}
        if self.forward:
            out = unpack("forward_prop", call("forward_prop", self.forward, (W1, b1, W2, b2, X), self.FORWARD,
                                              case.name), self.CACHE, self.FORWARD)
            forward = {k: numbers("forward_prop", k, v, shapes[k]) for k, v in zip(self.CACHE, out)}
            Z1, A1, Z2, A2 = forward.values()
        else:
            _, cache = self.derivation.forward(case.params, case.X)
            Z1, A1, Z2, A2 = (cache[k] for k in self.CACHE)
        out = call(self.backward_name, self.backward, (Z1, A1, Z2, A2, W1, W2, X, y), self.signature, case.name)
        out = unpack(self.backward_name, out, self.GRADS, self.signature)
        grads = {k: numbers(self.backward_name, k, v, shapes[k]) for k, v in zip(self.GRADS, out)}
        return UserRun(forward, None, grads, tuple(call.warnings))


# --- Detection -------------------------------------------------------------------------------------

DETECTED = (Tutorial, Contract)             # the order ``auto`` tries them in
BY_NAME = {f.name: f for f in DETECTED}
FORMS = ("auto", *sorted(BY_NAME))          # the choices of ``--form``


def detect(code, model, form="auto"):
    """The ``Form`` reading ``code`` (a ``load.Code``) for ``model``: ``form`` by name, or the first
    of ``DETECTED`` whose backward the code defines (for a function named explicitly: whose arity
    it has)."""
    if form not in FORMS:
        raise CannotVerify(f"unknown form {form!r}; expected one of {', '.join(FORMS)}")
    if code.function:
        chosen = BY_NAME[form] if form != "auto" else by_arity(code.function, code.get(code.function))
        return chosen(code, model, backward_name=code.function)
    code = configured(code, model)
    found = [f for f in DETECTED if code.get(f.backward_name)]
    defines = f"(it defines: {', '.join(code.defines()) or 'no functions'})"
    if form == "auto":
        if not found:
            raise CannotVerify(f"{code.origin} defines {neither(f.backward_name for f in DETECTED)}; expected "
                               + " or ".join(f"{f.signature} ({f.whose})" for f in DETECTED) + f" {defines}")
        return found[0](code, model)
    chosen = BY_NAME[form]
    if chosen not in found:
        raise CannotVerify(f"{code.origin} defines no {chosen.backward_name}; expected {chosen.signature} {defines}")
    return chosen(code, model)


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
    """The first form of ``DETECTED`` whose backward takes as many positional parameters as ``fn``;
    otherwise a ``CannotVerify`` that lists each form's signature under ``name``."""
    try:
        n = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        n = None
    chosen = next((f for f in DETECTED if f.arity == n), None)
    if chosen is None:
        options = ", or ".join(f"{f.arity}, {f.signature.replace(f.backward_name, name, 1)}"
                               for f in sorted(DETECTED, key=lambda f: f.arity))
        raise CannotVerify(f"{name} takes {n} arguments; expected {options} (or say --form)")
    return chosen
