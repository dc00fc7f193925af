"""Exceptions that code written for PyTorch catches: where PyTorch raises a RuntimeError, ours is one too (an
ArgumentError or DTypeError is also the ValueError or TypeError NumPy-minded code expects)."""

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn.functional as F


@pytest.mark.parametrize("call, error, message", [
    (lambda: ag.tensor([1.0, 2.0]).clamp(), ag.ArgumentError, "At least one of 'min' or 'max'"),
    (lambda: ag.tensor([1.0, 2.0]).clamp_(), ag.ArgumentError, "At least one of 'min' or 'max'"),
    (lambda: F.pad(ag.ones(2), (1, 1, 1)), ag.ArgumentError, "pad must be an even number"),
    (lambda: ag.randint(5, 2, (3,)), ag.ArgumentError, "'from' to be less than 'to'"),
    (lambda: ag.zeros(-1), ag.ArgumentError, "negative dimensions are not allowed"),
    (lambda: ag.ones(2, -3), ag.ArgumentError, "negative dimensions are not allowed"),
    (lambda: ag.eye(-1), ag.ArgumentError, "at least 0"),
    (lambda: F.cross_entropy(ag.tensor([[1.0, 2.0]]), ag.tensor([0.5])), ag.DTypeError, "labels must be integers"),
    (lambda: F.nll_loss(ag.ones(2, 3), ag.tensor([0, 1.0])), ag.DTypeError, "class labels must be integers"),
    (lambda: ag.tensor([1, 2]).requires_grad_(), ag.DTypeError, "only floating-point Values can require gradients"),
    (lambda: ag.Value([1, 2], dtype=np.int64), ag.DTypeError, "cannot carry a gradient"),
    (lambda: ag.full((2,), "a"), TypeError, "fill_value must be a number"),
])
def test_errors_are_pytorchs_class_and_numpys(call, error, message):
    with pytest.raises(error, match=message) as raised:
        call()
    if error is not TypeError:
        assert isinstance(raised.value, RuntimeError)  # what `except RuntimeError:` around PyTorch code catches
    assert isinstance(raised.value, ValueError if error is ag.ArgumentError else TypeError)


def test_view_as_another_dtype_reads_the_same_bytes():
    x = ag.tensor([1.0, 2.0])
    bits = x.view(ag.int32)
    assert bits.dtype == np.int32 and bits.tolist() == [1065353216, 1073741824]  # IEEE 754 of 1.0 and 2.0
    bits[0] = 0
    assert x.tolist() == [0.0, 2.0]  # the same memory, as PyTorch's
    assert ag.tensor([[1.0, 2.0]], dtype=ag.float64).view(ag.float16).shape == (1, 8)  # last dim × 8 / 2
    assert x.view(2, 1).shape == (2, 1)  # sizes still mean a shape


CASES = [
    "m.tensor([1., 2.]).clamp()", "m.nn.functional.pad(m.ones(2), (1, 1, 1))", "m.randint(5, 2, (3,))", "m.zeros(-1)",
    "m.eye(-1)", "m.tensor([1., 2.]).float().long().requires_grad_()", "m.full((2,), 'a')",
    "m.nn.functional.cross_entropy(m.tensor([[1., 2.]]), m.tensor([0.5]))",
    "m.tensor([[1., 2.]]) @ m.tensor([[1., 2.]])",
    "m.tensor([1., 2.]) + m.tensor([1., 2., 3.])", "m.tensor([1, 2], requires_grad=True)", "m.tensor([1., 2.]).item()",
    "m.tensor([1., 2.], requires_grad=True).numpy()", "m.tensor([1., 2.]).reshape(3)", "m.tensor([1., 2.])[5]",
    "m.tensor([1., 2.]).sum(dim=3)", "m.nn.Linear(2, 3)(m.tensor([[1., 2., 3.]]))", "m.tensor([1., 2.]).backward()",
    "m.tensor([1., 2.], requires_grad=True).add_(1)", "m.cat([m.tensor([1.]), m.tensor([[1.]])])",
    "m.ones(2).dot(m.ones(3))", "m.nn.Conv2d(3, 4, 3)(m.ones(1, 2, 5, 5))", "m.tensor([1., 2.]).topk(3)",
    "m.nn.Embedding(3, 2)(m.tensor([3]))", "m.nn.functional.one_hot(m.tensor([3]), 2)", "m.linalg.inv(m.zeros(2, 2))",
    "m.linalg.cholesky(-m.eye(2))", "m.nn.functional.softmax(m.ones(2), dim=2)", "m.nn.ModuleList()[0]",
    "m.multinomial(m.tensor([0., 0.]), 1)", "m.tensor([True]) - m.tensor([True])", "-m.tensor([True])",
]


@pytest.mark.parametrize("expression", CASES)
def test_where_pytorch_raises_ours_raises_a_subclass_of_its_builtin_class(expression):
    torch = pytest.importorskip("torch")
    theirs, ours = (_raised(expression, module) for module in (torch, ag))
    assert theirs is not None and ours is not None, (expression, theirs, ours)
    builtin = next(c for c in theirs.__mro__ if c.__module__ == "builtins")  # torch's own classes derive from one
    assert issubclass(ours, builtin), (expression, theirs, ours)


def _raised(expression, module):
    try:
        exec(expression, {"m": module})  # noqa: S102  (the test's own expressions)
    except Exception as error:  # noqa: BLE001
        return type(error)
    return None
