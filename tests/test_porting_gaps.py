"""Idioms of PyTorch code being ported that autograd-core met differently (found by running PyTorch users' scripts
with both libraries): each is checked on its own, and against PyTorch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag


def test_cat_leaves_out_empty_1d_tensors_as_pytorch():
    # The evaluation loop's accumulator: `preds = torch.tensor([])`, then `torch.cat([preds, batch])` over (N, C)
    # batches. PyTorch skips a (0,)-shaped operand among others; NumPy's concatenate refused the mixed ranks.
    preds = ag.tensor([])
    for i in range(3):
        preds = ag.cat([preds, ag.ones(2, 4) * i], dim=0)
    assert preds.shape == (6, 4) and preds.dtype == np.float32
    np.testing.assert_array_equal(preds[:, 0].data, [0, 0, 1, 1, 2, 2])
    x = ag.ones(2, 3, requires_grad=True)
    ag.cat((ag.empty(0), x * 2)).sum().backward()  # torch.cat's tuple too; the gradient passes
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    assert ag.cat([ag.tensor([]), ag.tensor([[1, 2]])]).dtype == np.float32   # the empty one's dtype still counts
    assert ag.concat([ag.tensor([]), ag.ones(2, 3)], dim=1).shape == (2, 3)
    assert ag.cat([ag.tensor([]), ag.tensor([])]).shape == (0,)
    with pytest.raises(ValueError):
        ag.cat([ag.zeros(0, 3), ag.ones(2, 4)])  # an empty 2-D operand is not left out, as in PyTorch


def test_cat_of_empty_1d_tensors_matches_pytorch():
    torch = pytest.importorskip("torch")
    cases = (lambda lib: lib.cat([lib.tensor([]), lib.tensor([[1, 2], [3, 4]])]),
             lambda lib: lib.cat([lib.tensor([[1.5]]), lib.tensor([], dtype=lib.int64)], dim=1),
             lambda lib: lib.cat([lib.tensor([], dtype=lib.int64), lib.tensor([1, 2])]))
    for make in cases:
        ours, theirs = make(ag), make(torch)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.data, theirs.numpy())
