"""Every option of every command, and every argument of ``verify()``, refused with one line that names it
and what is expected, before any work (``comparisons.arguments``, ``comparisons.batch_memory``,
``comparisons.verify.verify_arguments``).

The command line is run in this process (the ``handgrad`` fixture: argparse's usage errors exit through
SystemExit, as in a real process); nothing here builds a batch or starts a child, except the one
``slow`` test that runs a check with ``--timeout inf``."""

import argparse

import numpy as np
import pytest

from comparisons import arguments, batch_memory
from comparisons.cli import make_parser
from comparisons.verify import CannotVerify, verify
from manual import seed_net

GIB = 2 ** 30
MINE = "mine.py"        # never read: every case below is refused before the target is

# (argv, words the one line must hold besides the option's name, which is the first word after "--")
BAD_OPTIONS = [
    # numbers: seeds, batch sizes, counts
    (["verify", MINE, "--seed", "-1"], "-1 must be 0 or more"),
    (["check", "--model", "seed_net", "--seed", "x"], "'x' is not a whole number; expected 0 or more"),
    (["report", "--seed", "2.5"], "'2.5' is not a whole number; expected 0 or more"),
    (["bench", "--seed", "-3"], "-3 must be 0 or more"),
    (["mistakes", "--seed", "nan"], "'nan' is not a whole number"),
    (["verify", MINE, "--m", "0"], "0 must be at least 1"),
    (["layers", "--seed", "-2"], "-2 must be 0 or more"),
    (["bench", "--layers", "--sides", "0"], "0 must be at least 1"),
    (["layers", "--layer", "convolution"], "invalid choice: 'convolution'"),
    (["check", "--layer", "convolution"], "invalid choice: 'convolution'"),
    (["report", "--layer", "batch_norm"], "invalid choice: 'batch_norm'"),
    (["layers", "--dtype", "float16"], "invalid choice: 'float16'"),
    (["verify", MINE, "--m", "-3"], "-3 must be at least 1"),
    (["check", "--model", "seed_net", "--m", "sixty"], "'sixty' is not a whole number; expected 1 or more"),
    (["mistakes", "--m", "0"], "0 must be at least 1"),
    (["bench", "--m", "inf"], "'inf' is not a whole number"),
    (["report", "--speed-m", "0"], "0 must be at least 1"),
    (["report", "--repeats", "0"], "0 must be at least 1"),
    (["report", "--repeats", "100001"], "100001 must be at most 10,000 (timed repeats)"),
    (["bench", "--repeats", "-1"], "-1 must be at least 1"),
    (["bench", "--warmup", "-1"], "-1 must be 0 or more"),
    (["bench", "--warmup", "5000"], "5000 must be at most 1,000 (warm-up calls)"),
    (["report", "--threads", "0"], "0 must be at least 1"),
    (["report", "--jobs", "0"], "0 must be at least 1"),
    (["bench", "--threads", "x"], "'x' is not a whole number; expected 1 or more"),
    (["check", "--model", "seed_net", "--sample", "0"], "0 must be at least 1"),
    (["check", "--model", "seed_net", "--directions", "0"], "0 must be at least 1"),
    (["check", "--model", "seed_net", "--directions", "1001"], "1001 must be at most 1,000 (random directions)"),
    (["check", "--model", "seed_net", "--budget", "-1"], "-1 must be more than 0 seconds"),
    (["check", "--model", "seed_net", "--budget", "nan"], "nan must be more than 0 seconds"),
    (["check", "--model", "seed_net", "--budget", "soon"], "'soon' is not a number of seconds"),
    (["verify", MINE, "--timeout", "1e9"], "1e+09 must be at most 86400 seconds; expected seconds more than 0 and "
                                           "at most 86400 (a day), or inf for no limit"),
    (["verify", MINE, "--timeout", "1e12"], "1e+12 must be at most 86400 seconds; expected"),
    (["verify", MINE, "--timeout", "-1"], "-1 must be more than 0 seconds; expected seconds more than 0"),
    (["verify", MINE, "--timeout", "0"], "0 must be more than 0 seconds"),
    (["verify", MINE, "--timeout", "nan"], "nan must be more than 0 seconds"),
    (["verify", MINE, "--timeout", "soon"], "'soon' is not a number of seconds; expected seconds"),
    (["verify", MINE, "--lam", "nan"], "nan must be a finite number >= 0"),
    (["check", "--model", "mlp_deep", "--lam", "inf"], "inf must be a finite number >= 0"),
    (["check", "--model", "mlp_deep", "--lam", "-1"], "-1 must be a finite number >= 0"),
    (["check", "--model", "mlp_deep", "--sizes", "64"], "expected at least n_0,n_L"),
    (["check", "--model", "mlp_deep", "--sizes", "64,0,10"], "0 must be at least 1"),
    (["verify", MINE, "--sizes", "64,x,10"], "'x' is not a whole number"),
    (["bench", "--sweep-m", "1,0"], "0 must be at least 1"),
    (["bench", "--sweep-m", "1,x"], "'x' is not a whole number"),
    (["bench", "--sweep-width", "-3"], "-3 must be at least 1"),
    (["bench", "--width-m", "0"], "0 must be at least 1"),
    # choices: the option and every choice named
    (["verify", MINE, "--model", "nope"], "invalid choice: 'nope' (choose from 'seed_net', 'course_net'"),
    (["check", "--model", "nope"], "invalid choice: 'nope' (choose from 'seed_net'"),
    (["report", "--model", "nope"], "invalid choice: 'nope'"),
    (["bench", "--model", "nope"], "invalid choice: 'nope'"),
    (["verify", MINE, "--case", "nope"], "(choose from 'typical', 'large-logits', 'class-missing', 'one-example')"),
    (["verify", MINE, "--against", "nope"], "(choose from 'torch', 'jax', 'numerical')"),
    (["verify", MINE, "--form", "nope"], "(choose from 'auto', 'contract'"),
    (["verify", MINE, "--dtype", "float16"], "(choose from 'float64', 'float32')"),
    (["check", "--model", "seed_net", "--dtype", "float16"], "(choose from 'float64', 'float32')"),
    (["report", "--dtype", "int8"], "(choose from 'float64', 'float32')"),
    (["bench", "--dtype", "half"], "(choose from 'float64', 'float32')"),
    (["bench", "--kind", "nope"], "(choose from 'forward', 'gradient')"),
    (["bench", "--backend", "nope"], "(choose from 'manual NumPy'"),
    (["check", "--model", "seed_net", "--recipe", "nope"], "(choose from 'ng', 'dlai', 'cs231n')"),
    (["check", "--model", "mlp_deep", "--penalty", "nope"], "(choose from 'lambda/2m', 'reg', 'half_reg', 'none')"),
    (["check", "--model", "mlp_deep", "--output", "nope"], "(choose from 'softmax', 'sigmoid', 'identity')"),
    (["check", "--model", "mlp_deep", "--loss", "nope"], "(choose from 'cross_entropy'"),
    (["verify", MINE, "--recipe", "nope"], "(choose from 'ng', 'dlai', 'cs231n')"),
    # model options: one group, the same types in verify, check and report
    (["report", "--model", "mlp_deep", "--lam", "nan"], "nan must be a finite number >= 0"),
    (["report", "--model", "mlp_deep", "--sizes", "64,-1,10"], "-1 must be at least 1"),
    (["report", "--model", "mlp_deep", "--activations", "re lu,"], "is not a comma-separated list of names"),
    (["verify", MINE, "--activations", "relu,2"], "is not a comma-separated list of names"),
    (["report", "--model", "mlp_deep", "--penalty", "l1"], "(choose from 'lambda/2m', 'reg', 'half_reg', 'none')"),
    (["verify", MINE, "--penalty", "l1"], "(choose from 'lambda/2m', 'reg', 'half_reg', 'none')"),
    (["report", "--model", "mlp_deep", "--output", "relu"], "(choose from 'softmax', 'sigmoid', 'identity')"),
    (["verify", MINE, "--output", "relu"], "(choose from 'softmax', 'sigmoid', 'identity')"),
    (["report", "--model", "mlp_deep", "--loss", "hinge"], "(choose from 'cross_entropy', 'binary_cross_entropy'"),
    (["verify", MINE, "--loss", "hinge"], "(choose from 'cross_entropy', 'binary_cross_entropy'"),
    # strings and combinations
    (["verify", MINE, "--names", "x"], "'x' is not ROLE=NAME; expected e.g. forward_prop=forward"),
    (["verify", MINE, "--names", "a=b,a=c"], "a is named twice"),
    (["check", "--model", "mlp_deep", "--activations", "1x"], "is not a comma-separated list of names"),
    (["check", "--model", "seed_net", "--full", "--sample", "3"], "not allowed with argument --full"),
    # train
    (["train", "--model", "nope"], "invalid choice: 'nope'"),
    (["train", "--alpha", "-0.1"], "-0.1 must be a finite number more than 0, e.g. 0.1"),
    (["train", "--steps", "0"], "0 must be at least 1"),
    (["train", "--batch", "1.5"], "'1.5' is not a whole number; expected 1 or more"),
    (["train", "--dtype", "float16"], "(choose from 'float64', 'float32', 'both')"),
    (["train", "--m", "0"], "0 must be at least 1"),
    (["train", "--held-out", "nan"], "nan must be a fraction 0 <= x < 1"),
    (["train", "--threads", "0"], "0 must be at least 1"),
    (["train", "--seed", "-1"], "-1 must be 0 or more"),
]


def one_line(err):
    """The single line of stderr (asserting there is one, and no traceback)."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def option_of(argv):
    """The option a case gives a bad value to: its last option."""
    return [a for a in argv if a.startswith("--")][-1]


@pytest.mark.parametrize("argv, words", BAD_OPTIONS, ids=[" ".join(a[:1] + a[-2:]) for a, _ in BAD_OPTIONS])
def test_a_bad_option_value_is_one_line_naming_the_option_and_what_is_expected(handgrad, argv, words):
    status, out, err = handgrad(*argv)
    line = one_line(err)
    assert status == 2 and out == ""
    assert f"argument {option_of(argv)}:" in line and words in line, line


def test_every_option_of_every_command_has_a_bad_value_case():
    """The list above covers every option that takes a value (flags take none), so a new option gets a case."""
    commands = next(a for a in make_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    taking = {(name, o) for name, p in commands.items() for a in p._actions if a.option_strings and a.nargs != 0
              for o in a.option_strings}
    covered = {(argv[0], option_of(argv)) for argv, _ in BAD_OPTIONS + [(a, "") for a, _, _ in TOO_LARGE]}
    files = {"--out", "--params", "--data", "--cost", "--grad"}   # paths and names: checked when read
    assert {(c, o) for c, o in taking if o not in files} - covered == set()


# --- sizes that cannot fit in memory, refused up front with the estimate -------------------------------

TOO_LARGE = [
    (["verify", MINE, "--m", "100000000"], "--m 100000000: a seed_net-sized batch of 100,000,000 examples",
     "584 GiB for X alone (784 x 100,000,000 float64)"),
    (["check", "--model", "seed_net", "--m", "100000000"], "--m 100000000: a seed_net batch",
     "584 GiB for X alone"),
    (["check", "--model", "course_net", "--m", "1e9", "--dtype", "float32"], "--m 1000000000: a course_net batch",
     "(400 x 1,000,000,000 float32)"),
    (["mistakes", "--m", "100000000"], "--m 100000000", "584 GiB for X alone"),
    (["report", "--model", "seed_net", "--speed-m", "1000000000"], "--speed-m 1000000000", "for X alone"),
    (["bench", "--sweep-m", "1,100000000000"], "--sweep-m 100000000000", "expected --sweep-m at most"),
    (["bench", "--model", "mlp_deep", "--width-m", "1000000000"], "--width-m 1000000000", "for X alone"),
    (["bench", "--model", "mlp_deep", "--sweep-width", "10,100000000"], "--sweep-width 100000000",
     "parameters (64,100000000,100000000,10) alone need"),
    (["check", "--model", "mlp_deep", "--sizes", "64,1000000000,10"], "--sizes 64,1000000000,10",
     "expected smaller layers"),
]


@pytest.fixture
def sixteen_gib(monkeypatch):
    """A machine of 16 GiB, whatever this one has: the messages' figures are then known."""
    monkeypatch.setattr(batch_memory, "machine_bytes", lambda: 16 * GIB)


@pytest.mark.parametrize("argv, start, words", TOO_LARGE, ids=[" ".join(a[-2:]) for a, _, _ in TOO_LARGE])
def test_a_batch_that_cannot_fit_in_memory_is_refused_with_the_estimate(handgrad, sixteen_gib, argv, start, words):
    status, out, err = handgrad(*argv)
    line = one_line(err)
    assert status == 2 and out == "" and line.startswith(f"handgrad: error: {start}"), line
    assert words in line and "this machine has 16 GiB of memory" in line, line


def test_the_largest_m_said_fits_and_one_more_does_not():
    layers = batch_memory.layers_of(__import__("comparisons.catalogue").catalogue.get("seed_net"))
    with pytest.raises(Exception, match="expected --m at most") as refused:
        batch_memory.refuse_oversized("seed_net", layers, 10 ** 8, memory=16 * GIB)
    largest = int(str(refused.value).rsplit(" ", 1)[1].replace(",", ""))
    batch_memory.refuse_oversized("seed_net", layers, largest, memory=16 * GIB)          # fits: no error
    with pytest.raises(Exception, match=f"--m {largest + 1}:"):
        batch_memory.refuse_oversized("seed_net", layers, largest + 1, memory=16 * GIB)


def test_a_batch_larger_than_the_data_is_drawn_with_replacement_and_says_so():
    """Not refused: 5,000 of 1,797 digits are drawn with replacement, as before, and the batch says so."""
    from comparisons import catalogue

    data = catalogue.get("course_net").data(5_000, 0, np.float64)
    assert data.X.shape == (400, 5_000) and "drawn with replacement" in data.description


# --- values that are accepted, and what they become ----------------------------------------------------


@pytest.mark.parametrize("argv, attribute, value", [
    (["verify", MINE, "--timeout", "inf"], "timeout", None),        # inf: no limit
    (["verify", MINE, "--timeout", "86400"], "timeout", 86_400.0),
    (["check", "--model", "seed_net", "--m", "1e3"], "m", 1_000),   # scientific notation, a whole number
    (["bench", "--m", "60_000"], "m", 60_000),
    (["check", "--model", "seed_net", "--budget", "inf"], "budget", float("inf")),   # every element
    (["verify", MINE, "--seed", "18446744073709551616"], "seed", 2 ** 64),
])
def test_values_accepted(argv, attribute, value):
    assert getattr(make_parser().parse_args(argv), attribute) == value


@pytest.mark.parametrize("command", ["report", "bench"])
def test_threads_beyond_the_cores_are_capped_with_a_note(capsys, command):
    args = make_parser().parse_args([command, "--threads", "100000"])
    err = capsys.readouterr().err
    assert args.threads == arguments.cores() >= 1
    assert err == (f"handgrad: note: --threads 100000 is more than the {arguments.cores()} core(s) this process "
                   f"may use; using {arguments.cores()}\n")


def test_threads_within_the_cores_are_kept_without_a_note(capsys):
    assert make_parser().parse_args(["bench", "--threads", "1"]).threads == 1
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_a_check_with_no_time_limit_runs(handgrad, tmp_path):
    (tmp_path / "mine.py").write_text("from manual.seed_net import backward\n")
    status, out, err = handgrad("verify", str(tmp_path / "mine.py"), "--timeout", "inf", "--m", "16",
                                "--case", "typical", "--against", "torch")
    assert status == 0 and "VERDICT: agrees" in out and "Traceback" not in err


# --- the Python API: verify()'s arguments ---------------------------------------------------------------

BAD_ARGUMENTS = [
    (dict(m=0), "m=0: expected a whole number 1 or more (the typical batch's number of examples)"),
    (dict(m=-3), "m=-3: expected a whole number 1 or more"),
    (dict(m="64"), "m='64': expected a whole number 1 or more (the typical batch's number of examples), not a str"),
    (dict(m=2.5), "m=2.5: expected a whole number 1 or more"),
    (dict(m=True), "not a bool"),
    (dict(m=10 ** 8), "m=100000000: a seed_net-sized batch of 100,000,000 examples needs about 584 GiB for X alone"),
    (dict(model="seed_net", m=10 ** 8), "m=100000000: a seed_net batch"),
    (dict(seed=-1), "seed=-1: expected a whole number 0 or more (the seed of data and parameters)"),
    (dict(seed="1"), "seed='1': expected a whole number 0 or more"),
    (dict(dtype="float16"), "dtype='float16': expected 'float64' or 'float32'"),
    (dict(dtype="nope"), "dtype='nope': expected 'float64' or 'float32'"),
    (dict(against="nope"), "against=('nope',): 'nope' is not a reference; expected names from torch, jax"),
    (dict(against=("torch", "tf")), "'tf' is not a reference"),
    (dict(against=3), "against=3: expected a reference name or a tuple of them"),
    (dict(cases="nope"), "cases=('nope',): 'nope' is not a batch; expected names from typical, large-logits"),
    (dict(timeout=-1), "timeout=-1: expected seconds more than 0 and at most 86400 (a day), or None for no limit"),
    (dict(timeout=1e12), "timeout=1000000000000.0: expected seconds more than 0 and at most 86400"),
    (dict(timeout=float("nan")), "timeout=nan: expected seconds"),
    (dict(timeout="3"), "timeout='3': expected seconds"),
    (dict(model="nope"), "model='nope': expected a catalogue model's name (seed_net, course_net"),
    (dict(model=3), "model=3: expected a catalogue model's name"),
    (dict(form="nope"), "form='nope': expected one of auto, contract"),
    (dict(names="x"), "names 'x': expected a dict of role to function name"),
    (dict(options=3), "options=3: expected a dict of model options"),
    (dict(options={"nope": 1}), "options: 'nope' is not a model option; expected keys from lam, penalty"),
    (dict(options={"lam": float("nan")}), "options['lam']=nan: expected a finite number 0 or more"),
    (dict(options={"sizes": (64,)}), "options['sizes']=(64,): expected whole numbers 1 or more"),
    (dict(model="mlp_deep", options={"sizes": (64, 10 ** 9, 10)}), "options['sizes']=(64, 1000000000, 10): "
                                                                    "mlp_deep's parameters"),
]


@pytest.mark.parametrize("kwargs, message", BAD_ARGUMENTS, ids=[repr(k) for k, _ in BAD_ARGUMENTS])
def test_a_bad_argument_of_verify_is_one_line_naming_it(kwargs, message, sixteen_gib):
    with pytest.raises(CannotVerify) as refused:
        verify(seed_net.backward, **kwargs)
    assert message in str(refused.value) and "\n" not in str(refused.value), str(refused.value)


@pytest.mark.parametrize("kwargs", [dict(timeout=-1), dict(seed=-1)])
def test_black_box_mode_checks_its_arguments_too(kwargs):
    with pytest.raises(CannotVerify, match=f"{next(iter(kwargs))}=-1: expected"):
        verify(cost=lambda t: float(t @ t), grad=lambda t: 2 * t, params=np.ones(3), **kwargs)


@pytest.mark.parametrize("kwargs, expected", [
    (dict(against="torch"), (None, ("torch",), None)),      # one name: one reference, as people mean it
    (dict(cases="typical"), (("typical",), None, None)),
    (dict(timeout=float("inf")), (None, None, None)),       # inf: no limit
    (dict(timeout=3), (None, None, 3)),
    (dict(dtype=np.float32), (None, None, None)),
])
def test_arguments_accepted_and_what_verify_takes_them_as(kwargs, expected):
    from comparisons.verify.verify_arguments import checked

    assert checked(**kwargs) == expected


@pytest.mark.slow
def test_one_reference_and_one_batch_given_as_names_are_checked(tmp_path):
    result = verify(seed_net.backward, m=16, against="torch", cases="typical")
    assert result.passed and result.against == ("torch",) and [c.name for c in result.cases] == ["typical"]
