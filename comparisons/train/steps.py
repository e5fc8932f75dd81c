"""One step of plain gradient descent, theta := theta - alpha dJ/dtheta, in each of the three backends.

Each backend holds its own copy of the same initial parameters and of the training split, and is called
once per step with the columns of that step's batch (``None``: the whole split), the same for all three:

    J = step(cols, alpha)      J(theta) on the batch X[:, cols] (n_x, b), Y[:, cols] (n_y, b), then
                               theta := theta - alpha dtheta for every parameter (W1, b1, W2, b2, ...)
    step.numpy()               {name: ndarray} of the parameters now, for the differences and accuracies

- ``Manual``: the hand derivation of ``manual/``: forward, loss, backward, then the update in NumPy.
- ``Torch``:  the reference's loss, ``torch.autograd.grad``, and the update in place under ``no_grad``;
  the parameters and the data stay tensors between steps (``numpy()`` views them without a copy).
- ``Jax``:    the reference's loss, ``jax.value_and_grad`` and the update in one ``jax.jit`` program,
  compiled once per shape (the first step pays it); the data stay JAX arrays, passed as arguments.

The update is written alike in the three, ``theta - alpha * dtheta`` (alpha rounded to the dtype first,
then the product, then the difference), so that what parts them is each framework's own rounding of J's
gradient, and not a fused multiply-add in one of them.
"""

import numpy as np

BACKENDS = ("manual", "torch", "jax")


class Manual:
    """The hand derivation. Its contract checks (shapes, dtypes, finite parameters) run on each call and
    stay: 0.03 ms a check, three a step, against 3 ms for forward, loss and backward of seed_net at
    m = 1,438 (measured with timeit). The loss runs the forward pass again (``loss`` is the contract's;
    a third of the step), so that J is the derivation's own and not recomputed here from its cache."""

    name = "manual"

    def __init__(self, model, params, X, Y):
        self.module = model.manual
        self.params = {k: np.array(v) for k, v in params.items()}
        self.X, self.Y = X, Y

    def __call__(self, cols, alpha):
        X, Y = (self.X, self.Y) if cols is None else (self.X[:, cols], self.Y[:, cols])
        _, cache = self.module.forward(self.params, X)
        J = self.module.loss(self.params, X, Y)
        grads = self.module.backward(self.params, cache, X, Y)
        self.params = {k: v - v.dtype.type(alpha) * grads["d" + k] for k, v in self.params.items()}
        return float(J)

    def numpy(self):
        return self.params


class Torch:
    """PyTorch autograd; leaf tensors updated in place, so nothing is copied between steps."""

    name = "torch"

    def __init__(self, model, params, X, Y):
        import torch

        self.torch = torch
        self.loss = model.source("torch").loss
        self.P = {k: torch.from_numpy(np.array(v)).requires_grad_(True) for k, v in params.items()}
        self.X, self.Y = torch.from_numpy(np.ascontiguousarray(X)), torch.from_numpy(np.ascontiguousarray(Y))

    def __call__(self, cols, alpha):
        torch = self.torch
        if cols is None:
            X, Y = self.X, self.Y
        else:
            at = torch.from_numpy(cols)
            X, Y = self.X[:, at], self.Y[:, at]
        J = self.loss(self.P, X, Y)
        grads = torch.autograd.grad(J, list(self.P.values()))
        with torch.no_grad():
            a = torch.tensor(alpha, dtype=self.X.dtype)        # alpha rounded to the dtype, as NumPy's
            for p, g in zip(self.P.values(), grads):
                p.sub_(a * g)                                  # p - (alpha g): not sub_(g, alpha=), fused
        return J.item()

    def numpy(self):
        return {k: p.detach().numpy() for k, p in self.P.items()}


_PROGRAMS = {}      # id(reference model) -> (model, its jitted step): compiled once per model, shape, dtype


class Jax:
    """JAX autograd; gradient and update in one jitted program, parameters kept as JAX arrays."""

    name = "jax"

    def __init__(self, model, params, X, Y):
        import jax

        import reference.jax_ad  # noqa: F401  (64-bit mode, so float64 stays float64)

        self.P = {k: jax.device_put(v) for k, v in params.items()}     # device_put: no compile per shape
        self.X, self.Y = jax.device_put(X), jax.device_put(Y)
        self.program = jitted_step(model.source("jax"))
        self.alpha = {}

    def __call__(self, cols, alpha):
        if alpha not in self.alpha:      # alpha rounded to the dtype, as a (0-d) argument: no recompile per value
            self.alpha[alpha] = np.asarray(alpha, dtype=self.X.dtype)
        J, self.P = self.program(self.P, self.X, self.Y, cols, self.alpha[alpha])
        return float(J)

    def numpy(self):
        return {k: np.asarray(p) for k, p in self.P.items()}


def jitted_step(reference):
    """jit of (P, X, Y, cols, alpha) -> (J, P - alpha dJ/dP), J on the batch X[:, cols] (all for None)."""
    held = _PROGRAMS.get(id(reference))
    if held is None or held[0] is not reference:
        import jax

        def step(P, X, Y, cols, alpha):
            if cols is not None:
                X, Y = X[:, cols], Y[:, cols]
            J, dP = jax.value_and_grad(reference.loss)(P, X, Y)
            return J, {k: P[k] - alpha * dP[k] for k in P}

        held = _PROGRAMS[id(reference)] = (reference, jax.jit(step))
    return held[1]


def make(backend, model, params, X, Y):
    """The backend named ``backend`` ("manual", "torch", "jax") at ``params`` on the split X, Y."""
    return {"manual": Manual, "torch": Torch, "jax": Jax}[backend](model, params, X, Y)


def max_difference(a, b):
    """max over every parameter and element of |a - b| ({name: array} each); NaN where either is NaN."""
    return max(float(np.max(np.abs(a[k].astype(np.float64) - b[k].astype(np.float64)))) for k in a)
