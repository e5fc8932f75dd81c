"""The vanilla RNN and the LSTM in JAX (forward only), the twins of ``manual/layers/rnn.py``: the same
function names and signatures, in JAX ops, so that ``jax.vjp`` differentiates them."""

import jax
import jax.numpy as jnp


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return jnp.tanh(x @ Wx + prev_h @ Wh + b)


def rnn_forward(x, h0, Wx, Wh, b):
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        hs.append(h)
    return jnp.stack(hs, axis=1)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    i, f, o, g = jnp.split(x @ Wx + prev_h @ Wh + b, 4, axis=1)    # CS231n's gate order i, f, o, g
    next_c = jax.nn.sigmoid(f) * prev_c + jax.nn.sigmoid(i) * jnp.tanh(g)
    next_h = jax.nn.sigmoid(o) * jnp.tanh(next_c)
    return next_h, next_c


def lstm_step_forward_joint(x, prev_h, prev_c, Wx, Wh, b):
    return jnp.concatenate(lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b), axis=1)


def lstm_forward(x, h0, Wx, Wh, b):
    h, c, hs = h0, jnp.zeros_like(h0), []
    for t in range(x.shape[1]):
        h, c = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
    return jnp.stack(hs, axis=1)
