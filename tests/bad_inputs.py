"""The bad-input sweep: every way a new user can give handgrad something wrong, run as they run it.

Each ``Case`` is a command line (``handgrad ...`` in a fresh Python, in a fresh folder), the files it
needs (written the way people write them), the exit status expected and the words of the one line
that must name the problem. ``tests/test_bad_input_sweep.py`` asserts, for every case: the status,
the words, one line on stderr (none of Python's "Traceback"), no partly written file (nothing under
the --out folder unless the run finished, no ``.partial``), and no process of the person's code left.
``python -m tests.bad_inputs`` prints the sweep as a table (case, exit status, message).

The person's backward (or cost) writes its process id to ``pids.txt`` when it runs, so that the sweep can
tell that every process that ran it has ended. (Not at import: a file that does work at import is loaded
for its definitions alone, so a line there never runs.)
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.tutorial_code import TUTORIAL

PID = "import os as _os; open('pids.txt', 'a').write(f'{_os.getpid()}\\n')"
FIRST = "    m = X.shape[1]\n"     # backward_prop's first line in the tutorial


def in_backward(*lines):
    """The tutorial with ``lines`` at the top of backward_prop, after the line that writes its process id."""
    assert FIRST in TUTORIAL
    return TUTORIAL.replace(FIRST, "".join(f"    {line}\n" for line in (PID, *lines)) + FIRST, 1)


RIGHT = in_backward()
COSTS = f"import numpy as np\n\n\ndef cost(t):\n    {PID}\n    return float(t @ t)\n\n\n"


@dataclass(frozen=True)
class Case:
    """``argv`` after ``handgrad``; ``files`` {name: text} written first; the exit ``status`` and ``words``
    of the message (on stderr for 2, in the VERDICT for 1); ``out``: the run takes ``--out out``."""

    name: str
    argv: tuple
    status: int
    words: str
    files: dict = field(default_factory=dict)
    out: bool = True


def verify(*argv, code=RIGHT, status=2, words="", name=None, out=True):
    return Case(name or " ".join(argv), ("verify", "mine.py", *argv), status, words, {"mine.py": code}, out)


CASES = [
    # --- numbers the options accept only within their range -------------------------------------------
    verify("--timeout", "1e9", words="--timeout"),
    verify("--timeout", "0", words="--timeout"),
    verify("--timeout", "-1", words="--timeout"),
    verify("--timeout", "nan", words="--timeout"),
    verify("--timeout", "soon", words="--timeout"),
    verify("--m", "0", words="--m"),
    verify("--m", "-3", words="--m"),
    verify("--m", "1.5", words="--m"),
    verify("--m", "100000000", words="GiB"),
    verify("--seed", "-1", words="--seed"),
    verify("--seed", "x", words="--seed"),
    verify("--lam", "nan", "--model", "seed_net", words="--lam"),
    verify("--lam", "-1", words="--lam"),
    verify("--dtype", "float16", words="--dtype"),
    verify("--model", "nope", words="--model"),
    verify("--form", "nope", words="--form"),
    verify("--case", "nope", words="--case"),
    verify("--against", "nope", words="--against"),
    verify("--names", "forward_prop", words="--names"),
    verify("--recipe", "andrew", words="--recipe"),
    Case("check --budget -1", ("check", "--model", "linear_regression", "--budget", "-1"), 2, "--budget"),
    Case("check --budget nan", ("check", "--model", "linear_regression", "--budget", "nan"), 2, "--budget"),
    Case("check --directions -2", ("check", "--model", "linear_regression", "--directions", "-2"), 2, "--directions"),
    Case("check --sizes 64,0,10", ("check", "--model", "mlp_deep", "--sizes", "64,0,10"), 2, "--sizes"),
    Case("check --sizes a,b", ("check", "--model", "mlp_deep", "--sizes", "a,b"), 2, "--sizes"),
    Case("check --lam inf", ("check", "--model", "linear_regression", "--lam", "inf"), 2, "--lam"),
    Case("check --model nope", ("check", "--model", "nope"), 2, "--model"),
    Case("report --repeats 0", ("report", "--model", "linear_regression", "--repeats", "0"), 2, "--repeats"),
    Case("report --threads 0", ("report", "--model", "linear_regression", "--threads", "0"), 2, "--threads"),
    Case("bench --m 0", ("bench", "--model", "linear_regression", "--m", "0"), 2, "--m"),
    Case("a command that is not one", ("verfy", "mine.py"), 2, "invalid choice: 'verfy'", {"mine.py": RIGHT}),
    # --- targets -----------------------------------------------------------------------------------------
    verify(name="a file that is not there", code=None, words="no such file"),
    Case("a folder as the target", ("verify", "folder"), 2, "is a folder", {"folder/x.py": RIGHT}),
    Case("a Markdown file as the target", ("verify", "notes.md"), 2, "notes.md is a .md file, not Python",
         {"notes.md": "# my notes\n"}),
    Case("an empty file", ("verify", "mine.py"), 2, "mine.py", {"mine.py": ""}),
    Case("a syntax error", ("verify", "mine.py"), 2, "SyntaxError", {"mine.py": RIGHT + "\ndef broken(:\n"}),
    Case("a notebook that is not JSON", ("verify", "mine.ipynb"), 2, "mine.ipynb", {"mine.ipynb": "{not json"}),
    Case("a binary file", ("verify", "mine.py"), 2, "mine.py is not Python source", {"mine.py": "\x00\x01\x02 binary"}),
    Case("a function that is not in the file", ("verify", "mine.py:backwards"), 2, "backwards", {"mine.py": RIGHT}),
    Case("a module that is not installed, unused", ("verify", "mine.py"), 0, "Stood in for modules not installed",
         {"mine.py": "import nosuchmodule\n" + RIGHT}),
    verify(code="import nosuchmodule\n" + in_backward("nosuchmodule.helper()"), status=2,
           name="a module that is not installed, used", words="nosuchmodule"),
    # --- code that raises, exits, loops, prints, allocates, returns junk or changes its inputs ----------
    verify(code="raise RuntimeError('data.csv not found')\n" + RIGHT, status=0, name="code that raises at import",
           words="definitions only"),
    verify(code=in_backward("raise ValueError('shapes')"), status=1, name="a backward that raises",
           words="ValueError"),
    verify(code=in_backward("import sys; sys.exit(3)"), status=1, name="a backward that calls sys.exit",
           words="sys.exit(3)"),
    verify(code=in_backward("import os; os._exit(4)"), name="a backward that calls os._exit", words="os._exit"),
    verify("--timeout", "3", code=in_backward("while True: pass"), name="a backward that loops",
           words="stopped after 3 s"),
    verify("--timeout", "3", code="while True: pass\n" + RIGHT, status=0, name="a loop at import",
           words="definitions only"),
    verify(code=in_backward("print('x' * 10_000_000)"), status=0, name="a backward that prints megabytes",
           words="MB, discarded"),
    verify(code=in_backward("junk = np.ones(2 ** 40)"), status=1, name="a backward that asks for 8 TiB",
           words="MemoryError: your code asked for more memory than the limit"),
    verify(code=in_backward("return None"), name="a backward that returns None", words="backward_prop"),
    verify(code=in_backward("return 1, 2"), name="a backward that returns two things", words="backward_prop"),
    verify(code=in_backward("return 'dW1', 'db1', 'dW2', 'db2'"), name="a backward that returns strings",
           words="backward_prop"),
    verify(code=in_backward("X *= 0"), status=1, name="a backward that changes X in place", words="in place"),
    verify(code=RIGHT.replace("    return dW1, db1, dW2, db2", "    return dW1[:, :5], db1, dW2, db2"), status=1,
           name="a gradient of the wrong shape", words="dW1"),
    verify(code=RIGHT.replace("    return dW1, db1, dW2, db2", "    return dW1 * float('nan'), db1, dW2, db2"),
           status=1, name="a NaN gradient", words="NaN"),
    # --- output folders ------------------------------------------------------------------------------------
    Case("--out ''", ("verify", "mine.py", "--out", ""), 2, "--out", {"mine.py": RIGHT}, out=False),
    Case("--out a file", ("verify", "mine.py", "--out", "afile"), 2, "afile", {"mine.py": RIGHT, "afile": "x"},
         out=False),
    Case("--out under a file", ("verify", "mine.py", "--out", "afile/sub"), 2, "afile",
         {"mine.py": RIGHT, "afile": "x"}, out=False),
    Case("--out a name too long", ("reproduce", "--out", "x" * 300), 2, "too long", out=False),
    # --- black-box mode ------------------------------------------------------------------------------------
    Case("--cost without --grad", ("verify", "costs.py", "--cost", "cost", "--params", "theta0"), 2, "--grad",
         {"costs.py": COSTS + "theta0 = np.ones(3)\n"}),
    Case("--cost naming nothing in the file", ("verify", "costs.py", "--cost", "J", "--grad", "g", "--params", "t0"),
         2, "J", {"costs.py": COSTS + "def g(t):\n    return 2 * t\n\n\nt0 = np.ones(3)\n"}),
    Case("--params that is not numbers", ("verify", "costs.py", "--cost", "cost", "--grad", "g", "--params", "t0"),
         2, "t0", {"costs.py": COSTS + "def g(t):\n    return 2 * t\n\n\nt0 = 'start'\n"}),
    Case("--data a file that is not there", ("check", "--model", "seed_net", "--data", "train.csv"), 2, "train.csv"),
    Case("--params a file of another shape", ("check", "--model", "seed_net", "--params", "w.npz"), 2, "w.npz"),
    # --- train: its numbers, a batch larger than the training split, data that do not fit, a divergent alpha
    Case("train --alpha 0", ("train", "--alpha", "0"), 2, "--alpha"),
    Case("train --alpha nan", ("train", "--alpha", "nan"), 2, "--alpha"),
    Case("train --steps 0", ("train", "--steps", "0"), 2, "--steps"),
    Case("train --batch 0", ("train", "--batch", "0"), 2, "--batch"),
    Case("train --batch larger than the split", ("train", "--m", "50", "--batch", "41"), 2,
         "--batch 41 is larger than the training split of 40 examples; expected 1 to 40"),
    Case("train --held-out 1", ("train", "--held-out", "1"), 2, "--held-out"),
    Case("train --dtype float16", ("train", "--dtype", "float16"), 2, "--dtype"),
    Case("train --data of 64 pixels", ("train", "--data", "train.csv"), 2, "n_x = 784",
         {"train.csv": "label," + ",".join(f"pixel{i}" for i in range(64)) + "\n"
                       + "".join(f"{k},{','.join(['3'] * 64)}\n" for k in range(10))}),
    Case("train --alpha 1e30", ("train", "--alpha", "1e30", "--dtype", "float32", "--steps", "20", "--m", "100"), 1,
         "the loss became non-finite at step", out=False),
]


def run(case, folder, timeout=120):
    """(exit status, stdout, stderr) of ``handgrad`` on ``case`` in ``folder`` (its files written first)."""
    for name, text in case.files.items():
        if text is None:
            continue
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if case.name == "--params a file of another shape":
        import numpy as np

        np.savez(Path(folder) / "w.npz", W1=np.ones((3, 3)), b1=np.ones((3, 1)), W2=np.ones((3, 3)), b2=np.ones((3, 1)))
    argv = [*case.argv, *(["--out", "out"] if case.out else [])]
    env = {**os.environ, "COLUMNS": "100", "PYTHONPATH": str(Path(__file__).parents[1])}
    done = subprocess.run([sys.executable, "-m", "comparisons.cli", *argv], cwd=folder, capture_output=True,
                          text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout, done.stderr


def alive(folder, within=5.0):
    """The process ids written to ``folder/pids.txt`` by the person's code that are still running after
    ``within`` seconds (a zombie counts as ended)."""
    path = Path(folder) / "pids.txt"
    pids = [int(p) for p in path.read_text().split()] if path.is_file() else []
    deadline = time.monotonic() + within
    while True:
        left = [p for p in pids if running(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def running(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[-1]
    except OSError:
        return False
    return not state.startswith(("Z", "X"))


def message(status, out, err):
    """What names the problem: stderr's first line for 2 and over (a short excerpt of the person's own code
    may follow it), the VERDICT (wrapped to the terminal) for 0 and 1, with the notes above it for 0."""
    if status >= 2:
        return (err.strip() or out.strip()).splitlines()[0] if (err.strip() or out.strip()) else ""
    text = out.split("\nVERDICT", 1)
    verdict = " ".join(("VERDICT" + text[1]).split("\nwrote")[0].split()) if len(text) == 2 else out.strip()[-300:]
    return verdict if status == 1 else " ".join(out.split())


def table():
    """Every case run once: a Markdown table (case, exit status, message) and the totals."""
    import tempfile

    rows, good = [], 0
    for case in CASES:
        with tempfile.TemporaryDirectory() as folder:
            status, out, err = run(case, folder)
        said = message(status, out, err)
        if status == 0:     # the note that names what the code did, not the table above it
            said = next((line for line in (out + err).splitlines() if case.words in line), said)
        said = said.replace("|", "\\|").replace("\n", " ")
        ok = status == case.status and case.words in (out + err) and "Traceback" not in out + err
        good += ok
        rows.append(f"| {case.name} | {status} | {said[:160]}{'...' if len(said) > 160 else ''} |")
    return "\n".join(["| case | exit | message |", "| --- | --- | --- |", *rows, "",
                      f"{good} of {len(CASES)} cases as expected."])


if __name__ == "__main__":
    print(table())
