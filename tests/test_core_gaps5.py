"""More gaps of the in-place and view machinery, each against PyTorch 2.13 where it is installed:

2. A reshape (view, flatten, squeeze, unsqueeze, t, permute) of an expand() that NumPy can express as a view is one:
   an in-place change of it writes through to the Value expanded (`x.expand(1, 3).reshape(3).add_(1)` changes x), and
   raises PyTorch's error where its elements share memory (`x.expand(2, 3).reshape(2, 3, 1).add_(1)`), fill_ going
   through either way; a reshape NumPy must copy (`x.expand(2, 3).reshape(6)`), and repeat(), stay copies.
"""

from __future__ import annotations

import pytest

import autograd_core as ag


def _torch():
    return pytest.importorskip("torch")


def _outcome(run):
    """("ok", x.tolist()) for what run() returns, or ("RuntimeError", whether it is the overlap error)."""
    try:
        return "ok", run().tolist()
    except RuntimeError as error:
        return "RuntimeError", "more than one element of the written-to" in str(error)


# ----------------------------------------------------------------------------------------------------
# 2. Reshapes of an expand(): (name, fn(lib, x) changing a reshape of an expand of x = [1, 2, 3] in place).

RESHAPED_EXPAND_WRITES = {
    "reshape": lambda L, x: x.expand(1, 3).reshape(3).add_(1),
    "reshape_2d": lambda L, x: x.expand(1, 3).reshape(3, 1).mul_(2),
    "view": lambda L, x: x.expand(1, 3).view(3).add_(1),
    "view_minus_one": lambda L, x: x.expand(1, 3).view(-1).sub_(1),
    "flatten": lambda L, x: x.expand(1, 3).flatten().add_(1),
    "squeeze": lambda L, x: x.expand(1, 3).squeeze(0).add_(1),
    "unsqueeze": lambda L, x: x.expand(1, 3).unsqueeze(0).add_(1),
    "t": lambda L, x: x.expand(1, 3).t().add_(1),
    "permute": lambda L, x: x.expand(1, 3).permute(1, 0).add_(1),
    "reshape_then_setitem": lambda L, x: x.expand(1, 3).reshape(3).__setitem__(1, 9.0),
    "reshape_then_copy_": lambda L, x: x.expand(1, 3).reshape(3).copy_(L.tensor([4.0, 5.0, 6.0])),
    "reshape_of_element_rows": lambda L, x: x.expand(2, 3)[1].reshape(1, 3).add_(1),
    # elements that share memory: PyTorch's error (fill_ goes through)
    "overlapping_view": lambda L, x: x.expand(2, 3).view(2, 3, 1).add_(1),
    "overlapping_reshape": lambda L, x: x.expand(2, 3).reshape(2, 3, 1).mul_(2),
    "overlapping_fill_": lambda L, x: x.expand(2, 3).view(2, 3, 1).fill_(1),
    # copies: x stays as it is
    "reshape_copies": lambda L, x: x.expand(2, 3).reshape(6).add_(1),
    "flatten_copies": lambda L, x: x.expand(2, 3).flatten().add_(1),
    "repeat": lambda L, x: x.unsqueeze(0).repeat(2, 1).add_(1),
    "repeat_setitem": lambda L, x: x.unsqueeze(0).repeat(1, 1).__setitem__((0, 0), 9.0),
}


def _reshaped_expand_write(L, name):
    x = L.tensor([1.0, 2.0, 3.0])

    def run():
        RESHAPED_EXPAND_WRITES[name](L, x)
        return x

    return _outcome(run)


@pytest.mark.parametrize("name", RESHAPED_EXPAND_WRITES)
def test_writes_through_reshapes_of_an_expand_match_pytorch(name):
    torch = _torch()
    assert _reshaped_expand_write(ag, name) == _reshaped_expand_write(torch, name)


def test_writes_through_reshapes_of_an_expand_without_pytorch():
    assert _reshaped_expand_write(ag, "reshape") == ("ok", [2.0, 3.0, 4.0])
    assert _reshaped_expand_write(ag, "reshape_then_setitem") == ("ok", [1.0, 9.0, 3.0])
    assert _reshaped_expand_write(ag, "overlapping_view") == ("RuntimeError", True)
    assert _reshaped_expand_write(ag, "overlapping_fill_") == ("ok", [1.0, 1.0, 1.0])
    assert _reshaped_expand_write(ag, "reshape_copies") == ("ok", [1.0, 2.0, 3.0])
    assert _reshaped_expand_write(ag, "repeat") == ("ok", [1.0, 2.0, 3.0])
    x = ag.tensor([1.0, 2.0, 3.0])
    y = x.expand(1, 3).reshape(3)
    y.add_(1)
    assert y.tolist() == [2.0, 3.0, 4.0] and x._version_count == y._version_count == 1


def _reshaped_expand_in_a_graph(L):
    w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 1
    y = x.expand(1, 3).reshape(3)
    y.mul_(L.tensor([2.0, 3.0, 4.0]))
    (x * L.tensor([1.0, 10.0, 100.0])).sum().backward()
    return x.tolist(), y.tolist(), w.grad.tolist()


def test_reshape_of_an_expand_in_a_graph_matches_pytorch():
    torch = _torch()
    assert _reshaped_expand_in_a_graph(ag) == _reshaped_expand_in_a_graph(torch)


def test_reshape_of_an_expand_in_a_graph_by_hand():
    # x = w * [2, 3, 4], loss = sum(x * [1, 10, 100]): dloss/dw = [2, 30, 400]
    assert _reshaped_expand_in_a_graph(ag) == ([2.0, 6.0, 12.0], [2.0, 6.0, 12.0], [2.0, 30.0, 400.0])
