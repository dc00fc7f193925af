"""autograd_core.linalg's decompositions (linalg_decompositions.py): svd and torch.svd, pinv, lstsq, matrix_rank,
cond, qr, matrix_exp. Values and gradients against PyTorch in float64 (skipped without torch) and against finite
differences (always), batched inputs, named tuples, errors. The primitives' own gradcheck, gradgradcheck, forward
mode, float32 and compile run through the op table (tests/test_ops_table.py, "linalg decompositions").

Decompositions are defined up to signs (singular vectors, Q's columns): the compared functions are invariant to them."""

import numpy as np
import pytest

import autograd_core as ag

LA = ag.linalg
RNG = np.random.default_rng(26)
SQUARE = RNG.standard_normal((2, 3, 3))
TALL = RNG.standard_normal((2, 4, 3))
WIDE = RNG.standard_normal((2, 3, 4))


def f64(x, requires_grad=True):
    return ag.tensor(np.array(x, dtype=np.float64), dtype=ag.float64, requires_grad=requires_grad)


def compare_with_torch(ours, theirs, inputs, rtol=1e-9, atol=1e-11):
    """ours(*Values) and theirs(torch, *tensors) agree in value and in the gradient of Σ out · w (w fixed, random)."""
    torch = pytest.importorskip("torch")
    xs = [f64(x) for x in inputs]
    ts = [torch.tensor(np.array(x, dtype=np.float64), requires_grad=True) for x in inputs]
    out, tout = ours(*xs), theirs(torch, *ts)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(out.size).standard_normal(out.shape)
    (out * f64(w, False)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts):
        expected = np.zeros(x.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(x.shape) if x.grad is None else np.asarray(x.grad)
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def fourth_powers(u, axis):
    return (u * u * u * u).sum(axis)


# ----------------------------------------------------------------------------------------------------
# svd, svdvals, torch.svd


def _svd_invariants(svd_result):
    """S, Σ_i U[i, j]⁴ and Σ_j Vh[i, j]⁴ over the first k = len(S) singular vectors: unchanged by their signs."""
    u, s, vh = svd_result
    k = s.shape[-1]
    return ag.cat([s, fourth_powers(u[..., :k], -2), fourth_powers(vh[..., :k, :], -1)], -1)


def _torch_svd_invariants(torch, svd_result):
    u, s, vh = svd_result
    k = s.shape[-1]
    return torch.cat([s, (u[..., :k] ** 4).sum(-2), (vh[..., :k, :] ** 4).sum(-1)], -1)


SVD_INPUTS = {"square": SQUARE, "tall": TALL, "wide": WIDE, "matrix": TALL[0]}


@pytest.mark.parametrize("full_matrices", [False, True])
@pytest.mark.parametrize("shape", list(SVD_INPUTS))
def test_svd_matches_torch_with_gradients(shape, full_matrices):
    compare_with_torch(lambda a: _svd_invariants(LA.svd(a, full_matrices=full_matrices)),
                       lambda t, a: _torch_svd_invariants(t, t.linalg.svd(a, full_matrices=full_matrices)),
                       [SVD_INPUTS[shape]])


@pytest.mark.parametrize("shape", list(SVD_INPUTS))
def test_svd_gradients_match_finite_differences(shape):
    a = f64(SVD_INPUTS[shape])
    assert ag.gradcheck(lambda x: _svd_invariants(LA.svd(x, full_matrices=False)), (a,))
    k = min(a.shape[-2:])
    assert ag.gradcheck(lambda x: LA.svd(x).U[..., :k].abs() @ LA.svd(x).Vh[..., :k, :].abs(), (a,))


def test_svd_shapes_named_tuple_and_reconstruction():
    for a, (m, n) in [(TALL, (4, 3)), (WIDE, (3, 4))]:
        k = min(m, n)
        full = LA.svd(f64(a, False))
        assert type(full).__name__ == "linalg_svd" and full._fields == ("U", "S", "Vh")
        assert full.U.shape == (2, m, m) and full.S.shape == (2, k) and full.Vh.shape == (2, n, n)
        for q in (full.U.data, full.Vh.data):              # orthogonal, the extra columns/rows included
            np.testing.assert_allclose(q @ q.swapaxes(-1, -2), np.broadcast_to(np.eye(q.shape[-1]), q.shape),
                                       atol=1e-12)
        u, s, vh = LA.svd(f64(a, False), full_matrices=False)
        assert u.shape == (2, m, k) and vh.shape == (2, k, n)
        np.testing.assert_allclose((u.data * s.data[..., None, :]) @ vh.data, a, atol=1e-12)
        np.testing.assert_allclose(s.data, np.linalg.svd(a, compute_uv=False), rtol=1e-12)
        assert np.all(np.diff(s.data, axis=-1) <= 0)


def test_full_matrices_gradient_ignores_the_extra_columns_as_torch():
    x = f64(TALL)
    LA.svd(x).U[..., 3:].abs().sum().backward()      # they depend on A, yet carry no gradient (PyTorch's narrowing)
    assert not np.any(x.grad)
    # With m - k = 1 the extra column of U is unique up to sign: |U| is comparable with PyTorch's.
    compare_with_torch(lambda a: LA.svd(a).U.abs(), lambda t, a: t.linalg.svd(a).U.abs(), [TALL])
    compare_with_torch(lambda a: LA.svd(a).Vh.abs(), lambda t, a: t.linalg.svd(a).Vh.abs(), [WIDE])


def test_polar_factor_and_svdvals_match_torch():
    compare_with_torch(lambda a: LA.svd(a, full_matrices=False).U @ LA.svd(a, full_matrices=False).Vh,
                       lambda t, a: t.linalg.svd(a, full_matrices=False).U @ t.linalg.svd(a, full_matrices=False).Vh,
                       [TALL])
    for a in (SQUARE, TALL, WIDE):
        compare_with_torch(lambda x: LA.svdvals(x), lambda t, x: t.linalg.svdvals(x), [a])


def test_svdvals_gradient_is_finite_at_zero_and_repeated_singular_values():
    rank_one = np.outer([1.0, 2.0, -1.0], [0.5, -1.0, 2.0])         # singular values (σ, 0, 0)
    compare_with_torch(lambda a: LA.svdvals(a), lambda t, a: t.linalg.svdvals(a), [rank_one])
    compare_with_torch(lambda a: LA.matrix_norm(a, "nuc"), lambda t, a: t.linalg.matrix_norm(a, "nuc"), [np.eye(3)])
    x = f64(np.eye(3))
    LA.svdvals(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.eye(3), atol=1e-12)


def test_svd_repeated_singular_values_warn_for_singular_vector_gradients():
    x = f64(np.eye(3))
    with pytest.warns(RuntimeWarning, match="repeated singular values"):
        fourth_powers(LA.svd(x).U, -2).sum().backward()
    assert np.all(np.isfinite(x.grad))


@pytest.mark.parametrize("some", [True, False])
def test_torch_svd_returns_v_and_matches_torch(some):
    def ours(a):
        u, s, v = ag.svd(a, some=some)
        return _svd_invariants((u, s, v.mT))

    def theirs(torch, a):
        u, s, v = torch.svd(a, some=some)
        return _torch_svd_invariants(torch, (u, s, v.mT))

    compare_with_torch(ours, theirs, [WIDE])
    result = f64(TALL, False).svd(some=some)
    assert type(result).__name__ == "svd" and result._fields == ("U", "S", "V")
    assert result.U.shape == ((2, 4, 3) if some else (2, 4, 4)) and result.V.shape == (2, 3, 3)


def test_torch_svd_without_uv_gives_zero_matrices_and_differentiable_s():
    torch = pytest.importorskip("torch")
    u, s, v = ag.svd(f64(TALL, False), compute_uv=False)
    tu, ts, tv = torch.svd(torch.tensor(TALL), compute_uv=False)
    assert u.shape == tuple(tu.shape) == (2, 4, 4) and v.shape == tuple(tv.shape) == (2, 3, 3)
    assert not u.data.any() and not v.data.any() and not u.requires_grad
    compare_with_torch(lambda a: ag.svd(a, compute_uv=False).S, lambda t, a: t.svd(a, compute_uv=False).S, [TALL])


def test_svd_errors():
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        LA.svd(f64(np.ones(3)))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        LA.svdvals(f64(np.ones(3)))
    with pytest.raises(RuntimeError, match="driver"):
        LA.svd(f64(np.eye(2)), driver="gesvd")
    with pytest.raises(LA.LinAlgError, match="converge"):
        LA.svd(f64([[1.0, np.nan], [0.0, 1.0]]))
