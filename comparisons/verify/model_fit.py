"""Is this the right --model? When nearly every quantity of the typical batch differs, the mistake is
the model the code was checked against, not a line of it: ``model_hint`` names the catalogue model
that fits the person's numbers best, by its loss and gradients at the same parameters and data
(models of the same shapes: softmax regression and the SVM), or else by the shapes returned.
"""

import numpy as np

from comparisons.verify.diagnose import close

NEARLY_EVERY = 0.75   # of the typical batch's rows failing, with at least three: the model, not a line, is wrong


def model_hint(model, case, run, summary):
    """"Is this the right --model?" when nearly every quantity of the typical batch (``case``) fails:
    the catalogue model that fits the person's numbers best, by its loss and gradients at the same
    parameters and data (models of the same shapes: softmax regression and the SVM), or else by the
    shapes of what they returned; "" when the failures are few, or no other model fits better."""
    rows = [r for r in summary if r["case"] == case.name]
    bad = [r for r in rows if r["verdict"] not in ("agree", "not measured", "note")]
    if not hasattr(run, "grads") or len(bad) < 3 or len(bad) < NEARLY_EVERY * len(rows):
        return ""
    from comparisons import catalogue

    yours = {**run.grads, **({"J": run.loss} if run.loss is not None else {})}
    shapes = {k: tuple(np.shape(v)) for k, v in case.params.items()}
    fits = {}
    for name in catalogue.CATALOGUE:
        other = as_configured(catalogue.get(name), model)
        theirs = {"d" + k: tuple(s) for k, s in other.manual.param_shapes().items()}
        shaped = sum(tuple(np.shape(v)) == theirs.get(k) for k, v in run.grads.items())
        agreeing = values_agreeing(other, case, yours) if theirs == {"d" + k: s for k, s in shapes.items()} else 0
        fits[name] = (agreeing, shaped)
    best = max(fits, key=fits.get)
    if best == model.name or fits[best] <= fits.get(model.name, (0, 0)) or fits[best] == (0, 0):
        return ""
    agreeing, shaped = fits[best]
    why = (f"your J and gradients agree with {best}'s in {agreeing} of {len(yours)}" if agreeing else
           f"the shapes you return fit {best}'s parameters in {shaped} of {len(run.grads)}")
    return (f"Is this the right --model? Nearly every quantity differs ({len(bad)} of {len(rows)} rows on the "
            f"{case.name} batch) and {why}: try --model {best}")


# How the checked model writes its loss, which a candidate of the same kind must share to be compared on
# values: the L2 strength, its convention and whether there is a bias (the CS231n forms' bias=False).
SHARED = ("lam", "penalty", "bias")


def as_configured(other, model):
    """Catalogue model ``other`` with the checked ``model``'s ``SHARED`` settings where ``other``'s
    configure takes them (a regularised softmax regression is compared with an equally regularised SVM);
    ``other`` as it is where it takes none, or they do not fit it."""
    from dataclasses import replace

    from comparisons.model_options import defaults

    keywords = defaults(other)
    shared = {k: v for k, v in model.config.items() if k in SHARED and k in keywords}
    if not shared:
        return other
    candidate = replace(other, config={**other.config, **shared})
    try:
        candidate.manual            # configure(**config) checks the values
    except (ValueError, TypeError):
        return other
    return candidate


def values_agreeing(other, case, yours):
    """How many of ``yours`` ({J, dW1, ...}) catalogue model ``other`` computes too, to ``CLOSE``, on the
    same parameters and data; 0 when it cannot run on them (another label layout, say)."""
    try:
        module = other.manual
        _, cache = module.forward(case.params, case.X)
        theirs = {"J": module.loss(case.params, case.X, case.Y), **module.backward(case.params, cache, case.X, case.Y)}
    except Exception:      # its data differs in kind: it cannot be the model
        return 0
    return sum(1 for k, v in yours.items() if k in theirs and np.shape(v) == np.shape(theirs[k])
               and close(np.asarray(v, dtype=np.float64), np.asarray(theirs[k], dtype=np.float64)))
