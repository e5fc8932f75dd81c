"""Layers in JAX, forward only: ``jax.vjp`` gives their vector-Jacobian products."""

import reference.jax_ad  # noqa: F401  (64-bit mode)
