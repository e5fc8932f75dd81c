"""One-line diagnoses: what a wrong quantity's numbers say about the mistake behind them.

Each rule looks at the person's array and the reference's and either recognises a pattern or
passes; the first that recognises one gives the line, and the last says how far apart they are.
A pattern holds when it reproduces the numbers to ``CLOSE``, looser than the verdict's tolerance
because a hypothesis (the reference times m, W @ G, ...) is rebuilt here in another order.
"""

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from manual import regularisation

from comparisons.agreement import max_errors, rtol_for
from comparisons.verify.watching import IN_PLACE

CLOSE = 1e-6


@dataclass(frozen=True)
class Context:
    """quantity: its name (dW1, dZ2, J, A2, ...); m: the batch size; params: the parameters;
    lam: the model's L2 strength (None without one), penalty: how it is written (lambda/2m, reg,
    half_reg: ``manual/regularisation.py``); forward: the derivation's forward values;
    expected: the reference's value of every quantity; warnings: NumPy's, from the person's calls;
    dtype: the check's (float64 or float32); origin: where a NaN or inf first appeared in the person's
    code on this batch (``floating.Origin``), None when not looked for; X: the batch's inputs (A0)."""

    quantity: str
    m: int
    params: dict = field(default_factory=dict)
    lam: float = None
    penalty: str = "lambda/2m"
    forward: dict = field(default_factory=dict)
    expected: dict = field(default_factory=dict)
    warnings: tuple = ()
    dtype: str = "float64"
    origin: object = None
    X: object = None


def diagnose(yours, expected, ctx):
    """One line saying what is wrong with ``yours`` against ``expected`` (arrays or numbers); a result
    in another dtype than the check's is said first (``dtype_said``), then what its values say."""
    kind = np.asarray(yours).dtype
    y, e = np.asarray(yours, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    said = dtype_said(kind, y, e, ctx) if y.shape == e.shape else None
    if said and said[1]:
        return said[0]
    line = values_said(y, e, ctx)
    return f"{said[0]}; and {line}" if said else line


def values_said(y, e, ctx):
    if y.shape != e.shape:
        return shape(y.shape, e.shape, ctx)
    for rule in (non_finite, transposed, weight_not_transposed, bias_regularised, one_number, hidden_layer, factor,
                 l2_term, activation_derivative, few_elements):
        line = rule(y, e, ctx)
        if line:
            return line
    return f"values differ: max relative error {max_errors(y, e)[1]:.1e}"


def dtype_said(kind, y, e, ctx):
    """(the sentence, whether it explains the whole difference) for a result whose dtype is not the
    check's: float32 in a float64 check (within float32's precision, it is the whole story), integers
    (truncated arithmetic) or booleans (a mask returned instead of the values it masks); else None."""
    if kind == np.dtype(ctx.dtype) or (kind.kind == "f" and kind.itemsize > np.dtype(ctx.dtype).itemsize):
        return None
    head = f"returned {kind.name} in a {ctx.dtype} check"
    if kind.kind == "b":
        return f"{head}: a comparison's mask (Z > 0) returned instead of the values it selects?", False
    if kind.kind in "iu":
        return (f"{head}: integer arithmetic (an array made from integers, np.zeros(..., dtype=int), or //?); "
                f"compute in {ctx.dtype}"), False
    rel = max_errors(y, e)[1] if np.all(np.isfinite(y)) else np.inf
    resolution = np.finfo(kind).eps
    if rel <= 1e3 * resolution:
        return (f"{head}: it agrees to {rel:.1e}, {kind.name}'s precision (unit roundoff {resolution / 2:.1e}); "
                f"compute in {ctx.dtype} (an .astype({kind.name}), or an array created as {kind.name}?)"), True
    return f"{head} (compute in {ctx.dtype})", False


def digits(a, b):
    """a and b printed with as many significant digits as it takes to tell them apart (at most 17)."""
    for k in range(4, 18):
        if f"{a:.{k}g}" != f"{b:.{k}g}":
            break
    return f"{a:.{k}g}", f"{b:.{k}g}"


def one_number(y, e, ctx):
    """A one-element quantity (J, a (1, 1) db): any two numbers are a constant factor of each other, and
    a one-element difference is an L2 term of any strength, so no such pattern is read from it. The
    numbers are said, and a ratio only where it is exactly one of the few a mistake makes (-1, m, 1/m,
    a fraction of denominator at most 4: a lost 1/2, a doubled term), to ``CLOSE``: a chance
    difference hits one with odds of about 1e-5."""
    if y.size != 1:
        return None
    a, b = float(y.ravel()[0]), float(e.ravel()[0])
    mine, theirs = digits(a, b)
    line = f"yours {mine}, expected {theirs}"
    tol = rtol_for(ctx.dtype)       # the dtype's own tolerance, as against autograd
    m, r = ctx.m, a / b if b else 0.0
    simple = Fraction(abs(r)).limit_denominator(4) if r else Fraction(0)
    if r and near(r, 1):
        return (f"{line}: {abs(a - b) / abs(b):.1e} apart (relative), above {ctx.dtype}'s {tol:.0e}: precision "
                f"lost (float32 arithmetic somewhere, or a constant rounded?)")
    if r and near(r, -1):
        return f"{line}, exactly its negative: sign flipped"
    sign = " and the sign flipped" if r < 0 else ""
    if r and m > 1 and near(abs(r), m):
        why = "summed over the examples instead of averaged?" if ctx.quantity == "J" else "the 1/m is missing"
        return f"{line}, exactly a factor m = {m}{sign}: {why}"
    if r and m > 1 and near(abs(r), 1 / m):
        return f"{line}, exactly a factor 1/m = 1/{m}{sign}: divided by m twice?"
    if r and simple and near(abs(r), float(simple)):
        return f"{line}, exactly a constant factor {'-' if r < 0 else ''}{simple}"
    return f"{line}: one number, so no pattern is read from it (any two are a constant factor of each other)"


def close(a, b):
    return a.shape == b.shape and max_errors(a, b)[1] <= CLOSE


def near(a, b):
    return abs(a - b) <= CLOSE * abs(b)


def shape(got, want, ctx):
    """Wrong shapes: summed over all axes, transposed, keepdims lost, not summed, a row short."""
    line = f"{got} where {want} expected"
    if len(want) == 2 and want[1] == 1 and want[0] > 1:
        if len(got) == 0 or got == (1, 1):
            return f"{line}: summed over all axes? Sum over the examples only: .sum(axis=1, keepdims=True)"
        if got == (want[0],):
            return f"{line}: keepdims lost? .sum(axis=1, keepdims=True) keeps the column"
        if len(got) == 2 and got[0] == want[0]:
            return f"{line}: not summed over the examples? .sum(axis=1, keepdims=True)"
        if len(got) == 2 and got[0] == 1:
            return f"{line}: summed over axis 0 (the units) instead of axis 1 (the examples)?"
    if len(want) == 2 and got == want[::-1]:
        return f"{line}: transposed? (the product's operands swapped, or a .T missing)"
    if len(got) == len(want) and got[0] == want[0] - 1 and got[1:] == want[1:]:
        return f"{line}: a row short: one-hot sized by the largest label seen?"
    return line


def non_finite(y, e, ctx):
    """NaN or inf in yours: how many, then the operation that first made one in the person's code
    (``ctx.origin``: log of 0, division by zero, overflow in exp, ... at file:line), found by running the
    batch again under NumPy's floating-point handling (``floating.py``); without it, NumPy's warning.
    A softmax is blamed only where the origin is one. Said before a colon, which ``carried`` keeps."""
    bad = int(np.size(y) - np.count_nonzero(np.isfinite(y)))
    if not bad:
        return None
    kinds = [k for k, hit in (("NaN", np.isnan(y).any()), ("inf", np.isposinf(y).any()),
                              ("-inf", np.isneginf(y).any())) if hit]
    what = " or ".join(kinds) if y.size == 1 else f"{bad} of {y.size} values are {' or '.join(kinds)}"
    if ctx.origin is not None:
        return f"{what}: {ctx.origin.sentence()}"
    warned = next((w for w in ctx.warnings if "overflow" in w or "invalid value" in w or "divide by zero" in w), None)
    return what + (f": NumPy warned {warned}" if warned else "")


def transposed(y, e, ctx):
    if e.ndim == 2 and e.shape[0] == e.shape[1] and close(y, e.T) and not close(e, e.T):
        return "transposed: yours is the expected matrix's transpose (the product's operands swapped?)"
    return None


def weight_not_transposed(y, e, ctx):
    """yours = W @ G where W.T @ G was expected (W square, so the shapes hide it)."""
    for w, W in ctx.params.items():
        if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] == 1:
            continue
        for g, G in ctx.expected.items():
            if np.ndim(G) == 2 and G.shape[0] == W.shape[0] and (W.shape[0], G.shape[1]) == e.shape \
                    and close(e, W.T @ G) and close(y, W @ G):
                return f"equals {w} @ {g} where {w}.T @ {g} is expected: a missing transpose"
    return None


def factor(y, e, ctx):
    """yours = c * expected for a constant c: a sign, a missing 1/m, another m, ..."""
    ee = float(np.vdot(e, e))
    c = float(np.vdot(y, e)) / ee if ee else 0.0
    if c == 0 or not close(y, c * e):
        return None
    m, a, sign = ctx.m, abs(c), (" and the sign flipped" if c < 0 else "")
    if near(c, 1):       # close but above the verdict's tolerance: no factor, a loss of precision
        rel = max_errors(y, e)[1]
        return (f"nearly equal: max relative error {rel:.1e}, above {ctx.dtype}'s tolerance but no pattern: "
                f"precision lost (float32 arithmetic somewhere, a constant rounded, an unstable formula?)")
    if near(c, -1):
        return "sign flipped: yours = -expected"
    if near(a, m):
        if ctx.quantity == "J":
            return f"a factor m = {m}{sign}: summed over the examples instead of averaged?"
        return f"a factor m = {m}{sign}: the 1/m is missing"
    if near(a, 1 / m):
        return f"a factor 1/m = 1/{m}{sign}: divided by m twice?"
    simple = Fraction(a).limit_denominator(4)
    if near(a, float(simple)):
        return f"a constant factor {'-' if c < 0 else ''}{simple}"
    k = m / a
    if k > 1 and near(k, round(k)):
        return (f"a factor {m}/{round(k)}{sign}: the m used ({round(k)}) is not the batch size ({m}); "
                f"a global m? Take m from the batch passed in (its number of examples)")
    return f"a constant factor {c:.4g}"


def bias_regularised(y, e, ctx):
    """The L2 term on the biases too, said before ``factor``: for a one-element db (or J), any
    difference is also a constant factor, and "a constant factor 1" would say nothing."""
    if not ctx.lam:
        return None
    if ctx.quantity == "J":
        c = regularisation.coefficient(ctx.penalty, ctx.lam, ctx.m)
        extra = c * sum(float(np.sum(np.square(v))) for k, v in ctx.params.items() if k.startswith("b"))
        if extra and near(float(np.sum(y - e)), extra) and y.size == 1:
            return (f"{regularisation.LOSS_TERM[ctx.penalty]} * b^2 added: the bias regularised? (L2 leaves "
                    f"biases out; Ng's theta[0])")
        return None
    line = l2_term(y, e, ctx) if ctx.quantity.startswith("db") else None
    term = regularisation.GRADIENT_TERM.get(ctx.penalty)     # None: a convention without an L2 term
    return line if line and term and line.startswith(term + " *") else None


def l2_term(y, e, ctx):
    """yours - expected = a * P for the parameter P of this gradient: an L2 term too many or too few."""
    name = ctx.quantity[1:]
    P = np.asarray(ctx.params.get(name, np.zeros(0)), dtype=np.float64)
    if not ctx.quantity.startswith("d") or P.shape != e.shape or not np.any(P):
        return None
    diff = y - e
    a = float(np.vdot(diff, P)) / float(np.vdot(P, P))
    if a == 0 or not close(diff, a * P):
        return None
    # the gradient's L2 term is 2c P for the loss's c P^2, c as the model's convention writes it
    unit = 2 * regularisation.coefficient(ctx.penalty, ctx.lam, ctx.m) if ctx.lam else None
    unit = unit or None                                  # penalty "none": no L2 term at all
    term = regularisation.GRADIENT_TERM.get(ctx.penalty)
    if name.startswith("b"):
        said = term if unit and near(a, unit) else f"{a:.3g}"
        return f"{said} * {name} added: the bias regularised? (L2 leaves biases out)"
    if unit is None:
        return f"{a:.3g} * {name} added: a regularisation term where the loss has none?"
    r = a / unit
    if near(r, -1):
        return f"the L2 term {term} * {name} is missing"
    if near(r, -0.5):
        c = regularisation.LOSS_TERM[ctx.penalty]
        return (f"half the L2 term: {c} * {name} where {term} * {name} belongs (the loss's "
                f"{c} copied; the derivative of {c} {name}^2 is {term} {name})")
    if near(r, 1):
        return f"the L2 term doubled: {regularisation.DOUBLED_TERM[ctx.penalty]} * {name} where {term} * {name} belongs"
    times = f"{r + 1:.3g} {term}" if " " not in term else f"{r + 1:.3g} x {term}"
    return f"the L2 term is {times} * {name} where {term} * {name} belongs"


DERIVATIVES = (  # (activation, its derivative written from its output A, that derivative)
    ("ReLU", "({A} > 0)", lambda A: (A > 0).astype(A.dtype)),
    ("sigmoid", "{A} (1 - {A})", lambda A: A * (1 - A)),
    ("tanh", "1 - {A}^2", lambda A: 1 - A ** 2),
)


def hidden_layer(y, e, ctx):
    """A hidden layer l's dZ_l, dW_l or db_l rebuilt from the layer above with one mistake: g' left out
    (dZ_l = dA_l), or W_{l+1} not transposed (dA_l = W_{l+1} dZ_{l+1}: the shapes hide it when W_{l+1}
    is square). The right value is dA_l = W_{l+1}^T dZ_{l+1}, dZ_l = dA_l * g'(A_l), dW_l = 1/m dZ_l
    A_{l-1}^T, db_l = 1/m sum_j dZ_l, from the references' dZ_{l+1} (per example) and the forward A;
    g' is whichever derivative (``DERIVATIVES``) rebuilds the expected value. An L2 term the expected
    dW_l has beside is carried over to each rebuilt mistake."""
    q = ctx.quantity
    layer = q[2:] if q[:2] in ("dZ", "dW", "db") else ""
    if not layer.isdigit():
        return None
    l = int(layer)
    W, G, A = ctx.params.get(f"W{l + 1}"), ctx.expected.get(f"dZ{l + 1}"), ctx.forward.get(f"A{l}")
    below = ctx.X if l == 1 else ctx.forward.get(f"A{l - 1}")
    if W is None or G is None or A is None or (q[:2] == "dW" and below is None):
        return None
    W, G, A = (np.asarray(v, dtype=np.float64) for v in (W, G, A))
    if W.ndim != 2 or G.ndim != 2 or W.shape[0] != G.shape[0] or A.shape != (W.shape[1], G.shape[1]):
        return None
    m = G.shape[1]

    def then(dZ):   # the quantity asked for, from a dZ_l
        if q[:2] == "dZ":
            return dZ
        if q[:2] == "dW":
            return dZ @ np.asarray(below, dtype=np.float64).T / m
        return dZ.sum(axis=1, keepdims=True) / m

    P = np.asarray(ctx.params.get(f"W{l}", np.zeros(0)), dtype=np.float64)
    for activation, formula, derivative in DERIVATIVES:
        F = derivative(A)
        right = then((W.T @ G) * F)
        if right.shape != e.shape:
            return None
        extra = e - right               # nothing, or the L2 term of dW_l
        if not (close(right, e) or (q[:2] == "dW" and P.shape == e.shape and proportional(extra, P))):
            continue
        said = formula.format(A=f"A{l}")
        square = f"W{l + 1} is square, so the shapes do not show it"   # W @ G has dA's shape only then
        mistakes = [(then(W.T @ G), f"the {activation} derivative {said} is missing from dZ{l}: left out? (dZ{l} = "
                                    f"dA{l} where dZ{l} = dA{l} * {said} belongs)"),
                    *([(then((W @ G) * F), f"W{l + 1} is not transposed: dA{l} = W{l + 1} @ dZ{l + 1} where "
                                            f"W{l + 1}.T @ dZ{l + 1} belongs ({square})"),
                       (then(W @ G), f"W{l + 1} is not transposed ({square}) and the {activation} derivative "
                                     f"{said} is missing from dZ{l}")] if W.shape[0] == W.shape[1] else [])]
        for wrong, line in mistakes:
            wrong = wrong + extra
            if not close(wrong, e) and close(y, wrong):
                return line + ("" if q[:2] == "dZ" else f" (seen in {q})")
        return None
    return None


def proportional(d, P):
    """Whether d = a P for some a (an L2 term of P), P not zero."""
    pp = float(np.vdot(P, P))
    return pp > 0 and close(d, float(np.vdot(d, P)) / pp * P)


def activation_derivative(y, e, ctx):
    """dZ = dA * g'(Z) with g' left out, or another activation's derivative multiplied in."""
    layer = "A" + ctx.quantity[2:]
    A = ctx.forward.get(layer) if ctx.quantity.startswith("dZ") else None
    if A is None or np.shape(A) != e.shape:
        return None
    for activation, formula, derivative in DERIVATIVES:
        F = derivative(np.asarray(A, dtype=np.float64))
        said = formula.format(A=layer)
        if np.all(F == 1):
            continue
        if close(e, y * F):
            return f"the {activation} derivative {said} is missing from {ctx.quantity}: left out?"
        if close(y, e * F):
            return (f"yours is expected times {said}, {activation}'s derivative: {activation}'s derivative "
                    f"used for another activation?")
    return None


def few_elements(y, e, ctx):
    """At most three elements differ: an off-by-one in a loop, a stray index."""
    scale = max(float(np.max(np.abs(y))), float(np.max(np.abs(e)))) if e.size else 0.0
    bad = np.argwhere(np.abs(y - e) > CLOSE * scale)
    if not 0 < len(bad) <= 3 or e.size < 4:
        return None
    at = ", ".join(str(tuple(int(i) for i in b)) for b in bad)
    hint = ""
    if len(bad) == 1:
        edges = [(i, n) for i, n in zip(bad[0], e.shape) if n > 1]
        if any(i == 0 for i, _ in edges):
            hint = " (a loop starting at 1?)"
        elif any(i == n - 1 for i, n in edges):
            hint = " (a loop stopping one short?)"
    return f"only {len(bad)} of {e.size} elements differ, at {at}{hint}"


def changed_input(quantity, warnings):
    """For a forward value (or any input) the person's later call changed in place (``watching.changed_in_place``
    notes among the run's ``warnings``): a sentence saying so, since the difference is then not the
    forward pass's; None otherwise."""
    for w in warnings:
        said = w[len(IN_PLACE):] if w.startswith(IN_PLACE) else ""
        if said and (f" changed {quantity} in place" in said or f"[{quantity!r}] in place" in said):
            return (f"not the forward pass: {said.split('; the ')[0]} after it was returned, so the {quantity} "
                    f"compared is the changed one (change a copy, {quantity}.copy(), or write a new array)")
    return None


def input_changed(warnings):
    """For a gradient that disagrees while the person's call changed one of its inputs in place (X, Y, a
    parameter: ``watching.changed_in_place`` notes): the clause that says so, since every gradient computed
    from that input after the change is computed from the changed one; "" when none was changed."""
    said = next((w[len(IN_PLACE):] for w in warnings if w.startswith(IN_PLACE)), "")
    return f"; and {said.split('; the ')[0]}: what is computed from it after that line uses the changed values" \
        if said else ""


def failure_hint(Y):
    """For a call that fails on a batch without its last class: the one-hot sized by the largest label."""
    Y = np.asarray(Y)
    if Y.ndim == 2 and Y.shape[0] > 1 and not Y[-1].any():
        last = Y.shape[0] - 1
        return (f"this batch has no label {last}: a one-hot sized by the largest label seen (Y.max() + 1) "
                f"has fewer than {last + 1} rows? Size it by the number of classes")
    return ""

