"""The numerical witness: J and dJ/dtheta from the loss alone, in float64, with no autograd.

    numerical_result(model, params, X, Y) -> Result          source "numerical", for ``compare``
    witness(model, params, X, Y) -> Witness                  the same with everything it measured
    check(model, params, X, Y, backward=...) -> rows         a derivation against it, every convention
    localize(rows, order) -> Localisation                    the first wrong line in backward order
    blind_spots(model, params, X, Y, w, grads, target)       what k random directions/elements miss

Files, one idea each: central (central differences), complex_step, step_sweep (+ sweep_plot),
kinks, plan (every element or a sample), intermediates (per-example dZ through the biases),
directions, scores (each convention and its threshold), localize, blind_spots, witness, check,
section (the report's witness section). ``model`` is a catalogue ``Model`` or any object with the
manual contract (see ``contract``).
"""

from comparisons.numerical.blind_spots import blind_spots
from comparisons.numerical.check import check, check_rows, direction_rows
from comparisons.numerical.localize import localize
from comparisons.numerical.plan import Plan, plan_for
from comparisons.numerical.witness import numerical_result, witness

__all__ = ["Plan", "blind_spots", "check", "check_rows", "direction_rows", "localize", "numerical_result",
           "plan_for", "witness"]
