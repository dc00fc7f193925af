"""conv1d, conv3d and their transposed forms set a parameter weight's gradient aside as conv2d does
(tests/test_threads_aside.py, test_threads_aside_bias_free.py), with a bias or without: the weight reaches the 2-D
convolution's node in its own rank, a leaf (nn/conv.py `_weight4`: the primitives read it as the 2-D convolution's
weight), not through a view of it. The numbers are the one-thread pass's bit for bit, eager and compiled, and
PyTorch's in float64; so are the weight's second derivatives and forward-mode tangents, which the primitives now make
in the weight's rank."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value
from autograd_core.nn import functional as F
from test_threads_aside import aside_always  # noqa: F401  (the fixture of that file)
from test_threads_aside_bias_free import asides  # noqa: F401  (the fixture of that file)

# name -> (its 2-D primitive, keyword arguments, input shape (N, C, *spatial), weight shape)
CONVOLUTIONS = {
    "conv1d": ("conv2d", dict(padding=1), (4, 3, 9), (3, 3, 3)),
    "conv_transpose1d": ("conv_transpose2d", dict(padding=1, stride=2), (4, 3, 9), (3, 2, 3)),
    "conv3d": ("conv2d", dict(padding=1, stride=(1, 2, 1)), (2, 3, 4, 5, 4), (3, 3, 2, 3, 3)),
    "conv_transpose3d": ("conv_transpose2d", dict(padding=1, stride=2, output_padding=1), (2, 3, 3, 4, 3),
                         (3, 2, 3, 2, 3)),
}
_CASES = [(name, bias) for name in CONVOLUTIONS for bias in (False, True)]
_IDS = [f"{name}-{'bias' if bias else 'no_bias'}" for name, bias in _CASES]


def _arrays(name, bias, dtype=np.float64):
    _, _, x_shape, w_shape = CONVOLUTIONS[name]
    rng = np.random.default_rng(13)
    out_channels = w_shape[1] if "transpose" in name else w_shape[0]
    return (rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype),
            rng.standard_normal(out_channels).astype(dtype) if bias else None)


def _step(name, bias, threads_allowed):
    """The gradients of x, w and b of sum(y²), y the convolution `name` of tanh(x) (a node: the pass goes on below
    the convolution while a pool thread makes w's gradient)."""
    ag.set_num_threads(threads_allowed)
    x, w, b = (None if a is None else Value(a) for a in _arrays(name, bias))
    y = getattr(F, name)(F.tanh(x), w, b, **CONVOLUTIONS[name][1])
    (y * y).sum().backward()
    return [v.grad for v in (x, w, b) if v is not None]


@pytest.mark.parametrize("name, bias", _CASES, ids=_IDS)
def test_the_weight_gradient_is_set_aside_with_the_one_thread_bits(name, bias, aside_always, asides):  # noqa: F811
    serial = [g.copy() for g in _step(name, bias, 1)]
    assert asides == []
    two = _step(name, bias, 2)
    assert asides == [(CONVOLUTIONS[name][0], 1)]
    assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(serial, two))


@pytest.mark.parametrize("name, bias", _CASES, ids=_IDS)
def test_gradients_on_two_threads_are_pytorchs(name, bias, aside_always):  # noqa: F811
    torch = pytest.importorskip("torch")
    ours = _step(name, bias, 2)
    x, w, b = (None if a is None else torch.tensor(a, requires_grad=True) for a in _arrays(name, bias))
    y = getattr(torch.nn.functional, name)(torch.tanh(x), w, b, **CONVOLUTIONS[name][1])
    (y * y).sum().backward()
    theirs = [v.grad.numpy() for v in (x, w, b) if v is not None]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def _second_and_tangent(L, name, bias):
    """(x's and w's gradients of |∂L/∂w|² (a second derivative through the weight's rule), the tangent of y along
    (x, w, b)'s directions) in library L."""
    F = L.nn.functional
    kwargs = CONVOLUTIONS[name][1]
    arrays = _arrays(name, bias)
    x, w, b = (None if a is None else L.tensor(a, requires_grad=True) for a in arrays)
    y = getattr(F, name)(L.tanh(x), w, b, **kwargs)
    (gw,) = L.autograd.grad((y * y).sum(), [w], create_graph=True)
    gx, gw2 = L.autograd.grad((gw * gw).sum(), [x, w])
    primals = tuple(L.tensor(a) for a in arrays if a is not None)
    tangents = tuple(L.tensor(np.cos(np.arange(a.size)).reshape(a.shape)) for a in arrays if a is not None)
    _, tangent = L.func.jvp(lambda *args: getattr(F, name)(args[0], *args[1:], **kwargs), primals, tangents)
    as_array = (lambda t: t.detach().numpy()) if L.__name__ == "torch" else (lambda t: np.asarray(t.data))
    return [as_array(t) for t in (gx, gw2, tangent)]


@pytest.mark.parametrize("name, bias", _CASES, ids=_IDS)
def test_second_derivatives_and_tangents_of_the_weight_are_pytorchs(name, bias):
    """The weight's rules now take and make it in its own rank (conv2d_weight's, its forward mode): through them
    again (create_graph) and forward, against PyTorch's in float64, and finite differences without PyTorch."""
    ours = _second_and_tangent(ag, name, bias)
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        for a, b in zip(ours, _second_and_tangent(torch, name, bias)):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    # the tangent by central differences along the same directions
    arrays = [a for a in _arrays(name, bias) if a is not None]
    directions = [np.cos(np.arange(a.size)).reshape(a.shape) for a in arrays]

    def f(t):
        moved = [Value(a + t * d, requires_grad=False) for a, d in zip(arrays, directions)]
        return getattr(F, name)(moved[0], *moved[1:], **CONVOLUTIONS[name][1]).data

    np.testing.assert_allclose(ours[2], (f(1e-6) - f(-1e-6)) / 2e-6, rtol=1e-6, atol=1e-6)


def _cnn1d_step(compiled):
    """A 1-D CNN's training step: conv1d (bias) -> ReLU -> conv1d (no bias) -> conv_transpose1d -> mean square."""
    rng = np.random.default_rng(3)
    x = Value(rng.standard_normal((4, 2, 12)), requires_grad=False)
    params = [Value(rng.standard_normal(s)) for s in ((4, 2, 3), (4,), (3, 4, 3), (3, 2, 2))]

    def step():
        for p in params:
            p.grad = None
        w1, b1, w2, w3 = params
        h = F.relu(F.conv1d(x, w1, b1, padding=1))
        h = F.conv_transpose1d(F.tanh(F.conv1d(h, w2, padding=1)), w3, stride=2)
        (h * h).mean().backward()
        return [p.grad for p in params]

    return ag.compile(step) if compiled else step


def test_a_compiled_1d_cnn_step_sets_aside_with_eager_bits(aside_always):  # noqa: F811
    ag.set_num_threads(1)
    eager = [g.copy() for g in _cnn1d_step(False)()]
    ag.set_num_threads(2)
    compiled = _cnn1d_step(True)
    for _ in range(2):
        got = compiled()
        assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(eager, got))
    assert compiled.sources()[0].count("_aside(") == 2  # conv1d's second weight and conv_transpose1d's
