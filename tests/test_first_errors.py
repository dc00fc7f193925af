"""The errors a new user meets first name the problem, and are raised where PyTorch raises."""

import numpy as np
import pytest

import autograd_core as ag


@pytest.mark.parametrize("shape, dim", [((2, 1), 2), ((2, 1), -3), ((2, 1), 3), ((3,), 1), ((), 1), ((2, 1), (0, 2))])
def test_squeeze_out_of_range_dim_raises_instead_of_squeezing_another_axis(shape, dim):
    x = ag.ones(*shape)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-\d, \d\], but got "
                                         r"-?\d\) \(squeeze of a Value of \d dimensions\)"):
        x.squeeze(dim)


@pytest.mark.parametrize("shape, dim", [((2, 1), 1), ((2, 1), -1), ((2, 1), 0), ((2, 1), (0, 1)), ((), 0), ((), -1),
                                        ((1, 3, 1), (-1, 0)), ((2, 1), None)])
def test_squeeze_in_range_matches_pytorch(shape, dim):
    torch = pytest.importorskip("torch")
    data = np.arange(float(np.prod(shape))).reshape(shape)
    x = ag.tensor(data, dtype=ag.float64, requires_grad=True)
    t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    y = x.squeeze() if dim is None else x.squeeze(dim)
    u = t.squeeze() if dim is None else t.squeeze(dim)
    assert y.shape == tuple(u.shape)
    np.testing.assert_array_equal(y.data, u.detach().numpy())
    weights = np.arange(1.0, 1.0 + y.data.size).reshape(y.shape)
    (y * weights).sum().backward()
    (u * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad, t.grad.numpy())


def test_squeeze_out_of_range_is_an_error_in_pytorch_too():
    torch = pytest.importorskip("torch")
    with pytest.raises(IndexError):
        torch.ones(2, 1).squeeze(2)


def test_squeeze_gradient_by_finite_differences():
    assert ag.gradcheck(lambda a: (a.squeeze(1) * np.array([1.0, 2.0])).sum(), [np.ones((2, 1))])


@pytest.mark.parametrize("data, message", [
    ([[1, 2], [3]], "expected sequence of length 2 at dim 1 (got 1)"),
    ([[[1], [2]], [[1], [2, 3]]], "expected sequence of length 1 at dim 2 (got 2)"),
    ([[1, 2], 3], "numbers and sequences are mixed at dim 1"),
])
def test_ragged_nested_lists_say_where_in_pytorch_s_words(data, message):
    with pytest.raises(ValueError) as ours:
        ag.tensor(data)
    if "mixed" in message:
        assert str(ours.value) == f"tensor: {message}"
    else:  # PyTorch's words first, then ours
        assert str(ours.value) == f"{message} (tensor: nested lists must be rectangular, each row of one length)"
    try:
        import torch
    except ImportError:
        return
    if "mixed" not in message:  # PyTorch words this one differently ("expected sequence ..., got int")
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            torch.tensor(data)
