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
    pool, labels = _digit_pixels(repeat=3, pad=2)                      # (784, 1797)
    X, cols, how = _draw_columns(pool, m, seed, dtype)
    return Dataset(X, one_hot(labels[cols], 10, dtype=dtype),
                   f"{how} (8x8 images upscaled 3x to 24x24 by pixel repetition, "
                   f"zero-padded to 28x28, scaled to [0, 1])")


def digits_400(m=None, seed=0, dtype=np.float64):
    """Real handwritten digits in the course's shape (20x20 images): X (400, m) in [0, 1], Y (10, m).

    Each 8x8 image is zero-padded to 10x10 (one blank pixel on every side), upscaled 2x by repeating
    pixels (20x20), flattened row by row and divided by 16. ``m=None`` takes all 1,797 in a seeded
    order; a larger ``m`` (the course's 5,000) draws columns with replacement.
    """
    pool, labels = _digit_pixels(repeat=2, pad=2)                      # (400, 1797)
    X, cols, how = _draw_columns(pool, m, seed, dtype)
    return Dataset(X, one_hot(labels[cols], 10, dtype=dtype),
                   f"{how} (8x8 images zero-padded to 10x10 and upscaled 2x to 20x20 by pixel "
                   f"repetition, scaled to [0, 1])")


def digits_64(m=None, seed=0, dtype=np.float64):
    """scikit-learn's digits as they are: X (64, m), the 8x8 pixels scaled to [0, 1], Y one-hot (10, m)."""
    pool, labels = _digit_pixels(repeat=1, pad=0)                      # (64, 1797)
    X, cols, how = _draw_columns(pool, m, seed, dtype)
    return Dataset(X, one_hot(labels[cols], 10, dtype=dtype), f"{how} (8x8 pixels scaled to [0, 1])")


def digits_64_reconstruction(m=None, seed=0, dtype=np.float64):
    """Digits to reconstruct (an autoencoder's data): X (64, m) the 8x8 pixels in [0, 1], and Y = X."""
    pool, _ = _digit_pixels(repeat=1, pad=0)                           # (64, 1797)
    X, _, how = _draw_columns(pool, m, seed, dtype)
    return Dataset(X, X.copy(), f"{how} (8x8 pixels scaled to [0, 1]); the target Y is the input X")


def _digit_pixels(repeat, pad):
    """scikit-learn's 1,797 digits, each pixel repeated ``repeat`` x ``repeat`` and ``pad`` blank
    pixels added on every side, one flattened image per column divided by 16; and the labels.

    Returns ``(pool, labels)``: pool (side^2, 1797) in [0, 1], side = 8 repeat + 2 pad; labels (1797,).
    Padding after repetition equals padding by pad / repeat pixels before it.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.kron(digits.images, np.ones((1, repeat, repeat)))      # (1797, 8 repeat, 8 repeat)
    images = np.pad(images, ((0, 0), (pad, pad), (pad, pad)))         # (1797, side, side)
    return images.reshape(len(images), -1).T / 16.0, digits.target


def _draw_columns(pool, m, seed, dtype):
    """``(X, cols, how)``: all columns of ``pool`` (or the first m) in a seeded order, or m columns
    drawn with replacement when m exceeds them; ``how`` says which, for the description."""
    rng = np.random.default_rng(seed)
    n = pool.shape[1]
    if m is None or m <= n:
        cols = rng.permutation(n)[: m or n]
        how = f"{cols.size:,} of scikit-learn's {n:,} digits"
    else:
        cols = rng.integers(0, n, size=m)
        how = f"{m:,} columns drawn with replacement from scikit-learn's {n:,} digits"
    return np.ascontiguousarray(pool[:, cols], dtype=dtype), cols, how
