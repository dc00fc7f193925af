"""autograd_core.autograd.Function: PyTorch's custom operations with a hand-written backward."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value
from autograd_core.autograd import Function


class ScaledProduct(Function):
    """x * y * scale, with scale a number (no gradient)."""

    @staticmethod
    def forward(ctx, x, y, scale):
        ctx.save_for_backward(x, y)
        ctx.scale = float(scale)
        return x * y * ctx.scale

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y * ctx.scale, g * x * ctx.scale, None


def test_function_records_one_node_with_the_hand_written_gradient():
    x, y = Value(np.array([1.0, 2.0, 3.0])), Value(np.array([[0.5], [2.0]]))  # broadcast to (2, 3)
    out = ScaledProduct.apply(x, y, 3.0)
    assert out.op == "ScaledProduct" and out.parents[0] is x and out.parents[1] is y and out.shape == (2, 3)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, 3.0 * (0.5 + 2.0) * np.ones(3))   # un-broadcast by the engine
    np.testing.assert_allclose(y.grad, 3.0 * 6.0 * np.ones((2, 1)))
    assert "ScaledProduct" not in ag.ops.PRIMITIVES  # a user's Function is not a library primitive


def test_function_matches_pytorch():
    torch = pytest.importorskip("torch")

    class TorchScaledProduct(torch.autograd.Function):
        forward = staticmethod(ScaledProduct.forward)
        backward = staticmethod(ScaledProduct.backward)

    data_x, data_y = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.7, -1.1])
    x, y = Value(data_x), Value(data_y)
    (ScaledProduct.apply(x, y, 2.0) ** 2).sum().backward()
    tx, ty = torch.tensor(data_x, requires_grad=True), torch.tensor(data_y, requires_grad=True)
    (TorchScaledProduct.apply(tx, ty, 2.0) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy())
    np.testing.assert_allclose(y.grad, ty.grad.numpy())


def test_backward_returning_the_wrong_number_of_gradients_is_an_error():
    class Broken(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    x = Value(np.ones(2))
    with pytest.raises(RuntimeError, match="Broken.backward returned 1 gradients for 2 inputs"):
        Broken.apply(x, x).sum().backward()
