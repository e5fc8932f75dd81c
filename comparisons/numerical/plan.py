"""How much of a model the witness measures: every element, or a sample plus random directions.

Every element costs two loss evaluations (and two forward passes to watch the kinks), and one
evaluation costs about 100 microseconds of Python plus n m multiply-adds (n parameters, m
examples). ``plan_for`` measures every element when that estimate fits the time budget, and
otherwise a seeded sample of each parameter array, always with a few random directions over all
parameters and the per-example intermediates of a few examples.
"""

from dataclasses import dataclass

SECONDS_PER_CALL = 1e-4       # Python and validation overhead of one loss or forward call
MULTIPLY_ADDS_PER_SECOND = 1.4e10


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
