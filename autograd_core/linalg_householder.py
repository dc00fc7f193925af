"""QR in Householder form, as LAPACK keeps it: torch.geqrf, torch.linalg.householder_product (torch.orgqr) and
torch.ormqr.

    a, tau = torch.geqrf(A)                               # A (..., m, n): R on and above a's diagonal, reflectors below
    Q = torch.linalg.householder_product(a, tau)          # (..., m, n): Q of the reduced QR, A = Q @ triu(a)[:n]
    QC = torch.ormqr(a, tau, C)                           # Q·C with the full m × m Q, never formed

A Householder reflector H = I − τ v vᴴ (vᵀ for real v) reflects across the hyperplane orthogonal to v. geqrf zeroes
A's columns below the diagonal one at a time with reflectors H₁, ..., H_k (k = min(m, n)), so that Hₖᴴ ⋯ H₁ᴴ A = R,
and stores each vᵢ below the diagonal of a, its leading 1 implied at row i and zeros above: Q = H₁ H₂ ⋯ Hₖ. The
products here apply the reflectors one at a time, x − τ v (vᴴ x), with the ordinary operations, so gradients, forward
mode, higher derivatives and compile come for free (PyTorch differentiates householder_product and ormqr too, and not
geqrf, whose derivative raises NotImplementedError here as there).
"""

from __future__ import annotations

import collections

import numpy as np

from .errors import ShapeError, scalar_type_name
from .ops.elementwise import where
from .ops.index import as_value
from .ops.primitive import primitive
from .ops.shape import broadcast_to, getitem, reshape
from .one_node import outputs_of_one_node, shown_as

geqrf_result = collections.namedtuple("geqrf", ["a", "tau"])  # torch.return_types.geqrf


def geqrf(input):  # noqa: A002  (PyTorch's argument name)
    """(a, tau) of the QR decomposition of input (..., m, n) in LAPACK's form (torch.geqrf): R on and above a's
    diagonal, the Householder vectors below it (see the module's docstring), tau (..., min(m, n)) their scales.
    No gradient, as in PyTorch: a backward pass through it raises NotImplementedError."""
    x = as_value(input)
    if x.ndim < 2:
        raise ShapeError(f"torch.geqrf: input must have at least 2 dimensions, got {x.ndim}")
    m, n = x.shape[-2:]
    packed = _geqrf_packed(x)
    return geqrf_result(*outputs_of_one_node((
        shown_as(getitem(packed, (Ellipsis, slice(0, m), slice(None))), x, "GeqrfBackward0"),
        shown_as(getitem(packed, (Ellipsis, m, slice(0, min(m, n)))), x, "GeqrfBackward0"))))


@primitive("geqrf")
def _geqrf_packed(a):
    """a and tau of LAPACK's geqrf for a (..., m, n), packed as (..., m + 1, n): tau in row m, then zeros."""
    a = np.asarray(a)
    dtype = np.result_type(a.dtype, np.float32)
    m, n = a.shape[-2:]
    k = min(m, n)
    packed = np.zeros(a.shape[:-2] + (m + 1, n), dtype=dtype)
    if k == 0:
        return packed
    h, tau = np.linalg.qr(a.astype(dtype, copy=False), mode="raw")  # h: the factored matrix transposed (Fortran's)
    packed[..., :m, :] = np.swapaxes(h, -1, -2)
    packed[..., m, :k] = tau
    return packed


def _geqrf_not_differentiable(*args, **params):
    raise NotImplementedError("the derivative for 'geqrf' is not implemented.")


_geqrf_packed.defvjp(_geqrf_not_differentiable, formulas=("",))
_geqrf_packed.defjvp(_geqrf_not_differentiable)
_geqrf_packed.defcomplex()  # LAPACK's zgeqrf for complex input (still without a derivative)


def householder_product(A, tau):  # noqa: N803  (PyTorch's argument name)
    """The first n columns of H₁ H₂ ⋯ H_k (torch.linalg.householder_product, torch.orgqr): A (..., m, n) with m ≥ n
    holds the Householder vectors vᵢ below its diagonal (vᵢ[i] = 1 implied, zeros above), tau (..., k) with k ≤ n
    their scales, Hᵢ = I − tauᵢ vᵢ vᵢᴴ. With geqrf's output it is Q of the reduced QR decomposition. Differentiable in
    both A and tau."""
    name = "torch.linalg.householder_product"
    A, tau = as_value(A), as_value(tau)
    if A.ndim < 2:
        raise ShapeError(f"{name}: input must have at least 2 dimensions.")
    m, n = A.shape[-2:]
    if m < n:
        raise ShapeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if tau.ndim == 0 or tau.shape[-1] > n:
        raise ShapeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    _check_tau(name, A, tau)
    # H₁ (H₂ (⋯ (H_k I[:, :n]))): the last reflector first, each applied to the columns built so far.
    q = broadcast_to(as_value(np.eye(m, n, dtype=A.dtype)), shape=A.shape[:-2] + (m, n))
    for i in reversed(range(tau.shape[-1])):
        q = _reflect_rows(q, _vector(A, i), _scale(tau, i))
    return shown_as(q, (A, tau), "LinalgHouseholderProductBackward0")  # PyTorch's one node


def orgqr(input, input2):  # noqa: A002  (PyTorch's argument names)
    """torch.orgqr: householder_product(input, input2) (input2 is tau), LAPACK's name for it."""
    return householder_product(input, input2)


def ormqr(input, input2, input3, left=True, transpose=False):  # noqa: A002  (PyTorch's argument names)
    """other multiplied by Q = H₁ H₂ ⋯ H_k, the full (mn × mn) orthogonal matrix of input's Householder vectors and tau
    (torch.ormqr; see householder_product), without forming Q: Q·other (left=True) or other·Q (left=False), with Qᴴ
    (Qᵀ for real input) in place of Q if transpose=True. input (..., mn, k) with mn other's rows (left) or columns
    (right), tau = input2 (..., min(mn, k)); other = input3 (..., m, n), the same batch dimensions (PyTorch's
    argument names). Differentiable in all three."""
    name = "torch.ormqr"
    A, tau, other = as_value(input), as_value(input2), as_value(input3)
    for label, x in (("input", A), ("other", other)):
        if x.ndim < 2:
            raise ShapeError(f"{name}: {label} must have at least 2 dimensions.")
    if tau.ndim != A.ndim - 1:
        raise ShapeError(f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                         f"{tau.ndim} and input.ndim is equal to {A.ndim}")
    if other.ndim != A.ndim:
        raise ShapeError(f"{name}: Expected other to have the same number of dimensions as input, but got other.ndim "
                         f"equal to {other.ndim} and input.ndim is equal to {A.ndim}")
    side = -2 if left else -1
    if other.shape[side] != A.shape[-2]:
        raise ShapeError(f"{name}: other.shape[{side}] must be equal to input.shape[-2]")
    if tau.shape[-1] != min(other.shape[side], A.shape[-1]):
        raise ShapeError(f"{name}: tau.shape[-1] must be equal to min(other.shape[{side}], input.shape[-1])")
    for label, x in (("tau", tau), ("other", other)):
        batch = x.shape[:-1] if x is tau else x.shape[:-2]
        if batch != A.shape[:-2]:
            raise ShapeError(f"{name}: Expected batch dimensions of {label} to be equal to input.shape[:-2], but got "
                             f"{list(batch)}")
        if x.dtype != A.dtype:
            raise RuntimeError(f"{name}: Expected input and {label} to have the same dtype, but input has dtype "
                               f"{scalar_type_name(A.dtype)} and {label} has dtype {scalar_type_name(x.dtype)}")
    # Q·C = H₁(H₂(⋯ H_k C)); Qᴴ·C = H_kᴴ(⋯ H₁ᴴ C); C·Q = ((C H₁) H₂)⋯; C·Qᴴ = ((C H_kᴴ) ⋯) H₁ᴴ, where
    # Hᵢᴴ = I − conj(τᵢ) vᵢ vᵢᴴ (Hᵢ itself for real τ).
    order = range(tau.shape[-1])
    last_first = left != transpose
    result = other
    for i in (reversed(order) if last_first else order):
        v, scale = _vector(A, i), _scale(tau, i)
        if transpose:
            scale = scale.conj()
        result = _reflect_rows(result, v, scale) if left else _reflect_columns(result, v, scale)
    return result


def _check_tau(name, A, tau):  # noqa: N803
    if tau.ndim != A.ndim - 1 or tau.shape[:-1] != A.shape[:-2]:
        raise ShapeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                         f"{list(tau.shape[:-1])}")
    if tau.dtype != A.dtype:
        raise RuntimeError(f"{name}: tau dtype {scalar_type_name(tau.dtype)} does not match input dtype "
                           f"{scalar_type_name(A.dtype)}")


def _vector(A, i):
    """The i-th Householder vector from A's column i (..., m): 0 above row i, 1 at row i, A's column below."""
    m = A.shape[-2]
    rows = np.arange(m)
    column = getitem(A, (Ellipsis, slice(None), i))
    return where(rows > i, column, as_value((rows == i).astype(A.dtype)))


def _scale(tau, i):
    """tauᵢ with two trailing axes (..., 1, 1), to scale a batch of matrices."""
    return reshape(getitem(tau, (Ellipsis, i)), shape=tau.shape[:-1] + (1, 1))


def _reflect_rows(x, v, scale):
    """H x = x − τ v (vᴴ x) for x (..., m, c) and v (..., m)."""
    return x - scale * (v[..., :, None] * (v.conj()[..., None, :] @ x))


def _reflect_columns(x, v, scale):
    """x H = x − τ (x v) vᴴ for x (..., r, m) and v (..., m)."""
    return x - scale * ((x @ v[..., :, None]) * v.conj()[..., None, :])
