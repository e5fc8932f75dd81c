"""What an MLP is made of, checked once: layer sizes, hidden activations, output/loss pair, lambda.

The configuration is shared by the three trees (the derivation and both references read the same
``Config``); everything each tree computes from it, it computes itself. A bad configuration is one
``ValueError`` naming the problem and what was expected.

Output/loss pairs: each output is paired with the loss whose gradient with respect to the logits
is, per example, dZ_L = A_L - Y (the canonical pairs):

    softmax  + cross_entropy          J = -1/m sum_j sum_k Y log softmax(Z_L)
    sigmoid  + binary_cross_entropy   J =  1/m sum_j sum_k [softplus(Z_L) - Y Z_L]
    identity + mse                    J =  1/(2m) sum_j sum_k (Z_L - Y)^2

plus, for lambda > 0, c sum_l ||W_l||^2 (biases excluded), c = lambda/(2m) by default or as another
course writes it (``penalty``: ``manual/regularisation.py``). MSE is 1/(2m) times the sum
of squares, as in the course's linear regression, so that dZ_L = A_L - Y has no factor 2.
"""

from dataclasses import dataclass
from numbers import Integral

from manual import regularisation
from manual.validate import check_lam

HIDDEN_ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "identity")
NON_SMOOTH_AT_ZERO = ("relu", "leaky_relu")
LOSS_OF_OUTPUT = {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy", "identity": "mse"}


@dataclass(frozen=True)
class Config:
    """sizes (n_0, ..., n_L), one activation per hidden layer 1..L-1, the output, its loss, lambda and
    how lambda is written (``penalty``: ``manual.regularisation.PENALTIES``)."""

    sizes: tuple
    activations: tuple
    output: str
    loss: str
    lam: float
    penalty: str = regularisation.DEFAULT

    def coefficient(self, m):
        """c in J_reg = c sum_l ||W_l||^2 on a batch of m examples (``regularisation.coefficient``)."""
        return regularisation.coefficient(self.penalty, self.lam, m)

    @property
    def L(self):
        """The number of layers with parameters (W1, b1, ..., WL, bL)."""
        return len(self.sizes) - 1

    @property
    def kinks(self):
        """Cache names entering a function that is not differentiable at 0: Z_l of ReLU/leaky ReLU."""
        return tuple(f"Z{l}" for l, g in enumerate(self.activations, 1) if g in NON_SMOOTH_AT_ZERO)

    def describe(self):
        """e.g. ``64-32-16-10 tanh/relu, softmax + cross_entropy, lambda=0.1``."""
        hidden = "/".join(self.activations) or "no hidden layer"
        return (f"{'-'.join(map(str, self.sizes))} {hidden}, {self.output} + {self.loss}, "
                f"{regularisation.describe(self.penalty, self.lam)}")


def check_config(sizes, activations, output="softmax", loss=None, lam=0.0, penalty=regularisation.DEFAULT):
    """The ``Config`` for these arguments, or one ValueError naming what does not fit.

    ``activations`` is one name per hidden layer (a single name is used for every hidden layer);
    ``loss=None`` takes the output's own loss.
    """
    sizes = _check_sizes(sizes)
    if isinstance(activations, str):
        activations = (activations,) * (len(sizes) - 2)
    activations = tuple(activations)
    if len(activations) != len(sizes) - 2:
        raise ValueError(f"{len(activations)} activation(s) {activations} for {len(sizes) - 2} hidden "
                         f"layer(s) (sizes {sizes}); expected one per hidden layer")
    for l, g in enumerate(activations, 1):
        if g not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"unknown activation {g!r} for hidden layer {l}; expected one of "
                             f"{', '.join(HIDDEN_ACTIVATIONS)}")
    if output not in LOSS_OF_OUTPUT:
        raise ValueError(f"unknown output {output!r}; expected one of {', '.join(LOSS_OF_OUTPUT)}")
    loss = LOSS_OF_OUTPUT[output] if loss is None else loss
    if loss not in LOSS_OF_OUTPUT.values():
        raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(LOSS_OF_OUTPUT.values())}")
    if loss != LOSS_OF_OUTPUT[output]:
        pairs = ", ".join(f"{o} + {l}" for o, l in LOSS_OF_OUTPUT.items())
        raise ValueError(f"loss {loss!r} does not fit output {output!r}: {output} pairs with "
                         f"{LOSS_OF_OUTPUT[output]!r} (the pairs derived here: {pairs})")
    if output == "softmax" and sizes[-1] < 2:
        raise ValueError(f"softmax over {sizes[-1]} output unit is constantly 1; expected at least 2 "
                         f"units (for one output use sigmoid + binary_cross_entropy)")
    return Config(sizes, activations, output, loss, check_lam(lam), regularisation.check_penalty(penalty))


def _check_sizes(sizes):
    """(n_0, ..., n_L) as a tuple of positive ints, at least an input and an output size."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise ValueError(f"sizes is {sizes!r}; expected a sequence of layer sizes (n_0, ..., n_L)")
    sizes = tuple(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes {sizes} has {len(sizes)} layer size(s); expected at least 2 "
                         f"(n_0 inputs, ..., n_L outputs)")
    for l, n in enumerate(sizes):
        if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
            raise ValueError(f"layer {l} of sizes {sizes} has size {n!r}; expected a positive integer")
    return tuple(int(n) for n in sizes)
