"""CS231n's forms (``comparisons.forms.cs231n``): TwoLayerNet.loss, softmax_loss_naive/vectorized and
svm_loss_naive/vectorized, the regularisation convention read from the loss, and the model inferred
from the form (a class read statically too).

Each form has one right file, written in the assignments' published style from their signatures (rows
as examples, W (D, C), integer labels, reg * sum W^2), and one file per classic mistake. Through the
command line with no flag but the file, as a new user runs it (``slow``: a Python start per run); the
same files load here (``isolate=False``) for the quick checks. The right files shift the scores by
their maximum; the assignments' own unshifted ``log(probs)`` is NON-FINITE on the two-layer net's
large-logits batch, which ``test_the_unshifted_softmax_...`` records.
"""

import pytest

from comparisons import catalogue
from comparisons.forms import DETECTED, cs231n, describe, inferred
from comparisons.verify import CannotVerify, verify
from comparisons.verify.api import chosen_model, defined
from tests.user_files import run_cli, write

TWO_LAYER = '''\
import numpy as np
import matplotlib.pyplot as plt


class TwoLayerNet(object):
    """
    A two-layer fully-connected neural network: input - fully connected layer - ReLU - fully
    connected layer - softmax, trained with a softmax loss and L2 regularization on the weights.
    Input dimension D, hidden dimension H, C classes.
    """

    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {}
        self.params['W1'] = std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        N, D = X.shape

        # forward pass: the class scores (N, C)
        hidden = np.maximum(0, X.dot(W1) + b1)
        scores = hidden.dot(W2) + b2
        if y is None:
            return scores

        shifted = scores - np.max(scores, axis=1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        loss = -np.sum(log_probs[np.arange(N), y]) / N
        loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

        # backward pass
        grads = {}
        dscores = np.exp(log_probs)
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads['W2'] = hidden.T.dot(dscores) + 2 * reg * W2
        grads['b2'] = np.sum(dscores, axis=0)
        dhidden = dscores.dot(W2.T)
        dhidden[hidden <= 0] = 0
        grads['W1'] = X.T.dot(dhidden) + 2 * reg * W1
        grads['b1'] = np.sum(dhidden, axis=0)
        return loss, grads

    def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95,
              reg=5e-6, num_iters=100, batch_size=200, verbose=False):
        for it in range(num_iters):
            idx = np.random.choice(X.shape[0], batch_size)
            loss, grads = self.loss(X[idx], y=y[idx], reg=reg)
            for name in self.params:
                self.params[name] -= learning_rate * grads[name]

    def predict(self, X):
        return np.argmax(self.loss(X), axis=1)
'''

HEADER = '''\
from builtins import range
import numpy as np
from random import shuffle
from past.builtins import xrange
'''

SOFTMAX_NAIVE = '''

def softmax_loss_naive(W, X, y, reg):
    """
    Softmax loss function, naive implementation (with loops).
    W (D, C) weights, X (N, D) a minibatch, y (N,) labels 0 <= y[i] < C, reg the regularization
    strength. Returns the loss and its gradient dW, of W's shape.
    """
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores -= np.max(scores)            # for numeric stability
        p = np.exp(scores) / np.sum(np.exp(scores))
        loss += -np.log(p[y[i]])
        for j in range(num_classes):
            dW[:, j] += (p[j] - (j == y[i])) * X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW
'''

SOFTMAX_VECTORIZED = '''

def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss function, vectorized version: the inputs and outputs of softmax_loss_naive."""
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= np.max(scores, axis=1, keepdims=True)
    log_p = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    loss = -np.sum(log_p[np.arange(num_train), y]) / num_train
    loss += reg * np.sum(W * W)
    dscores = np.exp(log_p)
    dscores[np.arange(num_train), y] -= 1
    dW = X.T.dot(dscores) / num_train
    dW += 2 * reg * W
    return loss, dW
'''

SVM_NAIVE = '''

def svm_loss_naive(W, X, y, reg):
    """
    Structured SVM loss function, naive implementation (with loops).
    W (D, C) weights, X (N, D) a minibatch, y (N,) labels 0 <= y[i] < C, reg the regularization
    strength. Returns the loss and its gradient dW, of W's shape.
    """
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1   # note delta = 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW
'''

SVM_VECTORIZED = '''

def svm_loss_vectorized(W, X, y, reg):
    """Structured SVM loss function, vectorized implementation: the inputs and outputs of svm_loss_naive."""
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[rows, y][:, None] + 1)
    margins[rows, y] = 0
    loss = np.sum(margins) / num_train + reg * np.sum(W * W)
    counts = (margins > 0).astype(X.dtype)
    counts[rows, y] = -np.sum(counts, axis=1)
    dW = X.T.dot(counts) / num_train + 2 * reg * W
    return loss, dW
'''

SOFTMAX = HEADER + SOFTMAX_NAIVE + SOFTMAX_VECTORIZED      # softmax.py as the assignment has it: both
SVM = HEADER + SVM_NAIVE + SVM_VECTORIZED                  # linear_svm.py

READ = "reg = {reg:g}, reg * sum W^2 (read from the loss)"
NO_B = "(inferred from the {form} form; bias = False: CS231n's W alone, no b)"

# name: (source, form, model, how it was read, {mistake: (old, new, first wrong quantity, words)})
FILES = {
    "two_layer": (TWO_LAYER, "cs231n_two_layer", "cs231n_two_layer (inferred from the cs231n_two_layer form)",
                  "params W1 (64, 50), b1 (50,), W2 (50, 10), b2 (10,) set to the model's", {
                      "1/N missing": ("        dscores /= N\n", "", "dW2", "values differ"),
                      "2 reg W missing": ("+ 2 * reg * W2", "", "dW2", "the L2 term 2 reg * W2 is missing"),
                      "reg W for reg sum W^2": ("+ 2 * reg * W2", "+ reg * W2", "dW2", "half the L2 term: reg * W2 where 2 reg * W2 belongs"),
                      "ReLU masked by its gradient": ("dhidden[hidden <= 0] = 0", "dhidden[dhidden <= 0] = 0",
                                                      "dW1", "values differ"),
                      "b2 not summed": ("grads['b2'] = np.sum(dscores, axis=0)", "grads['b2'] = dscores", "db2",
                                        "(10, 64) where (10, 1) expected: not summed over the examples?")}),
    "softmax": (HEADER + SOFTMAX_VECTORIZED, "cs231n_softmax", "softmax_regression " + NO_B.format(form="cs231n_softmax"),
                "read as CS231n's softmax_loss_vectorized(W, X, y, reg): X rows are examples (N, 64), W (64, 10)", {
                    "1/N missing": ("dW = X.T.dot(dscores) / num_train", "dW = X.T.dot(dscores)", "dW",
                                    "values differ"),
                    "2 reg W missing": ("    dW += 2 * reg * W\n", "", "dW", "the L2 term 2 reg * W is missing")}),
    "softmax_naive": (HEADER + SOFTMAX_NAIVE, "cs231n_softmax_naive",
                      "softmax_regression " + NO_B.format(form="cs231n_softmax_naive"),
                      "read as CS231n's softmax_loss_naive(W, X, y, reg)", {
                          "1/N missing": ("    dW /= num_train\n", "", "dW", "values differ"),
                          "reg W for reg sum W^2": ("dW += 2 * reg * W", "dW += reg * W", "dW", "half the L2 term: reg * W where 2 reg * W belongs")}),
    "svm": (HEADER + SVM_VECTORIZED, "cs231n_svm", "svm " + NO_B.format(form="cs231n_svm"),
            "read as CS231n's svm_loss_vectorized(W, X, y, reg)", {
                "correct class without -count": ("    counts[rows, y] = -np.sum(counts, axis=1)\n", "", "dW",
                                                 "values differ"),
                "reg W for reg sum W^2": ("+ 2 * reg * W", "+ reg * W", "dW", "half the L2 term: reg * W where 2 reg * W belongs")}),
    "svm_naive": (HEADER + SVM_NAIVE, "cs231n_svm_naive", "svm " + NO_B.format(form="cs231n_svm_naive"),
                  "read as CS231n's svm_loss_naive(W, X, y, reg)", {
                      "correct class without -count": ("                dW[:, y[i]] -= X[i]\n", "", "dW",
                                                       "values differ"),
                      "1/N missing": ("    dW /= num_train\n", "", "dW", "values differ")}),
}
# A right file whose loss takes the log of a probability: at logits of 1,000 the probability of a class
# far below the best rounds to 0 and the loss is inf, a robustness finding, not a wrong derivation.
LOG_OF_0 = {"softmax_naive": "robustness: on the large-logits batch J (NON-FINITE): inf: log of 0 at mine.py:"}
REG = {"two_layer": 0.05, "softmax": 1.0, "softmax_naive": 1.0, "svm": 1.0, "svm_naive": 1.0}
MISTAKES = [(name, mistake) for name, (*_, mistakes) in FILES.items() for mistake in mistakes]
QUICK = dict(isolate=False, against=("torch",))


def planted(name, mistake, source=None):
    source = source or FILES[name][0]
    old, new, *_ = FILES[name][-1][mistake]
    assert old in source, (name, mistake)
    return source.replace(old, new, 1)


# --- in process ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_each_right_file_is_read_by_its_form_with_its_model_and_agrees(tmp_path, name):
    source, form, model, reading, _ = FILES[name]
    result = verify(write(tmp_path, source), **QUICK)
    text = result.render()
    assert result.outcome.form == form and result.derivation_agrees, text
    assert result.exit_status == (1 if name in LOG_OF_0 else 0), text
    assert LOG_OF_0.get(name, "VERDICT: agrees.") in result.verdict()
    assert f"as model {model}" in text and reading in result.outcome.reading
    assert READ.format(reg=REG[name]) in result.outcome.reading
    assert [c.name for c in result.cases] == ["typical", "large-logits", "class-missing", "one-example"]


@pytest.mark.parametrize("name, mistake", MISTAKES)
def test_each_classic_mistake_is_found_and_diagnosed(tmp_path, name, mistake):
    quantity, words = FILES[name][-1][mistake][2:]
    result = verify(write(tmp_path, planted(name, mistake)), **QUICK)
    verdict = result.render().strip().splitlines()[-1]
    assert result.exit_status == 1
    assert f"First wrong: {quantity} on the typical batch" in verdict and words in verdict, verdict


def test_the_two_layer_nets_scores_are_its_forward_pass(tmp_path):
    result = verify(write(tmp_path, TWO_LAYER), **QUICK, cases=("typical",))
    rows = result.table.set_index("quantity")
    assert list(rows.index[:2]) == ["Z2", "J"] and rows.loc["Z2", "verdict"] == "agree"
    wrong = TWO_LAYER.replace("scores = hidden.dot(W2) + b2", "scores = hidden.dot(W2) - b2")
    verdict = verify(write(tmp_path, wrong, "wrong.py"), **QUICK, cases=("typical",)).verdict()
    assert "First wrong: Z2 on the typical batch" in verdict, verdict


def test_locals_named_as_the_derivation_are_read_in_its_layout_and_localise_a_hidden_mistake(tmp_path):
    named = TWO_LAYER.replace("        dhidden[hidden <= 0] = 0\n", "        dhidden[hidden <= 0] = 0\n        dZ1 = dhidden\n")
    right = verify(write(tmp_path, named), **QUICK, cases=("typical",))
    assert right.exit_status == 0 and right.outcome.runs["typical"].from_locals == ("dZ1",)
    assert right.table.set_index("quantity").loc["dZ1", "shape"] == "(50, 64)"     # (N, H) read as (H, N)
    wrong = named.replace("dhidden[hidden <= 0] = 0", "dhidden[dhidden <= 0] = 0")
    verdict = verify(write(tmp_path, wrong, "wrong.py"), **QUICK, cases=("typical",)).verdict()
    assert "First wrong: dZ1 on the typical batch" in verdict, verdict        # before dW1


@pytest.mark.parametrize("name", ["two_layer", "softmax", "svm_naive"])
def test_the_older_half_reg_is_read_from_the_loss_and_the_references_follow_it(tmp_path, name):
    source = FILES[name][0]
    half = (source.replace("loss += reg * (", "loss += 0.5 * reg * (").replace("reg * np.sum(W * W)", "0.5 * reg * np.sum(W * W)")
            .replace("2 * reg * W", "reg * W"))
    assert half != source
    current = verify(write(tmp_path, source), **QUICK, cases=("typical",))
    older = verify(write(tmp_path, half, "half.py"), **QUICK, cases=("typical",))
    assert older.exit_status == 0, older.render()
    assert "0.5 * reg * sum W^2 (read from the loss: the older assignments')" in older.outcome.reading
    assert older.outcome.runs["typical"].config == {"penalty": "half_reg"}
    J = lambda r: r.references["typical"].results["torch"].loss    # noqa: E731
    assert J(older) < J(current)      # the reference's penalty is half the current one's


def test_a_loss_without_the_penalty_is_read_as_reg_and_its_loss_differs(tmp_path):
    source = FILES["softmax"][0].replace("    loss += reg * np.sum(W * W)\n", "")
    result = verify(write(tmp_path, source), **QUICK)
    assert "reg * sum W^2 assumed (the current assignments'): your loss at reg and at reg = 0 differ by 0 reg " \
           "sum W^2" in result.outcome.reading
    assert result.exit_status == 1 and "First wrong: J on the typical batch" in result.verdict()


def test_a_file_with_both_is_checked_on_the_vectorized_and_says_how_to_check_the_loops(tmp_path):
    path = write(tmp_path, planted("softmax_naive", "1/N missing", SOFTMAX))     # the loops are wrong
    both = verify(path, **QUICK)
    assert both.outcome.form == "cs231n_softmax" and both.exit_status == 0
    assert ("softmax_loss_naive is defined too: --form cs231n_softmax_naive (or FILE.py:softmax_loss_naive) "
            "checks it") in both.outcome.reading
    for naive in (verify(path, form="cs231n_softmax_naive", **QUICK), verify(path + ":softmax_loss_naive", **QUICK)):
        assert naive.outcome.form == "cs231n_softmax_naive" and naive.exit_status == 1
        assert "First wrong: dW on the typical batch" in naive.verdict()


def test_a_named_function_is_read_by_its_name_among_forms_with_its_parameters(tmp_path):
    path = write(tmp_path, SVM)
    assert inferred(*defined(path + ":svm_loss_naive")) is cs231n.SvmNaive     # not softmax's, tried before
    assert inferred(*defined(path + ":svm_loss_vectorized")) is cs231n.SvmVectorized
    model, _ = chosen_model(path + ":svm_loss_naive")
    assert (model.name, model.config["bias"]) == ("svm", False)
    result = verify(path + ":svm_loss_naive", **QUICK, cases=("typical",))
    assert result.outcome.form == "cs231n_svm_naive" and result.exit_status == 0


def test_the_model_is_inferred_from_a_class_without_running_it(tmp_path):
    path = write(tmp_path, TWO_LAYER + "\nraise SystemExit('ran at import')\n")
    functions, named = defined(path)
    assert functions["TwoLayerNet"] == ["input_size", "hidden_size", "output_size", "std"] and named is None
    model, how = chosen_model(path)
    assert (model, how) == (catalogue.get("cs231n_two_layer"), "inferred from the cs231n_two_layer form")
    assert model.config["penalty"] == "reg" and model.config["sizes"] == (64, 50, 10)
    assert inferred(*defined(path + ":TwoLayerNet")) is cs231n.TwoLayerNet


def test_a_module_the_assignment_imports_that_is_not_installed_is_stood_in_for(tmp_path):
    result = verify(write(tmp_path, SOFTMAX), **QUICK, cases=("typical",))
    assert result.exit_status == 0 and any("past" in note for note in result.outcome.notes), result.outcome.notes


@pytest.mark.parametrize("source, words", [
    (TWO_LAYER.replace("        self.params = {}\n", "        self.weights = {}\n").replace("self.params['", "self.weights['"),
     "TwoLayerNet(64, 50, 10) has no params dict (found NoneType); expected self.params = {'W1': ..."),
    (TWO_LAYER.replace("grads['b1'] = np.sum(dhidden, axis=0)", "grads['db1'] = np.sum(dhidden, axis=0)"),
     "TwoLayerNet.loss returned grads without b1 (keys: W2, b2, W1, db1); expected TwoLayerNet.loss(X, y=None, "
     "reg=0.0) -> (loss, grads)"),
    (TWO_LAYER.replace("        return loss, grads\n", "        return grads\n"),
     "TwoLayerNet.loss returned a dict; expected 2 values (loss, grads)"),
])
def test_a_class_that_cannot_be_read_is_one_message(tmp_path, source, words):
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, source), **QUICK)
    assert words in str(error.value)


def test_a_model_the_form_cannot_read_is_one_message(tmp_path):
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, TWO_LAYER), model="mlp_deep", **QUICK)
    assert "model mlp_deep is not: use --model cs231n_two_layer" in str(error.value)
    with pytest.raises(CannotVerify) as error:
        verify(write(tmp_path, SVM, "svm.py"), model="softmax_regression", **QUICK)
    assert "is a multiclass SVM (hinge loss, margin 1); model softmax_regression is not: use --model svm" \
        in str(error.value)


def test_the_unshifted_softmax_of_the_two_layer_net_is_non_finite_on_the_large_logits_batch(tmp_path):
    naive = TWO_LAYER.replace(
        "        shifted = scores - np.max(scores, axis=1, keepdims=True)\n"
        "        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))\n",
        "        probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)\n"
        "        log_probs = np.log(probs)\n")
    assert naive != TWO_LAYER
    result = verify(write(tmp_path, naive), **QUICK)
    verdict = result.render().strip().splitlines()[-1]
    assert result.exit_status == 1 and result.derivation_agrees      # issue 11: robustness, not the derivation
    assert "robustness: on the large-logits batch J (NON-FINITE)" in verdict and "overflow in exp at mine.py:" in verdict
    # the linear classifier's large-logits batch reaches |Z| = 1,000 too: its unshifted softmax overflows
    linear = HEADER + SOFTMAX_NAIVE.replace("        scores -= np.max(scores)            # for numeric stability\n", "")
    assert linear != HEADER + SOFTMAX_NAIVE
    result = verify(write(tmp_path, linear, "linear.py"), **QUICK)
    assert result.exit_status == 1 and result.derivation_agrees
    assert "robustness: on the large-logits batch J (NON-FINITE)" in result.verdict()
    assert "overflow in exp at linear.py:" in result.verdict()


def test_the_forms_are_tried_before_the_contract_and_listed():
    names = [f.name for f in DETECTED]
    assert names[-1] == "contract" and tuple(DETECTED[-1 - len(cs231n.FORMS):-1]) == cs231n.FORMS
    text = " ".join(describe(300).split())
    for form in cs231n.FORMS:
        assert f"{form.name} ({form.whose})" in text and form.signature in text
    assert "svm (default svm at bias = False; --model NAME chooses)" in text


# --- through the command line, as a new user runs it ----------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", FILES)
def test_each_right_file_verifies_from_the_command_line(tmp_path, capsys, name):
    source, form, model, reading, _ = FILES[name]
    status, out, err = run_cli(capsys, "verify", write(tmp_path, source))
    assert status == (1 if name in LOG_OF_0 else 0), out + err
    assert LOG_OF_0.get(name, "VERDICT: agrees") in out and f"{form} form" in out and f"as model {model}" in out
    assert reading.lower() in " ".join(out.split()).lower()    # the output says "- Read as ..."


@pytest.mark.slow
@pytest.mark.parametrize("name, mistake", MISTAKES)
def test_each_classic_mistake_exits_1_from_the_command_line(tmp_path, capsys, name, mistake):
    quantity, words = FILES[name][-1][mistake][2:]
    status, out, err = run_cli(capsys, "verify", write(tmp_path, planted(name, mistake)))
    verdict = out.strip().splitlines()[-1]
    assert status == 1, out + err
    assert f"First wrong: {quantity} on the typical batch" in verdict and words in verdict, verdict


@pytest.mark.slow
@pytest.mark.parametrize("name", ["softmax", "svm"])
def test_the_assignments_file_with_both_functions_verifies_from_the_command_line(tmp_path, capsys, name):
    source = SOFTMAX if name == "softmax" else SVM
    status, out, err = run_cli(capsys, "verify", write(tmp_path, source))
    assert status == 0, out + err
    assert f"{FILES[name][1]} form" in out and "is defined too: --form" in " ".join(out.split())
