"""Assigning `.grad`: what PyTorch refuses is refused with its words, before it can reach a backward pass or an
optimizer's step; what a NumPy or micrograd user writes (an array of the Value's dtype, `p.grad = 0`) is taken
(tests/test_grad_assignment_dtypes.py: gradients of another dtype)."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value


def _outcome(lib, make_grad, shape=(2,), dtype="float32"):
    x = lib.ones(shape, dtype=getattr(lib, dtype), requires_grad=True)
    try:
        x.grad = make_grad(lib, x)
    except (RuntimeError, TypeError) as e:
        return type(e).__name__, str(e).split(" You can set")[0]  # PyTorch's own grad_dtype advice: not ours
    return "ok", None


REFUSED_BY_BOTH = {
    "longer": lambda lib, x: lib.zeros(3),
    "a column": lambda lib, x: lib.zeros(2, 1),
    "0-d for a vector": lambda lib, x: lib.zeros(()),
    "float64 for float32": lambda lib, x: lib.zeros(2, dtype=lib.float64),
    "int64 for float32": lambda lib, x: lib.zeros(2, dtype=lib.int64),
    "itself": lambda lib, x: x,
    "a string": lambda lib, x: "0",
    "a dict": lambda lib, x: {},
}


@pytest.mark.parametrize("case", REFUSED_BY_BOTH)
def test_refused_as_pytorch_refuses(case):
    torch = pytest.importorskip("torch")
    ours, theirs = _outcome(ag, REFUSED_BY_BOTH[case]), _outcome(torch, REFUSED_BY_BOTH[case])
    assert theirs[0] != "ok"
    assert ours == theirs


@pytest.mark.parametrize("case", REFUSED_BY_BOTH)
def test_a_refused_gradient_leaves_the_old_one(case):
    x = ag.ones(2, requires_grad=True)
    (x * 3.0).sum().backward()
    old = x.grad
    with pytest.raises((RuntimeError, TypeError)):
        x.grad = REFUSED_BY_BOTH[case](ag, x)
    assert x.grad is old and np.array_equal(old, [3.0, 3.0])
    (x * 3.0).sum().backward()  # and the next pass accumulates as before
    assert np.array_equal(x.grad, [6.0, 6.0])


def test_a_numpy_array_of_the_wrong_shape_is_refused_not_broadcast():
    # (3, 1) + (2,) would broadcast to (3, 2) in the next backward pass's accumulation
    x = ag.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"size '\[3, 1\]' to a tensor of size '\[2\]'"):
        x.grad = np.zeros((3, 1), np.float32)
    with pytest.raises(RuntimeError, match=r"size '\[1\]' to a tensor of size '\[\]'"):
        Value(2.0).grad = np.zeros(1)


def test_a_value_of_the_right_shape_and_dtype_is_kept_itself():
    x, g = ag.ones(2, requires_grad=True), ag.zeros(2)
    x.grad = g
    assert x.grad is g


def test_numpy_arrays_of_the_values_dtype_lists_and_numbers_become_gradients():
    x = ag.ones(2, requires_grad=True)  # float32
    shared = np.array([1.0, 2.0], np.float32)
    x.grad = shared
    assert np.shares_memory(x.grad, shared)  # kept, not copied: two parameters may share one gradient array
    with pytest.raises(RuntimeError, match="dtype 'double'"):  # float64: refused, as PyTorch's
        x.grad = np.array([1.0, 2.0])
    x.grad = [0.5, 0.25]
    assert x.grad.dtype == np.float32 and np.array_equal(x.grad, [0.5, 0.25])
    x.grad = 0  # micrograd's zero_grad
    assert x.grad.dtype == np.float32 and np.array_equal(x.grad, [0.0, 0.0])
    s = Value(2.0)
    s.grad = 0
    assert type(s.grad) is np.float64 and s.grad == 0.0


def test_micrograd_zero_grad_then_backward_accumulates_from_zero():
    a, b = Value(2.0), Value(-3.0)
    for p in (a, b):
        p.grad = 0.0
    (a * b + a).backward()
    assert a.grad == -2.0 and b.grad == 2.0
    a.grad = 1.0  # a number is a gradient like any other: the next pass adds to it, as PyTorch's does
    (a * b).backward()
    assert a.grad == -2.0
