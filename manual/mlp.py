"""Any-depth multilayer perceptron, derived once for every depth; the seed network is one configuration.

``configure(sizes, activations, output, loss, lam, penalty)`` returns an ``MLP`` with the model contract.
Layers l = 1..L, A_0 = X. Shapes (one column per example, m = X.shape[1]):

    X = A_0 : (n_0, m)    W_l : (n_l, n_{l-1})    b_l : (n_l, 1)    Z_l, A_l : (n_l, m)

Forward, l = 1..L:    Z_l = W_l A_{l-1} + b_l,   A_l = g_l(Z_l)
    g_l is the hidden activation of layer l (relu, leaky_relu, tanh, sigmoid, identity) for l < L,
    and the output function (softmax, sigmoid, identity) for l = L.

Loss (output/loss pairs in ``manual/mlp_config.py``), mean over examples, sum over output units:
    J = 1/m sum_j loss(Z_L[:, j], Y[:, j]) + lambda/(2m) sum_l ||W_l||^2     (biases excluded)
    (or reg sum_l ||W_l||^2, 0.5 reg ..., none: ``penalty``, manual/regularisation.py; dW_l then
    takes 2c W_l for the coefficient c written)

Backward, per-example intermediates as in the seed derivation (dZ_l is m times dJ/dZ_l):
    dZ_L     = A_L - Y                          for each of the three canonical pairs
    dW_l     = 1/m dZ_l A_{l-1}^T + lambda/m W_l
    db_l     = 1/m sum_j dZ_l
    dA_{l-1} = W_l^T dZ_l
    dZ_{l-1} = dA_{l-1} * g_{l-1}'(Z_{l-1})
"""

import numpy as np

from manual import activations as act
from manual.mlp_config import check_config
from manual.validate import check_data, check_finite_through, check_params, checked, loss_value

HIDDEN = {  # name: (g, g')
    "relu": (act.relu, act.relu_prime),
    "leaky_relu": (act.leaky_relu, act.leaky_relu_prime),
    "tanh": (act.tanh, act.tanh_prime),
    "sigmoid": (act.sigmoid, act.sigmoid_prime),
    "identity": (act.identity, act.identity_prime),
}
OUTPUT = {"softmax": act.softmax, "sigmoid": act.sigmoid, "identity": act.identity}
LOSS_SUM = {  # name: sum over examples and output units of the per-example loss, from the logits Z_L
    "cross_entropy": lambda Z, Y: -(Y * act.log_softmax(Z)).sum(),          # -sum Y log softmax(Z)
    "binary_cross_entropy": lambda Z, Y: (act.softplus(Z) - Y * Z).sum(),  # sum -Y log a - (1-Y) log(1-a)
    "mse": lambda Z, Y: ((Z - Y) ** 2).sum() / 2,                          # 1/2 sum (Z - Y)^2
}


def configure(sizes=(784, 10, 10), activations=("relu",), output="softmax", loss=None, lam=0.0,
              penalty="lambda/2m"):
    """An ``MLP``; the defaults are the seed network (784-10-10, ReLU, softmax + cross-entropy)."""
    return MLP(check_config(sizes, activations, output, loss, lam, penalty))


class MLP:
    """The model contract for one ``Config``: param_shapes, init_params, check_inputs, forward, loss,
    backward, and the tuples INTERMEDIATES (backward order) and KINKS (cache names whose entries
    enter ReLU or leaky ReLU, not differentiable at 0)."""

    def __init__(self, config):
        self.config = config
        L = config.L
        self.INTERMEDIATES = (f"dZ{L}",) + tuple(n for l in range(L - 1, 0, -1) for n in (f"dA{l}", f"dZ{l}"))
        self.KINKS = config.kinks

    def __repr__(self):
        return f"MLP({self.config.describe()})"

    def param_shapes(self):
        """{W1: (n_1, n_0), b1: (n_1, 1), ..., WL: (n_L, n_{L-1}), bL: (n_L, 1)}."""
        n, shapes = self.config.sizes, {}
        for l in range(1, len(n)):
            shapes[f"W{l}"], shapes[f"b{l}"] = (n[l], n[l - 1]), (n[l], 1)
        return shapes

    def init_params(self, seed=0, dtype=np.float64):
        """W_l, b_l ~ Uniform[-r_l, r_l), r_l = sqrt(6 / (n_{l-1} + n_l)) (Glorot); biases never zero."""
        rng = np.random.default_rng(seed)
        n, params = self.config.sizes, {}
        for l in range(1, len(n)):
            r = np.sqrt(6 / (n[l - 1] + n[l]))
            params[f"W{l}"] = rng.uniform(-r, r, (n[l], n[l - 1])).astype(dtype)
            params[f"b{l}"] = rng.uniform(-r, r, (n[l], 1)).astype(dtype)
        return params

    def check_inputs(self, params, X, Y=None):
        """ValueError naming the array: weights that do not chain, then any shape or dtype that differs."""
        n = self.config.sizes
        _check_chain(params, self.config.L)
        check_params(params, self.param_shapes())
        check_data(params, X, Y, n[0], n[-1])

    @checked(check_inputs)
    def forward(self, params, X):
        """Forward pass; returns A_L and the cache {Z1, A1, ..., ZL, AL}."""
        c, L, cache, A = self.config, self.config.L, {}, X
        for l in range(1, L + 1):
            Z = params[f"W{l}"] @ A + params[f"b{l}"]         # Z_l = W_l A_{l-1} + b_l, A_0 = X  (n_l, m)
            if l == 1:
                check_finite_through(X, Z)                    # a finite Z1 proves a finite X
            g = OUTPUT[c.output] if l == L else HIDDEN[c.activations[l - 1]][0]
            A = g(Z)                                          # A_l = g_l(Z_l)                   (n_l, m)
            cache[f"Z{l}"], cache[f"A{l}"] = Z, A
        return A, cache

    @checked(check_inputs)
    def loss(self, params, X, Y):
        """J = 1/m sum_j loss(Z_L, Y)[j] + c sum_l ||W_l||^2, c = lambda/(2m) by default (``penalty``)."""
        _, cache = self.forward(params, X)
        m, c = X.shape[1], self.config
        data = LOSS_SUM[c.loss](cache[f"Z{c.L}"], Y) / m              # from the logits Z_L: finite at +-1000
        penalty = c.coefficient(m) * sum((params[f"W{l}"] ** 2).sum() for l in range(1, c.L + 1))  # no biases
        return loss_value(data + penalty)

    @checked(check_inputs)
    def backward(self, params, cache, X, Y):
        """Backward pass, layer by layer in reverse; every d<name>, keyed in the order computed."""
        m, c = X.shape[1], self.config
        two_c, grads = 2 * c.coefficient(m), {}                   # d/dW (c ||W||^2) = 2c W; lambda/m W by default
        dZ = cache[f"A{c.L}"] - Y                                 # a canonical pair: g_L' cancels      (n_L, m)
        grads[f"dZ{c.L}"] = dZ
        for l in range(c.L, 0, -1):
            A_prev, W = (cache[f"A{l - 1}"] if l > 1 else X), params[f"W{l}"]
            grads[f"dW{l}"] = dZ @ A_prev.T / m + two_c * W       # dW_l = 1/m dZ_l A_{l-1}^T + lambda/m W_l
            grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m   # db_l = 1/m sum_j dZ_l, no lambda   (n_l, 1)
            if l == 1:
                break                                             # X = A_0 takes no gradient
            g_prime = HIDDEN[c.activations[l - 2]][1]
            dA = W.T @ dZ                                         # dA_{l-1} = W_l^T dZ_l       (n_{l-1}, m)
            dZ = dA * g_prime(cache[f"Z{l - 1}"])                 # dZ_{l-1} = dA_{l-1} * g'(Z_{l-1})
            grads[f"dA{l - 1}"], grads[f"dZ{l - 1}"] = dA, dZ
        return grads


def _check_chain(params, L):
    """Layer l takes layer l-1's units: W_l has as many columns as W_{l-1} has rows."""
    if not isinstance(params, dict):
        return  # check_params names that problem
    for l in range(2, L + 1):
        W_prev, W = params.get(f"W{l - 1}"), params.get(f"W{l}")
        if getattr(W_prev, "ndim", 0) == 2 and getattr(W, "ndim", 0) == 2 and W.shape[1] != W_prev.shape[0]:
            raise ValueError(f"W{l} has shape {W.shape} but W{l - 1} has shape {W_prev.shape}: layer sizes "
                             f"do not chain; expected W{l} with {W_prev.shape[0]} columns, one per unit of "
                             f"layer {l - 1}")
