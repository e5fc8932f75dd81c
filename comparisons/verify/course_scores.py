"""The person's gradient scored as the courses score it: over the whole unrolled parameter vector, and
by a course's own recipe (``verify --recipe ng|dlai|cs231n``).

The project judges quantity by quantity (``verification.py``); the courses publish one figure for the
whole gradient. So beside the table, on the typical batch:

- whole-vector scores: the person's parameter gradients dW1, db1, ... raveled and concatenated into
  one vector a, the reference's into b, scored under every convention of
  ``comparisons.numerical.scores`` (Ng's ||b - a|| / ||b + a||, deeplearning.ai's
  ||a - b|| / (||a|| + ||b||), CS231n's max |a - b| / max(1e-8, |a| + |b|)), against each autograd
  reference; intermediates (dZ, dA) are not parameters and stay out;
- a course's recipe (``comparisons.numerical.recipes``): its fixed step, centred differences of the
  model's loss J (in the configuration the form read from the code, e.g. CS231n's 0.5 reg) over every
  element, its score and its published thresholds, against the person's parameter gradients. Its
  figure carries its step's rounding; the table's verdict, which rests on autograd, is the project's.

Both are said "not measured" where a parameter gradient is missing, of the wrong shape, or the typical
batch failed: a score over part of the vector would be a different figure from the course's.
"""

import numpy as np

from comparisons.verify.calls import UserRun

COURSES = (("ng", "Ng"), ("dlai", "deeplearning.ai"), ("cs231n", "CS231n rel_error"))


def parameter_gradients(run, params):
    """({"dW1": array, ...} of the person's parameter gradients, in the parameters' order, as float64)
    or (None, why) when one is missing, not an array of the parameter's shape, or the batch failed."""
    if not isinstance(run, UserRun):
        return None, "your code failed on the typical batch"
    grads = {}
    for name, value in params.items():
        mine = run.grads.get("d" + name)
        if mine is None:
            return None, f"d{name} not returned"
        if np.shape(mine) != np.shape(value):
            return None, f"d{name} is {np.shape(mine)}, expected {np.shape(value)}"
        grads["d" + name] = np.asarray(mine, dtype=np.float64)
    return grads, ""


def whole_vector_line(case, run, references, against):
    """One note: the person's whole parameter gradient on ``case`` against each autograd reference in
    ``against``, under the courses' scores, each with its pass or fail at its published threshold."""
    from comparisons.numerical.scores import whole_vector

    grads, why = parameter_gradients(run, case.params)
    names = ", ".join("d" + k for k in case.params)
    if grads is None:
        return f"Whole parameter vector ({names}) on the {case.name} batch: not measured ({why})."
    size = sum(g.size for g in grads.values())
    parts = []
    for ref in against:
        result = references.results.get(ref)
        if result is None or any(np.shape(result.grads.get(k)) != g.shape for k, g in grads.items()):
            continue
        s = whole_vector([(g, result.grads[k]) for k, g in grads.items()])
        scored = ", ".join(f"{label} {s[key]:.1e} ({verdict(s[key + '_pass'])})" for key, label in COURSES)
        parts.append(f"against {ref}: {scored}")
    if not parts:
        return f"Whole parameter vector ({names}) on the {case.name} batch: not measured (no autograd reference)."
    return (f"Whole parameter vector ({names} unrolled: {size:,} values) on the {case.name} batch, "
            f"scored as the courses publish it; " + "; ".join(parts) + ".")


def verdict(passed):
    return "not measured" if passed is None else "passes" if passed else "FAILS"


def recipe_lines(model, case, run, key, autograd_agrees):
    """(lines, passed or None) of the course ``key``'s own check on ``case``: its numerical gradient of
    ``model``'s loss against the person's parameter gradients; None when those are incomplete.
    ``autograd_agrees``: the table's verdict on those gradients, which says why a failing recipe fails."""
    from comparisons.numerical.recipes import RECIPES, fixed_step_note, recipe_lines as course_recipe

    grads, why = parameter_gradients(run, case.params)
    if grads is None:
        course = RECIPES[key]
        return [f"{course.course}'s own recipe ({course.source}): not measured ({why})."], None
    outcome, lines = course_recipe(model, case.params, case.X, case.Y, key, grads=grads)
    lines = [lines[0].replace("centred differences", f"centred differences of {model.name}'s loss J", 1),
             *lines[1:]]
    if not outcome.ok and autograd_agrees:
        lines.append(f"Your gradients agree with autograd where the recipe fails. {fixed_step_note(outcome)} "
                     f"The table's verdict rests on autograd.")
    return lines, outcome.ok
