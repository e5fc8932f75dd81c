"""The affine layer and the activations in JAX (forward only), the twins of ``manual/layers/affine.py``."""

import jax
import jax.numpy as jnp


def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b


def relu_forward(x):
    return jax.nn.relu(x)


def leaky_relu_forward(x, alpha):
    return jax.nn.leaky_relu(x, alpha)


def sigmoid_forward(x):
    return jax.nn.sigmoid(x)


def tanh_forward(x):
    return jnp.tanh(x)
