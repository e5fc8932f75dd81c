"""The pytest plugin, loaded through its ``pytest11`` entry point, in test suites pytester makes.

The checks name their code by module name, so each starts a child process (``slow``)."""

import pytest

pytest_plugins = ["pytester"]

OPTIONS = 'm=16, against=("torch",), cases=("typical",)'


@pytest.fixture(scope="module")
def imported_here():
    """Run one check out here first: pytester's in-process runs drop the modules they import, and
    NumPy's and PyTorch's extension modules cannot be imported twice in one process."""
    from comparisons.verify import verify
    from manual import seed_net

    verify(seed_net.backward, m=16, against=("torch",), cases=("typical",))


@pytest.fixture
def suite(pytester, imported_here):
    """A person's project: a derivation in the tutorial's style with one slip, and a right one."""
    pytester.makepyfile(mine_right="from manual.seed_net import backward\n", mine_wrong='''
        from manual.seed_net import backward as right


        def backward(params, cache, X, Y):
            grads = right(params, cache, X, Y)
            grads["db2"] = grads["dZ2"].sum() / X.shape[1]
            return grads
        ''')
    pytester.syspathinsert()
    return pytester


def test_the_plugin_is_registered_by_its_entry_point(pytester):
    result = pytester.runpytest("--fixtures", "-q")
    result.stdout.fnmatch_lines(["handgrad_check -- *comparisons/pytest_plugin.py:*"])


@pytest.mark.slow
def test_one_line_passes_for_a_right_derivation(suite):
    suite.makepyfile(test_mine=f'''
        def test_backward(handgrad_check):
            handgrad_check("mine_right", model="seed_net", {OPTIONS})
        ''')
    suite.runpytest("-q").assert_outcomes(passed=1)


@pytest.mark.slow
def test_a_wrong_derivation_fails_with_the_table_of_failing_quantities(suite):
    suite.makepyfile(test_mine=f'''
        from comparisons.pytest_plugin import assert_matches_autograd


        def test_backward():
            assert_matches_autograd("mine_wrong", {OPTIONS})
        ''')
    result = suite.runpytest("-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*VERDICT: disagrees in 1 row(s). First wrong: db2*",
                                 "*quantity*verdict*diagnosis*",
                                 "*db2*SHAPE MISMATCH*summed over all axes*"])
    assert "dW2" not in result.stdout.str().split("VERDICT")[1]   # only failing quantities are listed


@pytest.mark.slow
def test_code_that_cannot_be_checked_fails_with_the_reason(suite):
    suite.makepyfile(test_mine=f'''
        def test_backward(handgrad_check):
            handgrad_check("no_such_module", {OPTIONS})
        ''')
    result = suite.runpytest("-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*handgrad could not check no_such_module: no module named 'no_such_module'*"])
