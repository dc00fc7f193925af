"""torch.linalg's LU functions (lu_factor, lu, lu_solve, torch.lu_unpack), the variants with an info tensor (solve_ex,
inv_ex, cholesky_ex, lu_factor_ex), torch.cholesky_solve and torch.cholesky_inverse, and vander, tensorinv,
tensorsolve, diagonal, matmul. The LU primitive and its rules are in ops/lu.py; everything else composes existing
operations (triangular solves, masks, reshapes), so gradients, forward mode and compile come for free. linalg.py
re-exports these names.
"""

from __future__ import annotations

import collections
import math
import numbers

import numpy as np

from .errors import ShapeError
from .linalg import _SAME_DTYPE, _check_square, _is_vector_rhs, _mT, check_same_dtype, cholesky, inv, solve, \
    solve_triangular
from .ops.linalg import _mH
from .ops import lu as _lu
from .ops.elementwise import where
from .ops.index import as_value
from .ops.index import diagonal as _diagonal
from .ops.linalg import LinAlgError
from .ops.nondifferentiable import without_gradient
from .ops.shape import concatenate, stack
from .grad_fn_chain_tops import declare_apart, declare_top
from .grad_fn_names import chain_layout
from .one_node import outputs_of_one_node, shown_as

linalg_lu_factor = collections.namedtuple("linalg_lu_factor", ["LU", "pivots"])
linalg_lu_factor_ex = collections.namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
linalg_lu = collections.namedtuple("linalg_lu", ["P", "L", "U"])
lu_unpack_result = collections.namedtuple("lu_unpack", ["P", "L", "U"])
linalg_solve_ex = collections.namedtuple("linalg_solve_ex", ["result", "info"])
linalg_inv_ex = collections.namedtuple("linalg_inv_ex", ["inverse", "info"])
linalg_cholesky_ex = collections.namedtuple("linalg_cholesky_ex", ["L", "info"])


# ----------------------------------------------------------------------------------------------------
# LU.


def _pivots_of(packed, m):
    return np.asarray(packed)[..., m, :min(m, packed.shape[-1])].real.astype(np.int32)


def _info_of(packed, m):
    """getrf's info: the 1-based index of U's first zero diagonal entry, 0 when there is none (int32 (...))."""
    k = min(m, packed.shape[-1])
    zero = np.diagonal(np.asarray(packed)[..., :k, :k], axis1=-2, axis2=-1) == 0
    return np.where(zero.any(axis=-1), zero.argmax(axis=-1) + 1, 0).astype(np.int32)


def _lu_factor(name, A, pivot):
    A = as_value(A)
    if A.ndim < 2:
        raise ShapeError(f"torch.{name}: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} "
                         "instead")
    if not pivot:
        raise RuntimeError(f"linalg.{name}: LU without pivoting is not implemented on the CPU")
    m = A.shape[-2]
    packed = _lu.lu_packed(A)
    LU = shown_as(packed[..., :m, :], A, "LinalgLuFactorExBackward0")  # PyTorch's node (and torch.lu's)
    return A, LU, without_gradient(_pivots_of, packed, m=m), without_gradient(_info_of, packed, m=m)


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """lu_factor with getrf's info (int32 (...): k > 0 where U[k-1, k-1] is 0, else 0) instead of an error for
    singular matrices, unless check_errors=True."""
    A, LU, pivots, info = _lu_factor("lu_factor_ex", A, pivot)
    if check_errors:
        _raise_for_info("lu_factor_ex", info.data, "The factorization could not be completed because the input "
                        "matrix is singular (U[{k},{k}] is zero)")
    return linalg_lu_factor_ex(LU, pivots, info)


def lu_factor(A, *, pivot=True):
    """The LU decomposition with partial pivoting of A (..., m, n) in LAPACK's compact form: a named tuple
    (LU, pivots), LU (..., m, n) holding L's strictly lower part (its unit diagonal implied) and U, pivots
    (..., min(m, n)) int32, 1-based: row j was swapped with row pivots[j] at step j. A = P L U (see lu_unpack).

    Raises RuntimeError for a singular A, as PyTorch (use lu_factor_ex or lu then). The gradient flows through LU
    (PyTorch's): defined where the pivots do not change, for square, wide and tall A."""
    A, LU, pivots, info = _lu_factor("lu_factor", A, pivot)
    zero = np.flatnonzero(info.data)
    if zero.size:
        k = int(np.asarray(info.data).ravel()[zero[0]])
        raise RuntimeError(f"torch.linalg.lu_factor: U[{k},{k}] is zero and using it on lu_solve would result in a "
                           "division by zero. If you still want to perform the factorization, consider calling "
                           "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return linalg_lu_factor(LU, pivots)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):  # noqa: N803  (PyTorch's argument names)
    """(P, L, U) from lu_factor's (LU, pivots), a named tuple `lu_unpack`: P (..., m, m) the permutation (no
    gradient), L (..., m, k) unit lower-triangular, U (..., k, n) upper-triangular, k = min(m, n); A = P L U.
    unpack_data=False: L and U are empty (0,); unpack_pivots=False: P is empty."""
    LU = as_value(LU_data)
    pivots = np.asarray(as_value(LU_pivots).data)
    empty = as_value(np.zeros(0, dtype=LU.dtype))
    P = as_value(_lu.permutation(pivots, LU.shape[-2], LU.dtype)) if unpack_pivots else empty
    L, U = _lu.unpack_lu(LU) if unpack_data else (empty, empty)
    # PyTorch's one node of outputs (L, U): P is none of its outputs
    return lu_unpack_result(P, *outputs_of_one_node((shown_as(L, LU, "LuUnpackBackward0"),
                                                     shown_as(U, LU, "LuUnpackBackward0"))))


def lu(A, *, pivot=True):
    """The LU decomposition with partial pivoting A = P L U of A (..., m, n): a named tuple (P, L, U) with P
    (..., m, m) a permutation matrix (no gradient), L (..., m, k) unit lower-triangular, U (..., k, n)
    upper-triangular, k = min(m, n). Singular matrices are decomposed too (U then has a zero on its diagonal)."""
    A, LU, pivots, _ = _lu_factor("lu", A, pivot)
    P, L, U = lu_unpack(LU, pivots)
    # PyTorch's one node of outputs (L, U): P, without a gradient, is none of its outputs
    L, U = outputs_of_one_node((shown_as(L, A, "LinalgLuBackward0"), shown_as(U, A, "LinalgLuBackward0")))
    return linalg_lu(P, L, U)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """X with A X = B (left=True) or X A = B (left=False), or with Aᴴ in place of A (adjoint=True), from lu_factor's
    (LU, pivots) of square A (..., n, n). B (..., n, k) (left) or (..., k, n); batch dimensions broadcast.
    Differentiable in LU and B (through L and U: a composition of triangular solves)."""
    LU, B = as_value(LU), as_value(B)
    _check_square("lu_solve", LU)
    check_same_dtype(_SAME_DTYPE.format(name="linalg.lu_solve"), LU=LU, B=B)
    if B.ndim < 2:
        raise ShapeError(f"linalg.lu_solve: Expected B to have at least 2 dimensions, but it has {B.ndim}")
    n = LU.shape[-1]
    if B.shape[-2 if left else -1] != n:
        raise ShapeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                         f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {'x'.join(map(str, B.shape[-2:]))})")
    # PyTorch's one node over LU and B (pivots are integers)
    return shown_as(_lu_solve(LU, pivots, B, left, adjoint), (LU, B), "LinalgLuSolveBackward0")


def _lu_solve(LU, pivots, B, left, adjoint):
    P, L, U = lu_unpack(LU, pivots)
    if not left:                        # X A = B  ⟺  Aᴴ Xᴴ = Bᴴ
        return _mH(_lu_solve(LU, pivots, _mH(B), True, not adjoint))
    if adjoint:                         # Aᴴ = Uᴴ Lᴴ Pᵀ: X = P L⁻ᴴ U⁻ᴴ B
        y = solve_triangular(_mH(U), B, upper=False)
        return P @ solve_triangular(_mH(L), y, upper=True, unitriangular=True)
    y = solve_triangular(L, _mT(P) @ B, upper=False, unitriangular=True)        # A = P L U: X = U⁻¹ L⁻¹ Pᵀ B
    return solve_triangular(U, y, upper=True)


# ----------------------------------------------------------------------------------------------------
# The variants that report failures in an info tensor.


def first_failure(info):
    """(the flat batch index, the info code) of the first nonzero entry of a LAPACK-style `info` array, or None."""
    info = np.asarray(info)
    failed = np.flatnonzero(info)
    return None if not failed.size else (int(failed[0]), int(info.ravel()[failed[0]]))


def _raise_for_info(name, info, message):
    failure = first_failure(info)
    if failure is not None:
        where_ = f"(Batch element {failure[0]}): " if np.ndim(info) else ""
        raise LinAlgError(f"linalg.{name}: {where_}{message.format(k=failure[1])}")


def _singular_info(a):
    return _info_of(_lu.lu_packed(a), a.shape[-2])


def _with_info(name, A, check_errors, message, compute):
    """(compute(A), info) with nan where info != 0 (compute runs on the identity there). compute's result has A's
    batch dimensions and two more (a vector result is reshaped by the caller)."""
    A = as_value(A)
    _check_square(name, A)
    info = without_gradient(_singular_info, A)
    if check_errors:
        _raise_for_info(name, info.data, message)
    failed = (np.asarray(info.data) != 0)[..., None, None]
    if not failed.any():
        return compute(A), info
    return where(failed, np.nan, compute(where(failed, np.eye(A.shape[-1], dtype=A.dtype), A))), info


def solve_ex(A, B, *, left=True, check_errors=False):
    """linalg.solve with an info tensor: a named tuple (result, info), info int32 (...) 0 where A is nonsingular and
    k > 0 where LU found U[k-1, k-1] = 0 (result is then nan; PyTorch's is undefined there). check_errors=True
    raises LinAlgError instead."""
    A, B = as_value(A), as_value(B)
    vector = _is_vector_rhs(A, B)
    if vector:                  # solved as one column (row, left=False), so that the nan mask broadcasts
        B = B.reshape(B.shape + (1,)) if left else B.reshape(B.shape[:-1] + (1, B.shape[-1]))
    result, info = _with_info("solve_ex", A, check_errors, "The solver failed because the input matrix is singular.",
                              lambda a: solve(a, B, left=left))
    if vector:
        result = result.reshape(result.shape[:-1]) if left else result.reshape(result.shape[:-2] + result.shape[-1:])
    return linalg_solve_ex(result, info)


def inv_ex(A, *, check_errors=False):
    """linalg.inv with an info tensor: a named tuple (inverse, info), info as solve_ex's (inverse is nan where
    info != 0). check_errors=True raises LinAlgError instead."""
    return linalg_inv_ex(*_with_info("inv_ex", A, check_errors, "The diagonal element {k} is zero, the inversion "
                                     "could not be completed because the input matrix is singular.", inv))


def _cholesky_info(a):
    """1-based order of the first leading minor that is not positive-definite, 0 when a is (int32 (...))."""
    flat = np.asarray(a).reshape((-1,) + np.shape(a)[-2:])
    info = np.zeros(flat.shape[0], dtype=np.int32)
    for i, matrix in enumerate(flat):
        try:
            np.linalg.cholesky(matrix)
        except np.linalg.LinAlgError:
            info[i] = next(k for k in range(1, matrix.shape[-1] + 1) if not _is_positive_definite(matrix[:k, :k]))
    return info.reshape(np.shape(a)[:-2])


def _is_positive_definite(matrix):
    try:
        np.linalg.cholesky(matrix)
        return True
    except np.linalg.LinAlgError:
        return False


def cholesky_ex(A, *, upper=False, check_errors=False):
    """linalg.cholesky with an info tensor: a named tuple (L, info), info int32 (...) 0 where A is positive-definite
    and k > 0 where its leading minor of order k is not (L is then nan; PyTorch's is a partial factor).
    check_errors=True raises LinAlgError instead."""
    A = as_value(A)
    _check_square("cholesky_ex", A)
    info = without_gradient(_cholesky_info, A)
    if check_errors:
        _raise_for_info("cholesky_ex", info.data, "The factorization could not be completed because the input is "
                        "not positive-definite (the leading minor of order {k} is not positive-definite).")
    failed = (np.asarray(info.data) != 0)[..., None, None]
    if not failed.any():
        return linalg_cholesky_ex(cholesky(A, upper=upper), info)
    safe = where(failed, np.eye(A.shape[-1], dtype=A.dtype), A)
    return linalg_cholesky_ex(where(failed, np.nan, cholesky(safe, upper=upper)), info)


# ----------------------------------------------------------------------------------------------------
# Solves with a Cholesky factor.


def _off_triangle(x, upper):
    """x's entries outside its lower (upper=False) or upper triangle."""
    n = x.shape[-1]
    return x * (np.tri(n, k=-1, dtype=x.dtype).T if not upper else np.tri(n, k=-1, dtype=x.dtype))


def cholesky_solve(input, input2, upper=False):  # noqa: A002  (PyTorch's argument names)
    """torch.cholesky_solve(B, L): X with A X = B for A = L Lᴴ (upper=False: L lower-triangular) or A = Uᴴ U
    (upper=True, L holding U), from the factor L = input2 (..., n, n) and B = input (..., n, k); batch dimensions
    broadcast.

    Only L's triangle is read; the gradient is PyTorch's, that of (L Lᴴ)⁻¹ B in the whole of L (so the entries
    outside the triangle get one too)."""
    B, L = as_value(input), as_value(input2)
    check_same_dtype("Expected b and A to have the same dtype, but found b of type {a_type} and A of type {b_type} "
                     "instead.", b=B, A=L)
    if B.ndim < 2:
        raise ShapeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions instead")
    _check_square("cholesky_solve", L)
    # The triangle's values, the whole matrix's gradient: subtract the other entries without their gradient.
    factor = L - without_gradient(_off_triangle, L, upper=upper)
    X = shown_as(solve(_mH(factor) @ factor if upper else factor @ _mH(factor), B), (B, L), "CholeskySolveBackward0")
    return X if B is not L else declare_apart(X, lambda b, a: cholesky_solve(b, a, upper))  # (for node hooks)


def cholesky_inverse(input, upper=False):  # noqa: A002  (PyTorch's argument name)
    """torch.cholesky_inverse: A⁻¹ for A = L Lᵀ (or Uᵀ U, upper=True) from its Cholesky factor L = input
    (..., n, n)."""
    L = as_value(input)
    _check_square("cholesky_inverse", L)
    identity = as_value(np.broadcast_to(np.eye(L.shape[-1], dtype=L.dtype), L.shape))
    return shown_as(cholesky_solve(identity, L, upper), L, "CholeskyInverseBackward0")  # PyTorch's one node


# ----------------------------------------------------------------------------------------------------
# Vandermonde matrices, tensor inverses and solves, diagonals, products.


def vander(x, N=None):  # noqa: N803  (PyTorch's argument name)
    """The Vandermonde matrix of x (..., n): (..., n, N) with columns x⁰, x¹, ..., x^(N-1) (N defaults to n)."""
    x = as_value(x)
    if x.ndim < 1:
        raise RuntimeError("N must be greater than 1.")
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    powers = [as_value(np.ones(x.shape, dtype=x.dtype)), x]
    while len(powers) < N:
        powers.append(powers[-1] * x)
    return shown_as(stack(powers[:N], axis=-1), x, _VANDER)


# PyTorch's nodes of linalg.vander: ones joined to the cumprod of x repeated (one stack of products here)
_VANDER = chain_layout(("CatBackward0", (None, ("CumprodBackward0", (("ExpandBackward0", (("UnsqueezeBackward0",
                                                                                           (0,)),)),)))))


def _ones_and_powers(out, x):
    """The entries of PyTorch's CatBackward0 of linalg.vander(x): its ones, and the cumprod of x repeated, x¹ ...
    (for its node hooks: grad_fn_chain_tops)."""
    powers = vander(x, out.shape[-1])
    return powers[..., :1].detach(), powers[..., 1:]


declare_top(_VANDER, _ones_and_powers, lambda out, ones, powers: concatenate([ones, powers], axis=-1), every=True)


def tensorinv(A, ind=2):
    """The inverse of A seen as a linear map from its first `ind` dimensions to the others (their sizes' products
    must agree): shape A.shape[ind:] + A.shape[:ind], so that tensordot(tensorinv(A), A, ind) is the identity."""
    A = as_value(A)
    if not isinstance(ind, numbers.Integral) or ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = math.prod(A.shape[:ind]), math.prod(A.shape[ind:])
    if rows != cols:
        raise ShapeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                         f"prod(self.shape[:ind]), but got {cols} != {rows}")
    inverse = inv(A.reshape(rows, cols))
    # PyTorch's inverse is in column order, which its reshape views by another node than a view's
    return shown_as(inverse.reshape(A.shape[ind:] + A.shape[:ind]), inverse, "ReshapeAliasBackward0")


def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) = B: X has shape A.shape[B.ndim:], A.shape[:B.ndim] == B.shape and both products
    of sizes equal. dims: dimensions of A moved to its end first (as PyTorch)."""
    A, B = as_value(A), as_value(B)
    if dims is not None:
        moved = [d % A.ndim for d in dims]
        A = A.permute(*[d for d in range(A.ndim) if d not in moved], *moved)
    rows, cols = math.prod(B.shape), math.prod(A.shape[B.ndim:])
    if rows != cols or math.prod(A.shape[:B.ndim]) != rows:
        raise ShapeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                         f"prod(other.shape), but got {cols} != {rows}")
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(A.shape[B.ndim:])


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: torch.diagonal with the last two dimensions as defaults."""
    return _diagonal(A, offset, dim1, dim2)


def matmul(input, other):  # noqa: A002  (PyTorch's argument name)
    """torch.linalg.matmul: the same as torch.matmul."""
    return as_value(input) @ as_value(other)
