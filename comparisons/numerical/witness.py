"""The numerical witness: J and its gradient from the loss alone, in float64, with no autograd.

``witness(model, params, X, Y)`` casts parameters and data to float64 (whatever dtype the model
under test runs in), sweeps the step (``step_sweep``), then measures every parameter element, or a
seeded sample (the ``Plan``), by complex step where the loss is smooth and runs on complex numbers,
else by central differences with kink-crossed stencils left out and counted (``differences``); it
witnesses the per-example dZ_l of a few examples through the biases and takes a few random
directions. Its ``Result`` (source "numerical") goes to ``compare`` like any other source.

The model is a catalogue ``Model`` or anything with the manual contract (a module, a configured
object): ``param_shapes()``, ``check_inputs``, ``forward(params, X) -> (output, cache)``,
``loss(params, X, Y)``, ``INTERMEDIATES`` and ``KINKS`` (cache names whose entries enter a function
with a kink at 0). The witness reaches the model through the helpers below and nothing else.

The plan. Every element costs two loss evaluations (and two forward passes to watch the kinks),
and one evaluation about 100 microseconds of Python plus n m multiply-adds (n parameters, m
examples). ``plan_for`` measures every element when that estimate fits the time budget, otherwise a
seeded sample of each parameter array; always with a few random directions over all parameters
and the per-example intermediates of a few examples.

The witness makes thousands of small evaluations one after another, so it runs them with one BLAS
thread (threadpoolctl): a second thread gains little on products this small and, when the cores
are busy, a contended thread pool slows every call many times over.
"""

import time
from dataclasses import dataclass, replace

import numpy as np

from comparisons.agreement import Result, method_rtol
from comparisons.numerical.differences import (bias_of, central_partials, complex_loss, complex_partials,
                                               directional_estimates, per_example, random_directions,
                                               sign_pattern, why_not_complex)
from comparisons.numerical.step_sweep import sweep

SOURCE = "numerical"
CENTRAL, COMPLEX = "central differences", "complex step"
SECONDS_PER_CALL = 1e-4       # Python and validation overhead of one loss or forward call
MULTIPLY_ADDS_PER_SECOND = 1.4e10


# --- The model, through its contract only -------------------------------------------------------

def manual_of(model):
    """The manual module of a catalogue entry, or the model itself when it has the contract."""
    return model.manual if hasattr(model, "manual") else model


def name_of(model):
    """A name for rows: the catalogue name, else the module's or class's name."""
    return getattr(model, "name", None) or getattr(model, "__name__", type(model).__name__)


def kinks_of(module):
    """``(names, note)``: the module's KINKS, and a sentence when it declares none at all."""
    if not hasattr(module, "KINKS"):
        return (), "declares no KINKS: treated as smooth"
    return tuple(module.KINKS), ""


def intermediates_of(module):
    """The derivation's per-example intermediates (dZ2, dA1, ...), in backward order."""
    return tuple(getattr(module, "INTERMEDIATES", ()))


def as_float64(params, X, Y):
    """Copies of params, X and Y in float64: the witness computes in float64 whatever the model's dtype.

    The parameter copies are C-contiguous and writable, so the witness can perturb them in place.
    """
    P = {k: np.array(v, dtype=np.float64, order="C") for k, v in params.items()}
    return P, np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)


# --- The plan: every element, or a sample -------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """full: every element, else ``per_array`` sampled from each parameter array; ``directions``
    random directions over all parameters; ``columns`` examples whose per-example dZ are witnessed
    (None: every example); ``sweep_per_array`` elements of each array in the step sweep; ``seed``;
    ``estimate_s``: the rough time of a full per-element check (see ``estimated_seconds``)."""

    full: bool
    per_array: int = 16
    directions: int = 4
    columns: int = 8
    sweep_per_array: int = 3
    seed: int = 0
    estimate_s: float = 0.0

    def describe(self):
        if self.full:
            return f"every element (estimated {self.estimate_s:.1f} s)"
        return (f"{self.per_array} sampled elements per parameter array and {self.directions} random "
                f"directions (every element would take about {self.estimate_s:.0f} s)")


def estimated_seconds(n_params, m, calls_per_element):
    """A rough guide to a full per-element check's time; never shown as a measurement."""
    return calls_per_element * n_params * (SECONDS_PER_CALL + n_params * m / MULTIPLY_ADDS_PER_SECOND)


def plan_for(n_params, m, budget_s=10.0, full=None, kinks=True, seed=0, **sizes):
    """A ``Plan``: full when ``full`` says so, or (``full=None``) when the estimate fits ``budget_s``.

    ``sizes`` override per_array, directions, columns, sweep_per_array. By default a full plan
    witnesses the per-example dZ of 64 examples, a sampled one of 8; the sweep takes 3 elements per array.
    """
    estimate = estimated_seconds(n_params, m, 4 if kinks else 2)
    if full is None:
        full = estimate <= budget_s
    sizes = {"columns": 64 if full else 8, **sizes}
    return Plan(full=full, seed=seed, estimate_s=estimate, **sizes)


def sample_indices(shape, k, rng):
    """k flat indices of an array of ``shape``, sorted, without replacement (all when k >= size)."""
    size = int(np.prod(shape))
    return range(size) if k >= size else sorted(int(i) for i in rng.choice(size, k, replace=False))


def sample(shapes, k, rng):
    """(name, flat index) pairs: k elements of each parameter array (for the step sweep)."""
    return [(name, i) for name, s in shapes.items() for i in sample_indices(s, k, rng)]


# --- The witness --------------------------------------------------------------------------------

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
    point: str = ""       # ``digest`` of the float64 point it measured at
    reused: bool = False  # ``like``'s estimates, taken over at the same point (nothing measured again)

    def kink_crossed(self):
        """Kink-crossed elements over all quantities."""
        return sum(c["kink_crossed"] for c in self.counts.values())


def witness(model, params, X, Y, plan=None, budget_s=10.0, progress=False, like=None):
    """Measure J and dJ/dtheta numerically (and the reachable dZ_l per example); returns a ``Witness``.

    ``model``: a catalogue ``Model`` or a module/object with the manual contract. ``plan``: a
    ``Plan``; by default every element when the estimate fits ``budget_s`` seconds. ``like``: a
    ``Witness`` of the same model and data in another dtype, whose step sweep (and verdict on the
    complex step) this one takes over: the parameters differ by float32 rounding, the loss is the same.
    Where they do not differ at all (the float64 point is the float32 one, cast: ``handgrad report``
    draws it so), the float64 computation here would repeat ``like``'s to the last bit, so ``like``'s
    estimates are returned as they are, marked ``reused``.
    """
    from threadpoolctl import threadpool_limits

    from manual.validate import checked_once

    manual_of(model).check_inputs(params, X, Y)
    if not np.all(np.isfinite(X)):       # the forward's own scan of X is skipped inside checked_once()
        raise ValueError(f"X holds {int(np.size(X) - np.count_nonzero(np.isfinite(X)))} NaN or inf value(s); "
                         "expected finite numbers")
    if like is not None:
        P, X64, Y64 = as_float64(params, X, Y)
        if like.point == digest(P, X64, Y64) and planned(model, P, X64, plan, budget_s) == like.plan:
            return replace(like, dtype=np.dtype(next(iter(params.values())).dtype).name, seconds=0.0, reused=True)
    with threadpool_limits(limits=1), checked_once():     # the inputs checked here, once
        return measure_derivatives(model, params, X, Y, plan, budget_s, progress, like)


def planned(model, P, X, plan, budget_s):
    """``plan``, or (None) the plan ``plan_for`` makes for this model's parameters P and examples X."""
    return plan or plan_for(sum(a.size for a in P.values()), X.shape[1], budget_s,
                            kinks=bool(kinks_of(manual_of(model))[0]))


def digest(P, X, Y):
    """A hash of a float64 point (parameters, X, Y: names, shapes and every bit), to know it again."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    for name, a in [*sorted(P.items()), ("X", X), ("Y", Y)]:
        a = np.ascontiguousarray(a)
        h.update(f"{name}{a.shape}{a.dtype}".encode())
        h.update(a.data)
    return h.hexdigest()


def measure_derivatives(model, params, X, Y, plan, budget_s, progress, like):
    """``witness``'s work, under its thread limit: J, the planned elements of every dJ/dtheta, the
    per-example dZ_l through the biases, and dJ/dtheta . v along the random directions.

    The seeded generator is drawn from in a fixed order (swept elements, sampled elements, examples,
    directions), so a plan and a seed always measure the same elements.
    """
    t0 = time.perf_counter()
    module = manual_of(model)
    dtype = np.dtype(next(iter(params.values())).dtype).name
    P, X, Y = as_float64(params, X, Y)
    point = digest(P, X, Y)
    kinks, note = kinks_of(module)
    notes = [note] if note else []
    shapes = {k: a.shape for k, a in P.items()}
    plan = planned(model, P, X, plan, budget_s)
    rng = np.random.default_rng(plan.seed)

    def f(p):
        return module.loss(p, X, Y)

    # The method: the complex step where the loss is smooth, runs on complex numbers and matches
    # central differences at the swept elements; else central differences at the swept steps.
    pattern = sign_pattern(module, X, kinks, Y)
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

    # Parameter gradients, element by element: NaN and unmasked where not measured or kink-crossed; an
    # element that bends at its array's step is settled at shorter ones (``differences.settled``).
    settle = None if complex_f else (f(P), array_scales(steps_sweep, shapes))
    grads, masks, counts = {}, {}, {}
    chosen = {k: (range(int(np.prod(s))) if plan.full else sample_indices(s, plan.per_array, rng))
              for k, s in shapes.items()}
    for name, indices in chosen.items():
        elements = [(name, int(i)) for i in indices]
        if complex_f:
            values, crossed = complex_partials(complex_f, P, elements, progress=progress), np.zeros(len(elements), bool)
        else:
            values, crossed = central_partials(f, P, elements, steps[name], pattern, progress=progress,
                                               settle=settle)
        full, mask = np.full(shapes[name], np.nan), np.zeros(shapes[name], bool)
        idx = np.unravel_index(np.asarray(list(indices), dtype=int), shapes[name])
        full[idx], mask[idx] = np.where(crossed, np.nan, values), ~crossed
        grads["d" + name], masks["d" + name] = full, mask
        counts["d" + name] = dict(elements=full.size, measured=int(mask.sum()), kink_crossed=int(crossed.sum()))

    # Per-example intermediates that have a bias of their own, on the planned examples.
    names = [q for q in intermediates_of(module) if bias_of(q, shapes)]
    m = X.shape[1]
    columns = range(m) if plan.columns is None else sorted(rng.choice(m, min(m, plan.columns), replace=False))
    for q, (values, mask, crossed) in per_example(module, P, X, Y, names, columns, steps, kinks,
                                                  complex_ok=complex_f is not None).items():
        grads[q], masks[q] = values, mask
        counts[q] = dict(elements=values.size, measured=int(mask.sum()), kink_crossed=int(crossed.sum()))

    directions = random_directions(P, plan.directions, rng)
    estimates, dir_crossed = directional_estimates(f, P, directions, float(np.median(list(steps.values()))),
                                                   pattern, complex_f)
    result = Result(SOURCE, f(P), grads, tuple(names), masks, tuple(grads), method_rtol(method))
    return Witness(name_of(model), dtype, result, method, tuple(notes), plan, kinks, counts, steps, steps_sweep,
                   tuple(directions), estimates, dir_crossed, time.perf_counter() - t0, sweep_dtype, point)


def array_scales(s, shapes):
    """{name: the array's scale}, its largest |D| among the sweep's elements (the whole sweep's for an
    array the sweep kept none of)."""
    names = np.asarray(s.names)
    overall = float(np.max(s.scale)) if len(s.scale) else 1.0
    return {k: float(np.max(s.scale[names == k])) if np.any(names == k) else overall for k in shapes}


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
