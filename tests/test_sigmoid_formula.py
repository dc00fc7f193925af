"""sigmoid of float32 and float64 data is PyTorch's formula 1 / (1 + exp(-x)), computed in three passes over one array
(ops/elementwise.py); other dtypes keep the stable form."""

import warnings

import numpy as np
import pytest

import autograd_core as ag

EDGES = [-1000.0, -720.0, -100.0, -88.8, -20.0, -1.0, -0.0, 0.0, 1e-8, 1.0, 20.0, 100.0, np.inf, -np.inf, np.nan]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1, 0, 4096])  # a NumPy scalar (0), a small array, one large enough to be recycled
def test_float32_and_float64_take_pytorchs_formula(dtype, size):
    rng = np.random.default_rng(1)
    x = np.array(EDGES, dtype) if size == 1 else (rng.standard_normal(size) * 30).astype(dtype)
    with np.errstate(over="ignore"):
        expected = 1 / (1 + np.exp(-x))
    if size == 0:
        for number in np.array(EDGES, dtype):
            out = ag.sigmoid(ag.Value(number)).data
            assert out.__class__ is np.dtype(dtype).type
            with np.errstate(over="ignore"):
                assert np.array_equal(out, 1 / (1 + np.exp(-number)), equal_nan=True)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exp(-x)'s overflow says nothing: σ is 0 there
        out = ag.sigmoid(ag.tensor(x)).data
    assert out.dtype == dtype and out.tobytes() == expected.tobytes()
    assert not np.shares_memory(out, x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_far_below_zero_sigmoid_is_zero_as_pytorchs(dtype):
    # where exp(-x) overflows: the stable form gave a denormal (3.7e-44 in float32 at -100), PyTorch gives 0
    x = np.array([-100.0 if dtype == np.float32 else -720.0], dtype)
    out = ag.sigmoid(ag.tensor(x, requires_grad=True))
    assert out.data[0] == 0
    out.sum().backward()
    torch = pytest.importorskip("torch")
    assert torch.sigmoid(torch.tensor(x))[0].item() == 0


def test_float32_values_and_gradients_are_pytorchs():
    torch = pytest.importorskip("torch")
    x = (np.random.default_rng(2).standard_normal((64, 512)) * 8).astype(np.float32)
    ours = ag.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y, t = ag.sigmoid(ours), torch.sigmoid(theirs)
    np.testing.assert_allclose(y.data, t.detach().numpy(), rtol=5e-7, atol=0)
    (y * y).sum().backward()
    (t * t).sum().backward()
    # (σ(1 − σ) near σ = 1 cancels: an ulp of σ is a large part of 1 − σ there, in both libraries)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=5e-6, atol=3e-7)


def test_float16_keeps_the_stable_form():
    # (its exp overflows from -11: the formula would give 0 where σ is 1.5e-5, which float16 holds)
    x = np.array([-12.0, -1.0, 0.0, 3.0], np.float16)
    out = ag.sigmoid(ag.tensor(x)).data
    z = np.exp(-np.abs(x))
    assert out.dtype == np.float16 and out[0] > 0
    assert np.array_equal(out, np.where(x >= 0, 1 / (1 + z), z / (1 + z)))


def test_integers_and_bools_are_computed_in_the_default_float_with_the_formula():
    out = ag.sigmoid(ag.tensor(np.array([-100, 0, 3]))).data
    assert out.dtype == np.float32 and out[0] == 0  # as PyTorch's float32 result
