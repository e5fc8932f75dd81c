"""``handgrad bench`` end to end on a tiny sweep: files written, exit 0; bad usage: one line, exit 2."""

import pandas as pd
import pytest

from comparisons.cli import main

TINY = ["bench", "--m", "48", "--sweep-m", "8,16,32", "--sweep-width", "10,12", "--width-m", "24",
        "--dtype", "float64", "--repeats", "1", "--warmup", "0", "--threads", "1",
        "--backend", "manual NumPy", "--backend", "manual NumPy fast", "--backend", "jax.jit"]


@pytest.mark.slow
def test_bench_writes_tables_and_figures(tmp_path, capsys):
    out = tmp_path / "bench"
    assert main([*TINY, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "seed_net at m = 48" in text and "Fitted log-log slopes" in text
    assert sorted(p.name for p in out.iterdir()) == [".handgrad-files.json", "attribution.csv", "attribution.png",
        "bench.csv", "bench.md", "slopes.csv", "sweep_m.csv", "sweep_m.png", "sweep_width.csv", "sweep_width.png"]
    assert set(pd.read_csv(out / "attribution.csv")["backend"]) == {"manual NumPy", "manual NumPy fast", "jax.jit"}
    assert "Where the gradient step goes" in text
    table = pd.read_csv(out / "bench.csv")
    assert list(table["backend"]) == ["manual NumPy", "manual NumPy fast", "jax.jit"] * 2
    assert (table["status"] == "ok").all() and (table["floor_ms"] > 0).all() and (table["peak_MiB"] >= 0).all()
    assert set(pd.read_csv(out / "sweep_width.csv")["n_h"]) == {10, 12}
    assert set(pd.read_csv(out / "sweep_m.csv")["m"]) == {8, 16, 32}
    assert (out / "sweep_m.png").read_bytes()[:4] == b"\x89PNG"
    md = (out / "bench.md").read_text()
    assert "## Rates measured in this run" in md and "literal manual module fixes n_h = 10" in md
    assert "- threads (PyTorch intra-op, torch.set_num_threads): 1\n" in md     # --threads 1, read inside the limits


@pytest.mark.slow
def test_bench_without_sweeps_or_memory(tmp_path, capsys):
    out = tmp_path / "b"
    args = [*TINY, "--sweep-m", "none", "--sweep-width", "none", "--no-memory", "--kind", "forward", "--out", str(out)]
    assert main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == [".handgrad-files.json", "bench.csv", "bench.md"]
    assert "peak_MiB" not in pd.read_csv(out / "bench.csv")


@pytest.mark.parametrize("args, message", [
    (["--m", "0"], "argument --m: 0 must be at least 1"),
    (["--sweep-m", "1,x"], "argument --sweep-m: 'x' is not a whole number"),
    (["--model", "nope"], "argument --model: invalid choice"),
    (["--backend", "numba"], "argument --backend: invalid choice"),
    (["--warmup", "-1"], "argument --warmup: -1 must be 0 or more"),
])
def test_bad_usage_is_one_line_and_exit_2(args, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        main(["bench", *args, "--out", str(tmp_path / "x")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_width_sweep_of_a_model_without_width_exits_2(tmp_path, capsys):
    assert main(["bench", "--model", "linear_regression", "--sweep-width", "5", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "linear_regression has no hidden width" in err and len(err.strip().splitlines()) == 1


def test_an_out_path_that_is_a_file_exits_2_before_any_work(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["bench", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and len(err.strip().splitlines()) == 1
