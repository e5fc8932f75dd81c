"""Black-box mode: any cost function and gradient function, as people write them for scipy's
check_grad, checked against the numerical witness with a verdict per parameter."""

import numpy as np
import pytest

from comparisons import BadInput
from comparisons.agreement import AGREE, DISAGREE
from comparisons.verify import verify

RNG = np.random.default_rng(0)
X = np.c_[np.ones(40), RNG.standard_normal((40, 3))]      # examples as rows, intercept column first
y = (RNG.random(40) > 0.5).astype(float)
LAM = 0.7


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def cost(theta):
    """The course's regularised logistic cost: theta[0] (the intercept) is not regularised."""
    m = y.size
    h = sigmoid(X @ theta)
    return (-y @ np.log(h) - (1 - y) @ np.log(1 - h)) / m + LAM / (2 * m) * theta[1:] @ theta[1:]


def grad(theta):
    m = y.size
    g = X.T @ (sigmoid(X @ theta) - y) / m
    g[1:] += LAM / m * theta[1:]
    return g


def grad_regularising_the_intercept(theta):
    return grad(theta) + np.r_[LAM / y.size * theta[0], np.zeros(3)]


def net_cost(p):
    """A two-layer tanh network's mean squared error, parameters in a dict."""
    A1 = np.tanh(p["W1"] @ X.T + p["b1"])
    return ((p["W2"] @ A1 + p["b2"] - y) ** 2).mean() / 2


def net_grad(p, slip=1.0):
    m = y.size
    A1 = np.tanh(p["W1"] @ X.T + p["b1"])
    dZ2 = (p["W2"] @ A1 + p["b2"] - y) / m
    dZ1 = p["W2"].T @ dZ2 * (1 - A1 ** 2) * slip
    return {"W1": dZ1 @ X, "b1": dZ1.sum(axis=1, keepdims=True), "W2": dZ2 @ A1.T, "b2": dZ2.sum(axis=1, keepdims=True)}


NET = {"W1": RNG.standard_normal((5, 4)), "b1": RNG.standard_normal((5, 1)),
       "W2": RNG.standard_normal((1, 5)), "b2": RNG.standard_normal((1, 1))}


def test_a_right_gradient_of_one_vector_agrees_by_complex_step():
    result = verify(cost=cost, grad=grad, params=RNG.standard_normal(4))
    assert result.passed and result.exit_status == 0
    assert list(result.table["quantity"]) == ["J", "dtheta"] and set(result.table["verdict"]) == {AGREE}
    assert "complex step" in result.how and "VERDICT: your gradient agrees with the numerical witness." in result.render()


def test_a_regularised_intercept_is_caught():
    result = verify(cost=cost, grad=grad_regularising_the_intercept, params=RNG.standard_normal(4))
    assert not result.passed and result.exit_status == 1
    assert result.table.set_index("quantity").loc["dtheta", "verdict"] == DISAGREE
    assert "your gradient disagrees with the numerical witness: dtheta" in result.verdict


def test_a_dict_of_parameters_names_the_wrong_one():
    right = verify(cost=net_cost, grad=net_grad, params=NET)
    assert right.passed and list(right.table["quantity"]) == ["J", "dW1", "db1", "dW2", "db2",
                                                              "all parameters (unrolled)"]   # the whole vector last
    wrong = verify(cost=net_cost, grad=lambda p: net_grad(p, slip=1.01), params=NET)
    verdicts = wrong.table.set_index("quantity")["verdict"]
    assert verdicts["dW1"] == verdicts["db1"] == DISAGREE and verdicts["dW2"] == verdicts["db2"] == AGREE


def test_a_cost_that_cannot_take_complex_numbers_is_witnessed_by_central_differences():
    def relu_cost(theta):
        z = X @ theta
        return float((z * (z > 0)).mean())    # float() and a comparison: no complex step here

    def relu_grad(theta):
        return X.T @ (X @ theta > 0) / y.size

    result = verify(cost=relu_cost, grad=relu_grad, params=RNG.standard_normal(4))
    assert result.passed
    assert "central differences" in result.how and "kink" in result.how    # says what it cannot see


@pytest.mark.parametrize("grad_fn, params, message", [
    (lambda t: np.zeros(5), np.ones(4), "grad(theta) has shape (5,); expected (4,)"),
    (lambda p: [1.0], NET, "grad(params) returned list; expected a dict keyed as params"),
    (lambda p: {"W1": np.zeros((5, 4))}, NET, "grad(params) has no 'b1' (nor 'db1')"),
    (grad, np.array([1.0, np.nan, 0, 0]), "params['theta'] holds NaN or inf; expected finite numbers"),
    (grad, np.array([]), "params['theta'] holds no values"),
    ("grad", np.ones(4), "both functions; got cost=function, grad=str"),
])
def test_bad_input_is_one_clear_message(grad_fn, params, message):
    with pytest.raises(BadInput) as caught:
        verify(cost=cost, grad=grad_fn, params=params)
    assert message in str(caught.value)


def test_a_cost_that_raises_is_named():
    def broken(theta):
        raise IndexError("index 7 is out of bounds")

    with pytest.raises(BadInput, match="your cost or gradient raised IndexError: index 7 is out of bounds"):
        verify(cost=broken, grad=grad, params=np.ones(4))


def test_files_hold_the_table_the_text_and_the_sweep(tmp_path):
    files = verify(cost=cost, grad=grad, params=np.ones(4)).files()
    assert sorted(files) == ["black_box-step-sweep-float64.png", "gradient-check.csv", "gradient-check.md"]
    assert files["black_box-step-sweep-float64.png"].startswith(b"\x89PNG")
    assert "dtheta" in files["gradient-check.csv"] and "VERDICT" in files["gradient-check.md"]


def test_a_cost_that_is_nan_at_the_point_is_named_with_its_line():
    def cost(w):
        return np.log(w).sum()        # NaN where w < 0

    with pytest.raises(BadInput) as error:
        verify(cost=cost, grad=lambda w: 1.0 / w, params=np.array([0.5, -0.2, 1.5]))
    message = str(error.value)
    assert message.startswith("the cost is NaN or inf at the given params: NumPy warned invalid value "
                              "encountered in log at test_black_box.py:")
    assert "`return np.log(w).sum()" in message and "inside the cost's domain" in message
    assert verify(cost=cost, grad=lambda w: 1.0 / w, params=np.array([0.5, 0.2, 1.5])).passed   # inside it: checked
