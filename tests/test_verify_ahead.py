"""JAX's references computed ahead in a thread (``comparisons.verify.ahead``): the same results as
``run_autograd`` in this thread, and no thread left when the block ends."""

import threading
from dataclasses import replace

import numpy as np
import pytest

from comparisons import catalogue
from comparisons.sources import run_autograd
from comparisons.verify.ahead import JaxReferences
from comparisons.verify.calls import make_cases


def test_the_results_ahead_are_run_autograds_and_the_thread_ends_with_the_block():
    model = catalogue.get("seed_net")
    cases = make_cases(model, 16, 0, "float64", None)
    with JaxReferences(model, cases) as ahead:
        found = {case.name: ahead.result(case) for case in reversed(cases)}     # any order of asking
    assert not [t for t in threading.enumerate() if t.name.startswith("handgrad-jax")]
    for case in cases:
        here = run_autograd(model, "jax", case.params, case.X, case.Y)
        assert found[case.name].loss == here.loss
        assert set(found[case.name].grads) == set(here.grads)
        for k, g in here.grads.items():
            np.testing.assert_array_equal(found[case.name].grads[k], g)


def test_an_error_in_the_thread_reaches_the_caller():
    model = catalogue.get("seed_net")
    broken = replace(make_cases(model, 16, 0, "float64", None)[0], X=np.ones((783, 16)))   # n_x 783, W1's 784
    with JaxReferences(model, [broken]) as ahead, pytest.raises(Exception):
        ahead.result(broken)
    assert not [t for t in threading.enumerate() if t.name.startswith("handgrad-jax")]
