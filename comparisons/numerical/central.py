"""Central differences of a scalar function of named arrays, one element or one direction at a time.

For an element i of parameter array theta:
    dJ/dtheta_i ~ (J(theta + h e_i) - J(theta - h e_i)) / ((theta_i + h) - (theta_i - h)),
whose error is the truncation h^2/6 J''' plus the rounding eps |J| / h (eps = 2^-52). The divisor is
the step actually taken in floating point, not 2h, which removes the representation error of
theta_i +- h. For a direction v: dJ/dtheta . v ~ (J(theta + h v) - J(theta - h v)) / (2h).
"""

import numpy as np
from tqdm import tqdm


def central_partials(f, params, elements, h, pattern=None, progress=False):
    """Central differences of ``f(params) -> float`` for each ``(name, flat index)`` in ``elements``.

    ``params`` are float64 arrays perturbed in place and restored exactly. ``pattern(params)`` (see
    ``kinks.sign_pattern``) is evaluated at both ends of each stencil when given. Returns
    ``(values, crossed)``: float64 and boolean arrays of ``len(elements)``.
    """
    from comparisons.numerical.kinks import crossed as differs

    flats = {k: flat_view(k, a) for k, a in params.items()}
    values = np.empty(len(elements))
    crossed = np.zeros(len(elements), dtype=bool)
    bar = tqdm(elements, desc="central differences", unit="elem", disable=not progress, leave=False,
               mininterval=0.5)
    for n, (name, i) in enumerate(bar):
        flat = flats[name]
        x = flat[i]
        flat[i] = x + h
        up, f_up, p_up = flat[i], f(params), pattern(params) if pattern else None
        flat[i] = x - h
        down, f_down, p_down = flat[i], f(params), pattern(params) if pattern else None
        flat[i] = x
        values[n] = (f_up - f_down) / (up - down)
        crossed[n] = differs(p_up, p_down)
    return values, crossed


def central_directional(f, params, v, h, pattern=None):
    """``(dJ/dtheta . v estimate, crossed)`` for a direction ``v`` ({name: array}) and step ``h``."""
    from comparisons.numerical.kinks import crossed as differs

    up = {k: params[k] + h * v[k] for k in params}
    down = {k: params[k] - h * v[k] for k in params}
    value = (f(up) - f(down)) / (2 * h)
    return value, (differs(pattern(up), pattern(down)) if pattern else False)


def flat_view(name, a):
    """A 1-D view of ``a`` (writes reach ``a``); ValueError unless ``a`` is a C-contiguous array."""
    if not (isinstance(a, np.ndarray) and a.flags.c_contiguous and a.flags.writeable):
        raise ValueError(f"{name} must be a writable C-contiguous array to be perturbed in place")
    return a.reshape(-1)
