"""The backward pass: deep chains, reuse and diamonds, freed graphs, seeds, accumulation, and which parts
of a graph it visits."""

import gc

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, engine, ops


@pytest.mark.slow
def test_backward_deep_chain_1e6():
    # One million nodes deep: the walk must be iterative, and freeing the chain must not recurse either.
    # The cyclic collector is off while the chain grows only because rescanning a million new objects
    # would take most of the time; the graph itself needs no collector (see test_engine_memory.py).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x0 = Value(0.5)
        x = x0
        for _ in range(1_000_000):
            x = x + 1
        assert x.data == 1_000_000.5
        x.backward()
        assert x0.grad == 1.0
        del x  # drops the million-node chain in one go
    finally:
        if was_enabled:
            gc.enable()


def test_toposort_deep_chain_parents_first():
    x0 = Value(1.0)
    x = x0
    for _ in range(20_000):
        x = x * 1.0
    order = engine.toposort(x)
    assert len(order) == 20_001 and order[0] is x0 and order[-1] is x


# ----------------------------------------------------------------------------------------------------
# Reuse and diamonds: gradients along every path add up.


def test_add_self():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0


def test_mul_self():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_shared_subexpression():
    a = Value(1.5)
    b = a * a          # b = a²
    c = b * b + b      # c = a⁴ + a²
    c.backward()
    assert a.grad == pytest.approx(4 * 1.5**3 + 2 * 1.5, rel=1e-15)
    assert b.grad == pytest.approx(2 * b.data + 1, rel=1e-15)


def test_diamond_every_node_gets_its_gradient():
    a = Value(2.0, label="a")
    b = a * 3          # two paths from a to d
    c = a + 4
    d = b * c
    d.backward()
    assert (d.grad, b.grad, c.grad) == (1.0, c.data, b.data)
    assert a.grad == 3 * c.data + b.data


def test_diamond_of_arrays_with_broadcasting():
    a = Value(np.array([1.0, 2.0, 3.0]))
    row = a.reshape(1, 3)
    col = a.reshape(3, 1)
    (row * col).sum().backward()          # Σᵢⱼ aᵢaⱼ = (Σa)²
    np.testing.assert_allclose(a.grad, 2 * a.data.sum() * np.ones(3))


def test_wide_fan_out():
    a = Value(np.ones(4))
    total = sum((a * float(k)).sum() for k in range(100))
    total.backward()
    np.testing.assert_allclose(a.grad, np.full(4, sum(range(100))))


def test_same_value_as_both_operands_of_every_binary_op():
    x = 0.7
    for fn, expected in [(lambda a: a - a, 0.0), (lambda a: a / a, 0.0), (lambda a: a ** a, x**x * (np.log(x) + 1)),
                         (lambda a: ag.maximum(a, a), 1.0), (lambda a: ag.minimum(a, a), 1.0)]:
        a = Value(x)
        fn(a).backward()
        assert a.grad == pytest.approx(expected, abs=1e-15)


# ----------------------------------------------------------------------------------------------------
# Freed graphs and retain_graph.


def test_second_backward_without_retain_graph_raises():
    a = Value(2.0)
    y = (a * a).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph=True"):
        y.backward()


def test_second_backward_through_a_freed_shared_node_raises():
    a = Value(np.ones(3))
    h = a.exp()
    h.sum().backward()
    with pytest.raises(RuntimeError, match="exp"):
        (h * 2).sum().backward()


def test_retain_graph_allows_a_second_pass_and_accumulates():
    a = Value(np.array([1.0, 2.0]))
    y = (a * a).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    np.testing.assert_allclose(a.grad, 2 * (2 * a.data))
    y.backward()
    np.testing.assert_allclose(a.grad, 3 * (2 * a.data))
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_gradient_accumulates_across_graphs_until_reset():
    w = Value(np.array([1.0, -1.0]))
    (w * 3).sum().backward()
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad, 3 + 2 * w.data)
    w.zero_grad()
    assert w.grad is None
    (w * 5).sum().backward()
    np.testing.assert_allclose(w.grad, [5.0, 5.0])


# ----------------------------------------------------------------------------------------------------
# Seeds.


def test_non_scalar_backward_names_the_shape():
    v = Value(np.ones((2, 3))) * 2
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*not a scalar"):
        v.backward()


def test_gradient_argument():
    x = Value(np.array([1.0, 2.0, 3.0]))
    y = x * x
    y.backward(gradient=np.array([1.0, 0.0, -1.0]))
    np.testing.assert_allclose(x.grad, [2.0, 0.0, -6.0])


def test_gradient_argument_shape_mismatch():
    y = Value(np.ones((2, 3))) * 2
    with pytest.raises(ValueError, match=r"gradient of shape \(3,\) does not match output of shape \(2, 3\)"):
        y.backward(gradient=np.ones(3))


def test_gradient_argument_is_not_aliased_by_grad():
    x = Value(np.ones(3))
    seed = np.array([1.0, 2.0, 3.0])
    (x + 0).backward(gradient=seed)
    seed[:] = 0  # the caller reuses its buffer
    np.testing.assert_allclose(x.grad, [1.0, 2.0, 3.0])


def test_size_one_output_needs_no_gradient_argument():
    x = Value(np.array([[2.0]]))
    (x * x).backward()
    assert x.grad.shape == (1, 1) and x.grad[0, 0] == 4.0


def test_backward_on_a_value_without_graph_raises():
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        (Value(1.0, requires_grad=False) * 2).backward()


# ----------------------------------------------------------------------------------------------------
# What the pass visits.


@pytest.fixture
def count_rule_calls():
    """Wrap every rule of the given primitives to count calls; restores the rules afterwards."""
    saved = {}
    calls = {}

    def wrap(*prims):
        for p in prims:
            saved[p] = (p.vjps, p.formulas)
            counted = []
            for i, rule in enumerate(p.vjps):
                def counting(*args, _rule=rule, _key=(p.name, i), **kw):
                    calls[_key] = calls.get(_key, 0) + 1
                    return _rule(*args, **kw)
                counted.append(counting)
            p.defvjp(*counted, formulas=p.formulas)
        return calls

    yield wrap
    for p, (vjps, formulas) in saved.items():
        p.vjps, p.formulas = vjps, formulas


def test_branches_without_gradient_are_not_visited(count_rule_calls):
    calls = count_rule_calls(ops.exp, ops.tanh, ops.mul)
    x = Value(np.array([0.1, 0.2]))
    c = Value(np.array([1.0, 2.0]), requires_grad=False)
    d = ops.tanh(ops.exp(c))                  # a constant branch: no graph, no rules
    loss = (x * d).sum()
    loss.backward()
    assert calls == {("*", 0): 1}             # only the edge to x; not the edge to d, not exp/tanh
    assert c.grad is None and d.grad is None
    np.testing.assert_allclose(x.grad, np.tanh(np.exp(c.data)))


def test_rules_of_parents_without_gradient_are_skipped(count_rule_calls):
    calls = count_rule_calls(ops.matmul)
    w = Value(np.ones((3, 2)))
    x = Value(np.ones((4, 3)), requires_grad=False)
    (x @ w).sum().backward()
    assert calls == {("matmul", 1): 1}
    assert x.grad is None


def test_constant_operands_get_no_gradient():
    x = Value(2.0)
    y = x * 3 + 1
    y.backward()
    constants = [p for node in engine.toposort(y) for p in node.parents if not p.requires_grad]
    assert len(constants) == 2 and all(c.grad is None for c in constants)


def test_leaf_that_does_not_reach_the_output_keeps_grad_none():
    a, b = Value(1.0), Value(2.0)
    (a * 2).backward()
    assert b.grad is None


# ----------------------------------------------------------------------------------------------------
# Intermediate gradients and create_graph.


def test_intermediate_nodes_get_gradients_of_their_shape_and_dtype():
    x = Value(np.ones((2, 3), dtype=np.float32))
    h = x.sum(axis=0)
    (h * h).sum().backward()
    assert h.grad.shape == (3,) and h.grad.dtype == np.float32
    assert x.grad.shape == (2, 3) and x.grad.dtype == np.float32


def test_grad_of_broadcast_node_is_a_writeable_copy():
    x = Value(np.array([1.0, 2.0]))
    b = ops.broadcast_to(x, shape=(3, 2))
    b.sum().backward()
    assert b.grad.flags.writeable and x.grad.flags.writeable
    b.grad[0, 0] = 99.0  # must not raise, must not touch anything else
    np.testing.assert_allclose(x.grad, [3.0, 3.0])


def test_create_graph_gives_differentiable_gradients():
    x = Value(np.array([0.3, -1.2]))
    (x ** 3).sum().backward(create_graph=True)
    assert isinstance(x.grad, Value)
    g = x.grad
    x.grad = None
    g.sum().backward()                        # d/dx Σ 3x² = 6x
    np.testing.assert_allclose(x.grad, 6 * x.data)


def test_engine_grad_returns_without_accumulating():
    x = Value(np.array([1.0, 2.0]))
    y = (x * x).sum()
    (gx,) = engine.grad(y, [x])
    np.testing.assert_allclose(gx, 2 * x.data)
    assert x.grad is None


def test_engine_grad_unconnected_input():
    x, z = Value(1.0), Value(2.0)
    with pytest.raises(RuntimeError, match="not connected"):
        engine.grad(x * 2, [z])
    assert engine.grad(x * 2, [z], allow_unused=True) == [None]


def test_failed_backward_leaves_no_pending_gradients():
    x = Value(np.ones(2))
    y = x * 2
    y.register_hook(lambda g: np.ones(5))  # wrong shape: raises mid-pass
    with pytest.raises(ValueError, match="shape"):
        y.sum().backward(retain_graph=True)
    assert all(node._pending is None for node in engine.toposort(y))


# ----------------------------------------------------------------------------------------------------
# edge_vjp: the local derivative a picture writes on an edge.


def test_edge_vjp_is_the_local_derivative():
    a, b = Value(3.0), Value(-2.0)
    c = a * b
    d = c.tanh()
    assert engine.edge_vjp(c, 0, 1.0) == -2.0 and engine.edge_vjp(c, 1, 1.0) == 3.0
    assert engine.edge_vjp(d, 0, 1.0) == pytest.approx(1 - np.tanh(-6.0) ** 2, rel=1e-15)
    s = Value(np.ones((2, 3))).sum(axis=0)
    np.testing.assert_array_equal(engine.edge_vjp(s, 0, np.ones(3)), np.ones((2, 3)))


def test_edge_vjp_after_the_graph_was_freed():
    a = Value(np.array([1.0, 2.0]))
    y = a * 2
    s = y.sum(axis=0)
    s.backward()
    np.testing.assert_array_equal(engine.edge_vjp(y, 0, np.ones(2)), [2.0, 2.0])  # needs no parameters
    assert engine.edge_vjp(s, 0, 1.0) is None  # its parameters (axis) were freed


def test_leaf_gradients_are_independent_arrays():
    # `+` and `reshape` pass one gradient array (or a view of it) along several edges; each leaf must
    # still own its .grad, so that changing one in place (as an optimizer may) leaves the others alone.
    a, b = Value(np.ones(3)), Value(np.ones(3))
    z = a + b
    (z * 2).sum().backward()
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
    assert not np.shares_memory(a.grad, z.grad)
    a.grad *= 10
    np.testing.assert_array_equal(b.grad, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(z.grad, [2.0, 2.0, 2.0])
    x = Value(np.ones((2, 3)))
    x.reshape(6).sum().backward()
    stored = x.grad.base  # .grad is a GradArray, a view of the array the engine stored: that one owns its memory
    assert stored.base is None and stored.flags.writeable and type(stored) is np.ndarray


def test_a_second_pass_sends_its_own_gradient_through_nodes_that_already_have_one():
    """An intermediate's .grad accumulates over passes, but what it hands to its parents is this pass's
    gradient only: two passes give the leaf twice one pass's gradient."""
    x = Value(np.array([1.0, 2.0]))
    y = x * 2.0
    z = (y * 3.0).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_array_equal(y.grad, [6.0, 6.0])
    np.testing.assert_array_equal(x.grad, [12.0, 12.0])


def test_a_rule_returning_a_read_only_broadcast_view_leaves_no_read_only_grad():
    """Rules may hand back np.broadcast_to views (read-only, stride 0): no node's .grad is ever one, leaf or not."""
    from autograd_core.ops.primitive import PRIMITIVES, Primitive

    spread_sum = Primitive("test_spread_sum", lambda x: x.sum())
    PRIMITIVES.pop("test_spread_sum")  # a user's operation, not one of the library's (the registry's tests)
    spread_sum.defvjp(lambda g, out, x: np.broadcast_to(g, x.shape))
    x = Value(np.arange(6.0).reshape(2, 3))
    middle = x * 2.0
    spread_sum(middle).backward()
    for node in (middle, x):
        assert node.grad.flags.writeable and 0 not in node.grad.strides
    middle.grad[0, 0] = 5.0  # its own memory: nothing else changes
    np.testing.assert_allclose(x.grad, np.full((2, 3), 2.0))


def test_post_accumulate_grad_hook_sees_the_updated_grad_and_can_step_inside_backward():
    """PyTorch's register_post_accumulate_grad_hook: fn(leaf) after `.grad` is updated (after the gradient hooks),
    never for autograd.grad, gone after remove(); the optimizer-in-backward pattern of PyTorch's tutorial."""
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(np.array(p.grad)))
    w.register_hook(lambda g: g * 2)
    (w * w).sum().backward()
    (w * 3).sum().backward()
    ag.autograd.grad((w * w).sum(), w)
    handle.remove()
    (w * 1).sum().backward()
    assert [s.tolist() for s in seen] == [[4.0, 8.0], [10.0, 14.0]]
    assert np.array(w.grad).tolist() == [12.0, 16.0]
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(print)
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        ag.tensor([1.0]).register_post_accumulate_grad_hook(print)

    model = ag.nn.Linear(3, 2)
    reference = ag.nn.Linear(3, 2)
    reference.load_state_dict(model.state_dict())
    x = ag.tensor(np.arange(6.0).reshape(2, 3), dtype=ag.float32)
    optimizers = {p: ag.optim.SGD([p], lr=0.1) for p in model.parameters()}

    def step(p):
        optimizers[p].step()
        optimizers[p].zero_grad()

    for p in model.parameters():
        p.register_post_accumulate_grad_hook(step)
    model(x).square().sum().backward()
    opt = ag.optim.SGD(reference.parameters(), lr=0.1)
    reference(x).square().sum().backward()
    opt.step()
    for p, q in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(p.data, q.data)
        assert p.grad is None


def test_retains_grad_says_which_values_keep_their_grad():
    w = ag.tensor([1.0], requires_grad=True)
    y = w * 2
    assert y.retains_grad and not w.retains_grad and not ag.tensor([1.0]).retains_grad


def test_value_backward_inputs_accumulates_into_those_only():
    """PyTorch's `y.backward(inputs=...)`: only the named Values' .grad change (a non-leaf's too), adding to what
    they held; the other leaves' .grad stay as they were."""
    a = Value(np.array([1.0, 2.0]))
    b = Value(np.array([3.0, 4.0]))
    (a * b).sum().backward(inputs=[a])
    assert np.array_equal(a.grad, [3.0, 4.0]) and b.grad is None
    (a * b).sum().backward(inputs=a)  # one Value, not a list; accumulates
    assert np.array_equal(a.grad, [6.0, 8.0]) and b.grad is None
    h = a * b
    (h * h).sum().backward(inputs=(h, b))
    assert np.array_equal(h.grad, 2 * h.data) and np.array_equal(b.grad, 2 * h.data * a.data)
    assert np.array_equal(a.grad, [6.0, 8.0])


def test_grad_names_the_first_cause_in_pytorchs_words():
    x = ag.tensor([1.0, 2.0])  # does not require grad
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="does not require grad.*requires_grad=True"):
        ag.autograd.grad(y, x)
    w = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        ag.autograd.grad(y, w)
    with pytest.raises(RuntimeError, match="is not connected to the outputs; pass allow_unused=True"):
        ag.autograd.grad((ag.tensor([1.0], requires_grad=True) * 2).sum(), w)


def test_an_output_given_twice_adds_both_seeds_as_in_pytorch():
    """autograd.grad([y, y], x, grad_outputs=[1, 3]) is 4 dy/dx: each seed counted once, the graph walked once."""
    x = ag.Value(np.array([1.0, 2.0]))
    y = (x * x).sum()
    (gx,) = ag.engine.grad([y, y], [x], grad_outputs=[np.float64(1.0), np.float64(3.0)])
    np.testing.assert_array_equal(gx, [8.0, 16.0])
    assert x.grad is None and y._pending is None and x._pending is None  # nothing of the pass is left on the nodes


@pytest.mark.parametrize("p_first", [True, False], ids=["p-left", "p-right"])
def test_a_gradient_handed_on_is_never_changed_by_the_sums_after_it(p_first):
    # p receives three gradients, the first e's own (+ hands it on unchanged, so it is also d's and c's). A pass that
    # summed into the array p received first would change e's gradient, and with it c's retained .grad. (A guard for
    # summing in place, which was tried and not kept: BENCHMARKS.md "Stop 39".)
    p, q = Value(np.ones(3)), Value(np.ones(3))
    c = p + q
    c.retain_grad()
    d = p + c if p_first else c + p
    e = p + d if p_first else d + p
    e.sum().backward()
    np.testing.assert_array_equal(p.grad, [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(q.grad, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(c.grad, [1.0, 1.0, 1.0])


@pytest.mark.parametrize("dtype", (np.float32, np.float64), ids=lambda d: d.__name__)
def test_elementwise_chain_gradients_keep_their_inputs_shape_and_dtype(dtype):
    # Operands of one shape, and a broadcast row: each gradient has its input's shape and dtype, and the values are
    # the central differences' (float64).
    rng = np.random.default_rng(1)
    x = Value(rng.uniform(0.5, 2.0, (3, 4)).astype(dtype))
    row = Value(rng.uniform(0.5, 2.0, (4,)).astype(dtype))
    y = ((x * x + x / x - x).tanh().exp().log().sqrt().sigmoid().sin().cos().relu() - (-x)) * row
    y.sum().backward()
    assert x.grad.shape == (3, 4) and x.grad.dtype == dtype
    assert row.grad.shape == (4,) and row.grad.dtype == dtype
    if dtype is np.float64:
        def f(xd):
            t = np.sqrt(np.log(np.exp(np.tanh(xd * xd + xd / xd - xd))))
            return float(((np.cos(np.sin(1 / (1 + np.exp(-t)))).clip(0) + xd) * row.data).sum())
        for i, j in [(0, 0), (1, 2), (2, 3)]:
            d = np.zeros((3, 4))
            d[i, j] = 1e-6
            assert abs(x.grad[i, j] - (f(x.data + d) - f(x.data - d)) / 2e-6) < 1e-6
