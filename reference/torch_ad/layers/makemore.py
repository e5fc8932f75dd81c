"""makemore's "backprop ninja" network in PyTorch (forward only), the twin of ``manual/layers/makemore.py``.

makemore's own forward, op for op, every intermediate named as there and marked ``tap(name, ...)`` (the
identity unless ``comparisons.layer_check`` asks for autograd's gradient of each), returning the loss
alone; autograd differentiates it. The batch variance keeps makemore's Bessel's correction 1/(N-1).
"""

import torch


def untapped(name, value, step=None):
    return value


def makemore_forward(Xb, Yb, C, W1, b1, bngain, bnbias, W2, b2, tap=None):
    tap = tap or untapped
    n = Xb.shape[0]
    emb = tap("emb", C[Xb])
    embcat = tap("embcat", emb.view(emb.shape[0], -1))
    hprebn = tap("hprebn", embcat @ W1 + b1)
    bnmeani = tap("bnmeani", 1 / n * hprebn.sum(0, keepdim=True))
    bndiff = tap("bndiff", hprebn - bnmeani)
    bndiff2 = tap("bndiff2", bndiff ** 2)
    bnvar = tap("bnvar", 1 / (n - 1) * bndiff2.sum(0, keepdim=True))      # Bessel's correction, as makemore
    bnvar_inv = tap("bnvar_inv", (bnvar + 1e-5) ** -0.5)
    bnraw = tap("bnraw", bndiff * bnvar_inv)
    hpreact = tap("hpreact", bngain * bnraw + bnbias)
    h = tap("h", torch.tanh(hpreact))
    logits = tap("logits", h @ W2 + b2)
    logit_maxes = tap("logit_maxes", logits.max(1, keepdim=True).values)
    norm_logits = tap("norm_logits", logits - logit_maxes)
    counts = tap("counts", norm_logits.exp())
    counts_sum = tap("counts_sum", counts.sum(1, keepdim=True))
    counts_sum_inv = tap("counts_sum_inv", counts_sum ** -1)
    probs = tap("probs", counts * counts_sum_inv)
    logprobs = tap("logprobs", probs.log())
    return -logprobs[torch.arange(n), Yb].mean()
