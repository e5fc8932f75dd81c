"""Newton's method on the hand-derived gradient and Hessian of a convex model.

For logistic regression this is iteratively reweighted least squares: each step solves
    H_k delta_k = -g_k,   theta_{k+1} = theta_k + delta_k,
with g_k = dJ/dtheta from ``backward`` and H_k = 1/m X~ S_k X~^T + lambda/m D from ``hessian``
(see ``manual/logistic_regression.py``), theta = all parameters flattened in ``param_shapes`` order.
H_k delta_k = -g_k is solved by LU factorisation (``np.linalg.solve``); H is never inverted.
Near the minimum the gradient shrinks quadratically: ||g_{k+1}|| ~ C ||g_k||^2.
"""

from typing import NamedTuple

import numpy as np


class NewtonRun(NamedTuple):
    """The last iterate, one row per iterate, and whether the gradient reached the tolerance."""

    params: dict
    steps: list        # [{"iteration", "J", "grad_max", "step_max"}], iterate 0 first
    converged: bool


def flatten(arrays, names):
    """theta = [vec(arrays[names[0]]); vec(arrays[names[1]]); ...], each row by row (C order)."""
    return np.concatenate([np.ravel(arrays[k]) for k in names])


def unflatten(theta, shapes):
    """{name: array of shape} from the flat theta, in the order of ``shapes`` (a {name: shape} dict)."""
    sizes = [int(np.prod(s)) for s in shapes.values()]
    parts = np.split(theta, np.cumsum(sizes)[:-1])
    return {k: p.reshape(s) for (k, s), p in zip(shapes.items(), parts)}


def newton(model, params, X, Y, rtol=None, max_iter=20):
    """Minimise ``model``'s J from ``params`` by Newton steps; returns a ``NewtonRun``.

    ``model`` has the manual contract plus ``hessian(params, X, Y)`` (a configured module, e.g.
    ``logistic_regression.configure(lam=1.0)``). Stops when ||g_k||_inf <= rtol ||g_0||_inf, with
    rtol = sqrt(eps) of the dtype by default (1.5e-8 in float64, 3.5e-4 in float32), or after
    ``max_iter`` steps (then ``converged`` is False). Row k: J(theta_k), ||g_k||_inf and
    ||theta_k - theta_{k-1}||_inf (NaN for k = 0).
    """
    model.check_inputs(params, X, Y)
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"max_iter is {max_iter!r}; expected a whole number >= 1")
    dtype = X.dtype
    rtol = float(np.sqrt(np.finfo(dtype).eps)) if rtol is None else rtol
    if not 0 < rtol < 1:
        raise ValueError(f"rtol is {rtol!r}; expected a number in (0, 1)")
    names = list(params)
    shapes = {k: params[k].shape for k in names}
    theta, step, steps = flatten(params, names), np.nan, []
    for k in range(max_iter + 1):
        P = unflatten(theta, shapes)
        _, cache = model.forward(P, X)
        grads = model.backward(P, cache, X, Y)
        g = flatten({n: grads["d" + n] for n in names}, names)   # g_k = dJ/dtheta at theta_k
        steps.append({"iteration": k, "J": model.loss(P, X, Y), "grad_max": float(np.abs(g).max()),
                      "step_max": step})
        if steps[-1]["grad_max"] <= rtol * steps[0]["grad_max"]:
            return NewtonRun(P, steps, True)
        if k == max_iter:
            break
        H = model.hessian(P, X, Y)                                   # H_k = d^2 J / dtheta^2
        try:
            delta = np.linalg.solve(H, -g)                           # H_k delta_k = -g_k
        except np.linalg.LinAlgError:
            raise ValueError(f"the Hessian is singular at iteration {k}; expected a positive definite "
                             f"one (try lam > 0, or a start where not every logit saturates)") from None
        theta = theta + delta                                        # theta_{k+1} = theta_k + delta_k
        step = float(np.abs(delta).max())
    return NewtonRun(P, steps, False)
