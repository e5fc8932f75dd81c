"""The vanilla RNN and the LSTM in PyTorch (forward only), the twins of ``manual/layers/rnn.py``: the same
function names and signatures, in torch ops, so that autograd differentiates them. The hand derivation's
intermediates are marked ``tap(name, ...)`` (the identity unless ``comparisons.layer_check`` asks for
their gradients): a step's pre-activation a, the LSTM's gates and cell c; a sequence taps them, and each
h_t, once per time step (``step=t``)."""

from functools import partial

import torch


def untapped(name, value, step=None):
    return value


def at_step(tap, t):
    """The tap a sequence gives its step t (None stays None)."""
    return None if tap is None else partial(tap, step=t)


def rnn_step_forward(x, prev_h, Wx, Wh, b, tap=None):
    tap = tap or untapped
    return torch.tanh(tap("a", x @ Wx + prev_h @ Wh + b))


def rnn_forward(x, h0, Wx, Wh, b, tap=None):
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = rnn_step_forward(x[:, t], h, Wx, Wh, b, tap=at_step(tap, t))
        h = h if tap is None else tap("h", h, step=t)
        hs.append(h)
    return torch.stack(hs, dim=1)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b, tap=None):
    tap = tap or untapped
    a = tap("a", x @ Wx + prev_h @ Wh + b)
    a_i, a_f, a_o, a_g = a.chunk(4, dim=1)                      # CS231n's gate order i, f, o, g
    i, f, o = tap("i", torch.sigmoid(a_i)), tap("f", torch.sigmoid(a_f)), tap("o", torch.sigmoid(a_o))
    g = tap("g", torch.tanh(a_g))
    next_c = tap("c", f * prev_c + i * g)
    next_h = o * torch.tanh(next_c)
    return next_h, next_c


def lstm_step_forward_joint(x, prev_h, prev_c, Wx, Wh, b, tap=None):
    return torch.cat(lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b, tap=tap), dim=1)


def lstm_forward(x, h0, Wx, Wh, b, tap=None):
    h, c, hs = h0, torch.zeros_like(h0), []
    for t in range(x.shape[1]):
        h, c = lstm_step_forward(x[:, t], h, c, Wx, Wh, b, tap=at_step(tap, t))
        h = h if tap is None else tap("h", h, step=t)
        hs.append(h)
    return torch.stack(hs, dim=1)
