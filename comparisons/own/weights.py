"""A person's parameter files read into {W1, b1, ..., WL, bL}: .npz by key, .npy of a dict, and the
course's .mat (Theta_l = [b_l W_l], the bias first; see ``comparisons.own``), then fitted to a model."""

import re
import zipfile

import numpy as np

from comparisons.own.files import PARAM_SUFFIXES, Loaded, bad, existing, load_mat, unpickling_said


def load_params(path):
    """``Loaded`` with ``params`` from a .npz, a .npy of a dict, or a .mat (Theta1, Theta2, ... or W1, b1, ...)."""
    path = existing(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as z:
                return Loaded(path, "arrays by name (.npz)", params={k: z[k] for k in z.files})
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
            raise bad(path, f"not a NumPy .npz archive of arrays ({unpickling_said(e)}); expected np.savez(path, "
                            f"W1=..., b1=...)")
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
