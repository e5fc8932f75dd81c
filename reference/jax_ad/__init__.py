"""Reference models in JAX; gradients from ``jax.grad`` (named so as not to shadow jax).

JAX computes in float32 unless 64-bit mode is on. It is switched on here, once, before any
array is made, so float64 inputs stay float64 and float32 inputs stay float32.
"""

import jax

jax.config.update("jax_enable_x64", True)
