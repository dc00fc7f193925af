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

# (label, f(F, x) with F the library's nn.functional, x data, the name PyTorch 2.13 gives g's node: None where it is
# not ours, see the comments)
CASES = [
    ("relu", lambda F, x: F.relu(x), _X, "ThresholdBackwardBackward0"),
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.2), _X, "LeakyReluBackwardBackward0"),
    ("hardtanh", lambda F, x: F.hardtanh(x), _X, "HardtanhBackwardBackward0"),
    ("hardtanh-limits", lambda F, x: F.hardtanh(x, -0.3, 0.5), _X, "HardtanhBackwardBackward0"),
    ("relu6", lambda F, x: F.relu6(x), _X, "HardtanhBackwardBackward0"),
    ("hardshrink", lambda F, x: F.hardshrink(x, 0.5), _X, "HardshrinkBackwardBackward0"),
    ("softshrink", lambda F, x: F.softshrink(x, 0.5), _X, "SoftshrinkBackwardBackward0"),
    ("threshold", lambda F, x: F.threshold(x, 0.1, -3.0), _X, "ThresholdBackwardBackward0"),
    ("rrelu-eval", lambda F, x: F.rrelu(x, training=False), _X, "RreluWithNoiseBackwardBackward0"),
    ("abs", lambda F, x: x.abs(), _X, "MulBackward0"),  # g⊙sign(x), sign's derivative 0
    ("max_pool2d", lambda F, x: F.max_pool2d(x, 2), _IMAGE, "MaxPool2DWithIndicesBackwardBackward0"),
    ("max_pool2d-overlapping", lambda F, x: F.max_pool2d(x, 3, 1, 1), _IMAGE, "MaxPool2DWithIndicesBackwardBackward0"),
    ("max_unpool2d", lambda F, x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2), _IMAGE,
     "MaxPool2DWithIndicesBackwardBackward0"),
    # Compositions here: the values are PyTorch's, the name of g's node is a reshape's (PyTorch's SqueezeBackward1,
    # MaxPool3DWithIndicesBackwardBackward0)
    ("max_pool1d", lambda F, x: F.max_pool1d(x, 2), _SIGNAL, None),
    ("max_pool3d", lambda F, x: F.max_pool3d(x, 2), _VOLUME, None),
    # adaptive max pooling picks the maxima (max_pool_pick) out of its planes, reshaped: PyTorch's names are
    # AdaptiveMaxPool2DBackwardBackward0 ..., SqueezeBackward1 for 1-d
    ("adaptive_max_pool1d", lambda F, x: F.adaptive_max_pool1d(x, 4), _SIGNAL, None),  # overlapping bins
    ("adaptive_max_pool2d", lambda F, x: F.adaptive_max_pool2d(x, 3), _IMAGE, None),
    ("adaptive_max_pool3d", lambda F, x: F.adaptive_max_pool3d(x, (3, 2, 3)), _VOLUME, None),
]
# Not piecewise linear: the derivative in x of their rule is gg⊙g⊙f''(x), 0 at the kink (PyTorch's elu_double_backward
# tests x < 0, hardswish's −3 < x < 3)
CURVED = [
    ("elu", lambda F, x: F.elu(x), _X, "EluBackwardBackward0"),
    ("elu-alpha", lambda F, x: F.elu(x, 0.7), _X, "EluBackwardBackward0"),
    ("celu", lambda F, x: F.celu(x, 2.0), _X, "EluBackwardBackward0"),
    ("selu", lambda F, x: F.selu(x), _X, "EluBackwardBackward0"),
    ("hardswish", lambda F, x: F.hardswish(x), _X - 2.0, "HardswishBackwardBackward0"),  # −3 and 1 included
]
_ELEMENTWISE = [c for c in CASES + CURVED if c[2].ndim == 1]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _functional(lib):
    return agF if lib is ag else lib.nn.functional


def _numpy(t):
    if type(t).__module__.startswith("torch"):
        return t.detach().numpy(force=True)  # (ZeroTensors too)
    return np.asarray(t.data)


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


@pytest.mark.parametrize("label, f, data, torch_name", CASES + CURVED, ids=[c[0] for c in CASES + CURVED])
def test_side_by_side_with_pytorch(label, f, data, torch_name, torch):
    ours, theirs = _second_derivatives(ag, f, data), _second_derivatives(torch, f, data)
    if torch_name is not None:
        assert ours[0] == theirs[0] == torch_name
    for a, b in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("label, f, data, torch_name", _ELEMENTWISE, ids=[c[0] for c in _ELEMENTWISE])
def test_finite_differences_of_the_first_gradient_away_from_kinks(label, f, data, torch_name):
    """The second derivative is the slope of the first gradient under a small step away from the kinks (zeros for
    the piecewise-linear ones)."""
    def first_gradient(d):
        x = ag.tensor(d, requires_grad=True)
        g, = ag.autograd.grad(f(agF, x).sum(), x, create_graph=True)
        return np.asarray(g.data)

    points = _OFF_KINKS + (data[0] - _X[0])  # shifted as the case's data (hardswish's kinks are at ±3)
    step = 1e-5
    slopes = (first_gradient(points + step) - first_gradient(points - step)) / (2 * step)
    x = ag.tensor(points, requires_grad=True)
    g, = ag.autograd.grad(f(agF, x).sum(), x, create_graph=True)
    h, = ag.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(np.asarray(h.data), slopes, rtol=1e-6, atol=1e-9)


def _prelu_second_derivatives(lib, data, slopes):
    x, w = lib.tensor(data, requires_grad=True), lib.tensor(slopes, requires_grad=True)
    y = _functional(lib).prelu(x, w)
    c = lib.tensor(np.linspace(0.5, 2.0, data.size).reshape(data.shape))
    g, = lib.autograd.grad((y * c).sum(), x, create_graph=True)
    h, hw = lib.autograd.grad((g * g).sum(), [x, w])
    return type(y.grad_fn).__name__, type(g.grad_fn).__name__, _numpy(g), _numpy(h), _numpy(hw)


_PRELU_X = np.array([[-2.5, 1.0, -0.3], [0.4, -1.0, 3.0]]).reshape(2, 3, 1)  # off the kink at 0
_PRELU_W = np.array([0.25, -0.5, 1.5])


def test_prelus_mixed_term_in_its_weight():
    """g = c⊙(1 where x > 0, else w): zeros in x, 2·c²·w summed over x <= 0 in w (per channel)."""
    first, name, g, h, hw = _prelu_second_derivatives(ag, _PRELU_X, _PRELU_W)
    assert (first, name) == ("PreluKernelBackward0", "PreluKernelBackwardBackward0")
    np.testing.assert_array_equal(h, 0.0)
    c = np.linspace(0.5, 2.0, 6).reshape(2, 3, 1)
    negative = _PRELU_X <= 0
    np.testing.assert_allclose(hw, (2 * c * c * _PRELU_W[:, None] * negative).sum(axis=(0, 2)), rtol=1e-12)


def test_prelu_side_by_side_with_pytorch(torch):
    ours = _prelu_second_derivatives(ag, _PRELU_X, _PRELU_W)
    theirs = _prelu_second_derivatives(torch, _PRELU_X, _PRELU_W)
    assert ours[:2] == theirs[:2]
    for a, b in zip(ours[2:], theirs[2:]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_rrelu_in_training_has_a_second_derivative_of_zeros_as_pytorchs(torch):
    """The drawn slopes differ between the libraries: the names, zeros, and g = noise (1 for x >= 0) compare."""
    results = []
    for lib in (ag, torch):
        x = lib.tensor(_X, requires_grad=True)
        y = _functional(lib).rrelu(x, training=True)
        g, = lib.autograd.grad(y.sum(), x, create_graph=True)
        h, = lib.autograd.grad(g.sum(), x)
        results.append((type(y.grad_fn).__name__, type(g.grad_fn).__name__, _numpy(g), _numpy(h)))
    (*names, g, h), (*torch_names, _, torch_h) = results
    assert names == torch_names == ["RreluWithNoiseBackward0", "RreluWithNoiseBackwardBackward0"]
    np.testing.assert_array_equal(h, torch_h)
    np.testing.assert_array_equal(h, 0.0)
    assert np.all(g[_X > 0] == 1) and np.all((g[_X < 0] >= 1 / 8) & (g[_X < 0] <= 1 / 3))


def test_fractional_max_pools_second_derivative_is_zeros():
    """Fractional max pooling picks its maxima as adaptive max pooling does (the same node)."""
    name, g, h, hw = _second_derivatives(ag, lambda F, x: F.fractional_max_pool2d(x, 2, output_size=3, rng=0), _IMAGE)
    np.testing.assert_array_equal(h, 0.0)
    assert np.count_nonzero(g) and np.all(np.isfinite(hw)) and np.any(hw != 0)


def test_hardsigmoids_second_derivative_is_zeros_where_pytorchs_is_not_implemented():
    """PyTorch's gradient of hardsigmoid made with create_graph has grad_fn NotImplemented and its derivative raises;
    here it is a node like the others (HardsigmoidBackwardBackward0) whose derivative in x is the zeros it would be.
    The first gradient is PyTorch's."""
    name, g, h, hw = _second_derivatives(ag, lambda F, x: F.hardsigmoid(x), _X * 2)
    assert name == "HardsigmoidBackwardBackward0"
    np.testing.assert_array_equal(h, 0.0)
    np.testing.assert_array_equal(g, np.where(np.abs(_X * 2) < 3, np.linspace(0.5, 2.0, _X.size) / 6, 0.0))
    np.testing.assert_allclose(hw, 2 * g / 6 * (np.abs(_X * 2) < 3), rtol=1e-12)


def test_pytorchs_hardsigmoid_has_no_second_derivative(torch):
    x = torch.tensor(_X * 2, requires_grad=True)
    g, = torch.autograd.grad(torch.nn.functional.hardsigmoid(x).sum(), x, create_graph=True)
    assert type(g.grad_fn).__name__ == "NotImplemented"
    with pytest.raises(RuntimeError, match="derivative for aten::hardsigmoid_backward is not implemented"):
        torch.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), np.where(np.abs(_X * 2) < 3, 1 / 6, 0.0), rtol=1e-7)


def test_first_order_gradients_stay_arrays_and_keep_pytorchs_names():
    """Without create_graph the rules run on arrays (no node); the forward nodes carry PyTorch's names."""
    x = ag.tensor(_X, requires_grad=True)
    for f, name in [(lambda v: agF.hardtanh(v), "HardtanhBackward0"),
                    (lambda v: agF.hardshrink(v), "HardshrinkBackward0"),
                    (lambda v: agF.softshrink(v), "SoftshrinkBackward0"),
                    (lambda v: agF.threshold(v, 0.1, 2.0), "ThresholdBackward0"),
                    (lambda v: agF.leaky_relu(v), "LeakyReluBackward0"), (lambda v: agF.celu(v, 2.0), "CeluBackward0"),
                    (lambda v: agF.selu(v), "EluBackward0"), (lambda v: agF.hardsigmoid(v), "HardsigmoidBackward0"),
                    (lambda v: agF.hardswish(v), "HardswishBackward0"), (lambda v: agF.elu(v), "EluBackward0")]:
        y = f(x)
        assert type(y.grad_fn).__name__ == name
        g, = ag.autograd.grad(y.sum(), x)
        assert not g.requires_grad and g.grad_fn is None


def test_pictures_label_the_backward_nodes_edges_by_what_they_carry():
    # the edge from g carries the rule itself (linear in g), the edge from x zeros; one label for both said "0"
    import autograd_core.viz as viz

    x = ag.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    g, = ag.autograd.grad(agF.leaky_relu(x, 0.1).sum() * 3, x, create_graph=True)
    graph = viz.trace(g.sum())
    ops = {node.id: node.op for node in graph.nodes}
    labels = {edge.index: edge.formula for edge in graph.edges if ops[edge.dst] == "leaky_relu_backward"}
    assert labels == {0: "leaky_relu_backward(g, x)", 1: "0 (piecewise constant in it)"}
