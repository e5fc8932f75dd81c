"""Run a JAX reference model and ask ``jax.grad`` for every gradient.

JAX differentiates with respect to function arguments only, so intermediates are reached by
adding a zero perturbation at each tap, Z1 -> Z1 + E_Z1 with E_Z1 = 0: then dJ/dE_Z1 = dJ/dZ1.
"""

import jax
import numpy as np

import reference.jax_ad  # noqa: F401  (64-bit mode)


def as_arrays(arrays):
    """{name: ndarray} -> {name: jax array}, dtype kept.

    ``jax.device_put``, not ``jnp.asarray``: asarray compiles a copy for every new shape and dtype
    (about 10 ms each, 2.7 s of a default report), device_put only moves the buffer.
    """
    return {k: jax.device_put(np.asarray(v)) for k, v in arrays.items()}


def tap_shapes(model, params, X, Y):
    """{name: ShapeDtypeStruct} of every tapped intermediate, found by tracing without computing."""
    shapes = {}

    def record(name, value):
        shapes[name] = jax.ShapeDtypeStruct(value.shape, value.dtype)
        return value

    jax.eval_shape(lambda p: model.loss(p, X, Y, record), params)
    return shapes


def loss_and_grads(model, params, X, Y):
    """J and dJ/d(each parameter and each tapped intermediate) of the mean loss, as NumPy arrays.

    Returns ``(J, {name: dJ/dname})`` keyed by the model's own names (``W1``, ``Z1``, ...).
    """
    P = as_arrays(params)
    data = as_arrays({"X": X, "Y": Y})
    # NumPy zeros: jnp.zeros would compile a program of its own for every tap's shape and dtype
    E = {k: np.zeros(s.shape, s.dtype) for k, s in tap_shapes(model, P, data["X"], data["Y"]).items()}
    J, (dP, dE) = jitted_value_and_grad(model)(P, E, data["X"], data["Y"])
    return float(J), {k: np.asarray(v) for k, v in {**dP, **dE}.items()}


_JITTED = {}   # id(model) -> (model, its jitted value_and_grad); the model is kept so its id stays its own


def jitted_value_and_grad(model):
    """The jitted (J, (dJ/dP, dJ/dE)) of ``model``'s loss with each tap perturbed by E, made once per model.

    One compiled program is quicker here than JAX's op-by-op dispatch (0.3 s against 0.6-1.4 s for the
    catalogue's models on 2 cores; compiled with ``reference.jax_ad.ONCE``, 0.03-0.08 s), and keeping it
    per model lets JAX reuse the compilation for every
    batch of the same shapes and dtype (verify's three batches, a test's seeds): X and Y are arguments,
    not constants baked into the program.
    """
    held = _JITTED.get(id(model))
    if held is None or held[0] is not model:
        def J_of(P, E, X, Y):
            return model.loss(P, X, Y, lambda name, value: value + E[name])

        held = _JITTED[id(model)] = (model, jax.jit(jax.value_and_grad(J_of, argnums=(0, 1)),
                                                    compiler_options=reference.jax_ad.ONCE))
    return held[1]


def gradient_step(model, params, X, Y):
    """``(step, compile)`` for timing one jitted J and dJ/dparams (forward + backward).

    ``compile()`` lowers and compiles ahead of time and must be called (and timed) first;
    ``step()`` then runs the compiled program and waits for its result.
    """
    P = as_arrays(params)
    data = as_arrays({"X": X, "Y": Y})
    value_and_grad = jax.jit(jax.value_and_grad(lambda P, X, Y: model.loss(P, X, Y)))
    compiled = {}

    def compile():
        compiled["fn"] = value_and_grad.lower(P, data["X"], data["Y"]).compile()

    def step():
        return jax.block_until_ready(compiled["fn"](P, data["X"], data["Y"]))

    return step, compile


def loss_and_hessian(model, params, X, Y):
    """J and d^2 J / d theta^2 from ``jax.hessian`` (forward over reverse), H as a (P, P) NumPy matrix.

    theta is every parameter flattened row by row (C order), parameters in ``params``' key order
    (the manual ``param_shapes`` order when params come from ``init_params``). The loss is the
    model's own, taps off. Jitted: one compile costs less than running the vmapped passes op by op.
    """
    P = as_arrays(params)
    data = as_arrays({"X": X, "Y": Y})
    both = jax.jit(lambda P, X, Y: (model.loss(P, X, Y), jax.hessian(model.loss)(P, X, Y)),
                   compiler_options=reference.jax_ad.ONCE)
    J, H = both(P, data["X"], data["Y"])
    return float(J), as_matrix({a: {b: np.asarray(h) for b, h in row.items()} for a, row in H.items()}, params)


def as_matrix(blocks, params):
    """Nested {a: {b: d^2 J / da db}} of shape a.shape + b.shape -> one (P, P) matrix in params' order."""
    size = {k: int(np.size(v)) for k, v in params.items()}
    return np.block([[blocks[a][b].reshape(size[a], size[b]) for b in params] for a in params])
