"""torch.stft and torch.istft: the short-time Fourier transform and its inverse, compositions of padding, frames
(`unfold`) or overlap-add (`scatter_add`), a window and torch.fft's transforms, so differentiable through their
rules."""

from __future__ import annotations

import warnings

import numpy as np

from . import fft as _fft
from .ops.complex import view_as_real
from .ops.index import as_value
from .ops.shape import concatenate, scatter_add


def _padded(x, pad, mode):
    """x padded by `pad` samples at both ends of its last dimension: "reflect" (mirrored about the end samples, as
    PyTorch's), "replicate", "circular" or "constant" (zeros)."""
    if pad == 0:
        return x
    length = x.shape[-1]
    if mode == "reflect":
        if pad >= length:
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, but "
                               f"got: padding ({pad}, {pad}) at dimension {x.ndim - 1} of input {list(x.shape)}")
        left, right = x[..., 1:pad + 1].flip(-1), x[..., length - pad - 1:length - 1].flip(-1)
    elif mode == "replicate":
        left, right = x[..., :1].expand(*x.shape[:-1], pad), x[..., -1:].expand(*x.shape[:-1], pad)
    elif mode == "circular":
        left, right = x[..., length - pad:], x[..., :pad]
    elif mode == "constant":
        left = right = x[..., :1] * 0 if pad == 1 else (x[..., :1] * 0).expand(*x.shape[:-1], pad)
    else:
        raise ValueError(f"stft: pad_mode must be 'reflect', 'constant', 'replicate' or 'circular', not {mode!r}")
    return concatenate([left, x, right], axis=-1)


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",  # noqa: A002
         normalized=False, onesided=None, return_complex=None, align_to_window=None):
    """The STFT of real input (L,) or (B, L): complex (n_fft // 2 + 1, frames) or (B, n_fft // 2 + 1, frames)
    (n_fft rows with onesided=False), frame t being rfft(window · x[t·hop : t·hop + n_fft]).

    hop_length: n_fft // 4 by default; window: of win_length (n_fft by default) samples, zero-padded on both sides
    to n_fft (a rectangular window of ones if None); center: x padded by n_fft // 2 at both ends first (pad_mode);
    normalized: the frames scaled by n_fft^(-1/2); return_complex must be given, as PyTorch 2.13 requires (False: the
    real and imaginary parts as a last dimension of 2, with PyTorch's deprecation warning); align_to_window (with
    center=False only): frame t is the win_length samples from t·hop, windowed, then zero-padded to n_fft. Complex
    input is refused."""
    x = as_value(input)
    if return_complex is None:
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will further "
                           "require that return_complex=True in a future PyTorch release.")
    if x.is_complex():
        raise NotImplementedError("stft: complex input is not supported here")
    if x.ndim not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {x.ndim}D")
    hop = n_fft // 4 if hop_length is None else int(hop_length)
    win_length = n_fft if win_length is None else int(win_length)
    if not 0 < win_length <= n_fft:
        raise RuntimeError(f"stft: expected 0 < win_length <= n_fft, but got win_length={win_length}")
    if hop <= 0:
        raise RuntimeError(f"stft: expected hop_length > 0, but got hop_length={hop}")
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if center:
        x = _padded(x, n_fft // 2, pad_mode)
    if x.shape[-1] < n_fft:
        raise RuntimeError(f"stft: expected 0 < n_fft <= {x.shape[-1]}, but got n_fft={n_fft}")
    aligned = bool(align_to_window) and win_length < n_fft
    frames = x.unfold(-1, win_length if aligned else n_fft, hop)  # (..., frames, n_fft or win_length)
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied,which is known to cause "
                      "spectral leakage. Other windows such as torch.hann_window or torch.hamming_window are "
                      "recommended to reduce spectral leakage.To suppress this warning and use a rectangular window, "
                      "explicitly set `window=torch.ones(n_fft, device=<device>)`.", UserWarning, stacklevel=2)
    if window is None and win_length < n_fft:
        window = np.ones(win_length, dtype=x.dtype)  # rectangular, then zero-padded to n_fft below
    if window is not None:
        window = as_value(window)
        if window.shape != (win_length,):
            raise RuntimeError(f"stft: expected a 1D window tensor of size equal to win_length={win_length}, but got "
                               f"window with size {list(window.shape)}")
        if win_length < n_fft and not aligned:
            left = (n_fft - win_length) // 2
            zeros = window[:1] * 0
            window = concatenate([zeros.expand(left), window, zeros.expand(n_fft - win_length - left)])
        frames = frames * window
    if aligned:  # the windowed pieces, zero-padded on both sides to n_fft
        left = (n_fft - win_length) // 2
        zeros = frames[..., :1] * 0
        frames = concatenate([zeros.expand(*frames.shape[:-1], left), frames,
                              zeros.expand(*frames.shape[:-1], n_fft - win_length - left)], axis=-1)
    onesided = True if onesided is None else onesided
    spectrum = (_fft.rfft if onesided else _fft.fft)(frames, norm="ortho" if normalized else "backward")
    spectrum = spectrum.transpose(-1, -2)
    if return_complex:
        return spectrum
    warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, stft will return "
                  "complex tensors for all inputs, and return_complex=False will raise an error.", UserWarning,
                  stacklevel=2)
    return view_as_real(spectrum)


def _overlap_added(frames, hop, shape_prefix):
    """Frames (..., T, n) added into a signal (..., n + hop·(T − 1)), frame t starting at t·hop."""
    count, n = frames.shape[-2], frames.shape[-1]
    positions = (np.arange(count)[:, None] * hop + np.arange(n)).reshape(-1)
    lead = int(np.prod(shape_prefix, dtype=np.int64))
    flat = frames.reshape(lead, count * n)
    rows = np.repeat(np.arange(lead), count * n)
    total = n + hop * (count - 1)
    added = scatter_add(flat.reshape(-1), index=(rows, np.tile(positions, lead)), shape=(lead, total))
    return added.reshape(*shape_prefix, total)


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,  # noqa: A002
          onesided=None, length=None, return_complex=False):
    """The inverse of stft: complex input (..., freq, frames) back to the signal (..., length), by the inverse
    transform of each frame, the window, overlap-add, and division by the overlap-added squared window (which must
    not vanish anywhere: PyTorch's NOLA check). The arguments are stft's; onesided defaults to freq == n_fft // 2 + 1;
    length cuts or zero-pads the result (by default, what stft's input had with center=True); return_complex: the
    complex inverse of a two-sided input (else the real one, from its non-negative frequencies, as PyTorch's)."""
    z = as_value(input)
    if not z.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor")
    if z.ndim not in (2, 3):
        raise RuntimeError(f"istft: expected a tensor with 2 or 3 dimensions of complex dtype, got {z.ndim}D")
    hop = n_fft // 4 if hop_length is None else int(hop_length)
    win_length = n_fft if win_length is None else int(win_length)
    onesided = z.shape[-2] == n_fft // 2 + 1 if onesided is None else onesided
    if normalized:
        z = z * float(np.sqrt(n_fft))
    spectra = z.transpose(-1, -2)  # (..., frames, freq)
    if return_complex:
        frames = _fft.ifft(spectra, n=n_fft)
    else:  # a real signal: the non-negative frequencies alone, read as Hermitian (a two-sided input's first half)
        frames = _fft.irfft(spectra if onesided else spectra[..., :n_fft // 2 + 1], n=n_fft)
    window = np.ones(win_length, dtype=frames.real.dtype) if window is None else window
    window = as_value(window)
    if win_length < n_fft:
        left = (n_fft - win_length) // 2
        zeros = window[:1] * 0
        window = concatenate([zeros.expand(left), window, zeros.expand(n_fft - win_length - left)])
    signal = _overlap_added(frames * window, hop, tuple(frames.shape[:-2]))
    envelope = _overlap_added((window * window).expand(frames.shape[-2], n_fft), hop, ())  # differentiable in window
    start = n_fft // 2 if center else 0
    end = signal.shape[-1] - (n_fft // 2 if center else 0)
    if length is not None:
        end = start + length
    kept = envelope[start:min(end, envelope.shape[-1])]
    if np.abs(kept.data).min() < 1e-11:
        raise RuntimeError("istft: window overlap add min: the window's squares overlap-added vanish somewhere "
                           "(the NOLA condition); choose another window or hop_length")
    signal = signal[..., start:min(end, signal.shape[-1])] / kept
    if length is not None and signal.shape[-1] < length:
        warnings.warn("The length of signal is shorter than the length parameter. Result is being padded with zeros "
                      "in the tail. Please check your center and hop_length settings.", UserWarning, stacklevel=2)
        zeros = signal[..., :1] * 0
        signal = concatenate([signal, zeros.expand(*signal.shape[:-1], length - signal.shape[-1])], axis=-1)
    return signal
