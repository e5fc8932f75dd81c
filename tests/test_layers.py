"""Every layer of ``manual.layers`` against PyTorch's and JAX's vector-Jacobian products and the numerical
witness, with a random upstream gradient, in float64 and float32, every intermediate its derivation names
too; and the check itself, which must fail a wrong backward. (The intermediates' mechanism itself:
``tests/test_layer_intermediates.py``.)"""

import numpy as np
import pytest

from comparisons.agreement import AGREE, PASSING, ZERO_TO_ROUNDING
from comparisons.layer_check import check, manual, upstream
from manual.layers import Layer, catalogue

LAYERS = catalogue()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(LAYERS))
def test_each_layer_agrees_with_autograd_and_the_witness(name, dtype):
    rows = check(LAYERS[name], dtype)
    layer = LAYERS[name]
    assert set(rows["quantity"]) >= {"d" + k for k in layer.grads}
    assert set(rows["reference"]) == {"torch", "jax", "numerical"}
    bad = rows[~rows["verdict"].isin(PASSING)]
    assert bad.empty, bad.to_string()
    # only the gradients the layer declares zero to rounding are judged so; every other row agrees
    assert set(rows[rows["verdict"] == ZERO_TO_ROUNDING]["quantity"]) == set(layer.zero), rows.to_string()
    assert set(rows[rows["verdict"] != ZERO_TO_ROUNDING]["verdict"]) == {AGREE}


def test_the_upstream_gradient_is_random_not_ones():
    dout = upstream(np.zeros((3, 4)), seed=0)
    assert dout.shape == (3, 4) and np.unique(dout).size == 12 and not np.allclose(dout, 1)


def test_every_layer_has_twins_of_its_forward():
    for layer in LAYERS.values():
        for source in ("manual", "torch", "jax"):
            assert callable(layer.function(source, "forward")), (layer.name, source)
        assert callable(layer.function("manual", "backward"))


def wrong_affine_backward(dout, cache):
    """db summed over the wrong axis: a classic slip, which a ones upstream gradient can hide."""
    x, w = cache
    X = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), X.T @ dout, dout.sum(axis=0) * 0.5


def test_the_check_fails_a_wrong_backward(monkeypatch):
    import manual.layers.affine as affine

    monkeypatch.setattr(affine, "affine_backward", wrong_affine_backward)
    rows = check(LAYERS["affine"], "float64")
    wrong = rows[rows["verdict"] != AGREE]
    assert set(wrong["quantity"]) == {"db"} and set(wrong["reference"]) == {"torch", "jax", "numerical"}


def test_a_layer_listing_the_wrong_number_of_gradients_is_said():
    layer = Layer("affine", "affine", LAYERS["affine"].inputs, ("x", "w"))
    with pytest.raises(ValueError, match="returned 3 gradient"):
        manual(layer, layer.inputs(0, np.float64))


def test_the_layers_command_checks_the_named_layers(tmp_path, capsys):
    from tests.user_files import run_cli

    status, out, err = run_cli(capsys, "layers", "--layer", "affine", "--layer", "tanh", "--out", str(tmp_path))
    assert status == 0, out + err
    assert out.rstrip().splitlines()[-1] == "VERDICT: every layer's backward agrees (2 layers, 8 rows)."
    written = (tmp_path / "layers.csv").read_text().splitlines()
    assert written[0] == "layer,dtype,quantity,torch,jax,numerical,verdict" and len(written) == 9     # (dx, dw, db) + dx, in two dtypes


def test_the_layers_command_exits_1_naming_a_wrong_backward(capsys, monkeypatch):
    import manual.layers.affine as affine
    from tests.user_files import run_cli

    monkeypatch.setattr(affine, "affine_backward", wrong_affine_backward)
    status, out, _ = run_cli(capsys, "layers", "--layer", "affine", "--dtype", "float64")
    assert status == 1
    assert out.rstrip().splitlines()[-1] == "VERDICT: 1 row(s) disagree: affine db (float64)"
