"""Each course's own gradient check, run as the course runs it: its step, its difference formula,
its score over what it scores, and its published threshold.

Every recipe estimates each partial derivative by the same centred difference over the unrolled
parameter vector theta (u_i the i-th unit vector),

    numerical_i = (J(theta + eps u_i) - J(theta - eps u_i)) / (2 eps),

and then scores the analytic gradient a against the numerical one b its own way:

    ng       Coursera Machine Learning ex4 (computeNumericalGradient, checkNNGradients)
             eps = 1e-4; diff = norm(numgrad - grad) / norm(numgrad + grad), whole vector; < 1e-9
    dlai     deeplearning.ai course 2, "Gradient Checking" (gradient_check_n)
             epsilon = 1e-7; difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||), whole
             vector; above 2e-7 "a mistake in the backward propagation" (above 1e-7 in the 2017 notebook)
    cs231n   CS231n (eval_numerical_gradient, rel_error), h = 1e-5; per parameter array
             max |x - y| / max(1e-8, |x| + |y|); the notes' bands (< 1e-7 happy, < 1e-4 fine with
             kinks) and the two-layer-net notebook's "less than 1e-8 for each of W1, W2, b1, and b2"

A recipe's figure carries the rounding of its fixed step: it sits beside handgrad's own witness
(step chosen by a sweep, complex step where it can), never in place of it. The courses compute in
float64, and so does every recipe here, whatever dtype the derivation ran in.
"""

from dataclasses import dataclass

import numpy as np

from comparisons.numerical.scores import cs231n as rel_error, ng_ratio, norm_ratio

WHOLE, PER_ARRAY = "the whole unrolled parameter vector", "each parameter array"


@dataclass(frozen=True)
class Threshold:
    """A published bound: the figure passes when below it (at most it, where the course's test is
    ``difference > bound``: a mistake); ``with_kinks``: the bound for objectives with kinks, if any."""

    label: str
    bound: float
    inclusive: bool = False
    with_kinks: float = None

    def passes(self, figure, kinks=False):
        bound = self.with_kinks if kinks and self.with_kinks is not None else self.bound
        return bool(figure <= bound if self.inclusive else figure < bound)

    def text(self, kinks=False):
        bound = self.with_kinks if kinks and self.with_kinks is not None else self.bound
        return f"{'<=' if self.inclusive else '<'} {bound:g} ({self.label})"


@dataclass(frozen=True)
class Recipe:
    """One course's gradient check: ``score(a, b)`` of the analytic a and numerical b, over ``over``."""

    key: str
    course: str
    source: str
    epsilon: float
    score_text: str
    score: callable
    over: str
    thresholds: tuple


RECIPES = {
    "ng": Recipe("ng", "Ng, Coursera Machine Learning", "ex4: computeNumericalGradient.m, checkNNGradients.m",
                 1e-4, "norm(numgrad - grad) / norm(numgrad + grad)", ng_ratio, WHOLE,
                 (Threshold("ex4: 'less than 1e-9'", 1e-9),)),
    "dlai": Recipe("dlai", "deeplearning.ai, course 2", "Gradient Checking: gradient_check_n", 1e-7,
                   "||grad - gradapprox|| / (||grad|| + ||gradapprox||)", norm_ratio, WHOLE,
                   (Threshold("the 2017 notebook", 1e-7, inclusive=True),
                    Threshold("later notebooks", 2e-7, inclusive=True))),
    "cs231n": Recipe("cs231n", "CS231n", "gradient_check.eval_numerical_gradient, rel_error", 1e-5,
                     "max |x - y| / max(1e-8, |x| + |y|)", rel_error, PER_ARRAY,
                     (Threshold("the notes: happy; 1e-4 with kinks", 1e-7, with_kinks=1e-4),
                      Threshold("two-layer-net notebook", 1e-8))),
}


def numerical_gradient(J, theta, epsilon):
    """The courses' loop: the centred difference of ``J`` at ``theta`` (any shape) along each element,
    in float64; the element is restored after each pair of evaluations."""
    theta = np.array(theta, dtype=np.float64, order="C")    # C order: ``flat`` must be a view of it
    flat, grad = theta.reshape(-1), np.zeros(theta.size)
    for i in range(theta.size):
        old = flat[i]
        flat[i] = old + epsilon
        plus = float(J(theta))
        flat[i] = old - epsilon
        minus = float(J(theta))
        flat[i] = old
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad.reshape(theta.shape)


@dataclass(frozen=True)
class Outcome:
    """A recipe's figures ({"all": figure} over the whole vector, or {name: figure} per array), its
    figure (the worst of them), the analytic and numerical vectors, and pass/fail per threshold."""

    recipe: Recipe
    figures: dict
    analytic: np.ndarray
    numerical: np.ndarray
    kinks: bool = False

    @property
    def figure(self):
        return max(self.figures.values())

    def verdicts(self):
        """((threshold, passed), ...) in the recipe's order."""
        return tuple((t, t.passes(self.figure, self.kinks)) for t in self.recipe.thresholds)

    @property
    def ok(self):
        return all(passed for _, passed in self.verdicts())

    def lines(self):
        """What the course's own check prints, and its verdict under each published threshold."""
        r = self.recipe
        per = "" if r.over == WHOLE else " (" + ", ".join(f"{k} {v:.3e}" for k, v in self.figures.items()) + ")"
        verdicts = "; ".join(f"{'passes' if ok else 'FAILS'} {t.text(self.kinks)}" for t, ok in self.verdicts())
        return [f"{r.course}'s own recipe ({r.source}): step {r.epsilon:g}, centred differences over every "
                f"element ({self.numerical.size:,}), in float64; score {r.score_text} over {r.over}.",
                f"  figure: {self.figure:.6e}{per}: {verdicts}."]


def run(recipe, loss, params, grads, kinks=False):
    """``recipe`` (a key of ``RECIPES`` or a ``Recipe``) on ``loss(params) -> J`` at ``params`` ({name:
    array}) against the analytic ``grads`` ({"d" + name: array}); an ``Outcome``."""
    recipe = RECIPES[recipe] if isinstance(recipe, str) else recipe
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    numerical = {}
    for name, value in params.items():
        def J(x, name=name):
            return loss({**params, name: x})
        numerical[name] = numerical_gradient(J, value, recipe.epsilon)
    analytic = {k: np.asarray(grads["d" + k], dtype=np.float64) for k in params}
    a = np.concatenate([analytic[k].ravel() for k in params])
    b = np.concatenate([numerical[k].ravel() for k in params])
    if recipe.over == WHOLE:
        figures = {"all": recipe.score(a, b)}
    else:
        figures = {k: recipe.score(analytic[k].ravel(), numerical[k].ravel()) for k in params}
    return Outcome(recipe, figures, a, b, kinks)


def fixed_step_note(outcome):
    """Why a course's recipe may fail a gradient the witness (or autograd) finds right."""
    return (f"A fixed step of {outcome.recipe.epsilon:g} errs by about h^2 J''' / 6 (truncation) plus eps |J| / h "
            "(rounding), both growing with the model's scale, and may cross kinks; the course's threshold was set "
            "for its own network and step.")


def recipe_lines(model, params, X, Y, key, grads=None):
    """``handgrad check --recipe KEY``: the course's recipe on ``model``'s loss at ``params`` and the
    batch (X, Y), against the derivation's gradients (``grads``, else the model's own backward)."""
    from comparisons.numerical.checks import manual_result
    from comparisons.numerical.witness import manual_of

    module = manual_of(model)
    X64, Y64 = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    P64 = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    if grads is None:
        grads = manual_result(model, P64, X64, Y64).grads
    outcome = run(key, lambda p: module.loss(p, X64, Y64), P64, grads, kinks=bool(getattr(module, "KINKS", ())))
    return outcome, outcome.lines()
