"""The built-in digits in MNIST's shape."""

import numpy as np
import pytest

from comparisons.data import digits_784


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_all_digits_in_mnist_shape(dtype):
    d = digits_784(None, seed=0, dtype=dtype)
    assert d.X.shape == (784, 1797) and d.Y.shape == (10, 1797)
    assert d.X.dtype == d.Y.dtype == dtype
    assert d.X.min() == 0 and d.X.max() == 1
    np.testing.assert_array_equal(d.Y.sum(axis=0), 1)
    image = d.X[:, 0].reshape(28, 28)
    assert not image[:2].any() and not image[:, -2:].any()                 # the 2-pixel padding
    np.testing.assert_array_equal(image[2:5, 2:5], image[2, 2])            # 3x3 pixel repetition
    assert "1,797 of scikit-learn's 1,797 digits" in d.description


def test_larger_batches_are_drawn_with_replacement_and_say_so():
    d = digits_784(5000, seed=1)
    assert d.X.shape == (784, 5000)
    assert "5,000 columns drawn with replacement" in d.description


def test_same_seed_same_data():
    np.testing.assert_array_equal(digits_784(100, seed=3).X, digits_784(100, seed=3).X)


def test_the_digits_read_from_the_bundled_file_are_load_digits():
    from sklearn.datasets import load_digits

    from comparisons.data import bundled_digits

    pixels, labels = bundled_digits()
    digits = load_digits()
    np.testing.assert_array_equal(pixels, digits.data)
    np.testing.assert_array_equal(labels, digits.target)


def test_the_digits_are_read_without_importing_scikit_learn():
    import subprocess
    import sys

    code = ("import sys; from comparisons.data import digits_784; d = digits_784(64); "
            "assert d.X.shape == (784, 64); print('sklearn' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
