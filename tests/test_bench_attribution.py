"""Where a gradient step goes (comparisons/bench/attribution.py), the fast form's calibration, and the
fastest hand-derived form's line: parts named and non-negative, overhead the remainder; no time asserted."""

import math

import numpy as np
import pandas as pd
import pytest

from comparisons.bench import Bench, Subject, attribution, floor, tables
from comparisons.bench.backends import COMPILED
from manual import seed_net_fast
from tests.batches import seed_batch

NAMES = [*attribution.PARTS, attribution.OVERHEAD]


@pytest.fixture
def arrays(seed_net):
    X, Y = seed_batch(64, 2, np.float64)
    return attribution.step_arrays(seed_net.init_params(2, np.float64), X, Y)


def test_step_arrays_hold_what_the_parts_read(arrays):
    for part, names in attribution.USES.items():
        assert set(names) <= set(arrays), part
    assert arrays["X"].shape == (784, 64) and arrays["dZ1"].shape == (10, 64) and arrays["A2"].shape == (10, 64)


@pytest.mark.parametrize("backend", ["manual NumPy", "manual NumPy fast", "PyTorch eager", "jax.jit"])
def test_every_part_named_and_non_negative_and_the_overhead_is_the_remainder(arrays, backend):
    rows = attribution.attribute(backend, arrays, step_ms=5.0, threads=1, repeats=2, warmup=1)
    assert [r["part"] for r in rows] == NAMES and {r["backend"] for r in rows} == {backend}
    parts = [r["ms"] for r in rows[:-1]]
    assert all(ms >= 0 for ms in parts)
    assert math.isclose(rows[-1]["ms"], 5.0 - sum(parts), rel_tol=1e-12)
    assert all(math.isclose(r["share"], r["ms"] / 5.0) for r in rows)


@pytest.mark.slow
def test_the_compiled_form_has_its_products_with_X_alone_and_the_rest_fused(arrays):
    rows = attribution.attribute(COMPILED, arrays, step_ms=5.0, threads=1, repeats=2, warmup=1)
    by = {r["part"]: r["ms"] for r in rows}
    assert by["products with X"] >= 0 and all(math.isnan(by[p]) for p in attribution.PARTS[1:])
    assert math.isclose(by[attribution.OVERHEAD], 5.0 - by["products with X"])


def test_overhead_is_negative_where_the_parts_alone_take_longer_than_the_step(arrays, monkeypatch):
    monkeypatch.setitem(attribution.PARTS_OF, "manual NumPy",
                        lambda arrays, threads: {p: (lambda: sum(range(20_000))) for p in attribution.PARTS})
    rows = attribution.attribute("manual NumPy", arrays, step_ms=1e-6, threads=1, repeats=1, warmup=0)
    assert rows[-1]["ms"] < 0 and math.isclose(rows[-1]["ms"], 1e-6 - sum(r["ms"] for r in rows[:-1]))


def test_rows_only_for_the_seed_networks_ok_gradient_rows(seed_net):
    table = [dict(dtype="float64", kind="gradient", backend="manual NumPy", status="ok", median_ms=3.0),
             dict(dtype="float64", kind="forward", backend="PyTorch eager", status="ok", median_ms=3.0),
             dict(dtype="float64", kind="gradient", backend="jax.jit", status="failed: RuntimeError: x",
                  median_ms=float("nan"))]
    rows = attribution.attribution_rows(Subject(seed_net), table, 32, 0, 1, repeats=1, warmup=0)
    assert {r["backend"] for r in rows} == {"manual NumPy"} and [r["part"] for r in rows] == NAMES
    assert all(r["m"] == 32 and r["step_ms"] == 3.0 for r in rows)
    from comparisons import catalogue

    assert attribution.attribution_rows(Subject(catalogue.get("mlp_deep")), table, 32, 0, 1) == []


def fake_rows():
    parts = {"products with X": 30.0, "small products": 1.0, "element-wise": 2.0, "softmax": 1.5, "reductions": 0.5}
    rows = []
    for backend, step in (("manual NumPy", 40.0), ("PyTorch eager", 30.0)):
        for part, ms in [*parts.items(), (attribution.OVERHEAD, step - sum(parts.values()))]:
            rows.append(dict(dtype="float32", m=60_000, backend=backend, part=part, ms=ms, share=ms / step,
                             step_ms=step, how="test"))
    return rows


def test_attribution_view_one_row_per_backend_with_ms_and_share():
    view = tables.attribution_view(fake_rows())
    assert list(view["backend"]) == ["manual NumPy", "PyTorch eager"]
    assert list(view.columns) == ["dtype", "backend", "step_ms", *attribution.PARTS, "overhead"]
    assert view.loc[0, "products with X"] == "30.00 (75%)" and view.loc[1, "overhead"] == "-5.00 (-17%)"


def test_bench_files_have_the_attribution_table_and_its_plot():
    bench = Bench("seed_net", dict(m=60_000, dtypes=["float32"], kinds=["gradient"], repeats=3, warmup=1, threads=2,
                                   seed=0, ms=[], widths=[], width_m=100),
                  {"cpu": floor.Rates(2e10, 1e10, {"float32": 1e11}), "gpu": None}, {"torch": None, "jax": None},
                  {"cpu": "Test CPU", "GPU": "none present"}, table=[], attribution=fake_rows())
    files = tables.files(bench)
    assert {"attribution.csv", "attribution.png"} <= set(files)
    assert files["attribution.png"][:4] == b"\x89PNG"
    csv = pd.read_csv(__import__("io").StringIO(files["attribution.csv"]))
    assert list(csv["part"][:6]) == NAMES
    assert "## Where the gradient step goes" in files["bench.md"] and "![attribution](attribution.png)" in files["bench.md"]
    text = tables.terminal(bench)
    assert "Where the gradient step goes" in text and "30.00 (75%)" in text
    assert not any(word in t for t in (files["bench.md"], text) for word in ("target", "aim <=", "<="))


def test_the_plot_stacks_every_part_for_each_backend():
    fig = tables.draw_attribution(fake_rows(), "test")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == NAMES
    assert [t.get_text() for t in ax.get_yticklabels()] == ["manual NumPy", "PyTorch eager"]


def test_fastest_line_states_measured_ratios_only():
    base = dict(kind="gradient", status="ok", dtype="float64", floor_ms=4.0)
    table = [dict(base, backend=b, median_ms=t) for b, t in
             (("manual NumPy", 50.0), ("manual NumPy fast", 30.0), (COMPILED, 8.0), ("PyTorch eager", 20.0),
              ("jax.jit", 16.0))]
    assert tables.fastest_lines(table) == [
        "- float64: fastest hand-derived form manual numba (compiled) 8.00 ms: 0.40x PyTorch eager's median, "
        "0.50x jax.jit's median, 2.00x the floor"]


@pytest.fixture
def quick_calibration(monkeypatch):
    monkeypatch.setattr(seed_net_fast, "CALIBRATION_M", 2048)
    seed_net_fast._calibrated.cache_clear()
    yield
    seed_net_fast._calibrated.cache_clear()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_calibrated_sizes_divide_the_work(quick_calibration, dtype):
    block, piece = seed_net_fast.calibrated(dtype)
    assert (block, piece) in seed_net_fast.CANDIDATES
    assert piece == 0 or block % piece == 0
    assert seed_net_fast.calibrated(dtype) == (block, piece)           # kept for the process


@pytest.mark.parametrize("block, piece", seed_net_fast.CANDIDATES)
def test_every_candidate_gives_the_default_sizes_gradients(seed_net, block, piece):
    X, Y = seed_batch(1100, 6)
    X = seed_net_fast.layout(X)
    params = seed_net.init_params(6)
    default = seed_net_fast.gradient(params, X, Y, block=512, piece=64)
    got = seed_net_fast.gradient(params, X, Y, block=block, piece=piece)
    for k in default:
        np.testing.assert_allclose(got[k], default[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_the_default_sizes_are_the_calibrated_ones(quick_calibration, seed_net, monkeypatch):
    block, _ = seed_net_fast.calibrated("float64")                    # calibrated first, then watched
    seen = []
    real = seed_net_fast.over_blocks
    monkeypatch.setattr(seed_net_fast, "over_blocks", lambda work, m, block, threads: seen.append(block) or
                        real(work, m, block, threads))
    X, Y = seed_batch(40, 1)
    seed_net_fast.gradient(seed_net.init_params(1), seed_net_fast.layout(X), Y)
    assert seen == [block]


def test_the_machine_block_names_each_backends_blas_and_kernels():
    from comparisons.bench import machine

    line = machine.blas_libraries()
    for text in ("numpy: ", " kernels", "torch: ", "torch.backends.mkl.is_available()", "ATen parallel backend",
                 "jax: XLA CPU backend of jaxlib", "numba ", "LLVM code for CPU"):
        assert text in line, text


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["forward", "gradient"])
def test_the_compiled_step_computes_the_literal_numbers_and_compiles_apart(seed_net, kind):
    from comparisons.bench import backends as bk

    X, Y = seed_batch(37, 11, np.float64)
    params = seed_net.init_params(11, np.float64)
    step = bk.make_step(COMPILED, Subject(seed_net), params, X, Y, kind, threads=2)
    assert step.compile is not None
    got = step.step()
    manual = seed_net.manual
    if kind == "forward":
        assert math.isclose(got, manual.loss(params, X, Y), rel_tol=1e-12)
    else:
        expected = manual.backward(params, manual.forward(params, X)[1], X, Y)["dW1"]
        np.testing.assert_allclose(got["dW1"], expected, rtol=1e-10, atol=1e-14)
