"""Derivatives at kinks and ties follow PyTorch: relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = slope,
clip passes the gradient on its bounds (min <= x <= max), max/min/maximum/minimum split it equally
between tied elements. Each convention is checked by hand and, where installed, against torch."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value

X = np.array([-1.0, 0.0, 0.5, 0.0, 2.0])
M = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])

# name: (our function, torch function, inputs, expected gradient of sum(out) for each input)
TIES = {
    "relu": (ag.relu, lambda t, x: t.relu(x), [X], [[0, 0, 1, 0, 1]]),
    "abs": (ag.abs, lambda t, x: t.abs(x), [X], [[-1, 0, 1, 0, 1]]),
    "leaky_relu": (lambda x: ag.leaky_relu(x, negative_slope=0.1),
                   lambda t, x: t.nn.functional.leaky_relu(x, 0.1), [X], [[0.1, 0.1, 1, 0.1, 1]]),
    "clip": (lambda x: ag.clip(x, 0.0, 0.5), lambda t, x: t.clamp(x, 0.0, 0.5), [X], [[0, 1, 1, 1, 0]]),
    "clip_min_only": (lambda x: ag.clip(x, 0.0, None), lambda t, x: t.clamp(x, min=0.0), [X], [[0, 1, 1, 1, 1]]),
    "max_all": (ag.max, lambda t, x: t.amax(x, dim=(0, 1)), [M], [[[0, 0.5, 0.5], [0, 0, 0]]]),
    "max_axis1": (lambda x: ag.max(x, axis=1), lambda t, x: t.amax(x, dim=1), [M],
                  [[[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]]),
    "min_axis0": (lambda x: ag.min(x, axis=0), lambda t, x: t.amin(x, dim=0), [M], [[[1, 0, 0], [0, 1, 1]]]),
    "min_all": (ag.min, lambda t, x: t.amin(x, dim=(0, 1)), [M], [[[1, 0, 0], [0, 0, 0]]]),
    "maximum": (ag.maximum, lambda t, x, y: t.maximum(x, y), [X, np.array([0.0, 0.0, 0.5, 1.0, 0.0])],
                [[0, 0.5, 0.5, 0, 1], [1, 0.5, 0.5, 1, 0]]),
    "minimum": (ag.minimum, lambda t, x, y: t.minimum(x, y), [X, np.array([0.0, 0.0, 0.5, 1.0, 0.0])],
                [[1, 0.5, 0.5, 1, 0], [0, 0.5, 0.5, 0, 1]]),
    "maximum_same_value": (lambda x: ag.maximum(x, x), lambda t, x: t.maximum(x, x), [X], [[1, 1, 1, 1, 1]]),
}


def _our_grads(fn, inputs):
    xs = [Value(x) for x in inputs]
    fn(*xs).sum().backward()
    return [x.grad for x in xs]


@pytest.mark.parametrize("name", TIES)
def test_tie_convention(name):
    fn, _, inputs, expected = TIES[name]
    for got, want in zip(_our_grads(fn, inputs), expected):
        np.testing.assert_allclose(got, np.array(want, dtype=float), rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", TIES)
def test_tie_convention_matches_torch(name):
    torch = pytest.importorskip("torch")
    fn, torch_fn, inputs, _ = TIES[name]
    ts = [torch.tensor(x, requires_grad=True) for x in inputs]
    torch_fn(torch, *ts).sum().backward()
    for got, t in zip(_our_grads(fn, inputs), ts):
        np.testing.assert_allclose(got, t.grad.numpy(), rtol=0, atol=1e-15)


def test_pow_at_zero_base():
    # d(x^y)/dx at x = 0: y·0^(y-1) is 0 for y > 1 and 0 for y = 0 (not 0·inf); d/dy = 0 at x = 0, y >= 0.
    x, y = Value(np.array([0.0, 0.0, 0.0])), Value(np.array([2.0, 0.0, 3.5]))
    (x ** y).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(y.grad, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [20_000, 3 * 65_536 + 7])  # one block of zeros; several and a partial one
def test_relu_of_a_large_array_gives_numpys_maximum_bit_for_bit(dtype, size):
    """Large arrays go through np.maximum against a block of zeros (NumPy's vector loop): the same bits as
    np.maximum(x, 0), signed zeros and NaNs included, in eager mode and in a compiled step's buffers."""
    from autograd_core.ops import elementwise

    x = np.random.default_rng(0).standard_normal(size).astype(dtype)
    x[:8] = [-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, -1.0, 1.0]
    x = x.reshape(-1, 1) if size % 2 else x.reshape(2, -1)
    want = np.maximum(x, dtype(0)).view(np.uint8)
    assert np.array_equal(ag.relu(Value(x)).data.view(np.uint8), want)
    out = np.empty_like(x)
    assert np.array_equal(elementwise.relu.forward_into(x, out=out).view(np.uint8), want)
