"""Run a PyTorch reference model and ask ``torch.autograd`` for every gradient."""

import numpy as np
import torch


def as_tensors(arrays):
    """{name: ndarray} -> {name: tensor}, sharing memory where NumPy allows it."""
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}


def loss_and_grads(model, params, X, Y):
    """J and dJ/d(each parameter and each tapped intermediate) of the mean loss, as NumPy arrays.

    Returns ``(J, {name: dJ/dname})`` keyed by the model's own names (``W1``, ``Z1``, ...).
    """
    P = {k: t.clone().requires_grad_(True) for k, t in as_tensors(params).items()}
    data = as_tensors({"X": X, "Y": Y})
    taps = {}

    def tap(name, value):
        taps[name] = value
        return value

    J = model.loss(P, data["X"], data["Y"], tap)
    names = [*P, *taps]
    grads = torch.autograd.grad(J, [*P.values(), *taps.values()])
    return J.item(), {n: g.detach().numpy() for n, g in zip(names, grads)}


def gradient_step(model, params, X, Y):
    """A no-argument callable computing J and dJ/dparams once (forward + backward), for timing."""
    P = {k: t.clone().requires_grad_(True) for k, t in as_tensors(params).items()}
    data = as_tensors({"X": X, "Y": Y})

    def step():
        J = model.loss(P, data["X"], data["Y"])
        return torch.autograd.grad(J, list(P.values()))

    return step


def loss_and_hessian(model, params, X, Y):
    """J and d^2 J / d theta^2 from ``torch.func.hessian``, the latter as a (P, P) NumPy matrix.

    theta is every parameter flattened row by row (C order), parameters in ``params``' key order
    (the manual ``param_shapes`` order when params come from ``init_params``). The loss is the
    model's own, taps off.
    """
    P = as_tensors(params)
    data = as_tensors({"X": X, "Y": Y})
    J = model.loss(P, data["X"], data["Y"])
    H = torch.func.hessian(lambda P: model.loss(P, data["X"], data["Y"]))(P)
    return J.item(), as_matrix({a: {b: h.detach().numpy() for b, h in row.items()} for a, row in H.items()},
                               params)


def as_matrix(blocks, params):
    """Nested {a: {b: d^2 J / da db}} of shape a.shape + b.shape -> one (P, P) matrix in params' order."""
    size = {k: int(np.size(v)) for k, v in params.items()}
    return np.block([[blocks[a][b].reshape(size[a], size[b]) for b in params] for a in params])
