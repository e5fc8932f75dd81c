"""A person's own weights and data (``comparisons.own``; ``--params FILE``, ``--data FILE``).

Every file here is written by the test in the format it claims: .npz, .npy of a dict, the course's
.mat (Theta1, Theta2 as in ex4weights.mat; X, y as in ex4data1.mat, at 20 examples), Kaggle's MNIST
CSV, and MNIST IDX written by hand with its header, gzipped and not. Each loads to the arrays it
holds, in the layout it states; each malformed file gets its one line (``BadInput``, exit 2). The
course's .mat pair gives the course's own cost under its own label convention (1..10, 10 the digit 0).
"""

import gzip
import subprocess
import sys

import numpy as np
import pytest
from scipy.io import savemat

from comparisons import BadInput, catalogue
from comparisons.model_options import configured
from comparisons.own import Served, fit_data, fit_params, is_params_file, load_data, load_params, with_own
from comparisons.verify import verify
from tests.user_files import run_cli, write

M = 20
RNG = np.random.default_rng(7)
THETA1, THETA2 = RNG.normal(0, 0.3, (25, 401)), RNG.normal(0, 0.3, (10, 26))
X_ROWS = RNG.random((M, 400))                       # ex4data1's layout: one example per row
Y_COURSE = np.arange(M) % 10 + 1                    # 1..10, 10 the digit 0
PIXELS = RNG.integers(0, 256, (M, 28, 28), dtype=np.uint8)
DIGITS = np.arange(M, dtype=np.uint8) % 10


def course_net():
    return catalogue.get("course_net")


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def course_cost(Theta1, Theta2, X, y, lam):
    """The handout's cost, in its own conventions: X rows, y 1..10, output row k the label k + 1."""
    m = len(y)
    a2 = sigmoid(np.c_[np.ones(m), X] @ Theta1.T)
    h = sigmoid(np.c_[np.ones(m), a2] @ Theta2.T)
    Y = np.eye(10)[y - 1]
    return (-np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h)) / m
            + lam / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2)))


# --- files, as people save them --------------------------------------------------------------------


def idx(array, magic_ndim):
    """An IDX file's bytes: 0 0, type 0x08 (unsigned byte), ndim; the sizes big-endian; the values."""
    head = bytes([0, 0, 0x08, magic_ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return head + array.astype(np.uint8).tobytes()


def write_idx(folder, gz=False, sep="-"):
    """train-images-idx3-ubyte and train-labels-idx1-ubyte (or with '.'), gzipped or not; the images' path."""
    suffix = ".gz" if gz else ""
    pack = gzip.compress if gz else (lambda b: b)
    images = folder / f"train-images{sep}idx3-ubyte{suffix}"
    images.write_bytes(pack(idx(PIXELS, 3)))
    (folder / f"train-labels{sep}idx1-ubyte{suffix}").write_bytes(pack(idx(DIGITS, 1)))
    return images


def write_csv(folder, name="train.csv", header=None, rows=None):
    header = header or "label," + ",".join(f"pixel{i}" for i in range(784))
    rows = rows or [",".join(map(str, [d, *p.ravel()])) for d, p in zip(DIGITS, PIXELS)]
    text = "\n".join([header, *rows]) + "\n"
    path = folder / name
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    return path


@pytest.fixture
def ex4(tmp_path):
    """ex4weights.mat and ex4data1.mat in the course's shapes (20 examples): their paths."""
    savemat(tmp_path / "ex4weights.mat", dict(Theta1=THETA1, Theta2=THETA2))
    savemat(tmp_path / "ex4data1.mat", dict(X=X_ROWS, y=Y_COURSE[:, None].astype(float)))
    return tmp_path / "ex4weights.mat", tmp_path / "ex4data1.mat"


# --- parameters ------------------------------------------------------------------------------------

EXPECTED = dict(W1=THETA1[:, 1:], b1=THETA1[:, :1], W2=THETA2[:, 1:], b2=THETA2[:, :1])


@pytest.mark.parametrize("kind", ["npz", "npy", "mat W b"])
def test_named_params_load_as_saved(tmp_path, kind):
    path = tmp_path / ("p.npy" if kind == "npy" else "p.mat" if kind == "mat W b" else "p.npz")
    if kind == "npz":
        np.savez(path, **EXPECTED)
    elif kind == "npy":
        np.save(path, EXPECTED, allow_pickle=True)
    else:
        savemat(path, EXPECTED)
    params, said = fit_params(load_params(path), course_net())
    assert all(np.array_equal(params[k], EXPECTED[k]) for k in EXPECTED)
    assert said.startswith(f"params: {path.name}") and ("allow_pickle" in said) == (kind == "npy")


def test_the_courses_thetas_are_read_bias_first_with_the_digit_0_moved_to_row_0(ex4):
    params, said = fit_params(load_params(ex4[0]), course_net())
    assert np.array_equal(params["W1"], THETA1[:, 1:]) and np.array_equal(params["b1"], THETA1[:, :1])
    assert np.array_equal(params["W2"][0], THETA2[9, 1:]) and np.array_equal(params["W2"][1:], THETA2[:9, 1:])
    assert np.array_equal(params["b2"][:, 0], np.roll(THETA2[:, 0], 1))
    assert "Theta_l = [b_l W_l], bias first" in said and "10 meaning the digit 0" in said


@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_the_course_files_give_the_courses_own_cost(ex4, lam):
    """Both conventions read together: the model's J at the loaded weights and data is the handout's J."""
    model = configured(with_own(course_net(), *ex4), lam=lam)      # the options keep the files
    data = model.data(None)
    J = model.manual.loss(model.init_params(), data.X, data.Y)
    assert J == pytest.approx(course_cost(THETA1, THETA2, X_ROWS, Y_COURSE, lam), rel=1e-12)


def test_a_bias_given_flat_is_read_as_a_column(tmp_path):
    np.savez(tmp_path / "p.npz", **{**EXPECTED, "b1": THETA1[:, 0]})
    params, said = fit_params(load_params(tmp_path / "p.npz"), course_net())
    assert params["b1"].shape == (25, 1) and "b1 (25,) read as (25, 1)" in said


# --- data ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("sep", ["-", "."])
def test_idx_images_find_their_labels_beside_them(tmp_path, gz, sep):
    data = fit_data(load_data(write_idx(tmp_path, gz, sep)), catalogue.get("seed_net"))
    assert np.array_equal(data.X, PIXELS.reshape(M, 784).T / 255)
    assert np.array_equal(data.Y.argmax(axis=0), DIGITS)
    assert "MNIST IDX images 28x28" in data.description and "divided by 255" in data.description


def test_idx_images_and_labels_named_together(tmp_path):
    images = write_idx(tmp_path, gz=True)
    labels = images.with_name("train-labels-idx1-ubyte.gz").rename(tmp_path / "my-labels.gz")
    data = fit_data(load_data(f"{images},{labels}"), catalogue.get("seed_net"))
    assert np.array_equal(data.Y.argmax(axis=0), DIGITS)


@pytest.mark.parametrize("name", ["train.csv", "train.csv.gz"])
def test_kaggle_csv_is_read_label_first_and_scaled(tmp_path, name):
    data = fit_data(load_data(write_csv(tmp_path, name)), catalogue.get("seed_net"))
    assert np.array_equal(data.X, PIXELS.reshape(M, 784).T / 255)
    assert np.array_equal(data.Y.argmax(axis=0), DIGITS) and "Kaggle's MNIST CSV layout" in data.description


def test_the_courses_data_is_read_with_10_as_the_digit_0(ex4):
    data = fit_data(load_data(ex4[1]), course_net())
    assert np.array_equal(data.X, X_ROWS.T) and np.array_equal(data.Y.argmax(axis=0), Y_COURSE % 10)
    assert "10 meaning the digit 0 (read as labels 0..9)" in data.description


@pytest.mark.parametrize("rows", [False, True])
@pytest.mark.parametrize("target", ["y", "Y"])
def test_npz_data_in_either_layout(tmp_path, rows, target):
    X = X_ROWS[:, :64].T                                 # (64, m)
    y = DIGITS.astype(np.int64)
    Y = np.eye(10)[y].T
    np.savez(tmp_path / "d.npz", X=X.T if rows else X, **({"y": y} if target == "y" else {"Y": Y.T if rows else Y}))
    data = fit_data(load_data(tmp_path / "d.npz"), catalogue.get("softmax_regression"))
    assert np.array_equal(data.X, X) and np.array_equal(data.Y, Y)
    assert ("one example per row (transposed)" in data.description) == rows


@pytest.mark.parametrize("name, n_x, y, expected", [
    ("dlai_deep", 64, DIGITS % 2, "labels 0/1 as Y (1, m)"),
    ("mlp_autoencoder", 64, None, "the target Y is X"),
    ("linear_regression", 10, np.round(X_ROWS[:, 0] * 300), "y as the targets Y (1, m)"),   # whole, as diabetes
])
def test_npz_data_for_yes_no_regression_and_an_autoencoder(tmp_path, name, n_x, y, expected):
    X = X_ROWS[:, :n_x].T
    np.savez(tmp_path / "d.npz", X=X, **({} if y is None else {"y": y}))
    data = fit_data(load_data(tmp_path / "d.npz"), catalogue.get(name))
    assert np.array_equal(data.Y, X if y is None else y[None, :]) and expected in data.description


@pytest.mark.parametrize("m, expected", [(None, M), (8, 8), (50, 50)])
def test_served_batches_say_how_they_were_drawn(ex4, m, expected):
    served = Served(fit_data(load_data(ex4[1]), course_net()))
    data = served(m, seed=3)
    assert data.X.shape == (400, expected)
    words = {None: "all 20 examples", 8: "8 of the 20 examples, drawn by seed 3", 50: "repeated in turn to m = 50"}
    assert words[m] in data.description
    if m == 8:
        assert len({tuple(c) for c in data.X.T}) == 8      # without replacement


# --- what is not what it claims: one line each -------------------------------------------------------


def truncated_idx(folder):
    path = write_idx(folder)
    path.write_bytes(path.read_bytes()[:-100])
    return path


MALFORMED = {
    "npz without b2": ("params", lambda d: np.savez(d / "p.npz", W1=THETA1[:, 1:], b1=THETA1[:, :1], W2=THETA2[:, 1:])
                       or d / "p.npz", "has no b2"),
    "npz with W1 the wrong shape": ("params", lambda d: np.savez(d / "p.npz", **{**EXPECTED, "W1": THETA1})
                                    or d / "p.npz", "W1 has shape (25, 401); course_net expects (25, 400)"),
    "npy of an array": ("params", lambda d: np.save(d / "p.npy", THETA1) or d / "p.npy", "not a dict"),
    "mat without Theta1": ("params", lambda d: savemat(d / "w.mat", dict(Theta2=THETA2)) or d / "w.mat",
                           "has no Theta1"),
    "text called .mat": ("params", lambda d: (d / "w.mat").write_text("hello") and d / "w.mat", "not a MATLAB"),
    "text called .npz": ("params", lambda d: (d / "p.npz").write_text("hello") and d / "p.npz", "not a NumPy .npz"),
    "csv of words": ("data", lambda d: write_csv(d, rows=["7,a,b"]), "not a CSV of numbers"),
    "Kaggle's test.csv": ("data", lambda d: write_csv(d, header="pixel0,pixel1", rows=["1,2"]),
                          "first column is 'pixel0'"),
    "truncated IDX": ("data", truncated_idx, "truncated: its header says 20x28x28 values"),
    "IDX of another kind": ("data", lambda d: (d / "train-images-idx3-ubyte").write_bytes(b"PK\x03\x04" * 8)
                            and d / "train-images-idx3-ubyte", "not an MNIST IDX file of images"),
    "IDX without labels": ("data", lambda d: (d / "t10k-images-idx3-ubyte").write_bytes(idx(PIXELS, 3))
                           and d / "t10k-images-idx3-ubyte", "no labels file beside it"),
    "mat without y": ("data", lambda d: savemat(d / "d.mat", dict(X=X_ROWS)) or d / "d.mat", "has no y"),
    "784 features for course_net": ("data", lambda d: write_csv(d), "course_net takes n_x = 400"),
    "label 12 of 10 classes": ("data", lambda d: savemat(d / "d.mat", dict(X=X_ROWS, y=np.full((M, 1), 12)))
                               or d / "d.mat", "labels range over 11..11; course_net has 10 classes"),
    "digits for a yes/no model": ("data", lambda d: np.savez(d / "d.npz", X=X_ROWS[:, :64], y=DIGITS) or d / "d.npz",
                                  "dlai_deep takes 0/1 targets"),
    "X without targets": ("data", lambda d: np.savez(d / "d.npz", X=X_ROWS) or d / "d.npz", "has X but no targets"),
    "no such file": ("data", lambda d: d / "nowhere.csv", "no such file"),
    "a folder for params": ("params", lambda d: d, "a folder; expected a file"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_file_that_is_not_what_it_claims_gets_one_line(tmp_path, case):
    which, make, expected = MALFORMED[case]
    path = make(tmp_path)
    with pytest.raises(BadInput) as e:
        with_own(catalogue.get("dlai_deep" if "yes/no" in case else "course_net"), **{which: path})
    message = str(e.value)
    assert message.startswith(f"{path}") and expected in message and "\n" not in message


def test_params_files_are_told_from_names_by_their_suffix():
    assert is_params_file("ex4weights.mat") and is_params_file("w.NPZ") and not is_params_file("theta0")


# --- the commands, at their weights, on their data -------------------------------------------------

EX4 = '''\
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    z3 = a2 @ Theta2.T
    Y = np.eye(num_labels)[y - 1]
    J = np.sum(Y * np.logaddexp(0, -z3) + (1 - Y) * np.logaddexp(0, z3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    d3 = sigmoid(z3) - Y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoid(z2) * (1 - sigmoid(z2))
    Theta1_grad = d2.T @ a1 / m
    Theta2_grad = d3.T @ a2 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]
    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
'''
NO_SIGMOID_GRADIENT = EX4.replace(" * sigmoid(z2) * (1 - sigmoid(z2))", "")


@pytest.mark.parametrize("source, status", [(EX4, 0), (NO_SIGMOID_GRADIENT, 1)])
def test_verify_at_their_weights_on_their_data(tmp_path, ex4, source, status):
    result = verify(write(tmp_path, source), isolate=False, own_params=ex4[0], own_data=ex4[1], m=M)
    assert result.exit_status == status
    assert "params: ex4weights.mat" in result.model and result.cases[0].description.startswith("all 20 examples")
    text = result.render()
    assert "10 meaning the digit 0" in text and ("First wrong" in text) == bool(status)


def test_check_at_their_weights_on_their_data(capsys, ex4):
    status, out, err = run_cli(capsys, "check", "--model", "course_net", "--params", str(ex4[0]), "--data",
                               str(ex4[1]), "--m", "20", "--sample", "4", "--no-blind-spots")
    assert status == 0 and err == ""
    assert out.startswith("params: ex4weights.mat, the course's layout") and "all 20 examples, from ex4data1" in out


@pytest.mark.parametrize("argv, expected", [
    (["check", "--model", "seed_net", "--data", "{data}"], "seed_net takes n_x = 784"),
    (["check", "--model", "mlp_deep", "--params", "{params}"], "has no W3"),
    (["report", "--data", "{data}"], "--data applies to the models named by --model"),
    (["verify", "mine.py", "--cost", "c", "--grad", "g", "--params", "p", "--data", "{data}"],
     "--data does not apply to black-box mode"),
])
def test_files_that_do_not_fit_exit_2_with_one_line(capsys, ex4, argv, expected):
    argv = [a.format(params=ex4[0], data=ex4[1]) for a in argv]
    status, out, err = run_cli(capsys, *argv)
    assert status == 2 and expected in err and err.count("\n") == 1


@pytest.mark.slow
def test_a_real_process_checks_the_course_files(ex4, tmp_path):
    mine = write(tmp_path, EX4, "ex4.py")
    for argv in (["check", "--model", "course_net", "--sample", "4", "--no-blind-spots"], ["verify", mine]):
        done = subprocess.run([sys.executable, "-m", "comparisons.cli", *argv, "--params", str(ex4[0]),
                               "--data", str(ex4[1])], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        flat = " ".join(done.stdout.split())           # as said, whatever the terminal's width
        assert "Theta_l = [b_l W_l]" in flat and "10 meaning the digit 0" in flat


@pytest.mark.slow
def test_bench_times_on_their_data(ex4, tmp_path):
    done = subprocess.run([sys.executable, "-m", "comparisons.cli", "bench", "--model", "course_net", "--m", "40",
                           "--data", str(ex4[1]), "--params", str(ex4[0]), "--sweep-m", "none", "--sweep-width",
                           "none", "--repeats", "1", "--warmup", "0", "--no-memory", "--backend", "manual NumPy",
                           "--dtype", "float64", "--out", str(tmp_path / "bench")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "data: 20 examples, from ex4data1.mat" in done.stdout and "params: ex4weights.mat" in done.stdout
