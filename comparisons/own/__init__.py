"""A person's own weights and data (``--params FILE``, ``--data FILE``), read into the model contract.

Parameters become ``{W1, b1, W2, b2, ...}`` with W_l (n_l, n_{l-1}) and b_l (n_l, 1); data becomes
X (n_x, m), one example per column, and Y as the model takes it (one-hot (K, m), (1, m), or X
itself for an autoencoder). Every layout met in the curricula is read, and said:

  params  .npz   np.savez(W1=..., b1=...): the keys as the model names them
          .npy   np.save of a dict {"W1": ...}: a pickle, so it is loaded with allow_pickle (only here)
          .mat   Ng's ex4weights.mat: Theta_l (n_l, n_{l-1} + 1) = [b_l W_l], the bias first
  data    .csv   Kaggle's MNIST train.csv: header ``label,pixel0,...,pixel783``, one example per row
          IDX    MNIST's train-images-idx3-ubyte[.gz] and its labels file (found beside it by the usual
                 names, or given as ``IMAGES,LABELS``)
          .mat   Ng's ex4data1.mat: X (m, 400) one example per row, y (m, 1) in 1..10
          .npz   X with Y (targets) or y (integer labels)

Labels: row k of a one-hot Y is the label k. The course's 1..K labels and output rows ("10 means
the digit 0") are read into that order: y = 10 becomes 0, y = k the label k - 1 for other K, and the
rows of the course's last Theta are moved to match, so ex4weights.mat with ex4data1.mat gives the
course's cost. Pixels of 0..255 (CSV, IDX) are divided by 255. Nothing is downloaded.

A file that is not what it claims, a missing key or a wrong shape is ``BadInput``: one line naming
the file and what was expected (exit status 2).

Modules: ``files`` (what reading a file shares), ``weights`` (parameter files), ``datasets`` (data
files); here, the catalogue model at the person's weights and on their data (``with_own``).
"""

from dataclasses import dataclass, field

import numpy as np

from comparisons.catalogue import Model
from comparisons.data import Dataset
from comparisons.own.datasets import fit_data, load_data
from comparisons.own.files import Loaded, is_params_file
from comparisons.own.weights import fit_params, load_params

__all__ = ["Loaded", "Served", "OwnModel", "fit_data", "fit_params", "is_params_file", "load_data",
           "load_params", "with_own"]


class Served:
    """``data(m, seed, dtype)`` over the person's examples: all of them (m None or the file's count),
    m drawn without replacement by ``seed``, or, for an m beyond them, the examples repeated in turn."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __call__(self, m=None, seed=0, dtype=np.float64):
        X, Y, said = self.dataset.X, self.dataset.Y, self.dataset.description
        n = X.shape[1]
        if m is None or m == n:
            cols, how = np.arange(n), f"all {n:,} examples"
        elif m < n:
            cols = np.sort(np.random.default_rng(seed).permutation(n)[:m])
            how = f"{m:,} of the {n:,} examples, drawn by seed {seed}"
        else:
            cols, how = np.arange(m) % n, f"the {n:,} examples repeated in turn to m = {m:,}"
        take = (lambda A: np.ascontiguousarray(A[:, cols], dtype=dtype))
        return Dataset(take(X), take(Y), f"{how}, from {said}")


@dataclass(frozen=True)
class OwnModel(Model):
    """A catalogue ``Model`` at the person's parameters (where their shapes are the model's) and on
    their data: what ``check``, ``verify``, ``report`` and ``bench`` run, unchanged."""

    own: dict = field(default=None, compare=False)
    said: tuple = ()

    def init_params(self, seed=0, dtype=np.float64):
        shapes = self.manual.param_shapes()
        if self.own is None or {k: v.shape for k, v in self.own.items()} != {k: tuple(s) for k, s in shapes.items()}:
            return super().init_params(seed, dtype)     # not given, or another width (the bench's sweep)
        return {k: v.astype(dtype) for k, v in self.own.items()}


def with_own(model, params=None, data=None):
    """``model`` at the parameters of file ``params`` and on the data of file ``data`` (either None: the
    model's own); ``model`` itself when neither is given. ``.said`` holds a line for each file read."""
    if params is None and data is None:
        return model
    said, own, served = [], None, model.data
    if params is not None:
        own, line = fit_params(load_params(params), model)
        said.append(line)
    if data is not None:
        dataset = fit_data(load_data(data), model)
        served = Served(dataset)
        said.append(f"data: {dataset.X.shape[1]:,} examples, from {dataset.description}")
    fields = {f: getattr(model, f) for f in Model.__dataclass_fields__}
    base = model if isinstance(model, OwnModel) else None
    own = own if own is not None or base is None else base.own
    said = tuple(said) if base is None else base.said + tuple(said)
    return OwnModel(**{**fields, "data": served}, own=own, said=said)
