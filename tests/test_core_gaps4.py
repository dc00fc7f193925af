"""Gaps of the in-place and view machinery, each against PyTorch 2.13 where it is installed:

1. An in-place change with an operand that requires grad through a view of a detach() (`x.detach()[1:].mul_(w)`)
   makes the detach() a node of the graph (PyTorch's CopySlices) and leaves x alone, a leaf; a view of a leaf marked
   for gradients after the view was taken, or taken inside no_grad(), refuses the change as PyTorch's does.
2. Writes through a view of an expand() (`x.expand(2, 3)[0].add_(1)`, `e[:, 1:]`, `e.diagonal()`, `e[0][1] = v`)
   reach the Value expanded when the elements written are distinct memory, and raise PyTorch's error when they are
   not; fill_ and zero_, which write one number, go through either way, as PyTorch's.
4. The gradient of a complex -> real cast reaching a complex input: PyTorch's r + 0j, the zero imaginary part
   positive (np.signbit), where the conjugate the backward pass carries used to leave r - 0j.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag


def _torch():
    return pytest.importorskip("torch")


def _numpy(t):
    """A tensor's or a Value's numbers (its .grad's too) as an ndarray."""
    return np.asarray(t.detach().numpy() if hasattr(t, "numpy") and not isinstance(t, np.ndarray) else t)


# ----------------------------------------------------------------------------------------------------
# 4. A complex -> real cast's gradient: (name, fn(lib, x)) for a complex x.

COMPLEX_TO_REAL = {
    "to_float64": lambda L, x: x.to(L.float64),
    "to_float32_times_2": lambda L, x: x.to(L.float32) * 2,
    "float": lambda L, x: x.float(),
    "double": lambda L, x: x.double(),
    "real": lambda L, x: x.real,
    "abs": lambda L, x: x.abs(),
}


def _cast_gradient(L, name):
    x = L.tensor([1 + 2j, -3 - 0.5j], requires_grad=True)
    COMPLEX_TO_REAL[name](L, x).sum().backward()
    g = _numpy(x.grad)
    return g.tolist(), np.signbit(g.imag).tolist(), str(g.dtype)


@pytest.mark.filterwarnings("ignore:Casting complex values to real")
@pytest.mark.parametrize("name", COMPLEX_TO_REAL)
def test_complex_to_real_cast_gradient_matches_pytorch(name):
    torch = _torch()
    ours, theirs = _cast_gradient(ag, name), _cast_gradient(torch, name)
    assert ours[1:] == theirs[1:]
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)


@pytest.mark.filterwarnings("ignore:Casting complex values to real")
def test_complex_to_real_cast_gradient_is_real_part_with_positive_zero():
    x = ag.tensor([1 + 2j], requires_grad=True)
    x.to(ag.float64).sum().backward()
    assert x.grad.tolist() == [1 + 0j] and not np.signbit(np.asarray(x.grad).imag).any()
    x = ag.tensor([1 + 2j], requires_grad=True)
    (gx,) = ag.autograd.grad(x.to(ag.float64).sum(), x, create_graph=True)
    assert not np.signbit(np.asarray(gx.data).imag).any()
    seen = []
    x = ag.tensor([1 + 2j], requires_grad=True)
    y = x.conj_physical() * 1
    y.register_hook(lambda g: seen.append(np.signbit(np.asarray(g).imag).tolist()))
    (3 * y.to(ag.float64)).sum().backward()
    assert seen == [[False]]


# ----------------------------------------------------------------------------------------------------
# 2. Writes through views of an expand(): (name, fn(lib) -> the Value expanded, after the write).

def _expanded(L, shape=(3,), **kwargs):
    return L.zeros(*shape, **kwargs)


EXPAND_VIEW_WRITES = {
    "row_add_": lambda L: (lambda x: (x.expand(2, 3)[0].add_(1), x)[1])(_expanded(L)),
    "row_copy_": lambda L: (lambda x: (x.expand(2, 3)[1].copy_(L.tensor([1.0, 2.0, 3.0])), x)[1])(_expanded(L)),
    "row_fill_": lambda L: (lambda x: (x.expand(2, 3)[0].fill_(5), x)[1])(_expanded(L)),
    "row_slice_chain": lambda L: (lambda x: (x.expand(2, 3)[0, 1:].mul_(3).add_(1), x)[1])(_expanded(L)),
    "row_masked_fill_": lambda L: (lambda x: (x.expand(2, 3)[0].masked_fill_(L.tensor([True, False, True]), 7.0),
                                              x)[1])(_expanded(L)),
    "row_setitem": lambda L: (lambda x: (x.expand(2, 3)[0].__setitem__(1, 4.0), x)[1])(_expanded(L)),
    "select_add_": lambda L: (lambda x: (x.expand(2, 3).select(0, 1).add_(1), x)[1])(_expanded(L)),
    "diagonal_add_": lambda L: (lambda x: (x.expand(3, 3).diagonal().add_(L.tensor([1.0, 2.0, 3.0])), x)[1])(
        _expanded(L)),
    "integers": lambda L: (lambda x: (x.expand(2, 3)[0].add_(2), x)[1])(_expanded(L, dtype=L.int64)),
    # elements written that are one memory location: PyTorch's error, except for fill_ and zero_
    "column_add_": lambda L: (lambda x: (x.expand(2, 3)[:, 1].add_(1), x)[1])(_expanded(L)),
    "transpose_row_add_": lambda L: (lambda x: (x.expand(2, 3).t()[0].add_(1), x)[1])(_expanded(L)),
    "expand_of_column_row": lambda L: (lambda x: (x.expand(2, 3)[0].add_(1), x)[1])(_expanded(L, (2, 1))),
    "whole_mul_": lambda L: (lambda x: (x.expand(2, 3).mul_(2), x)[1])(_expanded(L)),
    "whole_fill_": lambda L: (lambda x: (x.expand(2, 3).fill_(2), x)[1])(_expanded(L)),
    "whole_zero_": lambda L: (lambda x: (x.add_(1).expand(4, 3).zero_(), x)[1])(_expanded(L)),
    "unfold_fill_": lambda L: (lambda x: (x.expand(4, 4).unfold(1, 2, 2).fill_(1.0), x)[1])(_expanded(L, (1, 4))),
    "column_setitem": lambda L: (lambda x: (x.expand(2, 3)[:, 0].__setitem__(slice(None), 5.0), x)[1])(
        _expanded(L)),
}


def _expand_view_write_outcome(L, name):
    try:
        return "ok", EXPAND_VIEW_WRITES[name](L).tolist()
    except RuntimeError as error:
        return "RuntimeError", "more than one element of the written-to" in str(error)


@pytest.mark.parametrize("name", EXPAND_VIEW_WRITES)
def test_writes_through_views_of_an_expand_match_pytorch(name):
    torch = _torch()
    assert _expand_view_write_outcome(ag, name) == _expand_view_write_outcome(torch, name)


def test_writes_through_views_of_an_expand_without_pytorch():
    x = ag.zeros(3)
    e = x.expand(2, 3)
    e[0].add_(1)
    assert x.tolist() == [1.0, 1.0, 1.0] and e.tolist() == [[1.0] * 3] * 2
    e[1][2] = 4.0  # an assignment into a row of the expand
    assert x.tolist() == [1.0, 1.0, 4.0]
    e.zero_()
    assert x.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="add_: unsupported operation: more than one element of the written-to"):
        e[:, 0].add_(1)
    assert x.tolist() == [0.0, 0.0, 0.0]


def _expand_view_write_in_a_graph(L):
    a = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = a * 1
    y.expand(2, 3)[0].mul_(L.tensor([2.0, 3.0, 4.0]))
    (y * L.tensor([1.0, 10.0, 100.0])).sum().backward()
    x = L.zeros(3)
    w = L.tensor(2.0, requires_grad=True)
    x.expand(2, 3)[1].add_(w)  # x joins the graph
    (x * L.tensor([1.0, 10.0, 100.0])).sum().backward()
    return y.tolist(), a.grad.tolist(), x.tolist(), x.requires_grad, w.grad.item()


def test_writes_through_views_of_an_expand_in_a_graph_match_pytorch():
    torch = _torch()
    assert _expand_view_write_in_a_graph(ag) == _expand_view_write_in_a_graph(torch)


def test_writes_through_views_of_an_expand_in_a_graph_by_hand():
    # y = a * [2, 3, 4] elementwise, loss = sum(y * [1, 10, 100]): dloss/da = [2, 30, 400]; x = w everywhere
    assert _expand_view_write_in_a_graph(ag) == ([2.0, 6.0, 12.0], [2.0, 30.0, 400.0], [2.0, 2.0, 2.0], True, 111.0)


# ----------------------------------------------------------------------------------------------------
# 1. Changes through views of detach()es: (name, fn(lib, w, xd)) changing a view of xd, a detach() of [1, 2, 3].

def _source(L, graph):
    a = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    return a * 1 if graph else a


DETACHED_VIEW_CHANGES = {
    "mul_": lambda L, w, xd: xd[1:].mul_(w),
    "add_": lambda L, w, xd: xd[1:].add_(w),
    "copy_": lambda L, w, xd: xd[1:].copy_(w.expand(2)),
    "masked_fill_": lambda L, w, xd: xd[1:].masked_fill_(L.tensor([True, False]), w),
    "index_put_": lambda L, w, xd: xd[1:].index_put_((L.tensor([1]),), w.reshape(1)),
    "setitem": lambda L, w, xd: xd[1:].__setitem__(0, w),
    "view_of_view": lambda L, w, xd: xd.view(3, 1)[1:].add_(w),
    "transpose_row": lambda L, w, xd: xd.view(1, 3).t()[2].mul_(w),
}


def _detached_view_change(L, name, graph):
    w = L.tensor(2.0, requires_grad=True)
    x = _source(L, graph)
    xd = x.detach()
    DETACHED_VIEW_CHANGES[name](L, w, xd)
    seen = (x.is_leaf, x.grad_fn is None, xd.grad_fn is None, xd.requires_grad, x.tolist(), xd.tolist())
    (xd * L.tensor([1.0, 10.0, 100.0])).sum().backward()
    base = x if x.is_leaf else None
    return seen, w.grad.item(), None if base is None else base.grad


@pytest.mark.parametrize("graph", [False, True], ids=["leaf", "node"])
@pytest.mark.parametrize("name", DETACHED_VIEW_CHANGES)
def test_changes_through_views_of_a_detach_match_pytorch(name, graph):
    torch = _torch()
    assert _detached_view_change(ag, name, graph) == _detached_view_change(torch, name, graph)


def test_change_through_a_view_of_a_detach_reaches_the_operand_only():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = ag.tensor(2.0, requires_grad=True)
    xd = x.detach()
    xd[1:].mul_(w)
    assert x.is_leaf and x.grad_fn is None and xd.grad_fn is not None
    assert x.tolist() == xd.tolist() == [1.0, 4.0, 6.0]
    (xd * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert w.grad.item() == 2.0 * 10 + 3.0 * 100  # d(10·2w + 100·3w)/dw
    assert x.grad is None


def _detach_aliases(L, view_of_detach):
    a = L.zeros(3)
    w = L.tensor(2.0, requires_grad=True)
    if view_of_detach:
        ad = a.detach()
        view = ad[1:]
    else:
        view = a[1:]
        ad = a.detach()
    view.add_(w)
    return a.grad_fn is None, ad.grad_fn is None, a.tolist()


@pytest.mark.parametrize("view_of_detach", [False, True], ids=["view_then_detach", "detach_then_view"])
def test_the_base_of_a_view_among_aliases_matches_pytorch(view_of_detach):
    torch = _torch()
    assert _detach_aliases(ag, view_of_detach) == _detach_aliases(torch, view_of_detach)


def test_the_base_of_a_view_among_aliases_without_pytorch():
    assert _detach_aliases(ag, False) == (False, True, [0.0, 2.0, 2.0])
    assert _detach_aliases(ag, True) == (True, False, [0.0, 2.0, 2.0])


def _view_of_marked_leaf(L, how, operand):
    x = L.tensor([1.0, 2.0, 3.0]) if how == "marked_after" else L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    if how == "marked_after":
        view = x[1:]
        x.requires_grad_()
    else:
        with L.no_grad():
            view = x[1:]
    try:
        view.mul_(L.tensor(2.0, requires_grad=True) if operand else 2.0)
    except RuntimeError as error:
        return "no_grad mode" in str(error), "view of a leaf" in str(error), x.tolist()
    return "ok", x.tolist()


@pytest.mark.parametrize("operand", [False, True], ids=["number", "requires_grad"])
@pytest.mark.parametrize("how", ["marked_after", "viewed_in_no_grad"])
def test_changes_through_views_of_marked_leaves_raise_as_pytorch(how, operand):
    torch = _torch()
    assert _view_of_marked_leaf(ag, how, operand) == _view_of_marked_leaf(torch, how, operand)


def test_changes_through_views_of_marked_leaves_raise_without_pytorch():
    assert _view_of_marked_leaf(ag, "marked_after", False) == (False, True, [1.0, 2.0, 3.0])
    assert _view_of_marked_leaf(ag, "viewed_in_no_grad", True) == (True, False, [1.0, 2.0, 3.0])
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with ag.no_grad():
        view = x[1:]
        view.mul_(2)  # inside no_grad(): a plain change
    assert x.tolist() == [1.0, 4.0, 6.0] and x.is_leaf
