"""The LU decomposition with partial pivoting, A = P L U, as a primitive beside its derivative.

LAPACK's getrf packs L (unit lower-triangular, its ones not stored) and U (upper-triangular) into one matrix LU of
A's shape (m, n), and records its row swaps as 1-based pivots: row j was swapped with row pivots[j] at step j. The
primitive returns both in one array (..., m + 1, n): rows :m hold LU, row m the pivots (as numbers, then zeros);
linalg.lu_factor slices them apart. The forward pass is getrf's right-looking algorithm in NumPy (column by column,
batched); the rules are PyTorch's linalg_lu_backward and linalg_lu_jvp, for square, wide and tall matrices. LU is
holomorphic (a rational function of A, for fixed pivots), so the same rules hold for complex matrices (see
ops/linalg.py); their pivots are chosen by |Re| + |Im|, as LAPACK's izamax does.
"""

from __future__ import annotations

import numpy as np

from .linalg import _data, _mT, _triangle_mask, solve_triangular
from .primitive import primitive
from .shape import concatenate


@primitive("lu_factor")
def lu_packed(a):
    """LU and pivots of a (..., m, n) packed as (..., m + 1, n): see the module's docstring. A zero pivot (a singular
    matrix) leaves its column unscaled, as getrf does."""
    a = np.asarray(a)
    m, n = a.shape[-2:]
    k = min(m, n)
    lu = a.astype(np.result_type(a.dtype, np.float32), copy=True)
    pivots = np.zeros(a.shape[:-2] + (n,), dtype=lu.dtype)
    for j in range(k):
        column = lu[..., j:, j]
        size = np.abs(column.real) + np.abs(column.imag) if lu.dtype.kind == "c" else np.abs(column)
        p = j + np.argmax(size, axis=-1)                              # the largest entry at or below the diagonal
        pivots[..., j] = p + 1
        at_p = np.expand_dims(p, (-1, -2))
        row_p = np.take_along_axis(lu, at_p, axis=-2)
        row_j = lu[..., j:j + 1, :].copy()
        np.put_along_axis(lu, at_p, row_j, axis=-2)
        lu[..., j:j + 1, :] = row_p
        pivot = lu[..., j, j]
        nonzero = pivot != 0
        lu[..., j + 1:, j] /= np.where(nonzero, pivot, 1.0)[..., None]
        lu[..., j + 1:, j + 1:] -= lu[..., j + 1:, j:j + 1] * lu[..., j:j + 1, j + 1:]
    return np.concatenate([lu, pivots[..., None, :]], axis=-2)


def permutation(pivots, m, dtype):
    """P (..., m, m) with A = P L U, from 1-based pivots (..., k): the row swaps applied to the identity in turn."""
    pivots = np.asarray(pivots).astype(np.int64) - 1
    order = np.broadcast_to(np.arange(m), pivots.shape[:-1] + (m,)).copy()
    for j in range(pivots.shape[-1]):
        p = pivots[..., j:j + 1]
        at_j, at_p = order[..., j:j + 1].copy(), np.take_along_axis(order, p, axis=-1)
        np.put_along_axis(order, p, at_j, axis=-1)
        order[..., j:j + 1] = at_p
    # After the swaps, row i of L U is row order[i] of A: P[order[i], i] = 1.
    p_matrix = np.zeros(order.shape + (m,), dtype=dtype)
    np.put_along_axis(p_matrix, order[..., None, :], 1.0, axis=-2)
    return p_matrix


def unpack_lu(lu):
    """L (..., m, k) with ones on its diagonal and U (..., k, n) from a packed LU (..., m, n), k = min(m, n)."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    dtype = np.asarray(_data(lu)).dtype
    lower = lu[..., :, :k] * _triangle_mask(max(m, k), dtype, upper=False, strict=True)[:m, :k] + np.eye(m, k,
                                                                                                         dtype=dtype)
    upper = lu[..., :k, :] * _triangle_mask(max(k, n), dtype, upper=True)[:k, :n]
    return lower, upper


def _factors(out, m):
    lu = out[..., :m, :]
    pivots = np.asarray(_data(out))[..., m, :min(lu.shape[-2:])].real
    return lu, permutation(pivots, m, np.asarray(_data(out)).dtype)


def _lu_vjp(g, out, a):
    # A = P L U. With L̄, Ū the parts of LU's gradient below and on/above the diagonal (PyTorch's linalg_lu_backward):
    #   square: Ā = P L⁻ᵀ (tril₋₁(Lᵀ L̄) + triu(Ū Uᵀ)) U⁻ᵀ
    #   wide, U = [U₁ U₂]: Ā = P L⁻ᵀ [tril₋₁(Lᵀ L̄ − Ū Uᵀ) U₁⁻ᵀ + Ū₁, Ū₂]
    #   tall, L = [L₁; L₂]: Ā = P [L₁⁻ᵀ triu(Ū Uᵀ − Lᵀ L̄) + L̄₁; L̄₂] U⁻ᵀ
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    lu, p = _factors(out, m)
    lower, upper = unpack_lu(lu)
    g_lower, g_upper = unpack_lu(g[..., :m, :])
    g_lower = g_lower - np.eye(m, k, dtype=p.dtype)                          # L̄: strictly below the diagonal
    strict_k = _triangle_mask(k, p.dtype, upper=False, strict=True)
    upper_k = _triangle_mask(k, p.dtype, upper=True)
    if m == n:
        inner = (_mT(lower) @ g_lower) * strict_k + (g_upper @ _mT(upper)) * upper_k
        inner = _mT(solve_triangular(upper, _mT(inner), upper=True))         # · U⁻ᵀ
        return p @ solve_triangular(_mT(lower), inner, upper=True)           # L⁻ᵀ ·
    if m < n:
        inner = (_mT(lower) @ g_lower - g_upper @ _mT(upper)) * strict_k
        inner = _mT(solve_triangular(upper[..., :k], _mT(inner), upper=True)) + g_upper[..., :k]
        inner = concatenate([inner, g_upper[..., k:]], axis=-1)
        return p @ solve_triangular(_mT(lower), inner, upper=True)
    inner = (g_upper @ _mT(upper) - _mT(lower) @ g_lower) * upper_k
    inner = solve_triangular(_mT(lower[..., :k, :]), inner, upper=True) + g_lower[..., :k, :]
    inner = concatenate([inner, g_lower[..., k:, :]], axis=-2)
    return p @ _mT(solve_triangular(upper, _mT(inner), upper=True))


def _lu_jvp(t, out, a):
    # With dA' = Pᵀ dA (A's rows in LU's order) and, on the leading k × k blocks, M = L₁⁻¹ dA'₁₁ U₁⁻¹:
    # dL₁ = L₁ tril₋₁(M), dU₁ = triu(M) U₁; wide: dU₂ = L⁻¹ (dA'₁₂ − dL U₂); tall: dL₂ = (dA'₂₁ − L₂ dU) U⁻¹.
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    lu, p = _factors(out, m)
    lower, upper = unpack_lu(lu)
    dt = _mT(p) @ t
    l1, u1 = lower[..., :k, :], upper[..., :, :k]
    inner = solve_triangular(l1, _mT(solve_triangular(_mT(u1), _mT(dt[..., :k, :k]), upper=False)), upper=False)
    d_lower = l1 @ (inner * _triangle_mask(k, p.dtype, upper=False, strict=True))
    d_upper = (inner * _triangle_mask(k, p.dtype, upper=True)) @ u1
    packed = d_lower + d_upper
    if m < n:
        packed = concatenate([packed, solve_triangular(l1, dt[..., :, k:] - d_lower @ upper[..., :, k:],
                                                       upper=False)], axis=-1)
    elif m > n:
        rest = _mT(solve_triangular(_mT(u1), _mT(dt[..., k:, :] - lower[..., k:, :] @ d_upper), upper=False))
        packed = concatenate([packed, rest], axis=-2)
    return concatenate([packed, np.zeros(packed.shape[:-2] + (1, n), dtype=p.dtype)], axis=-2)


lu_packed.defvjp(_lu_vjp, formulas=("P L⁻ᵀ(tril₋₁(LᵀL̄)+triu(ŪUᵀ))U⁻ᵀ",))
lu_packed.defjvp(_lu_jvp)
lu_packed.defcomplex()  # holomorphic
