"""The loss layers (softmax, multiclass SVM), inverted dropout and the word embedding: named edge cases
(scores of +-1000, a batch of one, a repeated index, an SVM margin of exactly 0) and the planted mistakes
of each, every one a wrong backward the check must fail in the quantity named, beside a look-alike that
is right and must pass."""

import dataclasses

import numpy as np
import pytest

import manual.layers.dropout as dropout
import manual.layers.embedding as embedding
import manual.layers.losses as losses
from comparisons.agreement import AGREE
from comparisons.layer_check import check, manual
from comparisons.mistakes.layer_slips import (dropout_where_lookalike, dropout_without_mask, dropout_without_scale,
                                              embedding_assigned, embedding_buffered_add, embedding_one_hot_lookalike,
                                              softmax_in_place_lookalike, softmax_without_mean,
                                              svm_counting_the_correct_class, svm_loop_without_continue_lookalike)
from manual.layers import catalogue

LAYERS = catalogue()
ALL = {"torch", "jax", "numerical"}


def with_inputs(name, inputs):
    """The catalogue's layer ``name`` fed ``inputs`` ({name: array}, cast to the dtype asked) instead of its own."""
    def make(seed, dtype):
        return {k: v.astype(dtype) if np.issubdtype(v.dtype, np.floating) else v for k, v in inputs.items()}

    return dataclasses.replace(LAYERS[name], inputs=make)


def disagreeing(rows):
    return rows[rows["verdict"] != AGREE]


# --- the losses -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["softmax_loss", "svm_loss"])
def test_a_loss_is_a_0d_array_and_its_upstream_gradient_too(name):
    layer = LAYERS[name]
    out, grads, dout = manual(layer, layer.inputs(0, np.float64))
    assert out.shape == () and dout.shape == () and dout != 1
    assert grads["dx"].shape == layer.inputs(0, np.float64)["x"].shape


def test_the_softmax_loss_is_the_mean_cross_entropy():
    x = np.array([[1.0, 2.0, 3.0], [0.5, -0.5, 2.0]])
    y = np.array([2, 0])
    expected = -np.mean([np.log(np.exp(x[n, y[n]]) / np.exp(x[n]).sum()) for n in range(2)])
    assert np.isclose(losses.softmax_loss_forward(x, y)[0], expected, rtol=1e-14)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_loss_is_stable_at_scores_of_1000(dtype):
    """Without subtracting the row maximum, e^1000 overflows and the loss is nan; with it, a label at the
    row's +1000 costs ~0 and a label at -1000 costs ~2000, and the gradients agree with autograd."""
    x = np.array([[1000.0, -1000.0, 0.5], [-1000.0, 1000.0, 3.0], [2.0, 1000.0, -1000.0]])
    y = np.array([0, 0, 2])
    layer = with_inputs("softmax_loss", {"x": x, "y": y})
    out, grads, _ = manual(layer, layer.inputs(0, np.dtype(dtype)))
    assert np.isfinite(out) and np.all(np.isfinite(grads["dx"]))
    assert np.isclose(out, (0 + 2000 + 2000) / 3, rtol=1e-6)
    rows = check(layer, dtype)
    assert set(rows["reference"]) == ALL and disagreeing(rows).empty, rows.to_string()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["softmax_loss", "svm_loss"])
def test_a_batch_of_one(name, dtype):
    """N = 1: the mean is the one example's loss; the 1/N is 1, so this alone cannot catch a missing /N.
    (Seed 0 gives the SVM's one row active and inactive hinges both: with none active, as at seed 7, the
    loss is 0 around the point and the witness has nothing to measure.)"""
    inputs = getattr(losses, name.split("_")[0] + "_inputs")(0, np.float64, N=1)
    layer = with_inputs(name, inputs)
    out, grads, _ = manual(layer, layer.inputs(0, np.float64))
    assert out > 0 and np.count_nonzero(grads["dx"]) >= 2
    rows = check(layer, dtype)
    assert set(rows["reference"]) == ALL and disagreeing(rows).empty, rows.to_string()


def test_svm_inputs_stay_away_from_the_kink_with_both_sides_present():
    x, y = losses.svm_inputs(0, np.float64).values()
    D = x - x[np.arange(len(y)), y][:, None] + 1
    wrong_class = np.ones_like(D, bool)
    wrong_class[np.arange(len(y)), y] = False
    assert np.abs(D[wrong_class]).min() >= 0.1
    assert (D[wrong_class] > 0).any() and (D[wrong_class] < 0).any()


def test_svm_at_a_margin_of_exactly_0_takes_the_subgradient_0_as_autograd():
    """x[0] = (0, -1), label 0: the margin of class 1 is -1 - 0 + 1 = 0 exactly. The derivation takes 0
    there (only D > 0 counts); the twins' ReLU does the same, so torch and jax agree (the witness is not
    asked: its stencil crosses the kink)."""
    x = np.array([[0.0, -1.0, 0.5], [0.2, 1.5, -2.0]])
    y = np.array([0, 1])
    layer = with_inputs("svm_loss", {"x": x, "y": y})
    _, grads, dout = manual(layer, layer.inputs(0, np.float64))
    assert grads["dx"][0, 1] == 0 and grads["dx"][0, 2] != 0
    rows = check(layer, "float64", against=("torch", "jax"))
    assert set(rows["reference"]) == {"torch", "jax"} and disagreeing(rows).empty, rows.to_string()


# --- dropout and the embedding ----------------------------------------------------------------------

def test_dropout_p_is_the_probability_of_keeping():
    x = np.ones((200, 500))
    out, (mask, p) = dropout.dropout_forward(x, p=0.7, seed=3)
    assert abs(mask.mean() - 0.7) < 0.01                     # 70% kept, not 70% dropped
    assert set(np.unique(out)) == {0.0, 1 / 0.7}             # kept units scaled by 1/p
    assert abs(out.mean() - 1) < 0.02                         # inverted: E[out] = x


@pytest.mark.parametrize("p", [0.0, -0.3, 1.5])
def test_dropout_refuses_a_keep_probability_outside_0_to_1(p):
    with pytest.raises(ValueError, match="probability of keeping"):
        dropout.dropout_forward(np.ones((2, 3)), p=p, seed=0)


def test_dropout_mask_is_the_seeds_in_every_twin():
    import torch

    from reference.jax_ad.layers.dropout import dropout_forward as jax_forward
    from reference.torch_ad.layers.dropout import dropout_forward as torch_forward

    x = dropout.dropout_inputs(0, np.float64)["x"]
    out, (mask, _) = dropout.dropout_forward(x, **dropout.OPTIONS)
    assert mask.any() and not mask.all()
    assert np.array_equal(torch_forward(torch.from_numpy(x), **dropout.OPTIONS).numpy() == 0, ~mask)
    assert np.array_equal(np.asarray(jax_forward(x, **dropout.OPTIONS)) == 0, ~mask)
    assert not np.array_equal(dropout.dropout_forward(x, p=0.7, seed=4)[1][0], mask)


def test_a_repeated_index_accumulates():
    x, W = embedding.embedding_inputs(0, np.float64).values()
    out, cache = embedding.word_embedding_forward(x, W)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    dW = embedding.word_embedding_backward(dout, cache)
    assert (x == 1).sum() >= 3
    assert np.allclose(dW[1], dout[x == 1].sum(axis=0)) and not np.allclose(dW[1], dout[x == 1][-1])
    assert np.all(dW[W.shape[0] - 1] == 0)                    # a word that never occurs gets no gradient


# --- planted mistakes and their look-alikes ---------------------------------------------------------

MISTAKES = [
    ("softmax_loss", losses, "softmax_loss_backward", softmax_without_mean, "dx"),
    ("svm_loss", losses, "svm_loss_backward", svm_counting_the_correct_class, "dx"),
    ("dropout", dropout, "dropout_backward", dropout_without_scale, "dx"),
    ("dropout", dropout, "dropout_backward", dropout_without_mask, "dx"),
    ("word_embedding", embedding, "word_embedding_backward", embedding_assigned, "dW"),
    ("word_embedding", embedding, "word_embedding_backward", embedding_buffered_add, "dW"),
]
LOOKALIKES = [
    ("softmax_loss", losses, "softmax_loss_backward", softmax_in_place_lookalike),
    ("svm_loss", losses, "svm_loss_backward", svm_loop_without_continue_lookalike),
    ("dropout", dropout, "dropout_backward", dropout_where_lookalike),
    ("word_embedding", embedding, "word_embedding_backward", embedding_one_hot_lookalike),
]


@pytest.mark.parametrize("name, module, function, wrong, quantity", MISTAKES,
                         ids=[m[3].__name__ for m in MISTAKES])
def test_the_check_fails_a_planted_mistake(monkeypatch, name, module, function, wrong, quantity):
    monkeypatch.setattr(module, function, wrong)
    bad = disagreeing(check(LAYERS[name], "float64"))
    assert set(bad["quantity"]) == {quantity} and set(bad["reference"]) == ALL, bad.to_string()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, module, function, right", LOOKALIKES, ids=[m[3].__name__ for m in LOOKALIKES])
def test_the_check_passes_a_lookalike_that_is_right(monkeypatch, name, module, function, right, dtype):
    monkeypatch.setattr(module, function, right)
    rows = check(LAYERS[name], dtype)
    assert set(rows["reference"]) == ALL and disagreeing(rows).empty, rows.to_string()


def test_the_embedding_assignment_slips_through_without_a_repeated_index(monkeypatch):
    """Why the inputs repeat an index: with every index distinct, dW[x] = dout is right and the check
    passes it; only a repeat tells assignment from accumulation."""
    monkeypatch.setattr(embedding, "word_embedding_backward", embedding_assigned)
    rng = np.random.default_rng(0)
    distinct = {"x": rng.permutation(8).reshape(2, 4), "W": rng.standard_normal((9, 3))}
    assert disagreeing(check(with_inputs("word_embedding", distinct), "float64")).empty
