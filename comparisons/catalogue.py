"""The catalogue of models. A model joins by adding one ``Model`` entry; the harness reads only this.

Each entry names three modules that share one contract (see README.md): the hand derivation in
``manual/`` and its twins in ``reference/torch_ad`` and ``reference/jax_ad``.
"""

import importlib
from dataclasses import dataclass, field
from typing import Callable, Tuple

import numpy as np

from comparisons import data
from comparisons.model_contract import check_model, check_reference, module_name

SOURCES = ("manual", "torch", "jax")   # model_contract.PACKAGES names their trees
_CONFIGURED = {}                       # (name, config, source) -> the configured model, made once


@dataclass(frozen=True)
class Model:
    """One catalogue entry.

    name:    the CLI's name for it (``handgrad report --model NAME``)
    summary: one line for listings
    module:  the module name shared by the three trees, e.g. ``"seed_net"``
    data:    ``data(m, seed, dtype) -> Dataset``, its built-in data
    speed_m: the batch size of its speed rows (a realistic size for the model)
    extras:  names of report sections beyond the gradient agreement (``comparisons.sections.EXTRAS``:
             "hessian", "closed_form", "newton", "per_example"), built only when a report runs
    config:  keyword arguments for a configurable model: each tree's module then has
             ``configure(**config)`` returning an object with the model contract (layer sizes,
             activations, the L2 strength lambda, ...). Empty: the module itself is the model.
    """

    name: str
    summary: str
    module: str
    data: Callable
    speed_m: int
    extras: Tuple[str, ...] = ()
    config: dict = field(default_factory=dict)

    def source(self, source):
        """The model in ``source``: "manual", "torch" or "jax" (imported on first use, its contract checked).

        A configured model is made once per entry and source and then reused, so what a framework
        compiled for it (JAX's jitted gradient) is reused too, by every check of one run.
        """
        module = importlib.import_module(module_name(source, self.module))
        model = module
        if self.config:
            key = (self.name, repr(self.config), source)
            if key not in _CONFIGURED:
                _CONFIGURED[key] = module.configure(**self.config)
            model = _CONFIGURED[key]
        if source != "manual":
            check_reference(self.name, source, model)
        return model

    @property
    def manual(self):
        return self.source("manual")

    @property
    def intermediates(self):
        """The derivation's per-example intermediates (dZ2, dA1, ...), in backward order."""
        return tuple(self.manual.INTERMEDIATES)

    def init_params(self, seed=0, dtype=np.float64):
        return self.manual.init_params(seed=seed, dtype=dtype)

    def n_params(self):
        return sum(int(np.prod(s)) for s in self.manual.param_shapes().values())

    def sizes(self):
        """Parameter shapes as text, e.g. ``W1 10x784, b1 10x1, ...``."""
        return ", ".join(f"{k} {'x'.join(map(str, s))}" for k, s in self.manual.param_shapes().items())

    @property
    def label(self):
        """The name, with the config where it differs from the catalogue entry's (set by options:
        ``comparisons.model_options``), e.g. ``softmax_regression (lam=0.05, penalty=reg)``: what
        reports and tables call the model. File names keep the bare name."""
        from comparisons.model_options import changed, said

        differs = changed(self)
        return f"{self.name} ({said(differs)})" if differs else self.name


CATALOGUE = {
    model.name: check_model(model)
    for model in [
        Model("seed_net", "784-10-10 ReLU/softmax network of the seed derivation, mean cross-entropy",
              "seed_net", data.digits_784, speed_m=42_000),
        Model("course_net", "400-25-10 sigmoid network of the course, summed binary cross-entropy, "
              "L2 lambda=1", "course_net", data.digits_400, speed_m=5_000,
              extras=("per_example",), config=dict(n_x=400, n_h=25, n_y=10, lam=1.0)),
        Model("mlp_deep", "64-32-16-10 MLP, tanh then ReLU, softmax + cross-entropy, L2 lambda=0.1",
              "mlp", data.digits_64, speed_m=10_000,
              config=dict(sizes=(64, 32, 16, 10), activations=("tanh", "relu"), output="softmax", lam=0.1)),
        Model("mlp_autoencoder", "64-16-64 autoencoder MLP, leaky ReLU, identity output + squared error",
              "mlp", data.digits_64_reconstruction, speed_m=10_000,
              config=dict(sizes=(64, 16, 64), activations=("leaky_relu",), output="identity", loss="mse")),
        # CS231n's TwoLayerNet (assignment 1: 3072-50-10 on CIFAR-10 there, hidden 50 on digits here),
        # regularised as its assignments write it: reg sum W^2 (0.5 reg sum W^2 in the older ones)
        Model("cs231n_two_layer", "64-50-10 ReLU/softmax network (CS231n's TwoLayerNet), mean cross-entropy "
              "+ reg sum W^2, reg=0.05", "mlp", data.digits_64, speed_m=10_000,
              config=dict(sizes=(64, 50, 10), activations=("relu",), output="softmax", lam=0.05, penalty="reg")),
        # deeplearning.ai's networks: course 1's L-layer model (12288-20-7-5-1 on cats there, the same
        # depth on digits here) and course 2's gradient-checking network; neither has a penalty
        Model("dlai_deep", "64-20-7-5-1 ReLU/sigmoid network (deeplearning.ai course 1's L-layer model), "
              "digits 0-4 or not, mean binary cross-entropy, no penalty", "mlp", data.digits_64_binary,
              speed_m=10_000, config=dict(sizes=(64, 20, 7, 5, 1), activations=("relu",) * 3, output="sigmoid",
                                          penalty="none")),
        Model("dlai_gradcheck", "4-5-3-1 ReLU/sigmoid network (deeplearning.ai course 2's gradient checking), "
              "iris virginica or not, mean binary cross-entropy, no penalty", "mlp", data.iris_binary,
              speed_m=10_000, config=dict(sizes=(4, 5, 3, 1), activations=("relu", "relu"), output="sigmoid",
                                          penalty="none")),
        Model("linear_regression", "linear regression, half mean squared error + ridge lambda=0.1 "
              "(bias unpenalised); Hessian, closed form", "linear_regression", data.diabetes,
              speed_m=100_000, extras=("hessian", "closed_form"), config=dict(lam=0.1)),
        Model("logistic_regression", "binary logistic regression, cross-entropy from the logits + L2 "
              "lambda=1; Hessian, Newton's method", "logistic_regression", data.breast_cancer,
              speed_m=100_000, extras=("hessian", "newton"), config=dict(lam=1.0)),
        Model("softmax_regression", "softmax regression, 64 pixels to 10 classes, cross-entropy + L2 "
              "lambda=1; Hessian", "softmax_regression", data.digits_64, speed_m=60_000,
              extras=("hessian",), config=dict(lam=1.0)),
        Model("svm", "multiclass SVM (hinge, delta = 1), 64 pixels to 10 classes, L2 lambda=1",
              "svm", data.digits_64, speed_m=60_000, config=dict(lam=1.0)),
    ]
}


def get(name):
    """The catalogue entry ``name``; a ValueError listing the known names otherwise."""
    if name not in CATALOGUE:
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(CATALOGUE)}")
    return CATALOGUE[name]
