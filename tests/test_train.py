"""``handgrad train`` (``comparisons.train``): manual, PyTorch and JAX trained side by side from the same
parameters on the same batches stay within the stated bound of each other at every step, and the loss
falls; mini-batches are the same for the three; a person's MNIST files (Kaggle CSV, IDX gzipped or not)
train with a held-out split; bad options are one line and exit 2; a divergent alpha exits 1 naming the
step; the result renders in Jupyter."""

import gzip
import re

import numpy as np
import pytest

from comparisons import catalogue
from comparisons.train import run, section, steps, train
from manual import seed_net

STEPS = 20


@pytest.fixture(scope="module")
def short():
    """seed_net, 20 full-batch steps on 200 built-in digits (160 to train, 40 held out), both dtypes."""
    return train("seed_net", steps=STEPS, m=200, dtype="both")


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_three_stay_within_the_bound_at_every_step(short, dtype):
    pairs = short.pairs[(short.pairs["dtype"] == dtype) & (short.pairs["step"] > 0)]
    assert len(pairs) == 3 * STEPS
    assert (pairs["max_abs_difference"] <= pairs["bound"]).all(), pairs[pairs["max_abs_difference"] > pairs["bound"]]
    eps = np.finfo(dtype).eps
    # the bound is 10 eps per step for parameters within [-1, 1] (seed_net's stay there over 20 steps)
    assert pairs["bound"].iloc[-1] == pytest.approx(run.C * eps * STEPS)
    assert short.parted() == []


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_loss_falls_and_the_three_losses_agree_step_by_step(short, dtype):
    rows = short.curves[(short.curves["dtype"] == dtype) & (short.curves["step"] > 0)]
    losses = rows.pivot(index="step", columns="backend", values="loss")
    assert np.all(np.diff(losses["manual"].to_numpy()) < 0)           # full batch, alpha 0.1: every step lower
    tol = 50 * np.finfo(dtype).eps * losses.abs().max().max()
    assert (losses.max(axis=1) - losses.min(axis=1) <= tol).all()
    seen = short.evaluated()
    seen = seen[seen["dtype"] == dtype]
    assert seen["train_loss"].iloc[-1] < seen["train_loss"].iloc[0]
    assert short.not_falling() == [] and short.ok and short.exit_status == 0


@pytest.mark.slow
def test_the_table_has_each_backend_and_dtype_and_the_verdict_says_together(short):
    table = short.table()
    assert list(zip(table["dtype"], table["backend"])) == [(d, b) for d in ("float64", "float32")
                                                             for b in steps.BACKENDS]
    assert (table["train_accuracy"] > 0.15).all() and table["held_out_accuracy"].notna().all()
    assert short.n_train == 160 and short.n_held == 40
    assert short.verdict().startswith("VERDICT: manual, torch and jax train together")


@pytest.mark.slow
def test_a_wrong_gradient_parts_beyond_the_bound(monkeypatch):
    """The bound is not so loose that a derivation wrong by one part in a million passes."""
    right = seed_net.backward

    def slightly_wrong(params, cache, X, Y):
        grads = right(params, cache, X, Y)
        return {**grads, "dW1": grads["dW1"] * (1 + 1e-6)}

    monkeypatch.setattr(seed_net, "backward", slightly_wrong)
    t = train("seed_net", steps=5, m=100, dtype="float64")
    assert [(d, p) for d, p, *_ in t.parted()] == [("float64", "manual-torch"), ("float64", "manual-jax")]
    assert t.exit_status == 1 and "parted beyond the bound: manual-torch at step 1" in t.verdict()


@pytest.mark.slow
def test_mini_batches_are_the_same_for_the_three(monkeypatch):
    seen = {b: [] for b in steps.BACKENDS}
    for cls in (steps.Manual, steps.Torch, steps.Jax):
        original = cls.__call__

        def recording(self, cols, alpha, original=original):
            seen[self.name].append(None if cols is None else cols.copy())
            return original(self, cols, alpha)

        monkeypatch.setattr(cls, "__call__", recording)
    t = train("seed_net", steps=6, m=100, batch=16, dtype="float64")
    assert all(len(v) == 6 for v in seen.values())
    for a, b in zip(seen["manual"], seen["torch"]):
        assert np.array_equal(a, b)
    for a, b in zip(seen["manual"], seen["jax"]):
        assert np.array_equal(a, b)
    assert all(len(c) == 16 for c in seen["manual"])
    assert not np.array_equal(seen["manual"][0], seen["manual"][1])
    assert t.parted() == []


@pytest.mark.parametrize("n, batch, steps_", [(80, 16, 12), (10, 3, 7), (5, 5, 3)])
def test_batches_are_seeded_epochs_of_distinct_columns(n, batch, steps_):
    plan = run.batches(n, batch, steps_, seed=3)
    if batch == n:
        assert plan == [None] * steps_
        return
    assert len(plan) == steps_ and all(len(c) == batch and len(set(c)) == batch and c.max() < n for c in plan)
    per_epoch = n // batch
    first_epoch = np.concatenate(plan[:per_epoch])
    assert len(set(first_epoch)) == len(first_epoch)                   # no column twice within an epoch
    assert all(np.array_equal(a, b) for a, b in zip(plan, run.batches(n, batch, steps_, seed=3)))
    assert not all(np.array_equal(a, b) for a, b in zip(plan, run.batches(n, batch, steps_, seed=4)))


@pytest.mark.parametrize("m, held_out, n_held", [(100, 0.2, 20), (100, 0.0, 0), (7, 0.5, 4)])
def test_the_held_out_split_is_seeded_and_disjoint(m, held_out, n_held):
    data = catalogue.get("softmax_regression").data(m, 0, np.float64)
    train_cols, held_cols = run.split(data, held_out, seed=1)
    assert len(held_cols) == n_held and len(train_cols) == m - n_held
    assert set(train_cols).isdisjoint(held_cols) and set(train_cols) | set(held_cols) == set(range(m))
    again = run.split(data, held_out, seed=1)
    assert np.array_equal(again[0], train_cols)


@pytest.mark.parametrize("Y, kind", [(np.eye(3)[:, [0, 2, 1, 1]], "classes"), (np.array([[0.0, 1, 1, 0]]), "binary"),
                                     (np.array([[0.5, 2.0, 1, 0]]), None), (np.full((3, 4), 0.5), None)])
def test_accuracy_is_read_by_the_kind_of_target(Y, kind):
    assert run.kind_of(Y) == kind
    output = Y + 0.1 * np.arange(Y.shape[0])[:, None]           # the labels' own rows stay the largest
    expected = 1.0 if kind else None
    got = run.accuracy(output, Y, kind)
    assert (np.isnan(got) if expected is None else got == expected)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mlp_deep", "logistic_regression", "softmax_regression"])
def test_other_models_train_together(name):
    t = train(name, steps=10, m=120, dtype="both")
    assert t.parted() == [] and not t.diverged, t.verdict()
    assert t.table()["train_accuracy"].between(0, 1).all()


# --- the command line --------------------------------------------------------------------------------------


def paragraphs(out):
    return [p for p in out.strip().split("\n\n") if p.strip()]


@pytest.mark.slow
def test_the_cli_writes_its_files_and_ends_on_the_verdict(handgrad, tmp_path):
    status, out, err = handgrad("train", "--steps", "8", "--m", "120", "--batch", "32", "--out", str(tmp_path))
    assert status == 0, out + err
    assert paragraphs(out)[-1].startswith("VERDICT: manual, torch and jax train together")
    assert {"train.md", "train.csv", "train_pairs.csv", "train_curves.png", "train_differences.png"} <= \
        {p.name for p in tmp_path.iterdir()}
    assert (tmp_path / "train_curves.png").read_bytes()[:4] == b"\x89PNG"
    curves = (tmp_path / "train.csv").read_text().splitlines()
    assert curves[0] == "dtype,step,backend,loss,train_loss,train_accuracy,held_out_accuracy"
    assert len(curves) == 1 + 2 * 3 * (8 + 1)
    assert "wall time" in out and "mini-batches of 32" in out
    assert "VERDICT" in (tmp_path / "train.md").read_text()


@pytest.mark.slow
def test_a_divergent_alpha_exits_1_naming_the_step_and_still_writes_whole_files(handgrad, tmp_path):
    status, out, err = handgrad("train", "--alpha", "1e30", "--dtype", "float32", "--steps", "50", "--m", "100",
                                "--out", str(tmp_path))
    assert status == 1, out + err
    verdict = " ".join(paragraphs(out)[-1].split())
    assert re.search(r"the loss became non-finite at step \d+ in float32 \(manual, torch, jax\)", verdict), verdict
    assert "--alpha" in verdict
    curves = (tmp_path / "train.csv").read_text().splitlines()
    assert 1 < len(curves) < 1 + 3 * 51             # stopped at that step, every row until then kept
    assert not list(tmp_path.glob(".*.partial"))


@pytest.mark.parametrize("argv, words", [
    (["--alpha", "0"], "argument --alpha: 0 must be a finite number more than 0"),
    (["--alpha", "nan"], "argument --alpha: nan must be a finite number more than 0"),
    (["--alpha", "inf"], "argument --alpha: inf must be a finite number more than 0"),
    (["--alpha", "fast"], "argument --alpha: 'fast' is not a number"),
    (["--steps", "0"], "argument --steps: 0 must be at least 1"),
    (["--steps", "2e6"], "argument --steps: 2000000 must be at most 1,000,000 (steps)"),
    (["--batch", "0"], "argument --batch: 0 must be at least 1"),
    (["--held-out", "1"], "argument --held-out: 1 must be a fraction 0 <= x < 1"),
    (["--held-out", "-0.1"], "argument --held-out: -0.1 must be a fraction 0 <= x < 1"),
    (["--dtype", "float16"], "argument --dtype: invalid choice: 'float16'"),
    (["--model", "nope"], "argument --model: invalid choice: 'nope'"),
])
def test_a_bad_option_is_one_line_and_exit_2(handgrad, tmp_path, argv, words):
    status, out, err = handgrad("train", *argv, "--out", str(tmp_path / "out"))
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err, err
    assert not (tmp_path / "out").exists()


def test_a_batch_larger_than_the_training_split_is_one_line_with_the_range(handgrad, tmp_path):
    status, out, err = handgrad("train", "--m", "50", "--batch", "41", "--out", str(tmp_path / "out"))
    assert status == 2
    assert err.strip() == ("handgrad: error: --batch 41 is larger than the training split of 40 examples; expected "
                           "1 to 40 (or no --batch: the whole split each step)")
    assert not (tmp_path / "out").exists()


# --- a person's MNIST files --------------------------------------------------------------------------------

M_FILE = 60


def digits_0_255():
    """60 built-in 28x28 digits as MNIST stores them: (60, 28, 28) of 0..255, and their labels 0..9."""
    data = catalogue.get("seed_net").data(M_FILE, 5, np.float64)
    return np.round(data.X.T * 255).astype(np.uint8).reshape(M_FILE, 28, 28), np.argmax(data.Y, axis=0)


def idx(array, magic_ndim):
    head = bytes([0, 0, 0x08, magic_ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return head + array.astype(np.uint8).tobytes()


def write_mnist(folder, layout):
    """The files in ``layout`` ("csv", "idx", "idx.gz"); returns the --data argument."""
    images, labels = digits_0_255()
    if layout == "csv":
        rows = ["label," + ",".join(f"pixel{i}" for i in range(784))]
        rows += [f"{y}," + ",".join(map(str, img.ravel())) for img, y in zip(images, labels)]
        (folder / "train.csv").write_text("\n".join(rows) + "\n")
        return str(folder / "train.csv")
    gz = layout.endswith(".gz")
    for name, data in (("train-images-idx3-ubyte", idx(images, 3)), ("train-labels-idx1-ubyte", idx(labels, 1))):
        (folder / (name + ".gz" * gz)).write_bytes(gzip.compress(data) if gz else data)
    return str(folder / ("train-images-idx3-ubyte" + ".gz" * gz))


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["csv", "idx", "idx.gz"])
def test_a_persons_mnist_trains_with_a_held_out_split(handgrad, tmp_path, layout):
    data = write_mnist(tmp_path, layout)
    status, out, err = handgrad("train", "--data", data, "--steps", "6", "--held-out", "0.25", "--dtype", "float64",
                                "--out", str(tmp_path / "out"))
    assert status == 0, out + err
    assert "45 training and 15 held-out examples (--held-out 0.25)" in out
    assert ("Kaggle's MNIST CSV" if layout == "csv" else "MNIST IDX images 28x28") in out
    assert paragraphs(out)[-1].startswith("VERDICT: manual, torch and jax train together")


def test_a_data_file_that_does_not_fit_the_model_is_one_line(handgrad, tmp_path):
    rows = ["label," + ",".join(f"pixel{i}" for i in range(64))] + [f"{k % 10}," + ",".join(["3"] * 64)
                                                                       for k in range(20)]
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n")
    status, out, err = handgrad("train", "--data", str(tmp_path / "train.csv"), "--out", str(tmp_path / "out"))
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert "train.csv" in err and "n_x = 784" in err, err


# --- Python and Jupyter ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_repr_html_has_the_tables_and_the_plots_inline(short):
    page = short._repr_html_()
    assert page.count("<table") == 2
    assert page.count('<img alt="') == 2 and '<img alt="train_curves" src="data:image/png;base64,iVBOR' in page
    assert "VERDICT: manual, torch and jax train together" in page


@pytest.mark.slow
def test_section_gives_a_report_its_tables_figures_and_verdict_without_writing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    table, pairs, figures, verdict = section("seed_net", steps=3, m=60, dtype="float32")
    assert list(table["backend"]) == list(steps.BACKENDS)
    assert set(pairs["pair"]) == {"manual-torch", "manual-jax", "torch-jax"}
    assert set(figures) == {"train_curves", "train_differences"}
    assert all(png[:4] == b"\x89PNG" for png in figures.values())
    assert verdict.startswith("VERDICT") and list(tmp_path.iterdir()) == []
