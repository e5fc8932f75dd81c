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

The calling conventions, and how each pair is called: ``layer_calls``.

A function that raises is a finding (``FAILS``, their line named, as ``calls.Caller`` names it); a
backward with no layer of its name, or a forward with no backward, is said in the notes. The person's
code runs in a child process stopped after the time limit (``isolation.in_child``, as ``named`` runs
black-box mode's); the references run here afterwards.
"""
from dataclasses import dataclass

import numpy as np

from comparisons.verify import layer_calls
from comparisons.verify.calls import CannotVerify
from comparisons.verify.isolation import DEFAULT_TIMEOUT
from comparisons.verify.layer_calls import found_in, pairs, param_dict, run_here

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
        answer = in_child(layer_calls.__name__, job, str(path), timeout)   # its ``child``
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
