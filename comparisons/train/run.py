"""Training by the three backends side by side: the split, the batches, the loop, the bound, the verdict.

From the same initial parameters theta_0 (``model.init_params(seed, dtype)``) each backend takes
``steps`` steps of plain gradient descent, theta_s = theta_{s-1} - alpha dJ/dtheta(theta_{s-1}) on the
batch of step s, the seed tutorial's W := W - alpha dW for every parameter. Recorded per dtype:

- per step s and backend: ``loss``, J(theta_{s-1}) on the step's batch as that backend computed it;
- every ``every`` steps, at step 0 and at the last: ``train_loss``, ``train_accuracy`` and
  ``held_out_accuracy`` at theta_s, all computed by the one manual forward pass at that backend's
  parameters (so that what differs is the parameters, not how they are read);
- per step s and pair (manual-torch, manual-jax, torch-jax): ``max_abs_difference``,
  max |theta_s^a - theta_s^b| over every element of every parameter, beside its ``bound``.

The bound. The three compute the same update from the same formula; each rounds it its own way, so a
pair's difference gains at most the sum of two roundings per step: the update theta - alpha g rounds
to eps |theta| (eps the dtype's machine epsilon), and the gradient g is a sum of m products, whose
rounding error is about sqrt(m) eps |g| in practice (38 eps for m = 1,438), times alpha = 0.1: about
5 eps per backend when |theta| <= 1. A step of gradient descent below the stability limit (alpha < 2 /
the Hessian's largest eigenvalue) does not amplify an earlier difference (the update's Jacobian
I - alpha H has norm at most 1), so the differences add at most linearly:

    bound(t) = C eps sum_{s=1..t} max(1, max |theta_s|),   C = 10 (two backends of ~5 eps each)

10 t eps for parameters within [-1, 1]: 1.1e-12 in float64 and 6.0e-4 in float32 after 500 steps (1.23e-12
and 6.6e-4 for the seed network, whose largest |theta| passes 1 as it trains). Its default run stays far within it:
in float64 the differences creep up to about 5 eps after 500 steps, in float32 to about 4 eps for
manual-torch and 23 eps for the pairs with jax, whose difference steps up (from 6e-7 to 2.4e-6, float32)
where one entry of Z1, a ReLU input within rounding of 0, falls on the other side of 0 in one backend
(step 316, measured), and then stays. Past the bound the backends have parted: a wrong gradient (one
part in a million in dW1 parts at the first step: tests/test_train.py), different batches, or a step so
large that rounding differences grow (alpha beyond the stability limit), which the loss curves then show.

A loss that is not finite stops that dtype's training at that step (the step and the backends named);
the rows until then are kept, and the verdict fails.
"""

import contextlib
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from comparisons import BadInput
from comparisons.train import steps as backends
from manual.encoding import is_one_hot

PAIRS = (("manual", "torch"), ("manual", "jax"), ("torch", "jax"))
C = 10.0                 # eps per step of a pair's difference, for parameters within [-1, 1]: see above
DTYPES = {"float64": ("float64",), "float32": ("float32",), "both": ("float64", "float32")}


@dataclass
class Training:
    """What ``train`` measured. ``curves``: one row per (dtype, step, backend); ``pairs``: one row per
    (dtype, step, pair); ``diverged``: {dtype: (step, [backends])} where a loss stopped being finite;
    ``seconds``: the wall time of the whole run (data, steps, evaluations; not the files).

    Its views (``comparisons.train.views``): ``table()`` the final figures as a DataFrame, ``figures()``
    matplotlib Figures, ``files()`` the CSV, PNG and Markdown, ``render()`` the terminal text ending on
    the VERDICT, and ``_repr_html_`` for Jupyter.
    """

    model: str
    settings: dict
    data: str
    n_train: int
    n_held: int
    curves: pd.DataFrame
    pairs: pd.DataFrame
    diverged: dict = field(default_factory=dict)
    seconds: float = 0.0
    step_seconds: dict = field(default_factory=dict)      # (dtype, backend) -> (first step's s, the others' s)

    @property
    def dtypes(self):
        return list(dict.fromkeys(self.pairs["dtype"])) if len(self.pairs) else list(self.settings["dtypes"])

    def parted(self):
        """[(dtype, pair, first step past the bound, difference there, bound there)]."""
        past = self.pairs[~(self.pairs["max_abs_difference"] <= self.pairs["bound"])]
        return [(dtype, pair, int(rows["step"].iloc[0]), rows["max_abs_difference"].iloc[0], rows["bound"].iloc[0])
                for (dtype, pair), rows in past.groupby(["dtype", "pair"], sort=False)]

    def not_falling(self):
        """[(dtype, backend, train loss at step 0, at the last step)] where the training loss did not fall."""
        held = []
        for (dtype, backend), rows in self.evaluated().groupby(["dtype", "backend"], sort=False):
            first, last = rows["train_loss"].iloc[0], rows["train_loss"].iloc[-1]
            if dtype not in self.diverged and not last < first:
                held.append((dtype, backend, first, last))
        return held

    def evaluated(self):
        """The rows with a training loss and accuracies: step 0, every ``every`` steps, the last."""
        return self.curves.dropna(subset=["train_loss"])

    @property
    def ok(self):
        return not self.diverged and not self.parted() and not self.not_falling()

    @property
    def exit_status(self):
        return 0 if self.ok else 1

    # the views, kept in their own module (one idea per module): ``comparisons.train.views``
    def verdict(self):
        """One line: the three stay together within the bound and the loss falls; or what failed."""
        return _views().verdict(self)

    def table(self):
        return _views().table(self)

    def pair_table(self):
        return _views().pair_table(self)

    def figures(self):
        return _views().figures(self)

    def pngs(self):
        return _views().pngs(self)

    def files(self):
        return _views().files(self)

    def markdown(self):
        return _views().markdown(self)

    def render(self, out=None):
        return _views().render(self, out)

    def _repr_html_(self):
        return _views().html(self)


def _views():
    from comparisons.train import views

    return views


def split(dataset, held_out, seed):
    """(train, held) column indices: a seeded permutation, its first round(held_out m) columns held out."""
    m = dataset.X.shape[1]
    n_held = int(round(held_out * m))
    if m - n_held < 1:
        raise BadInput(f"--held-out {held_out:g} leaves no training example of the {m:,}; expected a fraction "
                       f"that keeps at least one (0 <= FRACTION < {1 - 0.5 / m:.4g})")
    order = np.random.default_rng(seed).permutation(m)
    return np.sort(order[n_held:]), np.sort(order[:n_held])


def batches(n, batch, steps, seed):
    """The columns of each step's batch: None (the whole split) when ``batch`` is None or n; else each
    epoch a seeded shuffle of the n columns cut into batches of ``batch``, the last short one dropped
    (every batch the same size, so JAX compiles once). One list for all backends and dtypes."""
    if batch is None or batch == n:
        return [None] * steps
    rng = np.random.default_rng([seed, 1])         # its own stream: the split's draw stays as it was
    per_epoch, out = n // batch, []
    while len(out) < steps:
        order = rng.permutation(n)
        out += [np.sort(order[i * batch:(i + 1) * batch]) for i in range(per_epoch)]
    return out[:steps]


def kind_of(Y):
    """How accuracy is read: "classes" (one-hot Y: the largest output is the class), "binary" (Y of 0/1 in
    one row: an output above 1/2 says 1), or None (regression, reconstruction: no accuracy)."""
    if is_one_hot(Y):
        return "classes"
    return "binary" if Y.shape[0] == 1 and np.all((Y == 0) | (Y == 1)) else None


def accuracy(output, Y, kind):
    """The fraction of examples whose prediction is their label; NaN when there is no accuracy or example."""
    if kind is None or Y.shape[1] == 0:
        return float("nan")
    if kind == "classes":
        return float(np.mean(np.argmax(output, axis=0) == np.argmax(Y, axis=0)))
    return float(np.mean((output > 0.5) == (Y > 0.5)))


def train(model, alpha=0.1, steps=500, batch=None, dtype="both", seed=0, m=None, held_out=0.2, every=None,
          threads=1, progress=False):
    """Train ``model`` (a catalogue name or ``Model``, e.g. ``comparisons.own.with_own``'s) by the manual
    derivation, PyTorch and JAX from the same theta_0, on the same batches; returns a ``Training``.

    ``dtype`` "float64", "float32" or "both"; ``m`` the examples taken from the model's data (None: all);
    ``held_out`` the fraction kept apart for the held-out accuracy; ``every`` the steps between
    evaluations (None: steps // 50, at least 1); ``threads`` those of NumPy's BLAS and PyTorch's pools
    (``comparisons.bench.machine.thread_limits``; None: leave them as they are). ``BadInput`` (one line
    naming the option) for values out of range. Writes nothing: ``Training.files()`` is what
    ``handgrad train`` writes.
    """
    from comparisons import catalogue

    model = catalogue.get(model) if isinstance(model, str) else model
    check(alpha, steps, batch, held_out, dtype)
    source = model.data(m, seed, np.float64)
    train_cols, held_cols = split(source, held_out, seed)
    if batch is not None and batch > len(train_cols):
        raise BadInput(f"--batch {batch} is larger than the training split of {len(train_cols):,} examples; "
                       f"expected 1 to {len(train_cols):,} (or no --batch: the whole split each step)")
    every = every or max(1, steps // 50)
    plan = batches(len(train_cols), batch, steps, seed)
    kind = kind_of(source.Y)
    started = time.perf_counter()
    # a diverging run overflows on purpose: its non-finite loss is reported, not NumPy's warnings
    with _threads(threads), _bar(steps * len(DTYPES[dtype]), progress) as bar, np.errstate(all="ignore"):
        curves, pairs, diverged, seconds = _loop(model, source, train_cols, held_cols, plan, alpha, seed, dtype,
                                                 every, kind, bar)
    columns = ["dtype", "step", "backend", "loss", "train_loss", "train_accuracy", "held_out_accuracy"]
    settings = dict(alpha=alpha, steps=steps, batch=batch, dtypes=DTYPES[dtype], seed=seed, m=m,
                    held_out=held_out, every=every, kind=kind, threads=threads)
    return Training(model.label, settings, source.description, len(train_cols), len(held_cols),
                    pd.DataFrame(curves).reindex(columns=columns), pd.DataFrame(pairs), diverged,
                    time.perf_counter() - started, seconds)


def _loop(model, source, train_cols, held_cols, plan, alpha, seed, dtype, every, kind, bar):
    """The steps of each dtype: (curves rows, pairs rows, diverged, seconds per (dtype, backend))."""
    curves, pairs, diverged, seconds = [], [], {}, {}
    steps = len(plan)
    for name in DTYPES[dtype]:
        dt = np.dtype(name)
        take = (lambda cols: (np.ascontiguousarray(source.X[:, cols], dtype=dt),
                              np.ascontiguousarray(source.Y[:, cols], dtype=dt)))
        (X, Y), (Xh, Yh) = take(train_cols), take(held_cols)
        theta0 = model.init_params(seed, dt)
        run = {b: backends.make(b, model, theta0, X, Y) for b in backends.BACKENDS}
        spent, first = dict.fromkeys(run, 0.0), {}
        evaluate = _evaluator(model, X, Y, Xh, Yh, kind)
        curves += [dict(dtype=name, step=0, backend=b, loss=np.nan, **evaluate(theta0)) for b in run]
        pairs += [dict(dtype=name, step=0, pair=f"{a}-{b}", max_abs_difference=0.0, bound=0.0) for a, b in PAIRS]
        bound = 0.0
        for s, cols in enumerate(plan, start=1):
            J = {}
            for b, step in run.items():
                t = time.perf_counter()
                J[b] = step(cols, alpha)
                spent[b] += time.perf_counter() - t
                if s == 1:              # JAX compiles in its first step: that step is timed apart
                    first[b], spent[b] = spent[b], 0.0
            theta = {b: step.numpy() for b, step in run.items()}
            bound += C * np.finfo(dt).eps * max(1.0, max(float(np.max(np.abs(v))) for v in theta["manual"].values()))
            pairs += [dict(dtype=name, step=s, pair=f"{a}-{b}", max_abs_difference=backends.max_difference(
                theta[a], theta[b]), bound=bound) for a, b in PAIRS]
            bad = [b for b in run if not np.isfinite(J[b])]
            last = s == steps or bad
            for b in run:
                seen = evaluate(theta[b]) if (s % every == 0 or last) and not bad else {}
                curves.append(dict(dtype=name, step=s, backend=b, loss=J[b], **seen))
            bar.update(1)
            if bad:
                diverged[name] = (s, bad)
                bar.update(steps - s)
                break
        seconds.update({(name, b): (first.get(b, 0.0), spent[b]) for b in run})
    return curves, pairs, diverged, seconds


def check(alpha, steps, batch, held_out, dtype):
    """``BadInput`` naming the option for a value out of its range (the CLI's types refuse them first)."""
    if not (isinstance(alpha, (int, float)) and 0 < alpha < float("inf")):
        raise BadInput(f"--alpha {alpha}: expected a finite learning rate more than 0, e.g. 0.1")
    if not (isinstance(steps, int) and steps >= 1):
        raise BadInput(f"--steps {steps}: expected a whole number of steps, 1 or more")
    if batch is not None and not (isinstance(batch, int) and batch >= 1):
        raise BadInput(f"--batch {batch}: expected a whole number of examples, 1 or more")
    if not 0 <= held_out < 1:
        raise BadInput(f"--held-out {held_out}: expected a fraction 0 <= FRACTION < 1")
    if dtype not in DTYPES:
        raise BadInput(f"--dtype {dtype}: expected one of {', '.join(DTYPES)}")


def _evaluator(model, X, Y, Xh, Yh, kind):
    """theta -> {train_loss, train_accuracy, held_out_accuracy}, by the manual forward pass at theta."""
    manual = model.manual

    def evaluate(theta):
        theta = {k: np.asarray(v, dtype=X.dtype) for k, v in theta.items()}
        if not all(np.all(np.isfinite(v)) for v in theta.values()):
            return {}
        held = accuracy(manual.forward(theta, Xh)[0], Yh, kind) if Xh.shape[1] else float("nan")
        return dict(train_loss=float(manual.loss(theta, X, Y)),
                    train_accuracy=accuracy(manual.forward(theta, X)[0], Y, kind), held_out_accuracy=held)

    return evaluate


def _threads(threads):
    """The pools limited to ``threads`` (None: as they are). The three backends take turns, step by step, in
    one process: pools of several threads that spin between their turns slow the others (torch's step on
    seed_net took 3 ms with 1 thread and 160 ms with 2 on two busy cores), so training defaults to 1."""
    if threads is None:
        return contextlib.nullcontext()
    from comparisons.bench.machine import thread_limits

    return thread_limits(threads)


def _bar(total, progress):
    """tqdm on stderr over every step of every dtype; ``progress`` False (not a tty, or CI) shows none."""
    from tqdm import tqdm

    return tqdm(total=total, desc="train", unit="step", disable=not progress, leave=False)
