"""The numerical witness: J and its gradient from the loss alone, in float64, with no autograd.

``witness(model, params, X, Y)`` casts parameters and data to float64 (whatever dtype the model
under test runs in), sweeps the step, then measures every parameter element (or a seeded sample,
see ``plan``) by complex step where the loss is smooth and runs on complex numbers, else by
central differences with kink-crossed stencils left out and counted; it witnesses the per-example
dZ_l of a few examples through the biases (``intermediates``) and takes a few random directions.
Its ``Result`` (source "numerical") goes to ``compare`` like any other source.

The witness makes thousands of small evaluations one after another, so it runs them with one BLAS
thread (threadpoolctl): a second thread gains little on products this small and, when the cores
are busy, a contended thread pool slows every call many times over.
"""

import time
from dataclasses import dataclass

import numpy as np

from comparisons.numerical.central import central_partials
from comparisons.numerical.complex_step import complex_loss, complex_partials, why_not_complex
from comparisons.numerical.contract import as_float64, intermediates_of, kinks_of, manual_of, name_of
from comparisons.numerical.directions import directional_estimates, random_directions
from comparisons.numerical.intermediates import bias_of, per_example
from comparisons.numerical.kinks import sign_pattern
from comparisons.numerical.plan import Plan, plan_for
from comparisons.numerical.step_sweep import sweep
from comparisons.agreement import Result
from comparisons.agreement import method_rtol

SOURCE = "numerical"
CENTRAL, COMPLEX = "central differences", "complex step"


@dataclass(frozen=True)
class Witness:
    """What the witness measured. ``result``: its ``Result``; ``method``; ``notes``: sentences on the
    method's choice; ``counts``: {quantity: {"elements", "measured", "kink_crossed"}}; ``steps``:
    {parameter: step} of central differences; ``sweep``: the ``StepSweep`` and ``sweep_dtype``, the
    dtype of the witness that ran it; ``directions`` with their ``estimates`` and ``crossed`` flags;
    ``dtype`` of the model under test; ``seconds`` taken."""

    model: str
    dtype: str
    result: Result
    method: str
    notes: tuple
    plan: Plan
    kinks: tuple
    counts: dict
    steps: dict
    sweep: object
    directions: tuple
    estimates: np.ndarray
    crossed: np.ndarray
    seconds: float
    sweep_dtype: str = ""

    def kink_crossed(self):
        """Kink-crossed elements over all quantities."""
        return sum(c["kink_crossed"] for c in self.counts.values())


def witness(model, params, X, Y, plan=None, budget_s=10.0, progress=False, like=None):
    """Measure J and dJ/dtheta numerically (and the reachable dZ_l per example); returns a ``Witness``.

    ``model``: a catalogue ``Model`` or a module/object with the manual contract. ``plan``: a
    ``Plan``; by default every element when the estimate fits ``budget_s`` seconds. ``like``: a
    ``Witness`` of the same model and data in another dtype, whose step sweep (and verdict on the
    complex step) this one takes over: the parameters differ by float32 rounding, the loss is the same.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return measure(model, params, X, Y, plan, budget_s, progress, like)


def measure(model, params, X, Y, plan, budget_s, progress, like):
    """``witness``'s work, under its thread limit."""
    t0 = time.perf_counter()
    module = manual_of(model)
    module.check_inputs(params, X, Y)
    dtype = np.dtype(next(iter(params.values())).dtype).name
    P, X, Y = as_float64(params, X, Y)
    kinks, note = kinks_of(module)
    notes = [note] if note else []
    shapes = {k: a.shape for k, a in P.items()}
    plan = plan or plan_for(sum(a.size for a in P.values()), X.shape[1], budget_s, kinks=bool(kinks))
    rng = np.random.default_rng(plan.seed)

    def f(p):
        return module.loss(p, X, Y)

    pattern = sign_pattern(module, X, kinks)
    complex_f = None if kinks else usable_complex(module, P, X, Y, notes)
    swept = sample(shapes, plan.sweep_per_array, rng)
    if like is None:
        reference = complex_partials(complex_f, P, swept) if complex_f else None
        steps_sweep, sweep_dtype = sweep(f, P, swept, reference=reference, pattern=pattern), dtype
        if complex_f and not complex_agrees(steps_sweep, notes):
            complex_f = None
    else:
        steps_sweep, sweep_dtype = like.sweep, like.sweep_dtype
        complex_f = complex_f if like.method == COMPLEX else None
        notes.append(f"steps and method as found by the {sweep_dtype} witness's sweep")
    steps = steps_sweep.chosen
    method = COMPLEX if complex_f else CENTRAL
    if kinks:
        notes.append(f"kinks in {', '.join(kinks)}: central differences; a stencil that changes the sign "
                     "pattern of those arrays is kink-crossed, counted and left out")

    grads, masks, counts = {}, {}, {}
    chosen = {k: (range(int(np.prod(s))) if plan.full else sample_indices(s, plan.per_array, rng))
              for k, s in shapes.items()}
    for name, indices in chosen.items():
        elements = [(name, int(i)) for i in indices]
        if complex_f:
            values, crossed = complex_partials(complex_f, P, elements, progress=progress), np.zeros(len(elements), bool)
        else:
            values, crossed = central_partials(f, P, elements, steps[name], pattern, progress=progress)
        full, mask = np.full(shapes[name], np.nan), np.zeros(shapes[name], bool)
        idx = np.unravel_index(np.asarray(list(indices), dtype=int), shapes[name])
        full[idx], mask[idx] = np.where(crossed, np.nan, values), ~crossed
        grads["d" + name], masks["d" + name] = full, mask
        counts["d" + name] = dict(elements=full.size, measured=int(mask.sum()), kink_crossed=int(crossed.sum()))

    names = [q for q in intermediates_of(module) if bias_of(q, shapes)]
    m = X.shape[1]
    columns = range(m) if plan.columns is None else sorted(rng.choice(m, min(m, plan.columns), replace=False))
    for q, (values, mask, crossed) in per_example(module, P, X, Y, names, columns, steps, kinks,
                                                  complex_ok=complex_f is not None).items():
        grads[q], masks[q] = values, mask
        counts[q] = dict(elements=values.size, measured=int(mask.sum()), kink_crossed=int(crossed.sum()))

    directions = random_directions(P, plan.directions, rng)
    estimates, dir_crossed = directional_estimates(f, P, directions, float(np.median(list(steps.values()))), pattern, complex_f)
    result = Result(SOURCE, f(P), grads, tuple(names), masks, tuple(grads), method_rtol(method))
    return Witness(name_of(model), dtype, result, method, tuple(notes), plan, kinks, counts, steps, steps_sweep,
                   tuple(directions), estimates, dir_crossed, time.perf_counter() - t0, sweep_dtype)


def numerical_result(model, params, X, Y, **options):
    """The witness's ``Result`` alone (source "numerical"); ``options`` as for ``witness``."""
    return witness(model, params, X, Y, **options).result


def usable_complex(module, P, X, Y, notes):
    """The complex loss of a smooth model when it runs on complex numbers; else None, with a note."""
    f = complex_loss(module, X, Y)
    reason = why_not_complex(f, P)
    if reason:
        notes.append(f"smooth, but {reason}: central differences instead of the complex step "
                     "(to enable it, return manual.validate.loss_value(J) instead of float(J))")
        return None
    return f


def complex_agrees(s, notes):
    """Whether the complex step matches central differences at the swept elements and chosen steps.

    They must agree to the central differences' own accuracy; if not, the loss is not analytic in
    its parameters (an abs, a norm, a comparison) and the complex step cannot be trusted.
    """
    at_chosen = np.array([s.estimates[i, list(s.steps).index(s.chosen[n])] for i, n in enumerate(s.names)])
    scale = np.max(np.abs(s.reference))
    gap = float(np.max(np.abs(at_chosen - s.reference)) / scale) if scale > 0 else 0.0
    if gap > method_rtol(CENTRAL):
        notes.append(f"the complex step disagrees with central differences by {gap:.1e} (relative): the "
                     "loss is not analytic in its parameters, so central differences are used")
        return False
    notes.append(f"smooth: complex step, h = 1e-20; it matches central differences to {gap:.1e} at the "
                 "swept elements")
    return True


def sample_indices(shape, k, rng):
    """k flat indices of an array of ``shape``, sorted, without replacement (all when k >= size)."""
    size = int(np.prod(shape))
    return range(size) if k >= size else sorted(int(i) for i in rng.choice(size, k, replace=False))


def sample(shapes, k, rng):
    """(name, flat index) pairs: k elements of each parameter array (for the step sweep)."""
    return [(name, i) for name, s in shapes.items() for i in sample_indices(s, k, rng)]
