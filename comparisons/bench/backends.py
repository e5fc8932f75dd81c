"""Backends: one step of work on one batch, built the same way for every catalogue model.

Two kinds of step (``KINDS``):

- ``forward``:  the loss J only, no gradient;
- ``gradient``: J's gradient with respect to every parameter (forward and backward, once).

Backends: the manual derivation (``manual/<module>.py``: ``loss``; ``forward`` then
``backward``), its fast twin where there is one (``manual/<module>_fast.py``: ``loss``,
``gradient``, on the bench's thread count, with X in the layout its ``layout`` asks for, made
once before timing as JAX copies X into its own buffers), PyTorch eager (``reference/torch_ad/autograd.gradient_step``), ``torch.compile``
of the reference loss (Inductor; the first call compiles and is timed apart), and ``jax.jit``
(``reference/jax_ad/autograd.gradient_step``, compiled ahead of time). Where PyTorch sees CUDA
or JAX a GPU, the GPU variants are added, with device synchronisation in ``wait``.
"""

import inspect
from dataclasses import dataclass
from typing import Callable, Optional

KINDS = ("forward", "gradient")
CPU_BACKENDS = ("manual NumPy", "manual NumPy fast", "PyTorch eager", "torch.compile", "jax.jit")
GPU_BACKENDS = ("PyTorch eager (CUDA)", "torch.compile (CUDA)", "jax.jit (GPU)")


@dataclass(frozen=True)
class Step:
    """``step()`` does the work once; ``compile()`` (timed apart) first; ``wait(result)`` blocks."""

    step: Callable
    compile: Optional[Callable] = None
    wait: Optional[Callable] = None
    device: str = "cpu"


def gpus():
    """{"torch": name or None, "jax": device or None}: the GPUs PyTorch and JAX see."""
    import jax
    import torch

    jax_gpus = [d for d in jax.devices() if d.platform == "gpu"]
    return {"torch": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "jax": jax_gpus[0] if jax_gpus else None}


def available(subject, gpu=None):
    """The backends that can run ``subject``, CPU first, then the GPUs present (``gpus()``)."""
    gpu = gpus() if gpu is None else gpu
    names = [b for b in CPU_BACKENDS if b != "manual NumPy fast" or subject.source("fast") is not None]
    names = [b for b in names if b != "manual NumPy" or subject.source("manual") is not None]
    names += [b for b in GPU_BACKENDS[:2] if gpu.get("torch")]
    return names + [GPU_BACKENDS[2]] * bool(gpu.get("jax"))


def make_step(backend, subject, params, X, Y, kind, threads=1):
    """The ``Step`` of ``backend`` doing ``kind`` on (params, X, Y); ValueError for unknown names.

    ``threads``: the thread count the bench set for BLAS and PyTorch, handed to a manual module
    whose ``loss``/``gradient`` take ``threads`` (the fast form: threads over blocks).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of step {kind!r}; expected one of {KINDS}")
    if backend in ("manual NumPy", "manual NumPy fast"):
        module = subject.source("manual" if backend == "manual NumPy" else "fast")
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
    if "threads" in inspect.signature(fn).parameters:
        return Step(lambda: fn(params, X, Y, threads=threads))
    return Step(lambda: fn(params, X, Y))


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
