"""The any-depth MLP: every activation with every output against PyTorch and JAX autograd, its losses,
L2, edge cases, and the seed network as one of its configurations.

The catalogue's MLPs (mlp_deep, mlp_autoencoder) are checked against autograd by tests/test_catalogue.py.
"""

import numpy as np
import pytest

from comparisons import catalogue, data
from comparisons.agreement import AGREE, compare
from comparisons.catalogue import Model
from comparisons.sources import run_all
from manual import mlp, seed_net
from manual.encoding import one_hot
from manual.mlp_config import HIDDEN_ACTIVATIONS, LOSS_OF_OUTPUT

BACKENDS = ["torch", "jax"]
DTYPES = [np.float64, np.float32]


def entry(**config):
    """A catalogue-style entry for one MLP configuration (data unused: tests make their own)."""
    return Model("mlp_test", "a configuration under test", "mlp", data.digits_64, speed_m=1, config=config)


def batch(sizes, output, m, seed, dtype=np.float64):
    """X (n_0, m) uniform in [0, 1); Y (n_L, m) fitting the output: one-hot, 0/1 labels or reals."""
    rng = np.random.default_rng(seed)
    X = rng.random((sizes[0], m)).astype(dtype)
    n_L = sizes[-1]
    Y = {"softmax": lambda: one_hot(rng.integers(0, n_L, size=m), n_L, dtype=dtype),
         "sigmoid": lambda: (rng.random((n_L, m)) < 0.5).astype(dtype),
         "identity": lambda: rng.standard_normal((n_L, m)).astype(dtype)}[output]()
    return X, Y


def agree_everywhere(model, params, X, Y):
    results = run_all(model, params, X, Y)
    rows = [r for b in BACKENDS for r in compare(results["manual"], results[b], model.name)]
    assert {r["verdict"] for r in rows} == {AGREE}, [r for r in rows if r["verdict"] != AGREE]
    return results


@pytest.mark.parametrize("output", list(LOSS_OF_OUTPUT))
def test_every_activation_in_one_network(output):
    """One hidden layer of each activation, for each output/loss pair, L2 on: all three trees agree.
    (The quick run's cover of the grid below: every g' and every output, three JAX compiles.)"""
    sizes = (6, *(5 for _ in HIDDEN_ACTIVATIONS), 3)
    model = entry(sizes=sizes, activations=HIDDEN_ACTIVATIONS, output=output, lam=0.2)
    assert model.manual.config.activations == HIDDEN_ACTIVATIONS and model.manual.KINKS == ("Z1", "Z2")
    X, Y = batch(sizes, output, 7, 21)
    agree_everywhere(model, model.init_params(21), X, Y)


@pytest.mark.slow
@pytest.mark.parametrize("output", list(LOSS_OF_OUTPUT))
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_every_activation_with_every_output(activation, output):
    """Two hidden layers of one activation, each output/loss pair, L2 on: all three trees agree."""
    sizes = (6, 5, 4, 3)
    model = entry(sizes=sizes, activations=activation, output=output, lam=0.2)
    X, Y = batch(sizes, output, 7, 11)
    agree_everywhere(model, model.init_params(11), X, Y)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_seed_network_is_one_configuration(dtype):
    """mlp.configure() (784-10-10, ReLU, softmax) reproduces manual/seed_net.py exactly on the same params."""
    net = mlp.configure(sizes=(784, 10, 10), activations=("relu",), output="softmax")
    rng = np.random.default_rng(12)
    X = rng.random((784, 30)).astype(dtype)
    Y = one_hot(rng.integers(0, 10, size=30), 10, dtype=dtype)
    params = seed_net.init_params(12, dtype)
    A, cache = net.forward(params, X)
    A_seed, cache_seed = seed_net.forward(params, X)
    grads = net.backward(params, cache, X, Y)
    grads_seed = seed_net.backward(params, cache_seed, X, Y)
    assert list(grads) == list(grads_seed) and net.INTERMEDIATES == seed_net.INTERMEDIATES
    assert net.KINKS == seed_net.KINKS == ("Z1",)
    np.testing.assert_array_equal(A, A_seed)
    for k in grads_seed:
        assert grads[k].dtype == grads_seed[k].dtype
        np.testing.assert_array_equal(grads[k], grads_seed[k], err_msg=k)
    assert net.loss(params, X, Y) == seed_net.loss(params, X, Y)
    assert net.param_shapes() == seed_net.param_shapes()


@pytest.mark.parametrize("output", list(LOSS_OF_OUTPUT))
def test_loss_is_mean_over_examples_and_sum_over_outputs(output):
    """Each loss pinned to its formula from A_L (MSE: 1/(2m) sum of squares), plus lambda/(2m) sum ||W||^2."""
    sizes, m, lam = (6, 5, 4), 9, 0.4
    net = mlp.configure(sizes, "tanh", output, lam=lam)
    X, Y = batch(sizes, output, m, 13)
    params = net.init_params(13)
    A, _ = net.forward(params, X)
    per_example = {"softmax": lambda: -(Y * np.log(A)).sum(axis=0),
                   "sigmoid": lambda: -(Y * np.log(A) + (1 - Y) * np.log(1 - A)).sum(axis=0),
                   "identity": lambda: ((A - Y) ** 2).sum(axis=0) / 2}[output]()
    penalty = lam / (2 * m) * ((params["W1"] ** 2).sum() + (params["W2"] ** 2).sum())
    assert net.loss(params, X, Y) == pytest.approx(per_example.mean() + penalty, rel=1e-12)
    X2, Y2 = np.concatenate([X, X], axis=1), np.concatenate([Y, Y], axis=1)
    plain = mlp.configure(sizes, "tanh", output)
    assert plain.loss(params, X2, Y2) == pytest.approx(plain.loss(params, X, Y), rel=1e-12)


@pytest.mark.parametrize("output", list(LOSS_OF_OUTPUT))
def test_output_delta_is_A_minus_Y_per_example(output):
    """dZ_L = A_L - Y for all three pairs, and autograd's m dJ/dZ_L (the harness's factor) matches it."""
    sizes = (6, 5, 4)
    model = entry(sizes=sizes, activations="sigmoid", output=output)
    X, Y = batch(sizes, output, 8, 14)
    params = model.init_params(14)
    A, _ = model.manual.forward(params, X)
    result = run_all(model, params, X, Y, sources=("torch",))["torch"]
    np.testing.assert_allclose(result.grads["dZ2"], A - Y, rtol=1e-12, atol=1e-15)


def test_regularisation_leaves_biases_alone():
    """lambda adds lambda/m W_l to every dW_l and changes neither db_l nor any intermediate."""
    sizes, m = (6, 5, 4, 3), 10
    plain = mlp.configure(sizes, ("relu", "tanh"), "softmax")
    ridge = mlp.configure(sizes, ("relu", "tanh"), "softmax", lam=2.5)
    X, Y = batch(sizes, "softmax", m, 15)
    params = plain.init_params(15)
    _, cache = plain.forward(params, X)
    g0, g1 = plain.backward(params, cache, X, Y), ridge.backward(params, cache, X, Y)
    for k in g0:
        if k.startswith("dW"):
            np.testing.assert_allclose(g1[k] - g0[k], 2.5 / m * params[k[1:]], rtol=1e-10, atol=1e-15)
        else:
            np.testing.assert_array_equal(g1[k], g0[k], err_msg=k)
    model = entry(sizes=sizes, activations=("relu", "tanh"), output="softmax", lam=2.5)
    agree_everywhere(model, params, X, Y)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_exact_zeros_at_relu_pre_activations(activation):
    """Z1 and Z2 exactly 0 (blank images, zero biases): g'(0) = 0 (ReLU) or 0.01 (leaky) in all trees."""
    sizes = (8, 6, 5, 3)
    model = entry(sizes=sizes, activations=activation, output="softmax")
    X, Y = batch(sizes, "softmax", 12, 16)
    X[:, :4] = 0.0
    params = model.init_params(16)
    params["b1"][:] = 0.0
    params["b2"][::2] = 0.0
    _, cache = model.manual.forward(params, X)
    zeros = {name: cache[name] == 0 for name in ("Z1", "Z2")}
    assert zeros["Z1"].sum() >= 24 and zeros["Z2"].sum() >= 12
    assert model.manual.KINKS == ("Z1", "Z2")
    results = agree_everywhere(model, params, X, Y)
    slope = 0.0 if activation == "relu" else 0.01
    for source in ("manual", *BACKENDS):
        g = results[source].grads
        for l in (1, 2):
            z = zeros[f"Z{l}"]
            np.testing.assert_allclose(g[f"dZ{l}"][z], slope * g[f"dA{l}"][z], rtol=1e-12, atol=0,
                                       err_msg=f"{source} dZ{l}")


@pytest.mark.parametrize("dtype", [np.float64, pytest.param(np.float32, marks=pytest.mark.slow)],
                         ids=lambda d: d.__name__)  # float32 at +-1000 runs quick for the seed and course nets
@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_saturated_output_at_logits_plus_minus_1000(output, dtype):
    """Output logits at +-1000: no overflow or NaN, a finite loss, and agreement."""
    sizes = (6, 5, 4)
    model = entry(sizes=sizes, activations="tanh", output=output)
    X, Y = batch(sizes, output, 8, 17, dtype)
    params = model.init_params(17, dtype)
    params["b2"][:] = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]], dtype=dtype)
    _, cache = model.manual.forward(params, X)
    assert np.abs(cache["Z2"]).min() > 990
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        J = model.manual.loss(params, X, Y)
    assert np.isfinite(J) and J > 100
    results = agree_everywhere(model, params, X, Y)
    assert all(np.all(np.isfinite(g)) for r in results.values() for g in r.grads.values())


@pytest.mark.parametrize("dtype", [np.float64, pytest.param(np.float32, marks=pytest.mark.slow)],
                         ids=lambda d: d.__name__)       # float32 at m = 1 runs quick in test_seed_net_edges
def test_single_example_m_equals_1(dtype):
    model = catalogue.get("mlp_deep")
    X, Y = batch((64, 10), "softmax", 1, 18, dtype)
    results = agree_everywhere(model, model.init_params(18, dtype), X, Y)
    assert results["manual"].grads["dZ1"].shape == (32, 1) and results["manual"].grads["db1"].shape == (32, 1)


def test_no_hidden_layer_is_softmax_regression():
    model = entry(sizes=(6, 3), activations=(), output="softmax", lam=0.5)
    X, Y = batch((6, 3), "softmax", 9, 19)
    results = agree_everywhere(model, model.init_params(19), X, Y)
    assert list(results["manual"].grads) == ["dZ1", "dW1", "db1"]
    assert model.manual.INTERMEDIATES == ("dZ1",) and model.manual.KINKS == ()


@pytest.mark.parametrize("activations, kinks", [
    (("tanh", "relu", "sigmoid"), ("Z2",)),
    (("leaky_relu", "identity", "relu"), ("Z1", "Z3")),
    (("tanh", "sigmoid", "identity"), ()),
], ids=["one-relu", "leaky-and-relu", "smooth"])
def test_intermediates_and_kinks(activations, kinks):
    net = mlp.configure((7, 6, 5, 4, 3), activations, "sigmoid")
    assert net.INTERMEDIATES == ("dZ4", "dA3", "dZ3", "dA2", "dZ2", "dA1", "dZ1")
    assert net.KINKS == kinks
    X, Y = batch((7, 3), "sigmoid", 5, 20)
    params = net.init_params(20)
    _, cache = net.forward(params, X)
    assert list(net.backward(params, cache, X, Y)) == [
        "dZ4", "dW4", "db4", "dA3", "dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]


def test_init_params_are_seeded_non_zero_and_of_the_dtype():
    net = mlp.configure((64, 32, 16, 10), ("tanh", "relu"))
    a, b = net.init_params(3, np.float32), net.init_params(3, np.float32)
    assert all(np.array_equal(a[k], b[k]) and a[k].dtype == np.float32 and np.all(a[k] != 0) for k in a)
    assert not np.array_equal(a["W1"], net.init_params(4, np.float32)["W1"])


def test_digits_64_and_reconstruction_data():
    d = data.digits_64()
    assert d.X.shape == (64, 1797) and d.Y.shape == (10, 1797) and d.X.max() == 1.0
    r = data.digits_64_reconstruction(100, seed=2, dtype=np.float32)
    assert r.X.shape == r.Y.shape == (64, 100) and r.X.dtype == np.float32
    np.testing.assert_array_equal(r.Y, r.X)
    assert r.description.startswith("100 of scikit-learn's 1,797 digits")           # the m asked for
