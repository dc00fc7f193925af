"""The regularized incomplete gamma functions igamma = P and igammac = Q (torch.igamma, torch.special.gammainc):
values over wide ranges against SciPy, edges and gradients against PyTorch, the gradient for a refused as in
PyTorch. The op table (test_ops_table.py) checks the gradients in x to second order against finite differences,
HIPS autograd and PyTorch."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, gradcheck, gradgradcheck
from autograd_core.ops import special_functions as kernels  # the primitives: they also compute on arrays

# Points where P(a, x) is known in closed form: P(1, x) = 1 − e⁻ˣ, P(½, x) = erf(√x), P(n, x) for integer n.
_X = np.array([1e-8, 0.01, 0.3, 1.0, 2.5, 7.0, 30.0])


def test_closed_forms():
    np.testing.assert_allclose(kernels.igamma(1.0, _X), -np.expm1(-_X), rtol=1e-14)
    np.testing.assert_allclose(kernels.igammac(1.0, _X), np.exp(-_X), rtol=1e-14)
    np.testing.assert_allclose(kernels.igammac(3.0, _X), np.exp(-_X) * (1 + _X + _X ** 2 / 2), rtol=1e-13)
    np.testing.assert_allclose(kernels.igamma(0.5, _X) + kernels.igammac(0.5, _X), 1.0, rtol=1e-15)


def _grid(rng, n):
    """a from 1e-6 to 1e5 and x from a·e⁻⁴ to a·e⁴, plus x spread over tiny to large values."""
    a = np.exp(rng.uniform(np.log(1e-6), np.log(1e5), n))
    x = np.concatenate([a[: n // 2] * np.exp(rng.uniform(-4, 4, n // 2)),
                        np.exp(rng.uniform(np.log(1e-12), np.log(500), n - n // 2))])
    return a, x


@pytest.mark.parametrize("name, reference", [("igamma", "gammainc"), ("igammac", "gammaincc")])
def test_matches_scipy_over_wide_ranges(name, reference):
    special = pytest.importorskip("scipy.special")
    a, x = _grid(np.random.default_rng(7), 4000)
    ours, theirs = getattr(kernels, name)(a, x), getattr(special, reference)(a, x)
    # SciPy itself is good to ~3e-13 relative where P or Q is below 1e-15 for a of some hundreds, and ~1e-11 below
    # 1e-100 for a ~ 1e4 (checked with mpmath: ours is good to 1e-13 there); elsewhere the two agree to a few ulps.
    big = theirs > 1e-15
    np.testing.assert_allclose(ours[big], theirs[big], rtol=2e-13, atol=1e-300)
    np.testing.assert_allclose(ours[~big], theirs[~big], rtol=1e-10, atol=1e-300)


def test_tiny_a_keeps_q_digits():
    special = pytest.importorskip("scipy.special")
    a = np.array([1e-12, 1e-8, 1e-4, 0.05, 0.3])
    for x in (1e-3, 0.4, 1.0):  # Q ≈ a·E₁(x): 1 − P would keep no digit of it
        np.testing.assert_allclose(kernels.igammac(a, x), special.gammaincc(a, x), rtol=1e-13)


EDGES_A = [0.0, 0.0, -1.0, 1.0, 1.0, 2.0, np.inf, np.inf, 1.0, np.nan, 3.0]
EDGES_X = [1.0, 0.0, 1.0, 0.0, -1.0, np.inf, 1.0, np.inf, np.nan, 1.0, 1e300]


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_edges_match_torch(name):
    torch = pytest.importorskip("torch")
    a, x = np.array(EDGES_A), np.array(EDGES_X)
    expected = getattr(torch, name)(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_array_equal(getattr(kernels, name)(a, x), expected)


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_values_and_x_gradient_match_torch(name):
    torch = pytest.importorskip("torch")
    a = np.array([[0.2], [1.5], [40.0]])
    x = np.array([0.05, 1.0, 3.0, 45.0])
    xv = Value(x, requires_grad=True)
    out = getattr(kernels, name)(a, xv)
    out.sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    ref = getattr(torch, name)(torch.tensor(a), xt)
    ref.sum().backward()
    # PyTorch's asymptotic series for a > 20 is good to ~1e-9 (P(40, 45): SciPy and mpmath agree with ours to
    # 1e-16); test_matches_scipy_over_wide_ranges holds ours to ulps.
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=2e-9, atol=1e-300)
    np.testing.assert_allclose(out.data[:2], ref.detach().numpy()[:2], rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_gradient_in_x_by_finite_differences(name):
    fn = getattr(kernels, name)
    a = np.array([0.3, 2.0, 12.0])
    for x in (np.array([0.1, 1.5, 9.0]), np.array([2.0, 4.5, 20.0])):  # series and continued fraction
        assert gradcheck(lambda x: fn(a, x), [x])
        assert gradgradcheck(lambda x: fn(a, x), [x])


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_no_gradient_for_a_as_in_torch(name):
    a = Value(np.array([1.5, 2.0]), requires_grad=True)
    with pytest.raises(NotImplementedError, match=f"derivative for '{name}: input' is not implemented"):
        getattr(kernels, name)(a, np.array([0.5, 3.0])).sum().backward()


def test_names_methods_and_dtypes():
    x = Value(np.array([0.5, 3.0], dtype=np.float32))
    assert x.igamma(2.0).dtype == np.float32 and x.igammac(x).dtype == np.float32
    np.testing.assert_array_equal(ag.special.gammainc(2.0, x).data, ag.igamma(2.0, x).data)
    np.testing.assert_array_equal(ag.special.gammaincc(2.0, x).data, ag.igammac(2.0, x).data)
    np.testing.assert_array_equal(x.igamma(2.0).data, ag.igamma(x, 2.0).data)  # self is a, as torch's x.igamma
    assert np.asarray(ag.igamma(2, 1)).dtype == np.float32  # integers give the default float dtype (torch.xlogy's rule)
    assert ag.igamma(ag.ones(3, 1), ag.ones(4)).shape == (3, 4)
    with pytest.raises(TypeError, match=r"^igamma\(\): argument 'other' \(position 2\) must be Tensor, not "
                                        r"numpy\.ndarray$"):
        ag.igamma(x, np.ones(2))  # torch's names take tensors
