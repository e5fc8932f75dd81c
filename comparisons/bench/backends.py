"""What a bench row times: a catalogue model (the ``Subject``), and one step of it per backend.

Subject: a catalogue model at its own hidden width, or at another one. A model has a width knob when

- its manual module has a fast twin ``manual/<module>_fast.py`` whose ``init_params`` takes
  ``n_h`` (the seed network: the literal module fixes n_h = 10, the fast one reads n_h from W1;
  the PyTorch and JAX references read every size from the arrays they are given), or
- its catalogue ``config`` names the hidden sizes: an int ``n_h``/``hidden``/``width``, or a
  tuple ``sizes``/``layer_sizes`` whose inner entries are the hidden widths.

Two kinds of step (``KINDS``):

- ``forward``:  the loss J only, no gradient;
- ``gradient``: J's gradient with respect to every parameter (forward and backward, once).

Backends: the manual derivation (``manual/<module>.py``: ``loss``; ``forward`` then
``backward``), its fast twin where there is one (``manual/<module>_fast.py``: ``loss``,
``gradient``, on the bench's thread count, with X in the layout its ``layout`` asks for, made
once before timing as JAX copies X into its own buffers; the fast form's block and piece sizes
are calibrated for the machine in its ``compile``, timed apart), its compiled twin where there is
one (``manual/<module>_compiled.py``, "manual numba (compiled)": the same equations fused in one
pass over X by numba; its first call, numba's compilation or the load of numba's cache, is its
``compile``), PyTorch eager
(``reference/torch_ad/autograd.gradient_step``), ``torch.compile`` of the reference loss
(Inductor; the first call compiles and is timed apart), and ``jax.jit``
(``reference/jax_ad/autograd.gradient_step``, compiled ahead of time). Where PyTorch sees CUDA
or JAX a GPU, the GPU variants are added, with device synchronisation in ``wait``. A backend
that cannot run a subject here is ``unavailable``, with the reason.
"""

import dataclasses
import importlib
import importlib.util
import inspect
from dataclasses import dataclass
from typing import Callable, Optional

from comparisons.bench.machine import gpus
from comparisons.catalogue import Model

KINDS = ("forward", "gradient")
COMPILED = "manual numba (compiled)"
MANUAL_BACKENDS = ("manual NumPy", "manual NumPy fast", COMPILED)
CPU_BACKENDS = (*MANUAL_BACKENDS, "PyTorch eager", "torch.compile", "jax.jit")
GPU_BACKENDS = ("PyTorch eager (CUDA)", "torch.compile (CUDA)", "jax.jit (GPU)")
WIDTH_KEYS = ("n_h", "hidden", "width")
SIZES_KEYS = ("sizes", "layer_sizes")


def fast_module(model, twin="fast"):
    """``manual/<module>_<twin>.py`` ("fast" or "compiled") of an unconfigured model, imported; None when
    there is none."""
    name = f"manual.{model.module}_{twin}"
    if model.config or importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def _fast_takes_width(model):
    fast = fast_module(model)
    return fast is not None and "n_h" in inspect.signature(fast.init_params).parameters


def _config_key(model):
    """The config key that holds the hidden width(s), or None."""
    for key in WIDTH_KEYS:
        if isinstance(model.config.get(key), int):
            return key
    for key in SIZES_KEYS:
        sizes = model.config.get(key)
        if isinstance(sizes, (tuple, list)) and len(sizes) >= 3:
            return key
    return None


def has_width(model):
    """True when the bench can change the model's hidden width (see the module docstring)."""
    return _fast_takes_width(model) or _config_key(model) is not None


@dataclass(frozen=True)
class Subject:
    """A catalogue model, at hidden width ``width`` (None: the model as catalogued)."""

    model: Model
    width: Optional[int] = None

    def __post_init__(self):
        if self.width is not None and not has_width(self.model):
            raise ValueError(f"model {self.model.name} has no hidden width to sweep; "
                             "expected a model with a width knob (see comparisons/bench/backends.py)")
        if self.width is not None and self.width < 1:
            raise ValueError(f"hidden width {self.width}; expected at least 1")

    @property
    def configured(self):
        """The catalogue entry with the width written into its config (models with a config knob)."""
        key = _config_key(self.model) if self.width is not None else None
        if key is None:
            return self.model
        old = self.model.config[key]
        new = self.width if key in WIDTH_KEYS else (old[0], *[self.width] * (len(old) - 2), old[-1])
        return dataclasses.replace(self.model, config={**self.model.config, key: new})

    @property
    def name(self):
        return self.model.name

    @property
    def through_fast(self):
        """True when this width exists only in the fast module (the literal one cannot run it)."""
        return self.width is not None and _config_key(self.model) is None

    def source(self, source):
        """The module (or configured model object) of ``source``: "manual", "fast", "compiled", "torch", "jax".

        None where that source cannot run this subject: no fast or compiled twin, or the literal
        manual module at a width it does not have.
        """
        if source in ("fast", "compiled"):
            return fast_module(self.configured, source)
        if source == "manual" and self.through_fast and self.width != self.own_width:
            return None
        return self.configured.source(source)

    @property
    def own_width(self):
        """The catalogued model's hidden width (rows of its first weight matrix); None without a knob."""
        if not has_width(self.model):
            return None
        return list(self.model.manual.param_shapes().values())[0][0]

    def param_shapes(self):
        """{name: shape} at this width."""
        if self.through_fast:
            return fast_module(self.model).param_shapes(n_h=self.width)
        return self.configured.manual.param_shapes()

    def init_params(self, seed, dtype):
        if self.through_fast:
            return fast_module(self.model).init_params(seed=seed, dtype=dtype, n_h=self.width)
        return self.configured.init_params(seed, dtype)

    def check_inputs(self, params, X, Y):
        """The manual module's input checks (the fast one's where the literal cannot run)."""
        (self.source("manual") or self.source("fast")).check_inputs(params, X, Y)

    def data(self, m, seed, dtype):
        """The model's built-in data with m examples (``Dataset``: X, Y, description)."""
        return self.model.data(m, seed, dtype)


@dataclass(frozen=True)
class Step:
    """``step()`` does the work once; ``compile()`` (timed apart) first; ``wait(result)`` blocks."""

    step: Callable
    compile: Optional[Callable] = None
    wait: Optional[Callable] = None
    device: str = "cpu"


def unavailable(subject, gpu=None):
    """{backend: why it cannot run ``subject`` here} for every backend that cannot (``gpu``: ``gpus()``)."""
    gpu = gpus() if gpu is None else gpu
    why = {}
    if subject.source("manual") is None:
        why["manual NumPy"] = f"the literal manual module fixes n_h = {subject.own_width}"
    if subject.source("fast") is None:
        why["manual NumPy fast"] = f"no fast manual module (manual/{subject.model.module}_fast.py) for {subject.name}"
    if subject.source("compiled") is None:
        why[COMPILED] = f"no compiled manual module (manual/{subject.model.module}_compiled.py) for {subject.name}"
    if not gpu.get("torch"):
        why.update(dict.fromkeys(GPU_BACKENDS[:2], "PyTorch sees no CUDA device"))
    if not gpu.get("jax"):
        why[GPU_BACKENDS[2]] = "JAX sees no GPU"
    return why


def available(subject, gpu=None):
    """The backends that can run ``subject``, CPU first, then the GPUs present (``gpus()``)."""
    cannot = unavailable(subject, gpu)
    return [b for b in CPU_BACKENDS + GPU_BACKENDS if b not in cannot]


def make_step(backend, subject, params, X, Y, kind, threads=1):
    """The ``Step`` of ``backend`` doing ``kind`` on (params, X, Y); ValueError for unknown names.

    ``threads``: the thread count the bench set for BLAS and PyTorch, handed to a manual module
    whose ``loss``/``gradient`` take ``threads`` (the fast form: threads over blocks).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of step {kind!r}; expected one of {KINDS}")
    if backend in MANUAL_BACKENDS:
        module = subject.source({"manual NumPy": "manual", "manual NumPy fast": "fast", COMPILED: "compiled"}[backend])
        return _manual(module, params, X, Y, kind, threads)
    if backend in ("PyTorch eager", "PyTorch eager (CUDA)", "torch.compile", "torch.compile (CUDA)"):
        return _torch(subject.source("torch"), params, X, Y, kind, compiled=backend.startswith("torch.compile"),
                      cuda=backend.endswith("(CUDA)"))
    if backend in ("jax.jit", "jax.jit (GPU)"):
        return _jax(subject.source("jax"), params, X, Y, kind, gpu=backend.endswith("(GPU)"))
    raise ValueError(f"unknown backend {backend!r}; expected one of {CPU_BACKENDS + GPU_BACKENDS}")


def _manual(module, params, X, Y, kind, threads):
    if module is None:
        raise ValueError("no manual module runs this model at this width")
    if hasattr(module, "layout"):                  # the layout it asks for, made once before timing
        X = module.layout(X)
    fn = module.loss if kind == "forward" else getattr(module, "gradient", None)
    if fn is None:
        return Step(lambda: module.backward(params, module.forward(params, X)[1], X, Y))
    step = (lambda: fn(params, X, Y, threads=threads)) if "threads" in inspect.signature(fn).parameters else \
        (lambda: fn(params, X, Y))
    if hasattr(module, "calibrated"):              # the fast form's sizes for this machine, chosen apart
        return Step(step, lambda: module.calibrated(X.dtype.name, params["W1"].shape[0]))
    if hasattr(module, "cache_folder"):            # numba: the first call compiles (or loads its cache)
        return Step(step, step)
    return Step(step)


def _torch(module, params, X, Y, kind, compiled=False, cuda=False):
    import torch

    from reference.torch_ad import autograd

    if kind == "gradient" and not compiled and not cuda:
        return Step(autograd.gradient_step(module, params, X, Y))
    device = "cuda" if cuda else "cpu"
    P = {k: t.to(device).requires_grad_(kind == "gradient") for k, t in autograd.as_tensors(params).items()}
    data = {k: t.to(device) for k, t in autograd.as_tensors({"X": X, "Y": Y}).items()}
    loss = module.loss
    if compiled:
        torch._dynamo.reset()                      # compile from scratch: no cache limits, no reuse
        loss = torch.compile(module.loss, dynamic=False)

    def step():
        if kind == "forward":
            with torch.no_grad():
                return loss(P, data["X"], data["Y"])
        return torch.autograd.grad(loss(P, data["X"], data["Y"]), list(P.values()))

    wait = (lambda result: torch.cuda.synchronize()) if cuda else None
    return Step(step, step if compiled else None, wait, torch.cuda.get_device_name(0) if cuda else "cpu")


def _jax(module, params, X, Y, kind, gpu=False):
    import jax

    from reference.jax_ad import autograd

    device = gpus()["jax"] if gpu else jax.devices("cpu")[0]

    def on_device(fn):
        def call():
            with jax.default_device(device):
                return fn()
        return call

    with jax.default_device(device):
        if kind == "gradient":
            step, compile = autograd.gradient_step(module, params, X, Y)
        else:
            P, data = autograd.as_arrays(params), autograd.as_arrays({"X": X, "Y": Y})
            jitted, compiled = jax.jit(lambda P, X, Y: module.loss(P, X, Y)), {}

            def compile():
                compiled["fn"] = jitted.lower(P, data["X"], data["Y"]).compile()

            def step():
                return compiled["fn"](P, data["X"], data["Y"])
    return Step(on_device(step), on_device(compile), jax.block_until_ready, str(device) if gpu else "cpu")
