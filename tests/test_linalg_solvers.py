"""autograd_core.linalg's LU functions, the _ex variants, cholesky_solve/cholesky_inverse, vander, tensorinv,
tensorsolve, diagonal and matmul (linalg_solvers.py): values and gradients against PyTorch in float64 (skipped without
torch), finite differences (always), batches, named tuples, info tensors and errors. The LU primitive's gradcheck,
gradgradcheck, forward mode, float32 and compile run through the op table ("linalg decompositions")."""

import numpy as np
import pytest

import autograd_core as ag
from test_linalg_decompositions import compare_with_torch, f64

LA = ag.linalg
RNG = np.random.default_rng(27)
SQUARE = RNG.standard_normal((2, 3, 3))
TALL = RNG.standard_normal((2, 4, 3))
WIDE = RNG.standard_normal((2, 3, 4))
RHS = RNG.standard_normal((2, 3, 2))
SPD = SQUARE @ SQUARE.swapaxes(-1, -2) + np.eye(3)
SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


@pytest.mark.parametrize("label, a", [("square", SQUARE), ("tall", TALL), ("wide", WIDE), ("matrix", SQUARE[0])])
def test_lu_factor_and_lu_match_torch_with_gradients(label, a):
    torch = pytest.importorskip("torch")
    LU, pivots = LA.lu_factor(f64(a, False))
    t_lu, t_pivots = torch.linalg.lu_factor(torch.tensor(a))
    assert pivots.dtype == np.int32 and not pivots.requires_grad
    np.testing.assert_array_equal(pivots.data, t_pivots.numpy())
    compare_with_torch(lambda x: LA.lu_factor(x).LU, lambda t, x: t.linalg.lu_factor(x).LU, [a])
    np.testing.assert_array_equal(LA.lu(f64(a)).P.data, torch.linalg.lu(torch.tensor(a)).P.numpy())  # no gradient
    compare_with_torch(lambda x: LA.lu(x).L, lambda t, x: t.linalg.lu(x).L, [a])
    compare_with_torch(lambda x: LA.lu(x).U, lambda t, x: t.linalg.lu(x).U, [a])


def test_lu_reconstructs_and_gradients_match_finite_differences():
    for a in (SQUARE, TALL, WIDE):
        P, L, U = LA.lu(f64(a, False))
        np.testing.assert_allclose(P.data @ L.data @ U.data, a, atol=1e-12)
        assert not P.requires_grad and np.all(np.triu(L.data, 1) == 0) and np.all(np.tril(U.data, -1) == 0)
        np.testing.assert_array_equal(np.diagonal(L.data, axis1=-2, axis2=-1), 1.0)
        assert ag.gradcheck(lambda x: LA.lu(x).L @ LA.lu(x).U, (f64(a),))
    result = LA.lu(f64(SINGULAR, False))             # singular matrices decompose too
    assert type(result).__name__ == "linalg_lu" and result.U.data[1, 1] == 0


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_matches_torch_with_gradients(left, adjoint):
    b = RHS if left else RHS.swapaxes(-1, -2)

    def ours(a, rhs):
        LU, pivots = LA.lu_factor(a)
        return LA.lu_solve(LU, pivots, rhs, left=left, adjoint=adjoint)

    def theirs(t, a, rhs):
        LU, pivots = t.linalg.lu_factor(a)
        return t.linalg.lu_solve(LU, pivots, rhs, left=left, adjoint=adjoint)

    assert ag.gradcheck(ours, (f64(SQUARE), f64(b)))
    a = SQUARE.swapaxes(-1, -2) if adjoint else SQUARE
    expected = np.linalg.solve(a, b) if left else b @ np.linalg.inv(a)
    np.testing.assert_allclose(ours(f64(SQUARE, False), f64(b, False)).data, expected, rtol=1e-10)
    compare_with_torch(ours, theirs, [SQUARE, b])


def test_lu_unpack_and_lu_factor_ex():
    LU, pivots = LA.lu_factor(f64(TALL, False))
    ours = ag.lu_unpack(LU, pivots)
    assert type(ours).__name__ == "lu_unpack" and [t.shape for t in ours] == [(2, 4, 4), (2, 4, 3), (2, 3, 3)]
    np.testing.assert_allclose(ours.P.data @ ours.L.data @ ours.U.data, TALL, atol=1e-12)
    assert ag.lu_unpack(LU, pivots, unpack_data=False).L.shape == (0,)
    assert ag.lu_unpack(LU, pivots, unpack_pivots=False).P.shape == (0,)
    _, _, info = LA.lu_factor_ex(f64(np.stack([SINGULAR, np.eye(2)]), False))
    np.testing.assert_array_equal(info.data, [2, 0])
    torch = pytest.importorskip("torch")
    theirs = torch.lu_unpack(*torch.linalg.lu_factor(torch.tensor(TALL)))
    for got, expected in zip(ours, theirs):
        np.testing.assert_allclose(got.data, expected.numpy(), atol=1e-12)
    LU, pivots, info = LA.lu_factor_ex(f64(np.stack([SINGULAR, np.eye(2)]), False))
    t_lu, t_pivots, t_info = torch.linalg.lu_factor_ex(torch.tensor(np.stack([SINGULAR, np.eye(2)])))
    np.testing.assert_allclose(LU.data, t_lu.numpy())
    np.testing.assert_array_equal(pivots.data, t_pivots.numpy())
    np.testing.assert_array_equal(info.data, t_info.numpy())
    assert info.dtype == np.int32


def test_lu_errors():
    with pytest.raises(RuntimeError, match=r"U\[2,2\] is zero"):
        LA.lu_factor(f64(SINGULAR))
    with pytest.raises(LA.LinAlgError, match="singular"):
        LA.lu_factor_ex(f64(SINGULAR), check_errors=True)
    with pytest.raises(RuntimeError, match="without pivoting"):
        LA.lu_factor(f64(SQUARE), pivot=False)
    with pytest.raises(RuntimeError, match="2 or more dimensions"):
        LA.lu(f64(np.ones(3)))
    LU, pivots = LA.lu_factor(f64(SQUARE))
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        LA.lu_solve(LU, pivots, f64(np.ones((2, 2))))


# ----------------------------------------------------------------------------------------------------
# solve_ex, inv_ex, cholesky_ex


def test_ex_variants_match_torch_where_defined():
    torch = pytest.importorskip("torch")
    compare_with_torch(lambda a, b: LA.solve_ex(a, b).result, lambda t, a, b: t.linalg.solve_ex(a, b).result,
                       [SQUARE, RHS])
    compare_with_torch(lambda a, b: LA.solve_ex(a, b, left=False).result,
                       lambda t, a, b: t.linalg.solve_ex(a, b, left=False).result, [SQUARE, RHS.swapaxes(-1, -2)])
    compare_with_torch(lambda a, b: LA.solve_ex(a, b).result, lambda t, a, b: t.linalg.solve_ex(a, b).result,
                       [SQUARE, RHS[..., 0]])
    compare_with_torch(lambda a: LA.inv_ex(a).inverse, lambda t, a: t.linalg.inv_ex(a).inverse, [SQUARE])
    compare_with_torch(lambda a: LA.cholesky_ex(a @ a.mT, upper=True).L,
                       lambda t, a: t.linalg.cholesky_ex(a @ a.mT, upper=True).L, [SQUARE])
    batch = np.stack([SINGULAR, np.eye(2)])
    for ours, theirs in [(LA.solve_ex(f64(batch), f64(np.ones(2))), torch.linalg.solve_ex(torch.tensor(batch),
                                                                                           torch.ones(2).double())),
                         (LA.inv_ex(f64(batch)), torch.linalg.inv_ex(torch.tensor(batch))),
                         (LA.cholesky_ex(f64(batch)), torch.linalg.cholesky_ex(torch.tensor(batch)))]:
        assert type(ours).__name__ == type(theirs).__name__ and ours.info.dtype == np.int32
        np.testing.assert_array_equal(ours.info.data, theirs.info.numpy())
        assert np.all(np.isnan(ours[0].data[0]))                               # undefined where info != 0
        np.testing.assert_allclose(ours[0].data[1], theirs[0].numpy()[1])


def test_ex_variants_gradients_and_errors():
    assert ag.gradcheck(lambda a, b: LA.solve_ex(a, b).result, (f64(SQUARE), f64(RHS)))
    x = f64(np.stack([SINGULAR, SQUARE[0, :2, :2]]))
    LA.inv_ex(x).inverse[1].sum().backward()                     # the singular one gets no gradient
    assert not x.grad[0].any() and x.grad[1].any()
    with pytest.raises(LA.LinAlgError, match=r"\(Batch element 0\): The diagonal element 2 is zero"):
        LA.inv_ex(f64(np.stack([SINGULAR, SINGULAR])), check_errors=True)
    with pytest.raises(LA.LinAlgError, match="leading minor of order 2"):
        LA.cholesky_ex(f64([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), check_errors=True)
    with pytest.raises(LA.LinAlgError, match="singular"):
        LA.solve_ex(f64(SINGULAR), f64(np.ones(2)), check_errors=True)


# ----------------------------------------------------------------------------------------------------
# cholesky_solve, cholesky_inverse, vander, tensorinv, tensorsolve, diagonal, matmul


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse_match_torch(upper):
    L = np.linalg.cholesky(SPD)
    factor = L.swapaxes(-1, -2) if upper else L
    np.testing.assert_allclose(f64(factor[0], False).cholesky_inverse(upper=upper).data, np.linalg.inv(SPD[0]),
                               rtol=1e-10)
    np.testing.assert_allclose(f64(RHS, False).cholesky_solve(f64(factor, False), upper=upper).data,
                               np.linalg.solve(SPD, RHS), rtol=1e-10)
    # Only the triangle is read (finite differences see nothing elsewhere): check the function of the triangle.
    triangle = ag.triu if upper else ag.tril
    assert ag.gradcheck(lambda b, f: ag.cholesky_solve(b, triangle(f), upper=upper), (f64(RHS), f64(factor)))
    assert ag.gradcheck(lambda f: ag.cholesky_inverse(triangle(f), upper=upper), (f64(factor),))
    noisy = factor + np.triu(np.ones((3, 3)), 1) if not upper else factor + np.tril(np.ones((3, 3)), -1)
    np.testing.assert_allclose(ag.cholesky_solve(f64(RHS, False), f64(noisy, False), upper=upper).data,
                               np.linalg.solve(SPD, RHS), rtol=1e-10)          # the other triangle is not read
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ag.cholesky_solve(f64(np.ones(3)), f64(factor[0]))
    # PyTorch's gradient is that of (L Lᵀ)⁻¹ B in the whole of L: the other triangle gets one too.
    compare_with_torch(lambda b, f: ag.cholesky_solve(b, f, upper=upper),
                       lambda t, b, f: t.cholesky_solve(b, f, upper=upper), [RHS, factor])
    compare_with_torch(lambda f: ag.cholesky_inverse(f, upper=upper), lambda t, f: t.cholesky_inverse(f, upper=upper),
                       [factor[0]])


@pytest.mark.parametrize("label, ours, theirs, inputs", [
    ("vander", lambda x: LA.vander(x), lambda t, x: t.linalg.vander(x), [np.array([0.0, 1.5, -2.0])]),
    ("vander-N", lambda x: LA.vander(x, N=4), lambda t, x: t.linalg.vander(x, N=4), [TALL[:, 0]]),
    ("tensorinv", lambda a: LA.tensorinv(a, ind=1), lambda t, a: t.linalg.tensorinv(a, ind=1),
     [(SQUARE[0] + 3 * np.eye(3)).reshape(3, 3)]),
    ("tensorinv-2", lambda a: LA.tensorinv(a), lambda t, a: t.linalg.tensorinv(a),
     [(RNG.standard_normal((6, 6)) + 4 * np.eye(6)).reshape(2, 3, 6)]),
    ("tensorsolve", lambda a, b: LA.tensorsolve(a, b), lambda t, a, b: t.linalg.tensorsolve(a, b),
     [(RNG.standard_normal((6, 6)) + 4 * np.eye(6)).reshape(2, 3, 6), RNG.standard_normal((2, 3))]),
    ("tensorsolve-dims", lambda a, b: LA.tensorsolve(a, b, dims=(0,)), lambda t, a, b: t.linalg.tensorsolve(a, b,
                                                                                                           dims=(0,)),
     [(RNG.standard_normal((6, 6)) + 4 * np.eye(6)).reshape(6, 2, 3), RNG.standard_normal((2, 3))]),
    ("diagonal", lambda a: LA.diagonal(a, offset=1), lambda t, a: t.linalg.diagonal(a, offset=1), [WIDE]),
    ("matmul", lambda a, b: LA.matmul(a, b), lambda t, a, b: t.linalg.matmul(a, b), [WIDE, TALL]),
])
def test_more_functions_match_torch_with_gradients(label, ours, theirs, inputs):
    assert ag.gradcheck(ours, tuple(f64(x) for x in inputs))
    compare_with_torch(ours, theirs, inputs)


def test_more_functions_errors():
    with pytest.raises(RuntimeError, match="N must be greater than 1"):
        LA.vander(f64([1.0, 2.0]), N=1)
    with pytest.raises(RuntimeError, match="16 != 24"):
        LA.tensorinv(f64(np.ones((4, 6, 8, 2))), ind=2)
    with pytest.raises(RuntimeError, match="strictly positive"):
        LA.tensorinv(f64(np.ones((2, 2))), ind=0)
    with pytest.raises(RuntimeError, match="24 != 5"):
        LA.tensorsolve(f64(np.ones((6, 4, 3, 2))), f64(np.ones(5)))
