"""The engine's short ways through a training step, and what they must keep: `apply` records a node without a list of
its inputs' data or a call of `_record`; the backward pass hands the gradients of nodes with parameters
(cross_entropy, sum(axis)) and of three or more inputs (linear's x, W, b) to their inputs itself, without
`_to_parents`; and it writes a plain leaf's `.grad` (a Value's, a Parameter's) into its slot without the property's
getter and setter. Each short way is checked to be taken (the Python functions a step calls, by `sys.setprofile`),
and to give what the long ways give: PyTorch's gradients, the property of a class that has its own `.grad`, the
refusal of a second pass through freed parameters, gradients of their leaves' shape and dtype."""

import sys

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn as nn
import autograd_core.nn.functional as F
from autograd_core import Value
from autograd_core.grad_array import GradArray


def _torch():
    try:
        import torch
    except ImportError:  # (a machine without PyTorch: the comparisons with it are left out, nothing is skipped)
        return None
    return torch


def _python_calls(fn):
    """The names (file, function) of the Python functions that fn() calls, with fn's result."""
    called = set()

    def profile(frame, event, arg):
        if event == "call":
            called.add((frame.f_code.co_filename.rsplit("/", 1)[-1], frame.f_code.co_name))

    sys.setprofile(profile)
    try:
        result = fn()
    finally:
        sys.setprofile(None)
    return called, result


_RNG = np.random.default_rng(63)
_X = _RNG.standard_normal((8, 5))
_LABELS = np.array([0, 2, 1, 2, 0, 1, 1, 0])
_W1, _B1 = _RNG.standard_normal((4, 5)), _RNG.standard_normal(4)
_W2, _B2 = _RNG.standard_normal((3, 4)), _RNG.standard_normal(3)


def _step(L, F, dtype):
    """Leaves and loss of linear -> relu -> linear -> cross_entropy in library L (a training step's graph)."""
    leaves = [L.tensor(a.astype(dtype), requires_grad=True) for a in (_W1, _B1, _W2, _B2)]
    w1, b1, w2, b2 = leaves
    logits = F.linear(F.relu(F.linear(L.tensor(_X.astype(dtype)), w1, b1)), w2, b2)
    return leaves, F.cross_entropy(logits, L.tensor(_LABELS))


@pytest.mark.parametrize("dtype", (np.float32, np.float64), ids=lambda d: d.__name__)
def test_a_training_steps_backward_takes_the_short_ways_and_gives_pytorchs_gradients(dtype):
    leaves, loss = _step(ag, F, dtype)
    called, _ = _python_calls(loss.backward)
    assert ("chain_rule.py", "_chain_rule") in called  # (where the pass's loop is: the names below are looked for)
    assert ("backward_edges.py", "_to_parents") not in called  # linear's three inputs, cross_entropy's parameters
    assert ("grad_assignment.py", "_as_grad_of") not in called  # the leaves' .grad: written to the slot
    assert ("value.py", "grad") not in called
    for leaf in leaves:
        assert leaf.grad.__class__ is GradArray and leaf.grad.dtype == dtype and leaf.grad.shape == leaf.shape
    torch = _torch()
    if torch is not None:
        theirs, their_loss = _step(torch, torch.nn.functional, dtype)
        their_loss.backward()
        tol = 1e-12 if dtype is np.float64 else 1e-5
        for ours, t in zip(leaves, theirs):
            np.testing.assert_allclose(ours.grad, t.grad.numpy(), rtol=tol, atol=tol)


def test_apply_records_a_node_without_record_or_a_list_of_the_inputs_data():
    x, w, b = Value(_X), Value(_W1), Value(_B1)
    called, out = _python_calls(lambda: F.linear(x, w, b))
    assert ("recording.py", "apply") in called
    assert ("recording.py", "_record") not in called and ("recording.py", "<listcomp>") not in called
    assert out.op == "linear" and out.parents == (x, w, b) and out.requires_grad
    with ag.no_grad():  # the leaf made when no gradient is recorded: it remembers its op, no inputs
        leaf = F.linear(x, w, b)
    assert leaf.op == "linear" and leaf.parents == () and not leaf.requires_grad
    np.testing.assert_array_equal(leaf.data, out.data)
    const = F.linear(Value(_X, requires_grad=False), Value(_W1, requires_grad=False))
    assert const.parents == () and not const.requires_grad


def test_a_leaf_class_with_its_own_grad_gets_it_through_its_property():
    written = []

    class Logged(Value):
        @property
        def grad(self):
            return Value.grad.fget(self)

        @grad.setter
        def grad(self, g):
            written.append(g)
            Value.grad.fset(self, g)

    a = Logged(np.array([1.0, 2.0]))
    (a * a).sum().backward()
    (a * a).sum().backward()  # the second adds to the first
    assert len(written) == 2
    np.testing.assert_array_equal(a.grad, [4.0, 8.0])


def test_nodes_with_parameters_and_three_inputs_still_refuse_a_second_pass_and_fit_broadcast_gradients():
    x = Value(_RNG.standard_normal((3, 4)))
    y = x.sum(axis=1)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()
    # where(cond, a, b): three inputs, one a mask that needs no gradient, two broadcast against each other
    a, b = Value(_RNG.standard_normal((3, 1))), Value(_RNG.standard_normal((4,)))
    cond = _RNG.standard_normal((3, 4)) > 0
    (ag.where(Value(cond, requires_grad=False, dtype=bool), a, b) * 2.0).sum().backward()
    np.testing.assert_array_equal(a.grad, 2.0 * cond.sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(b.grad, 2.0 * (~cond).sum(axis=0))
    torch = _torch()
    if torch is not None:
        ta = torch.tensor(a.data, requires_grad=True)
        tb = torch.tensor(b.data, requires_grad=True)
        (torch.where(torch.tensor(cond), ta, tb) * 2.0).sum().backward()
        np.testing.assert_array_equal(a.grad, ta.grad.numpy())
        np.testing.assert_array_equal(b.grad, tb.grad.numpy())


def test_a_leaf_handed_the_gradient_it_passed_on_gets_a_copy_of_its_own():
    # x + y hands g itself to both inputs: each leaf's .grad must be an array of its own (optimizers change it in place)
    x, y = Value(np.ones(3)), Value(np.ones(3))
    (x + y).backward(gradient=np.ones(3))
    assert not np.shares_memory(x.grad, y.grad)
    x.grad += 1
    np.testing.assert_array_equal(y.grad, np.ones(3))


def test_an_mlps_forward_and_loss_take_the_short_ways_and_still_name_a_wrong_width():
    model = nn.MLP(5, [4, 3], dtype=np.float64)
    called, loss = _python_calls(lambda: F.cross_entropy(model(Value(_X, requires_grad=False)), _LABELS))
    assert ("value.py", "shape") not in called and ("value.py", "ndim") not in called  # (Value.shape: a Size each)
    assert ("primitive.py", "__call__") not in called  # linear's and cross_entropy's nodes made by apply itself
    (w1, b1), (w2, b2) = [(layer.weight, layer.bias) for layer in model.layers]
    functional = F.cross_entropy(F.linear(F.linear(_X, w1, b1).relu(), w2, b2), ag.tensor(_LABELS))  # the general ways
    assert loss.op == functional.op == "cross_entropy" and loss.data == functional.data
    for x in (_X[:, :4], Value(_X[:, :4])):
        with pytest.raises(ag.ShapeError, match=r"Layer: expected input of shape \(\.\.\., 5\), got \(8, 4\)"):
            model(x)
    with pytest.raises(ag.ShapeError, match=r"expected input of shape \(\.\.\., 5\), got \(\)"):
        model(Value(1.0))
