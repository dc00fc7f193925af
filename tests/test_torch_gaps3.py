"""PyTorch's last small top-level names: the `*_copy` view variants (view_copies.py) and the others of
nn/native.py, tensor_gaps.py. Values and gradients against PyTorch's in float64 where torch is importable, and
against finite differences; the errors PyTorch raises."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.gradcheck import gradcheck

R = np.random.default_rng(20261205)


def _np(x):
    if isinstance(x, ag.Value):
        return np.asarray(x.data)
    return x.detach().numpy()


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


# ----------------------------------------------------------------------------------------------------
# *_copy: name -> (input shape, the call's other arguments)

COPIES = {
    "alias_copy": ((3, 4), ()), "as_strided_copy": ((3, 4), ((2, 2), (1, 4), 1)), "detach_copy": ((3, 4), ()),
    "diagonal_copy": ((3, 4, 2), (1, 0, 1)), "expand_copy": ((3, 1), ((2, 3, 4),)),
    "permute_copy": ((2, 3, 4), ((2, 0, 1),)),
    "select_copy": ((3, 4), (1, -2)), "slice_copy": ((5, 4), (0, 1, 100, 2)), "split_copy": ((5, 4), (2, 0)),
    "split_with_sizes_copy": ((3, 5), ([1, 4], 1)), "squeeze_copy": ((3, 1, 4), (1,)), "t_copy": ((3, 4), ()),
    "transpose_copy": ((2, 3, 4), (0, 2)), "unbind_copy": ((3, 4), (1,)), "unfold_copy": ((3, 7), (1, 3, 2)),
    "unsqueeze_copy": ((3, 4), (-1,)), "view_copy": ((3, 4), ((2, 6),)),
}


@pytest.mark.parametrize("name", sorted(COPIES))
def test_copy_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    shape, args = COPIES[name]
    x = R.normal(size=shape)
    ours_x = ag.tensor(x, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    ours, theirs = _outputs(getattr(ag, name)(ours_x, *args)), _outputs(getattr(torch, name)(theirs_x, *args))
    assert len(ours) == len(theirs)
    weights = [R.normal(size=tuple(t.shape)) for t in theirs]
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape)
        np.testing.assert_allclose(_np(o), _np(t))
    if name == "detach_copy":
        assert not ours[0].requires_grad  # PyTorch's says it requires grad, and its backward is NotImplemented
        return
    sum(ag.sum(o * w) for o, w in zip(ours, weights)).backward()
    sum((t * torch.tensor(w)).sum() for t, w in zip(theirs, weights)).backward()
    np.testing.assert_allclose(ours_x.grad, _np(theirs_x.grad))


@pytest.mark.parametrize("name", sorted(set(COPIES) - {"detach_copy", "as_strided_copy"}))
def test_copy_owns_its_memory_and_its_gradient_is_the_views(name):
    shape, args = COPIES[name]
    x = ag.tensor(R.normal(size=shape), requires_grad=True)
    for piece in _outputs(getattr(ag, name)(x, *args)):
        assert not np.shares_memory(piece.data, x.data)
    assert gradcheck(lambda v: sum(ag.sum(p * p) for p in _outputs(getattr(ag, name)(v, *args))), (x,))


def test_copy_out_and_dtype_view():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    out = ag.zeros(3, 2, dtype=ag.float64)
    assert ag.t_copy(x, out=out) is out and np.array_equal(out.data, x.data.T)
    pieces = [ag.zeros(1, 3, dtype=ag.float64), ag.zeros(1, 3, dtype=ag.float64)]
    ag.split_copy(x, 1, out=pieces)
    assert np.array_equal(pieces[1].data, x.data[1:])
    assert ag.view_copy(x, ag.int64).dtype == np.int64  # view_copy(input, dtype): the bits as another dtype
    with pytest.raises(ag.ShapeError):
        ag.t_copy(x, out=ag.zeros(2, 3, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ag.t_copy(ag.tensor(np.ones((2, 3)), requires_grad=True), out=ag.zeros(3, 2, dtype=ag.float64))
    with pytest.raises(ValueError, match="step must be positive"):
        ag.slice_copy(x, 1, 0, 2, 0)
    y = ag.alias_copy(x)
    y.data[0, 0] = 100.0
    assert x.data[0, 0] == 0.0  # writing into the copy leaves the input alone
