"""makemore's "backprop ninja" network in PyTorch (forward only), the twin of ``manual/layers/makemore.py``.

makemore's own forward, op for op (the intermediates named as there), returning the loss alone;
autograd differentiates it. The batch variance keeps makemore's Bessel's correction 1/(N-1).
``makemore_intermediates`` returns every named tensor (the tests take autograd's gradient of each).
"""

import torch


def makemore_forward(Xb, Yb, C, W1, b1, bngain, bnbias, W2, b2):
    return makemore_intermediates(Xb, Yb, C, W1, b1, bngain, bnbias, W2, b2)["loss"]


def makemore_intermediates(Xb, Yb, C, W1, b1, bngain, bnbias, W2, b2):
    """{name: tensor} of every intermediate of makemore's forward, and "loss"."""
    n = Xb.shape[0]
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff ** 2
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdim=True)      # Bessel's correction, as makemore
    bnvar_inv = (bnvar + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdim=True).values
    norm_logits = logits - logit_maxes
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdim=True)
    counts_sum_inv = counts_sum ** -1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[torch.arange(n), Yb].mean()
    return {k: v for k, v in locals().items() if isinstance(v, torch.Tensor)}
