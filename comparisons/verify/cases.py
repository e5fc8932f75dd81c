"""The batches a derivation is checked on, each built to expose a family of mistakes.

- ``typical``: the model's built-in data, m examples, its initial parameters (never zero);
- ``large-logits``: the same batch with every parameter times ``LARGE``: pre-activations in the
  hundreds or thousands, where a softmax or sigmoid that does not guard its exp overflows;
- ``class-missing`` (one-hot targets only): the typical batch without the examples of the last
  class, where a one-hot sized by the largest label seen loses a row.
"""

from dataclasses import dataclass

import numpy as np

CASES = ("typical", "large-logits", "class-missing")
LARGE = 20.0


@dataclass(frozen=True)
class Case:
    """One batch: ``params``, ``X`` (n_x, m), ``Y`` (n_y, m), and what it is, in words."""

    name: str
    description: str
    params: dict
    X: np.ndarray
    Y: np.ndarray

    @property
    def m(self):
        return self.X.shape[1]


def make_cases(model, m=64, seed=0, dtype="float64", names=None):
    """The ``Case``s named in ``names`` (default: every one that applies to ``model``), in ``CASES`` order."""
    names = CASES if names is None else tuple(names)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        raise ValueError(f"unknown case {unknown[0]!r}; expected one of {', '.join(CASES)}")
    dtype = np.dtype(dtype)
    data = model.data(m, seed, dtype)
    params = model.init_params(seed, dtype)
    typical = Case("typical", f"{data.description}; m = {data.X.shape[1]}", params, data.X, data.Y)
    make = {"typical": lambda: typical, "large-logits": lambda: large_logits(model, typical),
            "class-missing": lambda: class_missing(typical)}
    cases = [make[n]() for n in CASES if n in names]
    return [c for c in cases if c is not None]


def large_logits(model, typical):
    """The typical batch with every parameter times ``LARGE``; says how large the last Z gets."""
    params = {k: v * np.asarray(LARGE, v.dtype) for k, v in typical.params.items()}
    _, cache = model.manual.forward(params, typical.X)
    last = [k for k in cache if k.startswith("Z")][-1:]
    size = f" (max |{last[0]}| = {np.max(np.abs(cache[last[0]])):,.0f})" if last else ""
    return Case("large-logits", f"the typical batch with every parameter x {LARGE:g}{size}",
                params, typical.X, typical.Y)


def class_missing(typical):
    """The typical batch without its examples of the last class; None unless Y is one-hot."""
    Y = typical.Y
    one_hot = Y.shape[0] > 1 and np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=0) == 1)
    if not one_hot:
        return None
    last = Y.shape[0] - 1
    keep = Y[last] == 0
    if keep.all() or not keep.any():
        return None
    return Case("class-missing", f"the typical batch without its {int((~keep).sum())} examples of class "
                f"{last} (m = {int(keep.sum())}): no label {last} in the batch",
                typical.params, typical.X[:, keep], Y[:, keep])
