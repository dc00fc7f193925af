"""torch.linalg on autograd_core: PyTorch's names, arguments and semantics, batched over leading dimensions.

    import autograd_core as torch
    L = torch.linalg.cholesky(A)                       # A (..., n, n) symmetric positive-definite
    x = torch.linalg.solve(A, b)                       # b (..., n) or (..., n, k)
    sign, logabsdet = torch.linalg.slogdet(A)

The differentiable primitives (cholesky, solve_triangular, inv, det, slogdet, solve) live with their VJP and JVP
rules in ops/linalg.py; everything here composes them with the ordinary operations, so gradients, forward mode,
higher derivatives and compile come for free. A singular or non-positive-definite input raises `LinAlgError`
(a RuntimeError, as torch.linalg.LinAlgError).

The decompositions are in linalg_decompositions.py (re-exported here).
"""

from __future__ import annotations

import collections
import numbers

import numpy as np

from .errors import ShapeError, cpp_name, scalar_type_name
from .ops import complex as _complex
from .ops import eig as _eig
from .ops import linalg as _ops
from .ops import norms as _norms
from .ops.index import as_value, check_dim, check_dims
from .ops.linalg import LinAlgError, floats_of_two_widths
from .ops.nondifferentiable import nondifferentiable, without_derivative, without_gradient
from .ops.elementwise import where as _where
from .ops.shape import broadcast_to, stack, swapaxes
from .ops.shape import clone as _clone
from .grad_fn_chain_tops import declare_apart
from .one_node import outputs_of_one_node, shown_as

__all__ = [
    "LinAlgError", "cholesky", "cond", "cross", "det", "eig", "eigh", "eigvals", "eigvalsh", "inv", "lstsq",
    "matrix_exp", "matrix_norm",
    "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
    "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm",
    "cholesky_ex", "diagonal", "inv_ex", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "solve_ex",
    "tensorinv", "tensorsolve", "vander", "householder_product", "ldl_factor", "ldl_factor_ex", "ldl_solve",
]

# torch.return_types.linalg_slogdet, slogdet (torch.slogdet's) and linalg_eigh: named tuples.
linalg_slogdet = collections.namedtuple("linalg_slogdet", ["sign", "logabsdet"])
slogdet_result = collections.namedtuple("slogdet", ["sign", "logabsdet"])
linalg_eigh = collections.namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_eig = collections.namedtuple("linalg_eig", ["eigenvalues", "eigenvectors"])


def _mT(x):
    return swapaxes(x, axis1=-1, axis2=-2)


def _check_square(name, A):
    if A.ndim < 2:
        raise ShapeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise ShapeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                         f"{A.shape[-2]} by {A.shape[-1]} matrices")


def inv(A):
    """The inverse of square matrices A (..., n, n), same shape. LinAlgError when a matrix is singular."""
    A = as_value(A)
    _check_square("inv", A)
    return _ops.inv(A)


def det(A):
    """The determinants of square matrices A (..., n, n): shape (...).

    The gradient (det A · A⁻ᵀ) needs A⁻¹: at a singular A it raises LinAlgError, where PyTorch falls back to an SVD."""
    A = as_value(A)
    _check_square("det", A)
    return _ops.det(A)


def _det_sign(a):
    return np.linalg.slogdet(a)[0]


def slogdet(A):
    """(sign, logabsdet) of square matrices A (..., n, n), both of shape (...): det A = sign · exp(logabsdet).

    A named tuple as torch.linalg.slogdet's. For real A, sign (±1, or 0 for a singular matrix) carries no gradient;
    logabsdet's gradient is A⁻ᵀ. For complex A, sign = det A / |det A| (0 for a singular matrix), of A's dtype and
    differentiable as PyTorch's, and logabsdet is real. Computing in logs avoids the overflow of det for large
    matrices."""
    A = as_value(A)
    _check_square("slogdet", A)
    if A.dtype.kind != "c":
        # sign: output 0 of PyTorch's node, through which no gradient flows (PyTorch ignores it for real A)
        sign = without_derivative(A, None, _det_sign, "LinalgSlogdetBackward0", None)
        return linalg_slogdet(*outputs_of_one_node((sign, _ops.logabsdet(A))))  # PyTorch's node's output 1
    sign = without_gradient(_det_sign, A)
    log_det = _ops.logabsdet(A)                     # the complex log det: log |det A| + i·arg det A
    # sign = e^{i·arg det A}: its value is LAPACK's, the gradient that of the phase (θ − θ's value is 0)
    phase = _complex.imag(log_det)
    sign = sign * (1j * (phase - without_gradient(np.asarray, phase))).exp()
    return linalg_slogdet(sign, _complex.real(log_det))


def slogdet_old(input):  # noqa: A002  (PyTorch's argument name)
    """torch.slogdet(input) and x.slogdet(): linalg.slogdet's (sign, logabsdet) of square matrices (..., n, n), both of
    shape (...), in the named tuple PyTorch's older function returns (torch.return_types.slogdet)."""
    return slogdet_result(*slogdet(input))


def logdet(A):
    """log det A of square matrices A (..., n, n): shape (...); nan where det A < 0 and -inf where det A = 0,
    as torch.logdet."""
    A = as_value(A)
    _check_square("logdet", A)
    return _ops.logdet(A)


def check_same_dtype(message, **operands):
    """PyTorch's refusal of operands of different dtypes (real and complex, float32 and float64, ...): `message` with
    {a}, {b} (the operands' names) and {a_type}, {b_type} (their scalar types) filled in."""
    (a, x), (b, y) = operands.items()
    if x.dtype != y.dtype:
        raise RuntimeError(message.format(a=a, b=b, a_type=scalar_type_name(x.dtype), b_type=scalar_type_name(y.dtype)))


_SAME_DTYPE = ("{name}: Expected {{a}} and {{b}} to have the same dtype, but found {{a}} of type {{a_type}} and "
               "{{b}} of type {{b_type}} instead")


def _is_vector_rhs(A, B):
    # PyTorch's rule: B is a batch of vectors when it is 1-D, or when its shape is A's without the last dimension.
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])


def solve(A, B, *, left=True):
    """X with A X = B (left=True) or X A = B (left=False), for square A (..., n, n).

    B: (..., n, k), or a batch of vectors (..., n) (1-D, or A's shape without its last dimension) giving X (..., n).
    Batch dimensions broadcast. LinAlgError when A is singular."""
    A, B = as_value(A), as_value(B)
    _check_square("solve", A)
    check_same_dtype(_SAME_DTYPE.format(name="linalg.solve"), A=A, B=B)
    vector = _is_vector_rhs(A, B)
    if vector:
        B = B.reshape(B.shape + (1,)) if left else B.reshape(B.shape[:-1] + (1, B.shape[-1]))
    if B.ndim < 2 or B.shape[-2 if left else -1] != A.shape[-1]:
        raise ShapeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                         f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and "
                         f"{'x'.join(map(str, B.shape[-2:]))})")
    X = _ops.solve(A, B) if left else _mT(_ops.solve(_mT(A), _mT(B)))
    if vector:
        X = X.reshape(X.shape[:-1]) if left else X.reshape(X.shape[:-2] + (X.shape[-1],))
    return X


def cholesky(A, *, upper=False):
    """The Cholesky factor of symmetric (Hermitian) positive-definite A (..., n, n): lower-triangular L with
    A = L Lᴴ, or (upper=True) U = Lᴴ with A = Uᴴ U. Only A's lower triangle is read. LinAlgError when A is not
    positive-definite."""
    A = as_value(A)
    _check_square("cholesky", A)
    L = _ops.cholesky(A)
    if not upper:
        return L
    # PyTorch's upper factor is its kernel's: one node over A
    return shown_as(_complex.conj(_mT(L)) if A.dtype.kind == "c" else _mT(L), A, "LinalgCholeskyExBackward0")


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """X with A X = B (left=True) or X A = B (left=False), A (..., n, n) triangular, B (..., n, k) (left) or
    (..., k, n) (right); batch dimensions broadcast.

    upper (required, as in PyTorch): A is upper-triangular; only that triangle is read (the other is ignored
    and gets no gradient). unitriangular: A's diagonal is taken to be all ones (and is not read)."""
    A, B = as_value(A), as_value(B)
    _check_square("solve_triangular", A)
    inputs = (A, B)  # PyTorch's one node over them
    if B.ndim < 2:
        raise ShapeError(f"linalg.solve_triangular: The input tensor B must have at least 2 dimensions, "
                         f"got {B.ndim}")
    if B.shape[-2 if left else -1] != A.shape[-1]:
        raise ShapeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                         f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and "
                         f"{'x'.join(map(str, B.shape[-2:]))})")
    if unitriangular:
        n = A.shape[-1]
        A = A * (1.0 - np.eye(n, dtype=A.dtype)) + np.eye(n, dtype=A.dtype)
    if left:
        X = shown_as(_ops.solve_triangular(A, B, upper=upper), inputs, "LinalgSolveTriangularBackward0")
    else:
        X = _mT(_ops.solve_triangular(_mT(A), _mT(B), upper=not upper))    # X A = B  ⟺  Aᵀ Xᵀ = Bᵀ
        X = shown_as(X, inputs, "LinalgSolveTriangularBackward0")
    if inputs[0] is not inputs[1]:
        return X
    # (one Value as both: its uses, which are which input's, for node hooks)
    return declare_apart(X, lambda a, b: solve_triangular(a, b, upper=upper, left=left, unitriangular=unitriangular))


# ----------------------------------------------------------------------------------------------------
# Norms.


def _as_dtype(x, dtype):
    return x if dtype is None else x.to(dtype)


def _dims(dim, ndim):
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    return tuple(d % ndim if ndim else d for d in dims)


def _vector_dims(dim, ndim):
    """vector_norm's dims as non-negative axes: None, (), or [] every dimension (PyTorch's); each in range, none
    twice (PyTorch's IndexError and RuntimeError)."""
    if dim is None or not isinstance(dim, numbers.Integral) and len(dim) == 0:
        return tuple(range(ndim))
    return check_dims((dim,) if isinstance(dim, numbers.Integral) else dim, ndim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002  (PyTorch's argument name)
    """The vector ord-norm of x over `dim` (an int, a tuple, or None, () or []: all elements as one vector).

    ord: 2 (sqrt Σ x²), 1 (Σ |x|), inf (max |x|), -inf (min |x|), 0 (the number of nonzero elements, no gradient),
    other p (Σ |x|^p)^(1/p). The result has x's shape without `dim` (kept as size 1 with keepdim=True).
    dtype: x is converted to it first (PyTorch's)."""
    x = _as_dtype(as_value(x), dtype)
    if x.dtype.kind == "c":
        x = x.abs()  # a complex vector's norm is its moduli's (real; the gradient flows through abs)
    if not isinstance(ord, numbers.Real):
        raise RuntimeError(f"linalg.vector_norm: Expected a numerical ord (got {ord!r}); use matrix_norm for 'fro'")
    dims = _vector_dims(dim, x.ndim)
    if ord == 2:  # one node, LinalgVectorNormBackward0 (its gradient 0 at a norm of zeros)
        return _norms.vector_norm2(x, axis=dims, keepdims=keepdim)
    if ord == 0:  # PyTorch's node whose gradient is undefined: x.grad stays None (an inf or NaN counts as nonzero)
        return _COUNT_NONZERO(x, fn=_count_nonzero, axis=dims, keepdims=keepdim) if x.requires_grad else \
            without_gradient(_count_nonzero, x, axis=dims, keepdims=keepdim)
    # other ords are compositions here, shown as PyTorch's one node over x
    return shown_as(_vector_norm(x, ord, dims, keepdim), x, "LinalgVectorNormBackward0")


def _count_nonzero(x, axis, keepdims):
    """The number of nonzero elements of array x over `axis`, in x's dtype (vector_norm's ord=0)."""
    return np.asarray(np.count_nonzero(x, axis=axis, keepdims=keepdims)).astype(x.dtype)


# A node that sends no gradient to x, named as PyTorch's: x.grad stays None, autograd.grad calls x unused
_COUNT_NONZERO = nondifferentiable.named("LinalgVectorNormBackward0")


def _vector_norm(x, ord, dims, keepdim):  # noqa: A002
    if ord == 1:
        return x.abs().sum(axis=dims, keepdims=keepdim)
    if ord == float("inf"):
        return x.abs().amax(dims, keepdim)
    if ord == float("-inf"):
        return x.abs().amin(dims, keepdim)
    if ord < 0:  # a zero element makes the sum infinite and the norm 0: a zero gradient there, as PyTorch's
        zero = x.data == 0
        if not np.any(zero):
            return (x.abs() ** ord).sum(axis=dims, keepdims=keepdim) ** (1.0 / ord)
        safe = _where(zero, 1.0, x.abs())  # no infinity is formed, at any order of derivative
        norm = (safe ** ord).sum(axis=dims, keepdims=keepdim) ** (1.0 / ord)
        return _where(np.any(zero, axis=dims, keepdims=keepdim), 0.0, norm)
    if ord < 1:  # |x|^p has an infinite derivative at x = 0 for p < 1: PyTorch's gradient is 0 there, not 0·∞ = NaN
        zero = x.data == 0
        if np.any(zero):
            powers = _where(zero, 0.0, _where(zero, 1.0, x.abs()) ** ord)
            # ... more exactly 0 times the root's derivative, as PyTorch computes it: NaN where the norm is inf or NaN
            at_zeros = _where(zero, x, 0.0) * 0.0
            return _root(powers + at_zeros, 1.0 / ord, dims, keepdim)
    return _root(x.abs() ** ord, 1.0 / ord, dims, keepdim)


def _root(powers, exponent, dims, keepdim):
    """(Σ powers)^exponent over `dims`, with a zero gradient where the sum is 0, as PyTorch's norms: there the root's
    derivative is infinite and the powers' is 0, whose product would be NaN. The sum is replaced by 1 before the
    root where it is 0 (so no infinity is ever formed, at any order of derivative), and the result set to 0 there."""
    total = powers.sum(axis=dims, keepdims=keepdim)
    zero = total.data == 0
    if not np.any(zero):
        return total ** exponent
    return _where(zero, 0.0, _where(zero, 1.0, total) ** exponent)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002  (PyTorch's name)
    """The matrix norm of A over the two dimensions `dim` (the last two by default).

    ord: 'fro' (sqrt Σ a²), 1 / -1 (max / min over columns of the column sums of |a|), inf / -inf (max / min over
    rows of the row sums of |a|), 'nuc' (Σ σ), 2 / -2 (the largest / smallest singular value σ, see svdvals).
    dtype: A is converted to it first (PyTorch's)."""
    A = _as_dtype(as_value(A), dtype)
    if A.ndim < 2:
        raise ShapeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions, got {A.ndim}")
    rows, cols = _dims(dim, A.ndim)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({rows}, {cols})")
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        # Move (rows, cols) last, in that order: svdvals works on the last two dimensions.
        rest = [d for d in range(A.ndim) if d not in (rows, cols)]
        sigma = svdvals(A.permute(*rest, rows, cols))
        if ord == "nuc":
            out = sigma.sum(axis=-1)
        else:  # the largest (smallest) σ: PyTorch's amax (amin) of them
            out = shown_as(sigma[..., 0 if ord == 2 else -1], sigma, "AmaxBackward0" if ord == 2 else "AminBackward0")
        return out.reshape(out.shape + (1, 1)).permute(*np.argsort(rest + [rows, cols])) if keepdim else out
    if ord in (1, -1):          # sum |a| down each column, then the largest (smallest) column
        summed, picked = rows, cols
    elif ord in (float("inf"), float("-inf")):
        summed, picked = cols, rows
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord!r} not supported.")
    # PyTorch's max (min) of vector_norm(A, 1, summed): its nodes AmaxBackward0 over LinalgVectorNormBackward0
    # (keepdim as PyTorch's: the vector norm's shape is its node's, which its hooks see)
    sums = shown_as(A.abs().sum(axis=summed, keepdims=keepdim), A, "LinalgVectorNormBackward0")
    if not keepdim and summed < picked:
        picked -= 1
    return sums.amax(picked, keepdim) if ord > 0 else sums.amin(picked, keepdim)


def norm(input, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002  (PyTorch's argument names)
    """torch.linalg.norm: a vector norm (dim an int or 1-tuple; or dim=None and ord=None: all elements, 2-norm;
    or dim=None and a 1-D input) or a matrix norm (dim a 2-tuple; or dim=None and a 2-D input); dtype: input is
    converted to it first."""
    A = _as_dtype(as_value(input), dtype)
    if dim is not None:
        dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim)
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim)
    raise ShapeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                     f"Got {A.ndim}D.")


# ----------------------------------------------------------------------------------------------------
# Products.


def matrix_power(A, n):
    """A to the integer power n, for square A (..., n, n): by repeated squaring for n > 0, the identity for n = 0
    (with a zero gradient), and inv(A) to the power -n for n < 0. The products are PyTorch's, in its order (A² A for
    n = 3), and n = 1 is a copy of A (CloneBackward0), as there."""
    A = as_value(A)
    _check_square("matrix_power", A)
    if not isinstance(n, numbers.Integral):
        raise TypeError(f"linalg.matrix_power: n must be an integer, got {type(n).__name__}")
    if n == 1:
        return _clone(A)
    if n < 0:
        A, n = _ops.inv(A), -n
    if n == 3:
        return (A @ A) @ A
    if n == 0:  # the identity even where A holds inf or nan (A·0 would be nan there), as PyTorch's; zero gradient
        return _where(np.zeros(A.shape, bool), A, np.eye(A.shape[-1], dtype=A.dtype))
    result, square = None, A
    while True:
        if n & 1:
            result = square if result is None else result @ square
        n >>= 1
        if not n:
            return result
        square = square @ square


def multi_dot(tensors):
    """The product of a chain of matrices: the first may be a vector (1, n) and the last a vector (n,) (their
    dimension is then dropped, as in torch.linalg.multi_dot); the others are 2-D. Multiplied in the order of fewest
    operations PyTorch chooses (its nodes: the vectors unsqueezed, products, a view of the result)."""
    tensors = [as_value(t) for t in tensors]
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t.ndim not in allowed:
            raise ShapeError(f"multi_dot(): tensor {i} must be {' or '.join(f'{d}D' for d in allowed)} "
                             f"but got {t.ndim}D")
    first = tensors[0].dtype
    for i, t in enumerate(tensors):
        if t.dtype != first and floats_of_two_widths(tensors[0], t):
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{cpp_name(first)} and tensor {i} {cpp_name(t.dtype)}")
    out_shape = tensors[0].shape[:-1] + tensors[-1].shape[1:]
    matrices = list(tensors)
    if matrices[0].ndim == 1:
        matrices[0] = matrices[0].unsqueeze(0)
    if matrices[-1].ndim == 1:
        matrices[-1] = matrices[-1].unsqueeze(-1)
    return _chain_product(matrices).reshape(out_shape)


def _chain_product(matrices):
    """The product of 2-D matrices in PyTorch's order: for three, (AB)C unless A(BC) costs fewer multiplications;
    for more, the order of least cost (the textbook dynamic programme, the first split on a tie)."""
    n = len(matrices)
    if n == 2:
        return matrices[0] @ matrices[1]
    if n == 3:
        a, b = matrices[0].shape
        c, d = matrices[2].shape
        if a * c * (b + d) > b * d * (a + c):
            return matrices[0] @ (matrices[1] @ matrices[2])
        return (matrices[0] @ matrices[1]) @ matrices[2]
    dims = [m.shape[0] for m in matrices] + [matrices[-1].shape[1]]
    cost, split = {}, {}
    for i in range(n):
        cost[i, i] = 0
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i, j] = None
            for k in range(i, j):
                q = cost[i, k] + cost[k + 1, j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i, j] is None or q < cost[i, j]:
                    cost[i, j], split[i, j] = q, k

    def product(i, j):
        if i == j:
            return matrices[i]
        k = split[i, j]
        return product(i, k) @ product(k + 1, j)

    return product(0, n - 1)


def vecdot(x, y, *, dim=-1):
    """Σ conj(x) · y along `dim`, broadcasting x and y (x is conjugated when complex, as in PyTorch)."""
    x, y = as_value(x), as_value(y)
    check_same_dtype(_SAME_DTYPE.format(name="linalg.vecdot"), x=x, y=y)
    if x.dtype.kind == "c":
        x = _complex.conj(x)
    return (x * y).sum(axis=dim)


def cross(input, other, *, dim=-1):  # noqa: A002  (PyTorch's argument name)
    """The cross product of 3-vectors along `dim` (which must have size 3 in both); input and other have the same
    number of dimensions, and the others broadcast."""
    x, y = inputs = as_value(input), as_value(other)  # (PyTorch's one node over them)
    check_same_dtype("expected scalar type {a_type} but found {b_type}", input=x, other=y)
    if x.ndim == 0 and y.ndim == 0:
        check_dim(dim, 0, wrap_scalar=False)  # (PyTorch's IndexError: a 0-d input has no dimension of 3)
    if x.ndim != y.ndim:
        raise ShapeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = np.broadcast_shapes(x.shape, y.shape)
    if not shape or shape[dim] != 3 or x.shape[dim] != 3 or y.shape[dim] != 3:
        raise ShapeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {x.shape[dim:][:1]} "
                         f"and {y.shape[dim:][:1]}")
    x = swapaxes(broadcast_to(x, shape=shape), axis1=dim, axis2=-1)
    y = swapaxes(broadcast_to(y, shape=shape), axis1=dim, axis2=-1)
    a = [x[..., i] for i in range(3)]
    b = [y[..., i] for i in range(3)]
    out = stack([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], axis=-1)
    out = shown_as(swapaxes(out, axis1=dim, axis2=-1), (inputs[0], inputs[1]), "LinalgCrossBackward0")
    # (a Value as both: its uses, which are which input's, for node hooks)
    return out if inputs[0] is not inputs[1] else declare_apart(out, lambda a, b: cross(a, b, dim=dim))


# ----------------------------------------------------------------------------------------------------
# Eigenvalues.


def eigh(A, UPLO="L"):  # noqa: N803  (PyTorch's argument name)
    """(eigenvalues, eigenvectors) of symmetric (complex: Hermitian) A (..., n, n), a named tuple: eigenvalues (..., n)
    real, ascending, and eigenvectors (..., n, n) as orthonormal columns, A = V diag(w) Vᴴ. Only the UPLO ('L' or
    'U') triangle is read.

    The eigenvectors are defined up to sign (complex: a phase e^{iφ}), so only functions invariant to it have a
    meaningful gradient (a complex loss that depends on the phases raises PyTorch's RuntimeError); with repeated
    eigenvalues their gradient is undefined (a RuntimeWarning; those terms are left out)."""
    A = as_value(A)
    _check_square("eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    packed = _ops.eigh_packed(A, UPLO=UPLO)
    eigenvalues = packed[..., 0, :]
    # each shown as PyTorch's one node of two outputs (linalg_decompositions._one_node)
    return linalg_eigh(*outputs_of_one_node((
        shown_as(eigenvalues.real if A.dtype.kind == "c" else eigenvalues, A, "LinalgEighBackward0"),
        shown_as(packed[..., 1:, :], A, "LinalgEighBackward0"))))


def eigvalsh(A, UPLO="L"):  # noqa: N803  (PyTorch's argument name)
    """The eigenvalues (..., n), real and ascending, of symmetric (Hermitian) A (..., n, n); only the UPLO triangle is
    read. Their gradient is V diag(w̄) Vᴴ, defined for repeated eigenvalues too."""
    return eigh(A, UPLO).eigenvalues


def _check_eig_input(name, A):
    _check_square(name, A)
    if A.dtype.kind not in "fc":  # PyTorch's words, from looking up the complex dtype of the result
        raise RuntimeError(f"Unknown Complex ScalarType for {scalar_type_name(A.dtype)}")
    if A.dtype == np.float16:
        raise NotImplementedError(f'"linalg_eig_out_cpu" not implemented for \'{scalar_type_name(A.dtype)}\'')


def eig(A):
    """(eigenvalues, eigenvectors) of square A (..., n, n), a named tuple as torch.linalg.eig's: A V = V diag(L), with
    eigenvalues (..., n) and eigenvectors (..., n, n) as columns of norm 1, both complex (complex64 for float32 or
    complex64 A, complex128 for float64 or complex128), for real A too. The eigenvalues come in LAPACK's order.

    Each eigenvector is defined up to a phase e^{iφ}: a loss that depends on it raises PyTorch's RuntimeError in
    the backward pass. Repeated eigenvalues make the eigenvectors' gradient infinite, as PyTorch's. A real A's
    gradient is real."""
    A = as_value(A)
    _check_eig_input("eig", A)
    packed = _eig.eig_packed(A)
    return linalg_eig(*outputs_of_one_node((shown_as(packed[..., 0, :], A, "LinalgEigBackward0"),  # PyTorch's one
                                            shown_as(packed[..., 1:, :], A, "LinalgEigBackward0"))))  # node


def eigvals(A):
    """The eigenvalues (..., n) of square A (..., n, n), complex for real A too (see eig), in LAPACK's order. Their
    gradient V⁻ᴴ diag(L̄) Vᴴ needs V invertible (A diagonalizable)."""
    A = as_value(A)
    _check_eig_input("eigvals", A)
    # PyTorch's node is eig's, of two outputs: the eigenvectors an output without a gradient (its hooks get None)
    return outputs_of_one_node((shown_as(_eig.eig_packed(A)[..., 0, :], A, "LinalgEigBackward0"), None))[0]


# The decompositions (svd, pinv, lstsq, qr, matrix_exp, ...) and svdvals, in linalg_decompositions.py: imported last,
# since they compose the functions above.
from .linalg_decompositions import (  # noqa: E402, F401  (the named tuples' types too)
    cond, linalg_lstsq, linalg_qr, linalg_svd, lstsq, matrix_exp, matrix_rank, pinv, qr, svd, svdvals,
)
from .linalg_solvers import (  # noqa: E402, F401  (the named tuples' types too)
    cholesky_ex, diagonal, inv_ex, linalg_cholesky_ex, linalg_inv_ex, linalg_lu, linalg_lu_factor,
    linalg_lu_factor_ex, linalg_solve_ex, lu, lu_factor, lu_factor_ex, lu_solve, matmul, solve_ex, tensorinv,
    tensorsolve, vander,
)
from .linalg_householder import householder_product  # noqa: E402, F401  (QR in Householder form: geqrf, ormqr)
from .linalg_ldl import (  # noqa: E402, F401  (LDLᵀ with Bunch–Kaufman pivoting; the named tuples' types too)
    ldl_factor, ldl_factor_ex, ldl_solve, linalg_ldl_factor, linalg_ldl_factor_ex,
)
