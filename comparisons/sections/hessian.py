"""Report section: a model's hand-derived Hessian against ``torch.func.hessian`` and ``jax.hessian``.

H = d^2 J / d theta^2 with theta every parameter flattened row by row, parameters in
``param_shapes`` order (W, then b): a (P, P) matrix. Each source's H goes into a ``Result`` as
``grads={"H": H}`` beside its loss J, and the rows come from the one comparison primitive,
``compare``, with the same tolerance table as the gradients.
"""

from itertools import combinations

import numpy as np
import pandas as pd

from comparisons.agreement import all_agree, compare
from comparisons.agreement import Result
from comparisons.sections import Section

M = 300  # examples: autograd builds H from P reverse passes (650 for softmax regression), kept quick
COLUMNS = ["dtype", "pair", "quantity", "shape_a", "shape_b", "max_abs", "max_rel", "rtol", "verdict"]


def hessian_results(model, params, X, Y, sources=("torch", "jax")):
    """{source: Result(loss J, grads {"H": (P, P)})} for the manual derivation and the ``sources``."""
    from reference.jax_ad import autograd as jax_autograd
    from reference.torch_ad import autograd as torch_autograd

    manual = model.manual
    manual.check_inputs(params, X, Y)
    params = {k: params[k] for k in manual.param_shapes()}          # theta's order: param_shapes
    results = {"manual": Result("manual", manual.loss(params, X, Y), {"H": manual.hessian(params, X, Y)})}
    drivers = {"torch": torch_autograd, "jax": jax_autograd}
    for source in sources:
        J, H = drivers[source].loss_and_hessian(model.source(source), params, X, Y)
        results[source] = Result(source, J, {"H": H})
    return results


def hessian_section(model, dtypes, seed):
    """[Section]: H by hand vs autograd, every pair of sources, for each dtype."""
    rows = []
    for dtype in dtypes:
        data = model.data(M, seed, np.dtype(dtype))
        params = model.init_params(seed, np.dtype(dtype))
        results = hessian_results(model, params, data.X, data.Y)
        rows += [r for a, b in combinations(results, 2) for r in compare(results[a], results[b], model.name)]
    table = pd.DataFrame(rows)[COLUMNS]
    P = table.loc[table["quantity"] == "H", "shape_a"].iloc[0]
    text = (f"H = d²J/dθ², θ = every parameter flattened row by row in the order "
            f"{', '.join(model.manual.param_shapes())} (shape {P}); by hand: `hessian` in "
            f"manual/{model.module}.py; by autograd: torch.func.hessian and jax.hessian (jitted) of "
            f"each framework's own loss. {M} examples of the built-in data, the parameters of the "
            f"agreement table; max_rel and rtol as there.")
    return [Section(model.name, "Hessian", table, text, ok=all_agree(rows))]
