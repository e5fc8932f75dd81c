"""What a bench row times: a catalogue model at its own hidden width, or at another one.

A model has a width knob when

- its manual module has a fast twin ``manual/<module>_fast.py`` whose ``init_params`` takes
  ``n_h`` (the seed network: the literal module fixes n_h = 10, the fast one reads n_h from W1;
  the PyTorch and JAX references read every size from the arrays they are given), or
- its catalogue ``config`` names the hidden sizes: an int ``n_h``/``hidden``/``width``, or a
  tuple ``sizes``/``layer_sizes`` whose inner entries are the hidden widths.
"""

import dataclasses
import importlib
import importlib.util
import inspect
from dataclasses import dataclass
from typing import Optional

from comparisons.catalogue import Model

WIDTH_KEYS = ("n_h", "hidden", "width")
SIZES_KEYS = ("sizes", "layer_sizes")


def fast_module(model):
    """``manual/<module>_fast.py`` of an unconfigured model, imported; None when there is none."""
    name = f"manual.{model.module}_fast"
    if model.config or importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def _fast_takes_width(model):
    fast = fast_module(model)
    return fast is not None and "n_h" in inspect.signature(fast.init_params).parameters


def _config_key(model):
    """The config key that holds the hidden width(s), or None."""
    for key in WIDTH_KEYS:
        if isinstance(model.config.get(key), int):
            return key
    for key in SIZES_KEYS:
        sizes = model.config.get(key)
        if isinstance(sizes, (tuple, list)) and len(sizes) >= 3:
            return key
    return None


def has_width(model):
    """True when the bench can change the model's hidden width (see the module docstring)."""
    return _fast_takes_width(model) or _config_key(model) is not None


@dataclass(frozen=True)
class Subject:
    """A catalogue model, at hidden width ``width`` (None: the model as catalogued)."""

    model: Model
    width: Optional[int] = None

    def __post_init__(self):
        if self.width is not None and not has_width(self.model):
            raise ValueError(f"model {self.model.name} has no hidden width to sweep; "
                             "expected a model with a width knob (see comparisons/bench/subject.py)")
        if self.width is not None and self.width < 1:
            raise ValueError(f"hidden width {self.width}; expected at least 1")

    @property
    def configured(self):
        """The catalogue entry with the width written into its config (models with a config knob)."""
        key = _config_key(self.model) if self.width is not None else None
        if key is None:
            return self.model
        old = self.model.config[key]
        new = self.width if key in WIDTH_KEYS else (old[0], *[self.width] * (len(old) - 2), old[-1])
        return dataclasses.replace(self.model, config={**self.model.config, key: new})

    @property
    def name(self):
        return self.model.name

    @property
    def through_fast(self):
        """True when this width exists only in the fast module (the literal one cannot run it)."""
        return self.width is not None and _config_key(self.model) is None

    def source(self, source):
        """The module (or configured model object) of ``source``: "manual", "fast", "torch", "jax".

        None where that source cannot run this subject: no fast twin, or the literal manual module
        at a width it does not have.
        """
        if source == "fast":
            return fast_module(self.configured)
        if source == "manual" and self.through_fast and self.width != self.own_width:
            return None
        return self.configured.source(source)

    @property
    def own_width(self):
        """The catalogued model's hidden width (rows of its first weight matrix); None without a knob."""
        if not has_width(self.model):
            return None
        return list(self.model.manual.param_shapes().values())[0][0]

    def param_shapes(self):
        """{name: shape} at this width."""
        if self.through_fast:
            return fast_module(self.model).param_shapes(n_h=self.width)
        return self.configured.manual.param_shapes()

    def init_params(self, seed, dtype):
        if self.through_fast:
            return fast_module(self.model).init_params(seed=seed, dtype=dtype, n_h=self.width)
        return self.configured.init_params(seed, dtype)

    def check_inputs(self, params, X, Y):
        """The manual module's input checks (the fast one's where the literal cannot run)."""
        (self.source("manual") or self.source("fast")).check_inputs(params, X, Y)

    def data(self, m, seed, dtype):
        """The model's built-in data with m examples (``Dataset``: X, Y, description)."""
        return self.model.data(m, seed, dtype)
