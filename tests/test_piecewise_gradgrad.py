"""Second derivatives of the piecewise-linear operations, as PyTorch gives them.

g = grad((f(x)·w).sum(), x, create_graph=True) is a node of its own (PyTorch's LeakyReluBackwardBackward0,
HardtanhBackwardBackward0, MaxPool2DWithIndicesBackwardBackward0, ...) with an edge to x whose derivative is zeros
(autograd_core.ops.backward_nodes): grad(g.sum(), x) is zeros, where without the edge x looked unused and
autograd.grad raised. The mixed term through w (a gradient penalty, grad((g·g).sum(), w)) goes through the node's
derivative in g. Side by side with PyTorch (names, values, errors), and without it: the second derivative against
finite differences of the first gradient away from the kinks.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn.functional as agF

_X = np.array([-2.5, -1.0, -0.7, -0.3, 0.0, 0.4, 0.5, 1.0, 3.0, 7.0])  # kinks included: 0, ±0.5, ±1, 0.1, 6
_OFF_KINKS = np.array([-2.3, -0.8, -0.35, -0.2, 0.05, 0.3, 0.7, 1.4, 4.1, 6.6])
_rng = np.random.default_rng(7)
_IMAGE = _rng.permutation(2 * 4 * 4).reshape(1, 2, 4, 4) * 0.37 - 5.0  # distinct: no ties
_SIGNAL = _rng.permutation(2 * 7).reshape(1, 2, 7) * 0.41 - 2.0
_VOLUME = _rng.permutation(4 * 4 * 4).reshape(1, 1, 4, 4, 4) * 0.29 - 9.0

# (label, f(F, x) with F the library's nn.functional, x data, the name PyTorch 2.13 gives g's node)
CASES = [
    ("relu", lambda F, x: F.relu(x), _X, "ThresholdBackwardBackward0"),
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.2), _X, "LeakyReluBackwardBackward0"),
    ("hardtanh", lambda F, x: F.hardtanh(x), _X, "HardtanhBackwardBackward0"),
    ("hardtanh-limits", lambda F, x: F.hardtanh(x, -0.3, 0.5), _X, "HardtanhBackwardBackward0"),
    ("relu6", lambda F, x: F.relu6(x), _X, "HardtanhBackwardBackward0"),
    ("hardshrink", lambda F, x: F.hardshrink(x, 0.5), _X, "HardshrinkBackwardBackward0"),
    ("softshrink", lambda F, x: F.softshrink(x, 0.5), _X, "SoftshrinkBackwardBackward0"),
    ("threshold", lambda F, x: F.threshold(x, 0.1, -3.0), _X, "ThresholdBackwardBackward0"),
    ("max_pool2d", lambda F, x: F.max_pool2d(x, 2), _IMAGE, "MaxPool2DWithIndicesBackwardBackward0"),
    ("max_pool2d-overlapping", lambda F, x: F.max_pool2d(x, 3, 1, 1), _IMAGE, "MaxPool2DWithIndicesBackwardBackward0"),
    ("max_unpool2d", lambda F, x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2), _IMAGE,
     "MaxPool2DWithIndicesBackwardBackward0"),
    # Compositions here: the values are PyTorch's, the name of g's node is a reshape's (PyTorch's SqueezeBackward1,
    # MaxPool3DWithIndicesBackwardBackward0)
    ("max_pool1d", lambda F, x: F.max_pool1d(x, 2), _SIGNAL, None),
    ("max_pool3d", lambda F, x: F.max_pool3d(x, 2), _VOLUME, None),
]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _functional(lib):
    return agF if lib is ag else lib.nn.functional


def _numpy(t):
    return np.asarray(t.data) if isinstance(t, ag.Value) else t.detach().numpy()


def _second_derivatives(lib, f, data):
    """(name of g's node, g, grad(g.sum(), x), grad((g·g).sum(), w)) for g = grad((f(x)·w).sum(), x, create_graph)."""
    F = _functional(lib)
    x = lib.tensor(data, requires_grad=True)
    y = f(F, x)
    w = lib.tensor(np.linspace(0.5, 2.0, y.numel()).reshape(tuple(y.shape)), requires_grad=True)
    g, = lib.autograd.grad((y * w).sum(), x, create_graph=True)
    name = type(g.grad_fn).__name__
    h, = lib.autograd.grad(g.sum(), x, retain_graph=True)
    hw, = lib.autograd.grad((g * g).sum(), w)
    return name, _numpy(g), _numpy(h), _numpy(hw)


@pytest.mark.parametrize("label, f, data, torch_name", CASES, ids=[c[0] for c in CASES])
def test_second_derivative_is_zeros_and_the_mixed_term_goes_through(label, f, data, torch_name):
    name, g, h, hw = _second_derivatives(ag, f, data)
    np.testing.assert_array_equal(h, np.zeros_like(data))  # not an error: x is used, through a zero derivative
    # g = w·slope per element (pooling: w at each window's maximum); d(Σg²)/dw = 2·w·slope², the same as PyTorch's
    assert np.all(np.isfinite(hw)) and np.any(hw != 0)
    if torch_name is not None:
        assert name == torch_name


@pytest.mark.parametrize("label, f, data, torch_name", CASES, ids=[c[0] for c in CASES])
def test_side_by_side_with_pytorch(label, f, data, torch_name, torch):
    ours, theirs = _second_derivatives(ag, f, data), _second_derivatives(torch, f, data)
    if torch_name is not None:
        assert ours[0] == theirs[0] == torch_name
    for a, b in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


@pytest.mark.parametrize("label, f, data, torch_name", [c for c in CASES if c[2] is _X],
                         ids=[c[0] for c in CASES if c[2] is _X])
def test_finite_differences_of_the_first_gradient_away_from_kinks(label, f, data, torch_name):
    """The first gradient moves not at all under a small step away from the kinks: its derivative is zeros."""
    def first_gradient(d):
        x = ag.tensor(d, requires_grad=True)
        g, = ag.autograd.grad(f(agF, x).sum(), x, create_graph=True)
        return np.asarray(g.data)

    step = 1e-4
    slopes = (first_gradient(_OFF_KINKS + step) - first_gradient(_OFF_KINKS - step)) / (2 * step)
    _, _, h, _ = _second_derivatives(ag, f, _OFF_KINKS)
    np.testing.assert_allclose(h, slopes, atol=1e-9)


def test_first_order_gradients_stay_arrays_and_keep_pytorchs_names():
    """Without create_graph the rules run on arrays (no node); the forward nodes carry PyTorch's names."""
    x = ag.tensor(_X, requires_grad=True)
    for f, name in [(lambda v: agF.hardtanh(v), "HardtanhBackward0"),
                    (lambda v: agF.hardshrink(v), "HardshrinkBackward0"),
                    (lambda v: agF.softshrink(v), "SoftshrinkBackward0"),
                    (lambda v: agF.threshold(v, 0.1, 2.0), "ThresholdBackward0"),
                    (lambda v: agF.leaky_relu(v), "LeakyReluBackward0")]:
        y = f(x)
        assert type(y.grad_fn).__name__ == name
        g, = ag.autograd.grad(y.sum(), x)
        assert not g.requires_grad and g.grad_fn is None
