"""Model options from the command line (``comparisons.model_options``): --lam, --penalty, --sizes,
--activations, --output and --loss over a catalogue model's config, for ``check``, ``report`` and
``verify`` and the Python API (``configured``, ``verify(..., options=...)``).

Each option must change what is checked (the config, the shapes, the loss J), and each bad value must
be one message on stderr with exit status 2. The person's files are written as people write them:
CS231n's softmax with ``reg * sum W^2`` in a contract module, a contract MLP with ``configure``, and
Ng's ex2 (which has no regularisation). The CLI runs in this process (``main``); ``slow`` where it
starts a child Python for the person's code, or computes a whole report.
"""

import re

import numpy as np
import pandas as pd
import pytest

from comparisons import BadInput, catalogue
from comparisons.model_options import configured
from comparisons.verify import verify
from tests.test_forms_courses import EX2, EX2_REG
from tests.user_files import write

# CS231n writes the penalty as reg * sum(W^2) (the current assignments): dW gets 2 reg W.
SOFTMAX_REG = '''\
import numpy as np

reg = 0.05


def forward(params, X):
    Z = params["W"] @ X + params["b"]
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    A = E / E.sum(axis=0, keepdims=True)
    return A, {"Z": Z, "A": A}


def loss(params, X, Y):
    m = X.shape[1]
    Z = params["W"] @ X + params["b"]
    Z = Z - Z.max(axis=0, keepdims=True)
    log_probs = Z - np.log(np.exp(Z).sum(axis=0, keepdims=True))
    return -np.sum(Y * log_probs) / m + reg * np.sum(params["W"] * params["W"])


def backward(params, cache, X, Y):
    m = X.shape[1]
    dZ = cache["A"] - Y
    dW = dZ @ X.T / m + 2 * reg * params["W"]
    db = np.sum(dZ, axis=1, keepdims=True) / m
    return {"dZ": dZ, "dW": dW, "db": db}
'''

# A network of any depth, configured by the catalogue's config: configure(sizes, activations, ...).
MLP = '''\
import numpy as np

ACTIVATIONS = {
    "relu": (lambda z: np.maximum(z, 0), lambda z, a: (z > 0).astype(z.dtype)),
    "tanh": (np.tanh, lambda z, a: 1 - a ** 2),
}


class Net:
    def __init__(self, sizes, activations, lam):
        self.sizes, self.activations, self.lam = sizes, activations, lam
        self.L = len(sizes) - 1

    def forward(self, params, X):
        A, cache = X, {}
        for l in range(1, self.L + 1):
            Z = params["W%d" % l] @ A + params["b%d" % l]
            if l < self.L:
                A = ACTIVATIONS[self.activations[l - 1]][0](Z)
            else:
                E = np.exp(Z - Z.max(axis=0, keepdims=True))
                A = E / E.sum(axis=0, keepdims=True)
            cache["Z%d" % l], cache["A%d" % l] = Z, A
        return A, cache

    def loss(self, params, X, Y):
        m = X.shape[1]
        _, cache = self.forward(params, X)
        Z = cache["Z%d" % self.L]
        Z = Z - Z.max(axis=0, keepdims=True)
        log_probs = Z - np.log(np.exp(Z).sum(axis=0, keepdims=True))
        weights = sum(np.sum(params["W%d" % l] ** 2) for l in range(1, self.L + 1))
        return -np.sum(Y * log_probs) / m + self.lam / (2 * m) * weights

    def backward(self, params, cache, X, Y):
        m = X.shape[1]
        grads, dZ = {}, cache["A%d" % self.L] - Y
        for l in range(self.L, 0, -1):
            A_prev = X if l == 1 else cache["A%d" % (l - 1)]
            grads["dZ%d" % l] = dZ
            grads["dW%d" % l] = dZ @ A_prev.T / m + self.lam / m * params["W%d" % l]
            grads["db%d" % l] = dZ.sum(axis=1, keepdims=True) / m
            if l > 1:
                dA = params["W%d" % l].T @ dZ
                grads["dA%d" % (l - 1)] = dA
                dZ = dA * ACTIVATIONS[self.activations[l - 2]][1](cache["Z%d" % (l - 1)], A_prev)
        return grads


def configure(sizes, activations, output="softmax", loss=None, lam=0.0, penalty="lambda/2m"):
    return Net(sizes, activations, lam)
'''

QUICK = dict(isolate=False, against=("torch",), m=32)


def J(model, seed=0, m=64):
    """The model's loss at its own parameters of ``seed`` on its first m examples."""
    data = model.data(m, seed, np.float64)
    return float(model.manual.loss(model.init_params(seed), data.X, data.Y))


# --- configured: each option changes the config, the shapes and the loss ---------------------------------


@pytest.mark.parametrize("name, options, label, shapes", [
    ("softmax_regression", dict(lam=0.05), "softmax_regression (lam=0.05)", {"W": (10, 64), "b": (10, 1)}),
    ("softmax_regression", dict(penalty="half_reg", lam=0.3), "softmax_regression (lam=0.3, penalty=half_reg)",
     {"W": (10, 64), "b": (10, 1)}),
    ("mlp_deep", dict(sizes=(64, 32, 10), activations=("relu",)), "mlp_deep (sizes=64-32-10, activations=relu)",
     {"W1": (32, 64), "b1": (32, 1), "W2": (10, 32), "b2": (10, 1)}),
    ("mlp_deep", dict(activations=("relu", "tanh")), "mlp_deep (activations=relu/tanh)",
     {"W1": (32, 64), "b1": (32, 1), "W2": (16, 32), "b2": (16, 1), "W3": (10, 16), "b3": (10, 1)}),
    ("mlp_deep", dict(output="sigmoid", lam=0.0), "mlp_deep (output=sigmoid, lam=0)", None),
    ("mlp_autoencoder", dict(output="sigmoid"), "mlp_autoencoder (output=sigmoid)", None),
    ("course_net", dict(sizes=(400, 30, 10)), "course_net (n_h=30)",
     {"W1": (30, 400), "b1": (30, 1), "W2": (10, 30), "b2": (10, 1)}),
    ("linear_regression", dict(lam=2.0), "linear_regression (lam=2)", None),
])
def test_each_option_changes_the_config_and_the_loss(name, options, label, shapes):
    model = configured(name, **options)
    assert model.label == label and model.name == name
    assert model.config != catalogue.get(name).config       # a new Model: the catalogue's entry is unchanged
    if shapes:
        assert dict(model.manual.param_shapes()) == shapes
    assert J(model) != J(catalogue.get(name))


def test_the_penalty_writes_lambda_as_each_course_does():
    """At the same W: J(reg, 0.05) - J(lambda/2m, 1) = (0.05 - 1/(2m)) sum W^2; half_reg 0.1 is reg 0.05."""
    default, reg = catalogue.get("softmax_regression"), configured("softmax_regression", penalty="reg", lam=0.05)
    W = default.init_params(0)["W"]
    assert J(reg) - J(default) == pytest.approx((0.05 - 1 / 128) * np.sum(W ** 2), rel=1e-12)
    assert J(configured("softmax_regression", penalty="half_reg", lam=0.1)) == pytest.approx(J(reg), rel=1e-14)
    assert J(configured("softmax_regression", penalty="none", lam=3.0)) < J(reg)


def test_options_left_out_change_nothing_and_one_activation_names_every_layer():
    assert configured("mlp_deep") is catalogue.get("mlp_deep")
    assert configured("mlp_deep", lam=None, sizes=None) is catalogue.get("mlp_deep")
    assert configured("mlp_deep", activations=("relu",)).manual.config.activations == ("relu", "relu")
    assert configured("mlp_autoencoder", sizes=(64, 8, 16, 64)).manual.config.activations == ("leaky_relu",) * 2
    assert configured("mlp_autoencoder", output="sigmoid").manual.config.loss == "binary_cross_entropy"
    assert configured("softmax_regression", lam=1.0).label == "softmax_regression"     # the default: no label


@pytest.mark.parametrize("name, options, message", [
    ("seed_net", dict(lam=1.0), "--lam: model seed_net takes no model options (its configuration is fixed"),
    ("course_net", dict(penalty="reg"), "--penalty: model course_net does not take it; it takes --lam X, "
                                        "--sizes N_X,N_H,N_Y"),
    ("course_net", dict(activations=("relu",)), "--activations: model course_net does not take it"),
    ("linear_regression", dict(sizes=(10, 1)), "--sizes: model linear_regression does not take it; it takes --lam X"),
    ("course_net", dict(sizes=(400, 10)), "model course_net has one hidden layer; expected 3 sizes N_X,N_H,N_Y"),
    ("mlp_deep", dict(sizes=(100, 32, 10), activations=("relu",)),
     "--sizes 100,32,10: model mlp_deep's data (digits_64: X (64, m), Y (10, m)) needs 64 inputs and 10 outputs"),
    ("mlp_deep", dict(sizes=(64, 32, 10)), "--sizes 64,32,10 has 1 hidden layer(s), but model mlp_deep's "
                                           "activations are tanh,relu"),
    ("mlp_deep", dict(activations=("sigm",)), "model mlp_deep with activations=sigm: unknown activation 'sigm'"),
    ("mlp_deep", dict(activations=("relu", "tanh", "relu")), "3 activation(s)"),
    ("mlp_deep", dict(output="softmax", loss="mse"), "loss 'mse' does not fit output 'softmax'"),
    ("softmax_regression", dict(penalty="l2"), "unknown penalty 'l2'"),
])
def test_a_bad_option_is_one_message_naming_the_model(name, options, message):
    with pytest.raises(BadInput, match=re.escape(message)):
        configured(name, **options)


# --- the command line: check, report --------------------------------------------------------------------


def test_check_with_cs231ns_penalty_passes_and_says_how_the_loss_moved(handgrad):
    status, out, err = handgrad("check", "--model", "softmax_regression", "--penalty", "reg", "--lam", "0.05",
                                "--no-blind-spots")
    assert status == 0 and err == "", err
    line = " ".join(out.split("\n\n")[0].split())      # the first paragraph, wrapped to the terminal
    assert line.startswith("model options: softmax_regression (lam=0.05, penalty=reg); J = ")
    J_new, J_default = (float(x) for x in re.findall(r"J = ([-\d.e+]+)", line))
    W = catalogue.get("softmax_regression").init_params(0)["W"]
    assert J_new - J_default == pytest.approx((0.05 - 1 / 128) * np.sum(W ** 2), rel=1e-5)
    assert "handgrad check: softmax_regression (lam=0.05, penalty=reg), m = 64" in " ".join(out.split())
    assert "VERDICT: the derivation agrees with the numerical witness." in out


def test_check_of_a_resized_network_witnesses_its_own_shapes(handgrad, tmp_path):
    status, out, err = handgrad("check", "--model", "mlp_deep", "--sizes", "64,20,10", "--activations", "tanh",
                                "--no-blind-spots", "--out", str(tmp_path / "out"))
    assert status == 0, err
    rows = pd.read_csv(tmp_path / "out" / "check.csv").set_index("quantity")
    assert set(rows.index) >= {"dW1", "db1", "dW2", "db2"} and "dW3" not in rows.index
    assert rows.loc["dW1", "elements"] == 20 * 64 and set(rows["model"]) == {"mlp_deep (sizes=64-20-10, activations=tanh)"}


@pytest.mark.parametrize("argv, message", [
    (["check", "--model", "seed_net", "--lam", "0.1"], "--lam: model seed_net takes no model options"),
    (["check", "--model", "course_net", "--penalty", "half_reg"], "--penalty: model course_net does not take it"),
    (["check", "--model", "mlp_deep", "--sizes", "784,10,10", "--activations", "relu"],
     "needs 64 inputs and 10 outputs"),
    (["check", "--model", "mlp_deep", "--activations", "swish"], "unknown activation 'swish'"),
    (["check", "--model", "mlp_deep", "--output", "identity", "--loss", "cross_entropy"], "does not fit output"),
    (["check", "--model", "softmax_regression", "--lam", "-1"], "-1 must be a finite number >= 0"),
    (["check", "--model", "softmax_regression", "--lam", "much"], "'much' is not a number"),
    (["check", "--model", "softmax_regression", "--penalty", "l2"], "invalid choice: 'l2'"),
    (["check", "--model", "mlp_deep", "--sizes", "64"], "expected at least n_0,n_L"),
    (["check", "--model", "mlp_deep", "--sizes", "64,x,10"], "'x' is not a whole number"),
    (["check", "--model", "mlp_deep", "--output", "tanh"], "invalid choice: 'tanh'"),
    (["report", "--lam", "0.5"], "--lam applies to the models named by --model; expected at least one --model NAME"),
    (["report", "--model", "softmax_regression", "--model", "seed_net", "--lam", "0.5"],
     "--lam: model seed_net takes no model options"),
    (["verify", "mine.py", "--model", "seed_net", "--lam", "0.5"], "--lam: model seed_net takes no model options"),
])
def test_each_bad_value_is_one_line_with_exit_status_2(handgrad, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text(SOFTMAX_REG)
    status, out, err = handgrad(*argv)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err


# --- verify: the options change what is checked; what the form fixes meets them -----------------------------


@pytest.mark.parametrize("options, passes", [
    (None, False),                                          # the catalogue's lambda/(2m) with lambda = 1
    (dict(penalty="reg", lam=0.05), True),                  # as the file writes it
    (dict(penalty="half_reg", lam=0.1), True),              # the same penalty, written the older way
    (dict(penalty="reg", lam=0.1), False),
    (dict(lam=0.05), False),                                # lambda/(2m): a different strength
])
def test_cs231ns_reg_verifies_under_its_own_penalty_only(tmp_path, options, passes):
    result = verify(write(tmp_path, SOFTMAX_REG), "softmax_regression", options=options, **QUICK)
    assert result.passed is passes, result.render()
    if not passes:
        assert result.first_wrong["quantity"] == "J"        # the loss row comes first, then dW
        assert set(result.failures()["quantity"]) == {"J", "dW"}
    if options:
        assert result.model.startswith(f"softmax_regression (with lam={options['lam']:g}, penalty={options['penalty']}"
                                       if "penalty" in options else f"softmax_regression (with lam={options['lam']:g}")


def test_a_model_configured_in_python_is_verified_as_configured(tmp_path):
    model = configured("softmax_regression", penalty="reg", lam=0.05)
    assert verify(write(tmp_path, SOFTMAX_REG), model, **QUICK).passed


def test_sizes_and_activations_reach_a_configurable_contract_file(tmp_path):
    options = dict(sizes=(64, 24, 10), activations=("relu",), lam=0.0)
    result = verify(write(tmp_path, MLP), "mlp_deep", options=options, **QUICK)
    assert result.passed, result.render()
    rows = result.rows[result.rows["case"] == "typical"].set_index("quantity")
    assert rows.loc["dW1", "shape_a"] == "(24, 64)" and "dW3" not in rows.index
    assert set(rows.index) >= {"dZ2", "dA1", "dZ1"}
    deep = verify(write(tmp_path, MLP, "deep.py"), "mlp_deep", **QUICK)     # the catalogue's 64-32-16-10 tanh/relu
    assert deep.passed and set(deep.rows.set_index("quantity").loc["dW3", "shape_a"]) == {"(10, 16)"}


@pytest.mark.parametrize("source, options, reading", [
    (EX2, dict(lam=0.0), "no regularisation (lambda = 0)"),         # what the form fixes, said again: fine
    (EX2, None, "no regularisation (lambda = 0)"),
    (EX2_REG, dict(lam=0.05), "L2 lambda = 0.05 passed as its 4th argument"),   # ex2 reg takes lambda: passed on
    (EX2_REG, None, "L2 lambda = 1 passed as its 4th argument"),
])
def test_an_option_meets_what_the_form_fixes(tmp_path, source, options, reading):
    result = verify(write(tmp_path, source), options=options, **QUICK)
    assert result.passed, result.render()
    assert result.model.startswith("logistic_regression (inferred from the ng_ex2")
    assert reading in result.outcome.reading
    assert ("with lam=0.05" in result.model) is (source is EX2_REG and options is not None)


def test_an_option_that_contradicts_the_form_is_one_message(handgrad, tmp_path):
    path = write(tmp_path, EX2)
    status, out, err = handgrad("verify", path, "--lam", "0.5")
    assert status == 2 and out == ""
    assert err.strip() == ("handgrad: error: --lam 0.5 contradicts the ng_ex2 form, whose code fixes lam = 0; drop "
                           "--lam, or say --form or --model if your code follows another form")
    with pytest.raises(BadInput, match="--lam 0.5 contradicts the ng_ex2 form"):     # a Model set in Python too
        verify(path, configured("logistic_regression", lam=0.5), **QUICK)
    with pytest.raises(BadInput, match="--penalty: model logistic_regression does not take it"):
        verify(path, options=dict(penalty="reg"), **QUICK)


# --- through the command line, as a person runs it (a child Python for their code) --------------------------


@pytest.mark.slow
@pytest.mark.parametrize("argv, status, said", [
    ([], 1, "as model softmax_regression, float64"),
    (["--penalty", "reg", "--lam", "0.05"], 0, "as model softmax_regression (with lam=0.05, penalty=reg), float64"),
])
def test_verify_from_the_command_line_checks_the_configured_model(handgrad, tmp_path, argv, status, said):
    code, out, err = handgrad("verify", write(tmp_path, SOFTMAX_REG), "--model", "softmax_regression", *argv)
    assert code == status, out + err
    assert said in out
    assert ("VERDICT: agrees" in out) if status == 0 else ("First wrong: J on the typical batch" in out)


@pytest.mark.slow
def test_verify_resizes_a_network_from_the_command_line(handgrad, tmp_path):
    code, out, err = handgrad("verify", write(tmp_path, MLP), "--model", "mlp_deep", "--sizes", "64,24,10",
                              "--activations", "tanh", "--lam", "0")
    assert code == 0, out + err
    assert "as model mlp_deep (with sizes=64-24-10, activations=tanh, lam=0)" in out


@pytest.mark.slow
def test_a_report_with_options_says_the_config_in_its_tables_and_csv(handgrad, tmp_path):
    out_dir = tmp_path / "reports"
    status, out, err = handgrad("report", "--model", "linear_regression", "--lam", "0.05", "--dtype", "float64",
                                "--no-speed", "--no-witness", "--out", str(out_dir))
    assert status == 0, out + err
    agreement = pd.read_csv(out_dir / "agreement.csv")
    assert set(agreement["model"]) == {"linear_regression (lam=0.05)"}
    assert "- Data, linear_regression (lam=0.05): " in out
    assert "Model: linear_regression (lam=0.05)." in (out_dir / "linear_regression-hessian.md").read_text()
    J_row = agreement[(agreement["quantity"] == "J") & (agreement["pair"] == "manual vs torch")]
    assert J_row["verdict"].tolist() == ["agree"]


def test_lam_is_refused_where_the_penalty_is_none_unless_a_penalty_is_given():
    with pytest.raises(BadInput, match=r"--lam 0.7: model dlai_deep has no regularisation \(penalty none\)"):
        configured("dlai_deep", lam=0.7)
    assert configured("dlai_deep", lam=0.7, penalty="lambda/2m").config["lam"] == 0.7
