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


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x ** 2


class SavedOutputExp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)  # the output, as PyTorch's exp does
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * y


class Product(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * a

    @staticmethod
    def jvp(ctx, ta, tb):  # forward mode, PyTorch's name
        a, b = ctx.saved_tensors
        return ta * b + a * tb


def test_second_and_third_derivatives_go_through_the_saved_inputs_and_output():
    # The saved Values were detached copies, so d/dx (3x²·g) came out 0 instead of 6x·g.
    assert float(ag.grad(ag.grad(lambda v: Cube.apply(v)))(2.0)) == 12.0
    assert float(ag.grad(ag.grad(ag.grad(lambda v: Cube.apply(v))))(2.0)) == 6.0
    np.testing.assert_allclose(ag.grad(ag.grad(lambda v: SavedOutputExp.apply(v)))(0.5), np.exp(0.5), rtol=1e-15)
    x = Value(np.array(2.0))
    (g,) = ag.autograd.grad(Cube.apply(x), [x], create_graph=True)
    (gg,) = ag.autograd.grad(g, [x])
    assert float(g.data) == 12.0 and float(gg) == 12.0


def test_second_derivatives_match_pytorch():
    torch = pytest.importorskip("torch")
    # The same forward and backward as Cube's, as a PyTorch Function.
    TorchCube = type("TorchCube", (torch.autograd.Function,),
                     {"forward": staticmethod(Cube.forward), "backward": staticmethod(Cube.backward)})
    t = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(TorchCube.apply(t), [t], create_graph=True)
    (second,) = torch.autograd.grad(first, [t])
    np.testing.assert_allclose(ag.grad(ag.grad(lambda v: Cube.apply(v)))(1.7), second.item(), rtol=1e-14)


def test_forward_mode_through_a_function_with_a_jvp():
    f = lambda v: Product.apply(v[0], v[1] * v[1])  # noqa: E731  (v0·v1²: Hessian [[0, 2v1], [2v1, 2v0]])
    x = np.array([1.5, 2.0])
    expected = [[0.0, 4.0], [4.0, 3.0]]
    for hessian in (ag.hessian(f), ag.jacfwd(ag.jacfwd(f)), ag.jacrev(ag.jacfwd(f)), ag.jacrev(ag.jacrev(f))):
        np.testing.assert_allclose(hessian(x), expected, rtol=1e-15)
    out, tangent = ag.jvp(lambda a, b: Product.apply(a, b), (2.0, 3.0), (1.0, 10.0))
    assert (float(out), float(tangent)) == (6.0, 23.0)
    with pytest.raises(NotImplementedError, match=r"a static method jvp\(ctx, \*tangents\)"):
        ag.jvp(lambda v: Cube.apply(v), (2.0,), (1.0,))
