"""Built-in data sets. Nothing is downloaded: images come from scikit-learn's bundled files."""

from dataclasses import dataclass

import numpy as np

from manual.encoding import one_hot


@dataclass(frozen=True)
class Dataset:
    """X (n_features, m), Y (n_outputs, m), and a sentence saying honestly what they are."""

    X: np.ndarray
    Y: np.ndarray
    description: str


def digits_784(m=None, seed=0, dtype=np.float64):
    """Real handwritten digits in MNIST's shape: X (784, m) in [0, 1], Y one-hot (10, m).

    scikit-learn's digits are 1,797 images of 8x8 pixels with values 0..16. Each is upscaled 3x
    by repeating pixels (24x24), padded with 2 blank pixels on every side (28x28), flattened and
    divided by 16. ``m=None`` takes all 1,797 in a seeded order; a larger ``m`` draws columns
    with replacement (stated in the description).
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.kron(digits.images, np.ones((1, 3, 3)))                # (1797, 24, 24)
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))                 # (1797, 28, 28)
    pool = images.reshape(len(images), 784).T / 16.0                   # (784, 1797)
    rng = np.random.default_rng(seed)
    n = pool.shape[1]
    if m is None or m <= n:
        cols = rng.permutation(n)[: m or n]
        how = f"{cols.size:,} of scikit-learn's {n:,} digits"
    else:
        cols = rng.integers(0, n, size=m)
        how = f"{m:,} columns drawn with replacement from scikit-learn's {n:,} digits"
    X = np.ascontiguousarray(pool[:, cols], dtype=dtype)
    Y = one_hot(digits.target[cols], 10, dtype=dtype)
    return Dataset(X, Y, f"{how} (8x8 images upscaled 3x to 24x24 by pixel repetition, "
                         f"zero-padded to 28x28, scaled to [0, 1])")
