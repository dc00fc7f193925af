"""Slices' gradients add up in one array per input (autograd_core/scattered_gradient.py), with the results and the
bits of the plain rule (zeros of the input's shape with g at the slice, added up one full array at a time)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.ops.shape import _getitem
from autograd_core.scattered_gradient import ScatteredGradient, is_basic_index


def _gradients(build, seed=0):
    """Run build(x) -> scalar Value on fresh leaves, return the leaves' gradients (and retained ones)."""
    rng = np.random.default_rng(seed)
    x = ag.Value(rng.standard_normal((6, 3, 4)).astype(np.float32), requires_grad=True)
    w = ag.Value(rng.standard_normal((4, 4)).astype(np.float32), requires_grad=True)
    out, kept = build(x, w)
    out.backward()
    return [x.grad, w.grad] + [k.grad for k in kept]


def _without_lazy_slices(monkeypatch):
    monkeypatch.setattr(_getitem, "lazy_vjp", None)


def _rnn_loop(x, w):
    h = x[0] @ w
    for t in range(1, x.shape[0]):
        h = (h + x[t]) @ w
    return h.tanh().sum(), []


def _slices_and_whole(x, w):
    y = x * 2.0  # a non-leaf sliced many times, and used whole as well
    y.retain_grad()
    parts = [y[t, :, 1:3].sum() * (t + 1) for t in range(x.shape[0])]
    return sum(parts) + (y * y).sum() + y[:, 0].mean(), [y]


def _unbind_chunk_and_fancy(x, w):
    a, b, *_ = x.unbind(0)
    c, d = x.chunk(2, dim=2)
    picked = x[np.array([0, 0, 5])]  # an integer array: repeated rows, the plain rule
    return (a * b).sum() + (c @ d.transpose(-1, -2)).sum() + picked.sum() + x[..., None, 1].sum(), []


def _negative_and_strided(x, w):
    return sum((x[t, ::2, -1] * w[t % 4, 1:4:2]).sum() for t in range(-1, -6, -1)), []


@pytest.mark.parametrize("build", [_rnn_loop, _slices_and_whole, _unbind_chunk_and_fancy, _negative_and_strided])
def test_same_bits_as_the_plain_rule(build, monkeypatch):
    lazy = _gradients(build)
    _without_lazy_slices(monkeypatch)
    plain = _gradients(build)
    for got, want in zip(lazy, plain):
        if want is None:  # an unused leaf
            assert got is None
            continue
        assert got.__class__ is want.__class__
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_the_pass_builds_them_and_nothing_else_sees_them():
    """The engine's pass makes ScatteredGradients for a sliced input, and hands hooks and .grad ndarrays."""
    from autograd_core.grad_array import GradArray

    x = ag.randn(5, 3, requires_grad=True)
    y = x * 1.0
    seen = []
    y.register_hook(lambda g: seen.append(type(g)))
    made = []
    original = _getitem.lazy_vjp

    def spy(g, out, data, **params):
        result = original(g, out, data, **params)
        made.append(type(result))
        return result

    _getitem.lazy_vjp = spy
    try:
        sum(y[t].sum() * t for t in range(5)).backward()
    finally:
        _getitem.lazy_vjp = original
    assert made == [ScatteredGradient] * 5
    assert seen == [GradArray]  # an ndarray with PyTorch's tensor methods, as .grad reads, never the lazy form
    assert type(y.grad).__name__ != "ScatteredGradient" and isinstance(y.grad, np.ndarray)
    np.testing.assert_array_equal(x.grad, np.repeat(np.arange(5.0), 3).reshape(5, 3).astype(x.dtype))


def test_a_leafs_gradient_is_its_own_array():
    x = ag.randn(4, 2, requires_grad=True)
    y = x[1:3]
    y.retain_grad()
    (y.sum() + x[0].sum()).backward()
    x.grad += 100.0  # the user's to change in place: no other gradient moves
    np.testing.assert_array_equal(y.grad, np.ones((2, 2), dtype=x.dtype))


def test_second_order_through_slices():
    """With create_graph the rules run on Values (no ScatteredGradient); d²/dx² of Σ_t x[t]³ is 6x."""
    x = ag.Value(np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]]), requires_grad=True)
    (g,) = ag.autograd.grad(sum((x[t] ** 3).sum() for t in range(3)), [x], create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)


def test_anomaly_mode_checks_the_dense_gradient():
    x = ag.randn(3, 2, requires_grad=True)
    with ag.autograd.detect_anomaly():
        (x[0] * x[1]).sum().backward()
    np.testing.assert_allclose(x.grad, np.stack([x.data[1], x.data[0], np.zeros(2)]))


def test_a_failed_pass_leaves_no_gradient():
    x = ag.randn(4, 2, requires_grad=True)
    y = x * 1.0

    def fail(g):
        raise RuntimeError("hook failed")

    y.register_hook(fail)
    with pytest.raises(RuntimeError, match="hook failed"):
        (y[0].sum() + y[1].sum()).backward()
    assert x.grad is None


@pytest.mark.parametrize("index, basic", [
    (0, True), (np.int64(2), True), (slice(1, 3), True), ((Ellipsis, None, 1), True), ((slice(None), -1), True),
    (True, False), (np.bool_(True), False), (np.array([0, 1]), False), ((0, np.array([1])), False),
    (np.zeros(3, dtype=bool), False),
])
def test_basic_indices(index, basic):
    assert is_basic_index(index) is basic


def test_adding_in_place_into_one_array():
    a = ScatteredGradient(np.ones(2), (slice(0, 2),), (4,))
    b = ScatteredGradient(np.full(2, 2.0), (slice(1, 3),), (4,))
    total = a + b
    assert total is a
    np.testing.assert_array_equal(total.dense(), [1, 3, 2, 0])
    dense = np.arange(4.0)
    total = dense + ScatteredGradient(np.float64(1.0), 3, (4,))
    np.testing.assert_array_equal(total.dense(), [0, 1, 2, 4])
    np.testing.assert_array_equal(dense, np.arange(4.0))  # what the input had received is not changed
    total = total + np.ones(4)
    np.testing.assert_array_equal(total.dense(), [1, 2, 3, 5])
