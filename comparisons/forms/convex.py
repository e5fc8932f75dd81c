"""What the courses' forms of the convex models share (``Course``): the catalogue model they read,
the layouts they convert between, the unrolled gradient, and the courses' parameter names that tell
them apart. Ng's forms (``ng.py``) and deeplearning.ai's ``propagate`` (``dlai.py``) build on it.

Each reads the catalogue's batch (``calls.Case``: W (1, n), b (1, 1), X (n, m), Y (1, m)) into its
course's layout, and the person's gradient back into dW (1, n) and db (1, 1).
"""

import numpy as np

from comparisons.forms import Form
from comparisons.verify.calls import CannotVerify, Failed, Failure, numbers

class Course(Form):
    """What the course forms share: the catalogue model they read, the layouts, the unrolled gradient."""

    PARAMETERS = ()                   # the backward's parameter names, lower case ("*": any name)
    reads_as = ""                     # the model's kind, in words, for messages

    @classmethod
    def matches(cls, parameters):
        """The backward's parameters by name (case aside), so that a contract's backward(params, cache,
        X, Y) named explicitly is never read as a course's four-argument function."""
        return len(parameters) == len(cls.PARAMETERS) and all(
            want in ("*", p.lower()) for want, p in zip(cls.PARAMETERS, parameters))

    @classmethod
    def reads(cls, model):
        return model.module == cls.model

    def __init__(self, code, model, names=None):
        if not self.reads(model):
            raise CannotVerify(f"{self.signature} ({self.whose}) is {self.reads_as}; model {model.name} is "
                               f"not: use --model {self.model}")
        super().__init__(code, model, names)
        self.n = model.manual.param_shapes()["W"][1]
        self.lam = float(model.config.get("lam", 0.0))
        self.backward = code.get(self.backward_name)
        cost = [r for r in self.roles if r != type(self).backward_name]
        self.cost_name = self.names[cost[0]] if cost else None
        self.cost = code.get(self.cost_name) if cost and not code.function else None
        self.functions = tuple(n for n, f in [(self.cost_name, self.cost), (self.backward_name, self.backward)] if f)

    # --- layouts ---------------------------------------------------------------------------------

    @staticmethod
    def design(case):
        """(X with a first column of ones (m, n+1), y (m,), theta = [b, W...] (n+1,)), fresh copies."""
        X = case.X.T
        X1 = np.hstack([np.ones((X.shape[0], 1), X.dtype), X])
        theta = np.concatenate([case.params["b"].ravel(), case.params["W"].ravel()])
        return X1, case.Y.ravel().copy(), theta

    def unrolled(self, name, grad):
        """{"dW": (1, n), "db": (1, 1)} from an unrolled gradient (n+1,) = [db, dW...]."""
        grad = numbers(name, "grad", grad, f"({self.n + 1},)")
        if grad.size != self.n + 1:
            raise Failed(Failure(name, "returns", f"{name} returned grad of shape {grad.shape}; expected "
                                                  f"({self.n + 1},): one entry per theta, [db, dW...]"))
        grad = grad.reshape(-1)
        return {"dW": grad[1:].reshape(1, self.n), "db": grad[:1].reshape(1, 1)}

    def cost_of(self, name, value):
        J = numbers(name, "J", value, "()")
        return float(J.reshape(())) if J.size == 1 else J   # a J of another shape is compared as it is

    def regularised(self):
        return (f"L2 lambda = {self.lam:g} passed as its 4th argument (lambda/(2m) sum theta[1:]^2, theta[0] "
                f"unpenalised)" if self.lam else "no regularisation (lambda = 0)")

    def ng_reading(self, signature, labels):
        return (f"read as {self.whose} {signature}: X rows are examples with a first column of ones (the "
                f"intercept), theta = [b, W] unrolled ({self.n + 1},), y {labels} of shape (m,), grad[0] is db "
                f"and grad[1:] dW, {self.regularised()}")
