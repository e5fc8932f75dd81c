"""Scaled dot-product attention, one head, in PyTorch (forward only), the twin of
``manual/layers/attention.py``."""

import math

import torch


def attention_forward(q, k, v, causal=False):
    scores = q @ k.transpose(1, 2) / math.sqrt(q.shape[-1])
    if causal:
        T, S = scores.shape[-2:]
        hidden = torch.triu(torch.ones(T, S, dtype=torch.bool), diagonal=1)    # key s > query t
        scores = scores.masked_fill(hidden, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
