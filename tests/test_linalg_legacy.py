"""PyTorch's linear algebra from before torch.linalg (autograd_core/linalg_legacy.py): torch.lu, lu_solve,
triangular_solve, adjoint, nuclear_norm, frobenius_norm, svd_lowrank, pca_lowrank, and the removed functions."""

import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import gradcheck

RNG = np.random.default_rng(7)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


def _value(a, requires_grad=False):
    return ag.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


# ----------------------------------------------------------------------------------------------------
# torch.lu, torch.lu_solve


def test_lu_is_linalg_lu_factor_and_warns_as_pytorch():
    A = _value(RNG.normal(size=(2, 4, 4)))
    with pytest.warns(UserWarning, match="torch.lu is deprecated in favor of torch.linalg.lu_factor"):
        LU, pivots = ag.lu(A)
    expected = ag.linalg.lu_factor(A)
    np.testing.assert_array_equal(LU.data, expected.LU.data)
    np.testing.assert_array_equal(pivots.data, expected.pivots.data)
    P, L, U = ag.lu_unpack(LU, pivots)
    np.testing.assert_allclose((P @ L @ U).data, A.data, atol=1e-12)


def test_lu_with_infos_reports_a_singular_matrix_without_raising():
    singular = np.zeros((3, 3))
    singular[0, 0] = 1.0
    LU, pivots, infos = _quiet(ag.lu, _value(singular), get_infos=True)
    assert infos.dtype == np.int32 and int(infos.data) == 2  # U[1, 1] is the first zero on U's diagonal
    assert len(_quiet(ag.lu, _value(singular))) == 2  # no error without get_infos either, as PyTorch
    assert _quiet(_value(singular).lu, get_infos=True).infos.data == 2


def test_lu_solve_takes_the_right_side_first():
    A, b = RNG.normal(size=(3, 3)), RNG.normal(size=(3, 2))
    LU, pivots = _quiet(ag.lu, _value(A))
    with pytest.warns(UserWarning, match="torch.linalg.lu_solve has its arguments reversed"):
        x = ag.lu_solve(_value(b), LU, pivots)
    np.testing.assert_allclose(x.data, np.linalg.solve(A, b), rtol=1e-10)
    np.testing.assert_allclose(_quiet(_value(b).lu_solve, LU, pivots).data, x.data)


def test_lu_and_lu_solve_are_differentiable():
    b = _value(RNG.normal(size=(3, 2)), requires_grad=True)
    A = _value(RNG.normal(size=(3, 3)) + 3 * np.eye(3), requires_grad=True)
    assert _quiet(gradcheck, lambda A, b: ag.lu_solve(b, *ag.lu(A)), (A, b))


# ----------------------------------------------------------------------------------------------------
# torch.triangular_solve


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_triangular_solve_reads_one_triangle_and_solves_the_chosen_system(upper, transpose, unitriangular):
    A = RNG.normal(size=(2, 4, 4)) + 4 * np.eye(4)
    b = RNG.normal(size=(4, 3))  # broadcast over A's batch
    T = np.triu(A) if upper else np.tril(A)
    if unitriangular:
        T[..., np.arange(4), np.arange(4)] = 1.0
    system = np.swapaxes(T, -1, -2) if transpose else T
    solution, coefficient = _quiet(ag.triangular_solve, _value(b), _value(A), upper=upper, transpose=transpose,
                                   unitriangular=unitriangular)
    np.testing.assert_allclose(solution.data, np.linalg.solve(system, np.broadcast_to(b, (2, 4, 3))), rtol=1e-10)
    np.testing.assert_array_equal(coefficient.data, A)  # the whole of A, both triangles


def test_triangular_solve_copies_its_coefficient_and_names_its_fields():
    A, b = _value(np.triu(RNG.normal(size=(3, 3))) + 3 * np.eye(3)), _value(RNG.normal(size=(3, 1)))
    with pytest.warns(UserWarning, match="torch.triangular_solve is deprecated"):
        result = b.triangular_solve(A)
    assert type(result).__name__ == "triangular_solve" and result._fields == ("solution", "cloned_coefficient")
    result.cloned_coefficient.data[0, 0] = 99.0
    assert A.data[0, 0] != 99.0


def test_triangular_solve_refuses_vectors():
    with pytest.raises(ag.ShapeError, match="Expected b to have at least 2 dimensions, but it has 1"):
        _quiet(ag.triangular_solve, _value(np.ones(3)), _value(np.eye(3)))


def test_triangular_solve_is_differentiable_in_both_arguments():
    A = _value(np.tril(RNG.normal(size=(3, 3))) + 3 * np.eye(3), requires_grad=True)
    b = _value(RNG.normal(size=(3, 2)), requires_grad=True)
    assert _quiet(gradcheck, lambda b, A: ag.triangular_solve(b, A, upper=False, transpose=True).solution, (b, A))


# ----------------------------------------------------------------------------------------------------
# torch.adjoint, nuclear_norm, frobenius_norm


def test_adjoint_swaps_the_last_two_dimensions_as_a_view():
    x = _value(RNG.normal(size=(2, 3, 4)))
    y = ag.adjoint(x)
    assert y.shape == (2, 4, 3) and np.shares_memory(y.data, x.data)
    np.testing.assert_array_equal(y.data, np.swapaxes(x.data, -1, -2))


def test_nuclear_and_frobenius_norms_take_pytorchs_two_overloads():
    a = RNG.normal(size=(2, 3, 3))
    singular_values = np.linalg.svd(a, compute_uv=False)
    with pytest.warns(UserWarning, match="at::nuclear_norm is deprecated"):
        np.testing.assert_allclose(ag.nuclear_norm(_value(a), (1, 2)).data, singular_values.sum(-1))
    assert _quiet(ag.nuclear_norm, _value(a[0]), True).shape == (1, 1)  # nuclear_norm(input, keepdim)
    np.testing.assert_allclose(_quiet(ag.nuclear_norm, _value(a[0])).data, singular_values[0].sum())
    with pytest.warns(UserWarning, match="at::frobenius_norm is deprecated"):
        np.testing.assert_allclose(ag.frobenius_norm(_value(a), dim=(1, 2)).data, np.sqrt((a * a).sum((1, 2))))
    assert _quiet(ag.frobenius_norm, _value(a), (1, 2), True).shape == (2, 1, 1)


# ----------------------------------------------------------------------------------------------------
# svd_lowrank, pca_lowrank


def _low_rank(m, n, rank, batch=()):
    return RNG.normal(size=batch + (m, rank)) @ RNG.normal(size=batch + (rank, n))


@pytest.mark.parametrize("shape", [(12, 5), (5, 12), (3, 9, 7)])
def test_svd_lowrank_recovers_a_matrix_of_lower_rank_exactly(shape):
    *batch, m, n = shape
    A = _low_rank(m, n, 3, tuple(batch))
    U, S, V = ag.svd_lowrank(_value(A), q=4)
    k = min(4, m, n)
    assert U.shape == (*batch, m, k) and S.shape == (*batch, k) and V.shape == (*batch, n, k)
    np.testing.assert_allclose(S.data[..., :3], np.linalg.svd(A, compute_uv=False)[..., :3], rtol=1e-9)
    np.testing.assert_allclose((U @ ag.diag_embed(S) @ V.mT).data, A, atol=1e-9)
    np.testing.assert_allclose((U.mT @ U).data, np.broadcast_to(np.eye(k), (*batch, k, k)), atol=1e-12)


def test_svd_lowrank_subtracts_m_without_forming_the_difference():
    A, M = _low_rank(10, 6, 2), np.outer(np.ones(10), RNG.normal(size=6))  # M broadcast from a row would do too
    U, S, V = ag.svd_lowrank(_value(A + M), q=4, M=_value(M[:1]))  # M (1, n) broadcast to A's shape
    np.testing.assert_allclose((U @ ag.diag_embed(S) @ V.mT).data, A, atol=1e-9)


def test_svd_lowrank_repeats_under_a_seed_and_is_differentiable():
    A = _value(_low_rank(6, 4, 2) + 1e-3 * RNG.normal(size=(6, 4)), requires_grad=True)

    def singular_values(A):
        ag.manual_seed(0)
        return ag.svd_lowrank(A, q=2, niter=3)[1]

    np.testing.assert_array_equal(singular_values(A).data, singular_values(A).data)
    assert gradcheck(singular_values, (A,))


def test_pca_lowrank_centres_the_columns_and_checks_q():
    A = _low_rank(20, 5, 2) + RNG.normal(size=5)  # a rank-2 cloud moved off the origin
    U, S, V = ag.pca_lowrank(_value(A), q=3)
    centred = A - A.mean(0)
    np.testing.assert_allclose(S.data[:2], np.linalg.svd(centred, compute_uv=False)[:2], rtol=1e-9)
    np.testing.assert_allclose((U @ ag.diag_embed(S) @ V.mT).data, centred, atol=1e-9)
    assert ag.pca_lowrank(_value(A))[1].shape == (5,)  # q defaults to min(6, m, n)
    with pytest.raises(ValueError, match=r"q\(=6\) must be non-negative integer and not greater than"):
        ag.pca_lowrank(_value(A), q=6)
    with pytest.raises(ValueError, match="niter"):
        ag.pca_lowrank(_value(A), niter=-1)


def test_svd_and_pca_lowrank_agree_with_pytorch_on_matrices_of_low_rank():
    torch = pytest.importorskip("torch")
    A = _low_rank(15, 8, 3) + 2.0
    for ours, theirs in ((ag.svd_lowrank(_value(A), q=4), torch.svd_lowrank(torch.tensor(A), q=4)),
                         (ag.pca_lowrank(_value(A), q=4), torch.pca_lowrank(torch.tensor(A), q=4))):
        np.testing.assert_allclose(ours[1].data[:3], theirs[1].numpy()[:3], rtol=1e-8)
        for mine, its in ((ours[0], theirs[0]), (ours[2], theirs[2])):  # columns up to sign
            signs = np.sign(np.sum(mine.data[:, :3] * its.numpy()[:, :3], axis=0))
            np.testing.assert_allclose(mine.data[:, :3] * signs, its.numpy()[:, :3], atol=1e-8)


# ----------------------------------------------------------------------------------------------------
# Removed from PyTorch: they raise with its message.

REMOVED_CALLS = {
    "solve": lambda a: ag.solve(a, a), "symeig": lambda a: ag.symeig(a), "lstsq": lambda a: ag.lstsq(a, a),
    "eig": lambda a: ag.eig(a), "matrix_rank": lambda a: ag.matrix_rank(a),
    "Tensor.solve": lambda a: a.solve(a), "Tensor.symeig": lambda a: a.symeig(), "Tensor.lstsq": lambda a: a.lstsq(a),
    "Tensor.eig": lambda a: a.eig(),
}


@pytest.mark.parametrize("name", list(REMOVED_CALLS))
def test_removed_functions_raise_naming_their_replacement(name):
    with pytest.raises(RuntimeError, match="deprecated since version 1.9 and is now removed") as raised:
        REMOVED_CALLS[name](_value(np.eye(2)))
    assert "torch.linalg." in str(raised.value)


@pytest.mark.parametrize("name", list(REMOVED_CALLS))
def test_removed_functions_say_what_pytorch_says(name):
    torch = pytest.importorskip("torch")
    space, _, function = name.rpartition(".")
    a = torch.eye(2, dtype=torch.float64)
    arguments = [a] if function in ("solve", "lstsq") else []
    with pytest.raises(RuntimeError) as theirs:
        getattr(a, function)(*arguments) if space else getattr(torch, function)(a, *arguments)
    with pytest.raises(RuntimeError) as ours:
        REMOVED_CALLS[name](_value(np.eye(2)))
    assert str(ours.value) == str(theirs.value)


def test_values_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    A, b = RNG.normal(size=(2, 4, 4)) + 2 * np.eye(4), RNG.normal(size=(2, 4, 2))
    tA, tb = torch.tensor(A), torch.tensor(b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        LU, pivots, infos = ag.lu(_value(A), get_infos=True)
        tLU, tpivots, tinfos = torch.lu(tA, get_infos=True)
        np.testing.assert_allclose(LU.data, tLU.numpy(), rtol=1e-12)
        np.testing.assert_array_equal(pivots.data, tpivots.numpy())
        np.testing.assert_array_equal(infos.data, tinfos.numpy())
        np.testing.assert_allclose(ag.lu_solve(_value(b), LU, pivots).data, torch.lu_solve(tb, tLU, tpivots).numpy(),
                                   rtol=1e-10)
        for upper, transpose, unit in ((True, False, False), (False, True, True)):
            ours = ag.triangular_solve(_value(b), _value(A), upper, transpose, unit).solution
            theirs = torch.triangular_solve(tb, tA, upper, transpose, unit).solution
            np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-10)
        np.testing.assert_allclose(ag.nuclear_norm(_value(A), (1, 2), True).data,
                                   torch.nuclear_norm(tA, (1, 2), True).numpy(), rtol=1e-12)
        np.testing.assert_allclose(ag.frobenius_norm(_value(A), (1, 2)).data,
                                   torch.frobenius_norm(tA, (1, 2)).numpy(), rtol=1e-12)
