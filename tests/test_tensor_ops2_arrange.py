"""Rearranging, cutting up and more products (ops/arrange.py, ops/products.py): values and gradients against PyTorch
in float64 (when it is installed), finite differences (gradcheck) regardless, and PyTorch's errors.

A case is fn(m, *xs): m is autograd_core or torch, xs the float64 inputs (leaves that require a gradient); integer
arguments are made inside with m.tensor. The other test_tensor_ops2_* files use the same harness.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, gradcheck


def _torch():
    return pytest.importorskip("torch")


def _pieces(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _rng(label):
    return np.random.default_rng(zlib.crc32(label.encode()))


def _differentiable(piece):
    return getattr(piece, "dtype", None) is not None and np.dtype(str(piece.dtype).replace("torch.", "")).kind == "f"


def check_against_torch(label, fn, arrays, atol=1e-10):
    """fn's outputs and the gradients of a random weighting of them, ours against PyTorch's, in float64."""
    torch = _torch()
    ours_in = [Value(np.array(a, dtype=np.float64)) for a in arrays]
    theirs_in = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    ours, theirs = _pieces(fn(ag, *ours_in)), _pieces(fn(torch, *theirs_in))
    assert len(ours) == len(theirs), label
    rng = _rng(label)
    loss_ours, loss_theirs = 0.0, 0.0
    for a, b in zip(ours, theirs):
        expected = b.detach().numpy()
        assert tuple(a.shape) == tuple(expected.shape), (label, a.shape, expected.shape)
        assert np.asarray(a.data).dtype == expected.dtype, (label, a.dtype, expected.dtype)
        np.testing.assert_allclose(np.asarray(a.data), expected, atol=atol, rtol=1e-10, err_msg=label)
        if expected.dtype.kind == "f" and b.requires_grad:
            weights = rng.standard_normal(expected.shape)
            loss_ours = loss_ours + (a * weights).sum()
            loss_theirs = loss_theirs + (b * torch.as_tensor(weights)).sum()
    if isinstance(loss_theirs, float):
        return
    loss_theirs.backward()
    if isinstance(loss_ours, Value) and loss_ours.requires_grad:
        loss_ours.backward()
    for i, (a, b) in enumerate(zip(ours_in, theirs_in)):
        expected = np.zeros(b.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else np.asarray(a.grad)
        np.testing.assert_allclose(got, expected, atol=atol, rtol=1e-9, err_msg=f"{label}: gradient of input {i}")


def check_gradcheck(fn, arrays):
    """Finite differences against our gradients of all differentiable outputs (joined into one vector)."""
    def joined(*xs):
        pieces = [p.reshape(-1) for p in _pieces(fn(ag, *xs)) if p.dtype.kind == "f"]
        return ag.cat(pieces) if pieces and sum(p.size for p in pieces) else None
    if joined(*[Value(np.array(a, dtype=np.float64)) for a in arrays]) is None:
        return
    assert gradcheck(joined, [np.array(a, dtype=np.float64) for a in arrays])


def check_error_against_torch(call, error, words):
    """call(module) on our module raises `error` with a message matching `words`; on PyTorch (where installed) it
    raises the same exception type."""
    with pytest.raises(error, match=words):
        call(ag)
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(error):
        call(torch)


def A(*shape, label="x"):
    return _rng(label + str(shape)).standard_normal(shape)


CASES = [
    ("movedim", lambda m, x: m.movedim(x, (0, 2), (2, 0)), [A(2, 3, 4)]),
    ("movedim-int", lambda m, x: m.movedim(x, -1, 0), [A(2, 3, 4)]),
    ("moveaxis", lambda m, x: m.moveaxis(x, [0, 1], [-1, -2]), [A(2, 3, 4)]),
    ("method-movedim", lambda m, x: x.movedim(1, 0), [A(2, 3)]),
    ("swapdims", lambda m, x: m.swapdims(x, 0, 2), [A(2, 3, 4)]),
    ("swapaxes", lambda m, x: m.swapaxes(x, 1, -1), [A(2, 3, 4)]),
    ("method-swapdims", lambda m, x: x.swapdims(0, 1), [A(2, 3)]),
    ("atleast_1d", lambda m, x, y: m.atleast_1d(x, y), [A(), A(3)]),
    ("atleast_2d", lambda m, x, y, z: m.atleast_2d((x, y, z)), [A(), A(3), A(2, 3)]),
    ("atleast_3d", lambda m, x, y, z: m.atleast_3d(x, y, z), [A(), A(3), A(2, 3)]),
    ("atleast_3d-one", lambda m, x: m.atleast_3d(x), [A(2, 3)]),
    ("meshgrid-ij", lambda m, x, y, z: m.meshgrid(x, y, z, indexing="ij"), [A(2), A(3), A(4)]),
    ("meshgrid-xy", lambda m, x, y, z: m.meshgrid([x, y, z], indexing="xy"), [A(2), A(3), A(4)]),
    ("meshgrid-xy-0d", lambda m, x, y: m.meshgrid(x, y, indexing="xy"), [A(), A(3)]),
    ("broadcast_tensors", lambda m, x, y, z: m.broadcast_tensors(x, y, z), [A(3, 1), A(4), A()]),
    ("column_stack", lambda m, x, y, z: m.column_stack([x, y, z]), [A(3), A(3, 2), A(3)]),
    ("dstack", lambda m, x, y: m.dstack([x, y]), [A(2, 3), A(2, 3, 2)]),
    ("dstack-1d", lambda m, x, y: m.dstack([x, y]), [A(3), A(3)]),
    ("row_stack", lambda m, x, y: m.row_stack((x, y)), [A(3), A(2, 3)]),
    ("tensor_split-sections", lambda m, x: m.tensor_split(x, 3, dim=1), [A(2, 7)]),
    ("tensor_split-indices", lambda m, x: m.tensor_split(x, [-3, 2, 20]), [A(10)]),
    ("tensor_split-tensor", lambda m, x: m.tensor_split(x, m.tensor([1, 3]), 1), [A(2, 5)]),
    ("tensor_split-0d-tensor", lambda m, x: x.tensor_split(m.tensor(2)), [A(5)]),
    ("hsplit", lambda m, x: m.hsplit(x, 2), [A(3, 4)]),
    ("hsplit-1d", lambda m, x: x.hsplit([1, 4]), [A(6)]),
    ("vsplit", lambda m, x: m.vsplit(x, [1]), [A(3, 4)]),
    ("dsplit", lambda m, x: m.dsplit(x, 2), [A(2, 1, 4)]),
    ("split_with_sizes", lambda m, x: x.split_with_sizes([1, 3], dim=1), [A(2, 4)]),
    ("unflatten", lambda m, x: m.unflatten(x, 1, (2, -1)), [A(3, 6)]),
    ("unflatten-method", lambda m, x: x.unflatten(-1, (3, 2, 1)), [A(6)]),
    ("rot90", lambda m, x: m.rot90(x), [A(2, 3)]),
    ("rot90-k2", lambda m, x: m.rot90(x, 2, [1, 2]), [A(2, 3, 4)]),
    ("rot90-k3", lambda m, x: x.rot90(3, (0, 2)), [A(2, 3, 4)]),
    ("rot90-k-1", lambda m, x: x.rot90(-1, (1, 0)), [A(2, 3)]),
    ("fliplr", lambda m, x: m.fliplr(x), [A(2, 3, 2)]),
    ("flipud", lambda m, x: x.flipud(), [A(3)]),
    ("select", lambda m, x: m.select(x, 1, -2), [A(2, 3, 4)]),
    ("select-method", lambda m, x: x.select(0, 1), [A(2, 3)]),
    ("take_along_dim", lambda m, x: m.take_along_dim(x, m.tensor([[0, 2, 2], [1, 0, 1]]), dim=1), [A(2, 3)]),
    ("take_along_dim-broadcast", lambda m, x: m.take_along_dim(x, m.tensor([[[1], [0]]]), -1), [A(3, 2, 4)]),
    ("take_along_dim-none", lambda m, x: x.take_along_dim(m.tensor([5, 0, 5])), [A(2, 3)]),
    ("take_along_dim-argsort", lambda m, x: m.take_along_dim(x, m.argsort(x, dim=0), dim=0), [A(4, 3)]),
    ("ravel", lambda m, x: m.ravel(x), [A(2, 3)]),
    ("block_diag", lambda m, x, y, z: m.block_diag(x, y, z), [A(), A(3), A(2, 2)]),
    ("cartesian_prod", lambda m, x, y, z: m.cartesian_prod(x, y, z), [A(2), A(3), A(2)]),
    ("cartesian_prod-one", lambda m, x: m.cartesian_prod(x), [A(3)]),
    ("combinations", lambda m, x: m.combinations(x), [A(4)]),
    ("combinations-r3-replacement", lambda m, x: m.combinations(x, r=3, with_replacement=True), [A(3)]),
    ("combinations-r0", lambda m, x: m.combinations(x, 0), [A(3)]),
    ("diag_embed", lambda m, x: m.diag_embed(x), [A(2, 3)]),
    ("diag_embed-offset", lambda m, x: m.diag_embed(x, offset=-1, dim1=0, dim2=2), [A(2, 3)]),
    ("diag_embed-method", lambda m, x: x.diag_embed(2, 1, 0), [A(3)]),
    ("diagflat", lambda m, x: m.diagflat(x, 1), [A(2, 2)]),
    ("diagflat-method", lambda m, x: x.diagflat(-2), [A(3)]),
    ("kron", lambda m, x, y: m.kron(x, y), [A(2, 3), A(3, 2)]),
    ("kron-ndim", lambda m, x, y: x.kron(y), [A(2, 1, 2), A(3, 2)]),
    ("kron-0d", lambda m, x, y: m.kron(x, y), [A(), A(3)]),
    ("cross", lambda m, x, y: m.cross(x, y, dim=1), [A(2, 3), A(2, 3)]),
    ("cross-broadcast", lambda m, x, y: m.cross(x, y, dim=0), [A(3, 4), A(3, 1)]),
    ("cross-method", lambda m, x, y: x.cross(y, -1), [A(2, 3), A(1, 3)]),
    ("inner", lambda m, x, y: m.inner(x, y), [A(2, 3), A(4, 3)]),
    ("inner-1d", lambda m, x, y: x.inner(y), [A(3), A(3)]),
    ("inner-0d", lambda m, x, y: m.inner(x, y), [A(), A(2, 3)]),
    ("mv", lambda m, x, y: m.mv(x, y), [A(2, 3), A(3)]),
    ("addmv", lambda m, x, y, z: m.addmv(x, y, z, beta=0.5, alpha=2), [A(2), A(2, 3), A(3)]),
    ("addmv-method", lambda m, x, y, z: x.addmv(y, z), [A(), A(2, 3), A(3)]),
    ("addr", lambda m, x, y, z: m.addr(x, y, z, alpha=-1), [A(2, 3), A(2), A(3)]),
    ("addr-beta0-nan", lambda m, y, z: m.addr(m.full((2, 3), float("nan"), dtype=m.float64), y, z, beta=0),
     [A(2), A(3)]),
    ("baddbmm", lambda m, x, y, z: m.baddbmm(x, y, z, beta=2, alpha=0.5), [A(2, 1, 4), A(2, 3, 2), A(2, 2, 4)]),
    ("addbmm", lambda m, x, y, z: m.addbmm(x, y, z, alpha=3), [A(3, 4), A(2, 3, 2), A(2, 2, 4)]),
    ("addbmm-method", lambda m, x, y, z: x.addbmm(y, z, beta=0), [A(4), A(2, 3, 2), A(2, 2, 4)]),
    ("chain_matmul", lambda m, x, y, z: m.chain_matmul(x, y, z), [A(2, 3), A(3, 4), A(4, 2)]),
    ("chain_matmul-one", lambda m, x: m.chain_matmul(x), [A(2, 3)]),
    ("vdot", lambda m, x, y: m.vdot(x, y), [A(4), A(4)]),
    ("cdist", lambda m, x, y: m.cdist(x, y), [A(3, 2), A(4, 2)]),
    ("cdist-batched-p1", lambda m, x, y: m.cdist(x, y, p=1), [A(2, 3, 2), A(1, 4, 2)]),
    ("cdist-p3", lambda m, x, y: m.cdist(x, y, p=3.0), [A(3, 2), A(4, 2)]),
    ("cdist-p0.5", lambda m, x, y: m.cdist(x, y, p=0.5), [A(3, 2), A(4, 2)]),
    ("cdist-inf", lambda m, x, y: m.cdist(x, y, p=float("inf")), [A(3, 2), A(4, 2)]),
    ("cdist-p0", lambda m, x, y: m.cdist(x, y, p=0), [A(3, 2), A(4, 2)]),
]


@pytest.mark.filterwarnings("ignore:torch.chain_matmul is deprecated")
@pytest.mark.parametrize("label, fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(label, fn, arrays):
    check_against_torch(label, fn, arrays)


@pytest.mark.parametrize("label, fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(label, fn, arrays):
    check_gradcheck(fn, arrays)


def test_cdist_gradient_is_zero_where_rows_coincide():
    """Coinciding rows: the 2-norm's gradient is 0/0 there; PyTorch's (and ours) is 0, not NaN."""
    x = np.array([[0.0, 1.0], [2.0, 3.0]])
    y = np.array([[0.0, 1.0], [1.0, 1.0]])
    for p in (2.0, 3.0):
        a, b = Value(x), Value(y)
        ag.cdist(a, b, p=p).sum().backward()
        assert np.all(np.isfinite(a.grad)) and np.all(np.isfinite(b.grad))
        check_against_torch(f"cdist-coincide-p{p}", lambda m, u, v, p=p: m.cdist(u, v, p=p), [x, y])


def test_index_makers_match_torch():
    torch = _torch()
    for row, col, offset in [(3, 3, 0), (4, 3, 1), (3, 5, -1), (0, 2, 0)]:
        for name in ("tril_indices", "triu_indices"):
            ours, theirs = getattr(ag, name)(row, col, offset), getattr(torch, name)(row, col, offset)
            assert ours.dtype == np.int64
            np.testing.assert_array_equal(ours.data, theirs.numpy())
    for indices, shape in [([4, -1, 13, 0], (2, 5)), (7, (3, 4)), ([[1, 2], [3, 4]], (5,))]:
        ours = ag.unravel_index(ag.tensor(indices), shape)
        theirs = torch.unravel_index(torch.tensor(indices), shape)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a.data, b.numpy())
    assert ag.broadcast_shapes((3, 1), (4,), 1) == tuple(torch.broadcast_shapes((3, 1), (4,), 1)) == (3, 4)


def test_pieces_and_grids_keep_their_counts_and_types():
    x = ag.arange(10.0)
    assert isinstance(ag.tensor_split(x, 3), tuple) and len(ag.tensor_split(x, [2, 5])) == 3
    assert isinstance(ag.atleast_2d(x), Value) and isinstance(ag.atleast_2d(x, x), tuple)
    assert ag.block_diag().shape == (1, 0)
    i = ag.tensor([1, 2])
    assert ag.cartesian_prod(i, i).dtype == np.int64 and ag.block_diag(i, ag.tensor([[1.5]])).dtype == np.float32


ERRORS = [
    ("movedim-count", lambda m: m.movedim(m.zeros(2, 3), (0, 1), (0,)), RuntimeError, "same number"),
    ("movedim-repeated", lambda m: m.movedim(m.zeros(2, 3), (0, 0), (0, 1)), RuntimeError, "repeated dim"),
    ("movedim-range", lambda m: m.movedim(m.zeros(2, 3), 2, 0), IndexError, "out of range"),
    ("meshgrid-2d", lambda m: m.meshgrid(m.zeros(2, 2), indexing="ij"), RuntimeError, "0D or 1D"),
    ("hstack-one-tensor", lambda m: m.hstack(m.zeros(2)), TypeError, r"hstack\(\): argument 'tensors'"),
    ("hstack-empty", lambda m: m.hstack([]), RuntimeError, "hstack expects a non-empty TensorList"),
    ("vstack-one-tensor", lambda m: m.vstack(m.zeros(2)), TypeError, r"vstack\(\): argument 'tensors'"),
    ("vstack-empty", lambda m: m.vstack([]), RuntimeError, "vstack expects a non-empty TensorList"),
    ("dstack-one-tensor", lambda m: m.dstack(m.zeros(2)), TypeError, r"dstack\(\): argument 'tensors'"),
    ("dstack-empty", lambda m: m.dstack([]), RuntimeError, "dstack expects a non-empty TensorList"),
    ("column_stack-one-tensor", lambda m: m.column_stack(m.zeros(2)), TypeError,
     r"column_stack\(\): argument 'tensors'"),
    ("column_stack-empty", lambda m: m.column_stack([]), RuntimeError, "column_stack expects a non-empty TensorList"),
    ("meshgrid-indexing", lambda m: m.meshgrid(m.zeros(2), indexing="yx"), RuntimeError, "indexing"),
    ("broadcast_tensors", lambda m: m.broadcast_tensors(m.zeros(2), m.zeros(3)), RuntimeError, "mismatch"),
    ("broadcast_shapes", lambda m: m.broadcast_shapes((2,), (3,)), RuntimeError, "Shape mismatch"),
    ("tensor_split-0", lambda m: m.tensor_split(m.zeros(4), 0), RuntimeError, "larger than 0"),
    ("tensor_split-0d", lambda m: m.tensor_split(m.zeros(()), 2), RuntimeError, "at least a 1-dimensional"),
    ("hsplit-divisible", lambda m: m.hsplit(m.zeros(2, 5), 2), RuntimeError, "divisible"),
    ("vsplit-1d", lambda m: m.vsplit(m.zeros(4), 2), RuntimeError, "at least 2 dimensions"),
    ("dsplit-2d", lambda m: m.dsplit(m.zeros(4, 4), 2), RuntimeError, "at least 3 dimensions"),
    ("split_with_sizes", lambda m: m.zeros(4).split_with_sizes([1, 2]), RuntimeError, "sum exactly"),
    ("unflatten", lambda m: m.unflatten(m.zeros(6), 0, (4, -1)), RuntimeError, "multiply up"),
    ("rot90-dims", lambda m: m.rot90(m.zeros(2, 2), 1, (0, 0)), RuntimeError, "different"),
    ("rot90-1d", lambda m: m.rot90(m.zeros(2), 1, (0, 1)), RuntimeError, "total dims"),
    ("fliplr-1d", lambda m: m.fliplr(m.zeros(2)), RuntimeError, ">= 2-d"),
    ("select-range", lambda m: m.select(m.zeros(2, 3), 0, 2), IndexError, "out of range"),
    ("take_along_dim-ndim", lambda m: m.take_along_dim(m.zeros(2, 3), m.tensor([0]), 1), RuntimeError,
     "same number of dimensions"),
    ("block_diag-3d", lambda m: m.block_diag(m.zeros(1, 1, 1)), RuntimeError, "2 or fewer"),
    ("cartesian_prod-2d", lambda m: m.cartesian_prod(m.zeros(2, 2)), RuntimeError, "1D vector"),
    ("combinations-2d", lambda m: m.combinations(m.zeros(2, 2)), RuntimeError, "1D vector"),
    ("diag_embed-dims", lambda m: m.diag_embed(m.zeros(2), 0, 0, 0), RuntimeError, "cannot be identical"),
    ("cross-length", lambda m: m.cross(m.zeros(2, 2), m.zeros(2, 2), dim=1), RuntimeError, "must have length 3"),
    ("inner-size", lambda m: m.inner(m.zeros(2), m.zeros(3)), RuntimeError, "last dimension must match"),
    ("mv-shapes", lambda m: m.mv(m.zeros(2, 3), m.zeros(2)), RuntimeError, "size mismatch"),
    ("mv-ndim", lambda m: m.mv(m.zeros(3), m.zeros(3)), RuntimeError, "vector \\+ matrix @ vector"),
    ("addr-1d", lambda m: m.addr(m.zeros(2, 2), m.zeros(2, 1), m.zeros(2)), RuntimeError, "1-D"),
    ("addbmm-3d", lambda m: m.addbmm(m.zeros(2, 2), m.zeros(2, 2), m.zeros(2, 2, 2)), RuntimeError, "3D tensor"),
    ("chain_matmul-1d", lambda m: m.chain_matmul(m.zeros(2, 2), m.zeros(2)), RuntimeError, "2 dimensions"),
    ("vdot-2d", lambda m: m.vdot(m.zeros(2, 2), m.zeros(2, 2)), RuntimeError, "1D tensors expected"),
    ("cdist-columns", lambda m: m.cdist(m.zeros(2, 2), m.zeros(2, 3)), RuntimeError, "same number of columns"),
    ("cdist-negative-p", lambda m: m.cdist(m.zeros(2, 2), m.zeros(2, 2), p=-1), RuntimeError, "non-negative p"),
    ("cdist-1d", lambda m: m.cdist(m.zeros(2), m.zeros(2)), RuntimeError, "at least 2D"),
]


@pytest.mark.parametrize("label, call, error, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(label, call, error, words):
    check_error_against_torch(call, error, words)


NUMPY = [
    ("moveaxis", lambda x: np.moveaxis(x, 0, -1)),
    ("kron", lambda x: np.kron(x, np.arange(4.0).reshape(2, 2))),
    ("inner", lambda x: np.inner(x, np.ones((4, 3)))),
    ("fliplr-flipud", lambda x: np.fliplr(np.flipud(x))),
    ("rot90", lambda x: np.rot90(x, 3, (1, 0))),
    ("nansum", lambda x: np.nansum(x, axis=1, keepdims=True)),
    ("nanmean", lambda x: np.nanmean(x, axis=0)),
    ("trapezoid", lambda x: np.trapezoid(x, dx=0.5, axis=0) if hasattr(np, "trapezoid") else x.sum(0)),
]


@pytest.mark.parametrize("label, fn", NUMPY, ids=[n[0] for n in NUMPY])
def test_numpy_functions_keep_the_graph(label, fn):
    """np.moveaxis(v, ...), np.kron(v, ...), ... on a Value give a Value in the graph (numpy_functions.py), with
    NumPy's numbers."""
    x = A(2, 3)
    out = fn(Value(x))
    assert isinstance(out, Value) and out.requires_grad
    np.testing.assert_allclose(out.data, fn(x), rtol=1e-12)
    assert gradcheck(lambda v: fn(v), [x])


def test_cdist_inf_gives_each_tied_coordinate_the_whole_gradient():
    x, y = np.array([[0.0, 1.0], [2.0, 2.0]]), np.array([[1.0, 0.0], [0.5, 0.0]])
    a = Value(x)
    ag.cdist(a, Value(y, requires_grad=False), p=float("inf")).sum().backward()
    np.testing.assert_array_equal(a.grad, [[-1.0, 2.0], [0.0, 2.0]])  # row 0 ties with the first row of y
    check_against_torch("cdist-inf-ties", lambda m, u, v: m.cdist(u, v, p=float("inf")), [x, y])
