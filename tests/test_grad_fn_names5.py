"""`y.grad_fn`'s names against PyTorch's, round 5 (the style of test_grad_fn_names4.py, each case run in both
libraries): the outputs of the decompositions, each shown as PyTorch's one node of several outputs (svd's
LinalgSvdBackward0, torch.svd's V a TransposeBackward0 over it, qr's, eigh's, eig's), the solvers and factorizations
(lu_factor, lu, lu_unpack, lu_solve, lstsq, solve_triangular, triangular_solve, cholesky(upper=True), cholesky_solve,
cholesky_inverse, householder_product, geqrf, cross), vector_norm with ord=0 (PyTorch's node, whose gradient is
undefined: x.grad stays None), addmm and its kin, cdist and pdist for every p, glu, pixel_(un)shuffle, F.unfold and
F.fold, quantile's nodes, and attention of 4-D inputs (PyTorch's CPU flash kernel). Then: relabelling changes no number
(the same calls with the relabelling turned off give the same values and gradients, bit for bit, in float32 and
float64), values and gradients against PyTorch's, the picture (viz) still draws this library's own nodes, and x.T on
other than 2 dimensions warns as PyTorch warns, once a process."""

import warnings

import numpy as np
import pytest
from test_grad_fn_names import Tensors, _chain, _library, _next_names, run_on

_RNG = np.random.default_rng(5)
_ARRAYS = {
    "x": _RNG.standard_normal((4, 3)), "w": _RNG.standard_normal((3, 4)), "sq": _RNG.standard_normal((3, 3)),
    "c": _RNG.standard_normal((2, 3, 3)) + 1j * _RNG.standard_normal((2, 3, 3)),
    "v": _RNG.standard_normal(5), "b3": _RNG.standard_normal((2, 4, 3)), "b3b": _RNG.standard_normal((2, 3, 5)),
    "img": _RNG.standard_normal((2, 4, 4, 6)), "c3": _RNG.standard_normal((2, 6, 5)),
    "t3": _RNG.standard_normal((4, 3, 2)), "q4": _RNG.standard_normal((2, 2, 4, 3)),
    "k4": _RNG.standard_normal((2, 2, 5, 3)),
}
_MASK = _RNG.standard_normal((4, 5)) > 0


def _Inputs(L, dtype=np.float64):
    """The arrays above as tensors of library L (float64, or `dtype`; complex128 stays) that require grad."""
    return Tensors(L, _ARRAYS, dtype)


def _run(library, make, dtype=np.float64):
    return run_on(library, make, _ARRAYS, dtype)


_ACC = "AccumulateGrad"
_SVD, _QR, _EIGH, _EIG = "LinalgSvdBackward0", "LinalgQrBackward0", "LinalgEighBackward0", "LinalgEigBackward0"
_FLASH = "ScaledDotProductFlashAttentionForCpuBackward0"


def _spd(L, d):
    """A symmetric positive-definite matrix of d.sq."""
    return d.sq @ d.sq.T + L.eye(3, dtype=d.sq.dtype)


# (id, name of y.grad_fn, next_functions' names joined by "|", y from (L, F, nn, d)): PyTorch 2.13's names
CASES = [
    # decompositions: every output is PyTorch's one node over the input
    ("svd_U", _SVD, _ACC, lambda L, F, nn, d: L.linalg.svd(d.x, full_matrices=False)[0]),
    ("svd_S", _SVD, _ACC, lambda L, F, nn, d: L.linalg.svd(d.x, full_matrices=False).S),
    ("svd_Vh", _SVD, _ACC, lambda L, F, nn, d: L.linalg.svd(d.x, full_matrices=False)[2]),
    ("svd_full_U", _SVD, _ACC, lambda L, F, nn, d: L.linalg.svd(d.x)[0]),
    ("svd_full_Vh_wide", _SVD, _ACC, lambda L, F, nn, d: L.linalg.svd(d.w)[2]),
    ("svd_complex_Vh", _SVD, _ACC, lambda L, F, nn, d: L.linalg.svd(d.c, full_matrices=False)[2]),
    ("svd_complex_S", _SVD, _ACC, lambda L, F, nn, d: L.linalg.svd(d.c)[1]),
    ("torch.svd_U", _SVD, _ACC, lambda L, F, nn, d: L.svd(d.x)[0]),
    ("torch.svd_S", _SVD, _ACC, lambda L, F, nn, d: L.svd(d.x)[1]),
    ("torch.svd_V", "TransposeBackward0", _SVD, lambda L, F, nn, d: L.svd(d.x)[2]),
    ("svd_method_V_full", "TransposeBackward0", _SVD, lambda L, F, nn, d: d.x.svd(some=False)[2]),
    ("torch.svd_complex_V", "ConjBackward0", "TransposeBackward0", lambda L, F, nn, d: L.svd(d.c)[2]),
    ("qr_Q", _QR, _ACC, lambda L, F, nn, d: L.linalg.qr(d.x)[0]),
    ("qr_R", _QR, _ACC, lambda L, F, nn, d: L.linalg.qr(d.x).R),
    ("qr_wide_Q", _QR, _ACC, lambda L, F, nn, d: L.linalg.qr(d.w)[0]),
    ("qr_complete_R", _QR, _ACC, lambda L, F, nn, d: L.linalg.qr(d.w, mode="complete")[1]),
    ("qr_r", _QR, _ACC, lambda L, F, nn, d: L.linalg.qr(d.x, mode="r")[1]),
    ("qr_complex", _QR, _ACC, lambda L, F, nn, d: L.linalg.qr(d.c)[1]),
    ("qr_method", _QR, _ACC, lambda L, F, nn, d: d.x.qr()[1]),
    ("eigh_values", _EIGH, "AddBackward0", lambda L, F, nn, d: L.linalg.eigh(d.sq + d.sq.T)[0]),
    ("eigh_vectors", _EIGH, "AddBackward0", lambda L, F, nn, d: L.linalg.eigh(d.sq + d.sq.T).eigenvectors),
    ("eigvalsh", _EIGH, _ACC, lambda L, F, nn, d: L.linalg.eigvalsh(d.sq, UPLO="U")),
    ("eigh_complex_values", _EIGH, _ACC, lambda L, F, nn, d: L.linalg.eigh(d.c)[0]),
    ("eig_values", _EIG, _ACC, lambda L, F, nn, d: L.linalg.eig(d.sq)[0]),
    ("eig_vectors", _EIG, _ACC, lambda L, F, nn, d: L.linalg.eig(d.sq)[1]),
    ("eigvals", _EIG, _ACC, lambda L, F, nn, d: L.linalg.eigvals(d.sq)),
    # solvers and factorizations: PyTorch's one node over the inputs
    ("lu_factor", "LinalgLuFactorExBackward0", "AccumulateGrad",
     lambda L, F, nn, d: L.linalg.lu_factor(d.sq)[0]),
    ("lu_factor_ex_tall", "LinalgLuFactorExBackward0", "AccumulateGrad",
     lambda L, F, nn, d: L.linalg.lu_factor_ex(d.x).LU),
    ("torch.lu", "LinalgLuFactorExBackward0", "AccumulateGrad",
     lambda L, F, nn, d: L.lu(d.sq)[0]),
    ("lu_L", "LinalgLuBackward0", "AccumulateGrad",
     lambda L, F, nn, d: L.linalg.lu(d.x)[1]),
    ("lu_U_wide", "LinalgLuBackward0", "AccumulateGrad",
     lambda L, F, nn, d: L.linalg.lu(d.w).U),
    ("lu_unpack_L", "LuUnpackBackward0", "LinalgLuFactorExBackward0",
     lambda L, F, nn, d: L.lu_unpack(*L.linalg.lu_factor(d.sq))[1]),
    ("lu_solve", "LinalgLuSolveBackward0", "LinalgLuFactorExBackward0|SliceBackward0",
     lambda L, F, nn, d: L.linalg.lu_solve(*L.linalg.lu_factor(d.sq), d.x[:3])),
    ("lu_solve_right_adjoint", "LinalgLuSolveBackward0", "LinalgLuFactorExBackward0|AccumulateGrad",
     lambda L, F, nn, d: L.linalg.lu_solve(*L.linalg.lu_factor(d.sq), d.x, left=False, adjoint=True)),
    ("lstsq", "LinalgLstsqBackward0", "AccumulateGrad|MulBackward0",
     lambda L, F, nn, d: L.linalg.lstsq(d.x, d.x * 2).solution),
    ("lstsq_vector_constant", "LinalgLstsqBackward0", "AccumulateGrad|None",
     lambda L, F, nn, d: L.linalg.lstsq(d.x, d.v[:4].detach()).solution),
    ("lstsq_residuals", "LinalgLstsqBackward0", "AccumulateGrad|SliceBackward0",
     lambda L, F, nn, d: L.linalg.lstsq(d.x, d.x[:, :2], driver="gelsd").residuals),
    ("solve_triangular", "LinalgSolveTriangularBackward0", "AccumulateGrad|SliceBackward0",
     lambda L, F, nn, d: L.linalg.solve_triangular(d.sq, d.x[:3], upper=True)),
    ("solve_triangular_right_unit", "LinalgSolveTriangularBackward0", "AccumulateGrad|SliceBackward0",
     lambda L, F, nn, d: L.linalg.solve_triangular(d.sq, d.w.T[:2], upper=False, left=False,
                                                   unitriangular=True)),
    ("triangular_solve", "TriangularSolveBackward0", "SliceBackward0|AccumulateGrad",
     lambda L, F, nn, d: L.triangular_solve(d.x[:3], d.sq, transpose=True)[0]),
    ("cholesky_upper", "LinalgCholeskyExBackward0", "AddBackward0",
     lambda L, F, nn, d: L.linalg.cholesky(_spd(L, d), upper=True)),
    ("cholesky_solve", "CholeskySolveBackward0", "SliceBackward0|LinalgCholeskyExBackward0",
     lambda L, F, nn, d: L.cholesky_solve(d.x[:3], L.linalg.cholesky(_spd(L, d)))),
    ("cholesky_inverse_upper", "CholeskyInverseBackward0", "LinalgCholeskyExBackward0",
     lambda L, F, nn, d: L.cholesky_inverse(L.linalg.cholesky(_spd(L, d), upper=True), upper=True)),
    ("householder_product", "LinalgHouseholderProductBackward0", "AccumulateGrad|SliceBackward0",
     lambda L, F, nn, d: L.linalg.householder_product(d.x, d.v[:2])),
    ("geqrf", "GeqrfBackward0", "AccumulateGrad",
     lambda L, F, nn, d: L.geqrf(d.x)[0]),
    ("geqrf_tau", "GeqrfBackward0", "AccumulateGrad",
     lambda L, F, nn, d: L.geqrf(d.x)[1]),
    ("linalg.cross", "LinalgCrossBackward0", "AccumulateGrad|MulBackward0",
     lambda L, F, nn, d: L.linalg.cross(d.x, d.x * 2)),
    ("cross_dim0", "LinalgCrossBackward0", "AccumulateGrad|None",
     lambda L, F, nn, d: L.cross(d.sq, d.sq.detach(), dim=0)),
    # norms
    ("vector_norm_0", "LinalgVectorNormBackward0", _ACC, lambda L, F, nn, d: L.linalg.vector_norm(d.x, 0)),
    ("vector_norm_0_dim", "LinalgVectorNormBackward0", "MulBackward0",
     lambda L, F, nn, d: L.linalg.vector_norm(d.x * 2, ord=0, dim=1, keepdim=True)),
    ("linalg.norm_0", "LinalgVectorNormBackward0", _ACC, lambda L, F, nn, d: L.linalg.norm(d.x, 0, dim=0)),
    # products with an input added: one node over (input, the two factors)
    ("addmm", "AddmmBackward0", "SliceBackward0|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: L.addmm(d.v[:3], d.sq, d.sq)),
    ("addmm_scaled", "AddmmBackward0", "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: L.addmm(d.x, d.x, d.sq, beta=0.5, alpha=2)),
    ("addmm_constant_input", "AddmmBackward0", "None|AccumulateGrad|SliceBackward0",
     lambda L, F, nn, d: L.addmm(d.x.detach(), d.x, d.w[:, :3])),
    ("addmm_method", "AddmmBackward0", "MulBackward0|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: (d.x * 2).addmm(d.x, d.sq)),
    ("addmm_", "AddmmBackward0", "MulBackward0|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: (d.x * 2).addmm_(d.x, d.sq)),
    ("addmv", "AddmvBackward0", "SliceBackward0|AccumulateGrad|SliceBackward0",
     lambda L, F, nn, d: L.addmv(d.v[:4], d.x, d.v[1:4], beta=0.5)),
    ("addr", "AddrBackward0", "AccumulateGrad|SelectBackward0|SliceBackward0",
     lambda L, F, nn, d: L.addr(d.x, d.x[:, 0], d.v[:3])),
    ("addbmm", "AddbmmBackward0", "SliceBackward0|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: L.addbmm(d.img[0, 0, :, :5], d.b3, d.b3b, alpha=0.5)),
    ("baddbmm", "BaddbmmBackward0", "None|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: L.baddbmm(L.ones(1, 5, dtype=d.b3.dtype), d.b3, d.b3b)),
    # distances: one node over x1 and x2 whatever p
    ("cdist", "CdistBackward0", "AccumulateGrad|AccumulateGrad", lambda L, F, nn, d: L.cdist(d.x, d.sq)),
    ("cdist_p1", "CdistBackward0", "AccumulateGrad|SliceBackward0", lambda L, F, nn, d: L.cdist(d.x, d.x[:2], p=1)),
    ("cdist_p0", "CdistBackward0", "AccumulateGrad|SliceBackward0", lambda L, F, nn, d: L.cdist(d.x, d.x[:2], p=0)),
    ("cdist_p0.5", "CdistBackward0", "AccumulateGrad|SliceBackward0",
     lambda L, F, nn, d: L.cdist(d.x, d.x[:2], p=0.5)),
    ("cdist_p3", "CdistBackward0", "AccumulateGrad|AccumulateGrad", lambda L, F, nn, d: L.cdist(d.x, d.sq, p=3)),
    ("cdist_inf", "CdistBackward0", "AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: L.cdist(d.x, d.sq, p=float("inf"))),
    ("cdist_batched", "CdistBackward0", "AccumulateGrad|TransposeBackward0",
     lambda L, F, nn, d: L.cdist(d.b3, d.b3b.transpose(1, 2))),
    ("cdist_constant_x1", "CdistBackward0", "None|AccumulateGrad", lambda L, F, nn, d: L.cdist(d.x.detach(), d.sq)),
    ("pdist", "PdistBackward0", _ACC, lambda L, F, nn, d: F.pdist(d.x)),
    ("pdist_p0", "PdistBackward0", _ACC, lambda L, F, nn, d: L.pdist(d.x, 0)),
    ("pdist_p3", "PdistBackward0", _ACC, lambda L, F, nn, d: L.pdist(d.x, 3)),
    # layers' one kernels
    ("glu", "GluBackward0", _ACC, lambda L, F, nn, d: F.glu(d.c3, dim=1)),
    ("GLU_of_slice", "GluBackward0", "SliceBackward0", lambda L, F, nn, d: nn.GLU(0)(d.x[:, :2])),
    ("pixel_shuffle", "PixelShuffleBackward0", _ACC, lambda L, F, nn, d: F.pixel_shuffle(d.img, 2)),
    ("PixelShuffle_unbatched", "PixelShuffleBackward0", "SelectBackward0",
     lambda L, F, nn, d: nn.PixelShuffle(2)(d.img[0])),
    ("pixel_unshuffle", "PixelUnshuffleBackward0", _ACC, lambda L, F, nn, d: F.pixel_unshuffle(d.img, 2)),
    ("unfold", "Im2ColBackward0", _ACC, lambda L, F, nn, d: F.unfold(d.img, 2)),
    ("Unfold_unbatched", "Im2ColBackward0", "SelectBackward0",
     lambda L, F, nn, d: nn.Unfold((2, 3), stride=2, padding=1)(d.img[1])),
    ("fold", "Col2ImBackward0", "Im2ColBackward0", lambda L, F, nn, d: F.fold(F.unfold(d.img, 2), (4, 6), 2)),
    ("Fold_unbatched", "Col2ImBackward0", "SliceBackward0",
     lambda L, F, nn, d: nn.Fold((2, 6), 2)(d.c3[0, :4, :])),
    # quantiles: PyTorch's sort, gathers, lerp and squeeze
    ("quantile", "SqueezeBackward4", "LerpBackward1", lambda L, F, nn, d: L.quantile(d.x, 0.3)),
    ("quantile_dim", "SqueezeBackward4", "LerpBackward1", lambda L, F, nn, d: d.x.quantile(0.3, dim=1)),
    ("quantile_keepdim", "SqueezeBackward4", "LerpBackward1",
     lambda L, F, nn, d: L.quantile(d.x, 0.3, dim=0, keepdim=True)),
    ("quantile_q_vector", "SqueezeBackward4", "TransposeBackward1",
     lambda L, F, nn, d: L.quantile(d.t3, L.tensor([0.2, 0.7], dtype=L.float64), dim=0, keepdim=True)),
    ("quantile_lower", "SqueezeBackward4", "GatherBackward0",
     lambda L, F, nn, d: L.quantile(d.x, 0.3, interpolation="lower")),
    ("quantile_nearest", "SqueezeBackward4", "GatherBackward0",
     lambda L, F, nn, d: L.quantile(d.t3, 0.3, dim=-1, interpolation="nearest")),
    ("quantile_midpoint", "SqueezeBackward4", "LerpBackward1",
     lambda L, F, nn, d: L.quantile(d.t3, 0.3, dim=1, interpolation="midpoint")),
    ("nanquantile", "SqueezeBackward4", "LerpBackward1", lambda L, F, nn, d: L.nanquantile(d.x, 0.5, dim=0)),
    ("quantile_0d", "SqueezeBackward4", "LerpBackward1", lambda L, F, nn, d: L.quantile(d.x[0, 0], 0.5)),
    # attention of 4-D inputs: PyTorch's CPU flash kernel, one node over query, key and value
    ("sdpa_4d", _FLASH, "AccumulateGrad|AccumulateGrad|MulBackward0",
     lambda L, F, nn, d: F.scaled_dot_product_attention(d.q4, d.k4, d.k4 * 2)),
    ("sdpa_4d_causal_scale", _FLASH, "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: F.scaled_dot_product_attention(d.q4, d.k4, d.k4, is_causal=True, scale=0.3)),
    ("sdpa_4d_bool_mask", _FLASH, "AccumulateGrad|None|None",
     lambda L, F, nn, d: F.scaled_dot_product_attention(d.q4, d.k4.detach(), d.k4.detach(), attn_mask=L.tensor(_MASK))),
    ("sdpa_4d_float_mask", _FLASH, "SliceBackward0|SliceBackward0|SliceBackward0",
     lambda L, F, nn, d: F.scaled_dot_product_attention(d.q4[:, :1], d.k4[:, :1], d.k4[:, :1],
                                                        attn_mask=L.tensor(np.where(_MASK, 0.0, -1.5)).to(d.q4.dtype))),
    ("sdpa_4d_gqa", _FLASH, "AccumulateGrad|SliceBackward0|SliceBackward0",
     lambda L, F, nn, d: F.scaled_dot_product_attention(d.q4, d.k4[:, :1], d.k4[:, :1], enable_gqa=True)),
]

_IDS = [case[0] for case in CASES]


@pytest.mark.parametrize("L", ["torch", "autograd_core"])
@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_grad_fn_and_next_functions_are_named_as_the_table(L, case):
    _, name, next_names, make = case
    fn = _run(L, make).grad_fn
    assert (type(fn).__name__, fn.name(), _next_names(fn)) == (name, name, next_names)


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_whole_chain_is_pytorchs(case):
    make = case[3]
    assert (_chain(_run("autograd_core", make).grad_fn, any_output=True)
            == _chain(_run("torch", make).grad_fn, any_output=True))


# ---- the numbers: unchanged by the relabelling, and PyTorch's

def _output_and_gradients(library, case, dtype=np.float64):
    case_id, make = case[0], case[3]
    L, F, nn = _library(library)
    L.manual_seed(0)
    d = _Inputs(L, dtype)
    y = make(L, F, nn, d)
    inputs = [getattr(d, name) for name in _ARRAYS]
    # Σ w·|y|²: independent of the signs (phases) singular vectors and eigenvectors are defined up to
    squares = (y * y.conj()).real if y.is_complex() else y * y
    weights = L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape))).to(squares.dtype)
    if y.requires_grad and case_id not in _NO_BACKWARD:
        grads = L.autograd.grad((squares * weights).sum(), inputs, allow_unused=True)
    else:
        grads = [None] * len(inputs)
    as_array = (lambda t: t.detach().numpy()) if library == "torch" else (lambda t: t.data)
    return as_array(squares if case_id in _SIGNED else y), [None if g is None else as_array(g) for g in grads]


# Singular vectors and eigenvectors are defined up to sign (phase): their squares are compared
_SIGNED = {"svd_U", "svd_Vh", "svd_full_U", "svd_full_Vh_wide", "svd_complex_Vh", "torch.svd_U", "torch.svd_V",
           "svd_method_V_full", "torch.svd_complex_V", "eigh_vectors", "eig_vectors"}
_NO_BACKWARD = {"qr_r", "geqrf", "geqrf_tau"}  # (their backward raises, PyTorch's too)


# cases whose node is not a relabelling by one_node.shown_as: a named twin of a primitive
_NAMED_PRIMITIVES = {"vector_norm_0", "vector_norm_0_dim", "linalg.norm_0"}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_relabelling_changes_no_number(case, dtype, monkeypatch):
    """The same call with the relabelling turned off (no input found below the node: it is left as it is) gives the
    same values and gradients, bit for bit; and its node then has this library's own name (the test can fail)."""
    import autograd_core.one_node as one_node

    make = case[3]
    relabelled, relabelled_grads = _output_and_gradients("autograd_core", case, dtype)
    monkeypatch.setattr(one_node, "input_paths", lambda out, inputs: None)
    plain, plain_grads = _output_and_gradients("autograd_core", case, dtype)
    if case[0] not in _NAMED_PRIMITIVES:
        fn = _run("autograd_core", make).grad_fn
        assert (type(fn).__name__, _next_names(fn)) != (case[1], case[2])
    assert relabelled.dtype == plain.dtype and np.array_equal(relabelled, plain, equal_nan=True)
    for a, b in zip(relabelled_grads, plain_grads):
        assert (a is None and b is None) or (a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True))


_NUMBER_CASES = CASES


@pytest.mark.parametrize("case", _NUMBER_CASES, ids=[case[0] for case in _NUMBER_CASES])
def test_values_and_gradients_are_pytorchs(case):
    pytest.importorskip("torch")
    ours, our_grads = _output_and_gradients("autograd_core", case)
    theirs, their_grads = _output_and_gradients("torch", case)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    for a, b in zip(our_grads, their_grads):
        if a is None or b is None:
            assert a is None and b is None
        else:
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# ---- this library's side alone (no PyTorch needed)

def test_the_picture_draws_this_librarys_own_nodes():
    """Names are relabels only: viz traces the nodes recorded (svd's packed node and the slices of it), the same
    with the relabelling turned off."""
    import autograd_core as ag
    import autograd_core.one_node as one_node
    from autograd_core import viz

    def ops():
        x = ag.tensor(_ARRAYS["x"], requires_grad=True)
        U, S, Vh = ag.linalg.svd(x, full_matrices=False)
        y = U.sum() + S.sum() + Vh.sum() + ag.linalg.qr(x).R.sum()
        return sorted(node.op for node in viz.trace(y).nodes)

    relabelled = ops()
    assert {"svd", "qr", "getitem"} <= set(relabelled)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(one_node, "input_paths", lambda out, inputs: None)
        assert ops() == relabelled


def test_vector_norm_0_leaves_the_gradient_undefined():
    """PyTorch's node of ord=0 sends no gradient: x.grad stays None, autograd.grad calls x unused; an inf or a NaN
    counts as nonzero (x.norm(p=0) gave NaN there)."""
    import autograd_core as ag

    a = np.array([[1.0, 0.0, -np.inf], [np.nan, 0.0, 2.0]])
    x = ag.tensor(a, requires_grad=True)
    for y in (ag.linalg.vector_norm(x, 0), x.norm(p=0), ag.norm(x, 0)):
        assert y.requires_grad and y.item() == 4.0 and y.dtype == ag.float64
        y.backward()
        assert x.grad is None
    np.testing.assert_array_equal(x.norm(0, dim=1).data, [2.0, 2.0])
    with pytest.raises(RuntimeError, match="allow_unused"):
        ag.autograd.grad(ag.linalg.vector_norm(x, 0), x)
    assert ag.autograd.grad(ag.linalg.vector_norm(x, 0), x, allow_unused=True) == (None,)
    (x.sum() + ag.linalg.vector_norm(x, 0)).backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))
    assert ag.linalg.vector_norm(ag.tensor(a, dtype=ag.float32), 0).dtype == ag.float32
    assert ag.linalg.vector_norm(ag.tensor(a), 0).grad_fn is None


def test_vector_norm_0_as_pytorch():
    torch = pytest.importorskip("torch")
    import autograd_core as ag

    a = np.array([[1.0, 0.0, -np.inf], [np.nan, 0.0, 2.0]], dtype=np.float32)
    for make in (lambda L, x: L.linalg.vector_norm(x, 0, dim=1, keepdim=True), lambda L, x: x.norm(p=0),
                 lambda L, x: L.linalg.vector_norm(x, 0, dtype=L.float64)):
        ours, theirs = make(ag, ag.tensor(a, requires_grad=True)), make(torch, torch.tensor(a, requires_grad=True))
        assert str(theirs.dtype) == f"torch.{ours.dtype}" and tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.data, theirs.detach().numpy())
        t = torch.tensor(a, requires_grad=True)
        make(torch, t).sum().backward()
        assert t.grad is None  # the behaviour the test above asserts of this library


# PyTorch 2.13's warnings for x.T (TORCH_WARN_ONCE: once a process each)
_T_0D = "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."
_T_OTHER = ("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will "
            "throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
            "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.")


def test_x_T_on_other_than_2_dims_warns_once_as_pytorch(monkeypatch):
    import autograd_core as ag
    import autograd_core.tensor_attributes as attributes

    monkeypatch.setattr(attributes, "_TRANSPOSE_WARNED", set())  # as in a new process
    seen = []
    for shape in [(2, 3), (), (), (3,), (2, 3, 4), (2, 1, 3, 4)]:
        x = ag.zeros(shape, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = x.T
        seen.append([(w.category, str(w.message), w.filename) for w in caught])
        assert y.shape == shape[::-1] and y.grad_fn.name() == "PermuteBackward0"
    assert seen == [[], [(UserWarning, _T_0D, __file__)], [], [(UserWarning, _T_OTHER, __file__)], [], []]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ag.zeros(3).T, ag.zeros(()).T, ag.zeros(2, 2).T  # noqa: B018  (warned already)


def test_pytorchs_x_T_warnings_are_the_table():
    """PyTorch's messages (without its '(Triggered internally at ...)' suffix), each time: warn_always on."""
    torch = pytest.importorskip("torch")

    was = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.zeros(()).T, torch.zeros(3).T, torch.zeros(3, 4, 5).T, torch.zeros(2, 3).T  # noqa: B018
    finally:
        torch.set_warn_always(was)
    assert [(w.category, str(w.message).split(" (Triggered internally")[0]) for w in caught] == [
        (UserWarning, _T_0D), (UserWarning, _T_OTHER), (UserWarning, _T_OTHER)]


@pytest.mark.parametrize("L", ["torch", "autograd_core"])
def test_attention_off_the_flash_kernel_is_not_its_node(L):
    """PyTorch's CPU dispatch takes the math path (nodes of its matmuls) for dropout, another head size for value,
    a mask that requires grad, heads or batches broadcast, other than 4 dimensions, or with the kernel switched off:
    no node of the flash kernel then, in either library."""
    lib, F, _ = _library(L)
    d = _Inputs(lib)
    q, k = d.q4, d.k4
    mask = lib.tensor(np.where(_MASK, 0.0, -1.0), requires_grad=True)
    outputs = [F.scaled_dot_product_attention(q, k, k, dropout_p=0.5), F.scaled_dot_product_attention(q, k, k[..., :2]),
               F.scaled_dot_product_attention(q, k, k, attn_mask=mask), F.scaled_dot_product_attention(q, k[:1], k[:1]),
               F.scaled_dot_product_attention(q, k[:, :1], k[:, :1]), F.scaled_dot_product_attention(q[0], k[0], k[0]),
               F.scaled_dot_product_attention(q[None], k[None], k[None])]
    with lib.nn.attention.sdpa_kernel(lib.nn.attention.SDPBackend.MATH):
        outputs.append(F.scaled_dot_product_attention(q, k, k))
    assert [type(y.grad_fn).__name__ == _FLASH for y in outputs] == [False] * 8
    assert type(F.scaled_dot_product_attention(q, k, k).grad_fn).__name__ == _FLASH


def test_the_search_for_an_input_visits_each_node_once(monkeypatch):
    """An input not below the node (a constant input of addmm) is searched for 12 nodes deep: through a graph whose
    nodes share inputs (a + a, 2^12 paths) each node is searched once."""
    import autograd_core as ag
    import autograd_core.one_node as one_node

    calls = []
    search = one_node._path_to
    monkeypatch.setattr(one_node, "_path_to", lambda *args: calls.append(1) or search(*args))
    a = ag.ones(2, 2, requires_grad=True)
    for _ in range(20):
        a = a + a
    y = ag.addmm(np.ones((2, 2)), a, a)
    assert y.grad_fn.name() == "AddmmBackward0" and len(calls) < 60


# ---- the same names after backward() (which frees the nodes' saved parameters but for the few a name reads)

_AFTER_BACKWARD = {
    "x[:1]": lambda x, L: x[:1], "x[0]": lambda x, L: x[0], "x[:, None]": lambda x, L: x[:, None],
    "x[[0, 2]]": lambda x, L: x[[0, 2]], "x[0, 1:3]": lambda x, L: x[0, 1:3],
    "x[mask]": lambda x, L: x[L.tensor(_ARRAYS["x"] > 0)], "x[1, [0, 2]]": lambda x, L: x[1, [0, 2]],
    "topk": lambda x, L: x.topk(2)[0], "sort": lambda x, L: x.sort()[0],
    "round(decimals=2)": lambda x, L: x.round(decimals=2), "round": lambda x, L: x.round(),
    "sum(0)": lambda x, L: x.sum(0), "amax(0)": lambda x, L: x.amax(0),
}


@pytest.mark.parametrize("make", _AFTER_BACKWARD.values(), ids=_AFTER_BACKWARD.keys())
def test_grad_fn_names_stay_pytorchs_after_backward(make):
    """A learner prints `y.grad_fn` after `loss.backward()`: x[0] stays SelectBackward0 (it showed UnsqueezeBackward0
    once the pass had freed the index), topk TopkBackward0, round(decimals=2) RoundBackward1, as PyTorch's."""
    names = {}
    for library in ("autograd_core", "torch"):
        L = _library(library)[0]
        x = L.tensor(_ARRAYS["x"], requires_grad=True)
        y = make(x, L)
        before = type(y.grad_fn).__name__
        y.sum().backward()
        names[library] = (before, type(y.grad_fn).__name__)
        assert names[library][1] == before, library
    assert names["autograd_core"] == names["torch"]
