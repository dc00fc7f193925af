"""The decompositions of torch.linalg that are primitives, each beside its derivative: the singular value
decomposition (svd), the QR decomposition (qr) and the matrix exponential (matrix_exp).

A primitive has one output, so a decomposition packs its factors into one array, as eigh does; linalg.svd and
linalg.qr slice them apart. The rules follow PyTorch's (FunctionsManual.cpp: svd_backward, linalg_qr_backward,
their JVPs), and are written with matmul, swapaxes and the primitives themselves, so they run on arrays and on Values
(higher derivatives) alike. For complex matrices, svd, qr and pinv are not holomorphic: their VJP rules are PyTorch's
formulas with conjugate transposes in PyTorch's convention (`in_pytorch_convention`, see ops/linalg.py), plus the
terms of the phases that only complex factors have; matrix_exp is holomorphic and keeps its real rules.
"""

from __future__ import annotations

import numpy as np

from .linalg import (
    LinAlgError, _data, _eigen_gaps, _is_complex, _mH, _mT, _triangle_mask, check_phase_invariance,
    in_pytorch_convention, solve_triangular,
)
from .primitive import primitive
from .shape import concatenate


def _row(x):
    """x (..., k) as (..., 1, k): scales the columns of a matrix."""
    return x.reshape(x.shape[:-1] + (1, x.shape[-1]))


def _column(x):
    """x (..., k) as (..., k, 1): scales the rows of a matrix."""
    return x.reshape(x.shape + (1,))


def _diagonal(x):
    """The diagonals of matrices x (..., k, k) as (..., k) (arrays or Values)."""
    k = x.shape[-1]
    return (x * np.eye(k, dtype=np.asarray(_data(x)).dtype)).sum(axis=-2)


# ----------------------------------------------------------------------------------------------------
# The singular value decomposition A = U diag(S) Vᴴ (reduced: k = min(m, n) columns), packed as the (m + 1 + n, k)
# array [U; S; V]: rows :m hold U, row m the singular values (descending; real, in a complex array for complex A),
# rows m + 1: hold V (= Vhᴴ).


@primitive("svd")
def svd_packed(a):
    """U, S and V of A (..., m, n) with A = U diag(S) Vᴴ, k = min(m, n): packed as (..., m + 1 + n, k) with
    [..., :m, :] = U (orthonormal columns), [..., m, :] = S (descending, >= 0), [..., m + 1:, :] = V."""
    try:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
    except np.linalg.LinAlgError as err:
        raise LinAlgError(f"linalg.svd: The algorithm failed to converge ({err})") from None
    v = np.swapaxes(vh, -1, -2)
    return np.concatenate([u, s[..., None, :], np.conjugate(v) if _is_complex(v) else v], axis=-2)


def unpack_svd(packed, m):
    """(U, S, V) from svd_packed's result for m rows (S real: the real part of its row for complex A)."""
    s = packed[..., m, :]
    return packed[..., :m, :], s.real if _is_complex(packed) else s, packed[..., m + 1:, :]


@in_pytorch_convention
def _svd_vjp(g, out, a):
    # PyTorch's svd_backward, with Ū, S̄, V̄ the gradients of the factors and E⁻¹ᵢⱼ = 1 / (σⱼ² − σᵢ²):
    #   Ā = U (diag(S̄) + E⁻¹ ∘ (skew(UᴴŪ) S + S skew(VᴴV̄)) [+ i·Im diag(UᴴŪ) / S]) Vᴴ
    #                                                       [+ (I − UUᴴ) Ū S⁻¹ Vᴴ when m > k]
    #                                                       [+ U S⁻¹ V̄ᴴ (I − VVᴴ) when n > k]
    # The bracketed diagonal term (complex A only) is the phase e^{iφ} shared by a pair of singular vectors, which a
    # well-defined loss does not depend on (PyTorch's check): Im diag(UᴴŪ) = −Im diag(VᴴV̄).
    m, n = a.shape[-2], a.shape[-1]
    u, s, v = unpack_svd(out, m)
    gu, gs, gv = g[..., :m, :], g[..., m, :], g[..., m + 1:, :]
    k = s.shape[-1]
    inner = _row(gs) * np.eye(k, dtype=np.asarray(_data(s)).dtype)
    vectors = bool(np.any(_data(gu) != 0) or np.any(_data(gv) != 0))
    if not vectors:     # the singular values alone: U diag(S̄) Vᴴ, defined for repeated singular values too
        return u @ inner @ _mH(v)
    uhgu, vhgv = _mH(u) @ gu, _mH(v) @ gv
    inner = inner + _eigen_gaps(s * s, True, "svd") * ((uhgu - _mH(uhgu)) * _row(s) + _column(s) * (vhgv - _mH(vhgv)))
    if _is_complex(out):
        phase = _diagonal(uhgu).imag
        check_phase_invariance("svd_backward", _data(phase) + np.imag(_diagonal(_data(vhgv))))
        inner = inner + _row(phase / s * 1j) * np.eye(k)
    if m > k:
        gu_scaled = gu / _row(s)
        return (u @ inner + gu_scaled - u @ (_mH(u) @ gu_scaled)) @ _mH(v)
    if n > k:
        gvh_scaled = _mH(gv) / _column(s)
        return u @ (inner @ _mH(v) + gvh_scaled - (gvh_scaled @ v) @ _mH(v))
    return u @ inner @ _mH(v)


def _svd_jvp(t, out, a):
    # dP = Uᴴ dA V, dS = Re diag(dP), and with E⁻¹ as above (PyTorch's linalg_svd_jvp):
    #   dU = U (E⁻¹ ∘ (dP S + S dPᴴ) [+ i·Im diag(dP) / S]) + (I − UUᴴ) dA V S⁻¹,
    #   dV = V (E⁻¹ ∘ (S dP + dPᴴ S)) + (I − VVᴴ) dAᴴ U S⁻¹
    # (the bracket, complex A only: the phase of each pair of singular vectors, put on U's).
    m, n = a.shape[-2], a.shape[-1]
    u, s, v = unpack_svd(out, m)
    k = s.shape[-1]
    tv, tu = t @ v, _mH(t) @ u
    dp = _mH(u) @ tv
    ds = (dp * np.eye(k, dtype=np.asarray(_data(s)).dtype)).sum(axis=-2, keepdims=True)
    gaps = _eigen_gaps(s * s, True, "svd")
    inner_u = gaps * (dp * _row(s) + _column(s) * _mH(dp))
    if _is_complex(out):
        inner_u = inner_u + _row(_diagonal(dp).imag / s * 1j) * np.eye(k)
    du = u @ inner_u
    dv = v @ (gaps * (_column(s) * dp + _mH(dp) * _row(s)))
    if m > k:
        du = du + (tv - u @ (_mH(u) @ tv)) / _row(s)
    if n > k:
        dv = dv + (tu - v @ (_mH(v) @ tu)) / _row(s)
    return concatenate([du, ds, dv], axis=-2)


svd_packed.defvjp(_svd_vjp, formulas=("U(diag(S̄)+E⁻¹∘(skew(UᴴŪ)S+S·skew(VᴴV̄)))Vᴴ",))
svd_packed.defjvp(_svd_jvp)
svd_packed.defcomplex()


# ----------------------------------------------------------------------------------------------------
# The pseudo-inverse A⁺ (n, m) of A (m, n), from the SVD (or, hermitian=True, the eigendecomposition): singular values
# at or below max(atol, rtol · σ_max) count as zero. A primitive of its own, since its derivative (below) holds
# at repeated singular values too, where composing the SVD's would not.


def pinv_tolerance(a, atol, rtol, s_max):
    """max(atol, rtol · σ_max) with PyTorch's defaults: rtol = eps · max(m, n) unless atol > 0 was given (then 0)."""
    atol_ = np.zeros(()) if atol is None else np.asarray(atol, dtype=np.float64)
    if rtol is None:
        default = np.finfo(np.asarray(a).dtype).eps * max(np.shape(a)[-2:])
        rtol_ = np.where(atol_ > 0, 0.0, default) if atol is not None else np.asarray(default)
    else:
        rtol_ = np.asarray(rtol, dtype=np.float64)
    return np.maximum(atol_, rtol_ * s_max)


@primitive("pinv")
def pinv(a, atol=None, rtol=None, hermitian=False):
    """The Moore-Penrose pseudo-inverse of a (..., m, n): shape (..., n, m). atol, rtol: numbers or arrays that
    broadcast with the batch shape (...); hermitian: a is symmetric or Hermitian (only its lower triangle is read)."""
    a = np.asarray(a)
    try:
        if hermitian:
            w, v = np.linalg.eigh(a)
            s, left, right = np.abs(w), v * np.sign(w)[..., None, :], v
        else:
            left, s, vh = np.linalg.svd(a, full_matrices=False)
            right = np.swapaxes(vh, -1, -2)
            if _is_complex(right):
                right = np.conjugate(right)                                 # V = Vhᴴ
    except np.linalg.LinAlgError as err:
        raise LinAlgError(f"linalg.pinv: The algorithm failed to converge ({err})") from None
    s_max = np.max(s, axis=-1, initial=0.0)
    tolerance = pinv_tolerance(a, atol, rtol, s_max)
    kept = s > np.asarray(tolerance)[..., None]
    inverse = np.where(kept, 1.0 / np.where(kept, s, 1.0), 0.0).astype(a.dtype)
    left_h = np.swapaxes(left, -1, -2)
    return (right * inverse[..., None, :]) @ (np.conjugate(left_h) if _is_complex(left_h) else left_h)   # V S⁺ Uᴴ


@in_pytorch_convention
def _pinv_vjp(g, out, a, atol=None, rtol=None, hermitian=False):
    # The derivative of A⁺ for a locally constant rank (Golub & Pereyra, 1973; PyTorch's pinv_backward), arranged so
    # that the inner products are of the smaller size min(m, n).
    m, n = a.shape[-2], a.shape[-1]
    gt, outt = _mH(g), _mH(out)
    if m <= n:
        k = gt @ out                                                            # (m, m)
        k_outt = k @ outt
        return -_mH(out @ k) + k_outt - (a @ out) @ k_outt + (outt @ out) @ (gt - k @ a)
    k = out @ gt                                                                # (n, n)
    outt_k = outt @ k
    return -_mH(k @ out) + (gt - a @ k) @ out @ outt + outt_k - outt_k @ out @ a


def _pinv_jvp(t, out, a, atol=None, rtol=None, hermitian=False):
    # dA⁺ = −A⁺ dA A⁺ + A⁺A⁺ᴴ dAᴴ (I − A A⁺) + (I − A⁺A) dAᴴ A⁺ᴴ A⁺
    m, n = a.shape[-2], a.shape[-1]
    tt, outt = _mH(t), _mH(out)
    if m <= n:
        k = outt @ tt                                                           # (m, m)
        return out @ (k - _mH(k) - k @ (a @ out)) + (tt - out @ (a @ tt)) @ (outt @ out)
    k = out @ t                                                                 # (n, n)
    kt = _mH(k)
    return (kt - k - (out @ a) @ kt) @ out + (out @ outt) @ (tt - (tt @ a) @ out)


pinv.defvjp(_pinv_vjp, formulas=("d A⁺ (Golub–Pereyra)",))
pinv.defjvp(_pinv_jvp)
pinv.defcomplex()


# ----------------------------------------------------------------------------------------------------
# The QR decomposition A = Q R, Q (m, k) with orthonormal columns and R (k, n) upper-triangular, k = min(m, n)
# (mode='complete': k = m). Packed side by side, (m, k + n), when Q is square (k = m), else one above the other,
# (m + n, n) (k = n < m).


def _qr_k(m, n, mode):
    return m if mode == "complete" or m <= n else n


def unpack_qr(packed, m, n, mode):
    """(Q, R) from qr_packed's result for an (m, n) input."""
    if _qr_k(m, n, mode) == m:
        return packed[..., :m], packed[..., m:]
    return packed[..., :m, :], packed[..., m:, :]


@primitive("qr")
def qr_packed(a, mode="reduced"):
    """Q and R of a (..., m, n) with A = Q R (mode 'reduced', 'complete', or 'r': reduced, without a gradient, as
    PyTorch's), packed as described above (unpack_qr)."""
    m, n = np.shape(a)[-2:]
    q, r = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
    return np.concatenate([q, r], axis=-1 if _qr_k(m, n, mode) == m else -2)


def _copyltu(x):
    """The symmetric (Hermitian) matrix with x's strict lower triangle, and x's diagonal (its real part: complex R's
    diagonal is real, so Qᴴ dQ's imaginary diagonal is the part that carries the phases)."""
    n = x.shape[-1]
    if _is_complex(x):
        lower = x * _triangle_mask(n, x.dtype, upper=False, strict=True)
        return lower + _mH(lower) + (x * np.eye(n, dtype=x.dtype)).real
    return x * _triangle_mask(n, x.dtype, upper=False) + _mT(x * _triangle_mask(n, x.dtype, upper=False, strict=True))


def _qr_check(m, n, mode):
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                           "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")


@in_pytorch_convention
def _qr_vjp(g, out, a, mode="reduced"):
    # For m >= n (Liao et al., 2019; PyTorch's linalg_qr_backward): M = R R̄ᴴ − Q̄ᴴ Q, Ā = (Q̄ + Q copyltu(M)) R⁻ᴴ.
    # For m < n, A = [X | Y] and R = [U | V] with X = Q U, Y = Q V: Ȳ = Q V̄, and X̄ is the square case's with
    # Q̄ + Y V̄ᴴ for Q̄ and Ū for R̄.
    m, n = a.shape[-2], a.shape[-1]
    _qr_check(m, n, mode)
    q, r = unpack_qr(out, m, n, mode)
    gq, gr = unpack_qr(g, m, n, mode)
    if m < n:
        gq = gq + a[..., m:] @ _mH(gr[..., m:])
        gy = q @ gr[..., m:]
        r, gr = r[..., :m], gr[..., :m]
    b = gq + q @ _copyltu(r @ _mH(gr) - _mH(gq) @ q)
    gx = _mH(solve_triangular(r, _mH(b), upper=True))                            # b R⁻ᴴ
    return concatenate([gx, gy], axis=-1) if m < n else gx


def _qr_jvp(t, out, a, mode="reduced"):
    # With dX = dA R⁻¹ and M = Qᴴ dX, L = its strict lower triangle: Qᴴ dQ = L − Lᴴ [+ i·Im diag(M)] (skew-Hermitian)
    # and dR R⁻¹ = M − L + Lᴴ [− i·Im diag(M)] (upper-triangular, with the real diagonal of complex R), so
    # dR = (M − L + Lᴴ ...) R and dQ = dX − Q (M − L + Lᴴ ...). For m < n, the first m columns give dQ and dU as for a
    # square matrix, and dV = Qᴴ (dY − dQ V).
    m, n = a.shape[-2], a.shape[-1]
    _qr_check(m, n, mode)
    q, r = unpack_qr(out, m, n, mode)
    u, tx = (r[..., :m], t[..., :m]) if m < n else (r, t)
    dx = _mH(solve_triangular(_mH(u), _mH(tx), upper=False))                     # dA R⁻¹ = (R⁻ᴴ dAᴴ)ᴴ
    inner = _mH(q) @ dx
    strict = inner * _triangle_mask(inner.shape[-1], inner.dtype, upper=False, strict=True)
    upper = inner - strict + _mH(strict)
    if _is_complex(inner):
        upper = upper - (inner * np.eye(inner.shape[-1])).imag * 1j
    dq = dx - q @ upper
    dr = upper @ u
    if m < n:
        dr = concatenate([dr, _mH(q) @ (t[..., m:] - dq @ r[..., m:])], axis=-1)
    return concatenate([dq, dr], axis=-1 if _qr_k(m, n, mode) == m else -2)


qr_packed.defvjp(_qr_vjp, formulas=("(Q̄+Q·copyltu(RR̄ᴴ−Q̄ᴴQ))R⁻ᴴ",))
qr_packed.defjvp(_qr_jvp)
qr_packed.defcomplex()


# ----------------------------------------------------------------------------------------------------
# The matrix exponential, by scaling and squaring with a Padé approximant (Higham, 2005: the 1-norm picks the degree
# 3, 5, 7, 9 or 13 and the number s of squarings; exp A = r(A / 2ˢ)^(2ˢ)). Computed in float64 (complex128) and
# rounded to the input's dtype. Its derivatives are the exponential itself of a block-triangular matrix (Mathias, 1996):
# exp([[X, E], [0, X]]) = [[exp X, L(X, E)], [0, exp X]], L the Fréchet derivative, so the JVP is L(A, dA) and the
# VJP L(Aᵀ, Ā) (PyTorch's matrix_exp_backward): both are matrix_exp again, hence differentiable to any order.

_PADE = {
    3: (120.0, 60.0, 12.0, 1.0),
    5: (30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0),
    7: (17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0),
    9: (17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0, 110880.0, 3960.0, 90.0, 1.0),
    13: (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
         10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0),
}
# The largest 1-norm at which each degree's approximant is accurate to float64's unit roundoff.
_THETA = ((3, 1.495585217958292e-2), (5, 2.539398330063230e-1), (7, 9.504178996162932e-1),
          (9, 2.097847961257068e0))
_THETA_13 = 5.371920351148152e0


def _expm(a):
    """exp of one float64 (or complex128) matrix a (n, n)."""
    n = a.shape[-1]
    eye = np.eye(n)
    norm = np.abs(a).sum(axis=0).max(initial=0.0)
    if not np.isfinite(norm):
        return np.full_like(a, np.nan)
    for degree, theta in _THETA:
        if norm <= theta:
            b = _PADE[degree]
            powers = [eye, a @ a]
            while len(powers) <= degree // 2:
                powers.append(powers[-1] @ powers[1])              # I, A², A⁴, ...
            u = a @ sum(b[2 * j + 1] * powers[j] for j in range(degree // 2 + 1))
            v = sum(b[2 * j] * powers[j] for j in range(degree // 2 + 1))
            return np.linalg.solve(v - u, v + u)
    squarings = max(0, int(np.ceil(np.log2(norm / _THETA_13))))
    a = a / 2.0 ** squarings
    b = _PADE[13]
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for _ in range(squarings):
        r = r @ r
    return r


@primitive("matrix_exp")
def matrix_exp(a):
    """exp A = Σ Aᵏ / k! of square matrices a (..., n, n), same shape."""
    a = np.asarray(a)
    flat = a.reshape((-1,) + a.shape[-2:]).astype(np.complex128 if _is_complex(a) else np.float64)
    out = np.stack([_expm(m) for m in flat]) if flat.shape[0] else flat
    return out.reshape(a.shape).astype(a.dtype, copy=False)


def _frechet(x, e):
    """L(X, E), the derivative of exp at X in the direction E: the top-right block of exp([[X, E], [0, X]])."""
    n = x.shape[-1]
    zeros = np.zeros(x.shape, dtype=np.asarray(_data(x)).dtype)
    block = concatenate([concatenate([x, e], axis=-1), concatenate([zeros, x], axis=-1)], axis=-2)
    return matrix_exp(block)[..., :n, n:]


matrix_exp.defvjp(lambda g, out, a: _frechet(_mT(a), g), formulas=("L(Aᵀ, g)",))
matrix_exp.defjvp(lambda t, out, a: _frechet(a, t))
matrix_exp.defcomplex()  # holomorphic (a power series with real coefficients): the real rules hold
