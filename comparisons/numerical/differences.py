"""Numerical derivatives of a loss, from the loss alone: central differences, the complex step, the
kinks a stencil may straddle, random directions, and the per-example intermediates through the biases.

Central differences. For an element i of a parameter array theta,
    dJ/dtheta_i ~ (J(theta + h e_i) - J(theta - h e_i)) / ((theta_i + h) - (theta_i - h)),
whose error is the truncation h^2/6 J''' plus the rounding eps |J| / h (eps = 2^-52). The divisor is
the step actually taken in floating point, not 2h, which removes the representation error of
theta_i +- h. For a direction v: dJ/dtheta . v ~ (J(theta + h v) - J(theta - h v)) / (2h).

The complex step. For J analytic near real theta and a real direction v,
    J(theta + i h v) = J(theta) + i h J'(theta) v - h^2/2 v^T J'' v - ...,
so dJ/dtheta . v = Im J(theta + i h v) / h + O(h^2). Nothing is subtracted, so h can be tiny: with
h = 1e-20 the truncation term is ~1e-40 and the result is accurate to the last bits of float64. It
needs a loss without kinks (no ReLU, max, abs) whose every operation accepts complex numbers;
``manual.validate.complex_step()`` lets the manual checks pass complex parameters and
``manual.validate.loss_value`` keep J complex.

Kinks. A model names in ``KINKS`` the cache arrays whose entries enter a function with a kink at 0
(the seed network's Z1 enters ReLU; the SVM's margins D enter its hinge max(0, D), and since they
depend on the labels its ``forward(params, X, Y)`` takes Y to cache them). A stencil theta - h,
theta + h crosses a kink when the sign pattern (Z > 0) of any such array differs between its two
ends: the difference quotient then mixes two slopes and is no estimate of either one-sided
derivative. Such a stencil is tried again with steps 10 and 100 times shorter (rounding grows by
as much, still far below the witness's tolerance); one that straddles a kink at all three is marked
kink-crossed and counted, never failed.

Per-example intermediates. The derivation's Z_l = W_l A_{l-1} + b_l adds b_l to every column, and
its dZ_l is per example: dZ_l[:, j] = dL_j / dZ_l[:, j], m times dJ/dZ_l of the mean loss. On a
batch of the single example j (m = 1) the loss is L_j, and db_l = dZ_l[:, j] exactly (no regulariser
touches a bias). So the difference quotients of L_j in the elements of b_l witness column j of dZ_l,
with no access to the model's insides. An intermediate with no bias of its own (dA_l) has none.

Functions take ``f(params) -> J`` and ``params``, a dict of float64 arrays; elements are
``(name, flat index)`` pairs.
"""

import inspect
import warnings

import numpy as np
from tqdm import tqdm

from manual.validate import complex_step

SHORTER = (1, 10, 100)   # the step, then 10 and 100 times shorter, while the stencil crosses a kink
H = 1e-20                # complex step: truncation h^2 |J'''| / 6 ~ 1e-40, far below any gradient's resolution


# --- Kinks --------------------------------------------------------------------------------------

def sign_pattern(module, X, names, Y=None):
    """``pattern(params) -> tuple of boolean arrays (Z > 0)``, one per name in ``names``; None if none.

    Runs the module's forward pass on ``X`` (and the labels ``Y``, for a forward that takes them: the
    SVM's margins depend on them) and reads the named arrays from its cache.
    """
    if not names:
        return None
    labelled = Y is not None and "Y" in inspect.signature(module.forward).parameters

    def pattern(params):
        _, cache = module.forward(params, X, Y) if labelled else module.forward(params, X)
        missing = [n for n in names if n not in cache]
        if missing:
            raise ValueError(f"KINKS names {', '.join(missing)}, which the forward pass does not cache "
                             f"(it holds {', '.join(cache)}); expected the arrays whose zeros are kinks")
        return tuple(np.asarray(cache[n]) > 0 for n in names)

    return pattern


def crosses_kink(before, after):
    """True when two sign patterns differ anywhere (the stencil between them crosses a kink)."""
    if before is None or after is None:
        return False
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


# --- Central differences ------------------------------------------------------------------------

def every_element(shapes):
    """Every element of arrays of ``shapes`` ({name: shape}) as ``(name, flat index)``, array by array."""
    return [(k, i) for k, s in shapes.items() for i in range(int(np.prod(s)))]


def central_partials(f, params, elements, h, pattern=None, progress=False, retry=True, settle=None):
    """Central differences of ``f`` for each ``(name, flat index)`` in ``elements``.

    ``params`` are float64 arrays perturbed in place and restored exactly. ``pattern(params)`` (see
    ``sign_pattern``) is evaluated at both ends of each stencil when given; a crossed stencil is
    tried with shorter steps unless ``retry=False`` (the step sweep keeps each step as it is).
    ``settle``: (J at ``params``, {name: the array's scale}) to settle bent elements (``settled``).
    Returns ``(values, crossed)``: float64 and boolean arrays of ``len(elements)``.
    """
    flats = {k: flat_view(k, a) for k, a in params.items()}
    values = np.empty(len(elements))
    crossed = np.zeros(len(elements), dtype=bool)
    bar = tqdm(elements, desc="central differences", unit="elem", disable=not progress, leave=False,
               mininterval=0.5)
    for n, (name, i) in enumerate(bar):
        for shorter in SHORTER if pattern and retry else SHORTER[:1]:
            values[n], crossed[n], bend = element_stencil(f, params, flats[name], i, h / shorter, pattern,
                                                          settle[0] if settle else None)
            if not crossed[n]:
                break
        if settle and not crossed[n] and abs(bend) > BENT * settle[1][name]:
            values[n] = settled(f, params, flats[name], i, h / shorter, pattern, values[n], settle[1][name],
                                settle[0])
    return values, crossed


BENT = 1e-4       # the slope's change over half a stencil, relative to the array's scale, that is a bend
SETTLED = 1e-8    # two estimates this close (relative to the scale) are settled: a hundredth of the rtol
EPS = np.finfo(np.float64).eps


def element_stencil(f, params, flat, i, h, pattern, f0=None):
    """``(difference quotient, crossed, bend)`` for element i of ``flat`` (a view into ``params``); the
    bend (f(x + h) - 2 f(x) + f(x - h)) / 2h ~ J'' h / 2, the slope's change over half the stencil, comes
    free with ``f0`` = f(x) (else 0)."""
    x = flat[i]
    flat[i] = x + h
    up, f_up, p_up = flat[i], f(params), pattern(params) if pattern else None
    flat[i] = x - h
    down, f_down, p_down = flat[i], f(params), pattern(params) if pattern else None
    flat[i] = x
    bend = (f_up - 2 * f0 + f_down) / (up - down) if f0 is not None else 0.0
    return (f_up - f_down) / (up - down), crosses_kink(p_up, p_down), bend


def settled(f, params, flat, i, h, pattern, value, scale, f0):
    """The estimate of a bent element, its step shortened half a decade at a time until two estimates
    agree to ``SETTLED`` of ``scale`` or to their rounding, 4 eps |J| / h (``f0`` = J at ``params``).

    The step sweep chose h from a few sampled elements of the array; an element it did not sample can
    bend far more at h (at large logits, a row whose two largest logits nearly tie: the loss there is a
    softplus of their difference, steep in the hundreds), and its truncation error h^2 J''' / 6 then
    passes the tolerance. While truncation dominates, each half decade shrinks the change between
    estimates about tenfold; once a change grows instead, rounding has taken over and the estimate
    before it is kept: shortening further only adds noise (on 1,797 examples a step of 1e-9 erred by
    1e-8 on a gradient of 8e-3). Shortening also stops at the first step that crosses a kink (the last
    uncrossed estimate is kept) and at 1e-9.
    """
    change_before = np.inf
    for k in range(1, 9):
        shorter = h / 10 ** (k / 2)
        if shorter < 1e-9:
            break
        estimate, crossed, _ = element_stencil(f, params, flat, i, shorter, pattern)
        if crossed:
            break
        change = abs(estimate - value)
        if change <= max(SETTLED * scale, 4 * EPS * abs(f0) / shorter):
            return estimate
        if change >= change_before:
            return value
        value, change_before = estimate, change
    return value


def central_directional(f, params, v, h, pattern=None):
    """``(dJ/dtheta . v estimate, crossed)`` for a direction ``v`` ({name: array}) and step ``h``."""
    for shorter in SHORTER if pattern else SHORTER[:1]:
        step = h / shorter
        up = {k: params[k] + step * v[k] for k in params}
        down = {k: params[k] - step * v[k] for k in params}
        value = (f(up) - f(down)) / (2 * step)
        crossed = crosses_kink(pattern(up), pattern(down)) if pattern else False
        if not crossed:
            break
    return value, crossed


def flat_view(name, a):
    """A 1-D view of ``a`` (writes reach ``a``); ValueError unless ``a`` is a C-contiguous array."""
    if not (isinstance(a, np.ndarray) and a.flags.c_contiguous and a.flags.writeable):
        raise ValueError(f"{name} must be a writable C-contiguous array to be perturbed in place")
    return a.reshape(-1)


# --- The complex step ---------------------------------------------------------------------------

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


# --- Random directions --------------------------------------------------------------------------
# One directional derivative costs two loss evaluations whatever the number of parameters, which is
# why large models are checked this way (``directions`` judges them and measures what they miss).

def random_directions(params, k, rng):
    """k directions, each {name: array of params[name]'s shape}, uniform on the unit sphere.

    Standard normal entries scaled to a 2-norm of 1 over all parameters: a step h along one moves
    the parameters as far as a step h of one element does, so the element steps serve for it too.
    """
    out = []
    for _ in range(k):
        v = {name: rng.standard_normal(a.shape) for name, a in params.items()}
        norm = np.sqrt(sum(np.sum(x * x) for x in v.values()))
        out.append({name: x / norm for name, x in v.items()})
    return out


def directional_estimates(f, params, directions, h, pattern=None, complex_f=None):
    """``(estimates, crossed)`` arrays over ``directions``: complex step when ``complex_f`` is given
    (never crossed: it needs a smooth loss), else central differences with step ``h``."""
    if complex_f is not None:
        estimates = np.array([complex_directional(complex_f, params, v) for v in directions])
        return estimates, np.zeros(len(directions), bool)
    pairs = [central_directional(f, params, v, h, pattern) for v in directions]
    return np.array([p[0] for p in pairs], dtype=float), np.array([p[1] for p in pairs], dtype=bool)


# --- Per-example intermediates through the biases -----------------------------------------------

def bias_of(intermediate, shapes):
    """The bias that witnesses ``dZ<l>``: ``b<l>`` of shape (n, 1), or None (e.g. for dA1)."""
    if not intermediate.startswith("dZ"):
        return None
    bias = "b" + intermediate[2:]
    shape = shapes.get(bias)
    return bias if shape is not None and len(shape) == 2 and shape[1] == 1 else None


def per_example(module, params, X, Y, names, columns, h, kinks=(), complex_ok=False):
    """{dZ name: (values, measured, crossed)}: (n, m) arrays, NaN and False where not measured.

    ``names``: the intermediates to witness; ``columns``: the examples j to measure; ``h``:
    {bias name: step} for central differences, unused when ``complex_ok``; ``kinks``: the KINKS
    names, whose sign pattern on the one-example batch (and its label) marks crossed stencils.
    """
    shapes = {k: a.shape for k, a in params.items()}
    m = X.shape[1]
    out = {}
    for name in names:
        bias = bias_of(name, shapes)
        n = shapes[bias][0]
        values = np.full((n, m), np.nan)
        crossed = np.zeros((n, m), dtype=bool)
        for j in columns:
            Xj, Yj = X[:, j:j + 1], Y[:, j:j + 1]
            elements = [(bias, i) for i in range(n)]
            if complex_ok:
                values[:, j] = complex_partials(complex_loss(module, Xj, Yj), params, elements)
            else:
                values[:, j], crossed[:, j] = central_partials(lambda P: module.loss(P, Xj, Yj), params, elements,
                                                               h[bias], sign_pattern(module, Xj, kinks, Yj))
        measured = np.zeros((n, m), dtype=bool)
        measured[:, list(columns)] = True
        measured &= ~crossed
        out[name] = (np.where(measured, values, np.nan), measured, crossed)
    return out
