"""The course-style network (Andrew Ng's Machine Learning, exercise 4): 400-25-10, sigmoid units in
both layers, the sum over the 10 classes of binary cross-entropy, and L2 on the weights.

``configure(n_x=400, n_h=25, n_y=10, lam=1.0)`` returns a ``CourseNet``. Names follow
manual/seed_net.py; the course's own are in brackets (its Theta holds the bias as column 0):

    A0 = X : (n_x, m)    [a1 without its bias unit]      m = X.shape[1], one column per example
    W1 : (n_h, n_x)      b1 : (n_h, 1)                   [Theta1 = (b1 W1), n_h x (n_x + 1)]
    Z1, A1 : (n_h, m)                                    [z2, a2]
    W2 : (n_y, n_h)      b2 : (n_y, 1)                   [Theta2 = (b2 W2), n_y x (n_h + 1)]
    Z2, A2 : (n_y, m)                                    [z3, a3 = h_Theta(x)]
    Y : (n_y, m), one-hot                                [y recoded as vectors of 0s and a 1]

Loss, mean over examples, sum over classes, regularisation on the weights only (not Theta's column 0):
    J = 1/m sum_j sum_k [-Y log A2 - (1 - Y) log(1 - A2)] + lambda/(2m) (||W1||^2 + ||W2||^2),
    computed from the logits: -y log g(z) - (1 - y) log(1 - g(z)) = softplus(z) - y z.

Backward for one example, m = 1 (``backward_per_example`` loops over the examples as the course):
    dZ2 = A2 - Y                                  [delta3 = a3 - y]
    dA1 = W2^T dZ2                                [Theta2^T delta3, bias row dropped]
    dZ1 = dA1 * g'(Z1) = dA1 * A1 (1 - A1)        [delta2 = Theta2^T delta3 .* sigmoidGradient(z2)]
    Delta2 += dZ2 A1^T,  Delta1 += dZ1 X^T        [Delta(l) = Delta(l) + delta(l+1) a(l)^T]
    Delta_b2 += dZ2,     Delta_b1 += dZ1          [the bias columns of Delta]
and after the loop
    dW = 1/m Delta + lambda/m W,   db = 1/m Delta_b.
``backward`` writes the same sum over examples as one matrix product per layer.
"""

import numpy as np

from manual.activations import sigmoid, softplus
from manual.mlp_config import check_config
from manual.validate import check_data, check_finite_through, check_params, checked, loss_value

INTERMEDIATES = ("dZ2", "dA1", "dZ1")
KINKS = ()             # sigmoid everywhere: smooth
EPSILON_INIT = 0.12    # the course's epsilon_init for 400-25-10


def configure(n_x=400, n_h=25, n_y=10, lam=1.0):
    """A ``CourseNet`` of n_x inputs, n_h hidden and n_y output sigmoid units, L2 strength lambda."""
    config = check_config((n_x, n_h, n_y), ("sigmoid",), "sigmoid", "binary_cross_entropy", lam)
    return CourseNet(*config.sizes, config.lam)


class CourseNet:
    """The model contract (param_shapes, init_params, check_inputs, forward, loss, backward) plus
    ``backward_per_example``, the course's loop over examples."""

    INTERMEDIATES = INTERMEDIATES
    KINKS = KINKS

    def __init__(self, n_x, n_h, n_y, lam):
        self.n_x, self.n_h, self.n_y, self.lam = n_x, n_h, n_y, lam

    def __repr__(self):
        return f"CourseNet({self.n_x}-{self.n_h}-{self.n_y}, lambda={self.lam:g})"

    def param_shapes(self):
        """{name: shape} of the parameters."""
        n_x, n_h, n_y = self.n_x, self.n_h, self.n_y
        return {"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}

    def init_params(self, seed=0, dtype=np.float64):
        """W, b ~ Uniform[-0.12, 0.12), the course's random initialisation (biases too: never zero)."""
        rng = np.random.default_rng(seed)
        eps = EPSILON_INIT
        return {k: rng.uniform(-eps, eps, s).astype(dtype) for k, s in self.param_shapes().items()}

    def check_inputs(self, params, X, Y=None):
        """ValueError naming the array when a shape or dtype is not what the derivation needs."""
        check_params(params, self.param_shapes())
        check_data(params, X, Y, self.n_x, self.n_y)

    @checked(check_inputs)
    def forward(self, params, X):
        """Forward pass; returns A2 and the cache (Z1, A1, Z2, A2)."""
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        Z1 = W1 @ X + b1             # Z1 = W1 A0 + b1     [z2 = Theta1 a1]                   (n_h, m)
        check_finite_through(X, Z1)  # a finite Z1 proves a finite X, at n_h/n_x of the scan
        A1 = sigmoid(Z1)             # A1 = g(Z1)          [a2 = g(z2)]                       (n_h, m)
        Z2 = W2 @ A1 + b2            # Z2 = W2 A1 + b2     [z3 = Theta2 a2]                   (n_y, m)
        A2 = sigmoid(Z2)             # A2 = g(Z2)          [a3]: one probability per class    (n_y, m)
        return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}

    @checked(check_inputs)
    def loss(self, params, X, Y):
        """J = 1/m sum_j sum_k [softplus(Z2) - Y Z2] + lambda/(2m) (||W1||^2 + ||W2||^2)."""
        m, W1, W2 = X.shape[1], params["W1"], params["W2"]
        _, cache = self.forward(params, X)
        Z2 = cache["Z2"]
        data = (softplus(Z2) - Y * Z2).sum() / m   # -Y log A2 - (1-Y) log(1-A2), from Z2: finite at +-1000
        penalty = self.lam / (2 * m) * ((W1 ** 2).sum() + (W2 ** 2).sum())  # not Theta's bias column
        return loss_value(data + penalty)

    @checked(check_inputs)
    def backward(self, params, cache, X, Y):
        """Vectorised backward pass, line by line in reverse; every d<name>, keyed in the order computed."""
        m, lam, W1, W2 = X.shape[1], self.lam, params["W1"], params["W2"]
        A1, A2 = cache["A1"], cache["A2"]
        dZ2 = A2 - Y                               # sigmoid + cross-entropy: g' cancels 1/(A2 (1-A2)) (n_y, m)
        dW2 = dZ2 @ A1.T / m + lam / m * W2        # dW2 = 1/m dZ2 A1^T + lambda/m W2              (n_y, n_h)
        db2 = dZ2.sum(axis=1, keepdims=True) / m   # db2 = 1/m sum_j dZ2: no lambda on a bias      (n_y, 1)
        dA1 = W2.T @ dZ2                           # dA1 = W2^T dZ2: Theta2^T without the bias row  (n_h, m)
        dZ1 = dA1 * A1 * (1 - A1)                  # dZ1 = dA1 * g'(Z1), g'(Z1) = A1 (1 - A1)      (n_h, m)
        dW1 = dZ1 @ X.T / m + lam / m * W1         # dW1 = 1/m dZ1 A0^T + lambda/m W1              (n_h, n_x)
        db1 = dZ1.sum(axis=1, keepdims=True) / m   # db1 = 1/m sum_j dZ1                           (n_h, 1)
        return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}

    @checked(check_inputs)
    def backward_per_example(self, params, cache, X, Y):
        """The course's backpropagation: for t = 1..m, forward and backward one example (m = 1),
        accumulating Delta; then dW = 1/m Delta + lambda/m W, db = 1/m Delta_b.

        ``cache`` is not read: as in the course, each example's forward pass is redone in the loop.
        Returns the same keys as ``backward``; dZ2, dA1, dZ1 hold each example's delta as a column.
        """
        m, lam, W1, b1, W2, b2 = X.shape[1], self.lam, params["W1"], params["b1"], params["W2"], params["b2"]
        Delta = {k: np.zeros_like(v) for k, v in params.items()}      # Delta1, Delta_b1, Delta2, Delta_b2
        dZ2, dA1, dZ1 = (np.empty((n, m), X.dtype) for n in (self.n_y, self.n_h, self.n_h))
        for t in range(m):
            x, y = X[:, t:t + 1], Y[:, t:t + 1]     # a1 = x(t), y(t)                     (n_x, 1), (n_y, 1)
            a1 = sigmoid(W1 @ x + b1)               # a2 = g(Theta1 a1)                   (n_h, 1)
            a2 = sigmoid(W2 @ a1 + b2)              # a3 = g(Theta2 a2)                   (n_y, 1)
            dz2 = a2 - y                            # delta3 = a3 - y                     (n_y, 1)
            da1 = W2.T @ dz2                        # Theta2^T delta3 (bias row dropped)  (n_h, 1)
            dz1 = da1 * a1 * (1 - a1)               # delta2 = Theta2^T delta3 .* a2 (1 - a2)
            Delta["W2"] += dz2 @ a1.T               # Delta2 += delta3 a2^T               (n_y, n_h)
            Delta["b2"] += dz2                      # Delta2's bias column += delta3      (n_y, 1)
            Delta["W1"] += dz1 @ x.T                # Delta1 += delta2 a1^T               (n_h, n_x)
            Delta["b1"] += dz1                      # Delta1's bias column += delta2      (n_h, 1)
            dZ2[:, t:t + 1], dA1[:, t:t + 1], dZ1[:, t:t + 1] = dz2, da1, dz1
        return {"dZ2": dZ2,
                "dW2": Delta["W2"] / m + lam / m * W2,  # dW2 = 1/m Delta2 + lambda/m W2 (no bias column)
                "db2": Delta["b2"] / m,                 # db2 = 1/m Delta_b2
                "dA1": dA1, "dZ1": dZ1,
                "dW1": Delta["W1"] / m + lam / m * W1,  # dW1 = 1/m Delta1 + lambda/m W1
                "db1": Delta["b1"] / m}                 # db1 = 1/m Delta_b1
