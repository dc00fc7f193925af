"""Hooks on a Value and on the node that made it, as PyTorch runs them (each case run in both libraries where PyTorch
is installed, against the expected numbers everywhere): a Value's own hooks (`y.register_hook`) and its retained
`.grad` come before the node's prehooks (`y.grad_fn.register_prehook`) and hooks, whatever the order of registration,
on a node of one output and on PyTorch's one node of several (std_mean, split, svd); replaced gradients stay
differentiable under create_graph=True; a replacement of another dtype raises PyTorch's error."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from test_grad_fn_hook_replaces import _libraries, _numbers

X = np.array([0.3, -1.2, 0.7])
M = np.arange(12.0).reshape(4, 3) / 7 + np.eye(4, 3)


def _f32(L, g):
    return g.to(L.float32)


# ---- order: the Value's hooks, its retained .grad, then the node's prehooks and hooks

def _one_output(L):
    x = L.tensor(X, requires_grad=True, dtype=L.float64)
    y = x * 2
    return x, (y,), (y * y).sum()


def _std_mean(L):
    x = L.tensor(M, requires_grad=True, dtype=L.float64)
    s, m = L.std_mean(x, 1)
    return x, (s, m), (s * s).sum() + (m ** 3).sum()


def _split(L):
    x = L.tensor(M, requires_grad=True, dtype=L.float64)
    a, b = x.split(2)
    return x, (a, b), a.sin().sum() + (b * b).sum()


def _svd(L):
    x = L.tensor(M[:3], requires_grad=True, dtype=L.float64)
    U, S, Vh = L.linalg.svd(x)
    return x, (S, U), S.sum() + U[:, 0].sum()


_NODES = {"one_output": _one_output, "std_mean": _std_mean, "split": _split, "svd": _svd}
# the order of registration: the Value's hook (t), the node's prehook (pre) and hook (post); the output's retain_grad
_ORDERS = {"tensor_first": ("t", "pre", "post"), "node_first": ("pre", "post", "t"), "post_pre_t": ("post", "t", "pre"),
           "retain_last": ("pre", "t", "post", "retain"), "retain_first": ("retain", "post", "pre", "t")}


def _ordered(L, make, order):
    """The calls the hooks make, and the output's .grad, the other outputs' and x's after backward."""
    x, outputs, loss = make(L)
    out, node, calls = outputs[0], outputs[0].grad_fn, []
    k = out.output_nr  # (svd's S: 1)

    def prehook(go):
        calls.append(("pre", round(float(go[k].sum()), 9)))
        return tuple(g + 1 if i == k else g for i, g in enumerate(go))

    for what in order:
        if what == "t":
            out.register_hook(lambda g: calls.append(("t", round(float(g.sum()), 9))) or g * 10)
        elif what == "pre":
            node.register_prehook(prehook)
        elif what == "post":
            node.register_hook(lambda gi, go: calls.append(("post", round(float(go[k].sum()), 9))))
        else:
            out.retain_grad()
    for other in outputs[0 if "retain" not in order else 1:]:
        other.retain_grad()
    loss.backward()
    return calls, [_numbers(v.grad) for v in outputs], _numbers(x.grad)


@pytest.mark.parametrize("order", _ORDERS)
@pytest.mark.parametrize("node", _NODES)
def test_a_values_hooks_and_retained_grad_come_before_its_nodes_hooks(node, order):
    results = [_ordered(L, _NODES[node], _ORDERS[order]) for L in _libraries()]
    calls, grads, x_grad = results[0]
    assert [c[0] for c in calls] == ["t", "pre", "post"]
    assert calls[1][1] == pytest.approx(calls[0][1] * 10)  # the prehook got the Value's hook's gradient
    np.testing.assert_allclose(grads[0].sum(), calls[1][1], rtol=1e-9)  # .grad: before the prehook's + 1
    for their_calls, their_grads, their_x_grad in results[1:]:  # PyTorch's
        assert [c[0] for c in their_calls] == ["t", "pre", "post"]
        np.testing.assert_allclose([c[1] for c in calls], [c[1] for c in their_calls], rtol=1e-9)
        for ours, theirs in zip(grads, their_grads):
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(x_grad, their_x_grad, rtol=1e-9, atol=1e-12)


def _every_outputs_hooks(L):
    """Hooks on both outputs of std_mean (s, m, s) and a prehook, with only s used: m's hook gets None."""
    x = L.tensor(M, requires_grad=True, dtype=L.float64)
    s, m = L.std_mean(x, 1)
    calls = []
    s.grad_fn.register_prehook(lambda go: calls.append(("pre", [g is None for g in go])))
    m.register_hook(lambda g: calls.append(("m", g is None)))
    s.register_hook(lambda g: calls.append(("s1", g is None)))
    s.register_hook(lambda g: calls.append(("s2", g is None)))
    s.sum().backward()
    return calls


def test_every_outputs_hooks_run_before_the_prehook_in_pytorchs_order():
    """Each output's hooks in the order of its first one, an output without a gradient's with None."""
    for L in _libraries():
        assert _every_outputs_hooks(L) == [("m", True), ("s1", False), ("s2", False), ("pre", [False, True])], L


def test_a_hook_on_an_output_without_a_gradient_cannot_give_it_one():
    for L in _libraries():
        x = L.tensor(M, requires_grad=True, dtype=L.float64)
        s, m = L.std_mean(x, 1)
        s.grad_fn.register_prehook(lambda go: None)
        m.register_hook(lambda g, L=L: L.ones(4, dtype=L.float64))
        with pytest.raises(RuntimeError, match="can't replace a None gradient with a non-None value"):
            s.sum().backward()
        assert x.grad is None


@pytest.mark.parametrize("node", ["one_output", "std_mean"])
def test_autograd_grad_of_an_output_is_before_its_nodes_prehook(node):
    """What autograd.grad returns for an output is its retained gradient: before the node's prehook (x 10)."""
    results = []
    for L in _libraries():
        x, outputs, loss = _NODES[node](L)
        outputs[0].grad_fn.register_prehook(lambda go: (go[0] * 10,) + tuple(go[1:]))
        results.append([_numbers(g) for g in L.autograd.grad(loss, (outputs[0], x))])
    x, outputs, loss = _NODES[node](ag)
    plain = _numbers(ag.autograd.grad(loss, outputs[0])[0])  # without the prehook
    np.testing.assert_array_equal(results[0][0], plain)
    for theirs in results[1:]:
        for a, b in zip(results[0], theirs):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_hooks_run_in_each_pass_through_a_retained_graph():
    for L in _libraries():
        x = L.tensor(X, requires_grad=True, dtype=L.float64)
        y = x * 2
        calls = []
        y.grad_fn.register_hook(lambda gi, go, calls=calls: calls.append("post"))
        y.grad_fn.register_prehook(lambda go, calls=calls: calls.append("pre"))
        y.register_hook(lambda g, calls=calls: calls.append("t"))
        z = (y * y).sum()
        z.backward(retain_graph=True)
        z.backward()
        assert calls == ["t", "pre", "post"] * 2, L
        np.testing.assert_allclose(_numbers(x.grad), 16 * X)


def test_a_nodes_hook_gets_gradients_with_tensor_methods():
    """grad_inputs of a node of one output are what a Value hook gets (tensor methods: .to, .clamp)."""
    for L in _libraries():
        x, w = L.tensor(X, requires_grad=True, dtype=L.float64), L.tensor(X[::-1].copy(), requires_grad=True)
        y = x * w
        y.grad_fn.register_hook(lambda gi, go, L=L: (gi[0].clamp(-0.5, 0.5).to(L.float64), gi[1]))
        y.sum().backward()
        np.testing.assert_allclose(_numbers(x.grad), np.clip(X[::-1], -0.5, 0.5))


def _accumulate_grad_hooks(L):
    """The calls of a leaf's hooks: its own, its AccumulateGrad's prehook (x 10) and hook, its post-accumulate one;
    then autograd.grad's pass, which runs only the leaf's own; then a prehook that drops the gradient."""
    x = L.ones(3, dtype=L.float64, requires_grad=True)
    y = x * 2
    acc, calls = y.grad_fn.next_functions[0][0], []

    def numbers(g):
        return None if g is None else [float(v) for v in g]

    acc.register_hook(lambda gi, go: calls.append(("post", gi, [numbers(g) for g in go], numbers(x.grad))))
    acc.register_prehook(lambda go: calls.append(("pre", [numbers(g) for g in go], x.grad)) or (go[0] * 10,))
    x.register_hook(lambda g: calls.append(("t", numbers(g))) or g + 1)
    x.register_post_accumulate_grad_hook(lambda t: calls.append(("accumulated", numbers(t.grad))))
    (y * y).sum().backward()
    (g,) = L.autograd.grad((x * x).sum(), x)
    calls.append(("grad", numbers(g), y._backward_hooks, len(x._backward_hooks)))
    z = L.ones(3, dtype=L.float64, requires_grad=True)
    w = z * 2
    w.grad_fn.next_functions[0][0].register_prehook(lambda go: (None,))
    (w * w).sum().backward()
    assert getattr(z, "_params", None) is None  # (a leaf's saved nothing is not marked freed)
    return calls, z.grad


def test_a_leafs_accumulate_grad_hooks_are_pytorchs():
    nines = [90.0] * 3
    for L in _libraries():
        assert _accumulate_grad_hooks(L) == ([
            ("t", [8.0] * 3), ("pre", [[9.0] * 3], None), ("accumulated", nines), ("post", (), [nines], nines),
            ("t", [2.0] * 3), ("grad", [3.0] * 3, None, 1)], None), L


# ---- create_graph=True: replaced gradients stay differentiable

def _pre_one(L, x):
    y = x.exp()
    return (y * y).sum(), y.grad_fn.register_prehook(lambda go: (go[0] * x,))


def _post_one(L, x):
    y = x.sin()
    return (y * y).sum(), y.grad_fn.register_hook(lambda gi, go: (gi[0] * gi[0],))


def _post_two_inputs(L, x):
    y = x * x.flip(0)
    return y.tanh().sum(), y.grad_fn.register_hook(lambda gi, go: (gi[0] * 3, gi[1] * go[0]))


def _pre_shared(L, x):
    s, m = L.std_mean(x.reshape(1, 3) + x.reshape(3, 1), 1)
    return (s * s).sum() + (m ** 3).sum(), s.grad_fn.register_prehook(lambda go: (go[0] * s, go[1]))


def _post_shared(L, x):
    s, m = L.std_mean(x.reshape(1, 3) * x.reshape(3, 1), 1)
    return (s * s).sum() + (m ** 3).sum(), s.grad_fn.register_hook(lambda gi, go: (gi[0].sin(),))


def _post_svd(L, x):
    U, S, Vh = L.linalg.svd(x.reshape(3, 1) * L.tensor(M[:3], dtype=L.float64) + x)
    handle = S.grad_fn.register_hook(lambda gi, go: (gi[0] ** 2,))
    # (a second pass through the kept hook reaches the node through S, and through what its rules read)
    return S.sum(), handle, (S * S).sum()


def _post_svd_inner(L, x):
    """The second pass reaches the node only through what its rules read (PyTorch's: its saved outputs)."""
    U, S, Vh = L.linalg.svd(x.reshape(3, 1) * L.tensor(M[:3], dtype=L.float64) + x)
    return S.sum(), S.grad_fn.register_hook(lambda gi, go: (gi[0] ** 2,))


_DOUBLE = {"prehook_one_output": _pre_one, "hook_one_output": _post_one, "hook_two_inputs": _post_two_inputs,
           "prehook_std_mean": _pre_shared, "hook_std_mean": _post_shared, "hook_svd": _post_svd,
           "hook_svd_inner": _post_svd_inner}


def _double_backward(L, loss_of, at=X, keep=False):
    """(g, h, more): g = d loss/dx through the hook with create_graph=True; h = d (sum(g * g) + more)/dx, the hook
    removed first (h is then the derivative of g as a function of x), or kept (it runs in that pass too)."""
    x = L.tensor(at, requires_grad=True, dtype=L.float64)
    loss, handle, *more = loss_of(L, x)
    more = more[0] if more and keep else 0
    (g,) = L.autograd.grad(loss, x, create_graph=True)
    if not keep:
        handle.remove()
    (h,) = L.autograd.grad((g * g).sum() + more, x)
    return _numbers(g), _numbers(h)


@pytest.mark.parametrize("keep", [False, True], ids=["removed", "kept"])
@pytest.mark.parametrize("case", _DOUBLE)
def test_double_backward_through_a_replaced_gradient(case, keep):
    g, h = _double_backward(ag, _DOUBLE[case], keep=keep)
    for L in _libraries()[1:]:  # PyTorch's
        their_g, their_h = _double_backward(L, _DOUBLE[case], keep=keep)
        np.testing.assert_allclose(g, their_g, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(h, their_h, rtol=1e-9, atol=1e-12)
    if not keep:  # finite differences of sum(g * g), g computed through the hook
        eps, numeric = 1e-6, np.zeros(3)
        for i in range(3):
            plus, minus = (_double_backward(ag, _DOUBLE[case], X + sign * eps * np.eye(3)[i])[0] for sign in (1, -1))
            numeric[i] = ((plus * plus).sum() - (minus * minus).sum()) / (2 * eps)
        np.testing.assert_allclose(h, numeric, rtol=1e-5, atol=1e-7)


def test_backward_with_create_graph_through_a_hook_replacing_grad_inputs():
    """backward(create_graph=True): .grad are Values of the hook's replacements; a second backward differentiates
    them (x's replaced gradient 3·w·(1 - tanh²), w's detached: a constant), through the hook again (PyTorch's: the
    second pass goes through the node, whose hook triples x's part once more)."""
    results = []
    for L in _libraries():
        x, w = L.tensor(X, requires_grad=True, dtype=L.float64), L.tensor(X[::-1].copy(), requires_grad=True)
        y = x * w
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 3, gi[1].detach()))
        y.tanh().sum().backward(create_graph=True)
        first = _numbers(x.grad), _numbers(w.grad)
        (x.grad.sum() + w.grad.sum()).backward()
        results.append((first, _numbers(x.grad) - first[0], _numbers(w.grad) - first[1]))
    (gx, gw), dx, dw = results[0]
    t = np.tanh(X * X[::-1])
    np.testing.assert_allclose(gx, 3 * X[::-1] * (1 - t * t), rtol=1e-12)
    np.testing.assert_allclose(dx, 3 * (3 * X[::-1] * -2 * t * (1 - t * t) * X[::-1]), rtol=1e-9)
    for (their_gx, their_gw), their_dx, their_dw in results[1:]:
        for a, b in ((gx, their_gx), (gw, their_gw), (dx, their_dx), (dw, their_dw)):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


# ---- dtype: a replacement of another dtype raises PyTorch's error, the pass undone

def _tensor_hook(L, x):
    y = x * 2
    y.register_hook(lambda g: _f32(L, g))
    return (y * y).sum()


def _leaf_hook(L, x):
    x.register_hook(lambda g: _f32(L, g))
    return (x * x).sum()


def _prehook(L, x):
    y = x * 2
    y.grad_fn.register_prehook(lambda go: (_f32(L, go[0]),))
    return (y * y).sum()


def _hook(L, x):
    y = x * x.flip(0)
    y.grad_fn.register_hook(lambda gi, go: (_f32(L, gi[0]), gi[1]))
    return (y * y).sum()


def _prehook_shared(L, x):
    s, m = L.std_mean(x.reshape(1, 3) * x.reshape(3, 1), 1)
    s.grad_fn.register_prehook(lambda go: (_f32(L, go[0]), go[1]))
    return s.sum() + m.sum()


def _hook_shared(L, x):
    s, m = L.std_mean(x.reshape(1, 3) * x.reshape(3, 1), 1)
    s.grad_fn.register_hook(lambda gi, go: (_f32(L, gi[0]),))
    return s.sum() + m.sum()


_DTYPES = {"tensor_hook": _tensor_hook, "leaf_hook": _leaf_hook, "prehook": _prehook, "hook": _hook,
           "prehook_std_mean": _prehook_shared, "hook_std_mean": _hook_shared}
_TYPE_ERROR = "hook '<lambda>' has changed the type of value (was torch.DoubleTensor got torch.FloatTensor)"


@pytest.mark.parametrize("case", _DTYPES)
def test_a_replacement_of_another_dtype_raises_pytorchs_error(case):
    for L in _libraries():
        x = L.tensor(X, requires_grad=True, dtype=L.float64)
        with pytest.raises(RuntimeError) as raised:
            _DTYPES[case](L, x).backward()
        assert str(raised.value) == _TYPE_ERROR, L
        assert x.grad is None


def test_a_hook_on_a_value_that_needs_no_gradient_raises_pytorchs_error():
    for L in _libraries():
        for register in ("register_hook", "register_post_accumulate_grad_hook"):
            with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
                getattr(L.tensor(X), register)(lambda g: None)


# ---- autograd.graph.register_multi_grad_hook

def _multi_grad_hook_calls(L):
    """The calls of multi-grad hooks over (y, x), y = x * 3 made from x, and ("any") over (y, w), in passes that reach
    both, or x alone, and after remove()."""
    register = L.autograd.graph.register_multi_grad_hook
    x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
    w = L.tensor([3.0, 4.0], dtype=L.float64, requires_grad=True)
    y = x * 3
    calls = []

    def numbers(g):
        return None if g is None else [float(v) for v in g]

    y.register_hook(lambda g: calls.append("y"))
    handle = register((y, x), lambda grads: calls.append(("all", [numbers(g) for g in grads])))
    register((y, w), lambda g: calls.append(("any", numbers(g))), mode="any")
    x.register_hook(lambda g: calls.append("x"))
    (y * w).sum().backward(retain_graph=True)
    (x * 2).sum().backward()
    handle.remove()
    (y * y).sum().backward()
    return calls


def test_multi_grad_hooks_are_pytorchs():
    for L in _libraries():
        assert _multi_grad_hook_calls(L) == [
            ("any", [3.0, 6.0]), "y", ("all", [[3.0, 4.0], [9.0, 12.0]]), "x",  # w's (= y) first; "all" after y's
            ("all", [None, [2.0, 2.0]]), "x",  # registered before x's hook; y not in the pass
            "y", ("any", [6.0, 12.0]), "x"], L  # "all" removed; "any" gets y's, the first of (y, w) computed
        with pytest.raises(ValueError, match=r"Expects mode to be one of \('all', 'any'\) but got some"):
            L.autograd.graph.register_multi_grad_hook((L.ones(1, requires_grad=True),), print, mode="some")


def test_a_multi_grad_hook_over_a_value_that_gets_no_gradient_runs_at_the_end_of_the_pass():
    """x is in the pass but the function's backward gives it nothing: fn gets None for it (PyTorch's, when it calls
    x's hooks with None), here at the end of the pass."""
    class Twice(ag.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * 2 + b

        @staticmethod
        def backward(ctx, g):
            return g * 2, None

    x, w = ag.ones(2, requires_grad=True), ag.ones(2, requires_grad=True)
    calls = []
    ag.autograd.graph.register_multi_grad_hook((x, w), lambda grads: calls.append([g is None for g in grads]))
    Twice.apply(x, w).sum().backward()
    assert calls == [[False, True]]
