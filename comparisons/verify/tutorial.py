"""The seed tutorial's functions, found by name:

    forward_prop(W1, b1, W2, b2, X) -> Z1, A1, Z2, A2
    backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y) -> dW1, db1, dW2, db2

where ``Y`` is the integer label vector of shape (m,): the tutorial one-hot encodes it inside
``backward_prop``. Without ``forward_prop`` the catalogue's forward pass makes Z1, A1, Z2, A2.
"""

import numpy as np

from comparisons.verify.calls import numbers, unpack
from comparisons.verify.errors import CannotVerify
from comparisons.verify.user_run import UserRun

PARAMS = ("W1", "b1", "W2", "b2")
CACHE = ("Z1", "A1", "Z2", "A2")
GRADS = ("dW1", "db1", "dW2", "db2")
FORWARD = "forward_prop(W1, b1, W2, b2, X) -> Z1, A1, Z2, A2"
BACKWARD = ("backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y) -> dW1, db1, dW2, db2, "
            "with Y the integer labels of shape (m,)")


class Tutorial:
    """Runs tutorial-style code on a batch of a two-layer catalogue model (the seed network)."""

    form = "tutorial"

    def __init__(self, code, model, backward_name="backward_prop"):
        if tuple(model.manual.param_shapes()) != PARAMS:
            raise CannotVerify(f"the tutorial's functions ({BACKWARD}) describe a two-layer network with "
                               f"parameters {', '.join(PARAMS)}; model {model.name} has "
                               f"{', '.join(model.manual.param_shapes())}: use --model seed_net, or the "
                               f"project's contract")
        self.backward_name = backward_name
        self.backward = code.get(code.function or backward_name)
        self.forward = None if code.function else code.get("forward_prop")
        self.derivation = model.manual
        self.functions = tuple(n for n, f in [("forward_prop", self.forward), (backward_name, self.backward)] if f)

    def run(self, case, call, shapes):
        """A ``UserRun`` on ``case``; ``shapes`` ({quantity: shape}) words the type messages."""
        W1, b1, W2, b2 = (case.params[k].copy() for k in PARAMS)
        X, y = case.X.copy(), np.argmax(case.Y, axis=0)
        forward = {}
        if self.forward:
            out = unpack("forward_prop", call("forward_prop", self.forward, (W1, b1, W2, b2, X), FORWARD,
                                              case.name), CACHE, FORWARD)
            forward = {k: numbers("forward_prop", k, v, shapes[k]) for k, v in zip(CACHE, out)}
            Z1, A1, Z2, A2 = forward.values()
        else:
            _, cache = self.derivation.forward(case.params, case.X)
            Z1, A1, Z2, A2 = (cache[k] for k in CACHE)
        out = call(self.backward_name, self.backward, (Z1, A1, Z2, A2, W1, W2, X, y), BACKWARD, case.name)
        out = unpack(self.backward_name, out, GRADS, BACKWARD)
        grads = {k: numbers(self.backward_name, k, v, shapes[k]) for k, v in zip(GRADS, out)}
        return UserRun(forward, None, grads, tuple(call.warnings))
