"""The project's model contract: ``forward(params, X) -> (output, cache)``, ``loss(params, X, Y)
-> float`` and ``backward(params, cache, X, Y) -> {"dW1": ..., "dZ1": ...}``.

Only ``backward`` is required: without ``forward`` the catalogue's forward pass makes the cache,
without ``loss`` the loss row is left out. (A module with ``configure(**config)`` has been
configured by ``forms.configured`` before it gets here.)
"""

import copy

from comparisons.verify.calls import mapping, numbers, unpack
from comparisons.verify.user_run import UserRun

FORWARD = "forward(params, X) -> (output, cache)"
LOSS = "loss(params, X, Y) -> float"
BACKWARD = 'backward(params, cache, X, Y) -> {"dW1": ..., "db1": ..., ...}'


class Contract:
    """Runs contract-style code on a batch; ``functions`` names what it calls."""

    form = "contract"

    def __init__(self, code, model, backward_name="backward"):
        self.backward_name = backward_name
        if code.function:    # only the named backward is the person's; the rest is the catalogue's
            self.backward, self.forward, self.loss = code.get(code.function), None, None
        else:
            self.backward, self.forward, self.loss = (code.get(n) for n in ("backward", "forward", "loss"))
        self.derivation = model.manual
        self.functions = tuple(n for n, f in [("forward", self.forward), ("loss", self.loss),
                                              (backward_name, self.backward)] if f)

    def run(self, case, call, shapes):
        """A ``UserRun`` on ``case``; ``shapes`` ({quantity: shape}) words the type messages."""
        params, X, Y = copy.deepcopy(case.params), case.X.copy(), case.Y.copy()
        forward = {}
        if self.forward:
            out = call("forward", self.forward, (params, X), FORWARD, case.name)
            _, cache = unpack("forward", out, ("output", "cache"), FORWARD)
            cache = mapping("forward", cache, FORWARD + ", the cache a dict")
            forward = {k: numbers("forward", f"cache[{k!r}]", v, shapes.get(k, "?"))
                       for k, v in cache.items() if k in shapes}
        else:
            _, cache = self.derivation.forward(params, X)
        loss = None
        if self.loss:
            J = numbers("loss", "J", call("loss", self.loss, (copy.deepcopy(case.params), X, Y), LOSS,
                                          case.name), "()")
            loss = float(J.reshape(())) if J.size == 1 else J   # a J of another shape is compared as it is
        out = call(self.backward_name, self.backward, (params, cache, X, Y), BACKWARD, case.name)
        grads = mapping(self.backward_name, out, BACKWARD)
        grads = {k: numbers(self.backward_name, k, v, shapes.get(k, "?")) for k, v in grads.items()}
        return UserRun(forward, loss, grads, tuple(call.warnings))
