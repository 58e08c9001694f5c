"""Central finite differences in float64, for checking tapejax gradients."""

import numpy as np


def numeric_grad(f, x, eps=1e-6):
    """d sum(f(x)) / dx by central differences; f maps a float64 array to an array."""
    x = np.asarray(x, np.float64)
    grad = np.zeros_like(x)
    flat = grad.reshape(-1)
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = eps
        step = step.reshape(x.shape)
        flat[i] = (np.sum(f(x + step)) - np.sum(f(x - step))) / (2 * eps)
    return grad


def numeric_jacobian(f, x, eps=1e-6):
    """d f(x) / dx, shape f(x).shape + x.shape."""
    x = np.asarray(x, np.float64)
    out_shape = np.shape(f(x))
    jac = np.zeros(out_shape + x.shape)
    for i in np.ndindex(*x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        jac[(Ellipsis,) + i] = (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * eps)
    return jac
