"""Report section: a model's per-example backward pass (the course's loop) against its vectorised one.

For catalogue entries whose manual model has ``backward_per_example(params, cache, X, Y)``: both
passes run on the model's built-in data and parameters, and ``compare`` gives one row per quantity.
Each pass is also checked against autograd: the vectorised one in the agreement table, the looped
one in the tests.
"""

import dataclasses

import numpy as np
import pandas as pd

from comparisons.agreement import all_agree, compare
from comparisons.sections import Section
from comparisons.sources import run_manual

SHOWN = ["dtype", "quantity", "scaling", "pair", "max_abs", "max_rel", "rtol", "verdict"]


def per_example_rows(model, params, X, Y):
    """``compare`` rows of the per-example backward (source "manual per-example") vs the vectorised one."""
    vectorised = run_manual(model, params, X, Y)
    looped = run_manual(model, params, X, Y, backward=model.manual.backward_per_example)
    return compare(dataclasses.replace(looped, source="manual per-example"), vectorised, model.name)


def per_example_section(model, dtypes, seed):
    """One ``Section``: per-example vs vectorised backward, for each dtype, on the built-in data."""
    rows = []
    for dtype in dtypes:
        data = model.data(None, seed, np.dtype(dtype))
        rows += per_example_rows(model, model.init_params(seed, np.dtype(dtype)), data.X, data.Y)
    table = pd.DataFrame(rows)[SHOWN]
    text = ("The course's loop (one example at a time, m = 1, accumulating Delta, then 1/m Delta + "
            "lambda/m W) against the vectorised matrix products, same parameters and data; "
            "max_rel and rtol as in the agreement table.")
    return [Section(model.name, "per-example vs vectorised backward", table, text, all_agree(rows))]
