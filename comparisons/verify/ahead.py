"""JAX's references of verify's batches computed ahead, in a thread, while PyTorch's and the witness's
are computed in the main thread: compiling JAX's gradient for each batch's shapes takes about 0.2 s
(three shapes in a verdict), and XLA compiles and runs outside Python's lock, so the two share the
cores. The results are those of ``comparisons.sources.run_autograd``, computed the same way.

The thread ends before ``verify`` returns (the context manager waits for it), so that no later fork of
this process (verify's child for a function) inherits a thread half-way through its work. The
frameworks' imports are not moved to a thread: an interrupted handgrad would end with that thread
half-way through an import.
"""

from concurrent.futures import ThreadPoolExecutor


class JaxReferences:
    """JAX's ``Result`` of each batch, computed in one thread in the batches' order; ``result(case)``
    waits for that batch's. Use as a context manager: leaving it waits for the thread."""

    def __init__(self, model, cases):
        import reference.jax_ad.autograd  # noqa: F401  (imported here, in the main thread: see the module)
        from comparisons.sources import run_autograd

        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="handgrad-jax")
        self.futures = {case.name: self.pool.submit(run_autograd, model, "jax", case.params, case.X, case.Y)
                        for case in cases}

    def result(self, case):
        return self.futures[case.name].result()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.pool.shutdown(wait=True, cancel_futures=True)
