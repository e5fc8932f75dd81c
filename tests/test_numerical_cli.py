"""``handgrad check --model NAME``: the witness alone against the manual derivation; exit 0 / 1 / 2."""

import io

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from comparisons import catalogue
from comparisons.agreement import AGREE, NOT_MEASURED
from comparisons.cli import main
from comparisons.numerical import check_report, plan_for, witness
from comparisons.sections.witness_scores import witness_section
from comparisons.sources import run_manual
from manual import seed_net


@pytest.mark.slow
def test_a_correct_derivation_exits_0_and_writes_its_files(tmp_path, capsys):
    out = tmp_path / "check"
    status = main(["check", "--model", "seed_net", "--m", "16", "--sample", "8", "--out", str(out)])
    text = capsys.readouterr().out
    assert status == 0
    assert "VERDICT: the derivation agrees with the numerical witness." in text
    assert sorted(p.name for p in out.iterdir()) == [".handgrad-files.json", "blind-spots.csv", "check.csv", "check.md",
                                                     "directions.csv", "seed_net-step-sweep-float64.png"]
    rows = pd.read_csv(out / "check.csv")
    assert set(rows["verdict"]) == {"agree"} and (rows["dtype"] == "float64").all()
    flat = " ".join(text.split())                      # as said, whatever the terminal's width
    assert f"Kink-crossed elements, counted and not judged: {rows['kink_crossed'].sum()}" in flat
    assert rows["cs231n_pass"].all() and set(rows["cs231n_band"]) <= {"happy", "ok with kinks"}
    spots = pd.read_csv(out / "blind-spots.csv")
    elements = spots[spots["check"] == "k random elements"].set_index("mistake")
    assert (elements["pool"] == 4 * 8).all()                                   # 8 sampled from each array
    assert elements.loc["db1[8] x 2", "missed"] == 31                           # only db1[8] itself catches it
    np.testing.assert_allclose(spots["k=1"], spots["missed"] / spots["pool"])
    image = matplotlib.image.imread(out / "seed_net-step-sweep-float64.png")
    assert image.shape[:2] == (528, 825)                                        # 7.5 x 4.8 inches at 110 dpi
    assert len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 100     # lines drawn, not a blank canvas


def test_a_quantity_whose_every_element_is_kink_crossed_reads_not_measured():
    """W1 = 0 and b1 = 0 put every Z1 at ReLU's kink: every stencil in b1 (db1, and dZ1 through it)
    crosses it, so the witness measures no element of either. Both read "not measured" in every table,
    never "agree" with 0.0e+00; they fail nothing, and the verdict names them instead of agreeing."""
    model = catalogue.get("seed_net")
    data = model.data(8, 0, np.float64)
    params = model.init_params(0)
    params["W1"][:], params["b1"][:] = 0.0, 0.0
    plan = plan_for(model.n_params(), 8, full=False, per_array=8, columns=4)
    text, files, ok = check_report(model, params, data, plan, blind=False)
    rows = pd.read_csv(io.StringIO(files["check.csv"])).set_index("quantity")
    assert (rows.loc[["dZ1", "db1"], "measured"] == 0).all() and (rows.loc[["dZ1", "db1"], "kink_crossed"] > 0).all()
    assert set(rows.loc[["dZ1", "db1"], "verdict"]) == {NOT_MEASURED}
    assert set(rows.loc[["dZ1", "db1"], "cs231n_band"]) == {NOT_MEASURED}
    assert rows.loc[["dZ1", "db1"], ["max_abs", "cs231n", "ng", "adbench", "cosine", "max_rel"]].isna().all().all()
    assert rows.loc[["dZ1", "db1"], ["cs231n_pass", "ng_pass", "dlai_pass", "adbench_pass"]].isna().all().all()
    assert set(rows.drop(index=["dZ1", "db1"])["verdict"]) == {AGREE}
    assert ok                                                      # not measured is no failure: exit 0
    verdict = " ".join(text.split("\n\n")[-1].split())          # the last paragraph, wrapped to the terminal
    assert verdict == ("VERDICT: the derivation agrees with the numerical witness on every measured quantity; "
                       "not measured (no element could be compared): dZ1, db1.")
    flat = " ".join(text.split())
    assert "dZ1 not measured" in flat and "; not measured: dZ1, db1." in flat   # the localisation's trail
    assert verdict in files["check.md"]

    # The report's witness section says the same of the same witness.
    manual = run_manual(model, params, data.X, data.Y)
    w = witness(model, params, data.X, data.Y, plan=plan)
    section, _ = witness_section(model.name, [(manual, w)])
    table = section.table.set_index("quantity")
    assert set(table.loc[["dZ1", "db1"], "verdict"]) == {NOT_MEASURED} and section.ok
    assert "Every measured quantity agrees" in section.text and "not measured: dZ1, db1." in section.text


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
    (["check"], "one of the arguments --model --layer is required"),
    (["check", "--model", "nope"], "invalid choice: 'nope'"),
    (["check", "--model", "seed_net", "--m", "0"], "0 must be at least 1"),
    (["check", "--model", "seed_net", "--full", "--sample", "3"], "not allowed with argument"),
    (["check", "--model", "seed_net", "--dtype", "float16"], "invalid choice: 'float16'"),
])
def test_bad_usage_is_one_line_and_exit_2(args, message, handgrad):
    status, out, err = handgrad(*args)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_out_that_is_a_file_exits_2_before_any_work(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("keep me")
    assert main(["check", "--model", "seed_net", "--out", str(target)]) == 2
    assert "is a file; expected a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me" and list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("flags, witnessed", [pytest.param([], True, marks=pytest.mark.slow),
                                              (["--no-witness"], False)])
def test_report_has_the_witness_as_a_fourth_source_unless_told_not_to(tmp_path, flags, witnessed):
    status = main(["report", "--model", "linear_regression", "--no-speed", "--dtype", "float64",
                   "--out", str(tmp_path), *flags])
    pairs = set(pd.read_csv(tmp_path / "agreement.csv")["pair"])
    files = {p.name for p in tmp_path.iterdir()}
    assert status == 0
    assert ({"manual vs numerical", "torch vs numerical", "jax vs numerical"} <= pairs) is witnessed
    assert ({"linear_regression-numerical-witness.md", "linear_regression-step-sweep-float64.png"} <= files) is witnessed
    assert "manual vs torch" in pairs
