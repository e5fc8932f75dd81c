"""What reading a person's files shares: what a file held (``Loaded``), the one-line error naming the
file, and which values name a parameter file."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from comparisons import BadInput

PARAM_SUFFIXES = (".npz", ".npy", ".mat")


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


def unpickling_said(error):
    """NumPy's reason a file is not an .npz, without its advice to load it with allow_pickle: a file
    that is not what it claims is not to be unpickled on our say-so."""
    text = " ".join(str(error).split())
    return "it is not a zip archive of arrays (NumPy read a pickle or other data)" if "allow_pickle" in text else text


def is_params_file(value):
    """Whether ``value`` names a parameter file (by its suffix), not a name in the person's code."""
    return value is not None and Path(value).suffix.lower() in PARAM_SUFFIXES


def existing(path):
    path = Path(path)
    if path.is_dir():
        raise bad(path, "a folder; expected a file (name the file inside it)")
    if not path.is_file():
        raise bad(path, "no such file")
    return path


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
