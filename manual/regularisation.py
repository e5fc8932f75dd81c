"""L2 regularisation as the curricula write it: one penalty c ||W||^2, conventions for its coefficient c.

The same idea, three ways of writing its strength (the weights only: biases are never penalised):

    lambda/2m   J_reg = lambda/(2m) sum ||W||^2     dW += lambda/m W     Ng's course, this catalogue's default
    reg         J_reg = reg sum ||W||^2             dW += 2 reg W        CS231n (the current assignments)
    half_reg    J_reg = 0.5 reg sum ||W||^2         dW += reg W          CS231n (the older assignments)
    none        J_reg = 0                           dW += 0              deeplearning.ai's course 1

Every model with an L2 term takes ``penalty`` (one of ``PENALTIES``) beside ``lam`` (its strength, read
as lambda or reg) and writes ``coefficient(penalty, lam, m) * sum ||W||^2`` and, in the backward,
``2 * coefficient(...) * W``: the derivation d/dW (c ||W||^2) = 2 c W whatever c is. With ``lambda/2m``
the coefficient depends on the batch size m, so the same lambda penalises a small batch more per example.
"""

PENALTIES = ("lambda/2m", "reg", "half_reg", "none")
DEFAULT = "lambda/2m"
FORMULA = {"lambda/2m": "lambda/(2m) sum ||W||^2", "reg": "reg sum ||W||^2",
           "half_reg": "0.5 reg sum ||W||^2", "none": "no penalty"}

# The words for the coefficients, per convention: the loss's c (also half the gradient's term, the
# slip of copying the loss's coefficient into dW), the gradient's 2c, and twice that (the term doubled).
LOSS_TERM = {"lambda/2m": "lambda/(2m)", "reg": "reg", "half_reg": "0.5 reg"}
GRADIENT_TERM = {"lambda/2m": "lambda/m", "reg": "2 reg", "half_reg": "reg"}
DOUBLED_TERM = {"lambda/2m": "2 lambda/m", "reg": "4 reg", "half_reg": "2 reg"}


def check_penalty(penalty):
    """``penalty`` if it is one of ``PENALTIES``; a ValueError naming them otherwise."""
    if penalty not in PENALTIES:
        raise ValueError(f"unknown penalty {penalty!r}; expected one of {', '.join(PENALTIES)} "
                         f"({'; '.join(f'{p}: {f}' for p, f in FORMULA.items())})")
    return penalty


def coefficient(penalty, lam, m):
    """c in J_reg = c sum ||W||^2: lambda/(2m), reg, reg/2 or 0 (a float; m the batch size)."""
    if penalty == "lambda/2m":
        return lam / (2 * m)
    if penalty == "reg":
        return lam
    if penalty == "half_reg":
        return lam / 2
    if penalty == "none":
        return 0.0
    check_penalty(penalty)          # raises: an unknown convention
    raise AssertionError(penalty)


def describe(penalty, lam):
    """e.g. ``lambda=0.1`` (the default), ``reg=0.5 (reg sum ||W||^2)``, ``no penalty``."""
    if penalty == "none" or lam == 0:
        return "lambda=0" if penalty == DEFAULT else "no penalty"
    name = "lambda" if penalty == DEFAULT else "reg"
    return f"{name}={lam:g}" + ("" if penalty == DEFAULT else f" ({FORMULA[penalty]})")
