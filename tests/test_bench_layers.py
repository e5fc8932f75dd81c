"""``handgrad bench --layers``: convolution naive, im2col, PyTorch and JAX over the image side, on tiny
sides with one timed call (timings are never asserted: rows, ratios, slopes and files are)."""

import math

import numpy as np
import pandas as pd
import pytest

from comparisons.bench import layers as conv_bench
from comparisons.cli import main
from comparisons.writing import write_files

SIDES = (4, 6)
TINY = ["bench", "--layers", "--sides", "4,6", "--repeats", "1", "--warmup", "0", "--threads", "1"]


@pytest.fixture(scope="module")
def bench():
    return conv_bench.run_layer_bench(sides=SIDES, dtypes=("float64", "float32"), repeats=1, warmup=0, threads=1,
                                      progress=False)


def test_a_row_for_every_backend_side_kind_and_dtype(bench):
    rows = pd.DataFrame(bench.rows)
    expected = {(d, s, k, b) for d in ("float64", "float32") for s in SIDES for k in ("forward", "gradient")
                for b in conv_bench.BACKENDS}
    assert set(zip(rows["dtype"], rows["side"], rows["kind"], rows["backend"])) == expected and len(rows) == 32
    assert (rows["status"] == "ok").all(), rows[["backend", "status"]].to_string()
    assert (rows[["median_ms", "p25_ms", "p75_ms"]] > 0).all().all()
    assert rows[rows["backend"] == "jax.jit (vjp)"]["compile_s"].gt(0).all()          # timed apart
    assert rows[rows["backend"] != "jax.jit (vjp)"]["compile_s"].isna().all()


def test_ratios_are_to_the_naive_and_im2col_rows_of_the_same_size(bench):
    rows = pd.DataFrame(bench.rows)
    for column, base in (("vs_naive", "manual conv naive"), ("vs_im2col", "manual conv im2col")):
        assert np.allclose(rows[rows["backend"] == base][column], 1.0)
        for r in rows.itertuples():
            same = rows[(rows["backend"] == base) & (rows["dtype"] == r.dtype) & (rows["side"] == r.side)
                        & (rows["kind"] == r.kind)]
            assert math.isclose(getattr(r, column), r.median_ms / same["median_ms"].item())
    assert len(conv_bench.ratio_lines(bench)) == 4 and all("naive / manual conv im2col" in line
                                                            for line in conv_bench.ratio_lines(bench))


def test_slopes_for_every_backend_and_the_files(bench):
    assert {(s["dtype"], s["kind"], s["backend"]) for s in bench.slopes} == \
        {(d, k, b) for d in ("float64", "float32") for k in ("forward", "gradient") for b in conv_bench.BACKENDS}
    assert all(s["sweep"] == "side" and s["points"] == 2 and not math.isnan(s["slope"]) for s in bench.slopes)
    files = conv_bench.files(bench)
    assert sorted(files) == ["conv.csv", "conv.md", "conv_slopes.csv", "sweep_conv.png"]
    assert files["sweep_conv.png"][:4] == b"\x89PNG"
    assert "## Machine" in files["conv.md"] and "- cores:" in files["conv.md"]
    assert "![sweep_conv](sweep_conv.png)" in files["conv.md"]


@pytest.mark.parametrize("kind", ["forward", "gradient"])
def test_every_backend_times_the_same_step(kind):
    """Each backend's step, run once, gives the naive loops' out (forward) or (dx, dw, db) (gradient)."""
    x, w, b, dout = conv_bench.conv_arrays(5, 0, np.float64)
    results = {}
    for backend in conv_bench.BACKENDS:
        step = conv_bench.make_step(backend, x, w, b, dout, kind)
        if step.compile is not None:
            step.compile()
        got = step.step()
        results[backend] = [np.asarray(a) for a in (got if kind == "gradient" else (got,))]
    assert [a.shape for a in results["manual conv naive"]] == ([(8, 8, 5, 5)] if kind == "forward" else
                                                               [x.shape, w.shape, b.shape])
    for backend, arrays in results.items():
        for theirs, mine in zip(arrays, results["manual conv naive"], strict=True):
            np.testing.assert_allclose(theirs, mine, rtol=1e-10, atol=1e-12, err_msg=backend)


def test_a_failing_backend_is_its_rows_status(monkeypatch):
    real = conv_bench.make_step

    def broken(backend, *args):
        if backend == "torch (autograd)":
            raise RuntimeError("no torch today\nsecond line")
        return real(backend, *args)

    monkeypatch.setattr(conv_bench, "make_step", broken)
    rows = conv_bench.time_conv(sides=(4,), dtypes=("float64",), repeats=1, warmup=0)
    status = {r["backend"]: r["status"] for r in rows if r["kind"] == "forward"}
    assert status["torch (autograd)"] == "failed: RuntimeError: no torch today"
    assert all(s == "ok" for b, s in status.items() if b != "torch (autograd)")


def test_the_command_writes_its_files_beside_the_model_bench(tmp_path, capsys):
    """Its own list in the folder's manifest: a --layers run keeps the model bench's files there."""
    out = tmp_path / "bench"
    write_files(out, {"bench.md": "the model bench's\n"}, run="bench")
    assert main([*TINY, "--dtype", "float64", "--kind", "gradient", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "convolution at N = 8" in text and "Fitted log-log slopes" in text and "sweep_conv.png" in text
    assert sorted(p.name for p in out.iterdir()) == [".handgrad-files.json", "bench.md", "conv.csv", "conv.md",
                                                     "conv_slopes.csv", "sweep_conv.png"]
    table = pd.read_csv(out / "conv.csv")
    assert set(table["side"]) == {4, 6} and set(table["kind"]) == {"gradient"} and len(table) == 8


@pytest.mark.parametrize("args, message", [
    (["--backend", "jax.jit"], "--backend does not apply to --layers"),
    (["--m", "10"], "--m does not apply to --layers"),
    (["--sides", "none"], "--sides is empty"),
])
def test_options_of_the_model_bench_are_refused_with_layers(tmp_path, capsys, args, message):
    assert main([*TINY, *args, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()
