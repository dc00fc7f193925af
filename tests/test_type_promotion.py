"""PyTorch's type promotion: the dtype (and the numbers) of operations on integers, bools, floats of two widths,
0-d Values and Python numbers. Before this, `torch.tensor([1, 2]) * 1.5` gave int64 [1, 2] (the float made an
integer constant) and `torch.tensor([2, 3]) ** 0.5` gave [1, 1]: silent wrong numbers.

Each case is an expression on the library `t`; the expected dtype and values are written out, so the table
is checked without PyTorch too, and, where PyTorch is installed, each case is also run on it.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag

CASES = {  # name: (expression on library t, expected dtype, expected values)
    "int * float": ("t.tensor([1, 2]) * 1.5", "float32", [1.5, 3.0]),
    "float * int (reflected)": ("1.5 * t.tensor([1, 2])", "float32", [1.5, 3.0]),
    "0-d int + float": ("t.tensor(3) + 2.5", "float32", 5.5),
    "int ** float": ("t.tensor([4, 9]) ** 0.5", "float32", [2.0, 3.0]),
    "int - float": ("t.tensor([1, 2]) - 0.5", "float32", [0.5, 1.5]),
    "float - int (reflected)": ("0.5 - t.tensor([1, 2])", "float32", [-0.5, -1.5]),
    "int + int": ("t.tensor([1, 2]) + 1", "int64", [2, 3]),
    "int32 + int": ("t.tensor([1, 2], dtype=t.int32) + 1", "int32", [2, 3]),
    "int32 + int64 tensors": ("t.tensor([1, 2], dtype=t.int32) + t.tensor([1, 1])", "int64", [2, 3]),
    "uint8 + int8": ("t.tensor([1], dtype=t.uint8) + t.tensor([1], dtype=t.int8)", "int16", [2]),
    "bool * float": ("t.tensor([True, False]) * 2.5", "float32", [2.5, 0.0]),
    "bool + int": ("t.tensor([True, False]) + 1", "int64", [2, 1]),
    "bool + bool": ("t.tensor([True, False]) + t.tensor([True, True])", "bool", [True, True]),
    "int / int": ("t.tensor([1, 2]) / 2", "float32", [0.5, 1.0]),
    "int / int tensor": ("t.tensor([1, 3]) / t.tensor([2, 2])", "float32", [0.5, 1.5]),
    "int reflected /": ("3 / t.tensor([2, 4])", "float32", [1.5, 0.75]),
    "int // int": ("t.tensor([-3, 4]) // 2", "int64", [-2, 2]),
    "int % int": ("t.tensor([-7, 7]) % 3", "int64", [2, 1]),
    "float // float": ("t.tensor([-3.5, 4.0]) // 2", "float32", [-2.0, 2.0]),
    "float % float": ("t.tensor([-3.5, 4.0]) % 3", "float32", [2.5, 1.0]),
    "reflected //": ("7 // t.tensor([2, -2])", "int64", [3, -4]),
    "reflected %": ("7 % t.tensor([2, -2])", "int64", [1, -1]),
    "int + 0-d float32": ("t.tensor([1, 2]) + t.tensor(1.0)", "float32", [2.0, 3.0]),
    "float32 vector + float64 0-d": ("t.ones(2) + t.tensor(1.0, dtype=t.float64)", "float32", [2.0, 2.0]),
    "float32 + float64 vectors": ("t.ones(2) + t.ones(2, dtype=t.float64)", "float64", [2.0, 2.0]),
    "int64 vector * float64 0-d": ("t.tensor([1, 2]) * t.tensor(2.0, dtype=t.float64)", "float64", [2.0, 4.0]),
    "float32 * numpy float64 scalar": ("t.ones(2) * np.float64(2.0)", "float32", [2.0, 2.0]),
    "int matmul float, converted": ("t.tensor([[1, 2]]).float() @ t.ones(2, 1)", "float32", [[3.0]]),
    "sqrt of int": ("t.sqrt(t.tensor([4, 9]))", "float32", [2.0, 3.0]),
    "exp of int": ("t.tensor([0, 1]).exp()", "float32", [1.0, np.e]),
    "sigmoid of int8": ("t.sigmoid(t.tensor([0], dtype=t.int8))", "float32", [0.5]),
    "tanh of bool": ("t.tanh(t.tensor([False]))", "float32", [0.0]),
    "abs of int stays int": ("t.tensor([-1, 2]).abs()", "int64", [1, 2]),
    "neg of int stays int": ("-t.tensor([1, 2])", "int64", [-1, -2]),
    "maximum int float": ("t.maximum(t.tensor([1, 5]), t.tensor([2.0, 3.0]))", "float32", [2.0, 5.0]),
    "minimum int32 int64": ("t.minimum(t.tensor([1, 5], dtype=t.int32), t.tensor([2, 3]))", "int64", [1, 3]),
    "where int and float": ("t.where(t.tensor([True, False]), t.tensor([1, 2]), 0.5)", "float32", [1.0, 0.5]),
    "cat int and float": ("t.cat([t.tensor([1, 2]), t.tensor([0.5])])", "float32", [1.0, 2.0, 0.5]),
    "stack int and float64": ("t.stack([t.tensor([1, 2]), t.tensor([0.5, 1.0], dtype=t.float64)])", "float64",
                              [[1.0, 2.0], [0.5, 1.0]]),
    "clamp int to float bounds": ("t.tensor([1, 5]).clamp(0.5, 3.5)", "float32", [1.0, 3.5]),
    "clamp int to int bounds": ("t.tensor([1, 5]).clamp(2, 3)", "int64", [2, 3]),
    "sum of int8 with dtype": ("t.tensor([100, 100], dtype=t.int8).sum(dtype=t.int16)", "int16", 200),
    "sum of bool": ("t.tensor([True, True, False]).sum()", "int64", 2),
    "mean with dtype": ("t.tensor([1, 2]).mean(dtype=t.float32)", "float32", 1.5),
    "comparison of int and float": ("t.tensor([1, 2]) < 1.5", "bool", [True, False]),
}

# (int @ float raises in both, "expected m1 and m2 to have the same dtype": tests/test_beginner_mistakes3.py)
MORE_LENIENT_THAN_PYTORCH = set()


def _run(t, expression):
    return eval(expression, {"t": t, "np": np})  # test-authored expressions only


def _dtype_name(dtype):
    return str(dtype).replace("torch.", "")


@pytest.mark.parametrize("name", sorted(CASES))
def test_dtype_and_values(name):
    expression, dtype, values = CASES[name]
    out = _run(ag, expression)
    assert _dtype_name(out.dtype) == dtype, f"{expression}: {out.dtype}"
    np.testing.assert_allclose(np.asarray(out.tolist(), dtype=float), np.asarray(values, dtype=float), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_pytorch_agrees_with_the_table(name):
    torch = pytest.importorskip("torch")
    expression, dtype, values = CASES[name]
    if name in MORE_LENIENT_THAN_PYTORCH:
        with pytest.raises(RuntimeError):
            _run(torch, expression)
        return
    out = _run(torch, expression)
    assert _dtype_name(out.dtype) == dtype
    np.testing.assert_allclose(np.asarray(out.tolist(), dtype=float), np.asarray(values, dtype=float), rtol=1e-6)


def test_mean_of_integers_raises_as_pytorch():
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype"):
        ag.tensor([1, 2]).mean()


def test_gradients_keep_each_inputs_dtype():
    """A float32 weight times an int mask stays float32 (NumPy would compute in float64), and times a float64 0-d
    constant too; each gradient comes back in its input's dtype."""
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = ag.tensor([1, 0, 1])
    y = w * mask * ag.tensor(2.0, dtype=ag.float64)
    assert y.dtype == ag.float32
    y.sum().backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_allclose(w.grad, [2.0, 0.0, 2.0])


def test_two_values_that_need_gradients_keep_numpys_promotion():
    """The documented exception (recording._promoted): when both operands need gradients the engine does not look, so a
    float64 0-d weight widens a float32 vector to float64 (PyTorch: float32). Gradients keep their inputs' dtypes."""
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    scale = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    y = w * scale
    assert y.dtype == ag.float64
    y.sum().backward()
    assert w.grad.dtype == np.float32 and scale.grad.dtype == np.float64
    np.testing.assert_allclose(scale.grad, 3.0)


def test_default_dtype_decides_floats_made_from_integers():
    ag.set_default_dtype(ag.float64)
    try:
        assert (ag.tensor([1, 2]) * 1.5).dtype == ag.float64
        assert (ag.tensor([1, 2]) / 2).dtype == ag.float64
        assert ag.tensor([1, 2]).exp().dtype == ag.float64
    finally:
        ag.set_default_dtype(ag.float32)
    assert (ag.tensor([1, 2]) * 1.5).dtype == ag.float32


def test_integer_constants_are_not_confused_with_floats():
    """1, 1.0 and True are equal as dict keys: an integer Value's constants are made each time, not cached."""
    x = ag.tensor([2, 4])
    assert (x * 1).dtype == ag.int64 and (x * 1.0).dtype == ag.float32 and (x * True).dtype == ag.int64
    assert (x * 1).tolist() == [2, 4] and (x * 1.0).tolist() == [2.0, 4.0]


def test_a_compiled_step_gives_the_eager_dtypes_and_numbers():
    w = ag.tensor([0.5, -1.0, 2.0], requires_grad=True)

    def step(x, mask):
        loss = (w * mask + x / 2).exp().sum() + (x ** 0.5).sum()
        loss.backward()
        return loss

    compiled = ag.compile(step)
    x, mask = ag.tensor([1, 2, 3]), ag.tensor([1, 0, 1])
    eager = step(x, mask)
    eager_grad = w.grad.copy()
    for _ in range(3):
        w.grad = None
        out = compiled(x, mask)
        assert out.dtype == eager.dtype == ag.float32
        assert out.item() == eager.item()
        np.testing.assert_array_equal(w.grad, eager_grad)


def test_logspace():
    np.testing.assert_allclose(ag.logspace(0, 2, 3).data, [1.0, 10.0, 100.0])
    x = ag.logspace(-1, 1, 5, base=2.0, dtype=ag.float64)
    assert x.dtype == ag.float64
    np.testing.assert_allclose(x.data, 2.0 ** np.linspace(-1, 1, 5))
    assert ag.logspace(0, 1, 4).dtype == ag.float32
