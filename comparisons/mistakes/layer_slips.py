"""The planted layer backwards, and their right look-alikes: each a ``X_backward(dout, cache)`` of a
catalogue layer (``manual.layers``) with its one telling line marked, ``# planted`` in a mistake,
``# looks wrong`` in a look-alike that is right (``exhibit.planted_line`` reads the mark), so that
``handgrad mistakes`` shows the line beside what the layer check says (``layer_exhibit.py``), and the
layer tests (``tests/test_layers_*.py``) plant the same functions.

A backward here returns the gradients in the order of its layer's ``Layer.grads``; the caches are the
layers' own. Beside them, the few inputs and forwards a mistake needs to show: a batch narrower than
eps, a max-pool input with a tie, batch norm normalized by the unbiased variance.
"""

from dataclasses import dataclass, fields

import numpy as np

import manual.layers.conv as conv
import manual.layers.losses as losses
import manual.layers.normalization as nm
import manual.layers.pooling as pooling
import manual.layers.rnn as rnn
from manual.layers import Layer

NAIVE_BACKWARD = conv.conv_backward_naive     # the right one, kept before any test plants a mistake


# --- The softmax and SVM losses (cache: x (N, C), y (N,)) -------------------------------------------

def softmax_without_mean(dout, cache):
    """dx = dout (softmax(x) - Y): the loss is a mean, but the 1/N is forgotten."""
    x, y = cache
    return dout * (losses.softmax(x.T).T - losses.one_hot(y, x.shape[1], x.dtype))   # planted: no / N


def softmax_in_place_lookalike(dout, cache):
    """CS231n's form: probabilities, subtract 1 at the labels in place, divide by N. Right."""
    x, y = cache
    N = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    dscores = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    dscores[np.arange(N), y] -= 1                             # looks wrong: no one-hot, an in-place -1
    return dout * dscores / N


def svm_counting_the_correct_class(dout, cache):
    """The positive margins counted before the labelled class's own (D = 1 > 0) is zeroed: the labelled
    class's gradient is -(active hinges + 1) instead of -(active hinges)."""
    x, y = cache
    N, C = x.shape
    margins = x - x[np.arange(N), y][:, None] + 1
    num_pos = (margins > 0).sum(axis=1)                       # planted: counts the labelled class's margin of 1
    dscores = (margins > 0).astype(x.dtype)
    dscores[np.arange(N), y] = -num_pos
    return dout * dscores / N


def svm_loop_without_continue_lookalike(dout, cache):
    """CS231n's naive loop without ``if j == y[i]: continue``: at j = y the margin is 1 > 0, so it adds +1
    and -1 to the labelled class, which cancel. Looks like the mistake above; it is right."""
    x, y = cache
    N, C = x.shape
    dscores = np.zeros_like(x)
    for i in range(N):
        for j in range(C):
            if x[i, j] - x[i, y[i]] + 1 > 0:                  # looks wrong: j = y[i] is not skipped
                dscores[i, j] += 1
                dscores[i, y[i]] -= 1
    return dout * dscores / N


# --- Inverted dropout (cache: mask, p) and the word embedding (cache: x, W's shape) -------------------

def dropout_without_scale(dout, cache):
    """dx = dout * mask: the forward's 1/p forgotten in the backward."""
    mask, p = cache
    return dout * mask                                        # planted: the 1/p left out


def dropout_without_mask(dout, cache):
    """dx = dout / p: the mask applied at the forward but not at the backward."""
    mask, p = cache
    return dout / p                                           # planted: the mask left out


def dropout_where_lookalike(dout, cache):
    """dx = dout / p where kept, else 0, with np.where: the same as dout * mask / p. Right."""
    mask, p = cache
    return np.where(mask, dout / p, 0).astype(dout.dtype)     # looks wrong: no product with the mask


def embedding_assigned(dout, cache):
    """dW[x] = dout: assignment at repeated indices keeps one occurrence, the others are lost."""
    x, W_shape = cache
    dW = np.zeros(W_shape, dout.dtype)
    dW[x] = dout                                              # planted: assignment, not accumulation
    return dW


def embedding_buffered_add(dout, cache):
    """dW[x] += dout: looks like accumulation, but fancy-indexed += is buffered: the same loss."""
    x, W_shape = cache
    dW = np.zeros(W_shape, dout.dtype)
    dW[x] += dout                                             # planted: buffered, one add per repeated index
    return dW


def embedding_one_hot_lookalike(dout, cache):
    """dW = onehot(x)^T dout, (V, NT) @ (NT, D): a matrix product instead of np.add.at. Right."""
    x, (V, D) = cache
    onehot = np.eye(V, dtype=dout.dtype)[x.ravel()]          # (NT, V)
    return onehot.T @ dout.reshape(-1, D)                     # looks wrong: no np.add.at


# --- Batch and layer normalization (cache: the forward's dict) --------------------------------------

def mean_and_var_as_constants(dout, cache):
    """Wrong: dx = dout gamma ivar, as if mu and var did not depend on x (only the direct path)."""
    xhat, ivar, gamma = cache["xhat"], cache["ivar"], cache["gamma"]
    return dout * gamma * ivar, (dout * xhat).sum(axis=0), dout.sum(axis=0)   # planted: dx by the direct path alone


def direct_path_with_both_corrections(dout, cache):
    """Right look-alike: the same direct term dout gamma ivar, less its batch mean (mu's path) and less
    xhat times the mean of dout xhat (var's path)."""
    xhat, ivar, gamma = cache["xhat"], cache["ivar"], cache["gamma"]
    dx = gamma * ivar * (dout - dout.mean(axis=0) - xhat * (dout * xhat).mean(axis=0))   # looks wrong: no dmu, no dvar
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def unbiased_variance_formula(dout, cache):
    """The derivative for a forward normalized by the UNBIASED variance: var's path is 2 xmu / (N - 1)
    where the biased one is 2 xmu / N; right for that forward, wrong for the biased one."""
    xhat, ivar, gamma = cache["xhat"], cache["ivar"], cache["gamma"]
    N = dout.shape[0]
    dgamma = (dout * xhat).sum(axis=0)
    dx = gamma * ivar * (dout - dout.mean(axis=0) - xhat * dgamma / (N - 1))   # planted: N - 1, var's path
    return dx, dgamma, dout.sum(axis=0)


def backward_without_eps(dout, cache):
    """Wrong: ivar and xhat recomputed from var alone, as if eps were only the forward's guard."""
    xmu, var, gamma = cache["xmu"], cache["var"], cache["gamma"]
    N = dout.shape[0]
    ivar = 1 / np.sqrt(var)                                   # planted: eps left out
    xhat = xmu * ivar
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    return (1 / N) * gamma * ivar * (N * dout - dbeta - xhat * dgamma), dgamma, dbeta


def narrow_batch(seed, dtype, spread=1e-3):
    """A batch whose variance (about 1e-6 at spread 1e-3) is below eps = 1e-5: eps decides the scale."""
    inputs = nm.batchnorm_inputs(seed, "float64")
    x = inputs["x"].mean(0) + spread * (inputs["x"] - inputs["x"].mean(0)) / inputs["x"].std(0)
    return {**inputs, "x": x.astype(dtype)}


def unbiased_manual_forward(x, gamma, beta, eps=1e-5, momentum=0.9, running=None):
    var = x.var(axis=0, ddof=1)                               # planted: the unbiased variance, N - 1
    ivar = 1 / np.sqrt(var + eps)
    xhat = (x - x.mean(axis=0)) * ivar
    return gamma * xhat + beta, dict(xhat=xhat, ivar=ivar, gamma=gamma)


def unbiased_torch_forward(x, gamma, beta, eps=1e-5, momentum=0.9, running=None):
    import torch

    return gamma * (x - x.mean(dim=0)) / torch.sqrt(x.var(dim=0, correction=1) + eps) + beta


def unbiased_jax_forward(x, gamma, beta, eps=1e-5, momentum=0.9, running=None):
    import jax.numpy as jnp

    return gamma * (x - jnp.mean(x, axis=0)) / jnp.sqrt(jnp.var(x, axis=0, ddof=1) + eps) + beta


UNBIASED_FORWARDS = {"manual": unbiased_manual_forward, "torch": unbiased_torch_forward,
                     "jax": unbiased_jax_forward}


@dataclass(frozen=True)
class UnbiasedBatchnorm(Layer):
    """A layer whose forward, in all three sources, normalizes by the unbiased variance (N - 1): the
    forward ``unbiased_variance_formula`` belongs to. Its backward is the layer's own (or the one checked)."""

    def function(self, source, which):
        return UNBIASED_FORWARDS[source] if which == "forward" else super().function(source, which)


def unbiased(layer):
    """``layer`` (a batch norm of the catalogue) with the unbiased forward in every source."""
    return UnbiasedBatchnorm(**{f.name: getattr(layer, f.name) for f in fields(layer)})


def layernorm_summed_over_the_batch(dout, cache):
    """Wrong: mu's and var's paths summed over the examples (axis 0, batch norm's habit) instead of each
    example's features (axis 1)."""
    gamma, xmu, ivar, xhat = cache["gamma"], cache["xmu"], cache["ivar"], cache["xhat"]
    D = dout.shape[1]
    axis = 0                                                  # planted: the batch's axis, not the features' (1)
    dxhat = dout * gamma
    dvar = -0.5 * (dxhat * xmu).sum(axis=axis, keepdims=True) * ivar ** 3
    dmu = -(dxhat * ivar).sum(axis=axis, keepdims=True)
    return dxhat * ivar + dvar * 2 * xmu / D + dmu / D, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def layernorm_as_batchnorm_of_the_transpose(dout, cache):
    """Right look-alike: layer norm is batch norm of x^T (features as the batch), so batch norm's
    simplified dx on the transposed dxhat, transposed back, is layer norm's."""
    gamma, ivar, xhat = cache["gamma"], cache["ivar"], cache["xhat"]
    D = dout.shape[1]
    g, h = (dout * gamma).T, xhat.T                     # looks wrong: batch norm's sums over axis 0, on x^T
    dx = ((1 / D) * ivar.T * (D * g - g.sum(axis=0) - h * (g * h).sum(axis=0))).T
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


# --- Convolution's dx (cache: x, w, b, stride, pad; stride 1) -----------------------------------------

def dx_by_full_correlation(dout, w, x_shape, pad, flip):
    """dx for stride 1 as a student writes it: dout padded by the kernel's size less one, correlated with
    the filters, the padding then cropped. ``flip``: turn the filters by 180 degrees first (right);
    without it, dx_pad[p] = sum_k dout[p + k - (HH - 1)] w[k] instead of w[HH - 1 - k] (wrong)."""
    N, C, H, W = x_shape
    F, _, HH, WW = w.shape
    kernel = w[:, :, ::-1, ::-1] if flip else w
    dout_pad = np.pad(dout, ((0, 0), (0, 0), (HH - 1, HH - 1), (WW - 1, WW - 1)))
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for p in range(H + 2 * pad):
        for q in range(W + 2 * pad):
            window = dout_pad[:, :, p:p + HH, q:q + WW]                       # (N, F, HH, WW)
            dx_pad[:, :, p, q] = np.tensordot(window, kernel, axes=([1, 2, 3], [0, 2, 3]))
    return dx_pad[:, :, pad:pad + H, pad:pad + W]


def dw_db(dout, x, w, pad):
    """The right dw and db, so that a planted mistake touches dx alone."""
    _, dw, db = NAIVE_BACKWARD(dout, (x, w, None, 1, pad))
    return dw, db


def unflipped(dout, cache):
    x, w, b, stride, pad = cache
    dx = dx_by_full_correlation(dout, w, x.shape, pad, flip=False)   # planted: the filters not flipped
    return (dx, *dw_db(dout, x, w, pad))


def flipped(dout, cache):
    x, w, b, stride, pad = cache
    dx = dx_by_full_correlation(dout, w, x.shape, pad, flip=True)    # looks wrong: a full correlation, no scatter
    return (dx, *dw_db(dout, x, w, pad))


def dx_pad_of(dout, cache):
    """The naive backward's dx before cropping (N, C, H + 2 pad, W + 2 pad)."""
    x, w, b, stride, pad = cache
    out_cache = (np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))), w, b, stride, 0)
    return NAIVE_BACKWARD(dout, out_cache)[0]


def padding_left_in(dout, cache):
    x, w, b, stride, pad = cache
    dx = dx_pad_of(dout, cache)                                       # planted: the padded dx, not cropped
    return (dx, *dw_db(dout, x, w, pad))


def cropped_at_the_corner(dout, cache):
    """Cropped to x's shape, but the top-left H x W: the border removed on one side only."""
    x, w, b, stride, pad = cache
    H, W = x.shape[2:]
    dx = dx_pad_of(dout, cache)[:, :, :H, :W]                         # planted: cropped from 0, not from pad
    return (dx, *dw_db(dout, x, w, pad))


def cropped_by_the_padding(dout, cache):
    x, w, b, stride, pad = cache
    H, W = x.shape[2:]
    dx = dx_pad_of(dout, cache)[:, :, pad:pad + H, pad:pad + W]       # looks wrong: x padded, then dx cropped
    return (dx, *dw_db(dout, x, w, pad))


# --- Pooling (cache: x, pool_height, pool_width, stride) ----------------------------------------------

def every_element_of_the_window(dout, cache):
    """Wrong: dout copied to every element of the window, as if the maximum depended on all alike."""
    x, ph, pw, stride = cache
    dx = np.zeros(x.shape)
    for i, j, rows, cols in pooling.windows(dout.shape[2], dout.shape[3], ph, pw, stride):
        dx[:, :, rows, cols] += dout[:, :, i, j, None, None]                  # planted: no mask of the maximum
    return dx


def every_tied_maximum(dout, cache):
    """Wrong: dout to every element equal to the window's maximum; right only while nothing ties."""
    x, ph, pw, stride = cache
    dx = np.zeros(x.shape)
    for i, j, rows, cols in pooling.windows(dout.shape[2], dout.shape[3], ph, pw, stride):
        window = x[:, :, rows, cols]
        mask = window == window.max(axis=(2, 3), keepdims=True)               # planted: every tied maximum
        dx[:, :, rows, cols] += mask * dout[:, :, i, j, None, None]
    return dx


def first_tied_maximum(dout, cache):
    """The look-alike: the same mask, but ties broken consistently (only the first True, row-major)."""
    x, ph, pw, stride = cache
    dx = np.zeros(x.shape)
    for i, j, rows, cols in pooling.windows(dout.shape[2], dout.shape[3], ph, pw, stride):
        window = x[:, :, rows, cols]
        mask = (window == window.max(axis=(2, 3), keepdims=True)).reshape(*window.shape[:2], -1)
        first = mask & (np.cumsum(mask, axis=2) == 1)                         # looks wrong: a mask of ==, then cumsum
        dx[:, :, rows, cols] += first.reshape(window.shape) * dout[:, :, i, j, None, None]
    return dx


TIED = ((0, 1, 2, 2), (0, 1, 3, 3))   # the first and last element of the window x[0, 1, 2:4, 2:4], set equal


def max_pool_layer():
    return next(layer for layer in pooling.LAYERS if layer.name == "max_pool")


def tied_input():
    """The catalogue's max-pool input with one window whose first and last elements tie for its maximum."""
    x = max_pool_layer().inputs(0, np.float64)["x"].copy()
    window = x[0, 1, 2:4, 2:4]
    x[TIED[0]] = x[TIED[1]] = window.max() + 0.5
    return x


def tied_layer():
    """The max-pool layer on ``tied_input`` (in the dtype asked)."""
    layer = max_pool_layer()
    return Layer("max_pool", "pooling", lambda seed, dtype: {"x": tied_input().astype(dtype)}, ("x",),
                 options=layer.options, functions=(layer.forward_name, layer.backward_name))


def avg_without_dividing(dout, cache):
    """Wrong: dout spread over the window without the 1 / (ph pw) of the mean."""
    x, ph, pw, stride = cache
    dx = np.zeros(x.shape)
    for i, j, rows, cols in pooling.windows(dout.shape[2], dout.shape[3], ph, pw, stride):
        dx[:, :, rows, cols] += dout[:, :, i, j, None, None]                  # planted: no / (ph pw)
    return dx


def avg_dividing_twice_by_a_side(dout, cache):
    """The look-alike: divided by ph, then by pw, which is dividing by the window's size."""
    x, ph, pw, stride = cache
    dx = np.zeros(x.shape)
    for i, j, rows, cols in pooling.windows(dout.shape[2], dout.shape[3], ph, pw, stride):
        dx[:, :, rows, cols] += dout[:, :, i, j, None, None] / ph / pw         # looks wrong: divided twice
    return dx


# --- The RNN, the LSTM step and attention --------------------------------------------------------------

def rnn_backward_without_carry(dh, cache):
    """WRONG: each step sees only its own upstream dh[:, t]; nothing flows back from step t + 1."""
    N, T, _ = dh.shape
    steps = [rnn.rnn_step_backward(dh[:, t], cache[t]) for t in range(T)]    # planted: no dprev_h carried back
    dx = np.stack([s[0] for s in steps], axis=1)
    return dx, steps[0][1], sum(s[2] for s in steps), sum(s[3] for s in steps), sum(s[4] for s in steps)


def rnn_backward_vectorised(dh, cache):
    """RIGHT, written differently: one walk back in time for da_t alone, then the weights' gradients
    as sums over every step at once (einsum)."""
    N, T, H = dh.shape
    x = np.stack([c[0] for c in cache], axis=1)             # (N, T, D)
    h_prev = np.stack([c[1] for c in cache], axis=1)        # (N, T, H)
    h = np.stack([c[4] for c in cache], axis=1)
    Wx, Wh = cache[0][2], cache[0][3]
    da = np.zeros_like(dh)
    carry = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        da[:, t] = (dh[:, t] + carry) * (1 - h[:, t] ** 2)
        carry = da[:, t] @ Wh.T                             # looks wrong: no step backward, only da carried
    return (np.einsum("nth,dh->ntd", da, Wx), carry, np.einsum("ntd,nth->dh", x, da),
            np.einsum("ntk,nth->kh", h_prev, da), da.sum(axis=(0, 1)))


def lstm_step_backward_gates_swapped(dnext_h, dnext_c, cache):
    """WRONG: the gates' gradients concatenated as f, i, o, g, not in the forward's order i, f, o, g."""
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    da = np.concatenate([dc * prev_c * f * (1 - f),                           # planted: f's first, then i's
                         dc * g * i * (1 - i), dnext_h * tanh_c * o * (1 - o), dc * i * (1 - g ** 2)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_step_backward_without_tanh_derivative(dnext_h, dnext_c, cache):
    """WRONG: dnext_h reaches dc as dnext_h * o, without tanh'(c_next) = 1 - tanh(c_next)^2."""
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o                                                # planted: no (1 - tanh_c ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tanh_c * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_step_backward_by_slices(dnext_h, dnext_c, cache):
    """RIGHT, written differently: each gate's gradient written into its own slice of da, in the order
    f, g, o, i (the slice, not the statement order, decides), and tanh' as 1 / cosh^2."""
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    H = i.shape[1]
    dc = dnext_c + dnext_h * o / np.cosh(np.arctanh(tanh_c)) ** 2
    da = np.empty((i.shape[0], 4 * H))
    da[:, H:2 * H] = dc * prev_c * f * (1 - f)                                # looks wrong: f written first
    da[:, 3 * H:] = dc * i * (1 - g ** 2)
    da[:, 2 * H:3 * H] = dnext_h * tanh_c * o * (1 - o)
    da[:, :H] = dc * g * i * (1 - i)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def joint(step_backward):
    """``step_backward(dnext_h, dnext_c, cache)`` as the catalogue's lstm_step layer calls it: dout (N, 2H)
    split into dnext_h and dnext_c (``rnn.lstm_step_backward_joint`` with ``step_backward`` in the step)."""
    def backward(dout, cache):
        H = dout.shape[1] // 2
        return step_backward(dout[:, :H], dout[:, H:], cache)

    backward.__name__ = step_backward.__name__
    return backward


def attention_backward_without_softmax_jacobian(dout, cache):
    """WRONG: dscores = dP * P, the softmax's Jacobian taken as diagonal (each p_s as if only its own
    score moved it)."""
    q, k, v, P, scale = cache
    dP = dout @ v.transpose(0, 2, 1)
    dscores = dP * P                                                          # planted: no - P sum(dP P)
    return dscores @ k * scale, dscores.transpose(0, 2, 1) @ q * scale, P.transpose(0, 2, 1) @ dout


def attention_backward_full_jacobian(dout, cache):
    """RIGHT, written differently: each row's Jacobian diag(p) - p p^T built in full and applied by einsum."""
    q, k, v, P, scale = cache
    dP = np.einsum("ntv,nsv->nts", dout, v)
    eye = np.eye(P.shape[-1])
    J = np.einsum("nts,sr->ntsr", P, eye) - np.einsum("nts,ntr->ntsr", P, P)   # looks wrong: (N, T, S, S) in full
    dscores = np.einsum("ntsr,nts->ntr", J, dP)
    return (np.einsum("nts,nsd->ntd", dscores, k) * scale, np.einsum("nts,ntd->nsd", dscores, q) * scale,
            np.einsum("nts,ntv->nsv", P, dout))
