"""Every intermediate of a layer's hand backward against autograd's gradient of the same node, in PyTorch
and JAX (``comparisons.layer_check``: the twins' ``tap``, ``Layer.steps``), float64 and float32; a slip
in one intermediate is first seen there; an intermediate a twin does not tap is an error; gradients that
are zero to rounding (``Layer.zero``) are judged against the scale of what cancels, and a planted non-zero
one fails.

(The same rows with the witness on the inputs' gradients, every layer: ``tests/test_layers.py``.)
"""

import inspect
from dataclasses import replace

import numpy as np
import pytest

import manual.layers.attention as attention
import manual.layers.makemore as mm
import manual.layers.normalization as nm
import manual.layers.rnn as rnn
from comparisons.agreement import AGREE, DISAGREE, PASSING, SHAPE_MISMATCH, ZERO_TO_ROUNDING
from comparisons.layer_check import ULPS, Tap, by_name, check, jax_vjp, render, steps, table, torch_vjp, zero_row
from manual.layers import catalogue

LAYERS = catalogue()
STEPPED = [name for name, layer in LAYERS.items() if layer.steps]
# makemore's twins run some forty ops in JAX's eager mode, each traced at its shapes once: seconds
TIMED = [pytest.param(n, marks=pytest.mark.slow) if n.startswith("makemore") else n for n in STEPPED]
AUTOGRAD = ("torch", "jax")


def intermediates(layer, dtype="float64", seed=0):
    """The names ("d" + node) of the layer's intermediates: its steps' gradients that are not its inputs'."""
    from comparisons.layer_check import manual

    inputs = layer.inputs(seed, np.dtype(dtype))
    _, _, dout = manual(layer, inputs, seed=seed)
    return [q for q in steps(layer, inputs, dout) if q[1:] not in layer.grads]


def first_failing(rows, reference):
    """The first quantity, in the check's (backward) order, that does not pass against ``reference``."""
    mine = rows[rows["reference"] == reference]
    return next(iter(mine[~mine["verdict"].isin(PASSING)]["quantity"]), None)


# --- every intermediate, every layer that names them, both dtypes, both frameworks ----------------------

def test_the_layers_whose_intermediates_matter_name_them():
    assert {"batchnorm", "layernorm", "spatial_batchnorm", "makemore", "makemore_fused", "attention",
            "attention_causal", "rnn_step", "rnn", "lstm_step", "lstm", "conv_im2col"} <= set(STEPPED)
    assert intermediates(LAYERS["batchnorm"]) == ["dgammax", "dxhat", "divar", "dsqrtvar", "dvar", "dsq", "dxmu",
                                                  "dmu"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", TIMED)
def test_every_intermediate_agrees_with_torch_and_jax(name, dtype):
    layer = LAYERS[name]
    rows = check(layer, dtype, against=AUTOGRAD)
    inner = intermediates(layer, dtype)
    assert inner, name
    for reference in AUTOGRAD:
        mine = rows[rows["reference"] == reference]
        assert set(inner) <= set(mine["quantity"]), (reference, rows.to_string())
    bad = rows[~rows["verdict"].isin(PASSING)]
    assert bad.empty, bad.to_string()
    assert set(rows[rows["verdict"] == ZERO_TO_ROUNDING]["quantity"]) == set(layer.zero)


def test_a_recurrence_stacks_each_steps_gradient_in_time_order_even_for_one_step():
    """h_t is tapped once per step: its gradients come back (T, N, H), t in order, as the hand steps give
    them; T = 1 too (a stack of one, not a bare (N, H))."""
    for T in (1, 3):
        layer = replace(LAYERS["rnn"], inputs=lambda seed, dtype, T=T: rnn.rnn_inputs(seed, dtype, steps=T))
        inputs = layer.inputs(0, np.float64)
        dout = np.random.default_rng(1).standard_normal((2, T, 5))
        found = torch_vjp(layer, inputs, dout, taps=True)
        assert found["dh"].shape == found["da"].shape == (T, 2, 5)
        np.testing.assert_array_equal(found["dh"][-1], dout[:, -1])      # the last step: the loss's alone
        rows = check(layer, "float64", against=AUTOGRAD)
        assert rows["verdict"].isin(PASSING).all(), rows.to_string()


# --- a slip in one intermediate is seen first there ------------------------------------------------------

def batchnorm_steps_dvar_without_half(dout, cache):
    """Wrong: sqrt's derivative 1/(2 sqrt) taken as 1/sqrt: dvar twice too large, and everything after it."""
    g = ORIGINAL["batchnorm"](dout, cache)
    xmu, sqrtvar, ivar = cache["xmu"], cache["sqrtvar"], cache["ivar"]
    N, D = dout.shape
    dvar = 1 / sqrtvar * g["dsqrtvar"]                        # planted: 1/sqrtvar, not 0.5/sqrtvar
    dsq = np.ones((N, D), dout.dtype) / N * dvar
    dxmu = g["dxhat"] * ivar + 2 * xmu * dsq
    dmu = -dxmu.sum(axis=0)
    dx = dxmu + np.ones((N, D), dout.dtype) / N * dmu
    return {**g, "dvar": dvar, "dsq": dsq, "dxmu": dxmu, "dmu": dmu, "dx": dx}


def attention_steps_without_softmax_jacobian(dout, cache):
    """Wrong: dscores = P dP, the softmax's Jacobian taken as diagonal; dP and dv are still right."""
    g = ORIGINAL["attention"](dout, cache)
    q, k, v, P, scale = cache
    dscores = P * g["dP"]                                     # planted: no - sum_s dP P
    return {**g, "dscores": dscores, "dq": dscores @ k * scale, "dk": dscores.transpose(0, 2, 1) @ q * scale}


def lstm_steps_forget_gate_without_dc(dnext_h, dnext_c, cache):
    """Wrong: df from dnext_c alone (the path through h_next forgotten), everything else right."""
    g = ORIGINAL["lstm"](dnext_h, dnext_c, cache)
    x, prev_h, prev_c, Wx, Wh, i, f, o, _, _ = cache
    df = dnext_c * prev_c                                     # planted: dnext_c, not dc
    H = i.shape[1]
    da = g["da"].copy()
    da[:, H:2 * H] = df * f * (1 - f)
    return {**g, "df": df, "da": da, "dx": da @ Wx.T, "dprev_h": da @ Wh.T, "dWx": x.T @ da, "dWh": prev_h.T @ da,
            "db": da.sum(axis=0)}


ORIGINAL = {"batchnorm": nm.batchnorm_backward_steps, "attention": attention.attention_backward_steps,
            "lstm": rnn.lstm_step_backward_steps}

# case: (layer, module, steps function replaced, replacement, the intermediate first wrong, quantities right)
SLIPS = {
    "batchnorm dvar without the 1/2": ("batchnorm", nm, "batchnorm_backward_steps", batchnorm_steps_dvar_without_half,
                                       "dvar", {"dbeta", "dgammax", "dgamma", "dxhat", "divar", "dsqrtvar"}),
    "attention without the softmax Jacobian": ("attention", attention, "attention_backward_steps",
                                               attention_steps_without_softmax_jacobian, "dscores", {"dP", "dv"}),
    "causal attention without the softmax Jacobian": ("attention_causal", attention, "attention_backward_steps",
                                                      attention_steps_without_softmax_jacobian, "dscores",
                                                      {"dP", "dv"}),
    "lstm step's df without the path through h": ("lstm_step", rnn, "lstm_step_backward_steps",
                                                  lstm_steps_forget_gate_without_dc, "df",
                                                  {"dc", "do", "di", "dg", "dprev_c"}),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", list(SLIPS))
def test_a_slip_in_one_intermediate_fails_first_at_that_intermediate(monkeypatch, case, dtype):
    name, module, attr, replacement, first, right = SLIPS[case]
    marks = [line for line in inspect.getsource(replacement).splitlines() if "# planted" in line]
    assert len(marks) == 1                                    # its one telling line, marked
    monkeypatch.setattr(module, attr, replacement)
    rows = check(LAYERS[name], dtype, against=AUTOGRAD)
    for reference in AUTOGRAD:
        assert first_failing(rows, reference) == first, rows.to_string()
    bad = rows[~rows["verdict"].isin(PASSING)]
    assert not set(bad["quantity"]) & right, rows.to_string()
    assert (bad[bad["quantity"] == first]["verdict"] == DISAGREE).all()


def test_the_verdict_names_the_slips_intermediate_first(monkeypatch):
    monkeypatch.setattr(nm, "batchnorm_backward_steps", batchnorm_steps_dvar_without_half)
    frame = table([LAYERS["batchnorm"]], ("float64",), witness=False)
    text, ok = render(frame)
    assert not ok
    verdict = text.rstrip().splitlines()[-1]
    assert verdict.startswith("VERDICT: ") and verdict.split(": ", 2)[2].startswith("batchnorm dvar (float64)"), text


def test_the_planted_lstm_slip_shows_in_the_sequence_at_every_earlier_step(monkeypatch):
    """A step's wrong df in the LSTM sequence: df is wrong at every step, and what is carried back (dh at
    the earlier steps) too; the last step's dh (the loss's alone) is right."""
    monkeypatch.setattr(rnn, "lstm_step_backward_steps", lstm_steps_forget_gate_without_dc)
    rows = check(LAYERS["lstm"], "float64", against=AUTOGRAD)
    assert first_failing(rows, "torch") == "dh" and first_failing(rows, "jax") == "dh"
    layer = LAYERS["lstm"]
    inputs = layer.inputs(0, np.float64)
    from comparisons.layer_check import manual

    _, _, dout = manual(layer, inputs)
    mine, theirs = steps(layer, inputs, dout), jax_vjp(layer, inputs, dout, taps=True)
    np.testing.assert_allclose(mine["dh"][-1], theirs["dh"][-1], rtol=1e-13)
    assert not np.allclose(mine["dh"][0], theirs["dh"][0], rtol=1e-3)


def test_a_replaced_backward_is_checked_on_the_inputs_gradients_alone():
    """The layer's steps are its own backward's, not a replacement's: only the inputs' rows are made."""
    layer = LAYERS["batchnorm"]
    rows = check(layer, "float64", against=AUTOGRAD, backward=nm.batchnorm_backward_alt)
    assert list(rows[rows["reference"] == "torch"]["quantity"]) == ["dx", "dgamma", "dbeta"]
    assert (rows["verdict"] == AGREE).all()


# --- every intermediate must be compared ------------------------------------------------------------------

def layernorm_steps_with_dsqrtvar(dout, cache):
    """The right steps plus sqrtvar's gradient, a node the layer norm twins compute inline and do not tap."""
    g = ORIGINAL_LAYERNORM(dout, cache)
    dsqrtvar = -(g["dxhat"] * cache["xmu"]).sum(axis=1, keepdims=True) * cache["ivar"] ** 2
    return {"dsqrtvar": dsqrtvar, **g}


ORIGINAL_LAYERNORM = nm.layernorm_backward_steps


@pytest.mark.parametrize("against", [("torch",), ("jax",)])
def test_an_intermediate_the_twin_does_not_tap_is_an_error_naming_it(monkeypatch, against):
    monkeypatch.setattr(nm, "layernorm_backward_steps", layernorm_steps_with_dsqrtvar)
    with pytest.raises(ValueError, match=rf"layernorm: the {against[0]} twin taps no intermediate sqrtvar \("):
        check(LAYERS["layernorm"], "float64", against=against)


def test_a_node_tapped_twice_in_one_forward_is_an_error():
    tap = Tap()
    tap("h", 1.0, step=0)
    with pytest.raises(ValueError, match="h\\[0\\] is tapped twice"):
        tap("h", 2.0, step=0)
    with pytest.raises(ValueError, match="both with and without a step"):
        tap("h", 3.0)


def test_steps_are_stacked_by_their_index_not_by_the_order_they_were_tapped():
    found = by_name({"a[1]": np.full(2, 1.0), "a[0]": np.full(2, 0.0), "x": np.ones(3)})
    np.testing.assert_array_equal(found["da"], [[0.0, 0.0], [1.0, 1.0]])
    assert found["dx"].shape == (3,)


@pytest.mark.parametrize("name", ["batchnorm", "layernorm", "spatial_batchnorm", "attention_causal", "lstm"])
def test_a_tap_is_the_identity_the_twins_out_is_the_same_with_and_without_it(name):
    import torch

    layer = LAYERS[name]
    inputs = {k: torch.from_numpy(v) for k, v in layer.inputs(0, np.float64).items()}
    forward = layer.function("torch", "forward")
    tap = Tap()
    np.testing.assert_array_equal(forward(*inputs.values(), **layer.options).numpy(),
                                  forward(*inputs.values(), **layer.options, tap=tap).numpy())
    assert tap.values


def test_the_layer_norm_twins_node_by_node_graph_is_pytorchs_layer_norm():
    """The twins write layer norm node by node (to tap its nodes); PyTorch's own layer_norm gives the same
    out and the same gradients of x, gamma, beta."""
    import torch

    x, gamma, beta = (torch.from_numpy(v).requires_grad_(True) for v in nm.layernorm_inputs(0, "float64").values())
    dout = torch.from_numpy(np.random.default_rng(3).standard_normal((4, 6)))
    theirs = torch.nn.functional.layer_norm(x, (6,), gamma, beta, 1e-5)
    ours = LAYERS["layernorm"].function("torch", "forward")(x, gamma, beta)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-13, atol=1e-14)
    wrt = (x, gamma, beta)
    for a, b in zip(torch.autograd.grad(theirs, wrt, dout), torch.autograd.grad(ours, wrt, dout)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("stride, pad", [(1, 1), (2, 0), (4, 2)])
def test_the_im2col_twins_are_the_frameworks_convolutions(stride, pad):
    """The im2col twins (the frameworks' own unfold / patches, then one product, to tap X_col) compute
    PyTorch's conv2d, and JAX's the same."""
    import jax.numpy as jnp
    import torch

    from reference.jax_ad.layers import conv as jax_conv
    from reference.torch_ad.layers import conv as torch_conv

    rng = np.random.default_rng(stride)
    x, w, b = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    expected = torch.nn.functional.conv2d(*(torch.from_numpy(v) for v in (x, w, b)), stride=stride, padding=pad)
    ours = torch_conv.conv_forward_im2col(*(torch.from_numpy(v) for v in (x, w, b)), stride=stride, pad=pad)
    theirs = jax_conv.conv_forward_im2col(*(jnp.asarray(v) for v in (x, w, b)), stride=stride, pad=pad)
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(theirs), expected.numpy(), rtol=1e-12, atol=1e-12)


# --- zero to rounding ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_db1_and_dlogit_maxes_pass_as_zero_to_rounding_in_the_table(dtype):
    frame = table([LAYERS["makemore"]], (dtype,), witness=False)
    zero = frame[frame["verdict"] == ZERO_TO_ROUNDING]
    assert set(zero["quantity"]) == {"db1", "dlogit_maxes"}
    # max_rel there: |g| over the terms that cancel, within ULPS eps; nowhere near the relative noise of 1
    assert (zero[["torch", "jax"]] <= ULPS * np.finfo(dtype).eps).all().all(), frame.to_string()
    assert set(frame["verdict"]) == {AGREE, ZERO_TO_ROUNDING}
    assert "numerical" not in frame.columns
    text, ok = render(frame)
    assert ok and "zero to rounding" in text


def input_layer_steps_with_a_db1(dhprebn, c):
    """Wrong: db1 off zero by a thousandth of its terms' scale, far above rounding, far below any gradient."""
    g = ORIGINAL_INPUT_LAYER(dhprebn, c)
    db1 = dhprebn.sum(0) * 1.01 + 1e-3 * np.abs(dhprebn).sum(0)    # planted: not 0
    return {**g, "db1": db1}


def input_layer_steps_with_scaled_rounding(dhprebn, c):
    """Right: the rounding of zero, scaled by 1.01, is still rounding."""
    return {**ORIGINAL_INPUT_LAYER(dhprebn, c), "db1": dhprebn.sum(0) * 1.01}


ORIGINAL_INPUT_LAYER = mm.input_layer_steps


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["makemore", "makemore_fused"])
def test_a_planted_non_zero_db1_fails_and_a_scaled_rounding_passes(monkeypatch, name, dtype):
    monkeypatch.setattr(mm, "input_layer_steps", input_layer_steps_with_a_db1)
    rows = check(LAYERS[name], dtype, against=AUTOGRAD)
    bad = rows[~rows["verdict"].isin(PASSING)]
    assert set(bad["quantity"]) == {"db1"} and set(bad["reference"]) == set(AUTOGRAD), rows.to_string()
    assert (bad["max_rel"] > 100 * ULPS * np.finfo(dtype).eps).all()
    monkeypatch.setattr(mm, "input_layer_steps", input_layer_steps_with_scaled_rounding)
    rows = check(LAYERS[name], dtype, against=AUTOGRAD)
    assert set(rows[rows["quantity"] == "db1"]["verdict"]) == {ZERO_TO_ROUNDING}


def test_a_zero_row_judges_both_sides_and_its_shape():
    scale = np.array([1.0, 2.0, 0.0])
    eps = np.finfo(np.float64).eps
    assert zero_row(np.array([eps, -eps, 0.0]), np.zeros(3), scale, np.float64) == (eps, ZERO_TO_ROUNDING)
    assert zero_row(np.zeros(3), np.array([0.0, 1e-6, 0.0]), scale, np.float64)[1] == DISAGREE     # theirs
    assert zero_row(np.array([0.0, 0.0, 1e-300]), np.zeros(3), scale, np.float64)[1] == DISAGREE  # scale 0: exact
    assert zero_row(np.zeros(3), np.zeros(2), scale, np.float64)[1] == SHAPE_MISMATCH
