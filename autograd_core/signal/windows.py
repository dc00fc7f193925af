"""torch.signal.windows: window functions for filter design and spectral analysis, `hann(M)`, `gaussian(M, std=2)`,
..., each a 1-D Value of M samples.

Unlike the older `torch.hann_window(window_length, periodic=True)` (autograd_core/windows.py, whose formulas these
share), a window here is symmetric by default (`sym=True`, SciPy's convention); `sym=False` gives the periodic
window, the symmetric one of M + 1 samples without the last. Every keyword but M is keyword-only, as in PyTorch,
and bad arguments raise PyTorch's ValueError. The samples are computed in float64 and cast to `dtype` (float32 or
float64; the default float dtype unless given).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

from ..dtypes import DEFAULTS
from ..tensor import _make
from ..tensor_attributes import strided
from ..windows import bartlett as _bartlett
from ..windows import general_cosine as _general_cosine
from ..windows import kaiser as _kaiser
from ..windows import samples

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming",
           "hamming", "hann", "kaiser", "nuttall"]


def _window(name, M, sym, dtype, layout, device, requires_grad, formula, single=None):
    """formula(n, m) for n = 0 .. M − 1 (m = M − 1 when sym, else M) as a Value, after PyTorch's checks. A window
    of one sample is [1], or [single] when given (the exponential window's with a center of its own)."""
    if isinstance(M, bool) or not isinstance(M, numbers.Integral):
        raise TypeError(f"{name}(): argument 'M' must be int, not {type(M).__name__}")
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not strided:
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    dtype = DEFAULTS["dtype"] if dtype is None else np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")
    data = np.array([single]) if M == 1 and single is not None else samples(M, sym, formula)
    return _make(data.astype(dtype), requires_grad, device)


def bartlett(M, *, sym=True, dtype=None, layout=strided, device=None, requires_grad=False):
    """The Bartlett (triangular) window w_n = 1 − |2n / m − 1|, shape (M,); m = M − 1 (sym) or M (periodic)."""
    return _window("bartlett", M, sym, dtype, layout, device, requires_grad, _bartlett)


def general_cosine(M, *, a, sym=True, dtype=None, layout=strided, device=None, requires_grad=False):
    """The generalised cosine window w_n = Σᵢ (−1)ⁱ aᵢ cos(2πi n / m), shape (M,), for the coefficients `a` (a
    non-empty list or tuple); m = M − 1 (sym) or M (periodic)."""
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    a = list(a)
    if not a:
        raise ValueError("Coefficients cannot be empty")
    return _window("general_cosine", M, sym, dtype, layout, device, requires_grad,
                   lambda n, m: _general_cosine(n, m, a))


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=strided, device=None, requires_grad=False):
    """The generalised Hamming window w_n = α − (1 − α) cos(2πn / m), shape (M,); m = M − 1 (sym) or M."""
    return _window("general_hamming", M, sym, dtype, layout, device, requires_grad,
                   lambda n, m: _general_cosine(n, m, (alpha, 1.0 - alpha)))


def hamming(M, *, sym=True, dtype=None, layout=strided, device=None, requires_grad=False):
    """The Hamming window w_n = 0.54 − 0.46 cos(2πn / m), shape (M,); m = M − 1 (sym) or M (periodic)."""
    return _window("hamming", M, sym, dtype, layout, device, requires_grad,
                   lambda n, m: _general_cosine(n, m, (0.54, 0.46)))


def hann(M, *, sym=True, dtype=None, layout=strided, device=None, requires_grad=False):
    """The Hann window w_n = 0.5 − 0.5 cos(2πn / m) = sin²(πn / m), shape (M,); m = M − 1 (sym) or M."""
    return _window("hann", M, sym, dtype, layout, device, requires_grad,
                   lambda n, m: _general_cosine(n, m, (0.5, 0.5)))


def blackman(M, *, sym=True, dtype=None, layout=strided, device=None, requires_grad=False):
    """The Blackman window w_n = 0.42 − 0.5 cos(2πn / m) + 0.08 cos(4πn / m), shape (M,); m = M − 1 (sym) or M."""
    return _window("blackman", M, sym, dtype, layout, device, requires_grad,
                   lambda n, m: _general_cosine(n, m, (0.42, 0.5, 0.08)))


def nuttall(M, *, sym=True, dtype=None, layout=strided, device=None, requires_grad=False):
    """The minimum 4-term Blackman-Harris window of Nuttall, w_n = Σᵢ (−1)ⁱ aᵢ cos(2πi n / m) with a = (0.3635819,
    0.4891775, 0.1365995, 0.0106411), shape (M,); m = M − 1 (sym) or M (periodic)."""
    return _window("nuttall", M, sym, dtype, layout, device, requires_grad,
                   lambda n, m: _general_cosine(n, m, (0.3635819, 0.4891775, 0.1365995, 0.0106411)))


def cosine(M, *, sym=True, dtype=None, layout=strided, device=None, requires_grad=False):
    """The cosine (sine) window w_n = sin(π (n + ½) / (m + 1)), shape (M,); m = M − 1 (sym) or M (periodic)."""
    return _window("cosine", M, sym, dtype, layout, device, requires_grad,
                   lambda n, m: np.sin(np.pi * (n + 0.5) / (m + 1)))


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=strided, device=None, requires_grad=False):
    """The Gaussian window w_n = exp(−(n − m/2)² / (2 std²)), shape (M,); m = M − 1 (sym) or M (periodic);
    std > 0."""
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    return _window("gaussian", M, sym, dtype, layout, device, requires_grad,
                   lambda n, m: np.exp(-((n - m / 2) / (std * np.sqrt(2))) ** 2))


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=strided, device=None,
                requires_grad=False):
    """The exponential (Poisson) window w_n = exp(−|n − center| / τ), shape (M,); center defaults to m / 2 (m = M − 1
    when sym, else M) and may be given only for a periodic window (sym=False); tau > 0."""
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    return _window("exponential", M, sym, dtype, layout, device, requires_grad,
                   lambda n, m: np.exp(-np.abs(n - (m / 2 if center is None else center)) / tau),
                   single=None if center is None else np.exp(-abs(center) / tau))


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=strided, device=None, requires_grad=False):
    """The Kaiser window w_n = I₀(β · sqrt(1 − (2n / m − 1)²)) / I₀(β), shape (M,), I₀ the modified Bessel function
    of order 0; m = M − 1 (sym) or M (periodic); beta ≥ 0."""
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    return _window("kaiser", M, sym, dtype, layout, device, requires_grad, lambda n, m: _kaiser(n, m, beta))
