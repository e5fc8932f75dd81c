"""Reports that describe their own run: a comparison of nothing is "not measured", a section that fails
is shown as failed while the rest is written, and an error of ours is not called the user's bad input."""

import numpy as np
import pandas as pd
import pytest

from comparisons import cli, report
from comparisons.agreement import AGREE, NOT_MEASURED, Result, all_agree, compare
from comparisons.cli import main


def witness_like(masks):
    """A manual result and a partial witness of it that measured only where ``masks`` is True."""
    dW = np.arange(1.0, 7.0).reshape(2, 3)
    manual = Result("manual", 1.5, {"dW": dW})
    witness = Result("numerical", 1.5, {"dW": dW * (1 + 1e-12)}, masks={"dW": masks}, covers=("dW",), rtol=1e-6)
    return manual, witness


def test_zero_measured_elements_are_not_measured_not_agree():
    rows = compare(*witness_like(np.zeros((2, 3), dtype=bool)), "toy")
    dW = rows[1]
    assert (dW["quantity"], dW["verdict"]) == ("dW", NOT_MEASURED)
    assert np.isnan(dW["max_abs"]) and np.isnan(dW["max_rel"])   # no 0.0e+00 for a comparison of nothing
    assert all_agree(rows)                                        # and not a failure either


def test_one_measured_element_is_compared():
    masks = np.zeros((2, 3), dtype=bool)
    masks[1, 2] = True
    assert compare(*witness_like(masks), "toy")[1]["verdict"] == AGREE


def test_the_report_says_not_measured_in_the_matrix_and_the_verdict():
    rows = compare(*witness_like(np.zeros((2, 3), dtype=bool)), "toy")
    shown = report.Report(pd.DataFrame(rows), pd.DataFrame())
    text = report.render_terminal(shown)
    matrix = report.agreement_matrix(shown.agreement).set_index("quantity")
    assert matrix.loc["dW", "float64 manual vs numerical"] == NOT_MEASURED   # not "0.0e+00", not "agree"
    assert "VERDICT: every derivation agrees. Not measured (1, nothing to compare): toy float64 dW" in text
    assert report.exit_status(shown) == 0


def test_an_internal_error_is_ours_logged_and_exits_3(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cli, "LOG_DIR", tmp_path / "logs")

    def broken(args):
        raise KeyError("a bug of ours")

    monkeypatch.setattr("comparisons.commands.models", broken)
    assert main(["models"]) == 3
    err = capsys.readouterr().err
    assert "internal error (a bug in handgrad, not in your input): KeyError" in err
    assert "bad usage" not in err and "Traceback" not in err
    [log] = (tmp_path / "logs").iterdir()
    assert str(log) in err and "Traceback" in log.read_text() and "a bug of ours" in log.read_text()


@pytest.mark.slow
def test_a_failing_section_is_shown_failed_and_the_rest_is_written(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cli, "LOG_DIR", tmp_path / "logs")

    def broken(model, dtypes, seed):
        raise FloatingPointError("the Hessian blew up")

    monkeypatch.setattr("comparisons.sections.hessian.hessian_section", broken)
    out = tmp_path / "out"
    status = main(["report", "--model", "linear_regression", "--no-speed", "--no-witness", "--dtype", "float64",
                   "--out", str(out)])
    text = capsys.readouterr().out
    assert status == 3
    assert "linear_regression: hessian  [FAILED]" in text and "FloatingPointError: the Hessian blew up" in text
    assert "FAILED (internal error, see the section): linear_regression: hessian" in " ".join(text.split())
    written = sorted(p.name for p in out.iterdir())
    assert "agreement.csv" in written and "linear_regression-hessian.md" in written
    assert any(name.startswith("linear_regression-closed-form") for name in written)   # the other section too
    assert (pd.read_csv(out / "agreement.csv")["verdict"] == AGREE).all()
