"""deeplearning.ai's courses, as their assignments write them, read into the catalogue's models.

    dlai_propagate propagate(w, b, X, Y) -> (grads, cost), grads {"dw": (n, 1), "db": a scalar}

Columns are examples (X (n, m)), as in the catalogue. propagate: w (n, 1) is W's transpose, b a
Python float, Y (1, m); no regularisation.
"""

from comparisons.forms.convex import Course
from comparisons.verify.calls import Failed, Failure, UserRun, mapping, numbers, unpack

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


FORMS = (Propagate,)   # in the order ``auto`` tries them
