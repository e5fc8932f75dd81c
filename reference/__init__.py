"""The catalogue's models written in PyTorch (``reference.torch_ad``) and JAX (``reference.jax_ad``).

Each model is only a loss written from the same ``params`` dict as its manual twin; every
gradient comes from the framework's autograd. Intermediates are marked with ``tap(name, value)``
so the drivers can ask autograd for dJ/dZ1, dJ/dA1, ... without the model code knowing how.
"""
