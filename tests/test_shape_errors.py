"""Shapes an operation cannot take raise, from the engine (engine.ShapeError), an error that is both NumPy's kind
(ValueError) and PyTorch's (RuntimeError): code written for either library catches it. (Operations that check shapes
themselves before the engine runs them, such as `where`, still raise a plain ValueError.)"""

import pytest

import autograd_core as ag

CASES = {
    "view to another size": lambda t: t.ones(6).view(4),
    "reshape to another size": lambda t: t.ones(2, 3).reshape(4, 2),
    "operands that do not broadcast": lambda t: t.ones(3) + t.ones(4),
    "a product of mismatched matrices": lambda t: t.ones(2, 3) @ t.ones(2, 3),
}


@pytest.mark.parametrize("case", CASES)
def test_shape_errors_are_value_errors_and_runtime_errors(case):
    with pytest.raises(RuntimeError) as caught:
        CASES[case](ag)
    assert isinstance(caught.value, ValueError), type(caught.value).__mro__


@pytest.mark.parametrize("case", CASES)
def test_pytorch_raises_runtime_error_for_the_same(case):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        CASES[case](torch)
