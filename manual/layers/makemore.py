"""makemore's "backprop ninja" network (Karpathy, makemore part 4) as a layer, derived by hand.

A character-level MLP on a batch of N examples, each the indices of its block_size = 3 previous
characters Xb (N, 3) and the next character Yb (N,), vocabulary V = 27, embedding n_embd = 10, hidden
width H = 64. The forward is makemore's, one named intermediate a line (shapes for N, V, H):

    emb          = C[Xb]                                   (N, 3, 10)  C (V, 10)
    embcat       = emb.reshape(N, 30)                      (N, 30)
    hprebn       = embcat @ W1 + b1                        (N, H)      W1 (30, H), b1 (H,)
    bnmeani      = 1/N sum_n hprebn[n]                     (1, H)
    bndiff       = hprebn - bnmeani                        (N, H)
    bndiff2      = bndiff^2                                (N, H)
    bnvar        = 1/(N-1) sum_n bndiff2[n]                (1, H)      Bessel's correction, as makemore
    bnvar_inv    = (bnvar + 1e-5)^-1/2                     (1, H)
    bnraw        = bndiff * bnvar_inv                      (N, H)
    hpreact      = bngain * bnraw + bnbias                 (N, H)      bngain, bnbias (1, H)
    h            = tanh(hpreact)                           (N, H)
    logits       = h @ W2 + b2                             (N, V)      W2 (H, V), b2 (V,)
    logit_maxes  = max_k logits[n, k]                      (N, 1)      for stability only
    norm_logits  = logits - logit_maxes                    (N, V)
    counts       = exp(norm_logits)                        (N, V)
    counts_sum   = sum_k counts[n, k]                      (N, 1)
    counts_sum_inv = 1 / counts_sum                        (N, 1)
    probs        = counts * counts_sum_inv                 (N, V)
    logprobs     = log(probs)                              (N, V)
    loss         = -1/N sum_n logprobs[n, Yb[n]]           ()

The variance is makemore's UNBIASED one, 1/(N-1), Bessel's correction, kept here on purpose: the
lecture chooses it so that training and test time use the same (unbiased) estimate, where the batch
norm paper and PyTorch's BatchNorm1d normalize with the biased 1/N in training and keep the unbiased one
for test time. ``manual/layers/normalization.py`` is the biased, CS231n layer; every backward here
carries the N - 1 (the variance's path: 2 bndiff / (N - 1) dbnvar).

Two backwards of this one forward (``dout``, 0-d, scales the loss: every gradient is dout dL/d.):

- ``makemore_backward``: every intermediate's gradient in backward order, makemore's exercise 1
  (``makemore_gradients`` returns them all by name): dlogprobs, dprobs, dcounts_sum_inv, dcounts_sum,
  dcounts, dnorm_logits, dlogit_maxes, dlogits, dh, dW2, db2, dhpreact, dbngain, dbnraw, dbnbias,
  dbnvar_inv, dbnvar, dbndiff2, dbndiff, dbnmeani, dhprebn, dembcat, dW1, db1, demb, dC.
- ``makemore_backward_fused``: exercises 2 and 3, the cross-entropy in one step (the softmax loss's
  dlogits = dout/N (softmax(logits) - onehot(Yb)), ``manual/layers/losses.py``) and batch norm in
  one expression with makemore's N/(N-1):

      dhprebn = bngain bnvar_inv / N (N dhpreact - sum_n dhpreact - N/(N-1) bnraw sum_n dhpreact bnraw)

  (normalization.py's ``batchnorm_backward_alt`` has 1 where this has N/(N-1): its forward is biased).

Two gradients are zero to rounding, and why:
- dlogit_maxes: the loss does not depend on the shift (softmax is shift-invariant), so the max's path
  (dlogit_maxes = -sum_k dnorm_logits = -(sum_k probs - 1) dout/N) is 0 up to rounding. The max's kink
  (a tie) therefore cannot change any gradient either.
- db1: batch norm subtracts each column's batch mean, so b1 (added to every row) cancels from
  bndiff and the loss does not depend on it: db1 = sum_n dhprebn[n] = 0 exactly in exact arithmetic
  (dhprebn = dbndiff - mean_n dbndiff). makemore keeps b1 (its gradient check shows it "approximate"
  only). What the hand derivation returns is that sum as NumPy rounds it, about eps * sum_n
  |dhprebn[n]|; PyTorch and JAX return their own roundings of the same zero. A relative error between
  two roundings of zero is noise of order 1, so it cannot be judged relatively; it is judged against
  the scale of what cancelled (``db1_scale``): ``tests/test_layers_makemore.py`` asserts
  |db1| <= 64 eps db1_scale in all three sources and in the complex-step derivative of the loss.

The catalogue's check (``comparisons.layer_check``) compares every intermediate of both backwards
(``Layer.steps``: ``makemore_gradients``, ``makemore_fused_gradients``) with autograd's gradient of the same
node of the twins' forwards, and judges these two as zero to rounding (``Layer.zero``: |g| <= 64 eps times
the scale of what cancels, ``db1_scale`` and ``logit_maxes_scale``), not relatively: a relative error
between two roundings of zero measures 1 to 2 here, in both dtypes, against torch, jax and the witness
alike. The witness leaves db1 out (a difference quotient of a constant is its own noise);
``tests/test_layers_makemore.py`` also takes the loss's complex-step derivative in b1.
"""

import numpy as np

from manual.layers import Layer
from manual.layers.losses import softmax_loss_backward

EPS = 1e-5          # makemore's: bnvar_inv = (bnvar + 1e-5) ** -0.5

# the backward's return order (Layer.grads of the catalogue entries adds "d" to each)
PARAMETERS = ("C", "W1", "b1", "bngain", "bnbias", "W2", "b2")

# every intermediate's gradient of the step-by-step backward, in the order it is computed
STEPS = ("dlogprobs", "dprobs", "dcounts_sum_inv", "dcounts_sum", "dcounts", "dnorm_logits", "dlogit_maxes",
         "dlogits", "dh", "dW2", "db2", "dhpreact", "dbngain", "dbnraw", "dbnbias", "dbnvar_inv", "dbnvar",
         "dbndiff2", "dbndiff", "dbnmeani", "dhprebn", "dembcat", "dW1", "db1", "demb", "dC")

# the fused backward's: the cross-entropy and batch norm each in one step
FUSED = ("dlogits", "dh", "dW2", "db2", "dhpreact", "dbngain", "dbnbias", "dhprebn", "dembcat", "dW1", "db1",
         "demb", "dC")


def makemore_forward(Xb, Yb, C, W1, b1, bngain, bnbias, W2, b2):
    """The loss (a 0-d array) and a cache {name: value} of the inputs and every named intermediate."""
    n = Xb.shape[0]
    emb = C[Xb]                                             # (N, 3, 10) one embedding row per context character
    embcat = emb.reshape(n, -1)                             # (N, 30) the three concatenated
    hprebn = embcat @ W1 + b1                               # (N, H) hidden layer before batch norm
    bnmeani = 1 / n * hprebn.sum(0, keepdims=True)          # (1, H) batch mean
    bndiff = hprebn - bnmeani                               # (N, H)
    bndiff2 = bndiff ** 2                                   # (N, H)
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdims=True)     # (1, H) Bessel's correction: 1/(N-1), makemore's
    bnvar_inv = (bnvar + EPS) ** -0.5                       # (1, H)
    bnraw = bndiff * bnvar_inv                              # (N, H)
    hpreact = bngain * bnraw + bnbias                       # (N, H)
    h = np.tanh(hpreact)                                    # (N, H)
    logits = h @ W2 + b2                                    # (N, V)
    logit_maxes = logits.max(1, keepdims=True)              # (N, 1) subtracted for exp's range only
    norm_logits = logits - logit_maxes                      # (N, V) <= 0
    counts = np.exp(norm_logits)                            # (N, V) in (0, 1]
    counts_sum = counts.sum(1, keepdims=True)               # (N, 1) >= 1
    counts_sum_inv = counts_sum ** -1                       # (N, 1)
    probs = counts * counts_sum_inv                         # (N, V) rows sum to 1
    logprobs = np.log(probs)                                # (N, V)
    loss = -logprobs[np.arange(n), Yb].mean()               # () the labelled character's, mean over N
    cache = dict(Xb=Xb, Yb=Yb, C=C, W1=W1, b1=b1, bngain=bngain, bnbias=bnbias, W2=W2, b2=b2, emb=emb,
                 embcat=embcat, hprebn=hprebn, bnmeani=bnmeani, bndiff=bndiff, bndiff2=bndiff2, bnvar=bnvar,
                 bnvar_inv=bnvar_inv, bnraw=bnraw, hpreact=hpreact, h=h, logits=logits, logit_maxes=logit_maxes,
                 norm_logits=norm_logits, counts=counts, counts_sum=counts_sum, counts_sum_inv=counts_sum_inv,
                 probs=probs, logprobs=logprobs)
    return np.asarray(loss, dtype=logits.dtype), cache


# --- the step-by-step backward, in four stages (each one a block of makemore's exercise 1) -----------

def cross_entropy_steps(dout, c):
    """loss -> logits, node by node: {dlogprobs, ..., dlogits}. dout is 0-d."""
    n = c["logits"].shape[0]
    # loss = -1/N sum_n logprobs[n, Yb[n]]: only the labelled entries count, each with -1/N
    dlogprobs = np.zeros_like(c["logprobs"])
    dlogprobs[np.arange(n), c["Yb"]] = -dout / n                  # (N, V)
    # logprobs = log(probs)
    dprobs = dlogprobs / c["probs"]                               # (N, V)
    # probs = counts * counts_sum_inv: counts_sum_inv (N, 1) was broadcast over the V columns, so its
    # gradient sums over them; counts is reached here and again through counts_sum
    dcounts_sum_inv = (c["counts"] * dprobs).sum(1, keepdims=True)     # (N, 1)
    dcounts = c["counts_sum_inv"] * dprobs                        # (N, V) the direct path
    # counts_sum_inv = counts_sum ** -1
    dcounts_sum = -c["counts_sum"] ** -2 * dcounts_sum_inv        # (N, 1)
    # counts_sum = sum_k counts[:, k]: the sum's gradient is copied to every column
    dcounts = dcounts + np.ones_like(c["counts"]) * dcounts_sum   # (N, V) both paths
    # counts = exp(norm_logits)
    dnorm_logits = c["counts"] * dcounts                          # (N, V)
    # norm_logits = logits - logit_maxes: logits directly, and through the row maximum
    dlogit_maxes = -dnorm_logits.sum(1, keepdims=True)            # (N, 1) 0 to rounding (shift invariance)
    onehot_max = np.zeros_like(c["logits"])
    onehot_max[np.arange(n), c["logits"].argmax(1)] = 1           # the max picks one entry per row
    dlogits = dnorm_logits + onehot_max * dlogit_maxes            # (N, V)
    return dict(dlogprobs=dlogprobs, dprobs=dprobs, dcounts_sum_inv=dcounts_sum_inv, dcounts_sum=dcounts_sum,
                dcounts=dcounts, dnorm_logits=dnorm_logits, dlogit_maxes=dlogit_maxes, dlogits=dlogits)


def output_layer_steps(dlogits, c):
    """logits = h @ W2 + b2, h = tanh(hpreact): {dh, dW2, db2, dhpreact}."""
    dh = dlogits @ c["W2"].T                                      # (N, H)
    dW2 = c["h"].T @ dlogits                                      # (H, V) summed over the examples
    db2 = dlogits.sum(0)                                          # (V,) b2 was added to every row
    dhpreact = (1 - c["h"] ** 2) * dh                             # (N, H) tanh' = 1 - tanh^2
    return dict(dh=dh, dW2=dW2, db2=db2, dhpreact=dhpreact)


def batchnorm_steps(dhpreact, c):
    """hpreact -> hprebn through batch norm's graph, node by node: {dbngain, ..., dhprebn}."""
    n = dhpreact.shape[0]
    # hpreact = bngain * bnraw + bnbias: bngain, bnbias (1, H) broadcast over the rows
    dbngain = (c["bnraw"] * dhpreact).sum(0, keepdims=True)       # (1, H)
    dbnraw = c["bngain"] * dhpreact                               # (N, H)
    dbnbias = dhpreact.sum(0, keepdims=True)                      # (1, H)
    # bnraw = bndiff * bnvar_inv: bndiff is reached here and again through the variance
    dbndiff = c["bnvar_inv"] * dbnraw                             # (N, H) the direct path
    dbnvar_inv = (c["bndiff"] * dbnraw).sum(0, keepdims=True)     # (1, H) broadcast over the rows: summed
    # bnvar_inv = (bnvar + eps) ** -1/2
    dbnvar = -0.5 * (c["bnvar"] + EPS) ** -1.5 * dbnvar_inv       # (1, H)
    # bnvar = 1/(N-1) sum_n bndiff2[n]: every row gets 1/(N-1) of it (Bessel's correction)
    dbndiff2 = 1 / (n - 1) * np.ones_like(c["bndiff2"]) * dbnvar  # (N, H)
    # bndiff2 = bndiff ** 2: the variance's path added to the direct one
    dbndiff = dbndiff + 2 * c["bndiff"] * dbndiff2                # (N, H)
    # bndiff = hprebn - bnmeani: hprebn directly, and through the mean
    dbnmeani = -dbndiff.sum(0, keepdims=True)                     # (1, H)
    # bnmeani = 1/N sum_n hprebn[n]
    dhprebn = dbndiff + 1 / n * np.ones_like(c["hprebn"]) * dbnmeani   # (N, H)
    return dict(dbngain=dbngain, dbnraw=dbnraw, dbnbias=dbnbias, dbnvar_inv=dbnvar_inv, dbnvar=dbnvar,
                dbndiff2=dbndiff2, dbndiff=dbndiff, dbnmeani=dbnmeani, dhprebn=dhprebn)


def input_layer_steps(dhprebn, c):
    """hprebn = embcat @ W1 + b1, embcat = C[Xb] concatenated: {dembcat, dW1, db1, demb, dC}."""
    dembcat = dhprebn @ c["W1"].T                                 # (N, 30)
    dW1 = c["embcat"].T @ dhprebn                                 # (30, H)
    db1 = dhprebn.sum(0)                                          # (H,) 0 to rounding: see the module
    demb = dembcat.reshape(c["emb"].shape)                        # (N, 3, 10) the concatenation undone
    # emb = C[Xb]: each occurrence of a character sends its row back, repeats add up (np.add.at)
    dC = np.zeros_like(c["C"])
    np.add.at(dC, c["Xb"], demb)                                  # (V, 10)
    return dict(dembcat=dembcat, dW1=dW1, db1=db1, demb=demb, dC=dC)


def makemore_gradients(dout, cache):
    """{name: gradient} of every intermediate and parameter, step by step, in ``STEPS`` order."""
    g = cross_entropy_steps(dout, cache)
    g.update(output_layer_steps(g["dlogits"], cache))
    g.update(batchnorm_steps(g["dhpreact"], cache))
    g.update(input_layer_steps(g["dhprebn"], cache))
    return g


def makemore_backward(dout, cache):
    """(dC, dW1, db1, dbngain, dbnbias, dW2, db2), every intermediate on the way (``makemore_gradients``)."""
    g = makemore_gradients(dout, cache)
    return tuple(g["d" + k] for k in PARAMETERS)


# --- the fused backward ------------------------------------------------------------------------------

def cross_entropy_fused(dout, c):
    """dlogits = dout/N (softmax(logits) - onehot(Yb)) in one step: the softmax loss layer's backward."""
    return dict(dlogits=softmax_loss_backward(dout, (c["logits"], c["Yb"])))    # (N, V)


def batchnorm_fused(dhpreact, c):
    """dhprebn in one expression, with makemore's N/(N-1) on the variance's term; dbngain, dbnbias as before.

    From the steps above, with bndiff bnvar_inv = bnraw and sum_n bndiff[n] = 0:
    dhprebn = bngain bnvar_inv / N (N dhpreact - sum_n dhpreact - N/(N-1) bnraw sum_n (dhpreact bnraw)).
    """
    n = dhpreact.shape[0]
    bnraw, bnvar_inv, bngain = c["bnraw"], c["bnvar_inv"], c["bngain"]
    dbngain = (bnraw * dhpreact).sum(0, keepdims=True)            # (1, H)
    dbnbias = dhpreact.sum(0, keepdims=True)                      # (1, H)
    dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dbnbias - n / (n - 1) * bnraw * dbngain)   # (N, H)
    return dict(dbngain=dbngain, dbnbias=dbnbias, dhprebn=dhprebn)


def makemore_fused_gradients(dout, cache):
    """{name: gradient} of the fused backward, in ``FUSED`` order (the linear layers as in the steps)."""
    g = cross_entropy_fused(dout, cache)
    g.update(output_layer_steps(g["dlogits"], cache))
    g.update(batchnorm_fused(g["dhpreact"], cache))
    g.update(input_layer_steps(g["dhprebn"], cache))
    return g


def makemore_backward_fused(dout, cache):
    """(dC, dW1, db1, dbngain, dbnbias, dW2, db2) through the fused cross-entropy and batch norm."""
    g = makemore_fused_gradients(dout, cache)
    return tuple(g["d" + k] for k in PARAMETERS)


def db1_scale(dhprebn):
    """(H,): sum_n |dhprebn[n]|, the size of the terms whose sum db1 is: its rounding is eps times this."""
    return np.abs(dhprebn).sum(0)


def logit_maxes_scale(dnorm_logits):
    """(N, 1): sum_k |dnorm_logits[:, k]|, the terms whose sum dlogit_maxes is (less its sign)."""
    return np.abs(dnorm_logits).sum(1, keepdims=True)


def db1_scale_of(g):
    """``db1_scale`` from the gradients {dname: ...} of ``makemore_gradients``."""
    return db1_scale(g["dhprebn"])


def logit_maxes_scale_of(g):
    """``logit_maxes_scale`` from the gradients {dname: ...} of ``makemore_gradients``."""
    return logit_maxes_scale(g["dnorm_logits"])


# the gradients 0 to rounding (see the module), each with the scale of the terms that cancel in it; named
# functions, not lambdas, so that a Layer pickles (a report's worker processes receive their layers)
ZERO = {"db1": db1_scale_of, "dlogit_maxes": logit_maxes_scale_of}


# --- inputs ------------------------------------------------------------------------------------------

def makemore_inputs(seed, dtype, N=32, block_size=3, vocab=27, n_embd=10, n_hidden=64):
    """makemore part 4's initialisation (non-standard on purpose, so that nothing is zero or one and a
    slip cannot hide): C standard normal; W1 * (5/3)/sqrt(30) (tanh's Kaiming gain); b1, W2, b2 * 0.1;
    bngain 1 + 0.1 randn, bnbias 0.1 randn, both (1, H) as there. Xb, Yb uniform indices (integers:
    not differentiated); 96 context indices into 27 rows repeat, and dC must add the repeats."""
    rng = np.random.default_rng(seed)
    D = n_embd * block_size
    values = dict(
        Xb=rng.integers(0, vocab, (N, block_size)),
        Yb=rng.integers(0, vocab, N),
        C=rng.standard_normal((vocab, n_embd)),
        W1=rng.standard_normal((D, n_hidden)) * (5 / 3) / D ** 0.5,
        b1=rng.standard_normal(n_hidden) * 0.1,
        bngain=rng.standard_normal((1, n_hidden)) * 0.1 + 1.0,
        bnbias=rng.standard_normal((1, n_hidden)) * 0.1,
        W2=rng.standard_normal((n_hidden, vocab)) * 0.1,
        b2=rng.standard_normal(vocab) * 0.1,
    )
    return {k: v if k in ("Xb", "Yb") else v.astype(dtype) for k, v in values.items()}


LAYERS = (
    Layer("makemore", "makemore", makemore_inputs, PARAMETERS, steps="makemore_gradients", zero=ZERO,
          functions=("makemore_forward", "makemore_backward"),
          summary="makemore's MLP: embedding, linear, batch norm (1/(N-1)), tanh, linear, cross-entropy; "
                  "every intermediate's backward (db1, dlogit_maxes: zero to rounding)"),
    Layer("makemore_fused", "makemore", makemore_inputs, PARAMETERS, steps="makemore_fused_gradients",
          zero={"db1": ZERO["db1"]}, functions=("makemore_forward", "makemore_backward_fused"),
          summary="makemore's MLP with the fused cross-entropy and batch-norm backward"),
)
