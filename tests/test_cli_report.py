"""``handgrad report`` end to end: tables on screen and on disk, exit status 0 / 1 / 2."""

import subprocess
import sys

import pandas as pd
import pytest

from comparisons.cli import main
from manual import seed_net


@pytest.mark.slow
def test_report_agrees_and_writes_its_tables(tmp_path, capsys):
    out = tmp_path / "reports"
    status = main(["report", "--model", "seed_net", "--speed-m", "64", "--repeats", "1", "--out", str(out)])
    text = capsys.readouterr().out
    assert status == 0
    assert "VERDICT: every derivation agrees." in text
    assert text.index("Agreement, float64") < text.index("Agreement, float32")   # one table per dtype
    assert sorted(p.name for p in out.iterdir()) == [".handgrad-files.json",
        "agreement.csv", "agreement.md", "seed_net-numerical-witness.csv", "seed_net-numerical-witness.md",
        "seed_net-step-sweep-float64.png", "speed.csv", "speed.md"]
    agreement = pd.read_csv(out / "agreement.csv")
    assert set(agreement["pair"]) == {"manual vs torch", "manual vs jax", "torch vs jax", "manual vs numerical",
                                      "torch vs numerical", "jax vs numerical"}
    assert set(agreement["dtype"]) == {"float64", "float32"}
    assert set(agreement["quantity"]) == {"J", "dW1", "db1", "dW2", "db2", "dZ2", "dA1", "dZ1"}
    scaling = agreement.groupby("quantity")["scaling"].unique().map(list).to_dict()   # named per quantity
    assert scaling["dZ2"] == scaling["dA1"] == scaling["dZ1"] == ["m · dJ/dZ"] and scaling["dW2"] == ["dJ/dθ"]
    speed = pd.read_csv(out / "speed.csv")
    assert set(speed["backend"]) == {"manual NumPy", "manual NumPy fast", "PyTorch eager", "jax.jit"}
    assert (speed["median_ms"] > 0).all() and speed.loc[speed["backend"] == "jax.jit", "compile_s"].gt(0).all()
    assert "scikit-learn" in (out / "agreement.md").read_text()
    assert (speed["status"] == "ok").all()
    machine = (out / "speed.md").read_text()
    assert f"threads (PyTorch intra-op, torch.set_num_threads): {speed['threads'].iloc[0]}" in machine


@pytest.mark.slow
def test_a_wrong_derivation_exits_1(tmp_path, monkeypatch, capsys):
    right = seed_net.backward

    def wrong(params, cache, X, Y):
        grads = right(params, cache, X, Y)
        return {**grads, "dW2": -grads["dW2"]}

    monkeypatch.setattr(seed_net, "backward", wrong)
    status = main(["report", "--model", "seed_net", "--no-speed", "--dtype", "float64", "--out", str(tmp_path)])
    text = capsys.readouterr().out
    assert status == 1
    # dW2 against torch, jax and the numerical witness, and the witness's own section
    assert "VERDICT: 4 comparison(s) disagree" in text and "dW2 (manual vs torch: DISAGREE)" in text
    assert "dW2 (manual vs numerical: DISAGREE)" in text and "First wrong line in backward order: dW2" in text


@pytest.mark.parametrize("args, message", [
    (["report", "--model", "nope"], "invalid choice: 'nope'"),
    (["report", "--repeats", "0"], "0 must be at least 1"),
    (["report", "--dtype", "float16"], "invalid choice: 'float16'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_bad_usage_is_one_line_and_exit_2(args, message, handgrad):
    status, out, err = handgrad(*args)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_a_real_process_gets_one_line_and_exit_2():
    done = subprocess.run([sys.executable, "-m", "comparisons.cli", "report", "--repeats", "0"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "0 must be at least 1" in done.stderr and "Traceback" not in done.stderr


def test_out_that_is_a_file_exits_2_and_writes_nothing(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("keep me")
    status = main(["report", "--no-speed", "--dtype", "float64", "--out", str(target)])
    assert status == 2
    assert "is a file; expected a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me" and list(tmp_path.iterdir()) == [target]


def test_models_lists_the_catalogue(capsys):
    assert main(["models"]) == 0
    text = capsys.readouterr().out
    assert "seed_net" in text and str(10 * 784 + 10 + 10 * 10 + 10) in text


def test_models_fits_the_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 80 and any("b4 1x1" in line for line in lines)   # dlai_deep's, wrapped


def test_a_reader_that_leaves_early_is_no_internal_error(capsys, monkeypatch):
    """``handgrad models | head -1``: the pipe closes while handgrad still writes; that is the reader's
    choice, not a bug of ours: exit 141 (128 + SIGPIPE) and no internal-error message or log."""
    from comparisons import commands

    def closed_pipe(args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(commands, "models", closed_pipe)
    assert main(["models"]) == 141
    assert "internal error" not in capsys.readouterr().err
