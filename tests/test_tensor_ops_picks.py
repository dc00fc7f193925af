"""median, cummax, cummin (ops/scan.py: the `pick` primitive, which the op table also checks), diff and
Tensor.unfold (ops/pieces.py), nonzero, argwhere, unique, bincount, count_nonzero (ops/special.py), one-argument
where, std_mean, var_mean, type_as, new_empty: by hand, by finite differences, and against PyTorch (skipped
without it)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value

NAN = float("nan")


def test_median_is_the_lower_median_and_nan_wins():
    assert float(ag.median(Value([4.0, 1.0, 3.0, 2.0])).data) == 2.0  # not 2.5
    values, indices = ag.median(Value([[3.0, NAN, 1.0], [4.0, 2.0, 6.0]]), 1)
    assert np.isnan(values.data[0]) and values.data[1] == 4.0 and indices.tolist() == [1, 0]
    values, indices = Value(np.arange(12.0).reshape(3, 4)).median(dim=0, keepdim=True)
    assert values.shape == (1, 4) and values.tolist() == [[4.0, 5.0, 6.0, 7.0]] and indices.tolist() == [[1] * 4]
    x = Value([1.0, 3.0, 3.0, 2.0, 3.0], requires_grad=True)
    x.median(0).values.backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 0.0, 0.0]  # the first 3 at the median's rank (a stable sort)
    empty = Value(np.zeros(0), requires_grad=True)
    for median in (ag.median, ag.nanmedian):  # NaN, as PyTorch's, and still differentiable (an empty gradient)
        m = median(empty)
        assert m.shape == () and np.isnan(m.item()) and m.requires_grad
        m.backward()
        assert empty.grad.shape == (0,)


def test_cummax_and_cummin_take_the_latest_tie_and_carry_nan():
    values, indices = ag.cummax(Value([1.0, 3.0, 3.0, 2.0, 5.0, 5.0]), 0)
    assert values.tolist() == [1.0, 3.0, 3.0, 3.0, 5.0, 5.0] and indices.tolist() == [0, 1, 2, 2, 4, 5]
    values, indices = ag.cummin(Value([1.0, NAN, 0.0, NAN, 3.0]), 0)
    assert np.isnan(values.data[1:]).all() and indices.tolist() == [0, 1, 1, 3, 3]
    x = Value([1.0, 3.0, 3.0, 2.0, 5.0], requires_grad=True)
    ag.cummax(x, 0).values.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 2.0, 0.0, 1.0]
    rng = np.random.default_rng(4)
    assert ag.gradcheck(lambda v: (ag.cummin(v, 1).values ** 2).sum(), [rng.standard_normal((3, 5))])


def test_picks_are_recomputed_by_a_compiled_step():
    """The positions come from each call's numbers (a primitive), not from the recording's."""
    step = ag.compile(lambda v: ag.median(Value(v), 0).values * 1.0 + ag.cummax(Value(v), 0).values.sum())
    rng = np.random.default_rng(5)
    for _ in range(5):
        data = rng.standard_normal(7)
        eager = ag.median(Value(data), 0).values.data + np.maximum.accumulate(data).sum()
        np.testing.assert_allclose(step(data).data, eager)
    assert step.stats["replayed"] >= 2


def test_diff_and_unfold():
    x = Value([1.0, 4.0, 9.0, 16.0], requires_grad=True)
    assert ag.diff(x).tolist() == [3.0, 5.0, 7.0]
    assert ag.diff(x, n=2, prepend=Value([0.0])).tolist() == [2.0, 2.0, 2.0]
    assert ag.diff(Value(np.arange(6.0).reshape(2, 3)), dim=0, append=Value(np.zeros((1, 3)))).shape == (2, 3)
    assert ag.gradcheck(lambda v: (ag.diff(v, n=2, dim=0) ** 2).sum(), [np.random.default_rng(1).random((5, 2))])
    w = Value(np.arange(7.0), requires_grad=True)
    windows = w.unfold(0, 3, 2)
    assert windows.tolist() == [[0.0, 1.0, 2.0], [2.0, 3.0, 4.0], [4.0, 5.0, 6.0]]
    windows.sum().backward()
    assert w.grad.tolist() == [1.0, 1.0, 2.0, 1.0, 2.0, 1.0, 1.0]  # overlapping windows add up
    image = Value(np.arange(24.0).reshape(2, 3, 4))
    assert image.unfold(2, 2, 1).shape == (2, 3, 3, 2) and image.unfold(1, 2, 2).shape == (2, 1, 4, 2)
    with pytest.raises(RuntimeError, match="step must be a positive integer"):
        w.unfold(0, 2, 0)


def test_positions_and_counts():
    x = Value([[0.0, 1.0], [2.0, 0.0]])
    assert x.nonzero().tolist() == [[0, 1], [1, 0]] and ag.argwhere(x).tolist() == [[0, 1], [1, 0]]
    rows, cols = ag.where(x > 0)  # one argument: nonzero(as_tuple=True)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]
    assert ag.where(x > 0, x, 10.0).tolist() == [[10.0, 1.0], [2.0, 10.0]]
    assert x.where(x > 0, -1.0).tolist() == [[-1.0, 1.0], [2.0, -1.0]]
    values, inverse, counts = ag.unique(ag.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3] and inverse.tolist() == [2, 0, 2, 1] and counts.tolist() == [1, 1, 2]
    assert ag.unique(ag.tensor([[1, 2], [1, 2], [0, 5]]), dim=0).tolist() == [[0, 5], [1, 2]]
    assert ag.bincount(ag.tensor([0, 2, 2]), minlength=4).tolist() == [1, 0, 2, 0]
    assert ag.bincount(ag.tensor([0, 2, 2]), weights=Value([0.5, 1.0, 1.0])).tolist() == [0.5, 0.0, 2.0]
    with pytest.raises(RuntimeError, match="non-negative"):
        ag.bincount(ag.tensor([1, -1]))
    assert ag.count_nonzero(x).tolist() == 2 and ag.count_nonzero(x, dim=0).tolist() == [1, 1]
    std, mean = ag.std_mean(Value([1.0, 2.0, 4.0]))
    assert np.isclose(float(std.data), np.std([1.0, 2.0, 4.0], ddof=1)) and np.isclose(float(mean.data), 7 / 3)
    var, mean = ag.var_mean(Value([[1.0, 2.0], [3.0, 5.0]]), dim=1, correction=0)
    assert var.tolist() == [0.25, 1.0] and mean.tolist() == [1.5, 4.0]
    assert x.type_as(ag.tensor([1])).dtype == np.int64
    assert x.new_empty(2, 3).shape == (2, 3) and x.new_empty(2).dtype == x.dtype


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    data = rng.integers(0, 4, (5, 6)).astype(np.float64)  # many ties
    for dim in (0, 1):
        ours, theirs = ag.median(Value(data), dim), torch.median(torch.tensor(data), dim)
        np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
        for name in ("cummax", "cummin"):
            ours, theirs = getattr(ag, name)(Value(data), dim), getattr(torch, name)(torch.tensor(data), dim)
            np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
            np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
    x = rng.standard_normal((4, 7))
    v, t = Value(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = ag.diff(v.unfold(1, 3, 2), n=1, dim=-1).sum() * ag.median(v) + ag.cummax(v, 1).values.sum()
    theirs = torch.diff(t.unfold(1, 3, 2), n=1, dim=-1).sum() * torch.median(t) + torch.cummax(t, 1).values.sum()
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(ours.data, theirs.item(), rtol=1e-12)
    np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-12)
    ints = rng.integers(0, 5, 12)
    for kwargs in ({}, {"return_inverse": True}, {"return_counts": True}):
        ours, theirs = ag.unique(ag.tensor(ints), **kwargs), torch.unique(torch.tensor(ints), **kwargs)
        ours, theirs = (r if isinstance(r, tuple) else (r,) for r in (ours, theirs))
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a.data, b.numpy())
    np.testing.assert_array_equal(ag.bincount(ag.tensor(ints), minlength=7).data, torch.bincount(torch.tensor(ints),
                                                                                              minlength=7).numpy())
    mask = x > 0
    np.testing.assert_array_equal(Value(mask).nonzero().data, torch.tensor(mask).nonzero().numpy())
    for ours, theirs in zip(ag.std_mean(Value(x), 1, keepdim=True), torch.std_mean(torch.tensor(x), 1, keepdim=True)):
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)
