"""More gaps of the in-place and view machinery, each against PyTorch 2.13 where it is installed:

1. One element read out of an array (`x[0]`, `x[0, 1]`, `x[1][0]`, `x[-1]`: PyTorch's 0-d view, a NumPy scalar here)
   changed in place (add_, mul_, fill_, zero_, copy_, `+=`) writes into x, which its other views and detach()es see,
   and bumps x's version counter; in a graph the change is recorded on x (PyTorch's CopySlices: x.grad and w.grad as
   PyTorch's), and an element of a leaf that requires grad refuses, as PyTorch's view of a leaf does.
2. A reshape (view, flatten, squeeze, unsqueeze, t, permute) of an expand() that NumPy can express as a view is one:
   an in-place change of it writes through to the Value expanded (`x.expand(1, 3).reshape(3).add_(1)` changes x), and
   raises PyTorch's error where its elements share memory (`x.expand(2, 3).reshape(2, 3, 1).add_(1)`), fill_ going
   through either way; a reshape NumPy must copy (`x.expand(2, 3).reshape(6)`), and repeat(), stay copies.
3. The outputs of split, chunk, split_with_sizes and unbind (functions that return several views), and views of them,
   refuse an in-place change that would be recorded in a graph with PyTorch's words ("Output 0 of Unbind is a view
   and is being modified inplace. This view is the output of a function that returns multiple views. ..."); inside
   no_grad(), or where nothing needs a gradient, the change goes through to the input; tensor_split's and the
   unsafe_ spellings' outputs change freely.
4. fill_ and zero_ through an expand() in a graph (`x.expand(3).fill_(1)`, x = w * 1, 0-d or not) change x, and a
   backward pass through the change raises PyTorch's overlap error, while graphs recorded before it differentiate.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from probe_helpers import error_named


def _torch():
    return pytest.importorskip("torch")


def _outcome(run):
    """("ok", x.tolist()) for what run() returns, or ("RuntimeError", whether it is the overlap error)."""
    try:
        return "ok", run().tolist()
    except RuntimeError as error:
        return "RuntimeError", "more than one element of the written-to" in str(error)


# ----------------------------------------------------------------------------------------------------
# 2. Reshapes of an expand(): (name, fn(lib, x) changing a reshape of an expand of x = [1, 2, 3] in place).

RESHAPED_EXPAND_WRITES = {
    "reshape": lambda L, x: x.expand(1, 3).reshape(3).add_(1),
    "reshape_2d": lambda L, x: x.expand(1, 3).reshape(3, 1).mul_(2),
    "view": lambda L, x: x.expand(1, 3).view(3).add_(1),
    "view_minus_one": lambda L, x: x.expand(1, 3).view(-1).sub_(1),
    "flatten": lambda L, x: x.expand(1, 3).flatten().add_(1),
    "squeeze": lambda L, x: x.expand(1, 3).squeeze(0).add_(1),
    "unsqueeze": lambda L, x: x.expand(1, 3).unsqueeze(0).add_(1),
    "t": lambda L, x: x.expand(1, 3).t().add_(1),
    "permute": lambda L, x: x.expand(1, 3).permute(1, 0).add_(1),
    "reshape_then_setitem": lambda L, x: x.expand(1, 3).reshape(3).__setitem__(1, 9.0),
    "reshape_then_copy_": lambda L, x: x.expand(1, 3).reshape(3).copy_(L.tensor([4.0, 5.0, 6.0])),
    "reshape_of_element_rows": lambda L, x: x.expand(2, 3)[1].reshape(1, 3).add_(1),
    # elements that share memory: PyTorch's error (fill_ goes through)
    "overlapping_view": lambda L, x: x.expand(2, 3).view(2, 3, 1).add_(1),
    "overlapping_reshape": lambda L, x: x.expand(2, 3).reshape(2, 3, 1).mul_(2),
    "overlapping_fill_": lambda L, x: x.expand(2, 3).view(2, 3, 1).fill_(1),
    # copies: x stays as it is
    "reshape_copies": lambda L, x: x.expand(2, 3).reshape(6).add_(1),
    "flatten_copies": lambda L, x: x.expand(2, 3).flatten().add_(1),
    "repeat": lambda L, x: x.unsqueeze(0).repeat(2, 1).add_(1),
    "repeat_setitem": lambda L, x: x.unsqueeze(0).repeat(1, 1).__setitem__((0, 0), 9.0),
}


def _reshaped_expand_write(L, name):
    x = L.tensor([1.0, 2.0, 3.0])

    def run():
        RESHAPED_EXPAND_WRITES[name](L, x)
        return x

    return _outcome(run)


@pytest.mark.parametrize("name", RESHAPED_EXPAND_WRITES)
def test_writes_through_reshapes_of_an_expand_match_pytorch(name):
    torch = _torch()
    assert _reshaped_expand_write(ag, name) == _reshaped_expand_write(torch, name)


def test_writes_through_reshapes_of_an_expand_without_pytorch():
    assert _reshaped_expand_write(ag, "reshape") == ("ok", [2.0, 3.0, 4.0])
    assert _reshaped_expand_write(ag, "reshape_then_setitem") == ("ok", [1.0, 9.0, 3.0])
    assert _reshaped_expand_write(ag, "overlapping_view") == ("RuntimeError", True)
    assert _reshaped_expand_write(ag, "overlapping_fill_") == ("ok", [1.0, 1.0, 1.0])
    assert _reshaped_expand_write(ag, "reshape_copies") == ("ok", [1.0, 2.0, 3.0])
    assert _reshaped_expand_write(ag, "repeat") == ("ok", [1.0, 2.0, 3.0])
    x = ag.tensor([1.0, 2.0, 3.0])
    y = x.expand(1, 3).reshape(3)
    y.add_(1)
    assert y.tolist() == [2.0, 3.0, 4.0] and x._version_count == y._version_count == 1


def _reshaped_expand_in_a_graph(L):
    w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 1
    y = x.expand(1, 3).reshape(3)
    y.mul_(L.tensor([2.0, 3.0, 4.0]))
    (x * L.tensor([1.0, 10.0, 100.0])).sum().backward()
    return x.tolist(), y.tolist(), w.grad.tolist()


def test_reshape_of_an_expand_in_a_graph_matches_pytorch():
    torch = _torch()
    assert _reshaped_expand_in_a_graph(ag) == _reshaped_expand_in_a_graph(torch)


def test_reshape_of_an_expand_in_a_graph_by_hand():
    # x = w * [2, 3, 4], loss = sum(x * [1, 10, 100]): dloss/dw = [2, 30, 400]
    assert _reshaped_expand_in_a_graph(ag) == ([2.0, 6.0, 12.0], [2.0, 6.0, 12.0], [2.0, 30.0, 400.0])


# ----------------------------------------------------------------------------------------------------
# 1. One element read out of an array, changed in place: (name, fn(lib, x) for x = [[1, 2, 3], [4, 5, 6]]).

ELEMENT_CHANGES = {
    "add_": lambda L, x: x[0, 1].add_(1),
    "mul_": lambda L, x: x[1, 2].mul_(2),
    "fill_": lambda L, x: x[0, 0].fill_(5),
    "zero_": lambda L, x: x[1, 0].zero_(),
    "copy_": lambda L, x: x[-1, -1].copy_(L.tensor(7.0)),
    "sub_alpha": lambda L, x: x[0, 2].sub_(1, alpha=2),
    "clamp_": lambda L, x: x[1, 1].clamp_(max=0),
    "chain": lambda L, x: x[0][1].add_(1),
    "chain_of_row_view": lambda L, x: x[1:][0][2].mul_(3),
    "column_element": lambda L, x: x[:, 1][1].add_(10),
    "transpose_element": lambda L, x: x.t()[2][0].add_(10),
    "method_chain": lambda L, x: x[0, 0].add_(1).mul_(3),
    "operator": lambda L, x: x[1, 1].__iadd__(2),
    "setitem_of_element": lambda L, x: (lambda e: (e.__setitem__((), 9.0), e)[1])(x[0, 1]),
    "unbind_of_row": lambda L, x: x[1].unbind()[2].add_(1),
    "element_of_expand": lambda L, x: x[0].expand(2, 3)[1, 2].add_(1),
    # views of an element (a 0-d family here: scalar_aliases.py)
    "view_of_element": lambda L, x: x[0, 1].view(1).add_(1),
    "unsqueeze_of_element": lambda L, x: x[1, 2].unsqueeze(0).mul_(5),
    "empty_index_of_element": lambda L, x: x[1, 0][()].sub_(1),
    "element_changed_then_its_view": lambda L, x: (lambda e: (e.add_(1), e.view(1).add_(1), x[0, 0])[2])(x[0, 0]),
}


def _element_change(L, name):
    x = L.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    row, detached = x[1], x.detach()
    element = ELEMENT_CHANGES[name](L, x)
    return (x.tolist(), row.tolist(), detached.tolist(), element.tolist(), _version(L, x), _version(L, element),
            _version(L, detached))


def _version(L, v):
    return v._version if L.__name__ == "torch" else v._version_count


@pytest.mark.parametrize("name", ELEMENT_CHANGES)
def test_a_change_of_one_element_reaches_the_array_as_pytorchs(name):
    torch = _torch()
    assert _element_change(ag, name) == _element_change(torch, name)


def test_a_change_of_one_element_reaches_the_array_without_pytorch():
    x = ag.tensor([1.0, 2.0, 3.0])
    d = x.detach()
    x[0].add_(1)
    assert x.tolist() == [2.0, 2.0, 3.0] and d.tolist() == [2.0, 2.0, 3.0] and x._version_count == 1
    x[1].mul_(2)
    x[0].fill_(5)
    x[2].zero_()
    assert x.tolist() == [5.0, 4.0, 0.0] and x._version_count == d._version_count == 4
    e = x[-1]
    assert e.copy_(ag.tensor(7.0)).item() == 7.0 and x.tolist() == [5.0, 4.0, 7.0]
    m = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    m[0, 1].add_(1)
    m[1][0].mul_(2)
    assert m.tolist() == [[1.0, 3.0], [6.0, 4.0]]
    picked = x[[2]][0]  # an element of a copy (an index array): x is left alone, as PyTorch's
    picked.add_(1)
    assert x.tolist() == [5.0, 4.0, 7.0] and picked.item() == 8.0
    with ag.no_grad():  # an element of a leaf that requires grad, inside no_grad(): the leaf changes
        w = ag.tensor([1.0, 2.0], requires_grad=True)
        w[1].mul_(3)
    assert w.tolist() == [1.0, 6.0] and w.is_leaf


def _element_change_in_a_graph(L, name):
    w = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = w * 1
    element = ELEMENT_CHANGES_IN_A_GRAPH[name](L, w, x)
    (x * x * L.tensor([[1.0, 10.0], [100.0, 1000.0]])).sum().backward()
    return x.tolist(), element.tolist(), w.grad.tolist(), _version(L, x) == _version(L, element)


ELEMENT_CHANGES_IN_A_GRAPH = {
    "mul_": lambda L, w, x: x[0, 1].mul_(3),
    "mul_by_an_element_of_w": lambda L, w, x: x[1, 0].mul_(w[0, 0]),
    "fill_": lambda L, w, x: x[1, 1].fill_(2),
    "zero_": lambda L, w, x: x[0, 0].zero_(),
    "copy_": lambda L, w, x: x[1, 0].copy_(w[0, 1] * 5),
    "chain": lambda L, w, x: x[1][1].add_(1),
    "row_view_element": lambda L, w, x: x[:, 1][0].mul_(2),
    "operator": lambda L, w, x: x[0, 1].__imul__(w[1, 1]),
    "twice": lambda L, w, x: x[0, 0].mul_(2).add_(w[1, 0]),
    "element_used_before": lambda L, w, x: (lambda e: (x.mul_(1) if False else None, e.add_(e * 0 + 1))[1])(x[1, 1]),
}


@pytest.mark.parametrize("name", ELEMENT_CHANGES_IN_A_GRAPH)
def test_a_recorded_change_of_one_element_matches_pytorch(name):
    torch = _torch()
    ours, theirs = _element_change_in_a_graph(ag, name), _element_change_in_a_graph(torch, name)
    assert ours[:2] == theirs[:2] and ours[3] == theirs[3]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6)


def test_a_recorded_change_of_one_element_by_hand():
    # x[0, 1] = 3 * w[0, 1]; loss = sum(x * x * c): dloss/dw[0, 1] = 2 * 9 * w[0, 1] * c[0, 1] = 360, else 2 * w * c
    x, element, grad, same_version = _element_change_in_a_graph(ag, "mul_")
    assert x == [[1.0, 6.0], [3.0, 4.0]] and element == 6.0 and same_version
    assert grad == [[2.0, 360.0], [600.0, 8000.0]]
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = w * 1
    y[0].mul_(3)
    y.sum().backward()
    assert y.tolist() == [3.0, 2.0, 3.0] and w.grad.tolist() == [3.0, 1.0, 1.0]


@pytest.mark.parametrize("how", ["add_", "setitem_of_element", "operator"])
def test_an_element_of_a_leaf_that_requires_grad_refuses_as_pytorchs(how):
    def run(L):
        w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        change = {"add_": lambda: w[0].add_(1), "setitem_of_element": lambda: w[1].__setitem__((), 5.0),
                  "operator": lambda: w[2].__imul__(2)}[how]
        error = error_named(change)
        return error[0], "a view of a leaf" in error[1] and "is being used in an in-place operation" in error[1], \
            w.tolist()

    assert run(ag) == ("RuntimeError", True, [1.0, 2.0, 3.0])
    torch = _torch()
    assert run(ag) == run(torch)


def test_an_element_made_in_no_grad_refuses_a_recorded_change_as_pytorchs():
    def run(L):
        w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x = w * 1
        with L.no_grad():
            e = x[0]
        error = error_named(lambda: e.mul_(w[1]))
        return error[0], "view was created in no_grad mode" in error[1].lower()

    assert run(ag) == ("RuntimeError", True)
    torch = _torch()
    assert run(torch) == run(ag)


def _element_of_a_plain_array_with_a_graph_operand(L):
    x = L.tensor([1.0, 2.0, 3.0])
    w = L.tensor(2.0, requires_grad=True)
    e = x[1]
    e.mul_(w)
    (x * L.tensor([1.0, 10.0, 100.0])).sum().backward()
    return x.tolist(), e.tolist(), x.requires_grad, e.requires_grad, w.grad.item()


def test_an_element_changed_by_an_operand_that_requires_grad_joins_the_graph_as_pytorchs():
    assert _element_of_a_plain_array_with_a_graph_operand(ag) == ([1.0, 4.0, 3.0], 4.0, True, True, 20.0)
    torch = _torch()
    assert _element_of_a_plain_array_with_a_graph_operand(torch) == _element_of_a_plain_array_with_a_graph_operand(ag)


# ----------------------------------------------------------------------------------------------------
# 3. Outputs of functions that return several views: (name, fn(lib, x)) changing one in place, x of shape (4,) or
# (2, 2) per the name.

MULTIPLE_VIEW_CHANGES = {
    "unbind": lambda L, x: x.unbind()[0].add_(1),
    "unbind_rows": lambda L, x: x.reshape(2, 2).unbind()[1].mul_(2),
    "split": lambda L, x: x.split(2)[0].mul_(2),
    "split_one_piece": lambda L, x: x.split(4)[0].mul_(2),
    "split_sizes": lambda L, x: x.split([1, 3])[1].mul_(2),
    "split_with_sizes": lambda L, x: x.split_with_sizes([3, 1])[0].zero_(),
    "chunk": lambda L, x: x.chunk(2)[1].fill_(0),
    "function_split": lambda L, x: L.split(x, 2)[1].add_(1),
    "operator": lambda L, x: x.split(2)[0].__iadd__(1),
    "view_of_output": lambda L, x: x.reshape(2, 2).unbind()[0].view(2).add_(1),
    "element_of_output": lambda L, x: x.reshape(2, 2).unbind(1)[0][0].add_(1),
    "slice_of_output": lambda L, x: x.split(2)[0][1:].mul_(2),
    "relu_": lambda L, x: x.unbind()[3].relu_(),
}

FREE_VIEW_CHANGES = {  # PyTorch's views free to change in place
    "tensor_split": lambda L, x: x.tensor_split(2)[0].mul_(2),
    "unsafe_split": lambda L, x: x.unsafe_split(2)[0].mul_(2),
    "unsafe_chunk": lambda L, x: x.unsafe_chunk(2)[1].mul_(2),
    "copy_of_output": lambda L, x: x.split(2)[0][[0, 1]].mul_(2),
}


def _multiple_view_change(L, name, mode):
    changes = {**MULTIPLE_VIEW_CHANGES, **FREE_VIEW_CHANGES}
    w = L.tensor([1.0, -2.0, 3.0, -4.0], requires_grad=True)
    x = w * 1 if mode == "graph" else L.tensor([1.0, -2.0, 3.0, -4.0])
    if mode == "no_grad":
        with L.no_grad():
            changes[name](L, x)
    else:
        error = error_named(lambda: changes[name](L, x))
        if error is not None:
            return error[0], _multiple_view_words(error[1])
    return "ok", x.tolist()


def _multiple_view_words(message):
    """The parts of PyTorch's message we match: the first sentence (without our 'name_: ' prefix) and the rule."""
    rule = "This view is the output of a function that returns multiple views."
    first = message.split(". ")[0].split(": ", 1)[-1]
    return first, rule in message


@pytest.mark.parametrize("mode", ["graph", "no_grad", "plain"])
@pytest.mark.parametrize("name", [*MULTIPLE_VIEW_CHANGES, *FREE_VIEW_CHANGES])
def test_changes_of_the_outputs_of_multiple_view_functions_match_pytorch(name, mode):
    torch = _torch()
    assert _multiple_view_change(ag, name, mode) == _multiple_view_change(torch, name, mode)


def test_changes_of_the_outputs_of_multiple_view_functions_without_pytorch():
    assert _multiple_view_change(ag, "unbind", "graph") == (
        "RuntimeError", ("Output 0 of Unbind is a view and is being modified inplace", True))
    assert _multiple_view_change(ag, "split_sizes", "graph") == (
        "RuntimeError", ("Output 1 of SplitWithSizes is a view and is being modified inplace", True))
    assert _multiple_view_change(ag, "element_of_output", "graph") == (
        "RuntimeError", ("Output 0 of Select is a view and is being modified inplace", True))
    assert _multiple_view_change(ag, "unbind", "no_grad") == ("ok", [2.0, -2.0, 3.0, -4.0])
    assert _multiple_view_change(ag, "split", "plain") == ("ok", [2.0, -4.0, 3.0, -4.0])
    assert _multiple_view_change(ag, "tensor_split", "graph") == ("ok", [2.0, -4.0, 3.0, -4.0])


def _multiple_view_with_a_graph_operand(L):
    x = L.tensor([1.0, 2.0, 3.0, 4.0])
    w = L.tensor(2.0, requires_grad=True)
    error = error_named(lambda: x.split(2)[0].mul_(w))
    return error[0], "A view was created in no_grad mode" in error[1], "returns multiple views" in error[1]


def test_an_output_of_a_plain_array_changed_by_an_operand_that_requires_grad_refuses_as_pytorchs():
    assert _multiple_view_with_a_graph_operand(ag) == ("RuntimeError", True, True)
    torch = _torch()
    assert _multiple_view_with_a_graph_operand(torch) == _multiple_view_with_a_graph_operand(ag)


# ----------------------------------------------------------------------------------------------------
# 4. fill_ and zero_ through an expand() in a graph: (name, fn(lib, x) -> the expand changed), x = w * 1.

EXPAND_FILLS_IN_A_GRAPH = {
    "0d_fill_": lambda L, x: x.expand(3).fill_(1),
    "0d_zero_": lambda L, x: x.expand(2, 2).zero_(),
    "0d_view_fill_": lambda L, x: x.view(1).expand(3).fill_(4),
    "1d_fill_": lambda L, x: x.expand(2, 2).fill_(1),
    "1d_row_fill_": lambda L, x: x.expand(3, 2)[:, 1].fill_(5),
    "0d_mul_": lambda L, x: x.expand(3).mul_(2),  # not a fill: PyTorch's overlap error at once
}


def _expand_fill_in_a_graph(L, name):
    w = L.tensor([2.0, 3.0] if name.startswith("1d") else 2.0, requires_grad=True)
    x = w * 1
    before = (x * 2).sum()  # recorded before the change: its gradient stays PyTorch's
    changed = []
    change = error_named(lambda: changed.append(EXPAND_FILLS_IN_A_GRAPH[name](L, x)))
    if change is not None:
        return "change raised", change[0], "more than one element of the written-to" in change[1], x.tolist()
    after = error_named(lambda: x.sum().backward())
    before.backward()
    return (x.tolist(), after[0], "more than one element of the written-to" in after[1], w.grad.tolist(),
            changed[0].tolist())


@pytest.mark.parametrize("name", EXPAND_FILLS_IN_A_GRAPH)
def test_fill_through_an_expand_in_a_graph_matches_pytorch(name):
    torch = _torch()
    assert _expand_fill_in_a_graph(ag, name) == _expand_fill_in_a_graph(torch, name)


def test_fill_through_an_expand_in_a_graph_without_pytorch():
    # x = w = 2 filled with 1 through x.expand(3): the gradient of x after it refuses, (x * 2).sum()'s from before is 2
    assert _expand_fill_in_a_graph(ag, "0d_fill_") == (1.0, "RuntimeError", True, 2.0, [1.0, 1.0, 1.0])
    assert _expand_fill_in_a_graph(ag, "1d_row_fill_") == ([2.0, 5.0], "RuntimeError", True, [2.0, 2.0],
                                                            [5.0, 5.0, 5.0])
    assert _expand_fill_in_a_graph(ag, "0d_mul_") == ("change raised", "RuntimeError", True, 2.0)


def test_an_element_whose_index_a_backward_pass_freed_still_writes_through():
    # a backward pass without retain_graph frees the nodes' keyword parameters (x[0]'s index among them): the element
    # is still found through x's counter, which lists it (element_views.py), and the change reaches x, as PyTorch's
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 1
    e = x[0]
    (e * 2).backward()
    with ag.no_grad():
        e.add_(1)
    assert x.tolist() == [2.0, 2.0, 3.0] and e.item() == 2.0
