"""The pytest plugin, installed with the package (entry point ``pytest11``: ``handgrad``); pytest itself
comes with the ``test`` extra (``pip install -e '.[test]'``) or any pytest already installed.

One line in a test says "my backward for this model matches autograd":

    def test_my_backward(handgrad_check):
        handgrad_check("my_nn.py", model="seed_net")           # or a module, or the function itself

A relative path is read from the folder of the test file that uses the fixture, not from the folder
pytest was started in: a suite works wherever it is run from (``pytest``, ``pytest tests/``, an IDE).
A path found only from the current folder is still read from there, as before. Module names
("package.module") are imported as Python imports them.

On failure the test fails with the verdict on its first line and the table of failing quantities
below it; code that cannot be checked, a missing file or a wrong option fails with one line naming
it, without a traceback. ``assert_matches_autograd`` is the same check without the fixture; its
relative paths are read from the folder of the file that calls it. Options are
``comparisons.verify.verify``'s (m, seed, dtype, cases, against, form, timeout, ...). Importing this
module imports nothing heavy: pytest loads it in every session.
"""

import inspect
import sys
from pathlib import Path

import pytest


def assert_matches_autograd(target, model=None, **options):
    """``verify(target, model, **options)``; fails the test unless every quantity agrees. Returns the result.

    ``model`` None: inferred from the form of the code (seed_net when no course form reads it). A relative
    path in ``target`` ("mine.py", "src/mine.py:backward") is read from the folder of the file whose code
    calls this function (the caller's frame), falling back to the current folder where only it has the
    file; the fixture ``handgrad_check`` reads it from the test file's folder."""
    caller = sys._getframe(1).f_code.co_filename     # "<stdin>", "<string>": no file, the current folder
    base = Path(caller).resolve().parent if Path(caller).is_file() else Path.cwd()
    return check(target, model, base, options)


@pytest.fixture
def handgrad_check(request):
    """``handgrad_check(target, model=None, **options)``: ``assert_matches_autograd``, with a relative path in
    ``target`` read from the folder of the test file that uses this fixture."""
    path = getattr(request, "path", None) or Path(str(request.fspath))     # request.path: pytest 7 and later
    base = Path(path).resolve().parent

    def handgrad_check(target, model=None, **options):
        return check(target, model, base, options)

    return handgrad_check


def check(target, model, base, options):
    """The check itself: ``target`` resolved against ``base``, the options checked, ``verify`` run; fails
    the test with one line first (``pytest.fail(..., pytrace=False)``: no traceback of ours)."""
    from comparisons import BadInput
    from comparisons.verify import verify

    unknown = [k for k in options if k not in inspect.signature(verify).parameters or k == "target"]
    if unknown:
        taken = [k for k in inspect.signature(verify).parameters if k not in ("target", "model")]
        fail(f"handgrad: {unknown[0]!r} is not an option of handgrad's check; expected model or one of "
             f"{', '.join(taken)}")
    where = resolved(target, base)
    try:
        result, refused = verify(where, model, **options), None
    except BadInput as e:       # CannotVerify (the code, an argument) or a model option refused
        result, refused = None, f"handgrad could not check {target}: {e}"
    if refused:                 # failed outside the except: no "During handling of the above exception"
        fail(refused)
    if not result.passed:      # black-box mode's GradientCheck: its verdict line, then what it measured
        fail(result.failure_message() if hasattr(result, "failure_message")
             else f"{result.verdict}\n\n{result.render()}")
    return result


def resolved(target, base):
    """``target`` with a relative file path read from ``base`` (or, where only it has the file, from the
    current folder, as before); a module name, a module, a function or an object as it is. Fails the test
    naming the path resolved when no file is there."""
    from comparisons.verify.load import file_of, split_target

    if not isinstance(target, (str, Path)):
        return target
    where, function = split_target(str(target))
    path = file_of(where)
    if path is None:
        return target       # "package.module": Python's import finds it
    path = path.expanduser()
    if path.is_absolute():
        return target
    beside = base / path
    if beside.exists() or not path.exists():
        if not beside.is_file():
            what = "a folder, not a file" if beside.exists() else "no such file"
            fail(f"handgrad could not check {target}: {beside}: {what} (a relative path is read from the folder "
                 f"of the test file, {base})")
        path = beside
    return f"{path}:{function}" if function else str(path)


def fail(message):
    """Fail the test with ``message``: its first line alone says what is wrong, and no traceback follows."""
    __tracebackhide__ = True
    pytest.fail(message, pytrace=False)
