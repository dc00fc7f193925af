"""The LDLᵀ decomposition of a symmetric matrix with Bunch–Kaufman pivoting, as LAPACK's sytrf computes it:
torch.linalg.ldl_factor, ldl_factor_ex and ldl_solve.

    LD, pivots = torch.linalg.ldl_factor(A)      # A (..., n, n) symmetric, maybe indefinite
    X = torch.linalg.ldl_solve(LD, pivots, B)    # A X = B

P A Pᵀ = L D Lᵀ with L unit lower-triangular and D block diagonal, of 1 × 1 and 2 × 2 blocks: an indefinite matrix
may have no LDLᵀ with a diagonal D (A = [[0, 1], [1, 0]]), but always one with 2 × 2 blocks. LD holds D on its
diagonal (a 2 × 2 block's off-diagonal entry below it) and L's multipliers below, its upper triangle zero; pivots
(int32, 1-based) are sytrf's: pivots[k] = p > 0 when row and column k were interchanged with p for a 1 × 1 block,
pivots[k] = pivots[k + 1] = −p < 0 when k + 1 was interchanged with p for a 2 × 2 block at k. At each step the
choice between a 1 × 1 block, a 1 × 1 block after an interchange and a 2 × 2 block compares the diagonal entry with
the largest below it, by the factor α = (1 + √17)/8 that bounds the growth of the entries (Bunch and Kaufman, 1977).

Complex A is factored as a complex symmetric matrix (A = Aᵀ, hermitian=False: LAPACK's zsytrf, whose pivoting compares
|Re| + |Im|) or as a Hermitian one (A = Aᴴ, hermitian=True: zhetrf, P A Pᵀ = L D Lᴴ with D Hermitian, its 1 × 1
blocks real).

Only the lower triangle of A is read. Neither function has a gradient, as in PyTorch (a backward pass through them
raises NotImplementedError): differentiate `linalg.solve` instead.
"""

from __future__ import annotations

import collections
import math

import numpy as np

from .errors import ShapeError, scalar_type_name
from .linalg import _check_square
from .linalg_solvers import _pivots_of, first_failure  # _pivots_of: LU's row n of the packed result, int32
from .ops.index import as_value
from .ops.linalg import LinAlgError
from .ops.nondifferentiable import without_gradient
from .ops.primitive import primitive

linalg_ldl_factor = collections.namedtuple("linalg_ldl_factor", ["LD", "pivots"])
linalg_ldl_factor_ex = collections.namedtuple("linalg_ldl_factor_ex", ["LD", "pivots", "info"])

_ALPHA = (1 + math.sqrt(17)) / 8


def ldl_factor_ex(A, *, hermitian=False, check_errors=False):
    """ldl_factor with sytrf's info (int32 (...): k > 0 when D[k-1, k-1] is exactly zero, the factorization complete
    but D singular; else 0) instead of an error, unless check_errors=True."""
    LD, pivots, info = _factor("torch.linalg.ldl_factor_ex", A, hermitian)
    if check_errors:
        _raise_if_singular("torch.linalg.ldl_factor_ex", info.data)
    return linalg_ldl_factor_ex(LD, pivots, info)


def ldl_factor(A, *, hermitian=False):
    """The LDLᵀ decomposition of symmetric A (..., n, n) with Bunch–Kaufman pivoting, in LAPACK's compact form: a named
    tuple (LD, pivots), LD (..., n, n), pivots (..., n) int32 (see the module's docstring). Only A's lower triangle
    is read; hermitian=True is the same for real matrices (complex A: Hermitian, A = L D Lᴴ, else symmetric). Raises
    LinAlgError when D has an exact zero on its diagonal (A singular; ldl_factor_ex reports it instead).
    No gradient, as in PyTorch."""
    LD, pivots, info = _factor("torch.linalg.ldl_factor", A, hermitian)
    _raise_if_singular("torch.linalg.ldl_factor", info.data)
    return linalg_ldl_factor(LD, pivots)


def ldl_solve(LD, pivots, B, *, hermitian=False):
    """X with A X = B, from ldl_factor's (LD, pivots) of A (..., n, n); B (..., n, k), batch dimensions equal to LD's
    (as sytrs solves: P, L, D, Lᵀ and Pᵀ undone in turn). No gradient, as in PyTorch."""
    name = "torch.linalg.ldl_solve"
    LD, B = as_value(LD), as_value(B)
    pivots = np.asarray(as_value(pivots).data)
    if LD.ndim < 2:
        raise ShapeError(f"{name}: LD must have at least 2 dimensions, but it has {LD.ndim}")
    _check_square("ldl_solve", LD)
    if B.ndim < 2:
        raise ShapeError(f"{name}: B must have at least 2 dimensions, but it has {B.ndim}")
    n = LD.shape[-1]
    if pivots.shape != LD.shape[:-1]:
        raise ShapeError(f"{name}: Expected pivots to have shape {list(LD.shape[:-1])}, got {list(pivots.shape)}")
    if pivots.dtype != np.int32:
        raise RuntimeError(f"{name}: Expected pivots to be integers. Got {pivots.dtype}")
    if B.shape[-2] != n or B.shape[:-2] != LD.shape[:-2]:
        raise ShapeError(f"{name}: Expected B of shape (..., {n}, k) with the batch dimensions of LD "
                         f"{list(LD.shape[:-2])}, got {list(B.shape)}")
    if B.dtype != LD.dtype:
        raise RuntimeError(f"{name}: Expected LD and B to have the same dtype, but got LD with dtype {LD.dtype} and "
                           f"B with dtype {B.dtype}")
    if pivots.size and (np.abs(pivots).min() < 1 or np.abs(pivots).max() > n):
        raise RuntimeError(f"{name}: pivots must be between 1 and {n} in absolute value (ldl_factor's)")
    if hermitian and LD.dtype.kind == "c":
        return _ldl_solve(LD, B, pivots=pivots, hermitian=True)
    return _ldl_solve(LD, B, pivots=pivots)


def _factor(name, A, hermitian):
    A = as_value(A)
    if A.ndim < 2:
        raise ShapeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    _check_square(name.split(".")[-1], A)
    if A.dtype.kind not in "fc":
        raise RuntimeError("torch.linalg.ldl_factor_ex: Expected a floating point or complex tensor as input. Got "
                           f"{scalar_type_name(A.dtype)}")
    n = A.shape[-1]
    packed = _ldl_packed(A, hermitian=True) if hermitian and A.dtype.kind == "c" else _ldl_packed(A)
    LD = packed[..., :n, :]
    return LD, without_gradient(_pivots_of, packed, m=n), without_gradient(_info_of, packed, n=n)


def _info_of(packed, n):
    return np.asarray(packed)[..., n + 1, 0].real.astype(np.int32)  # (the real part of a complex packing)


def _raise_if_singular(name, info):
    failure = first_failure(info)
    if failure is not None:
        (element, k), batch = failure, ""
        if np.ndim(info):
            batch = f" (batch element {element})"
        raise LinAlgError(f"{name}: D[{k - 1},{k - 1}] is exactly zero{batch}: the factorization is complete but D, "
                          "and so the input, is singular; ldl_factor_ex reports this in its info instead of raising")


@primitive("ldl_factor")
def _ldl_packed(a, hermitian=False):
    """LD, pivots and info of sytrf (hetrf for complex a, hermitian=True) (lower) for a (..., n, n), packed as
    (..., n + 2, n): LD, then the pivots in row n, then info at row n + 1, column 0."""
    a = np.asarray(a)
    n = a.shape[-1]
    packed = np.zeros(a.shape[:-2] + (n + 2, n), dtype=a.dtype)
    for index in np.ndindex(a.shape[:-2]):
        factor = _bunch_kaufman_hermitian if hermitian else _bunch_kaufman
        ld, pivots, info = factor(np.tril(a[index]))  # a copy, which sytf2 works on in place
        packed[index][:n] = ld
        packed[index][n] = pivots
        if n:
            packed[index][n + 1, 0] = info
    return packed


def _bunch_kaufman(a):
    """LAPACK's sytf2 (lower) on the lower triangle of the n × n array `a`, in place: (LD, 1-based pivots, info).
    Interchanges move rows and columns of the trailing matrix only: the columns of L already computed stay where
    they are, which is the form ldl_solve (sytrs) undoes."""
    n = a.shape[0]
    pivots = np.zeros(n, dtype=np.int64)
    info = 0
    k = 0
    size = _cabs1 if a.dtype.kind == "c" else np.abs
    while k < n:
        step, pivot = 1, k
        diagonal = size(a[k, k])
        below, largest_below = k, 0.0
        if k + 1 < n:
            below = k + 1 + int(np.argmax(size(a[k + 1:, k])))
            largest_below = size(a[below, k])
        if max(diagonal, largest_below) == 0 or math.isnan(diagonal):
            info = info or k + 1  # a zero column (or a NaN): nothing to eliminate, D[k, k] stays as it is
        else:
            if diagonal < _ALPHA * largest_below:
                # the largest entry off the diagonal in row and column `below` of the trailing matrix
                largest_other = max(size(a[below, k:below]).max(), size(a[below + 1:, below]).max(initial=0.0))
                if diagonal * largest_other >= _ALPHA * largest_below * largest_below:
                    pass  # the diagonal entry is large enough after all: a 1 × 1 block, no interchange
                elif size(a[below, below]) >= _ALPHA * largest_other:
                    pivot = below  # a 1 × 1 block, after interchanging k and below
                else:
                    pivot, step = below, 2  # a 2 × 2 block, after interchanging k + 1 and below
            _interchange(a, k, k + step - 1, pivot, step)
            if step == 1:
                if k + 1 < n:
                    reciprocal = 1 / a[k, k]
                    column = a[k + 1:, k]
                    a[k + 1:, k + 1:] += np.tril(np.outer(column, -reciprocal * column))  # syr: x(i)·(−x(j)/d)
                    a[k + 1:, k] = column * reciprocal
            elif k + 2 < n:
                # D = [[d, b], [b, e]] (rows k, k + 1): the multipliers W = C D⁻¹ of the columns C below it, as
                # sytf2 computes them (D divided by b first)
                b = a[k + 1, k]
                e_over_b, d_over_b = a[k + 1, k + 1] / b, a[k, k] / b
                scale = 1 / (e_over_b * d_over_b - 1) / b
                first, second = a[k + 2:, k].copy(), a[k + 2:, k + 1].copy()
                w_first = scale * (e_over_b * first - second)
                w_second = scale * (d_over_b * second - first)
                a[k + 2:, k + 2:] -= np.tril(np.outer(first, w_first) + np.outer(second, w_second))
                a[k + 2:, k], a[k + 2:, k + 1] = w_first, w_second
        if step == 1:
            pivots[k] = pivot + 1
        else:
            pivots[k] = pivots[k + 1] = -(pivot + 1)
        k += step
    return np.tril(a), pivots, info


def _bunch_kaufman_hermitian(a):
    """LAPACK's hetf2 (lower) on the lower triangle of the complex n × n array `a`, in place: (LD, pivots, info). The
    steps of sytf2 (`_bunch_kaufman`), with the diagonal real, conjugates where an entry crosses the diagonal in an
    interchange, and Lᴴ for Lᵀ in the updates."""
    n = a.shape[0]
    pivots = np.zeros(n, dtype=np.int64)
    info = 0
    k = 0
    while k < n:
        step, pivot = 1, k
        diagonal = abs(a[k, k].real)
        below, largest_below = k, 0.0
        if k + 1 < n:
            below = k + 1 + int(np.argmax(_cabs1(a[k + 1:, k])))
            largest_below = _cabs1(a[below, k])
        if max(diagonal, largest_below) == 0 or math.isnan(diagonal):
            info = info or k + 1
            a[k, k] = a[k, k].real
        else:
            if diagonal < _ALPHA * largest_below:
                largest_other = max(_cabs1(a[below, k:below]).max(), _cabs1(a[below + 1:, below]).max(initial=0.0))
                if diagonal * largest_other >= _ALPHA * largest_below * largest_below:
                    pass
                elif abs(a[below, below].real) >= _ALPHA * largest_other:
                    pivot = below
                else:
                    pivot, step = below, 2
            moved = k + step - 1
            if pivot != moved:
                a[pivot + 1:, moved], a[pivot + 1:, pivot] = a[pivot + 1:, pivot].copy(), a[pivot + 1:, moved].copy()
                between = slice(moved + 1, pivot)
                a[between, moved], a[pivot, between] = a[pivot, between].conj(), a[between, moved].conj()
                a[pivot, moved] = np.conj(a[pivot, moved])
                a[moved, moved], a[pivot, pivot] = a[pivot, pivot].real, a[moved, moved].real
                if step == 2:
                    a[k, k] = a[k, k].real
                    a[k + 1, k], a[pivot, k] = a[pivot, k], a[k + 1, k]
            else:
                a[k, k] = a[k, k].real
                if step == 2:
                    a[k + 1, k + 1] = a[k + 1, k + 1].real
            if step == 1:
                if k + 1 < n:
                    reciprocal = 1 / a[k, k].real
                    column = a[k + 1:, k]
                    a[k + 1:, k + 1:] -= np.tril(reciprocal * np.outer(column, column.conj()))   # her: −x xᴴ / d
                    rest = np.arange(k + 1, n)
                    a[rest, rest] = a[rest, rest].real
                    a[k + 1:, k] = column * reciprocal
            elif k + 2 < n:
                # D = [[d, conj(b)], [b, e]], d and e real: hetf2's multipliers W = C D⁻¹ of the columns C below it
                size = abs(a[k + 1, k])
                d11, d22 = a[k + 1, k + 1].real / size, a[k, k].real / size
                d21 = a[k + 1, k] / size
                scale = 1 / (d11 * d22 - 1) / size
                first, second = a[k + 2:, k].copy(), a[k + 2:, k + 1].copy()
                w_first = scale * (d11 * first - d21 * second)
                w_second = scale * (d22 * second - np.conj(d21) * first)
                a[k + 2:, k + 2:] -= np.tril(np.outer(first, w_first.conj()) + np.outer(second, w_second.conj()))
                rest = np.arange(k + 2, n)
                a[rest, rest] = a[rest, rest].real
                a[k + 2:, k], a[k + 2:, k + 1] = w_first, w_second
        if step == 1:
            pivots[k] = pivot + 1
        else:
            pivots[k] = pivots[k + 1] = -(pivot + 1)
        k += step
    return np.tril(a), pivots, info


def _cabs1(z):
    """|Re z| + |Im z|: the size LAPACK's complex routines compare (cheaper than the modulus)."""
    return np.abs(z.real) + np.abs(z.imag)


def _interchange(a, k, moved, pivot, step):
    """Rows and columns `moved` and `pivot` (> moved) of the trailing matrix a[k:, k:] exchanged, its lower triangle
    alone read and written (sytf2's swaps)."""
    if pivot == moved:
        return
    a[pivot + 1:, moved], a[pivot + 1:, pivot] = a[pivot + 1:, pivot].copy(), a[pivot + 1:, moved].copy()
    between = slice(moved + 1, pivot)
    a[between, moved], a[pivot, between] = a[pivot, between].copy(), a[between, moved].copy()
    a[moved, moved], a[pivot, pivot] = a[pivot, pivot], a[moved, moved]
    if step == 2:
        a[k + 1, k], a[pivot, k] = a[pivot, k], a[k + 1, k]


def _ldl_not_differentiable(*args, **params):
    raise NotImplementedError("the derivative for 'linalg_ldl_factor_ex' is not implemented.")


_ldl_packed.defvjp(_ldl_not_differentiable, formulas=("",))
_ldl_packed.defjvp(_ldl_not_differentiable)
_ldl_packed.defcomplex()  # complex symmetric input: the same algebra (no conjugation), no derivative


@primitive("ldl_solve")
def _ldl_solve(ld, b, pivots, hermitian=False):
    """sytrs (hetrs for complex ld, hermitian=True) (lower) on each matrix of the batch: X with A X = B for A's LD and
    pivots."""
    ld, b = np.asarray(ld), np.asarray(b)
    x = b.astype(np.result_type(ld, b), copy=True)
    solve_one = _solve_one_hermitian if hermitian else _solve_one
    for index in np.ndindex(ld.shape[:-2]):
        solve_one(ld[index], pivots[index], x[index])
    return x


def _solve_one_hermitian(ld, pivots, x):
    """x ← A⁻¹ x in place for A = P L D Lᴴ Pᵀ (hetrs): as `_solve_one`, with Lᴴ and D's 2 × 2 blocks
    [[a, conj(b)], [b, c]]."""
    n = ld.shape[0]
    k = 0
    while k < n:  # L D y = P x
        if pivots[k] > 0:
            _swap_rows(x, k, pivots[k] - 1)
            x[k + 1:] -= np.outer(ld[k + 1:, k], x[k])
            x[k] /= ld[k, k].real
            k += 1
        else:
            _swap_rows(x, k + 1, -pivots[k] - 1)
            x[k + 2:] -= np.outer(ld[k + 2:, k], x[k]) + np.outer(ld[k + 2:, k + 1], x[k + 1])
            b = ld[k + 1, k]
            a, c = ld[k, k] / np.conj(b), ld[k + 1, k + 1] / b
            denominator = a * c - 1
            first, second = x[k] / np.conj(b), x[k + 1] / b
            x[k], x[k + 1] = (c * first - second) / denominator, (a * second - first) / denominator
            k += 2
    k = n - 1
    while k >= 0:  # Lᴴ Pᵀ x = y
        x[k] -= ld[k + 1:, k].conj() @ x[k + 1:]
        if pivots[k] > 0:
            _swap_rows(x, k, pivots[k] - 1)
            k -= 1
        else:
            x[k - 1] -= ld[k + 1:, k - 1].conj() @ x[k + 1:]
            _swap_rows(x, k, -pivots[k] - 1)
            k -= 2


def _solve_one(ld, pivots, x):
    """x ← A⁻¹ x in place: P, then L, then D, then Lᵀ, then Pᵀ undone, one 1 × 1 or 2 × 2 block at a time."""
    n = ld.shape[0]
    k = 0
    while k < n:  # L D y = P x
        if pivots[k] > 0:
            _swap_rows(x, k, pivots[k] - 1)
            x[k + 1:] -= np.outer(ld[k + 1:, k], x[k])
            x[k] /= ld[k, k]
            k += 1
        else:
            _swap_rows(x, k + 1, -pivots[k] - 1)
            x[k + 2:] -= np.outer(ld[k + 2:, k], x[k]) + np.outer(ld[k + 2:, k + 1], x[k + 1])
            b = ld[k + 1, k]  # D's block [[a, b], [b, c]], solved with its entries divided by b (sytrs's way)
            a, c = ld[k, k] / b, ld[k + 1, k + 1] / b
            denominator = a * c - 1
            first, second = x[k] / b, x[k + 1] / b
            x[k], x[k + 1] = (c * first - second) / denominator, (a * second - first) / denominator
            k += 2
    k = n - 1
    while k >= 0:  # Lᵀ Pᵀ x = y
        if pivots[k] > 0:
            x[k] -= ld[k + 1:, k] @ x[k + 1:]
            _swap_rows(x, k, pivots[k] - 1)
            k -= 1
        else:
            x[k] -= ld[k + 1:, k] @ x[k + 1:]
            x[k - 1] -= ld[k + 1:, k - 1] @ x[k + 1:]
            _swap_rows(x, k, -pivots[k] - 1)
            k -= 2


def _swap_rows(x, i, j):
    if i != j:
        x[[i, j]] = x[[j, i]]


def _ldl_solve_not_differentiable(*args, **params):
    raise NotImplementedError("the derivative for 'linalg_ldl_solve' is not implemented.")


_ldl_solve.defvjp(_ldl_solve_not_differentiable, _ldl_solve_not_differentiable, formulas=("", ""))
_ldl_solve.defjvp(_ldl_solve_not_differentiable, _ldl_solve_not_differentiable)
_ldl_solve.defcomplex()
