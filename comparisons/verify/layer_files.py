"""``handgrad verify layers.py``: a person's CS231n-style layer file, every backward checked against the
layer catalogue (``manual.layers``) of the same name.

A file that defines no function of a model form (``comparisons.forms``) but does define CS231n's layer
pairs (``affine_forward``/``affine_backward``, ``batchnorm_backward_alt``, ``conv_backward_naive``,
``lstm_step_backward``, ...; read without running it, ``api.defined``) is checked here. For each pair:

    1. the person's forward is called on our layer's inputs (``Layer.inputs``, seeded, away from kinks),
       in CS231n's calling convention (``PAIRS``: a param dict built from our ``Layer.options`` and our
       forward's defaults), giving THEIR out and THEIR cache; their out is compared with our NumPy forward's;
    2. their backward is called with a random dout (``layer_check.upstream``: never ones) and their cache;
    3. each gradient is compared with PyTorch's and JAX's vector-Jacobian products of our twin's forward
       at the same inputs and options (``layer_check.torch_vjp``/``jax_vjp``), and with the numerical
       witness of s = sum(out * dout) (``layer_check.witness``, fed the person's gradients).

CS231n's calling conventions, and how each is called here (the dict from our options and defaults):

    function pair (the person's)                        our layer      how it is called
    affine_forward(x, w, b) / affine_backward           affine         as ours
    relu_forward(x) / relu_backward                     relu           as ours (also leaky_relu, sigmoid, tanh)
    batchnorm_forward(x, gamma, beta, bn_param)         batchnorm      bn_param {mode: train, eps, momentum}
      / batchnorm_backward, batchnorm_backward_alt      batchnorm_alt  (the same forward, the other backward)
    spatial_batchnorm_forward(x, gamma, beta, bn_param) spatial_batchnorm  bn_param as batchnorm's
    layernorm_forward(x, gamma, beta, ln_param)         layernorm      ln_param {eps}
    dropout_forward(x, dropout_param) / dropout_backward dropout       dropout_param {p (keeps), mode: train,
                                                                       seed}; the references at YOUR mask
    conv_forward_naive(x, w, b, conv_param)             conv_naive     conv_param {stride, pad}
    conv_forward_im2col(x, w, b, conv_param)            conv_im2col    conv_param {stride, pad}
    max_pool_forward_naive(x, pool_param)               max_pool       pool_param {pool_height, pool_width, stride}
    word_embedding_forward(x, W) / ..._backward -> dW   word_embedding as ours
    rnn_step_forward(x, prev_h, Wx, Wh, b), rnn_forward rnn_step, rnn  as ours
    lstm_step_forward(...) -> (next_h, next_c, cache)   lstm_step      two outputs: out = [next_h, next_c],
      / lstm_step_backward(dnext_h, dnext_c, cache)                    dout split in two
    lstm_forward / lstm_backward                        lstm           as ours
    softmax_loss(x, y) -> (loss, dx), svm_loss(x, y)    softmax_loss, svm_loss  no backward: dx at dout = 1

Any other layer of the catalogue is found by its own names, called as ours, or with one dict (named
``param``) when the person's forward takes one more parameter than the inputs. Dropout: CS231n draws the
mask with ``np.random.seed``, ours with ``default_rng``, so the references differentiate x * mask / p at
the person's mask, read from their forward (out / x: x is away from 0); their forward must keep each
element at x / p or drop it to 0.

A function that raises is a finding (``FAILS``, their line named, as ``calls.Caller`` names it); a
backward with no layer of its name, or a forward with no backward, is said in the notes. The person's
code runs in a child process stopped after the time limit (``isolation.in_child``, as ``named`` runs
black-box mode's); the references run here afterwards.
"""

import inspect
import pickle
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from comparisons.verify.calls import CannotVerify, Caller, Failed, Failure, numbers, unpack
from comparisons.verify.isolation import DEFAULT_TIMEOUT

# --- The table: CS231n's function pairs and our layers ------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """A person's function pair read as our layer ``layer``: ``forward``/``backward`` their names
    (``backward`` "" for a loss function returning (loss, dx)); ``param``: the name of the dict their
    forward takes after the inputs ("" for none), with ``mode`` "train" in it when ``train``;
    ``outputs``: "one" (out, cache), "two" (next_h, next_c, cache: the LSTM step) or "loss" (loss, dx)."""

    layer: str
    forward: str
    backward: str
    param: str = ""
    train: bool = False
    outputs: str = "one"

    @property
    def function(self):
        """The function a row names: the backward, or the loss function."""
        return self.backward or self.forward


PAIRS = (
    Pair("affine", "affine_forward", "affine_backward"),
    Pair("relu", "relu_forward", "relu_backward"),
    Pair("batchnorm", "batchnorm_forward", "batchnorm_backward", "bn_param", train=True),
    Pair("batchnorm_alt", "batchnorm_forward", "batchnorm_backward_alt", "bn_param", train=True),
    Pair("spatial_batchnorm", "spatial_batchnorm_forward", "spatial_batchnorm_backward", "bn_param", train=True),
    Pair("layernorm", "layernorm_forward", "layernorm_backward", "ln_param"),
    Pair("dropout", "dropout_forward", "dropout_backward", "dropout_param", train=True),
    Pair("conv_naive", "conv_forward_naive", "conv_backward_naive", "conv_param"),
    Pair("conv_im2col", "conv_forward_im2col", "conv_backward_im2col", "conv_param"),
    Pair("max_pool", "max_pool_forward_naive", "max_pool_backward_naive", "pool_param"),
    Pair("lstm_step", "lstm_step_forward", "lstm_step_backward", outputs="two"),
    Pair("softmax_loss", "softmax_loss", "", outputs="loss"),
    Pair("svm_loss", "svm_loss", "", outputs="loss"),
)


def pairs():
    """{the person's backward (or loss function) name: Pair}: ``PAIRS``, then every other layer of the
    catalogue by its own names."""
    from manual.layers import catalogue

    found = {p.function: p for p in PAIRS}
    for layer in catalogue().values():
        if layer.name not in {p.layer for p in PAIRS} and layer.backward_name not in found:
            found[layer.backward_name] = Pair(layer.name, layer.forward_name, layer.backward_name)
    return found


def found_in(names):
    """(the ``Pair``s whose functions are all in ``names`` (the file's top-level function names), the
    ``*_backward`` names with no layer of ours, the forwards of ours defined without their backward)."""
    table = pairs()
    chosen = [p for name, p in table.items() if name in names and (not p.backward or p.forward in names)]
    unknown = sorted(n for n in names if "_backward" in n and n not in table)
    alone = sorted({p.forward for p in table.values() if p.backward and p.forward in names
                    and not any(q.forward == p.forward and q.backward in names for q in table.values())})
    return chosen, unknown, alone


def is_layer_file(names):
    """Whether a file defining ``names`` holds at least one of the catalogue's layer pairs."""
    return bool(found_in(names)[0])


def param_dict(layer, pair):
    """The dict the person's forward takes: our forward's keyword defaults (eps, momentum) under
    ``layer.options`` (p, seed, stride, pad, ...), "mode": "train" where the pair says; None values left out."""
    ours = inspect.signature(layer.function("manual", "forward")).parameters.values()
    said = {p.name: p.default for p in ours if p.default is not p.empty and p.default is not None}
    said.update(layer.options)
    return {**({"mode": "train"} if pair.train else {}), **said}


def calling(pair, layer, fn):
    """(extra positional arguments, keyword arguments, how it was called in words) for the person's forward
    ``fn``: CS231n's dict where the pair names one, or where it takes one more parameter than the inputs."""
    from comparisons.forms import positional

    n = len(positional(fn) or ())
    inputs = len(layer.inputs(0, np.float64))
    if pair.param or (n == inputs + 1 and (layer.options or param_dict(layer, pair))):
        d = param_dict(layer, pair)
        return (d,), {}, f"{pair.param or 'param'} {d}"
    return (), dict(layer.options), ", ".join(f"{k}={v!r}" for k, v in layer.options.items())


# --- In the child: the person's functions on our inputs ---------------------------------------------


@dataclass(frozen=True)
class LayerRun:
    """One pair run: the ``Pair``, our inputs, dout, our NumPy forward's ``ours``; the person's ``out`` and
    ``grads`` ({"dx": ...} in our layer's order), how their forward was called, warnings; or ``failure``."""

    pair: Pair
    inputs: dict
    dout: object = None
    ours: object = None
    out: object = None
    grads: dict = field(default_factory=dict)
    called: str = ""
    warnings: tuple = ()
    failure: Failure = None


def run_pair(code, pair, layer, seed, dtype, status=None):
    """A ``LayerRun``: the person's forward and backward (from ``code``, a ``load.Code``) on our layer's inputs."""
    from comparisons.layer_check import upstream

    inputs = layer.inputs(seed, np.dtype(dtype))
    ours, _ = layer.function("manual", "forward")(*inputs.values(), **layer.options)
    forward, backward = code.get(pair.forward), code.get(pair.backward)
    lost = [n for n, f in ((pair.forward, forward), (pair.backward, backward)) if n and f is None]
    if lost:       # defined in the file, but not once it was read (a definition that failed: see the notes)
        return LayerRun(pair, inputs, ours=np.asarray(ours), failure=Failure(
            lost[0], "missing", f"{lost[0]} is not a function once {code.origin} was read"))
    args, kwargs, called = calling(pair, layer, forward)
    call, batch = Caller(status), f"{layer.name} layer's"
    run = LayerRun(pair, inputs, ours=np.asarray(ours), called=called)
    fresh = [np.copy(v) for v in inputs.values()]    # their code may change its inputs in place
    grads = ", ".join("d" + g for g in layer.grads)
    out = None
    try:
        if pair.outputs == "loss":     # softmax_loss(x, y) -> (loss, dx): the gradient at dout = 1
            expected = f"{pair.forward}(x, y) -> (loss, dx)"
            value = call(pair.forward, forward, fresh, expected, batch)
            loss, dx = unpack(pair.forward, value, ("loss", "dx"), expected)
            out = numbers(pair.forward, "loss", loss, "()")
            return replace(run, dout=np.asarray(1.0, np.dtype(dtype)), out=out, warnings=tuple(call.warnings),
                           grads={"dx": numbers(pair.forward, "dx", dx, np.shape(inputs["x"]))})
        fn = (lambda *a: forward(*a, **kwargs)) if kwargs else forward
        expected = f"{pair.forward}({', '.join(inputs)}{', ' + pair.param if pair.param else ''}) -> (out, cache)"
        value = call(pair.forward, fn, (*fresh, *args), expected, batch)
        dout = upstream(ours, seed)
        if pair.outputs == "two":      # the LSTM step: (next_h, next_c, cache), read as out = [next_h, next_c]
            next_h, next_c, cache = unpack(pair.forward, value, ("next_h", "next_c", "cache"), expected)
            out = np.concatenate([numbers(pair.forward, k, v, "(N, H)") for k, v in
                                  (("next_h", next_h), ("next_c", next_c))], axis=1)
            H = np.shape(next_h)[-1]
            expected = f"{pair.backward}(dnext_h, dnext_c, cache) -> ({grads})"
            got = call(pair.backward, backward, (dout[:, :H].copy(), dout[:, H:].copy(), cache), expected, batch)
        else:
            out, cache = unpack(pair.forward, value, ("out", "cache"), expected)
            out = numbers(pair.forward, "out", out, np.shape(ours))
            expected = f"{pair.backward}(dout, cache) -> ({grads})"
            got = call(pair.backward, backward, (dout.copy(), cache), expected, batch)
        got = unpack(pair.backward, got if len(layer.grads) > 1 else (got,), grads.split(", "), expected)
        got = {"d" + g: numbers(pair.backward, "d" + g, v, np.shape(inputs[g])) for g, v in zip(layer.grads, got)}
    except Failed as failed:       # their forward's out, when it got that far, is still compared
        return replace(run, out=out, failure=failed.failure, warnings=tuple(call.warnings))
    return replace(run, dout=dout, out=out, grads=got, warnings=tuple(call.warnings))


def run_here(target, names, seed=0, dtype="float64", status=None):
    """(origin, notes, [LayerRun]) of the pairs ``names`` (their functions' names) in ``target``, in this process."""
    from comparisons.verify.load import load
    from manual.layers import catalogue

    if status:
        Path(status).write_text(f"importing {target}")
    code = load(target)
    layers, table = catalogue(), pairs()
    runs = [run_pair(code, table[n], layers[table[n].layer], seed, dtype, status) for n in names]
    return code.origin, code.notes, runs


def child(request, response, status):
    """The child process (``children.main``): read the request, ``run_here``, write the answer."""
    job = pickle.loads(Path(request).read_bytes())
    try:
        answer = {"runs": run_here(job["target"], job["names"], job["seed"], job["dtype"], status)}
    except CannotVerify as e:
        answer = {"error": str(e)}
    Path(response).write_bytes(pickle.dumps(answer))


# --- Here: the references, the table, the verdict ---------------------------------------------------


class YourMask:
    """Our dropout layer at the person's mask (``scale`` = out / x: 0 or 1/p), for the references: CS231n
    draws its mask with np.random.seed, ours with default_rng, and the gradient is checked at theirs."""

    def __init__(self, layer, scale):
        self.layer, self.scale = layer, scale

    def __getattr__(self, name):
        return getattr(self.layer, name)

    @property
    def options(self):
        return {}

    def function(self, source, which):
        if which != "forward":
            return self.layer.function(source, which)
        scale = self.scale
        if source == "torch":
            import torch

            return lambda x: x * torch.from_numpy(scale).to(x.dtype)
        if source == "jax":
            import jax.numpy as jnp

            return lambda x: x * jnp.asarray(scale, x.dtype)
        return lambda x: (x * scale, None)


class Given:
    """``layer`` whose manual backward returns the person's gradients (at the one point the witness asks
    about): ``layer_check.witness`` then judges theirs against the numerical derivative of our forward."""

    def __init__(self, layer, grads):
        self.layer, self.grads_given = layer, grads

    def __getattr__(self, name):
        return getattr(self.layer, name)

    def function(self, source, which):
        if source == "manual" and which == "backward":
            return lambda dout, cache: tuple(self.grads_given)
        return self.layer.function(source, which)


def references(layer, run, against):
    """({reference: {"dx": ...}}, the layer the references differentiated: ours, or ours at their dropout mask)."""
    from comparisons.layer_check import jax_vjp, torch_vjp, witness

    if layer.name == "dropout" and np.shape(run.out) == np.shape(run.inputs["x"]):
        layer = YourMask(layer, (np.asarray(run.out, np.float64) / np.asarray(run.inputs["x"], np.float64)))
    found = {}
    if "torch" in against:
        found["torch"] = torch_vjp(layer, run.inputs, run.dout)
    if "jax" in against:
        found["jax"] = jax_vjp(layer, run.inputs, run.dout)
    shapes_ok = all(np.shape(run.grads["d" + g]) == np.shape(run.inputs[g]) for g in layer.grads)
    if "numerical" in against and shapes_ok:
        grads = [np.asarray(run.grads["d" + g], np.float64) for g in layer.grads]
        rows = witness(Given(layer, grads), run.inputs, run.dout).rows
        found["numerical"] = {r["quantity"]: r for r in rows if r["quantity"] != "J"}
    return found, layer


def forward_row(layer, run, rtol):
    """The person's forward output against ours (dropout: each element x / p or 0)."""
    from comparisons.agreement import compare_arrays

    expected = run.ours
    if layer.name == "dropout" and np.shape(run.out) == np.shape(expected):
        p = layer.options["p"]
        expected = np.where(run.out != 0, run.inputs["x"] / p, 0).astype(run.ours.dtype)
    _, _, max_rel, verdict = compare_arrays(run.out, expected, rtol)
    diagnosis = "" if verdict == "agree" else forward_diagnosis(layer, run, expected)
    return dict(function=run.pair.forward, quantity="out (forward)", torch=np.nan, jax=np.nan, numerical=np.nan,
                forward=max_rel, verdict=verdict, diagnosis=diagnosis)


def forward_diagnosis(layer, run, expected):
    out = np.asarray(run.out)
    if out.shape != np.shape(expected):
        return f"your out has shape {out.shape}; ours {np.shape(expected)}"
    if layer.name == "dropout":
        x, p = run.inputs["x"], layer.options["p"]
        kept = out != 0
        if np.allclose(out[kept], x[kept]):
            return f"kept elements are x, not x / p: the mask is not scaled by 1/p at train time (p = {p})"
        if np.allclose(out[kept], x[kept] / (1 - p)):
            return f"kept elements are x / (1 - p): p read as the probability of dropping (CS231n's p keeps, p = {p})"
    return f"your forward differs from ours with {run.called or 'no options'}; gradients are of our forward"


def gradient_rows(layer, run, found, rtol):
    """One row per gradient: max_rel against each reference, the worst verdict, a diagnosis."""
    from comparisons.agreement import PASSING, compare_arrays

    rows = []
    for q, mine in run.grads.items():
        row = dict(function=run.pair.function, quantity=q, forward=np.nan)
        verdicts = []
        for ref in ("torch", "jax"):
            if ref in found:
                _, _, row[ref], v = compare_arrays(mine, found[ref][q], rtol)
                verdicts.append(v)
        if "numerical" in found and q in found["numerical"]:
            r = found["numerical"][q]
            row["numerical"] = r["max_rel"]
            # the witness holds float64 to its method's rtol; float32 gradients are held to float32's
            verdicts.append("agree" if r["verdict"] == "DISAGREE" and r["max_rel"] <= rtol else r["verdict"])
        worst = next((v for v in verdicts if v not in PASSING), "agree")
        row["verdict"] = worst
        reference = found.get("torch", found.get("jax", {})).get(q)
        row["diagnosis"] = "" if worst in PASSING else gradient_diagnosis(layer, run, q, mine, reference, rtol)
        rows.append(row)
    return rows


def gradient_diagnosis(layer, run, q, mine, expected, rtol):
    """What is wrong with gradient ``q``, in words: a shape, a known mistake of the layer, a factor, or where."""
    mine = np.asarray(mine, np.float64)
    if expected is None:
        return ""
    expected = np.asarray(expected, np.float64)
    if mine.shape != expected.shape:
        said = f"shape {mine.shape}; expected {expected.shape}"
        if q == "db" and mine.ndim == 1 and run.dout is not None:
            axis = [a for a in range(np.ndim(run.dout)) if np.shape(run.dout)[a] != mine.shape[0]]
            said += " (summed over the wrong axis? db sums dout over the examples, axis 0)" if axis else ""
        return said
    if not np.all(np.isfinite(mine)):
        return f"{int(np.sum(~np.isfinite(mine)))} non-finite element(s)"
    known = known_mistake(layer, run, q, mine, expected)
    if known:
        return known
    ratio = mine[expected != 0] / expected[expected != 0]
    if ratio.size and np.allclose(ratio, ratio.flat[0], rtol=1e-6) and not np.isclose(ratio.flat[0], 1):
        return f"yours is {ratio.flat[0]:.4g} x the reference everywhere: a constant factor"
    wrong = np.abs(mine - expected) > rtol * max(np.max(np.abs(mine)), np.max(np.abs(expected)))
    if not wrong.any():       # autograd agrees; the witness alone does not
        return "the numerical witness disagrees where autograd agrees: see its max_rel"
    at = tuple(int(i) for i in np.argwhere(wrong)[0])
    return f"{int(wrong.sum())} of {mine.size} elements differ (first at {at})"


def known_mistake(layer, run, q, mine, expected):
    """The layer's classic mistakes, recognised: batch norm's dx with the mean and variance held constant;
    an RNN that does not carry dh back through time; max pooling's gradient sent to every element of the window."""
    if layer.name in ("batchnorm", "batchnorm_alt") and q == "dx":
        x, gamma = (np.asarray(run.inputs[k], np.float64) for k in ("x", "gamma"))
        eps = param_dict(layer, run.pair).get("eps", 1e-5)
        constant = run.dout * gamma / np.sqrt(x.var(axis=0) + eps)
        if np.allclose(mine, constant, rtol=1e-5):
            return ("dx = dout * gamma / sqrt(var + eps): the mean and variance treated as constants; both depend "
                    "on x (their paths dmu and dvar into dx are missing)")
    if layer.name in ("rnn", "lstm") and q == "dx" and mine.ndim == 3 and mine.shape[1] > 1:
        last = np.allclose(mine[:, -1], expected[:, -1], rtol=1e-6, atol=1e-12)
        if last and not np.allclose(mine[:, :-1], expected[:, :-1], rtol=1e-6, atol=1e-12):
            return ("only the last step's dx agrees: the gradient of each h[:, t] from the later steps (dprev_h) "
                    "is not carried back through time")
    if layer.name == "max_pool" and q == "dx":
        if np.count_nonzero(mine) > np.count_nonzero(expected):
            return (f"{np.count_nonzero(mine)} elements get a gradient where {np.count_nonzero(expected)} are window "
                    "maxima: the gradient goes to every element of the window, not only to its maximum")
    return ""


def failure_row(run):
    f = run.failure
    where = f" at {f.where}" if f.where else ""
    return dict(function=f.function, quantity="-", torch=np.nan, jax=np.nan, numerical=np.nan, forward=np.nan,
                verdict="FAILS", diagnosis=f"{f.message.splitlines()[0]}{where}" if f.kind == "raises" else f.message)


COLUMNS = ["function", "quantity", "torch", "jax", "numerical", "forward", "verdict", "diagnosis"]


@dataclass
class LayerFileCheck:
    """A layer file's check: ``table`` (one row per function's gradient, and its forward's out), ``runs``
    (the ``LayerRun``s), what was not checked, how it was read; ``Verification``'s interface (render,
    files, exit_status, passed) for ``commands.verify``."""

    origin: str
    table: object
    runs: list
    against: tuple
    dtype: str
    unknown: tuple = ()
    alone: tuple = ()
    notes: tuple = ()

    @property
    def passed(self):
        from comparisons.agreement import PASSING

        return bool(self.table["verdict"].isin(PASSING).all())

    @property
    def exit_status(self):
        return 0 if self.passed else 1

    def failures(self):
        from comparisons.agreement import PASSING

        return self.table[~self.table["verdict"].isin(PASSING)].reset_index(drop=True)

    def verdict(self):
        checked = sorted({r.pair.function for r in self.runs})
        if self.passed:
            return (f"VERDICT: agrees. Every backward of {self.origin} ({len(checked)} function(s): "
                    f"{', '.join(checked)}) matches {', '.join(self.against)}.")
        bad = self.failures()
        first = bad.iloc[0]
        named = ", ".join(dict.fromkeys(f"{r.function} {r.quantity}" if r.quantity != "-" else r.function
                                        for r in bad.itertuples()))
        return (f"VERDICT: disagrees in {len(bad)} row(s) ({named}). First wrong: {first['function']} "
                f"{first['quantity']} ({first['verdict']}): {first['diagnosis']}")

    def notes_text(self):
        from comparisons.agreement import rtol_for

        lines = [f"- Checked: {self.origin} as CS231n-style layer pairs, {self.dtype}: each backward on your own "
                 f"forward's cache, against {', '.join(self.against)} (dout^T d out / d input of our layer of the "
                 f"same name, dout standard normal; the numerical witness differentiates s = sum(out * dout) in "
                 f"float64); forward: your out against our NumPy forward's. max_rel per quantity, rtol "
                 f"{rtol_for(self.dtype):.0e}."]
        called = [f"{r.pair.forward} with {r.called}" for r in self.runs if r.called]
        lines += [f"- Called {', '.join(dict.fromkeys(called))}."] if called else []
        if any(r.pair.layer == "dropout" for r in self.runs):
            lines.append("- dropout: the references differentiate x * mask / p at your mask (out / x), since CS231n "
                         "draws it with np.random.seed; your forward must keep x / p or drop to 0.")
        if any(r.pair.outputs == "loss" for r in self.runs):
            lines.append("- softmax_loss, svm_loss return (loss, dx): dx is checked as the gradient at dout = 1.")
        lines += [f"- No layer of ours by that name, not checked: {', '.join(self.unknown)}."] if self.unknown else []
        lines += [f"- A forward without its backward, not checked: {', '.join(self.alone)}."] if self.alone else []
        lines += [f"- {n[:1].upper()}{n[1:]}." for n in self.notes]
        warned = list(dict.fromkeys(w for r in self.runs for w in r.warnings))[:3]
        lines += [f"- NumPy warned: {w}" for w in warned]
        return "\n".join(lines)

    def shown(self):
        view = self.table[COLUMNS].copy()
        for c in ("torch", "jax", "numerical", "forward"):
            view[c] = view[c].map(lambda x: "-" if x != x else f"{x:.1e}")
        return view

    def render(self, width=None):
        from comparisons.terminal import UNLIMITED, wrap_notes
        from comparisons.verify.verification import fitted_table, text_table

        if width is None or width >= UNLIMITED:
            return f"{text_table(self.shown())}\n\n{self.notes_text()}\n\n{self.verdict()}"
        view = self.shown().assign(kind="", shape="", expected="")
        table = fitted_table(view, width, ["torch", "jax", "numerical", "forward"])
        folded = ("\n- max_rel: the worst of the torch, jax, numerical and forward columns, folded to fit the "
                  "terminal; every column is in verify.md and verify.csv (written by --out DIR)."
                  if " max_rel " in table else "")
        return f"{table}\n\n{wrap_notes(self.notes_text() + folded, width)}\n\n{wrap_notes(self.verdict(), width)}"

    terminal_view = render
    __repr__ = render

    def _repr_html_(self):
        import html

        colour = "#1a7f37" if self.passed else "#cf222e"
        return (self.shown().to_html(index=False) + f"<p style='color:{colour}'><b>{html.escape(self.verdict())}"
                f"</b></p><pre>{html.escape(self.notes_text())}</pre>")

    def failure_message(self):
        """The verdict and the failing rows: the pytest plugin's assertion message."""
        from comparisons.verify.verification import text_table

        failing = self.shown()[~self.table["verdict"].isin(("agree", "not measured")).to_numpy()]
        return f"{self.verdict()}\n\n{text_table(failing)}"

    def markdown(self):
        return (f"# Verification of {self.origin}: CS231n-style layers\n\n" + self.shown().to_markdown(index=False)
                + f"\n\n{self.notes_text()}\n\n**{self.verdict()}**\n")

    def files(self):
        return {"verify.md": self.markdown(), "verify.csv": self.table.to_csv(index=False)}


def check_layer_file(path, timeout=DEFAULT_TIMEOUT, *, seed=0, dtype="float64", against=None, isolate=None,
                     names=None):
    """The ``LayerFileCheck`` of the layer file ``path`` (``PATH.py:affine_backward``: that pair alone): every
    pair it defines (``names``: its top-level function names; read from the file when not given) run in a child
    process stopped after ``timeout`` seconds (here when ``isolate`` is False), then checked against ``against``
    (default torch, jax, numerical)."""
    from comparisons.verify.load import split_target

    path, function = split_target(str(path))
    import pandas as pd

    from comparisons.agreement import rtol_for
    from comparisons.verify.isolation import in_child
    from manual.layers import catalogue

    if names is None:
        from comparisons.verify.api import defined

        names = defined(str(path))[0]
    if function:
        pair = pairs().get(function)
        if pair is None or function not in names:
            raise CannotVerify(f"{path}:{function}: expected a layer backward of the catalogue defined there "
                               f"(e.g. affine_backward, with affine_forward); handgrad layers lists them")
        if pair.backward and pair.forward not in names:
            raise CannotVerify(f"{path} defines {function} but no {pair.forward}; expected both: the backward is "
                               f"checked on your forward's cache")
        names = {n: names[n] for n in (pair.forward, pair.backward) if n in names}
    chosen, unknown, alone = found_in(names)
    if not chosen:
        raise CannotVerify(f"{path} defines no CS231n layer pair of the catalogue (e.g. affine_forward and "
                           f"affine_backward); handgrad layers lists them")
    against = tuple(against or ("torch", "jax", "numerical"))
    wanted = [p.function for p in chosen]
    if isolate is False:
        origin, notes, runs = run_here(str(path), wanted, seed, dtype)
    else:
        job = dict(target=str(path), names=wanted, seed=seed, dtype=np.dtype(dtype).name)
        answer = in_child(__name__, job, str(path), timeout)
        origin, notes, runs = answer["runs"]
        notes = tuple(notes) + tuple(answer["notes"])
    layers, rtol, rows = catalogue(), rtol_for(dtype), []
    for run in runs:
        layer = layers[run.pair.layer]
        if run.out is not None:
            rows.append(forward_row(layer, run, rtol))
        if run.failure is not None:
            rows.append(failure_row(run))
            continue
        found, _ = references(layer, run, against)
        rows += gradient_rows(layer, run, found, rtol)
    table = pd.DataFrame(rows, columns=COLUMNS)
    return LayerFileCheck(origin, table, runs, against, np.dtype(dtype).name, tuple(unknown), tuple(alone),
                          tuple(notes))
