"""torch.linalg's decompositions and what is built on them: svd (and torch.svd), pinv, lstsq, matrix_rank, cond,
qr, matrix_exp. Their primitives (svd, qr, matrix_exp, pinv) and rules are in ops/decompositions.py; everything
here slices their packed results apart or composes them, so that gradients, forward mode, higher derivatives and
compile come for free. linalg.py re-exports these names: use them as autograd_core.linalg.svd etc.
"""

from __future__ import annotations

import collections

import numpy as np

from .linalg import _mT
from .ops import decompositions as _ops
from .ops.index import as_value
from .ops.nondifferentiable import without_gradient
from .ops.shape import concatenate

# torch.return_types.linalg_svd, svd, linalg_lstsq and linalg_qr: named tuples.
linalg_svd = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
svd_result = collections.namedtuple("svd", ["U", "S", "V"])
linalg_lstsq = collections.namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


def _check_matrix(name, A):
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")


def _no_driver(name, driver):
    if driver is not None:
        raise RuntimeError(f"torch.linalg.{name}: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")


def _complement(u):
    """An orthonormal basis (..., m, m - k) of the complement of the orthonormal columns u (..., m, k)."""
    q = np.linalg.qr(u, mode="complete")[0]
    return np.ascontiguousarray(q[..., u.shape[-1]:])


def _svd(A, full_matrices):
    m, n = A.shape[-2:]
    U, S, V = _ops.unpack_svd(_ops.svd_packed(A), m)
    if full_matrices:
        # The columns beyond min(m, n) are any orthonormal basis of the complement; like PyTorch, the gradient
        # ignores them (they carry none).
        if m > n:
            U = concatenate([U, without_gradient(_complement, U)], axis=-1)
        elif n > m:
            V = concatenate([V, without_gradient(_complement, V)], axis=-1)
    return U, S, V


def svd(A, full_matrices=True, *, driver=None):
    """The singular value decomposition A = U diag(S) Vh of A (..., m, n), k = min(m, n): a named tuple
    (U, S, Vh) as torch.linalg.svd's, with U (..., m, m) and Vh (..., n, n) (full_matrices=True), or U (..., m, k)
    and Vh (..., k, n) (full_matrices=False); S (..., k) descending, >= 0.

    Singular vectors are defined up to sign (up to a rotation for repeated singular values, and the columns beyond
    k up to any orthonormal basis of their space), so only functions invariant to that have a meaningful gradient
    (as in PyTorch, which computes the same gradient). With full_matrices=True the columns beyond k get no gradient
    (PyTorch's too); with repeated singular values the singular vectors' gradient is undefined (a RuntimeWarning;
    those terms are left out), and it is infinite at a zero singular value when m != n. driver: CUDA only, None."""
    A = as_value(A)
    _check_matrix("svd", A)
    _no_driver("svd", driver)
    U, S, V = _svd(A, full_matrices)
    return linalg_svd(U, S, _mT(V))


def svdvals(A, *, driver=None):
    """The singular values of A (..., m, n): shape (..., min(m, n)), descending. Their gradient U diag(S̄) Vᵀ is
    defined for repeated and zero singular values too."""
    A = as_value(A)
    _check_matrix("svdvals", A)
    _no_driver("svdvals", driver)
    return _ops.unpack_svd(_ops.svd_packed(A), A.shape[-2])[1]


def _zeros(x, shape):
    return np.zeros(x.shape[:-2] + shape, dtype=x.dtype)


def svd_old(input, some=True, compute_uv=True):  # noqa: A002  (PyTorch's argument name)
    """torch.svd: (U, S, V) with input = U diag(S) Vᵀ, a named tuple `svd`: V, not Vh as linalg.svd returns.
    some=True: the reduced decomposition, U (..., m, k) and V (..., n, k); some=False: U (..., m, m), V (..., n, n).
    compute_uv=False: only S, with U and V zero matrices (..., m, m) and (..., n, n) without gradient."""
    A = as_value(input)
    _check_matrix("svd", A)
    if not compute_uv:
        m, n = A.shape[-2:]
        return svd_result(as_value(_zeros(A, (m, m))), svdvals(A), as_value(_zeros(A, (n, n))))
    return svd_result(*_svd(A, not some))
