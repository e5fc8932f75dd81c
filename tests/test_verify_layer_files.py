"""``handgrad verify layers.py``: a person's CS231n-style layer file, each backward checked against our
layer of the same name (``comparisons.verify.layer_files``).

``RIGHT`` is a layers.py written as students write CS231n's (loops and vectorised code mixed, bn_param,
dropout_param, conv_param and pool_param dicts, the mask drawn by np.random.seed, softmax_loss and svm_loss
returning (loss, dx)); each planted mistake replaces one function of it and must be named with its
gradient; a look-alike that is right must pass. The quick tests run the file in this process
(``isolate=False``); the command line (``slow``) runs it in a child, as people run it.
"""

import re

import pytest

from comparisons.verify import verify
from comparisons.verify.calls import CannotVerify
from comparisons.verify.layer_calls import found_in
from comparisons.verify.layer_files import check_layer_file
from tests.user_files import edited, run_cli, write

RIGHT = '''import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    out = np.maximum(0, x)
    return out, x


def relu_backward(dout, cache):
    x = cache
    dx = dout.copy()
    dx[x <= 0] = 0
    return dx


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    out, cache = None, None
    if mode == "train":
        mu = x.mean(axis=0)
        xmu = x - mu
        var = np.mean(xmu ** 2, axis=0)
        sqrtvar = np.sqrt(var + eps)
        ivar = 1.0 / sqrtvar
        xhat = xmu * ivar
        out = gamma * xhat + beta
        cache = (xhat, gamma, xmu, ivar, sqrtvar, var, eps)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N, D = dout.shape
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1.0 / (sqrtvar ** 2) * divar
    dvar = 0.5 * 1.0 / np.sqrt(var + eps) * dsqrtvar
    dsq = 1.0 / N * np.ones((N, D)) * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dx1, axis=0)
    dx2 = 1.0 / N * np.ones((N, D)) * dmu
    dx = dx1 + dx2
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(xhat * dout, axis=0)
    dxhat = dout * gamma
    dx = ivar / N * (N * dxhat - dxhat.sum(axis=0) - xhat * np.sum(dxhat * xhat, axis=0))
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        dx = dout * mask
    else:
        dx = dout
    return dx


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.sum(dout, axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    dw[f] += xp[n, :, hs:hs + HH, ws:ws + WW] * dout[n, f, i, j]
                    dxp[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out, W_out = 1 + (H - ph) // s, 1 + (W - pw) // s
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = np.max(x[:, :, i * s:i * s + ph, j * s:j * s + pw], axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    k, l = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * s + k, j * s + l] += dout[n, c, i, j]
    return dx


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da.dot(Wx.T), da.dot(Wh.T), x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i, f, o, g = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    t = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - t ** 2)
    di, df, do, dg = dc * g, dc * prev_c, dnext_h * t, dc * i
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)])
    return da.dot(Wx.T), da.dot(Wh.T), dc * f, x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
    return dW


def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted), axis=1, keepdims=True)
    log_probs = shifted - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


def svm_loss(x, y):
    N = x.shape[0]
    correct = x[np.arange(N), y]
    margins = np.maximum(0, x - correct[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N
    num_pos = np.sum(margins > 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins > 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N
    return loss, dx


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mu = np.mean(x, axis=1, keepdims=True)
    var = np.var(x, axis=1, keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    out = gamma * xhat + beta
    return out, (xhat, gamma, var, eps)


def layernorm_backward(dout, cache):
    xhat, gamma, var, eps = cache
    D = dout.shape[1]
    dgamma = np.sum(dout * xhat, axis=0)
    dbeta = np.sum(dout, axis=0)
    dxhat = (dout * gamma).T
    xhat_t = xhat.T
    dx = (D * dxhat - dxhat.sum(axis=0) - xhat_t * np.sum(dxhat * xhat_t, axis=0)) / (D * np.sqrt(var.T + eps))
    return dx.T, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, C), gamma, beta, bn_param)
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = batchnorm_backward_alt(dout.transpose(0, 2, 3, 1).reshape(-1, C), cache)
    return dx.reshape(N, H, W, C).transpose(0, 3, 1, 2), dgamma, dbeta


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    prev_h, prev_c = h0, np.zeros_like(h0)
    cache = []
    for t in range(T):
        prev_h, prev_c, c = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        cache.append(c)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db
'''


def section(source, first, last=None):
    """The part of ``source`` from ``def first`` up to ``def last`` (the end when None): a smaller file."""
    start = source.index(f"def {first}(")
    end = source.index(f"def {last}(") if last else len(source)
    return "import numpy as np\n\n\n" + source[start:end]


AFFINE = section(RIGHT, "affine_forward", "relu_forward")
RELU = section(RIGHT, "relu_forward", "batchnorm_forward")
BATCHNORM = section(RIGHT, "batchnorm_forward", "batchnorm_backward_alt")
POOL = section(RIGHT, "max_pool_forward_naive", "rnn_step_forward")


def checked(tmp_path, source, name="layers.py"):
    return check_layer_file(write(tmp_path, source, name), isolate=False)


def rows_of(result, function):
    return result.table[result.table["function"] == function]


def test_right_file_agrees_in_one_table(tmp_path):
    result = checked(tmp_path, RIGHT)
    assert result.exit_status == 0 and result.passed, result.render()
    functions = set(result.table[result.table["quantity"] != "out (forward)"]["function"])
    assert {"affine_backward", "relu_backward", "batchnorm_backward", "batchnorm_backward_alt",
            "spatial_batchnorm_backward", "layernorm_backward", "conv_backward_naive", "max_pool_backward_naive",
            "dropout_backward", "lstm_step_backward", "rnn_step_backward", "rnn_backward", "lstm_backward", "word_embedding_backward",
            "softmax_loss", "svm_loss"} == functions
    # every gradient row measured against all three references
    grads = result.table[result.table["quantity"] != "out (forward)"]
    assert grads[["torch", "jax", "numerical"]].notna().all().all()
    assert (grads[["torch", "jax"]] < 1e-12).all().all()
    text = result.render()
    assert text.count("VERDICT") == 1 and "bn_param {'mode': 'train'" in text


BATCHNORM_CONSTANTS = """def batchnorm_backward(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dx = dout * gamma * ivar
    return dx, dgamma, dbeta
"""

AFFINE_DB_AXIS = ("db = np.sum(dout, axis=0)", "db = np.sum(dout, axis=1)")

POOL_EVERY = """def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += dout[:, :, i, j][:, :, None, None]
    return dx
"""


@pytest.mark.parametrize("source, function, gradient, said", [
    (BATCHNORM + BATCHNORM_CONSTANTS, "batchnorm_backward", "dx", "mean and variance treated as constants"),
    (edited(AFFINE, *AFFINE_DB_AXIS), "affine_backward", "db", "summed over the wrong axis"),
    (POOL + POOL_EVERY, "max_pool_backward_naive", "dx", "every element of the window"),
], ids=["batchnorm-constants", "affine-db-axis", "maxpool-every-element"])
def test_planted_mistake_is_named(tmp_path, source, function, gradient, said):
    result = checked(tmp_path, source)
    assert result.exit_status == 1
    bad = result.failures()
    assert list(zip(bad["function"], bad["quantity"])) == [(function, gradient)]
    assert said in bad.iloc[0]["diagnosis"]
    assert f"{function} {gradient}" in result.verdict()


def test_batchnorm_constants_leaves_dgamma_dbeta_right(tmp_path):
    rows = rows_of(checked(tmp_path, BATCHNORM + BATCHNORM_CONSTANTS), "batchnorm_backward")
    assert set(rows[rows["verdict"] == "agree"]["quantity"]) == {"dgamma", "dbeta"}


def test_relu_greater_or_equal_is_a_right_look_alike(tmp_path):
    """dx = dout * (x >= 0) differs from (x > 0) only at x == 0, the kink, where either is a subgradient;
    our inputs keep every x at least 0.1 from 0 (``away_from_zero``), so it agrees, as it should."""
    source = edited(RELU, "dx = dout.copy()\n    dx[x <= 0] = 0", "dx = dout * (x >= 0)")
    result = checked(tmp_path, source)
    assert result.exit_status == 0, result.render()


def test_dropout_unscaled_mask_is_a_forward_mistake(tmp_path):
    source = edited(section(RIGHT, "dropout_forward", "conv_forward_naive"),
                    "mask = (np.random.rand(*x.shape) < p) / p", "mask = (np.random.rand(*x.shape) < p) * 1.0")
    result = checked(tmp_path, source)
    bad = result.failures()
    assert list(bad["function"]) == ["dropout_forward"]
    assert "not scaled by 1/p" in bad.iloc[0]["diagnosis"]


def test_forward_without_backward_is_said(tmp_path):
    result = checked(tmp_path, AFFINE + "\n\ndef relu_forward(x):\n    return np.maximum(0, x), x\n")
    assert result.exit_status == 0
    assert set(result.table["function"]) == {"affine_forward", "affine_backward"}
    assert "A forward without its backward, not checked: relu_forward" in result.render()


def test_only_forwards_is_no_layer_file(tmp_path):
    source = "import numpy as np\n\n\ndef relu_forward(x):\n    return np.maximum(0, x), x\n"
    assert found_in({"relu_forward": ["x"]})[0] == []
    with pytest.raises(CannotVerify, match="no CS231n layer pair"):
        checked(tmp_path, source)


def test_backward_that_raises_names_its_line(tmp_path):
    source = edited(RELU, "    x = cache\n    dx = dout.copy()", "    x, mask = cache\n    dx = dout.copy()")
    path = write(tmp_path, AFFINE + "\n\n" + source, "layers.py")
    result = check_layer_file(path, isolate=False)
    assert result.exit_status == 1
    row = result.failures().iloc[0]
    line = next(k for k, text in enumerate(open(path).read().splitlines(), 1) if "x, mask = cache" in text)
    assert (row["function"], row["verdict"]) == ("relu_backward", "FAILS")
    assert "ValueError" in row["diagnosis"] and f"layers.py:{line}: x, mask = cache" in row["diagnosis"]
    # the affine pair beside it is still checked
    assert (rows_of(result, "affine_backward")["verdict"] == "agree").all()


def test_backward_with_no_layer_of_ours_is_said(tmp_path):
    source = AFFINE + "\n\ndef temporal_affine_backward(dout, cache):\n    return dout, dout, dout\n"
    result = checked(tmp_path, source)
    assert "No layer of ours by that name, not checked: temporal_affine_backward" in result.render()


def test_verify_takes_the_layer_path(tmp_path):
    result = verify(write(tmp_path, AFFINE, "layers.py"), isolate=False)
    assert type(result).__name__ == "LayerFileCheck" and result.exit_status == 0
    assert set(result.files()) == {"verify.md", "verify.csv"}


def test_a_model_form_is_not_taken_for_layers(tmp_path):
    """A file with a form's backward (the tutorial's backward_prop) keeps the model path, layers or not."""
    from comparisons.verify.api import defined
    from comparisons.forms import inferred

    path = write(tmp_path, AFFINE + "\n\ndef backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):\n    pass\n", "mixed.py")
    assert inferred(*defined(path)) is not None


@pytest.mark.slow
def test_cli_right_file(tmp_path, capsys):
    status, out, err = run_cli(capsys, "verify", write(tmp_path, RIGHT, "layers.py"), "--out", str(tmp_path / "out"))
    assert status == 0, out + err
    assert out.rstrip().splitlines()[-1].startswith("VERDICT: agrees") or "VERDICT: agrees" in out
    assert (tmp_path / "out" / "verify.csv").is_file()


@pytest.mark.slow
def test_cli_planted_mistake(tmp_path, capsys):
    status, out, err = run_cli(capsys, "verify", write(tmp_path, BATCHNORM + BATCHNORM_CONSTANTS, "layers.py"))
    assert status == 1, out + err
    assert "batchnorm_backward dx" in out and "mean and variance" in out


@pytest.mark.slow
def test_cli_backward_that_raises_in_the_child(tmp_path, capsys):
    source = edited(RELU, "    x = cache\n", "    x = cache\n    raise IndexError('oops')\n")
    status, out, err = run_cli(capsys, "verify", write(tmp_path, source, "layers.py"))
    assert status == 1, out + err
    assert "IndexError: oops" in out and "layers.py:" in out


def test_float32_right_layers_agree(tmp_path):
    """float32: torch and JAX in float32 at float32's rtol; the witness, in float64, held to float32's rtol too."""
    source = AFFINE + BATCHNORM + section(RIGHT, "conv_forward_naive", "max_pool_forward_naive")
    result = check_layer_file(write(tmp_path, source, "layers.py"), isolate=False, dtype="float32")
    assert result.exit_status == 0, result.render()
    assert result.table["numerical"].max() > 1e-9       # float32's rounding, which float64's rtol would fail


def test_named_backward_checks_that_pair_alone(tmp_path):
    path = write(tmp_path, edited(AFFINE, *AFFINE_DB_AXIS) + POOL, "layers.py")
    result = verify(f"{path}:max_pool_backward_naive", isolate=False)
    assert set(result.table["function"]) == {"max_pool_forward_naive", "max_pool_backward_naive"}
    assert result.exit_status == 0      # the affine mistake beside it is not looked at


def test_named_backward_without_its_forward_cannot_be_checked(tmp_path):
    path = write(tmp_path, "def affine_backward(dout, cache):\n    return dout, dout, dout\n", "layers.py")
    with pytest.raises(CannotVerify, match="no affine_forward"):
        verify(f"{path}:affine_backward", isolate=False)


def test_dropout_p_read_as_dropping_is_said(tmp_path):
    source = edited(section(RIGHT, "dropout_forward", "conv_forward_naive"),
                    "mask = (np.random.rand(*x.shape) < p) / p", "mask = (np.random.rand(*x.shape) >= p) / (1 - p)")
    bad = checked(tmp_path, source).failures()
    assert list(bad["function"]) == ["dropout_forward"] and "probability of dropping" in bad.iloc[0]["diagnosis"]


def test_backward_returning_too_few_gradients_fails_its_row(tmp_path):
    source = edited(AFFINE, "return dx, dw, db", "return dx, dw")
    bad = checked(tmp_path, source).failures()
    assert list(zip(bad["function"], bad["verdict"])) == [("affine_backward", "FAILS")]
    assert "returned 2 values; expected 3 (dx, dw, db)" in bad.iloc[0]["diagnosis"]


def test_rnn_without_dh_through_time_is_named(tmp_path):
    source = (section(RIGHT, "rnn_step_forward", "sigmoid")
              + edited(section(RIGHT, "rnn_forward", "lstm_forward"), "rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])",
                       "rnn_step_backward(dh[:, t, :], cache[t])").replace("import numpy as np\n", "", 1))
    result = checked(tmp_path, source)
    bad = result.failures()
    assert set(bad["function"]) == {"rnn_backward"} and {"dx", "dh0", "dWh"} <= set(bad["quantity"])
    assert "not carried back through time" in bad[bad["quantity"] == "dx"].iloc[0]["diagnosis"]
    assert (rows_of(result, "rnn_step_backward")["verdict"] == "agree").all()


@pytest.mark.slow
def test_cli_backward_that_hangs_is_stopped(tmp_path, capsys):
    source = edited(RELU, "    x = cache\n", "    x = cache\n    while True:\n        pass\n")
    status, out, err = run_cli(capsys, "verify", write(tmp_path, source, "layers.py"), "--timeout", "2")
    assert status == 2 and "stopped after 2 s" in err and "relu_backward" in err


@pytest.mark.parametrize("option, said", [
    (dict(m=8), "--m (m=) does not apply to a layer file"),
    (dict(cases=("typical",)), "--case (cases=) does not apply to a layer file"),
    (dict(recipe="ng"), "--recipe (recipe=) does not apply to a layer file"),
    (dict(options=dict(lam=0.5)), "the model options (options=) does not apply to a layer file"),
])
def test_an_option_of_the_models_is_refused_for_a_layer_file(tmp_path, option, said):
    with pytest.raises(CannotVerify, match=re.escape(said)):
        verify(write(tmp_path, AFFINE, "layers.py"), isolate=False, **option)
