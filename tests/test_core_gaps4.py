"""Gaps of the in-place and view machinery, each against PyTorch 2.13 where it is installed:

1. An in-place change with an operand that requires grad through a view of a detach() (`x.detach()[1:].mul_(w)`)
   makes the detach() a node of the graph (PyTorch's CopySlices) and leaves x alone, a leaf; a view of a leaf marked
   for gradients after the view was taken, or taken inside no_grad(), refuses the change as PyTorch's does.
2. Writes through a view of an expand() (`x.expand(2, 3)[0].add_(1)`, `e[:, 1:]`, `e.diagonal()`, `e[0][1] = v`)
   reach the Value expanded when the elements written are distinct memory, and raise PyTorch's error when they are
   not; fill_ and zero_, which write one number, go through either way, as PyTorch's.
3. In-place changes through views of a 0-d Value (`y.view(())`, `y[()]`, `y.reshape(())`, `y.view(1)`, `y.view(1, 1)`,
   `y.squeeze()`, `y.unsqueeze(0)`, `y[None]`, `y.expand(1)`, views of those) change y, its other views and its
   detach()es, and are recorded as PyTorch records them (y = 6 and x.grad = 3 after `y.view(()).mul_(3)` on y = x * 1).
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
    # repeat is a copy (here a reshape of a broadcast view): a write into it leaves x alone
    "repeat_setitem": lambda L: (lambda x: (x.unsqueeze(0).repeat(2, 1).__setitem__((slice(None), 1), 5.0), x)[1])(
        _expanded(L)),
    "repeat_add_": lambda L: (lambda x: (x.repeat(2).add_(1), x)[1])(_expanded(L)),
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


def _detach_aliases(L, how):
    # a and its detach() share one array: the base of an untracked view is the one it was taken from
    a = L.zeros(3)
    w = L.tensor(2.0, requires_grad=True)
    if how == "view_then_detach":
        view = a[1:]
        ad = a.detach()
    elif how == "detach_then_view":
        ad = a.detach()
        view = ad[1:]
    elif how == "detach_then_view_of_original":
        ad = a.detach()
        view = a[1:]
    elif how == "view_of_a_view_of_the_detach":
        ad = a.detach()
        view = ad[1:][:1]
    else:  # a view of a view of the original, with a detach() made between the two
        first = a[1:]
        ad = a.detach()
        view = first[:1]
    view.add_(w)
    return a.grad_fn is None, ad.grad_fn is None, a.tolist()


ALIASES = {"view_then_detach": (False, True, [0.0, 2.0, 2.0]), "detach_then_view": (True, False, [0.0, 2.0, 2.0]),
           "detach_then_view_of_original": (False, True, [0.0, 2.0, 2.0]),
           "view_of_a_view_of_the_detach": (True, False, [0.0, 2.0, 0.0]),
           "view_of_a_view_of_the_original": (False, True, [0.0, 2.0, 0.0])}


@pytest.mark.parametrize("how", sorted(ALIASES))
def test_the_base_of_a_view_among_aliases_matches_pytorch(how):
    torch = _torch()
    assert _detach_aliases(ag, how) == _detach_aliases(torch, how)


@pytest.mark.parametrize("how", sorted(ALIASES))
def test_the_base_of_a_view_among_aliases_without_pytorch(how):
    assert _detach_aliases(ag, how) == ALIASES[how]


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


# ----------------------------------------------------------------------------------------------------
# 3. Views of 0-d Values: (name, fn(y)) views of a 0-d y, changed by (name, fn(view, lib)).

ZERO_D_VIEWS = {
    "view_0d": lambda y: y.view(()),
    "index_empty": lambda y: y[()],
    "reshape_0d": lambda y: y.reshape(()),
    "view_1": lambda y: y.view(1),
    "view_1_1": lambda y: y.view(1, 1),
    "squeeze": lambda y: y.squeeze(),
    "unsqueeze": lambda y: y.unsqueeze(0),
    "none_index": lambda y: y[None],
    "ellipsis": lambda y: y[...],
    "flatten": lambda y: y.flatten(),
    "expand_1": lambda y: y.expand(1),
    "expand_3": lambda y: y.expand(3),  # three elements, one memory location: PyTorch's error (fill_ aside)
    "view_of_view_1": lambda y: y.view(1).view(()),
    "view_1_of_view_1": lambda y: y.view(1).view(1, 1),  # a view of the array of a view that is gone
    "element_of_view_1": lambda y: y.view(1)[0],
}

ZERO_D_CHANGES = {
    "add_": lambda v, L: v.add_(1),
    "mul_": lambda v, L: v.mul_(3),
    "copy_": lambda v, L: v.copy_(L.tensor(7.0)),
    "fill_": lambda v, L: v.fill_(5),
    "zero_": lambda v, L: v.zero_(),
    "mul_requires_grad": lambda v, L: v.mul_(L.tensor(3.0, requires_grad=True)),
}


def _zero_d_view_change(L, view, change, graph):
    x = L.tensor(2.0, requires_grad=True)
    y = x * 1 if graph else L.tensor(2.0)
    v = ZERO_D_VIEWS[view](y)
    other = y.view(1)  # another view, which must follow
    try:
        ZERO_D_CHANGES[change](v, L)
        outcome = [y.item(), v.tolist(), other.tolist(), y.requires_grad]
        if y.requires_grad:
            (y * 1).backward()
            outcome.append(None if x.grad is None else x.grad.item())
    except RuntimeError as error:  # (PyTorch's fill_ of expand(3) in a graph raises at backward, ours at the change)
        return "RuntimeError", "more than one element of the written-to" in str(error)
    return outcome


@pytest.mark.parametrize("graph", [False, True], ids=["plain", "graph"])
@pytest.mark.parametrize("change", ZERO_D_CHANGES)
@pytest.mark.parametrize("view", ZERO_D_VIEWS)
def test_changes_through_views_of_a_0d_value_match_pytorch(view, change, graph):
    torch = _torch()
    assert _zero_d_view_change(ag, view, change, graph) == _zero_d_view_change(torch, view, change, graph)


@pytest.mark.parametrize("view", [name for name in ZERO_D_VIEWS if name != "expand_3"])
def test_changes_through_views_of_a_0d_value_by_hand(view):
    # y = x * 1 = 2; y.view(...).mul_(3) makes y = 3x: 6, dy/dx = 3; add_ keeps dy/dx = 1, fill_ makes it 0
    assert _zero_d_view_change(ag, view, "mul_", True) == [6.0, _nested(view, 6.0), [6.0], True, 3.0]
    assert _zero_d_view_change(ag, view, "add_", True) == [3.0, _nested(view, 3.0), [3.0], True, 1.0]
    assert _zero_d_view_change(ag, view, "fill_", True) == [5.0, _nested(view, 5.0), [5.0], True, 0.0]
    assert _zero_d_view_change(ag, view, "mul_requires_grad", False)[:4] == [6.0, _nested(view, 6.0), [6.0], True]
    assert _zero_d_view_change(ag, "expand_3", "mul_", True) == ("RuntimeError", True)


def _nested(view, number):
    """`number` in the shape of the view ZERO_D_VIEWS[view] of a 0-d Value, as tolist() gives it."""
    return np.full(ZERO_D_VIEWS[view](ag.tensor(0.0)).shape, number).tolist()


def test_the_0d_example_by_hand():
    x = ag.tensor(2.0, requires_grad=True)
    y = x * 1
    v = y.view(())
    v.mul_(3)
    y.backward()
    assert y.item() == 6.0 and v.item() == 6.0 and x.grad.item() == 3.0


def _y_changes(L):  # a change of y reaches its views and detach()es
    y = L.tensor(2.0)
    views = y.view(1), y[None], y.expand(2, 2), y.detach()
    y.mul_(3)
    return [v.tolist() for v in views]


def _detach_changes_node(L):  # a detach() of a node of a graph changes the node's number, not its graph
    y = L.tensor(2.0, requires_grad=True) * 1
    d, v = y.detach(), y.view(1)
    d.add_(1)
    return y.item(), v.tolist(), y.grad_fn is None, d.grad_fn is None


def _version_counts(L):  # one counter for y, its views and its detach()es
    y = L.tensor(2.0)
    v, d = y.view(1), y.detach()
    v.add_(1)
    d.add_(1)
    return [_count(L, t) for t in (y, v, d)], y.item()


def _element_of_expand(L):
    x = L.tensor(0.0)
    x.expand(2, 3)[0, 1].add_(1)
    return x.item()


def _complex(L):
    y = L.tensor(1 + 2j)
    y.view(1).mul_(1j)
    return y.item()


def _integers(L):
    y = L.tensor(3)
    y.view(1).add_(2)
    return y.item()


ZERO_D_FAMILIES = {f.__name__[1:]: f for f in (_y_changes, _detach_changes_node, _version_counts, _element_of_expand,
                                                _complex, _integers)}


def _count(L, t):
    return t._version if L.__name__ == "torch" else t._version_count


def _zero_d_family(L, name):
    try:
        return ZERO_D_FAMILIES[name](L)
    except RuntimeError as error:
        return "RuntimeError", str(error)[:20]


@pytest.mark.parametrize("name", ZERO_D_FAMILIES)
def test_0d_families_match_pytorch(name):
    torch = _torch()
    assert _zero_d_family(ag, name) == _zero_d_family(torch, name)


def test_0d_families_by_hand():
    assert _y_changes(ag) == [[6.0], [6.0], [[6.0, 6.0], [6.0, 6.0]], 6.0]
    assert _detach_changes_node(ag) == (3.0, [3.0], False, True)
    assert _version_counts(ag) == ([2, 2, 2], 4.0)
    assert _element_of_expand(ag) == 1.0
    assert _complex(ag) == -2 + 1j and _integers(ag) == 5


def _zero_d_graph(L):
    x = L.tensor(2.0, requires_grad=True)
    y = x * x
    a = y.view(1)
    b = y.unsqueeze(0).unsqueeze(0)
    a.mul_(3)  # y = 3x²
    b.add_(1)  # y = 3x² + 1
    y.backward()
    first = (y.item(), a.tolist(), b.tolist(), x.grad.item())
    x = L.tensor(2.0, requires_grad=True)
    xd = x.detach()
    w = L.tensor(3.0, requires_grad=True)
    xd.view(1).mul_(w)  # the detach() joins the graph; x stays a leaf with x's number changed
    xd.backward()
    second = (x.item(), xd.item(), x.is_leaf, xd.grad_fn is None, w.grad.item(), x.grad)
    x = L.tensor(2.0, requires_grad=True)
    y = x * 1
    w = L.tensor(5.0, requires_grad=True)
    y.view(1)[0] = w
    y.backward()
    return first, second, (y.item(), w.grad.item(), x.grad.item())


def test_0d_views_in_a_graph_match_pytorch():
    torch = _torch()
    assert _zero_d_graph(ag) == _zero_d_graph(torch)


def test_0d_views_in_a_graph_by_hand():
    # y = 3x² + 1 at x = 2: 13, dy/dx = 6x = 12; xd = 2w: d/dw = 2; y = w: dy/dw = 1, dy/dx = 0
    assert _zero_d_graph(ag) == ((13.0, [13.0], [[13.0]], 12.0), (6.0, 6.0, True, False, 2.0, None), (5.0, 1.0, 0.0))


def _zero_d_refusals(L, how):
    x = L.tensor(2.0, requires_grad=True) if how != "marked_after" else L.tensor(2.0)
    if how == "leaf":
        view = x.view(1)
    elif how == "marked_after":
        view = x.view(1)
        x.requires_grad_()
    else:
        with L.no_grad():
            view = x.view(1)
    try:
        view.mul_(2)
    except RuntimeError as error:
        return "no_grad mode" in str(error), "view of a leaf" in str(error), x.item()
    return "ok", x.item()


@pytest.mark.parametrize("how", ["leaf", "marked_after", "viewed_in_no_grad"])
def test_changes_through_views_of_a_0d_leaf_raise_as_pytorch(how):
    torch = _torch()
    assert _zero_d_refusals(ag, how) == _zero_d_refusals(torch, how)


def test_changes_through_views_of_a_0d_leaf_raise_without_pytorch():
    assert _zero_d_refusals(ag, "leaf") == (False, True, 2.0)
    assert _zero_d_refusals(ag, "marked_after") == (False, True, 2.0)
    assert _zero_d_refusals(ag, "viewed_in_no_grad") == (True, False, 2.0)
