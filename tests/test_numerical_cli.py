"""``handgrad check --model NAME``: the witness alone against the manual derivation; exit 0 / 1 / 2."""

import subprocess
import sys

import pandas as pd
import pytest

from comparisons.cli import main
from manual import seed_net


def test_a_correct_derivation_exits_0_and_writes_its_files(tmp_path, capsys):
    out = tmp_path / "check"
    status = main(["check", "--model", "seed_net", "--m", "16", "--sample", "8", "--out", str(out)])
    text = capsys.readouterr().out
    assert status == 0
    assert "VERDICT: the derivation agrees with the numerical witness." in text
    assert "kink-crossed" in text.lower() and "Blind spots" in text and "CS231n" in text
    assert sorted(p.name for p in out.iterdir()) == ["blind-spots.csv", "check.csv", "check.md", "directions.csv",
                                                     "seed_net-step-sweep-float64.png"]
    rows = pd.read_csv(out / "check.csv")
    assert set(rows["verdict"]) == {"agree"} and (rows["dtype"] == "float64").all()
    assert (out / "seed_net-step-sweep-float64.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_smooth_model_is_checked_by_complex_step(capsys):
    assert main(["check", "--model", "logistic_regression", "--m", "32", "--no-blind-spots"]) == 0
    assert "by complex step over every element" in capsys.readouterr().out


def test_a_wrong_derivation_exits_1_and_names_the_line(monkeypatch, capsys):
    right = seed_net.backward

    def wrong(params, cache, X, Y):
        grads = right(params, cache, X, Y)
        return {**grads, "dW2": -grads["dW2"]}

    monkeypatch.setattr(seed_net, "backward", wrong)
    status = main(["check", "--model", "seed_net", "--m", "8", "--sample", "4", "--dtype", "float32",
                   "--no-blind-spots"])
    text = capsys.readouterr().out
    assert status == 1
    assert "VERDICT: the derivation disagrees with the numerical witness: dW2" in text
    assert "First wrong line in backward order: dW2" in text


@pytest.mark.parametrize("args, message", [
    (["check"], "the following arguments are required: --model"),
    (["check", "--model", "nope"], "invalid choice: 'nope'"),
    (["check", "--model", "seed_net", "--m", "0"], "0 must be at least 1"),
    (["check", "--model", "seed_net", "--full", "--sample", "3"], "not allowed with argument"),
    (["check", "--model", "seed_net", "--dtype", "float16"], "invalid choice: 'float16'"),
])
def test_bad_usage_is_one_line_and_exit_2(args, message):
    done = subprocess.run([sys.executable, "-m", "comparisons.cli", *args], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr


def test_out_that_is_a_file_exits_2_before_any_work(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("keep me")
    assert main(["check", "--model", "seed_net", "--out", str(target)]) == 2
    assert "is a file; expected a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me" and list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("flags, witnessed", [([], True), (["--no-witness"], False)])
def test_report_has_the_witness_as_a_fourth_source_unless_told_not_to(tmp_path, flags, witnessed):
    status = main(["report", "--model", "linear_regression", "--no-speed", "--dtype", "float64",
                   "--out", str(tmp_path), *flags])
    pairs = set(pd.read_csv(tmp_path / "agreement.csv")["pair"])
    files = {p.name for p in tmp_path.iterdir()}
    assert status == 0
    assert ({"manual vs numerical", "torch vs numerical", "jax vs numerical"} <= pairs) is witnessed
    assert ({"linear_regression-numerical-witness.md", "linear_regression-step-sweep-float64.png"} <= files) is witnessed
    assert "manual vs torch" in pairs
