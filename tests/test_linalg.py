"""autograd_core.linalg (torch.linalg): values and gradients against PyTorch in float64 (skipped without torch)
and against finite differences and NumPy (always), batched inputs, errors, a least-squares fit and a Gaussian
log-likelihood. The primitives' own gradients, forward mode, float32 and compile are checked by the op table."""

import numpy as np
import pytest

import autograd_core as ag
from test_linalg_decompositions import compare_with_torch

LA = ag.linalg
RNG = np.random.default_rng(8)
A = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)         # a batch of well-conditioned matrices
B = RNG.standard_normal((2, 3, 2))
V = RNG.standard_normal((2, 3))
SPD = A @ A.swapaxes(-1, -2)


def f64(x, requires_grad=True):
    return ag.tensor(np.array(x, dtype=np.float64, order="C"), dtype=ag.float64, requires_grad=requires_grad)


# Each case: (label, our function of Values, torch's function of tensors, inputs). Applied to the same inputs,
# the two must agree in value and in the gradient of Σ out · w for a fixed random w.
CASES = [
    ("inv", lambda a: LA.inv(a), lambda t, a: t.linalg.inv(a), [A]),
    ("inverse", lambda a: ag.inverse(a), lambda t, a: t.inverse(a), [A]),
    ("det", lambda a: LA.det(a), lambda t, a: t.linalg.det(a), [A]),
    ("torch.det", lambda a: ag.det(a), lambda t, a: t.det(a), [-A]),
    ("slogdet", lambda a: LA.slogdet(a).logabsdet, lambda t, a: t.linalg.slogdet(a).logabsdet, [-A]),
    ("logdet", lambda a: ag.logdet(a), lambda t, a: t.logdet(a), [A]),
    ("solve", lambda a, b: LA.solve(a, b), lambda t, a, b: t.linalg.solve(a, b), [A, B]),
    ("solve-vectors", lambda a, b: LA.solve(a, b), lambda t, a, b: t.linalg.solve(a, b), [A, V]),
    ("solve-vector-broadcast", lambda a, b: LA.solve(a, b), lambda t, a, b: t.linalg.solve(a, b), [A, V[0]]),
    ("solve-right", lambda a, b: LA.solve(a, b, left=False), lambda t, a, b: t.linalg.solve(a, b, left=False),
     [A, B.swapaxes(-1, -2)]),
    ("cholesky", lambda a: LA.cholesky(a @ a.mT), lambda t, a: t.linalg.cholesky(a @ a.mT), [A]),
    ("cholesky-upper", lambda a: LA.cholesky(a @ a.mT, upper=True),
     lambda t, a: t.linalg.cholesky(a @ a.mT, upper=True), [A]),
    ("solve_triangular-lower", lambda a, b: LA.solve_triangular(a, b, upper=False),
     lambda t, a, b: t.linalg.solve_triangular(a, b, upper=False), [A, B]),
    ("solve_triangular-upper-right-unit", lambda a, b: LA.solve_triangular(a, b, upper=True, left=False,
                                                                          unitriangular=True),
     lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True, left=False, unitriangular=True),
     [A, B.swapaxes(-1, -2)]),
    ("vector_norm", lambda x: LA.vector_norm(x), lambda t, x: t.linalg.vector_norm(x), [B]),
    ("vector_norm-3-dims", lambda x: LA.vector_norm(x, 3, dim=(0, 2), keepdim=True),
     lambda t, x: t.linalg.vector_norm(x, 3, dim=(0, 2), keepdim=True), [B]),
    ("vector_norm-1", lambda x: LA.vector_norm(x, 1, dim=-1), lambda t, x: t.linalg.vector_norm(x, 1, dim=-1), [B]),
    ("vector_norm-inf", lambda x: LA.vector_norm(x, float("inf"), dim=1),
     lambda t, x: t.linalg.vector_norm(x, float("inf"), dim=1), [B]),
    ("vector_norm--inf", lambda x: LA.vector_norm(x, float("-inf")),
     lambda t, x: t.linalg.vector_norm(x, float("-inf")), [B]),
    ("matrix_norm-fro", lambda x: LA.matrix_norm(x), lambda t, x: t.linalg.matrix_norm(x), [B]),
    ("matrix_norm-1", lambda x: LA.matrix_norm(x, 1), lambda t, x: t.linalg.matrix_norm(x, 1), [B]),
    ("matrix_norm--1-keepdim", lambda x: LA.matrix_norm(x, -1, keepdim=True),
     lambda t, x: t.linalg.matrix_norm(x, -1, keepdim=True), [B]),
    ("matrix_norm-inf-dims", lambda x: LA.matrix_norm(x, float("inf"), dim=(2, 0)),
     lambda t, x: t.linalg.matrix_norm(x, float("inf"), dim=(2, 0)), [B]),
    ("svdvals", lambda x: LA.svdvals(x), lambda t, x: t.linalg.svdvals(x), [A]),
    ("svdvals-wide", lambda x: LA.svdvals(x.mT), lambda t, x: t.linalg.svdvals(x.mT), [B]),
    ("svdvals-tall", lambda x: LA.svdvals(x), lambda t, x: t.linalg.svdvals(x), [B]),
    ("matrix_norm-nuc", lambda x: LA.matrix_norm(x, "nuc"), lambda t, x: t.linalg.matrix_norm(x, "nuc"), [B]),
    ("matrix_norm-2-dims-keepdim", lambda x: LA.matrix_norm(x, 2, dim=(2, 0), keepdim=True),
     lambda t, x: t.linalg.matrix_norm(x, 2, dim=(2, 0), keepdim=True), [B]),
    ("matrix_norm--2", lambda x: LA.matrix_norm(x, -2), lambda t, x: t.linalg.matrix_norm(x, -2), [A]),
    ("norm-all", lambda x: LA.norm(x), lambda t, x: t.linalg.norm(x), [B]),
    ("norm-matrix-inf", lambda x: LA.norm(x[0], float("inf")), lambda t, x: t.linalg.norm(x[0], float("inf")), [B]),
    ("norm-vector-3", lambda x: LA.norm(x[0, 0], 3), lambda t, x: t.linalg.norm(x[0, 0], 3), [B]),
    ("norm-dim", lambda x: LA.norm(x, 1, dim=(0, 1)), lambda t, x: t.linalg.norm(x, 1, dim=(0, 1)), [B]),
    ("matrix_power-5", lambda a: LA.matrix_power(a, 5), lambda t, a: t.linalg.matrix_power(a, 5), [A / 3]),
    ("matrix_power-0", lambda a: LA.matrix_power(a, 0), lambda t, a: t.linalg.matrix_power(a, 0), [A]),
    ("matrix_power--2", lambda a: LA.matrix_power(a, -2), lambda t, a: t.linalg.matrix_power(a, -2), [A]),
    ("multi_dot", lambda v, a, b: LA.multi_dot([v, a, b]), lambda t, v, a, b: t.linalg.multi_dot([v, a, b]),
     [V[0], A[0], B[0]]),
    ("multi_dot-vectors", lambda v, a, w: LA.multi_dot([v, a, w]), lambda t, v, a, w: t.linalg.multi_dot([v, a, w]),
     [V[0], A[1], V[1]]),
    ("vecdot", lambda x, y: LA.vecdot(x, y), lambda t, x, y: t.linalg.vecdot(x, y), [A, V[:, None, :]]),
    ("vecdot-dim", lambda x, y: LA.vecdot(x, y, dim=0), lambda t, x, y: t.linalg.vecdot(x, y, dim=0), [B, B]),
    ("cross", lambda x, y: LA.cross(x, y), lambda t, x, y: t.linalg.cross(x, y), [A, V[:, None, :]]),
    ("cross-dim", lambda x, y: LA.cross(x, y, dim=1), lambda t, x, y: t.linalg.cross(x, y, dim=1), [A, A[:1]]),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("label, ours, theirs, inputs", CASES, ids=IDS)
def test_matches_torch_with_gradients(label, ours, theirs, inputs):
    compare_with_torch(ours, theirs, inputs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("label, ours, theirs, inputs", CASES, ids=IDS)
def test_gradients_match_finite_differences(label, ours, theirs, inputs):
    assert ag.gradcheck(ours, tuple(f64(x) for x in inputs))


def test_values_match_numpy():
    np.testing.assert_allclose(LA.inv(f64(A)).data, np.linalg.inv(A), rtol=1e-12)
    np.testing.assert_allclose(LA.det(f64(A)).data, np.linalg.det(A), rtol=1e-12)
    sign, logabsdet = LA.slogdet(f64(-A))
    np.testing.assert_array_equal(sign.data, np.linalg.slogdet(-A)[0])
    np.testing.assert_allclose(logabsdet.data, np.linalg.slogdet(-A)[1], rtol=1e-12)
    np.testing.assert_allclose(LA.solve(f64(A), f64(V)).data, np.linalg.solve(A, V[..., None])[..., 0], rtol=1e-12)
    L = LA.cholesky(f64(SPD))
    np.testing.assert_allclose(L.data, np.linalg.cholesky(SPD), rtol=1e-12)
    np.testing.assert_allclose(LA.cholesky(f64(SPD), upper=True).data, np.linalg.cholesky(SPD).swapaxes(-1, -2))
    X = LA.solve_triangular(L, f64(B), upper=False)
    np.testing.assert_allclose(L.data @ X.data, B, atol=1e-12)
    np.testing.assert_allclose(LA.matrix_power(f64(A), -3).data, np.linalg.matrix_power(A, -3), rtol=1e-10)
    np.testing.assert_allclose(LA.matrix_norm(f64(B), 1).data, np.linalg.norm(B, 1, axis=(-2, -1)), rtol=1e-12)
    np.testing.assert_allclose(LA.vector_norm(f64(B), 0).data, np.count_nonzero(B))
    np.testing.assert_allclose(LA.cross(f64(A), f64(A[::-1])).data, np.cross(A, A[::-1]), rtol=1e-12)


def test_hand_derivatives():
    """d det A / dA = det A · A⁻ᵀ, d log|det A| / dA = A⁻ᵀ, d tr(A⁻¹) / dA = -(A⁻²)ᵀ."""
    a = f64(A[0])
    LA.det(a).backward()
    np.testing.assert_allclose(a.grad, np.linalg.det(A[0]) * np.linalg.inv(A[0]).T, rtol=1e-12)
    a = f64(-A[0])
    LA.slogdet(a).logabsdet.backward()
    np.testing.assert_allclose(a.grad, np.linalg.inv(-A[0]).T, rtol=1e-12)
    a = f64(A[0])
    ag.trace(LA.inv(a)).backward()
    inverse = np.linalg.inv(A[0])
    np.testing.assert_allclose(a.grad, -(inverse @ inverse).T, rtol=1e-12)


def test_slogdet_is_a_named_tuple_whose_sign_has_no_gradient():
    a = f64(-A)
    result = LA.slogdet(a)
    sign, logabsdet = result
    assert type(result).__name__ == "linalg_slogdet" and result.sign is sign and result.logabsdet is logabsdet
    np.testing.assert_array_equal(sign.data, [-1.0, -1.0])
    # the sign is an output of PyTorch's node (requires grad, as PyTorch's), through which no gradient flows
    assert sign.requires_grad and logabsdet.requires_grad
    assert tuple(ag.autograd.grad(sign.sum(), a, allow_unused=True)) == (None,)


def test_logdet_is_nan_for_negative_determinants_and_minus_inf_for_singular():
    out = ag.logdet(f64(np.stack([-A[0], A[1]])))
    assert np.isnan(out.data[0]) and np.isclose(out.data[1], np.log(np.linalg.det(A[1])))
    assert ag.logdet(f64(np.zeros((2, 2)))).data == -np.inf


def test_second_derivatives():
    assert ag.gradgradcheck(lambda a: LA.det(a), (f64(A),))
    assert ag.gradgradcheck(lambda a, b: LA.solve(a, b), (f64(A), f64(V)))
    assert ag.gradgradcheck(lambda a: LA.cholesky(a @ a.mT), (f64(A[0]),))


def test_forward_mode_matches_reverse():
    a, t = A[0], RNG.standard_normal((3, 3))
    for fn in (LA.inv, LA.det, lambda x: LA.slogdet(x).logabsdet, lambda x: LA.solve(x, f64(V[0], False))):
        _, tangent = ag.jvp(fn, (f64(a, False),), (f64(t, False),))
        eps = 1e-6
        numeric = (fn(f64(a + eps * t, False)).data - fn(f64(a - eps * t, False)).data) / (2 * eps)
        np.testing.assert_allclose(np.asarray(tangent.data), numeric, rtol=1e-6, atol=1e-8)


def test_least_squares_by_the_normal_equations_matches_lstsq():
    """Fit y ≈ X w through solve(XᵀX, Xᵀy); the gradient of the residual at the optimum w.r.t. w is 0."""
    X = np.column_stack([np.ones(20), np.linspace(-1, 1, 20), np.linspace(-1, 1, 20) ** 2])
    y = 0.5 - 2 * X[:, 1] + 0.3 * X[:, 2] + 0.1 * RNG.standard_normal(20)
    Xv, yv = f64(X, False), f64(y, False)
    w = LA.solve(Xv.mT @ Xv, Xv.mT @ yv)
    np.testing.assert_allclose(w.data, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-10)
    w_leaf = f64(w.data)
    ((Xv @ w_leaf - yv) ** 2).sum().backward()
    np.testing.assert_allclose(w_leaf.grad, 0, atol=1e-10)


def _gaussian_log_likelihood(x, mean, scale):
    """log N(x; mean, Σ = S Sᵀ + I) for rows x (m, n), through the Cholesky factor and a triangular solve."""
    n = x.shape[-1]
    cov = scale @ scale.mT + f64(np.eye(n), False)
    L = LA.cholesky(cov)
    z = LA.solve_triangular(L, (x - mean).mT, upper=False)            # L⁻¹ (x - μ), one column per row of x
    logdet = LA.slogdet(cov).logabsdet
    return -0.5 * ((z * z).sum() + x.shape[0] * (logdet + n * np.log(2 * np.pi)))


def test_gaussian_log_likelihood_value_and_gradient():
    x, mean, scale = RNG.standard_normal((5, 3)), RNG.standard_normal(3), RNG.standard_normal((3, 3))
    cov = scale @ scale.T + np.eye(3)
    diff = x - mean
    expected = -0.5 * (np.einsum("mi,ij,mj->", diff, np.linalg.inv(cov), diff)
                       + 5 * (np.log(np.linalg.det(cov)) + 3 * np.log(2 * np.pi)))
    np.testing.assert_allclose(_gaussian_log_likelihood(f64(x), f64(mean), f64(scale)).data, expected, rtol=1e-12)
    assert ag.gradcheck(_gaussian_log_likelihood, (f64(x), f64(mean), f64(scale)))


def test_gaussian_log_likelihood_matches_torch():
    torch = pytest.importorskip("torch")
    x, mean, scale = RNG.standard_normal((5, 3)), RNG.standard_normal(3), RNG.standard_normal((3, 3))
    ours = [f64(v) for v in (x, mean, scale)]
    _gaussian_log_likelihood(*ours).backward()
    tx, tm, ts = (torch.tensor(v, requires_grad=True) for v in (x, mean, scale))
    dist = torch.distributions.MultivariateNormal(tm, covariance_matrix=ts @ ts.mT + torch.eye(3))
    dist.log_prob(tx).sum().backward()
    for v, t in zip(ours, (tx, tm, ts)):
        np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------------------------------
# Errors.


def test_singular_matrices_raise_linalg_error():
    singular = f64([[1.0, 2.0], [2.0, 4.0]])
    for fn in (LA.inv, lambda a: LA.solve(a, f64([1.0, 1.0])), ag.inverse,
               lambda a: LA.solve_triangular(f64([[1.0, 0.0], [1.0, 0.0]]), f64(np.eye(2)), upper=False)):
        with pytest.raises(LA.LinAlgError, match="singular"):
            fn(singular)
    with pytest.raises(LA.LinAlgError, match="positive-definite"):
        LA.cholesky(f64([[1.0, 2.0], [2.0, 1.0]]))
    assert issubclass(LA.LinAlgError, RuntimeError) and not issubclass(LA.LinAlgError, ValueError)
    assert LA.det(singular).data == 0.0 and LA.slogdet(singular).logabsdet.data == -np.inf


def test_linalg_error_matches_torch_type():
    torch = pytest.importorskip("torch")
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.inv(torch.zeros(2, 2, dtype=torch.float64))
    assert issubclass(torch.linalg.LinAlgError, RuntimeError)


def test_shape_errors():
    with pytest.raises(RuntimeError, match="square"):
        LA.inv(f64(np.ones((2, 3))))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        LA.det(f64(np.ones(3)))
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        LA.solve(f64(np.eye(3)), f64(np.ones((2, 2))))
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        LA.solve_triangular(f64(np.eye(3)), f64(np.ones((3, 2))), upper=True, left=False)
    with pytest.raises(TypeError):
        LA.solve_triangular(f64(np.eye(3)), f64(np.ones((3, 2))))   # upper is required, as in PyTorch
    with pytest.raises(RuntimeError, match="length 3"):
        LA.cross(f64(np.ones(2)), f64(np.ones(2)))
    with pytest.raises(RuntimeError, match="1D or 2D"):
        LA.norm(f64(np.ones((2, 2, 2))), 1)
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        LA.matrix_norm(f64(np.eye(2)), 3)
    with pytest.raises(RuntimeError, match="at least 2 tensors"):
        LA.multi_dot([f64(np.eye(2))])


def test_top_level_and_module_surface():
    assert ag.linalg is LA and {"linalg", "det", "inverse", "logdet"} <= set(ag.__all__)
    assert set(LA.__all__) <= set(dir(LA))


def test_value_methods():
    a = f64(np.stack([A[0], -A[1]]))
    np.testing.assert_allclose(a.inverse().data, np.linalg.inv(a.data), rtol=1e-12)
    np.testing.assert_allclose(a.det().data, np.linalg.det(a.data), rtol=1e-12)
    logdet = a.logdet().data
    assert np.isclose(logdet[0], np.log(np.linalg.det(A[0]))) and np.isnan(logdet[1])
    a.det().sum().backward()
    np.testing.assert_allclose(a.grad, np.linalg.det(a.data)[:, None, None] * np.linalg.inv(a.data).mT, rtol=1e-12)


# ----------------------------------------------------------------------------------------------------
# eigh: eigenvectors are defined up to sign, so the checked functions of them are sign-invariant (V ∘ V).
S = A + A.swapaxes(-1, -2)                        # symmetric, distinct eigenvalues


def _eigh_function(x, uplo="L"):
    w, v = LA.eigh(x, UPLO=uplo)
    return w * w + (v * v) @ f64(V[0], False)


def test_eigh_matches_numpy_and_reconstructs():
    w, v = LA.eigh(f64(S, False))
    np.testing.assert_allclose(w.data, np.linalg.eigvalsh(S), rtol=1e-12)
    np.testing.assert_allclose((v.data * w.data[..., None, :]) @ v.data.swapaxes(-1, -2), S, atol=1e-12)
    np.testing.assert_allclose(LA.eigvalsh(f64(S, False)).data, np.linalg.eigvalsh(S), rtol=1e-12)
    upper_only = np.triu(S) + np.triu(RNG.standard_normal((3, 3)), 1).T   # a lower triangle that must not be read
    np.testing.assert_allclose(LA.eigvalsh(f64(upper_only, False), UPLO="U").data, np.linalg.eigvalsh(S), rtol=1e-12)


def test_eigh_gradients_match_finite_differences_and_torch():
    assert ag.gradcheck(lambda x: _eigh_function(x + x.mT), (f64(A),))
    assert ag.gradgradcheck(lambda x: _eigh_function(x + x.mT), (f64(A[0]),))
    assert ag.gradcheck(lambda x: LA.eigvalsh(x + x.mT), (f64(A),))
    torch = pytest.importorskip("torch")
    x, t = f64(A), torch.tensor(A, requires_grad=True)
    out = _eigh_function(x + x.mT)
    w, v = torch.linalg.eigh(t + t.mT)
    tout = w * w + (v * v) @ torch.tensor(V[0])
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_eigh_repeated_eigenvalues_warn_for_eigenvector_gradients_only():
    x = f64(np.eye(3))
    LA.eigvalsh(x).sum().backward()                  # eigenvalues alone: defined, no warning
    np.testing.assert_allclose(x.grad, np.eye(3), atol=1e-12)
    x = f64(np.eye(3))
    with pytest.warns(RuntimeWarning, match="repeated eigenvalues"):
        (LA.eigh(x).eigenvectors ** 2).sum(0).max().backward()
    assert np.all(np.isfinite(x.grad))


@pytest.mark.parametrize("ord", [2, 3, 1.5, 1, float("inf"), -1, -2.5])
def test_vector_norm_gradient_is_zero_where_the_norm_is_zero(ord):
    """PyTorch's norms give a zero gradient where the norm is 0 (an all-zero vector; for a negative ord, any zero
    element); the composition sqrt(Σx²) would give ∞·0 = NaN there. Rows away from zero keep their gradient."""
    data = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 2.0]])
    x = ag.tensor(data, requires_grad=True)
    ag.linalg.vector_norm(x, ord, dim=1).sum().backward()
    assert np.all(np.isfinite(x.grad)) and np.array_equal(x.grad[0], [0.0, 0.0])
    if ord < 0:
        assert np.array_equal(x.grad[2], [0.0, 0.0])
    y = ag.tensor(data[1:2], requires_grad=True)
    ag.linalg.vector_norm(y, ord, dim=1).sum().backward()
    assert np.allclose(x.grad[1], y.grad[0])
    torch = pytest.importorskip("torch")
    t = torch.tensor(data, requires_grad=True)
    torch.linalg.vector_norm(t, ord, dim=1).sum().backward()
    assert np.allclose(x.grad, t.grad.numpy(), rtol=1e-12, atol=0)


def test_vector_norm_second_derivatives_away_from_zero():
    x = ag.tensor(np.array([[0.3, -1.2, 2.0], [0.5, 0.7, -0.1]]), requires_grad=True)
    for ord in (2, 3, -1):
        assert ag.gradgradcheck(lambda v, ord=ord: ag.linalg.vector_norm(v, ord, dim=1), (x,))
