"""Small gaps of the core, each against PyTorch 2.13 where it is installed:

1. The conjugate and negative bits of a 0-d Value's views, and of one element read out of a Value with a bit.
2. np.asarray of a Value with a lazy bit that requires grad: PyTorch's requires-grad error first.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag


def _torch():
    return pytest.importorskip("torch")


# ----------------------------------------------------------------------------------------------------
# 1. Bits of 0-d views: (name, fn(lib, z)) where z is a Value with a bit; c is conj() of a 0-d complex Value.

ZERO_D_VIEWS = {
    "itself": lambda L, c: c,
    "detach": lambda L, c: c.detach(),
    "view_0d": lambda L, c: c.view(()),
    "view_1": lambda L, c: c.view(1),
    "reshape_1": lambda L, c: c.reshape(1),
    "none_index": lambda L, c: c[None],
    "ellipsis": lambda L, c: c[...],
    "unsqueeze": lambda L, c: c.unsqueeze(0),
    "unsqueeze_squeeze": lambda L, c: c.unsqueeze(0).squeeze(0),
    "squeeze": lambda L, c: c.squeeze(),
    "expand": lambda L, c: c.expand(3),
    "expand_as": lambda L, c: c.expand_as(L.zeros(2, 2)),
    "broadcast_to": lambda L, c: L.broadcast_to(c, (2,)),
    "flatten": lambda L, c: c.flatten(),
    "ravel": lambda L, c: c.ravel(),
    "t": lambda L, c: c.t(),
    "view_as": lambda L, c: c.view_as(c),
    "as_strided": lambda L, c: c.as_strided((2,), (0,)),
    "contiguous": lambda L, c: c.contiguous(),
    "real": lambda L, c: c.real,
    "imag": lambda L, c: c.imag,
    "imag_view": lambda L, c: c.imag.view(1),
    "real_view": lambda L, c: c.real.view(1),
    "clone": lambda L, c: c.clone(),
    "neg": lambda L, c: -c,
    "view_of_view_conj": lambda L, c: c.view(1).conj(),
    "resolve_conj_of_view": lambda L, c: c.view(1).resolve_conj(),
    # one element read out of an n-d conjugate
    "element": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()[0, 1],
    "element_of_row": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()[1][0],
    "element_detach": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()[0, 1].detach(),
    "element_view": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()[0, 1].view(1),
    "element_imag": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()[0, 1].imag,
    "element_of_imag": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj().imag[0, 1],
    "element_of_reshape": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj().view(-1)[2],
    "element_advanced": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()[[0], [1]],
    "element_of_sum": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj().sum(),
    "element_of_real": lambda L, c: L.tensor([1.0, 2.0]).conj()[0],
    # the negative bit of a 0-d _neg_view, and of an element of one
    "neg_view_view": lambda L, c: L._neg_view(L.tensor(1.5)).view(1),
    "neg_view_detach": lambda L, c: L._neg_view(L.tensor(1.5)).detach(),
    "neg_view_element": lambda L, c: L._neg_view(L.tensor([1.5, 2.0]))[1],
}


def _bits_0d(lib, name):
    c = lib.tensor(1 + 2j).conj()
    out = ZERO_D_VIEWS[name](lib, c)
    return out.is_conj(), out.is_neg()


@pytest.mark.parametrize("name", sorted(ZERO_D_VIEWS))
def test_bits_of_0d_views_match_pytorch(name):
    torch = _torch()
    assert _bits_0d(ag, name) == _bits_0d(torch, name)


def test_bits_of_0d_views_without_pytorch():
    c = ag.tensor(1 + 2j).conj()
    assert c.is_conj() and c.view(1).is_conj() and c.detach().is_conj() and c[None].expand(3).is_conj()
    assert not c.clone().is_conj() and not (c * 1).is_conj() and not c.view(1).conj().is_conj()
    assert c.imag.view(1).is_neg() and not c.real.view(1).is_neg()
    m = ag.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()
    assert m[0, 1].is_conj() and m[0, 1].view(1).is_conj() and m.imag[1, 1].is_neg() and not m.real[1, 1].is_neg()
    assert not ag.tensor([[1 + 2j, 3j]])[0, 1].is_conj()


def test_0d_conjugate_keeps_its_number_and_gradient():
    z = ag.tensor(1 + 2j, requires_grad=True)
    c = z.conj()
    assert c.item() == 1 - 2j and c.detach().resolve_conj().numpy() == 1 - 2j
    assert c.view(1).resolve_conj().tolist() == [1 - 2j]
    with pytest.raises(RuntimeError, match="conjugate bit set"):
        c.detach().view(1).numpy()
    (c.view(1).real.sum() + 3 * c[None].imag.sum()).backward()
    assert z.grad == 1 - 3j  # d(Re z̄ + 3 Im z̄) = d(Re z − 3 Im z): PyTorch's gradient 1 − 3i
    m = ag.tensor([[1 + 2j, 3j]], requires_grad=True)
    element = m.conj()[0, 1]
    assert element.is_conj()
    element.imag.backward()
    np.testing.assert_array_equal(m.grad, [[0, -1j]])  # Im z̄ = −Im z: the gradient of −y is −i, as PyTorch


def test_0d_conjugate_in_place_changes_reach_its_views():
    c = ag.tensor(1 + 2j).conj()
    view = c.view(1)
    c.add_(1)
    assert view.resolve_conj().tolist() == [2 - 2j] and view.is_conj() and c.is_conj()


# ----------------------------------------------------------------------------------------------------
# 2. np.asarray of a Value with a lazy bit that requires grad.

ASARRAY_CASES = {
    "conj": lambda L: np.asarray(L.tensor([1 + 2j], requires_grad=True).conj()),
    "conj_0d": lambda L: np.asarray(L.tensor(1 + 2j, requires_grad=True).conj()),
    "conj_dtype": lambda L: np.asarray(L.tensor([1 + 2j], requires_grad=True).conj(), dtype=complex),
    "np_array_conj": lambda L: np.array(L.tensor([1 + 2j], requires_grad=True).conj()),
    "imag_of_conj": lambda L: np.asarray(L.tensor([1 + 2j], requires_grad=True).conj().imag),
    "neg_view": lambda L: np.asarray(L._neg_view(L.tensor([1.0], requires_grad=True))),
    "numpy_conj": lambda L: L.tensor([1 + 2j], requires_grad=True).conj().numpy(),
    "conj_detached": lambda L: np.asarray(L.tensor([1 + 2j], requires_grad=True).conj().detach()),
    "neg_view_detached": lambda L: np.asarray(L._neg_view(L.tensor([1.0], requires_grad=True)).detach()),
}


def _asarray_outcome(lib, name):
    try:
        return "ok", ASARRAY_CASES[name](lib).tolist()
    except RuntimeError as error:
        return "RuntimeError", str(error)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # PyTorch's own, for np.array
@pytest.mark.parametrize("name", sorted(ASARRAY_CASES))
def test_asarray_of_a_lazy_bit_that_requires_grad_matches_pytorch(name):
    torch = _torch()
    assert _asarray_outcome(ag, name) == _asarray_outcome(torch, name)


def test_asarray_of_a_conjugate_that_requires_grad_names_requires_grad():
    with pytest.raises(RuntimeError, match=r"^Can't call numpy\(\) on Tensor that requires grad\. Use "
                                           r"tensor\.detach\(\)\.numpy\(\) instead\.$"):
        np.asarray(ag.tensor([1 + 2j], requires_grad=True).conj())
    with pytest.raises(RuntimeError, match="conjugate bit set"):
        np.asarray(ag.tensor([1 + 2j], requires_grad=True).conj().detach())
