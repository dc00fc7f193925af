"""torch.fft: discrete Fourier transforms of Values, differentiable (their primitives and rules: ops/fft.py).

    import autograd_core as torch
    X = torch.fft.rfft(x)                      # real x (..., n) -> complex (..., n // 2 + 1)
    y = torch.fft.irfft(X, n=x.shape[-1])      # and back

Every function takes PyTorch's arguments: `n` (one dimension) or `s` (several) cut or zero-pad the input to the
sizes transformed (-1 keeps a dimension's size), `dim` picks the dimensions (the last by default for one, the last
two for the 2-d functions, all, or the last len(s), for the n-d ones), `norm` is "backward" (the default: the
forward transform unscaled, the inverse by 1/n), "ortho" (both by 1/√n) or "forward" (the forward by 1/n).
Integer inputs are transformed in the default float dtype; float32 gives complex64, float64 complex128.
"""

from __future__ import annotations

import numbers

import numpy as np

from .ops import fft as _ops
from .ops.complex import refuse_complex_with
from .ops.index import as_value
from .value import Value

__all__ = ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn",
           "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_DUAL_NORM = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in _DUAL_NORM:
        raise ValueError(f"Invalid normalization mode: {norm}")
    return norm


def _input(x):
    x = as_value(x)
    if x.dtype.kind in "biu":
        from .dtypes import DEFAULTS

        x = x.to(DEFAULTS["dtype"])
    return x


def _axes(x, s, dim, default):
    """The dimensions transformed, as non-negative ints: `dim`, or the last len(s), or `default` (None: all)."""
    ndim = x.ndim
    if dim is None:
        if s is not None:
            dim = tuple(range(ndim - len(s), ndim))
        else:
            dim = tuple(range(ndim)) if default is None else default
    dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    axes = []
    for d in dims:
        if not -ndim <= d < ndim or ndim == 0:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {d})")
        axes.append(int(d) % ndim)
    if len(set(axes)) != len(axes):
        raise RuntimeError("FFT dims must be unique")
    if s is not None and len(s) != len(axes):
        raise RuntimeError("When given, dim and shape arguments must have the same length")
    return tuple(axes)


def _sizes(x, s, axes, last=None):
    """The sizes transformed along `axes`: s (-1: the input's size), else the input's (`last` for the last axis)."""
    if s is None:
        sizes = [x.shape[a] for a in axes]
        if last is not None:
            sizes[-1] = last
    else:
        sizes = [x.shape[a] if n == -1 else int(n) for n, a in zip(s, axes)]
    for n in sizes:
        if n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return tuple(sizes)


def _c2c(x, s, dim, norm, inverse, default=None):
    x = _input(x)
    axes = _axes(x, s, dim, default)
    return _ops.fftn(x, s=_sizes(x, s, axes), axes=axes, norm=_norm(norm), inverse=inverse)


def _r2c(x, s, dim, norm, default=None):
    x = _input(x)
    axes = _axes(x, s, dim, default)
    return _ops.rfftn(x, s=_sizes(x, s, axes), axes=axes, norm=_norm(norm))


def _c2r(x, s, dim, norm, default=None):
    x = _input(x)
    axes = _axes(x, s, dim, default)
    sizes = _sizes(x, s, axes, last=2 * (x.shape[axes[-1]] - 1))
    return _ops.irfftn(x, s=sizes, axes=axes, norm=_norm(norm))


def _n(n):
    return None if n is None else (n,)


def fft(input, n=None, dim=-1, norm=None):  # noqa: A002  (PyTorch's argument names)
    """The 1-d DFT along dim: complex output of length n (the input cut or zero-padded to n; its length by default)."""
    return _c2c(input, _n(n), (dim,), norm, False)


def ifft(input, n=None, dim=-1, norm=None):  # noqa: A002
    """The inverse 1-d DFT along dim (scaled by 1/n under the default norm)."""
    return _c2c(input, _n(n), (dim,), norm, True)


def rfft(input, n=None, dim=-1, norm=None):  # noqa: A002
    """The 1-d DFT of real input along dim: its n // 2 + 1 non-negative frequencies (complex input raises)."""
    return _r2c(input, _n(n), (dim,), norm)


def irfft(input, n=None, dim=-1, norm=None):  # noqa: A002
    """The inverse of rfft: real output of length n (default 2·(m − 1) for m input frequencies) along dim."""
    return _c2r(input, _n(n), (dim,), norm)


def hfft(input, n=None, dim=-1, norm=None):  # noqa: A002
    """The DFT of a signal with Hermitian symmetry given by its first half: real output of length n (default
    2·(m − 1)); irfft of the conjugate with the dual normalisation."""
    x = _input(input)
    return irfft(x.conj(), n, dim, _DUAL_NORM[_norm(norm)])


def ihfft(input, n=None, dim=-1, norm=None):  # noqa: A002
    """The inverse of hfft: from real input, the first n // 2 + 1 entries of its inverse DFT (conj of rfft with the
    dual normalisation)."""
    refuse_complex_with(RuntimeError, "ihfft expects a real input tensor, but got {torch}", input)
    return rfft(input, n, dim, _DUAL_NORM[_norm(norm)]).conj()


def fft2(input, s=None, dim=(-2, -1), norm=None):  # noqa: A002
    """fftn over the last two dimensions (or `dim`)."""
    return _c2c(input, s, dim, norm, False)


def ifft2(input, s=None, dim=(-2, -1), norm=None):  # noqa: A002
    """ifftn over the last two dimensions (or `dim`)."""
    return _c2c(input, s, dim, norm, True)


def rfft2(input, s=None, dim=(-2, -1), norm=None):  # noqa: A002
    """rfftn over the last two dimensions (or `dim`)."""
    refuse_complex_with(RuntimeError, "rfftn expects a real-valued input tensor, but got {torch}", input)
    return _r2c(input, s, dim, norm)


def irfft2(input, s=None, dim=(-2, -1), norm=None):  # noqa: A002
    """irfftn over the last two dimensions (or `dim`)."""
    return _c2r(input, s, dim, norm)


def fftn(input, s=None, dim=None, norm=None):  # noqa: A002
    """The n-d DFT over `dim` (all dimensions, or the last len(s), by default), the input cut or padded to s."""
    return _c2c(input, s, dim, norm, False)


def ifftn(input, s=None, dim=None, norm=None):  # noqa: A002
    """The inverse n-d DFT over `dim`."""
    return _c2c(input, s, dim, norm, True)


def rfftn(input, s=None, dim=None, norm=None):  # noqa: A002
    """The n-d DFT of real input over `dim`, the last of them halved to its non-negative frequencies."""
    refuse_complex_with(RuntimeError, "rfftn expects a real-valued input tensor, but got {torch}", input)
    return _r2c(input, s, dim, norm)


def irfftn(input, s=None, dim=None, norm=None):  # noqa: A002
    """The inverse of rfftn: real output of sizes s over `dim` (the last one 2·(m − 1) by default)."""
    return _c2r(input, s, dim, norm)


def hfft2(input, s=None, dim=(-2, -1), norm=None):  # noqa: A002
    """hfftn over the last two dimensions (or `dim`)."""
    return hfftn(input, s, dim, norm)


def ihfft2(input, s=None, dim=(-2, -1), norm=None):  # noqa: A002
    """ihfftn over the last two dimensions (or `dim`)."""
    refuse_complex_with(RuntimeError, "Only supports floating-point dtypes, but found: {torch}", input)
    return ihfftn(input, s, dim, norm)


def hfftn(input, s=None, dim=None, norm=None):  # noqa: A002
    """The n-d DFT of a signal with Hermitian symmetry given by its half (the last of `dim` halved): real output of
    sizes s (the last 2·(m − 1) by default); irfftn of the conjugate with the dual normalisation."""
    x = _input(input)
    return irfftn(x.conj(), s, dim, _DUAL_NORM[_norm(norm)])


def ihfftn(input, s=None, dim=None, norm=None):  # noqa: A002
    """The inverse of hfftn: from real input, its inverse n-d DFT with the last of `dim` halved to n // 2 + 1 (conj of
    rfftn with the dual normalisation)."""
    refuse_complex_with(RuntimeError, "Only supports floating-point dtypes, but found: {torch}", input)
    return _r2c(input, s, dim, _DUAL_NORM[_norm(norm)]).conj()


def _frequencies(values, dtype, requires_grad):
    from .dtypes import DEFAULTS

    return Value(values.astype(DEFAULTS["dtype"] if dtype is None else dtype), requires_grad=requires_grad)


def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The frequencies of fft's n outputs for samples d apart: [0, 1, ..., n//2 − 1 or so, −n//2, ..., −1] / (d·n)."""
    return _frequencies(np.fft.fftfreq(n, d), dtype, requires_grad)


def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The frequencies of rfft's n // 2 + 1 outputs for samples d apart: [0, 1, ..., n // 2] / (d·n)."""
    return _frequencies(np.fft.rfftfreq(n, d), dtype, requires_grad)


def _shifted(input, dim, sign):
    x = as_value(input)
    dims = tuple(range(x.ndim)) if dim is None else (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    if not dims:
        return x
    return x.roll([sign * (x.shape[d] // 2) for d in dims], dims)


def fftshift(input, dim=None):  # noqa: A002
    """The zero frequency moved to the centre of `dim` (all dimensions by default): a roll by size // 2."""
    return _shifted(input, dim, 1)


def ifftshift(input, dim=None):  # noqa: A002
    """The inverse of fftshift: a roll by −(size // 2)."""
    return _shifted(input, dim, -1)
