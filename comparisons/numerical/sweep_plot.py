"""The step sweep as a PNG (matplotlib, Agg backend): the V of central differences and the chosen steps."""

import io

import numpy as np


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
    fig.tight_layout()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()
