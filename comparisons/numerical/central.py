"""Central differences of a scalar function of named arrays, one element or one direction at a time.

For an element i of parameter array theta:
    dJ/dtheta_i ~ (J(theta + h e_i) - J(theta - h e_i)) / ((theta_i + h) - (theta_i - h)),
whose error is the truncation h^2/6 J''' plus the rounding eps |J| / h (eps = 2^-52). The divisor is
the step actually taken in floating point, not 2h, which removes the representation error of
theta_i +- h. For a direction v: dJ/dtheta . v ~ (J(theta + h v) - J(theta - h v)) / (2h).

Near a kink (see ``kinks``) a stencil can straddle it; it is then tried again with steps 10 and
100 times shorter (rounding grows by as much, still far below the witness's tolerance), and only
a stencil that straddles a kink at every one of them is reported as crossed.
"""

import numpy as np
from tqdm import tqdm

from comparisons.numerical.kinks import crossed as differs

SHORTER = (1, 10, 100)   # the step, then 10 and 100 times shorter, while the stencil crosses a kink


def central_partials(f, params, elements, h, pattern=None, progress=False, retry=True):
    """Central differences of ``f(params) -> float`` for each ``(name, flat index)`` in ``elements``.

    ``params`` are float64 arrays perturbed in place and restored exactly. ``pattern(params)`` (see
    ``kinks.sign_pattern``) is evaluated at both ends of each stencil when given; a crossed stencil
    is tried with shorter steps unless ``retry=False`` (the step sweep keeps each step as it is).
    Returns ``(values, crossed)``: float64 and boolean arrays of ``len(elements)``.
    """
    flats = {k: flat_view(k, a) for k, a in params.items()}
    values = np.empty(len(elements))
    crossed = np.zeros(len(elements), dtype=bool)
    bar = tqdm(elements, desc="central differences", unit="elem", disable=not progress, leave=False,
               mininterval=0.5)
    for n, (name, i) in enumerate(bar):
        for shorter in SHORTER if pattern and retry else SHORTER[:1]:
            values[n], crossed[n] = element_stencil(f, params, flats[name], i, h / shorter, pattern)
            if not crossed[n]:
                break
    return values, crossed


def element_stencil(f, params, flat, i, h, pattern):
    """``(difference quotient, crossed)`` for element i of ``flat`` (a view into ``params``)."""
    x = flat[i]
    flat[i] = x + h
    up, f_up, p_up = flat[i], f(params), pattern(params) if pattern else None
    flat[i] = x - h
    down, f_down, p_down = flat[i], f(params), pattern(params) if pattern else None
    flat[i] = x
    return (f_up - f_down) / (up - down), differs(p_up, p_down)


def central_directional(f, params, v, h, pattern=None):
    """``(dJ/dtheta . v estimate, crossed)`` for a direction ``v`` ({name: array}) and step ``h``."""
    for shorter in SHORTER if pattern else SHORTER[:1]:
        step = h / shorter
        up = {k: params[k] + step * v[k] for k in params}
        down = {k: params[k] - step * v[k] for k in params}
        value = (f(up) - f(down)) / (2 * step)
        crossed = differs(pattern(up), pattern(down)) if pattern else False
        if not crossed:
            break
    return value, crossed


def flat_view(name, a):
    """A 1-D view of ``a`` (writes reach ``a``); ValueError unless ``a`` is a C-contiguous array."""
    if not (isinstance(a, np.ndarray) and a.flags.c_contiguous and a.flags.writeable):
        raise ValueError(f"{name} must be a writable C-contiguous array to be perturbed in place")
    return a.reshape(-1)
