"""Scaled dot-product attention, one head, derived by hand, with and without a causal mask.

Shapes (examples are rows): q (N, T, d), T queries per example; k (N, S, d), S keys; v (N, S, dv):

    scores = q k^T / sqrt(d)                     (N, T, S): query t against key s
    scores[:, t, s] = -inf where s > t            (causal only, T = S: a query sees no later key)
    P      = softmax(scores) over the keys s      (N, T, S), stable: the row's largest score subtracted
    out    = P v                                  (N, T, dv)

Backward, for dout (N, T, dv):

    dP      = dout v^T                            (N, T, S)
    dv      = P^T dout                            (N, S, dv)
    dscores = P * (dP - sum over s of dP * P)     (N, T, S): the softmax's Jacobian diag(p) - p p^T
                                                  applied to each row; dP * P alone is the classic slip
                                                  (it forgets that every p_s depends on every score)
    dq      = dscores k / sqrt(d)                 (N, T, d)
    dk      = dscores^T q / sqrt(d)               (N, S, d)

``attention_backward_steps`` returns dP and dscores by name beside dq, dk, dv (``comparisons.layer_check``
compares them with autograd's gradients of the twins' P and masked scores).

A masked score has P = 0, so its dscores is 0: the mask needs no term of its own in the backward.
The first query of a causal mask sees only key 0, so its P row is [1, 0, ..., 0], out[:, 0] = v[:, 0]
and dq[:, 0] = 0 (a softmax over one element is the constant 1).
"""

import numpy as np

from manual.layers import Layer


def causal_mask(T, S):
    """(T, S) boolean, True where key s is hidden from query t (s > t)."""
    if T != S:
        raise ValueError(f"a causal mask needs as many queries as keys; got T={T} queries and S={S} keys")
    return np.triu(np.ones((T, S), dtype=bool), k=1)


def attention_forward(q, k, v, causal=False):
    """out = softmax(q k^T / sqrt(d), over the keys) v; q (N, T, d), k (N, S, d), v (N, S, dv).
    Returns (out (N, T, dv), cache (q, k, v, P, scale))."""
    d = q.shape[-1]
    scale = 1 / d ** 0.5                                # a Python float: it keeps float32 inputs float32
    scores = q @ k.transpose(0, 2, 1) * scale           # (N, T, S)
    if causal:
        scores = np.where(causal_mask(q.shape[1], k.shape[1]), -np.inf, scores)   # exp(-inf) = 0
    # stable: subtract each row's largest (real part, so that a complex-step witness passes through);
    # the softmax does not change when a row is shifted
    shifted = scores - np.real(scores).max(axis=-1, keepdims=True)
    E = np.exp(shifted)                                 # (N, T, S), every entry <= 1, the row's max is 1
    P = E / E.sum(axis=-1, keepdims=True)               # (N, T, S): each row sums to 1
    out = P @ v                                         # (N, T, dv)
    return out, (q, k, v, P, scale)


def attention_backward_steps(dout, cache):
    """{dP, dv, dscores, dq, dk} in backward order for dout (N, T, dv): dP and dscores (N, T, S) are the
    gradients of the softmax's output and input (the scores after the mask)."""
    q, k, v, P, scale = cache
    dP = dout @ v.transpose(0, 2, 1)                    # (N, T, S): out = P v
    dv = P.transpose(0, 2, 1) @ dout                    # (N, S, dv)
    # each row p = softmax(z) has Jacobian diag(p) - p p^T: dz = p * dp - p (p . dp)
    dscores = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))   # (N, T, S); 0 where masked (P = 0)
    dq = dscores @ k * scale                            # (N, T, d): scores = q k^T scale
    dk = dscores.transpose(0, 2, 1) @ q * scale         # (N, S, d)
    return dict(dP=dP, dv=dv, dscores=dscores, dq=dq, dk=dk)


def attention_backward(dout, cache):
    """(dq (N, T, d), dk (N, S, d), dv (N, S, dv)) for dout (N, T, dv) (``attention_backward_steps``)."""
    g = attention_backward_steps(dout, cache)
    return g["dq"], g["dk"], g["dv"]


# --- Inputs: T != S where the mask allows it, so that a transposed axis cannot pass -----------------

def attention_inputs(seed, dtype, T=3, S=4, d=4, dv=5, N=2):
    rng = np.random.default_rng(seed)
    return {"q": rng.standard_normal((N, T, d)).astype(dtype), "k": rng.standard_normal((N, S, d)).astype(dtype),
            "v": rng.standard_normal((N, S, dv)).astype(dtype)}


def causal_inputs(seed, dtype, T=4):
    return attention_inputs(seed, dtype, T=T, S=T)


LAYERS = (
    Layer("attention", "attention", attention_inputs, ("q", "k", "v"), steps="attention_backward_steps",
          summary="softmax(q k^T / sqrt(d)) v, one head"),
    Layer("attention_causal", "attention", causal_inputs, ("q", "k", "v"), options={"causal": True},
          functions=("attention_forward", "attention_backward"), steps="attention_backward_steps",
          summary="softmax(q k^T / sqrt(d) + causal mask) v, one head"),
)
