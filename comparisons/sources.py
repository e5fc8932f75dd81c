"""Run one model on one batch in each source and return ``Result``s in the derivation's convention."""

from comparisons.agreement import to_derivation
from comparisons.agreement import Result


def run_manual(model, params, X, Y, backward=None):
    """The hand derivation: forward, loss and backward from ``manual/``.

    ``backward`` replaces the module's own (to check someone else's derivation, or a planted one).
    """
    module = model.manual
    _, cache = module.forward(params, X)
    grads = (backward or module.backward)(params, cache, X, Y)
    return Result("manual", module.loss(params, X, Y), dict(grads), model.intermediates)


def run_autograd(model, source, params, X, Y):
    """``source`` "torch" or "jax": the framework's loss, and its autograd's gradients."""
    if source == "torch":
        from reference.torch_ad.autograd import loss_and_grads
    elif source == "jax":
        from reference.jax_ad.autograd import loss_and_grads
    else:
        raise ValueError(f"unknown autograd source {source!r}; expected 'torch' or 'jax'")
    J, raw = loss_and_grads(model.source(source), params, X, Y)
    grads = to_derivation(raw, X.shape[1], model.intermediates)
    return Result(source, J, grads, model.intermediates)


def run_all(model, params, X, Y, sources=("manual", "torch", "jax")):
    """{source: Result}. Inputs are validated by the manual module before any framework sees them.

    ``check_inputs`` checks names, shapes and dtypes; the manual forward pass, run first, scans X
    for NaN/inf (through Z1).
    """
    model.manual.check_inputs(params, X, Y)
    if "manual" not in sources:
        model.manual.forward(params, X)
    results = {s: run_manual(model, params, X, Y) for s in sources if s == "manual"}
    results.update({s: run_autograd(model, s, params, X, Y) for s in sources if s != "manual"})
    return results
