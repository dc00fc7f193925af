"""Gaps of the in-place and view machinery, each against PyTorch 2.13 where it is installed:

4. The gradient of a complex -> real cast reaching a complex input: PyTorch's r + 0j, the zero imaginary part
   positive (np.signbit), where the conjugate the backward pass carries used to leave r - 0j.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag


def _torch():
    return pytest.importorskip("torch")


def _numpy(t):
    """A tensor's or a Value's numbers (its .grad's too) as an ndarray."""
    return np.asarray(t.detach().numpy() if hasattr(t, "numpy") and not isinstance(t, np.ndarray) else t)


# ----------------------------------------------------------------------------------------------------
# 4. A complex -> real cast's gradient: (name, fn(lib, x)) for a complex x.

COMPLEX_TO_REAL = {
    "to_float64": lambda L, x: x.to(L.float64),
    "to_float32_times_2": lambda L, x: x.to(L.float32) * 2,
    "float": lambda L, x: x.float(),
    "double": lambda L, x: x.double(),
    "real": lambda L, x: x.real,
    "abs": lambda L, x: x.abs(),
}


def _cast_gradient(L, name):
    x = L.tensor([1 + 2j, -3 - 0.5j], requires_grad=True)
    COMPLEX_TO_REAL[name](L, x).sum().backward()
    g = _numpy(x.grad)
    return g.tolist(), np.signbit(g.imag).tolist(), str(g.dtype)


@pytest.mark.filterwarnings("ignore:Casting complex values to real")
@pytest.mark.parametrize("name", COMPLEX_TO_REAL)
def test_complex_to_real_cast_gradient_matches_pytorch(name):
    torch = _torch()
    ours, theirs = _cast_gradient(ag, name), _cast_gradient(torch, name)
    assert ours[1:] == theirs[1:]
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)


@pytest.mark.filterwarnings("ignore:Casting complex values to real")
def test_complex_to_real_cast_gradient_is_real_part_with_positive_zero():
    x = ag.tensor([1 + 2j], requires_grad=True)
    x.to(ag.float64).sum().backward()
    assert x.grad.tolist() == [1 + 0j] and not np.signbit(np.asarray(x.grad).imag).any()
    x = ag.tensor([1 + 2j], requires_grad=True)
    (gx,) = ag.autograd.grad(x.to(ag.float64).sum(), x, create_graph=True)
    assert not np.signbit(np.asarray(gx.data).imag).any()
    seen = []
    x = ag.tensor([1 + 2j], requires_grad=True)
    y = x.conj_physical() * 1
    y.register_hook(lambda g: seen.append(np.signbit(np.asarray(g).imag).tolist()))
    (3 * y.to(ag.float64)).sum().backward()
    assert seen == [[False]]
