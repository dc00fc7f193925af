"""Matrix products, with NumPy's rules for 1-D operands and broadcast batch dimensions, and the matrix
primitives of torch.linalg (cholesky, solve_triangular, inv, det, slogdet, solve), each beside its derivative.

The matrix primitives work on the last two dimensions and broadcast the leading (batch) ones as NumPy does.
Their rules are written with matmul, swapaxes, triangle masks and the primitives themselves, so they run on
arrays and on Values (higher derivatives) alike.

**Complex matrices** (ops/complex.py's convention: a backward pass carries G = 2∂L/∂Z). The holomorphic primitives
(matmul, solve_triangular, inv, det, solve, log det; matrix_exp, lu_factor in their modules) keep their real rules
unchanged: G_A = G·f'(A), with transposes, not conjugate transposes. The others (cholesky, eigh here; svd, qr, pinv,
ops/decompositions.py; eig in ops/eig.py) depend on conj(A) through A = L Lᴴ, VᴴV = I, ...: their rules are
PyTorch's formulas with conjugate transposes (`_mH`), written in PyTorch's convention (gradient ∂L/∂Re + i·∂L/∂Im =
conj(G)) and converted at their edges by `in_pytorch_convention`. On real data both are the real rules, to the bit.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import ShapeError, cpp_name, not_broadcastable, scalar_type_name
from ..one_node import outputs_of_one_node, shown_as
from ..value import Value
from .nondifferentiable import without_gradient
from .primitive import primitive
from .shape import swapaxes


class LinAlgError(RuntimeError):
    """A matrix that cannot be factorised or inverted (singular, not positive-definite): PyTorch's
    torch.linalg.LinAlgError, a RuntimeError. NumPy's own LinAlgError (a ValueError) never escapes."""


@primitive("matmul")
def matmul(a, b):
    """a @ b. a: (..., n, k) or (k,); b: (..., k, m) or (k,); batch dimensions broadcast. Tensors of two dtypes
    (float32 with float64, an integer matrix with a float one) are PyTorch's RuntimeError (`refuse_mixed_dtypes`),
    not promoted; a real one with a complex one promotes (ours)."""
    if a.dtype is not b.dtype:  # two Values that both need a gradient reach here unpromoted (recording.apply_binary)
        refuse_mixed_dtypes(a, b)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise ValueError(
            f"shapes {np.shape(a)} and {np.shape(b)}: matmul needs at least 1-D operands; use * for scalars"
        )
    k_a = np.shape(a)[-1]
    k_b = np.shape(b)[0] if np.ndim(b) == 1 else np.shape(b)[-2]
    if k_a != k_b:
        raise ValueError(_not_chained(np.shape(a), np.shape(b)))
    try:
        return np.matmul(a, b)
    except ValueError:  # the batch dimensions (the error's path only: a try costs nothing)
        raise ShapeError(_batches_not_broadcastable(np.shape(a), np.shape(b))) from None


def not_multipliable(a_shape, b_shape):
    """PyTorch's words for rows of a (a's leading dims folded, as PyTorch's matmul and linear fold them; a vector is
    one row) that do not chain with the matrix b, the message users search for: 'mat1 and mat2 shapes cannot be
    multiplied (4x5 and 3x2)'."""
    a_shape = tuple(a_shape)
    k = a_shape[-1] if a_shape else 1
    rows = int(np.prod(a_shape[:-1])) if len(a_shape) > 1 else 1
    return f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and {b_shape[0]}x{b_shape[1]})"


def _not_chained(a_shape, b_shape):
    """Why a @ b fails: PyTorch's words first (those of the kernel its matmul picks: mm's `not_multipliable` for a
    matrix b, dot's for two vectors, mv's for a vector b, bmm's for a batch b), then ours."""
    inner = b_shape[0 if len(b_shape) == 1 else -2]
    where = f"shapes {a_shape} and {b_shape} are not aligned ({a_shape[-1]} != {inner})"
    if len(b_shape) == 2:
        return f"{not_multipliable(a_shape, b_shape)}: {where}"
    if len(a_shape) == 1 and len(b_shape) == 1:
        words = (f"inconsistent tensor size, expected tensor [{a_shape[0]}] and src [{b_shape[0]}] to have the same "
                 f"number of elements, but got {a_shape[0]} and {b_shape[0]} elements respectively")
    elif len(b_shape) == 1:
        rows = int(np.prod(a_shape[:-1]))
        words = f"size mismatch, got input ({rows}), mat ({rows}x{a_shape[-1]}), vec ({b_shape[0]})"
    else:
        try:
            batch = int(np.prod(np.broadcast_shapes(a_shape[:-2], b_shape[:-2])))
        except ValueError:
            return where
        words = (f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {a_shape[-1]}] but got: "
                 f"[{batch}, {inner}].")
    return f"{words} ({where})"


def _batches_not_broadcastable(a_shape, b_shape):
    """Why a @ b fails when the inner sizes chain but the batch dimensions do not broadcast: PyTorch's words (the
    batch dimensions numbered as its broadcast of them), then ours."""
    words = not_broadcastable(a_shape[:-2], b_shape[:-2])
    where = f"matmul: the batch dimensions of shapes {a_shape} and {b_shape} cannot be broadcast together"
    return f"{words} ({where})" if words else where


def _matmul_vjp_a(g, out, a, b):
    if b.ndim == 1:                  # (..., k) @ (k,) -> (...): d/da = g ⊗ b
        return g.reshape(g.shape + (1,)) * b
    if a.ndim == 1:                  # (k,) @ (..., k, m) -> (..., m): d/da = Σ_batch b · g
        return (g.reshape(g.shape[:-1] + (1, g.shape[-1])) @ b.swapaxes(-1, -2)).reshape(g.shape[:-1] + (a.shape[0],))
    return g @ b.swapaxes(-1, -2)    # d/dA = g · Bᵀ (the engine sums any broadcast batch axes)


def _matmul_vjp_b(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:  # a dot product: d/db = g·a
        return g * a
    if a.ndim == 1:                  # (k,) @ (..., k, m): d/db = a ⊗ g
        return a.reshape((a.shape[0], 1)) * g.reshape(g.shape[:-1] + (1, g.shape[-1]))
    if b.ndim == 1:                  # (..., n, k) @ (k,): d/db = Σ aᵀ g
        return (a.swapaxes(-1, -2) @ g.reshape(g.shape + (1,))).reshape(g.shape[:-1] + (b.shape[0],))
    return a.swapaxes(-1, -2) @ g    # d/dB = Aᵀ · g


matmul.defvjp(_matmul_vjp_a, _matmul_vjp_b, formulas=("g·Bᵀ", "Aᵀ·g"))
matmul.defjvp(lambda t, out, a, b: matmul(t, b), lambda t, out, a, b: matmul(a, t))   # d(AB) = dA·B + A·dB
matmul.promotes = True  # an integer matrix times a float32 one is float32 (see recording._promoted)


def floats_of_two_widths(*tensors):
    """Whether the tensors among the arguments (Values; numbers and arrays are not looked at) are floats of more than
    one width (float32 with float64 or float16): the mixes PyTorch's products refuse. Integer and complex operands
    promote here (ours; PyTorch refuses those too)."""
    dtypes = {t.data.dtype for t in tensors if isinstance(t, Value)}
    return len(dtypes) > 1 and all(d.kind == "f" for d in dtypes)


def _folds_into_rows(a):
    """Whether the leading axes of `a` (..., n, k) merge into one of rows without a copy (PyTorch's matmul then
    computes a batch times a matrix as one mm)."""
    return all(a.strides[i] == a.strides[i + 1] * a.shape[i + 1] for i in range(a.ndim - 2))


def refuse_mixed_dtypes(a, b):
    """Raise PyTorch's RuntimeError for a product of arrays of two dtypes (float32 @ float64, int64 @ float32, int32 @
    int64), in the words of the kernel its matmul picks by the operands' dimensions: mm (a matrix or vector times a
    matrix, or a batch of them whose leading axes fold into rows without a copy), mv (a matrix times a vector; its
    result's dtype, the vector's, is named first), dot (two vectors), bmm (any other batch). A real operand with a
    complex one is left to promotion (ours, PyTorch refuses it: our own compositions multiply complex data by real
    constant matrices). An integer or bool operand gets our hint after PyTorch's words."""
    da, db = a.dtype, b.dtype
    if da == db or da.kind == "c" or db.kind == "c":
        return
    hint = "" if da.kind == db.kind == "f" else (" (matmul does not promote: convert the integer operand first, "
                                                 "e.g. x.float() @ w)")
    if b.ndim >= 3 or a.ndim >= 3 and not _folds_into_rows(a):
        raise RuntimeError(f"expected scalar type {scalar_type_name(da)} but found {scalar_type_name(db)}{hint}")
    if b.ndim == 2:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {cpp_name(da)} != "
                           f"{cpp_name(db)}{hint}")
    if a.ndim >= 2:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {scalar_type_name(db)}, "
                           f"{scalar_type_name(da)}, and {scalar_type_name(db)}{hint}")
    raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {scalar_type_name(da)} and "
                       f"{scalar_type_name(db)}{hint}")


matmul.check_operand_dtypes = refuse_mixed_dtypes


# ----------------------------------------------------------------------------------------------------
# PyTorch's other products, compositions of matmul and *: their shape checks are PyTorch's.


def _values(*xs):
    from .index import as_value

    return [as_value(x) for x in xs]


def outer(input, vec2):
    """The outer product of two vectors: out[i, j] = input[i] · vec2[j], shape (n, m)."""
    x, y = _values(input, vec2)
    if x.ndim != 1 or y.ndim != 1:
        raise ShapeError(f"outer: expected 1-D tensors, got {x.ndim}-D and {y.ndim}-D")
    return x.reshape(-1, 1) * y.reshape(1, -1)


def dot(input, tensor):
    """The inner product Σ input[i] · tensor[i] of two vectors of the same length (a 0-d Value)."""
    x, y = _values(input, tensor)
    if x.ndim != 1 or y.ndim != 1:
        raise ShapeError(f"1D tensors expected, but got {x.ndim}D and {y.ndim}D tensors (dot takes two vectors; for "
                         "matrices, matmul or @)")
    if x.shape != y.shape:
        raise ShapeError(f"inconsistent tensor size, expected tensor [{x.shape[0]}] and src [{y.shape[0]}] to have the "
                         f"same number of elements, but got {x.shape[0]} and {y.shape[0]} elements respectively")
    return matmul(x, y)


def bmm(input, mat2):
    """Batched matrix product: (b, n, k) @ (b, k, m) -> (b, n, m), without broadcasting (as torch.bmm)."""
    x, y = _values(input, mat2)
    if x.ndim != 3 or y.ndim != 3:
        raise ShapeError(f"bmm: batch1 and batch2 must be 3D tensors, got {x.ndim}D and {y.ndim}D")
    if x.shape[0] != y.shape[0] or x.shape[2] != y.shape[1]:
        raise ShapeError(f"bmm: expected shapes (b, n, k) and (b, k, m), got {x.shape} and {y.shape}")
    return matmul.named("BmmBackward0")(x, y)  # one node, as PyTorch's (its matmul's is a chain: grad_fn.py)


_SPARSE_LAYOUTS = ("sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta · input + alpha · (mat1 @ mat2), for matrices mat1 (n, k) and mat2 (k, m); input broadcasts to (n, m).
    With beta = 0, input is ignored (NaN in it does not propagate), as in PyTorch."""
    x, a, b = _values(input, mat1, mat2)
    if a.ndim != 2 or b.ndim != 2:
        raise ShapeError(f"addmm: mat1 and mat2 must be matrices, got {a.ndim}-D and {b.ndim}-D")
    if floats_of_two_widths(input, mat1, mat2):
        refuse_mixed_addmm(x.dtype, a.dtype, b.dtype)
    # a sparse mat1 (COO: sparse_tensor.py; CSR, CSC: compressed_tensor.py) computes its own product, as torch.mm's
    product = a @ b if a.layout.name in _SPARSE_LAYOUTS else matmul(a, b)
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # PyTorch's beta = 0: input is not read (though its shape must broadcast)
        np.broadcast_shapes(x.shape, product.shape)
        return shown_as(product, (None, a, b), "AddmmBackward0")  # (input is not below: listed None)
    return shown_as(product + (x if beta == 1 else x * beta), (x, a, b), "AddmmBackward0")  # PyTorch's one node


def refuse_mixed_addmm(x, a, b):
    """addmm's (and addbmm's, and nn's linear with a bias) words for floats of two widths (`floats_of_two_widths`),
    given the dtypes of input x, mat1 a and mat2 b: input against mat2 first, then mat1."""
    if x != b:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {scalar_type_name(x)} and "
                           f"{scalar_type_name(b)}")
    if a != b:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {scalar_type_name(a)} and "
                           f"{scalar_type_name(b)}")


# ----------------------------------------------------------------------------------------------------
# torch.linalg's primitives. Each forward turns NumPy's LinAlgError into ours, with PyTorch's wording.


def _mT(x):
    """The matrix transpose of the last two dimensions (x.mT)."""
    return swapaxes(x, axis1=-1, axis2=-2)


def _is_complex(x):
    return np.dtype(x.dtype).kind == "c"


def _mH(x):
    """The conjugate transpose of the last two dimensions (x.mH): the transpose of real x."""
    if not _is_complex(x):
        return _mT(x)
    from .complex import conj  # (ops/complex.py is loaded after this module: it marks matmul complex-ready)

    return conj(_mT(x))


def in_pytorch_convention(rule):
    """A VJP rule written in PyTorch's convention (it receives and returns gradients ∂L/∂Re + i·∂L/∂Im, the
    conjugates of the G a backward pass carries, see ops/complex.py) as a rule in ours: conj(rule(conj(g))). On real
    data the rule itself, unchanged."""

    def rule_in_our_convention(g, out, *xs, **params):
        if not _is_complex(out):
            return rule(g, out, *xs, **params)
        from .complex import conj

        return conj(rule(conj(g), out, *xs, **params))

    rule_in_our_convention.__name__ = rule.__name__
    rule_in_our_convention.__doc__ = rule.__doc__
    return rule_in_our_convention


def _triangle_mask(n, dtype, upper, strict=False):
    """1 on the kept triangle (with the diagonal unless strict), 0 elsewhere."""
    lower = np.tri(n, k=-1 if strict else 0, dtype=dtype)
    return lower.T.copy() if upper else lower


def _square(name, a):
    if np.ndim(a) < 2 or np.shape(a)[-1] != np.shape(a)[-2]:
        raise ShapeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                         f"{' by '.join(str(n) for n in np.shape(a)[-2:]) or 'not matrices'}")


def _batch_scalar(x):
    """x (...) as (..., 1, 1), to scale a batch of matrices."""
    return x.reshape(x.shape + (1, 1))


def _singular(name, err):
    return LinAlgError(f"linalg.{name}: The input matrix is singular, so its inverse or a solution does not "
                       f"exist ({err})")


@primitive("solve_triangular")
def solve_triangular(a, b, upper=False):
    """X with A X = B, A triangular (only its lower triangle, or upper, is read): a (..., n, n), b (..., n, k)."""
    a = np.asarray(a)
    _square("solve_triangular", a)
    mask = _triangle_mask(a.shape[-1], a.dtype, upper)
    try:
        return np.linalg.solve(a * mask, b)
    except np.linalg.LinAlgError as err:
        raise _singular("solve_triangular", err) from None


def _solve_triangular_vjp_a(g, out, a, b, upper=False):
    # X = A⁻¹B: dX = −A⁻¹ dA X, so Ā = −A⁻ᵀ g Xᵀ, restricted to the triangle that was read.
    gb = solve_triangular(_mT(a), g, upper=not upper)
    return -(gb @ _mT(out)) * _triangle_mask(a.shape[-1], gb.dtype, upper)


def _solve_triangular_vjp_b(g, out, a, b, upper=False):
    return solve_triangular(_mT(a), g, upper=not upper)          # B̄ = A⁻ᵀ g


solve_triangular.defcomplex()  # holomorphic: the rules below hold for complex matrices as written
solve_triangular.defvjp(_solve_triangular_vjp_a, _solve_triangular_vjp_b, formulas=("−A⁻ᵀg·Xᵀ", "A⁻ᵀg"))
solve_triangular.defjvp(
    lambda t, out, a, b, upper=False: -solve_triangular(a, (t * _triangle_mask(a.shape[-1], t.dtype, upper)) @ out,
                                                        upper=upper),
    lambda t, out, a, b, upper=False: solve_triangular(a, t, upper=upper),
)


@primitive("cholesky")
def cholesky(a):
    """The lower-triangular L with L Lᵀ = A, for symmetric positive-definite A (..., n, n); only the lower
    triangle of A is read. LinAlgError when A is not positive-definite."""
    _square("cholesky", a)
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.cholesky: The factorization could not be completed because the input is not "
                          "positive-definite.") from None


@in_pytorch_convention
def _cholesky_vjp(g, out, a):
    # A = L Lᴴ: with Φ(M) = the lower triangle of M with its diagonal halved, made Hermitian,
    # Ā = L⁻ᴴ Φ(Lᴴ L̄) L⁻¹ (Murray, 2016; PyTorch's cholesky_backward).
    n = out.shape[-1]
    lower = _triangle_mask(n, out.dtype, upper=False)
    strict = _triangle_mask(n, out.dtype, upper=False, strict=True)
    m = (_mH(out) @ g) * lower
    phi = 0.5 * (m + _mH(m * strict))
    left = solve_triangular(_mH(out), phi, upper=True)                  # L⁻ᴴ Φ
    return _mH(solve_triangular(_mH(out), _mH(left), upper=True))       # (L⁻ᴴ (L⁻ᴴΦ)ᴴ)ᴴ = L⁻ᴴ Φ L⁻¹


def _cholesky_jvp(t, out, a):
    # dL = L Ψ(L⁻¹ dA L⁻ᴴ), Ψ = the lower triangle with its diagonal halved.
    n = out.shape[-1]
    inner = solve_triangular(out, _mH(solve_triangular(out, _mH(t), upper=False)), upper=False)
    half_diagonal = _triangle_mask(n, out.dtype, upper=False, strict=True) + 0.5 * np.eye(n, dtype=out.dtype)
    return out @ (inner * half_diagonal)


cholesky.defvjp(_cholesky_vjp, formulas=("L⁻ᴴΦ(LᴴL̄)L⁻¹",))
cholesky.defjvp(_cholesky_jvp)
cholesky.defcomplex()


@primitive("inv")
def inv(a):
    """A⁻¹ of square matrices a (..., n, n). LinAlgError when a matrix is singular."""
    _square("inv", a)
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError as err:
        raise _singular("inv", err) from None


inv.defvjp(lambda g, out, a: -(_mT(out) @ g @ _mT(out)), formulas=("−A⁻ᵀ·g·A⁻ᵀ",))   # d A⁻¹ = −A⁻¹ dA A⁻¹
inv.defjvp(lambda t, out, a: -(out @ t @ out))
inv.defcomplex()  # holomorphic


@primitive("det")
def det(a):
    """The determinants of square matrices a (..., n, n): shape (...). The gradient needs A⁻¹ (A nonsingular)."""
    _square("det", a)
    return np.linalg.det(a)


# d det A = det A · tr(A⁻¹ dA), so Ā = g · det A · A⁻ᵀ.
det.defvjp(lambda g, out, a: _batch_scalar(g * out) * _mT(inv(a)), formulas=("g·det·A⁻ᵀ",))
det.defjvp(lambda t, out, a: out * (inv(a) * _mT(t)).sum(axis=(-2, -1)))
det.defcomplex()  # holomorphic


@primitive("slogdet")
def logabsdet(a):
    """log |det A| of square matrices a (..., n, n): shape (...); -inf for a singular matrix. The sign (without
    gradient) is np.linalg.slogdet's first result; linalg.slogdet returns both. For complex a, the complex
    log det A = log |det A| + i·arg det A: holomorphic, so the rules below hold, and linalg.slogdet takes its real
    part and the sign exp(i·arg det A) from it."""
    _square("slogdet", a)
    sign, log_abs = np.linalg.slogdet(a)
    if _is_complex(a):
        return (log_abs + 1j * np.angle(sign)).astype(a.dtype)
    return log_abs


# d log det A = tr(A⁻¹ dA), so Ā = g · A⁻ᵀ (and for real A, d log|det A| likewise).
logabsdet.defvjp(lambda g, out, a: _batch_scalar(g) * _mT(inv(a)), formulas=("g·A⁻ᵀ",))
logabsdet.defjvp(lambda t, out, a: (inv(a) * _mT(t)).sum(axis=(-2, -1)))
logabsdet.defcomplex()


@primitive("solve")
def solve(a, b):
    """X = A⁻¹ B for square a (..., n, n) and matrices b (..., n, k), batch dimensions broadcast.
    LinAlgError when a matrix is singular. (linalg.solve adds vector right-hand sides and left=False.)"""
    _square("solve", a)
    if np.ndim(b) < 2 or np.shape(b)[-2] != np.shape(a)[-1]:
        raise ShapeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                         f"({' x '.join(map(str, np.shape(a)[-2:]))} and {' x '.join(map(str, np.shape(b)[-2:]))})")
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError as err:
        raise _singular("solve", err) from None


def _solve_vjp_a(g, out, a, b):
    return -(solve(_mT(a), g) @ _mT(out))       # Ā = −B̄ Xᵀ


solve.defvjp(_solve_vjp_a, lambda g, out, a, b: solve(_mT(a), g), formulas=("−A⁻ᵀg·Xᵀ", "A⁻ᵀg"))
solve.defjvp(lambda t, out, a, b: -solve(a, t @ out), lambda t, out, a, b: solve(a, t))   # dX = A⁻¹(dB − dA X)
solve.defcomplex()  # holomorphic


# torch.inverse, torch.logdet (and the Value methods x.inverse(), x.det(), x.logdet()).
inverse = inv


def _det_negative(a):
    return np.linalg.slogdet(a)[0] < 0


def _nan_where_negative(a):
    if _is_complex(a):  # the complex log det is defined wherever det A ≠ 0
        return np.zeros(np.shape(a)[:-2], dtype=a.dtype)
    return np.where(np.linalg.slogdet(a)[0] < 0, np.nan, 0.0).astype(a.dtype)


def logdet(a):
    """log det A of square matrices a (..., n, n): shape (...); nan where det A < 0 and -inf where det A = 0,
    as torch.logdet (complex a: the complex log det, log |det A| + i·arg det A). The gradient is A⁻ᵀ (slogdet's)."""
    log_det = logabsdet(a)
    if _is_complex(a):
        return log_det + without_gradient(_nan_where_negative, a)  # PyTorch's AddBackward0 too
    # real a: PyTorch's where(sign < 0, nan, logabsdet) (no gradient where det A < 0), over output 1 of its
    # LinalgSlogdetBackward0
    from .elementwise import where

    outputs_of_one_node((None, log_det))
    return where(without_gradient(_det_negative, a), np.array(np.nan, dtype=log_det.dtype), log_det)


# ----------------------------------------------------------------------------------------------------
# The symmetric eigendecomposition. A primitive has one output, so eigh's packs both: row 0 holds the eigenvalues
# w (ascending), rows 1.. the eigenvectors V as columns; linalg.eigh slices them apart.


@primitive("eigh")
def eigh_packed(a, UPLO="L"):  # noqa: N803  (PyTorch's argument name)
    """w and V with A = V diag(w) Vᴴ, for symmetric (Hermitian) a (..., n, n) (only the UPLO triangle is read), packed
    as (..., n + 1, n): [..., 0, :] = w ascending (real, in a complex array for complex a), [..., 1:, :] = V
    (orthonormal columns)."""
    _square("eigh", a)
    try:
        w, v = np.linalg.eigh(a, UPLO=UPLO)
    except np.linalg.LinAlgError as err:
        raise LinAlgError(f"linalg.eigh: The algorithm failed to converge ({err})") from None
    return np.concatenate([w[..., None, :], v], axis=-2)


def _data(x):
    return x.data if isinstance(x, Value) else x


def _eigen_gaps(w, needed, name="eigh"):
    """F with F[i, j] = 1 / (w_j - w_i) off the diagonal and 0 on it. Equal eigenvalues make the eigenvectors'
    derivative undefined: their entries are 0, with a warning when the eigenvectors' gradient `needed` them.
    (svd passes the squared singular values: the same holds for its singular vectors.)"""
    gaps = w.reshape(w.shape[:-1] + (1, w.shape[-1])) - w.reshape(w.shape + (1,))
    distinct = np.abs(_data(gaps)) > 1e-12 * max(1.0, float(np.max(np.abs(_data(w)), initial=0.0)))
    if needed and not np.all(distinct | np.eye(w.shape[-1], dtype=bool)):
        vectors, values = ("singular vectors", "singular values") if name == "svd" else ("eigenvectors", "eigenvalues")
        warnings.warn(f"linalg.{name}: the gradient through the {vectors} is not defined for repeated {values}; "
                      "their terms are left out", RuntimeWarning, stacklevel=4)
    dtype = np.asarray(_data(w)).dtype  # (the fillers in w's dtype: an array operand would widen float32 gaps)
    return (1.0 / (gaps + np.where(distinct, 0.0, 1.0).astype(dtype))) * distinct.astype(dtype)


_VECTORS_PHASE = "The eigenvectors in the complex case are specified up to multiplication by e^{i phi}. The " \
    "specified loss function depends on this quantity, so it is ill-defined."
_PHASE_DEPENDENCE = {  # PyTorch's words, by the name of its backward function
    "linalg_eig_backward": _VECTORS_PHASE,
    "linalg_eigh_backward": _VECTORS_PHASE,
    "svd_backward": "The singular vectors in the complex case are specified up to multiplication by e^{i phi}. The "
                    "specified loss function depends on this phase term, making it ill-defined.",
}


def check_phase_invariance(name, imaginary_diagonal):
    """PyTorch's check (in its backward function `name`) that a loss does not depend on the phases of complex
    eigenvectors or singular vectors, which are defined up to e^{iφ}: `imaginary_diagonal`, Im diag(Vᴴ V̄) (or its
    equivalent), must be about 0."""
    if not np.allclose(np.asarray(_data(imaginary_diagonal)), 0, rtol=1e-2, atol=1e-2):
        raise RuntimeError(f"{name}: {_PHASE_DEPENDENCE[name]}")


@in_pytorch_convention
def _eigh_vjp(g, out, a, UPLO="L"):  # noqa: N803
    # Ā = V (diag(w̄) + F ∘ (Vᴴ V̄)) Vᴴ (Giles, 2008; PyTorch's linalg_eig_backward for Hermitian inputs).
    w, v, gw, gv = out[..., 0, :], out[..., 1:, :], g[..., 0, :], g[..., 1:, :]
    needed = bool(np.any(_data(gv) != 0))
    vhgv = _mH(v) @ gv
    if needed and _is_complex(out):
        check_phase_invariance("linalg_eigh_backward", np.imag(np.diagonal(_data(vhgv), 0, -2, -1)))
    n = w.shape[-1]
    if _is_complex(out):
        w = w.real                     # real eigenvalues: F real, and the gap test needs no complex comparison
    inner = _eigen_gaps(w, needed) * vhgv
    return v @ (gw.reshape(gw.shape[:-1] + (1, n)) * np.eye(n, dtype=inner.dtype) + inner) @ _mH(v)


def _eigh_jvp(t, out, a, UPLO="L"):  # noqa: N803
    # dw = diag(Vᴴ dA V), dV = V (F ∘ (Vᴴ dA V)).
    w, v = out[..., 0, :], out[..., 1:, :]
    if _is_complex(out):
        w = w.real
    inner = _mH(v) @ t @ v
    dw = (inner * np.eye(w.shape[-1], dtype=inner.dtype)).sum(axis=-2, keepdims=True)
    dv = v @ (_eigen_gaps(w, True) * inner)
    from .shape import concatenate
    return concatenate([dw, dv], axis=-2)


eigh_packed.defvjp(_eigh_vjp, formulas=("V(diag(w̄)+F∘VᴴV̄)Vᴴ",))
eigh_packed.defjvp(_eigh_jvp)
eigh_packed.defcomplex()
