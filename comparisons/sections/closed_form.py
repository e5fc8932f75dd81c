"""Report section: linear regression's closed form by hand, by PyTorch and JAX lstsq, by scikit-learn.

For lambda = 0 and the catalogue entry's lambda, on all of the built-in diabetes data: the manual
solution (centred normal equation with ridge, solved by SVD least squares) against
``torch.linalg.lstsq`` and ``jnp.linalg.lstsq`` of the uncentred augmented system, and against
scikit-learn's ``LinearRegression`` (lambda = 0) or ``Ridge(alpha=lambda)``, which minimises
||y - X w - b||^2 + alpha ||w||^2 with an unpenalised intercept: 2m times J, the same minimiser.
Each solution is a ``Result`` with grads {"W", "b"} and the manual J at it, compared by ``compare``;
one more row checks that the manual gradient vanishes there.
"""

import numpy as np
import pandas as pd

from comparisons.agreement import AGREE, DISAGREE, all_agree, compare
from comparisons.agreement import Result
from comparisons.sections import Section
from comparisons.agreement import rtol_for

COLUMNS = ["dtype", "lambda", "pair", "quantity", "max_abs", "max_rel", "rtol", "verdict"]


def sklearn_solve(X, Y, lam=0.0):
    """scikit-learn's minimiser {W (1, n), b (1, 1)}: LinearRegression for lambda = 0, else Ridge."""
    from sklearn.linear_model import LinearRegression, Ridge

    estimator = (LinearRegression() if lam == 0 else Ridge(alpha=lam)).fit(X.T, Y.ravel())
    return {"W": estimator.coef_.reshape(1, -1).astype(X.dtype),
            "b": np.full((1, 1), estimator.intercept_, dtype=X.dtype)}


def solutions(X, Y, lam):
    """{source: {W, b}}: the manual closed form, PyTorch's and JAX's lstsq, scikit-learn's."""
    from manual import normal_equation
    from reference.jax_ad import normal_equation as jax_normal_equation
    from reference.torch_ad import normal_equation as torch_normal_equation

    return {"manual": normal_equation.solve(X, Y, lam), "torch": torch_normal_equation.solve(X, Y, lam),
            "jax": jax_normal_equation.solve(X, Y, lam), "scikit-learn": sklearn_solve(X, Y, lam)}


def stationarity_row(model_name, solution, X, Y, lam):
    """A row: max|dJ/dtheta| by the manual backward at the solution, relative to its value at theta = 0."""
    from manual import linear_regression

    def grad_max(params):
        _, cache = linear_regression.forward(params, X)
        grads = linear_regression.backward(params, cache, X, Y, lam)
        return max(float(np.abs(grads["dW"]).max()), float(np.abs(grads["db"]).max()))

    at_zero = grad_max({k: np.zeros_like(v) for k, v in solution.items()})
    max_abs = grad_max(solution)
    max_rel = max_abs / at_zero if at_zero > 0 else 0.0
    rtol = rtol_for(X.dtype)
    return dict(model=model_name, quantity="dJ/dθ at the solution", dtype=X.dtype.name,
                pair="manual backward", max_abs=max_abs, max_rel=max_rel, rtol=rtol,
                verdict=AGREE if max_rel <= rtol else DISAGREE)


def closed_form_section(model, dtypes, seed):
    """[Section]: the closed-form coefficients from four solvers, for lambda = 0 and the model's lambda."""
    from manual import linear_regression

    rows = []
    for lam in sorted({0.0, model.manual.lam}):
        for dtype in dtypes:
            data = model.data(None, seed, np.dtype(dtype))
            found = solutions(data.X, data.Y, lam)
            results = {s: Result(s, linear_regression.loss(p, data.X, data.Y, lam), p) for s, p in found.items()}
            for other in ("torch", "jax", "scikit-learn"):
                rows += [{**r, "lambda": lam} for r in compare(results["manual"], results[other], model.name)]
            rows.append({**stationarity_row(model.name, found["manual"], data.X, data.Y, lam), "lambda": lam})
    text = ("W, b minimising J; J is the manual loss at each solution. manual: b = ȳ - W x̄ and "
            "(Xc Xc^T + λI) W^T = Xc Yc^T, solved as least squares on [Xc^T; √λ I] by SVD "
            "(manual/normal_equation.py); torch/jax: their lstsq on the uncentred [X^T 1; √λ I 0]; "
            "scikit-learn: LinearRegression (λ = 0) or Ridge(alpha=λ), whose objective is 2m J. "
            "Last row per λ and dtype: the manual gradient at the manual solution, relative to "
            "its value at W = 0, b = 0.")
    return [Section(model.name, "closed form", pd.DataFrame(rows)[COLUMNS], text, ok=all_agree(rows))]
