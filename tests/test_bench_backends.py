"""Bench backends and subjects: every backend does the same work on the same numbers; a failing or
unavailable backend is a row with its status and reason, in the bench's tables and the report's speed rows."""

import io
import math

import numpy as np
import pandas as pd
import pytest

from comparisons import bench, catalogue
from comparisons.bench import backends as bk
from comparisons.bench import Subject, has_width, speed_rows, speed_view, time_backends
from tests.batches import seed_batch

NO_GPU = {"torch": None, "jax": None}
CPU_EAGER = ["manual NumPy", "manual NumPy fast", "PyTorch eager", "jax.jit"]


def run(step):
    """One step, compiled first when it has to be, and waited for."""
    wait = step.wait or (lambda result: result)
    if step.compile:
        wait(step.compile())
    return wait(step.step())


def dW1_of(backend, result):
    """dJ/dW1 from each backend's own return value."""
    if backend.startswith("manual"):
        return result["dW1"]
    if backend.startswith("jax"):
        return np.asarray(result[1]["W1"])
    return result[0].detach().numpy()                 # torch: grads in the order of params: W1 first


@pytest.fixture
def batch(seed_net):
    X, Y = seed_batch(37, 11, np.float64)
    return Subject(seed_net), seed_net.init_params(11, np.float64), X, Y


@pytest.mark.parametrize("backend", CPU_EAGER)
def test_forward_steps_compute_the_same_loss(batch, backend):
    subject, params, X, Y = batch
    expected = subject.source("manual").loss(params, X, Y)
    assert math.isclose(float(run(bk.make_step(backend, subject, params, X, Y, "forward"))), expected, rel_tol=1e-12)


@pytest.mark.parametrize("backend", CPU_EAGER)
def test_gradient_steps_compute_the_same_gradient(batch, backend):
    subject, params, X, Y = batch
    manual = subject.source("manual")
    expected = manual.backward(params, manual.forward(params, X)[1], X, Y)["dW1"]
    got = dW1_of(backend, run(bk.make_step(backend, subject, params, X, Y, "gradient")))
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-14)


def test_fast_manual_step_runs_on_the_bench_threads(batch, monkeypatch):
    from manual import seed_net_fast

    seen, real = [], seed_net_fast.gradient

    def spy(params, X, Y, block=None, threads=1):
        seen.append(threads)
        return real(params, X, Y, block, threads)

    monkeypatch.setattr(seed_net_fast, "gradient", spy)
    subject, params, X, Y = batch
    run(bk.make_step("manual NumPy fast", subject, params, X, Y, "gradient", threads=3))
    assert seen == [3]


@pytest.mark.slow
def test_torch_compile_gradient_matches_eager(batch):
    """Compiles once (Inductor, a few seconds): the compiled gradient is autograd's gradient."""
    subject, params, X, Y = batch
    step = bk.make_step("torch.compile", subject, params, X, Y, "gradient")
    assert step.compile is not None
    eager = run(bk.make_step("PyTorch eager", subject, params, X, Y, "gradient"))
    np.testing.assert_allclose(run(step)[0].detach().numpy(), eager[0].numpy(), rtol=1e-10, atol=1e-14)


def test_a_failing_backend_gets_a_row_not_a_crash(batch, monkeypatch):
    def broken(*args, **kwargs):                  # torch.compile's step fails as it is built
        raise RuntimeError("no C++ compiler found\nmore detail")

    monkeypatch.setattr(bk, "_torch", broken)
    subject, _, _, _ = batch
    rows = time_backends(subject, [16], ("float64",), kinds=("forward",), backends=["manual NumPy", "torch.compile"],
                         repeats=1, warmup=0, threads=1)
    assert [r["status"] for r in rows] == ["ok", "failed: RuntimeError: no C++ compiler found"]
    assert math.isnan(rows[1]["median_ms"]) and rows[0]["median_ms"] > 0


def test_unknown_backend_or_kind_raise(batch):
    subject, params, X, Y = batch
    with pytest.raises(ValueError, match="unknown backend 'numba'"):
        bk.make_step("numba", subject, params, X, Y, "forward")
    with pytest.raises(ValueError, match="unknown kind of step 'backward'"):
        bk.make_step("jax.jit", subject, params, X, Y, "backward")


def test_available_backends_without_a_gpu(seed_net):
    assert bk.available(Subject(seed_net), NO_GPU) == list(bk.CPU_BACKENDS)
    assert "manual NumPy fast" not in bk.available(Subject(catalogue.get("mlp_deep")), NO_GPU)


def test_gpu_rows_appear_only_where_a_gpu_is_seen(seed_net):
    both = bk.available(Subject(seed_net), {"torch": "Fake GPU", "jax": "cuda:0"})
    assert both[-3:] == list(bk.GPU_BACKENDS)
    assert bk.available(Subject(seed_net), {"torch": None, "jax": "cuda:0"})[-1] == "jax.jit (GPU)"


def test_this_machine_lists_the_gpus_it_sees():
    seen = bk.gpus()
    assert set(seen) == {"torch", "jax"}
    assert all(b not in bk.available(Subject(catalogue.get("seed_net"))) for b in bk.GPU_BACKENDS) == (
        seen == NO_GPU)


@pytest.mark.parametrize("name, width, expected", [
    ("seed_net", 37, {"W1": (37, 784), "b1": (37, 1), "W2": (10, 37), "b2": (10, 1)}),
    ("course_net", 12, {"W1": (12, 400), "b1": (12, 1), "W2": (10, 12), "b2": (10, 1)}),
    ("mlp_deep", 20, {"W1": (20, 64), "b1": (20, 1), "W2": (20, 20), "b2": (20, 1), "W3": (10, 20), "b3": (10, 1)}),
])
def test_width_changes_the_hidden_layers(name, width, expected):
    subject = Subject(catalogue.get(name), width)
    assert subject.param_shapes() == expected
    assert {k: v.shape for k, v in subject.init_params(0, np.float64).items()} == expected


def test_seed_net_at_another_width_runs_without_the_literal_module(seed_net):
    subject = Subject(seed_net, 24)
    assert subject.source("manual") is None and subject.source("fast") is not None
    assert "manual NumPy" not in bk.available(subject, NO_GPU)
    assert Subject(seed_net, 10).source("manual") is not None


@pytest.mark.parametrize("name, knob", [("seed_net", True), ("mlp_autoencoder", True),
                                        ("linear_regression", False), ("softmax_regression", False)])
def test_which_models_have_a_width(name, knob):
    assert has_width(catalogue.get(name)) is knob


@pytest.mark.parametrize("width, message", [(5, "no hidden width"), (0, "expected at least 1")])
def test_bad_widths_raise(width, message):
    name = "linear_regression" if width else "seed_net"
    with pytest.raises(ValueError, match=message):
        Subject(catalogue.get(name), width)


@pytest.mark.parametrize("name", ["linear_regression", "mlp_deep"])
def test_time_backends_runs_any_catalogue_model(name):
    rows = time_backends(Subject(catalogue.get(name)), [20], ("float64",), kinds=("gradient",),
                         backends=["manual NumPy", "PyTorch eager"], repeats=1, warmup=0, threads=1)
    assert [(r["backend"], r["status"]) for r in rows] == [("manual NumPy", "ok"), ("PyTorch eager", "ok")]
    assert rows[0]["vs_manual"] == 1.0 and rows[0]["GFLOP"] > 0


def test_report_speed_rows_come_from_the_bench(seed_net):
    rows = speed_rows(seed_net, ("float64",), m=16, repeats=1, warmup=0, threads=1, progress=False)
    assert [r["backend"] for r in rows] == CPU_EAGER
    assert {r["kind"] for r in rows} == {"gradient"} and all(r["status"] == "ok" for r in rows)
    assert {"model", "dtype", "m", "median_ms", "p25_ms", "p75_ms", "compile_s", "vs_manual", "repeats",
            "threads", "status"} <= set(rows[0])


def broken_torch_gradient(monkeypatch):
    """PyTorch eager's gradient step raises (as an out-of-memory would): the other backends still run."""
    from reference.torch_ad import autograd

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory: tried to allocate 1.00 GiB\nmore detail")

    monkeypatch.setattr(autograd, "gradient_step", broken)
    return "failed: RuntimeError: out of memory: tried to allocate 1.00 GiB"


def test_a_failing_backend_shows_its_status_in_the_report_speed_table(seed_net, monkeypatch):
    status = broken_torch_gradient(monkeypatch)
    rows = speed_rows(seed_net, ("float64",), m=16, repeats=1, warmup=0, threads=1, progress=False)
    view = speed_view(pd.DataFrame(rows))
    assert list(view["backend"]) == CPU_EAGER
    assert list(view["status"]) == ["ok", "ok", status, "ok"]
    assert view.loc[view["status"] == "ok", "median_ms"].gt(0).all()
    assert status in view.to_markdown(index=False) and status in view.to_string(index=False)


def test_a_failing_backend_shows_its_status_in_the_bench_tables(seed_net, monkeypatch):
    status = broken_torch_gradient(monkeypatch)
    result = bench.Bench("seed_net", dict(m=16, threads=1, warmup=0, repeats=1, ms=[], widths=[], width_m=16),
                         {"cpu": None}, NO_GPU, {"GPU": "none"})
    result.table = time_backends(Subject(seed_net), [16], ("float64",), kinds=("gradient",), backends=CPU_EAGER,
                                 repeats=1, warmup=0, threads=1)
    table = pd.read_csv(io.StringIO(bench.files(result)["bench.csv"]))
    assert list(table["backend"]) == CPU_EAGER and list(table["status"]) == ["ok", "ok", status, "ok"]
    for text in (bench.terminal(result), bench.files(result)["bench.md"]):
        flat = " ".join(text.split())     # the terminal wraps the status, the last column, within its cell
        assert status in flat and all(b in flat for b in CPU_EAGER)


def test_a_backend_asked_for_that_cannot_run_here_is_an_unavailable_row(monkeypatch):
    """mlp_deep has no fast manual module; without a GPU, PyTorch's CUDA backend cannot run either."""
    monkeypatch.setattr(bk, "gpus", lambda: NO_GPU)
    rows = time_backends(Subject(catalogue.get("mlp_deep")), [20], ("float64",), kinds=("gradient",),
                         backends=["manual NumPy", "manual NumPy fast", "PyTorch eager (CUDA)"], repeats=1,
                         warmup=0, threads=1)
    assert [r["status"] for r in rows] == [
        "ok", "unavailable: no fast manual module (manual/mlp_fast.py) for mlp_deep",
        "unavailable: PyTorch sees no CUDA device"]
    assert rows[0]["median_ms"] > 0 and math.isnan(rows[1]["median_ms"]) and rows[2]["device"] == "gpu"
