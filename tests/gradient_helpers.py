"""Gradients by central differences, for tests that check the engine's against them; tensors of either library
as arrays, to compare them."""

from __future__ import annotations

import numpy as np


def central_gradients(loss, inputs, eps=1e-6):
    """For each input array x of a real-valued `loss(*inputs)`: ∂L/∂Re x + i·∂L/∂Im x for complex x (PyTorch's
    convention for z.grad), ∂L/∂x for real x, element by element, by central differences of step eps."""
    gradients = []
    for i, x in enumerate(inputs):
        directions = (1.0, 1j) if np.iscomplexobj(x) else (1.0,)
        expected = np.zeros(x.shape, dtype=x.dtype)
        for position in np.ndindex(x.shape):
            for direction in directions:
                step = np.zeros(x.shape, dtype=x.dtype)
                step[position] = eps * direction
                ahead = loss(*[a + step if j == i else a for j, a in enumerate(inputs)])
                behind = loss(*[a - step if j == i else a for j, a in enumerate(inputs)])
                expected[position] += direction * (ahead - behind) / (2 * eps)
        gradients.append(expected)
    return gradients


def dense_array(x):
    """x (ours or PyTorch's, any layout, detached) as an ndarray: sparse tensors made dense."""
    if "strided" not in str(x.layout):
        x = x.to_dense()
    x = x.detach()
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x.data)


def same_bits(a, b):
    """Whether a and b hold the same numbers bit for bit (NaN equal to NaN, dtypes alike): arrays and numbers by value,
    Values by data and grad, lists, tuples and dicts item by item. Compiled steps' tests compare a replay with its
    eager twin so."""
    from autograd_core import Value

    if isinstance(a, Value):
        return isinstance(b, Value) and same_bits(a.data, b.data) and same_bits(a.grad, b.grad)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(same_bits(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_bits(a[k], b[k]) for k in a)
    if a is None or b is None:
        return a is b
    return np.array_equal(a, b, equal_nan=True) and np.asarray(a).dtype == np.asarray(b).dtype
