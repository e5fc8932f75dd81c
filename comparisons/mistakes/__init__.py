"""A gallery of classic mistakes in hand-derived backward passes, and look-alikes that are right.

Each mistake is a copy of a correct derivation (``right.py``) with one idea changed, run through the
same verifier people use on their own code (``comparisons.verify.verify``). ``handgrad mistakes``
prints, for each: the line planted, the batch and quantity where it first shows, the diagnosis,
and which gradient-checking conventions catch it.
"""
