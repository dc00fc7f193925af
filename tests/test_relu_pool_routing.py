"""A ReLU before 2×2 max pooling passes the pooling's gradient on still routed (scattered_gradient.Routing,
ops/elementwise.py `_relu_through_routing`): the same bits as making it dense and applying ReLU's rule, for every node's
`.grad`, including the ReLU's own, which the pass keeps routed and makes dense when it is read."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Value, relu
from autograd_core.autograd import grad as autograd_grad
from autograd_core.nn.conv import conv2d
from autograd_core.nn.pool import _max_pool2d, max_pool2d
from autograd_core.scattered_gradient import ScatteredGradient

SHAPE = (4, 3, 16, 16)  # the ReLU's output 4·5·16·16 = 5,120 elements: above relu_backward's np.where size


def _problem(dtype=np.float32, shape=SHAPE, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    x[:, :, :4, :4] = -1.0  # windows whose every element ReLU zeroes (0 maxima)
    w = rng.standard_normal((5, shape[1], 3, 3)).astype(dtype)
    g = rng.standard_normal((shape[0], 5, shape[2] // 2, shape[3] // 2)).astype(dtype)  # negative: signed zeros
    return x, w, g


def _chain(x, w):
    xv, wv = Value(x.copy()), Value(w.copy())
    c = conv2d(xv, wv, padding=1)
    r = relu(c)
    return xv, wv, c, r, max_pool2d(r, 2)


@pytest.fixture
def dense_only(monkeypatch):
    """Turns the routed way off: the pooling's rule makes its gradient dense, ReLU's rule takes it (before stop 67)."""
    def off():
        monkeypatch.setattr(relu, "through_routing", None)
        monkeypatch.setattr(_max_pool2d, "lazy_vjp", None)
    return off


def _bits(*values):
    return [v.grad.tobytes() for v in values]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_routed_pass_gives_the_dense_pass_s_bits_for_every_gradient(dtype, dense_only):
    x, w, g = _problem(dtype)
    xv, wv, c, r, p = _chain(x, w)
    p.backward(g)
    assert r._grad.__class__ is ScatteredGradient  # kept routed until read
    routed = _bits(xv, wv, c, r, p)
    assert r._grad.__class__ is not ScatteredGradient and r.grad.dtype == dtype
    dense_only()
    xv2, wv2, c2, r2, p2 = _chain(x, w)
    p2.backward(g)
    assert r2._grad.__class__ is not ScatteredGradient
    assert routed == _bits(xv2, wv2, c2, r2, p2)


def test_the_gradients_match_pytorch_in_float64():
    torch = pytest.importorskip("torch")
    x, w, g = _problem(np.float64)
    xv, wv, c, r, p = _chain(x, w)
    p.backward(g)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ct = torch.nn.functional.conv2d(xt, wt, padding=1)
    rt = torch.relu(ct)
    ct.retain_grad()
    rt.retain_grad()
    torch.nn.functional.max_pool2d(rt, 2).backward(torch.tensor(g))
    for ours, theirs in ((xv, xt), (wv, wt), (c, ct), (r, rt)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_the_relu_s_gradient_read_later_is_the_pass_s(dense_only):
    # what the routed .grad is made from is its own: changing the pooling's .grad or the ReLU's output in place after
    # the pass changes nothing
    x, w, g = _problem()
    _, _, _, r, p = _chain(x, w)
    p.backward(g)
    p.grad[...] = 7.0
    r.data[...] = 0.0
    late = r.grad.tobytes()
    dense_only()
    _, _, _, r2, p2 = _chain(x, w)
    p2.backward(g)
    assert late == r2.grad.tobytes()


def test_a_second_pass_adds_to_a_routed_gradient_and_a_failed_one_leaves_it(dense_only):
    x, w, g = _problem()
    xv, wv, c, r, p = _chain(x, w)
    p.backward(g, retain_graph=True)
    p.backward(g, retain_graph=True)  # r's first gradient still routed: added to as an array
    twice = _bits(xv, wv, c, r)
    handle = xv.register_hook(lambda grad: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        p.backward(g, retain_graph=True)
    assert _bits(xv, wv, c, r) == twice  # the failed pass gave back every .grad
    handle.remove()
    dense_only()
    xv2, wv2, c2, r2, p2 = _chain(x, w)
    p2.backward(g, retain_graph=True)
    p2.backward(g)
    assert twice == _bits(xv2, wv2, c2, r2)


def test_a_failed_pass_after_a_routed_one_restores_the_routed_gradient():
    x, w, g = _problem()
    xv, _, _, r, p = _chain(x, w)
    p.backward(g, retain_graph=True)
    first = r._grad
    assert first.__class__ is ScatteredGradient
    xv.register_hook(lambda grad: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        p.backward(g)
    expected = first.dense().tobytes()
    assert r.grad.tobytes() == expected


def _hooked(x, w, g, on_relu):
    xv, wv, c, r, p = _chain(x, w)
    seen = []
    r.register_hook(lambda grad: seen.append(grad.__class__) or on_relu(grad))
    p.backward(g)
    return seen, _bits(xv, wv, c, r)


def test_a_hook_on_the_relu_sees_an_array_and_may_replace_it(dense_only):
    x, w, g = _problem()
    seen, routed = _hooked(x, w, g, lambda grad: None)
    assert seen and all(issubclass(k, np.ndarray) for k in seen)
    _, doubled = _hooked(x, w, g, lambda grad: grad * 2)
    dense_only()
    assert _hooked(x, w, g, lambda grad: None)[1] == routed
    assert _hooked(x, w, g, lambda grad: grad * 2)[1] == doubled


def test_autograd_grad_of_the_relu_s_output_is_an_array(dense_only):
    x, w, g = _problem()
    _, wv, _, r, p = _chain(x, w)
    gr, gw = autograd_grad(p, [r, wv], g)
    assert isinstance(gr, np.ndarray) and r.grad is None
    dense_only()
    _, wv2, _, r2, p2 = _chain(x, w)
    gr2, gw2 = autograd_grad(p2, [r2, wv2], g)
    assert gr.tobytes() == gr2.tobytes() and gw.tobytes() == gw2.tobytes()


@pytest.mark.parametrize("case", ["small", "nan input", "inf gradient", "relu of a leaf", "create_graph"])
def test_where_the_routing_does_not_apply_the_dense_rules_run(case, dense_only):
    x, w, g = _problem(shape=(1, 3, 8, 8) if case == "small" else SHAPE)
    if case == "nan input":
        x[0, 0, 5, 5] = np.nan
    if case == "inf gradient":
        g[0, 0, 1, 1] = np.inf

    def run():
        if case == "relu of a leaf":
            v = Value(x.copy())
            r = relu(v)
            max_pool2d(r, 2).backward(g[:, :3])
            return r, _bits(v, r)
        xv, wv, c, r, p = _chain(x, w)
        p.backward(Value(g) if case == "create_graph" else g, create_graph=case == "create_graph")
        return r, [np.asarray(v.grad.data if isinstance(v.grad, Value) else v.grad).tobytes() for v in (xv, wv, c, r)]

    r, bits = run()
    if case in ("small", "nan input", "inf gradient", "create_graph"):
        assert r._grad.__class__ is not ScatteredGradient
    dense_only()
    assert run()[1] == bits


@pytest.mark.parametrize("pool_first", [True, False])
def test_a_relu_output_read_by_the_pooling_and_by_another_node_adds_both_gradients(pool_first, dense_only):
    # the routed gradient and a dense one meet at the ReLU's node in either order (ScatteredGradient's + and its
    # reflection): the sum is made dense and ReLU's usual rule takes it
    x, w, g = _problem()

    def run():
        xv, wv = Value(x.copy()), Value(w.copy())
        c = conv2d(xv, wv, padding=1)
        r = relu(c)
        if pool_first:
            loss = (max_pool2d(r, 2) * Value(g)).sum() + (r * 0.5).sum()
        else:
            loss = (r * 0.5).sum() + (max_pool2d(r, 2) * Value(g)).sum()
        loss.backward()
        return _bits(xv, wv, c, r)

    routed = run()
    dense_only()
    assert run() == routed


def _cnn_step(seed=0, nan_at=None):
    x, w, g = _problem(seed=seed)
    if nan_at is not None:
        x[nan_at] = np.nan
    xv, wv = Value(x), Value(w)

    def step():
        wv.grad = None
        c = conv2d(xv, wv, padding=1)
        (max_pool2d(relu(c), 2) * Value(g)).sum().backward()
        return wv.grad

    return wv, step


@pytest.mark.parametrize("nan_at", [None, (0, 0, 5, 5)])
def test_a_compiled_step_calls_the_pooling_s_rule_after_relu_with_eager_s_bits(nan_at):
    # the program calls max pooling's vjp_after_relu where it called the pooling's rule and then ReLU's; with a NaN
    # maximum the routed way does not apply and it runs the two rules in turn: eager's bits either way
    import autograd_core as ag

    w_eager, eager = _cnn_step(nan_at=nan_at)
    w_compiled, step = _cnn_step(nan_at=nan_at)
    compiled = ag.compile(step)
    for _ in range(4):
        expected, got = eager(), compiled()
        assert np.asarray(got).tobytes() == np.asarray(expected).tobytes()
    assert compiled.stats["replayed"] >= 2, compiled.stats
    source = "\n".join(compiled.sources())
    assert "_relu_backward(" not in source and "\n    pass\n" in source
