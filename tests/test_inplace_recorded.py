"""In-place methods on Values of a graph being recorded, and on views of them (inplace.py, inplace_graph.py's
`_record_in_place`).

`y = x * 2; y.mul_(3)` is recorded on y itself; `y[0:2].mul_(3)`, `y[:, 0].zero_()`, `y.view(-1).add_(1)` change y
(PyTorch's CopySlices), and every view of y still in use follows the change. Each pattern runs on autograd_core and
on PyTorch (float64): the values and x.grad must agree; without PyTorch, x.grad is checked against central
differences. The errors are PyTorch's: a leaf that requires grad (or a view of one) changed in place, a view made in
no_grad() changed with grad mode on, an expand() written to, and a backward pass through a node whose rule read
numbers changed since.
"""

import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value
from autograd_core.gradcheck import gradcheck

X = np.array([[0.3, -1.2, 0.7, 1.9], [-0.4, 0.9, -1.6, 0.2], [1.3, -0.8, 0.45, -1.1]])
W = np.random.default_rng(5).normal(size=(3, 4))
MASK = X > 0.5


def _torch():
    return pytest.importorskip("torch")


# Each pattern: (L, x) -> a Value/tensor of shape (3, 4) computed from x (3, 4) with in-place changes; L is
# autograd_core or torch, which spell every call alike. The result is weighed by W and summed for the gradient.
PATTERNS = {
    # on a non-leaf Value of a graph
    "mul_": lambda L, x: (x * 2).mul_(3),
    "chain": lambda L, x: (x * 0.5).mul_(3).add_(1).sub_(x).div_(2).exp_(),
    "add_alpha": lambda L, x: (x * 1).add_(x * x, alpha=2),
    "sub_alpha": lambda L, x: (x * 1).sub_(x.exp(), alpha=0.5),
    "div_tensor": lambda L, x: (x * 2).div_(x * x + 1),
    "pow_": lambda L, x: (x * 1 + 2).pow_(2),
    "pow_tensor": lambda L, x: (x * 1 + 2).pow_(x),
    "clamp_": lambda L, x: (x * 2).clamp_(-1.0, 1.0),
    "clamp_min_": lambda L, x: (x * 2).clamp_(min=-1.0),
    "neg_": lambda L, x: (x * 2).neg_(),
    "exp_": lambda L, x: (x * 0.5).exp_(),
    "sub_relu_": lambda L, x: (x * 2).sub_(0.5).relu_(),
    "zero_": lambda L, x: (x * 2).zero_() + x,
    "fill_": lambda L, x: (x * 2).fill_(0.5) * x,
    "fill_tensor": lambda L, x: (x * 2).fill_(x[0, 0] * 3),
    "copy_": lambda L, x: (x * 2).copy_(x.exp()),
    "copy_broadcast": lambda L, x: (x * 2).copy_(x[0] * 3),
    "masked_fill_": lambda L, x: (x * 2).masked_fill_(L.tensor(MASK), 0.0),
    "broadcast_operand": lambda L, x: (x * 2).mul_(x[1]),
    "self_operand_add": lambda L, x: _self_add(x),
    "operator_on_view": lambda L, x: _operator_on_view(x),
    # on views of one
    "slice": lambda L, x: _then(x * 2, lambda y: y[0:2].mul_(3)),
    "column_zero_": lambda L, x: _then(x * 2, lambda y: y[:, 0].zero_()),
    "view_add_": lambda L, x: _then(x * 2, lambda y: y.view(-1).add_(1)),
    "view_add_tensor": lambda L, x: _then(x * 2, lambda y: y.view(-1)[3:9].add_(x.view(-1)[0:6] * 5)),
    "reshape_mul_": lambda L, x: _then(x * 2, lambda y: y.reshape(2, 6)[1].mul_(x[0, 0])),
    "transpose": lambda L, x: _then(x * 2, lambda y: y.t()[1].mul_(x[:, 0])),
    "transpose_2d": lambda L, x: _then(x * 2, lambda y: y.transpose(0, 1)[1:3, 0:2].exp_()),
    "step_slice": lambda L, x: _then(x * 2, lambda y: y[:, ::2].sub_(x[:, 1::2])),
    "row": lambda L, x: _then(x * 2, lambda y: y[1].pow_(2)),
    "view_of_view": lambda L, x: _then(x * 2, lambda y: y[1:][:, 1:].t()[1:3][0].mul_(5)),
    "view_clamp_": lambda L, x: _then(x * 2, lambda y: y[:, 1:3].clamp_(-1.0, 1.0)),
    "view_copy_": lambda L, x: _then(x * 2, lambda y: y[2].copy_(x[0].exp())),
    "view_fill_": lambda L, x: _then(x * 2, lambda y: y[:, 3].fill_(7.0)),
    "view_masked_fill_": lambda L, x: _then(x * 2, lambda y: y[1:].masked_fill_(L.tensor(MASK[1:]), -1.0)),
    "view_relu_": lambda L, x: _then(x * 2, lambda y: y[0:2, 1:].relu_()),
    "view_F_relu_inplace": lambda L, x: _then(x * 2, lambda y: L.nn.functional.relu(y[:, 1:3].t(), inplace=True)),
    "view_F_elu_inplace": lambda L, x: _then(x * 2, lambda y: L.nn.functional.elu(y[1], 0.7, inplace=True)),
    "view_broadcast_operand": lambda L, x: _then(x * 2, lambda y: y[:, 1:3].add_(x[0, 1:3])),
    "view_setitem": lambda L, x: _then(x * 2, lambda y: y[1].__setitem__(slice(1, 3), x[0, 0:2] * 4)),
    "view_then_base": lambda L, x: _view_then_base(x),
    "sibling_views": lambda L, x: _sibling_views(x),
    "view_used_after_base_changed": lambda L, x: _view_after_base(x),
    "in_place_then_view": lambda L, x: _in_place_then_view(x),
    "view_of_base_without_grad": lambda L, x: _base_without_grad(L, x),
    "read_before_change_not_saved": lambda L, x: _read_before(x),
    "exp_then_change": lambda L, x: _exp_then_change(x),
    "operand_from_same_base": lambda L, x: _then(x * 2, lambda y: y[0:1].add_(y[2:3])),
    "flip_is_a_copy": lambda L, x: _then(x * 2, lambda y: y.flip(0).mul_(5)),  # as PyTorch's flip: y unchanged
    "operator_on_base_with_views": lambda L, x: _operator_on_base(x),
    "constant_read_before_change": lambda L, x: _constant_read_before(L, x),
    "setitem_on_base_with_views": lambda L, x: _setitem_on_base(x),
}


def _constant_read_before(L, x):
    z = L.zeros(3, 4, dtype=L.float64)
    c = z + x  # read while z needed no gradient
    z[0].copy_(x[0] * 3)
    return c + z


def _operator_on_base(x):
    y = x * 2
    v = y[0]
    y += x  # y has a view in use: changed in place (v follows), as in PyTorch
    return y + v.sum()


def _setitem_on_base(x):
    y = x * 2
    v = y[:, 1]
    y[0] = x[1] * 3
    return y * v[:, None]


def _then(y, change):
    change(y)
    return y


def _self_add(x):
    y = x * 2
    y.add_(y)
    return y


def _operator_on_view(x):
    y = x * 2
    v = y[:, 0]
    v += 1  # a view: in place, as in PyTorch (y changes)
    v *= x[:, 1]
    return y


def _view_then_base(x):
    y = x * 2
    v = y[1:, 1:3]
    v.mul_(2)
    y.add_(1)
    return y * 0 + v.sum() + v[0, 0] * y


def _sibling_views(x):
    y = x * 2
    a, b = y[0:2], y[1:3]
    a.mul_(10)
    return y + (b * b).sum()


def _view_after_base(x):
    y = x * 2
    v = y[1]
    y.mul_(3)
    return y + v * v  # v sees y's change, and its gradient flows through it


def _in_place_then_view(x):
    y = x * 2
    y.mul_(x)
    v = y[:, 2]
    return y * v[:, None]


def _base_without_grad(L, x):
    z = L.zeros(3, 4, dtype=L.float64)
    u, w = z[1], z[2]
    u.copy_(x[0] * 2)  # z needed no gradient; now it does, and so do its views u and w
    z[2].add_(x[2])
    return z * z + u * w


def _read_before(x):
    y = x * 2
    z = y + 1  # the rule of + reads neither input: PyTorch saves nothing, and backward goes through
    y.mul_(3)
    return z + y


def _exp_then_change(x):
    y = x * 2
    z = y.exp()  # exp's rule reads its output (z), not y
    y.mul_(3)
    return z * y


def _run(L, pattern):
    x = L.tensor(X.copy(), requires_grad=True)
    out = PATTERNS[pattern](L, x)
    (out * L.tensor(W)).sum().backward()
    return np.array(out.tolist()), np.array(x.grad.tolist())


@pytest.mark.parametrize("pattern", PATTERNS)
def test_values_and_gradients_are_pytorchs(pattern):
    ours, our_grad = _run(ag, pattern)
    theirs, their_grad = _run(_torch(), pattern)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_gradients_match_finite_differences(pattern):
    assert gradcheck(lambda x: PATTERNS[pattern](ag, x) * W, [X])


def test_the_object_keeps_its_identity_and_the_view_changes_the_base():
    x = Value(X.copy())
    y = x * 2
    array = y.data
    assert y.mul_(3) is y and y.data is array and y.op == "*"  # PyTorch: y is y, its grad_fn MulBackward
    v = y[0:2]
    assert v.mul_(2) is v
    np.testing.assert_array_equal(y.data[0:2], X[0:2] * 12)
    assert np.shares_memory(v.data, y.data) and y._version_count == v._version_count == 2
    torch = _torch()
    t = torch.tensor(X, requires_grad=True) * 2
    t.mul_(3)
    u = t[0:2]
    u.mul_(2)
    assert t._version == u._version == y._version_count


def test_a_view_in_use_follows_every_later_change_of_its_base():
    x = Value(X.copy())
    y = x * 2
    views = [y[1], y[:, 0], y.view(-1), y.t()]
    y.add_(x)
    y[0].mul_(2)
    for v, expected in zip(views, [y.data[1], y.data[:, 0], y.data.reshape(-1), y.data.T]):
        np.testing.assert_array_equal(v.data, expected)
        assert v.requires_grad and v.creation_index > y.creation_index  # parents before children
    sum(v.sum() for v in views).backward()
    np.testing.assert_allclose(x.grad, gradients_by_differences(lambda x: _four_views(x), X), rtol=1e-6)


def _four_views(x):
    y = x * 2
    views = [y[1], y[:, 0], y.view(-1), y.t()]
    y.add_(x)
    y[0].mul_(2)
    return sum(v.sum() for v in views)


def gradients_by_differences(f, x0, eps=1e-6):
    grad = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        up, down = x0.copy(), x0.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (f(Value(up)).item() - f(Value(down)).item()) / (2 * eps)
    return grad


# ----------------------------------------------------------------------------------------------------
# PyTorch's errors


ERRORS = {  # (L, x) -> the failing call; the pattern both libraries raise RuntimeError for
    "leaf": (lambda L, x: x.mul_(2), "leaf .* requires grad is being used in an in-place operation"),
    "view_of_leaf": (lambda L, x: x[0:2].mul_(2), "a view of a leaf .* requires grad is being used in an in-place"),
    "view_of_leaf_reshape": (lambda L, x: x.view(-1).zero_(), "a view of a leaf .* requires grad"),
    "no_grad_view": (lambda L, x: _no_grad_view(L, x).mul_(2), "view was created in no_grad mode"),
    "expand": (lambda L, x: (x * 2)[0:1].expand(3, 4).mul_(2), "more than one element of the written-to"),
    "shape": (lambda L, x: (x * 2)[0:1].add_(x), "doesn't match the broadcast shape"),
    "shapes": (lambda L, x: (x * 2)[0:2].add_(x), "broadcast|must match"),
    "saved_input": (lambda L, x: _saved_input_changed(x).backward(), "modified by an in-?place operation"),
    "saved_view": (lambda L, x: _saved_view_changed(x).backward(), "modified by an in-?place operation"),
    "saved_input_by_view": (lambda L, x: _saved_input_changed_by_view(x).backward(),
                            "modified by an in-?place operation"),
}


def _no_grad_view(L, x):
    y = x * 2
    with L.no_grad():
        return y[1]


def _saved_input_changed(x):
    y = x * 2
    z = y * y  # mul's rule reads both inputs: PyTorch saved y
    y.add_(1)
    return z.sum()


def _saved_view_changed(x):
    y = x * 2
    v = y[1]
    z = v.exp() * v  # saves the view v
    y[1:].mul_(3)
    return z.sum()


def _saved_input_changed_by_view(x):
    y = x * 2
    z = (y * x).sum()  # saves y
    y[:, 2].zero_()
    return z


@pytest.mark.parametrize("case", ERRORS)
def test_pytorchs_errors(case):
    call, message = ERRORS[case]
    with pytest.raises(RuntimeError, match=message):
        call(ag, Value(X.copy()))
    torch = _torch()
    with pytest.raises(RuntimeError, match=message.replace("Value", "Variable")):
        call(torch, torch.tensor(X, requires_grad=True))


def test_a_refused_change_leaves_the_base_unchanged():
    x = Value(X.copy())
    y = x * 2
    before = y.data.copy()
    with pytest.raises(RuntimeError):
        y[0:1].expand(3, 4).mul_(2)
    with pytest.raises(RuntimeError):
        y[0:2].add_(x)
    np.testing.assert_array_equal(y.data, before)
    assert y._version_count == 0


def test_no_grad_changes_of_a_view_are_written_as_before():
    x = Value(X.copy())
    y = x * 2
    v = y[1]
    with ag.no_grad():
        v.mul_(3)
    np.testing.assert_array_equal(y.data[1], X[1] * 6)
    assert y.op == "*" and v.op == "getitem" and y._version_count == 1  # no node recorded
    z = y + 1  # recorded after the change: no error
    z.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((3, 4), 2.0))


def test_a_second_backward_through_a_repointed_node_gives_the_same_gradient():
    x = Value(X.copy())
    y = x * 2
    z = y + 1
    y.mul_(3)
    loss = (z * y).sum()
    loss.backward(retain_graph=True)
    first = x.grad.copy()
    x.grad = None
    loss.backward()
    np.testing.assert_array_equal(x.grad, first)


# ----------------------------------------------------------------------------------------------------
# Forward mode and compiled functions


def _in_place(v, w):
    y = v * w
    y[:, 1:3].mul_(y[:, 0:2].exp())
    y.t()[0].add_(1.5)
    return y * 2


def _out_of_place(v, w):
    y = v * w
    middle = y[:, 1:3] * y[:, 0:2].exp()
    y = ag.concatenate([y[:, 0:1], middle, y[:, 3:]], axis=1)
    y = ag.concatenate([y[:, 0:1] + 1.5, y[:, 1:]], axis=1)
    return y * 2


def test_forward_mode_follows_a_recorded_change_of_a_view():
    w = Value(W.copy())  # requires grad: v * w is a node of a graph, changed in place through views
    t = np.random.default_rng(1).normal(size=X.shape)
    ours = ag.jvp(lambda v: _in_place(v, w), (X,), (t,))
    expected = ag.jvp(lambda v: _out_of_place(v, w), (X,), (t,))
    for a, b in zip(ours, expected):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-13)


def test_a_compiled_function_with_a_recorded_change_of_a_view_replays_it():
    """The changes through views are recorded (jit_inplace.py) and replayed: the eager numbers, no warning."""
    w = Value(W.copy())
    compiled = ag.compile(lambda v: _in_place(v, w))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ag.CompileWarning)
        for k in range(4):
            v = Value(X * (k + 1), requires_grad=False)
            np.testing.assert_array_equal(compiled(v).data, _in_place(v, w).data)
    assert compiled.stats["replayed"] == 2


@pytest.mark.parametrize("fill", ["zero_", "fill_", "copy_"])
def test_zero_fill_and_copy_send_a_zero_gradient_as_pytorchs(fill):
    def run(L):
        x = L.tensor(X.copy(), requires_grad=True)
        y = x * 2
        {"zero_": lambda: y.zero_(), "fill_": lambda: y.fill_(3.0), "copy_": lambda: y.copy_(L.tensor(W))}[fill]()
        assert y.requires_grad and not y.is_leaf
        y.sum().backward()
        return np.array(x.grad.tolist())

    np.testing.assert_array_equal(run(ag), np.zeros((3, 4)))  # zeros, not None
    np.testing.assert_array_equal(run(_torch()), np.zeros((3, 4)))


@pytest.mark.parametrize("pattern", PATTERNS)
def test_second_derivatives_are_pytorchs(pattern):
    def run(L, grad):
        x = L.tensor(X.copy(), requires_grad=True)
        (g,) = grad((PATTERNS[pattern](L, x) * L.tensor(W)).sum(), [x], create_graph=True)
        if not g.requires_grad:
            return np.zeros(X.shape)
        (g * g * L.tensor(W)).sum().backward()
        return np.zeros(X.shape) if x.grad is None else np.array(x.grad.tolist())

    torch = _torch()
    np.testing.assert_allclose(run(ag, ag.autograd.grad), run(torch, torch.autograd.grad), rtol=1e-10, atol=1e-10)


def test_hooks_on_the_leaf_and_the_changed_value_see_pytorchs_gradients():
    def run(L):
        x = L.tensor(X.copy(), requires_grad=True)
        seen = []
        x.register_hook(lambda g: seen.append(np.array(g.tolist())))
        y = x * 2
        z = y + 1  # recorded before the change: re-pointed at y as it was
        y[1:].mul_(3)
        y.register_hook(lambda g: seen.append(np.array(g.tolist())))
        ((z + y) * L.tensor(W)).sum().backward()
        return seen

    ours, theirs = run(ag), run(_torch())
    assert len(ours) == len(theirs) == 2
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def test_a_view_of_a_detach_changes_in_place_without_recording_as_in_pytorch():
    def run(L):
        x = L.tensor(X.copy(), requires_grad=True)
        y = x * 2
        v = y[0]  # a view in the graph (y's views are listed)
        loss = (y * 3).sum()
        d = y.detach()
        d[1].mul_(5)  # grad mode on, but d and its views are outside the graph: only the numbers change
        loss.backward()
        return np.array(y.tolist()), np.array(v.tolist()), np.array(x.grad.tolist())

    ours = run(ag)
    for a, b in zip(ours, run(_torch())):
        np.testing.assert_array_equal(a, b)


def test_a_node_that_read_a_view_before_its_base_changed_backpropagates_as_in_pytorch():
    def run(L):
        x = L.tensor(X.copy(), requires_grad=True)
        y = x * 2
        s = y[1].sum()  # reads the view y[1]; sum's rule reads no numbers of it
        y.mul_(3)
        (s + y.sum()).backward()
        return np.array(x.grad.tolist())

    np.testing.assert_allclose(run(ag), run(_torch()), rtol=1e-13)


# ----------------------------------------------------------------------------------------------------
# Random sequences of views and in-place changes


_VIEWS = [lambda v: v[0:2] if v.ndim and v.shape[0] >= 2 else v,
          lambda v: v[1] if v.ndim == 2 and v.shape[0] >= 2 else v,
          lambda v: v[:, 1:3] if v.ndim == 2 and v.shape[1] >= 3 else v, lambda v: v.t() if v.ndim == 2 else v,
          lambda v: v.reshape(-1) if v.shape == (3, 4) else v, lambda v: v[:, 0] if v.ndim == 2 else v,
          lambda v: v[::2] if v.ndim else v]
_CHANGES = [lambda t, x: t.mul_(1.5), lambda t, x: t.add_(0.3), lambda t, x: t.tanh_(), lambda t, x: t.zero_(),
            lambda t, x: t.mul_(x.reshape(-1)[: t.shape[-1]] * 0.5 + 1), lambda t, x: t.clamp_(-0.8, 0.9),
            lambda t, x: t.sub_(x.reshape(-1)[: t.shape[-1]].exp() * 0.1), lambda t, x: t.div_(2.0),
            lambda t, x: t.copy_(x.reshape(-1)[: t.shape[-1]] * 2), lambda t, x: t.add_(t * 0.5)]


def _random_program(L, seed):
    import random

    rnd = random.Random(seed)
    x = L.tensor(np.random.default_rng(seed).normal(size=(3, 4)), requires_grad=True)
    y = x * 2
    pool, reads = [y], []
    for step in range(rnd.randint(1, 6)):
        r = rnd.random()
        if r < 0.4:
            pool.append(rnd.choice(_VIEWS)(rnd.choice(pool)))
        elif r < 0.9:
            rnd.choice(_CHANGES)(rnd.choice(pool), x)
        else:
            reads.append(rnd.choice(pool).sum() * (step + 1))  # read now, backpropagated after later changes
    total = (y * L.tensor(np.arange(12.0).reshape(3, 4))).sum() + sum((v * v).sum() * 0.1 for v in pool) + sum(reads)
    total.backward()
    return [np.array(t.tolist()) for t in [y, x.grad, *pool]]


@pytest.mark.parametrize("seed", range(120))
def test_random_sequences_of_views_and_changes_give_pytorchs_numbers(seed):
    torch = _torch()
    try:
        theirs = _random_program(torch, seed)
    except RuntimeError as refused:
        assert "modified by an inplace operation" in str(refused)
        try:  # we refuse it too, or (the change's own inputs read the old contents) give the out-of-place gradient
            _random_program(ag, seed)
        except RuntimeError as err:
            assert "modified by an in-place operation" in str(err)
        return
    ours = _random_program(ag, seed)  # what PyTorch runs, we run
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_the_copies_a_change_keeps_go_with_the_value_by_reference_counting():
    import gc
    import weakref

    from autograd_core import inplace_graph as inplace

    before = len(inplace._REPLACED)
    gc.disable()
    try:
        x = Value(X.copy())
        y = x * 2
        view = y[1]
        y.mul_(3)
        view.add_(1)
        d = y.detach()  # shares the version counter, not the history
        assert len(inplace._REPLACED) > before
        gone = weakref.ref(y)
        del y, view
        assert gone() is None and len(inplace._REPLACED) == before  # no cycle kept them
        np.testing.assert_array_equal(d.data[1], X[1] * 6 + 1)
    finally:
        gc.enable()
