"""split, chunk, unbind, hstack, vstack, tile, repeat, repeat_interleave (ops/pieces.py) beyond the op table
(tests/test_ops_table.py checks values, gradients, forward mode, float32 and compile): the number and shapes of
the pieces against PyTorch, the gradient of pieces used apart, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, gradcheck


def _torch():
    return pytest.importorskip("torch")


X = np.arange(30.0).reshape(5, 6)


@pytest.mark.parametrize("how", [("split", 2, 0), ("split", 4, 1), ("split", [1, 0, 4], 0), ("chunk", 4, 0),
                                 ("chunk", 4, 1), ("chunk", 7, 0), ("unbind", 1), ("unbind", -1)],
                         ids=lambda h: "-".join(map(str, h)))
def test_pieces_match_torch(how):
    torch = _torch()
    name, *args = how
    ours = getattr(ag, name)(Value(X), *args)
    theirs = getattr(torch, name)(torch.as_tensor(X), *args)
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.data, b.numpy())


def test_a_piece_used_alone_gets_gradient_only_in_its_window():
    x = Value(X)
    first, _, last = x.chunk(3, dim=0)
    (first.sum() * 2 + last.sum()).backward()
    expected = np.zeros_like(X)
    expected[:2], expected[4:] = 2.0, 1.0
    np.testing.assert_array_equal(x.grad, expected)
    assert gradcheck(lambda v: v.split([2, 4], 1)[1] * v.unbind(1)[0].reshape(5, 1), (X / 10,))


@pytest.mark.parametrize("sizes", [(2, 3), (1, 2, 2), (3, 1, 1, 2)], ids=str)
def test_repeat_and_tile_match_torch(sizes):
    torch = _torch()
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(Value(x).repeat(*sizes).data, torch.as_tensor(x).repeat(*sizes).numpy())
    np.testing.assert_array_equal(Value(x).repeat(sizes).data, torch.as_tensor(x).repeat(sizes).numpy())
    np.testing.assert_array_equal(ag.tile(Value(x), sizes).data, torch.tile(torch.as_tensor(x), sizes).numpy())
    np.testing.assert_array_equal(Value(x).tile(sizes[-1:]).data, torch.as_tensor(x).tile(sizes[-1:]).numpy())


def test_repeat_interleave_and_stacks_match_torch():
    torch = _torch()
    x = np.arange(6.0).reshape(2, 3)
    for repeats, dim in [(2, None), (3, 0), (np.array([1, 0, 2]), 1), (np.array([2]), 0)]:
        r = torch.as_tensor(repeats) if isinstance(repeats, np.ndarray) else repeats
        np.testing.assert_array_equal(ag.repeat_interleave(Value(x), repeats, dim).data,
                                      torch.repeat_interleave(torch.as_tensor(x), r, dim=dim).numpy())
    parts = [np.float64(1.0), np.array([2.0, 3.0])]
    np.testing.assert_array_equal(ag.hstack([Value(p) for p in parts]).data,
                                  torch.hstack([torch.as_tensor(p) for p in parts]).numpy())
    parts = [np.array([1.0, 2.0]), np.array([[3.0, 4.0], [5.0, 6.0]])]
    np.testing.assert_array_equal(ag.vstack([Value(p) for p in parts]).data,
                                  torch.vstack([torch.as_tensor(p) for p in parts]).numpy())


ERRORS = [
    ("split-sections-sum", lambda m, x: m.split(x, [1, 1], 1), "sum exactly to"),
    ("split-size-0", lambda m, x: m.split(x, 0, 1), "split_size"),
    ("chunk-0", lambda m, x: m.chunk(x, 0), "greater than 0"),
    ("repeat-too-few-sizes", lambda m, x: x.repeat(2), "can not be smaller"),
    ("repeat_interleave-counts", lambda m, x: m.repeat_interleave(x, m.tensor([1, 2]), 1), "same size"),
    ("repeat_interleave-negative", lambda m, x: m.repeat_interleave(x, -1), "non-negative"),
    ("hstack-empty", lambda m, x: m.hstack([]), "non-empty"),
]


@pytest.mark.parametrize("label, call, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_pytorchs(label, call, words):
    with pytest.raises(RuntimeError, match=words):
        call(ag, Value(np.ones((2, 3))))
    torch = _torch()
    with pytest.raises(RuntimeError):
        call(torch, torch.ones(2, 3))
