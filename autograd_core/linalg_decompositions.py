"""torch.linalg's decompositions and what is built on them: svd (and torch.svd), pinv, lstsq, matrix_rank, cond,
qr, matrix_exp. Their primitives (svd, qr, matrix_exp, pinv) and rules are in ops/decompositions.py; everything
here slices their packed results apart or composes them, so that gradients, forward mode, higher derivatives and
compile come for free. linalg.py re-exports these names: use them as autograd_core.linalg.svd etc.
"""

from __future__ import annotations

import collections
import numbers

import numpy as np

from .errors import ShapeError
from .linalg import _check_square, _mT, inv, matrix_norm
from .grad_fn_chain_tops import declare_top
from .grad_fn_names import chain_layout
from .one_node import outputs_of_one_node, shown_as
from .ops import decompositions as _ops
from .ops.arith import nan_to_num
from .ops.elementwise import where
from .ops.index import as_value
from .ops.nondifferentiable import without_gradient
from .ops.shape import concatenate
from .value import Value

# torch.return_types.linalg_svd, svd, linalg_lstsq and linalg_qr: named tuples.
linalg_svd = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
svd_result = collections.namedtuple("svd", ["U", "S", "V"])
linalg_lstsq = collections.namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


def _check_matrix(name, A):
    if A.ndim < 2:
        raise ShapeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")


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
    return linalg_svd(*_one_node((U, S, V.mH if A.dtype.kind == "c" else _mT(V)), A, "LinalgSvdBackward0"))


def _one_node(outputs, A, name):
    """The factors of a decomposition of A, each shown as PyTorch's one node of several outputs (`name`, over A):
    here slices of one packed result (and a transpose, a concatenation ... of them). One node each here, where
    PyTorch's are one node: U.grad_fn is S.grad_fn all the same (one GradFn), S.output_nr 1."""
    return outputs_of_one_node(tuple(shown_as(out, A, name) for out in outputs))


def svdvals(A, *, driver=None):
    """The singular values of A (..., m, n): shape (..., min(m, n)), descending. Their gradient U diag(S̄) Vᵀ is
    defined for repeated and zero singular values too."""
    A = as_value(A)
    _check_matrix("svdvals", A)
    _no_driver("svdvals", driver)
    S = shown_as(_ops.unpack_svd(_ops.svd_packed(A), A.shape[-2])[1], A, "LinalgSvdBackward0")  # PyTorch's node,
    return outputs_of_one_node((None, S, None))[1]  # whose output 1 S is (U and Vh not computed)


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
    U, S, V = _svd(A, not some)
    if A.dtype.kind != "c":  # PyTorch's V is linalg.svd's Vh transposed: a node of its own over output 2 of svd's
        U, S, Vh = _one_node((U, S, _mT(V)), A, "LinalgSvdBackward0")
        return svd_result(U, S, _mT(Vh))
    # and conjugated for complex A: nodes of their own over a LinalgSvdBackward0 shown for V alone
    return svd_result(*_one_node((U, S), A, "LinalgSvdBackward0"), shown_as(V, A, _CONJUGATE_V))


def _vh_transposed(out, A):
    """The entry of PyTorch's ConjBackward0 of torch.svd's complex V (n, k): linalg.svd's Vh, transposed."""
    full = out.shape[-1] > min(A.shape[-2:])
    return (_svd(A, full)[2].conj(),)  # (_svd's third is V = Vhᴴ: Vhᵀ is V̄)


# torch.svd's V of a complex A: ConjBackward0 of TransposeBackward0 of output 2 of LinalgSvdBackward0 (for its node
# hooks, the top's entry and operation: grad_fn_chain_tops)
_CONJUGATE_V = declare_top("ConjBackward0<TransposeBackward0<LinalgSvdBackward0", _vh_transposed,
                           lambda out, transposed: transposed.conj())


# ----------------------------------------------------------------------------------------------------
# The pseudo-inverse and least squares.


def _tolerances(name, atol, rtol):
    for label, tol in (("atol", atol), ("rtol", rtol)):
        if isinstance(tol, Value):
            tol = tol.data
        if tol is not None and np.any(np.asarray(tol) < 0):
            raise RuntimeError(f"linalg.{name}: {label} must be non-negative, got {tol}")
    return (None if atol is None else np.asarray(atol.data if isinstance(atol, Value) else atol),
            None if rtol is None else np.asarray(rtol.data if isinstance(rtol, Value) else rtol))


def _number_or_array(x):
    """A tolerance as a primitive's parameter: a float when it is one number (compile compares parameters)."""
    return None if x is None else float(x) if np.ndim(x) == 0 else x


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The Moore-Penrose pseudo-inverse A⁺ (..., n, m) of A (..., m, n), computed from the SVD (hermitian=True: from
    the eigendecomposition of symmetric A, reading its lower triangle only).

    Singular values σ <= max(atol, rtol · σ_max) count as zero. As in PyTorch: with neither given, rtol = eps · max(m,
    n); with atol > 0 alone, rtol = 0. Both may be numbers or arrays broadcasting with the batch shape (...). The
    gradient is A⁺'s derivative at a locally constant rank (PyTorch's), defined at repeated singular values too."""
    A = as_value(A)
    if A.ndim < 2:
        raise ShapeError(f"linalg.pinv: expected a tensor with 2 or more dimensions, got {A.ndim}")
    atol, rtol = _tolerances("pinv", atol, rtol)
    return _ops.pinv(A, atol=_number_or_array(atol), rtol=_number_or_array(rtol), hermitian=bool(hermitian))


def pinverse(input, rcond=1e-15):  # noqa: A002  (PyTorch's argument name)
    """torch.pinverse: linalg.pinv(input, rtol=rcond)."""
    return pinv(input, rtol=rcond)


def _singular_values(A, hermitian):
    data = A.data
    if hermitian:
        return np.sort(np.abs(np.linalg.eigvalsh(data)), axis=-1)[..., ::-1]
    return np.linalg.svd(data, compute_uv=False)


def _rank(s, a, atol, rtol):
    """The number of singular values s (..., k), descending, above max(atol, rtol · σ_max): int64 (...)."""
    s_max = s[..., 0] if s.shape[-1] else np.zeros(s.shape[:-1])
    tolerance = _ops.pinv_tolerance(a, atol, rtol, s_max)
    return np.sum(s > np.asarray(tolerance)[..., None], axis=-1).astype(np.int64)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    """The numerical rank of A (..., m, n): the number of singular values above max(atol, rtol · σ_max), int64 (...),
    without gradient. rtol's default as pinv's; tol (PyTorch's older argument) means atol=tol, rtol=0.
    hermitian=True: A is symmetric and its eigenvalues' absolute values are its singular values."""
    A = as_value(A)
    if A.ndim < 2:
        raise ShapeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    if tol is not None:
        if atol is not None or rtol is not None:
            raise TypeError("linalg.matrix_rank: give either tol or atol/rtol, not both")
        atol, rtol = tol, 0.0
    atol, rtol = _tolerances("matrix_rank", atol, rtol)
    rank = _rank(_singular_values(A, hermitian), A.data, atol, rtol)
    return as_value(rank)


_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution X of A X ≈ B: a named tuple (solution, residuals, rank, singular_values) as
    torch.linalg.lstsq's on the CPU. A (..., m, n); B (..., m, k), or (..., m) (B's dimensions one fewer than A's:
    a batch of vectors, X (..., n)).

    solution: the minimum-norm least-squares solution A⁺ B, with singular values σ <= rcond · σ_max counting as zero
    (rcond's default eps · max(m, n)); differentiable in A and B (PyTorch's gradient is A⁺'s). residuals (..., k):
    the squared residuals Σ |A X − B|² of each column (real), when m > n, every A has full rank and the driver is not
    'gelsy'; else empty (0,). rank (..., int64): for 'gelsy', 'gelsd', 'gelss', else empty. singular_values
    (..., min(m, n)): for 'gelsd' and 'gelss', else empty. driver: None means 'gelsy', PyTorch's CPU default; the
    drivers differ only in which of these they return (here all solve through the SVD)."""
    A, B = inputs = as_value(A), as_value(B)  # (PyTorch's one node over them)
    if driver is not None and driver not in _LSTSQ_DRIVERS:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of ({', '.join(_LSTSQ_DRIVERS)})")
    driver = driver or "gelsy"
    if A.ndim < 2:
        raise ShapeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if not (1 <= B.ndim and 0 <= A.ndim - B.ndim <= 1):
        raise ShapeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                         "(input.dim() - other.dim()) <= 1")
    vector = B.ndim == A.ndim - 1
    if vector:
        B = B.reshape(B.shape + (1,))
    m, n = A.shape[-2:]
    if B.shape[-2] != m:
        raise ShapeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    rtol = np.finfo(A.dtype).eps * max(m, n) if rcond is None or rcond < 0 else float(rcond)
    X = _ops.pinv(A, rtol=rtol) @ B
    s = _singular_values(A, False)
    rank = _rank(s, A.data, None, rtol)
    empty = as_value(np.zeros(0, dtype=np.zeros(0, dtype=A.dtype).real.dtype))   # real for complex A too
    residuals = empty
    if driver != "gelsy" and m > n and np.all(rank == n):
        r = A @ X - B
        residuals = ((r.abs() ** 2) if r.dtype.kind == "c" else r * r).sum(axis=-2)
    X = shown_as(X.reshape(X.shape[:-1]) if vector else X, inputs, "LinalgLstsqBackward0")
    X, residuals = outputs_of_one_node((X, shown_as(residuals, inputs, "LinalgLstsqBackward0")))
    return linalg_lstsq(X, residuals,
                        as_value(rank) if driver != "gels" else as_value(np.zeros(0, dtype=np.int64)),
                        as_value(s) if driver in ("gelsd", "gelss") else empty)


def cond(A, p=None):
    """The condition number of A (..., m, n) in the norm p: shape (...).

    p None or 2: σ_max / σ_min; -2: σ_min / σ_max (any m, n; nan for a zero matrix, as 0/0). p 'fro', 'nuc', inf,
    -inf, 1, -1: matrix_norm(A, p) · matrix_norm(A⁻¹, p), for square A only; inf (without gradient) where A is
    singular, as in PyTorch."""
    A = as_value(A)
    if A.ndim < 2:
        raise ShapeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p is None or (isinstance(p, numbers.Real) and not isinstance(p, bool) and p in (2, -2)):
        s = svdvals(A)
        # PyTorch's nodes: a squeeze of the quotient of two slices of the singular values
        return (s[..., -1:] / s[..., :1] if p == -2 else s[..., :1] / s[..., -1:]).squeeze(-1)
    if p not in ("fro", "nuc", float("inf"), float("-inf"), 1, -1):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    _check_square(f"cond(ord={p})", A)
    singular = without_gradient(_is_singular, A)
    eye = np.eye(A.shape[-1], dtype=A.dtype)
    safe = where(singular.reshape(singular.shape + (1, 1)), eye, A)    # an invertible stand-in, masked out below
    return shown_as(where(singular, np.inf, matrix_norm(safe, p) * matrix_norm(inv(safe), p)), A, _cond_chain(p))


def _cond_chain(p):
    """The name under which cond(A, p)'s last node shows PyTorch's nodes over A: nan_to_num of the product of the
    matrix norms of A and of its inverse (infinite where singular: masked_fill), or for 'nuc' the sums of the
    singular values and of their reciprocals (output 1 of LinalgSvdBackward0)."""
    name = _COND_CHAINS.get(p)
    if name is None:
        if p == "nuc":
            values = "LinalgSvdBackward0", (0,), 1
            layout = "MulBackward0", (("SumBackward1", (values,)), ("SumBackward1", (("ReciprocalBackward0",
                                                                                     (values,)),)))
        else:
            def norm(x):
                vector = "LinalgVectorNormBackward0", (x,)
                return vector if p == "fro" else ("AmaxBackward0" if p > 0 else "AminBackward0", (vector,))

            inverse = "MaskedFillBackward0", (("LinalgInvExBackward0", (0,)),)
            layout = "NanToNumBackward0", (("MulBackward0", (norm(0), norm(inverse))),)
        name = _COND_CHAINS[p] = chain_layout(layout, key=("cond", p))  # (1 and inf: one layout, other norms)
        if p == "nuc":  # (for the node hooks on the top of PyTorch's chain: grad_fn_chain_tops)
            declare_top(name, _sums_of_singular_values, lambda out, sums, reciprocals: sums * reciprocals)
        else:
            declare_top(name, lambda out, A: (_product_of_norms(A, p),), lambda out, product: nan_to_num(product))
    return name


def _sums_of_singular_values(out, A):
    """The entries of PyTorch's MulBackward0 of cond(A, 'nuc'): the sums of A's singular values and of their
    reciprocals."""
    s = svdvals(A)
    return s.sum(-1), (1 / s).sum(-1)


def _product_of_norms(A, p):
    """The entry of PyTorch's NanToNumBackward0 of cond(A, p): matrix_norm(A, p) · matrix_norm(A⁻¹, p), infinite
    where A is singular."""
    singular = without_gradient(_is_singular, A)
    safe = where(singular.reshape(singular.shape + (1, 1)), np.eye(A.shape[-1], dtype=A.dtype), A)
    return where(singular, np.inf, matrix_norm(safe, p) * matrix_norm(inv(safe), p))


_COND_CHAINS = {}


def _is_singular(a):
    """Where inv(a) would fail: LU finds an exact zero pivot, so the determinant's sign is 0."""
    return np.linalg.slogdet(a)[0] == 0


# ----------------------------------------------------------------------------------------------------
# QR.
linalg_qr = collections.namedtuple("linalg_qr", ["Q", "R"])
qr_result = collections.namedtuple("qr", ["Q", "R"])
_QR_MODES = ("reduced", "complete", "r")


def qr(A, mode="reduced"):
    """The QR decomposition A = Q R of A (..., m, n), k = min(m, n): a named tuple (Q, R) as torch.linalg.qr's.

    mode='reduced': Q (..., m, k) with orthonormal columns, R (..., k, n) upper-triangular; 'complete': Q (..., m, m)
    orthogonal, R (..., m, n); 'r': R alone (Q is an empty (0,) Value). The signs of R's diagonal are LAPACK's (as
    PyTorch's). Gradients as PyTorch's: for 'reduced' and for 'complete' with m <= n; differentiating mode='r', or
    'complete' with m > n, raises RuntimeError (the decomposition is not unique there). R's leading k columns must
    be nonsingular for the gradient."""
    A = as_value(A)
    if A.ndim < 2:
        raise ShapeError("linalg.qr: The input tensor A must have at least 2 dimensions.")
    if mode not in _QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
                           "'complete'")
    m, n = A.shape[-2:]
    Q, R = _ops.unpack_qr(_ops.qr_packed(A, mode=mode), m, n, mode)
    if mode == "r":
        # an empty Q, PyTorch's node's output 0 all the same: a backward pass through it raises, as through R
        Q = Q.reshape(-1)[:0] if Q.requires_grad else as_value(np.zeros(0, dtype=Q.dtype))
    return linalg_qr(*_one_node((Q, R), A, "LinalgQrBackward0"))


def qr_old(input, some=True):  # noqa: A002  (PyTorch's argument name)
    """torch.qr: a named tuple `qr` (Q, R), linalg.qr's with mode 'reduced' (some=True) or 'complete'."""
    return qr_result(*qr(input, "reduced" if some else "complete"))


# ----------------------------------------------------------------------------------------------------
# The matrix exponential.


def matrix_exp(A):
    """exp A = Σₖ Aᵏ / k! of square matrices A (..., n, n), same shape: scaling and squaring with a Padé approximant
    (Higham, 2005), in float64. Its gradient and forward-mode derivative are exponentials of block-triangular
    matrices (2n, 2n) (PyTorch's backward), so they are differentiable again."""
    A = as_value(A)
    _check_square("matrix_exp", A)
    if A.dtype.kind not in "fc":
        from .errors import scalar_type_name

        raise RuntimeError("linalg.matrix_exp: Expected a floating point or complex tensor as input. Got "
                           f"{scalar_type_name(A.dtype)}")
    return _ops.matrix_exp(A)
