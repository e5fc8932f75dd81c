"""Complex step: derivatives of a smooth (analytic) loss with no subtraction, hence no rounding loss.

For J analytic near real theta and a real direction v,
    J(theta + i h v) = J(theta) + i h J'(theta) v - h^2/2 v^T J'' v - ...,
so  dJ/dtheta . v = Im J(theta + i h v) / h + O(h^2). Nothing is subtracted, so h can be tiny:
with h = 1e-20 the truncation term is ~1e-40 and the result is accurate to the last bits of
float64. It needs a loss without kinks (no ReLU, max, abs) whose every operation accepts complex
numbers; ``manual.validate.complex_step()`` lets the manual checks pass complex parameters and
``manual.validate.loss_value`` keep J complex.
"""

import warnings

import numpy as np
from tqdm import tqdm

from manual.validate import complex_step

H = 1e-20  # truncation h^2 |J'''| / 6 is ~1e-40: far below float64's resolution of any gradient


def complex_loss(module, X, Y):
    """``f(params) -> complex J``: the module's loss inside ``complex_step()``, X and Y real float64.

    A loss that would drop the imaginary part (``float(J)``, a ComplexWarning) raises instead.
    """
    def f(params):
        with complex_step(), warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            return module.loss(params, X, Y)

    return f


def why_not_complex(f, params, seed=0):
    """None when ``f`` carries an imaginary step through; otherwise the reason, as a sentence."""
    rng = np.random.default_rng(seed)
    probe = {k: a + 1j * H * rng.standard_normal(a.shape) for k, a in params.items()}
    try:
        J = f(probe)
    except (TypeError, ValueError, FloatingPointError, np.exceptions.ComplexWarning) as e:
        return f"its loss cannot run on complex parameters ({type(e).__name__}: {e})"
    if not np.iscomplexobj(J) or np.imag(J) == 0:
        return "its loss returns a real number for complex parameters (the imaginary part is dropped)"
    return None


def complex_partials(f, params, elements, h=H, progress=False):
    """Im f(theta + i h e_i) / h for each ``(name, flat index)`` in ``elements``; float64 array.

    ``params`` are real float64 arrays; a complex copy is perturbed one element at a time.
    """
    P = {k: np.array(a, dtype=np.complex128, order="C") for k, a in params.items()}
    flats = {k: a.reshape(-1) for k, a in P.items()}
    values = np.empty(len(elements))
    for n, (name, i) in enumerate(tqdm(elements, desc="complex step", unit="elem", disable=not progress,
                                       leave=False, mininterval=0.5)):
        x = flats[name][i]
        flats[name][i] = x + 1j * h
        values[n] = np.imag(f(P)) / h
        flats[name][i] = x
    return values


def complex_directional(f, params, v, h=H):
    """dJ/dtheta . v = Im f(theta + i h v) / h, for a real direction ``v`` ({name: array})."""
    return float(np.imag(f({k: params[k] + 1j * h * v[k] for k in params}))) / h
