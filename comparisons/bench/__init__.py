"""``handgrad bench``: speed that can be trusted, for any catalogue model.

- ``subject``:  what is timed (a catalogue model, at its own or another hidden width)
- ``backends``: one forward or gradient step per backend (manual, fast manual, PyTorch eager,
  torch.compile, jax.jit; their CUDA/GPU variants where a GPU is present)
- ``floor``:    the machine's floor from measured bandwidth and GEMM rate, per row
- ``memory``:   peak memory of one step, measured in a child process
- ``measure``:  rows of the table: every backend timed with ``comparisons.timing.time_step``
- ``sweeps``:   batch-size and width sweeps, and the fitted log-log slopes
- ``plot``:     the log-log figures (PNG)
- ``tables``:   the Markdown and CSV files
"""
