"""The three published cases, written from the courses' descriptions in the courses' own layouts,
each with its rows: deeplearning.ai course 2's Gradient Checking (planted bugs, then fixed), Ng's ex4
checkNNGradients (3-5-3, debugInitializeWeights), CS231n's two-layer-net toy model.

Every gradient check runs through the course's own recipe (``comparisons.numerical.recipes``). Where
a figure's last digits depend on the order of operations, the code here keeps the course's order
(``1./m * np.dot(...)`` in deeplearning.ai's backward), and says so.
"""

import numpy as np

from comparisons.numerical import recipes
from comparisons.reproduce.digits import below, order, printed

# --- deeplearning.ai course 2, Gradient Checking ---------------------------------------------------------

DLAI_SOURCE = "deeplearning.ai course 2, week 1, Gradient Checking"


def dlai_test_case():
    """X (4, 3), Y [1, 1, 0] and W1 (5, 4), b1 (5, 1), W2 (3, 5), b2 (3, 1), W3 (1, 3), b3 (1, 1), drawn
    in that order by randn after seed 1, as ``gradient_check_n_test_case`` does."""
    rs = np.random.RandomState(1)
    X, Y = rs.randn(4, 3), np.array([1, 1, 0])
    shapes = dict(W1=(5, 4), b1=(5, 1), W2=(3, 5), b2=(3, 1), W3=(1, 3), b3=(1, 1))
    return X, Y, {k: rs.randn(*s) for k, s in shapes.items()}


def dlai_forward(X, Y, parameters, stable=False):
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID and the mean cross-entropy: the notebook's
    -Y log A3 - (1 - Y) log(1 - A3), or (``stable``) the same loss from the logits,
    softplus(Z3) - Y Z3. Returns (cost, cache)."""
    p, m = parameters, X.shape[1]
    Z1 = np.dot(p["W1"], X) + p["b1"]
    A1 = np.maximum(0, Z1)
    Z2 = np.dot(p["W2"], A1) + p["b2"]
    A2 = np.maximum(0, Z2)
    Z3 = np.dot(p["W3"], A2) + p["b3"]
    A3 = 1 / (1 + np.exp(-Z3))
    if stable:
        cost = 1.0 / m * np.sum(np.logaddexp(0, Z3) - Y * Z3)
    else:
        cost = 1.0 / m * np.sum(-np.log(A3) * Y - np.log(1 - A3) * (1 - Y))
    return cost, (Z1, A1, Z2, A2, Z3, A3)


def dlai_backward(X, Y, parameters, cache, planted=True):
    """The notebook's backward_propagation_n; ``planted``: with its two bugs, dW2 doubled and db1
    summed with 4/m instead of 1/m."""
    p, m = parameters, X.shape[1]
    Z1, A1, Z2, A2, Z3, A3 = cache
    # 1/m first, then the product: the notebook's order of operations, which its figures' last digits keep
    dZ3 = A3 - Y
    dW3, db3 = 1.0 / m * np.dot(dZ3, A2.T), 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dZ2 = np.dot(p["W3"].T, dZ3) * (A2 > 0)
    dW2 = 1.0 / m * np.dot(dZ2, A1.T) * (2 if planted else 1)
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(p["W2"].T, dZ2) * (A1 > 0)
    dW1, db1 = 1.0 / m * np.dot(dZ1, X.T), (4.0 if planted else 1.0) / m * np.sum(dZ1, axis=1, keepdims=True)
    return dict(dW1=dW1, db1=db1, dW2=dW2, db2=db2, dW3=dW3, db3=db3)


def dlai_rows():
    X, Y, parameters = dlai_test_case()
    cache = dlai_forward(X, Y, parameters)[1]

    def check(planted, stable=False):
        grads = dlai_backward(X, Y, parameters, cache, planted)
        return recipes.run("dlai", lambda p: dlai_forward(X, Y, p, stable)[0], parameters, grads)

    def difference(planted, stable=False):
        return check(planted, stable).figure

    name, later, notebook = "dlai", "later notebook's test (expected_values)", "2017 notebook (expected output)"
    return [
        printed(name, later, "difference, planted bugs (dW2 doubled, db1 with 4/m)", "0.2850931567761623",
                difference(True)),
        printed(name, notebook, "difference, planted bugs", "0.285093156781", difference(True),
                digits=7, note="its last digits are rounding of the naive loss (noise ~1.2e-7 relative, the "
                               "fixed code's figure): compared above it"),
        printed(name, later, "difference after the fix, the notebook's loss", "1.1890913024229996e-07",
                difference(False), note=f"{thresholds_said(check(False))}; a rounding-level figure, reproduced "
                                        f"exactly by the same operations"),
    ]


def thresholds_said(result):
    """e.g. ``fails <= 1e-07 (the 2017 notebook), passes <= 2e-07 (later notebooks)``: each of the
    recipe's thresholds, judged on ``result``'s figure in this run."""
    return ", ".join(f"{'passes' if ok else 'fails'} {t.text(result.kinks)}" for t, ok in result.verdicts())


def dlai_why():
    """Why the fixed code's 1.19e-7 is rounding in the naive loss and not a gradient error."""
    X, Y, parameters = dlai_test_case()
    cost, cache = dlai_forward(X, Y, parameters)
    grads = dlai_backward(X, Y, parameters, cache, planted=False)
    naive = recipes.run("dlai", lambda p: dlai_forward(X, Y, p)[0], parameters, grads)
    stable = recipes.run("dlai", lambda p: dlai_forward(X, Y, p, stable=True)[0], parameters, grads)
    planted = dlai_backward(X, Y, parameters, cache, planted=True)
    bugs = recipes.run("dlai", lambda p: dlai_forward(X, Y, p)[0], parameters, planted)
    A3, j = cache[5].ravel(), int(np.argmax(np.abs(cache[5].ravel() - Y)))
    noise = np.abs(naive.numerical - stable.numerical).max()
    return (f"deeplearning.ai: with a numerically stable loss (softplus(Z3) - Y Z3, from the logits) the same "
            f"recipe gives {stable.figure:.3e} on the fixed code, against {naive.figure:.3e} with the notebook's "
            f"-Y log A3 - (1 - Y) log(1 - A3). The gradient is right in both; the difference is rounding in "
            f"the naive loss: example {j + 1} has Y = {Y[j]} and A3 = {A3[j]:.6f}, so log(1 - A3) takes "
            f"1 - A3 = {1 - A3[j]:.3e}, formed after A3 was rounded to float64 (an absolute error up to "
            f"1.1e-16, {1.1e-16 / (1 - A3[j]):.0e} relative); J's rounding, divided by 2 epsilon = "
            f"{2 * naive.recipe.epsilon:g}, moves "
            f"elements of gradapprox by up to {noise:.1e}. At epsilon {naive.recipe.epsilon:g} the fixed code "
            f"{thresholds_said(naive)}. On the planted bugs Ng's ratio "
            f"norm(numgrad - grad) / norm(numgrad + grad) is {recipes.ng_ratio(bugs.analytic, bugs.numerical):.4f} "
            f"where deeplearning.ai's is {bugs.figure:.4f}.")


# --- Ng, Coursera Machine Learning ex4, checkNNGradients --------------------------------------------------

NG_SOURCE = "Coursera Machine Learning (Ng), ex4"


def debug_initialize_weights(fan_out, fan_in):
    """W (fan_out, 1 + fan_in) = sin(1:numel) / 10, filled in column-major order, as the course's
    debugInitializeWeights."""
    return np.sin(np.arange(1, fan_out * (1 + fan_in) + 1)).reshape((fan_out, 1 + fan_in), order="F") / 10


def sigmoid_gradient(z):
    g = 1 / (1 + np.exp(-np.asarray(z, dtype=np.float64)))
    return g * (1 - g)


def ng_test_case():
    """3-5-3, m = 5: Theta1 (5, 4), Theta2 (3, 6), X (5, 3) by debugInitializeWeights, y = 1 + mod(1:m, 3)."""
    X = debug_initialize_weights(5, 2)
    y = 1 + np.mod(np.arange(1, 6), 3)
    return X, y, dict(Theta1=debug_initialize_weights(5, 3), Theta2=debug_initialize_weights(3, 5))


def nn_cost_function(Theta1, Theta2, X, y, lam):
    """(J, {"dTheta1", "dTheta2"}): ex4's cost, mean over examples and sum over classes of the binary
    cross-entropy plus lambda/(2m) times the squared weights without Theta's column 0, and its
    gradient by backpropagation (bias column of Theta first, y in 1..K)."""
    m, K = X.shape[0], Theta2.shape[0]
    sigmoid = lambda z: 1 / (1 + np.exp(-z))   # noqa: E731 - the course's g
    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    h = sigmoid(a2 @ Theta2.T)
    Y = np.eye(K)[y - 1]
    J = np.sum(-Y * np.log(h) - (1 - Y) * np.log(1 - h)) / m
    J += lam / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    delta3 = h - Y
    delta2 = (delta3 @ Theta2)[:, 1:] * sigmoid_gradient(z2)
    grads = dict(dTheta1=delta2.T @ a1 / m, dTheta2=delta3.T @ a2 / m)
    for k, T in (("dTheta1", Theta1), ("dTheta2", Theta2)):
        grads[k][:, 1:] += lam / m * T[:, 1:]
    return J, grads


def ng_difference(lam):
    X, y, thetas = ng_test_case()
    grads = nn_cost_function(thetas["Theta1"], thetas["Theta2"], X, y, lam)[1]
    return recipes.run("ng", lambda p: nn_cost_function(p["Theta1"], p["Theta2"], X, y, lam)[0], thetas,
                       grads).figure


def ng_rows():
    note = ("ex4's printed 2.33553e-11 comes from the course's Octave run; a rounding-level figure, which "
            "another order of the same operations moves in its leading digits: compared as the course does, "
            "below 1e-9")
    check = "ex4.m, checkNNGradients.m"
    return [printed("ng", "ex4.pdf, sigmoidGradient", "sigmoidGradient(0)", "0.25", sigmoid_gradient(0.0)),
            order("ng", check, "relative difference, lambda = 0", "2.33553e-11", ng_difference(0.0), 1e-9, note),
            order("ng", check, "relative difference, lambda = 3", "2.33553e-11", ng_difference(3.0), 1e-9, note)]


# --- CS231n, two-layer net toy model ----------------------------------------------------------------------

CS231N_SOURCE = "CS231n assignment 1, two-layer net toy model"
CORRECT_SCORES = np.array([[-0.81233741, -1.27654624, -0.70335995], [-0.17129677, -1.18803311, -0.47310444],
                           [-0.51590475, -1.01354314, -0.8504215], [-0.15419291, -0.48629638, -0.52901952],
                           [-0.00618733, -0.12435261, -0.15226949]])   # the notebook's correct_scores, as printed


def cs231n_test_case():
    """TwoLayerNet(4, 10, 3, std=1e-1) after seed 0: W1 = std randn(4, 10), b1 = 0, W2 = std randn(10, 3),
    b2 = 0; then after seed 1 X = 10 randn(5, 4), y = [0, 1, 2, 2, 1]."""
    rs = np.random.RandomState(0)
    params = dict(W1=1e-1 * rs.randn(4, 10), b1=np.zeros(10), W2=1e-1 * rs.randn(10, 3), b2=np.zeros(3))
    rs = np.random.RandomState(1)
    return 10 * rs.randn(5, 4), np.array([0, 1, 2, 2, 1]), params


def two_layer_loss(params, X, y=None, reg=0.0):
    """scores = ReLU(X W1 + b1) W2 + b2 (N, C); with y, (loss, grads): the mean softmax cross-entropy
    plus reg (||W1||^2 + ||W2||^2), and its gradient."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h = np.maximum(0, X.dot(W1) + b1)
    scores = h.dot(W2) + b2
    if y is None:
        return scores
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), y])) + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dh = dscores.dot(W2.T) * (h > 0)
    grads = dict(dW2=h.T.dot(dscores) + 2 * reg * W2, db2=dscores.sum(axis=0),
                 dW1=X.T.dot(dh) + 2 * reg * W1, db1=dh.sum(axis=0))
    return loss, grads


def cs231n_rows():
    X, y, params = cs231n_test_case()
    loss, grads = two_layer_loss(params, X, y, reg=0.05)
    check = recipes.run("cs231n", lambda p: two_layer_loss(p, X, y, reg=0.05)[0], params, grads, kinks=True)
    name, CS231N_NOTEBOOK = "cs231n", "two_layer_net.ipynb"
    return [
        printed(name, CS231N_NOTEBOOK, "difference between your scores and correct scores", "3.6802720745909845e-08",
                float(np.sum(np.abs(two_layer_loss(params, X) - CORRECT_SCORES))),
                note="the printed correct_scores' rounding to 8 decimals"),
        printed(name, CS231N_NOTEBOOK, "loss, reg = 0.05", "1.30378789133", float(loss)),
        below(name, CS231N_NOTEBOOK, "|loss - correct_loss| ('we get < 1e-12')", 1e-12,
              abs(float(loss) - 1.30378789133)),
        *[below(name, CS231N_NOTEBOOK, f"{k} max relative error, h = 1e-5", 1e-8, v,
                note="'less than 1e-8 for each of W1, W2, b1, and b2'") for k, v in check.figures.items()],
    ]
