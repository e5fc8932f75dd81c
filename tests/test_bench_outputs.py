"""Slopes of the sweeps, the figures and the tables of a bench run, from rows made by hand."""

import io
import math

import pytest

from comparisons.bench import Bench, draw_sweep, fit_slope, floor, slopes, sweep_figure, tables


@pytest.mark.parametrize("power", [0.5, 1.0, 2.0])
def test_slope_of_a_power_law(power):
    x = [1, 10, 100, 1000, 10_000, 60_000]
    slope, lo, hi = fit_slope(x, [3.0 * v**power for v in x])
    assert math.isclose(slope, power, rel_tol=1e-9) and (lo, hi) == (1000, 60_000)


def test_slope_skips_the_overhead_dominated_sizes():
    """t = 1 ms + m / 1000 ms: flat for small m, linear for large; the upper half sees the linear part."""
    x = [1, 10, 100, 1000, 10_000, 100_000]
    slope, _, _ = fit_slope(x, [1.0 + v / 1000 for v in x])
    assert 0.8 < slope < 1.0


def test_slope_with_too_few_points_is_nan():
    assert math.isnan(fit_slope([10], [1.0])[0])
    assert math.isnan(fit_slope([10, 20], [float("nan"), 1.0])[0])


def sweep_rows(axis="m"):
    rows = []
    for backend, power in (("manual NumPy", 1.0), ("jax.jit", 0.5)):
        for x in (10, 100, 1000, 10_000):
            rows.append(dict(model="seed_net", n_h=10, m=x, dtype="float64", kind="gradient", backend=backend,
                             median_ms=0.01 * x**power, floor_ms=0.001 * x, status="ok"))
    rows.append(dict(rows[0], backend="torch.compile", median_ms=float("nan"), status="failed: RuntimeError: x"))
    return rows


def test_slopes_one_row_per_backend_and_failures_left_out():
    got = {r["backend"]: r["slope"] for r in slopes(sweep_rows(), "m")}
    assert set(got) == {"manual NumPy", "jax.jit"}
    assert math.isclose(got["manual NumPy"], 1.0) and math.isclose(got["jax.jit"], 0.5)


def test_figure_draws_each_working_backend_with_its_slope_and_the_floor():
    rows = sweep_rows()
    fig = draw_sweep(rows, slopes(rows, "m"), "m", "test")
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"manual NumPy (slope 1.00)", "jax.jit (slope 0.50)", "machine floor"}   # no failed row
    assert list(lines["jax.jit (slope 0.50)"].get_xdata()) == [10, 100, 1000, 10_000]
    assert (ax.get_xscale(), ax.get_yscale(), ax.get_title()) == ("log", "log", "gradient, float64")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [*lines]


def test_figure_png_is_the_drawn_size():
    """One panel is 6 x 4.2 inches: at 100 dpi a 600 x 420 pixel PNG."""
    import matplotlib.image

    rows = sweep_rows()
    image = matplotlib.image.imread(io.BytesIO(sweep_figure(rows, slopes(rows, "m"), "m", "test")), format="png")
    assert image.shape[:2] == (420, 600) and image.std() > 0


def table_rows():
    base = dict(model="seed_net", n_h=10, m=60_000, kind="gradient", device="cpu", status="ok", p25_ms=1.0,
                p75_ms=1.0, compile_s=float("nan"), bound="compute", vs_floor=1.0, vs_manual=1.0, peak_MiB=1.0)
    times = {"manual NumPy": 50.0, "manual NumPy fast": 30.0, "PyTorch eager": 75.0, "jax.jit": 45.0}
    return [dict(base, dtype="float32", backend=b, median_ms=t, floor_ms=10.0) for b, t in times.items()]


def test_fast_lines_state_measured_ratios_only():
    (line,) = tables.fast_lines(table_rows())
    assert line == ("- float32: literal 50.00 ms -> fast 30.00 ms (1.67x faster); fast / jax.jit = 0.67; "
                    "fast / PyTorch eager = 0.40; fast / floor = 3.00")


def test_bench_files_name_the_machine_rates_and_method():
    bench = Bench("seed_net", dict(m=60_000, dtypes=["float32"], kinds=["gradient"], repeats=3, warmup=1, threads=2,
                                   seed=0, ms=[10, 100, 1000, 10_000], widths=[], width_m=100),
                  {"cpu": floor.Rates(2e10, 1e10, {"float32": 1e11}), "gpu": None}, {"torch": None, "jax": None},
                  {"cpu": "Test CPU", "GPU": "none present"}, table=table_rows(), sweep_m=sweep_rows(),
                  notes=["No width sweep: test."])
    bench.slopes = slopes(bench.sweep_m, "m")
    files = tables.files(bench)
    assert set(files) == {"bench.md", "bench.csv", "slopes.csv", "sweep_m.csv", "sweep_m.png"}
    md = files["bench.md"]
    for text in ("Test CPU", "streaming read 20.0 GB/s", "float32 100.0 GFLOP/s", "none present: all rows are CPU rows",
                 "No width sweep: test.", "![sweep_m](sweep_m.png)", "Threads: 2", "VmHWM"):
        assert text in md
    assert files["bench.csv"].splitlines()[0].startswith("model,n_h,m,kind")
    assert not any(word in text for text in (md, tables.terminal(bench)) for word in ("target", "aim <=", "<="))
