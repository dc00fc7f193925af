"""Complex linear algebra (torch.linalg on complex64/complex128, and eig/eigvals, complex for real input too): each
function's values, the gradients of real losses and the forward-mode derivatives against PyTorch in complex128, the
gradients against finite differences, PyTorch's refusals of losses that depend on the phases of eigenvectors and
singular vectors (in its words), dtypes, and the conjugate transposes (.mH, .H, .adjoint()).

Decompositions are unique only up to the phases of their vectors (and LAPACK builds may choose other phases than
PyTorch's), so their cases compare what those phases do not change: U Vh, |V|², V diag(L) V⁻¹, Q R, ..."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradient_helpers import central_gradients

import autograd_core as ag

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(52)


def _complex(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


A0 = _complex(3, 3)
A1 = _complex(3, 3)
B0 = _complex(3, 2)
T0 = _complex(4, 3)            # tall
BATCH = _complex(2, 3, 3)
REAL = RNG.standard_normal((3, 3))
WEIGHTS = _complex(64)


def _numpy(t):
    if isinstance(t, torch.Tensor):
        return t.detach().resolve_conj().numpy()
    return np.asarray(t.data if isinstance(t, ag.Value) else t)


def _real_loss(m, out):
    """A real scalar of `out` (complex or real) with fixed weights, written the same way for both libraries."""
    w = m.tensor(WEIGHTS[: out.numel()].reshape(tuple(out.shape)))
    if out.is_complex():
        return (out * w).real.sum()
    return (out * w.real).sum()


def _hermitian(m, a):
    return a + a.mH


def _positive_definite(m, a):
    return a @ a.mH + m.eye(a.shape[-1], dtype=a.dtype)


def _inverse_free_eig(m, a):
    """V diag(L) V⁻¹ (= A) and |V|²: what the eigenvectors' phases do not change."""
    values, vectors = m.linalg.eig(a)
    rebuilt = m.linalg.solve(vectors, vectors * values.unsqueeze(-2), left=False)
    return m.cat([rebuilt, (vectors.abs() ** 2)], dim=-1)


def _svd_invariants(m, a):
    u, s, vh = m.linalg.svd(a, full_matrices=False)
    return m.cat([(u @ vh).reshape(-1), s.to(u.dtype).reshape(-1), (u.abs() ** 4).sum(-2).to(u.dtype).reshape(-1),
                  (vh.abs() ** 4).sum(-1).to(u.dtype).reshape(-1)])


def _eigh_invariants(m, a):
    w, v = m.linalg.eigh(_hermitian(m, a))
    return m.cat([w.to(v.dtype).reshape(-1), (v.abs() ** 4).sum(-2).to(v.dtype).reshape(-1), (v @ v.mH).reshape(-1)])


OPS = {  # name -> (fn(m, *leaves), inputs)
    "inv": (lambda m, a: m.linalg.inv(a), (A0,)),
    "inv-batch": (lambda m, a: m.linalg.inv(a), (BATCH,)),
    "torch.inverse": (lambda m, a: m.inverse(a), (A0,)),
    "det": (lambda m, a: m.linalg.det(a), (BATCH,)),
    "torch.det": (lambda m, a: m.det(a) * 1, (A0,)),
    "slogdet-sign": (lambda m, a: m.linalg.slogdet(a).sign, (BATCH,)),
    "slogdet-logabsdet": (lambda m, a: m.linalg.slogdet(a).logabsdet, (BATCH,)),
    "logdet": (lambda m, a: m.logdet(a), (A0,)),
    "solve": (lambda m, a, b: m.linalg.solve(a, b), (A0, B0)),
    "solve-vector": (lambda m, a, b: m.linalg.solve(a, b[:, 0]), (A0, B0)),
    "solve-left-false": (lambda m, a, b: m.linalg.solve(a, b.mT, left=False), (A0, B0)),
    "matrix_power-3": (lambda m, a: m.linalg.matrix_power(a, 3), (A0,)),
    "matrix_power--2": (lambda m, a: m.linalg.matrix_power(a, -2), (A0,)),
    "pinv": (lambda m, a: m.linalg.pinv(a), (T0,)),
    "pinv-wide": (lambda m, a: m.linalg.pinv(a.mT), (T0,)),
    "pinv-hermitian": (lambda m, a: m.linalg.pinv(_positive_definite(m, a), hermitian=True), (A0,)),
    "cholesky": (lambda m, a: m.linalg.cholesky(_positive_definite(m, a)), (A0,)),
    "cholesky-upper": (lambda m, a: m.linalg.cholesky(_positive_definite(m, a), upper=True), (BATCH,)),
    "solve_triangular": (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True), (A0, B0)),
    "solve_triangular-lower-right": (lambda m, a, b: m.linalg.solve_triangular(a, b.mT, upper=False, left=False),
                                     (A0, B0)),
    "solve_triangular-unitriangular": (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False,
                                                                                 unitriangular=True), (A0, B0)),
    "qr": (lambda m, a: m.cat(list(m.linalg.qr(a)), dim=0), (T0,)),       # LAPACK's phases: R's diagonal real
    "qr-wide": (lambda m, a: m.cat(list(m.linalg.qr(a.mT)), dim=1), (T0,)),
    "qr-complete": (lambda m, a: m.cat(list(m.linalg.qr(a.mT, mode="complete")), dim=1), (T0,)),
    "lu_factor": (lambda m, a: m.linalg.lu_factor(a).LU, (A0,)),
    "lu": (lambda m, a: m.cat([f.reshape(-1) for f in m.linalg.lu(a)[1:]]), (T0,)),
    "lu-wide": (lambda m, a: m.cat([f.reshape(-1) for f in m.linalg.lu(a.mT)[1:]]), (T0,)),
    "lu_solve": (lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b), (A0, B0)),
    "lu_solve-adjoint": (lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b, adjoint=True), (A0, B0)),
    "eigvalsh": (lambda m, a: m.linalg.eigvalsh(_hermitian(m, a)), (BATCH,)),
    "eigvalsh-upper": (lambda m, a: m.linalg.eigvalsh(_hermitian(m, a), UPLO="U"), (A0,)),
    "eigh": (_eigh_invariants, (A0,)),
    "svdvals": (lambda m, a: m.linalg.svdvals(a), (T0,)),
    "svd": (_svd_invariants, (T0,)),
    "svd-wide": (lambda m, a: _svd_invariants(m, a.mT), (T0,)),
    "svd-square": (_svd_invariants, (A0,)),
    "eigvals": (lambda m, a: m.linalg.eigvals(a) ** 2, (A0,)),
    "eig": (_inverse_free_eig, (A0,)),
    "eig-batch": (_inverse_free_eig, (BATCH,)),
    "eigh-batch": (_eigh_invariants, (BATCH,)),
    "svd-batch": (_svd_invariants, (_complex(2, 4, 3),)),
    "qr-batch": (lambda m, a: m.cat(list(m.linalg.qr(a)), dim=-2), (_complex(2, 4, 3),)),
    "pinv-batch": (lambda m, a: m.linalg.pinv(a), (_complex(2, 3, 4),)),
    "eigvals-real-input": (lambda m, a: m.linalg.eigvals(a) ** 3, (REAL,)),
    "eig-real-input": (_inverse_free_eig, (REAL,)),
    "matrix_exp": (lambda m, a: m.linalg.matrix_exp(a), (A0,)),
    "matrix_exp-large": (lambda m, a: m.linalg.matrix_exp(a * 3), (BATCH,)),
    "matrix_norm-fro": (lambda m, a: m.linalg.matrix_norm(a), (T0,)),
    "matrix_norm-nuc": (lambda m, a: m.linalg.matrix_norm(a, "nuc"), (T0,)),
    "matrix_norm-2": (lambda m, a: m.linalg.matrix_norm(a, 2), (T0,)),
    "matrix_norm--2": (lambda m, a: m.linalg.matrix_norm(a, -2), (T0,)),
    "matrix_norm-1": (lambda m, a: m.linalg.matrix_norm(a, 1), (T0,)),
    "matrix_norm-inf": (lambda m, a: m.linalg.matrix_norm(a, float("inf")), (T0,)),
    "norm": (lambda m, a: m.linalg.norm(a), (T0,)),
    "norm-nuc": (lambda m, a: m.linalg.norm(a, "nuc"), (T0,)),
    "cond": (lambda m, a: m.linalg.cond(a), (A0,)),
    "cond-1": (lambda m, a: m.linalg.cond(a, 1) * 1, (A0,)),
    "vector_norm": (lambda m, a: m.linalg.vector_norm(a), (T0,)),
    "vector_norm-3-dim": (lambda m, a: m.linalg.vector_norm(a, 3, dim=0), (T0,)),
    "vector_norm-inf": (lambda m, a: m.linalg.vector_norm(a, float("inf"), dim=1), (T0,)),
    "cross": (lambda m, a, b: m.linalg.cross(a, b), (A0, A1)),
    "vecdot": (lambda m, a, b: m.linalg.vecdot(a, b), (A0, A1)),
    "householder_product": (lambda m, a, tau: m.linalg.householder_product(a, tau), (T0, _complex(3))),
    "ormqr": (lambda m, a, tau, c: m.ormqr(a, tau, c), (T0, _complex(3), _complex(4, 2))),
    "ormqr-transpose": (lambda m, a, tau, c: m.ormqr(a, tau, c, transpose=True), (T0, _complex(3), _complex(4, 2))),
    "ormqr-right-transpose": (lambda m, a, tau, c: m.ormqr(a, tau, c, left=False, transpose=True),
                              (T0, _complex(3), _complex(2, 4))),
    "mH": (lambda m, a: a.mH @ a, (T0,)),
    "adjoint": (lambda m, a: m.adjoint(a) * 2 + a.adjoint(), (BATCH,)),
    "H": (lambda m, a: a.H @ a, (T0,)),
    "multi_dot": (lambda m, a, b: m.linalg.multi_dot([a, a, b]), (A0, B0)),
    "tensorinv": (lambda m, a: m.linalg.tensorinv(a, ind=1), (A0,)),
    "lu_solve-right": (lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b.mT, left=False), (A0, B0)),
    "lu_solve-right-adjoint": (lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b.mT, left=False,
                                                                  adjoint=True), (A0, B0)),
    "inv_ex": (lambda m, a: m.linalg.inv_ex(a).inverse, (A0,)),
    "solve_ex": (lambda m, a, b: m.linalg.solve_ex(a, b).result, (A0, B0)),
    "cholesky_ex": (lambda m, a: m.linalg.cholesky_ex(_positive_definite(m, a)).L, (A0,)),
    "cholesky_solve": (lambda m, b, a: m.cholesky_solve(b, m.linalg.cholesky(_positive_definite(m, a))), (B0, A0)),
    "cholesky_solve-upper": (lambda m, b, a: m.cholesky_solve(b, m.linalg.cholesky(_positive_definite(m, a),
                                                                                   upper=True), upper=True), (B0, A0)),
    "cholesky_inverse": (lambda m, a: m.cholesky_inverse(m.linalg.cholesky(_positive_definite(m, a))), (A0,)),
    "torch.cholesky": (lambda m, a: m.cholesky(_positive_definite(m, a)), (A0,)),
    "lstsq": (lambda m, a, b: m.linalg.lstsq(a, b).solution, (T0, _complex(4, 2))),
    "lstsq-residuals": (lambda m, a, b: m.linalg.lstsq(a, b, driver="gelsd").residuals, (T0, _complex(4, 2))),
    "torch.svd": (lambda m, a: (lambda u, s, v: u @ v.mH)(*m.svd(a)), (T0,)),
    "pinverse": (lambda m, a: m.pinverse(a), (T0,)),
    "lu_unpack": (lambda m, a: m.cat([f.reshape(-1) for f in m.lu_unpack(*m.linalg.lu_factor(a))]), (T0,)),
    "triangular_solve": (lambda m, b, a: m.triangular_solve(b, a).solution, (B0, A0)),
    "cond-fro": (lambda m, a: m.linalg.cond(a, "fro") * 1, (A0,)),
    # torch.* names and Value methods of the same functions
    "torch.slogdet": (lambda m, a: m.slogdet(a)[0] * a.slogdet()[1], (A0,)),
    "methods": (lambda m, a: m.cat([a.matrix_exp(), a.matrix_power(2), a.inverse(), a.pinverse(), a.det().reshape(1, 1)
                                    .expand(3, 3), a.logdet().reshape(1, 1).expand(3, 3)]), (A0,)),
    "torch.qr-lu": (lambda m, a: m.cat([m.qr(a)[1], a.qr()[0], m.lu(a)[0]]), (A0,)),
    "torch.lu_solve": (lambda m, a, b: m.lu_solve(b, *m.linalg.lu_factor(a)), (A0, B0)),
}


def _run(m, fn, inputs):
    leaves = [m.tensor(x, requires_grad=True) for x in inputs]
    out = fn(m, *leaves)
    _real_loss(m, out).backward()
    return out, [leaf.grad for leaf in leaves]


# PyTorch 2.13's own backward fails here ("modified by an inplace operation"): checked by finite differences only.
PYTORCH_FAILS = {"cond-1", "cond-fro"}


@pytest.mark.parametrize("name", sorted(set(OPS) - PYTORCH_FAILS))
def test_values_and_gradients_match_pytorch(name):
    fn, inputs = OPS[name]
    ours, our_grads = _run(ag, fn, inputs)
    theirs, their_grads = _run(torch, fn, inputs)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=1e-9, atol=1e-10)
    for mine, expected in zip(our_grads, their_grads):
        assert mine.dtype == _numpy(expected).dtype  # a real leaf gets a real gradient, a complex leaf a complex one
        np.testing.assert_allclose(np.asarray(mine), _numpy(expected), rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("name", ["inv", "slogdet-sign", "cholesky", "qr", "qr-wide", "lu", "eigh", "svd", "svd-wide",
                                  "eig", "eig-real-input", "pinv", "matrix_exp", "householder_product", "cond-1",
                                  "cond-fro", "lu_solve-adjoint", "cholesky_solve"])
def test_gradients_match_finite_differences(name):
    """A.grad = ∂L/∂Re A + i·∂L/∂Im A for a real loss L (PyTorch's convention), by central differences."""
    fn, inputs = OPS[name]

    def loss(*arrays):
        return float(_real_loss(ag, fn(ag, *[ag.tensor(a) for a in arrays])).data)

    _, grads = _run(ag, fn, inputs)
    for grad, expected in zip(grads, central_gradients(loss, inputs)):
        np.testing.assert_allclose(np.asarray(grad), expected, rtol=1e-5, atol=1e-6)


JVP_CASES = ["inv", "det", "slogdet-sign", "slogdet-logabsdet", "solve", "cholesky", "cholesky-upper",
             "solve_triangular", "qr", "qr-wide", "lu", "lu-wide", "eigvalsh", "eigh", "svdvals", "svd", "svd-wide",
             "eigvals", "eig", "eig-real-input", "pinv", "pinv-wide", "matrix_exp", "matrix_norm-nuc", "eig-batch",
             "eigh-batch", "svd-batch", "qr-batch",
             "householder_product", "mH"]


@pytest.mark.parametrize("name", JVP_CASES)
def test_forward_mode_matches_pytorch(name):
    from autograd_core.func import jvp as our_jvp

    fn, inputs = OPS[name]
    tangents = [_complex(*x.shape) if np.iscomplexobj(x) else RNG.standard_normal(x.shape) for x in inputs]
    ours = our_jvp(lambda *xs: fn(ag, *xs), tuple(ag.tensor(x) for x in inputs), tuple(ag.tensor(t) for t in tangents))
    theirs = torch.func.jvp(lambda *xs: fn(torch, *xs), tuple(torch.tensor(x) for x in inputs),
                            tuple(torch.tensor(t) for t in tangents))
    for a, b in zip(ours, theirs):
        assert str(a.dtype) == str(b.dtype).removeprefix("torch.")
        np.testing.assert_allclose(_numpy(a), _numpy(b), rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("name", ["inv", "det", "svdvals", "eigvalsh", "cholesky", "eig", "eigh", "svd", "qr", "pinv",
                                  "lu", "slogdet-sign", "matrix_exp", "eig-real-input"])
def test_second_derivatives_match_pytorch(name):
    fn, inputs = OPS[name]
    results = []
    for m in (ag, torch):
        a = m.tensor(inputs[0], requires_grad=True)
        (g,) = m.autograd.grad(_real_loss(m, fn(m, a)), [a], create_graph=True)
        (gg,) = m.autograd.grad((g * m.tensor(WEIGHTS[:g.numel()].reshape(tuple(g.shape)))).real.sum(), [a])
        results.append((_numpy(g), _numpy(gg)))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)


# ----------------------------------------------------------------------------------------------------
# Losses that depend on the phases of vectors: PyTorch refuses them in the backward pass, and so do we.

PHASE_DEPENDENT = {
    "svd-U": lambda m, a: m.linalg.svd(a)[0],
    "svd-Vh": lambda m, a: m.linalg.svd(a, full_matrices=False)[2],
    "eigh": lambda m, a: m.linalg.eigh(_hermitian(m, a)).eigenvectors,
    "eig": lambda m, a: m.linalg.eig(a).eigenvectors,
    "eig-real-input": lambda m, a: m.linalg.eig(a.real).eigenvectors,
}


@pytest.mark.parametrize("name", list(PHASE_DEPENDENT))
def test_losses_depending_on_phases_raise_pytorchs_error(name):
    fn = PHASE_DEPENDENT[name]
    errors = []
    for m in (ag, torch):
        a = m.tensor(A0, requires_grad=True)
        with pytest.raises(RuntimeError) as caught:
            _real_loss(m, fn(m, a)).backward()
        errors.append(caught.value)
    ours, theirs = errors
    assert str(ours) == str(theirs)
    assert "e^{i phi}" in str(ours)


def test_phase_invariant_losses_of_singular_vectors_pass_the_check():
    # |U|² and U diag(S) Vh: each column's phase cancels.
    a = ag.tensor(T0, requires_grad=True)
    u, s, vh = ag.linalg.svd(a, full_matrices=False)
    ((u.abs() ** 2).sum() + (u * s.to(u.dtype).unsqueeze(-2) @ vh).real.sum()).backward()
    assert np.all(np.isfinite(np.asarray(a.grad)))


# ----------------------------------------------------------------------------------------------------
# dtypes, results of real input, errors.


VECTORS = {  # their dtypes only: phases may differ between LAPACK builds (their values are checked above)
    "eigh-vectors": lambda m, a: m.linalg.eigh(a + a.mH)[1], "svd-U": lambda m, a: m.linalg.svd(a)[0],
    "svd-Vh": lambda m, a: m.linalg.svd(a)[2], "eig-vectors": lambda m, a: m.linalg.eig(a)[1],
}
VALUES = {
    "eigvalsh": lambda m, a: m.linalg.eigvalsh(a + a.mH), "svdvals": lambda m, a: m.linalg.svdvals(a),
    "slogdet-sign": lambda m, a: m.linalg.slogdet(a)[0], "slogdet-logabsdet": lambda m, a: m.linalg.slogdet(a)[1],
    "eigvals": lambda m, a: m.linalg.eigvals(a), "eig-values": lambda m, a: m.linalg.eig(a)[0],
    "nuc": lambda m, a: m.linalg.matrix_norm(a, "nuc"), "vector_norm": lambda m, a: m.linalg.vector_norm(a),
    "cond": lambda m, a: m.linalg.cond(a), "pivots": lambda m, a: m.linalg.lu_factor(a).pivots,
    "matrix_exp": lambda m, a: m.linalg.matrix_exp(a), "det": lambda m, a: m.linalg.det(a),
    "logdet": lambda m, a: m.logdet(a @ a.mH), "pinv": lambda m, a: m.linalg.pinv(a),
}


@pytest.mark.parametrize("dtype", ["complex64", "complex128", "float32", "float64"])
@pytest.mark.parametrize("name", list(VECTORS) + list(VALUES))
def test_result_dtypes_and_values_match_pytorch(dtype, name):
    data = (A0 if dtype.startswith("complex") else REAL).astype(dtype)
    fn = VECTORS.get(name) or VALUES[name]
    ours, theirs = fn(ag, ag.tensor(data)), fn(torch, torch.tensor(data))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    if name in VALUES:
        tolerance = 1e-4 if dtype in ("complex64", "float32") else 1e-10
        np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=tolerance, atol=tolerance)


def test_eig_of_real_input_has_a_real_gradient_and_conjugate_pairs():
    a = ag.tensor(REAL, requires_grad=True)
    values, vectors = ag.linalg.eig(a)
    assert values.dtype == ag.complex128 and vectors.dtype == ag.complex128
    np.testing.assert_allclose(np.sort_complex(values.data), np.sort_complex(values.data.conj()), atol=1e-12)
    (values.abs() ** 2).sum().backward()
    assert a.grad.dtype == np.float64


def test_slogdet_of_a_singular_complex_matrix():
    singular = np.array([[1 + 1j, 2 + 2j], [1 + 1j, 2 + 2j]])
    ours, theirs = ag.linalg.slogdet(ag.tensor(singular)), torch.linalg.slogdet(torch.tensor(singular))
    assert complex(ours.sign.data) == complex(theirs.sign) == 0
    assert float(ours.logabsdet.data) == float(theirs.logabsdet) == -np.inf


def test_conjugate_transposes():
    a = ag.tensor(T0)
    np.testing.assert_array_equal(a.mH.data, T0.conj().T)
    np.testing.assert_array_equal(a.H.data, T0.conj().T)
    np.testing.assert_array_equal(a.adjoint().data, T0.conj().T)
    np.testing.assert_array_equal(ag.adjoint(a).data, T0.conj().T)
    real = ag.tensor(REAL)
    assert real.mH.op == "swapaxes"  # real: a transpose, no conjugation node
    np.testing.assert_array_equal(real.mH.data, REAL.T)


@pytest.mark.parametrize("name, fn", [
    ("eig-not-square", lambda m: m.linalg.eig(m.zeros(2, 3))),
    ("eigvals-1d", lambda m: m.linalg.eigvals(m.zeros(2))),
    ("eig-half", lambda m: m.linalg.eig(m.zeros(2, 2, dtype=m.float16))),
    ("eig-integers", lambda m: m.linalg.eig(m.ones(2, 2, dtype=m.int64))),
    ("eigvals-bool", lambda m: m.linalg.eigvals(m.ones(2, 2, dtype=m.bool))),
    ("matrix_exp-integers", lambda m: m.linalg.matrix_exp(m.ones(2, 2, dtype=m.int32))),
    ("svd-phase", lambda m: m.linalg.svd(m.tensor(A0, requires_grad=True))[0].real.sum().backward()),
])
def test_errors_in_pytorchs_words(name, fn):
    with pytest.raises(RuntimeError) as theirs:
        fn(torch)
    with pytest.raises(RuntimeError) as ours:
        fn(ag)
    assert type(ours.value).__name__ == type(theirs.value).__name__ or isinstance(ours.value, type(theirs.value))
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name, fn", [
    ("solve", lambda m, r, z: m.linalg.solve(r, z)), ("solve-complex-A", lambda m, r, z: m.linalg.solve(z, r)),
    ("solve-float32", lambda m, r, z: m.linalg.solve(r.float(), r)),
    ("lu_solve", lambda m, r, z: m.linalg.lu_solve(*m.linalg.lu_factor(z), r)),
    ("cholesky_solve", lambda m, r, z: m.cholesky_solve(r, z)),
    ("vecdot", lambda m, r, z: m.linalg.vecdot(r, z)),
    ("vecdot-float32", lambda m, r, z: m.linalg.vecdot(r.float(), r)),
    ("cross", lambda m, r, z: m.linalg.cross(r, z)), ("cross-complex-first", lambda m, r, z: m.linalg.cross(z, r)),
])
def test_operands_of_different_dtypes_are_refused_in_pytorchs_words(name, fn):
    errors = []
    for m in (ag, torch):
        with pytest.raises(RuntimeError) as caught:
            fn(m, m.tensor(REAL), m.tensor(A0))
        errors.append(str(caught.value))
    assert errors[0] == errors[1]


def test_singular_and_not_positive_definite_complex_matrices_raise_linalg_errors():
    with pytest.raises(ag.linalg.LinAlgError):
        ag.linalg.inv(ag.tensor(np.zeros((2, 2), dtype=complex)))
    with pytest.raises(ag.linalg.LinAlgError, match="not positive-definite"):
        ag.linalg.cholesky(ag.tensor(-np.eye(2, dtype=complex)))
    with pytest.raises(ag.linalg.LinAlgError, match="non-finite"):
        ag.linalg.eig(ag.tensor(np.array([[np.nan, 0], [0, 1]], dtype=complex)))


def test_lstsq_of_complex_matrices_returns_real_residuals_and_singular_values():
    for driver in ("gels", "gelsy", "gelsd", "gelss"):
        ours = ag.linalg.lstsq(ag.tensor(T0), ag.tensor(_complex(4, 2)), driver=driver)
        theirs = torch.linalg.lstsq(torch.tensor(T0), torch.tensor(_complex(4, 2)), driver=driver)
        for a, b in zip(ours, theirs):
            assert str(a.dtype) == str(b.dtype).removeprefix("torch.") and tuple(a.shape) == tuple(b.shape), driver


def test_lu_pivots_are_lapacks_for_complex_matrices():
    # getrf picks the pivot of largest |Re| + |Im| (izamax), not of largest modulus
    a = np.array([[0.8 + 0.8j, 1.0], [1.2 + 0j, 2.0]])        # |Re| + |Im|: 1.6 > 1.2, though |0.8 + 0.8i| < 1.2
    for data in (a, A0, T0, T0.T.copy()):
        ours, theirs = ag.linalg.lu_factor(ag.tensor(data)), torch.linalg.lu_factor(torch.tensor(data))
        np.testing.assert_array_equal(ours.pivots.data, theirs.pivots.numpy())
        np.testing.assert_allclose(ours.LU.data, theirs.LU.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["inv", "det", "slogdet-sign", "cholesky", "qr", "lu", "eigh", "svd", "eig", "pinv",
                                  "matrix_exp", "eig-real-input", "householder_product"])
def test_complex64_gradients_are_complex64_and_match_pytorch(name):
    fn, inputs = OPS[name]
    inputs = tuple(x.astype(np.complex64 if np.iscomplexobj(x) else np.float32) for x in inputs)
    ours, our_grads = _run(ag, fn, inputs)
    theirs, their_grads = _run(torch, fn, inputs)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    for mine, expected in zip(our_grads, their_grads):
        assert mine.dtype == _numpy(expected).dtype
        np.testing.assert_allclose(np.asarray(mine), _numpy(expected), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_ldl_factor_of_complex_symmetric_matrices_is_lapacks(n):
    rng = np.random.default_rng(n)
    for trial in range(12):
        a = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
        if trial % 3 == 0:
            a[np.diag_indices(n)] *= 0.01   # small diagonals: 2 × 2 blocks
        a = a + a.T
        ours, theirs = ag.linalg.ldl_factor(ag.tensor(a)), torch.linalg.ldl_factor(torch.tensor(a))
        np.testing.assert_array_equal(ours.pivots.data, theirs.pivots.numpy())
        np.testing.assert_allclose(ours.LD.data, theirs.LD.numpy(), rtol=1e-10, atol=1e-10)
        b = _complex(n, 2)
        x = ag.linalg.ldl_solve(ours.LD, ours.pivots, ag.tensor(b)).data
        np.testing.assert_allclose(a @ x, b, atol=1e-8)


def test_ldl_factor_of_a_complex_matrix_casts_its_info_without_numpys_complex_warning():
    # info sits in the complex packing's real part: cast as a complex number, NumPy warned "discards the imaginary part"
    a = np.array([[2.0, 1 + 1j], [1 - 1j, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = ag.linalg.ldl_factor_ex(ag.tensor(a), hermitian=True)
    assert ours.info.data.dtype == np.int32 and int(ours.info.data) == 0


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_ldl_factor_of_complex_hermitian_matrices_is_lapacks(n):
    rng = np.random.default_rng(10 + n)
    for trial in range(12):
        a = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
        if trial % 3 == 0:
            a[np.diag_indices(n)] *= 0.01
        a = a + a.conj().T
        ours = ag.linalg.ldl_factor(ag.tensor(a), hermitian=True)
        theirs = torch.linalg.ldl_factor(torch.tensor(a), hermitian=True)
        np.testing.assert_array_equal(ours.pivots.data, theirs.pivots.numpy())
        np.testing.assert_allclose(ours.LD.data, theirs.LD.numpy(), rtol=1e-10, atol=1e-10)
        b = _complex(n, 2)
        x = ag.linalg.ldl_solve(ours.LD, ours.pivots, ag.tensor(b), hermitian=True).data
        np.testing.assert_allclose(a @ x, b, atol=1e-8)


def test_ldl_factor_refuses_integers_in_pytorchs_words():
    with pytest.raises(RuntimeError) as ours:
        ag.linalg.ldl_factor(ag.eye(2, dtype=ag.int64))
    with pytest.raises(RuntimeError) as theirs:
        torch.linalg.ldl_factor(torch.eye(2, dtype=torch.int64))
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("shape", [(6, 5), (5, 6)])
def test_svd_lowrank_and_pca_lowrank_of_complex_matrices(shape):
    rank2 = _complex(shape[0], 2) @ _complex(2, shape[1])
    results = []
    for m in (ag, torch):
        m.manual_seed(0)
        a = m.tensor(rank2, requires_grad=True)
        u, s, v = m.svd_lowrank(a, q=4)
        np.testing.assert_allclose(_numpy(u) * _numpy(s) @ _numpy(v).conj().T, rank2, atol=1e-9)
        s[:2].sum().backward()
        results.append((_numpy(s)[:2], _numpy(a.grad), _numpy(m.pca_lowrank(m.tensor(rank2), q=3)[1]),
                        str(u.dtype).removeprefix("torch."), str(s.dtype).removeprefix("torch.")))
    for ours, theirs in zip(*results):
        if isinstance(ours, str):
            assert ours == theirs
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


def test_linalg_diagonal_of_complex_input_matches_pytorch():
    a = np.arange(6).reshape(2, 3) * (1 + 1j) + 0.5j
    results = []
    for m in (ag, torch):
        z = m.tensor(a, requires_grad=True)
        d = m.linalg.diagonal(z, offset=1)
        (d.abs() ** 2).sum().backward()
        results.append([np.asarray(d.detach().numpy()), np.asarray(z.grad.numpy())])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
