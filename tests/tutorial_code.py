"""Source text of code written in the seed tutorial's style, for tests to write into tmp_path.

``TUTORIAL`` is the tutorial's network done right (softmax with the maximum subtracted, m from X,
biases summed over the examples, one-hot of 10 classes); ``ORIGINAL`` is the tutorial as commonly
copied, with its four classic slips. ``variant(old, new)`` plants one change, checking it applies.
"""

from tests.user_files import as_notebook

TUTORIAL = '''\
import numpy as np


def ReLU(Z):
    return np.maximum(Z, 0)


def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def forward_prop(W1, b1, W2, b2, X):
    Z1 = W1.dot(X) + b1
    A1 = ReLU(Z1)
    Z2 = W2.dot(A1) + b2
    A2 = softmax(Z2)
    return Z1, A1, Z2, A2


def ReLU_deriv(Z):
    return Z > 0


def one_hot(Y):
    one_hot_Y = np.zeros((Y.size, 10))
    one_hot_Y[np.arange(Y.size), Y] = 1
    return one_hot_Y.T


def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
    m = X.shape[1]
    one_hot_Y = one_hot(Y)
    dZ2 = A2 - one_hot_Y
    dW2 = 1 / m * dZ2.dot(A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return dW1, db1, dW2, db2


if __name__ == "__main__":
    raise SystemExit("training would start here; verify never runs it")
'''

SLIPS = {
    "global m": ("    m = X.shape[1]\n", ""),
    "softmax without the maximum": ("E = np.exp(Z - Z.max(axis=0, keepdims=True))", "E = np.exp(Z)"),
    "one-hot by the largest label": ("np.zeros((Y.size, 10))", "np.zeros((Y.size, Y.max() + 1))"),
    "db2 summed over all axes": ("np.sum(dZ2, axis=1, keepdims=True)", "np.sum(dZ2)"),
}


def variant(old, new, source=TUTORIAL):
    """``source`` with ``old`` replaced by ``new`` (which must occur)."""
    assert old in source, f"{old!r} is not in the source"
    return source.replace(old, new)


def original():
    """The tutorial as commonly copied: a global m of 42,000, softmax without its maximum, a one-hot
    sized by the largest label, and biases summed over all axes."""
    source = "m = 42_000  # rows of the whole training file\n" + TUTORIAL
    for old, new in SLIPS.values():
        source = variant(old, new, source)
    return source.replace("np.sum(dZ1, axis=1, keepdims=True)", "np.sum(dZ1)")


# --- The tutorial kept as people keep it: a script or a notebook that reads its data and trains at import

DEFINITIONS = TUTORIAL[:TUTORIAL.index("\n\nif __name__")] + "\n"   # TUTORIAL without its __main__ block

DATA = '''\
data = pd.read_csv("train.csv")          # the competition's file: not on this machine
data = np.array(data)
m, n = data.shape
np.random.shuffle(data)
data_dev = data[0:1000].T
Y_dev = data_dev[0]
X_dev = data_dev[1:n] / 255.
data_train = data[1000:m].T
Y_train = data_train[0]
X_train = data_train[1:n] / 255.
'''

TRAINING = '''\
def init_params():
    W1 = np.random.rand(10, 784) - 0.5
    b1 = np.random.rand(10, 1) - 0.5
    W2 = np.random.rand(10, 10) - 0.5
    b2 = np.random.rand(10, 1) - 0.5
    return W1, b1, W2, b2


def update_params(W1, b1, W2, b2, dW1, db1, dW2, db2, alpha):
    return W1 - alpha * dW1, b1 - alpha * db1, W2 - alpha * dW2, b2 - alpha * db2


def get_accuracy(A2, Y):
    return np.mean(np.argmax(A2, 0) == Y)


def gradient_descent(X, Y, alpha, iterations):
    W1, b1, W2, b2 = init_params()
    for i in range(iterations):
        Z1, A1, Z2, A2 = forward_prop(W1, b1, W2, b2, X)
        dW1, db1, dW2, db2 = backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y)
        W1, b1, W2, b2 = update_params(W1, b1, W2, b2, dW1, db1, dW2, db2, alpha)
        if i % 10 == 0:
            print("Iteration:", i, "accuracy:", get_accuracy(A2, Y))
    return W1, b1, W2, b2


W1, b1, W2, b2 = gradient_descent(X_train, Y_train, 0.10, 500)
'''

IMPORTS = "import numpy as np\nimport pandas as pd\nfrom matplotlib import pyplot as plt\n"


def script(definitions=DEFINITIONS, data=DATA, training=TRAINING):
    """The tutorial kept as one script: imports, the data read at import, the functions, training at import."""
    return f"{IMPORTS}\n{data}\n\n{definitions}\n\n{training}"


def notebook_cells(definitions=DEFINITIONS, data=DATA, training=TRAINING):
    """The same as a notebook's code cells: a ``%matplotlib inline`` magic, a ``!pip install`` line, the
    data, the functions, the training (5 cells)."""
    return [f"%matplotlib inline\n{IMPORTS}", "!pip install pandas matplotlib", data, definitions, training]


def notebook(cells):
    """A Jupyter notebook (nbformat 4, JSON text) with a markdown title and ``cells`` as code cells."""
    return as_notebook(*cells, title="A digit recogniser in NumPy")
