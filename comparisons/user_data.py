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
"""

import gzip
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from comparisons import BadInput
from comparisons.catalogue import Model
from comparisons.data import Dataset
from manual.encoding import one_hot

PARAM_SUFFIXES = (".npz", ".npy", ".mat")
IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True)
class Loaded:
    """What a file held, read into the contract, and how it was read, in words."""

    path: Path
    said: str
    params: dict = None          # {W1: ..., b1: ...}
    X: np.ndarray = None         # (n, m), one example per column
    labels: np.ndarray = None    # (m,) integers, or None
    Y: np.ndarray = None         # targets as given (n_y, m), or None


def bad(path, what):
    return BadInput(f"{path}: {what}")


def is_params_file(value):
    """Whether ``value`` names a parameter file (by its suffix), not a name in the person's code."""
    return value is not None and Path(value).suffix.lower() in PARAM_SUFFIXES


def existing(path):
    path = Path(path)
    if not path.is_file():
        raise bad(path, "no such file")
    return path


# --- parameters ------------------------------------------------------------------------------------


def load_params(path):
    """``Loaded`` with ``params`` from a .npz, a .npy of a dict, or a .mat (Theta1, Theta2, ... or W1, b1, ...)."""
    path = existing(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as z:
                return Loaded(path, "arrays by name (.npz)", params={k: z[k] for k in z.files})
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
            raise bad(path, f"not a NumPy .npz archive of arrays ({e}); expected np.savez(path, W1=..., b1=...)")
    if suffix == ".npy":
        try:
            # np.save of a dict is a pickle: allowed for this file alone, as the person asked to load it
            held = np.load(path, allow_pickle=True)
        except (ValueError, OSError, EOFError) as e:
            raise bad(path, f"not a NumPy .npy file ({e}); expected np.save(path, {{'W1': ..., 'b1': ...}})")
        value = held.item() if held.dtype == object and held.shape == () else held
        if not isinstance(value, dict):
            raise bad(path, f"holds an array of shape {held.shape}, not a dict; expected np.save(path, "
                            f"{{'W1': ..., 'b1': ...}}) (loaded with allow_pickle: a dict is a pickle)")
        return Loaded(path, "a dict saved with np.save (a pickle, loaded with allow_pickle for this file)",
                      params={str(k): np.asarray(v) for k, v in value.items()})
    if suffix == ".mat":
        held = load_mat(path)
        if "W1" in held:
            return Loaded(path, "arrays by name (.mat)", params={k: v for k, v in held.items() if k[:1] in "Wb"})
        thetas = sorted((k for k in held if re.fullmatch(r"Theta\d+", k)), key=lambda k: int(k[5:]))
        if "Theta1" not in held:
            raise bad(path, f"has no Theta1 (it holds {', '.join(held) or 'nothing'}); expected the course's "
                            f"Theta1, Theta2, ... (Theta_l = [b_l W_l]) as in ex4weights.mat, or W1, b1, ...")
        params, said = from_thetas([held[k] for k in thetas], path)
        return Loaded(path, said, params=params)
    raise bad(path, f"unknown kind of parameter file; expected {', '.join(PARAM_SUFFIXES)}")


def load_mat(path):
    """{name: array} of a MATLAB v5 file (scipy.io.loadmat), without its header entries."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    try:
        return {k: v for k, v in loadmat(path).items() if not k.startswith("__")}
    except NotImplementedError:     # scipy reads v4 to v7.2; v7.3 is HDF5
        raise bad(path, "a MATLAB v7.3 (HDF5) file; expected a v5/v7 .mat (save it with save(..., '-v7'))")
    except (MatReadError, ValueError, TypeError, OSError) as e:
        raise bad(path, f"not a MATLAB .mat file ({' '.join(str(e).split())})")


def from_thetas(thetas, path):
    """The course's Theta_l (n_l, n_{l-1} + 1) = [b_l W_l] as W_l = Theta_l[:, 1:], b_l = Theta_l[:, :1].

    Its output row k is the label k + 1; with 10 rows, 10 is the digit 0, so the rows are rolled by
    one: row 0 becomes the digit 0 (the course's row 10) and row k the digit k."""
    params = {}
    for l, theta in enumerate(thetas, start=1):
        if theta.ndim != 2 or theta.shape[1] < 2 or not np.issubdtype(theta.dtype, np.number):
            raise bad(path, f"Theta{l} has shape {theta.shape}; expected (n_out, n_in + 1), the bias column first")
        params[f"W{l}"], params[f"b{l}"] = theta[:, 1:], theta[:, :1]
    shapes = " ".join(f"Theta{l} {t.shape[0]}x{t.shape[1]}" for l, t in enumerate(thetas, start=1))
    said = f"the course's layout ({shapes}: Theta_l = [b_l W_l], bias first)"
    L = len(thetas)
    if params[f"W{L}"].shape[0] == 10:
        params[f"W{L}"], params[f"b{L}"] = (np.roll(params[f"{k}{L}"], 1, axis=0) for k in "Wb")
        said += ("; output row k is the course's label k+1 with 10 meaning the digit 0: rows moved so "
                 "that row k is the digit k")
    return params, said


def fit_params(loaded, model, dtype=np.float64):
    """``loaded.params`` checked against ``model``'s shapes and cast to ``dtype``; a bias given as (n,)
    is read as (n, 1). ``BadInput`` for a missing key or a shape that differs."""
    shapes = model.manual.param_shapes()
    missing = [k for k in shapes if k not in loaded.params]
    if missing:
        raise bad(loaded.path, f"has no {missing[0]} (it holds {', '.join(loaded.params) or 'nothing'}); "
                               f"expected {', '.join(shapes)} for {model.label}")
    out, notes = {}, []
    for k, shape in shapes.items():
        v = np.asarray(loaded.params[k])
        if v.ndim == 1 and len(shape) == 2 and shape[1] == 1 and v.shape[0] == shape[0]:
            v, note = v[:, None], f"{k} ({shape[0]},) read as ({shape[0]}, 1)"
            notes.append(note)
        if tuple(v.shape) != tuple(shape):
            raise bad(loaded.path, f"{k} has shape {v.shape}; {model.label} expects {tuple(shape)} "
                                   f"({model.sizes()})")
        if not np.issubdtype(v.dtype, np.number) or not np.all(np.isfinite(v)):
            raise bad(loaded.path, f"{k} is not finite numbers (dtype {v.dtype}); expected real numbers")
        out[k] = np.array(v, dtype=dtype)
    ignored = [k for k in loaded.params if k not in shapes]
    notes += [f"ignored: {', '.join(ignored)}"] if ignored else []
    return out, f"params: {loaded.path.name}, {loaded.said}" + "".join(f"; {n}" for n in notes)


# --- data ------------------------------------------------------------------------------------------


def load_data(spec):
    """``Loaded`` with X (n, m) and labels or Y from ``spec``: a .csv, an IDX images file (its labels
    beside it) or ``IMAGES,LABELS``, a .mat or a .npz."""
    if "," in str(spec) and not Path(spec).exists():
        images, labels = (existing(p.strip()) for p in str(spec).split(",", 1))
        return load_idx_pair(images, labels)
    path = existing(spec)
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return load_csv(path)
    if name.endswith(".mat"):
        return load_mat_data(path)
    if name.endswith(".npz"):
        return load_npz_data(path)
    if "idx3" in name or "images" in name:
        return load_idx_pair(path)
    raise bad(path, "unknown kind of data file; expected .csv (Kaggle's MNIST layout), MNIST IDX files, .mat or .npz")


def load_csv(path):
    """Kaggle's MNIST train.csv: header ``label,pixel0,...``; each row an example, pixels 0..255."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    expected = "numbers under the header label,pixel0,...,pixel783 as in Kaggle's MNIST train.csv"
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            header = [c.strip() for c in f.readline().split(",")]
            if header[0] != "label":
                raise bad(path, f"its first column is {header[0]!r}; expected {expected}"
                                + (" (Kaggle's test.csv has no labels)" if header[0] == "pixel0" else ""))
            rows = np.loadtxt(f, delimiter=",", ndmin=2)
    except BadInput:
        raise
    except (ValueError, UnicodeDecodeError, OSError, EOFError) as e:
        raise bad(path, f"not a CSV of numbers ({' '.join(str(e).split())[:80]}); expected {expected}")
    if rows.shape[0] == 0 or rows.shape[1] != len(header):
        raise bad(path, f"{rows.shape[0]} rows of {rows.shape[1]} values under a header of {len(header)}; "
                        f"expected {expected}")
    pixels = rows[:, 1:]
    if pixels.min() < 0 or pixels.max() > 255:
        raise bad(path, f"pixels range over [{pixels.min():g}, {pixels.max():g}]; expected 0..255")
    return Loaded(path, f"Kaggle's MNIST CSV layout (label, pixel0..pixel{pixels.shape[1] - 1}; one example per "
                        f"row), pixels divided by 255; labels 0..9 as written",
                  X=pixels.T / 255.0, labels=integers(rows[:, 0], path, "label"))


def read_idx(path, ndim):
    """The array of an IDX file (gzipped or not): magic 0 0 type ndim, ndim big-endian sizes, the values."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise bad(path, f"a damaged gzip file ({e}); expected a gzipped MNIST IDX file")
    what = f"an MNIST IDX file of {'images (magic 2051)' if ndim == 3 else 'labels (magic 2049)'}"
    if len(raw) < 4 + 4 * ndim or raw[:2] != b"\0\0" or raw[2] not in IDX_TYPES or raw[3] != ndim:
        raise bad(path, f"not {what} (its first bytes are {raw[:4].hex()})")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(IDX_TYPES[raw[2]])
    body = raw[4 + 4 * ndim:]
    if len(body) != np.prod(dims) * dtype.itemsize:
        raise bad(path, f"truncated: its header says {'x'.join(map(str, dims))} values, it holds "
                        f"{len(body) // dtype.itemsize}; expected {what}")
    return np.frombuffer(body, dtype=dtype).reshape(dims)


def labels_beside(images):
    """The labels file beside an images file, by MNIST's names (train-images-idx3-ubyte ->
    train-labels-idx1-ubyte, with '.' or '-', gzipped or not)."""
    stem = images.name.removesuffix(".gz")
    names = {stem.replace("images", "labels").replace("idx3", "idx1")}
    candidates = [images.parent / (n + gz) for n in names for gz in ("", ".gz")]
    found = [p for p in candidates if p.is_file() and p != images]
    if not found:
        raise bad(images, f"no labels file beside it (looked for {', '.join(p.name for p in candidates)}); "
                          f"expected one, or --data IMAGES,LABELS")
    return found[0]


def load_idx_pair(images, labels=None):
    """MNIST IDX images (m, rows, cols) and labels (m,) (None: the file beside the images): X (rows*cols, m)
    divided by 255."""
    pixels = read_idx(images, 3)
    labels = labels or labels_beside(images)
    y = read_idx(labels, 1)
    if len(pixels) != len(y):
        raise bad(labels, f"{len(y)} labels for the {len(pixels)} images of {images.name}; expected one each")
    m, h, w = pixels.shape
    return Loaded(images, f"MNIST IDX images {h}x{w} ({images.name}) and labels ({labels.name}), each image "
                          f"flattened row by row, pixels divided by 255; labels 0..9 as written",
                  X=pixels.reshape(m, h * w).T / 255.0, labels=y.astype(np.int64))


def load_mat_data(path):
    """Ng's ex4data1.mat: X (m, n) one example per row, y (m, 1) labels 1..K (10 meaning the digit 0)."""
    held = load_mat(path)
    if "X" not in held or "y" not in held:
        raise bad(path, f"has no {'X' if 'X' not in held else 'y'} (it holds {', '.join(held) or 'nothing'}); "
                        f"expected X (m, n) and y (m, 1) as in ex4data1.mat")
    X, y = held["X"], held["y"]
    if X.ndim != 2 or y.size != X.shape[0]:
        raise bad(path, f"X {X.shape} and y {y.shape}; expected X (m, n), one example per row, and y (m, 1)")
    y = integers(y.ravel(), path, "y")
    said = f"X {X.shape[0]}x{X.shape[1]}, one example per row (read as columns)"
    if y.min() >= 1 and y.max() == 10:
        y, said = y % 10, said + "; y in 1..10 with 10 meaning the digit 0 (read as labels 0..9)"
    elif y.min() >= 1:
        y, said = y - 1, said + f"; y in 1..{y.max()} (read as labels 0..{y.max() - 1})"
    return Loaded(path, said, X=X.T.astype(np.float64), labels=y)


def load_npz_data(path):
    """X (n, m) or (m, n), with Y (targets) or y (integer labels)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            held = {k: z[k] for k in z.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise bad(path, f"not a NumPy .npz archive ({e}); expected np.savez(path, X=..., y=...)")
    if "X" not in held:
        raise bad(path, f"has no X (it holds {', '.join(held) or 'nothing'}); expected X with Y (targets) "
                        f"or y (labels)")
    X = np.asarray(held["X"], dtype=np.float64)
    if "Y" not in held and "y" not in held:     # an autoencoder's data needs no targets
        return Loaded(path, "X alone (.npz)", X=X)
    y = held.get("y")
    if y is not None and np.issubdtype(y.dtype, np.number) and np.all(y == np.round(y)):
        return Loaded(path, "X and integer labels y (.npz)", X=X, labels=y.ravel().astype(np.int64))
    if y is not None:       # real values: a regression's targets
        return Loaded(path, "X and real targets y (.npz)", X=X, Y=np.asarray(y, dtype=np.float64).ravel())
    return Loaded(path, "X and targets Y (.npz)", X=X, Y=np.asarray(held["Y"], dtype=np.float64))


def integers(values, path, what):
    values = np.asarray(values)
    if not np.issubdtype(values.dtype, np.number) or not np.all(values == np.round(values)):
        raise bad(path, f"{what} holds values that are not whole numbers; expected integer labels")
    return values.astype(np.int64)


def fit_data(loaded, model):
    """``Dataset`` (X (n_x, m), Y as ``model`` takes it) from ``loaded``; one ``BadInput`` when the file's
    examples or labels do not fit the model (n_x, classes)."""
    built = model.data(50, 0, np.float64)     # the model's own data, for its shapes and kind of target
    n_x, n_y = built.X.shape[0], built.Y.shape[0]
    X = loaded.X
    if X.ndim != 2 or n_x not in X.shape:
        raise bad(loaded.path, f"its examples have {X.shape[0] if X.ndim == 2 else X.shape} features; {model.label} "
                               f"takes n_x = {n_x}: expected data of {n_x} features per example")
    layout = ""
    m_labels = len(loaded.labels) if loaded.labels is not None else None
    if X.shape[0] != n_x or (m_labels is not None and X.shape[1] != m_labels and X.shape[0] == m_labels):
        X, layout = X.T, "; X given with one example per row (transposed)"
    m = X.shape[1]
    autoencoder = built.Y.shape == built.X.shape and np.array_equal(built.Y, built.X)
    if autoencoder:
        Y, target = X.copy(), "the target Y is X"
    elif loaded.labels is not None:
        y = loaded.labels
        if len(y) != m:
            raise bad(loaded.path, f"{len(y)} labels for {m} examples; expected one each")
        if n_y == 1 and not np.all((built.Y == 0) | (built.Y == 1)):     # regression: the values are targets
            Y, target = y[None, :].astype(np.float64), "y as the targets Y (1, m)"
        elif n_y == 1:
            if set(np.unique(y)) - {0, 1}:
                raise bad(loaded.path, f"labels {sorted(set(np.unique(y)))[:5]}...; {model.label} takes "
                                       f"0/1 targets: expected labels 0 and 1")
            Y, target = y[None, :].astype(np.float64), "labels 0/1 as Y (1, m)"
        else:
            if y.min() < 0 or y.max() >= n_y:
                raise bad(loaded.path, f"labels range over {y.min()}..{y.max()}; {model.label} has {n_y} "
                                       f"classes: expected labels 0..{n_y - 1}")
            Y, target = one_hot(y, n_y), f"labels one-hot in {n_y} rows (row k is the label k)"
    elif loaded.Y is None:
        raise bad(loaded.path, f"has X but no targets; {model.label} needs Y ({n_y}, m) or labels y")
    else:
        Y = loaded.Y if loaded.Y.shape[-1] == m else loaded.Y.T
        Y = Y[None, :] if Y.ndim == 1 else Y
        if Y.shape != (n_y, m):
            raise bad(loaded.path, f"Y has shape {loaded.Y.shape}; {model.label} expects ({n_y}, {m})")
        target = f"Y ({n_y}, m) as given"
    said = f"{loaded.path.name}: {loaded.said}{layout}; {target}"
    return Dataset(np.ascontiguousarray(X, dtype=np.float64), Y, said)


# --- the model at their weights, on their data -----------------------------------------------------


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
