"""Linear regression's closed form by ``jnp.linalg.lstsq``, formulated apart from the manual one.

The manual solution centres the data and recovers b afterwards. Here b is one more unknown:
with theta = [W^T; b] (n+1, 1), J's minimiser solves the least-squares problem
    min_theta || [X^T 1; sqrt(lambda) I 0] theta - [Y^T; 0] ||^2,
(the zero column: the bias is not penalised), handed as it stands to ``jnp.linalg.lstsq``
(SVD, minimum-norm when the system is rank deficient), jitted as one program.
"""

import jax
import jax.numpy as jnp
import numpy as np

import reference.jax_ad  # noqa: F401  (64-bit mode)


def solve(X, Y, lam=0.0):
    """The minimiser {W (1, n), b (1, 1)} of J, as NumPy arrays in X's dtype."""
    theta = _lstsq(jax.device_put(X), jax.device_put(Y), lam)                          # (n+1, 1)
    n_x = X.shape[0]
    return {"W": np.asarray(theta[:n_x].T), "b": np.asarray(theta[n_x:])}


@jax.jit
def _lstsq(X, Y, lam):
    """theta = argmin || [X^T 1; sqrt(lambda) I 0] theta - [Y^T; 0] ||^2."""
    n_x, m = X.shape
    A = jnp.block([[X.T, jnp.ones((m, 1), X.dtype)],
                   [jnp.sqrt(lam).astype(X.dtype) * jnp.eye(n_x, dtype=X.dtype),
                    jnp.zeros((n_x, 1), X.dtype)]])                                # (m+n, n+1)
    B = jnp.concatenate([Y.T, jnp.zeros((n_x, 1), X.dtype)])                     # (m+n, 1)
    return jnp.linalg.lstsq(A, B)[0]
