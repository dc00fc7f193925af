"""A dimension named twice, and a dim that is not an int, side by side with PyTorch 2.13 (these tests skip without
it): the reductions that hand their dims to NumPy (any, all, count_nonzero, nanmean, nansum) say PyTorch's words,
a RuntimeError, where NumPy's were "duplicate value in 'axis'" (a ValueError); unsqueeze's dim that is not an int
is PyTorch's TypeError, where Python's comparison spoke before."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


_TWICE = {
    "any(dim=[0, 0])": lambda lib, x: x.any(dim=[0, 0]),
    "all(dim=(1, -1))": lambda lib, x: x.all(dim=(1, -1)),
    "all((0, -2), keepdim)": lambda lib, x: x.all((0, -2), True),
    "count_nonzero(dim=(0, 0))": lambda lib, x: lib.count_nonzero(x, dim=(0, 0)),
    "x.count_nonzero([-1, 1])": lambda lib, x: x.count_nonzero([-1, 1]),
    "nanmean(dim=[1, 1])": lambda lib, x: lib.nanmean(x, dim=[1, 1]),
    "nansum(dim=(0, -2))": lambda lib, x: lib.nansum(x, dim=(0, -2)),
}


@pytest.mark.parametrize("call", list(_TWICE))
def test_a_dim_named_twice_is_pytorchs_runtime_error(torch, call):
    data = np.arange(6.0).reshape(2, 3)
    with pytest.raises(RuntimeError, match="appears multiple times in the list of dims") as theirs:
        _TWICE[call](torch, torch.tensor(data))
    with pytest.raises(RuntimeError, match="appears multiple times in the list of dims") as ours:
        _TWICE[call](ag, Value(data))
    assert str(ours.value).split(" (")[0] == str(theirs.value)  # the same dim named, then our note of the tuple


_ONCE = {
    "any(dim=[0, 1])": lambda lib, x: x.any(dim=[0, 1]),
    "all(dim=(1, -2))": lambda lib, x: x.all(dim=(1, -2)),
    "count_nonzero(dim=(0, -1))": lambda lib, x: lib.count_nonzero(x, dim=(0, -1)),
    "nanmean(dim=[-1, 0])": lambda lib, x: lib.nanmean(x, dim=[-1, 0]),
    "nansum(dim=(1,))": lambda lib, x: lib.nansum(x, dim=(1,)),
}


@pytest.mark.parametrize("call", list(_ONCE))
def test_different_dims_still_reduce_as_pytorchs(torch, call):
    data = np.array([[0.0, 1.5, np.nan], [2.0, 0.0, -1.0]])
    expected = _ONCE[call](torch, torch.tensor(data)).numpy()
    got = _ONCE[call](ag, Value(data)).data
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dim", [None, 1.5, True, "1"], ids=repr)
def test_unsqueezes_dim_must_be_an_int_as_pytorchs(torch, dim):
    with pytest.raises(TypeError, match="argument 'dim'.* must be int, not") as theirs:
        torch.ones(2, 3).unsqueeze(dim)
    with pytest.raises(TypeError, match=r"unsqueeze\(\): argument 'dim' must be int, not") as ours:
        Value(np.ones((2, 3))).unsqueeze(dim)
    assert str(ours.value).rsplit(" ", 1)[-1] == str(theirs.value).rsplit(" ", 1)[-1]  # the type named alike


def test_unsqueeze_takes_numpys_integers():
    assert Value(np.ones((2, 3))).unsqueeze(np.int64(-1)).shape == (2, 3, 1)


@pytest.mark.parametrize("dim", [-3, (0, 2), 5], ids=repr)
def test_count_nonzeros_dim_out_of_range_is_pytorchs_words(torch, dim):
    data = np.ones((2, 3))
    with pytest.raises(IndexError) as theirs:
        torch.count_nonzero(torch.tensor(data), dim=dim)
    with pytest.raises(IndexError) as ours:
        ag.count_nonzero(Value(data), dim=dim)
    assert str(ours.value) == str(theirs.value)
