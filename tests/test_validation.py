"""Bad input gets one ValueError naming the array, what was expected and what was found."""

import numpy as np
import pytest

from comparisons.sources import run_all
from manual import seed_net
from manual.encoding import one_hot
from tests.batches import seed_batch


def good():
    X, Y = seed_batch(5, 0)
    return seed_net.init_params(0), X, Y


@pytest.mark.parametrize("name, bad_shape, expected", [
    ("W1", (10, 783), r"W1 has shape \(10, 783\); expected \(10, 784\)"),
    ("b1", (10,), r"b1 has shape \(10,\); expected \(10, 1\)"),
    ("W2", (10, 11), r"W2 has shape \(10, 11\); expected \(10, 10\)"),
    ("b2", (1, 10), r"b2 has shape \(1, 10\); expected \(10, 1\)"),
])
def test_wrong_parameter_shape(name, bad_shape, expected):
    params, X, Y = good()
    params[name] = np.ones(bad_shape)
    with pytest.raises(ValueError, match=expected):
        seed_net.forward(params, X)


def test_wrong_X_shape():
    params, _, _ = good()
    with pytest.raises(ValueError, match=r"X has shape \(5, 784\); expected \(784, m\)"):
        seed_net.forward(params, np.ones((5, 784)))


def test_Y_with_other_batch_size():
    params, X, _ = good()
    with pytest.raises(ValueError, match=r"Y has shape \(10, 4\); expected \(10, 5\)"):
        seed_net.loss(params, X, np.zeros((10, 4)))


def test_integer_dtype():
    params, X, _ = good()
    with pytest.raises(ValueError, match="X has dtype int64; expected float32 or float64"):
        seed_net.forward(params, X.astype(np.int64))


def test_mixed_dtypes():
    params, X, Y = good()
    with pytest.raises(ValueError, match="arrays mix dtypes .*X: float32"):
        seed_net.loss(params, X.astype(np.float32), Y)


@pytest.mark.parametrize("name", ["W1", "b2", "Y"])
def test_nan_in_small_arrays(name):
    params, X, Y = good()
    arrays = {**params, "Y": Y}
    arrays[name].flat[3] = np.nan
    with pytest.raises(ValueError, match=f"{name} holds 1 NaN or inf value"):
        seed_net.loss(params, X, Y)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_X_found_through_Z1(bad):
    params, X, _ = good()
    X[100, 2] = bad
    with pytest.raises(ValueError, match="X holds 1 NaN or inf value"):
        seed_net.forward(params, X)


def test_harness_stops_bad_input_before_the_frameworks(seed_net):
    params, X, Y = good()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="X holds 1 NaN"):
        run_all(seed_net, params, X, Y, sources=("torch", "jax"))


def test_missing_and_unexpected_parameters():
    params, X, _ = good()
    params["b3"] = params.pop("b2")
    with pytest.raises(ValueError, match=r"missing \['b2'\].*unexpected \['b3'\]"):
        seed_net.forward(params, X)


@pytest.mark.parametrize("y, message", [
    (np.array([0, 10]), r"labels y range over \[0, 10\]; expected \[0, 9\]"),
    (np.array([[0, 1]]), r"expected integers of shape \(m,\)"),
    (np.array([0.0, 1.0]), r"expected integers of shape \(m,\)"),
])
def test_one_hot_rejects_bad_labels(y, message):
    with pytest.raises(ValueError, match=message):
        one_hot(y, 10)
