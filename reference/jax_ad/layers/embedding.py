"""The word embedding in JAX (forward only), the twin of ``manual/layers/embedding.py``."""


def word_embedding_forward(x, W):
    return W[x]                                   # (N, T) indices -> (N, T, D) rows
