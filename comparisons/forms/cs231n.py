"""Stanford CS231n's forms (assignment 1, as published 2017-2019), read into the catalogue's models.

    cs231n_two_layer      TwoLayerNet(input_size, hidden_size, output_size, std=1e-4)
                          .loss(X, y=None, reg=0.0) -> (loss, grads)             model cs231n_two_layer
    cs231n_softmax        softmax_loss_vectorized(W, X, y, reg) -> (loss, dW)    model softmax_regression
    cs231n_softmax_naive  softmax_loss_naive(W, X, y, reg) -> (loss, dW)         (the same, with loops)
    cs231n_svm            svm_loss_vectorized(W, X, y, reg) -> (loss, dW)        model svm (hinge, margin 1)
    cs231n_svm_naive      svm_loss_naive(W, X, y, reg) -> (loss, dW)

Rows are examples. The catalogue's batch (``calls.Case``: X (D, N), one-hot Y (C, N), W (C, D), b (C, 1))
is read into CS231n's layout: X (N, D) = X^T, y (N,) the integer labels 0..C-1, every weight transposed
(W (D, C); TwoLayerNet's params W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)), biases 1-D; what comes back is
read the other way (dW (D, C) -> (C, D), db (C,) -> (C, 1)), and a gradient of another size is left in
a shape the comparison names (a b2 of shape (N, C), not summed over the examples, as (C, N)).
The linear classifiers have no b: CS231n's bias trick puts a ones column in X, which is the person's
data, so they read their models configured ``bias=False``. TwoLayerNet's ``loss(X)`` (no y) returns the
scores (N, C): read as Z2, the forward value they are.

Regularisation: ``reg * sum W^2`` (the current assignments) or ``0.5 * reg * sum W^2`` (the older
ones), biases never. On the typical batch the form calls the loss at the model's reg and at reg = 0
and reads c = (J(reg) - J(0)) / sum W^2: c = reg is penalty "reg", c = reg / 2 is "half_reg"
(``manual/regularisation.py``), carried back as ``UserRun.config``, with which ``verify`` computes the
references. Neither keeps "reg", says so, and the loss row shows the difference.

A file with both the naive and the vectorized function is checked on the vectorized one (tried first,
as the assignment's last step); ``--form cs231n_softmax_naive`` or ``FILE.py:softmax_loss_naive``
checks the loops, and the reading says which was checked.
"""

import numpy as np

from comparisons.forms import Form
from comparisons.verify.calls import CannotVerify, Failed, Failure, UserRun, mapping, numbers, unpack

HALF = 0.5   # the older assignments' 0.5 * reg * sum W^2
READ_TOL = 1e-3   # c / reg within this of 1 or 0.5: loose, as J(reg) - J(0) may be float32's


def labels(case):
    """y (N,): the integer labels 0..C-1 of the batch's one-hot columns."""
    return np.argmax(case.Y, axis=0)


def columns(name, label, value, shape):
    """A gradient in CS231n's layout read into the derivation's ``shape``: a 1-D bias (H,) (or (1, H))
    as the column (H, 1), any 2-D array transposed (dW (D, C) -> (C, D)); anything else left as it is,
    so that the comparison names its shape."""
    array = numbers(name, label, value, f"{tuple(reversed(shape))} (CS231n's layout)")
    if len(shape) == 2 and shape[1] == 1 and array.size == shape[0]:
        return array.reshape(shape)
    return array.T if array.ndim == 2 else array


class CS231n(Form):
    """What CS231n's forms share: rows as examples, integer labels, reg read from the loss."""

    whose = "CS231n's"
    reads_as = ""                # the model's kind, in words, for messages
    labels = "y (N,) integers 0..C-1"
    regularisation = ("reg * sum W^2 (the current assignments) or 0.5 * reg * sum W^2 (the older), biases never: "
                      "read from the loss at reg and at reg = 0 on the typical batch; reg is the model's lam")

    @classmethod
    def matches(cls, parameters):
        """The backward's parameters by name (case aside), so that a contract's backward named explicitly is
        never read as a CS231n function."""
        return len(parameters) == cls.arity and all(
            want in ("*", p.lower()) for want, p in zip(cls.PARAMETERS, parameters))

    def __init__(self, code, model, names=None):
        if not self.reads(model):
            raise CannotVerify(f"{self.signature} ({self.whose}) is {self.reads_as}; model {model.name} is not: "
                               f"use --model {self.model}")
        super().__init__(code, model, names)
        self.lam = float(model.config.get("lam", 0.0))
        self.penalty, self.read = None, "not read yet"   # from the loss, on the first (typical) batch

    def penalty_of(self, at_reg, at_0, params):
        """(penalty, how it was read in words) from the loss at reg and at reg = 0 (``at_reg``, ``at_0``)."""
        S = sum(float(np.sum(np.square(v, dtype=np.float64))) for k, v in params.items() if k.startswith("W"))
        if not (self.lam and S):
            return "reg", "reg = 0, so the convention could not be read: reg * sum W^2 assumed"
        if np.ndim(at_reg) or np.ndim(at_0):
            return "reg", f"reg = {self.lam:g}, reg * sum W^2 assumed (your loss is not one number)"
        c = (float(at_reg) - float(at_0)) / (self.lam * S)
        if abs(c - 1) <= READ_TOL:
            return "reg", f"reg = {self.lam:g}, reg * sum W^2 (read from the loss)"
        if abs(c - HALF) <= READ_TOL * HALF:
            return "half_reg", f"reg = {self.lam:g}, 0.5 * reg * sum W^2 (read from the loss: the older assignments')"
        return "reg", (f"reg = {self.lam:g}, reg * sum W^2 assumed (the current assignments'): your loss at reg "
                       f"and at reg = 0 differ by {c:.3g} reg sum W^2, neither reg nor 0.5 reg sum W^2")

    def loss_of(self, name, value):
        J = numbers(name, "loss", value, "a scalar")
        return float(J.reshape(())) if J.size == 1 else J   # a loss of another shape is compared as it is

    def columns_of_locals(self, call, shapes):
        """The backward's locals named as the derivation names them (a dZ2 (N, C), say) read into its layout."""
        call.locals = {k: columns(self.backward_name, k, v, shapes[k]) for k, v in call.locals.items() if k in shapes}

    def read_penalty(self, case, at_reg, at_0):
        """On the first batch (``at_0``, the loss at reg = 0, is None after it), the penalty and the reading."""
        if at_0 is not None:
            self.penalty, self.read = self.penalty_of(at_reg, at_0, case.params)
            self.reading = self.read_as()


# --- TwoLayerNet ---------------------------------------------------------------------------------------


class TwoLayerNet(CS231n):
    """The two-layer net of assignment 1: affine - ReLU - affine - softmax, mean cross-entropy."""

    name = "cs231n_two_layer"
    roles = ("TwoLayerNet",)
    backward_name = "TwoLayerNet"
    arity = 4
    INIT = "TwoLayerNet(input_size, hidden_size, output_size, std=1e-4)"
    signature = f"{INIT}.loss(X, y=None, reg=0.0) -> (loss, grads)"
    signatures = {"TwoLayerNet": signature + ', grads {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}'}
    PARAMETERS = ("input_size", "hidden_size", "output_size")
    model = "cs231n_two_layer"
    reads_as = "a two-layer ReLU/softmax mlp with CS231n's penalty"
    variants = ("loss(X) with no y returns the scores (N, C): read as Z2 and compared with the forward pass "
                "(skipped when it raises)",
                "any other class name: --names TwoLayerNet=NAME")
    layout = ('X (N, D): rows are examples; the instance\'s params {"W1": (D, H), "b1": (H,), "W2": (H, C), '
              '"b2": (C,)} are set to the model\'s (transposed), grads the same keys and shapes')
    PARAMS = ("W1", "b1", "W2", "b2")

    @classmethod
    def matches(cls, parameters):
        """__init__'s parameters (the class's signature): input_size, hidden_size, output_size, and std or not."""
        return len(parameters) in (3, 4) and [p.lower() for p in parameters[:3]] == list(cls.PARAMETERS)

    @classmethod
    def reads(cls, model):
        config = model.config
        return (model.module == "mlp" and len(config.get("sizes", ())) == 3 and config.get("output") == "softmax"
                and tuple(config.get("activations", ())) == ("relu",))

    def __init__(self, code, model, names=None):
        super().__init__(code, model, names)
        self.class_name = self.backward_name
        self.backward_name = f"{self.class_name}.loss"    # the Caller reads this call's locals
        self.cls = code.get(self.class_name)
        self.functions = (self.backward_name,)
        self.sizes = model.config["sizes"]
        D, H, C = self.sizes
        self.expected = (f"{self.backward_name}(X, y=None, reg=0.0) -> (loss, grads), grads {{'W1': ({D}, {H}), "
                         f"'b1': ({H},), 'W2': ({H}, {C}), 'b2': ({C},)}}")
        self.scores = "scores from loss(X) read as Z2"
        self.reading = self.read_as()

    def read_as(self):
        D, H, C = self.sizes
        return (f"read as {self.whose} {self.class_name}({D}, {H}, {C}).loss(X, y, reg): X rows are examples "
                f"(N, {D}), params W1 ({D}, {H}), b1 ({H},), "
                f"W2 ({H}, {C}), b2 ({C},) set to the model's (its W1 ({H}, {D}) transposed, its b1 flattened), "
                f"y labels 0..{C - 1} of shape (N,), grads the same keys read back transposed, {self.scores}, "
                f"{self.read}")

    def instance(self, call, case):
        """A fresh instance with the batch's parameters in CS231n's layout."""
        net = call(self.class_name, self.cls, self.sizes, self.INIT.replace("TwoLayerNet", self.class_name, 1),
                   case.name)
        if not isinstance(getattr(net, "params", None), dict):
            raise Failed(Failure(self.class_name, "returns", f"{self.class_name}{self.sizes} has no params dict "
                                 f"(found {type(getattr(net, 'params', None)).__name__}); expected self.params = "
                                 f"{{'W1': ..., 'b1': ..., 'W2': ..., 'b2': ...}} set in __init__, as the "
                                 f"assignment's TwoLayerNet has"))
        net.params = {k: (v.T if k.startswith("W") else v.ravel()).copy() for k, v in case.params.items()}
        return net

    def run(self, case, call, shapes):
        X, y, name = case.X.T, labels(case), self.backward_name
        forward = {}
        try:
            scores = numbers(name, "scores", call(name, self.instance(call, case).loss, (X.copy(),),
                                                   f"{name}(X) -> scores (N, C)", case.name), "(N, C)")
            if scores.shape == shapes["Z2"][::-1]:
                forward = {"Z2": scores.T}
        except Failed as failed:
            if failed.failure.function == self.class_name:    # the class itself fails: nothing to check
                raise
            self.scores = "scores not read (loss(X) with no y raised or returned no scores)"

        def at(reg):
            out = call(name, self.instance(call, case).loss, (X.copy(), y.copy(), reg), self.expected, case.name)
            return unpack(name, out, ("loss", "grads"), self.expected)

        at_0 = None if self.penalty else self.loss_of(name, at(0.0)[0])   # before the call whose locals are read
        loss, grads = at(self.lam)
        grads = mapping(name, grads, self.expected)
        absent = [k for k in self.PARAMS if k not in grads]
        if absent:
            raise Failed(Failure(name, "returns", f"{name} returned grads without {', '.join(absent)} (keys: "
                                 f"{', '.join(map(str, grads)) or 'none'}); expected {self.expected}"))
        loss = self.loss_of(name, loss)
        grads = {f"d{k}": columns(name, f"grads[{k!r}]", grads[k], shapes[f"d{k}"]) for k in self.PARAMS}
        self.columns_of_locals(call, shapes)
        self.read_penalty(case, loss, at_0)
        return UserRun(forward, loss, grads, tuple(call.warnings), config={"penalty": self.penalty})


# --- The linear classifiers: softmax and the multiclass SVM ------------------------------------------------


class LinearLoss(CS231n):
    """A linear classifier's loss function: f(W, X, y, reg) -> (loss, dW), W (D, C), no bias."""

    arity = 4
    PARAMETERS = ("w", "x", "y", "*")
    config = {"bias": False}
    fixed_because = "CS231n's W alone, no b"
    layout = "X (N, D): rows are examples; W (D, C), the model's W (C, D) transposed; dW (D, C)"
    other = None    # the naive function for the vectorized form, and the other way round

    @classmethod
    def reads(cls, model):
        return model.module == cls.model

    def __init__(self, code, model, names=None):
        super().__init__(code, model, names)
        if "b" in model.manual.param_shapes():
            raise CannotVerify(f"{self.signature} ({self.whose}) takes W alone; model {model.name} has a bias b: "
                               f"configure it with bias=False (as --model {self.model} is read by default)")
        self.backward = code.get(self.backward_name)
        self.functions = (self.backward_name,)
        self.expected = self.signed(type(self).backward_name)
        self.C, self.D = model.manual.param_shapes()["W"]
        also = self.other and not code.function and code.get(self.other)
        self.also = (f"; {self.other} is defined too: --form {self.other_form} (or FILE.py:{self.other}) checks it"
                     if also else "")
        self.reading = self.read_as()

    def read_as(self):
        return (f"read as {self.whose} {self.backward_name}(W, X, y, reg): X rows are examples (N, {self.D}), "
                f"W ({self.D}, {self.C}) the model's transposed (the bias trick's ones column would be the person's "
                f"X's: here no bias), y labels 0..{self.C - 1} of shape (N,), dW ({self.D}, {self.C}) read back "
                f"transposed, {self.read}{self.also}")

    def run(self, case, call, shapes):
        W, X, y, name = case.params["W"].T, case.X.T, labels(case), self.backward_name

        def at(reg):
            out = call(name, self.backward, (W.copy(), X.copy(), y.copy(), reg), self.expected, case.name)
            loss, dW = unpack(name, out, ("loss", "dW"), self.expected)
            return self.loss_of(name, loss), dW

        at_0 = None if self.penalty else at(0.0)[0]     # before the call whose locals are read
        loss, dW = at(self.lam)
        dW = columns(name, "dW", dW, shapes["dW"])
        self.columns_of_locals(call, shapes)
        self.read_penalty(case, loss, at_0)
        return UserRun({}, loss, {"dW": dW}, tuple(call.warnings), config={"penalty": self.penalty})


class SoftmaxVectorized(LinearLoss):
    name = "cs231n_softmax"
    roles = ("softmax_loss_vectorized",)
    backward_name = "softmax_loss_vectorized"
    signature = "softmax_loss_vectorized(W, X, y, reg) -> (loss, dW)"
    signatures = {"softmax_loss_vectorized": signature}
    model = "softmax_regression"
    reads_as = "softmax regression"
    other, other_form = "softmax_loss_naive", "cs231n_softmax_naive"
    variants = ("a file defining softmax_loss_naive too is checked on softmax_loss_vectorized: --form "
                "cs231n_softmax_naive (or FILE.py:softmax_loss_naive) checks the loops",)


class SoftmaxNaive(SoftmaxVectorized):
    name = "cs231n_softmax_naive"
    roles = ("softmax_loss_naive",)
    backward_name = "softmax_loss_naive"
    signature = "softmax_loss_naive(W, X, y, reg) -> (loss, dW)"
    signatures = {"softmax_loss_naive": signature}
    other, other_form = "softmax_loss_vectorized", "cs231n_softmax"
    variants = ("loops over the examples and classes: the same reading as softmax_loss_vectorized",)


class SvmVectorized(LinearLoss):
    name = "cs231n_svm"
    roles = ("svm_loss_vectorized",)
    backward_name = "svm_loss_vectorized"
    signature = "svm_loss_vectorized(W, X, y, reg) -> (loss, dW)"
    signatures = {"svm_loss_vectorized": signature}
    model = "svm"
    reads_as = "a multiclass SVM (hinge loss, margin 1)"
    other, other_form = "svm_loss_naive", "cs231n_svm_naive"
    variants = ("a file defining svm_loss_naive too is checked on svm_loss_vectorized: --form cs231n_svm_naive "
                "(or FILE.py:svm_loss_naive) checks the loops",)


class SvmNaive(SvmVectorized):
    name = "cs231n_svm_naive"
    roles = ("svm_loss_naive",)
    backward_name = "svm_loss_naive"
    signature = "svm_loss_naive(W, X, y, reg) -> (loss, dW)"
    signatures = {"svm_loss_naive": signature}
    other, other_form = "svm_loss_vectorized", "cs231n_svm"
    variants = ("loops over the examples and classes: the same reading as svm_loss_vectorized",)


FORMS = (TwoLayerNet, SoftmaxVectorized, SoftmaxNaive, SvmVectorized, SvmNaive)   # the order ``auto`` tries them
