"""The eigendecomposition of general square matrices, A = V diag(L) V⁻¹, as a primitive beside its derivative.

Eigenvalues and eigenvectors of a real matrix are complex in general, so the result is always complex (complex64 for
float32 and complex64 input, complex128 for float64 and complex128), as torch.linalg.eig's. A primitive has one
output, so the eigenvalues L and eigenvectors V are packed as (..., n + 1, n): row 0 holds L, rows 1.. the columns
of V, each of norm 1 (LAPACK's geev; its largest component real). linalg.eig slices them apart.

Each eigenvector is defined up to a phase e^{iφ} only: the rules are PyTorch's linalg_eig_backward and
linalg_eig_jvp, which keep V's columns of norm 1, and the VJP raises PyTorch's error when a loss depends on those
phases. They are written in PyTorch's convention (ops/linalg.py, in_pytorch_convention); a real input's gradient is
the real part (the engine takes it).
"""

from __future__ import annotations

import numpy as np

from .linalg import LinAlgError, _data, _mH, _square, check_phase_invariance, in_pytorch_convention, solve
from .primitive import primitive
from .shape import concatenate

_COMPLEX_RESULT = {np.dtype(np.float32): np.complex64, np.dtype(np.complex64): np.complex64}


@primitive("eig")
def eig_packed(a):
    """L and V of square a (..., n, n) with A V = V diag(L), packed as (..., n + 1, n) complex: [..., 0, :] = L (in
    LAPACK's order), [..., 1:, :] = V (columns of norm 1)."""
    a = np.asarray(a)
    _square("eig", a)
    dtype = _COMPLEX_RESULT.get(a.dtype, np.complex128)
    if not np.all(np.isfinite(a)):
        raise LinAlgError("linalg.eig: The algorithm failed to converge because the input matrix contained "
                          "non-finite values.")
    try:
        w, v = np.linalg.eig(a)
    except np.linalg.LinAlgError as err:
        raise LinAlgError(f"linalg.eig: The algorithm failed to converge ({err})") from None
    return np.concatenate([w[..., None, :], v], axis=-2).astype(dtype, copy=False)


def _gaps(values, conjugate=False):
    """E with E[i, j] = L_j − L_i (conj(L_j − L_i) if conjugate) off the diagonal, 1 on it (a divisor)."""
    n = values.shape[-1]
    gaps = values.reshape(values.shape[:-1] + (1, n)) - values.reshape(values.shape + (1,))
    if conjugate:
        gaps = gaps.conj()
    return gaps + np.eye(n)


@in_pytorch_convention
def _eig_vjp(g, out, a):
    # PyTorch's linalg_eig_backward: with Ê = conj(L_j − L_i) and the columns of V of norm 1,
    #   Ā = V⁻ᴴ (diag(L̄) + (VᴴV̄ − VᴴV diag(Re diag(VᴴV̄))) / Ê) Vᴴ   (off the diagonal for the second term).
    values, v, g_values, g_v = out[..., 0, :], out[..., 1:, :], g[..., 0, :], g[..., 1:, :]
    n = values.shape[-1]
    eye = np.eye(n)
    inner = g_values.reshape(g_values.shape[:-1] + (1, n)) * eye
    if np.any(_data(g_v) != 0):
        vhgv = _mH(v) @ g_v
        diagonal = (vhgv * eye).sum(axis=-2)
        check_phase_invariance("linalg_eig_backward", np.imag(_data(diagonal)))
        projected = vhgv - _mH(v) @ (v * diagonal.real.reshape(diagonal.shape[:-1] + (1, n)))
        inner = inner + projected * (1 - eye) / _gaps(values, conjugate=True)
    return solve(_mH(v), inner @ _mH(v))


def _eig_jvp(t, out, a):
    # PyTorch's linalg_eig_jvp: dP = V⁻¹ dA V, dL = diag(dP), dV = V (dP / E off the diagonal) − V diag(Re diag(Vᴴ ·)),
    # the last term keeping V's columns of norm 1.
    values, v = out[..., 0, :], out[..., 1:, :]
    n = values.shape[-1]
    eye = np.eye(n)
    dp = solve(v, t @ v)
    d_values = (dp * eye).sum(axis=-2, keepdims=True)
    dv = v @ (dp * (1 - eye) / _gaps(values))
    norms = ((_mH(v) @ dv) * eye).sum(axis=-2, keepdims=True).real
    return concatenate([d_values, dv - v * norms], axis=-2)


eig_packed.defvjp(_eig_vjp, formulas=("V⁻ᴴ(diag(L̄)+(VᴴV̄)/Ê)Vᴴ",))
eig_packed.defjvp(_eig_jvp)
eig_packed.defcomplex()
