"""The seed tutorial's form: its forward_prop and backward_prop, and the variants people write.

    forward_prop(W1, b1, W2, b2, X) -> Z1, A1, Z2, A2          optional: the catalogue's forward otherwise
    backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y) -> dW1, db1, dW2, db2

X is (n_x, m), columns are examples; the parameters are separate arrays, biases columns (n, 1);
``Y`` is the integer labels of shape (m,), which the tutorial one-hot encodes inside
``backward_prop``; there is no regularisation.

The variants, each told by the backward's parameter names, never by the values it returns:

- an extra ``m``: a parameter named ``m`` anywhere in backward_prop's list is given the batch's m
  (an int), e.g. ``backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y, m)``;
- one-hot passed in: the label parameter (the last of the eight, ``m`` aside) is given the one-hot
  columns (K, m) when its name says so: it contains "onehot" ignoring case and underscores
  (``one_hot_Y``, ``Y_onehot``, ``Y_one_hot``, ``oneHotY``). Any other name gets the integer
  labels. The body is not read: a name is what the person wrote to say what the argument holds,
  and the output says which reading was chosen;
- renamed functions: a name map (``--names forward_prop=forward,backward_prop=back``, or
  ``verify(..., names={...})``), checked by ``comparisons.forms.detect``.
"""

import numpy as np

from comparisons.forms import Form, positional
from comparisons.verify.calls import CannotVerify, UserRun, numbers, unpack


def says_one_hot(name):
    """Whether a parameter's name says it holds one-hot columns: it contains "onehot", ignoring case
    and underscores."""
    return "onehot" in name.lower().replace("_", "")


class Tutorial(Form):
    """The seed tutorial's forward_prop and backward_prop, for a two-layer catalogue model."""

    name = "tutorial"
    whose = "the seed tutorial's"
    roles = ("forward_prop", "backward_prop")
    backward_name = "backward_prop"
    arity = 8
    signature = ("backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y) -> dW1, db1, dW2, db2, "
                 "with Y the integer labels of shape (m,)")
    FORWARD = "forward_prop(W1, b1, W2, b2, X) -> Z1, A1, Z2, A2"
    signatures = {"forward_prop": FORWARD, "backward_prop": signature}
    optional = {"forward_prop": "the catalogue's forward pass makes Z1, A1, Z2, A2 otherwise"}
    variants = ("backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y, m): a parameter named m, anywhere in the list, "
                "is given the batch's m",
                "backward_prop(Z1, A1, Z2, A2, W1, W2, X, one_hot_Y): a label parameter whose name contains "
                "one_hot or onehot (any case) is given one-hot columns (K, m); any other name, the integer labels",
                "other names: --names forward_prop=NAME,backward_prop=NAME")
    layout = "X (n_x, m): columns are examples; W1, b1, W2, b2 separate arrays, biases columns (n, 1)"
    labels = ("Y the integer labels 0..K-1 of shape (m,), one-hot encoded inside backward_prop (or one-hot "
              "columns passed in: see variants)")
    regularisation = "none"
    PARAMS = ("W1", "b1", "W2", "b2")
    CACHE = ("Z1", "A1", "Z2", "A2")
    GRADS = ("dW1", "db1", "dW2", "db2")

    @classmethod
    def matches(cls, parameters):
        return len([p for p in parameters if p != "m"]) == cls.arity

    @classmethod
    def reads(cls, model):
        return tuple(model.manual.param_shapes()) == cls.PARAMS

    def __init__(self, code, model, names=None):
        if not self.reads(model):
            raise CannotVerify(f"the tutorial's functions ({self.signature}) describe a two-layer network "
                               f"with parameters {', '.join(self.PARAMS)}; model {model.name} has "
                               f"{', '.join(model.manual.param_shapes())}: use --model seed_net, or the "
                               f"project's contract")
        super().__init__(code, model, names)
        self.backward = code.get(self.backward_name)
        self.forward = None if code.function else code.get(self.names["forward_prop"])
        self.functions = tuple(n for n, f in [(self.names["forward_prop"], self.forward),
                                              (self.backward_name, self.backward)] if f)
        parameters = positional(self.backward) or []
        self.m_at = parameters.index("m") if "m" in parameters else None   # where the batch's m goes
        others = [p for p in parameters if p != "m"]
        self.label = others[-1] if len(others) == self.arity else "Y"
        self.one_hot_given = says_one_hot(self.label)
        self.classes = model.manual.param_shapes()["b2"][0]
        self.expected = self.backward_signature()
        self.reading = self.read_as()

    def backward_signature(self):
        """The backward's signature as this code's variant has it, for messages."""
        args = ["Z1", "A1", "Z2", "A2", "W1", "W2", "X", self.label]
        if self.m_at is not None:
            args.insert(self.m_at, "m")
        given = (f"one-hot columns of shape ({self.classes}, m)" if self.one_hot_given
                 else "the integer labels of shape (m,)")
        return f"{self.backward_name}({', '.join(args)}) -> {', '.join(self.GRADS)}, with {self.label} {given}"

    def read_as(self):
        """How this code was read, in one sentence (the verification prints it)."""
        roles = [r for r in self.roles if r != "forward_prop" or self.forward]
        yours = [self.names[r] for r in roles]
        renamed = f" (yours: {'/'.join(yours)})" if yours != roles else ""
        if self.one_hot_given:
            labels = (f"{self.label} one-hot columns ({self.classes}, m) passed in (the parameter's name says "
                      f"one-hot)")
        else:
            labels = (f"{self.label} integer labels 0..{self.classes - 1} one-hot encoded inside "
                      f"{self.backward_name} (a parameter named like one_hot_Y would be given one-hot columns)")
        m = "m passed as its argument m" if self.m_at is not None else "m from X (not passed)"
        cache = "" if self.forward else ", Z1, A1, Z2, A2 from the catalogue's forward pass"
        return (f"read as {self.whose} {'/'.join(roles)}{renamed}: X columns are examples, {labels}, "
                f"{m}{cache}, no regularisation")

    def run(self, case, call, shapes):
        W1, b1, W2, b2 = (case.params[k].copy() for k in self.PARAMS)
        X = case.X.copy()
        Y = case.Y.copy() if self.one_hot_given else np.argmax(case.Y, axis=0)
        forward = {}
        if self.forward:
            name, expected = self.names["forward_prop"], self.signed("forward_prop")
            out = unpack(name, call(name, self.forward, (W1, b1, W2, b2, X), expected, case.name),
                         self.CACHE, expected)
            forward = {k: numbers(name, k, v, shapes[k]) for k, v in zip(self.CACHE, out)}
            Z1, A1, Z2, A2 = forward.values()
        else:
            _, cache = self.derivation.forward(case.params, case.X)
            Z1, A1, Z2, A2 = (cache[k] for k in self.CACHE)
        args = [Z1, A1, Z2, A2, W1, W2, X, Y]
        if self.m_at is not None:
            args.insert(self.m_at, case.m)
        out = call(self.backward_name, self.backward, tuple(args), self.expected, case.name)
        out = unpack(self.backward_name, out, self.GRADS, self.expected)
        grads = {k: numbers(self.backward_name, k, v, shapes[k]) for k, v in zip(self.GRADS, out)}
        return UserRun(forward, None, grads, tuple(call.warnings))
