"""Edge cases where PyTorch's answer is the expected one: variance with a correction of at least the element
count, and the higher derivatives of x ** n at x = 0."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value


@pytest.mark.parametrize("correction", [3, 4])
def test_var_with_correction_at_least_n_is_inf_not_an_error(correction):
    x = Value(np.array([1.0, 2.0, 4.0]))
    v = x.var(correction=correction)
    assert np.isinf(v.data)
    v.backward()
    assert np.all(np.isinf(x.grad))
    assert np.isinf(x.std(correction=correction).data)
    assert np.isinf(Value(np.array([1.0, 2.0, 4.0])).var(ddof=correction).data)  # NumPy's spelling too


def test_var_of_one_element_is_nan_with_pytorchs_default():
    x = Value(np.array([5.0]))
    v = x.var()
    v.backward()
    assert np.isnan(v.data) and np.isnan(x.grad).all()


def test_var_edge_cases_match_pytorch():
    # correction == n only: for correction > n PyTorch's forward gives inf but its backward divides by the
    # negative n - correction (a finite gradient); ours stays consistent with the forward (±inf).
    torch = pytest.importorskip("torch")
    data = np.array([[1.0, 2.0, 3.0], [3.0, 3.0, 3.0]])
    for correction in (3,):
        x = Value(data)
        x.var(dim=1, correction=correction).sum().backward()
        t = torch.tensor(data, requires_grad=True)
        t.var(dim=1, correction=correction).sum().backward()
        np.testing.assert_array_equal(x.var(dim=1, correction=correction).data,
                                      t.var(dim=1, correction=correction).detach().numpy())
        np.testing.assert_array_equal(x.grad, t.grad.numpy())  # ±inf, and nan where x equals the mean


@pytest.mark.parametrize("exponent, second", [(0, 0.0), (1, 0.0), (2, 2.0), (3, 0.0)])
def test_second_derivative_of_power_at_zero(exponent, second):
    hessian = ag.hessian(lambda x: x ** exponent)(Value(0.0))
    assert float(hessian) == second  # not nan (0 · inf) as before


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, 0.5, 2.5])
def test_derivatives_of_power_at_zero_match_pytorch(exponent):
    torch = pytest.importorskip("torch")
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(t ** exponent, t, create_graph=True)
    second = torch.autograd.grad(first, t)[0].item() if first.requires_grad else 0.0
    x = Value(0.0)
    g = ag.grad(lambda v: v ** exponent)(x)
    np.testing.assert_equal(float(g), first.item())
    np.testing.assert_equal(float(ag.hessian(lambda v: v ** exponent)(x)), second)


def test_third_derivative_of_x_to_the_one_is_finite():
    x = Value(0.0)
    (g,) = ag.engine.grad(x ** 1, [x], create_graph=True)
    (h,) = ag.engine.grad(g, [x], create_graph=True, allow_unused=True)
    assert h is None or float(h.data) == 0.0
