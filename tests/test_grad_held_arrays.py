"""An array or Value the user holds never becomes a `.grad` uncopied: a later backward adds into a leaf's `.grad` in
place (test_grad_accumulate_inplace.py), which must not change the user's data behind their back. PyTorch's
AccumulateGrad steals a new gradient only when nothing else references it and clones it otherwise (retain_grad always
clones), so there `x.grad is held` is False and `held` never changes.

Each case runs the same code with autograd_core and with PyTorch (where installed): a first backward (whether .grad
shares memory with `held`), a second backward, then `held` (unchanged) and `.grad` (PyTorch's). The cases that failed
before: a tensor hook's replacement (leaf, non-leaf, an array or a Value, also beside an AccumulateGrad hook), a leaf's
hook that keeps the gradient it is given (or a view of it) and returns None, a custom Function's backward returning an
array or Value it holds (also with create_graph), and a create_graph seed Value that became a leaf's .grad. A fresh
replacement is still taken as it is (no copy).
"""

from __future__ import annotations

import warnings
import weakref

import numpy as np
import pytest
from conftest import pytorch_for_the_rest_of_this_test

import autograd_core as ag


def _both(case, expected):
    """case(lib) -> a tuple of observations; ours must equal `expected`, then PyTorch's."""
    assert case(ag) == expected
    torch = pytorch_for_the_rest_of_this_test()
    assert case(torch) == expected


def _held(lib, value=5.0):
    if lib is ag:
        return np.full(3, value)
    return lib.full((3,), value, dtype=lib.float64)


def _held_value(lib, value=5.0):
    return lib.tensor([value] * 3, dtype=lib.float64)


def _leaf(lib):
    return lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)


def _np(t):
    if isinstance(t, np.ndarray):
        return t
    t = t.detach() if hasattr(t, "detach") else t
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t.data)


def _list(t):
    return _np(t).tolist()


def _shares(a, b):
    return bool(np.shares_memory(_np(a), _np(b)))


def _twice(x, held, loss):
    """Two backward passes of loss(); what .grad and `held` look like after each."""
    loss().backward()
    shared = _shares(x.grad, held)
    loss().backward()
    return shared, _list(held), _list(x.grad)


@pytest.mark.parametrize("kind", [_held, _held_value])
def test_a_leafs_hook_returning_a_held_gradient(kind):
    def case(lib):
        x, held = _leaf(lib), kind(lib)
        x.register_hook(lambda g: held)
        return _twice(x, held, lambda: (x * 2).sum())

    _both(case, (False, [5.0] * 3, [10.0] * 3))


def test_a_leafs_hook_keeping_the_gradient_it_is_given():
    # The hook returns None but keeps g: PyTorch's AccumulateGrad then clones g for .grad, which the second pass adds
    # into in place; the hook's g stays the first pass's.
    def case(lib):
        x, kept = _leaf(lib), []
        x.register_hook(kept.append)
        (x * 2).sum().backward()
        shared = _shares(x.grad, kept[0])
        (x * 2).sum().backward()
        return shared, _list(kept[0]), _list(x.grad)

    _both(case, (False, [2.0] * 3, [4.0] * 3))


def test_a_leafs_hook_keeping_a_view_of_the_gradient():
    # Stricter than PyTorch, whose .grad is g itself where the hook kept only a view of it (g[1:], g.numpy()): that
    # view then changes as later passes add into .grad. Here any view kept makes .grad a copy.
    x, kept = _leaf(ag), []
    x.register_hook(lambda g: kept.append(np.asarray(g)[1:]))
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    assert _list(kept[0]) == [2.0, 2.0] and _list(x.grad) == [4.0] * 3


def test_a_leafs_hook_beside_an_accumulate_grad_hook():
    def case(lib):
        x, held = _leaf(lib), _held(lib)
        y = x * 2
        y.grad_fn.next_functions[0][0].register_hook(lambda grad_inputs, grad_outputs: None)
        x.register_hook(lambda g: held)
        y.sum().backward(retain_graph=True)
        shared = _shares(x.grad, held)
        y.sum().backward()
        return shared, _list(held), _list(x.grad)

    _both(case, (False, [5.0] * 3, [10.0] * 3))


@pytest.mark.parametrize("kind", [_held, _held_value])
def test_a_retained_non_leafs_hook_returning_a_held_gradient(kind):
    def case(lib):
        x, held = _leaf(lib), kind(lib)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: held)
        z = (y * 3).sum()
        z.backward(retain_graph=True)
        shared = _shares(y.grad, held)
        y.grad += 1  # (the user's own change of .grad: not of held)
        z.backward()
        return shared, _list(held), _list(y.grad), _list(x.grad)

    _both(case, (False, [5.0] * 3, [11.0] * 3, [20.0] * 3))


def _doubling(lib, held):
    """A custom Function of lib: x * 2 forward, whose backward returns `held` (an array or Value the test keeps)."""

    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return held

    return Double


@pytest.mark.parametrize("kind", [_held, _held_value])
def test_a_functions_backward_returning_a_held_gradient(kind):
    def case(lib):
        held = kind(lib)
        x, double = _leaf(lib), _doubling(lib, held)
        return _twice(x, held, lambda: double.apply(x).sum())

    _both(case, (False, [5.0] * 3, [10.0] * 3))


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
def test_a_functions_held_value_with_create_graph():
    def case(lib):
        held = _held_value(lib)
        x = _leaf(lib)
        _doubling(lib, held).apply(x).sum().backward(create_graph=True)
        shared = _shares(x.grad, held)
        _np(x.grad)[...] += 1  # (an optimizer's in-place step on .grad's numbers)
        return shared, _list(held), _list(x.grad)

    _both(case, (False, [5.0] * 3, [6.0] * 3))


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
@pytest.mark.parametrize("through", ["leaf", "add0", "clone", "squeeze"])
def test_a_create_graph_seed_value(through):
    build = {"leaf": lambda x: x, "add0": lambda x: x + 0, "clone": lambda x: x.clone(),
             "squeeze": lambda x: x.squeeze()}[through]

    def case(lib):
        x, held = _leaf(lib), _held_value(lib)
        build(x).backward(held, create_graph=True)
        shared = _shares(x.grad, held)
        _np(x.grad)[...] += 1
        build(x).backward(held, create_graph=True)
        return shared, _list(held), _list(x.grad)

    _both(case, (False, [5.0] * 3, [11.0] * 3))


@pytest.mark.parametrize("through", ["leaf", "mul1", "add0", "clone", "to", "contiguous", "slice", "expand_as"])
@pytest.mark.parametrize("how", ["backward", "autograd.backward", "inputs"])
def test_a_held_seed_through_an_identity_like_rule(through, how):
    # (passed before: the seed is copied, and leaves reached through pass-through rules get a copy)
    build = {"leaf": lambda x: x, "mul1": lambda x: x * 1, "add0": lambda x: x + 0, "clone": lambda x: x.clone(),
             "to": lambda x: x.to(x.dtype), "contiguous": lambda x: x.contiguous(), "slice": lambda x: x[:],
             "expand_as": lambda x: x.expand_as(x)}[through]

    def case(lib):
        x, held = _leaf(lib), _held(lib)

        def once():
            if how == "backward":
                build(x).backward(held)
            elif how == "autograd.backward":
                lib.autograd.backward([build(x)], grad_tensors=[held])
            else:
                lib.autograd.backward(build(x), grad_tensors=held, inputs=[x])

        once()
        shared = _shares(x.grad, held)
        once()
        return shared, _list(held), _list(x.grad)

    _both(case, (False, [5.0] * 3, [10.0] * 3))


@pytest.mark.parametrize("through", ["view", "reshape", "t"])
def test_a_held_seed_through_a_view_rule_stays_the_users(through):
    # PyTorch 2.13 steals the view of `held` that ViewBackward hands x (its use count is 1, its storage is held's), so
    # its second backward changes held to 10s; here the leaf's .grad is a copy (a view is never one), held stays.
    build = {"view": lambda x: x.view(3), "reshape": lambda x: x.reshape(3), "t": lambda x: x.t()}[through]
    x, held = _leaf(ag), _held(ag)
    assert _twice(x, held, lambda: _Seeded(build(x), held)) == (False, [5.0] * 3, [10.0] * 3)
    torch = pytorch_for_the_rest_of_this_test()
    tx, theld = _leaf(torch), _held(torch)
    build(tx).backward(theld)
    build(tx).backward(theld)
    assert _list(tx.grad) == [10.0] * 3


class _Seeded:
    """y.backward(held), for _twice."""

    def __init__(self, y, seed):
        self.y, self.seed = y, seed

    def backward(self):
        self.y.backward(self.seed)


def test_a_post_accumulate_hook_must_return_none():
    # (what it returned went nowhere before; PyTorch refuses it. The pass raising is undone here, as every pass that
    # raises: .grad stays None, where PyTorch's keeps what it had accumulated before the hook ran)
    def case(lib):
        x = _leaf(lib)
        x.register_post_accumulate_grad_hook(lambda p: _held(lib))
        try:
            (x * 2).sum().backward()
        except RuntimeError as e:
            return str(e), x.grad is None or lib is not ag
        return None

    _both(case, ("Tensor post accumulate grad hooks should return None.", True))


def test_a_fresh_replacement_is_taken_as_it_is():
    # what PyTorch steals (nothing else refers to it) is not copied: a hook's, a Function's fresh result
    made = []

    def hook(g):
        r = np.full(3, 7.0)
        made.append(weakref.ref(r))
        return r

    x = _leaf(ag)
    x.register_hook(hook)
    (x * 2).sum().backward()
    y = _leaf(ag) * 2
    y.register_hook(hook)
    (y * 3).sum().backward()

    class Double(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            r = np.full(3, 7.0)
            made.append(weakref.ref(r))
            return r

    w = _leaf(ag)
    Double.apply(w).sum().backward()
    assert made[0]() is x._grad and made[1]() is y._grad and made[2]() is w._grad


def test_compiled_steps_keep_the_users_arrays():
    # a Function's held result in a compiled step (recorded, then replayed), a seed, and a hook's (which runs eagerly)
    held = np.full(3, 5.0)
    double = _doubling(ag, held)

    @ag.compile
    def step(x):
        double.apply(x).sum().backward()

    x = _leaf(ag)
    for _ in range(4):
        step(x)
    assert held.tolist() == [5.0] * 3 and np.asarray(x.grad).tolist() == [20.0] * 3

    @ag.compile
    def hooked(x):
        (x * 2).sum().backward()

    x = _leaf(ag)
    x.register_hook(lambda g: held)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (compile's note that the step runs eagerly)
        for _ in range(4):
            hooked(x)
    assert held.tolist() == [5.0] * 3 and np.asarray(x.grad).tolist() == [20.0] * 3
