"""autograd_core.signal.windows, PyTorch's torch.signal.windows: the eleven windows' values against PyTorch's (float64,
symmetric and periodic, lengths 0 to 9, each window's own keywords), their signatures, and the errors PyTorch raises.
The closed forms are checked without PyTorch too."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.signal import windows

OWN = {  # each window's own keywords, away from their defaults
    "general_cosine": {"a": [0.46, 0.3, 0.24]}, "general_hamming": {"alpha": 0.6}, "gaussian": {"std": 2.5},
    "exponential": {"tau": 2.0}, "kaiser": {"beta": 5.0},
}


@pytest.mark.parametrize("sym", [True, False])
@pytest.mark.parametrize("name", windows.__all__)
def test_window_matches_pytorch(name, sym):
    torch = pytest.importorskip("torch")
    for M in range(10):
        for own in ({}, OWN.get(name, {})) if name != "general_cosine" else (OWN[name],):
            ours = getattr(windows, name)(M, sym=sym, dtype=ag.float64, **own)
            theirs = getattr(torch.signal.windows, name)(M, sym=sym, dtype=torch.float64, **own)
            assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float64
            np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-14, err_msg=f"{name}({M})")


def test_exponential_center_matches_pytorch():
    torch = pytest.importorskip("torch")
    for M in (1, 2, 6):
        ours = windows.exponential(M, center=1.5, tau=0.7, sym=False, dtype=ag.float64)
        theirs = torch.signal.windows.exponential(M, center=1.5, tau=0.7, sym=False, dtype=torch.float64)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


def test_signatures_match_pytorch():
    torch = pytest.importorskip("torch")
    assert sorted(windows.__all__) == sorted(torch.signal.windows.__all__)
    for name in windows.__all__:
        ours = inspect.signature(getattr(windows, name)).parameters
        theirs = inspect.signature(getattr(torch.signal.windows, name)).parameters
        assert list(ours) == list(theirs), name
        for p, q in zip(ours.values(), theirs.values()):
            assert p.kind == q.kind, (name, p.name)
            if p.name not in ("dtype", "layout", "device"):
                assert p.default == q.default, (name, p.name)


def test_closed_forms_without_pytorch():
    n = np.arange(7)
    np.testing.assert_allclose(windows.hann(7, dtype=ag.float64).data, np.hanning(7))
    np.testing.assert_allclose(windows.hamming(7, dtype=ag.float64).data, np.hamming(7))
    np.testing.assert_allclose(windows.blackman(7, dtype=ag.float64).data, np.blackman(7), atol=1e-15)
    np.testing.assert_allclose(windows.bartlett(7, dtype=ag.float64).data, np.bartlett(7))
    np.testing.assert_allclose(windows.kaiser(7, beta=3.0, dtype=ag.float64).data, np.kaiser(7, 3.0))
    np.testing.assert_allclose(windows.gaussian(7, std=2.0, dtype=ag.float64).data, np.exp(-((n - 3) / 2.0) ** 2 / 2))
    np.testing.assert_allclose(windows.cosine(7, dtype=ag.float64).data, np.sin(np.pi * (n + 0.5) / 7))
    # periodic: the symmetric window one longer, without its last sample
    np.testing.assert_allclose(windows.hann(6, sym=False, dtype=ag.float64).data, np.hanning(7)[:-1], atol=1e-15)
    # the older torch.hann_window is periodic by default, and the same numbers
    np.testing.assert_allclose(ag.hann_window(6, dtype=ag.float64).data, windows.hann(6, sym=False).data, atol=1e-7)


def test_options_and_namespace():
    w = windows.hann(5, requires_grad=True)
    assert w.requires_grad and w.dtype == ag.get_default_dtype() and w.is_leaf
    assert windows.nuttall(4, dtype=ag.float32).dtype == np.float32
    assert windows.hann(0).shape == (0,) and windows.kaiser(1).data.tolist() == [1.0]
    assert ag.signal.windows.hann is windows.hann and "windows" in dir(ag.signal) and "signal" in dir(ag)


@pytest.mark.parametrize("call, error, match", [
    (lambda: windows.hann(-1), ValueError, "non-negative window length"),
    (lambda: windows.hann(4, dtype=ag.int64), ValueError, "expects float32 or float64"),
    (lambda: windows.hann(4, dtype=ag.float16), ValueError, "expects float32 or float64"),
    (lambda: windows.hann(4, layout=None), ValueError, "strided tensors only"),
    (lambda: windows.hann(2.0), TypeError, "must be int"),
    (lambda: windows.gaussian(4, std=0), ValueError, "Standard deviation must be positive"),
    (lambda: windows.exponential(4, tau=-1), ValueError, "Tau must be positive"),
    (lambda: windows.exponential(4, center=1.0), ValueError, "Center must be None for symmetric windows"),
    (lambda: windows.kaiser(4, beta=-1), ValueError, "beta must be non-negative"),
    (lambda: windows.general_cosine(4, a=[]), ValueError, "Coefficients cannot be empty"),
    (lambda: windows.general_cosine(4, a=0.5), TypeError, "Coefficients must be a list/tuple"),
    (lambda: windows.hann(3, 1), TypeError, "positional"),
])
def test_errors_as_pytorch(call, error, match):
    with pytest.raises(error, match=match):
        call()
