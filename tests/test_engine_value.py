"""The Value node as users see it: construction and dtypes, conversions, NumPy interplay, repr, and the
error messages for bad shapes."""

import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value

# ----------------------------------------------------------------------------------------------------
# Construction.


@pytest.mark.parametrize("data", [3, [1, 2], np.array([1, 2], dtype=np.int32), True, np.uint8(7)])
def test_integer_and_bool_data_become_float64(data):
    v = Value(data)
    assert v.dtype == np.float64 and v.requires_grad


def test_float32_data_stays_float32():
    assert Value(np.ones(2, dtype=np.float32)).dtype == np.float32
    assert Value(np.float32(1.5)).dtype == np.float32
    assert Value([1, 2], dtype=np.float32).dtype == np.float32


def test_integer_dtype_with_requires_grad_is_a_type_error():
    with pytest.raises(TypeError, match="integer dtype int64 cannot carry a gradient"):
        Value([1, 2], dtype=np.int64)


def test_integer_dtype_without_gradient_is_allowed():
    v = Value([1, 2], dtype=np.int64, requires_grad=False)
    assert v.dtype == np.int64


@pytest.mark.parametrize("data, match", [("abc", "not numeric"), ([1, [2, 3]], "cannot convert")])
def test_bad_data_is_a_type_error(data, match):
    with pytest.raises(TypeError, match=match):
        Value(data)


def test_scalars_are_numpy_scalars():
    v = Value(2.0)
    assert isinstance(v.data, np.float64) and v.shape == () and v.ndim == 0
    (v * v).backward()
    assert isinstance(v.grad, np.float64)


# ----------------------------------------------------------------------------------------------------
# Conversions and attributes.


def test_item_float_int_bool():
    v = Value(2.5)
    assert v.item() == 2.5 and float(v) == 2.5 and int(v) == 2 and bool(v)
    assert Value(np.array([[3.0]])).item() == 3.0
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        Value(np.ones(2)).item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Value(np.ones(2)))


def test_len_and_iteration():
    v = Value(np.arange(6.0).reshape(3, 2))
    assert len(v) == 3
    rows = list(v)
    assert len(rows) == 3 and all(isinstance(r, Value) and r.shape == (2,) for r in rows)
    sum(r.sum() for r in rows).backward()
    np.testing.assert_allclose(v.grad, np.ones((3, 2)))
    with pytest.raises(TypeError, match="0-d"):
        len(Value(1.0))


def test_shape_ndim_dtype_size():
    v = Value(np.zeros((2, 3, 4), dtype=np.float32))
    assert (v.shape, v.ndim, v.dtype, v.size) == ((2, 3, 4), 3, np.float32, 24)


def test_shape_and_size_are_pytorchs_size(tmp_path):
    # torch.Size: a tuple with numel(), from x.shape, x.size(), a gradient's and a state dict value's size(); it
    # prints, compares, hashes, pickles and saves as the tuple it is
    import pickle

    from autograd_core import nn

    v = ag.randn(2, 3, requires_grad=True)
    (v * 2).sum().backward()
    sizes = [v.shape, v.size(), v.grad.size(), nn.Linear(3, 2).state_dict()["weight"].size()]
    for size in sizes:
        assert type(size) is ag.Size and size == (2, 3) == ag.Size([2, 3]) and size.numel() == 6
        assert repr(size) == "(2, 3)" and hash(size) == hash((2, 3)) and pickle.loads(pickle.dumps(size)) == (2, 3)
    assert ag.Size([]).numel() == 1 and v.size(1) == 3 and v.size == 6 and type(v.shape[0]) is int
    for derived in (v.shape[1:], v.shape + (4,), (1,) + v.shape, v.shape * 2, 2 * v.shape):  # Sizes, as PyTorch's
        assert type(derived) is ag.Size
    assert v.shape[1:].numel() == 3 and (1,) + v.shape == (1, 2, 3) and v.shape * 2 == (2, 3, 2, 3)
    ag.save({"shape": v.shape}, tmp_path / "shape.pt")  # saved as the tuple it is (another subclass: as a list)
    loaded = ag.load(tmp_path / "shape.pt")["shape"]
    assert loaded == (2, 3) and type(loaded) is tuple
    assert ag.zeros(v.shape).shape == (2, 3) and v.view(ag.Size([3, 2])).shape == (3, 2)


def test_asarray_and_numpy():
    data = np.arange(3.0)
    v = Value(data)
    assert np.asarray(v) is v.data or np.shares_memory(np.asarray(v), data)
    np.testing.assert_array_equal(np.array(v), data)
    assert np.asarray(v, dtype=np.float32).dtype == np.float32
    assert v.detach().numpy().shape == (3,)  # (v.numpy() raises: v requires grad, as in PyTorch)
    assert Value(1.5, requires_grad=False).numpy().shape == ()


def test_op_parents_and_leaf():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    assert c.op == "*" and c.parents == (a, b) and not c.is_leaf and a.is_leaf and a.op == ""
    assert (a + 1).parents[1].requires_grad is False  # constants appear as leaves


def test_values_hash_by_identity_and_compare_elementwise():
    a, b = Value(1.0), Value(1.0)
    assert len({a: 1, b: 2}) == 2 and len({a, b, a}) == 2 and a in {a: 1} and b not in {a: 1}
    assert (a == b).item() is True and (a != b).item() is False  # elementwise, as PyTorch
    assert a in [a] and a is not b and [a].index(a) == 0


def test_comparisons_give_boolean_values_without_gradient():
    v = Value(np.array([1.0, 2.0, 3.0]))
    w = Value(np.array([1.0, 1.0, 4.0]))
    for result, expected in [(v > 1.5, [False, True, True]), (v <= w, [True, False, True]),
                             (v == 2.0, [False, True, False]), (v != 2.0, [True, False, True])]:
        assert isinstance(result, Value) and result.dtype == bool and not result.requires_grad
        np.testing.assert_array_equal(result.data, expected)
    assert (v == None) is False and (v != None) is True  # noqa: E711  (PyTorch's answers)
    assert isinstance(np.greater(v, 2.0), np.ndarray)


def test_repr():
    assert repr(Value(2.0)) == "Value(2.0)"  # a float shows its decimal point, as micrograd's Value(data=2.0)
    assert repr(Value(2.5)) == "Value(2.5)" and repr(Value(-1e-9)) == "Value(-1e-09)"
    assert repr(Value(3)) == "Value(3.0)"  # integers become float64, micrograd's way
    assert repr(ag.tensor(3)) == "Value(3, dtype=int64, requires_grad=False)"
    assert repr(ag.tensor(True)) == "Value(True, dtype=bool, requires_grad=False)"
    x = Value(3.0, label="x")
    (x * x).backward()
    assert repr(x) == "Value(3.0, grad=6.0, label='x')"
    r = repr(Value(np.ones((2, 3), dtype=np.float32)) * 2)
    assert "shape=(2, 3)" in r and "dtype=float32" in r and "op='*'" in r
    assert "requires_grad=False" in repr(Value(1.0, requires_grad=False))
    assert "\n" not in repr(Value(np.zeros((50, 50))))


# ----------------------------------------------------------------------------------------------------
# NumPy interplay.


def test_ndarray_on_the_left_returns_a_value():
    v = Value(np.array([1.0, 2.0]))
    for out in (np.ones(2) + v, np.ones(2) * v, np.ones(2) - v, np.ones(2) / v, np.ones((3, 2)) @ v,
                np.ones(2) ** v):
        assert isinstance(out, Value) and out.requires_grad
    (np.array([3.0, 4.0]) * v).sum().backward()
    np.testing.assert_allclose(v.grad, [3.0, 4.0])


# ufunc: (the primitive it must record, the function and its derivative written independently of NumPy)
UFUNCS = {
    np.exp: ("exp", math.exp, math.exp),
    np.log: ("log", math.log, lambda x: 1 / x),
    np.sqrt: ("sqrt", math.sqrt, lambda x: 0.5 / math.sqrt(x)),
    np.tanh: ("tanh", math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    np.sin: ("sin", math.sin, math.cos),
    np.cos: ("cos", math.cos, lambda x: -math.sin(x)),
    np.abs: ("abs", abs, lambda x: math.copysign(1.0, x)),
    np.negative: ("neg", lambda x: -x, lambda x: -1.0),
    np.square: ("*", lambda x: x * x, lambda x: 2 * x),
}


@pytest.mark.parametrize("ufunc", UFUNCS, ids=[u.__name__ for u in UFUNCS])
def test_numpy_ufuncs_build_graph_nodes(ufunc):
    op, f, df = UFUNCS[ufunc]
    xs = [0.5, 1.5, -0.7] if ufunc not in (np.log, np.sqrt) else [0.5, 1.5, 0.7]
    v = Value(np.array(xs))
    out = ufunc(v)
    assert isinstance(out, Value) and out.op == op
    np.testing.assert_allclose(out.data, [f(x) for x in xs], rtol=1e-14)
    out.sum().backward()
    np.testing.assert_allclose(v.grad, [df(x) for x in xs], rtol=1e-14)


def test_numpy_binary_ufuncs():
    a, b = Value(np.array([1.0, 5.0])), Value(np.array([3.0, 2.0]))
    out = np.maximum(a, b) + np.minimum(a, 2.5) + np.power(a, 2) + np.matmul(a, b)
    assert isinstance(out, Value)
    np.testing.assert_allclose(out.data, [3 + 1 + 1 + 13, 5 + 2.5 + 25 + 13])
    out.sum().backward()
    # d/da: maximum [0, 1] + minimum [1, 0] + 2a + 2b (a@b is added to both elements); d/db: [1, 0] + 2a
    np.testing.assert_allclose(a.grad, [0 + 1 + 2 + 6, 1 + 0 + 10 + 4])
    np.testing.assert_allclose(b.grad, [1 + 2, 0 + 10])


def test_unsupported_ufunc_raises_type_error():
    with pytest.raises(TypeError):
        np.arctan2(Value(1.0), Value(2.0))


# ----------------------------------------------------------------------------------------------------
# Error messages name the shapes.


@pytest.mark.parametrize("fn, message", [
    (lambda: Value(np.ones((2, 3))) @ Value(np.ones((2, 3))),
     r"matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\): shapes \(2, 3\) and \(2, 3\) are not "
     r"aligned"),
    (lambda: Value(np.ones(3)) @ Value(np.ones(4)),
     r"matmul: inconsistent tensor size, expected tensor \[3\] and src \[4\] .*\(shapes \(3,\) and \(4,\) "
     r"are not aligned"),
    (lambda: Value(2.0) @ Value(np.ones(2)), r"matmul.*\(\) and \(2,\).*at least 1-D"),
    (lambda: Value(np.ones((2, 3))) + Value(np.ones((4, 3))),
     r"add: shapes \(2, 3\) and \(4, 3\) cannot be broadcast together"),
    (lambda: Value(np.ones((2, 3))) * np.ones(4), r"mul: shapes \(2, 3\) and \(4,\) cannot be broadcast"),
    (lambda: np.ones(4) * Value(np.ones((2, 3))), r"mul: shapes \(4,\) and \(2, 3\) cannot be broadcast"),
    (lambda: ag.maximum(Value(np.ones(2)), Value(np.ones(3))), r"maximum: shapes \(2,\) and \(3,\)"),
    (lambda: ag.where(np.ones((5, 3), bool), Value(np.ones((2, 3))), 1.0),
     r"where: condition of shape \(5, 3\), x of shape \(2, 3\) and y of shape \(\)"),
    (lambda: Value(np.ones((2, 3))).reshape(4), r"reshape: shape \(4,\) is invalid for input of size 6"),
    (lambda: Value(np.ones((2, 3))).sum(axis=2), r"sum: Dimension out of range \(expected to be in range of \[-2, 1\], "
     r"but got 2\)"),
    (lambda: Value(np.ones((2, 3))).mean(axis=(0, 0)), r"dim 0 appears multiple times in the list of dims"),
    (lambda: Value(np.ones((2, 3))).softmax(axis=2), r"softmax: Dimension out of range"),
    (lambda: ag.stack([Value(np.ones(2)), Value(np.ones(3))]), r"stack expects each tensor to be equal size, but got "
     r"\[2\] at entry 0 and \[3\] at entry 1"),
    (lambda: ag.concatenate([Value(np.ones((2, 3))), Value(np.ones((2, 2)))]), r"Sizes of tensors must match except "
     r"in dimension 0. Expected size 3 but got size 2 for tensor number 1 in the list."),
    (lambda: ag.clip(Value(1.0)), r"clip: give min, max or both"),
])
def test_shape_errors_name_the_problem(fn, message):
    with pytest.raises(ValueError, match=message):
        fn()


def test_index_errors():
    v = Value(np.ones((2, 3)))
    with pytest.raises(IndexError, match="out of bounds"):
        v[5]
    with pytest.raises(IndexError, match="integer or boolean, not float64"):
        v[np.array([0.5])]


def test_bad_operand_types():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "a"
    assert (Value(1.0) * 1j).dtype == np.complex128  # complex Values: tests/test_complex.py


def test_python_constants_keep_the_sign_of_zero():
    x = Value(1.0)
    assert not np.signbit((x * 0.0).data)
    assert np.signbit((x * -0.0).data)  # not the interned +0.0 leaf of the line above
    with np.errstate(divide="ignore"):
        assert (x / -0.0).data == -np.inf and (x / 0.0).data == np.inf


def test_a_format_spec_formats_the_number_of_a_one_element_value():
    loss = Value(2.5) * 1.0
    assert f"{loss:.3f}" == "2.500" and f"{Value(np.array([0.00123])):.2e}" == "1.23e-03"
    assert f"{loss}" == "2.5" and f"{Value(np.ones(2))}" == repr(Value(np.ones(2)))  # no spec: PyTorch's (0-d: item)
    with pytest.raises(TypeError, match=r"format spec '.2f' needs a one-element Value, not one of shape \(2,\)"):
        f"{Value(np.ones(2)):.2f}"


def test_copies_of_a_value_are_new_nodes_in_one_graph():
    """copy.deepcopy (a model copied for a target network or an average), copy.copy and pickle give a Value a
    creation number of its own: two copies used in one graph tied in the backward pass's order and raised."""
    import copy
    import pickle

    p = Value(np.ones(2), requires_grad=True)
    p.grad = np.full(2, 5.0)
    b, c, d = copy.deepcopy(p), copy.deepcopy(p), pickle.loads(pickle.dumps(p))
    e = copy.copy(p)
    assert len({v.creation_index for v in (p, b, c, d, e)}) == 5
    ((b * 2).sum() + (c * 3).sum() + (d * 4).sum() + (e * 5).sum() + p.sum()).backward()
    assert b.grad.tolist() == [7.0, 7.0] and c.grad.tolist() == [8.0, 8.0] and d.grad.tolist() == [9.0, 9.0]
    assert e.grad.tolist() == [10.0, 10.0] and p.grad.tolist() == [6.0, 6.0]
    assert b.data is not p.data and e.data is p.data  # deep and shallow, as for any object


def test_a_computed_value_pickles_and_copies_as_a_leaf_of_its_data():
    """PyTorch pickles a tensor as its data and requires_grad, without the graph that made it (a DataLoader's worker
    processes send `x[i]` back so); the graph's primitives are code, not data, and raised PicklingError here."""
    import copy
    import pickle

    w = Value(np.array([1.0, 2.0]), requires_grad=True)
    computed, picked = w * 2, ag.arange(6).reshape(2, 3)[1]
    computed.label = "twice"
    for twin, row in (pickle.loads(pickle.dumps((computed, picked))), copy.deepcopy((computed, picked))):
        assert twin.is_leaf and twin.grad_fn is None and twin.requires_grad and twin.label == "twice"
        assert twin.tolist() == [2.0, 4.0] and not np.shares_memory(twin.data, computed.data)
        assert row.tolist() == [3, 4, 5] and row.dtype == np.int64 and not row.requires_grad
        twin.sum().backward()
        assert twin.grad.tolist() == [1.0, 1.0] and w.grad is None  # no path back to w
    shallow = copy.copy(computed)
    assert shallow.is_leaf and shallow.data is computed.data


def test_a_value_takes_attributes_of_its_own_as_a_pytorch_tensor_does():
    """fast.ai's 03_backprop keeps each gradient by hand in `x.g`; its optimizers keep `p.grad_avg` on the parameter.
    The attributes go with the Value when it is copied or pickled (a leaf, or a computed Value's leaf copy)."""
    import copy
    import pickle

    from autograd_core import nn

    x = Value(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3
    x.g, y.g = np.ones(2), "computed"
    p = nn.Parameter(np.zeros(2))
    p.grad_avg = np.full(2, 0.5)
    assert x.g.tolist() == [1.0, 1.0] and y.g == "computed" and p.grad_avg.tolist() == [0.5, 0.5]
    assert not hasattr(x * 2, "g")  # attributes are the node's own, not inherited by results
    for twin_x, twin_y, twin_p in (pickle.loads(pickle.dumps((x, y, p))), copy.deepcopy((x, y, p))):
        assert twin_x.g.tolist() == [1.0, 1.0] and twin_y.g == "computed" and twin_p.grad_avg.tolist() == [0.5, 0.5]
    with pytest.raises(AttributeError):
        x.grad_fn = None  # PyTorch's read-only properties stay read-only


def test_a_subclass_may_not_shadow_the_engines_slots():
    """The backward pass orders nodes by `node._index`: a subclass with a method of that name used to break the
    graph silently (the bound method in place of the number). Every private slot is refused where the subclass is
    written; `data` may be a property with a setter (nn.Parameter's), not a plain method; other names are free."""
    for name in [s for s in Value.__slots__ if s not in ("__weakref__", "__dict__", "data")]:
        with pytest.raises(TypeError, match=f"Shadow defines '{name}', a name the engine keeps"):
            type("Shadow", (Value,), {name: lambda self: 0})
    with pytest.raises(TypeError, match="'data'.*property with a setter"):
        type("Shadow", (Value,), {"data": lambda self: 0})

    class Tagged(Value):
        def _describe(self):  # a private helper of the user's own: allowed
            return "tagged"

        @property
        def data(self):
            return Value.data.__get__(self)

        @data.setter
        def data(self, new):
            Value.data.__set__(self, new)

    x = Tagged(np.array([1.0, 2.0]))
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0] and x._describe() == "tagged"


def test_recorded_nodes_and_engine_made_nodes_set_every_slot_of_value():
    """recording._node (which makes every node of the graph) writes value._new_node's work out for speed: both must set
    every one of Value's slots (a slot added to Value and set in one of them only would be unset on the other's
    nodes). Nodes of one, two and three inputs, and a leaf."""
    from autograd_core.value import _new_node

    slots = [s for s in Value.__slots__ if s not in ("__weakref__", "__dict__")]
    x = Value(np.array([1.0, 2.0]))
    for node in (x * 2.0, x + x, x.exp(), ag.stack([x, x, x]),
                 _new_node(Value, np.zeros(2), False, None, (), None, None)):
        assert [s for s in slots if not hasattr(node, s)] == []
    y = x * 2.0
    assert (y._p0, y._p1) == (x, y._p1) and y._p1.data == 2.0 and y._pending is None and y._version is None
    three = ag.stack([x, x, x])
    assert three._p0 is x and three._p1 == (x, x, x)  # three or more inputs: _p1 holds them all


def test_operators_and_common_methods_are_recordings_functions_named_as_values_methods():
    """x + y, x * y, x ** y, x @ y, -x and x.exp() ... x.cos() are recording.binary's and unary's functions of their
    primitives themselves (one Python frame less per operation), named, documented and pickled as Value's methods; the
    reflected operators and apply_binary/apply_unary run the same functions."""
    import inspect
    import pickle

    from autograd_core import ops, recording

    for name, op in (("__add__", ops.add), ("__mul__", ops.mul), ("__pow__", ops.pow), ("__matmul__", ops.matmul)):
        assert Value.__dict__[name] is recording.binary(op) and Value.__dict__[name].__qualname__ == f"Value.{name}"
    assert Value.__dict__["__neg__"] is recording.unary(ops.neg)
    for name in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos"):
        method = Value.__dict__[name]
        assert method is recording.unary(getattr(ops, name)) and method.__qualname__ == f"Value.{name}"
        assert method.__doc__ and str(inspect.signature(method)) == "(self)"
    x = Value(np.array([1.0, -2.0]), requires_grad=True)
    for bound in (x.__add__, x.__mul__, x.__neg__, x.tanh):
        assert pickle.loads(pickle.dumps(bound)).__func__ is bound.__func__
    y = recording.apply_binary(ops.mul, 2.0, x) + (3.0 - x) ** 2 + recording.apply_unary(ops.tanh, -x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 2 - 2 * (3 - x.data) - (1 - np.tanh(-x.data) ** 2))
