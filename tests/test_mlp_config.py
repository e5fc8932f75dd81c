"""Bad MLP configurations and parameters: one clear ValueError naming the problem, in every tree."""

import re

import numpy as np
import pytest

from comparisons import data
from comparisons.catalogue import Model
from manual import mlp
from manual.mlp_config import HIDDEN_ACTIVATIONS, LOSS_OF_OUTPUT, check_config

TREES = ["manual", "torch", "jax"]
BAD = {
    "unknown-activation": (dict(sizes=(4, 3, 2), activations=("swish",)),
                           "unknown activation 'swish' for hidden layer 1; expected one of relu, leaky_relu, "
                           "tanh, sigmoid, identity"),
    "unknown-activation-in-layer-2": (dict(sizes=(4, 3, 3, 2), activations=("relu", "gelu")),
                                      "unknown activation 'gelu' for hidden layer 2"),
    "too-many-activations": (dict(sizes=(4, 3, 2), activations=("relu", "tanh")),
                             "2 activation(s) ('relu', 'tanh') for 1 hidden layer(s) (sizes (4, 3, 2)); "
                             "expected one per hidden layer"),
    "too-few-activations": (dict(sizes=(4, 3, 3, 2), activations=("relu",)),
                            "1 activation(s) ('relu',) for 2 hidden layer(s)"),
    "zero-size": (dict(sizes=(4, 0, 2), activations=("relu",)),
                  "layer 1 of sizes (4, 0, 2) has size 0; expected a positive integer"),
    "negative-size": (dict(sizes=(4, 3, -2), activations=("relu",)),
                      "layer 2 of sizes (4, 3, -2) has size -2; expected a positive integer"),
    "fractional-size": (dict(sizes=(4.5, 3, 2), activations=("relu",)),
                        "layer 0 of sizes (4.5, 3, 2) has size 4.5; expected a positive integer"),
    "one-size": (dict(sizes=(4,), activations=()),
                 "sizes (4,) has 1 layer size(s); expected at least 2 (n_0 inputs, ..., n_L outputs)"),
    "sizes-not-a-sequence": (dict(sizes=784, activations=()),
                             "sizes is 784; expected a sequence of layer sizes (n_0, ..., n_L)"),
    "unknown-output": (dict(sizes=(4, 3, 2), activations="relu", output="linear"),
                       "unknown output 'linear'; expected one of softmax, sigmoid, identity"),
    "unknown-loss": (dict(sizes=(4, 3, 2), activations="relu", loss="hinge"),
                     "unknown loss 'hinge'; expected one of cross_entropy, binary_cross_entropy, mse"),
    "cross-entropy-with-identity": (dict(sizes=(4, 3, 2), activations="relu", output="identity",
                                         loss="cross_entropy"),
                                    "loss 'cross_entropy' does not fit output 'identity': identity pairs "
                                    "with 'mse'"),
    "mse-with-softmax": (dict(sizes=(4, 3, 2), activations="relu", output="softmax", loss="mse"),
                         "loss 'mse' does not fit output 'softmax': softmax pairs with 'cross_entropy'"),
    "cross-entropy-with-sigmoid": (dict(sizes=(4, 3, 2), activations="relu", output="sigmoid",
                                        loss="cross_entropy"),
                                   "loss 'cross_entropy' does not fit output 'sigmoid': sigmoid pairs with "
                                   "'binary_cross_entropy'"),
    "softmax-over-one-unit": (dict(sizes=(4, 3, 1), activations="relu", output="softmax"),
                              "softmax over 1 output unit is constantly 1"),
    "negative-lambda": (dict(sizes=(4, 3, 2), activations="relu", lam=-0.1),
                        "lam is -0.1; expected a finite number >= 0"),
    "infinite-lambda": (dict(sizes=(4, 3, 2), activations="relu", lam=float("inf")),
                        "lam is inf; expected a finite number >= 0"),
}


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("tree", TREES)
def test_bad_configuration_is_one_clear_error(tree, case):
    config, message = BAD[case]
    model = Model("bad", "a bad configuration", "mlp", data.digits_64, speed_m=1, config=config)
    with pytest.raises(ValueError, match=re.escape(message)):
        model.source(tree)


@pytest.mark.parametrize("output, loss", list(LOSS_OF_OUTPUT.items()))
def test_every_pair_is_accepted_with_its_own_loss_named_or_not(output, loss):
    assert check_config((4, 3, 2), "relu", output).loss == loss
    assert check_config((4, 3, 2), "relu", output) == check_config((4, 3, 2), "relu", output, loss)


def test_one_activation_name_serves_every_hidden_layer():
    config = check_config((5, 4, 4, 4, 2), "tanh", "sigmoid", lam=1)
    assert config.activations == ("tanh", "tanh", "tanh") and config.lam == 1.0 and config.L == 4
    assert config.describe() == "5-4-4-4-2 tanh/tanh/tanh, sigmoid + binary_cross_entropy, lambda=1"


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_every_known_activation_is_implemented_in_every_tree(activation):
    from reference.jax_ad import mlp as jax_mlp
    from reference.torch_ad import mlp as torch_mlp
    assert activation in mlp.HIDDEN and activation in torch_mlp.HIDDEN and activation in jax_mlp.HIDDEN


def test_weights_that_do_not_chain_are_named():
    """W2 must take layer 1's 3 units: a W2 with 4 columns is refused before any shape check."""
    net = mlp.configure((4, 3, 2), "relu")
    params = net.init_params(0)
    params["W2"] = np.ones((2, 4))
    with pytest.raises(ValueError, match=re.escape("W2 has shape (2, 4) but W1 has shape (3, 4): layer sizes "
                                                   "do not chain; expected W2 with 3 columns, one per unit of "
                                                   "layer 1")):
        net.forward(params, np.ones((4, 5)))


def test_weights_that_chain_but_differ_from_the_configuration_are_named():
    net = mlp.configure((4, 3, 2), "relu")
    other = mlp.configure((4, 5, 2), "relu").init_params(0)
    with pytest.raises(ValueError, match=re.escape("W1 has shape (5, 4); expected (3, 4)")):
        net.loss(other, np.ones((4, 5)), np.ones((2, 5)))


@pytest.mark.parametrize("array, shape, message", [
    ("X", (5, 6), "X has shape (5, 6); expected (4, m)"),
    ("Y", (3, 6), "Y has shape (3, 6); expected (2, 6)"),
], ids=["X", "Y"])
def test_data_of_the_wrong_shape_is_named(array, shape, message):
    net = mlp.configure((4, 3, 2), "relu")
    arrays = {"X": np.ones((4, 6)), "Y": np.ones((2, 6)), array: np.ones(shape)}
    with pytest.raises(ValueError, match=re.escape(message)):
        net.loss(net.init_params(0), arrays["X"], arrays["Y"])


def test_mixed_dtypes_are_refused():
    net = mlp.configure((4, 3, 2), "relu")
    with pytest.raises(ValueError, match="arrays mix dtypes"):
        net.loss(net.init_params(0, np.float32), np.ones((4, 6)), np.ones((2, 6)))
