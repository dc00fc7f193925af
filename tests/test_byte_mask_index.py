"""A uint8 index is a boolean mask, as PyTorch reads a byte tensor used as an index (from before it had bool tensors):
`x[mask_u8]`, `x[mask_u8] = v` and `index_put` pick the elements where the mask is nonzero, with PyTorch's
deprecation warning, for a uint8 Value, a NumPy uint8 array or a list of NumPy uint8 numbers alike. NumPy itself
reads a uint8 array as positions: that silent difference is what these tests guard (ops/shape.py's `byte_mask`)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value

MESSAGE = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."
X = np.arange(12.0).reshape(3, 4)
MASK = [1, 0, 2]  # nonzero is True: 2 selects too


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn()


@pytest.mark.parametrize("make", [lambda m: ag.tensor(m, dtype=ag.uint8), lambda m: np.array(m, np.uint8),
                                  lambda m: [np.uint8(v) for v in m]], ids=["Value", "ndarray", "list"])
def test_getitem_reads_a_byte_index_as_a_mask_with_pytorchs_warning(make):
    with pytest.warns(UserWarning, match="torch.uint8 is now deprecated") as caught:
        out = Value(X)[make(MASK)]
    np.testing.assert_array_equal(out.data, X[[0, 2]])
    assert [str(w.message) for w in caught] == [MESSAGE]
    assert caught[0].filename == __file__  # it points at the indexing line, not into the library


def test_a_byte_mask_beside_other_indices_and_its_gradient():
    x = Value(X, requires_grad=True)
    out = _quiet(lambda: x[ag.tensor(MASK, dtype=ag.uint8), 1:3])
    np.testing.assert_array_equal(out.data, X[[0, 2], 1:3])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 1, 0], [0, 0, 0, 0], [0, 1, 1, 0]])


def test_zero_d_byte_index_is_a_zero_d_mask_without_warning_and_a_numpy_number_a_position():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Value(X)[ag.tensor(1, dtype=ag.uint8)].shape == (1, 3, 4)  # x[True]
        assert Value(X)[ag.tensor(0, dtype=ag.uint8)].shape == (0, 3, 4)  # x[False]
        np.testing.assert_array_equal(Value(X)[np.uint8(2)].data, X[2])  # a NumPy number: row 2, as in PyTorch


def test_setitem_and_index_put_write_where_the_byte_mask_is_nonzero():
    x = ag.tensor(X)  # no gradient: assigned into freely
    with pytest.warns(UserWarning, match="torch.uint8") as caught:
        x[ag.tensor(MASK, dtype=ag.uint8)] = Value(np.full(4, -1.0))
    assert caught[0].filename == __file__
    np.testing.assert_array_equal(x.data, np.where(np.array(MASK)[:, None] != 0, -1.0, X))
    mask = ag.tensor([[0, 1, 0, 0]] * 3, dtype=ag.uint8)
    out = _quiet(lambda: ag.index_put(Value(X), (mask,), Value(np.array([7.0, 8.0, 9.0]))))
    np.testing.assert_array_equal(out.data[:, 1], [7.0, 8.0, 9.0])
    added = _quiet(lambda: ag.tensor(X).index_put_((mask,), Value(1.0), accumulate=True))
    np.testing.assert_array_equal(added.data, X + np.array([[0, 1, 0, 0]] * 3))


def test_recorded_assignment_through_a_byte_mask_differentiates():
    w = Value(np.ones(3), requires_grad=True)
    y = w * 1.0
    _quiet(lambda: y.__setitem__(ag.tensor([1, 0, 1], dtype=ag.uint8), Value(np.array([5.0, 6.0]))))
    y.sum().backward()
    np.testing.assert_array_equal(w.grad, [0.0, 1.0, 0.0])  # the overwritten elements no longer depend on w


def test_a_byte_mask_of_the_wrong_shape_raises_and_changes_nothing():
    x = ag.tensor(X)  # no gradient: assigned into freely
    with pytest.raises(IndexError):
        _quiet(lambda: x[ag.tensor([1, 0], dtype=ag.uint8)])
    with pytest.raises(IndexError):
        _quiet(lambda: x.__setitem__(ag.tensor([1, 0], dtype=ag.uint8), 0.0))
    np.testing.assert_array_equal(x.data, X)


def test_against_torch():
    torch = pytest.importorskip("torch")
    mask = [[1, 0, 3, 0], [0, 0, 0, 0], [0, 255, 0, 1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        theirs = torch.tensor(X)[torch.tensor(mask, dtype=torch.uint8)]
        ours = Value(X)[ag.tensor(mask, dtype=ag.uint8)]
        np.testing.assert_array_equal(ours.data, theirs.numpy())
        t = torch.tensor(X)
        t[torch.tensor(MASK, dtype=torch.uint8)] = torch.tensor([-1.0, -2.0, -3.0, -4.0], dtype=torch.float64)
        x = ag.tensor(X)  # no gradient: assigned into freely
        x[ag.tensor(MASK, dtype=ag.uint8)] = Value(np.array([-1.0, -2.0, -3.0, -4.0]))
        np.testing.assert_array_equal(x.data, t.numpy())
        np.testing.assert_array_equal(Value(X)[np.array(MASK, np.uint8)].data,
                                      torch.tensor(X)[np.array(MASK, np.uint8)].numpy())
