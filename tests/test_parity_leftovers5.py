"""Small PyTorch-parity leftovers, round 5, each checked side by side with PyTorch 2.13 where it is installed (those
tests skip without it) and by tests that need no PyTorch:

1. Tensor.softmax / Tensor.log_softmax (and torch.softmax) need a dim: PyTorch's TypeError without one; F.softmax and
   F.log_softmax pick one (0 for 0-, 1- and 3-d input, else 1) with PyTorch's deprecation warning.
"""

import warnings

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn.functional as F


def _torch():
    return pytest.importorskip("torch")


def _error(fn):
    """(type name, message) of what fn() raises, or None."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (every error is compared, whatever its type)
        return type(e).__name__, str(e)
    return None


# ----------------------------------------------------------------------------------------------------
# 1. softmax without a dim.

_NO_DIM_CALLS = {
    "x.softmax()": lambda L, x: x.softmax(),
    "x.log_softmax()": lambda L, x: x.log_softmax(),
    "x.softmax(dtype=)": lambda L, x: x.softmax(dtype=L.float64),
    "torch.softmax(x)": lambda L, x: L.softmax(x),
    "torch.log_softmax(x)": lambda L, x: L.log_softmax(x),
}


@pytest.mark.parametrize("call", list(_NO_DIM_CALLS))
def test_softmax_methods_need_a_dim_as_pytorchs(call):
    torch = _torch()
    a = np.arange(6.0).reshape(2, 3)
    ours = _error(lambda: _NO_DIM_CALLS[call](ag, ag.tensor(a)))
    theirs = _error(lambda: _NO_DIM_CALLS[call](torch, torch.tensor(a)))
    assert theirs is not None and ours == theirs


def test_softmax_methods_need_a_dim_without_torch():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for name in ("softmax", "log_softmax"):
        with pytest.raises(TypeError, match=rf'^{name}\(\) missing 1 required positional arguments: "dim"$'):
            getattr(x, name)()
        with pytest.raises(TypeError, match="not both"):
            getattr(x, name)(1, dim=1)
        # dim by position, by name, or as NumPy's axis: the same numbers.
        by_position = getattr(x, name)(1).data
        assert np.array_equal(by_position, getattr(x, name)(dim=1).data)
        assert np.array_equal(by_position, getattr(x, name)(axis=1).data)
        assert np.array_equal(by_position, getattr(F, name)(x, 1).data)


@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_functional_softmax_picks_pytorchs_dim_with_its_warning(name, ndim):
    a = np.random.default_rng(ndim).standard_normal((2, 3, 4, 5)[:ndim])
    expected_dim = 0 if ndim in (0, 1, 3) else 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = getattr(F, name)(ag.tensor(a))
    assert [str(w.category.__name__) for w in caught] == ["UserWarning"]
    message = str(caught[0].message)
    assert message == (f"Implicit dimension choice for {name} has been deprecated. "
                       "Change the call to include dim=X as an argument.")
    assert np.array_equal(ours.data, getattr(F, name)(ag.tensor(a), expected_dim).data)
    try:
        import torch
    except ImportError:
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        theirs = getattr(torch.nn.functional, name)(torch.tensor(a))
    assert [str(w.message) for w in caught] == [message]
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-12)
