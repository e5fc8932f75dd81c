"""The multiclass SVM's hand derivation (manual/svm.py) against PyTorch, JAX and the numerical witness;
its kink, a margin of exactly 0; and the ``bias`` option of the linear classifiers (bias=False: W alone,
as CS231n's ``svm_loss_naive(W, X, y, reg)`` and ``softmax_loss_naive`` see the model).

The catalogue-wide tests (tests/test_catalogue.py) check the catalogue entry on its built-in data in
float64 and float32; here each edge case has its own name, in float64 with non-zero weights.
"""

from dataclasses import replace

import numpy as np
import pytest

from comparisons import catalogue
from comparisons.agreement import AGREE, compare
from comparisons.numerical import check, plan_for, witness
from comparisons.numerical.differences import central_partials, sign_pattern
from comparisons.numerical.witness import as_float64
from comparisons.sections.hessian import hessian_results
from comparisons.sources import run_all
from manual import regularisation, softmax_regression, svm
from manual.encoding import one_hot
from tests.convex import agreement, verdicts

SOURCES = ["torch", "jax", "numerical"]
LAM, M = 0.3, 24


def configured(name="svm", **config):
    """The catalogue entry ``name`` with ``config`` over its own (data and modules unchanged)."""
    model = catalogue.get(name)
    return replace(model, config={**model.config, **config})


def batch(model, m=M, seed=0):
    d = model.data(m, seed, np.float64)
    params = model.init_params(seed)
    assert all(np.all(p != 0) for p in params.values())
    return params, d.X, d.Y


def verdicts_against(source, model, params, X, Y):
    """{quantity: verdict} of the manual derivation against ``source``: an autograd twin or the witness
    (every element measured, stencils across a kink left out)."""
    if source == "numerical":
        n = sum(p.size for p in params.values())
        return verdicts(check(model, params, X, Y, plan=plan_for(n, X.shape[1], full=True)))
    return verdicts(agreement(model, params, X, Y, source))


def manual(model, params, X, Y):
    """The manual ``Result``: J and every d<name>."""
    return run_all(model, params, X, Y, sources=("manual",))["manual"]


# --- The derivation -------------------------------------------------------------------------------

def test_loss_is_a_mean_over_examples_and_a_sum_over_the_wrong_classes():
    """At W = 0, b = 0 every score is 0, so each of the K - 1 wrong classes has margin delta = 1: J = K - 1
    (a mean over classes would give (K - 1)/K, a sum over examples m (K - 1)); dZ = 1 off the label
    and -(K - 1) on it, and backward's keys come in backward order."""
    params, X, Y = batch(configured(lam=0.0), m=37, seed=1)
    zero = {k: np.zeros_like(v) for k, v in params.items()}
    assert svm.loss(zero, X, Y) == 9.0
    grads = svm.backward(zero, svm.forward(zero, X)[1], X, Y)
    assert list(grads) == ["dZ", "dW", "db"]
    np.testing.assert_array_equal(grads["dZ"], 1 - 10 * Y)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("penalty", regularisation.PENALTIES)
def test_agrees_with_autograd_and_the_witness_under_every_penalty(penalty, source):
    model = configured(lam=LAM, penalty=penalty)
    params, X, Y = batch(model)
    assert verdicts_against(source, model, params, X, Y) == {q: AGREE for q in ["J", "dZ", "dW", "db"]}


@pytest.mark.parametrize("penalty", regularisation.PENALTIES)
def test_the_penalty_is_c_sum_w2_in_the_loss_and_2cw_on_the_weights_only(penalty):
    c = {"lambda/2m": LAM / (2 * M), "reg": LAM, "half_reg": LAM / 2, "none": 0.0}[penalty]
    params, X, Y = batch(configured())
    with_l2 = manual(configured(lam=LAM, penalty=penalty), params, X, Y)
    plain = manual(configured(lam=0.0, penalty=penalty), params, X, Y)
    assert with_l2.loss - plain.loss == pytest.approx(c * (params["W"] ** 2).sum(), rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(with_l2.grads["dW"] - plain.grads["dW"], 2 * c * params["W"], rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(with_l2.grads["db"], plain.grads["db"])


def test_the_model_is_cs231ns_svm_loss_naive():
    """CS231n's published algorithm (rows are examples, W (D, C), loops, ``if margin > 0``, reg sum W^2)
    gives the loss and dW of ``configure(bias=False, penalty="reg")`` on the transposed arrays."""
    def svm_loss_naive(W, X, y, reg):
        dW, loss = np.zeros(W.shape), 0.0
        for i in range(X.shape[0]):
            scores = X[i].dot(W)
            for j in range(W.shape[1]):
                margin = scores[j] - scores[y[i]] + 1
                if j != y[i] and margin > 0:
                    loss += margin
                    dW[:, j] += X[i]
                    dW[:, y[i]] -= X[i]
        return loss / X.shape[0] + reg * np.sum(W * W), dW / X.shape[0] + 2 * reg * W

    model = configured(lam=0.05, penalty="reg", bias=False)
    params, X, Y = batch(model)
    loss, dW = svm_loss_naive(params["W"].T, X.T, Y.argmax(axis=0), 0.05)
    ours = manual(model, params, X, Y)
    assert ours.loss == pytest.approx(loss, rel=1e-13)
    np.testing.assert_allclose(ours.grads["dW"], dW.T, rtol=1e-12, atol=1e-15)


# --- The kink: a margin of exactly 0 --------------------------------------------------------------

@pytest.fixture(scope="module")
def at_a_kink():
    """Parameters on a grid of 1/64 (the digits' pixels are multiples of 1/16, so every score is exact)
    with b_k moved so that z_k - z_y + 1 == 0 exactly for example 0 and k = y + 1; every other margin
    is at least 0.01 from 0, beyond the witness's shortest stencil. (model, params, X, Y, k, y, witness)."""
    model = configured(lam=LAM)
    d = model.data(16, 0)
    params = {n: np.where(np.round(v * 64) == 0, 1, np.round(v * 64)) / 64 for n, v in model.init_params(0).items()}
    y = int(d.Y[:, 0].argmax())
    k = (y + 1) % 10
    params["b"][k, 0] -= svm.forward(params, d.X, d.Y)[1]["D"][k, 0]
    D = svm.forward(params, d.X, d.Y)[1]["D"]
    assert D[k, 0] == 0.0 and np.count_nonzero(D == 0) == 1 and np.abs(D[D != 0]).min() > 0.01
    w = witness(model, params, d.X, d.Y, plan=plan_for(650, 16, full=True))
    return model, params, d.X, d.Y, k, y, w


def test_at_a_kink_the_subgradient_is_0_in_the_derivation_and_both_twins(at_a_kink):
    """Margin exactly 0: dZ[k, 0] = 0 (only D > 0 counts), and the labelled class counts only the hinges
    that are strictly active; PyTorch and JAX (ReLU, derivative 0 at 0) give the same numbers."""
    model, params, X, Y, k, y, _ = at_a_kink
    results = run_all(model, params, X, Y)
    D = svm.forward(params, X, Y)[1]["D"]
    for source in ("manual", "torch", "jax"):
        dZ = results[source].grads["dZ"]
        assert dZ[k, 0] == 0.0 and dZ[y, 0] == -np.count_nonzero((D[:, 0] > 0) & (Y[:, 0] == 0)), source
    for source in ("torch", "jax"):
        assert set(verdicts(agreement(model, params, X, Y, source)).values()) == {AGREE}


def test_the_witness_counts_the_stencils_across_the_kink_and_measures_the_rest(at_a_kink):
    """Exactly the elements that move margin (k, 0) straddle it: b_k, b_y, W[k, i] and W[y, i] for the
    pixels of example 0 that are not blank, and dZ[k, 0], dZ[y, 0]; they are counted, not measured,
    and everything else agrees."""
    model, params, X, Y, k, y, w = at_a_kink
    expected = np.zeros((10, 64), bool)
    expected[[k, y]] = X[:, 0] != 0
    np.testing.assert_array_equal(~w.result.masks["dW"], expected)
    assert sorted(np.flatnonzero(~w.result.masks["db"])) == sorted([k, y])
    assert sorted(map(tuple, np.argwhere(~w.result.masks["dZ"]))) == sorted([(k, 0), (y, 0)])
    assert w.counts["dW"] == dict(elements=640, measured=640 - expected.sum(), kink_crossed=expected.sum())
    assert w.kinks == ("D",) and w.kink_crossed() == expected.sum() + 4
    rows = check(model, params, X, Y, witness=w)
    assert verdicts(rows) == {q: AGREE for q in ["J", "dZ", "dW", "db"]}
    assert {r["quantity"]: r["kink_crossed"] for r in rows}["dW"] == expected.sum()


def test_a_stencil_across_the_kink_would_fail_a_correct_derivation(at_a_kink):
    """Judged anyway, the difference quotient at b_k averages the hinge's two slopes, 0 and 1/m: it is
    off by 1/(2m) from the subgradient 0, which is why such a stencil is left out. (A step of 1e-3
    reaches no other margin, all at least 0.01 from 0.)"""
    model, params, X, Y, k, _, _ = at_a_kink
    P, X64, Y64 = as_float64(params, X, Y)
    values, crossed = central_partials(lambda p: model.manual.loss(p, X64, Y64), P, [("b", k)], 1e-3,
                                       sign_pattern(model.manual, X64, ("D",), Y64), retry=False)
    db = manual(model, params, X, Y).grads["db"][k, 0]
    assert crossed[0] and values[0] - db == pytest.approx(1 / (2 * 16), abs=1e-9)


# --- Edge cases -----------------------------------------------------------------------------------

@pytest.mark.parametrize("source", SOURCES)
def test_one_example(source):
    """m = 1: the mean is the example's own hinges, lambda/(2m) with m = 1."""
    model = configured(lam=LAM)
    params, X, Y = batch(model, m=1, seed=4)
    assert verdicts_against(source, model, params, X, Y) == {q: AGREE for q in ["J", "dZ", "dW", "db"]}


@pytest.mark.parametrize("source", SOURCES)
def test_batch_missing_classes_keeps_every_row(source):
    """Only labels 0..4: Y keeps its 10 rows, and rows 5..9 of dZ are those classes' active hinges."""
    model = configured(lam=LAM)
    d = model.data(300, 3)
    keep = d.Y[:5].sum(axis=0) == 1
    X, Y = d.X[:, keep][:, :40], d.Y[:, keep][:, :40]
    params = model.init_params(3)
    dZ = manual(model, params, X, Y).grads["dZ"]
    assert Y.shape[0] == 10 and not Y[5:].any()
    np.testing.assert_array_equal(dZ[5:], svm.forward(params, X, Y)[1]["D"][5:] > 0)
    assert dZ[5:].any() and verdicts_against(source, model, params, X, Y) == {q: AGREE for q in ["J", "dZ", "dW", "db"]}


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_scores_pm1000(backend):
    """Scores +-1000 (3 classes, x = (1, -1), W = (1000, -1000, 0)): example 1 is class 0 with
    z = (1000, -1000, 0), no hinge active; example 2 is labelled class 2 but z = (-1000, 1000, 0), hinge
    1000 - 0 + 1. J = 1001 / 2 exactly, dZ exact, and autograd agrees."""
    model = configured(lam=0.0)
    params = {"W": np.array([[1000.0], [-1000.0], [0.0]]), "b": np.zeros((3, 1))}
    X, Y = np.array([[1.0, -1.0]]), one_hot(np.array([0, 2]), 3)
    result = manual(model, params, X, Y)
    assert result.loss == 500.5
    np.testing.assert_array_equal(result.grads["dZ"], [[0.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    assert set(verdicts(agreement(model, params, X, Y, backend)).values()) == {AGREE}


def test_Y_must_be_one_hot():
    params, X, Y = batch(configured(), m=5)
    with pytest.raises(ValueError, match="Y has an entry other than 0 and 1 or a column without exactly one 1"):
        svm.loss(params, X, np.full_like(Y, 0.1))


# --- bias=False: W alone (CS231n's softmax_loss_naive and svm_loss_naive) ----------------------------

@pytest.mark.parametrize("source", SOURCES)
def test_svm_without_a_bias(source):
    """params {W}, Z = W X, no db; the witness has no bias to reach dZ through, so it judges J and dW."""
    model = configured(lam=LAM, bias=False)
    params, X, Y = batch(model)
    assert model.manual.param_shapes() == {"W": (10, 64)} and list(params) == ["W"]
    quantities = ["J", "dW"] if source == "numerical" else ["J", "dZ", "dW"]
    assert verdicts_against(source, model, params, X, Y) == {q: AGREE for q in quantities}


@pytest.mark.parametrize("name", ["svm", "softmax_regression"])
def test_without_a_bias_is_the_model_with_b_0(name):
    """The same W (init draws it first either way); with b = 0 every number is the biased model's."""
    params, X, Y = batch(configured(name, lam=LAM))
    plain = configured(name, lam=LAM, bias=False)
    assert np.array_equal(plain.init_params(0)["W"], params["W"])
    with_b = manual(configured(name, lam=LAM), {**params, "b": np.zeros_like(params["b"])}, X, Y)
    without = manual(plain, {"W": params["W"]}, X, Y)
    assert list(without.grads) == ["dZ", "dW"] and without.loss == with_b.loss
    for q in ("dZ", "dW"):
        np.testing.assert_array_equal(without.grads[q], with_b.grads[q])


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_softmax_regression_without_a_bias_agrees_with_its_twins(backend):
    model = configured("softmax_regression", lam=LAM, penalty="reg", bias=False)
    params, X, Y = batch(model)
    assert verdicts(agreement(model, params, X, Y, backend)) == {q: AGREE for q in ["J", "dZ", "dW"]}


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("bias", [True, False])
def test_softmax_regression_hessian_with_and_without_a_bias(bias, backend):
    """Without a bias the Hessian is W's block alone: (Kn, Kn); with one, (K(n+1), K(n+1)) as before."""
    model = configured("softmax_regression", lam=LAM, bias=bias)
    params, X, Y = batch(model, m=30)
    results = hessian_results(model, params, X, Y, sources=(backend,))
    P = 650 if bias else 640
    assert results["manual"].grads["H"].shape == (P, P)
    assert verdicts(compare(results["manual"], results[backend], model.name)) == {"J": AGREE, "H": AGREE}
    if not bias:
        with_b = configured("softmax_regression", lam=LAM).manual.hessian({**params, "b": np.zeros((10, 1))}, X, Y)
        np.testing.assert_allclose(results["manual"].grads["H"], with_b[:640, :640], rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("name", ["svm", "softmax_regression"])
def test_bias_false_refuses_b_and_the_default_needs_it(name):
    params, X, Y = batch(configured(name))
    with pytest.raises(ValueError, match=r"params has keys \['W', 'b'\]; expected \['W'\] \(unexpected \['b'\]\)"):
        configured(name, bias=False).manual.loss(params, X, Y)
    with pytest.raises(ValueError, match=r"params has keys \['W'\]; expected \['W', 'b'\] \(missing \['b'\]\)"):
        configured(name).manual.loss({"W": params["W"]}, X, Y)


@pytest.mark.parametrize("name", ["svm", "softmax_regression"])
def test_bias_must_be_true_or_false(name):
    with pytest.raises(ValueError, match=r"bias is 'no'; expected True \(z = W X \+ b\) or False"):
        configured(name, bias="no").manual


def test_softmax_regressions_default_is_todays_model():
    """configure() and configure(bias=True) and the module's own functions: one model, the same numbers."""
    model = catalogue.get("softmax_regression")
    params, X, Y = batch(model)
    default = manual(model, params, X, Y)
    explicit = manual(configured("softmax_regression", bias=True), params, X, Y)
    assert default.loss == explicit.loss == softmax_regression.loss(params, X, Y, model.config["lam"])
    for q in ("dZ", "dW", "db"):
        np.testing.assert_array_equal(default.grads[q], explicit.grads[q])


# --- The command line -----------------------------------------------------------------------------

@pytest.mark.slow   # the CLI, and the witness over every element
def test_handgrad_lists_and_checks_the_svm(handgrad):
    status, out, _ = handgrad("models")
    assert status == 0 and "svm:" in out and "multiclass SVM (hinge, delta = 1)" in out
    status, out, _ = handgrad("check", "--model", "svm")
    assert status == 0 and "Kinks in D" in out
    assert "VERDICT: the derivation agrees with the numerical witness." in out
