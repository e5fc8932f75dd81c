"""Where a backend's gradient step goes: the seed network's step split into its parts, each timed alone.

    step = products with X + small products + element-wise + softmax + reductions + framework overhead

The parts are the derivation's own work (manual/seed_net.py), the same in every backend:

- products with X:  W1 X and dZ1 X^T (n_h x 784 by 784 x m: all the FLOPs but a few percent)
- small products:   W2 A1, dZ2 A1^T and W2^T dZ2 (10 x 10 matrices)
- element-wise:     + b1, g_ReLU, + b2, A2 - Y, dA1 * g_ReLU'(Z1)
- softmax:          exp(Z2 - max) / sum exp(Z2 - max), column by column
- reductions:       db2 = sum_j dZ2 and db1 = sum_j dZ1

Each part is timed alone (``timing.time_step``, the bench's repeats and threads) on arrays of the
step's own shapes and dtype, in the backend's own framework and layout:

- manual NumPy: the literal module's NumPy calls on whole (., m) arrays;
- manual NumPy fast: the same calls block by block, on its threads, at its calibrated block and
  piece sizes, the products with X in its pieces;
- manual numba (compiled): its products with X alone, compiled the same way
  (``seed_net_compiled.products_with_x``); the other parts run fused in the one loop and have
  no time of their own: they are in its remainder;
- PyTorch eager and torch.compile: each part as eager ATen calls (Inductor calls the same matrix
  products and fuses the rest, so torch.compile's remainder is what fusion saves or costs);
- jax.jit: each part jitted on its own (compiled before timing).

Framework overhead is the remainder: the step's median (from the bench's table) minus the sum of
the parts' medians. It holds what the parts do not: for PyTorch, autograd's graph and the loss's
own Y * log A2; for JAX, the same loss term; for every backend, allocation and calls. It is
negative where the step does the parts faster together than alone (fusion, data still in cache).
"""

import numpy as np

from comparisons.bench.backends import COMPILED
from comparisons.bench.timing import time_step
from manual.activations import softmax      # the literal module's own

PARTS = ("products with X", "small products", "element-wise", "softmax", "reductions")
OVERHEAD = "framework overhead"
SUPPORTED = ("seed_net",)


def supports(model):
    """True where the parts above are the model's step: the seed network, unconfigured."""
    return model.module in SUPPORTED and not model.config


def step_arrays(params, X, Y):
    """Every array the step touches, computed once by the literal derivation: {name: NumPy array}."""
    from manual import seed_net

    _, cache = seed_net.forward(params, X)
    grads = seed_net.backward(params, cache, X, Y)
    return {**params, "X": X, "Y": Y, **cache, **{k: grads[k] for k in ("dZ2", "dA1", "dZ1")}}


def _numpy_parts(a):
    """{part: [calls]} of the literal module's NumPy work on the arrays ``a`` (whole arrays or one block)."""
    return {
        "products with X": [lambda: a["W1"] @ a["X"], lambda: a["dZ1"] @ a["X"].T],
        "small products": [lambda: a["W2"] @ a["A1"], lambda: a["dZ2"] @ a["A1"].T, lambda: a["W2"].T @ a["dZ2"]],
        "element-wise": [lambda: a["Z1"] + a["b1"], lambda: np.maximum(a["Z1"], 0), lambda: a["Z2"] + a["b2"],
                         lambda: a["A2"] - a["Y"], lambda: a["dA1"] * (a["Z1"] > 0)],
        "softmax": [lambda: softmax(a["Z2"])],
        "reductions": [lambda: a["dZ2"].sum(axis=1, keepdims=True), lambda: a["dZ1"].sum(axis=1, keepdims=True)],
    }


def _run(calls):
    return [c() for c in calls]


def numpy_parts(arrays, threads):
    """{part: step()} for the literal manual form."""
    return {part: (lambda calls=calls: _run(calls)) for part, calls in _numpy_parts(arrays).items()}


def fast_parts(arrays, threads):
    """{part: step()} for the fast form: each part block by block over its threads, at its calibrated sizes."""
    from manual import batching, seed_net_fast

    a = dict(arrays, X=seed_net_fast.layout(arrays["X"]))
    m, n_h = a["X"].shape[1], a["W1"].shape[0]
    block, piece = seed_net_fast.calibrated(a["X"].dtype.name, n_h)
    W1T = np.ascontiguousarray(a["W1"].T)

    def products_with_x(s):
        Xb, dz1 = a["X"][:, s], a["dZ1"][:, s]
        k = batching.small_pieces(Xb, n_h, piece)
        if not k:
            return [a["W1"] @ Xb, dz1 @ Xb.T]
        pieces = batching.stack(Xb, k).transpose(0, 2, 1)
        return [np.matmul(pieces, W1T), np.matmul(batching.stack(dz1, k), pieces).sum(axis=0)]

    def blocked(part):
        def work(cols):
            for s in cols:
                if part == "products with X":
                    products_with_x(s)
                else:
                    _run(_numpy_parts({k: v[:, s] if v.ndim == 2 and v.shape[1] == m and k[0] != "W" else v
                                       for k, v in a.items()})[part])
        return lambda: batching.over_blocks(work, m, block, threads)

    return {part: blocked(part) for part in PARTS}


def compiled_parts(arrays, threads):
    """{part: step()} for the compiled form: its products with X alone; the rest is fused (no time alone)."""
    from manual import seed_net_compiled

    X = seed_net_compiled.layout(arrays["X"])
    params = {k: arrays[k] for k in ("W1", "b1", "W2", "b2")}
    seed_net_compiled.products_with_x(params, X, arrays["dZ1"], threads)     # compiled (or loaded) before timing
    return {"products with X": lambda: seed_net_compiled.products_with_x(params, X, arrays["dZ1"], threads)}


def torch_parts(arrays, threads):
    """{part: step()}: each part as eager PyTorch calls on tensors of the step's arrays."""
    import torch

    t = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}
    return {
        "products with X": lambda: (t["W1"] @ t["X"], t["dZ1"] @ t["X"].T),
        "small products": lambda: (t["W2"] @ t["A1"], t["dZ2"] @ t["A1"].T, t["W2"].T @ t["dZ2"]),
        "element-wise": lambda: (t["Z1"] + t["b1"], torch.relu(t["Z1"]), t["Z2"] + t["b2"], t["A2"] - t["Y"],
                                 t["dA1"] * (t["Z1"] > 0)),
        "softmax": lambda: torch.softmax(t["Z2"], dim=0),
        "reductions": lambda: (t["dZ2"].sum(dim=1, keepdim=True), t["dZ1"].sum(dim=1, keepdim=True)),
    }


def jax_parts(arrays, threads):
    """{part: (step(), compile())}: each part one jitted function of the step's arrays, in JAX's buffers."""
    import jax
    import jax.numpy as jnp

    a = {k: jax.device_put(v, jax.devices("cpu")[0]) for k, v in arrays.items()}
    fns = {
        "products with X": lambda a: (a["W1"] @ a["X"], a["dZ1"] @ a["X"].T),
        "small products": lambda a: (a["W2"] @ a["A1"], a["dZ2"] @ a["A1"].T, a["W2"].T @ a["dZ2"]),
        "element-wise": lambda a: (a["Z1"] + a["b1"], jax.nn.relu(a["Z1"]), a["Z2"] + a["b2"], a["A2"] - a["Y"],
                                   a["dA1"] * (a["Z1"] > 0)),
        "softmax": lambda a: jax.nn.softmax(a["Z2"], axis=0),
        "reductions": lambda a: (jnp.sum(a["dZ2"], axis=1, keepdims=True), jnp.sum(a["dZ1"], axis=1, keepdims=True)),
    }
    out = {}
    for part, fn in fns.items():                 # each part gets only the arrays it reads
        used = {k: a[k] for k in USES[part]}
        compiled = jax.jit(fn).lower(used).compile()
        out[part] = (lambda compiled=compiled, used=used: jax.block_until_ready(compiled(used)))
    return out


USES = {"products with X": ("W1", "X", "dZ1"), "small products": ("W2", "A1", "dZ2"),
        "element-wise": ("Z1", "b1", "Z2", "b2", "A2", "Y", "dA1"), "softmax": ("Z2",), "reductions": ("dZ2", "dZ1")}


PARTS_OF = {"manual NumPy": numpy_parts, "manual NumPy fast": fast_parts, COMPILED: compiled_parts,
            "PyTorch eager": torch_parts, "torch.compile": torch_parts, "jax.jit": jax_parts}
HOW = {"manual NumPy": "its NumPy calls, each part alone on whole arrays",
       "manual NumPy fast": "its NumPy calls block by block on its threads, at its calibrated sizes",
       COMPILED: "its products with X alone (compiled the same way); the other parts run fused in one loop",
       "PyTorch eager": "eager ATen calls, each part alone",
       "torch.compile": "eager ATen calls, each part alone (Inductor fuses the element-wise parts)",
       "jax.jit": "each part jitted alone"}


def attribute(backend, arrays, step_ms, threads, repeats=7, warmup=2):
    """Rows {backend, part, ms, share, how} of one backend's step: every part of ``PARTS`` (NaN where the
    backend has no time for it alone), then the framework overhead = ``step_ms`` - the parts' sum."""
    made = PARTS_OF[backend](arrays, threads)
    rows = []
    for part in PARTS:
        ms = float("nan")
        if part in made:
            ms = 1e3 * time_step(made[part], repeats=repeats, warmup=warmup).median
        rows.append(dict(backend=backend, part=part, ms=ms, how=HOW[backend]))
    timed = sum(r["ms"] for r in rows if r["ms"] == r["ms"])
    rows.append(dict(backend=backend, part=OVERHEAD, ms=step_ms - timed, how="the step's median minus the parts"))
    for r in rows:
        r["share"] = r["ms"] / step_ms
    return rows


def attribution_rows(subject, table, m, seed, threads, repeats=7, warmup=2):
    """Rows {dtype, m, backend, part, ms, share, step_ms, how} for every "ok" gradient row of ``table``
    whose backend has parts here; [] for a model other than the seed network."""
    from comparisons.bench.machine import thread_limits

    if not supports(subject.model) or subject.width is not None:
        return []
    rows = []
    with thread_limits(threads):
        for dtype in dict.fromkeys(r["dtype"] for r in table):
            steps = {r["backend"]: r["median_ms"] for r in table
                     if r["dtype"] == dtype and r["kind"] == "gradient" and r["status"] == "ok"
                     and r["backend"] in PARTS_OF}
            if not steps:
                continue
            data = subject.data(m, seed, np.dtype(dtype))
            arrays = step_arrays(subject.init_params(seed, np.dtype(dtype)), data.X, data.Y)
            for backend, step_ms in steps.items():
                for r in attribute(backend, arrays, step_ms, threads, repeats, warmup):
                    rows.append(dict(dtype=dtype, m=m, **r, step_ms=step_ms))
    return rows
