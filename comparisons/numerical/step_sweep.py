"""The step-size sweep: the truncation/rounding trade-off of central differences, and the steps it picks.

For a central difference D(h) of J at one element, D(h) - J' ~ h^2 J'''/6 (truncation, shrinks
with h) + eps |J| / h (rounding, grows as h shrinks): on log-log axes a V. The sweep estimates the
error at each step without any derivation or autograd, from the change between neighbouring steps
half a decade apart, |D(h) - D(h / sqrt 10)|, relative to the array's scale (the largest |D| among
its swept elements, as in the verdict's max-norm relative error): large on both arms of the V,
least at its bottom. J''' differs from one parameter array to another (W2 multiplies the hidden
activations, W1 the pixels), so each array gets its own step: the one where the largest change
among its swept elements is least. A stencil that crosses a kink (see ``differences``) is left out of
the changes, as it is left out of the check: otherwise one element near a kink would drag its
array's step down to where rounding dominates. A step at which half or more of an array's swept
elements cross a kink is too long for that array (it spans the kinks of typical elements) and is
not chosen. Where the complex step runs, the true error |D(h) - J'| is kept.

``sweep_png`` draws the sweep (matplotlib, Agg backend, imported only when a plot is made): the V of
each array's worst change, the chosen steps, and the h^2 and eps/h guides.
"""

import io
from dataclasses import dataclass

import numpy as np

from comparisons.numerical.differences import central_partials

STEPS = 10.0 ** -np.arange(1.0, 9.01, 0.5)    # 1e-1, 3.2e-2, ..., 1e-9: half a decade apart
QUIET = 1e-9     # a thousandth of central differences' rtol (agreement.METHOD_RTOL): rounding far below it


@dataclass(frozen=True)
class StepSweep:
    """steps (n,); per swept element: its array's name, a label like ``W1[3, 17]``, estimates D(h)
    (elements, n), ``scale`` (its array's largest |D|) and change (elements, n - 1) relative to it,
    NaN where a stencil crossed a kink;
    per array: ``worst`` change (n - 1,) over its elements, the ``chosen`` step and the worst change
    there (``error``); ``reference`` (elements,): complex-step derivatives, or None."""

    steps: np.ndarray
    names: tuple
    labels: tuple
    estimates: np.ndarray
    scale: np.ndarray
    change: np.ndarray
    worst: dict
    chosen: dict
    error: dict
    reference: np.ndarray = None

    def true_error(self):
        """(elements, n): |D(h) - complex step| relative to the array's scale, or None without one."""
        if self.reference is None:
            return None
        return np.abs(self.estimates - self.reference[:, None]) / self.scale[:, None]


def sweep(f, params, elements, steps=STEPS, reference=None, pattern=None):
    """Central differences of ``f`` at ``elements`` ((name, flat index) pairs) for every step.

    Elements whose estimate is exactly zero at every step (a pixel blank in every example) say
    nothing about the error and are left out; an array left with none takes the step chosen from
    all the others together. ``reference``: complex-step values at ``elements``, if any;
    ``pattern``: the kinks' sign pattern (``differences.sign_pattern``), if any.
    """
    runs = [central_partials(f, params, elements, h, pattern, retry=False) for h in steps]
    estimates = np.stack([values for values, _ in runs], axis=1)
    crossed = np.stack([kinks for _, kinks in runs], axis=1)
    keep = np.any(estimates != 0, axis=1)
    if not keep.any():
        raise ValueError("every swept element has a zero difference at every step; expected a loss "
                         "that depends on its parameters")
    kept = [e for e, k in zip(elements, keep) if k]
    estimates, crossed = estimates[keep], crossed[keep]
    names = np.array([name for name, _ in kept])
    typical = np.median(np.abs(estimates), axis=1)                  # |D_e| over the steps, robustly
    scale = np.array([typical[names == n].max() for n in names])    # its array's largest
    change = np.abs(np.diff(estimates, axis=1)) / scale[:, None]
    change[crossed[:, 1:] | crossed[:, :-1]] = np.nan
    worst, chosen, error = {}, {}, {}
    for name in dict.fromkeys(n for n, _ in elements):
        rows = change[names == name]
        rows = rows if len(rows) and not np.all(np.isnan(rows)) else change
        worst[name] = np.array([largest(c, majority=True) for c in rows.T])
        if np.all(np.isinf(worst[name])):     # every step crosses for most elements: judge what is left
            worst[name] = np.array([largest(c, majority=False) for c in rows.T])
        best = edge_shortened(worst[name], int(np.argmin(worst[name])))
        chosen[name], error[name] = float(steps[best]), float(worst[name][best])
    ref = None if reference is None else np.asarray(reference)[keep]
    labels = tuple(label(params, name, i) for name, i in kept)
    return StepSweep(np.asarray(steps), tuple(names), labels, estimates, scale, change, worst, chosen, error, ref)


def edge_shortened(worst, best):
    """The index of the step to take, given the least change at ``best``. At the longest step (index 0)
    the swept elements showed no truncation arm at all: their loss is nearly linear there, which says
    nothing of the elements not swept. On one example at large logits (``--m 1``) a saturated softmax
    is linear in every W2 element but those of the class whose probability is neither 0 nor 1
    (A2 = 8e-8, its curvature exp(h A1) at h = 0.1); three swept elements miss that row, and at h = 0.1
    its elements err by 1.4e-6 of dW2's scale, above central differences' 1e-6. So from the edge the
    step is shortened while the change stays below ``QUIET`` (rounding there is still a thousandth
    of the tolerance, and every unseen truncation error shrinks as h^2)."""
    if best != 0:
        return best
    while best + 1 < len(worst) and worst[best + 1] <= QUIET:
        best += 1
    return best


def largest(changes, majority):
    """The largest change among the uncrossed (non-NaN) ones; inf when none is, or, with ``majority``,
    when not more than half of them are."""
    ok = ~np.isnan(changes)
    if not ok.any() or (majority and 2 * ok.sum() <= len(changes)):
        return np.inf
    return float(np.max(changes[ok]))


def label(params, name, i):
    """``W1[3, 17]`` for flat index i of params[name]."""
    return f"{name}[{', '.join(map(str, np.unravel_index(i, params[name].shape)))}]"


# --- The plot ----------------------------------------------------------------------------------

def sweep_png(s, title):
    """PNG bytes: per-element changes (thin), each array's worst (bold) with its chosen step (circle),
    complex-step errors where measured, and h^2 and eps/h guides through the lowest chosen point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=110)
    h = s.steps[:-1]
    colour = {name: f"C{k % 10}" for k, name in enumerate(s.worst)}
    for name, row in zip(s.names, s.change):
        ax.loglog(h, row, color=colour[name], lw=0.6, alpha=0.35)
    for name, worst in s.worst.items():
        ax.loglog(h, np.where(np.isfinite(worst), worst, np.nan), color=colour[name], lw=2,
                  label=f"{name}: largest change; chosen h = {s.chosen[name]:.1e} (≈ {s.error[name]:.1e})")
        ax.plot([s.chosen[name]], [s.error[name]], marker="o", ms=7, mfc="none", color=colour[name])
    true = s.true_error()
    if true is not None:
        with np.errstate(all="ignore"):
            ax.loglog(s.steps, np.nanmax(np.where(true > 0, true, np.nan), axis=0), color="k", lw=1.4,
                      ls="--", label="largest |D(h) - complex step| / scale")
    name = min(s.error, key=s.error.get)
    h0, e0 = s.chosen[name], s.error[name]
    ax.loglog(h, e0 * (h / h0) ** 2, color="0.3", lw=0.8, ls=":", label="∝ h²  (truncation)")
    ax.loglog(h, e0 * (h0 / h), color="0.3", lw=0.8, ls="-.", label="∝ ε/h  (rounding)")
    values = s.change[np.isfinite(s.change) & (s.change > 0)]
    ax.set_ylim(max(values.min() / 10, 1e-17), min(values.max() * 10, 1e3))
    ax.set_xlabel("step h")
    ax.set_ylabel("|D(h) - D(h/√10)| / the array's max |D|")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper center")
    ax.grid(True, which="major", alpha=0.3)
    out = io.BytesIO()
    # fixed margins that fit these labels: tight_layout draws the figure once more to measure it, which
    # was half of this function's time (11 such plots in the default report)
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.11, top=0.93)
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()
