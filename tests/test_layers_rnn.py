"""The recurrent layers and attention (``manual/layers/rnn.py``, ``manual/layers/attention.py``): their
named edge cases, and each classic mistake, which the layer check must fail in the quantities it breaks,
beside a look-alike that is written differently but is right and must pass.

The catalogue-wide agreement (every layer x dtype x torch/jax/numerical) is ``tests/test_layers.py``'s.
"""

from dataclasses import replace

import numpy as np
import pytest

import manual.layers.attention as attention
import manual.layers.rnn as rnn
from comparisons.agreement import PASSING
from comparisons.layer_check import check
from comparisons.mistakes.layer_slips import (attention_backward_full_jacobian,
                                              attention_backward_without_softmax_jacobian, lstm_step_backward_by_slices,
                                              lstm_step_backward_gates_swapped,
                                              lstm_step_backward_without_tanh_derivative, rnn_backward_vectorised,
                                              rnn_backward_without_carry)
from manual.layers import catalogue

LAYERS = catalogue()
MINE = ("rnn_step", "rnn", "lstm_step", "lstm", "attention", "attention_causal")


def failing(rows, layer=None):
    """{quantity: set of references} of the rows that do not pass (only the inputs' gradients of ``layer``,
    where given: the intermediates' rows are ``tests/test_layer_intermediates.py``'s)."""
    bad = rows[~rows["verdict"].isin(PASSING)]
    bad = bad if layer is None else bad[bad["quantity"].isin(["d" + k for k in layer.grads])]
    return {q: set(g["reference"]) for q, g in bad.groupby("quantity")}


def as_steps(step_backward):
    """``step_backward(dnext_h, dnext_c, cache) -> (dx, dprev_h, dprev_c, dWx, dWh, db)`` in the form the
    LSTM sequence calls at every step (``rnn.lstm_step_backward_steps``): the right step's intermediates
    with its six gradients replaced by ``step_backward``'s."""
    right = rnn.lstm_step_backward_steps
    names = ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db")

    def steps(dnext_h, dnext_c, cache):
        return {**right(dnext_h, dnext_c, cache), **dict(zip(names, step_backward(dnext_h, dnext_c, cache)))}

    steps.__name__ = step_backward.__name__
    return steps


# --- Forwards: the same function in all three sources, in the input's dtype ---------------------------

def twin_output(layer, source, inputs):
    if source == "torch":
        import torch

        out = layer.function("torch", "forward")(*(torch.from_numpy(v) for v in inputs.values()), **layer.options)
        return out.numpy()
    import jax.numpy as jnp

    import reference.jax_ad  # noqa: F401  (64-bit mode)

    return np.asarray(layer.function("jax", "forward")(*(jnp.asarray(v) for v in inputs.values()), **layer.options))


@pytest.mark.parametrize("source", ["torch", "jax"])
@pytest.mark.parametrize("name", MINE)
def test_the_twins_compute_the_same_forward(name, source):
    layer = LAYERS[name]
    inputs = layer.inputs(0, np.float64)
    out, _ = layer.function("manual", "forward")(*inputs.values(), **layer.options)
    np.testing.assert_allclose(twin_output(layer, source, inputs), out, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", MINE)
def test_float32_inputs_give_float32_outputs_and_gradients(name):
    """A float64 constant (np.sqrt(d) as a NumPy scalar) would promote everything to float64 silently."""
    layer = LAYERS[name]
    inputs = layer.inputs(0, np.float32)
    out, cache = layer.function("manual", "forward")(*inputs.values(), **layer.options)
    dout = np.random.default_rng(3).standard_normal(out.shape).astype(np.float32)
    grads = layer.function("manual", "backward")(dout, cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


# --- Sequences of length one --------------------------------------------------------------------------

@pytest.mark.parametrize("name, make", [("rnn", rnn.rnn_inputs), ("lstm", rnn.lstm_inputs)])
def test_a_sequence_of_length_one_agrees(name, make):
    layer = replace(LAYERS[name], inputs=lambda seed, dtype: make(seed, dtype, steps=1))
    rows = check(layer, "float64")
    assert not failing(rows), rows.to_string()


def test_a_sequence_of_length_one_is_one_step():
    inputs = rnn.rnn_inputs(0, np.float64, steps=1)
    h, _ = rnn.rnn_forward(*inputs.values())
    next_h, _ = rnn.rnn_step_forward(inputs["x"][:, 0], *list(inputs.values())[1:])
    np.testing.assert_array_equal(h[:, 0], next_h)
    lstm_inputs = rnn.lstm_inputs(0, np.float64, steps=1)
    x, h0, Wx, Wh, b = lstm_inputs.values()
    h, _ = rnn.lstm_forward(x, h0, Wx, Wh, b)
    np.testing.assert_array_equal(h[:, 0], rnn.lstm_step_forward(x[:, 0], h0, np.zeros_like(h0), Wx, Wh, b)[0])


def test_the_lstm_joint_step_is_the_cs231n_step():
    """The catalogue's wrapper adds nothing: out is [next_h, next_c], its backward is lstm_step_backward's."""
    x, prev_h, prev_c, Wx, Wh, b = rnn.lstm_step_inputs(0, np.float64).values()
    next_h, next_c, cache = rnn.lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    out, joint_cache = rnn.lstm_step_forward_joint(x, prev_h, prev_c, Wx, Wh, b)
    np.testing.assert_array_equal(out, np.concatenate([next_h, next_c], axis=1))
    dnext_h, dnext_c = np.random.default_rng(1).standard_normal((2, *next_h.shape))
    for joint, plain in zip(rnn.lstm_step_backward_joint(np.concatenate([dnext_h, dnext_c], axis=1), joint_cache),
                            rnn.lstm_step_backward(dnext_h, dnext_c, cache)):
        np.testing.assert_array_equal(joint, plain)


# --- The causal mask ------------------------------------------------------------------------------------

@pytest.mark.parametrize("T", [1, 4])
def test_the_first_query_of_a_causal_mask_sees_only_the_first_key(T):
    q, k, v = attention.causal_inputs(0, np.float64, T=T).values()
    out, cache = attention.attention_forward(q, k, v, causal=True)
    P = cache[3]
    np.testing.assert_array_equal(P[:, 0], np.eye(T)[0].reshape(1, T).repeat(len(q), axis=0))
    np.testing.assert_allclose(out[:, 0], v[:, 0], rtol=1e-15)
    dq, dk, dv = attention.attention_backward(np.random.default_rng(2).standard_normal(out.shape), cache)
    np.testing.assert_array_equal(dq[:, 0], 0)      # a softmax over one key is the constant 1
    if T > 1:
        assert np.all(np.abs(dq[:, 1:]) > 0)        # the later queries see several keys and do move


def test_a_causal_mask_at_length_one_agrees():
    layer = replace(LAYERS["attention_causal"], inputs=lambda seed, dtype: attention.causal_inputs(seed, dtype, T=1))
    rows = check(layer, "float64")
    assert not failing(rows), rows.to_string()


def test_a_causal_mask_needs_as_many_queries_as_keys():
    q, k, v = attention.attention_inputs(0, np.float64, T=3, S=4).values()
    with pytest.raises(ValueError, match="T=3 queries and S=4 keys"):
        attention.attention_forward(q, k, v, causal=True)


# --- The classic mistakes, and look-alikes that are right --------------------------------------------

ALL = {"torch", "jax", "numerical"}
MISTAKES = [
    # (layer, module, function replaced, the mistake, {quantity failing: references})
    ("rnn", rnn, "rnn_backward", rnn_backward_without_carry, dict.fromkeys(["dx", "dh0", "dWx", "dWh", "db"], ALL)),
    ("lstm_step", rnn, "lstm_step_backward", lstm_step_backward_gates_swapped,
     dict.fromkeys(["dx", "dprev_h", "dWx", "dWh", "db"], ALL)),      # dprev_c = dc * f needs no gate order
    ("lstm", rnn, "lstm_step_backward_steps", as_steps(lstm_step_backward_gates_swapped),
     dict.fromkeys(["dx", "dh0", "dWx", "dWh", "db"], ALL)),
    ("lstm_step", rnn, "lstm_step_backward", lstm_step_backward_without_tanh_derivative,
     dict.fromkeys(["dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"], ALL)),
    ("attention", attention, "attention_backward", attention_backward_without_softmax_jacobian,
     dict.fromkeys(["dq", "dk"], ALL)),                                # dv = P^T dout needs no Jacobian
    ("attention_causal", attention, "attention_backward", attention_backward_without_softmax_jacobian,
     dict.fromkeys(["dq", "dk"], ALL)),
]
LOOK_ALIKES = [
    ("rnn", rnn, "rnn_backward", rnn_backward_vectorised),
    ("lstm_step", rnn, "lstm_step_backward", lstm_step_backward_by_slices),
    ("lstm", rnn, "lstm_step_backward_steps", as_steps(lstm_step_backward_by_slices)),
    ("attention", attention, "attention_backward", attention_backward_full_jacobian),
    ("attention_causal", attention, "attention_backward", attention_backward_full_jacobian),
]


@pytest.mark.parametrize("name, module, attr, wrong, expected", MISTAKES,
                         ids=[f"{m[0]}-{m[3].__name__}" for m in MISTAKES])
def test_the_check_fails_each_classic_mistake_in_the_quantities_it_breaks(monkeypatch, name, module, attr, wrong,
                                                                          expected):
    monkeypatch.setattr(module, attr, wrong)
    assert failing(check(LAYERS[name], "float64"), LAYERS[name]) == expected


@pytest.mark.parametrize("name, module, attr, right", LOOK_ALIKES, ids=[f"{m[0]}-{m[3].__name__}" for m in LOOK_ALIKES])
def test_a_look_alike_that_is_right_passes(monkeypatch, name, module, attr, right):
    monkeypatch.setattr(module, attr, right)
    rows = check(LAYERS[name], "float64")
    assert not failing(rows), rows.to_string()


def test_the_missing_carry_cannot_show_in_a_sequence_of_length_one(monkeypatch):
    """With T = 1 nothing flows back from a later step, so the no-carry backward is right there: a check
    of the RNN must use T > 1 (the catalogue's uses T = 3)."""
    monkeypatch.setattr(rnn, "rnn_backward", rnn_backward_without_carry)
    one_step = replace(LAYERS["rnn"], inputs=lambda seed, dtype: rnn.rnn_inputs(seed, dtype, steps=1))
    assert not failing(check(one_step, "float64"))
    assert LAYERS["rnn"].inputs(0, np.float64)["x"].shape[1] > 1
