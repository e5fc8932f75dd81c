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


# --- paths relative to the test file, and one-line failures ----------------------------------------------

RIGHT = "from manual.seed_net import backward\n"
BESIDE = f'''
from comparisons.pytest_plugin import assert_matches_autograd


def test_with_the_fixture(handgrad_check):
    handgrad_check("mine.py", model="seed_net", {OPTIONS})


def test_without_the_fixture():
    assert_matches_autograd("mine.py:backward", {OPTIONS})
'''
MISSING = f'''
def test_missing(handgrad_check):
    handgrad_check("nope.py", {OPTIONS})


def test_wrong_option(handgrad_check):
    handgrad_check("mine.py", mm=16)


def test_wrong_argument(handgrad_check):
    handgrad_check("mine.py", m=0)
'''


def run_pytest_from_elsewhere(tmp_path, tests):
    """pytest run on ``suite/test_mine.py`` (with ``mine.py`` beside it) from another folder: (status, output)."""
    import subprocess
    import sys

    suite, elsewhere = tmp_path / "suite", tmp_path / "elsewhere"
    suite.mkdir()
    elsewhere.mkdir()
    (suite / "mine.py").write_text(RIGHT)
    (suite / "test_mine.py").write_text(tests)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite / "test_mine.py")],
                          cwd=elsewhere, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.slow
def test_a_relative_path_is_read_from_the_test_files_folder_wherever_pytest_starts(tmp_path):
    status, output = run_pytest_from_elsewhere(tmp_path, BESIDE)
    assert status == 0 and "2 passed" in output, output


@pytest.mark.slow
def test_a_missing_file_a_wrong_option_and_a_wrong_argument_fail_with_one_line_each(tmp_path):
    status, output = run_pytest_from_elsewhere(tmp_path, MISSING)
    suite = tmp_path / "suite"
    assert status == 1 and "3 failed" in output and "Traceback" not in output
    assert f"handgrad could not check nope.py: {suite / 'nope.py'}: no such file (a relative path is read from the " \
           f"folder of the test file, {suite})\n" in output, output
    assert "handgrad: 'mm' is not an option of handgrad's check; expected model or one of form, names, m," in output
    assert "handgrad could not check mine.py: m=0: expected a whole number 1 or more" in output
    assert "During handling" not in output and "pytest_plugin.py:" not in output    # no trace of ours


def failure_of(call):
    """The message of the test failure ``call()`` raises, asserting it is one line with no traceback."""
    with pytest.raises(pytest.fail.Exception) as failed:
        call()
    assert failed.value.pytrace is False and "\n" not in failed.value.msg, failed.value.msg
    return failed.value.msg


@pytest.mark.parametrize("target, message", [
    ("nope.py", "handgrad could not check nope.py: {base}/nope.py: no such file (a relative path is read from the "
                "folder of the test file, {base})"),
    ("sub/nope.py:backward", "handgrad could not check sub/nope.py:backward: {base}/sub/nope.py: no such file"),
    ("sub", "handgrad could not check sub: no module named 'sub'"),                  # a module name, not a path
    ("sub/", "handgrad could not check sub/: {base}/sub: a folder, not a file"),
])
def test_one_line_names_the_path_resolved(tmp_path, target, message):
    from comparisons.pytest_plugin import check

    (tmp_path / "sub").mkdir()
    msg = failure_of(lambda: check(target, None, tmp_path, {"isolate": False}))
    assert msg.startswith(message.format(base=tmp_path)), msg


def test_a_path_beside_the_test_file_wins_and_one_only_in_the_current_folder_still_works(tmp_path, monkeypatch):
    from comparisons.pytest_plugin import resolved

    tests, cwd = tmp_path / "tests", tmp_path / "cwd"
    for folder in (tests, cwd):
        folder.mkdir()
    (tests / "mine.py").write_text(RIGHT)
    (cwd / "mine.py").write_text(RIGHT)
    (cwd / "only_here.py").write_text(RIGHT)
    monkeypatch.chdir(cwd)
    assert resolved("mine.py:backward", tests) == f"{tests / 'mine.py'}:backward"
    assert resolved("only_here.py", tests) == "only_here.py"          # as before the plugin read paths so
    assert resolved("package.module", tests) == "package.module"
    assert resolved(str(cwd / "mine.py"), tests) == str(cwd / "mine.py")


def test_without_the_fixture_a_path_is_read_from_the_callers_file(tmp_path):
    """``assert_matches_autograd`` called from a helper in another folder: the helper's folder, not the test's."""
    import importlib.util

    helpers = tmp_path / "helpers"
    helpers.mkdir()
    (helpers / "checks.py").write_text("from comparisons.pytest_plugin import assert_matches_autograd\n\n\n"
                                       "def check_mine():\n    assert_matches_autograd('nope.py', m=16)\n")
    spec = importlib.util.spec_from_file_location("handgrad_helper_checks", helpers / "checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert f"{helpers / 'nope.py'}: no such file" in failure_of(module.check_mine)


@pytest.mark.parametrize("options, message", [
    (dict(mm=16), "handgrad: 'mm' is not an option of handgrad's check; expected model or one of form"),
    (dict(target="x"), "handgrad: 'target' is not an option"),
    (dict(m=0), "handgrad could not check {target}: m=0: expected a whole number 1 or more"),
    (dict(against="tf"), "handgrad could not check {target}: against=('tf',): 'tf' is not a reference"),
    (dict(timeout=-1), "handgrad could not check {target}: timeout=-1: expected seconds more than 0"),
])
def test_a_wrong_option_fails_with_one_line(tmp_path, options, message):
    from comparisons.pytest_plugin import check

    (tmp_path / "mine.py").write_text(RIGHT)
    msg = failure_of(lambda: check("mine.py", None, tmp_path, options))
    assert msg.startswith(message.format(target="mine.py")), msg
