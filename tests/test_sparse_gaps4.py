"""The sparse gaps closed after tests/test_sparse_gaps3.py, each a difference from PyTorch 2.13 confirmed first:

1. coalesce()'s backward masked its gradient with the input's pattern; PyTorch's CoalesceBackward0 hands the gradient
   on unchanged (an entry that reaches a coalesced tensor from elsewhere, `c + b`'s at b's positions, reaches the
   uncoalesced input too; a dense gradient stays dense).

Each is checked without PyTorch where it can be (values by hand, finite differences in float64) and against PyTorch
2.13 where installed. The coalesced flag of a leaf's `.grad` is not compared: PyTorch's AccumulateGrad re-wraps a
sparse gradient it can steal as a new tensor flagged uncoalesced, and clones one it cannot, keeping the flag."""

from __future__ import annotations

import numpy as np
import pytest

from gradient_helpers import central_gradients
from nn_helpers import torch_or_skip

import autograd_core as ag

pytestmark = [pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta state"),
              pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")]

SHAPE = (2, 3)
LOOSE = ([[1, 0, 1, 0], [2, 1, 2, 0]], [1.0, 2.0, 3.0, 4.0])  # uncoalesced: (1, 2) twice, unsorted
OTHER = ([[0, 1, 1], [2, 0, 2]], [5.0, 6.0, 7.0])              # positions (0, 2) and (1, 0) that LOOSE lacks
W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def _ours_and_pytorchs():
    """autograd_core, and torch where installed: a check looped over them runs on ours without PyTorch too."""
    try:
        import torch
    except ImportError:
        return (ag,)
    return (ag, torch)


def _coo(module, entries, requires_grad=False, shape=SHAPE, is_coalesced=None):
    indices, values = entries
    return module.sparse_coo_tensor(indices, values, shape, dtype=module.float64, requires_grad=requires_grad,
                                    is_coalesced=is_coalesced)


def _dense(x):
    """x (ours or PyTorch's, any layout) as an ndarray."""
    if "strided" not in str(x.layout):
        x = x.to_dense()
    x = x.detach()
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x.data)


def _entries(x):
    """(indices, values) of sparse COO x as stored (ours or PyTorch's), lists."""
    x = x.detach()
    return np.asarray(x._indices().tolist()).tolist(), np.asarray(x._values().tolist()).tolist()


def _error(fn):
    try:
        fn()
    except Exception as err:  # noqa: BLE001  (the type and words are what is compared)
        return type(err).__name__, str(err)
    return None


# ----------------------------------------------------------------------------------------------------
# 1. coalesce()'s backward hands the gradient on unchanged.

COALESCE_LOSSES = {  # name: the loss of a.coalesce() (module m's), with a's gradient by hand: dense (2, 3)
    "to_dense": (lambda m, c: (c.to_dense() * m.tensor(W, dtype=m.float64)).sum(),
                 [[1.0, 2.0, 0.0], [0.0, 0.0, 6.0]]),
    "plus b, to_dense": (lambda m, c: ((c + _coo(m, OTHER)).to_dense() * m.tensor(W, dtype=m.float64)).sum(),
                         [[1.0, 2.0, 3.0], [4.0, 0.0, 6.0]]),
    "plus b, sparse.sum": (lambda m, c: m.sparse.sum(c + _coo(m, OTHER)), [[1.0, 1.0, 1.0], [1.0, 0.0, 1.0]]),
    "times 3, to_dense": (lambda m, c: ((c * 3).to_dense() * m.tensor(W, dtype=m.float64)).sum(),
                          [[3.0, 6.0, 0.0], [0.0, 0.0, 18.0]]),
}


def _coalesce_gradient(module, name):
    a = _coo(module, LOOSE, requires_grad=True)
    COALESCE_LOSSES[name][0](module, a.coalesce()).backward()
    return a.grad


@pytest.mark.parametrize("name", list(COALESCE_LOSSES))
def test_coalesce_hands_its_gradient_on(name):
    grad = _coalesce_gradient(ag, name)
    assert str(grad.layout) == "torch.sparse_coo"
    np.testing.assert_allclose(_dense(grad), COALESCE_LOSSES[name][1], rtol=1e-13)


def test_coalesce_gradient_at_positions_the_input_lacks_is_pytorchs():
    """The positions of `c + b`'s gradient that a does not store reach a too (PyTorch's); they were dropped."""
    grad = _coalesce_gradient(ag, "plus b, sparse.sum")
    assert sorted(map(tuple, np.transpose(_entries(grad.coalesce())[0]))) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 2)]


@pytest.mark.parametrize("name", list(COALESCE_LOSSES))
def test_coalesce_gradient_matches_pytorch(name):
    torch = torch_or_skip()
    ours, theirs = _coalesce_gradient(ag, name), _coalesce_gradient(torch, name)
    assert str(ours.layout) == str(theirs.layout)
    assert _entries(ours.coalesce()) == _entries(theirs.coalesce())


def test_coalesce_duplicates_each_read_the_gradient_at_their_position():
    """Through the values of an uncoalesced tensor: each duplicate of (1, 2) gets the summed entry's gradient, as a
    finite difference of each value shows."""
    indices, values = LOOSE

    def loss(v):
        a = ag.sparse_coo_tensor(indices, ag.tensor(v), SHAPE)
        return float(((a.coalesce() + _coo(ag, OTHER)).to_dense() * ag.tensor(W)).sum().data)

    (expected,) = central_gradients(loss, [np.array(values)])
    for module in _ours_and_pytorchs():
        v = module.tensor(values, dtype=module.float64, requires_grad=True)
        a = module.sparse_coo_tensor(indices, v, SHAPE)
        ((a.coalesce() + _coo(module, OTHER)).to_dense() * module.tensor(W, dtype=module.float64)).sum().backward()
        np.testing.assert_allclose(_dense(v.grad), expected, rtol=1e-7, err_msg=module.__name__)
        np.testing.assert_allclose(_dense(v.grad), [6.0, 2.0, 6.0, 1.0], rtol=1e-13)


def test_coalesce_of_a_dense_gradient_stays_dense_as_pytorchs():
    for module in _ours_and_pytorchs():
        a = _coo(module, LOOSE, requires_grad=True)
        c = a.coalesce()
        (module.tensor(W, dtype=module.float64) + c).sum().backward()  # dense + sparse: a dense gradient reaches c
        assert str(a.grad.layout) == "torch.strided", module.__name__
        np.testing.assert_allclose(_dense(a.grad), np.ones(SHAPE), rtol=1e-13)
