"""Andrew Ng's exercise 4 (the 400-25-10 network), as the course's Python ports write it, read into
the catalogue's ``course_net`` (manual/course_net.py):

    ng_ex4   nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
                 -> (J, grad)

The course's layout against the derivation's (K = n_y classes, m examples):

    X (m, n_x)       rows are examples, without the bias column (nnCostFunction adds it: a1 = [1 X])
    Theta1 (n_h, n_x+1) = [b1 W1],  Theta2 (n_y, n_h+1) = [b2 W2]: the bias is column 0
    nn_params        [Theta1 unrolled; Theta2 unrolled], (n_h (n_x+1) + n_y (n_h+1),), in C order
                     (NumPy's ravel) or F order (MATLAB's Theta1(:), the course's own); grad the same
    y (m,)           labels 1..K with K meaning class 0 (the digit 0: the course's), or 0..K-1
    lambda_          the model's lambda, its 7th argument; the sizes are the model's (n_x, n_h, n_y)

Which order and which labels (a ``Reading``) is not in the signature: the form calls nnCostFunction
under each, labels 1..K first, on the first batch, and reads it the way under which its J equals the
model's J (computed here from ``course_net``, NumPy only). When none does (its J is wrong), the order
is the one in which its local ``Theta1`` (the course's skeleton names it) is the Theta1 passed in,
and the labels (and the order, without that local) those whose gradient points the model's way
(the largest cosine with the model's); the reading says which.

Under labels 1..K output unit i is label i+1, so class c (label c, or K for c = 0) is unit (c-1) mod K:
Theta2's rows are rolled by one on the way in (``np.roll(., -1)``), and grad's back on the way out.

The course's deltas, delta3 (m, K) and delta2 (m, n_h) in vectorised code (rows are examples), are
the derivation's dZ2 and dZ1 transposed: when nnCostFunction's locals so named have those shapes they
are read as dZ2 and dZ1 (``from_course_locals``); a loop over the examples leaves only the last
example's, not of those shapes, and none is read.
"""

from dataclasses import dataclass, replace

import numpy as np

from comparisons.forms import Form, positional
from comparisons.verify.calls import Caller, CannotVerify, Failed, Failure, UserRun, numbers, unpack

THETA1 = ("Theta1", "theta1")   # the course's name for [b1 W1] as read from nn_params: it tells the order
# the course's names for its deltas -> the derivation's (dZ2 = delta3, dZ1 = delta2, transposed)
COURSE_LOCALS = {"delta3": "dZ2", "delta_3": "dZ2", "d3": "dZ2", "delta2": "dZ1", "delta_2": "dZ1", "d2": "dZ1"}


@dataclass(frozen=True)
class Reading:
    """order: "C" or "F", how Theta is unrolled; first: the first label, 1 (labels 1..K, K meaning
    class 0: the course's) or 0 (labels 0..K-1), which is also how far Theta2's rows are rolled."""

    order: str
    first: int

    def labels(self, K):
        if self.first:
            return f"labels 1..{K} ({K} is the digit 0)"
        return f"labels 0..{K - 1} (the digit d in class d)"

    def unrolled(self):
        return "F order (MATLAB's Theta1(:))" if self.order == "F" else "C order (NumPy's ravel)"


READINGS = (Reading("C", 1), Reading("F", 1), Reading("C", 0), Reading("F", 0))   # tried in this order


class NgEx4(Form):
    """Ng ex4's nnCostFunction: the unrolled Thetas in, (J, the unrolled gradient) out."""

    name = "ng_ex4"
    whose = "Ng ex4's"
    roles = ("nnCostFunction",)
    backward_name = "nnCostFunction"
    arity = 7
    ARGS = ("nn_params", "input_layer_size", "hidden_layer_size", "num_labels", "X", "y", "lambda_")
    signature = f"nnCostFunction({', '.join(ARGS)}) -> (J, grad)"
    signatures = {"nnCostFunction": signature}
    PARAMETERS = ("*", "*", "*", "*", "x", "y", "*")    # lower case; "*": any name (nn_params, Lambda, ...)
    model, config = "course_net", {}
    variants = ("nn_params and grad unrolled in C order (NumPy's ravel) or F order (MATLAB's Theta1(:)): the one "
                "under which its J equals the model's (a wrong J: the one in which its local Theta1 is [b1 W1]), "
                "said",
                "labels 1..K (K meaning the digit 0, the course's) or 0..K-1: the same way, 1..K tried first",
                "vectorised or a loop over the examples; locals delta3/d3 and delta2/d2 of shapes (m, n_y) and "
                "(m, n_h) are read as dZ2 and dZ1",
                "sigmoidGradient, randInitializeWeights and the like may be defined beside it: not called")
    layout = ("X (m, n_x): rows are examples, without the bias column; Theta1 = [b1 W1] (n_h, n_x+1), Theta2 = "
              "[b2 W2] (n_y, n_h+1), unrolled and concatenated into nn_params; grad the same way")
    labels = "y (m,) integer labels 1..K (K is the digit 0) or 0..K-1"
    regularisation = ("lambda/(2m) (sum Theta1[:, 1:]^2 + sum Theta2[:, 1:]^2) (the bias columns unpenalised), "
                      "lambda the catalogue model's, passed as the 7th argument")

    @classmethod
    def matches(cls, parameters):
        return len(parameters) == cls.arity and all(w in ("*", p.lower()) for w, p in zip(cls.PARAMETERS, parameters))

    @classmethod
    def reads(cls, model):
        return model.module == cls.model

    def __init__(self, code, model, names=None):
        if not self.reads(model):
            raise CannotVerify(f"{self.signature} ({self.whose}) is the course's sigmoid network; model {model.name} "
                               f"is not: use --model {self.model}")
        super().__init__(code, model, names)
        shapes = model.manual.param_shapes()
        (self.n_h, self.n_x), self.n_y = shapes["W1"], shapes["W2"][0]
        self.sizes = (self.n_x, self.n_h, self.n_y)
        self.lam = float(model.config.get("lam", 0.0))
        self.backward = code.get(self.backward_name)
        self.functions = (self.backward_name,)
        parameters = positional(self.backward) or []
        args = parameters if len(parameters) == self.arity else self.ARGS
        self.called = f"{self.backward_name}({', '.join(args)})"
        self.expected = f"{self.called} -> (J, grad)"
        self.chosen, self.why, self.deltas = None, "", ()
        self.reading = self.read_as(READINGS[0])

    # --- the course's layout and back -----------------------------------------------------------

    def course_args(self, case, reading):
        """(nn_params, n_x, n_h, n_y, X (m, n_x), y (m,), lambda), fresh arrays in the course's layout."""
        p, K = case.params, self.n_y
        Theta1 = np.hstack([p["b1"], p["W1"]])                                    # [b1 W1] (n_h, n_x+1)
        Theta2 = np.roll(np.hstack([p["b2"], p["W2"]]), -reading.first, axis=0)   # unit i is class (i+first) mod K
        nn_params = np.concatenate([Theta1.ravel(order=reading.order), Theta2.ravel(order=reading.order)])
        classes = np.argmax(case.Y, axis=0)
        y = (classes - reading.first) % K + reading.first                         # class 0 -> K under labels 1..K
        return (nn_params, *self.sizes, case.X.T.copy(), y, self.lam)

    def grads(self, grad, reading):
        """{"dW2", "db2", "dW1", "db1"} from the unrolled gradient, read in ``reading``'s order."""
        n_x, n_h, n_y = self.sizes
        size, kept = n_h * (n_x + 1) + n_y * (n_h + 1), (n_h + 1) * (n_x + 1) + n_y * (n_h + 1)
        grad = numbers(self.backward_name, "grad", grad, f"({size},)").reshape(-1)
        if grad.size != size:
            hint = (f": Theta1_grad of ({n_h + 1}, {n_x + 1}), delta2 with its bias row kept? The course drops it "
                    f"(delta2 = delta2[:, 1:])" if grad.size == kept else "")
            raise Failed(Failure(self.backward_name, "returns", f"{self.backward_name} returned grad of {grad.size} "
                                 f"numbers; expected {size}: Theta1_grad ({n_h}, {n_x + 1}) and Theta2_grad ({n_y}, "
                                 f"{n_h + 1}) unrolled{hint}"))
        n1 = n_h * (n_x + 1)
        T1 = grad[:n1].reshape((n_h, n_x + 1), order=reading.order)
        T2 = np.roll(grad[n1:].reshape((n_y, n_h + 1), order=reading.order), reading.first, axis=0)
        return {"dW2": T2[:, 1:], "db2": T2[:, :1], "dW1": T1[:, 1:], "db1": T1[:, :1]}

    def from_course_locals(self, found, m, reading):
        """{dZ2, dZ1} from the course's delta3 and delta2 in ``found`` (read by the ``Caller``) where their
        shapes say how: (m, n) is transposed, (n, m) taken as it is, anything else (one example's, or
        m = n) left out. Returns ``found`` without the course's names, with the derivation's added."""
        out = {k: v for k, v in found.items() if k not in COURSE_LOCALS}
        for course, ours in COURSE_LOCALS.items():
            n, value = (self.n_y if ours == "dZ2" else self.n_h), found.get(course)
            if value is None or ours in out or value.ndim != 2 or m == n or {*value.shape} != {m, n}:
                continue
            transposed = value.shape == (m, n)
            value = value.T if transposed else value
            out[ours] = np.roll(value, reading.first, axis=0) if ours == "dZ2" else value   # classes as the model's
            said = f"{ours} = {course}{'^T' if transposed else ''}"
            self.deltas += (said,) if said not in self.deltas else ()
        return out

    # --- which reading --------------------------------------------------------------------------

    def choose(self, case, call):
        """The ``Reading`` under which the person's J equals the model's J on ``case``. When none does (J
        is wrong): the order in which its local Theta1 (the course's name) is the Theta1 passed in, and
        the labels (the order too, without such a local) whose gradient has the largest cosine with the
        model's. When every call fails, the first failure."""
        J = self.derivation.loss(case.params, case.X, case.Y)
        trial, returned, failures = Caller(call.status, self.backward_name, THETA1), {}, []
        Theta1 = np.hstack([case.params["b1"], case.params["W1"]])
        for reading in READINGS:
            try:
                out = self.nn_cost(trial, case, reading)
            except Failed as failed:
                failures.append(failed)
                continue
            if np.isclose(self.scalar(out[0]), J, rtol=self.rtol(case), atol=0):
                course = f" (with labels 1..{self.n_y}, the course's, it does not)" if not reading.first else ""
                self.why = f"; the order and labels are those under which its J equals the model's{course}"
                return reading
            local = next(iter(trial.locals.values()), None)
            theta_read = local is not None and local.shape == Theta1.shape and np.allclose(local, Theta1)
            returned[reading] = out[1], theta_read
        if not returned:
            raise self.hinted(failures[0])
        by_local = [r for r, (_, theta_read) in returned.items() if theta_read]
        _, cache = self.derivation.forward(case.params, case.X)
        expected = self.derivation.backward(case.params, cache, case.X, case.Y)
        want = np.concatenate([expected[k].ravel() for k in ("dW2", "db2", "dW1", "db1")])
        cosines = {r: self.cosine(grad, r, want) for r, (grad, _) in returned.items()
                   if not by_local or r in by_local}
        chosen = max(cosines, key=cosines.get)
        K, nearest = self.n_y, f"whose gradient is nearest the model's (cosine {cosines[chosen]:.2f})"
        self.why = (f"; its J equals the model's under no order (C, F) and labels (1..{K}, 0..{K - 1}), so "
                    + (f"the order is the one in which its local Theta1 is [b1 W1], the labels those {nearest}"
                       if by_local else f"the order and labels are those {nearest}"))
        return chosen

    def cosine(self, grad, reading, want):
        try:
            got = self.grads(grad, reading)
        except Failed:
            return -np.inf
        got = np.concatenate([got[k].ravel() for k in ("dW2", "db2", "dW1", "db1")]).astype(np.float64)
        norms = np.linalg.norm(got) * np.linalg.norm(want)
        return float(got @ want / norms) if norms and np.isfinite(norms) else -np.inf

    @staticmethod
    def scalar(J):
        """``J`` as a float; NaN when it is no single real number (a wrong J: no reading reproduces it)."""
        try:
            return float(np.asarray(J, dtype=np.float64).reshape(()))
        except (TypeError, ValueError):
            return np.nan

    @staticmethod
    def rtol(case):
        """How close J must come: float rounding of the loss computed another way (log(h) or from z)."""
        return float(np.sqrt(np.finfo(case.X.dtype).eps))

    def nn_cost(self, call, case, reading):
        """nnCostFunction on ``case`` under ``reading``: (J, grad) as it returns them."""
        out = call(self.backward_name, self.backward, self.course_args(case, reading), self.expected, case.name)
        return unpack(self.backward_name, out, ("J", "grad"), self.expected)

    def hinted(self, failed):
        """``failed`` with a hint when the error names an array of n_h + 1 rows: delta2's bias row kept."""
        n = self.n_h + 1
        error = failed.failure.error
        if not error or not (f"({n}," in error or f"size {n} " in error):
            return failed
        hint = (f"\n  (an array of {n} = hidden_layer_size + 1 rows: delta2 with its bias row kept? The course "
                f"drops it: delta2 = delta2[:, 1:], or Theta2[:, 1:] in delta2 = delta3 Theta2)")
        failure = failed.failure
        return Failed(replace(failure, message=failure.message + hint))   # where it raised, and on what, kept

    # --- the run ----------------------------------------------------------------------------------

    def run(self, case, call, shapes):
        if self.chosen is None:
            self.chosen = self.choose(case, call)
        reading = self.chosen
        if call.wanted:     # the course's delta3 and delta2 are read too, where the Caller reads locals
            call.wanted = (*call.wanted, *COURSE_LOCALS)
        try:
            J, grad = self.nn_cost(call, case, reading)
        except Failed as failed:
            raise self.hinted(failed) from None
        call.locals = self.from_course_locals(call.locals, case.m, reading)
        J = numbers(self.backward_name, "J", J, "()")
        self.reading = self.read_as(reading)
        return UserRun({}, float(J.reshape(())) if J.size == 1 else J, self.grads(grad, reading),
                       tuple(call.warnings))

    def read_as(self, reading):
        """How the code was read, in one sentence (the verification prints it)."""
        deltas = f"; read from its locals: {', '.join(self.deltas)}" if self.deltas else ""
        sizes = ", ".join(map(str, self.sizes))
        return (f"read as {self.whose} {self.called}: X rows are examples (no bias column), "
                f"{reading.labels(self.n_y)}, Theta = [b W] unrolled in {reading.unrolled()}, lambda = "
                f"{self.lam:g} passed as its 7th argument, sizes {sizes} (the model's){self.why}{deltas}")


FORMS = (NgEx4,)   # in the order ``auto`` tries them
