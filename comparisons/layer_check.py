"""A layer's hand-derived backward against the vector-Jacobian products of PyTorch and JAX and the
numerical witness (``manual.layers``: the layers and their contract).

For a layer out = f(x, w, ...) and a random upstream gradient dout of out's shape (standard normal,
seeded: never ones, whose products hide a transposed or summed-away axis), the backward must return

    dx = dout^T (d out / d x),  dw = dout^T (d out / d w), ...

which are the gradients of the scalar s = sum(out * dout). PyTorch gives them by
``out.backward(dout)``, JAX by ``jax.vjp``; the witness differentiates s numerically in float64
(``comparisons.verify.black_box``: its step sweep, complex step where the forward runs on complex
numbers), so it judges the derivation in float64 whatever dtype the rows are for. In the table's rows
(``check``, ``table_witness``) its step sweep is short where the complex step measures, and layers of one
forward (makemore's two backwards) share one measurement: the rows are the full witness's, bit for bit.

Every intermediate too. A layer that names its derivation's intermediates (``Layer.steps``: the hand
``X_backward_steps(dout, cache) -> {"d" + name: gradient}``) has each one compared with autograd's
gradient of the same node of the twin's forward, which marks it ``xhat = tap("xhat", ...)``:

- PyTorch: the tapped tensors are among the targets of ``torch.autograd.grad(out, [...], dout)``;
- JAX: the tap adds a zero ``delta[name]`` of the node's shape (found by one recording pass) and
  ``jax.vjp`` is taken with respect to the deltas too: d s / d delta = d s / d node.

A node tapped at several time steps (``tap(name, value, step=t)``, a recurrence) has its gradients
stacked along a new first axis in step order, as the hand steps return them. An intermediate the hand
derivation names and a twin does not tap is an error (every intermediate must be compared); a twin may
tap more (makemore's fused backward skips the softmax's nodes). The witness differentiates s in the
inputs, so it judges the inputs' gradients only.

Zero to rounding. A gradient that is 0 in exact arithmetic (``Layer.zero``: makemore's db1, whose b1
cancels in batch norm's centring) is each source's rounding of 0: a relative error between two of them
is noise of order 1. Such a row's max_rel is the largest |g| / scale over both sides, scale the size of
the terms that cancel, and its verdict ``zero to rounding`` (passing) when that is at most ULPS eps of
the dtype on both sides. The witness leaves these out: a difference quotient of a constant is its own
noise.

Each row: the layer, dtype, the gradient (``dx``, ``dxhat``), the reference, max_rel and the verdict of
``comparisons.agreement.compare_arrays`` at the dtype's rtol (or the zero-to-rounding bound). Rows come
in the hand derivation's backward order, so the first that disagrees is where a slip begins.
"""

import numpy as np
import pandas as pd

from comparisons.agreement import (AGREE, DISAGREE, NON_FINITE, SHAPE_MISMATCH, ZERO_TO_ROUNDING, compare_arrays,
                                   rtol_for)

REFERENCES = ("torch", "jax", "numerical")
ULPS = 64           # a zero-to-rounding gradient's allowance, in eps of its dtype, times its terms' scale
SWEEP = 16          # elements of each input the witness's step sweep takes (``witness``)
CONFIRM = 3         # ... where it only confirms the complex step (``table_witness``), as for every model


def upstream(out, seed):
    """dout: standard normal of ``out``'s shape and dtype, from ``seed``."""
    rng = np.random.default_rng(10_000 + seed)
    return rng.standard_normal(np.shape(out)).astype(np.asarray(out).dtype)


def as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def manual(layer, inputs, dout=None, seed=0, backward=None):
    """(out, {"d" + name: gradient}, dout) of the hand derivation at ``inputs`` ({name: array}).
    ``backward``: the hand backward to check instead of the layer's own."""
    out, cache = layer.function("manual", "forward")(*inputs.values(), **layer.options)
    dout = upstream(out, seed) if dout is None else dout
    grads = as_tuple((backward or layer.function("manual", "backward"))(dout, cache))
    if len(grads) != len(layer.grads):
        raise ValueError(f"{layer.backward_name} returned {len(grads)} gradient(s); the layer lists "
                         f"{len(layer.grads)} ({', '.join(layer.grads)})")
    return out, {"d" + k: np.asarray(g) for k, g in zip(layer.grads, grads)}, dout


def steps(layer, inputs, dout):
    """{"d" + name: gradient} of the layer's hand steps (``Layer.steps``) at ``inputs``, in backward order."""
    _, cache = layer.function("manual", "forward")(*inputs.values(), **layer.options)
    return {k: np.asarray(g) for k, g in layer.function("manual", "steps")(dout, cache).items()}


class Tap:
    """The ``tap`` a twin's forward is given: ``tap(name, value, step=None)`` records ``value`` under
    (name, step) and returns it, plus ``deltas[key]`` where given (JAX: the zero the VJP is taken in)."""

    def __init__(self, deltas=None):
        self.values, self.deltas, self.stepped = {}, deltas, {}

    def __call__(self, name, value, step=None):
        key = name if step is None else f"{name}[{step}]"
        if key in self.values or self.stepped.setdefault(name, step is not None) != (step is not None):
            raise ValueError(f"intermediate {key} is tapped twice, or both with and without a step, in one forward")
        self.values[key] = value
        return value if self.deltas is None else value + self.deltas[key]


def by_name(grads):
    """{"d" + name: gradient} from {key: gradient}: a name tapped at steps 0..T-1 stacked to (T, ...)."""
    found = {}
    for key, g in grads.items():
        name, _, step = key.partition("[")
        found.setdefault(name, []).append((int(step[:-1]) if step else -1, g))
    return {"d" + name: parts[0][1] if parts[0][0] < 0 else np.stack([g for _, g in sorted(parts, key=lambda p: p[0])])
            for name, parts in found.items()}


def torch_vjp(layer, inputs, dout, taps=False):
    """{"d" + name: dout^T d out / d name} from ``torch.autograd`` on the PyTorch twin's forward; with
    ``taps``, every node the twin taps too (``Tap``, ``by_name``)."""
    import torch

    tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in inputs.items()}
    for k in layer.grads:
        tensors[k].requires_grad_(True)
    tap = Tap() if taps else None
    out = layer.function("torch", "forward")(*tensors.values(), **layer.options, **({"tap": tap} if taps else {}))
    # reshaped to out's shape: np.ascontiguousarray makes a 0-d dout (a loss layer's) (1,)
    upstream_grad = torch.from_numpy(np.ascontiguousarray(dout)).reshape(out.shape)
    wrt = [tensors[k] for k in layer.grads] + (list(tap.values.values()) if taps else [])
    grads = torch.autograd.grad(out, wrt, upstream_grad, allow_unused=True)    # None: a node out does not use
    grads = [np.zeros(tuple(w.shape), dout.dtype) if g is None else g.detach().numpy() for w, g in zip(wrt, grads)]
    found = {"d" + k: g for k, g in zip(layer.grads, grads)}
    return {**found, **by_name(dict(zip(tap.values, grads[len(layer.grads):])))} if taps else found


def jax_vjp(layer, inputs, dout, taps=False):
    """{"d" + name: dout^T d out / d name} from ``jax.vjp`` on the JAX twin's forward; with ``taps``, every
    node the twin taps too: the VJP in a zero added at each (``Tap``), its shapes from a trace that
    computes nothing (``jax.eval_shape``).

    The forward and its VJP are one jitted program, compiled once for the call: JAX's op-by-op dispatch
    compiles every operation of the forward and of its transpose on its own, which took 0.1-3.8 s per
    layer (the whole catalogue: about 17 s per dtype), against one compile of 0.05-0.3 s. That one
    compile is cheapened further (``reference.jax_ad.ONCE``: 50 programs in 1.6-1.9 s instead of 9-14 s):
    the program runs once, on inputs of a few hundred numbers, so XLA's optimizations cost far more
    than they could save."""
    import jax

    import reference.jax_ad  # noqa: F401  (64-bit mode)

    forward = layer.function("jax", "forward")
    fixed = {k: np.asarray(v) for k, v in inputs.items()}     # constants of the program but the differentiated

    def out_of(diff, tap):
        return forward(*{**fixed, **dict(zip(layer.grads, diff))}.values(), **layer.options, **tap)

    diff = tuple(fixed[k] for k in layer.grads)
    zeros = {}
    if taps:
        record = Tap()
        jax.eval_shape(lambda d: out_of(d, {"tap": record}), diff)
        zeros = {k: np.zeros(v.shape, v.dtype) for k, v in record.values.items()}

    @jax.jit
    def vjp_of(diff, deltas, upstream):
        _, vjp = jax.vjp(lambda d, e: out_of(d, {"tap": Tap(e)} if taps else {}), diff, deltas)
        return vjp(upstream)

    upstream = np.asarray(dout).reshape(np.shape(dout))
    dinputs, ddeltas = vjp_of.lower(diff, zeros, upstream).compile(compiler_options=reference.jax_ad.ONCE)(diff, zeros, upstream)
    found = {"d" + k: np.asarray(g) for k, g in zip(layer.grads, dinputs)}
    return {**found, **by_name({k: np.asarray(g) for k, g in ddeltas.items()})} if taps else found


def witness(layer, inputs, dout, backward=None, budget_s=5.0, **options):
    """The numerical witness on s = sum(f(inputs) * dout) in float64 against the hand backward there:
    a ``black_box.GradientCheck`` (its rows: each gradient's max_rel and verdict). A layer's ``pattern``
    goes with it: stencils that change it cross a kink (a pooling tie) and are counted, not judged. The
    zero-to-rounding gradients (``Layer.zero``) are left out. ``options``: ``check_gradient``'s (recipe,
    full, seed, the plan's sizes)."""
    from comparisons.verify.black_box import check_gradient

    x64 = {k: np.asarray(v, np.float64) if np.issubdtype(np.asarray(v).dtype, np.floating) else v
           for k, v in inputs.items()}
    d64 = np.asarray(dout, np.float64)
    forward = layer.function("manual", "forward")
    judged = [k for k in layer.grads if "d" + k not in layer.zero]

    def cost(p):
        out, _ = forward(*{**x64, **p}.values(), **layer.options)
        return np.sum(out * d64)

    def grad(p):
        grads = manual(layer, {**x64, **p}, d64, backward=backward)[1]
        return {k: grads["d" + k] for k in judged}

    def pattern(p):
        return layer.pattern(*{**x64, **p}.values(), **layer.options)

    # a layer's inputs are small: the step sweep takes many elements of each (SWEEP), so that a ReLU's
    # zero partials (an input below 0) cannot be all it sees
    return check_gradient(cost, grad, {k: x64[k] for k in judged}, budget_s=budget_s,
                          pattern=pattern if layer.pattern is not None else None,
                          **{"sweep_per_array": SWEEP, **options})


def table_witness(layer, inputs, dout, backward=None, shared=None):
    """The witness of a table's rows (``check``): ``witness`` with a step sweep of CONFIRM elements per
    array where that witness measures by the complex step and every row passes, else ``witness`` as it is.

    The complex step measures every element with no step to choose (its values do not depend on the
    sweep), so there the sweep only confirms that it matches central differences, and a few elements do
    that as they do for every model. Where central differences measure (a kink pattern, a forward that
    cannot run on complex numbers or is not analytic), or anything disagrees, the witness runs again with
    its full sweep: the rows are then exactly the full witness's, and a verdict against the derivation is
    always the full witness's. So too where the few swept elements all have zero partials (a ReLU's
    inputs below 0), which the sweep refuses (a ValueError), as it does any error: the full witness
    raises it again if it is not that.

    ``shared``: {key: GradientCheck}, the witnesses of one table so far; a layer whose s is one already
    measured (``cost_key``: makemore's step-by-step and fused backwards share a forward) takes that
    witness's estimates over, bit for bit, and is judged against them (nothing is measured again)."""
    key = cost_key(layer, inputs, dout) if shared is not None else None
    for size in (CONFIRM, SWEEP) if layer.pattern is None else (SWEEP,):    # a kink pattern: central
        like = shared.get((key, size)) if key is not None else None
        try:
            found = witness(layer, inputs, dout, backward, sweep_per_array=size, like=like)
        except ValueError:
            if size == SWEEP:
                raise
            continue
        if key is not None:
            shared[(key, size)] = found
        if size == SWEEP or (found.witness.method == "complex step" and found.passed):
            return found


def cost_key(layer, inputs, dout):
    """What fixes s = sum(out * dout) and the witness's plan for ``layer``: its manual forward and kink
    pattern (the objects), and its options, judged inputs, inputs and dout (pickled bytes); None where
    these do not pickle (then nothing is shared)."""
    import pickle

    judged = [k for k in layer.grads if "d" + k not in layer.zero]
    try:
        fixed = pickle.dumps((layer.options, judged, inputs, np.asarray(dout)))
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return layer.function("manual", "forward"), layer.pattern, fixed


def zero_row(mine, theirs, scale, dtype):
    """(max_rel, verdict) of a gradient 0 to rounding: the largest |g| / scale over both sides, and
    ``zero to rounding`` when that is at most ULPS eps(dtype) on both (DISAGREE otherwise)."""
    mine, theirs = np.asarray(mine), np.asarray(theirs)
    if mine.shape != theirs.shape:
        return np.nan, SHAPE_MISMATCH
    if not (np.all(np.isfinite(mine)) and np.all(np.isfinite(theirs))):
        return np.nan, NON_FINITE
    scale = np.broadcast_to(np.asarray(scale, np.float64), mine.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = [np.where(scale > 0, np.abs(g) / scale, np.where(g == 0, 0.0, np.inf)) for g in (mine, theirs)]
    worst = float(max(np.max(r, initial=0.0) for r in ratio))
    return worst, (ZERO_TO_ROUNDING if worst <= ULPS * np.finfo(dtype).eps else DISAGREE)


def untapped(layer, mine, found):
    """Raise where a twin gives no gradient for an intermediate of the hand derivation (``mine``)."""
    for source, grads in found.items():
        missing = [q[1:] for q in mine if q not in grads]
        if missing:
            package = {"torch": "torch_ad", "jax": "jax_ad"}[source]
            raise ValueError(f"{layer.name}: the {source} twin taps no intermediate {', '.join(missing)} "
                             f"(reference/{package}/layers/{layer.module}.py {layer.forward_name}); every "
                             f"intermediate of {layer.steps} must be compared: write name = tap(\"name\", ...) there")


def check(layer, dtype="float64", seed=0, against=REFERENCES, backward=None, shared=None):
    """Rows comparing the hand backward with each reference in ``against`` on ``layer`` in ``dtype``: the
    inputs' gradients, and every intermediate of the layer's steps (``Layer.steps``), in backward order.
    ``backward``: the hand backward to check instead of the layer's own (its inputs' gradients only: the
    layer's steps are not its); ``shared``: the witnesses a table shares (``table_witness``)."""
    dtype = np.dtype(dtype)
    inputs = layer.inputs(seed, dtype)
    _, given, dout = manual(layer, inputs, seed=seed, backward=backward)
    derived = steps(layer, inputs, dout) if layer.steps and backward is None else {}
    # backward order: the steps' (the inputs' gradients as the backward returned them), then any other
    mine = {**{q: given.get(q, g) for q, g in derived.items()}, **given}
    tapped = any(q not in given for q in derived)
    found = {}
    if "torch" in against:
        found["torch"] = torch_vjp(layer, inputs, dout, taps=tapped)
    if "jax" in against:
        found["jax"] = jax_vjp(layer, inputs, dout, taps=tapped)
    untapped(layer, mine, found)
    rtol = rtol_for(dtype)
    rows = []
    for ref, grads in found.items():
        for q, g in mine.items():
            if q in layer.zero:
                max_rel, verdict = zero_row(g, grads[q], layer.zero[q](mine), dtype)
            else:
                _, _, max_rel, verdict = compare_arrays(g, grads[q], rtol)
            rows.append(dict(layer=layer.name, dtype=dtype.name, quantity=q, reference=ref, max_rel=max_rel,
                             verdict=verdict))
    if "numerical" in against:
        result = table_witness(layer, inputs, dout, backward, shared)
        for r in result.rows:
            rows.append(dict(layer=layer.name, dtype="float64", quantity=r["quantity"], reference="numerical",
                             max_rel=r["max_rel"], verdict=r["verdict"]))
    return pd.DataFrame(rows)


# --- The layer catalogue's table (``handgrad layers``) ------------------------------------------------


def table(layers, dtypes=("float64", "float32"), seed=0, progress=False, witness=True):
    """One row per layer, dtype and gradient (the inputs' and every intermediate's, in backward order):
    its max_rel against each reference (a column each; the witness's in float64 only, and only on the
    inputs' gradients; none with ``witness=False``) and the worst verdict of the three."""
    from tqdm import tqdm

    from comparisons.agreement import PASSING

    rows, shared = [], {}
    for layer in tqdm(layers, desc="layers", unit="layer", disable=not progress):
        for dtype in dtypes:
            found = check(layer, dtype, seed, REFERENCES if dtype == "float64" and witness else ("torch", "jax"),
                          shared=shared)
            for q, group in found.groupby("quantity", sort=False):
                verdicts = list(group["verdict"])
                worst = next((v for v in verdicts if v not in PASSING),
                             ZERO_TO_ROUNDING if ZERO_TO_ROUNDING in verdicts else AGREE)
                rows.append(dict(layer=layer.name, dtype=dtype, quantity=q,
                                 **{r: group[group["reference"] == r]["max_rel"].max() for r in REFERENCES
                                    if (group["reference"] == r).any()}, verdict=worst))
    frame = pd.DataFrame(rows)
    return frame[frame["quantity"] != "J"].reset_index(drop=True)     # the witness's J row: no gradient


def explained(witness=True):
    """The sentences under a layer table: what each column compared, the intermediates' rows, and the
    zero-to-rounding verdict; the witness's clauses only when its column is there (``witness``)."""
    seen = ("; the numerical witness differentiates s = sum(out * dout) in float64 (its column is blank in "
            "float32 rows)") if witness else ""
    return ("- Each layer's hand backward against dout^T (d out / d input) from PyTorch (out.backward(dout)) and "
            f"JAX (jax.vjp), dout standard normal of out's shape{seen}. max_rel per gradient, verdicts at the "
            "dtype's rtol (comparisons/agreement.py). JAX's program runs once on a few hundred numbers, so it is "
            "compiled without XLA's optimizations (quicker to compile; its sums may round in another order, a "
            "few units in the last place).\n"
            "- Every intermediate a layer's derivation names (dxhat, dvar, dscores, ...) is compared too, with "
            "autograd's gradient of the same node of the twin's forward (tapped by name), in the hand "
            "backward's order: the first row that disagrees is where a slip begins."
            + (" The witness differentiates s in the inputs only, so it cannot see intermediates: its column is "
               "blank there." if witness else "") + "\n"
            f"- `zero to rounding`: a gradient that is 0 in exact arithmetic (makemore's db1: b1 cancels in "
            f"batch norm's centring), judged absolutely: max_rel there is max |g| / (the terms that cancel), "
            f"at most {ULPS} eps of the dtype in the hand backward and in each framework"
            + ("; the witness leaves it out." if witness else "."))


def render(frame, out=None):
    """The table fitted to the terminal, with a note on what was checked and the VERDICT last."""
    from comparisons.agreement import PASSING
    from comparisons.terminal import every_column, fit_table, wrap_notes

    bad = frame[~frame["verdict"].isin(PASSING)]
    notes = explained(witness="numerical" in frame)
    verdict = (f"VERDICT: every layer's backward agrees ({frame['layer'].nunique()} layers, {len(frame)} rows)."
               if bad.empty else f"VERDICT: {len(bad)} row(s) disagree: "
               + ", ".join(f"{r.layer} {r.quantity} ({r.dtype})" for r in bad.itertuples()))
    text = fit_table(frame, keys=["layer", "dtype", "quantity", "torch", "jax", "numerical", "verdict"],
                     floatfmt=".1e", note=every_column(out, ["layers.md", "layers.csv"]))
    return f"{text}\n\n{wrap_notes(notes)}\n\n{wrap_notes(verdict)}", bad.empty


def files(frame):
    """{file name: text}: the table as Markdown and CSV."""
    return {"layers.md": "# Layers: hand backward against autograd's vector-Jacobian products\n\n"
                         + frame.to_markdown(index=False, floatfmt=".2e") + "\n",
            "layers.csv": frame.to_csv(index=False)}
