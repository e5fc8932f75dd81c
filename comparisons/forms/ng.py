"""Andrew Ng's Machine Learning course, as its Python ports write it, read into the catalogue's models.

    ng_ex1        computeCost(X, y, theta) -> J;  gradientDescent(X, y, theta, alpha, num_iters) -> theta
    ng_ex1_multi  computeCostMulti / gradientDescentMulti, the same signatures
    ng_ex2_reg    costFunctionReg(theta, X, y, lambda_) -> (J, grad)
    ng_ex2        costFunction(theta, X, y) -> (J, grad)
    ng_ex5        linearRegCostFunction(X, y, theta, lambda_) -> (J, grad)       (X first: ex5's order)

X is (m, n+1), rows are examples, with a first column of ones (the intercept); theta (n+1,) =
[b, W...]; y (m,) (0/1 labels in ex2); grad (n+1,): grad[0] is db, grad[1:] dW. Regularisation is
lambda/(2m) sum theta[1:]^2, the catalogue's own, so a form with a lambda reads the catalogue model
at its lambda (given as the argument), a form without one at lambda 0.
ex1 has no gradient function: the gradient is recovered from one step of gradientDescent at
alpha = 1, num_iters = 1 on a copy of theta (it is often updated in place): grad = theta - theta'.
"""

from comparisons.forms import positional
from comparisons.forms.convex import Course
from comparisons.verify.calls import Failed, Failure, UserRun, numbers, unpack

class NgCost(Course):
    """A cost function returning (J, grad): ex2's costFunction/costFunctionReg, ex5's linearRegCostFunction."""

    arity = 3
    ORDER = ("theta", "X", "y")          # the order the course passes them in

    def __init__(self, code, model, names=None):
        super().__init__(code, model, names)
        args = list(self.ORDER) + (["lambda_"] if self.arity == 4 else [])
        parameters = positional(self.backward) or []
        if len(parameters) == self.arity:
            args = parameters
        self.expected = f"{self.backward_name}({', '.join(args)}) -> (J, grad)"
        labels = "labels 0/1" if self.model == "logistic_regression" else "targets"
        self.reading = self.ng_reading(f"{self.backward_name}({', '.join(args)})", labels)

    def run(self, case, call, shapes):
        X1, y, theta = self.design(case)
        given = {"theta": theta, "X": X1, "y": y}
        args = [given[k] for k in self.ORDER] + ([self.lam] if self.arity == 4 else [])
        out = unpack(self.backward_name, call(self.backward_name, self.backward, tuple(args), self.expected,
                                              case.name), ("J", "grad"), self.expected)
        return UserRun({}, self.cost_of(self.backward_name, out[0]), self.unrolled(self.backward_name, out[1]),
                       tuple(call.warnings))


class NgEx2(NgCost):
    name = "ng_ex2"
    whose = "Ng ex2's"
    roles = ("costFunction",)
    backward_name = "costFunction"
    signature = "costFunction(theta, X, y) -> (J, grad)"
    signatures = {"costFunction": signature}
    PARAMETERS = ("theta", "x", "y")
    model, config = "logistic_regression", {"lam": 0.0}
    reads_as = "logistic regression"
    variants = ("a file that defines costFunctionReg too is read as ng_ex2_reg (tried first): say --form ng_ex2 "
                "for costFunction",)
    layout = ("X (m, n+1): rows are examples, a first column of ones; theta (n+1,) = [b, W...]; grad (n+1,) the "
              "same order")
    labels = "y (m,) of 0/1"
    regularisation = "none (the model is read at lambda 0)"


class NgEx2Reg(NgEx2):
    name = "ng_ex2_reg"
    roles = ("costFunctionReg",)
    backward_name = "costFunctionReg"
    arity = 4
    signature = "costFunctionReg(theta, X, y, lambda_) -> (J, grad)"
    signatures = {"costFunctionReg": signature}
    PARAMETERS = ("theta", "x", "y", "*")
    config = {}
    variants = ("any name for the 4th parameter (lambda_, lmbda, lam, reg, ...)",)
    regularisation = ("lambda/(2m) sum theta[1:]^2 (theta[0], the intercept, unpenalised), lambda the catalogue "
                      "model's, passed as the 4th argument")


class NgEx5(NgCost):
    name = "ng_ex5"
    whose = "Ng ex5's"
    roles = ("linearRegCostFunction",)
    backward_name = "linearRegCostFunction"
    arity = 4
    ORDER = ("X", "y", "theta")
    signature = "linearRegCostFunction(X, y, theta, lambda_) -> (J, grad)"
    signatures = {"linearRegCostFunction": signature}
    PARAMETERS = ("x", "y", "theta", "*")
    model, config = "linear_regression", {}
    reads_as = "linear regression"
    variants = ("any name for the 4th parameter; note the order: X, y, theta (not ex2's theta, X, y)",)
    layout = NgEx2.layout
    labels = "y (m,) real-valued targets"
    regularisation = NgEx2Reg.regularisation


class NgEx1(Course):
    """ex1: a cost and gradient descent; the gradient is one step at alpha = 1, on a copy of theta."""

    name = "ng_ex1"
    whose = "Ng ex1's"
    roles = ("computeCost", "gradientDescent")
    backward_name = "gradientDescent"
    arity = 5
    signature = "gradientDescent(X, y, theta, alpha, num_iters) -> theta (or (theta, J_history))"
    signatures = {"computeCost": "computeCost(X, y, theta) -> J", "gradientDescent": signature}
    optional = {"computeCost": "without it the loss is not checked"}
    PARAMETERS = ("x", "y", "theta", "alpha", "num_iters")
    model, config = "linear_regression", {"lam": 0.0}
    reads_as = "linear regression"
    variants = ("gradientDescent may update theta in place, return it, or return (theta, J_history): it is "
                "called once at alpha = 1, num_iters = 1 on a copy, and grad = theta - theta after the step",)
    layout = NgEx2.layout
    labels = "y (m,) real-valued targets"
    regularisation = "none (the model is read at lambda 0): J = 1/(2m) sum (X theta - y)^2"

    @classmethod
    def matches(cls, parameters):
        return len(parameters) == 5 and [p.lower() for p in parameters[:3]] == ["x", "y", "theta"]

    def __init__(self, code, model, names=None):
        super().__init__(code, model, names)
        self.expected = self.signed(type(self).backward_name)
        cost = f"{self.cost_name} and " if self.cost else ""
        self.reading = (f"read as {self.whose} {cost}{self.backward_name}: X rows are examples with a first column "
                        f"of ones (the intercept), theta = [b, W] ({self.n + 1},), y targets of shape (m,), the "
                        f"gradient from one step at alpha = 1, num_iters = 1 on a copy (grad = theta - theta "
                        f"after; grad[0] is db, grad[1:] dW), no regularisation")

    def run(self, case, call, shapes):
        X1, y, theta = self.design(case)
        loss = None
        if self.cost:
            signed = self.signed(self.roles[0])
            loss = self.cost_of(self.cost_name, call(self.cost_name, self.cost, (X1.copy(), y.copy(), theta.copy()),
                                                     signed, case.name))
        given = theta.copy()
        out = call(self.backward_name, self.backward, (X1, y, given, 1.0, 1), self.expected, case.name)
        after = given if out is None else out[0] if isinstance(out, (tuple, list)) else out
        after = numbers(self.backward_name, "theta", after, f"({self.n + 1},)")
        if after.size != theta.size:
            raise Failed(Failure(self.backward_name, "returns", f"{self.backward_name} returned theta of shape "
                                 f"{after.shape}; expected ({self.n + 1},): {self.expected}"))
        grad = theta - after.reshape(-1)
        return UserRun({}, loss, self.unrolled(self.backward_name, grad), tuple(call.warnings))


class NgEx1Multi(NgEx1):
    name = "ng_ex1_multi"
    roles = ("computeCostMulti", "gradientDescentMulti")
    backward_name = "gradientDescentMulti"
    signature = "gradientDescentMulti(X, y, theta, alpha, num_iters) -> theta (or (theta, J_history))"
    signatures = {"computeCostMulti": "computeCostMulti(X, y, theta) -> J", "gradientDescentMulti": signature}
    optional = {"computeCostMulti": "without it the loss is not checked"}


FORMS = (NgEx1, NgEx1Multi, NgEx2Reg, NgEx2, NgEx5)   # in the order ``auto`` tries them
