"""Batch, layer and spatial batch normalization: the two batch norm backwards against each other, the
running statistics, a batch of one, eps, PyTorch's conventions, and the classic mistakes, each failed by
the check on the quantity it gets wrong, beside a look-alike that is right and passes.

(The catalogue-wide agreement of every layer with torch, jax and the witness is ``tests/test_layers.py``.)
"""

import dataclasses

import numpy as np
import pytest

import reference.jax_ad.layers.normalization as jax_twin
import reference.torch_ad.layers.normalization as torch_twin
from comparisons.agreement import AGREE, max_errors, rtol_for
from comparisons.layer_check import check, jax_vjp, manual, torch_vjp, upstream
from comparisons.mistakes.layer_slips import (backward_without_eps, direct_path_with_both_corrections,
                                              layernorm_as_batchnorm_of_the_transpose,
                                              layernorm_summed_over_the_batch, mean_and_var_as_constants,
                                              narrow_batch, unbiased_jax_forward, unbiased_manual_forward,
                                              unbiased_torch_forward, unbiased_variance_formula)
from manual.layers import catalogue
from manual.layers import normalization as nm

LAYERS = catalogue()
ALL = {"torch", "jax", "numerical"}


def failing(rows):
    """(quantities, references) of the rows that do not agree."""
    bad = rows[rows["verdict"] != AGREE]
    return set(bad["quantity"]), set(bad["reference"])


def with_inputs(name, inputs):
    return dataclasses.replace(LAYERS[name], inputs=inputs)


# --- the two backwards of one forward ---------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("N, D", [(1, 3), (2, 4), (8, 5), (64, 7)])
@pytest.mark.parametrize("seed", [0, 1])
def test_step_by_step_and_simplified_backwards_agree_to_rounding(seed, N, D, dtype):
    x, gamma, beta = nm.batchnorm_inputs(seed, dtype, N=N, D=D).values()
    _, cache = nm.batchnorm_forward(x, gamma, beta)
    dout = upstream(x, seed)
    steps, fused = nm.batchnorm_backward(dout, cache), nm.batchnorm_backward_alt(dout, cache)
    # rounding: tens of ulps of the terms' scale. dx's terms are of the size of gamma ivar dout, and at
    # N = 2 dx itself is far smaller (xhat = +-sqrt(var / (var + eps)): out barely moves with x, dx is
    # of order eps / var of its terms), so dx is measured against its terms, not against itself
    scale = {"dx": np.max(np.abs(gamma * cache["ivar"] * dout)), "dgamma": None, "dbeta": None}
    ulps = 64 * np.finfo(dtype).eps
    for name, a, b in zip(("dx", "dgamma", "dbeta"), steps, fused):
        assert a.dtype == b.dtype == np.dtype(dtype), name
        max_abs, max_rel = max_errors(a, b)
        error = max_rel if scale[name] is None else max_abs / scale[name]
        assert error <= ulps, (name, max_abs, max_rel)


# --- running statistics ---------------------------------------------------------------------------

def test_running_statistics_use_cs231n_momentum_and_the_biased_variance():
    first, second = nm.batchnorm_inputs(0, "float64")["x"], nm.batchnorm_inputs(1, "float64")["x"]
    gamma, beta = np.ones(5), np.zeros(5)
    running = {"mean": np.zeros(5), "var": np.zeros(5)}
    nm.batchnorm_forward(first, gamma, beta, momentum=0.9, running=running)
    _, cache = nm.batchnorm_forward(second, gamma, beta, momentum=0.9, running=running)
    assert cache["running"] is running          # updated in place, as CS231n's bn_param
    mean = 0.9 * (0.1 * first.mean(0)) + 0.1 * second.mean(0)
    var = 0.9 * (0.1 * first.var(0)) + 0.1 * second.var(0)            # ddof=0: divided by N
    unbiased = 0.9 * (0.1 * first.var(0, ddof=1)) + 0.1 * second.var(0, ddof=1)
    np.testing.assert_allclose(running["mean"], mean, rtol=1e-14)
    np.testing.assert_allclose(running["var"], var, rtol=1e-14)
    assert np.all(np.abs(running["var"] / unbiased - 7 / 8) < 1e-12)   # N = 8: unbiased is 8/7 larger


def test_running_statistics_start_at_zero_when_none_are_given_and_are_per_channel_in_spatial():
    x, gamma, beta = nm.batchnorm_inputs(0, "float32").values()
    _, cache = nm.batchnorm_forward(x, gamma, beta)
    np.testing.assert_allclose(cache["running"]["mean"], 0.1 * x.mean(0), rtol=1e-6)
    assert cache["running"]["var"].dtype == np.float32
    x4, gamma4, beta4 = nm.spatial_batchnorm_inputs(0, "float64").values()
    _, (bn_cache, _) = nm.spatial_batchnorm_forward(x4, gamma4, beta4, momentum=0.5)
    np.testing.assert_allclose(bn_cache["running"]["mean"], 0.5 * x4.mean(axis=(0, 2, 3)), rtol=1e-13)
    np.testing.assert_allclose(bn_cache["running"]["var"], 0.5 * x4.var(axis=(0, 2, 3)), rtol=1e-13)


def test_pytorch_batch_norm_normalizes_with_the_same_variance_but_keeps_the_unbiased_one_running():
    """The twin is written in tensor ops; PyTorch's own batch_norm gives the same out and gradients
    (same biased variance in the normalization), but its running variance is the unbiased one and its
    momentum weighs the new value (0.1 there is 0.9 here)."""
    import torch

    x, gamma, beta = (torch.from_numpy(v).requires_grad_(True) for v in nm.batchnorm_inputs(0, "float64").values())
    dout = torch.from_numpy(upstream(np.zeros((8, 5)), 0))
    rm, rv = torch.zeros(5, dtype=torch.float64), torch.zeros(5, dtype=torch.float64)
    theirs = torch.nn.functional.batch_norm(x, rm, rv, gamma, beta, training=True, momentum=0.1, eps=1e-5)
    ours = torch_twin.batchnorm_forward(x, gamma, beta)
    wrt = (x, gamma, beta)
    for a, b in zip(torch.autograd.grad(theirs, wrt, dout), torch.autograd.grad(ours, wrt, dout)):
        assert max_errors(a.numpy(), b.numpy())[1] < 1e-13
    _, cache = nm.batchnorm_forward(*(v.detach().numpy() for v in (x, gamma, beta)))
    np.testing.assert_allclose(rm.numpy(), cache["running"]["mean"], rtol=1e-13)
    np.testing.assert_allclose(rv.numpy(), cache["running"]["var"] * 8 / 7, rtol=1e-13)
    with pytest.raises(ValueError, match="more than 1 value"):     # why the twin is not F.batch_norm
        torch.nn.functional.batch_norm(x[:1], None, None, gamma, beta, training=True)


# --- a batch of one -------------------------------------------------------------------------------

ONE = {"batchnorm": lambda s, d: nm.batchnorm_inputs(s, d, N=1),
       "batchnorm_alt": lambda s, d: nm.batchnorm_inputs(s, d, N=1),
       "spatial_batchnorm": lambda s, d: nm.spatial_batchnorm_inputs(s, d, shape=(1, 3, 1, 1))}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(ONE))
def test_a_batch_of_one_gives_out_beta_and_zero_dx_dgamma_in_all_three(name, dtype):
    """N = 1: var = 0, xhat = 0 / sqrt(eps) = 0, out = beta; dbeta = dout, dgamma = 0, dx = 0 exactly,
    in the hand derivation, in PyTorch's and in JAX's VJP, and the witness agrees (out does not move)."""
    layer = with_inputs(name, ONE[name])
    inputs = layer.inputs(0, dtype)
    out, mine, dout = manual(layer, inputs)
    beta = inputs["beta"].reshape((1, -1) + (1,) * (out.ndim - 2))
    assert np.array_equal(out, np.broadcast_to(beta, out.shape))
    assert not np.any(mine["dx"]) and not np.any(mine["dgamma"])
    assert np.array_equal(mine["dbeta"], dout.reshape(mine["dbeta"].shape))
    rows = check(layer, dtype)
    assert set(rows["reference"]) == ALL and (rows["verdict"] == AGREE).all(), rows.to_string()
    assert (rows[rows["quantity"].isin(["dx", "dgamma"]) & (rows["reference"] != "numerical")]["max_rel"] == 0).all()


def test_a_batch_of_one_without_eps_is_nan_everywhere():
    """eps is what keeps the batch of one finite: 0 / sqrt(0) is NaN, and so is every gradient after it."""
    x, gamma, beta = nm.batchnorm_inputs(0, "float64", N=1).values()
    with np.errstate(all="ignore"):
        out, cache = nm.batchnorm_forward(x, gamma, beta, eps=0.0)
        dx, dgamma, _ = nm.batchnorm_backward_alt(upstream(out, 0), cache)
    assert np.isnan(out).all() and np.isnan(dx).all() and np.isnan(dgamma).all()


# --- eps ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_eps_matters_on_a_narrow_batch_and_all_three_agree_there(dtype):
    layer = with_inputs("batchnorm", narrow_batch)
    x, gamma, beta = layer.inputs(0, dtype).values()
    with_eps, _ = nm.batchnorm_forward(x, gamma, beta)
    almost_none, _ = nm.batchnorm_forward(x, gamma, beta, eps=1e-12)
    assert np.max(np.abs(with_eps - almost_none)) > 0.5 * np.max(np.abs(gamma))   # xhat's scale is ~3x off
    rows = check(layer, dtype)
    assert (rows["verdict"] == AGREE).all(), rows.to_string()


@pytest.mark.parametrize("spread, dtype, seen_by", [
    (1e-3, "float64", ALL), (1e-3, "float32", ALL),
    (1.0, "float64", ALL),         # eps / (2 var) = 5e-6 of dx at unit variance: float64's 1e-9 sees it
    (1.0, "float32", {"numerical"}),  # float32's 1e-4 cannot (below its rounding budget); the witness,
                                      # in float64 whatever the rows' dtype, still does
])
def test_a_backward_that_drops_eps_fails_where_eps_is_above_the_tolerance(monkeypatch, spread, dtype, seen_by):
    monkeypatch.setattr(nm, "batchnorm_backward_alt", backward_without_eps)
    rows = check(with_inputs("batchnorm_alt", lambda s, d: narrow_batch(s, d, spread)), dtype)
    quantities, references = failing(rows)
    assert quantities == {"dx", "dgamma"} and references == seen_by, rows.to_string()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_batch_of_two_leaves_dx_at_eps_over_var_of_its_terms_which_float32_cannot_resolve(seed):
    """N = 2: xhat = +-sqrt(var / (var + eps)), so out hardly moves with x, and the derivation reduces to
    dx[0] = -dx[1] = gamma ivar (dout[0] - dout[1]) / 2 * eps / (var + eps): a fraction eps / (var + eps)
    of its terms (1e-6 at var = 10, more where the two examples nearly coincide). float64 agrees with
    torch and jax; in float32 the terms round at 6e-8 of their size, which can be 1e-3 of that small dx,
    so the check's max_rel (against dx's own scale) can exceed 1e-4 there: the gap is a few ulps of the
    terms, i.e. rounding, not the derivation. (The catalogue's batch is N = 8.)"""
    layer = with_inputs("batchnorm_alt", lambda s, d: nm.batchnorm_inputs(s, d, N=2))
    x, gamma, beta = layer.inputs(seed, "float64").values()
    _, mine, dout = manual(layer, layer.inputs(seed, "float64"), seed=seed)
    var, eps = x.var(0), 1e-5
    dx0 = gamma / np.sqrt(var + eps) * (dout[0] - dout[1]) / 2 * eps / (var + eps)
    assert max_errors(mine["dx"], np.stack([dx0, -dx0]))[1] < 1e-9
    assert (check(layer, "float64", seed, against=("torch", "jax"))["verdict"] == AGREE).all()
    inputs = layer.inputs(seed, "float32")
    _, mine, dout = manual(layer, inputs, seed=seed)
    terms = np.max(np.abs(inputs["gamma"] / np.sqrt(inputs["x"].var(0) + eps) * dout))
    for theirs in (torch_vjp(layer, inputs, dout), jax_vjp(layer, inputs, dout)):
        max_abs, _ = max_errors(mine["dx"], theirs["dx"])
        assert max_abs / terms <= 64 * np.finfo(np.float32).eps, (max_abs, terms)
        assert max_errors(mine["dgamma"], theirs["dgamma"])[1] <= rtol_for("float32")


# --- planted mistakes and their look-alikes -------------------------------------------------------

def use_unbiased_forward(monkeypatch):
    """Every twin normalizes by the unbiased variance (N - 1): the forward that formula belongs to."""
    monkeypatch.setattr(nm, "batchnorm_forward", unbiased_manual_forward)
    monkeypatch.setattr(torch_twin, "batchnorm_forward", unbiased_torch_forward)
    monkeypatch.setattr(jax_twin, "batchnorm_forward", unbiased_jax_forward)


# (layer, backward replaced, the replacement, forward made unbiased in all three, quantities that fail)
GALLERY = {
    "mean and var as constants": ("batchnorm", "batchnorm_backward", mean_and_var_as_constants, False, {"dx"}),
    "  look-alike: direct path less both corrections":
        ("batchnorm", "batchnorm_backward", direct_path_with_both_corrections, False, set()),
    "biased forward, the unbiased (N - 1) backward":
        ("batchnorm_alt", "batchnorm_backward_alt", unbiased_variance_formula, False, {"dx"}),
    "unbiased forward, the biased (N) backward":
        ("batchnorm_alt", "batchnorm_backward_alt", nm.batchnorm_backward_alt, True, {"dx"}),
    "  look-alike: unbiased forward, the unbiased backward":
        ("batchnorm_alt", "batchnorm_backward_alt", unbiased_variance_formula, True, set()),
    "layer norm summed over the batch":
        ("layernorm", "layernorm_backward", layernorm_summed_over_the_batch, False, {"dx"}),
    "  look-alike: layer norm as batch norm of x^T":
        ("layernorm", "layernorm_backward", layernorm_as_batchnorm_of_the_transpose, False, set()),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", list(GALLERY))
def test_each_mistake_fails_on_its_quantity_and_each_look_alike_passes(monkeypatch, case, dtype):
    name, attr, backward, unbiased, wrong = GALLERY[case]
    monkeypatch.setattr(nm, attr, backward)
    if unbiased:
        use_unbiased_forward(monkeypatch)
    rows = check(LAYERS[name], dtype)
    quantities, references = failing(rows)
    assert quantities == wrong, rows.to_string()
    if wrong:   # every reference sees it, float32's rows too: each error is far above its rtol
        assert references == ALL, rows.to_string()
        autograd = rows[rows["quantity"].isin(wrong) & (rows["reference"] != "numerical")]
        assert autograd["max_rel"].min() > 100 * rtol_for(dtype), rows.to_string()


def test_treating_mean_and_var_as_constants_is_caught_even_at_a_batch_of_one(monkeypatch):
    """N = 1: the right dx is exactly 0, the constant-statistics one is dout gamma / sqrt(eps) (~300 dout)."""
    monkeypatch.setattr(nm, "batchnorm_backward", mean_and_var_as_constants)
    quantities, references = failing(check(with_inputs("batchnorm", ONE["batchnorm"]), "float64"))
    assert quantities == {"dx"} and references == ALL
