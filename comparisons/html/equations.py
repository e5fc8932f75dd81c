"""The derivations' equations in LaTeX, one per quantity, for the HTML report: forward (Z1 = W1 X + b1,
...), the loss J, then the backward pass (dZ2 = A2 - Y, dW2 = 1/m dZ2 A1^T, ...).

One table per manual module, the equations its docstrings and comments state (``manual/seed_net.py``,
``manual/mlp.py``, ...). Where a module is configured (the MLP's layers, activations and loss; the L2
penalty's convention), the equations are written from the configuration, so ``mlp_deep`` shows its
three layers and ``cs231n_two_layer`` its ``reg ||W||^2``. ``equations(model)`` returns them as
``{quantity: latex}`` in the derivation's order; ``comparisons.html.maths`` turns them into MathML.

Intermediates are per example (``dZ2 = A2 - Y`` is m dJ/dZ2 of the mean loss), as the manual tree writes
them; parameter gradients are dJ/dθ.
"""

SUM_J = r"\frac{1}{m}\sum_{j=1}^{m}"

# The penalty's term in J and in dW, per convention (manual/regularisation.py), for a weight named W.
PENALTY_J = {"lambda/2m": r"\frac{\lambda}{2m}", "reg": r"\mathrm{reg}", "half_reg": r"\frac{1}{2}\mathrm{reg}"}
PENALTY_DW = {"lambda/2m": r"\frac{\lambda}{m}", "reg": r"2\,\mathrm{reg}", "half_reg": r"\mathrm{reg}"}

# Hidden activations g (manual/activations.py) and their derivatives g'(Z), as the backward writes them;
# "@Z" and "@A" stand for the layer's Z_l and A_l (``fill``).
HIDDEN = {
    "relu": (r"\max(0, @Z)", r"\mathbb{1}[@Z > 0]"),
    "leaky_relu": (r"\max(0.01\,@Z, @Z)", r"(\mathbb{1}[@Z > 0] + 0.01\,\mathbb{1}[@Z \le 0])"),
    "tanh": (r"\tanh(@Z)", r"(1 - @A^{2})"),
    "sigmoid": (r"\sigma(@Z)", r"@A \odot (1 - @A)"),
    "identity": (r"@Z", r"1"),
}
OUTPUT = {"softmax": r"\operatorname{softmax}(@Z)", "sigmoid": r"\sigma(@Z)", "identity": r"@Z"}
LOSS = {   # the mean loss's data term from the output A (or the logits Z) and Y
    "cross_entropy": "-" + SUM_J + r"\sum_{k} Y_{kj} \log @A_{kj}",
    "binary_cross_entropy": "-" + SUM_J + r"\sum_{k} \left[Y_{kj} \log @A_{kj} + (1 - Y_{kj}) \log(1 - @A_{kj})\right]",
    "mse": SUM_J + r"\frac{1}{2}\sum_{k} (@Z_{kj} - Y_{kj})^{2}",
}


def fill(template, Z="Z", A="A"):
    """``template`` with "@Z" and "@A" replaced by the layer's names, e.g. Z_{1}: brackets keep the
    layer's subscript apart from an element's (``Z_{2}`` then ``_{kj}`` reads (Z_2)_kj)."""
    return template.replace("@Z", "{" + Z + "}").replace("@A", "{" + A + "}")


def sub(name, l):
    """``name`` with its layer as a subscript: W_{1}; no layer (the linear models): W."""
    return f"{name}_{{{l}}}" if l != "" else name


def penalty_terms(penalty, lam, weights):
    """(J's penalty, dW's term as a function of the weight's LaTeX): empty where there is none."""
    if penalty == "none" or penalty not in PENALTY_J:
        return "", lambda W: ""
    norms = " + ".join(rf"\lVert {w} \rVert^{{2}}" for w in weights)
    return (rf" + {PENALTY_J[penalty]}\left({norms}\right)" if len(weights) > 1 else
            rf" + {PENALTY_J[penalty]}{norms}"), (lambda W: rf" + {PENALTY_DW[penalty]} {W}")


def layered(sizes, activations, output, loss, penalty="lambda/2m", lam=0.0):
    """{quantity: latex} of an L-layer network (manual/mlp.py; the seed and course networks are L = 2)."""
    L = len(sizes) - 1
    Z, A, W, b = (lambda l: sub("Z", l)), (lambda l: sub("A", l)), (lambda l: sub("W", l)), (lambda l: sub("b", l))
    prev = lambda l: "X" if l == 1 else A(l - 1)                          # A_0 = X
    eq = {}
    for l in range(1, L + 1):
        eq[f"Z{l}"] = rf"{Z(l)} = {W(l)} {prev(l)} + {b(l)}"
        g = OUTPUT[output] if l == L else HIDDEN[activations[l - 1]][0]
        eq[f"A{l}"] = rf"{A(l)} = " + fill(g, Z(l))
    j_penalty, dw_penalty = penalty_terms(penalty, lam, [W(l) for l in range(1, L + 1)])
    eq["J"] = "J = " + fill(LOSS[loss], Z(L), A(L)) + j_penalty
    eq[f"dZ{L}"] = rf"d{Z(L)} = {A(L)} - Y"
    for l in range(L, 0, -1):
        eq[f"dW{l}"] = rf"d{W(l)} = \frac{{1}}{{m}} d{Z(l)}\, {prev(l)}^{{\top}}" + dw_penalty(W(l))
        eq[f"db{l}"] = rf"d{b(l)} = {SUM_J} {{d{Z(l)}}}_{{:,j}}"   # column j of dZ_l
        if l > 1:
            eq[f"dA{l - 1}"] = rf"d{A(l - 1)} = {W(l)}^{{\top}} d{Z(l)}"
            g_prime = fill(HIDDEN[activations[l - 2]][1], Z(l - 1), A(l - 1))
            eq[f"dZ{l - 1}"] = rf"d{Z(l - 1)} = d{A(l - 1)} \odot {g_prime}"
    return eq


def linear(kind, penalty="lambda/2m", lam=0.0, bias=True):
    """{quantity: latex} of a linear model Z = W X + b with the loss ``kind`` (manual/linear_model.py)."""
    eq = {"Z": r"Z = W X + b" if bias else r"Z = W X"}
    j_penalty, dw_penalty = penalty_terms(penalty, lam, ["W"])
    if kind == "linear_regression":
        eq["J"] = r"J = \frac{1}{2m}\sum_{j=1}^{m} (z_j - y_j)^{2}" + j_penalty
        eq["dZ"] = r"dZ = Z - Y"
    elif kind == "logistic_regression":
        eq["A"] = r"A = \sigma(Z) = \frac{1}{1 + e^{-Z}}"
        eq["J"] = ("J = " + SUM_J + r"\left[y_j \operatorname{softplus}(-z_j) + (1 - y_j) \operatorname{softplus}(z_j)\right]"
                   + j_penalty)
        eq["dZ"] = r"dZ = A - Y"
    elif kind == "softmax_regression":
        eq["A"] = r"A = \operatorname{softmax}(Z)"
        eq["J"] = "J = -" + SUM_J + r"\sum_{k} Y_{kj} \log A_{kj}" + j_penalty
        eq["dZ"] = r"dZ = A - Y"
    elif kind == "svm":
        eq["D"] = r"D_{kj} = z_{kj} - z_{y_j j} + \Delta,\quad \Delta = 1"
        eq["J"] = "J = " + SUM_J + r"\sum_{k \ne y_j} \max(0, D_{kj})" + j_penalty
        eq["P"] = r"P_{kj} = \mathbb{1}[D_{kj} > 0]\,(k \ne y_j)"
        eq["dZ"] = r"dZ = P - Y \odot (\mathbf{1}^{\top} P)"
    eq["dW"] = r"dW = \frac{1}{m} dZ\, X^{\top}" + dw_penalty("W")
    if bias:
        eq["db"] = rf"db = {SUM_J} dZ_{{:,j}}"
    return eq


LINEAR = ("linear_regression", "logistic_regression", "softmax_regression", "svm")


def equations(model):
    """{quantity: latex} for a catalogue ``Model`` (its config taken into account), in the derivation's
    order: forward, J, backward. A KeyError names a module this table does not know."""
    config, module = dict(model.config), model.module
    if module in LINEAR:
        return linear(module, config.get("penalty", "lambda/2m"), config.get("lam", 0.0), config.get("bias", True))
    if module == "seed_net":
        return layered((784, 10, 10), ("relu",), "softmax", "cross_entropy", "none")
    if module == "course_net":
        sizes = (config.get("n_x", 400), config.get("n_h", 25), config.get("n_y", 10))
        return layered(sizes, ("sigmoid",), "sigmoid", "binary_cross_entropy", "lambda/2m", config.get("lam", 1.0))
    if module == "mlp":
        c = model.manual.config        # the checked Config: the loss chosen for the output where not given
        return layered(c.sizes, c.activations, c.output, c.loss, c.penalty, c.lam)
    raise KeyError(f"no equations for the manual module {module!r}; expected one of "
                   f"{', '.join(LINEAR + ('seed_net', 'course_net', 'mlp'))} (comparisons/html/equations.py)")
