"""A layer's hand-derived backward against the vector-Jacobian products of PyTorch and JAX and the
numerical witness (``manual.layers``: the layers and their contract).

For a layer out = f(x, w, ...) and a random upstream gradient dout of out's shape (standard normal,
seeded: never ones, whose products hide a transposed or summed-away axis), the backward must return

    dx = dout^T (d out / d x),  dw = dout^T (d out / d w), ...

which are the gradients of the scalar s = sum(out * dout). PyTorch gives them by
``out.backward(dout)``, JAX by ``jax.vjp``; the witness differentiates s numerically in float64
(``comparisons.verify.black_box``: its step sweep, complex step where the forward runs on complex
numbers), so it judges the derivation in float64 whatever dtype the rows are for.

Each row: the layer, dtype, the gradient (``dx``), the reference, max_rel and the verdict of
``comparisons.agreement.compare_arrays`` at the dtype's rtol.
"""

import numpy as np
import pandas as pd

from comparisons.agreement import compare_arrays, rtol_for

REFERENCES = ("torch", "jax", "numerical")


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


def torch_vjp(layer, inputs, dout):
    """{"d" + name: dout^T d out / d name} from ``torch.autograd`` on the PyTorch twin's forward."""
    import torch

    tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in inputs.items()}
    for k in layer.grads:
        tensors[k].requires_grad_(True)
    out = layer.function("torch", "forward")(*tensors.values(), **layer.options)
    # reshaped to out's shape: np.ascontiguousarray makes a 0-d dout (a loss layer's) (1,)
    upstream_grad = torch.from_numpy(np.ascontiguousarray(dout)).reshape(out.shape)
    grads = torch.autograd.grad(out, [tensors[k] for k in layer.grads], upstream_grad)
    return {"d" + k: g.detach().numpy() for k, g in zip(layer.grads, grads)}


def jax_vjp(layer, inputs, dout):
    """{"d" + name: dout^T d out / d name} from ``jax.vjp`` on the JAX twin's forward."""
    import jax
    import jax.numpy as jnp

    import reference.jax_ad  # noqa: F401  (64-bit mode)

    forward = layer.function("jax", "forward")
    fixed = {k: jnp.asarray(v) for k, v in inputs.items()}

    def f(*diff):
        return forward(*{**fixed, **dict(zip(layer.grads, diff))}.values(), **layer.options)

    _, vjp = jax.vjp(f, *(fixed[k] for k in layer.grads))
    return {"d" + k: np.asarray(g) for k, g in zip(layer.grads, vjp(jnp.asarray(dout)))}


def witness(layer, inputs, dout, backward=None):
    """The numerical witness on s = sum(f(inputs) * dout) in float64 against the hand backward there:
    a ``black_box.GradientCheck`` (its rows: each gradient's max_rel and verdict). A layer's ``pattern``
    goes with it: stencils that change it cross a kink (a pooling tie) and are counted, not judged."""
    from comparisons.verify.black_box import check_gradient

    x64 = {k: np.asarray(v, np.float64) if np.issubdtype(np.asarray(v).dtype, np.floating) else v
           for k, v in inputs.items()}
    d64 = np.asarray(dout, np.float64)
    forward = layer.function("manual", "forward")

    def cost(p):
        out, _ = forward(*{**x64, **p}.values(), **layer.options)
        return np.sum(out * d64)

    def grad(p):
        return {k: g for k, g in zip(layer.grads, manual(layer, {**x64, **p}, d64, backward=backward)[1].values())}

    def pattern(p):
        return layer.pattern(*{**x64, **p}.values(), **layer.options)

    # a layer's inputs are small: the step sweep takes many elements of each, so that a ReLU's zero
    # partials (an input below 0) cannot be all it sees
    return check_gradient(cost, grad, {k: x64[k] for k in layer.grads}, budget_s=5.0, sweep_per_array=16,
                          pattern=pattern if layer.pattern is not None else None)


def check(layer, dtype="float64", seed=0, against=REFERENCES, backward=None):
    """Rows comparing the hand backward with each reference in ``against`` on ``layer`` in ``dtype``.
    ``backward``: the hand backward to check instead of the layer's own."""
    dtype = np.dtype(dtype)
    inputs = layer.inputs(seed, dtype)
    _, mine, dout = manual(layer, inputs, seed=seed, backward=backward)
    rtol = rtol_for(dtype)
    found = {}
    if "torch" in against:
        found["torch"] = torch_vjp(layer, inputs, dout)
    if "jax" in against:
        found["jax"] = jax_vjp(layer, inputs, dout)
    rows = []
    for ref, grads in found.items():
        for q, g in mine.items():
            _, max_abs, max_rel, verdict = compare_arrays(g, grads[q], rtol)
            rows.append(dict(layer=layer.name, dtype=dtype.name, quantity=q, reference=ref, max_rel=max_rel,
                             verdict=verdict))
    if "numerical" in against:
        result = witness(layer, inputs, dout, backward)
        for r in result.rows:
            rows.append(dict(layer=layer.name, dtype="float64", quantity=r["quantity"], reference="numerical",
                             max_rel=r["max_rel"], verdict=r["verdict"]))
    return pd.DataFrame(rows)


# --- The layer catalogue's table (``handgrad layers``) ------------------------------------------------


def table(layers, dtypes=("float64", "float32"), seed=0, progress=False):
    """One row per layer, dtype and gradient: its max_rel against each reference (a column each; the
    witness's in float64 only) and the worst verdict of the three."""
    from tqdm import tqdm

    from comparisons.agreement import PASSING

    rows = []
    for layer in tqdm(layers, desc="layers", unit="layer", disable=not progress):
        for dtype in dtypes:
            found = check(layer, dtype, seed, REFERENCES if dtype == "float64" else ("torch", "jax"))
            for q, group in found.groupby("quantity", sort=False):
                worst = next((v for v in group["verdict"] if v not in PASSING), "agree")
                rows.append(dict(layer=layer.name, dtype=dtype, quantity=q,
                                 **{r: group[group["reference"] == r]["max_rel"].max() for r in REFERENCES
                                    if (group["reference"] == r).any()}, verdict=worst))
    frame = pd.DataFrame(rows)
    return frame[frame["quantity"] != "J"].reset_index(drop=True)     # the witness's J row: no gradient


def render(frame, out=None):
    """The table fitted to the terminal, with a note on what was checked and the VERDICT last."""
    from comparisons.agreement import PASSING
    from comparisons.terminal import every_column, fit_table, wrap_notes

    bad = frame[~frame["verdict"].isin(PASSING)]
    notes = ("- Each layer's hand backward against dout^T (d out / d input) from PyTorch (out.backward(dout)) and "
             "JAX (jax.vjp), dout standard normal of out's shape; the numerical witness differentiates "
             "s = sum(out * dout) in float64 (its column is blank in float32 rows). max_rel per gradient, "
             "verdicts at the dtype's rtol (comparisons/agreement.py).")
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
