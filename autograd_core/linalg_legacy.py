"""PyTorch's linear algebra from before torch.linalg (PyTorch 1.9), for programs written then: torch.lu, lu_solve,
triangular_solve, nuclear_norm and frobenius_norm (deprecated in PyTorch, with its warnings), the randomized
svd_lowrank and pca_lowrank, torch.adjoint, and the functions PyTorch has removed (torch.solve, symeig, lstsq, eig,
matrix_rank), which raise PyTorch's RuntimeError naming what replaces them.

Each is a thin layer over torch.linalg's functions here (linalg.py, linalg_solvers.py), so gradients, forward mode and
compile are theirs.
"""

from __future__ import annotations

import collections
import warnings

import numpy as np

from . import linalg
from .errors import ShapeError
from .linalg_solvers import lu_factor_ex
from .linalg_solvers import lu_solve as _linalg_lu_solve
from .ops.index import as_value
from .one_node import outputs_of_one_node, shown_as

triangular_solve_result = collections.namedtuple("triangular_solve", ["solution", "cloned_coefficient"])
lu_with_info_result = collections.namedtuple("_lu_with_info", ["LU", "pivots", "infos"])


def _deprecated(message):
    warnings.warn(message, UserWarning, stacklevel=3)


def lu(A, pivot=True, get_infos=False, out=None):  # noqa: N803  (PyTorch's argument name)
    """torch.lu (deprecated there in favour of torch.linalg.lu_factor): (LU, pivots) of A (..., m, n) as
    linalg.lu_factor gives them, and with get_infos=True a third entry, infos (int32 (...): k > 0 where U[k-1, k-1] is
    zero). Singular matrices factor without an error, as in PyTorch. out: not supported (None)."""
    if out is not None:
        raise TypeError("torch.lu: out= is not supported here; use the returned tensors")
    _deprecated("torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be "
                "removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be replaced "
                "with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = torch.lu(A, "
                "compute_pivots, get_infos=True)\nshould be replaced with\nLU, pivots, info = "
                "torch.linalg.lu_factor_ex(A, compute_pivots)")
    LU, pivots, infos = lu_factor_ex(A, pivot=pivot)
    return lu_with_info_result(LU, pivots, infos) if get_infos else (LU, pivots)


def lu_solve(input, LU_data, LU_pivots):  # noqa: A002, N803  (PyTorch's argument names)
    """torch.lu_solve (deprecated there): X with A X = input from torch.lu's (LU_data, LU_pivots) of square A
    (..., n, n); input (..., n, k). Note the order: torch.linalg.lu_solve(LU, pivots, B) takes the right side last."""
    _deprecated("torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future "
                "PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\nX = torch.lu_solve(B, "
                "LU, pivots)\nshould be replaced with\nX = torch.linalg.lu_solve(LU, pivots, B)")
    return _linalg_lu_solve(LU_data, LU_pivots, input)


def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False):  # noqa: A002, N803  (PyTorch's)
    """torch.triangular_solve (deprecated there): a named tuple (solution, cloned_coefficient) where solution X solves
    A X = input (Aᵀ X = input with transpose=True) for triangular A (..., n, n) (upper or lower, only that triangle
    read; unitriangular: its diagonal taken as ones) and input (..., n, k), batch dimensions broadcast;
    cloned_coefficient is a copy of A. Note the order: torch.linalg.solve_triangular(A, B, upper=...) takes A first."""
    _deprecated("torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be removed "
                "in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments reversed and does not "
                "return a copy of one of the inputs.\nX = torch.triangular_solve(B, A).solution\nshould be replaced "
                "with\nX = torch.linalg.solve_triangular(A, B).")
    b, A = as_value(input), as_value(A)
    for name, x in (("b", b), ("A", A)):
        if x.ndim < 2:
            raise ShapeError(f"torch.triangular_solve: Expected {name} to have at least 2 dimensions, but it has "
                             f"{x.ndim} dimensions instead")
    coefficient = A.swapaxes(-1, -2) if transpose else A  # Aᵀ of an upper triangle is lower, and the other way
    solution = linalg.solve_triangular(coefficient, b, upper=upper != transpose, unitriangular=unitriangular)
    # PyTorch's one node of two outputs, shown by the solution's (the copy's node here lists A alone)
    copy = A.clone()
    outputs = (shown_as(solution, (b, A), "TriangularSolveBackward0"),
               shown_as(copy, (None, A), "TriangularSolveBackward0") if copy._op is not None else copy)
    return triangular_solve_result(*outputs_of_one_node(outputs, shown_by=0))


def adjoint(input):  # noqa: A002  (PyTorch's argument name)
    """torch.adjoint: the conjugate transpose of input (..., m, n), shape (..., n, m): a view with its last two
    dimensions swapped for real input, conjugated (a copy) for complex input."""
    return as_value(input).adjoint()


def nuclear_norm(input, dim=None, keepdim=False):  # noqa: A002  (PyTorch's argument names)
    """torch.nuclear_norm (deprecated there): the sum of the singular values of the matrices of input over the two
    dimensions `dim` (the last two by default; PyTorch's overload `nuclear_norm(input, keepdim)` is accepted too),
    as linalg.matrix_norm(input, 'nuc', dim, keepdim)."""
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim): PyTorch's other overload
        dim, keepdim = None, dim
    _deprecated("at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed in a "
                "future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead")
    return linalg.matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else tuple(dim), keepdim=keepdim)


def frobenius_norm(input, dim, keepdim=False):  # noqa: A002  (PyTorch's argument names)
    """torch.frobenius_norm (deprecated there): the square root of the sum of squares of input over the dimensions
    `dim` (an int or a tuple of ints), as linalg.vector_norm(input, 2, dim, keepdim)."""
    _deprecated("at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed in a "
                "future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead")
    return linalg.vector_norm(input, 2.0, dim=dim, keepdim=keepdim)


# ----------------------------------------------------------------------------------------------------
# Randomized low-rank decompositions (Halko, Martinsson and Tropp, "Finding structure with randomness", 2009).


def _approximate_range(A, q, niter, M):
    """Q (..., m, q) with orthonormal columns whose span nearly holds the range of A − M (A, M (..., m, n)), without
    forming A − M: a Gaussian sketch A·Ω, sharpened by `niter` rounds of power iteration, each re-orthonormalised
    (Halko et al.'s Algorithm 4.4)."""
    from .tensor import randn  # loaded on use: tensor.py builds on the linalg modules

    def times(right):  # (A − M) · right
        return A @ right if M is None else A @ right - M @ right

    def transposed_times(right):  # (A − M)ᴴ · right
        product = _adjoint(A) @ right
        return product if M is None else product - _adjoint(M) @ right

    if A.dtype.kind == "c":  # a complex Gaussian sketch: its real and imaginary parts drawn as a last axis of 2
        from .ops.complex import view_as_complex

        sketch = view_as_complex(randn(A.shape[-1], q, 2, dtype=np.zeros(0, A.dtype).real.dtype))
    else:
        sketch = randn(A.shape[-1], q, dtype=A.dtype)
    Q = linalg.qr(times(sketch)).Q
    for _ in range(niter):
        Q = linalg.qr(transposed_times(Q)).Q
        Q = linalg.qr(times(Q)).Q
    return Q


def _adjoint(x):
    """xᴴ: the transpose of real x."""
    return x.mH if x.dtype.kind == "c" else x.mT


def svd_lowrank(A, q=6, niter=2, M=None):  # noqa: N803  (PyTorch's argument names)
    """torch.svd_lowrank: (U, S, V) with A − M ≈ U diag(S) Vᴴ (Vᵀ for real A), from a randomized sketch of q columns
    (Halko et al.'s Algorithm 5.1; a complex sketch for complex A). A (..., m, n); M (broadcast to A's shape) is
    subtracted without forming A − M (None: nothing); q: a slight overestimate of A's rank (None: 6); niter: power
    iterations (None: 2). U (..., m, k), S (..., k), V (..., n, k), k = min(q, m, n). The sketch draws from the global
    generator (torch.manual_seed repeats it; the numbers differ from PyTorch's, whose generator is another).
    Differentiable, through QR and SVD."""
    A = as_value(A)
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    if A.ndim < 2:
        raise ShapeError(f"svd_lowrank: A must have at least 2 dimensions, got {A.ndim}")
    m, n = A.shape[-2:]
    if M is not None:
        M = as_value(M).broadcast_to(A.shape)
    if m < n:  # sketch the taller side: work with Aᴴ and swap U and V at the end
        A = _adjoint(A)
        M = None if M is None else _adjoint(M)
    Q = _approximate_range(A, q, niter, M)
    Qh = _adjoint(Q)
    B = Qh @ A if M is None else Qh @ A - Qh @ M  # (..., q, n): A − M ≈ Q B
    U, S, Vh = linalg.svd(B, full_matrices=False)
    U, V = Q @ U, _adjoint(Vh)
    return (V, S, U) if m < n else (U, S, V)


def pca_lowrank(A, q=None, center=True, niter=2):  # noqa: N803  (PyTorch's argument name)
    """torch.pca_lowrank: (U, S, V), the principal components of the rows of A (..., m, n) by svd_lowrank: with
    center=True the column means are subtracted first, and then A − mean ≈ U diag(S) Vᵀ; V's columns are the
    principal directions, S²/(m − 1) the variances along them (complex A: A − mean ≈ U diag(S) Vᴴ). q: how many
    (None: min(6, m, n); at most min(m, n))."""
    A = as_value(A)
    if A.ndim < 2:
        raise ShapeError(f"pca_lowrank: A must have at least 2 dimensions, got {A.ndim}")
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return svd_lowrank(A, q, niter=niter)
    return svd_lowrank(A - A.mean(dim=-2, keepdim=True), q, niter=niter)


# ----------------------------------------------------------------------------------------------------
# Removed from PyTorch in 1.9 and later: they raise, with PyTorch's message saying what to call instead.

_REMOVED = "This function was deprecated since version 1.9 and is now removed."
_REPLACEMENTS = {
    "solve": " `torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` has its arguments "
             "reversed and does not return the LU factorization.\n\nTo get the LU factorization see `torch.lu`, which "
             "can be used with `torch.lu_solve` or `torch.lu_unpack`.\nX = torch.solve(B, A).solution should be "
             "replaced with:\nX = torch.linalg.solve(A, B)",
    "symeig": " The default behavior has changed from using the upper triangular portion of the matrix by default to "
              "using the lower triangular portion.\n\nL, _ = torch.symeig(A, upper=upper) should be replaced with:\n"
              "L = torch.linalg.eigvalsh(A, UPLO='U' if upper else 'L')\n\nand\n\nL, V = torch.symeig(A, "
              "eigenvectors=True) should be replaced with:\nL, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L')",
    "lstsq": " `torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` has reversed "
             "arguments and does not return the QR decomposition in the returned tuple (although it returns other "
             "information about the problem).\n\nTo get the QR decomposition consider using `torch.linalg.qr`.\n\n"
             "The returned solution in `torch.lstsq` stored the residuals of the solution in the last m - n columns "
             "of the returned value whenever m > n. In torch.linalg.lstsq, the residuals are in the field "
             "'residuals' of the returned named tuple.\n\nThe unpacking of the solution, as in\nX, _ = "
             "torch.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\nX = torch.linalg.lstsq(A, B).solution",
    "eig": " `torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather than real tensors "
           "mimicking complex tensors.\n\nL, _ = torch.eig(A) should be replaced with:\nL_complex = "
           "torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, eigenvectors=True) should be replaced with:\n"
           "L_complex, V_complex = torch.linalg.eig(A)",
    "matrix_rank": "\nPlease use the `torch.linalg.matrix_rank` function instead. The parameter 'symmetric' was "
                   "renamed in `torch.linalg.matrix_rank()` to 'hermitian'.",
}


def _removed(name):
    raise RuntimeError(_REMOVED + _REPLACEMENTS[name])


def solve(input, A, *, out=None):  # noqa: A002, N803  (PyTorch's argument names)
    """torch.solve: removed from PyTorch (deprecated since 1.9); raises RuntimeError saying what replaces it
    (torch.linalg.solve(A, B), arguments reversed)."""
    _removed("solve")


def symeig(input, eigenvectors=False, upper=True, *, out=None):  # noqa: A002  (PyTorch's argument names)
    """torch.symeig: removed from PyTorch (deprecated since 1.9); raises RuntimeError saying what replaces it
    (torch.linalg.eigvalsh or eigh)."""
    _removed("symeig")


def lstsq(input, A, *, out=None):  # noqa: A002, N803  (PyTorch's argument names)
    """torch.lstsq: removed from PyTorch (deprecated since 1.9); raises RuntimeError saying what replaces it
    (torch.linalg.lstsq(A, B), arguments reversed)."""
    _removed("lstsq")


def eig(self, eigenvectors=False, *, e=None, v=None):  # PyTorch's argument names
    """torch.eig: removed from PyTorch (deprecated since 1.9); raises RuntimeError saying what replaces it
    (torch.linalg.eig, whose complex results this library does not have)."""
    _removed("eig")


def matrix_rank(input, tol=None, symmetric=False, *, out=None):  # noqa: A002  (PyTorch's argument names)
    """torch.matrix_rank: removed from PyTorch (deprecated since 1.9); raises RuntimeError saying what replaces it
    (torch.linalg.matrix_rank)."""
    _removed("matrix_rank")


def _solve_method(self, other):
    """Tensor.solve (PyTorch's names: self, other): removed, as torch.solve."""
    _removed("solve")


def _lstsq_method(self, other):
    """Tensor.lstsq (PyTorch's names: self, other): removed, as torch.lstsq."""
    _removed("lstsq")
