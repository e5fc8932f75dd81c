"""Layers, CS231n style: each a pair ``X_forward(inputs..., **options) -> (out, cache)`` and
``X_backward(dout, cache) -> (d input, ...)``, derived by hand in NumPy.

A layer is checked (``comparisons.layer_check``) with a random upstream gradient dout (never ones,
never ``.sum()``: the gradient of a softmax's sum is zero and proves nothing): its backward must equal
the vector-Jacobian product dout^T (d out / d input) of the same forward in PyTorch and in JAX, and
the numerical witness's derivative of the scalar s = sum(out * dout), input by input.

Each module of this package lists its layers in ``LAYERS``, a tuple of ``Layer``; the package
collects every module's (``catalogue()``), so a layer joins by being written, with its twins of the
same module name in ``reference/torch_ad/layers`` and ``reference/jax_ad/layers`` (forward only: the
frameworks differentiate it).

Intermediates. A layer whose derivation names its intermediates says so in ``steps``: the name of a
function ``X_backward_steps(dout, cache) -> {"d" + name: gradient}`` of its manual module, every
intermediate's gradient (and the inputs') in the order the backward computes them, the derivation's own
symbols (dxhat, divar, dvar, dxmu, dmu, ...); ``X_backward`` returns the inputs' gradients from it, so
there is one derivation, not two copies. Each twin's forward takes a keyword ``tap=None`` and writes
every such intermediate as ``xhat = tap("xhat", xmu * ivar)`` (``tap(name, value, step=t)`` inside a
recurrence, one per time step t; the identity when tap is None): ``comparisons.layer_check`` uses it to
take autograd's gradient of that very node. A gradient of a node is the total over every path from it
to the output, so a steps dictionary holds totals only (batch norm's dxmu, not its two paths apart).

Zero to rounding. ``zero`` names the gradients that are 0 in exact arithmetic and rounding in practice
(makemore's db1: a bias before batch normalization cancels in the centring), each with the scale of the
terms whose sum cancels, ``zero[name](gradients) -> array`` broadcastable to it (``gradients``: the
manual steps' dictionary). A relative error between two roundings of zero is noise of order 1, so these
are judged absolutely instead: |g| <= ULPS eps(dtype) scale, in every source.
"""

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple


@dataclass(frozen=True)
class Layer:
    """One layer of the catalogue.

    name:    its catalogue name, e.g. "affine" (its functions are ``affine_forward``/``affine_backward``
             unless ``functions`` says otherwise)
    module:  the module of this package (and of the twins' packages) that defines it
    inputs:  ``inputs(seed, dtype) -> {name: array}``, the forward's positional inputs in order, made
             with non-zero values (a ReLU layer's away from its kink at 0)
    grads:   the names of the inputs the backward returns gradients for, in its return order
    options: keyword options of the forward (stride, pad, p, seed, ...), the same for every twin
    kinks:   the forward has kinks (ReLU, max, a pooling tie): the witness counts the elements whose
             difference stencil crosses one instead of judging them
    summary: one line for listings
    functions: (forward name, backward name) where they differ from ``name + "_forward"`` and
             ``name + "_backward"`` (two backwards of one forward: batch norm's step-by-step and
             simplified)
    pattern: ``pattern(inputs..., **options) -> array`` whose sign pattern (``> 0``) changes exactly
             where the forward crosses a kink (max pooling: which element of each window is its
             maximum); the witness evaluates it at both ends of each difference stencil and counts a
             stencil across which it changes as kink-crossed, left out and not judged (None: the
             witness cannot see the kinks, and a kink under a stencil is judged like any point)
    steps:   the name of the manual module's ``X_backward_steps(dout, cache) -> {"d" + name: array}``,
             every intermediate's gradient (and the inputs') in backward order; each intermediate is tapped
             by name in the twins' forwards ("": the layer names no intermediates)
    zero:    {"d" + name: scale(gradients) -> array}: gradients that are 0 to rounding, judged absolutely
             against the scale of the terms that cancel (see the module)
    """

    name: str
    module: str
    inputs: Callable
    grads: Tuple[str, ...]
    options: dict = field(default_factory=dict)
    kinks: bool = False
    summary: str = ""
    functions: Tuple[str, str] = ()
    pattern: Optional[Callable] = None
    steps: str = ""
    zero: dict = field(default_factory=dict)

    @property
    def forward_name(self):
        return self.functions[0] if self.functions else f"{self.name}_forward"

    @property
    def backward_name(self):
        return self.functions[1] if self.functions else f"{self.name}_backward"

    def function(self, source, which):
        """``which`` ("forward", "backward" or "steps") of ``source``: "manual", "torch" or "jax" (forward only)."""
        package = {"manual": "manual.layers", "torch": "reference.torch_ad.layers",
                   "jax": "reference.jax_ad.layers"}[source]
        module = importlib.import_module(f"{package}.{self.module}")
        return getattr(module, {"forward": self.forward_name, "backward": self.backward_name,
                                "steps": self.steps}[which])


def catalogue():
    """{name: Layer} of every module of this package, in module then listing order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        for layer in getattr(importlib.import_module(f"{__name__}.{info.name}"), "LAYERS", ()):
            if layer.name in found:
                raise ValueError(f"layer {layer.name} is listed twice ({found[layer.name].module}, {layer.module})")
            found[layer.name] = layer
    return found
