"""The built-in digits in MNIST's shape."""

import numpy as np
import pytest

from comparisons.data import breast_cancer, bundled, diabetes, digits_784, iris_binary, unit_norm_columns


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


def loaded(name):
    """What scikit-learn's own loader returns: (data, target)."""
    import sklearn.datasets

    d = getattr(sklearn.datasets, f"load_{name}")()
    return d.data, d.target


@pytest.mark.parametrize("name, read", [
    ("diabetes", lambda: (unit_norm_columns(bundled("diabetes_data_raw.csv.gz", delimiter=None)),
                          bundled("diabetes_target.csv.gz"))),
    ("breast_cancer", lambda: (bundled("breast_cancer.csv", skiprows=1)[:, :30],
                               bundled("breast_cancer.csv", skiprows=1)[:, 30])),
    ("iris", lambda: (bundled("iris.csv", skiprows=1)[:, :4], bundled("iris.csv", skiprows=1)[:, 4])),
])
def test_the_tables_read_from_the_bundled_files_are_scikit_learns_own(name, read):
    data, target = read()
    expected_data, expected_target = loaded(name)
    np.testing.assert_array_equal(data, expected_data)          # bit for bit, scaling included
    np.testing.assert_array_equal(target, expected_target)


@pytest.mark.parametrize("make", [diabetes, breast_cancer, iris_binary])
def test_the_tabular_data_are_read_without_importing_scikit_learn(make):
    import subprocess
    import sys

    code = (f"import sys; from comparisons.data import {make.__name__}; d = {make.__name__}(50); "
            "print('sklearn' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
