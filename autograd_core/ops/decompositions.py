"""The decompositions of torch.linalg that are primitives, each beside its derivative: the singular value
decomposition (svd), the QR decomposition (qr) and the matrix exponential (matrix_exp).

A primitive has one output, so a decomposition packs its factors into one array, as eigh does; linalg.svd and
linalg.qr slice them apart. The rules follow PyTorch's (FunctionsManual.cpp: svd_backward, linalg_qr_backward,
their JVPs) for real inputs, and are written with matmul, swapaxes and the primitives themselves, so they run on
arrays and on Values (higher derivatives) alike.
"""

from __future__ import annotations

import numpy as np

from .linalg import LinAlgError, _data, _eigen_gaps, _mT
from .primitive import primitive
from .shape import concatenate


def _row(x):
    """x (..., k) as (..., 1, k): scales the columns of a matrix."""
    return x.reshape(x.shape[:-1] + (1, x.shape[-1]))


def _column(x):
    """x (..., k) as (..., k, 1): scales the rows of a matrix."""
    return x.reshape(x.shape + (1,))


# ----------------------------------------------------------------------------------------------------
# The singular value decomposition A = U diag(S) Vᵀ (reduced: k = min(m, n) columns), packed as the (m + 1 + n, k)
# array [U; S; V]: rows :m hold U, row m the singular values (descending), rows m + 1: hold V (= Vhᵀ).


@primitive("svd")
def svd_packed(a):
    """U, S and V of A (..., m, n) with A = U diag(S) Vᵀ, k = min(m, n): packed as (..., m + 1 + n, k) with
    [..., :m, :] = U (orthonormal columns), [..., m, :] = S (descending, >= 0), [..., m + 1:, :] = V."""
    try:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
    except np.linalg.LinAlgError as err:
        raise LinAlgError(f"linalg.svd: The algorithm failed to converge ({err})") from None
    return np.concatenate([u, s[..., None, :], np.swapaxes(vh, -1, -2)], axis=-2)


def unpack_svd(packed, m):
    """(U, S, V) from svd_packed's result for m rows."""
    return packed[..., :m, :], packed[..., m, :], packed[..., m + 1:, :]


def _svd_vjp(g, out, a):
    # PyTorch's svd_backward for real A, with Ū, S̄, V̄ the gradients of the factors and E⁻¹ᵢⱼ = 1 / (σⱼ² − σᵢ²):
    #   Ā = U (diag(S̄) + E⁻¹ ∘ (skew(UᵀŪ) S + S skew(VᵀV̄))) Vᵀ  [+ (I − UUᵀ) Ū S⁻¹ Vᵀ when m > k]
    #                                                            [+ U S⁻¹ V̄ᵀ (I − VVᵀ) when n > k]
    m, n = a.shape[-2], a.shape[-1]
    u, s, v = unpack_svd(out, m)
    gu, gs, gv = unpack_svd(g, m)
    k = s.shape[-1]
    inner = _row(gs) * np.eye(k, dtype=np.asarray(_data(s)).dtype)
    vectors = bool(np.any(_data(gu) != 0) or np.any(_data(gv) != 0))
    if not vectors:     # the singular values alone: U diag(S̄) Vᵀ, defined for repeated singular values too
        return u @ inner @ _mT(v)
    uhgu, vhgv = _mT(u) @ gu, _mT(v) @ gv
    inner = inner + _eigen_gaps(s * s, True, "svd") * ((uhgu - _mT(uhgu)) * _row(s) + _column(s) * (vhgv - _mT(vhgv)))
    if m > k:
        gu_scaled = gu / _row(s)
        return (u @ inner + gu_scaled - u @ (_mT(u) @ gu_scaled)) @ _mT(v)
    if n > k:
        gvh_scaled = _mT(gv) / _column(s)
        return u @ (inner @ _mT(v) + gvh_scaled - (gvh_scaled @ v) @ _mT(v))
    return u @ inner @ _mT(v)


def _svd_jvp(t, out, a):
    # dP = Uᵀ dA V, dS = diag(dP), and with E⁻¹ as above (PyTorch's linalg_svd_jvp):
    #   dU = U (E⁻¹ ∘ (dP S + S dPᵀ)) + (I − UUᵀ) dA V S⁻¹,   dV = V (E⁻¹ ∘ (S dP + dPᵀ S)) + (I − VVᵀ) dAᵀ U S⁻¹
    m, n = a.shape[-2], a.shape[-1]
    u, s, v = unpack_svd(out, m)
    k = s.shape[-1]
    tv, tu = t @ v, _mT(t) @ u
    dp = _mT(u) @ tv
    ds = (dp * np.eye(k, dtype=np.asarray(_data(s)).dtype)).sum(axis=-2, keepdims=True)
    gaps = _eigen_gaps(s * s, True, "svd")
    du = u @ (gaps * (dp * _row(s) + _column(s) * _mT(dp)))
    dv = v @ (gaps * (_column(s) * dp + _mT(dp) * _row(s)))
    if m > k:
        du = du + (tv - u @ (_mT(u) @ tv)) / _row(s)
    if n > k:
        dv = dv + (tu - v @ (_mT(v) @ tu)) / _row(s)
    return concatenate([du, ds, dv], axis=-2)


svd_packed.defvjp(_svd_vjp, formulas=("U(diag(S̄)+E⁻¹∘(skew(UᵀŪ)S+S·skew(VᵀV̄)))Vᵀ",))
svd_packed.defjvp(_svd_jvp)
