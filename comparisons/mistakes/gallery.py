"""The gallery's entries: each classic mistake (from ``planted.py``), and each look-alike that is
right (from ``correct.py``), with the code handed to the verifier exactly as a person's own code
would be.

``code`` is a backward function (the contract's, with the catalogue's forward pass) or a namespace
of functions (a forward of its own, the tutorial's functions, or ``configure`` for lambda).
"""

from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Callable

from comparisons.mistakes import correct, planted

MISTAKE = "mistake"
LOOK_ALIKE = "look-alike"


@dataclass(frozen=True)
class Entry:
    """name: what it is; kind: MISTAKE or LOOK_ALIKE; model: the catalogue model; code: what the
    verifier is given; planted: the function holding the marked line (``# planted`` or
    ``# looks wrong``); right: the correct derivation it copies."""

    name: str
    kind: str
    model: str
    code: object
    planted: Callable
    right: Callable


def with_lambda(backward):
    """Code whose ``configure(**config)`` hands ``backward`` the model's lambda, as a configured
    module does."""
    return SimpleNamespace(__name__=backward.__name__,
                           configure=lambda lam, **_: SimpleNamespace(backward=partial(backward, lam=lam)))


def seed(name, kind, backward):
    """A seed-network backward pass (a copy of ``correct.seed_backward``), given as it is."""
    return Entry(name, kind, "seed_net", backward, backward, correct.seed_backward)


def course(name, kind, backward):
    """A course-network backward pass (a copy of ``correct.course_backward``), configured with lambda."""
    return Entry(name, kind, "course_net", with_lambda(backward), backward, correct.course_backward)


def own_forward(name, kind, forward):
    """A seed-network forward pass (a copy of ``correct.seed_forward``), with the right backward."""
    code = SimpleNamespace(__name__=forward.__name__, forward=forward, backward=correct.seed_backward)
    return Entry(name, kind, "seed_net", code, forward, correct.seed_forward)


GALLERY = (
    seed("missing 1/m", MISTAKE, planted.missing_one_over_m),
    seed("bias gradient summed over all axes", MISTAKE, planted.bias_summed_over_all_axes),
    seed("a global m that differs from the batch", MISTAKE, planted.global_m),
    seed("a mistake in a single element", MISTAKE, planted.single_element),
    seed("dZ2 = Y - A2", MISTAKE, planted.y_minus_a),
    seed("a missing transpose (W2 for W2.T)", MISTAKE, planted.missing_transpose),
    seed("the product's operands swapped (X dZ1^T)", MISTAKE, planted.operands_swapped),
    seed("ReLU derivative left out of dZ1", MISTAKE, planted.relu_derivative_left_out),
    seed("sigmoid's derivative used for ReLU", MISTAKE, planted.sigmoid_derivative_for_relu),
    own_forward("softmax without subtracting the maximum", MISTAKE, planted.softmax_without_max),
    Entry("one-hot sized by the largest label seen", MISTAKE, "seed_net",
          SimpleNamespace(__name__="tutorial", forward_prop=correct.forward_prop,
                          backward_prop=planted.backward_prop_one_hot_by_largest_label),
          planted.one_hot_by_largest_label, correct.one_hot),
    course("the bias regularised", MISTAKE, planted.bias_regularised),
    course("L2 term lambda/m W dropped from the gradient", MISTAKE, planted.l2_term_dropped),
    course("L2 term halved: lambda/(2m) W, the loss's factor", MISTAKE, planted.l2_term_halved),
    course("L2 term doubled: 2 lambda/m W", MISTAKE, planted.l2_term_doubled),
    seed("ReLU derivative from A1 > 0, not Z1 > 0", LOOK_ALIKE, correct.relu_derivative_from_a1),
    seed("bias gradient as a mean, or a product with ones", LOOK_ALIKE, correct.bias_as_mean_and_product),
    seed("dZ2 by subtracting 1 at each label", LOOK_ALIKE, correct.dz2_by_indexing),
    seed("weight gradients by a loop over examples, or einsum", LOOK_ALIKE,
         correct.weights_by_loop_over_examples),
    own_forward("softmax as exp(Z - logsumexp(Z))", LOOK_ALIKE, correct.softmax_by_logsumexp),
    course("sigmoid's derivative recomputed from Z1", LOOK_ALIKE, correct.course_derivative_from_z1),
)


def get(name):
    """The entry called ``name``; a ValueError listing the names otherwise."""
    found = [e for e in GALLERY if e.name == name]
    if not found:
        raise ValueError(f"no gallery entry {name!r}; expected one of: {'; '.join(e.name for e in GALLERY)}")
    return found[0]
