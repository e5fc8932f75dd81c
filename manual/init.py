"""Initial parameters: the same draw for every model that starts from the seed tutorial's rule."""

import numpy as np


def uniform_params(shapes, seed=0, dtype=np.float64, half_width=0.5):
    """{name: array of shape} with entries ~ Uniform[-half_width, half_width), drawn in key order.

    Never zero: all-zero weights would hide a wrong backward pass (every product with them is 0).
    The seed tutorial's rule is ``np.random.rand(*shape) - 0.5``, half_width = 0.5.
    """
    rng = np.random.default_rng(seed)
    return {k: ((rng.random(s) - 0.5) * (2 * half_width)).astype(dtype) for k, s in shapes.items()}
