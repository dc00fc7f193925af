"""The discrete Fourier transforms behind torch.fft (autograd_core/fft.py): three primitives, each linear.

Every primitive takes its sizes `s` and its `axes` already resolved (fft.py does PyTorch's argument handling) and a
`norm` of "backward" (the forward transform unscaled, the inverse scaled by 1/n), "ortho" (both by 1/√n) or
"forward" (the forward by 1/n). Before transforming, each input is cut or zero-padded along `axes` to the sizes the
transform needs (PyTorch's `n`/`s`); call that P.

The rules use the convention of ops/complex.py (the pass carries G = 2∂L/∂z, so a C-linear map A has G_in = Aᵀ G):
the DFT matrix is symmetric, so the rule of a transform is the same transform of g with the same scaling, followed
by Pᵀ (a cut becomes zero-padding and back, `_resized`). A real-to-complex transform's input is real, and the engine
keeps the real part of what its rule gives. The complex-to-real transform (irfft) is linear over the reals only: its
rule weighs the half spectrum, c = 1 at the zero frequency (and at n/2 for even n) and 2 elsewhere, the entries the
output counts twice. Each is linear, so its JVP is the transform of the tangent (`defjvp_linear`).
"""

from __future__ import annotations

import numpy as np

from ..errors import scalar_type_name
from ..python_numbers import complex_values_exist
from .primitive import primitive
from .shape import concatenate

_DUAL_NORM = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _resized(a, shape, axes):
    """a cut or zero-padded along `axes` to `shape`'s sizes there (Pᵀ of a transform's own cut or padding); runs on
    arrays and on Values."""
    for axis in axes:
        n, have = shape[axis], a.shape[axis]
        if have > n:
            index = [slice(None)] * a.ndim
            index[axis] = slice(0, n)
            a = a[tuple(index)]
        elif have < n:
            zeros_shape = list(a.shape)
            zeros_shape[axis] = n - have
            a = concatenate([a, np.zeros(zeros_shape, dtype=a.dtype)], axis=axis)
    return a


@primitive("fftn")
def fftn(x, s, axes, norm, inverse):
    """The n-dimensional DFT of x along `axes` (the inverse one if `inverse`), x cut or padded to sizes `s` first."""
    complex_values_exist()
    return (np.fft.ifftn if inverse else np.fft.fftn)(x, s=s, axes=axes, norm=norm)


fftn.defvjp(lambda g, out, x, s, axes, norm, inverse: _resized(fftn(g, s=s, axes=axes, norm=norm, inverse=inverse),
                                                               x.shape, axes),
            formulas=("Pᵀ·DFT(g)",))
fftn.defjvp_linear()


@primitive("rfftn")
def rfftn(x, s, axes, norm):
    """The n-dimensional DFT of real x along `axes`, the last of them halved (its n//2 + 1 non-negative frequencies)."""
    if x.dtype.kind == "c":
        raise RuntimeError(f"rfft expects a real input tensor, but got {scalar_type_name(x.dtype)}")
    complex_values_exist()
    return np.fft.rfftn(x, s=s, axes=axes, norm=norm)


def _rfftn_vjp(g, out, x, s, axes, norm):
    # the half spectrum's transpose: zero-pad the halved axis back to its full size, then the full transform
    full_shape = list(g.shape)
    full_shape[axes[-1]] = s[-1]
    full = _resized(g, full_shape, axes[-1:])
    return _resized(fftn(full, s=s, axes=axes, norm=norm, inverse=False), x.shape, axes)


rfftn.defvjp(_rfftn_vjp, formulas=("Re Pᵀ·DFT(g padded)",))
rfftn.defjvp_linear()


@primitive("irfftn")
def irfftn(x, s, axes, norm):
    """The inverse of rfftn: real output of sizes `s` along `axes` from the half spectrum x (Hermitian symmetry)."""
    return np.fft.irfftn(x, s=s, axes=axes, norm=norm)


def _half_spectrum_weights(n, ndim, axis, dtype):
    """c of the module docstring along `axis`: 2 for the frequencies the full spectrum holds twice, else 1."""
    weights = np.full(n // 2 + 1, 2.0, dtype=dtype)
    weights[0] = 1
    if n % 2 == 0:
        weights[-1] = 1
    shape = [1] * ndim
    shape[axis] = n // 2 + 1
    return weights.reshape(shape)


def _irfftn_vjp(g, out, x, s, axes, norm):
    half = rfftn(g, s=s, axes=axes, norm=_DUAL_NORM[norm])
    weights = _half_spectrum_weights(s[-1], g.ndim, axes[-1], out.dtype)
    return _resized(half.conj() * weights, x.shape, axes)


irfftn.defvjp(_irfftn_vjp, formulas=("Pᵀ·c⊙conj(rDFT(g))",))
irfftn.defjvp_linear()

for _op in (fftn, rfftn, irfftn):
    _op.defcomplex()
