"""``handgrad train``: one model trained by the manual derivation, PyTorch and JAX side by side.

The same initial parameters, the same batches, plain gradient descent theta := theta - alpha dtheta (the
seed tutorial's W := W - alpha dW, alpha = 0.10, 500 steps): do the three stay together, and does the
loss fall? Modules:

- ``steps``: one step in each backend (NumPy's hand derivation, torch autograd, a jitted JAX step)
- ``run``:   the held-out split, the batches, the loop, the bound on the pairs' differences, ``Training``
- ``views``: its tables, figures, files, terminal text, VERDICT and HTML

From Python (nothing is written; a Jupyter cell shows the tables and plots)::

    from comparisons.train import train
    t = train("seed_net", steps=100)          # -> Training; t.table(), t.figures(), t.ok
    t                                           # in Jupyter: _repr_html_, the tables and the plots inline

For another report (the HTML report's training section), ``section(...)`` runs it and returns what to
show, without writing a file: ``(table, pairs, figures, verdict)``, the two tables as DataFrames, the figures
as {name: PNG bytes} ("train_curves", "train_differences"), and the VERDICT line.
"""

from comparisons.train.run import Training, train

__all__ = ["Training", "section", "train"]


def section(model="seed_net", **options):
    """``(table, pairs, figures, verdict)`` of ``train(model, **options)`` for a report: the final figures
    per dtype and backend and the largest parameter difference per pair (pandas DataFrames), {name: PNG
    bytes} of the loss/accuracy curves and of the differences over the steps, and the VERDICT line."""
    t = train(model, **options)
    return t.table(), t.pair_table(), t.pngs(), t.verdict()
