"""In-place updates with PyTorch's semantics (inplace.py), and the version counters that turn a changed saved
array into an error instead of a wrong gradient."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, nn, no_grad

METHODS = {
    "+=": lambda w, y: w.__iadd__(y), "-=": lambda w, y: w.__isub__(y), "*=": lambda w, y: w.__imul__(y),
    "/=": lambda w, y: w.__itruediv__(y), "add_": lambda w, y: w.add_(y), "sub_": lambda w, y: w.sub_(y),
    "mul_": lambda w, y: w.mul_(y), "div_": lambda w, y: w.div_(y), "copy_": lambda w, y: w.copy_(y),
    "fill_": lambda w, y: w.fill_(0.25), "zero_": lambda w, y: w.zero_(), "clamp_": lambda w, y: w.clamp_(-0.1, 0.1),
}


def leaf(shape=(3,)):
    return Value(np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape))


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize("shape", [(3,), ()], ids=["vector", "scalar"])
def test_inplace_under_no_grad_keeps_the_leaf(name, shape):
    w = leaf(shape)
    array = w.data
    expected = {"+=": array + 2.0, "-=": array - 2.0, "*=": array * 2.0, "/=": array / 2.0, "add_": array + 2.0,
                "sub_": array - 2.0, "mul_": array * 2.0, "div_": array / 2.0, "copy_": np.full(shape, 2.0),
                "fill_": np.full(shape, 0.25), "zero_": np.zeros(shape), "clamp_": np.clip(array, -0.1, 0.1)}[name]
    with no_grad():
        result = METHODS[name](w, 2.0)
    assert result is w and w.is_leaf and w.requires_grad and w._version_count == 1
    np.testing.assert_array_equal(w.data, expected)
    if shape:
        assert w.data is array  # the same array: aliases (optimizer state, p.data) see the change


@pytest.mark.parametrize("name", METHODS)
def test_inplace_on_a_leaf_that_requires_grad_outside_no_grad_is_refused(name):
    w = leaf()
    before = w.data.copy()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        METHODS[name](w, 2.0)
    np.testing.assert_array_equal(w.data, before)
    assert w._version_count == 0


def test_pytorch_refuses_the_same(name="+="):
    torch = pytest.importorskip("torch")
    w = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        w += 1


def test_operators_on_a_recorded_value_record_out_of_place_with_pytorchs_gradient():
    x = Value(np.array([1.0, 2.0, 3.0]))
    y = x * 2
    old = y
    y += x          # a new node y + x; the name y is rebound (PyTorch records it on the same object)
    y *= x
    assert y is not old and y.op == "*" and old.op == "*"
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)  # d/dx Σ 3x·x = 6x, as PyTorch gives
    torch = pytest.importorskip("torch")
    t = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    u = t * 2
    u += t
    u *= t
    u.sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy())


def test_inplace_methods_on_a_recorded_value_are_recorded():
    # (tests/test_inplace_recorded.py compares many more patterns with PyTorch)
    x = Value(np.array([1.0, 2.0]))
    y = x * 2
    assert y.add_(1) is y and y.op == "+"
    total = ag.zeros(2, dtype=ag.float64)
    assert total.mul_(x) is total and total.requires_grad and not total.is_leaf
    total += x  # the operator records it (out of place): total now requires grad
    assert total.requires_grad and not total.is_leaf


def test_inplace_shape_and_dtype_errors_name_the_problem():
    x = ag.zeros(3)
    with pytest.raises(RuntimeError, match=r"\+=.*broadcast"):
        x += np.ones((2, 3))
    labels = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match="add_: .*int64"):
        labels.add_(0.5)
    np.testing.assert_array_equal(labels.data, [1, 2])


# ----------------------------------------------------------------------------------------------------
# Version counters.


@pytest.mark.parametrize("name", METHODS)
def test_changing_a_saved_input_makes_backward_raise(name):
    x, w = leaf(), leaf()
    loss = (x * w).sum()
    with no_grad():
        METHODS[name](w, 2.0)
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation: input 1 of 'mul' .*"
                                           r"is at version 1; expected version 0"):
        loss.backward()
    assert x.grad is None


def test_changing_a_saved_output_makes_backward_raise():
    x = leaf()
    y = x.exp()  # exp's rule reads its output
    with no_grad():
        y.zero_()
    with pytest.raises(RuntimeError, match="its output of 'exp'"):
        y.backward(np.ones(3))


def test_pytorch_raises_for_the_same_change():
    torch = pytest.importorskip("torch")
    x, w = torch.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    loss = (x * w).sum()
    with torch.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_a_detached_value_shares_the_version_counter():
    w = leaf()
    loss = (w * w).sum()
    w.detach().mul_(3)  # changes w's array too (they share it), as in PyTorch
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        loss.backward()


VIEWS = {  # a view of w's array made by indexing, reshape, transpose, swapaxes or expand, changed in place
    "slice": lambda w: w[1:].add_(1.0),
    "row": lambda w: w.reshape(1, 3)[0].mul_(2.0),
    "reshape": lambda w: w.reshape(3, 1).mul_(3.0),
    "transpose": lambda w: w.reshape(1, 3).T.add_(1.0),
    "swapaxes": lambda w: w.reshape(1, 3).swapaxes(0, 1).zero_(),
}


@pytest.mark.parametrize("name", VIEWS)
def test_a_view_shares_its_base_version_counter(name):
    """x[1:], reshape, transpose are views of x's array: a change made in place through one of them is one of x, and
    a backward pass through a node that saved x raises (it computed with the changed numbers)."""
    w = leaf()
    loss = (w * w).sum()
    with no_grad():
        VIEWS[name](w)
    assert not np.allclose(w.data, leaf().data)  # the view wrote into w's array
    assert w._version_count == 1
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_a_change_to_the_base_is_one_of_its_views():
    a, w = Value(np.ones(4), requires_grad=False), leaf((2,))
    window = a[:2]
    loss = (w * window).sum()  # saves the view
    with no_grad():
        a.add_(1.0)
    with pytest.raises(RuntimeError, match="input 1 of 'mul'"):
        loss.backward()
    copied = Value(np.ones(4), requires_grad=False)
    picked = copied[np.array([0, 1])]  # an index array copies: no shared counter, and nothing to detect
    loss = (w * picked).sum()
    with no_grad():
        copied.add_(1.0)
    loss.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])


def test_pytorch_views_raise_for_the_same_change():
    torch = pytest.importorskip("torch")
    w = torch.tensor([0.5, 1.0, 1.5], requires_grad=True)
    loss = (w * w).sum()
    with torch.no_grad():
        w[1:].add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_in_place_methods_on_one_element_write_through_and_on_an_expansion_raise():
    # PyTorch's x[0] is a view that add_ writes through; NumPy hands out a copy of one element, so the change is made
    # in x's memory and read back (tests/test_core_gaps5.py compares with PyTorch)
    x = Value(np.ones(3), requires_grad=False)
    first = x[0].add_(5.0)
    assert float(first.data) == 6.0 and first._version_count == x._version_count == 1
    with pytest.raises(RuntimeError, match="mul_: unsupported operation: more than one element of the written-to"):
        x.reshape(1, 3).expand(2, 3).mul_(0.0)
    np.testing.assert_array_equal(x.data, [6.0, 1.0, 1.0])
    x[0] += 2.0  # an assignment into x
    total = x[1]
    total += 4.0  # an operator on the element changes it in place, as PyTorch's: x too
    np.testing.assert_array_equal(x.data, [8.0, 5.0, 1.0])
    assert float(total.data) == 5.0
    picked = x[[2]][0]  # an element of a copy (an index array): x keeps its 1
    picked.add_(1.0)
    np.testing.assert_array_equal(x.data, [8.0, 5.0, 1.0])


def test_expected_version_counts_changes_before_recording():
    w = leaf()
    with no_grad():
        w += 1
        w += 1
    loss = (w * w).sum()
    with no_grad():
        w.zero_()
    with pytest.raises(RuntimeError, match="is at version 3; expected version 2"):
        loss.backward()


def test_a_training_loop_with_inplace_updates_is_not_disturbed():
    w = leaf()
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        with no_grad():
            w -= 0.1 * w.grad
            w.grad = None
    np.testing.assert_allclose(w.data, np.linspace(0.5, 1.5, 3) * 0.8 ** 3)


def test_parameter_inplace_methods_come_from_value():
    p = nn.Parameter(np.zeros(2))
    with no_grad():
        assert p.fill_(3.0) is p and p.copy_(np.array([1.0, 2.0])) is p
    assert isinstance(p, nn.Parameter) and p.is_leaf and p.requires_grad
    np.testing.assert_array_equal(p.data, [1.0, 2.0])
    with no_grad():
        p.zero_()
    np.testing.assert_array_equal(p.data, [0.0, 0.0])


def test_raw_numpy_writes_are_not_seen_the_documented_limit():
    # Optimizers write p.data with NumPy (p.data -= ...): no version is bumped, so a graph recorded before
    # such a write computes its gradient from the new numbers. Use no_grad() + in-place methods when it matters.
    w = leaf()
    loss = (w * w).sum()
    w.data += 1.0
    loss.backward()
    np.testing.assert_allclose(w.grad, 2 * w.data)


def test_load_state_dict_and_init_functions_change_parameters_in_place_with_a_version_bump():
    model = nn.Linear(2, 1)
    weight, array = model.weight, model.weight.data
    loss = model(Value(np.ones((3, 2)), dtype=np.float32)).sum()  # the input requires grad: its rule reads the weight
    model.load_state_dict({"weight": np.full((1, 2), 0.5), "bias": np.zeros(1)})
    assert model.weight is weight and weight.data is array and np.all(array == 0.5)  # PyTorch's param.copy_
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()
    loss = model(Value(np.ones((3, 2)), dtype=np.float32)).sum()
    nn.init.zeros_(model.weight)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()
    loss = model(Value(np.ones((3, 2)), requires_grad=False, dtype=np.float32)).sum()
    nn.init.zeros_(model.bias)
    loss.backward()  # as in PyTorch: no rule of the linear node reads the bias
    np.testing.assert_array_equal(model.bias.grad, [3.0])


def test_an_optimizer_step_counts_as_an_inplace_change():
    from autograd_core import optim

    w = leaf()
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()  # PyTorch raises here too: the step changed w in place
    opt.zero_grad()
    (w * w).sum().backward()  # a graph recorded after the step is fine
    np.testing.assert_allclose(w.grad, 2 * w.data)


def test_a_step_that_raises_half_way_still_marks_the_parameters_it_changed():
    from autograd_core import optim

    class FailsOnSecond(optim.SGD):
        def _update(self, p, g, state, hp):
            if p is b.data:
                raise FloatingPointError("boom")
            return super()._update(p, g, state, hp)

    a, b = leaf(), leaf()
    opt = FailsOnSecond([a, b], lr=0.1)
    loss = (a * b).sum()
    loss.backward(retain_graph=True)
    with pytest.raises(FloatingPointError):
        opt.step()  # a was updated in place before b's update raised
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_parameters_updated_by_one_step_share_one_version_stamp():
    from autograd_core import optim

    a, b = leaf(), leaf()
    (a * b).sum().backward()
    optim.SGD([a, b], lr=0.1).step()
    assert a._version.count == b._version.count == 1
    assert a._version.last == b._version.last


def test_a_version_error_leaves_earlier_gradients_as_they_were():
    x, w = leaf(), leaf()
    x.grad = np.full(3, 7.0)
    loss = (x * 3.0).sum() + (x * w).sum()   # the backward pass reaches the unchanged branch first or second
    with no_grad():
        w.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()
    np.testing.assert_array_equal(x.grad, np.full(3, 7.0))  # undone, not half-accumulated
    assert w.grad is None


def test_a_view_of_a_leaf_marked_for_gradients_refuses_in_place_changes():
    # A leaf marked with `requires_grad = True` holds its data as a LeafArray (tensor methods on `.data`); its views
    # are still views of a leaf, refused as PyTorch refuses them, and keep their layout.
    x = ag.randn(3, 4)
    x.requires_grad = True
    with pytest.raises(RuntimeError, match="a view of a leaf Value that requires grad"):
        x[0].add_(1)
    assert not x.T.is_contiguous() and x.is_contiguous()
