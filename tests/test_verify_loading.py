"""``handgrad verify FILE`` on code kept as people keep it: a notebook, a script that trains or reads a
CSV that is not here at import, modules that are not installed, sibling imports, a ``__main__`` block
that would fail. Each right file verifies (exit 0) and says in one line how it was read; each with one
planted mistake (db2 summed over all axes) exits 1 with that diagnosis.

Through the command line (``slow``: the file runs in a child process, as people run it) with no flag
but the file; the same files load here too (``isolate=False``), which is quick.
"""

import pytest

from comparisons.cli import main
from comparisons.verify import CannotVerify, verify
from tests.tutorial_code import DEFINITIONS, IMPORTS, SLIPS, TRAINING, TUTORIAL, notebook, notebook_cells, \
    script, variant

QUICK = dict(m=16, against=("torch",), isolate=False)
DB2 = SLIPS["db2 summed over all axes"]
FIRST_WRONG = "First wrong: db2 on the typical batch"
FOREVER = variant("    W1, b1, W2, b2 = init_params()\n    for i in range(iterations):\n",
                  "    open(MARKER, 'w').close()    # proof that training ran\n"
                  "    W1, b1, W2, b2 = init_params()\n    while True:\n", TRAINING)
MADE_HERE = "X_train = np.random.rand(784, 100)\nY_train = np.random.randint(0, 10, 100)\n"


def write(folder, source, name="mine.py"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(source)
    return str(folder / name)


def run_cli(capsys, *argv):
    status = main(["verify", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def right_and_wrong(capsys, right, wrong):
    """``handgrad verify`` on both files, no flags: the right one's output after asserting the statuses."""
    status, out, err = run_cli(capsys, right)
    assert status == 0, out + err
    assert "VERDICT: agrees" in out
    status, wrong_out, err = run_cli(capsys, wrong)
    assert status == 1, wrong_out + err
    assert FIRST_WRONG in wrong_out and "summed over all axes" in wrong_out
    return out


def quick(path):
    """``verify`` here: the result, after asserting that a right file passes."""
    return verify(path, **QUICK)


def assert_wrong(path):
    result = verify(path, **QUICK)
    assert result.exit_status == 1
    assert (result.first_wrong["case"], result.first_wrong["quantity"]) == ("typical", "db2")
    assert "summed over all axes" in result.first_wrong["diagnosis"]


# --- A notebook -------------------------------------------------------------------------------------


def test_a_notebook_is_read_from_its_code_cells(tmp_path):
    result = quick(write(tmp_path, notebook(notebook_cells()), "digits.ipynb"))
    assert result.exit_status == 0
    assert result.outcome.notes[:2] == (
        "read 5 code cells of digits.ipynb (2 lines of % magics and ! shell commands dropped)",
        "loaded the definitions only: the notebook trains at import (code cell 5, line 28: "
        "`W1, b1, W2, b2 = gradient_descent(X_train, Y_train, 0.10, 500)`); skipped 1 more statement that does work")
    assert_wrong(write(tmp_path, notebook(notebook_cells(variant(*DB2, DEFINITIONS))), "wrong.ipynb"))


@pytest.mark.slow
def test_handgrad_verify_reads_a_notebook(tmp_path, capsys):
    out = right_and_wrong(capsys, write(tmp_path, notebook(notebook_cells()), "digits.ipynb"),
                          write(tmp_path, notebook(notebook_cells(variant(*DB2, DEFINITIONS))), "wrong.ipynb"))
    assert "- Read 5 code cells of digits.ipynb (2 lines of % magics and ! shell commands dropped).\n" in out
    assert "- Loaded the definitions only: the notebook trains at import (code cell 5, line 28: " in out
    assert "- Left out, as they failed here: code cell 3, line 1: `data = pd.read_csv(\"train.csv\")" in out


def test_a_file_that_is_no_notebook_says_so(tmp_path):
    with pytest.raises(CannotVerify, match=r"broken.ipynb is not a notebook \(JSONDecodeError: .*\); expected a "
                                           r"Jupyter notebook"):
        verify(write(tmp_path, "{not json", "broken.ipynb"), **QUICK)


# --- A file that trains at import, for ever ---------------------------------------------------------


def forever(tmp_path, definitions=DEFINITIONS):
    """A script that trains at import without end; gradient_descent leaves a marker file if it runs."""
    marker = tmp_path / "training-ran"
    source = f"{IMPORTS}MARKER = {str(marker)!r}\n{MADE_HERE}\n{definitions}\n\n{FOREVER}"
    return source, marker


def test_a_file_that_trains_at_import_is_read_without_training(tmp_path):
    source, marker = forever(tmp_path)
    # here, in this process, a loop for ever would hang the test: it stops at once instead
    source = source.replace("    while True:\n", "    raise SystemExit('trained at import')\n    while True:\n")
    result = quick(write(tmp_path, source))
    assert result.exit_status == 0 and not marker.exists()
    assert result.outcome.notes == ("loaded the definitions only: the file trains at import (line 80: "
                                    "`W1, b1, W2, b2 = gradient_descent(X_train, Y_train, 0.10, 500)`)",)
    assert_wrong(write(tmp_path, forever(tmp_path, variant(*DB2, DEFINITIONS))[0], "wrong.py"))
    assert not marker.exists()


@pytest.mark.slow
def test_handgrad_verify_never_runs_training_at_import(tmp_path, capsys):
    right, marker = forever(tmp_path)
    out = right_and_wrong(capsys, write(tmp_path, right),
                          write(tmp_path, forever(tmp_path, variant(*DB2, DEFINITIONS))[0], "wrong.py"))
    assert not marker.exists()
    assert "- Loaded the definitions only: the file trains at import (line 79: `W1, b1, W2, b2 = " in out


# --- A file that reads a CSV that is not here -------------------------------------------------------

CSV = 'data = pd.read_csv("digits_train.csv")\nX_train = data.values[:, 1:].T / 255.\nY_train = data.values[:, 0]\n'


def test_a_file_whose_csv_is_missing_keeps_its_functions(tmp_path):
    result = quick(write(tmp_path, f"{IMPORTS}\n{CSV}\n\n{DEFINITIONS}"))
    assert result.exit_status == 0
    assert result.outcome.notes == (
        "loaded the definitions only: the file does not import as it is: FileNotFoundError: [Errno 2] No such "
        "file or directory: 'digits_train.csv' (line 5: `data = pd.read_csv(\"digits_train.csv\")`)",)
    assert_wrong(write(tmp_path, f"{IMPORTS}\n{CSV}\n\n{variant(*DB2, DEFINITIONS)}", "wrong.py"))


@pytest.mark.slow
def test_handgrad_verify_reads_a_file_whose_csv_is_missing(tmp_path, capsys):
    out = right_and_wrong(capsys, write(tmp_path, f"{IMPORTS}\n{CSV}\n\n{DEFINITIONS}"),
                          write(tmp_path, f"{IMPORTS}\n{CSV}\n\n{variant(*DB2, DEFINITIONS)}", "wrong.py"))
    assert "- Loaded the definitions only: the file does not import as it is: FileNotFoundError" in out


def test_a_global_m_from_the_missing_data_is_named_when_backward_needs_it(tmp_path):
    source = script(variant(*SLIPS["global m"]))        # the tutorial's own m = data.shape[0]
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, source), **QUICK)
    message = str(error.value)
    assert "backward_prop raised NameError: name 'm' is not defined" in message
    assert "(left undefined, as only skipped statements set them: m (line 7: `m, n = data.shape`), read by " \
           "backward_prop)" in message


# --- Modules that are not installed here ------------------------------------------------------------

COURSE_IMPORTS = "import h5py\nfrom lr_utils import load_dataset\nfrom testCases import *\n"
COURSE_DATA = "train_x, train_y, test_x, test_y, classes = load_dataset()\n"


def test_modules_not_installed_are_stood_in_for(tmp_path):
    result = quick(write(tmp_path, f"{COURSE_IMPORTS}{COURSE_DATA}\n{DEFINITIONS}"))
    assert result.exit_status == 0
    assert result.outcome.notes == (
        "loaded the definitions only: the file reads data at import (line 4: `train_x, train_y, test_x, test_y, "
        "classes = load_dataset()`)",
        "stood in for modules not installed here: h5py, lr_utils, testCases")
    assert_wrong(write(tmp_path, f"{COURSE_IMPORTS}{COURSE_DATA}\n{variant(*DB2, DEFINITIONS)}", "wrong.py"))


def test_an_unused_import_of_a_module_not_installed_leaves_the_file_imported_as_it_is(tmp_path):
    result = quick(write(tmp_path, "import h5py\nfrom PIL import Image\n" + DEFINITIONS))
    assert result.outcome.notes == ("stood in for modules not installed here: h5py",)   # PIL is installed


def test_a_stand_in_raises_only_when_called_and_names_its_module(tmp_path):
    source = variant("import numpy as np\n", "import numpy as np\nfrom dnn_utils import relu_backward\n")
    source = variant("ReLU_deriv(Z1)", "relu_backward(Z1)", source)
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, source), **QUICK)
    assert ("backward_prop raised ModuleNotFoundError: dnn_utils.relu_backward was called, but dnn_utils is not "
            "installed here (handgrad stood in for it so that the file loads)") in str(error.value)
    assert "(stood in for modules not installed here: dnn_utils)" in str(error.value)


@pytest.mark.slow
def test_handgrad_verify_stands_in_for_modules_not_installed(tmp_path, capsys):
    out = right_and_wrong(capsys, write(tmp_path, f"{COURSE_IMPORTS}{COURSE_DATA}\n{DEFINITIONS}"),
                          write(tmp_path, f"{COURSE_IMPORTS}{COURSE_DATA}\n{variant(*DB2, DEFINITIONS)}", "wrong.py"))
    assert "- Stood in for modules not installed here: h5py, lr_utils, testCases.\n" in out


# --- Sibling imports: the file's folder and the folder the person runs from -------------------------

HELPERS = DEFINITIONS[:DEFINITIONS.index("def forward_prop")]      # numpy, ReLU, softmax
HELPERS += DEFINITIONS[DEFINITIONS.index("def ReLU_deriv"):DEFINITIONS.index("def backward_prop")]
PROPAGATION = ("import numpy as np\n\nfrom {module} import ReLU, ReLU_deriv, one_hot, softmax\n\n\n"
               + DEFINITIONS[DEFINITIONS.index("def forward_prop"):DEFINITIONS.index("def ReLU_deriv")]
               + DEFINITIONS[DEFINITIONS.index("def backward_prop"):])


def sibling(folder, mistake=False):
    """``mine.py`` importing its activations from ``activations.py`` beside it."""
    write(folder, HELPERS, "activations.py")
    source = PROPAGATION.format(module="activations")
    return write(folder, variant(*DB2, source) if mistake else source, "wrong.py" if mistake else "mine.py")


def from_repository(repository, mistake=False):
    """``scripts/mine.py`` importing ``nnlib.activations`` from the repository it is run in."""
    write(repository / "nnlib", HELPERS, "activations.py")
    source = PROPAGATION.format(module="nnlib.activations")
    return write(repository / "scripts", variant(*DB2, source) if mistake else source,
                 "wrong.py" if mistake else "mine.py")


def test_a_sibling_module_is_imported_from_the_files_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = quick(sibling(tmp_path / "project"))
    assert result.exit_status == 0 and result.outcome.notes == ()
    assert_wrong(sibling(tmp_path / "project", mistake=True))


def test_a_package_of_the_repository_is_imported_from_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert quick(from_repository(tmp_path)).exit_status == 0
    assert_wrong(from_repository(tmp_path, mistake=True))


def test_each_folders_sibling_is_its_own(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert quick(sibling(tmp_path / "right")).exit_status == 0
    write(tmp_path / "other", variant("return np.maximum(Z, 0)", "return Z", HELPERS), "activations.py")
    write(tmp_path / "other", PROPAGATION.format(module="activations"), "mine.py")
    assert verify(str(tmp_path / "other" / "mine.py"), **QUICK).exit_status == 1   # not the first folder's module


@pytest.mark.slow
def test_handgrad_verify_imports_siblings(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    right_and_wrong(capsys, sibling(tmp_path / "project"), sibling(tmp_path / "project", mistake=True))
    right_and_wrong(capsys, from_repository(tmp_path), from_repository(tmp_path, mistake=True))


# --- A __main__ block never runs --------------------------------------------------------------------

MAIN = f'''

if __name__ == "__main__":
{"".join("    " + line if line.strip() else line for line in (CSV + TRAINING).splitlines(True))}
    raise SystemExit("the __main__ block ran")
'''


def test_a_main_block_that_would_fail_never_runs(tmp_path):
    result = quick(write(tmp_path, IMPORTS + DEFINITIONS + MAIN))
    assert result.exit_status == 0 and result.outcome.notes == ()       # imported as it is
    assert_wrong(write(tmp_path, IMPORTS + variant(*DB2, DEFINITIONS) + MAIN, "wrong.py"))


@pytest.mark.slow
def test_handgrad_verify_never_runs_a_main_block(tmp_path, capsys):
    out = right_and_wrong(capsys, write(tmp_path, IMPORTS + DEFINITIONS + MAIN),
                          write(tmp_path, IMPORTS + variant(*DB2, DEFINITIONS) + MAIN, "wrong.py"))
    assert "Loaded the definitions only" not in out


# --- What counts as work ----------------------------------------------------------------------------


def test_settings_at_import_leave_a_file_imported_as_it_is(tmp_path):
    source = ("import sys\nimport warnings\n\nimport numpy as np\n\nnp.random.seed(1)\nsys.path.append('..')\n"
              "warnings.filterwarnings('ignore')\nEPS = np.finfo(float).eps\n" + TUTORIAL)
    result = quick(write(tmp_path, source))
    assert result.exit_status == 0 and result.outcome.notes == ()


def test_plotting_and_input_at_import_are_skipped(tmp_path):
    source = (IMPORTS + DEFINITIONS + "\n\nplt.imshow(np.zeros((28, 28)))\nplt.show()\n"
              "answer = input('Which digit? ')\n")
    result = quick(write(tmp_path, source))
    assert result.exit_status == 0
    assert result.outcome.notes == ("loaded the definitions only: the file asks for input at import (line 49: "
                                    "`answer = input('Which digit? ')`); skipped 2 more statements that do work",)


def test_a_function_missing_after_a_definitions_only_load_says_how_the_file_was_read(tmp_path):
    source = IMPORTS + DEFINITIONS.replace("def backward_prop(", "def backward_prop_v2(") + "\n\nprint(W1)\n"
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, source), **QUICK)
    assert "\n  (loaded the definitions only: the file prints at import (line 47: `print(W1)`))" in str(error.value)
