"""float32 stays float32 end to end, for every case of the op table: forward, gradients and second
derivatives, with the Python numbers inside the cases (x ** 2.5, 2 ** x, clip bounds, slopes) not
upcasting. Integer data becomes float64."""

import numpy as np
import pytest
from test_ops_backends import OURS
from test_ops_table import CASES

import autograd_core as ag
from autograd_core import Value, engine

F32_CASES = [c for c in CASES if c.float32]  # not astype(float64), not float64 array constants


@pytest.mark.parametrize("case", F32_CASES, ids=[c.label for c in F32_CASES])
def test_float32_end_to_end(case):
    xs = [Value(x.astype(np.float32)) for x in case.inputs]
    out = case.fn(OURS, *xs)
    assert out.dtype == np.float32, f"forward gave {out.dtype}"
    loss = (out * 0.5).sum() + 1
    assert loss.dtype == np.float32
    grads = engine.grad(loss, xs, create_graph=True, allow_unused=True)
    for x, g in zip(xs, grads):
        assert g is not None and g.dtype == np.float32 and g.shape == x.shape
    terms = [(g * g).sum() for g in grads if g.requires_grad]
    if terms:
        for g2 in engine.grad(sum(terms[1:], terms[0]), xs, allow_unused=True):
            assert g2 is None or np.asarray(g2).dtype == np.float32
    # And accumulated .grad through backward():
    out2 = case.fn(OURS, *xs)
    (out2 * 2.0).sum().backward()
    assert all(x.grad.dtype == np.float32 for x in xs)


def test_astype_round_trip_casts_gradients_back():
    x = Value(np.array([1.0, 2.0], dtype=np.float64))
    y = x.astype(np.float32)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64 and y.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [2.0, 4.0])

    z = Value(np.array([1.0, 2.0], dtype=np.float32))
    w = z.astype(np.float64) * np.float64(3.0)
    w.sum().backward()
    assert w.dtype == np.float64 and z.grad.dtype == np.float32


@pytest.mark.parametrize("scalar", [2, 2.5, np.int64(2), True])
def test_python_and_integer_scalars_do_not_upcast_float32(scalar):
    x = Value(np.ones(3, dtype=np.float32))
    for out in (x + scalar, scalar * x, x / scalar if scalar else x, x ** scalar):
        assert out.dtype == np.float32
    if scalar is not True:  # True - x raises, as in PyTorch
        assert (scalar - x).dtype == np.float32


def test_float32_scalar_value():
    x = Value(np.float32(0.5))
    y = (x * 3.0).tanh() + 2 ** x
    y.backward()
    assert isinstance(y.data, np.float32) and y.grad.dtype == np.float32 and x.grad.dtype == np.float32


def test_mixed_float32_and_float64_values_promote_like_numpy():
    a, b = Value(np.ones(2, dtype=np.float32)), Value(np.ones(2))
    c = a * b
    assert c.dtype == np.float64
    c.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64  # each gradient in its input's dtype


def test_integer_arrays_as_operands_follow_the_value():
    x = Value(np.ones(3, dtype=np.float32))
    assert (x * np.arange(3)).dtype == np.float32
    assert (np.arange(3) + x).dtype == np.float32


def test_functional_api_keeps_float32():
    g = ag.grad(lambda v: (v * v).sum())(np.ones(3, dtype=np.float32))
    assert g.dtype == np.float32


def test_integer_data_defaults_to_float64():
    assert Value(np.arange(3)).dtype == np.float64
    assert (Value(3) * 2).dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.uint8, np.int64, np.bool_])
def test_rules_with_numbers_as_arrays_give_what_the_python_numbers_give(dtype):
    # relu and tanh's rules hold their 0 and 1 as 0-d arrays of a float input's dtype (faster than a Python
    # number); for integer and bool data a 0-d array would change the result dtype, so they keep the number.
    from autograd_core.ops.elementwise import relu, tanh

    x = np.array([-2, -1, 0, 1, 3]).astype(dtype)
    out = relu.forward(x)
    assert out.dtype == np.maximum(x, 0).dtype and np.array_equal(out, np.maximum(x, 0))
    if x.dtype.kind == "f":
        g, t = np.linspace(-1, 1, 5).astype(dtype), np.tanh(x)
        slope = 1 - t * t if dtype == np.float64 else (1 - t) * (1 + t)  # (narrower floats: the accurate form)
        for got, want in ((relu.vjps[0](g, out, x), g * (x > 0)), (tanh.vjps[0](g, t, x), g * slope)):
            assert got.dtype == want.dtype == dtype and np.array_equal(got, want)


def test_one_number_object_next_to_values_of_several_dtypes_takes_each_dtype():
    # Value._constant remembers the latest number it wrapped (x = x + 1 in a loop meets the same object):
    # the same object next to another dtype, or another number, must get a constant of its own.
    step = 0.1  # not a float32 number: a float32 constant next to a float64 Value would show
    a32, a64 = Value(np.float32(1.0)), Value(np.float64(1.0))
    v16 = Value(np.ones(2, np.float16))
    for _ in range(2):
        r32, r64, rv, r2 = a32 + step, a64 + step, v16 + step, a32 + 2
        assert [r.parents[1].dtype for r in (r32, r64, rv)] == [np.float32, np.float64, np.float16]
        assert r32.data == np.float32(1) + np.float32(0.1) and r64.data == 1.0 + 0.1 and r2.data == 3.0
        assert rv.data.tolist() == [np.float16(1) + np.float16(0.1)] * 2
    assert (a64 * 1.0).parents[1] is (a64 + 1.0).parents[1]  # one shared constant leaf per number and dtype


def test_the_same_number_object_next_to_scalars_of_other_dtypes_takes_each_ones_dtype():
    # `x + 1` reuses the constant leaf made for the same number object last time (recording.apply_binary's fast path),
    # only when the peer's data is of the same kind.
    one, half = 1, 0.5
    a, b = Value(np.float32(2.0)), Value(np.float64(2.0))
    c = Value(np.ones(3, dtype=np.float32))  # an array: its dtype, not its class, names its kind
    for _ in range(3):  # a float64 constant first, then the same number next to float32 data: float32 still
        assert (b + one).dtype == np.float64 and (a + one).dtype == np.float32
        assert (b * half).dtype == np.float64 and (c * half).dtype == np.float32 and (a * half).dtype == np.float32
    assert float((a + one).data) == 3.0 and float((b * half).data) == 1.0
