"""makemore's "backprop ninja" network: the forward against PyTorch's and JAX's (and F.cross_entropy), every
intermediate's gradient against PyTorch's autograd (through the layer check's taps), the step-by-step and
the fused backwards against each other, db1 (zero to rounding) judged against the scale of what cancels,
and the planted mistakes, each failed by the check and first seen at the intermediate it gets wrong, beside
a look-alike that is right.

(The catalogue-wide agreement with torch, jax and the witness, every intermediate included, is
``tests/test_layers.py``; the taps themselves, ``tests/test_layer_intermediates.py``.)
"""

import inspect

import numpy as np
import pytest

import reference.jax_ad.layers.makemore as jax_twin
import reference.torch_ad.layers.makemore as torch_twin
from comparisons.agreement import PASSING, ZERO_TO_ROUNDING, max_errors, rtol_for
from comparisons.layer_check import check, jax_vjp, torch_vjp, upstream
from manual.layers import catalogue
from manual.layers import makemore as mm
from manual.layers import normalization as nm
from manual.layers.losses import one_hot

LAYERS = catalogue()
ALL = {"torch", "jax", "numerical"}
DTYPES = ["float64", "float32"]
ULPS = 64           # rounding allowance, in units of the dtype's eps, for sums of tens of terms

# zero in exact arithmetic, rounding in practice: judged against the scale of the terms that cancel
ZERO = {"dlogit_maxes": lambda g: np.abs(g["dnorm_logits"]).sum(1, keepdims=True),   # (N, 1)
        "db1": lambda g: mm.db1_scale(g["dhprebn"])}                                 # (H,) as the layer's own


def setup(dtype, seed=0):
    inputs = mm.makemore_inputs(seed, dtype)
    loss, cache = mm.makemore_forward(*inputs.values())
    return inputs, loss, cache, upstream(loss, seed)


def differs(name, a, b, dtype, right):
    """Whether gradient ``name`` differs between a and b: a shape, or more than the dtype's rtol relatively;
    the two zero-to-rounding gradients by more than ULPS eps of their terms' scale (from ``right``)."""
    if np.shape(a) != np.shape(b):
        return True
    if name in ZERO:
        bound = ULPS * np.finfo(dtype).eps * ZERO[name](right)
        return not (np.all(np.abs(a) <= bound) and np.all(np.abs(b) <= bound))
    return max_errors(a, b)[1] > rtol_for(dtype)


def failing(rows, quantities=None):
    """(quantities, references) of the rows that do not pass, among ``quantities`` (None: all)."""
    bad = rows[~rows["verdict"].isin(PASSING)]
    bad = bad if quantities is None else bad[bad["quantity"].isin(quantities)]
    return set(bad["quantity"]), set(bad["reference"])


# --- the forward ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_the_loss_is_the_same_in_numpy_torch_jax_and_cross_entropy_with_bessels_variance(dtype):
    import jax.numpy as jnp
    import torch

    inputs, loss, cache, _ = setup(dtype)
    assert loss.shape == () and loss.dtype == np.dtype(dtype)
    tensors = [torch.from_numpy(v) for v in inputs.values()]
    theirs = [torch_twin.makemore_forward(*tensors).numpy(),
              np.asarray(jax_twin.makemore_forward(*(jnp.asarray(v) for v in inputs.values()))),
              torch.nn.functional.cross_entropy(torch.from_numpy(cache["logits"]), tensors[1]).numpy()]
    for other in theirs:
        assert other.dtype == np.dtype(dtype) and abs(other - loss) <= ULPS * np.finfo(dtype).eps * loss
    # makemore's variance is the unbiased one: 1/(N-1), N = 32
    np.testing.assert_allclose(cache["bnvar"][0], cache["hprebn"].var(0, ddof=1), rtol=ULPS * np.finfo(dtype).eps)
    assert np.all(cache["bnvar"][0] / cache["hprebn"].var(0) > 1.03)       # 32/31 larger than the biased one
    # near makemore's first loss (ln 27 = 3.30 for a uniform guess)
    assert 2.5 < loss < 4.5


# --- every intermediate against PyTorch's autograd ----------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_every_intermediate_of_the_step_by_step_backward_agrees_with_torch_autograd(dtype):
    inputs, _, cache, dout = setup(dtype)
    mine = mm.makemore_gradients(dout, cache)
    assert list(mine) == list(mm.STEPS)                  # every intermediate, in backward order
    theirs = torch_vjp(LAYERS["makemore"], inputs, dout, taps=True)    # the twin taps every node by name
    assert set(theirs) == set(mm.STEPS)
    for name in mm.STEPS:
        assert mine[name].dtype == np.dtype(dtype), name
        assert not differs(name, mine[name], theirs[name], dtype, mine), (name, max_errors(mine[name], theirs[name]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_step_by_step_and_fused_backwards_agree_intermediate_by_intermediate(seed, dtype):
    _, _, cache, dout = setup(dtype, seed)
    steps, fused = mm.makemore_gradients(dout, cache), mm.makemore_fused_gradients(dout, cache)
    assert list(fused) == list(mm.FUSED) and set(mm.FUSED) < set(mm.STEPS)
    eps = np.finfo(dtype).eps
    for name in mm.FUSED:
        if name in ZERO:
            assert not differs(name, steps[name], fused[name], dtype, steps), name
        else:
            assert max_errors(steps[name], fused[name])[1] <= ULPS * eps, (name, max_errors(steps[name], fused[name]))
    for a, b in zip(mm.makemore_backward(dout, cache), mm.makemore_backward_fused(dout, cache)):
        assert a.shape == b.shape


def test_the_backwards_return_a_gradient_of_each_parameters_shape_and_dc_adds_repeated_characters():
    inputs, _, cache, dout = setup("float64")
    grads = mm.makemore_backward(dout, cache)
    assert [g.shape for g in grads] == [inputs[k].shape for k in mm.PARAMETERS]
    dC = grads[0]
    used = np.bincount(inputs["Xb"].ravel(), minlength=27)
    assert used.max() > 1 and (used == 0).any()          # repeats, and characters never in a context
    assert not dC[used == 0].any() and np.all(np.abs(dC[used > 0]).sum(1) > 0)


# --- db1: zero to rounding ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_db1_is_zero_to_rounding_in_every_source_and_the_relative_check_cannot_judge_it(dtype):
    """b1 cancels in bndiff, so db1 = sum_n dhprebn[n] = 0 in exact arithmetic; each source returns its own
    rounding, under ULPS eps of sum_n |dhprebn[n]|. Relatively, two of them differ by O(1): why the
    catalogue's entries judge db1 as zero to rounding (``Layer.zero``) and not relatively."""
    inputs, _, cache, dout = setup(dtype)
    steps = mm.makemore_gradients(dout, cache)
    bound = ULPS * np.finfo(dtype).eps * mm.db1_scale(steps["dhprebn"])
    layer = LAYERS["makemore"]
    sources = {"steps": steps["db1"], "fused": mm.makemore_fused_gradients(dout, cache)["db1"],
               "torch": torch_vjp(layer, inputs, dout)["db1"], "jax": jax_vjp(layer, inputs, dout)["db1"]}
    for name, db1 in sources.items():
        assert db1.shape == (64,) and np.all(np.abs(db1) <= bound), name
    assert max(max_errors(sources["steps"], sources[k])[1] for k in ("torch", "jax")) > 0.1   # noise, not error
    for name in ("makemore", "makemore_fused"):
        assert "b1" in LAYERS[name].grads and "db1" in LAYERS[name].zero
    rows = check(layer, dtype, against=("torch", "jax"))
    assert set(rows[rows["quantity"] == "db1"]["verdict"]) == {ZERO_TO_ROUNDING}


def test_the_loss_does_not_move_with_b1_complex_step():
    """The loss's own derivative in b1, by the complex step (exact to rounding: nothing is subtracted in the
    difference quotient): zero to rounding too, each element."""
    inputs, _, cache, _ = setup("float64")
    bound = ULPS * np.finfo(np.float64).eps * mm.db1_scale(mm.makemore_gradients(np.asarray(1.0), cache)["dhprebn"])
    h = 1e-20
    values = {k: v if k in ("Xb", "Yb") else v.astype(complex) for k, v in inputs.items()}
    for j in range(64):
        b1 = values["b1"].copy()
        b1[j] += 1j * h
        assert abs(mm.makemore_forward(*{**values, "b1": b1}.values())[0].imag / h) <= bound[j], j
    # a live parameter's complex step is far from zero: the probe is not blind
    bnbias = values["bnbias"].copy()
    bnbias[0, 0] += 1j * h
    assert abs(mm.makemore_forward(*{**values, "bnbias": bnbias}.values())[0].imag / h) > 1e-4


# --- planted mistakes and their look-alikes -----------------------------------------------------------
# Each replaces one stage of the backward (``mm.cross_entropy_steps``, ``mm.batchnorm_steps``,
# ``mm.batchnorm_fused``) by the same stage with one line changed, marked ``# planted`` (wrong) or
# ``# looks wrong`` (right); the rest of the stage is the right one (``rest_of_*``).

def labelled(c, value):
    """(N, V): ``value`` at each row's label, 0 elsewhere."""
    d = np.zeros_like(c["logprobs"])
    d[np.arange(d.shape[0]), c["Yb"]] = value
    return d


def rest_of_cross_entropy(c, dlogprobs, dprobs, dcounts_sum_inv):
    """``mm.cross_entropy_steps`` from dcounts on, given the gradients before it."""
    n = c["logits"].shape[0]
    dcounts = c["counts_sum_inv"] * dprobs
    dcounts_sum = -c["counts_sum"] ** -2 * dcounts_sum_inv
    dcounts = dcounts + np.ones_like(c["counts"]) * dcounts_sum
    dnorm_logits = c["counts"] * dcounts
    dlogit_maxes = -dnorm_logits.sum(1, keepdims=True)
    onehot_max = np.zeros_like(c["logits"])
    onehot_max[np.arange(n), c["logits"].argmax(1)] = 1
    return dict(dlogprobs=dlogprobs, dprobs=dprobs, dcounts_sum_inv=dcounts_sum_inv, dcounts_sum=dcounts_sum,
                dcounts=dcounts, dnorm_logits=dnorm_logits, dlogit_maxes=dlogit_maxes,
                dlogits=dnorm_logits + onehot_max * dlogit_maxes)


def dlogprobs_without_1_over_n(dout, c):
    """Wrong: -dout at the labels, the mean's 1/N forgotten: every gradient N = 32 times too large."""
    dlogprobs = labelled(c, -dout)                                   # planted: -dout, not -dout / N
    dprobs = dlogprobs / c["probs"]
    return rest_of_cross_entropy(c, dlogprobs, dprobs, (c["counts"] * dprobs).sum(1, keepdims=True))


def dlogprobs_as_mean_one_hot(dout, c):
    """Right look-alike: no 1/N written at the labels; the one-hot rows averaged over the batch instead."""
    dlogprobs = -dout * one_hot(c["Yb"], c["logits"].shape[1], c["logits"].dtype) / c["Yb"].shape[0]  # looks wrong
    dprobs = dlogprobs / c["probs"]
    return rest_of_cross_entropy(c, dlogprobs, dprobs, (c["counts"] * dprobs).sum(1, keepdims=True))


def dcounts_sum_inv_not_summed(dout, c):
    """Wrong: counts_sum_inv (N, 1) was broadcast over the V columns; left (N, V), it broadcasts on silently."""
    dlogprobs = labelled(c, -dout / c["logits"].shape[0])
    dprobs = dlogprobs / c["probs"]
    dcounts_sum_inv = c["counts"] * dprobs                           # planted: (N, V), not summed over the columns
    return rest_of_cross_entropy(c, dlogprobs, dprobs, dcounts_sum_inv)


def dcounts_sum_inv_summed_over_rows(dout, c):
    """Wrong: summed, but over the rows (1, V), a broadcast over the batch's shape."""
    dlogprobs = labelled(c, -dout / c["logits"].shape[0])
    dprobs = dlogprobs / c["probs"]
    dcounts_sum_inv = (c["counts"] * dprobs).sum(0, keepdims=True)   # planted: over the rows, not the columns
    return rest_of_cross_entropy(c, dlogprobs, dprobs, dcounts_sum_inv)


def dcounts_sum_inv_as_matmul(dout, c):
    """Right look-alike: the sum over the columns as a product with a column of ones, no .sum in sight."""
    dlogprobs = labelled(c, -dout / c["logits"].shape[0])
    dprobs = dlogprobs / c["probs"]
    V = c["logits"].shape[1]
    dcounts_sum_inv = (c["counts"] * dprobs) @ np.ones((V, 1), dprobs.dtype)   # looks wrong: no sum
    return rest_of_cross_entropy(c, dlogprobs, dprobs, dcounts_sum_inv)


def batchnorm_up_to_dbndiff2(dhpreact, c):
    """``mm.batchnorm_steps``' gradients before dbndiff (dbngain ... dbndiff2), unchanged."""
    n = dhpreact.shape[0]
    g = dict(dbngain=(c["bnraw"] * dhpreact).sum(0, keepdims=True), dbnraw=c["bngain"] * dhpreact,
             dbnbias=dhpreact.sum(0, keepdims=True))
    g["dbnvar_inv"] = (c["bndiff"] * g["dbnraw"]).sum(0, keepdims=True)
    g["dbnvar"] = -0.5 * (c["bnvar"] + mm.EPS) ** -1.5 * g["dbnvar_inv"]
    g["dbndiff2"] = 1 / (n - 1) * np.ones_like(c["bndiff2"]) * g["dbnvar"]
    return g


def rest_of_batchnorm(c, g, dbndiff):
    """``mm.batchnorm_steps`` from dbndiff on: the mean's path, dhprebn."""
    n = dbndiff.shape[0]
    dbnmeani = -dbndiff.sum(0, keepdims=True)
    return {**g, "dbndiff": dbndiff, "dbnmeani": dbnmeani,
            "dhprebn": dbndiff + 1 / n * np.ones_like(c["hprebn"]) * dbnmeani}


def dbndiff_without_the_variance(dhpreact, c):
    """Wrong: only the direct path bnraw = bndiff * bnvar_inv, as if the variance did not depend on bndiff."""
    g = batchnorm_up_to_dbndiff2(dhpreact, c)
    dbndiff = c["bnvar_inv"] * g["dbnraw"]                           # planted: no + 2 bndiff dbndiff2
    return rest_of_batchnorm(c, g, dbndiff)


def dbndiff_both_paths_through_bnraw(dhpreact, c):
    """Right look-alike: dbndiff2 unused, the variance's path folded in with bndiff bnvar_inv = bnraw:
    dbndiff = bnvar_inv (dbnraw - bnraw sum_n(bnraw dbnraw) / (N - 1))."""
    g = batchnorm_up_to_dbndiff2(dhpreact, c)
    n, bnraw, dbnraw = dhpreact.shape[0], c["bnraw"], g["dbnraw"]
    dbndiff = c["bnvar_inv"] * (dbnraw - bnraw * (bnraw * dbnraw).sum(0, keepdims=True) / (n - 1))  # looks wrong
    return rest_of_batchnorm(c, g, dbndiff)


def fused_batchnorm_with_1_over_n(dhpreact, c):
    """Wrong: normalization.py's biased-variance backward (coefficient 1 on the variance's term, for a
    forward dividing by N) on makemore's forward, which divides by N - 1."""
    g = ORIGINAL["batchnorm_fused"](dhpreact, c)
    bn_cache = {"xhat": c["bnraw"], "ivar": c["bnvar_inv"], "gamma": c["bngain"]}
    dhprebn, _, _ = nm.batchnorm_backward_alt(dhpreact, bn_cache)    # planted: 1/N's formula, not N/(N-1)'s
    return {**g, "dhprebn": dhprebn}


def fused_batchnorm_as_means(dhpreact, c):
    """Right look-alike: bngain bnvar_inv (dhpreact - mean_n dhpreact - bnraw sum_n(dhpreact bnraw) / (N - 1))."""
    n, bnraw = dhpreact.shape[0], c["bnraw"]
    g = ORIGINAL["batchnorm_fused"](dhpreact, c)
    variance = bnraw * (dhpreact * bnraw).sum(0, keepdims=True) / (n - 1)
    dhprebn = c["bngain"] * c["bnvar_inv"] * (dhpreact - dhpreact.mean(0, keepdims=True) - variance)  # looks wrong
    return {**g, "dhprebn": dhprebn}


ORIGINAL = {k: getattr(mm, k) for k in ("cross_entropy_steps", "batchnorm_steps", "batchnorm_fused")}
EVERY = {"dC", "dW1", "dbngain", "dbnbias", "dW2", "db2"}
BELOW_BATCHNORM = {"dC", "dW1"}

# case: (layer, stage replaced, replacement, the first intermediate it gets wrong, checked gradients that fail)
GALLERY = {
    "dlogprobs without the 1/n": ("makemore", "cross_entropy_steps", dlogprobs_without_1_over_n, "dlogprobs", EVERY),
    "  look-alike: dlogprobs as -dout mean of one-hot rows":
        ("makemore", "cross_entropy_steps", dlogprobs_as_mean_one_hot, None, set()),
    "dcounts_sum_inv not summed over the columns (N, V)":
        ("makemore", "cross_entropy_steps", dcounts_sum_inv_not_summed, "dcounts_sum_inv", EVERY),
    "dcounts_sum_inv summed over the rows (1, V)":
        ("makemore", "cross_entropy_steps", dcounts_sum_inv_summed_over_rows, "dcounts_sum_inv", EVERY),
    "  look-alike: dcounts_sum_inv as (counts dprobs) @ ones":
        ("makemore", "cross_entropy_steps", dcounts_sum_inv_as_matmul, None, set()),
    "dbndiff without the path through bndiff2":
        ("makemore", "batchnorm_steps", dbndiff_without_the_variance, "dbndiff", BELOW_BATCHNORM),
    "  look-alike: dbndiff's two paths in one line through bnraw":
        ("makemore", "batchnorm_steps", dbndiff_both_paths_through_bnraw, None, set()),
    "fused batch norm with 1/n (the biased variance's)":
        ("makemore_fused", "batchnorm_fused", fused_batchnorm_with_1_over_n, "dhprebn", BELOW_BATCHNORM),
    "  look-alike: fused batch norm as means, with 1/(n-1)":
        ("makemore_fused", "batchnorm_fused", fused_batchnorm_as_means, None, set()),
}


def first_wrong(name, dtype, monkeypatch, stage, replacement):
    """The first intermediate, in backward order, where the backward with ``replacement`` differs from the
    right one (None: none does)."""
    _, _, cache, dout = setup(dtype)
    gradients = mm.makemore_gradients if name == "makemore" else mm.makemore_fused_gradients
    right = gradients(dout, cache)
    monkeypatch.setattr(mm, stage, replacement)
    planted = gradients(dout, cache)
    return next((k for k in right if differs(k, right[k], planted[k], dtype, right)), None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", list(GALLERY))
def test_each_mistake_fails_on_its_quantity_and_each_look_alike_passes(monkeypatch, case, dtype):
    name, stage, replacement, named, wrong = GALLERY[case]
    marks = [line for line in inspect.getsource(replacement).splitlines()
             if "# planted" in line or "# looks wrong" in line]
    assert len(marks) == 1 and ("# planted" in marks[0]) == bool(named)      # its one telling line, marked
    assert first_wrong(name, dtype, monkeypatch, stage, replacement) == named
    rows = check(LAYERS[name], dtype)
    quantities, references = failing(rows, ["d" + k for k in mm.PARAMETERS])
    assert quantities == wrong, rows.to_string()
    # the check's rows run in backward order: the first that fails, in each framework, is the slip's own
    for reference in ("torch", "jax"):
        mine = rows[rows["reference"] == reference]
        assert next(iter(mine[~mine["verdict"].isin(PASSING)]["quantity"]), None) == named, rows.to_string()
    if wrong:   # every reference sees it, float32's too: each error is far above its rtol
        assert references == ALL, rows.to_string()
        autograd = rows[rows["quantity"].isin(wrong) & (rows["reference"] != "numerical")]
        assert autograd["max_rel"].min() > 10 * rtol_for(dtype), rows.to_string()
