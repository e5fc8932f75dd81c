"""Max and average pooling in PyTorch (forward only), the twins of ``manual/layers/pooling.py``."""

import torch.nn.functional as F


def max_pool_forward_naive(x, pool_height=2, pool_width=2, stride=2):
    return F.max_pool2d(x, (pool_height, pool_width), stride)


def avg_pool_forward(x, pool_height=2, pool_width=2, stride=2):
    return F.avg_pool2d(x, (pool_height, pool_width), stride)
