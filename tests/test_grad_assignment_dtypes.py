"""`x.grad = g` with g of another dtype than x's: refused with PyTorch's RuntimeError and words (before the size check,
as PyTorch checks), the old `.grad` kept. A NumPy array is taken as a tensor is: of x's dtype or refused. Lists and
numbers have no dtype of their own and take x's (PyTorch refuses them altogether; micrograd's `p.grad = 0` is ours),
except a complex one for a real x, whose imaginary part would be dropped."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value

_CUT = " You can set"  # PyTorch goes on with advice on the tensor's grad_dtype attribute, which Values do not have


def _message(lib, leaf, g):
    try:
        leaf.grad = g
    except (RuntimeError, TypeError) as e:
        return type(e).__name__, str(e).split(_CUT)[0]
    return "ok", None


# (leaf dtype, leaf shape, gradient dtype, gradient shape, requires_grad of the leaf)
CASES = {
    "float64 for float32": ("float32", (3,), "float64", (3,), True),
    "float32 for float64": ("float64", (3,), "float32", (3,), True),
    "int64 for float32": ("float32", (3,), "int64", (3,), True),
    "int32 for float64": ("float64", (3,), "int32", (3,), True),
    "bool for float32": ("float32", (3,), "bool", (3,), True),
    "float16 for float32": ("float32", (3,), "float16", (3,), True),
    "complex64 for float32": ("float32", (3,), "complex64", (3,), True),
    "float32 for complex64": ("complex64", (3,), "float32", (3,), True),
    "complex128 for complex64": ("complex64", (3,), "complex128", (3,), True),
    "0-d float64 for 0-d float32": ("float32", (), "float64", (), True),
    "another dtype and size: the dtype is named": ("float32", (3,), "float64", (4,), True),
    "float32 for an int64 tensor": ("int64", (3,), "float32", (3,), False),
    "float64 for a float32 tensor without grad": ("float32", (3,), "float64", (3,), False),
}


def _leaf(lib, dtype, shape, requires_grad):
    return lib.zeros(shape, dtype=getattr(lib, dtype), requires_grad=requires_grad)


@pytest.mark.parametrize("case", CASES)
def test_a_tensor_of_another_dtype_is_refused_as_in_pytorch(case):
    leaf_dtype, leaf_shape, dtype, shape, requires_grad = CASES[case]
    ours = _message(ag, _leaf(ag, leaf_dtype, leaf_shape, requires_grad), ag.ones(shape, dtype=getattr(ag, dtype)))
    assert ours[0] == "RuntimeError" and "attempting to assign a gradient with dtype" in ours[1]
    # a NumPy array of that dtype is refused with the same words, and says how to make one the Value takes
    as_array = _message(ag, _leaf(ag, leaf_dtype, leaf_shape, requires_grad), np.ones(shape, dtype=dtype))
    assert as_array[0] == ours[0] and as_array[1].startswith(ours[1])
    assert f"a NumPy array of {np.dtype(dtype).name}: make it with dtype=np.{np.dtype(leaf_dtype).name}" in as_array[1]
    torch = pytest.importorskip("torch")
    theirs = _message(torch, _leaf(torch, leaf_dtype, leaf_shape, requires_grad),
                      torch.ones(shape, dtype=getattr(torch, dtype)))
    assert ours == theirs


def test_the_same_dtype_and_none_are_taken_as_in_pytorch():
    for lib in filter(None, (ag, _torch())):
        x = lib.zeros(3, requires_grad=True)
        g = lib.ones(3)
        x.grad = g
        assert x.grad is g
        x.grad = None
        assert x.grad is None
    x = ag.zeros(3, requires_grad=True)
    array = np.ones(3, np.float32)
    x.grad = array
    assert np.shares_memory(x.grad, array)  # kept, not copied


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


@pytest.mark.parametrize("make", [lambda: np.zeros(2), lambda: np.float64(1.0), lambda: ag.zeros(2, dtype=ag.float64),
                                  lambda: np.zeros(2, np.int64), lambda: 1j, lambda: [1j, 0]],
                         ids=["float64 array", "float64 scalar", "float64 Value", "int64 array", "complex number",
                              "complex list"])
def test_a_refused_gradient_changes_nothing(make):
    x = ag.ones(2, requires_grad=True)
    (x * 3.0).sum().backward()
    old = x.grad
    with pytest.raises(RuntimeError, match="attempting to assign a gradient with dtype"):
        x.grad = make()
    assert x.grad is old and old.dtype == np.float32 and np.array_equal(old, [3.0, 3.0])
    (x * 3.0).sum().backward()  # the next pass accumulates into it as before
    assert x.grad is old and np.array_equal(old, [6.0, 6.0])


def test_a_numpy_scalar_of_another_dtype_for_a_0d_value_is_refused():
    s = Value(np.float32(2.0))
    with pytest.raises(RuntimeError, match="dtype 'double' to a tensor with grad_dtype 'Float'"):
        s.grad = np.float64(1.0)
    s.grad = np.float32(1.0)
    assert s.grad.__class__ is np.float32


def test_lists_and_numbers_take_the_values_dtype_and_complex_ones_are_refused_for_real_values():
    x = ag.ones(2, requires_grad=True)  # float32
    x.grad = [1, 2]  # ints, as the literal is written
    assert x.grad.dtype == np.float32 and np.array_equal(x.grad, [1.0, 2.0])
    x.grad = 0.5
    assert x.grad.dtype == np.float32 and np.array_equal(x.grad, [0.5, 0.5])
    with pytest.raises(RuntimeError, match=r"dtype 'c10::complex<double>' to a tensor with grad_dtype 'Float'"):
        x.grad = [1j, 2]
    with pytest.raises(RuntimeError, match=r"dtype 'c10::complex<double>' to a tensor with grad_dtype 'Float'"):
        x.grad = 1j
    assert np.array_equal(x.grad, [0.5, 0.5])
    z = ag.zeros(2, dtype=ag.complex64, requires_grad=True)
    z.grad = [1j, 2]  # a complex Value takes complex numbers, in its dtype
    assert z.grad.dtype == np.complex64 and np.array_equal(z.grad, [1j, 2])


def test_a_sparse_gradient_of_another_dtype_is_refused_as_in_pytorch():
    x = ag.zeros(3, requires_grad=True)
    dense = np.array([0.0, 2.0, 0.0])
    with pytest.raises(RuntimeError) as ours:
        x.grad = ag.tensor(dense).to_sparse()  # float64 for a float32 leaf
    assert x.grad is None
    x.grad = ag.tensor(dense.astype(np.float32)).to_sparse()
    assert x.grad.is_sparse and x.grad.dtype == np.float32
    torch = _torch()
    if torch is not None:
        t = torch.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError) as theirs:
            t.grad = torch.tensor(dense).to_sparse()
        assert str(ours.value) == str(theirs.value).split(_CUT)[0]


def test_the_library_never_assigns_a_gradient_of_another_dtype():
    # what writes .grad itself: an optimizer's zero_grad, clipping, amp's unscaling, Module.zero_grad and float32
    # training, whose gradients keep their parameters' dtype
    model = ag.nn.Linear(3, 2)
    opt = ag.optim.SGD(model.parameters(), lr=0.1)
    x = ag.ones(4, 3)
    for _ in range(2):
        opt.zero_grad()
        model(x).sum().backward()
        ag.nn.utils.clip_grad_norm_(model.parameters(), np.float64(0.01))  # a NumPy float64 bound
        ag.nn.utils.clip_grad_value_(model.parameters(), np.float64(0.001))
        opt.step()
    assert all(p.grad.dtype == p.dtype == np.float32 for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad.dtype == np.float32 and not p.grad.any() for p in model.parameters())
