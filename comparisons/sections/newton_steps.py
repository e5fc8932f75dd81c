"""Report sections: Newton's method on the hand-derived Hessian, step by step, and its solution
against scikit-learn's.

Newton (``manual/newton.py``) starts from W = 0, b = 0 (the usual start of iteratively reweighted
least squares, where every a_j = 1/2 and H is well conditioned) on all of the model's built-in
data, and stops when max|dJ/dtheta| falls below sqrt(eps) of the dtype times its starting value.
In float64 its solution is compared with scikit-learn's ``LogisticRegression(C=1/lambda,
solver="newton-cholesky")``, whose objective C sum_j L_j + 1/2 ||w||^2 (intercept unpenalised) is
m/lambda times J: the same minimiser.
"""

import numpy as np
import pandas as pd

from comparisons.agreement import all_agree, compare
from comparisons.agreement import Result
from comparisons.sections import Section

MAX_ITER = 20
SHOWN = ["dtype", "pair", "quantity", "max_abs", "max_rel", "rtol", "verdict"]


def newton_run(model, dtype, seed):
    """The ``NewtonRun`` of the model's manual derivation from zeros on its built-in data, and the data."""
    from manual.newton import newton

    data = model.data(None, seed, np.dtype(dtype))
    start = {k: np.zeros(s, np.dtype(dtype)) for k, s in model.manual.param_shapes().items()}
    return newton(model.manual, start, data.X, data.Y, max_iter=MAX_ITER), data


def sklearn_logistic(X, Y, lam):
    """scikit-learn's minimiser {W (1, n), b (1, 1)} of the same J, solved to a tight tolerance."""
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1 / lam, solver="newton-cholesky", tol=1e-12, max_iter=100).fit(X.T, Y.ravel())
    return {"W": fit.coef_.astype(X.dtype), "b": fit.intercept_.reshape(1, 1).astype(X.dtype)}


def newton_sections(model, dtypes, seed):
    """[Section, Section]: the Newton steps for each dtype; Newton's solution vs scikit-learn's (float64)."""
    steps, converged, rows = [], {}, []
    for dtype in dtypes:
        run, data = newton_run(model, dtype, seed)
        name = np.dtype(dtype).name
        steps += [{"dtype": name, **s} for s in run.steps]
        converged[name] = run.converged
        if name == "float64" and model.manual.lam > 0:
            ours = Result("manual Newton", model.manual.loss(run.params, data.X, data.Y), run.params)
            theirs_params = sklearn_logistic(data.X, data.Y, model.manual.lam)
            theirs = Result("scikit-learn", model.manual.loss(theirs_params, data.X, data.Y), theirs_params)
            rows += compare(ours, theirs, model.name)
    lam = model.manual.lam
    text = (f"θ_(k+1) = θ_k - H_k⁻¹ g_k with the hand-derived g and H (H_k δ = -g_k solved by LU, never "
            f"inverted), λ = {lam:g}, from W = 0, b = 0 on all of the built-in data; grad_max = "
            f"max|g_k|, step_max = max|θ_k - θ_(k-1)|. Stops when grad_max <= sqrt(eps) x grad_max at "
            f"step 0. " + "; ".join(f"{d}: {'converged' if ok else 'NOT converged'} after "
                                    f"{sum(s['dtype'] == d for s in steps) - 1} steps" for d, ok in converged.items())
            + ".")
    sections = [Section(model.name, "Newton steps", pd.DataFrame(steps), text, ok=all(converged.values()))]
    if rows:
        sections.append(Section(
            model.name, "Newton solution vs scikit-learn", pd.DataFrame(rows)[SHOWN],
            f"W, b from Newton (float64) against scikit-learn's LogisticRegression(C=1/λ = {1 / lam:g}, "
            "solver='newton-cholesky', tol=1e-12); J is the manual loss at each.", ok=all_agree(rows)))
    return sections
