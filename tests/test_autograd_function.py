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


# PyTorch's Function API beyond one output and ctx.save_for_backward: several outputs, needs_input_grad, arguments that
# are not Values, mark_non_differentiable, set_materialize_grads, mark_dirty, setup_context, once_differentiable, the
# gradient shape check and grad_fn's name. Each class is written once, with `lib` standing for torch or autograd_core,
# and run on both libraries (the PyTorch half skips without torch).

def _function_classes(lib):
    class SinCos(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale, squared):  # two outputs; scale (a number) and squared (a flag) are no tensors
            ctx.scale, ctx.squared = scale, squared
            s, c = x.sin() * scale, x.cos() * scale
            ctx.save_for_backward(s, c)
            return s, c

        @staticmethod
        def backward(ctx, gs, gc):
            SinCos.seen = (tuple(ctx.needs_input_grad), gs is None, gc is None, ctx.scale, ctx.squared)
            s, c = ctx.saved_tensors
            return gs * c - gc * s, None, None

    class TopIndex(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            index = x.argmax()
            ctx.mark_non_differentiable(index)
            ctx.save_for_backward(x)
            return x * 2, index

        @staticmethod
        def backward(ctx, g, g_index):
            TopIndex.index_gradient = g_index
            return g * 2

    class Unmaterialized(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 3, x * 4

        @staticmethod
        def backward(ctx, g3, g4):
            Unmaterialized.nones = (g3 is None, g4 is None)
            return (0 if g3 is None else g3 * 3) + (0 if g4 is None else g4 * 4)

    class Double_(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Cube2(lib.autograd.Function):  # PyTorch 2's style: forward without ctx, then setup_context
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    class ScalarGradient(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum()  # of shape (), for an input of shape (3,)

    class RowGradient(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return g * lib.ones(2, 3, dtype=lib.float64)  # larger than x (3,): summed to it

    return SinCos, TopIndex, Unmaterialized, Double_, Cube2, ScalarGradient, RowGradient


def _function_results(lib):
    """What each Function gives on `lib`, as plain numbers."""
    SinCos, TopIndex, Unmaterialized, Double_, Cube2, ScalarGradient, RowGradient = _function_classes(lib)
    to_list = lambda t: None if t is None else np.asarray(t.detach().numpy() if hasattr(t, "detach") else t).tolist()  # noqa: E731
    res = {}
    x = lib.tensor([0.3, 1.2, -0.7], dtype=lib.float64, requires_grad=True)
    s, c = SinCos.apply(x, 2.0, True)
    loss = (s * c).sum()
    (g,) = lib.autograd.grad(loss, x, create_graph=True)
    (gg,) = lib.autograd.grad(g.sum(), x)  # through the saved outputs
    res["several outputs"] = (type(s) is type(x), to_list(s), to_list(c), to_list(g), to_list(gg),
                              s.grad_fn.name())
    s, c = SinCos.apply(x, 1.0, False)
    s.sum().backward()  # c unused: backward gets zeros for it
    res["one output used"] = (to_list(x.grad), s.grad_fn.name().startswith("SinCos"))
    y = x.detach()
    s, c = SinCos.apply(y, 1.0, False)
    res["no input needs grad"] = (s.requires_grad, c.requires_grad)
    x.grad = None
    doubled, index = TopIndex.apply(x)
    doubled.sum().backward()
    res["non-differentiable output"] = (index.requires_grad, doubled.requires_grad, int(index), to_list(x.grad))
    x.grad = None
    three, four = Unmaterialized.apply(x)
    four.sum().backward()
    res["materialize off"] = to_list(x.grad)
    h = x * 1
    out = Double_.apply(h)
    out.sum().backward()
    res["mark_dirty"] = (to_list(out), to_list(x.grad))
    x.grad = None
    Cube2.apply(x).sum().backward()
    res["setup_context"] = to_list(x.grad)
    try:
        ScalarGradient.apply(x).sum().backward()
        res["scalar gradient"] = "no error"
    except RuntimeError as err:
        res["scalar gradient"] = str(err)
    x.grad = None
    RowGradient.apply(x).backward()
    res["gradient summed to its input"] = to_list(x.grad)
    return res


def _same(ours, theirs):
    """Equal results: numbers to float64 rounding, the rest exactly (strings, bools, names)."""
    if isinstance(ours, (list, tuple)) and isinstance(theirs, (list, tuple)):
        return len(ours) == len(theirs) and all(_same(a, b) for a, b in zip(ours, theirs))
    if isinstance(ours, float) or isinstance(theirs, float):
        return bool(np.isclose(ours, theirs, rtol=1e-12, atol=0))
    return ours == theirs


def test_functions_with_several_outputs_flags_and_setup_context_match_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _function_results(ag), _function_results(torch)
    assert ours.keys() == theirs.keys()
    for key in ours:
        assert _same(ours[key], theirs[key]), (key, ours[key], theirs[key])


def test_function_flags_seen_by_backward():
    SinCos, TopIndex, Unmaterialized, *_ = _function_classes(ag)
    x = ag.tensor([0.5, 1.0], requires_grad=True)
    s, c = SinCos.apply(x, 2.0, True)
    assert s.grad_fn.name() == "SinCosBackward"   # PyTorch's name for a Function's node (no "0")
    s.sum().backward()
    # one bool per argument of apply; c's gradient is zeros (materialized), not None; the number and flag as given
    assert SinCos.seen == ((True, False, False), False, False, 2.0, True)
    three, four = Unmaterialized.apply(x)
    four.sum().backward()
    assert Unmaterialized.nones == (True, False)
    doubled, index = TopIndex.apply(x)
    doubled.sum().backward()
    assert index.dtype == np.int64 and not index.requires_grad
    np.testing.assert_array_equal(TopIndex.index_gradient.data, 0)  # zeros, as PyTorch gives


def test_function_gradient_of_the_wrong_shape_raises_pytorchs_error():
    *_, ScalarGradient, RowGradient = _function_classes(ag)
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Function ScalarGradientBackward returned an invalid gradient at index 0 "
                                           r"- got \[\] but expected shape compatible with \[3\]"):
        ScalarGradient.apply(x).sum().backward()
    assert x.grad is None  # the pass that raised left nothing behind
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    RowGradient.apply(x).backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


def test_mark_dirty_counts_the_change_in_place():
    *_, Double_, _, _, _ = _function_classes(ag)
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    saved = (h * h).sum()  # saved h before it was doubled in place
    out = Double_.apply(h)
    np.testing.assert_array_equal(h.data, [2.0, 4.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        saved.backward()


def test_once_differentiable_runs_backward_once_and_refuses_a_second_derivative():
    from autograd_core.autograd.function import once_differentiable

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert not ag.is_grad_enabled()
            return g * x.exp()

    x = ag.tensor([0.0, 1.0], dtype=ag.float64, requires_grad=True)
    Exp.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.exp([0.0, 1.0]))
    y = Exp.apply(x)
    (g,) = ag.autograd.grad(y, x, grad_outputs=ag.ones(2, dtype=ag.float64, requires_grad=True), create_graph=True)
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                           "@once_differentiable"):
        g.sum().backward()
    assert ag.autograd.function.Function is Function
