"""PyTorch's elementwise functions, comparisons and products (ops/special.py, ops/linalg.py), beyond the op table
(tests/test_ops_table.py checks values, gradients, second derivatives, forward mode, float32 and compile): boolean
results, the rounding family's zero gradients and integer inputs, edge values, shape errors, and the method
spellings."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value


def _torch():
    return pytest.importorskip("torch")


X = np.array([[1.0, -2.0, np.nan], [np.inf, 0.0, -np.inf]])
Y = np.array([1.0, 0.0, np.nan])


@pytest.mark.parametrize("name", ["eq", "ne", "gt", "ge", "lt", "le", "isclose"])
def test_comparisons_match_torch_and_carry_no_gradient(name):
    torch = _torch()
    x = Value(X)
    for other in (Value(Y), 0.0) if name != "isclose" else (Value(Y),):  # torch.isclose takes no number
        out = getattr(ag, name)(x, other)
        method = getattr(x, name)(other)
        expected = getattr(torch, name)(torch.as_tensor(X), torch.as_tensor(Y) if isinstance(other, Value) else other)
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.data, expected.numpy())
        np.testing.assert_array_equal(method.data, out.data)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_float_tests_match_torch(name):
    torch = _torch()
    out = getattr(Value(X), name)()
    assert out.dtype == np.bool_ and not out.requires_grad
    np.testing.assert_array_equal(out.data, getattr(torch, name)(torch.as_tensor(X)).numpy())


def test_isclose_options_match_torch():
    torch = _torch()
    a, b = np.array([1.0, np.nan, 1.001]), np.array([1.0 + 1e-9, np.nan, 1.0])
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 1e-2}, {"atol": 0.01, "rtol": 0.0}):
        np.testing.assert_array_equal(ag.isclose(Value(a), Value(b), **kwargs).data,
                                      torch.isclose(torch.as_tensor(a), torch.as_tensor(b), **kwargs).numpy())


@pytest.mark.parametrize("name", ["sign", "round", "floor", "ceil", "trunc"])
def test_rounding_has_zero_gradient_but_stays_in_the_graph(name):
    torch = _torch()
    data = np.array([-1.5, -0.5, 0.5, 1.5, 2.5, 0.0, 2.7])
    x = Value(data)
    out = getattr(ag, name)(x)
    assert out.requires_grad  # as PyTorch's: the graph goes on through it
    np.testing.assert_array_equal(out.data, getattr(torch, name)(torch.as_tensor(data)).numpy())  # halves to even
    (out * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros_like(data))
    method = getattr(x, name)()
    np.testing.assert_array_equal(method.data, out.data)


def test_rounding_integer_inputs_keep_their_dtype_as_torch():
    torch = _torch()
    data = np.array([-3, 0, 4])
    for name in ("round", "floor", "ceil", "trunc", "sign"):
        out = getattr(ag, name)(ag.tensor(data))
        expected = getattr(torch, name)(torch.as_tensor(data))
        assert str(out.dtype) == str(expected.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(out.data, expected.numpy())


def test_round_decimals_and_frac_match_torch():
    torch = _torch()
    data = np.array([1.2345, -0.0551, 2.5, -7.75])
    np.testing.assert_allclose(ag.round(Value(data), decimals=2).data,
                               torch.round(torch.as_tensor(data), decimals=2).numpy(), rtol=1e-12)
    x = Value(data)
    out = x.frac()
    np.testing.assert_allclose(out.data, torch.frac(torch.as_tensor(data)).numpy(), rtol=1e-12)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones(4))  # frac = x - trunc(x): gradient 1, as PyTorch's


def test_logaddexp_is_stable_and_exact_for_small_numbers():
    torch = _torch()
    a, b = np.array([1000.0, -1000.0, 1e-20, -np.inf]), np.array([1000.0, -999.0, 1e-20, 0.0])
    with np.errstate(over="raise"):
        out = ag.logaddexp(Value(a), Value(b))
    np.testing.assert_allclose(out.data, torch.logaddexp(torch.as_tensor(a), torch.as_tensor(b)).numpy(), rtol=1e-14)


def test_log1p_and_expm1_are_exact_near_zero():
    tiny = np.array([1e-18, -3e-17])
    np.testing.assert_array_equal(ag.log1p(Value(tiny)).data, tiny)
    np.testing.assert_array_equal(ag.expm1(Value(tiny)).data, tiny)


def test_aliases_and_methods_are_the_functions():
    x, y = Value(np.array([0.3, 0.4])), Value(np.array([0.5, -0.6]))
    assert ag.arcsin is ag.asin and ag.arctan2 is ag.atan2
    assert ag.arcsinh is ag.asinh and ag.arccosh is ag.acosh and ag.arctanh is ag.atanh
    for name in ("log1p", "expm1", "tan", "asin", "acos", "atan", "sinh", "cosh", "reciprocal", "rsqrt", "arcsin",
                 "asinh", "atanh", "arcsinh", "arctanh"):
        np.testing.assert_array_equal(getattr(x, name)().data, getattr(ag, name)(x).data)
    for name in ("atan2", "hypot", "logaddexp", "dot", "outer", "arctan2"):
        np.testing.assert_array_equal(getattr(x, name)(y).data, getattr(ag, name)(x, y).data)
    np.testing.assert_array_equal(x.lerp(y, 0.25).data, (x + 0.25 * (y - x)).data)
    np.testing.assert_array_equal(x.addcmul(x, y, value=2).data, (x + 2 * x * y).data)
    np.testing.assert_array_equal(x.addcdiv(x, y).data, (x + x / y).data)
    m = Value(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(m.amax(1).data, [2.0, 5.0])
    np.testing.assert_array_equal(ag.amin(m).data, 0.0)
    np.testing.assert_array_equal(ag.amax(m, (0, 1), keepdim=True).data, [[5.0]])
    assert ag.broadcast_to(x, (3, 2)).shape == (3, 2) and x.broadcast_to((3, 2)).shape == (3, 2)
    assert ag.t(m).shape == (3, 2) and bool(ag.all(m >= 0)) and not bool(ag.any(m < 0))


def test_amax_shares_the_gradient_among_ties_as_torch():
    torch = _torch()
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x = Value(data)
    (ag.amax(x, 1) * np.array([1.0, 2.0])).sum().backward()
    tx = torch.tensor(data, requires_grad=True)
    (torch.amax(tx, 1) * torch.tensor([1.0, 2.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-14)


def test_addmm_with_beta_zero_ignores_nan_in_input_as_torch():
    torch = _torch()
    inp, a, b = np.full((2, 2), np.nan), np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0]])
    out = ag.addmm(Value(inp), Value(a), Value(b), beta=0)
    expected = torch.addmm(torch.as_tensor(inp), torch.as_tensor(a), torch.as_tensor(b), beta=0)
    np.testing.assert_array_equal(out.data, expected.numpy())


SHAPE_ERRORS = [
    ("dot-matrix", lambda m: m.dot(m.ones(2, 2), m.ones(2, 2)), "1D tensors expected"),
    ("dot-lengths", lambda m: m.dot(m.ones(2), m.ones(3)), "inconsistent tensor size"),
    ("outer-matrix", lambda m: m.outer(m.ones(2, 2), m.ones(2)), None),
    ("bmm-2d", lambda m: m.bmm(m.ones(2, 2), m.ones(2, 2)), "3D"),
    ("bmm-batch", lambda m: m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 2)), None),
    ("addmm-vector", lambda m: m.addmm(m.ones(2), m.ones(2), m.ones(2)), None),
]


@pytest.mark.parametrize("label, call, words", SHAPE_ERRORS, ids=[e[0] for e in SHAPE_ERRORS])
def test_shape_errors_are_runtime_errors_as_in_torch(label, call, words):
    with pytest.raises(RuntimeError, match=words):
        call(ag)
    torch = _torch()
    with pytest.raises(RuntimeError):
        call(torch)
