"""Scaled dot-product attention, one head, in PyTorch (forward only), the twin of
``manual/layers/attention.py``; the softmax's input (the scores after the mask) and output P are marked
``tap(name, ...)`` (the identity unless ``comparisons.layer_check`` asks for their gradients)."""

import math

import torch


def untapped(name, value, step=None):
    return value


def attention_forward(q, k, v, causal=False, tap=None):
    tap = tap or untapped
    scores = q @ k.transpose(1, 2) / math.sqrt(q.shape[-1])
    if causal:
        T, S = scores.shape[-2:]
        hidden = torch.triu(torch.ones(T, S, dtype=torch.bool), diagonal=1)    # key s > query t
        scores = scores.masked_fill(hidden, float("-inf"))
    P = tap("P", torch.softmax(tap("scores", scores), dim=-1))
    return P @ v
