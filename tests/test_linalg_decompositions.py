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
    u, v = np.array([1.0, 2.0, -1.0]), np.array([0.5, -1.0, 2.0])
    rank_one = f64(np.outer(u, v))                                   # singular values (σ, 0, 0)
    LA.svdvals(rank_one).sum().backward()
    # The gradient is U·Vᵀ, whose part on the zero singular values depends on the null-space bases LAPACK picks
    # (each BLAS kernel its own: PyTorch's MKL and our OpenBLAS differ on some CPUs); what does not depend on them:
    # finite, orthogonal (U and V are 3 × 3), and taking v's direction to u's.
    g = rank_one.grad
    u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g @ g.T, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(g @ v, u, atol=1e-12)
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


# ----------------------------------------------------------------------------------------------------
# pinv, pinverse, lstsq, matrix_rank, cond
SYMMETRIC = SQUARE + SQUARE.swapaxes(-1, -2)
RANK_TWO = TALL[0][:, :2] @ RNG.standard_normal((2, 3))           # (4, 3) of rank 2


@pytest.mark.parametrize("label, ours, theirs, a", [
    ("tall", lambda a: LA.pinv(a), lambda t, a: t.linalg.pinv(a), TALL),
    ("wide", lambda a: LA.pinv(a), lambda t, a: t.linalg.pinv(a), WIDE),
    ("square", lambda a: LA.pinv(a), lambda t, a: t.linalg.pinv(a), SQUARE),
    ("hermitian", lambda a: LA.pinv(a, hermitian=True), lambda t, a: t.linalg.pinv(a, hermitian=True), SYMMETRIC),
    ("rank-deficient", lambda a: LA.pinv(a), lambda t, a: t.linalg.pinv(a), RANK_TWO),
    ("rtol", lambda a: LA.pinv(a, rtol=0.5), lambda t, a: t.linalg.pinv(a, rtol=0.5), TALL),
    ("atol-rtol", lambda a: LA.pinv(a, atol=0.9, rtol=0.1), lambda t, a: t.linalg.pinv(a, atol=0.9, rtol=0.1), TALL),
    ("identity", lambda a: LA.pinv(a), lambda t, a: t.linalg.pinv(a), np.eye(3)),   # repeated singular values
    ("pinverse", lambda a: ag.pinverse(a, rcond=0.5), lambda t, a: t.pinverse(a, rcond=0.5), TALL),
    ("method", lambda a: a.pinverse(), lambda t, a: a.pinverse(), WIDE),
])
def test_pinv_matches_torch_with_gradients(label, ours, theirs, a):
    compare_with_torch(ours, theirs, [a])


def test_pinv_gradients_match_finite_differences_and_penrose_conditions():
    assert ag.gradcheck(LA.pinv, (f64(TALL),)) and ag.gradcheck(LA.pinv, (f64(np.eye(3)),))
    assert ag.gradcheck(lambda a: LA.pinv(a + a.mT, hermitian=True), (f64(SQUARE),))
    for a in (TALL, WIDE, RANK_TWO):
        p = LA.pinv(f64(a, False)).data
        np.testing.assert_allclose(a @ p @ a, a, atol=1e-12)
        np.testing.assert_allclose(p @ a @ p, p, atol=1e-12)
        np.testing.assert_allclose(np.linalg.pinv(a), p, atol=1e-12)


def test_pinv_tolerances_zero_small_singular_values():
    a = np.diag([1.0, 1e-3, 1e-20])
    np.testing.assert_allclose(LA.pinv(f64(a, False)).data, np.diag([1.0, 1e3, 0.0]))
    np.testing.assert_allclose(LA.pinv(f64(a, False), atol=1e-2).data, np.diag([1.0, 0.0, 0.0]))   # rtol then 0
    np.testing.assert_allclose(LA.pinv(f64(a, False), rtol=np.array(1e-2)).data, np.diag([1.0, 0.0, 0.0]))
    np.testing.assert_array_equal(LA.pinv(f64(np.zeros((2, 3)), False)).data, np.zeros((3, 2)))
    with pytest.raises(RuntimeError, match="2 or more dimensions"):
        LA.pinv(f64(np.ones(3)))
    with pytest.raises(RuntimeError, match="non-negative"):
        LA.pinv(f64(a), atol=-1.0)


LSTSQ_B = RNG.standard_normal((2, 4, 2))


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
def test_lstsq_fields_match_torch(driver):
    torch = pytest.importorskip("torch")
    ours = LA.lstsq(f64(TALL, False), f64(LSTSQ_B, False), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(TALL), torch.tensor(LSTSQ_B), driver=driver)
    assert type(ours).__name__ == "linalg_lstsq" and ours._fields == ("solution", "residuals", "rank",
                                                                     "singular_values")
    for got, expected in zip(ours, theirs):
        assert got.shape == tuple(expected.shape) and got.dtype == expected.numpy().dtype
        np.testing.assert_allclose(got.data, expected.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("label, a, b", [("tall", TALL, LSTSQ_B), ("vector", TALL, LSTSQ_B[..., 0]),
                                         ("wide", WIDE, LSTSQ_B[:, :3]), ("rank-deficient", RANK_TWO, LSTSQ_B[0])])
def test_lstsq_solution_and_residuals_match_torch_with_gradients(label, a, b):
    driver = "gelsd" if label == "tall" else None
    compare_with_torch(lambda x, y: LA.lstsq(x, y, driver=driver).solution,
                       lambda t, x, y: t.linalg.lstsq(x, y, driver=driver).solution, [a, b], rtol=1e-8, atol=1e-10)
    if label == "tall":       # the residuals' gradient: ∂/∂B Σ r² = −2 r (the solution is optimal)
        compare_with_torch(lambda x, y: LA.lstsq(x, y, driver="gelsd").residuals,
                           lambda t, x, y: t.linalg.lstsq(x, y, driver="gelsd").residuals, [a, b])


def test_lstsq_gradients_match_finite_differences_and_errors():
    solution, residuals, rank, singular_values = LA.lstsq(f64(TALL[0]), f64(LSTSQ_B[0]), driver="gelsd")
    expected = np.linalg.lstsq(TALL[0], LSTSQ_B[0], rcond=None)
    for got, want in zip((solution, residuals, rank, singular_values), expected):
        np.testing.assert_allclose(got.data, want, rtol=1e-10)
    assert ag.gradcheck(lambda a, b: LA.lstsq(a, b).solution, (f64(TALL), f64(LSTSQ_B)))
    assert ag.gradcheck(lambda a, b: LA.lstsq(a, b).solution, (f64(WIDE[0]), f64(LSTSQ_B[0, :3, 0])))
    with pytest.raises(RuntimeError, match="driver"):
        LA.lstsq(f64(TALL), f64(LSTSQ_B), driver="gesv")
    with pytest.raises(RuntimeError, match="should match"):
        LA.lstsq(f64(TALL), f64(LSTSQ_B[:, :3]))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        LA.lstsq(f64(np.ones(3)), f64(np.ones(3)))


def test_matrix_rank_matches_torch():
    torch = pytest.importorskip("torch")
    diagonal = np.diag([1.0, 1e-3, 1e-20])
    for ours, theirs in [
        (LA.matrix_rank(f64(RANK_TWO)), torch.linalg.matrix_rank(torch.tensor(RANK_TWO))),
        (LA.matrix_rank(f64(TALL)), torch.linalg.matrix_rank(torch.tensor(TALL))),
        (LA.matrix_rank(f64(diagonal), atol=1e-2), torch.linalg.matrix_rank(torch.tensor(diagonal), atol=1e-2)),
        (LA.matrix_rank(f64(diagonal), 1e-4), torch.linalg.matrix_rank(torch.tensor(diagonal), 1e-4)),
        (LA.matrix_rank(f64(diagonal), rtol=1e-2), torch.linalg.matrix_rank(torch.tensor(diagonal), rtol=1e-2)),
        (LA.matrix_rank(f64(-diagonal), hermitian=True), torch.linalg.matrix_rank(torch.tensor(-diagonal),
                                                                                  hermitian=True)),
    ]:
        assert ours.shape == tuple(theirs.shape) and ours.dtype == np.int64 and not ours.requires_grad
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        LA.matrix_rank(f64(np.ones(3)))


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, float("inf"), float("-inf")])
def test_cond_matches_torch_with_gradients(p):
    assert ag.gradcheck(lambda a: LA.cond(a, p), (f64(SQUARE),))
    if p in (None, 2, -2):
        compare_with_torch(lambda a: LA.cond(a, p), lambda t, a: t.linalg.cond(a, p), [SQUARE])
        compare_with_torch(lambda a: LA.cond(a, p), lambda t, a: t.linalg.cond(a, p), [TALL])
    else:   # PyTorch 2.13 cannot differentiate these (its inverse is modified in place): values only
        torch = pytest.importorskip("torch")
        np.testing.assert_allclose(LA.cond(f64(SQUARE), p).data, torch.linalg.cond(torch.tensor(SQUARE), p).numpy(),
                                   rtol=1e-12)


def test_cond_of_singular_matrices_and_errors():
    batch = np.stack([np.diag([1.0, 0.0]), np.diag([2.0, 1.0])])
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(LA.cond(f64(batch)).data, [np.inf, 2.0])
    np.testing.assert_allclose(LA.cond(f64(batch), "fro").data, [np.inf, 2.5])
    x = f64(batch)
    LA.cond(x, "fro")[1].backward()         # the singular matrix's inf has no gradient; the other's is finite
    assert not x.grad[0].any() and np.all(np.isfinite(x.grad[1])) and x.grad[1].any()
    with np.errstate(invalid="ignore"):
        assert np.isnan(LA.cond(f64(np.zeros((2, 2)))).data)
    with pytest.raises(RuntimeError, match=r"linalg.cond\(ord=fro\): A must be batches of square matrices"):
        LA.cond(f64(TALL), "fro")
    with pytest.raises(RuntimeError, match="invalid norm type"):
        LA.cond(f64(SQUARE), 3)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        LA.cond(f64(np.ones(3)))
    torch = pytest.importorskip("torch")
    for p in ("fro", 1, None):
        with np.errstate(divide="ignore"):
            ours = LA.cond(f64(batch), p)
        np.testing.assert_allclose(ours.data, torch.linalg.cond(torch.tensor(batch), p).numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------------------------------
# qr: LAPACK's Householder QR, as PyTorch's, so Q and R themselves are compared.


def _qr_outputs(result):
    q, r = result
    return ag.cat([q.reshape(q.shape[:-2] + (-1,)), r.reshape(r.shape[:-2] + (-1,))], -1)


def _torch_qr_outputs(torch, result):
    q, r = result
    return torch.cat([q.flatten(-2), r.flatten(-2)], -1)


@pytest.mark.parametrize("mode", ["reduced", "complete"])
@pytest.mark.parametrize("shape", ["square", "tall", "wide", "matrix"])
def test_qr_matches_torch_with_gradients(shape, mode):
    a = SVD_INPUTS[shape]
    if mode == "complete" and a.shape[-2] > a.shape[-1]:      # not differentiable (PyTorch's error): values only
        torch = pytest.importorskip("torch")
        q, r = LA.qr(f64(a), mode="complete")
        tq, tr = torch.linalg.qr(torch.tensor(a), mode="complete")
        np.testing.assert_allclose(q.data, tq.numpy(), atol=1e-12)
        np.testing.assert_allclose(r.data, tr.numpy(), atol=1e-12)
        return
    compare_with_torch(lambda x: _qr_outputs(LA.qr(x, mode)), lambda t, x: _torch_qr_outputs(t, t.linalg.qr(x, mode)),
                       [a])


@pytest.mark.parametrize("shape", ["tall", "wide"])
def test_qr_gradients_match_finite_differences_and_factorise(shape):
    a = SVD_INPUTS[shape]
    assert ag.gradcheck(lambda x: _qr_outputs(LA.qr(x)), (f64(a),))
    for mode in ("reduced", "complete"):
        q, r = LA.qr(f64(a, False), mode)
        np.testing.assert_allclose(q.data @ r.data, a, atol=1e-12)
        np.testing.assert_allclose(q.data.swapaxes(-1, -2) @ q.data, np.broadcast_to(np.eye(q.shape[-1]),
                                   q.shape[:-2] + (q.shape[-1],) * 2), atol=1e-12)
        np.testing.assert_array_equal(np.tril(r.data, -1), 0)


def test_qr_modes_named_tuples_and_errors():
    result = LA.qr(f64(TALL, False), mode="r")
    assert type(result).__name__ == "linalg_qr" and result._fields == ("Q", "R")
    assert result.Q.shape == (0,) and result.R.shape == (2, 3, 3)
    np.testing.assert_allclose(result.R.data, LA.qr(f64(TALL, False)).R.data)
    old = ag.qr(f64(TALL, False), some=False)
    assert type(old).__name__ == "qr" and old.Q.shape == (2, 4, 4) and old.R.shape == (2, 4, 3)
    assert f64(WIDE, False).qr().Q.shape == (2, 3, 3)
    x = f64(TALL)
    with pytest.raises(RuntimeError, match="mode='r'"):
        LA.qr(x, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        LA.qr(x, mode="complete").R.sum().backward()
    with pytest.raises(RuntimeError, match="unrecognized mode 'full'"):
        LA.qr(x, mode="full")
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        LA.qr(f64(np.ones(3)))


# ----------------------------------------------------------------------------------------------------
# matrix_exp


@pytest.mark.parametrize("scale", [1e-3, 0.05, 0.2, 0.5, 1.0, 20.0])   # Padé degrees 3, 5, 7, 9 and 13, squarings
def test_matrix_exp_matches_torch_with_gradients(scale):
    compare_with_torch(lambda a: LA.matrix_exp(a), lambda t, a: t.linalg.matrix_exp(a), [scale * SQUARE],
                       rtol=1e-10, atol=1e-12)


def test_matrix_exp_identities_gradients_and_surface():
    a = SQUARE[0]
    assert ag.gradcheck(LA.matrix_exp, (f64(SQUARE),)) and ag.gradgradcheck(LA.matrix_exp, (f64(a),))
    np.testing.assert_array_equal(LA.matrix_exp(f64(np.zeros((3, 3)), False)).data, np.eye(3))
    np.testing.assert_allclose(LA.matrix_exp(f64(np.diag([1.0, -2.0, 0.5]), False)).data,
                               np.diag(np.exp([1.0, -2.0, 0.5])), rtol=1e-14)
    np.testing.assert_allclose(LA.matrix_exp(f64(a, False)).data @ LA.matrix_exp(f64(-a, False)).data, np.eye(3),
                               atol=1e-12)
    rotation = LA.matrix_exp(f64([[0.0, -np.pi / 3], [np.pi / 3, 0.0]], False)).data
    np.testing.assert_allclose(rotation, [[0.5, -np.sqrt(0.75)], [np.sqrt(0.75), 0.5]], atol=1e-14)
    x = f64(a)
    LA.matrix_exp(x).sum().backward()   # d Σ exp(A) / dA: L(Aᵀ, 1), checked against its series to a high order
    ones, series, term_sum = np.ones((3, 3)), np.zeros((3, 3)), None
    powers = [np.linalg.matrix_power(a.T, k) for k in range(30)]
    for k in range(1, 30):
        term_sum = sum(powers[j] @ ones @ powers[k - 1 - j] for j in range(k))
        series += term_sum / np.prod(np.arange(1, k + 1, dtype=float))
    np.testing.assert_allclose(x.grad, series, rtol=1e-10)
    assert ag.matrix_exp(f64(a, False)).shape == (3, 3) and f64(SQUARE, False).matrix_exp().shape == (2, 3, 3)
    assert LA.matrix_exp(ag.tensor(a.astype(np.float32))).dtype == np.float32
    with pytest.raises(RuntimeError, match="square"):
        LA.matrix_exp(f64(TALL))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        LA.matrix_exp(f64(np.ones(3)))
