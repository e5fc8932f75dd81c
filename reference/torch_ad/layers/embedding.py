"""The word embedding in PyTorch (forward only), the twin of ``manual/layers/embedding.py``."""

import torch


def word_embedding_forward(x, W):
    return torch.nn.functional.embedding(x, W)    # W[x]: (N, T) -> (N, T, D)
