"""The vanilla RNN and the LSTM in PyTorch (forward only), the twins of ``manual/layers/rnn.py``: the same
function names and signatures, in torch ops, so that autograd differentiates them."""

import torch


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return torch.tanh(x @ Wx + prev_h @ Wh + b)


def rnn_forward(x, h0, Wx, Wh, b):
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        hs.append(h)
    return torch.stack(hs, dim=1)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    i, f, o, g = (x @ Wx + prev_h @ Wh + b).chunk(4, dim=1)     # CS231n's gate order i, f, o, g
    next_c = torch.sigmoid(f) * prev_c + torch.sigmoid(i) * torch.tanh(g)
    next_h = torch.sigmoid(o) * torch.tanh(next_c)
    return next_h, next_c


def lstm_step_forward_joint(x, prev_h, prev_c, Wx, Wh, b):
    return torch.cat(lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b), dim=1)


def lstm_forward(x, h0, Wx, Wh, b):
    h, c, hs = h0, torch.zeros_like(h0), []
    for t in range(x.shape[1]):
        h, c = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
    return torch.stack(hs, dim=1)
