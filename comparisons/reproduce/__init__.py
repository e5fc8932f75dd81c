"""``handgrad reproduce``: the curricula's published gradient-check figures, recomputed on their
published test cases.

Each case is written here from the course's own description (its seeds, shapes, initialisation and
formulas), in the course's layout, and run through the course's own recipe
(``comparisons.numerical.recipes``). Each row gives the source, the published value as printed,
handgrad's value, how they are compared, and whether they agree. A figure decided by the gradient
(0.285 with the planted bugs, a loss) is compared to every printed digit. A figure at rounding level
(a right gradient's difference: 1.19e-7, 2.3e-11) depends on the order of floating-point operations
in the course's code and its machine; a row says so, and compares what the course claims of it
(its order of magnitude, its threshold), or its printed digits where the same operations reproduce
them exactly.

The random streams: ``np.random.seed(s)`` followed by ``randn`` is NumPy's legacy Mersenne Twister
with its polar Gaussian, which ``np.random.RandomState(s)`` reproduces exactly without touching the
global state. Ng's case has no randomness at all (``debugInitializeWeights`` is sin(1:n) / 10,
filled column by column).

The cases are also fixtures (``CASES``): each gives the model in the project's contract with its
parameters and batch in the project's layout (X (n, m) columns as examples, one-hot Y (K, m)), so
``check`` and the tests run the witness on exactly the published case.

Modules: ``digits`` (a row, and how a value is held against the published text), ``published`` (the
three cases in the courses' layouts, with their rows); here, the cases as fixtures and the report.
"""

from dataclasses import dataclass, field

import numpy as np

from comparisons.reproduce.digits import EXACT, Row, below, order, printed, significant
from comparisons.reproduce.published import (CORRECT_SCORES, CS231N_SOURCE, DLAI_SOURCE, NG_SOURCE,
                                             cs231n_rows, cs231n_test_case, debug_initialize_weights,
                                             dlai_backward, dlai_forward, dlai_rows, dlai_test_case, dlai_why,
                                             ng_difference, ng_rows, ng_test_case, nn_cost_function,
                                             sigmoid_gradient, two_layer_loss)

__all__ = ["CASES", "CORRECT_SCORES", "Case", "EXACT", "Row", "below", "cs231n_test_case", "debug_initialize_weights",
           "dlai_backward", "dlai_forward", "dlai_test_case", "dlai_why", "ng_difference", "ng_test_case",
           "nn_cost_function", "order", "printed", "report", "rows", "significant", "sigmoid_gradient",
           "two_layer_loss"]


# --- The cases as fixtures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A published case in the project's contract: ``model`` (the manual contract), ``params``,
    X (n, m), one-hot Y (K, m); ``catalogue``: the catalogue entry whose derivation it is; ``source``:
    the course and exercise; ``setup``: the case as the course draws it."""

    name: str
    source: str
    setup: str
    catalogue: str
    model: object
    params: dict
    X: np.ndarray
    Y: np.ndarray
    rows: callable = field(repr=False, default=None)


def column(b):
    return np.asarray(b, dtype=np.float64).reshape(-1, 1)


def make_cases():
    from manual import course_net, mlp

    X, Y, p = dlai_test_case()
    dlai = Case("dlai", DLAI_SOURCE, "gradient_check_n_test_case: seed 1, X (4, 3), Y = [1, 1, 0], W1 (5, 4) .. "
                "b3 (1, 1) by randn; 4-5-3-1 ReLU/ReLU/sigmoid; epsilon 1e-7", "dlai_gradcheck",
                mlp.configure((4, 5, 3, 1), ("relu", "relu"), "sigmoid", penalty="none"),
                p, X, Y.reshape(1, -1).astype(np.float64), dlai_rows)
    X, y, t = ng_test_case()
    ng = Case("ng", NG_SOURCE, "checkNNGradients: 3-5-3 sigmoid, m = 5, debugInitializeWeights (sin, column-major), "
              "y = 1 + mod(1:m, 3); e = 1e-4", "course_net", course_net.configure(3, 5, 3, lam=3.0),
              dict(W1=t["Theta1"][:, 1:], b1=t["Theta1"][:, :1], W2=t["Theta2"][:, 1:], b2=t["Theta2"][:, :1]),
              X.T.copy(), np.eye(3)[y - 1].T.copy(), ng_rows)
    X, y, p = cs231n_test_case()
    cs = Case("cs231n", CS231N_SOURCE, "init_toy_model: seed 0, TwoLayerNet(4, 10, 3, std=1e-1); init_toy_data: "
              "seed 1, X = 10 randn(5, 4), y = [0, 1, 2, 2, 1]; reg 0.05; h = 1e-5", "cs231n_two_layer",
              mlp.configure((4, 10, 3), ("relu",), "softmax", lam=0.05, penalty="reg"),
              dict(W1=p["W1"].T.copy(), b1=column(p["b1"]), W2=p["W2"].T.copy(), b2=column(p["b2"])),
              X.T.copy(), np.eye(3)[y].T.copy(), cs231n_rows)
    return {c.name: c for c in (dlai, ng, cs)}


CASES = make_cases()


def witness_line(case, backward=None, what="the project's derivation"):
    """handgrad's own witness on the case: the project's derivation (or ``backward``) quantity by quantity,
    and the whole unrolled vector's two norm ratios."""
    from comparisons.numerical.checks import check_rows, manual_result, whole_row
    from comparisons.numerical.scores import localize
    from comparisons.numerical.witness import witness

    manual = manual_result(case.model, case.params, case.X, case.Y, backward)
    w = witness(case.model, case.params, case.X, case.Y)
    rows = check_rows(manual, w, case.catalogue)
    whole = whole_row(manual, w)
    found = localize(rows, list(manual.grads))
    verdict = (f"every quantity agrees (worst max_rel {max(r['max_rel'] for r in rows):.1e})" if found.first is None
               else f"{', '.join(r['quantity'] for r in rows if r['verdict'] != 'agree')} disagree, the first "
                    f"wrong line in backward order {found.first}")
    plan = "every element" if w.plan.full else w.plan.describe()
    return (f"handgrad's witness ({w.method}, {plan}) on {what} ({case.catalogue}, the case in the "
            f"project's layout): {verdict}; over all parameters unrolled, Ng's ratio {whole['ng']:.2e}, "
            f"deeplearning.ai's {whole['dlai']:.2e}.")


BUGS = "the notebook's planted bugs (dW2 doubled, db1 with 4/m)"


def witness_lines():
    """One line per case, and the deeplearning.ai case's planted bugs caught by the witness."""
    dlai = CASES["dlai"]

    def planted(params, cache, X, Y):
        grads = dict(dlai.model.backward(params, cache, X, Y))
        return {**grads, "dW2": 2 * grads["dW2"], "db1": 4 * grads["db1"]}

    return [*(f"- {witness_line(c)}" for c in CASES.values()),
            f"- {witness_line(dlai, planted, BUGS)}"]


# --- handgrad reproduce -------------------------------------------------------------------------------------


def rows():
    """Every case's rows, in ``CASES`` order."""
    return [r for case in CASES.values() for r in case.rows()]


KEYS = ["figure", "published", "handgrad", "agrees"]   # where from and how compared: in the files


def report(found=None, out=None):
    """``(text, {file name: text}, ok)``: the table, the notes, and whether every row agrees.

    The text fits the terminal (``comparisons.terminal``): each table narrowed to its ``KEYS`` where it
    must be, with a line naming the files in ``out`` that hold every column (or the option that writes
    them)."""
    import pandas as pd

    from comparisons.terminal import every_column, fit_table, wrap_notes

    found = rows() if found is None else found
    everything = every_column(out, ["reproduce.md", "reproduce.csv"])
    table = pd.DataFrame([r.as_dict() for r in found])
    blocks, md = [], []
    for name in table["case"].unique():
        part = table[table["case"] == name].drop(columns=["case", "note"])
        case = CASES.get(name)
        title = f"{case.source} ({case.setup})" if case else name
        blocks += [wrap_notes(title), fit_table(part, KEYS, note=everything), ""]
        md += [f"## {title}", part.to_markdown(index=False)]
    notes = [f"- {r.case}, {r.figure}: {r.note}." for r in found if r.note]
    ok = all(r.agrees for r in found)
    verdict = (f"VERDICT: all {len(found)} published figures reproduced." if ok else
               f"VERDICT: {sum(not r.agrees for r in found)} of {len(found)} published figures not reproduced: "
               + ", ".join(f"{r.case} {r.figure}" for r in found if not r.agrees))
    why, witness = dlai_why(), witness_lines()
    intro = ("handgrad reproduce: the curricula's published gradient-check figures, recomputed on their "
             "published test cases (written from the courses' descriptions).")
    text = "\n".join([wrap_notes(intro), "", *blocks, wrap_notes("\n".join(["Notes:", *notes, "", why, "",
                                                                       "Beside the courses' recipes:", *witness,
                                                                       "", verdict]))])
    md = "\n\n".join(["# handgrad reproduce", *md, "## Notes", "\n".join(notes), why,
                       "## Beside the courses' recipes", "\n".join(witness), verdict])
    return text, {"reproduce.md": md + "\n", "reproduce.csv": table.to_csv(index=False)}, ok
