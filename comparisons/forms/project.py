"""The project's own form: the model contract (README, "The model contract"), as code people write
to it.

    forward(params, X) -> (output, cache)          optional: the catalogue's forward pass otherwise
    loss(params, X, Y) -> float                    optional: without it the loss row is left out
    backward(params, cache, X, Y) -> {"dW1": ..., "db1": ..., "dZ1": ...}

``params`` is a dict keyed by the derivation's names (W1, b1, ...), X is (n_features, m) and Y is
as the catalogue model's data has it (one-hot (n_classes, m), or (1, m)). A module with
``configure(**config)`` is configured for the catalogue model first (layer sizes, lambda, ...).
"""

import copy

from manual import regularisation

from comparisons.forms import Form
from comparisons.verify.calls import UserRun, mapping, numbers, unpack


class Contract(Form):
    """The project's contract: forward, loss and backward, with the derivation's names."""

    name = "contract"
    whose = "the project's contract"
    roles = ("forward", "loss", "backward")
    backward_name = "backward"
    arity = 4
    signature = 'backward(params, cache, X, Y) -> {"dW1": ..., "db1": ..., ...}'
    FORWARD = "forward(params, X) -> (output, cache)"
    LOSS = "loss(params, X, Y) -> float"
    signatures = {"forward": FORWARD, "loss": LOSS, "backward": signature}
    optional = {"forward": "the catalogue's forward pass makes the cache otherwise",
                "loss": "without it the loss is not checked"}
    variants = ("configure(**config) -> an object with these functions: called first with the catalogue "
                "model's config (layer sizes, activations, lambda, ...)",
                "a backward that also returns intermediates (dZ2, dA1, ...): they are checked too")
    layout = ("X (n_features, m): columns are examples; params a dict keyed W1, b1, ...; the gradients a "
              "dict keyed d<name> (dW1, db1, dZ1, ...)")
    labels = "Y as the catalogue model's data has it: one-hot (n_classes, m), or (1, m) for one output"
    regularisation = ("the catalogue model's own: lambda/(2m) sum W^2 over the weights (biases never) where "
                      "its config has lam, none otherwise")

    def __init__(self, code, model, names=None):
        super().__init__(code, model, names)
        if code.function:    # only the named backward is the person's; the rest is the catalogue's
            self.backward, self.forward, self.loss = code.get(code.function), None, None
        else:
            self.backward, self.forward, self.loss = (code.get(self.names[n])
                                                      for n in ("backward", "forward", "loss"))
        called = [(self.names["forward"], self.forward), (self.names["loss"], self.loss),
                  (self.backward_name, self.backward)]
        self.functions = tuple(n for n, f in called if f)
        lam = model.config.get("lam")
        self.reading = (f"read as the project's contract ({', '.join(self.functions)}): X columns are "
                        f"examples, params and gradients dicts keyed by the derivation's names, Y as model "
                        f"{model.name}'s data has it"
                        + (f", L2 {penalty_words(model.config)}" if lam and model.config.get("penalty") != "none"
                           else ", no regularisation")
                        + ("" if self.forward else ", the cache from the catalogue's forward pass"))

    def run(self, case, call, shapes):
        params, X, Y = copy.deepcopy(case.params), case.X.copy(), case.Y.copy()
        forward_name, loss_name = self.names["forward"], self.names["loss"]
        forward = {}
        if self.forward:
            expected = self.signed("forward")
            out = call(forward_name, self.forward, (params, X), expected, case.name)
            _, cache = unpack(forward_name, out, ("output", "cache"), expected)
            cache = mapping(forward_name, cache, expected + ", the cache a dict")
            forward = {k: numbers(forward_name, f"cache[{k!r}]", v, shapes.get(k, "?"))
                       for k, v in cache.items() if k in shapes}
        else:
            _, cache = self.derivation.forward(params, X)
        loss = None
        if self.loss:
            J = numbers(loss_name, "J", call(loss_name, self.loss, (copy.deepcopy(case.params), X, Y),
                                             self.signed("loss"), case.name), "()")
            loss = float(J.reshape(())) if J.size == 1 else J   # a J of another shape is compared as it is
        expected = self.signed("backward")
        out = call(self.backward_name, self.backward, (params, cache, X, Y), expected, case.name)
        grads = mapping(self.backward_name, out, expected)
        grads = {k: numbers(self.backward_name, k, v, shapes.get(k, "?")) for k, v in grads.items()}
        return UserRun(forward, loss, grads, tuple(call.warnings))


def penalty_words(config):
    """``lambda = 0.1 (lambda/(2m) sum W^2)`` or, under another convention, ``reg = 0.05 (reg sum W^2)``."""
    penalty = config.get("penalty", regularisation.DEFAULT)
    name = "lambda" if penalty == regularisation.DEFAULT else "reg"
    return f"{name} = {config['lam']:g} ({regularisation.LOSS_TERM[penalty]} sum W^2)"
