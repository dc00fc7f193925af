"""Reparameterized Gamma, Beta and Dirichlet samples (implicit gradients w.r.t. the concentration): the derivative
dx/da against PyTorch's `_standard_gamma_grad`, against finite differences of the CDF (the core's igamma, and
SciPy's inverse where installed), and the sample gradients' averages against the derivatives of closed-form
expectations; Gamma.cdf against torch."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import distributions as D
from autograd_core.distributions.gamma_sampling import standard_gamma, standard_gamma_grad
from autograd_core.ops.special_functions import igamma, igammac, polygamma

A = np.array([0.05, 0.1, 0.5, 1.0, 3.0, 10.0, 100.0, 1e4, 2.0, 0.7])
X = np.array([1e-6, 0.01, 0.3, 1.0, 2.5, 12.0, 95.0, 1.01e4, 20.0, 3.0])


def leaf(x):
    return ag.tensor(np.asarray(x, dtype=np.float64), dtype=ag.float64, requires_grad=True)


def test_standard_gamma_grad_matches_finite_differences_of_the_cdf():
    """dx/da = −(∂P/∂a)/(∂P/∂x): ∂P/∂a = −∂Q/∂a by central differences of igammac (accurate in the upper tail,
    where P is near 1) and of igamma (below the median), ∂P/∂x the density."""
    h = 1e-6 * A
    upper = igamma(A, X) > 0.5
    dp_da = np.where(upper, -(igammac(A + h, X) - igammac(A - h, X)), igamma(A + h, X) - igamma(A - h, X)) / (2 * h)
    density = np.exp((A - 1) * np.log(X) - X - np.vectorize(__import__("math").lgamma)(A))
    np.testing.assert_allclose(standard_gamma_grad(A, X), -dp_da / density, rtol=2e-6)


def test_standard_gamma_grad_matches_scipy_inverse_and_torch():
    special = pytest.importorskip("scipy.special")
    u = special.gammainc(A, X)
    h = 1e-5 * A
    want = (special.gammaincinv(A + h, u) - special.gammaincinv(A - h, u)) / (2 * h)
    ok = X > 1e-5  # gammaincinv loses digits near 0
    np.testing.assert_allclose(standard_gamma_grad(A, X)[ok], want[ok], rtol=1e-6)
    torch = pytest.importorskip("torch")
    theirs = torch._standard_gamma_grad(torch.tensor(A), torch.tensor(X)).numpy()
    np.testing.assert_allclose(standard_gamma_grad(A, X), theirs, rtol=5e-4)  # PyTorch approximates to ~1e-4


def test_standard_gamma_carries_the_implicit_gradient_in_both_modes():
    ag.manual_seed(0)
    a = leaf([0.5, 2.0, 7.0])
    x = standard_gamma(a)
    x.sum().backward()
    np.testing.assert_allclose(a.grad, standard_gamma_grad(a.data, x.data), rtol=1e-14)
    ag.manual_seed(0)
    _, tangent = ag.jvp(lambda c: standard_gamma(c), (a.data,), (np.ones(3),))
    np.testing.assert_allclose(np.asarray(getattr(tangent, "data", tangent)), a.grad, rtol=1e-14)


N = 4000


def test_gamma_rsample_gradients_are_unbiased():
    """E[dx/da] = d E[x]/da = 1/rate, E[d log x/da] = ψ'(a), E[dx/d rate] = −a/rate²."""
    ag.manual_seed(1)
    a, rate = leaf([0.3, 2.0, 9.0]), leaf([1.5, 0.5, 2.0])
    d = D.Gamma(a, rate)
    assert d.has_rsample
    x = d.rsample((N,))
    assert x.shape == (N, 3)
    (x.sum(0) / N).sum().backward()
    sd_a = np.std(standard_gamma_grad(np.broadcast_to(a.data, x.shape), x.data * rate.data) / rate.data, 0)
    assert np.all(np.abs(a.grad - 1 / rate.data) < 5 * sd_a / np.sqrt(N))
    assert np.all(np.abs(rate.grad + a.data / rate.data ** 2) < 5 * np.std(x.data / rate.data, 0) / np.sqrt(N))
    a.grad = None
    ag.manual_seed(2)
    (D.Gamma(a, 1.0).rsample((N,)).log().sum(0) / N).sum().backward()
    np.testing.assert_allclose(a.grad, polygamma(a.data, n=1), rtol=0.1)


def test_beta_and_dirichlet_rsample_gradients_are_unbiased():
    ag.manual_seed(3)
    a, b = leaf([0.5, 2.0]), leaf([1.5, 4.0])
    x = D.Beta(a, b).rsample((N,))
    (x.sum(0) / N).sum().backward()
    # E[x] = a / (a + b)
    np.testing.assert_allclose(a.grad, b.data / (a.data + b.data) ** 2, rtol=0.1)
    np.testing.assert_allclose(b.grad, -a.data / (a.data + b.data) ** 2, rtol=0.1)
    c = leaf([0.8, 2.0, 3.0])
    ag.manual_seed(4)
    y = D.Dirichlet(c).rsample((N,))
    np.testing.assert_allclose(y.data.sum(-1), 1.0, rtol=1e-12)
    (y[:, 0].sum() / N).backward()
    total = c.data.sum()
    want = -c.data[0] / total ** 2 + np.array([1 / total, 0, 0])
    np.testing.assert_allclose(c.grad, want, rtol=0.15, atol=0.01)


@pytest.mark.parametrize("make, mean, var", [
    (lambda: D.Gamma(ag.tensor([0.4, 3.0], dtype=ag.float64), ag.tensor([2.0, 0.5], dtype=ag.float64)),
     [0.2, 6.0], [0.1, 12.0]),
    (lambda: D.Beta(ag.tensor([0.5, 3.0], dtype=ag.float64), ag.tensor([0.5, 1.0], dtype=ag.float64)),
     [0.5, 0.75], [0.125, 0.0375]),
])
def test_rsample_moments(make, mean, var):
    ag.manual_seed(5)
    x = make().rsample((N,)).data
    assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(np.asarray(var) / N))


def test_gamma_cdf_matches_torch_and_is_not_differentiable_in_the_concentration():
    value = np.array([0.3, 4.0, 2.5])
    conc, rate = [0.5, 2.0, 7.0], [1.5, 0.3, 2.0]
    r, v = leaf(rate), leaf(value)
    c = D.Gamma(ag.tensor(conc, dtype=ag.float64), r).cdf(v)
    c.sum().backward()
    ag.gradcheck(lambda r_, v_: D.Gamma(ag.tensor(conc, dtype=ag.float64), r_).cdf(v_), [np.array(rate), value])
    with pytest.raises(NotImplementedError, match="not implemented"):
        D.Gamma(leaf(conc), 1.0).cdf(ag.tensor(value)).sum().backward()
    torch = pytest.importorskip("torch")
    tr = torch.tensor(rate, dtype=torch.float64, requires_grad=True)
    tv = torch.tensor(value, requires_grad=True)
    tc = torch.distributions.Gamma(torch.tensor(conc, dtype=torch.float64), tr).cdf(tv)
    tc.sum().backward()
    np.testing.assert_allclose(c.data, tc.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(r.grad, tr.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(v.grad, tv.grad.numpy(), rtol=1e-10)


def test_gamma_samples_have_no_second_derivative_and_say_so():
    """As PyTorch: differentiating the implicit gradient again raises instead of giving a silent zero."""
    ag.manual_seed(0)
    a = ag.tensor(np.array([2.0, 3.0]), requires_grad=True)
    first, = ag.autograd.grad(D.Gamma(a, 1.0).rsample().sum(), a, create_graph=True)
    with pytest.raises(NotImplementedError, match="_standard_gamma_grad"):
        first.sum().backward()
