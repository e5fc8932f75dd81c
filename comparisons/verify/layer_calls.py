"""A person's CS231n-style layer pairs called on our layers' inputs, in the child process: which of
their functions pair with which catalogue layer, how each is called, and what each call returned.

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

A function that raises is recorded as a ``Failure`` naming their line (``calls.Caller``); ``layer_files`` turns the runs into the table.
"""

import inspect
import pickle
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from comparisons.verify.calls import CannotVerify, Caller, Failed, Failure, numbers, unpack

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
