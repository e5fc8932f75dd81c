"""What a ``Training`` shows: its tables, figures, files, terminal text, VERDICT and HTML (Jupyter).

    table(t)        one row per (dtype, backend): the last step's loss, the training loss and the training
                    and held-out accuracies at the end, the first step's time (JAX compiles there)
                    and the others' mean time
    pair_table(t)   one row per (dtype, pair): max |theta_a - theta_b| at the last step, the largest over the
                    steps, the bound at the last step, and the last difference in units of the dtype's eps
    figures(t)      {"train_curves": Figure, "train_differences": Figure} (matplotlib, Agg)
    files(t)        train.md, train.csv (the curves), train_pairs.csv (the differences), and both PNGs
    render(t)       the terminal text, ending on the VERDICT line
    html(t)         the tables as HTML and the figures inline (base64 PNG): ``Training._repr_html_``
"""

import io

import numpy as np
import pandas as pd

from comparisons.train.run import C, PAIRS
from comparisons.train.steps import BACKENDS

STYLE = {"manual": dict(linewidth=3.5, alpha=0.45, color="C0"),     # drawn over each other: each seen under the next
         "torch": dict(linewidth=1.8, linestyle="--", color="C1"), "jax": dict(linewidth=1.0, linestyle=":", color="k")}


def table(t):
    """The final figures per dtype and backend (a DataFrame)."""
    rows = []
    for (dtype, backend), rows_of in t.curves.groupby(["dtype", "backend"], sort=False):
        stepped = rows_of[rows_of["step"] > 0]
        seen = rows_of.dropna(subset=["train_loss"])
        end = seen.iloc[-1] if len(seen) else rows_of.iloc[-1]
        first, rest = t.step_seconds.get((dtype, backend), (float("nan"), float("nan")))
        rows.append(dict(dtype=dtype, backend=backend, steps=int(stepped["step"].max()) if len(stepped) else 0,
                         last_loss=stepped["loss"].iloc[-1] if len(stepped) else np.nan,
                         train_loss=end["train_loss"], train_accuracy=end["train_accuracy"],
                         held_out_accuracy=end["held_out_accuracy"],
                         first_step_ms=1e3 * first,
                         ms_per_step=1e3 * rest / (len(stepped) - 1) if len(stepped) > 1 else np.nan))
    return pd.DataFrame(rows)


def pair_table(t):
    """The largest parameter difference per dtype and pair, at the last step and over all, with its bound."""
    rows = []
    for (dtype, pair), rows_of in t.pairs.groupby(["dtype", "pair"], sort=False):
        last = rows_of.iloc[-1]
        eps = float(np.finfo(np.dtype(dtype)).eps)
        rows.append(dict(dtype=dtype, pair=pair, step=int(last["step"]), last_difference=last["max_abs_difference"],
                         largest_difference=rows_of["max_abs_difference"].max(), bound=last["bound"],
                         last_in_eps=last["max_abs_difference"] / eps))
    return pd.DataFrame(rows)


def figures(t):
    """{"train_curves": loss and accuracy of the three over the steps, per dtype; "train_differences":
    each pair's largest parameter difference over the steps, log axis, with the bound, per dtype}."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dtypes = t.dtypes
    fig, axes = plt.subplots(2, len(dtypes), squeeze=False, figsize=(6.2 * len(dtypes), 7.4))
    for j, dtype in enumerate(dtypes):
        here = t.curves[t.curves["dtype"] == dtype]
        for backend in BACKENDS:
            rows = here[(here["backend"] == backend) & (here["step"] > 0)]
            axes[0][j].plot(rows["step"], rows["loss"], label=backend, **STYLE[backend])
            seen = here[here["backend"] == backend].dropna(subset=["train_loss"])
            axes[1][j].plot(seen["step"], seen["train_accuracy"], label=f"{backend} training", **STYLE[backend])
            if seen["held_out_accuracy"].notna().any():
                axes[1][j].plot(seen["step"], seen["held_out_accuracy"], marker="o", markersize=4,
                                label=f"{backend} held out", **STYLE[backend])
        axes[0][j].set(yscale="log", xlabel="step", ylabel="loss J on the step's batch", title=f"loss, {dtype}")
        axes[1][j].set(xlabel="step", ylabel="accuracy", title=f"accuracy, {dtype} (held out: with dots)")
        for ax in axes[:, j]:
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=7)
    fig.suptitle(f"{t.model}: gradient descent, alpha = {t.settings['alpha']:g}, "
                 f"{batch_said(t)} (the three lines lie on each other where they agree)", fontsize=10)
    fig.tight_layout()
    curves = fig

    fig, axes = plt.subplots(1, len(dtypes), squeeze=False, figsize=(6.2 * len(dtypes), 4.2))
    for j, dtype in enumerate(dtypes):
        ax, here = axes[0][j], t.pairs[(t.pairs["dtype"] == dtype) & (t.pairs["step"] > 0)]
        for pair, marker in zip((f"{a}-{b}" for a, b in PAIRS), ("o", "s", "^")):
            rows = here[here["pair"] == pair]
            shown = rows["max_abs_difference"].where(rows["max_abs_difference"] > 0)   # 0: no point on a log axis
            ax.plot(rows["step"], shown, marker=marker, markersize=2, linewidth=1, label=pair)
        rows = here[here["pair"] == f"{PAIRS[0][0]}-{PAIRS[0][1]}"]
        ax.plot(rows["step"], rows["bound"], color="grey", linestyle="--", label=f"bound ({C:g} eps per step)")
        ax.axhline(np.finfo(np.dtype(dtype)).eps, color="grey", linestyle=":", label="eps")
        ax.set(yscale="log", xlabel="step", ylabel="max |theta_a - theta_b|", title=f"parameter difference, {dtype}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return {"train_curves": curves, "train_differences": fig}


def pngs(t):
    """{name: PNG bytes} of ``figures`` at 100 dpi (the figures closed)."""
    import matplotlib.pyplot as plt

    out = {}
    for name, fig in figures(t).items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        plt.close(fig)
        out[name] = buffer.getvalue()
    return out


def batch_said(t):
    batch = t.settings["batch"]
    return f"full batch of {t.n_train:,}" if batch is None or batch == t.n_train else f"mini-batches of {batch:,}"


def setting_lines(t):
    """What ran: the model, the data and its split, the settings."""
    s = t.settings
    return [f"train {t.model}: {s['steps']:,} steps of gradient descent, alpha = {s['alpha']:g}, {batch_said(t)}, "
            f"seed {s['seed']}; from {t.data}",
            f"split: {t.n_train:,} training and {t.n_held:,} held-out examples (--held-out {s['held_out']:g}); "
            f"accuracy every {s['every']:,} steps"
            + ("" if s["kind"] else "; this model has no accuracy (its targets are not labels)")]


def bound_note():
    return (f"bound: {C:g} eps per step, times max(1, max |theta|): each backend rounds the update theta - alpha g "
            f"(eps |theta|) and the gradient's sums (about sqrt(m) eps |g|, times alpha), and a stable step does not "
            f"amplify an earlier difference, so they add at most linearly (comparisons/train/run.py says why)")


def verdict(t):
    """The VERDICT line."""
    steps = t.settings["steps"]
    problems = []
    for dtype, (step, which) in t.diverged.items():
        problems.append(f"the loss became non-finite at step {step:,} in {dtype} ({', '.join(which)}): alpha "
                        f"{t.settings['alpha']:g} is too large; try a smaller --alpha")
    parted = {}
    for dtype, pair, step, diff, bound in t.parted():
        if not (dtype in t.diverged and step == t.diverged[dtype][0]):    # the NaN of that step: said above
            parted.setdefault(dtype, []).append(f"{pair} at step {step:,} ({diff:.3g} > {bound:.3g})")
    problems += [f"in {dtype} the backends parted beyond the bound: {', '.join(said)}"
                 for dtype, said in parted.items()]
    held = {}
    for dtype, backend, first, last in t.not_falling():
        held.setdefault((dtype, f"{first:.4g} -> {last:.4g}"), []).append(backend)
    problems += [f"the training loss did not fall in {dtype} ({', '.join(which)}: {how})"
                 for (dtype, how), which in held.items()]
    if problems:
        return "VERDICT: FAIL: " + "; ".join(problems)
    pairs = pair_table(t)
    share = float((pairs["largest_difference"] / pairs["bound"].where(pairs["bound"] > 0)).max())
    ends = table(t).drop_duplicates("dtype")
    start = t.evaluated().groupby("dtype", sort=False)["train_loss"].first()
    falls = ", ".join(f"{d} {start[d]:.4g} -> {e:.4g}" for d, e in zip(ends["dtype"], ends["train_loss"]))
    return (f"VERDICT: manual, torch and jax train together: in {' and '.join(t.dtypes)} every pair's parameter "
            f"difference stays within its bound at each of the {steps:,} steps (at most {share:.2g} of it), "
            f"and the training loss falls ({falls})")


def render(t, out=None):
    """The terminal text: what ran, the two tables (fitted to the terminal), the notes, the VERDICT."""
    from comparisons.bench.machine import cpu_name
    from comparisons.terminal import fit_table, wrap_notes

    where = f"; every column in {out}/train.md" if out else ""
    spent = ", ".join(f"{b} {sum(sum(v) for (d, bb), v in t.step_seconds.items() if bb == b):.2f} s" for b in BACKENDS)
    parts = [wrap_notes("\n".join(setting_lines(t))),
             fit_table(table(t), keys=["dtype", "backend", "last_loss", "train_accuracy", "held_out_accuracy"],
                       floatfmt={"last_loss": ".6g", "train_loss": ".6g", "train_accuracy": ".4f",
                                 "held_out_accuracy": ".4f", "first_step_ms": ".1f", "ms_per_step": ".2f"},
                       note=where.lstrip("; ")),
             fit_table(pair_table(t), keys=["dtype", "pair", "last_difference", "bound"],
                       floatfmt={"last_in_eps": ".3g"}, note=where.lstrip("; ")),
             wrap_notes(f"{bound_note()}\nwall time {t.seconds:.1f} s on {cpu_name()} (the steps: {spent})"),
             wrap_notes(verdict(t))]
    return "\n\n".join(parts)


def markdown(t):
    """train.md: what ran, the tables, the figures (by their PNG file names), the bound, the verdict."""
    def md(frame):
        return frame.to_markdown(index=False, floatfmt=".6g")

    lines = [f"# Training {t.model}: manual, PyTorch and JAX side by side", "", *[f"- {s}" for s in setting_lines(t)],
             f"- wall time {t.seconds:.1f} s", "", "## Final figures", "", md(table(t)), "",
             "## Largest parameter difference per pair", "", md(pair_table(t)), "", bound_note() + ".", "",
             "![loss and accuracy](train_curves.png)", "", "![parameter differences](train_differences.png)", "",
             "The curves per step are in train.csv (loss on the step's batch; training loss and accuracies every "
             f"{t.settings['every']:,} steps, by the manual forward pass at each backend's parameters), the "
             "differences per step in train_pairs.csv.", "", verdict(t), ""]
    return "\n".join(lines)


def files(t):
    """{file name: text or PNG bytes} for ``comparisons.writing.write_files``."""
    images = pngs(t)
    return {"train.md": markdown(t), "train.csv": t.curves.to_csv(index=False),
            "train_pairs.csv": t.pairs.to_csv(index=False), **{f"{k}.png": v for k, v in images.items()}}


def html(t):
    """The tables as HTML and the figures inline as base64 PNG, for Jupyter (``Training._repr_html_``), in
    the HTML report's own pieces (``comparisons.html.page``)."""
    from comparisons.html import page

    said = "".join(f"<li>{page.esc(s)}</li>" for s in setting_lines(t))
    return page.fragment(
        f"<h3>Training {page.esc(t.model)}</h3><ul>{said}</ul>"
        + page.table(table(t), floatfmt=".6g") + page.table(pair_table(t), floatfmt=".3g")
        + f"<p>{page.esc(bound_note())}</p>" + "".join(page.figure(name, png) for name, png in pngs(t).items())
        + page.verdict_box(verdict(t), t.ok))
