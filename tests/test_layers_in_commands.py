"""Layers in ``handgrad check`` (the witness against one layer's hand backward, every convention's score)
and ``handgrad report`` (the layer table as a section: on its own with --layer, after the models by
default, left out with --no-layers)."""

import numpy as np
import pandas as pd
import pytest

import manual.layers.affine as affine


RIGHT_AFFINE = affine.affine_backward      # kept before a test plants the wrong one


def wrong_affine_backward(dout, cache):
    """db = the mean of dout over the batch instead of its sum (b is added to every row)."""
    dx, dw, db = RIGHT_AFFINE(dout, cache)
    return dx, dw, db / dout.shape[0]


# --- check --layer --------------------------------------------------------------------------------------

def test_check_of_a_layer_scores_each_gradient_against_the_witness(handgrad, tmp_path):
    status, out, err = handgrad("check", "--layer", "batchnorm", "--out", str(tmp_path))
    assert status == 0, out + err
    first = out.splitlines()[0]
    assert first.startswith("handgrad check: layer batchnorm (manual/layers/normalization.py batchnorm_backward)")
    assert "x (8, 5)" in out and "s = sum(out * dout)" in out
    assert out.rstrip().splitlines()[-1].startswith("VERDICT: the hand backward of batchnorm agrees")
    table = pd.read_csv(tmp_path / "check.csv")
    rows = table.set_index("quantity").loc[["dx", "dgamma", "dbeta"]]
    assert set(rows["verdict"]) == {"agree"} and (rows["measured"] > 0).all()
    assert (tmp_path / "layer-batchnorm-step-sweep-float64.png").read_bytes()[:4] == b"\x89PNG"


def test_check_of_a_layer_exits_1_naming_the_wrong_gradient(handgrad, monkeypatch):
    monkeypatch.setattr(affine, "affine_backward", wrong_affine_backward)
    status, out, _ = handgrad("check", "--layer", "affine")
    assert status == 1
    verdict = out.rstrip().splitlines()[-1]
    assert verdict.startswith("VERDICT:") and "db" in verdict and "disagree" in verdict


def test_check_of_a_layer_with_kinks_counts_the_kink_crossed_elements(handgrad):
    status, out, err = handgrad("check", "--layer", "max_pool", "--full")
    assert status == 0, out + err
    assert "kink" in out


def test_check_of_a_layer_takes_a_courses_recipe(handgrad):
    status, out, err = handgrad("check", "--layer", "tanh", "--recipe", "cs231n")
    assert status == 0, out + err
    assert "rel_error" in out or "CS231n" in out


@pytest.mark.parametrize("option", [["--m", "10"], ["--dtype", "float32"], ["--lam", "0.1"], ["--no-blind-spots"]])
def test_check_of_a_layer_refuses_the_models_options_in_one_line(handgrad, option):
    status, out, err = handgrad("check", "--layer", "affine", *option)
    assert status == 2 and out == ""
    assert err.startswith(f"handgrad: error: {option[0]} applies to --model, not to --layer") and err.count("\n") == 1


def test_check_takes_a_model_or_a_layer_not_both(handgrad):
    status, _, err = handgrad("check", "--layer", "affine", "--model", "seed_net")
    assert status == 2 and "not allowed with argument" in err
    status, _, err = handgrad("check")
    assert status == 2 and "one of the arguments --model --layer is required" in err


def test_check_refuses_an_unknown_layer_naming_the_catalogue(handgrad):
    status, _, err = handgrad("check", "--layer", "conv")
    assert status == 2 and "invalid choice: 'conv'" in err and "conv_naive" in err


# --- report --layer -------------------------------------------------------------------------------------

def test_a_report_of_layers_alone_is_their_table_and_its_files(handgrad, tmp_path):
    status, out, err = handgrad("report", "--layer", "affine", "--layer", "tanh", "--dtype", "float64",
                                "--out", str(tmp_path))
    assert status == 0, out + err
    assert "layers: layer catalogue" in out and "affine" in out and "tanh" in out
    assert out.rstrip().splitlines()[-1] == "VERDICT: every derivation agrees."
    written = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert written == ["layers-layer-catalogue.csv", "layers-layer-catalogue.md"]
    rows = (tmp_path / "layers-layer-catalogue.csv").read_text().splitlines()
    assert rows[0] == "layer,dtype,quantity,torch,jax,numerical,verdict" and len(rows) == 1 + 4  # dx dw db, dx


def test_a_report_naming_models_and_layers_has_both(handgrad, tmp_path):
    status, out, err = handgrad("report", "--model", "linear_regression", "--layer", "relu", "--dtype", "float64",
                                "--no-speed", "--out", str(tmp_path))
    assert status == 0, out + err
    assert (tmp_path / "agreement.csv").exists() and (tmp_path / "layers-layer-catalogue.csv").exists()


def test_a_report_of_models_alone_has_no_layer_table(handgrad, tmp_path):
    status, out, err = handgrad("report", "--model", "linear_regression", "--dtype", "float64", "--no-speed",
                                "--no-witness", "--out", str(tmp_path))
    assert status == 0, out + err
    assert not (tmp_path / "layers-layer-catalogue.csv").exists() and "layer catalogue" not in out


def test_a_wrong_layer_backward_makes_the_report_disagree_and_names_it(handgrad, monkeypatch, tmp_path):
    monkeypatch.setattr(affine, "affine_backward", wrong_affine_backward)
    status, out, _ = handgrad("report", "--layer", "affine", "--dtype", "float64", "--out", str(tmp_path))
    assert status == 1
    assert "Disagrees: affine db (float64)" in out.replace("\n", " ")
    assert out.rstrip().splitlines()[-1].startswith("VERDICT: 1 comparison(s) disagree: layers: layer catalogue")


def test_the_report_without_the_witness_leaves_its_layer_column_out(handgrad, tmp_path):
    status, out, err = handgrad("report", "--layer", "sigmoid", "--no-witness", "--out", str(tmp_path))
    assert status == 0, out + err
    header = (tmp_path / "layers-layer-catalogue.csv").read_text().splitlines()[0]
    assert header == "layer,dtype,quantity,torch,jax,verdict"


def test_no_layers_and_layer_together_are_refused(handgrad):
    status, _, err = handgrad("report", "--layer", "affine", "--no-layers")
    assert status == 2 and "--no-layers leaves out the layer table that --layer asks for" in err


def test_a_layer_section_that_fails_is_shown_failed_and_the_rest_written(handgrad, monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr("comparisons.layer_check.table", broken)
    status, out, err = handgrad("report", "--model", "linear_regression", "--layer", "affine", "--dtype", "float64",
                                "--no-speed", "--no-witness", "--out", str(tmp_path))
    assert status == 3
    assert "layers: layer catalogue  [FAILED]" in out and (tmp_path / "agreement.csv").exists()
    assert np.all([p.stat().st_size > 0 for p in tmp_path.iterdir()])
