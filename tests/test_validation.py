"""Bad input gets one ValueError naming the array, what was expected and what was found."""

import importlib

import numpy as np
import pytest

from comparisons.catalogue import CATALOGUE
from comparisons.sources import run_all
from manual import seed_net
from manual.encoding import one_hot
from manual.validate import checked
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


# --- Every function of every catalogue model checks its inputs (``@checked`` in manual/validate.py) ---

CALLS = {  # function: how the contract calls it
    "forward": lambda model, params, X, Y, cache: model.forward(params, X),
    "loss": lambda model, params, X, Y, cache: model.loss(params, X, Y),
    "backward": lambda model, params, X, Y, cache: model.backward(params, cache, X, Y),
    "hessian": lambda model, params, X, Y, cache: model.hessian(params, X, Y),
    "backward_per_example": lambda model, params, X, Y, cache: model.backward_per_example(params, cache, X, Y),
}
CASES = [(name, function) for name in CATALOGUE for function in CALLS
         if hasattr(CATALOGUE[name].manual, function)]


def batch_of(name, m=4):
    model = CATALOGUE[name]
    d = model.data(m, 0)
    params = model.init_params(0)
    return model.manual, params, d.X, d.Y, model.manual.forward(params, d.X)[1]


def test_the_cases_cover_every_model_and_the_optional_functions():
    assert {name for name, _ in CASES} == set(CATALOGUE)
    assert {function for _, function in CASES} == set(CALLS)


@pytest.mark.parametrize("name, function", CASES)
def test_every_function_checks_the_parameters(name, function):
    model, params, X, Y, cache = batch_of(name)
    last = list(params)[-1]                  # a bias: the first weight's columns would make X the wrong one
    params[last] = params[last][:, :-1]
    with pytest.raises(ValueError, match=f"{last} has shape"):
        CALLS[function](model, params, X, Y, cache)


@pytest.mark.parametrize("name, function", CASES)
def test_every_function_checks_the_dtypes(name, function):
    model, params, X, Y, cache = batch_of(name)
    with pytest.raises(ValueError, match="arrays mix dtypes .*X: float32"):
        CALLS[function](model, params, X.astype(np.float32), Y, cache)


@pytest.mark.parametrize("name, function", [(n, f) for n, f in CASES if f != "forward"])
def test_every_function_taking_Y_checks_it(name, function):
    model, params, X, Y, cache = batch_of(name)
    with pytest.raises(ValueError, match=r"Y has shape \(\d+, 3\); expected \(\d+, 4\)"):
        CALLS[function](model, params, X, Y[:, :3], cache)


@pytest.mark.parametrize("name", CATALOGUE)
@pytest.mark.parametrize("function", ["forward", "loss"])
def test_every_forward_pass_finds_nan_in_X_through_its_first_layer(name, function):
    model, params, X, Y, cache = batch_of(name)
    X[1, 2] = np.nan
    with pytest.raises(ValueError, match="X holds 1 NaN or inf value"):
        CALLS[function](model, params, X, Y, cache)


@pytest.mark.parametrize("name", [n for n in CATALOGUE if "lam" in CATALOGUE[n].config])
def test_a_bad_lambda_is_refused_by_configure(name):
    module = importlib.import_module(f"manual.{CATALOGUE[name].module}")
    with pytest.raises(ValueError, match=r"lam is -1; expected a finite number >= 0"):
        module.configure(**{**CATALOGUE[name].config, "lam": -1})


@pytest.mark.parametrize("name", ["linear_regression", "logistic_regression", "softmax_regression"])
@pytest.mark.parametrize("function", ["loss", "backward", "hessian"])
def test_the_convex_models_check_lambda_by_position_and_by_keyword(name, function):
    module = importlib.import_module(f"manual.{name}")
    _, params, X, Y, cache = batch_of(name)
    args = (params, cache, X, Y) if function == "backward" else (params, X, Y)

    def value(*lam, **by_name):
        out = getattr(module, function)(*args, *lam, **by_name)
        return out["dW"] if function == "backward" else out

    with pytest.raises(ValueError, match="lam is nan"):
        value(float("nan"))
    with pytest.raises(ValueError, match="lam is nan"):
        value(lam=float("nan"))
    assert np.array_equal(value(2), value(lam=2.0)) and not np.array_equal(value(2), value())


def test_arguments_by_keyword_are_checked_too():
    params, X, Y = good()
    params["W1"] = np.ones((10, 783))
    with pytest.raises(ValueError, match=r"W1 has shape \(10, 783\)"):
        seed_net.loss(Y=Y, X=X, params=params)


def test_a_missing_argument_is_pythons_own_type_error():
    params, X, _ = good()
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'Y'"):
        seed_net.loss(params, X)


def test_checked_refuses_a_function_without_params_and_X():
    with pytest.raises(TypeError, match=r"takes \(theta, data\); expected params and X"):
        checked(seed_net.check_inputs)(lambda theta, data: None)


def test_checked_once_skips_the_checks_inside_and_only_there(seed_net):
    from manual.validate import checked_once

    params = seed_net.init_params(0, np.float64)
    X = np.random.default_rng(0).random((784, 5))
    Y = np.eye(10)[:, [0, 1, 2, 3, 4]]
    bad = {**params, "W1": params["W1"][:, :-1]}
    with checked_once(), pytest.raises(Exception) as inside:
        seed_net.manual.loss(bad, X, Y)
    assert "expected" not in str(inside.value)            # NumPy's own error: no check ran
    with pytest.raises(ValueError, match=r"W1 has shape \(10, 783\); expected \(10, 784\)"):
        seed_net.manual.loss(bad, X, Y)                   # checked again after the block


def test_the_witness_checks_its_inputs_once_before_trusting_them(seed_net):
    from comparisons.numerical import witness

    params = seed_net.init_params(0, np.float64)
    X = np.random.default_rng(0).random((784, 5))
    Y = np.eye(10)[:, [0, 1, 2, 3, 4]]
    with pytest.raises(ValueError, match="W1 holds 1 NaN"):
        witness(seed_net, {**params, "W1": np.where(params["W1"] == params["W1"][0, 0], np.nan, params["W1"])}, X, Y)


def test_the_witness_refuses_nan_in_x_though_its_forward_passes_do_not_look(seed_net):
    from comparisons.numerical import witness

    params = seed_net.init_params(0, np.float64)
    X = np.random.default_rng(0).random((784, 5))
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"X holds 1 NaN or inf value\(s\); expected finite numbers"):
        witness(seed_net, params, X, np.eye(10)[:, [0, 1, 2, 3, 4]])
