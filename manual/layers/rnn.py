"""Recurrent layers, derived by hand: the vanilla RNN and the LSTM, one step and a whole sequence
(backpropagation through time), in CS231n's ``rnn_layers.py`` API.

Shapes (CS231n's layout: examples are rows): x (N, T, D), a minibatch of N sequences of T steps of D
features; x_t = x[:, t] (N, D); hidden state h (N, H); Wx (D, H) (LSTM: (D, 4H)), Wh (H, H) (LSTM:
(H, 4H)), b (H,) (LSTM: (4H,)).

Vanilla RNN, one step:

    a      = x_t Wx + h_prev Wh + b             (N, H)
    h_next = tanh(a)                            (N, H)

    da       = dh_next * (1 - h_next^2)         (tanh' from the output alone)
    dx_t     = da Wx^T,  dh_prev = da Wh^T,  dWx = x_t^T da,  dWh = h_prev^T da,  db = sum over n of da

The sequence h_t = step(x_t, h_{t-1}), t = 0 .. T-1, from h_{-1} = h0, returns h (N, T, H). Every h_t
is read twice: by the loss (the upstream dh[:, t]) and by the next step (as its h_prev). So the
gradient reaching h_t is the sum of both,

    dh_t_total = dh[:, t] + dh_prev from step t + 1      (dh_prev from step T is 0)

and the walk goes backward in time, t = T-1 .. 0, each step adding its dWx, dWh, db (the weights are
shared by every step). dh0 is what step 0 passes back. Using dh[:, t] alone (no carry) is the classic
mistake: it is right only for T = 1.

LSTM, one step, gates in CS231n's order i, f, o, g:

    a      = x_t Wx + h_prev Wh + b             (N, 4H), split into a_i, a_f, a_o, a_g (N, H) each
    i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o);  g = tanh(a_g)
    c_next = f * c_prev + i * g                 (N, H)
    h_next = o * tanh(c_next)                   (N, H)

    dc      = dc_next + dh_next * o * (1 - tanh(c_next)^2)   (c_next reaches the loss twice: directly
                                                               and through h_next)
    do      = dh_next * tanh(c_next);  di = dc * g;  df = dc * c_prev;  dg = dc * i;  dc_prev = dc * f
    da      = [di i (1 - i), df f (1 - f), do o (1 - o), dg (1 - g^2)]  (the same order i, f, o, g)
    dx_t    = da Wx^T,  dh_prev = da Wh^T,  dWx = x_t^T da,  dWh = h_prev^T da,  db = sum over n of da

Every backward here is written once, as ``*_backward_steps`` returning each gradient by name (the
pre-activation's da; the LSTM's gates' do, di, df, dg and cell's dc; in a sequence, each of these and h_t's
total dh stacked (T, N, ...) in time order); the CS231n-shaped ``*_backward`` return the inputs' gradients
from it, and ``comparisons.layer_check`` compares the rest with autograd's gradients of the twins' nodes.

The step has two outputs; the layer check compares one array, so the catalogue's entry is the pair
``lstm_step_forward_joint``/``lstm_step_backward_joint`` with out = [h_next, c_next] (N, 2H), around
the CS231n-shaped functions. The LSTM sequence starts from h0 and c0 = 0 (as in CS231n) and returns
h (N, T, H); backward in time it carries both dh_prev and dc_prev.
"""

import numpy as np

from manual.layers import Layer


def sigmoid(x):
    """1 / (1 + e^-x) without overflow: the exponent is -|x| on either branch (chosen by the real part,
    so that the numerical witness's complex step passes through an analytic expression)."""
    positive = np.real(x) >= 0
    e = np.exp(np.where(positive, -x, x))            # e^-x where x >= 0, e^x where x < 0: never above 1
    return np.where(positive, 1 / (1 + e), e / (1 + e))


# --- Vanilla RNN ------------------------------------------------------------------------------------

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """next_h = tanh(x Wx + prev_h Wh + b); x (N, D), prev_h (N, H), Wx (D, H), Wh (H, H), b (H,).
    Returns (next_h (N, H), cache (x, prev_h, Wx, Wh, next_h))."""
    a = x @ Wx + prev_h @ Wh + b                       # (N, H)
    next_h = np.tanh(a)                                # (N, H)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward_steps(dnext_h, cache):
    """{da, dx, dprev_h, dWx, dWh, db} for dnext_h (N, H): da (N, H) the pre-activation's gradient."""
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)                   # (N, H): tanh'(a) = 1 - tanh(a)^2
    dx = da @ Wx.T                                     # (N, D)
    dprev_h = da @ Wh.T                                # (N, H)
    dWx = x.T @ da                                     # (D, H): summed over the examples
    dWh = prev_h.T @ da                                # (H, H)
    db = da.sum(axis=0)                                # (H,): b is added to every row
    return dict(da=da, dx=dx, dprev_h=dprev_h, dWx=dWx, dWh=dWh, db=db)


def rnn_step_backward(dnext_h, cache):
    """(dx (N, D), dprev_h (N, H), dWx (D, H), dWh (H, H), db (H,)) for dnext_h (N, H)."""
    g = rnn_step_backward_steps(dnext_h, cache)
    return g["dx"], g["dprev_h"], g["dWx"], g["dWh"], g["db"]


def rnn_forward(x, h0, Wx, Wh, b):
    """h[:, t] = tanh(x[:, t] Wx + h[:, t-1] Wh + b) from h[:, -1] = h0; x (N, T, D), h0 (N, H).
    Returns (h (N, T, H), cache: the list of the T step caches)."""
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx, Wh, b))
    caches = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(step_cache)
    return h, caches


def rnn_backward_steps(dh, cache):
    """Backpropagation through time for dh (N, T, H), the upstream gradient of every h[:, t] (not yet the
    part that flows back from the later steps): {dh, da, dx, dh0, dWx, dWh, db}, where dh and da (T, N, H)
    hold, step by step in time order, h_t's TOTAL gradient (the loss's and step t + 1's) and a_t's."""
    caches = cache
    N, T, _ = dh.shape
    x0, _, Wx, Wh, _ = caches[0]
    dx = np.zeros((N, T, x0.shape[1]), dtype=dh.dtype)
    dWx, dWh, db = np.zeros_like(Wx, dtype=dh.dtype), np.zeros_like(Wh, dtype=dh.dtype), np.zeros(Wh.shape[0], dh.dtype)
    dprev_h = np.zeros((N, Wh.shape[0]), dtype=dh.dtype)    # nothing flows back from beyond the last step
    dh_total, da = [None] * T, [None] * T
    for t in reversed(range(T)):
        dh_total[t] = dh[:, t] + dprev_h               # h_t is read by the loss and by step t + 1
        g = rnn_step_backward_steps(dh_total[t], caches[t])
        da[t], dx[:, t], dprev_h = g["da"], g["dx"], g["dprev_h"]
        dWx += g["dWx"]                                # the weights are shared by every step
        dWh += g["dWh"]
        db += g["db"]
    dh0 = dprev_h                                      # what step 0 passes back to h0
    return dict(dh=np.stack(dh_total), da=np.stack(da), dx=dx, dh0=dh0, dWx=dWx, dWh=dWh, db=db)


def rnn_backward(dh, cache):
    """Backpropagation through time: (dx (N, T, D), dh0 (N, H), dWx, dWh, db) for dh (N, T, H)
    (``rnn_backward_steps``)."""
    g = rnn_backward_steps(dh, cache)
    return g["dx"], g["dh0"], g["dWx"], g["dWh"], g["db"]


# --- LSTM -------------------------------------------------------------------------------------------

def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One LSTM step, gates i, f, o, g; x (N, D), prev_h and prev_c (N, H), Wx (D, 4H), Wh (H, 4H),
    b (4H,). Returns (next_h (N, H), next_c (N, H), cache)."""
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b                       # (N, 4H)
    a_i, a_f, a_o, a_g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]   # CS231n's order
    i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o) # input, forget, output gates (N, H)
    g = np.tanh(a_g)                                   # the candidate cell (N, H)
    next_c = f * prev_c + i * g                        # (N, H)
    tanh_c = np.tanh(next_c)                           # (N, H), named: the backward needs it
    next_h = o * tanh_c                                # (N, H)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)


def lstm_step_backward_steps(dnext_h, dnext_c, cache):
    """{dc, do, di, df, dg, da, dx, dprev_h, dprev_c, dWx, dWh, db} for dnext_h and dnext_c (N, H): dc is
    c_next's total gradient, do, di, df, dg the gates' (activations, N, H), da the pre-activations' (N, 4H)."""
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)     # c_next reaches the loss directly and through h_next
    do = dnext_h * tanh_c                              # h_next = o * tanh(c_next)
    di = dc * g                                        # c_next = f * c_prev + i * g
    df = dc * prev_c
    dg = dc * i
    dprev_c = dc * f
    da_i = di * i * (1 - i)                            # sigmoid' = s (1 - s)
    da_f = df * f * (1 - f)
    da_o = do * o * (1 - o)
    da_g = dg * (1 - g ** 2)                           # tanh' = 1 - tanh^2
    da = np.concatenate([da_i, da_f, da_o, da_g], axis=1)   # (N, 4H), the forward's order i, f, o, g
    dx = da @ Wx.T                                     # (N, D)
    dprev_h = da @ Wh.T                                # (N, H)
    dWx = x.T @ da                                     # (D, 4H)
    dWh = prev_h.T @ da                                # (H, 4H)
    db = da.sum(axis=0)                                # (4H,)
    return dict(dc=dc, do=do, di=di, df=df, dg=dg, da=da, dx=dx, dprev_h=dprev_h, dprev_c=dprev_c, dWx=dWx,
                dWh=dWh, db=db)


def lstm_step_backward(dnext_h, dnext_c, cache):
    """(dx (N, D), dprev_h (N, H), dprev_c (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,)) for dnext_h and
    dnext_c (N, H) (``lstm_step_backward_steps``)."""
    s = lstm_step_backward_steps(dnext_h, dnext_c, cache)
    return s["dx"], s["dprev_h"], s["dprev_c"], s["dWx"], s["dWh"], s["db"]


def lstm_step_forward_joint(x, prev_h, prev_c, Wx, Wh, b):
    """The step as one output for the layer check: out = [next_h, next_c] (N, 2H)."""
    next_h, next_c, cache = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    return np.concatenate([next_h, next_c], axis=1), cache


def lstm_step_backward_joint(dout, cache):
    """dout (N, 2H) split into dnext_h and dnext_c, then ``lstm_step_backward``."""
    H = dout.shape[1] // 2
    return lstm_step_backward(dout[:, :H], dout[:, H:], cache)


def lstm_step_backward_joint_steps(dout, cache):
    """dout (N, 2H) split into dnext_h and dnext_c, then ``lstm_step_backward_steps``."""
    H = dout.shape[1] // 2
    return lstm_step_backward_steps(dout[:, :H], dout[:, H:], cache)


def lstm_forward(x, h0, Wx, Wh, b):
    """The LSTM over x (N, T, D) from h0 (N, H) and c0 = 0. Returns (h (N, T, H), cache: the step caches)."""
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=np.result_type(x, h0, Wx, Wh, b))
    caches = []
    prev_h, prev_c = h0, np.zeros_like(h0)             # c0 = 0: no gradient is asked for it
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(step_cache)
    return h, caches


def lstm_backward_steps(dh, cache):
    """Backpropagation through time for dh (N, T, H): {dh, dc, do, di, df, dg, da, dx, dh0, dWx, dWh, db},
    the first seven stacked (T, N, ...) in time order: h_t's and c_t's total gradients, the gates' and the
    pre-activations'. The cell state is not an output, so only what flows back from step t + 1 (and
    through h_t) reaches dc_t."""
    caches = cache
    N, T, H = dh.shape
    x0, _, _, Wx, Wh = caches[0][:5]
    dx = np.zeros((N, T, x0.shape[1]), dtype=dh.dtype)
    dWx, dWh, db = np.zeros_like(Wx, dtype=dh.dtype), np.zeros_like(Wh, dtype=dh.dtype), np.zeros(4 * H, dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    inner = {k: [None] * T for k in ("dh", "dc", "do", "di", "df", "dg", "da")}
    for t in reversed(range(T)):
        inner["dh"][t] = dh[:, t] + dprev_h            # read by the loss and by step t + 1
        g = lstm_step_backward_steps(inner["dh"][t], dprev_c, caches[t])
        for k in ("dc", "do", "di", "df", "dg", "da"):
            inner[k][t] = g[k]
        dx[:, t], dprev_h, dprev_c = g["dx"], g["dprev_h"], g["dprev_c"]
        dWx += g["dWx"]
        dWh += g["dWh"]
        db += g["db"]
    return {**{k: np.stack(v) for k, v in inner.items()}, "dx": dx, "dh0": dprev_h, "dWx": dWx, "dWh": dWh, "db": db}


def lstm_backward(dh, cache):
    """Backpropagation through time: (dx (N, T, D), dh0 (N, H), dWx, dWh, db) for dh (N, T, H)
    (``lstm_backward_steps``)."""
    g = lstm_backward_steps(dh, cache)
    return g["dx"], g["dh0"], g["dWx"], g["dWh"], g["db"]


# --- Inputs: small, seeded; weights scaled so that tanh and the gates stay away from saturation ------

N, T, D, H = 2, 3, 4, 5


def rnn_step_inputs(seed, dtype):
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((N, D)).astype(dtype), "prev_h": rng.standard_normal((N, H)).astype(dtype),
            "Wx": (0.4 * rng.standard_normal((D, H))).astype(dtype),
            "Wh": (0.4 * rng.standard_normal((H, H))).astype(dtype),
            "b": (0.2 * rng.standard_normal(H)).astype(dtype)}


def rnn_inputs(seed, dtype, steps=T):
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((N, steps, D)).astype(dtype), "h0": rng.standard_normal((N, H)).astype(dtype),
            "Wx": (0.4 * rng.standard_normal((D, H))).astype(dtype),
            "Wh": (0.4 * rng.standard_normal((H, H))).astype(dtype),
            "b": (0.2 * rng.standard_normal(H)).astype(dtype)}


def lstm_step_inputs(seed, dtype):
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((N, D)).astype(dtype), "prev_h": rng.standard_normal((N, H)).astype(dtype),
            "prev_c": rng.standard_normal((N, H)).astype(dtype),
            "Wx": (0.4 * rng.standard_normal((D, 4 * H))).astype(dtype),
            "Wh": (0.4 * rng.standard_normal((H, 4 * H))).astype(dtype),
            "b": (0.2 * rng.standard_normal(4 * H)).astype(dtype)}


def lstm_inputs(seed, dtype, steps=T):
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((N, steps, D)).astype(dtype), "h0": rng.standard_normal((N, H)).astype(dtype),
            "Wx": (0.4 * rng.standard_normal((D, 4 * H))).astype(dtype),
            "Wh": (0.4 * rng.standard_normal((H, 4 * H))).astype(dtype),
            "b": (0.2 * rng.standard_normal(4 * H)).astype(dtype)}


LAYERS = (
    Layer("rnn_step", "rnn", rnn_step_inputs, ("x", "prev_h", "Wx", "Wh", "b"), steps="rnn_step_backward_steps",
          summary="next_h = tanh(x Wx + prev_h Wh + b)"),
    Layer("rnn", "rnn", rnn_inputs, ("x", "h0", "Wx", "Wh", "b"), steps="rnn_backward_steps",
          summary="vanilla RNN over (N, T, D), backprop through time"),
    Layer("lstm_step", "rnn", lstm_step_inputs, ("x", "prev_h", "prev_c", "Wx", "Wh", "b"),
          functions=("lstm_step_forward_joint", "lstm_step_backward_joint"), steps="lstm_step_backward_joint_steps",
          summary="LSTM step, gates i f o g; out = [next_h, next_c]"),
    Layer("lstm", "rnn", lstm_inputs, ("x", "h0", "Wx", "Wh", "b"), steps="lstm_backward_steps",
          summary="LSTM over (N, T, D) from c0 = 0, backprop through time"),
)
