"""The numerical witness: J and dJ/dtheta from the loss alone, in float64, with no autograd.

    witness(model, params, X, Y) -> Witness                  everything it measured; ``.result`` for ``compare``
    numerical_result(model, params, X, Y) -> Result          the ``Result`` alone, source "numerical"
    check(model, params, X, Y, backward=...) -> rows         a derivation against it, every convention's score
    localize(rows, order) -> Localisation                    the first wrong line in backward order
    blind_spots(model, params, X, Y, w, grads, target)       what k random directions/elements miss
    check_report(model, params, data, plan)                  ``handgrad check``'s text, files and verdict

Modules, one idea each:
    differences   central differences, the complex step, kinks, random directions, per-example dZ
    step_sweep    the step sweep of central differences, and its plot
    witness       the witness: the model through its contract, the plan (every element or a sample)
    scores        every gradient-checking convention's score (per quantity or over the whole unrolled
                  vector), and localisation in backward order
    recipes       each course's own gradient check (Ng, deeplearning.ai, CS231n): its step, formula, score
                  and thresholds, run beside the witness (``handgrad check --recipe``)
    directions    directional checks and the blind spots of sampled checks
    checks        a derivation's rows against the witness, and the ``handgrad check`` report
The report's witness section is ``comparisons.sections.witness_scores``. ``model`` is a catalogue
``Model`` or any object with the manual contract (see ``witness``).
"""

from comparisons.numerical.checks import (SHOWN, check, check_report, check_rows, describe, direction_rows,
                                          figure_name, rows_ok, score_table)
from comparisons.numerical.directions import blind_spots
from comparisons.numerical.scores import CONVENTIONS, Localisation, localize
from comparisons.numerical.step_sweep import sweep_png
from comparisons.numerical.witness import Plan, Witness, numerical_result, plan_for, witness

__all__ = ["CONVENTIONS", "Localisation", "Plan", "SHOWN", "Witness", "blind_spots", "check", "check_report",
           "check_rows", "describe", "direction_rows", "figure_name", "localize", "numerical_result", "plan_for",
           "rows_ok", "score_table", "sweep_png", "witness"]
