"""What the backward pass's short path may take for granted: the results of the rules of operations that declare
themselves elementwise (`Primitive.defelementwise`) fit their inputs without the per-edge check when the node's inputs
share one shape and dtype; every other result is still fitted. And what that rests on: each gradient the pass hands to
a node has the node's shape and dtype, whatever a hook returns."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, ops

ELEMENTWISE = sorted(name for name, op in ops.PRIMITIVES.items() if op.elementwise)
DTYPES = (np.float16, np.float32, np.float64)
SHAPES = ((), (1,), (5,), (2, 3), (2, 1, 4))


def _inputs(op, shape, dtype, rng):
    """Arguments of one shape and dtype in the domain of every declared operation (positive: log, sqrt, and a
    divisor away from 0)."""
    return [np.asarray(rng.uniform(0.5, 2.0, size=shape)).astype(dtype) for _ in range(len(op.vjps))]


def test_elementwise_declarations_are_the_expected_ones():
    # A new declaration must come with a look at its rules: the test below runs each on its inputs' dtypes.
    assert ELEMENTWISE == sorted(["+", "-", "*", "/", "neg", "exp", "log", "sqrt", "tanh", "sigmoid", "sin", "cos",
                                  "relu"])


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_declared_rules_return_their_inputs_shape_and_dtype(name, dtype):
    op = ops.PRIMITIVES[name]
    rng = np.random.default_rng(0)
    for shape in SHAPES:
        xs = _inputs(op, shape, dtype, rng)
        out = op.forward(*xs)  # (a NumPy scalar for 0-d inputs, as in a graph)
        assert out.shape == shape and out.dtype == dtype, (name, shape)
        g = rng.standard_normal(shape).astype(dtype)
        for i, rule in enumerate(op.vjps):
            gp = rule(g, out, *xs)
            assert gp.shape == shape and gp.dtype == dtype, (name, i, shape, gp.shape, gp.dtype)


@pytest.mark.parametrize("dtype", (np.float32, np.float64), ids=lambda d: d.__name__)
def test_elementwise_graph_gradients_keep_shape_and_dtype(dtype):
    # The short path end to end: same-shape operands take the declared path, broadcast ones are still fitted.
    rng = np.random.default_rng(1)
    x = Value(rng.uniform(0.5, 2.0, (3, 4)).astype(dtype))
    row = Value(rng.uniform(0.5, 2.0, (4,)).astype(dtype))
    y = ((x * x + x / x - x).tanh().exp().log().sqrt().sigmoid().sin().cos().relu() - (-x)) * row
    y.sum().backward()
    assert x.grad.shape == (3, 4) and x.grad.dtype == dtype
    assert row.grad.shape == (4,) and row.grad.dtype == dtype
    eps = 1e-6
    if dtype is np.float64:  # the values too, against central differences
        def f(xd, rd):
            return float(((np.cos(np.sin(1 / (1 + np.exp(-np.sqrt(np.log(np.exp(np.tanh(xd * xd + xd / xd - xd))))))))
                           .clip(0) + xd) * rd).sum())
        for (i, j) in [(0, 0), (1, 2), (2, 3)]:
            d = np.zeros((3, 4))
            d[i, j] = eps
            numeric = (f(x.data + d, row.data) - f(x.data - d, row.data)) / (2 * eps)
            assert abs(x.grad[i, j] - numeric) < 1e-6


@pytest.mark.parametrize("dtypes", [(np.float32, np.float64), (np.float64, np.float32), (np.float16, np.float32)])
def test_operands_of_two_dtypes_get_gradients_of_their_own(dtypes):
    # Same shape, two dtypes: NumPy computes in the wider one, and each input's gradient is converted back.
    a, b = Value(np.full(3, 0.5, dtypes[0])), Value(np.full(3, 2.0, dtypes[1]))
    for y in (a * b, a + b, a - b, a / b):
        a.grad = b.grad = None
        y.sum().backward()
        assert a.grad.dtype == dtypes[0] and b.grad.dtype == dtypes[1], y


def test_one_operand_needing_a_gradient_is_fitted():
    # x * c with c a constant of a broadcasting shape: x's gradient is summed back to x's shape.
    x = Value(np.ones((1, 3)))
    (x * np.arange(6.0).reshape(2, 3)).sum().backward()
    np.testing.assert_array_equal(x.grad, [[3.0, 5.0, 7.0]])


@pytest.mark.parametrize("to", ["float64", "float16"])
def test_a_hook_returning_another_dtype_raises_pytorchs_error(to):
    # PyTorch's error (tests/test_grad_fn_hooks_order.py compares it side by side); the pass is undone
    x = Value(np.full(3, 0.5, np.float32), requires_grad=True)
    y = x.tanh()
    y.register_hook(lambda g: g.astype(to))
    with pytest.raises(RuntimeError, match=f"hook '<lambda>' has changed the type of value \\(was torch.FloatTensor "
                                           f"got torch.{'Double' if to == 'float64' else 'Half'}Tensor\\)"):
        (y * y).sum().backward()
    assert x.grad is None


def test_a_hook_returning_a_python_number_on_a_scalar_node():
    x = Value(np.float32(0.5), requires_grad=True)
    y = x.tanh()
    y.register_hook(lambda g: 2.0)
    (y * 3).backward()
    assert x.grad.__class__ is np.float32
    assert x.grad == pytest.approx(2 * (1 - np.tanh(0.5) ** 2), rel=1e-6)


def test_sums_across_many_uses():
    # 1,000 uses of one input (the per-op benchmark's y) and of a 0-d one: each gets the sum of every use.
    y, s = Value(np.full(4, 0.5)), Value(np.float64(2.0))
    z = Value(np.zeros(4))
    for _ in range(1000):
        z = z + y * s
    z.sum().backward()
    np.testing.assert_allclose(y.grad, np.full(4, 2000.0))
    np.testing.assert_allclose(s.grad, 2000.0)


def test_scalar_graph_sums():
    # A scalar graph's gradients are NumPy scalars, summed as such: the class decides there, not the declaration.
    a = Value(1.5)
    total = a * a
    for _ in range(5):
        total = total + a
    total.backward()
    assert a.grad == pytest.approx(2 * 1.5 + 5)
    assert ag.is_tensor(a)
