"""JAX's persistent compilation cache (reference/jax_ad): where it is, how it is turned off, and that a
second process reads back what the first compiled."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reference import jax_ad


@pytest.mark.parametrize("environ, expected", [
    ({"HANDGRAD_CACHE": "off"}, None),
    ({"HANDGRAD_CACHE": " OFF "}, None),
    ({"HANDGRAD_CACHE": "/somewhere/else"}, Path("/somewhere/else")),
    ({"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/handgrad/jax")),
    ({"HANDGRAD_CACHE": "", "XDG_CACHE_HOME": ""}, Path.home() / ".cache" / "handgrad" / "jax"),
])
def test_the_cache_folder_follows_the_environment(environ, expected):
    assert jax_ad.cache_folder(environ) == expected


def test_a_folder_that_cannot_be_made_leaves_the_cache_off(tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    assert jax_ad.use_cache(blocker / "jax") is False
    assert jax_ad.use_cache(None) is False


def test_this_session_caches_in_its_own_folder():
    assert jax_ad.CACHED and os.environ["HANDGRAD_CACHE"] in str(jax_ad.cache_folder())


PROGRAM = """
import numpy as np
from comparisons.catalogue import get
from comparisons.sources import run_autograd
model = get("logistic_regression")
data = model.data(None, 0, np.dtype("float64"))
result = run_autograd(model, "jax", model.init_params(0), data.X, data.Y)
print(repr(result.loss))
"""


@pytest.mark.slow
def test_a_second_process_reads_back_what_the_first_compiled(tmp_path):
    folder = tmp_path / "cache"
    env = {**os.environ, "HANDGRAD_CACHE": str(folder)}

    def run():
        done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True,
                              timeout=120, cwd=Path(__file__).parents[1])
        assert done.returncode == 0, done.stderr
        return done.stdout

    first = run()
    written = sorted(p.name for p in folder.iterdir() if p.name.endswith("-cache"))
    assert written, "the first run wrote no compiled program"
    assert run() == first                                            # the same J from the cached program
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith("-cache")) == written   # nothing new


@pytest.mark.slow
def test_off_writes_nothing(tmp_path):
    env = {**os.environ, "HANDGRAD_CACHE": "off", "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parents[1])
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []


ONCE_MODELS = ["seed_net", "dlai_deep", "course_net", "softmax_regression", "mlp_deep"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ONCE_MODELS)
def test_a_reference_compiled_once_moves_by_rounding_only(name, dtype):
    """reference.jax_ad.ONCE (no XLA optimization, for programs that run once) against XLA's defaults:
    the same J and gradients to a few units in the last place."""
    import jax
    import numpy as np

    from comparisons.catalogue import get
    from reference.jax_ad import ONCE, autograd

    model = get(name)
    data = model.data(None, 0, np.dtype(dtype))
    P = autograd.as_arrays(model.init_params(0, np.dtype(dtype)))
    source = model.source("jax")
    J_and_grads = jax.value_and_grad(lambda P: source.loss(P, data.X, data.Y))
    once = jax.jit(J_and_grads, compiler_options=ONCE)(P)
    optimized = jax.jit(J_and_grads)(P)
    eps = np.finfo(dtype).eps
    assert abs(float(once[0]) - float(optimized[0])) <= 16 * eps * abs(float(optimized[0]))
    for k, g in optimized[1].items():
        g = np.asarray(g)
        assert np.max(np.abs(np.asarray(once[1][k]) - g)) <= 16 * eps * np.max(np.abs(g)), k
