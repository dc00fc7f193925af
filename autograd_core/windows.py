"""PyTorch's window functions: `hann_window`, `hamming_window`, `bartlett_window`, `blackman_window`,
`kaiser_window`, each a 1-D Value of `window_length` samples for spectral analysis (tapering a frame before an FFT).

As PyTorch's, a window is periodic by default (`periodic=True`): the symmetric window of window_length + 1 samples
without its last one, the form that tiles when frames overlap; `periodic=False` gives the symmetric window of
window_length samples (NumPy's `np.hanning` and friends). A window of 0 samples is empty and one of 1 sample is [1].
The samples are computed in float64 and then cast to the dtype asked for (the default float dtype unless `dtype=`),
so float32 windows can differ from PyTorch's, which computes in float32, in the last bit.
"""

from __future__ import annotations

import numbers

import numpy as np

from .dtypes import DEFAULTS
from .tensor import _make
from .tensor_attributes import check_layout


def samples(window_length, symmetric, formula):
    """formula(n, m) for n = 0 .. window_length − 1 (float64), m the symmetric window's last index: window_length − 1
    when `symmetric`, else window_length (the periodic window is the symmetric one of window_length + 1 samples
    without the last). A window of 0 samples is empty and one of 1 sample is [1]. Shared with signal.windows."""
    if window_length <= 1:
        return np.ones(window_length)
    return formula(np.arange(window_length, dtype=np.float64), window_length - 1 if symmetric else window_length)


def general_cosine(n, m, a):
    """Σᵢ (−1)ⁱ aᵢ cos(2πi n / m): Hann, Hamming, Blackman and Nuttall are sums of a few cosines."""
    return sum((-1) ** i * c * np.cos(2 * np.pi * i * n / m) for i, c in enumerate(a))


def bartlett(n, m):
    """1 − |2n / m − 1|: the triangle rising from 0 to 1 at n = m / 2 and back."""
    return 1 - np.abs(2 * n / m - 1)


def kaiser(n, m, beta):
    """I₀(β · sqrt(1 − (2n / m − 1)²)) / I₀(β), I₀ the modified Bessel function of order 0."""
    return np.i0(beta * np.sqrt(np.clip(1 - (2 * n / m - 1) ** 2, 0, None))) / np.i0(beta)


def _window(name, window_length, periodic, dtype, layout, device, requires_grad, formula):
    """The window `formula(n, m)` for n = 0 .. window_length − 1 with m the symmetric window's last index, as a
    Value; the checks and the periodic/symmetric choice that every window shares."""
    check_layout(layout, name)
    if isinstance(window_length, bool) or not isinstance(window_length, numbers.Integral):
        raise TypeError(f"{name}(): argument 'window_length' must be int, not {type(window_length).__name__}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    dtype = DEFAULTS["dtype"] if dtype is None else np.dtype(dtype)
    if dtype.kind != "f":
        raise RuntimeError(f"{name} expects floating point dtypes, got {dtype}")
    return _make(samples(window_length, not periodic, formula).astype(dtype), requires_grad, device)


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   requires_grad=False):
    """The generalised Hamming window α − β · cos(2πn / m), n = 0 .. window_length − 1 (shape (window_length,));
    m = window_length when periodic, window_length − 1 otherwise."""
    return _window("hamming_window", window_length, periodic, dtype, layout, device, requires_grad,
                   lambda n, m: general_cosine(n, m, (alpha, beta)))


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The Hann window 0.5 − 0.5 · cos(2πn / m) = sin²(πn / m), n = 0 .. window_length − 1 (shape
    (window_length,)); m = window_length when periodic, window_length − 1 otherwise."""
    return _window("hann_window", window_length, periodic, dtype, layout, device, requires_grad,
                   lambda n, m: general_cosine(n, m, (0.5, 0.5)))


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The Bartlett (triangular) window 1 − |2n / m − 1|, n = 0 .. window_length − 1 (shape (window_length,));
    m = window_length when periodic, window_length − 1 otherwise."""
    return _window("bartlett_window", window_length, periodic, dtype, layout, device, requires_grad,
                   bartlett)


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The Blackman window 0.42 − 0.5 · cos(2πn / m) + 0.08 · cos(4πn / m), n = 0 .. window_length − 1 (shape
    (window_length,)); m = window_length when periodic, window_length − 1 otherwise."""
    return _window("blackman_window", window_length, periodic, dtype, layout, device, requires_grad,
                   lambda n, m: general_cosine(n, m, (0.42, 0.5, 0.08)))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  requires_grad=False):
    """The Kaiser window I₀(β · sqrt(1 − (2n / m − 1)²)) / I₀(β), n = 0 .. window_length − 1 (shape
    (window_length,)), with I₀ the modified Bessel function of order 0; m = window_length when periodic,
    window_length − 1 otherwise."""
    return _window("kaiser_window", window_length, periodic, dtype, layout, device, requires_grad,
                   lambda n, m: kaiser(n, m, beta))
