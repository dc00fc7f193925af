"""One element read out of a Value (`e = x[0]`, `x[0, 1]`, `x[1:][0]`, `for e in x`, `x.unbind()`) follows x's later
in-place changes, as PyTorch's 0-d view does (autograd_core/element_views.py), against PyTorch 2.13 where installed:

1. Its number: after add_, mul_, setitem, fill_, copy_, zero_ of x, changes through x's views, detach()es and other
   elements, and an optimizer's step on a parameter; for x with and without grad, inside and outside no_grad().
2. Its version counter is x's (in a graph too), so a node that saved it raises PyTorch's "modified by an inplace
   operation" at backward once x changed, and its gradient after a change recorded on x flows through the change.
3. After a backward pass without retain_graph, a change of it still reaches x.
4. What stays a copy, as PyTorch's: x.tolist(), x[0].item(), x[[0]][0]; and x.data[0] (x.data is a NumPy array here:
   NumPy's copy); pickles and deep copies.
5. A followed element still behaves as a 0-d Value: float(), f"{e:.4f}", item(), comparisons, use as an index, hash.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import autograd_core as ag


def _torch():
    return pytest.importorskip("torch")


def _numbers(values):
    return [v.item() for v in values]


# ----------------------------------------------------------------------------------------------------
# 1. The numbers: (name, fn(L) -> the elements' numbers after each change, as lists).


def _after_each(elements, *changes):
    seen = []
    for change in changes:
        change()
        seen.append(_numbers(elements))
    return seen


def _plain(L):
    x = L.tensor([1.0, 2.0, 3.0])
    return x, [x[0], x[-1], x[1:][0]]


def _of_a_matrix(L):
    x = L.tensor([[1.0, 2.0], [3.0, 4.0]])
    return x, [x[0, 1], x[1][0], x.t()[1][1], x[:, 0][1]]


def _of_a_node(L):  # x in a graph, changed inside no_grad()
    w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 1
    return x, [x[0], x[2]]


FOLLOWS = {
    "add_": lambda L: (lambda x, es: _after_each(es, lambda: x.add_(1), lambda: x.add_(x)))(*_plain(L)),
    "mul_": lambda L: (lambda x, es: _after_each(es, lambda: x.mul_(10)))(*_of_a_matrix(L)),
    "setitem": lambda L: (lambda x, es: _after_each(es, lambda: x.__setitem__(0, 7.0),
                                                    lambda: x.__setitem__(slice(1, None), 9.0)))(*_plain(L)),
    "setitem_of_a_matrix": lambda L: (lambda x, es: _after_each(es, lambda: x.__setitem__((0, 1), -1.0),
                                                                lambda: x.__setitem__(1, 5.0)))(*_of_a_matrix(L)),
    "fill_zero_copy_": lambda L: (lambda x, es: _after_each(es, lambda: x.fill_(4), lambda: x.zero_(),
                                                            lambda: x.copy_(L.tensor([5.0, 6.0, 7.0]))))(*_plain(L)),
    "through_views": lambda L: (lambda x, es: _after_each(es, lambda: x[1:].mul_(2), lambda: x.view(3, 1).sub_(1),
                                                          lambda: x.flip(0).add_(100)))(*_plain(L)),
    "through_a_detach": lambda L: (lambda x, es: _after_each(es, lambda: x.detach().mul_(3)))(*_of_a_matrix(L)),
    "through_another_element": lambda L: (lambda x, es: _after_each(es, lambda: x[2].add_(10), lambda: x[0].fill_(0),
                                                                    lambda: es[2].mul_(5)))(*_plain(L)),
    "through_elements_of_a_row": lambda L: (lambda x, es: _after_each(es, lambda: x[1][0].add_(10),
                                                                      lambda: x[0].zero_()))(*_of_a_matrix(L)),
    "clamp_neg_": lambda L: (lambda x, es: _after_each(es, lambda: x.clamp_(max=2), lambda: x.neg_()))(*_plain(L)),
    "a_node_in_no_grad": lambda L: (lambda x, es: _after_each(es, lambda: _no_grad(L, lambda: x.mul_(2))))(
        *_of_a_node(L)),
    "an_element_of_a_detach": lambda L: (lambda x: _after_each([x.detach()[1]], lambda: x.add_(1)))(
        L.tensor([1.0, 2.0, 3.0])),
    "integers": lambda L: (lambda x: _after_each([x[0], x[2]], lambda: x.add_(5), lambda: x.mul_(-1)))(
        L.tensor([1, 2, 3])),
    "iteration": lambda L: (lambda x: _after_each(list(x), lambda: x.add_(1)))(L.tensor([1.0, 2.0, 3.0])),
    "unbind": lambda L: (lambda x: _after_each(x.unbind(), lambda: x.mul_(3)))(L.tensor([1.0, 2.0, 3.0])),
    "read_inside_no_grad": lambda L: (lambda x: _after_each(_no_grad(L, lambda: [x[0]]), lambda: x.add_(1)))(
        L.tensor([1.0, 2.0])),
    "a_view_of_an_element": lambda L: (lambda x: (lambda e: _after_each([e, e.view(1)[0], e.view(1)],
                                                                        lambda: x.add_(1)))(x[0]))(
        L.tensor([1.0, 2.0])),
}


def _no_grad(L, run):
    with L.no_grad():
        return run()


def _outcome(L, name):
    return [[np.asarray(n).reshape(-1).tolist() for n in step] for step in FOLLOWS[name](L)]


@pytest.mark.parametrize("name", FOLLOWS)
def test_an_element_follows_changes_of_its_array_as_pytorchs(name):
    torch = _torch()
    assert _outcome(ag, name) == _outcome(torch, name)


def test_an_element_follows_changes_of_its_array_by_hand():
    x = ag.tensor([1.0, 2.0, 3.0])
    e = x[0]
    x.add_(1)
    assert e.item() == 2.0
    m = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    e = m[0, 1]
    m.mul_(10)
    assert e.item() == 20.0
    x = ag.tensor([1.0, 2.0, 3.0])
    e = x[1]
    x[1] = 7
    assert e.item() == 7.0 and x[1].item() == 7.0
    e = x[0]
    e.add_(1)  # a change of the element reaches x (already so before elements followed x)
    assert x.tolist() == [2.0, 7.0, 3.0] and e.item() == 2.0
    # x[1:].mul_(2), then x.view(3, 1).sub_(1), then a change of a copy (flip): x[0], x[-1], x[1:][0] each time
    assert _outcome(ag, "through_views") == [[[1.0], [6.0], [4.0]], [[0.0], [5.0], [3.0]], [[0.0], [5.0], [3.0]]]


OPTIMIZERS = {
    "SGD_momentum": lambda optim, ps: optim.SGD(ps, lr=0.5, momentum=0.9),
    "SGD": lambda optim, ps: optim.SGD(ps, lr=0.5),
    "Adam": lambda optim, ps: optim.Adam(ps, lr=0.1),
    "AdamW": lambda optim, ps: optim.AdamW(ps, lr=0.1),
    "RMSprop": lambda optim, ps: optim.RMSprop(ps, lr=0.1),
    "Adagrad": lambda optim, ps: optim.Adagrad(ps, lr=0.1),
    "Adamax": lambda optim, ps: optim.Adamax(ps, lr=0.1),
    "Rprop": lambda optim, ps: optim.Rprop(ps, lr=0.1),
}


def _optimizer_steps(L, name):
    p = L.nn.Parameter(L.tensor([1.0, 2.0, 3.0]))
    first, last = p[0], p[2]  # recorded (p requires grad), as PyTorch's views of p
    with L.no_grad():
        middle = p[1]
    opt = OPTIMIZERS[name](L.optim, [p])
    seen = []
    for _ in range(3):
        opt.zero_grad()
        (p * p * L.tensor([1.0, -2.0, 3.0])).sum().backward()
        opt.step()
        seen.append([first.item(), middle.item(), last.item()])
    return np.array(seen + [p.tolist()])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_an_optimizer_step_moves_the_elements_of_a_parameter_as_pytorchs(name):
    torch = _torch()
    np.testing.assert_allclose(_optimizer_steps(ag, name), _optimizer_steps(torch, name), rtol=1e-5, atol=1e-6)


def test_an_optimizer_step_moves_the_elements_of_a_parameter_by_hand():
    steps = _optimizer_steps(ag, "SGD")  # p <- p - 0.5 * 2 * [1, -2, 3] * p: [0, 3, -2] * p each step
    assert steps[0].tolist() == [0.0, 6.0, -6.0] and (steps[:, 1] == [6.0, 18.0, 54.0, 54.0]).all()


# ----------------------------------------------------------------------------------------------------
# 2. Version counters and gradients in a graph.

def _saved_then_changed(L, change):
    """An element of x = w * 1 saved by a node (f * f), then x changed: the backward pass's outcome."""
    w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 1
    f = x[1]
    g = f * f
    change(L, x, w)
    try:
        g.backward()
    except RuntimeError as error:
        return "RuntimeError", "modified by an inplace operation" in str(error).replace("in-place", "inplace"), f.item()
    return "ok", w.grad.tolist(), f.item()


SAVED_THEN_CHANGED = {
    "mul_": lambda L, x, w: x.mul_(2),
    "setitem": lambda L, x, w: x.__setitem__(0, 5.0),  # another element: the counter is x's, PyTorch raises too
    "add_of_a_view": lambda L, x, w: x[1:].add_(1),
    "no_grad_add_": lambda L, x, w: _no_grad(L, lambda: x.add_(1)),
    "element_changed": lambda L, x, w: x[1].add_(1),
    "no_change": lambda L, x, w: None,
    "change_of_a_clone": lambda L, x, w: x.clone().add_(1),
}


@pytest.mark.parametrize("name", SAVED_THEN_CHANGED)
def test_an_element_saved_by_a_node_then_changed_raises_as_pytorchs(name):
    torch = _torch()
    change = SAVED_THEN_CHANGED[name]
    assert _saved_then_changed(ag, change) == _saved_then_changed(torch, change)


def test_an_element_saved_by_a_node_then_changed_raises_by_hand():
    assert _saved_then_changed(ag, SAVED_THEN_CHANGED["mul_"]) == ("RuntimeError", True, 4.0)
    assert _saved_then_changed(ag, SAVED_THEN_CHANGED["no_change"]) == ("ok", [0.0, 4.0, 0.0], 2.0)
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 1
    e = x[0]
    assert e._version_count == x._version_count == 0
    x.add_(1)
    assert e._version_count == x._version_count == 1


def _gradient_through_a_change(L, change):
    """An element of x = w * 1 read, x changed in place (recorded), then the element used: values and w.grad."""
    w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 1
    e, row = x[1], x[1:]
    f = row[1]
    change(L, x, w)
    (e * 10 + f * 100 + x.sum()).backward()
    return e.item(), f.item(), x.tolist(), w.grad.tolist()


GRADIENT_THROUGH_A_CHANGE = {
    "mul_": lambda L, x, w: x.mul_(2),
    "mul_by_w": lambda L, x, w: x.mul_(w),
    "setitem": lambda L, x, w: x.__setitem__(1, w[0] * 3),
    "copy_": lambda L, x, w: x.copy_(w.flip(0)),
    "element_changed": lambda L, x, w: x[2].mul_(w[2]),
    "zero_": lambda L, x, w: x.zero_(),
}


@pytest.mark.parametrize("name", GRADIENT_THROUGH_A_CHANGE)
def test_the_gradient_of_an_element_flows_through_a_change_of_x_as_pytorchs(name):
    torch = _torch()
    change = GRADIENT_THROUGH_A_CHANGE[name]
    assert _gradient_through_a_change(ag, change) == _gradient_through_a_change(torch, change)


def test_the_gradient_of_an_element_flows_through_a_change_by_hand():
    # x = 2w: e = x[1], f = x[2]; loss = 10 e + 100 f + sum(x): dloss/dw = 2 * [1, 11, 101]
    assert _gradient_through_a_change(ag, GRADIENT_THROUGH_A_CHANGE["mul_"]) == (4.0, 6.0, [2.0, 4.0, 6.0],
                                                                                [2.0, 22.0, 202.0])


def test_an_element_read_before_x_needed_a_gradient_joins_the_graph_as_pytorchs():
    torch = _torch()

    def run(L):
        x = L.tensor([1.0, 2.0, 3.0])
        e = x[2]
        w = L.tensor(2.0, requires_grad=True)
        x.mul_(w)
        e.backward()
        return e.item(), e.requires_grad, w.grad.item()

    assert run(ag) == run(torch) == (6.0, True, 3.0)


# ----------------------------------------------------------------------------------------------------
# 3. After a backward pass without retain_graph.

def _after_backward(L, grad_mode):
    w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 1
    e = x[0]
    (e * 2).backward()
    if grad_mode:
        e.add_(1)
    else:
        with L.no_grad():
            e.add_(1)
    x.mul_(3) if not grad_mode else None
    return x.tolist(), e.item(), w.grad.tolist()


@pytest.mark.parametrize("grad_mode", [False, True])
def test_an_element_changed_after_a_backward_pass_writes_through_as_pytorchs(grad_mode):
    torch = _torch()
    assert _after_backward(ag, grad_mode) == _after_backward(torch, grad_mode)


def test_an_element_changed_after_a_backward_pass_writes_through_by_hand():
    assert _after_backward(ag, False) == ([6.0, 6.0, 9.0], 6.0, [2.0, 0.0, 0.0])
    assert _after_backward(ag, True) == ([2.0, 2.0, 3.0], 2.0, [2.0, 0.0, 0.0])


# ----------------------------------------------------------------------------------------------------
# 4. Copies stay copies.

def _copies(L):
    x = L.tensor([1.0, 2.0, 3.0])
    listed, number, picked = x.tolist(), x[0].item(), x[[0]][0]
    pickled, deep = pickle.loads(pickle.dumps(x[1])), copy.deepcopy(x[1])
    cloned = x[2].clone()
    x.add_(10)
    return listed, number, picked.item(), pickled.item(), deep.item(), cloned.item()


def test_copies_of_elements_stay_as_they_were_as_pytorchs():
    torch = _torch()
    assert _copies(ag) == _copies(torch) == ([1.0, 2.0, 3.0], 1.0, 1.0, 2.0, 2.0, 3.0)


def test_an_element_of_the_numpy_array_is_numpys_copy():
    x = ag.tensor([1.0, 2.0, 3.0])
    number = x.data[0]  # x.data is an ndarray: NumPy's scalar, a copy
    x.add_(1)
    assert number == 1.0
    p = ag.nn.Parameter(ag.tensor([1.0, 2.0]))
    number, element = p.data[1], p[1]
    with ag.no_grad():
        p.mul_(5)
    assert number == 2.0 and element.item() == 10.0


# ----------------------------------------------------------------------------------------------------
# 5. A followed element is still a 0-d Value holding a NumPy scalar.

def test_a_followed_element_behaves_as_a_0d_value():
    x = ag.tensor([1.0, 2.0, 3.0])
    e, i = x[0], ag.tensor([0, 1, 2])[1]
    x.add_(0.5)
    i.add_(1)
    assert isinstance(e.data, np.generic) and e.dtype == ag.float32 and e.shape == ()
    assert float(e) == 1.5 and e.item() == 1.5 and f"{e:.4f}" == "1.5000" and "1.5" in repr(e)
    assert bool(e == 1.5) and bool(e > 1) and ["a", "b", "c"][i] == "c" and int(i) == 2
    assert {e: 1}[e] == 1 and ag.tensor(1.5) not in {e: 1}  # hashed by identity, as PyTorch's


def test_dead_elements_are_forgotten():
    x = ag.tensor([1.0, 2.0, 3.0])
    for _ in range(2000):
        x[0]
    kept = x[1]
    x.add_(1)
    assert len(x._version.elements) <= 300 and kept.item() == 3.0


def test_an_element_follows_a_new_array_its_value_was_given_when_a_change_is_counted():
    # optimizers give a read-only or 0-d parameter a new array, then count the change (mark_changed): an element
    # reads its number out of the array its base holds then (PyTorch's `x.data = ...` would leave its views behind)
    x = ag.tensor([1.0, 2.0, 3.0])
    e = x[1]
    x.data = np.array([5.0, 6.0, 7.0], dtype=np.float32)
    assert e.item() == 2.0
    ag.inplace.mark_changed(x)
    assert e.item() == 6.0 and e.dtype == ag.float32


def _detached_elements(L):
    """detach() of an element: a 0-d Value sharing the element, not x's other elements."""
    out = []
    w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = w * 1
    e = y[0]
    d = e.detach()
    with L.no_grad():
        y.mul_(2)
    out.append((e.item(), d.item()))
    x = L.tensor([1.0, 2.0, 3.0])
    e = x[0]
    d = e.detach()
    x.add_(1)
    out.append((e.item(), d.item()))
    d.add_(10)
    out.append((x.tolist(), e.item()))
    x = L.tensor([1.0, 2.0, 3.0])
    e = x[0]
    d = e.detach()
    x[1:].mul_(2)
    out.append((x.tolist(), e.item(), d.item()))
    w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = w * 1
    e = y[0]
    d = e.detach()
    y.mul_(2)
    (y.sum() + e).backward()
    out.append((w.grad.tolist(), e.item(), d.item()))
    return out


def test_a_detach_of_an_element_shares_that_element_only_as_pytorchs():
    torch = _torch()
    assert _detached_elements(ag) == _detached_elements(torch)


def test_a_detach_of_an_element_shares_that_element_only_by_hand():
    # (a detach() of x[0] wrote its changes into every element of x, and changes through x[1:] into x[0])
    assert _detached_elements(ag)[2:4] == [([12.0, 3.0, 4.0], 12.0), ([1.0, 4.0, 6.0], 1.0, 1.0)]


def _elements_of_a_node_one_set_from_another(L):
    w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = w * 1
    elements = [y[i] for i in range(3)]
    e = y.expand(2, 3)[1, 2]
    t = y.t()[0] if y.ndim == 2 else y[1:][0]
    y[0] = elements[2] * 2  # recorded on y: the elements in use stand for y's new elements
    (elements[0] * 10 + y.sum() + e + t).backward()
    return [v.item() for v in (*elements, e, t)], w.grad.tolist()


def test_elements_of_a_node_follow_a_setitem_from_another_of_them_as_pytorchs():
    torch = _torch()
    assert _elements_of_a_node_one_set_from_another(ag) == _elements_of_a_node_one_set_from_another(torch)


def test_elements_of_a_node_follow_a_setitem_from_another_of_them_by_hand():
    # y[0] = 2 w[2]: loss = 10 y[0] + y.sum() + y[2] + y[1] = 22 w[2] + w[1] + w[2] + w[2] + w[1]
    assert _elements_of_a_node_one_set_from_another(ag) == ([6.0, 2.0, 3.0, 3.0, 2.0], [0.0, 2.0, 24.0])


def _saved_element_with_a_family(L, family, recorded):
    """An element with a view or a detach() taken of it (a 0-d family of its own here), saved by a node, then its
    array changed (recorded in a graph, or in no_grad()): the backward pass's outcome."""
    w = L.tensor(2.0, requires_grad=True)
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1 if recorded else L.tensor([1.0, 2.0, 3.0])
    e = x[0]
    kept = e.view(1) if family == "view" else e.detach()
    g = e * e * w
    if recorded:
        x.mul_(2)
    else:
        with L.no_grad():
            x.add_(1)
    try:
        g.backward()
    except RuntimeError as error:
        return "RuntimeError", "modified by an inplace operation" in str(error).replace("in-place", "inplace")
    return "ok", w.grad.item(), kept.tolist()


@pytest.mark.parametrize("recorded", [True, False])
@pytest.mark.parametrize("family", ["view", "detach"])
def test_an_element_with_views_saved_then_changed_raises_as_pytorchs(family, recorded):
    torch = _torch()
    assert _saved_element_with_a_family(ag, family, recorded) == _saved_element_with_a_family(torch, family, recorded)


def test_an_element_with_views_saved_then_changed_raises_by_hand():
    # (the element's counter, its family's own, did not count a recorded change: the node met the element's new
    # creation number and failed inside the engine); in no_grad(), e * e needs no gradient: nothing saved e
    for family in ("view", "detach"):
        assert _saved_element_with_a_family(ag, family, True) == ("RuntimeError", True)
        assert _saved_element_with_a_family(ag, family, False) == ("ok", 1.0, [2.0] if family == "view" else 2.0)
