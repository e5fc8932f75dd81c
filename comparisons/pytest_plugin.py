"""The pytest plugin, installed with the package (entry point ``pytest11``: ``handgrad``).

One line in a test says "my backward for this model matches autograd":

    def test_my_backward(handgrad_check):
        handgrad_check("my_nn.py", model="seed_net")           # or a module, or the function itself

On failure the test fails with the verdict and the table of failing quantities as its message;
code that cannot be checked fails with the reason. ``assert_matches_autograd`` is the same check
without the fixture. Options are ``comparisons.verify.verify``'s (m, seed, dtype, cases, against,
form, timeout). Importing this module imports nothing heavy: pytest loads it in every session.
"""

import pytest


def assert_matches_autograd(target, model=None, **options):
    """``verify(target, model, **options)``; fails the test unless every quantity agrees. Returns the result.
    ``model`` None: inferred from the form of the code (seed_net when no course form reads it)."""
    from comparisons.verify import CannotVerify, verify

    try:
        result = verify(target, model, **options)
    except CannotVerify as e:
        pytest.fail(f"handgrad could not check {target}: {e}", pytrace=False)
    if not result.passed:
        pytest.fail(result.failure_message(), pytrace=False)
    return result


@pytest.fixture
def handgrad_check():
    """``handgrad_check(target, model=None, **options)``: see ``assert_matches_autograd``."""
    return assert_matches_autograd
