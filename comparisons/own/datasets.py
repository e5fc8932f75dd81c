"""A person's data files read into X (n, m) and labels or targets: Kaggle's MNIST CSV, MNIST IDX (gzipped
or not), the course's .mat and .npz (see ``comparisons.own``), then fitted to a model's data."""

import gzip
import zipfile
from pathlib import Path

import numpy as np

from comparisons import BadInput
from comparisons.data import Dataset
from comparisons.own.files import Loaded, bad, existing, load_mat, unpickling_said
from manual.encoding import one_hot

IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


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
        raise bad(path, f"not a NumPy .npz archive ({unpickling_said(e)}); expected np.savez(path, X=..., y=...)")
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
