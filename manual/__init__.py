"""Hand-derived NumPy models: forward, loss and backward written out equation by equation.

Every module follows one contract (see README.md): ``init_params``, ``forward(params, X) ->
(output, cache)``, ``loss(params, X, Y) -> float`` and ``backward(params, cache, X, Y) -> dict``
with the gradient of every parameter and of every intermediate of the derivation. Inputs are
checked by ``@checked(check_inputs)`` (``manual/validate.py``), outside the derivation's lines.
"""
