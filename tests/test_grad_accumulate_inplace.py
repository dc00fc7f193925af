"""A later backward pass adds into a leaf's existing `.grad` in place, as PyTorch's AccumulateGrad does without
create_graph (`variable_grad += new_grad`): a reference taken before sees the sum, and `w.grad is g` stays True.

Each case runs the same code with autograd_core and with PyTorch (where installed): what ours gives is checked
against the numbers written here (which the out-of-place accumulation before failed), then against PyTorch's.
With create_graph the sum is a new tensor (PyTorch's `variable.grad = variable.grad + new_grad`); a pass that raises
half way leaves `.grad` and the references held to it as they were (the engine's all-or-nothing rule); hooks and
callbacks see the sum; a user-assigned array is added into; a read-only one and a 0-d Value's (a NumPy scalar) are
replaced by the sum instead (docs/coming-from-pytorch.md).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import pytorch_for_the_rest_of_this_test

import autograd_core as ag


def _both(case, expected):
    """case(lib, as_array) -> a tuple of observations; ours must equal `expected`, then PyTorch's."""
    ours = case(ag, np.asarray)
    assert ours == expected
    torch = pytorch_for_the_rest_of_this_test()
    theirs = case(torch, lambda t: t.detach().numpy())
    assert theirs == expected


def _ones(lib, n=3):
    return lib.tensor([1.0] * n, requires_grad=True, dtype=lib.float64)


def _list(a):
    return np.asarray(a).tolist()


def test_a_reference_taken_before_sees_the_sum_and_stays_the_grad():
    def case(lib, arr):
        w = _ones(lib)
        (w * 2).sum().backward()
        g = w.grad
        (w * 3).sum().backward()
        return _list(arr(g)), w.grad is g, w.grad is w.grad

    _both(case, ([5.0, 5.0, 5.0], True, True))


def test_the_array_itself_is_added_into_even_if_never_read_between_the_passes():
    # (the getter's GradArray view is made at the first read: the engine adds into whatever array .grad holds)
    w = _ones(ag)
    (w * 2).sum().backward()
    stored = w._grad
    (w * 3).sum().backward()
    assert w._grad is stored and stored.tolist() == [5.0, 5.0, 5.0]


def test_micro_batches_accumulate_into_one_array():
    def case(lib, arr):
        w = _ones(lib, 2)
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=lib.float64)
        (x[0] @ w).backward()
        g = w.grad
        for row in x[1:]:
            (row @ w).backward()
        return _list(arr(g)), w.grad is g

    _both(case, ([9.0, 12.0], True))


def test_a_user_assigned_gradient_is_added_into():
    def case(lib, arr):
        w = _ones(lib)
        t = lib.zeros(3, dtype=lib.float64) if lib is not ag else np.zeros(3)
        w.grad = t
        (w * 2).sum().backward()
        return _list(arr(t)), _list(arr(w.grad))

    _both(case, ([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]))


def test_zero_then_accumulate_keeps_the_array():
    def case(lib, arr):
        w = _ones(lib)
        (w * 2).sum().backward()
        g = w.grad
        g.zero_()
        (w * 3).sum().backward()
        return _list(arr(g)), w.grad is g

    _both(case, ([3.0, 3.0, 3.0], True))


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
def test_with_create_graph_the_sum_is_a_new_gradient():
    def case(lib, arr):
        w = _ones(lib)
        (w * 2).sum().backward()
        g = w.grad
        (w * 3).sum().backward(create_graph=True)
        return _list(arr(g)), w.grad is g, _list(arr(w.grad))

    _both(case, ([2.0, 2.0, 2.0], False, [5.0, 5.0, 5.0]))


def test_post_accumulate_grad_hook_sees_the_sum_in_the_same_array():
    def case(lib, arr):
        w = _ones(lib)
        (w * 2).sum().backward()
        g = w.grad
        seen = []
        w.register_post_accumulate_grad_hook(lambda p: seen.append((_list(arr(p.grad)), p.grad is g)))
        (w * 3).sum().backward()
        return tuple(seen)

    _both(case, (([5.0, 5.0, 5.0], True),))


def test_a_hook_later_in_the_pass_sees_an_earlier_leafs_sum():
    # x2 is older than w, so the pass reaches (and accumulates) w before x2's hook runs, in both engines
    def case(lib, arr):
        x2 = _ones(lib) * 1.0
        w = _ones(lib)
        (w * 2).sum().backward()
        g = w.grad
        seen = []
        x2.register_hook(lambda gx: seen.append((_list(arr(w.grad)), w.grad is g)))
        (x2 * 0 + w * 3).sum().backward()
        return tuple(seen)

    _both(case, (([5.0, 5.0, 5.0], True),))


def test_a_callback_queued_by_a_hook_sees_the_sum():
    def case(lib, arr):
        w = _ones(lib)
        (w * 2).sum().backward()
        seen = []
        engine = ag.engine if lib is ag else lib.autograd.Variable._execution_engine
        y = w * 3
        g = w.grad
        y.register_hook(lambda gy: engine.queue_callback(lambda: seen.append((_list(arr(g)), w.grad is g))))
        y.sum().backward()
        return tuple(seen)

    _both(case, (([5.0, 5.0, 5.0], True),))


class _Boom(Exception):
    pass


def _raise(*_):
    raise _Boom


@pytest.mark.parametrize("where", ["node hook", "post-accumulate hook of another leaf", "callback"])
def test_a_pass_that_raises_leaves_grad_and_held_references_as_they_were(where):
    # x2 and u2 are older than w and v: the pass has added into w's and v's .grad when their hooks run
    x2 = _ones(ag) * 1.0
    u = _ones(ag)
    u2 = u * 1.0
    w, v = _ones(ag), _ones(ag)
    (w * 2 + v * 4 + u2).sum().backward(retain_graph=True)  # (u2 and x2 are used again)
    gw, gv, gu = w.grad, v.grad, u.grad
    y = w * 3 + v * 5
    loss = (x2 * 0 + y + u2).sum()
    if where == "node hook":
        handle = x2.register_hook(_raise)
    elif where == "post-accumulate hook of another leaf":
        handle = u.register_post_accumulate_grad_hook(_raise)
    else:
        handle = y.register_hook(lambda g: ag.engine.queue_callback(_raise))
    with pytest.raises(_Boom):
        loss.backward()
    assert (w.grad is gw, v.grad is gv, u.grad is gu) == (True, True, True)
    assert (gw.tolist(), gv.tolist(), gu.tolist()) == ([2.0] * 3, [4.0] * 3, [1.0] * 3)
    handle.remove()
    loss.backward()  # a retry: the sum of two passes, not of two and a half, in the same arrays
    assert (w.grad is gw, v.grad is gv, u.grad is gu) == (True, True, True)
    assert (gw.tolist(), gv.tolist(), gu.tolist()) == ([5.0] * 3, [9.0] * 3, [2.0] * 3)


def test_a_raising_pass_after_an_added_into_leaf_restores_its_contents():
    # u's post-accumulate hook runs after w's sum was made (the hook makes the adds happen before user code)
    u = _ones(ag)
    u2 = u * 1.0  # older than w: the pass reaches it, and releases u, after w
    w = _ones(ag)
    (w * 2).sum().backward()
    g = w.grad
    calls = []

    def hook(p):
        calls.append(g.tolist())
        raise _Boom

    loss = (w * 3).sum() + u2.sum()
    u.register_post_accumulate_grad_hook(hook)
    with pytest.raises(_Boom):
        loss.backward()
    assert calls == [[5.0, 5.0, 5.0]]  # the hook saw the sum...
    assert w.grad is g and g.tolist() == [2.0, 2.0, 2.0]  # ...which the failed pass took back, in the same array
    assert u.grad is None


def test_a_read_only_gradient_is_replaced_by_the_sum():
    # PyTorch refuses to add into an expanded tensor ("more than one element of the written-to tensor refers to a
    # single memory location"); a read-only NumPy array (np.broadcast_to) gets the sum as a new array instead
    w = _ones(ag)
    t = np.broadcast_to(np.zeros(1), (3,))
    w.grad = t
    (w * 2).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0, 2.0] and t.tolist() == [0.0, 0.0, 0.0]


def test_a_0d_values_gradient_is_a_new_number():
    # a 0-d Value's .grad is a NumPy scalar (immutable): the sum replaces it (PyTorch adds into the 0-d tensor)
    w = ag.tensor(1.0, requires_grad=True, dtype=ag.float64)
    (w * 2).backward()
    g = w.grad
    (w * 3).backward()
    assert g == 2.0 and w.grad == 5.0


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_other_dtypes_add_in_their_dtype(dtype):
    def case(lib, arr):
        w = lib.tensor([0.1, 0.2, 0.3], requires_grad=True, dtype=getattr(lib, dtype))
        (w * w).sum().backward()
        g = w.grad
        (w * 3).sum().backward()
        return _list(arr(g)), w.grad is g, str(arr(g).dtype)

    w = ag.tensor([0.1, 0.2, 0.3], requires_grad=True, dtype=getattr(ag, dtype))
    expected_values = (2 * w.data + np.asarray(3, dtype)).tolist()
    _both(case, (expected_values, True, dtype))


def test_a_matrix_leaf_through_broadcasting_and_a_pass_through():
    # the gradient reaching b is un-broadcast (a sum), the one reaching c is handed on as it is (x + c)
    def case(lib, arr):
        b = _ones(lib)
        c = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True, dtype=lib.float64)
        (c + b).sum().backward()
        gb, gc = b.grad, c.grad
        ((c + b) * 2).sum().backward()
        return _list(arr(gb)), _list(arr(gc)), b.grad is gb, c.grad is gc

    _both(case, ([6.0, 6.0, 6.0], [[3.0] * 3, [3.0] * 3], True, True))


def test_autograd_grad_leaves_grad_alone():
    w = _ones(ag)
    (w * 2).sum().backward()
    g = w.grad
    (d,) = ag.autograd.grad((w * 3).sum(), [w])
    assert w.grad is g and g.tolist() == [2.0, 2.0, 2.0] and d.tolist() == [3.0, 3.0, 3.0]


def _functions(lib):
    class Twice(lib.autograd.Function):  # one array for both inputs' gradients
        @staticmethod
        def forward(ctx, a, b):
            return a * 1.0 + b

        @staticmethod
        def backward(ctx, g):
            t = g * 2
            return t, t

    class Saved(lib.autograd.Function):  # the input itself as its gradient
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * 1.0

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return a

    return Twice, Saved


def test_a_functions_gradient_held_elsewhere_is_not_added_into():
    # PyTorch's AccumulateGrad clones a gradient that something else holds: two leaves' .grad never share memory, and
    # a second pass adds into neither the other's .grad nor the input's data
    def case(lib, arr):
        Twice, Saved = _functions(lib)
        a, b, c = _ones(lib), _ones(lib), _ones(lib)
        Twice.apply(a, b).sum().backward()
        Saved.apply(c).sum().backward()
        ga, gb, gc = a.grad, b.grad, c.grad
        Twice.apply(a, b).sum().backward()
        Saved.apply(c).sum().backward()
        return (_list(arr(ga)), _list(arr(gb)), _list(arr(gc)), _list(arr(c)),
                a.grad is ga, b.grad is gb, c.grad is gc)

    _both(case, ([4.0] * 3, [4.0] * 3, [2.0] * 3, [1.0] * 3, True, True, True))


def test_a_sparse_gradient_into_a_dense_grad_gives_the_sum():
    # (PyTorch adds it into the dense tensor in place; ours replaces .grad by the dense sum: the same numbers)
    def case(lib, arr):
        lib.manual_seed(0)
        e = lib.nn.Embedding(4, 2, sparse=True)
        e.weight.grad = lib.ones(4, 2) if lib is not ag else np.ones((4, 2), np.float32)
        e(lib.tensor([2, 2])).sum().backward()
        return _list(arr(e.weight.grad)), bool(getattr(e.weight.grad, "is_sparse", False))

    _both(case, ([[1.0, 1.0], [1.0, 1.0], [3.0, 3.0], [1.0, 1.0]], False))


def test_a_hook_after_a_weight_gradient_set_aside_sees_the_summed_grad():
    # The pass's list of waiting adds and a convolution's weight gradient set aside on a pool thread are two things
    # (one name held both: the hook below then met the set-aside gradient, or None, instead of the list)
    from autograd_core.nn.functional import conv2d

    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((16, 8, 28, 28)).astype(np.float32), requires_grad=True)
    h = x * 1.0  # a node below the convolution, with a hook: it runs after the leaves w and b took their gradients
    w = ag.tensor(rng.standard_normal((16, 8, 3, 3)).astype(np.float32), requires_grad=True)
    b = ag.tensor(np.zeros(16, np.float32), requires_grad=True)
    seen = []
    h.register_hook(lambda g: seen.append(np.array(b.grad)))
    y = conv2d(h, w, b, padding=1)
    y.sum().backward(retain_graph=True)
    first_b, first_w = np.array(b.grad), np.array(w.grad)
    y.sum().backward()
    np.testing.assert_array_equal(seen[1], first_b * 2)  # the hook saw b's sum
    np.testing.assert_array_equal(w.grad, first_w * 2)


def test_a_compiled_step_that_assigns_an_array_to_grad_replays_eager_s_numbers_on_the_same_batch():
    # A step assigns `w.grad = start.copy()` and its backward pass adds into that array in place: the program assigns
    # the array's contents as assigned (not as the recording's pass left them) at each replay, also when it replays
    # after two recordings of one batch (a plan whose constants are not checked against other data)
    def make():
        w, start = ag.tensor(np.random.default_rng(1).standard_normal((3, 2)), requires_grad=True), np.ones((3, 2))

        def step(x):
            w.grad = start.copy()
            loss = ((ag.tensor(x) @ w) ** 2).sum()
            loss.backward()
            w.data -= 0.1 * w.grad
            return loss

        return w, step

    x = np.random.default_rng(2).standard_normal((4, 3))
    (we, eager), (wc, step) = make(), make()
    compiled = ag.compile(step)
    for _ in range(5):
        eager(x)
        compiled(x)
        assert np.array_equal(we.data, wc.data) and np.array_equal(we.grad, wc.grad)
    assert compiled.stats["replayed"] >= 2, compiled.stats


def test_a_compiled_step_adds_into_the_grad_a_reference_holds_as_eager_mode_does():
    # A step without zero_grad (gradients accumulated over calls): a replay adds into .grad in place, so a reference
    # taken after the first call sees every later call's gradient, and .grad stays that array
    def make():
        w = ag.tensor(np.random.default_rng(1).standard_normal((3, 2)), requires_grad=True)

        def step(x):
            loss = ((ag.tensor(x) @ w) ** 2).sum()
            loss.backward()
            return loss

        return w, step

    rng = np.random.default_rng(3)
    (we, eager), (wc, step) = make(), make()
    compiled = ag.compile(step)
    batches = [rng.standard_normal((4, 3)) for _ in range(6)]
    eager(batches[0])
    compiled(batches[0])
    held_e, held_c = we.grad, wc.grad
    for x in batches[1:]:
        eager(x)
        compiled(x)
    assert compiled.stats["replayed"] >= 2, compiled.stats
    assert we.grad is held_e and wc.grad is held_c
    assert np.array_equal(held_c, held_e)
