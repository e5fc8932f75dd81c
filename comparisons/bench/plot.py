"""Log-log figures of a sweep: time against size, one line per backend, the fitted slope in the legend.

One panel per (kind, dtype); the machine's floor for each size is the dashed grey line.
Drawn with matplotlib's Agg backend (no display needed) and returned as PNG bytes.
"""

import io


def figure(rows, slopes, axis, title):
    """PNG bytes: median time (ms) against ``axis`` ("m" or "n_h") for each backend, log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if r["status"] == "ok"]
    kinds = sorted({r["kind"] for r in ok}, key=["forward", "gradient"].index)
    dtypes = sorted({r["dtype"] for r in ok})
    slope = {(s["dtype"], s["kind"], s["backend"]): s["slope"] for s in slopes}
    fig, axes = plt.subplots(len(kinds) or 1, len(dtypes) or 1, squeeze=False,
                             figsize=(6 * max(len(dtypes), 1), 4.2 * max(len(kinds), 1)))
    for i, kind in enumerate(kinds):
        for j, dtype in enumerate(dtypes):
            ax = axes[i][j]
            here = [r for r in ok if r["kind"] == kind and r["dtype"] == dtype]
            for backend in dict.fromkeys(r["backend"] for r in here):
                pts = sorted((r[axis], r["median_ms"]) for r in here if r["backend"] == backend)
                ax.plot(*zip(*pts), marker="o", label=f"{backend} (slope {slope.get((dtype, kind, backend), float('nan')):.2f})")
            floor = sorted({(r[axis], r["floor_ms"]) for r in here if r["floor_ms"] == r["floor_ms"]})
            if floor:
                ax.plot(*zip(*floor), linestyle="--", color="grey", label="machine floor")
            ax.set(xscale="log", yscale="log", xlabel="batch size m" if axis == "m" else "hidden width n_h",
                   ylabel="median time per step (ms)", title=f"{kind}, {dtype}")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()
