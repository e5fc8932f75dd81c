"""Batch normalization (training mode), layer normalization and spatial batch normalization, derived by hand.

Batch normalization, CS231n's layout: x (N, D), N examples of D features; gamma, beta (D,); each feature
is normalized over the batch with the batch mean and the BIASED batch variance (divide by N: the
variance the forward actually normalizes with, whatever a running estimate uses):

    mu      = (1/N) sum_n x[n]                    (D,)
    xmu     = x - mu                              (N, D)
    sq      = xmu^2                               (N, D)
    var     = (1/N) sum_n sq[n]                   (D,)   biased
    sqrtvar = sqrt(var + eps)                     (D,)
    ivar    = 1 / sqrtvar                         (D,)
    xhat    = xmu ivar                            (N, D)
    out     = gamma xhat + beta                   (N, D)

Its backward, dout (N, D) = d s / d out, walked back through that graph node by node
(``batchnorm_backward_steps``: every node's gradient by name, dbeta ... dx, each compared with autograd's
gradient of the same node by ``comparisons.layer_check``; ``batchnorm_backward`` returns its dx, dgamma,
dbeta) or in one expression (``batchnorm_backward_alt``): the three paths from x to xhat (directly,
through mu, through var) summed, with sum_n xmu[n] = 0 used once,

    dxhat  = dout gamma
    dx     = (1/N) gamma ivar (N dout - sum_n dout - xhat sum_n (dout xhat))
    dgamma = sum_n dout xhat,   dbeta = sum_n dout

A batch of one (N = 1): mu = x, xmu = 0 exactly, var = 0, xhat = 0 / sqrt(eps) = 0, so out = beta
whatever x and gamma are. The derivation says the same without a special case: dbeta = dout,
dgamma = sum dout * 0 = 0, and dx = gamma ivar (dout - dout - 0) = 0 (step by step: the direct path's
dxhat ivar is cancelled exactly by the mean's path, and the variance's path carries xmu = 0). eps is
what keeps ivar = 1/sqrt(eps) finite there; without it 0 * inf would make every gradient NaN.

Layer normalization: the same normalization of each example over its own D features (axis 1), gamma and
beta still (D,); nothing is shared between examples, so it has no running statistics and is the same at
train and test time. Its backward is the paper's three-term form, the sums over the features:

    dvar = -1/2 sum_d dxhat xmu ivar^3   (N, 1),   dmu = -sum_d dxhat ivar   (N, 1)
    dx   = dxhat ivar + dvar 2 xmu / D + dmu / D

Spatial batch normalization: x (N, C, H, W), gamma, beta (C,); each channel is normalized over N, H and
W together, i.e. batch normalization of x moved to (N H W, C) rows.
"""

import numpy as np

from manual.layers import Layer


def batchnorm_forward(x, gamma, beta, eps=1e-5, momentum=0.9, running=None):
    """out = gamma (x - mu) / sqrt(var + eps) + beta over the batch, training mode; (out, cache).

    x (N, D); gamma, beta (D,); out (N, D). mu and var are the batch's, var the biased one (1/N).

    Running statistics, CS231n's convention: ``running`` is a dict {"mean": (D,), "var": (D,)} (None: a
    fresh one at zeros, as CS231n's ``bn_param`` starts), updated in place and kept in ``cache["running"]``:

        running["mean"] = momentum running["mean"] + (1 - momentum) mu
        running["var"]  = momentum running["var"]  + (1 - momentum) var     (the same BIASED var)

    PyTorch's ``BatchNorm1d`` differs twice: its momentum is the weight of the NEW value (0.1 there is 0.9
    here), and its running variance uses the unbiased N/(N-1) var. The running statistics are bookkeeping
    for test time: they are not part of ``out`` and nothing is differentiated through them.
    """
    N, D = x.shape
    mu = x.mean(axis=0)                      # (D,)   the batch mean of each feature
    xmu = x - mu                             # (N, D) centred; its rows sum to 0 per feature
    sq = xmu ** 2                            # (N, D)
    var = sq.mean(axis=0)                    # (D,)   biased: divided by N, not N - 1
    sqrtvar = np.sqrt(var + eps)             # (D,)   eps > 0 keeps it positive when var = 0 (N = 1)
    ivar = 1 / sqrtvar                       # (D,)
    xhat = xmu * ivar                        # (N, D) zero mean, unit (biased) variance per feature
    gammax = gamma * xhat                    # (N, D)
    out = gammax + beta                      # (N, D)

    running = {"mean": np.zeros(D, x.dtype), "var": np.zeros(D, x.dtype)} if running is None else running
    running["mean"] = momentum * running["mean"] + (1 - momentum) * mu
    running["var"] = momentum * running["var"] + (1 - momentum) * var

    cache = dict(x=x, gamma=gamma, beta=beta, eps=eps, mu=mu, xmu=xmu, sq=sq, var=var, sqrtvar=sqrtvar,
                 ivar=ivar, xhat=xhat, running=running)
    return out, cache


def batchnorm_backward_steps(dout, cache):
    """{d<node>: gradient} of every node of the forward's graph, walked back node by node, in that order:
    dbeta, dgammax, dgamma, dxhat, divar, dsqrtvar, dvar, dsq, dxmu, dmu, dx.

    dout (N, D); every (N, D) node's gradient (N, D), every (D,) node's (D,). Every node that was broadcast
    over the batch in the forward (mu, var, sqrtvar, ivar, gamma, beta: (D,)) sums its gradient over the
    batch here. Each is the node's TOTAL gradient (what autograd gives for it): xmu is read twice, by xhat
    and by sq, so dxmu is the sum of its two paths, and x twice, directly and through mu.
    """
    xmu, sqrtvar, ivar, xhat, gamma = (cache[k] for k in ("xmu", "sqrtvar", "ivar", "xhat", "gamma"))
    N, D = dout.shape
    # out = gammax + beta
    dbeta = dout.sum(axis=0)                 # (D,)   beta was broadcast over the rows
    dgammax = dout                           # (N, D)
    # gammax = gamma * xhat
    dgamma = (dgammax * xhat).sum(axis=0)    # (D,)
    dxhat = dgammax * gamma                  # (N, D)
    # xhat = xmu * ivar: xmu is reached here and, below, through var
    divar = (dxhat * xmu).sum(axis=0)        # (D,)
    dxmu1 = dxhat * ivar                     # (N, D) the direct path
    # ivar = 1 / sqrtvar
    dsqrtvar = -1 / sqrtvar ** 2 * divar     # (D,)
    # sqrtvar = sqrt(var + eps)
    dvar = 0.5 / sqrtvar * dsqrtvar          # (D,)
    # var = (1/N) sum_n sq[n]: each row gets 1/N of dvar (N from the forward's mean: the biased variance)
    dsq = np.ones((N, D), dout.dtype) / N * dvar   # (N, D)
    # sq = xmu ** 2
    dxmu2 = 2 * xmu * dsq                    # (N, D) the path through the variance
    dxmu = dxmu1 + dxmu2                     # (N, D) both paths: xmu's total
    # xmu = x - mu: x directly, and through mu
    dmu = -dxmu.sum(axis=0)                  # (D,)
    # mu = (1/N) sum_n x[n]
    dx = dxmu + np.ones((N, D), dout.dtype) / N * dmu    # (N, D)
    return dict(dbeta=dbeta, dgammax=dgammax, dgamma=dgamma, dxhat=dxhat, divar=divar, dsqrtvar=dsqrtvar,
                dvar=dvar, dsq=dsq, dxmu=dxmu, dmu=dmu, dx=dx)


def batchnorm_backward(dout, cache):
    """(dx, dgamma, dbeta) walked back node by node through the forward's graph (``batchnorm_backward_steps``).

    dout (N, D); dx (N, D); dgamma, dbeta (D,).
    """
    g = batchnorm_backward_steps(dout, cache)
    return g["dx"], g["dgamma"], g["dbeta"]


def batchnorm_backward_alt(dout, cache):
    """(dx, dgamma, dbeta) in one expression: dx = (1/N) gamma ivar (N dout - sum dout - xhat sum(dout xhat)).

    The step-by-step chain with sum_n xmu[n] = 0 used to drop dmu's variance term and xmu ivar = xhat
    to fold the rest; the same numbers to rounding (``tests/test_layers_normalization.py``).
    """
    xhat, ivar, gamma = cache["xhat"], cache["ivar"], cache["gamma"]
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)                          # (D,)
    dgamma = (dout * xhat).sum(axis=0)                # (D,)
    dx = (1 / N) * gamma * ivar * (N * dout - dbeta - xhat * dgamma)   # (N, D): reuses both sums
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, eps=1e-5):
    """out = gamma (x - mu) / sqrt(var + eps) + beta, mu and var each example's over its D features.

    x (N, D); gamma, beta (D,); mu, var, ivar (N, 1) (kept 2-d so they broadcast along the row); the
    biased variance (1/D), as ``torch.nn.functional.layer_norm``. Nothing mixes examples: no running
    statistics, the same at train and test time.
    """
    mu = x.mean(axis=1, keepdims=True)                 # (N, 1) each example's mean
    xmu = x - mu                                       # (N, D)
    var = (xmu ** 2).mean(axis=1, keepdims=True)       # (N, 1) biased: divided by D
    sqrtvar = np.sqrt(var + eps)                       # (N, 1)
    ivar = 1 / sqrtvar                                 # (N, 1)
    xhat = xmu * ivar                                  # (N, D)
    out = gamma * xhat + beta                          # (N, D) gamma, beta per feature, as in batch norm
    return out, dict(gamma=gamma, xmu=xmu, var=var, ivar=ivar, xhat=xhat)


def layernorm_backward_steps(dout, cache):
    """{dbeta, dgamma, dxhat, dvar, dmu, dx}: dgamma, dbeta summed over the batch (they are per feature);
    dx through mu and var summed over the features (each example's own statistics). dvar and dmu (N, 1)
    are the nodes' total gradients."""
    gamma, xmu, ivar, xhat = cache["gamma"], cache["xmu"], cache["ivar"], cache["xhat"]
    D = dout.shape[1]
    dbeta = dout.sum(axis=0)                                        # (D,)
    dgamma = (dout * xhat).sum(axis=0)                              # (D,)
    dxhat = dout * gamma                                            # (N, D)
    dvar = -0.5 * (dxhat * xmu).sum(axis=1, keepdims=True) * ivar ** 3   # (N, 1) d var = d/dvar (var+eps)^-1/2
    dmu = -(dxhat * ivar).sum(axis=1, keepdims=True)                # (N, 1) its var term is dvar mean(-2 xmu) = 0
    dx = dxhat * ivar + dvar * 2 * xmu / D + dmu / D                # (N, D) direct + through var + through mu
    return dict(dbeta=dbeta, dgamma=dgamma, dxhat=dxhat, dvar=dvar, dmu=dmu, dx=dx)


def layernorm_backward(dout, cache):
    """(dx, dgamma, dbeta) of ``layernorm_backward_steps``."""
    g = layernorm_backward_steps(dout, cache)
    return g["dx"], g["dgamma"], g["dbeta"]


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5, momentum=0.9, running=None):
    """Batch normalization of each channel over N, H and W: x (N, C, H, W) moved to rows (N H W, C).

    gamma, beta (C,); out (N, C, H, W); ``running`` as in ``batchnorm_forward``, per channel (C,).
    """
    N, C, H, W = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(-1, C)       # (N H W, C): channels last, one pixel a row
    out_rows, cache = batchnorm_forward(rows, gamma, beta, eps=eps, momentum=momentum, running=running)
    out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)   # back to (N, C, H, W)
    return out, (cache, x.shape)


def spatial_batchnorm_backward_steps(dout, cache):
    """Batch norm's steps (``batchnorm_backward_steps``) on dout moved to rows as the forward moved x, each
    (N H W, C) gradient moved back to (N, C, H, W); the (C,) ones (dgamma, dbeta, dmu, dvar, ...) are
    already summed over N, H and W."""
    bn_cache, (N, C, H, W) = cache
    drows = dout.transpose(0, 2, 3, 1).reshape(-1, C)   # (N H W, C)
    g = batchnorm_backward_steps(drows, bn_cache)
    return {k: v.reshape(N, H, W, C).transpose(0, 3, 1, 2) if v.ndim == 2 else v for k, v in g.items()}


def spatial_batchnorm_backward(dout, cache):
    """(dx, dgamma, dbeta): dout moved to rows as the forward moved x, batch norm's step-by-step
    backward, and dx moved back; dgamma, dbeta (C,) are already summed over N, H and W."""
    g = spatial_batchnorm_backward_steps(dout, cache)
    return g["dx"], g["dgamma"], g["dbeta"]


def scale_and_shift(rng, D, dtype):
    """gamma (D,) away from 1 and 0 with mixed signs, beta (D,) non-zero: a slip in either shows."""
    gamma = rng.uniform(0.5, 2.0, D) * rng.choice([-1, 1], D)
    return {"gamma": gamma.astype(dtype), "beta": rng.standard_normal(D).astype(dtype)}


def batchnorm_inputs(seed, dtype, N=8, D=5):
    """x (N, D) with a shifted mean and a different spread per feature: a centring or scaling slip shows."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D)) * rng.uniform(0.5, 3.0, D) + rng.uniform(-2.0, 2.0, D)
    return {"x": x.astype(dtype), **scale_and_shift(rng, D, dtype)}


def layernorm_inputs(seed, dtype, N=4, D=6):
    """x (N, D) with a shifted mean and a different spread per EXAMPLE; N != D, so that a sum over the
    wrong axis cannot pass for the right one."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D)) * rng.uniform(0.5, 3.0, (N, 1)) + rng.uniform(-2.0, 2.0, (N, 1))
    return {"x": x.astype(dtype), **scale_and_shift(rng, D, dtype)}


def spatial_batchnorm_inputs(seed, dtype, shape=(2, 3, 4, 5)):
    """x (N, C, H, W) with a shifted mean and a different spread per channel."""
    rng = np.random.default_rng(seed)
    C = shape[1]
    x = rng.standard_normal(shape) * rng.uniform(0.5, 3.0, (1, C, 1, 1)) + rng.uniform(-2.0, 2.0, (1, C, 1, 1))
    return {"x": x.astype(dtype), **scale_and_shift(rng, C, dtype)}


LAYERS = (
    Layer("batchnorm", "normalization", batchnorm_inputs, ("x", "gamma", "beta"),
          functions=("batchnorm_forward", "batchnorm_backward"), steps="batchnorm_backward_steps",
          summary="batch norm, training mode: step-by-step backward through the graph"),
    Layer("batchnorm_alt", "normalization", batchnorm_inputs, ("x", "gamma", "beta"),
          functions=("batchnorm_forward", "batchnorm_backward_alt"),
          summary="batch norm, training mode: the simplified single-expression backward"),
    Layer("layernorm", "normalization", layernorm_inputs, ("x", "gamma", "beta"), steps="layernorm_backward_steps",
          summary="layer norm: each example over its own features"),
    Layer("spatial_batchnorm", "normalization", spatial_batchnorm_inputs, ("x", "gamma", "beta"),
          steps="spatial_batchnorm_backward_steps",
          summary="batch norm of each channel over N, H, W"),
)
