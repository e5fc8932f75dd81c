"""deeplearning.ai's courses, as their assignments write them, read into the catalogue's models.

    dlai_L_model         course 1's deep network, at any depth:
                         L_model_forward(X, parameters) -> (AL, caches);  compute_cost(AL, Y) -> cost
                         L_model_backward(AL, Y, caches) -> grads {"dA{l}", "dW{l}", "db{l}"}
    dlai_gradient_check  course 2's gradient-checking network (3 layers):
                         forward_propagation_n(X, Y, parameters) -> (cost, cache)
                         backward_propagation_n(X, Y, cache) -> gradients {"dZ3", "dW3", "db3", "dA2", ...}
    dlai_propagate       course 1's logistic regression: propagate(w, b, X, Y) -> (grads, cost),
                         grads {"dw": (n, 1), "db": a scalar}

Columns are examples (X (n, m)), as in the catalogue; Y (1, m) of 0/1; no regularisation (the
model is read at lambda 0). The networks take ``parameters`` = {"W1": (n_1, n_0), "b1": (n_1, 1),
..., "WL", "bL"} and have ReLU hidden layers and a sigmoid output: a catalogue MLP with a sigmoid
output (dlai_deep, dlai_gradcheck). Their caches are the person's own: handed from the forward to
the backward as they came, never read.

Their gradients are the derivation's, with its per-example intermediates: the course starts from
dAL = -(Y/AL - (1-Y)/(1-AL)), the derivative of one example's loss (no 1/m), so that

    dZ_L = A_L - Y     dW_l = 1/m dZ_l A_{l-1}^T     db_l = 1/m sum_j dZ_l     dA_{l-1} = W_l^T dZ_l

and course 2's dZ3, dA2, dZ2, dA1, dZ1 are the catalogue's dZ3, ... as they are. Course 1 keys dA by
the layer of the activation it is the gradient of, grads["dA" + str(l)] = dA_l for l = L-1 .. 0
(dA0, X's gradient, is no quantity of the model); its earlier notebooks keyed it one layer up,
grads["dA" + str(l)] = dA_{l-1} for l = L .. 1. The keys returned tell which (``dA_keys``).

compute_cost(AL, Y) sees AL only: where AL rounds to exactly 0 or 1 (the large-logits batch) the
loss is no longer a function of its argument, so the cost is compared only on batches where every
AL lies strictly between 0 and 1, and the reading says which batches it was left out of.
"""

import copy
import re

import numpy as np

from comparisons.forms import Form
from comparisons.forms.convex import Course
from comparisons.verify.calls import CannotVerify, Failed, Failure, UserRun, mapping, numbers, unpack


class Propagate(Course):
    """deeplearning.ai course 1's logistic regression: propagate(w, b, X, Y) -> (grads, cost)."""

    name = "dlai_propagate"
    whose = "deeplearning.ai course 1's"
    roles = ("propagate",)
    backward_name = "propagate"
    arity = 4
    signature = 'propagate(w, b, X, Y) -> (grads, cost), grads {"dw": (n, 1), "db": a scalar}'
    signatures = {"propagate": signature}
    PARAMETERS = ("w", "b", "x", "y")
    model, config = "logistic_regression", {"lam": 0.0}
    reads_as = "logistic regression"
    variants = ('grads["dw"] of shape (1, n) or (n,) is read as dW too; grads["db"] any one-element number',)
    layout = "X (n, m): columns are examples; w (n, 1), b a Python float; grads dw (n, 1) and db a scalar"
    labels = "Y (1, m) of 0/1"
    regularisation = "none (the model is read at lambda 0)"

    def __init__(self, code, model, names=None):
        super().__init__(code, model, names)
        self.expected = self.signed("propagate")
        self.reading = (f"read as {self.whose} {self.backward_name}(w, b, X, Y): X columns are examples, w ({self.n}, 1) "
                        f"is W's transpose, b a float, Y labels 0/1 of shape (1, m), grads['dw'] ({self.n}, 1) read "
                        f"as dW transposed and grads['db'] a scalar, no regularisation")

    def run(self, case, call, shapes):
        w, b = case.params["W"].T.copy(), float(case.params["b"][0, 0])
        out = call(self.backward_name, self.backward, (w, b, case.X.copy(), case.Y.copy()), self.expected, case.name)
        grads, cost = unpack(self.backward_name, out, ("grads", "cost"), self.expected)
        grads = mapping(self.backward_name, grads, self.expected)
        absent = [k for k in ("dw", "db") if k not in grads]
        if absent:
            raise Failed(Failure(self.backward_name, "returns", f"{self.backward_name} returned grads without "
                                 f"{' and '.join(absent)} (keys: {', '.join(map(str, grads)) or 'none'}); expected "
                                 f"{self.expected}"))
        dw = numbers(self.backward_name, "grads['dw']", grads["dw"], f"({self.n}, 1)")
        db = numbers(self.backward_name, "grads['db']", grads["db"], "a scalar")
        # a right-sized gradient in another layout is read into the derivation's; any other size is
        # left as it is, so that the comparison names the shape
        dW = dw.reshape(1, self.n) if dw.size == self.n else dw.T
        db = db.reshape(1, 1) if db.size == 1 else db
        return UserRun({}, self.cost_of(self.backward_name, cost), {"dW": dW, "db": db}, tuple(call.warnings))


class Network(Form):
    """What the two network forms share: told by their backward's parameter names (as the convex
    courses' forms are), a catalogue MLP with a sigmoid output (of ``LAYERS`` layers where the course
    writes them out), the person's functions found by their course names, the cost as a number."""

    PARAMETERS = ()          # the backward's parameter names, lower case ("*": any name)
    LAYERS = None            # the layers the course's code writes out; None: any depth
    config = {"lam": 0.0}
    FORWARD = None           # the role that makes the cache the backward takes
    labels = "Y (1, m) of 0/1"
    regularisation = "none (the model is read at lambda 0)"

    matches = classmethod(Course.matches.__func__)   # by name, case aside, as the convex courses' forms

    @classmethod
    def reads(cls, model):
        if model.module != "mlp":
            return False
        config = model.manual.config
        return config.output == "sigmoid" and cls.LAYERS in (None, config.L)

    def __init__(self, code, model, names=None):
        if not self.reads(model):
            depth = f" of {self.LAYERS} layers" if self.LAYERS else ""
            raise CannotVerify(f"{self.signature} ({self.whose}) is a network{depth} with a sigmoid output; "
                               f"model {model.name} is not: use --model {self.model}")
        super().__init__(code, model, names)
        self.L = model.manual.config.L
        self.backward = code.get(self.backward_name)
        self.found = {role: self.function(code, role) for role in self.roles}
        self.expected = self.signed(type(self).backward_name)
        forward = self.names[self.FORWARD]
        if self.found[self.FORWARD] is None:
            raise CannotVerify(f"{code.origin} defines {self.backward_name} but no {forward}; expected "
                               f"{self.signed(self.FORWARD)}: {self.backward_name} takes the cache it returns")
        self.functions = tuple(self.names[r] for r in self.roles if self.found[r])

    def function(self, code, role):
        """The person's function for ``role``: in the code, or beside a backward handed over alone
        (in its module's globals); None when neither has it."""
        name = self.names[role]
        fn = code.get(name) or getattr(self.backward, "__globals__", {}).get(name)
        return fn if callable(fn) else None

    def call(self, role, args, call, case):
        """The person's function for ``role`` on ``args``, through ``call`` (a ``calls.Caller``)."""
        return call(self.names[role], self.found[role], args, self.signed(role), case.name)

    @staticmethod
    def scalar(name, label, value):
        """A cost as a float (a cost of another shape is compared as it is, and the shape said)."""
        J = numbers(name, label, value, "()")
        return float(J.reshape(())) if J.size == 1 else J


class LModel(Network):
    """deeplearning.ai course 1's deep network at any depth: L_model_forward, compute_cost, L_model_backward."""

    name = "dlai_L_model"
    whose = "deeplearning.ai course 1's"
    roles = ("L_model_forward", "compute_cost", "L_model_backward")
    backward_name = "L_model_backward"
    arity = 3
    signature = 'L_model_backward(AL, Y, caches) -> grads {"dA" + str(l), "dW" + str(l), "db" + str(l)}'
    FORWARD = "L_model_forward"
    signatures = {"L_model_forward": "L_model_forward(X, parameters) -> (AL, caches)",
                  "compute_cost": "compute_cost(AL, Y) -> cost", "L_model_backward": signature}
    optional = {"compute_cost": "without it the loss is not checked"}
    PARAMETERS = ("al", "y", "*")
    model = "dlai_deep"
    variants = ('grads keyed as the course keys them now, grads["dA" + str(l)] = dA_l for l = L-1 .. 0, or as its '
                'earlier notebooks did, grads["dA" + str(l)] = dA_(l-1) for l = L .. 1: told by the keys returned; '
                "X's gradient (dA0, earlier dA1) is not compared",
                "any depth: the layers are those of the parameters dict handed over (W1 .. WL)",
                "compute_cost(AL, Y) is compared on the batches where every AL lies strictly between 0 and 1: "
                "where AL rounds to 0 or 1 the loss is no longer a function of AL",
                "the helpers (linear_forward, relu_backward, linear_activation_backward, ...) are yours: only "
                "the three functions are called")
    layout = ("X (n_0, m): columns are examples; parameters a dict {W1: (n_1, n_0), b1: (n_1, 1), ...}; the "
              "caches handed from L_model_forward to L_model_backward as they come; grads dA, dW, db per layer")

    def __init__(self, code, model, names=None):
        super().__init__(code, model, names)
        self.shift, self.left_out = 0, []
        self.reading = self.read_as()

    def run(self, case, call, shapes):
        L, forward = self.L, self.names["L_model_forward"]
        out = self.call("L_model_forward", (case.X.copy(), copy.deepcopy(case.params)), call, case)
        AL, caches = unpack(forward, out, ("AL", "caches"), self.signed("L_model_forward"))
        AL = numbers(forward, "AL", AL, shapes[f"A{L}"])
        yours = {f"A{L}": np.array(AL, copy=True)}
        cost = None
        if self.found["compute_cost"] and np.all((AL > 0) & (AL < 1)):
            cost = self.scalar(self.names["compute_cost"], "cost",
                               self.call("compute_cost", (AL.copy(), case.Y.copy()), call, case))
        elif self.found["compute_cost"]:
            self.left_out.append(case.name)   # AL of exactly 0 or 1: no cost can be read from it
        grads = self.call("L_model_backward", (AL, case.Y.copy(), caches), call, case)
        grads = self.read_grads(mapping(self.backward_name, grads, self.expected), shapes)
        self.reading = self.read_as()          # the keys and batches seen so far
        return UserRun(yours, cost, grads, tuple(call.warnings))

    def read_grads(self, grads, shapes):
        """{derivation name: array}: dW{l} and db{l} as they are, dA{l} by the key convention of these
        keys (``dA_keys``) without X's gradient, any other key under its own name (the notes list
        those that are no quantity of the model)."""
        self.shift = dA_keys(grads, self.L)
        read = {}
        for key, value in grads.items():
            found = re.fullmatch(r"dA(\d+)", key)
            name = f"dA{int(found.group(1)) - self.shift}" if found else key
            if name != "dA0":            # X's gradient: X takes none in the model
                read[name] = numbers(self.backward_name, f"grads[{key!r}]", value, shapes.get(name, "?"))
        return read

    def read_as(self):
        """How this code was read, in one sentence: the keys seen, the batches the cost was left out of."""
        L = self.L
        keys = (f"grads['dA' + str(l)] read as dA_(l-1), the course's earlier keys dA1 .. dA{L} (dA1, X's "
                f"gradient, not compared)" if self.shift else
                f"grads['dA' + str(l)] read as dA_l, the course's keys dA{L - 1} .. dA0 (dA0, X's gradient, "
                f"not compared)")
        cost = "" if self.found["compute_cost"] else f", no {self.names['compute_cost']} (the loss not checked)"
        if self.left_out:
            cost = (f"; {self.names['compute_cost']} not compared on the {', '.join(self.left_out)} batch: AL "
                    f"is 0 or 1 there (or not a number), where the cost is no longer a function of AL")
        return (f"read as {self.whose} {'/'.join(self.functions)}: X columns are examples, {L} layers read from "
                f"parameters W1..W{L} (a dict, biases (n, 1)), Y labels 0/1 of shape (1, m), the caches passed "
                f"through as {self.names['L_model_forward']} returned them, grads dW1..dW{L} and db1..db{L}, "
                f"{keys}, no regularisation{cost}")


def dA_keys(grads, L):
    """1 when ``grads`` keys dA as course 1's earlier notebooks did (grads["dA" + str(l)] = dA_{l-1}:
    it has dA{L} and no dA0), 0 for the course's keys now (dA_l under dA{l}, down to dA0)."""
    return int(f"dA{L}" in grads and "dA0" not in grads)


class GradientCheck(Network):
    """deeplearning.ai course 2's gradient-checking network (LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID):
    forward_propagation_n and backward_propagation_n, every intermediate returned."""

    name = "dlai_gradient_check"
    whose = "deeplearning.ai course 2's"
    roles = ("forward_propagation_n", "backward_propagation_n")
    backward_name = "backward_propagation_n"
    arity = 3
    signature = ('backward_propagation_n(X, Y, cache) -> gradients {"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", '
                 '"db2", "dA1", "dZ1", "dW1", "db1"}')
    FORWARD = "forward_propagation_n"
    signatures = {"forward_propagation_n": "forward_propagation_n(X, Y, parameters) -> (cost, cache)",
                  "backward_propagation_n": signature}
    PARAMETERS = ("x", "y", "*")
    LAYERS = 3
    model = "dlai_gradcheck"
    variants = ("the intermediates dZ3, dA2, dZ2, dA1, dZ1 are per example, as the course writes them (dZ3 = A3 - Y, "
                "dW3 = 1/m dZ3 A2^T): they are compared too",
                "the cache, a tuple of the course's (Z1, A1, W1, b1, ...) or any object, is handed back as it came")
    layout = ("X (n_0, m): columns are examples; parameters a dict {W1: (n_1, n_0), b1: (n_1, 1), ..., W3, b3}; "
              "the cache handed from forward_propagation_n to backward_propagation_n as it comes")

    def __init__(self, code, model, names=None):
        super().__init__(code, model, names)
        self.reading = (f"read as {self.whose} {'/'.join(self.functions)}: X columns are examples, parameters a "
                        f"dict W1..W3, b1..b3 (biases (n, 1)), Y labels 0/1 of shape (1, m), the cost from "
                        f"{self.names['forward_propagation_n']}, the cache passed through as it returned it, "
                        f"gradients keyed by the derivation's names with per-example dZ and dA, no regularisation")

    def run(self, case, call, shapes):
        forward = self.names["forward_propagation_n"]
        out = self.call("forward_propagation_n", (case.X.copy(), case.Y.copy(), copy.deepcopy(case.params)),
                        call, case)
        cost, cache = unpack(forward, out, ("cost", "cache"), self.signed("forward_propagation_n"))
        cost = self.scalar(forward, "cost", cost)
        gradients = self.call("backward_propagation_n", (case.X.copy(), case.Y.copy(), cache), call, case)
        gradients = mapping(self.backward_name, gradients, self.expected)
        grads = {k: numbers(self.backward_name, f"gradients[{k!r}]", v, shapes.get(k, "?"))
                 for k, v in gradients.items()}
        return UserRun({}, cost, grads, tuple(call.warnings))


FORMS = (LModel, GradientCheck, Propagate)   # in the order ``auto`` tries them
