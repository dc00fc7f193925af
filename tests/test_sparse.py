"""Sparse COO tensors (sparse_array.py, ops/sparse.py, sparse_tensor.py, autograd_core.sparse): making and reading
them, their arithmetic and gradients against finite differences (always) and PyTorch's (float64, when installed),
the clear errors of everything else, and a pygcn-style GCN trained step for step against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from nn_helpers import torch_or_skip

import autograd_core as ag
from autograd_core.gradcheck import gradcheck
from autograd_core.sparse_array import SparseArray, SparseLayoutError

INDICES = [[0, 1, 1, 0, 2], [2, 0, 2, 2, 1]]  # (0, 2) twice: uncoalesced
VALUES = [3.0, 4.0, 5.0, 6.0, -1.0]


def _sparse(module, requires_grad=False, values=VALUES, indices=INDICES, size=(3, 3)):
    return module.sparse_coo_tensor(module.tensor(indices), module.tensor(values, dtype=module.float64), size,
                                    requires_grad=requires_grad, check_invariants=True)


def _dense(x):
    """x (ours or PyTorch's, sparse or dense, or a gradient) as an ndarray."""
    if hasattr(x, "is_sparse") and x.is_sparse:
        x = x.to_dense()
    if isinstance(x, SparseArray):
        return x.to_dense()
    if hasattr(x, "detach"):
        x = x.detach()
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _coalesced_pattern(x):
    """(indices, values) of a sparse tensor after coalescing, as lists."""
    x = x.coalesce()
    return np.asarray(x._indices()).tolist(), np.round(np.asarray(x._values().detach()), 12).tolist()


# ----------------------------------------------------------------------------------------------------
# Making and reading.


def test_names_exist():
    for name in ("sparse_coo_tensor", "spmm", "smm", "hspmm", "sparse_coo", "sparse"):
        assert hasattr(ag, name), name
    for name in ("mm", "addmm", "sum", "softmax", "log_softmax", "FloatTensor"):
        assert hasattr(ag.sparse, name), name
    assert ag.zeros(2).is_sparse is False and ag.zeros(2).layout is ag.strided


def test_construction_and_inspection():
    s = _sparse(ag)
    assert s.is_sparse and s.layout is ag.sparse_coo and repr(ag.sparse_coo) == "torch.sparse_coo"
    assert s.shape == (3, 3) and s.size() == (3, 3) and s.dtype == np.float64 and s.ndim == 2
    assert s._nnz() == 5 and s.sparse_dim() == 2 and s.dense_dim() == 0 and not s.is_coalesced()
    assert isinstance(s, ag.Tensor) and not s.requires_grad
    with pytest.raises(RuntimeError, match="uncoalesced"):
        s.indices()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        s.values()
    c = s.coalesce()
    assert c.is_coalesced() and c._nnz() == 4 and c.coalesce() is c
    assert np.asarray(c.indices()).tolist() == [[0, 1, 1, 2], [2, 0, 2, 1]]
    assert np.asarray(c.values()).tolist() == [9.0, 4.0, 5.0, -1.0]
    np.testing.assert_array_equal(_dense(s), [[0, 0, 9], [4, 0, 5], [0, -1, 0]])


def test_size_inferred_hybrid_and_to_sparse():
    assert ag.sparse_coo_tensor(INDICES, VALUES).shape == (3, 3)
    hybrid = ag.sparse_coo_tensor(INDICES, np.ones((5, 2)))
    assert hybrid.shape == (3, 3, 2) and hybrid.dense_dim() == 1 and hybrid.sparse_dim() == 2
    assert _dense(hybrid.coalesce())[0, 2].tolist() == [2.0, 2.0]
    assert ag.sparse_coo_tensor(INDICES, [1, 2, 3, 4, 5]).dtype == np.int64
    assert ag.sparse_coo_tensor(INDICES, VALUES).dtype == np.float32  # the default float dtype, as torch.tensor
    x = ag.tensor([[0.0, 2.0], [3.0, 0.0]])
    s = x.to_sparse()
    assert s.is_coalesced() and np.asarray(s.indices()).tolist() == [[0, 1], [1, 0]]
    assert x.to_sparse_coo().is_sparse and x.to_dense() is x and s.to_sparse() is s
    rows = ag.tensor([[0.0, 0.0], [1.0, 0.0]]).to_sparse(1)
    assert rows.sparse_dim() == 1 and rows.dense_dim() == 1 and rows._nnz() == 1
    assert ag.sparse.FloatTensor(ag.tensor(INDICES), ag.tensor(VALUES), (3, 3)).dtype == np.float32


def test_repr_like_pytorch():
    s = _sparse(ag, requires_grad=True)
    assert repr(s) == """\
tensor(indices=tensor([[0, 1, 1, 0, 2],
                       [2, 0, 2, 2, 1]]),
       values=tensor([ 3.,  4.,  5.,  6., -1.]),
       size=(3, 3), nnz=5, dtype=torch.float64, layout=torch.sparse_coo,
       requires_grad=True)"""
    assert repr(s.coalesce()).endswith("layout=torch.sparse_coo,\n       grad_fn=<CoalesceBackward0>)")
    empty = ag.sparse_coo_tensor(ag.zeros(2, 0, dtype=ag.int64), ag.zeros(0), (2, 0))
    assert repr(empty) == """\
tensor(indices=tensor([], size=(2, 0)),
       values=tensor([], size=(0,)),
       size=(2, 0), nnz=0, layout=torch.sparse_coo)"""
    hybrid = ag.sparse_coo_tensor([[0, 2]], ag.tensor([[0.5, 1.0], [2.0, -3.25]]), (3, 2))
    assert repr(hybrid) == """\
tensor(indices=tensor([[0, 2]]),
       values=tensor([[ 0.5000,  1.0000],
                      [ 2.0000, -3.2500]]),
       size=(3, 2), nnz=2, layout=torch.sparse_coo)"""


REPR_CASES = {  # name -> fn(module) -> a sparse tensor, printed alike by both libraries
    "2-d float32": lambda m: m.sparse_coo_tensor(INDICES, VALUES, (3, 3)),
    "2-d float64 requires_grad": lambda m: _sparse(m, requires_grad=True),
    "coalesce grad_fn": lambda m: _sparse(m, requires_grad=True).coalesce(),
    "1-d": lambda m: m.sparse_coo_tensor([[0, 2]], [1.0, 2.0], (3,)),
    "3-d": lambda m: m.sparse_coo_tensor([[0, 2], [1, 1], [0, 1]], [1.0, 2.0], (3, 2, 2)),
    "empty (2, 0)": lambda m: m.sparse_coo_tensor(m.zeros(2, 0, dtype=m.int64), m.zeros(0), (2, 0)),
    "empty float64": lambda m: m.sparse_coo_tensor(m.zeros(2, 0, dtype=m.int64), m.zeros(0, dtype=m.float64), (2, 3)),
    "hybrid": lambda m: m.sparse_coo_tensor([[0, 2]], m.ones(2, 3), (3, 3)),
    "wrapped lines": lambda m: m.sparse_coo_tensor([list(range(20))], m.arange(20.0), (20,)),
    "summarised": lambda m: m.sparse_coo_tensor([list(range(2000))], m.arange(2000.0), (2000,)),
    "summarised hybrid": lambda m: m.sparse_coo_tensor([list(range(10))], m.tensor(
        np.arange(720.0).reshape(10, 9, 8)), (10, 9, 8)),
    "fixed point": lambda m: m.sparse_coo_tensor([[0, 1, 2]], m.tensor([0.5, 1.25, -3.0]), (3,)),
    "scientific": lambda m: m.sparse_coo_tensor([[0, 1, 2]], m.tensor([1e-5, 1.25, -3.0]), (3,)),
    "scientific whole": lambda m: m.sparse_coo_tensor([[0, 1, 2]], m.tensor([1e5, 1.0, -3.0], dtype=m.float64), (3,)),
    "int64": lambda m: m.sparse_coo_tensor([[0, 1, 2]], m.tensor([1, 2, 3]), (3,)),
    "bool": lambda m: m.sparse_coo_tensor([[0, 1]], m.tensor([True, False]), (3,)),
    "nan inf": lambda m: m.sparse_coo_tensor([[0, 1, 2]], m.tensor([float("nan"), 2.5, float("inf")]), (3,)),
    "zeros": lambda m: m.sparse_coo_tensor([[0, 1]], m.tensor([0.0, 0.0]), (3,)),
}  # grad_fn names come from our primitives (grad_fn.py): t() prints SparseTransposeBackward0 here, TBackward0 there


@pytest.mark.parametrize("options", [{}, {"threshold": 5, "edgeitems": 1}, {"sci_mode": True, "precision": 2},
                                     {"sci_mode": False, "linewidth": 40}], ids=str)
@pytest.mark.parametrize("name", REPR_CASES)
def test_repr_matches_pytorch(name, options):
    torch = torch_or_skip()
    texts = []
    for module in (ag, torch):
        module.set_printoptions(**options)
        try:
            texts.append(repr(REPR_CASES[name](module)))
        finally:
            module.set_printoptions(profile="default")
    assert texts[0] == texts[1]


@pytest.mark.parametrize("bad, message", [
    (lambda: ag.sparse_coo_tensor([[0, -1]], [1.0, 2.0], (3,)), "negative index"),
    (lambda: ag.sparse_coo_tensor([[0, 3]], [1.0, 2.0], (3,)), "inconsistent with indices"),
    (lambda: ag.sparse_coo_tensor([[0, 1]], [1.0, 2.0, 3.0], (3,)), "nnz = 2"),
    (lambda: ag.sparse_coo_tensor([0, 1], [1.0, 2.0], (3,)), "must be 2-D"),
    (lambda: ag.sparse_coo_tensor([[0.5, 1]], [1.0, 2.0], (3,)), "must be integers"),
    (lambda: ag.sparse_coo_tensor([[0, 1]], [1.0, 2.0], (3, 2)), "does not fit"),
    (lambda: ag.sparse_coo_tensor([[0, 1]], [1, 2], (3,), requires_grad=True), "floating point"),
    (lambda: ag.sparse_coo_tensor([[1, 0]], [1.0, 2.0], (3,), is_coalesced=True), "uncoalesced"),
    (lambda: ag.sparse_coo_tensor([[1, 1]], [1.0, 2.0], (3,), is_coalesced=True), "uncoalesced"),
])
def test_bad_input_raises_clearly(bad, message):
    with pytest.raises((ValueError, RuntimeError, TypeError), match=message):
        bad()


@pytest.mark.parametrize("operation, name", [
    (lambda s: s.exp(), "exp"), (lambda s: s.view(-1), "reshape"), (lambda s: s.detach().numpy(), "np.asarray"),
    (lambda s: s.item(), "item"), (lambda s: s[0], "getitem"), (lambda s: s + ag.ones(3, 3), "add(sparse, dense)"),
    (lambda s: s * "a", "mul of a sparse tensor"), (lambda s: np.exp(s), "exp"),
    (lambda s: s == s, "equal"), (lambda s: s.sigmoid(), "sigmoid"),
    (lambda s: ag.cos(s), "cos"),
    (lambda s: ag.clamp(s, 0, 1), "array"), (lambda s: ag.ones(3) @ s, "matmul of a 1-d"),
    (lambda s: s + np.ones((3, 3)), "add(sparse, dense)"),
])
def test_other_operations_name_the_sparse_layout(operation, name):
    s = _sparse(ag, requires_grad=True)
    with pytest.raises((NotImplementedError, RuntimeError, TypeError, IndexError)) as info:
        operation(s)
    message = str(info.value)
    # ours, naming the layout (not NumPy's TypeError about __array_ufunc__, nor an object array's)
    assert name in message and any(layout in message for layout in ("sparse COO", "add(sparse, dense)", "SparseCPU")), \
        message
    assert s._nnz() == 5 and s.grad is None  # nothing changed


def test_empty_and_edge_cases():
    empty = ag.sparse_coo_tensor(np.zeros((2, 0), dtype=np.int64), ag.zeros(0, dtype=ag.float64), (2, 3))
    assert empty.is_coalesced() and empty._nnz() == 0 and (empty + empty)._nnz() == 0
    np.testing.assert_array_equal(_dense(empty @ ag.ones(3, 2, dtype=ag.float64)), np.zeros((2, 2)))
    assert (empty @ ag.ones(3, 0, dtype=ag.float64)).shape == (2, 0)
    assert float(ag.sparse.sum(empty)) == 0.0 and ag.sparse.softmax(empty, 1)._nnz() == 0
    assert ag.sparse_coo_tensor([[2, 0]], [1.0, 2.0]).shape == (3,)
    assert ag.sparse_coo_tensor([[1]], [1.0]).is_coalesced()
    ordered = ag.sparse_coo_tensor([[0, 2]], [1.0, 2.0], (3,), is_coalesced=True)
    assert ordered.is_coalesced() and ordered.coalesce() is ordered


def test_values_that_require_grad_are_recorded_even_with_requires_grad():
    values = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    s = ag.sparse_coo_tensor([[0, 1]], values, (3,), requires_grad=True)
    assert not s.is_leaf and s.requires_grad  # as PyTorch's: in values' graph
    ag.sparse.sum(s * 3.0).backward()
    assert values.grad.tolist() == [3.0, 3.0]


def test_copies_and_optimizers():
    import copy
    import pickle

    s = _sparse(ag, requires_grad=True)
    for other in (copy.deepcopy(s), pickle.loads(pickle.dumps(s))):
        assert other.is_sparse and other.requires_grad and other is not s
        np.testing.assert_array_equal(_dense(other), _dense(s))
    ag.sparse.sum(s).backward()
    before = _dense(s)
    with pytest.raises(RuntimeError, match="Adam does not support sparse gradients"):  # PyTorch's error
        ag.optim.Adam([s], lr=0.1).step()
    np.testing.assert_array_equal(_dense(s), before)


SUM_CASES = [(False, 0), (False, 1), (False, (0, 1)), (False, -1), (False, None), (True, 0), (True, 1), (True, 2),
             (True, 3), (True, (0, 2)), (True, (1, 3)), (True, (0, 1)), (True, (0, 1, 3)), (True, (2, 3))]


def _summed(module, hybrid, values=None):
    """A 2-d sparse tensor, or a hybrid one of 2 sparse and 2 dense dims (3, 2, 2, 3)."""
    if hybrid:
        values = module.tensor(np.arange(18.0).reshape(3, 2, 3)) if values is None else values
        return module.sparse_coo_tensor(module.tensor([[0, 2, 0], [1, 1, 1]]), values, (3, 2, 2, 3))
    values = module.tensor(VALUES, dtype=module.float64) if values is None else values
    return module.sparse_coo_tensor(module.tensor(INDICES), values, (3, 3))


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("hybrid, dim", SUM_CASES, ids=str)
def test_tensor_sum_keepdim_matches_pytorch(hybrid, dim, keepdim):
    torch = torch_or_skip()
    ours, theirs = _summed(ag, hybrid).sum(dim, keepdim), _summed(torch, hybrid).sum(dim, keepdim)
    assert ours.is_sparse == theirs.is_sparse and ours.shape == tuple(theirs.shape)
    if theirs.is_sparse:  # the same dims sparse, the same pattern
        assert repr(ours) == repr(theirs)
    np.testing.assert_array_equal(_dense(ours), _dense(theirs))


@pytest.mark.parametrize("hybrid, dim", SUM_CASES, ids=str)
def test_tensor_sum_keepdim_gradients(hybrid, dim):
    # PyTorch's backward of a sparse keepdim sum raises ("expand is unsupported for Sparse tensors"): finite differences
    values = np.arange(18.0).reshape(3, 2, 3) / 7 if hybrid else _V

    def total(v):
        out = _summed(ag, hybrid, v).sum(dim, keepdim=True)
        return (out.to_dense() if out.is_sparse else out) ** 2

    assert gradcheck(total, (values,))


def test_transpose_of_a_dense_dim_raises_as_pytorch():
    hybrid = _summed(ag, True)
    with pytest.raises(RuntimeError, match="transposed dimensions must be sparse Got sparse_dim: 2, d0: 1, d1: 2"):
        hybrid.transpose(1, 2)
    with pytest.raises(IndexError, match="out of range"):
        hybrid.transpose(0, 4)
    assert hybrid.transpose(-3, 0).shape == (2, 3, 2, 3)


SGD_OPTIONS = [{}, {"momentum": 0.9}, {"weight_decay": 0.1}, {"maximize": True}, {"nesterov": True, "momentum": 0.9},
               {"momentum": 0.9, "dampening": 0.1, "weight_decay": 0.05}, {"foreach": True}]


def _sgd_steps(module, options, coalesced, steps=3):
    """A sparse parameter and a dense one in one group, trained by SGD with `options`: per step, the sparse one's
    dense values and coalesced pattern and the dense one."""
    s = _sparse(module, requires_grad=True)
    if coalesced:
        s = s.detach().coalesce().requires_grad_()
    w = module.tensor(_D[:, :2], dtype=module.float64, requires_grad=True)
    optimizer = module.optim.SGD([s, w], lr=0.1, **options)
    out = []
    for _ in range(steps):
        optimizer.zero_grad()
        (module.sparse.mm(s, w) ** 2).sum().backward()
        optimizer.step()
        out.append((_dense(s), _coalesced_pattern(s.detach())[0], _dense(w)))
    return out


@pytest.mark.parametrize("coalesced", [False, True])
@pytest.mark.parametrize("options", SGD_OPTIONS, ids=str)
def test_sgd_on_a_sparse_parameter_matches_pytorch(options, coalesced):
    torch = torch_or_skip()
    for (s, pattern, w), (t_s, t_pattern, t_w) in zip(_sgd_steps(ag, options, coalesced),
                                                      _sgd_steps(torch, options, coalesced)):
        np.testing.assert_allclose(s, t_s, rtol=1e-12, atol=1e-12)
        assert pattern == t_pattern
        np.testing.assert_allclose(w, t_w, rtol=1e-12, atol=1e-12)


def test_sgd_on_a_sparse_parameter_formulas_and_errors():
    s = _sparse(ag, requires_grad=True).detach().coalesce().requires_grad_()
    d = ag.tensor(_D, dtype=ag.float64)
    before = _dense(s)
    optimizer = ag.optim.SGD([s], lr=0.5, momentum=0.9)
    for _ in range(2):
        optimizer.zero_grad()
        ag.sparse.sum(s * 2.0).backward()  # g = 2 at each stored entry
        optimizer.step()
    buffer = optimizer.state[s]["momentum_buffer"]  # 2, then 0.9·2 + 2
    assert isinstance(buffer, SparseArray) and s.is_sparse and s.is_coalesced() and s._nnz() == 4
    np.testing.assert_allclose(_dense(s), before - 0.5 * (2 + 3.8) * (before != 0))
    np.testing.assert_allclose(buffer.to_dense(), 3.8 * (before != 0))

    loose = _sparse(ag, requires_grad=True)  # uncoalesced: its pattern does not grow step after step
    optimizer = ag.optim.SGD([loose], lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        (ag.sparse.mm(loose, d) ** 2).sum().backward()
        optimizer.step()
    assert loose._nnz() == 4

    fused = _sparse(ag, requires_grad=True)
    ag.sparse.sum(fused).backward()
    with pytest.raises(RuntimeError, match="`_fused_sgd` does not support sparse gradients"):
        ag.optim.SGD([fused], lr=0.1, fused=True).step()
    ok, dense_grad = _sparse(ag, requires_grad=True), _sparse(ag, requires_grad=True)
    ag.sparse.sum(ok).backward()
    (ag.mm(dense_grad, d) ** 2).sum().backward()  # torch.mm's gradient is dense
    with pytest.raises(RuntimeError, match=r"add\(sparse, dense\) is not supported. Use add\(dense, sparse\) instead."):
        ag.optim.SGD([ok, dense_grad], lr=0.1).step()
    assert ok._nnz() == 5 and np.array_equal(_dense(ok), _dense(_sparse(ag)))  # nothing changed


@pytest.mark.parametrize("name", ["smm", "hspmm", "Tensor.smm"])
def test_smm_and_hspmm_match_pytorch(name):
    torch = torch_or_skip()
    texts = []
    for module in (ag, torch):  # a stored zero keeps its row; row 3 has no entry
        s = module.sparse_coo_tensor(module.tensor([[0, 1, 1, 0, 2], [2, 0, 2, 2, 1]]),
                                     module.tensor([3.0, 4.0, 5.0, -3.0, 0.0], dtype=module.float64), (4, 3))
        d = module.tensor(_D, dtype=module.float64)
        out = s.smm(d) if name == "Tensor.smm" else getattr(module, name)(s, d)
        texts.append((repr(out), out.is_coalesced()))
    assert texts[0] == texts[1]
    with pytest.raises(TypeError, match="sparse COO"):
        ag.hspmm(ag.tensor(_D), ag.tensor(_D))
    with pytest.raises(ag.ShapeError, match="cannot be multiplied"):
        ag.smm(_sparse(ag), ag.tensor(_D[:2]))


def test_sparse_data_refuses_numpy():
    data = _sparse(ag).data
    for call in (lambda: np.asarray(data), lambda: np.sum(data), lambda: data.reshape(9), lambda: data * data):
        with pytest.raises(SparseLayoutError, match="sparse COO"):
            call()


# ----------------------------------------------------------------------------------------------------
# Gradients: finite differences (always).

_RNG = np.random.default_rng(7)
_D = _RNG.standard_normal((3, 4))
_V = np.array(VALUES)

FUNCTIONS = {  # name -> fn(values, dense) -> dense Value, through a sparse tensor made of `values`
    "to_dense": lambda v, d: ag.sparse_coo_tensor(INDICES, v, (3, 3)).to_dense() * d[:, :3],
    "sparse.mm": lambda v, d: ag.sparse.mm(ag.sparse_coo_tensor(INDICES, v, (3, 3)), d),
    "spmm": lambda v, d: ag.spmm(ag.sparse_coo_tensor(INDICES, v, (3, 3)), d),
    "mm": lambda v, d: ag.mm(ag.sparse_coo_tensor(INDICES, v, (3, 3)), d),
    "matmul": lambda v, d: ag.matmul(ag.sparse_coo_tensor(INDICES, v, (3, 3)), d),
    "@": lambda v, d: ag.sparse_coo_tensor(INDICES, v, (3, 3)) @ d,
    "coalesce": lambda v, d: ag.sparse_coo_tensor(INDICES, v, (3, 3)).coalesce().to_dense() ** 2,
    "values": lambda v, d: ag.sparse_coo_tensor(INDICES, v, (3, 3)).coalesce().values() ** 2,
    "add": lambda v, d: (ag.sparse_coo_tensor(INDICES, v, (3, 3)) + ag.sparse_coo_tensor(
        [[1, 2], [1, 2]], v[:2] * v[2:4], (3, 3))).to_dense() @ d,
    "scale-neg-sub": lambda v, d: ((2.5 * ag.sparse_coo_tensor(INDICES, v, (3, 3)) - ag.sparse_coo_tensor(
        INDICES, v * v, (3, 3)) / 2) @ d),
    "t": lambda v, d: ag.sparse_coo_tensor(INDICES, v, (3, 3)).t() @ d,
    "transpose-coalesce": lambda v, d: ag.sparse_coo_tensor(INDICES, v, (3, 3)).transpose(1, 0).coalesce() @ d,
    "sparse.sum": lambda v, d: ag.sparse.sum(ag.sparse_coo_tensor(INDICES, v * v, (3, 3))),
    "sparse.sum-dim": lambda v, d: ag.sparse.sum(ag.sparse_coo_tensor(INDICES, v * v, (3, 3)), 1).to_dense(),
    "sum-hybrid": lambda v, d: ag.sparse.sum(ag.sparse_coo_tensor(INDICES, v[:, None] * d[:, :2].sum(0), (3, 3, 2)),
                                             (0, 2)).to_dense(),
    "softmax": lambda v, d: ag.sparse.softmax(ag.sparse_coo_tensor(INDICES, v, (3, 3)), 1).to_dense() * d[:, :3],
    "log_softmax": lambda v, d: ag.sparse.log_softmax(ag.sparse_coo_tensor(INDICES, v, (3, 3)), 0).to_dense()
    * d[:, :3],
    "addmm": lambda v, d: ag.sparse.addmm(d[:, 1:] * 1.0, ag.sparse_coo_tensor(INDICES, v, (3, 3)), d[:, :3],
                                          beta=0.5, alpha=2.0),
    "to_sparse": lambda v, d: ag.sparse.mm((d[:, :3] * v[:3]).to_sparse(), d),
    "dense+sparse": lambda v, d: d[:, :3] * (d[:, 1:] + ag.sparse_coo_tensor(INDICES, v, (3, 3))),
    "smm": lambda v, d: ag.smm(ag.sparse_coo_tensor(INDICES, v, (4, 3)), d).to_dense() ** 2,  # (PyTorch's: none)
    "hspmm": lambda v, d: ag.hspmm(ag.sparse_coo_tensor(INDICES, v, (4, 3)), d).to_dense() ** 2,
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_gradients_match_finite_differences(name):
    fn = FUNCTIONS[name]
    assert gradcheck(lambda v, d: fn(v, d), (_V, _D))


@pytest.mark.parametrize("name", ["sparse.mm", "spmm", "t", "add", "scale-neg-sub", "to_dense", "coalesce"])
def test_second_derivatives_match_finite_differences(name):
    fn = FUNCTIONS[name]
    assert ag.gradgradcheck(lambda v, d: fn(v * v, d), (_V, _D))


# ----------------------------------------------------------------------------------------------------
# Against PyTorch (float64): values, dense operands' gradients, and sparse leaves' gradients with PyTorch's pattern.

LEAF_CASES = {  # name -> fn(module, sparse leaf, dense leaf) -> a scalar
    "to_dense": lambda m, s, d: (s.to_dense() * d[:, :3]).sum(),
    "sparse.mm": lambda m, s, d: (m.sparse.mm(s, d) ** 2).sum(),
    "mm": lambda m, s, d: (m.mm(s, d) ** 2).sum(),
    "spmm": lambda m, s, d: (m.spmm(s, d) ** 2).sum(),
    "@": lambda m, s, d: ((s @ d) ** 2).sum(),
    "matmul": lambda m, s, d: (m.matmul(s, d) ** 2).sum(),
    "coalesce": lambda m, s, d: (s.coalesce().to_dense() * d[:, :3]).sum(),
    "add": lambda m, s, d: ((s + s * 2).to_dense() * d[:, :3]).sum(),
    "neg": lambda m, s, d: ((-s).to_dense() * d[:, :3]).sum(),
    "t": lambda m, s, d: m.sparse.mm(s.t(), d).sum(),
    "sparse.sum": lambda m, s, d: m.sparse.sum(s) * 3,
    "sparse.sum-dim0": lambda m, s, d: (m.sparse.sum(s, 0).to_dense() ** 2).sum(),
    "softmax": lambda m, s, d: (m.sparse.softmax(s.coalesce(), 1).to_dense() * d[:, :3]).sum(),
    "log_softmax": lambda m, s, d: (m.sparse.log_softmax(s.coalesce(), 1).to_dense() * d[:, :3]).sum(),
    "addmm": lambda m, s, d: (m.sparse.addmm(d[:, :3] @ d[:, :3].t(), s, d[:, :3], beta=0.5, alpha=2.0) ** 2).sum(),
    "dense+sparse": lambda m, s, d: ((d[:, 1:] + s) ** 2).sum(),
    "values": lambda m, s, d: (s.coalesce().values() ** 3).sum(),
    "dense@sparse": lambda m, s, d: ((d.t() @ s) ** 2).sum(),
    "@vector": lambda m, s, d: ((s @ d[:, 0]) ** 2).sum(),
}


@pytest.mark.parametrize("name", LEAF_CASES)
def test_against_pytorch(name):
    torch = torch_or_skip()
    fn = LEAF_CASES[name]
    results = {}
    for module in (ag, torch):
        s = _sparse(module, requires_grad=True)
        d = module.tensor(_D, dtype=module.float64, requires_grad=True)
        out = fn(module, s, d)
        out.backward()
        results[module.__name__] = (out, s, d)
    (out, s, d), (t_out, t_s, t_d) = results["autograd_core"], results["torch"]
    np.testing.assert_allclose(_dense(out), _dense(t_out), rtol=1e-12, atol=1e-12)
    assert (d.grad is None) == (t_d.grad is None), name
    if d.grad is not None:
        np.testing.assert_allclose(_dense(d.grad), _dense(t_d.grad), rtol=1e-12, atol=1e-12)
    assert s.grad.is_sparse == t_s.grad.is_sparse, name
    np.testing.assert_allclose(_dense(s.grad), _dense(t_s.grad), rtol=1e-12, atol=1e-12)
    if t_s.grad.is_sparse:
        assert s.grad._nnz() == t_s.grad._nnz(), name
        assert _coalesced_pattern(s.grad) == _coalesced_pattern(t_s.grad), name


def test_results_match_pytorch():
    torch = torch_or_skip()
    for module in (ag, torch):
        s = _sparse(module)
        results = [s + s, s * 2, -s, s.t(), s.coalesce(), module.sparse.sum(s, 0), (s + s.t()).coalesce()]
        if module is ag:
            ours = results
        else:
            theirs = results
    for a, b in zip(ours, theirs):
        assert a.shape == tuple(b.shape) and a.is_coalesced() == b.is_coalesced() and a._nnz() == b._nnz()
        np.testing.assert_array_equal(_dense(a), _dense(b))


def test_values_of_a_dense_gradient_through_sparse_coo_tensor_match_pytorch():
    torch = torch_or_skip()
    grads = []
    for module in (ag, torch):
        v = module.tensor(VALUES, dtype=module.float64, requires_grad=True)
        d = module.tensor(_D, dtype=module.float64)
        s = module.sparse_coo_tensor(module.tensor(INDICES), v, (3, 3))
        (module.sparse.mm(s, d) ** 2).sum().backward()
        grads.append(_dense(v.grad))
    np.testing.assert_allclose(*grads, rtol=1e-12)


def test_to_dtype_keeps_the_pattern_and_the_gradient_comes_back_converted():
    s = _sparse(ag, requires_grad=True)
    single = s.to(ag.float32)
    assert single.dtype == np.float32 and single._nnz() == 5 and not single.is_coalesced() and s.float().is_sparse
    assert s.to(ag.float64) is s and s.double() is s
    (ag.sparse.sum(single) * 2).backward()
    assert s.grad.dtype == np.float64
    np.testing.assert_array_equal(_dense(s.grad), 2.0 * (_dense(s) != 0))


def test_grad_accumulates_over_passes_and_resets():
    s = _sparse(ag, requires_grad=True)
    d = ag.tensor(_D, dtype=ag.float64)
    ag.sparse.mm(s, d).sum().backward()
    first = _dense(s.grad)
    ag.sparse.mm(s, d).sum().backward()
    np.testing.assert_allclose(_dense(s.grad), 2 * first)
    assert s.grad.is_sparse and not s.grad.requires_grad
    (s @ d).sum().backward()  # a dense gradient (torch.mm's) added to a sparse one: dense, as in PyTorch
    assert not s.grad.is_sparse
    np.testing.assert_allclose(_dense(s.grad)[s.coalesce().data.indices[0], s.coalesce().data.indices[1]],
                               3 * first[s.coalesce().data.indices[0], s.coalesce().data.indices[1]])
    s.grad = None
    assert s.grad is None


def test_spmm_matches_dense_product_float32_and_vector():
    rng = np.random.default_rng(0)
    n, nnz = 50, 200
    indices = rng.integers(0, n, (2, nnz))
    values = rng.standard_normal(nnz).astype(np.float32)
    dense = rng.standard_normal((n, 7)).astype(np.float32)
    s = ag.sparse_coo_tensor(indices, ag.tensor(values), (n, n))
    matrix = np.zeros((n, n), dtype=np.float32)
    np.add.at(matrix, tuple(indices), values)
    out = s @ ag.tensor(dense)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, matrix @ dense, rtol=1e-5, atol=1e-5)
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        ag.spmm(s, ag.tensor(dense, dtype=ag.float64))
    with pytest.raises(ag.ShapeError, match="cannot be multiplied"):
        s @ ag.tensor(dense[:5])
    with pytest.raises(RuntimeError, match="size mismatch"):
        s @ ag.tensor(dense[:5, 0])


def test_hooks_and_requires_grad():
    s = _sparse(ag)
    assert s.requires_grad_() is s and s.requires_grad and s.is_leaf
    seen = []
    s.register_hook(lambda g: seen.append(g))
    ag.sparse.sum(s).backward()
    assert len(seen) == 1 and isinstance(seen[0], ag.Tensor) and seen[0].is_sparse and not seen[0].requires_grad
    assert not s.detach().requires_grad and s.detach().is_sparse


def _sparse_gradients(module):
    """What hooks, autograd.grad and .grad give for a sparse leaf: (kind, is_sparse, requires_grad, dense) each."""
    s = _sparse(module, requires_grad=True)
    d = module.tensor(_D, dtype=module.float64)
    seen = []
    s.register_hook(lambda g: seen.append(g))
    s.register_hook(lambda g: g * 2)  # a sparse gradient returned replaces it
    s.register_hook(lambda g: seen.append(g))
    (module.sparse.mm(s, d) ** 2).sum().backward()
    results = seen + [s.grad]
    (first,) = module.autograd.grad((module.sparse.mm(s, d) ** 2).sum(), s)
    (recorded,) = module.autograd.grad((module.sparse.mm(s, d) ** 2).sum(), s, create_graph=True)
    (second,) = module.autograd.grad(module.sparse.sum(recorded * 3.0), s)
    results += [first, recorded, second]
    s = _sparse(module, requires_grad=True)  # (no hooks)
    for _ in range(2):  # accumulated into .grad with its graph
        (module.sparse.mm(s, d) ** 2).sum().backward(create_graph=True)
    results += [s.grad, module.autograd.grad(module.sparse.sum(s.grad), s)[0]]
    return [(g.is_sparse, g.requires_grad, g._nnz(), _dense(g)) for g in results]


def test_hooks_and_autograd_grad_give_sparse_tensors_as_pytorch():
    torch = torch_or_skip()
    ours, theirs = _sparse_gradients(ag), _sparse_gradients(torch)
    assert len(ours) == len(theirs) == 8
    for k, ((*kind, dense), (*t_kind, t_dense)) in enumerate(zip(ours, theirs)):
        assert kind == t_kind, k
        np.testing.assert_allclose(dense, t_dense, rtol=1e-12, err_msg=str(k))


def test_forward_mode_jvp_of_spmm():
    s = ag.sparse_coo_tensor(INDICES, ag.tensor(VALUES, dtype=ag.float64), (3, 3))
    _, tangent = ag.jvp(lambda d: ag.spmm(s, d), (ag.tensor(_D),), (ag.ones(3, 4, dtype=ag.float64),))
    np.testing.assert_allclose(_dense(tangent), _dense(s) @ np.ones((3, 4)))


def test_picture_of_a_graph_with_a_sparse_node():
    from autograd_core import viz

    s = _sparse(ag, requires_grad=True)
    s.label = "adj"
    out = ag.sparse.mm(s, ag.tensor(_D, dtype=ag.float64)).sum()
    dot = viz.draw(out)
    text = dot.source
    assert "adj" in text and "(3, 3) float64 sparse" in text
    out.backward()
    assert "grad [" in viz.draw(out).source  # its gradient's stored values
    viz.to_json(viz.trace(out))
    viz.explore(out)


# ----------------------------------------------------------------------------------------------------
# Acceptance: a pygcn-style GCN (Kipf & Welling), written as for PyTorch, trains as PyTorch's does.


def _gcn_losses(torch, steps=8):
    import math

    class GraphConvolution(torch.nn.Module):
        def __init__(self, in_features, out_features):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.empty(in_features, out_features, dtype=torch.float64))
            self.bias = torch.nn.Parameter(torch.empty(out_features, dtype=torch.float64))
            stdv = 1.0 / math.sqrt(out_features)
            with torch.no_grad():  # the same numbers in both libraries
                rng = np.random.default_rng(in_features * 100 + out_features)
                self.weight.copy_(torch.tensor(rng.uniform(-stdv, stdv, (in_features, out_features))))
                self.bias.copy_(torch.tensor(rng.uniform(-stdv, stdv, out_features)))

        def forward(self, input, adj):
            support = input @ self.weight
            output = torch.spmm(adj, support)
            return output + self.bias

    class GCN(torch.nn.Module):
        def __init__(self, nfeat, nhid, nclass, dropout):
            super().__init__()
            self.gc1 = GraphConvolution(nfeat, nhid)
            self.gc2 = GraphConvolution(nhid, nclass)
            self.dropout = dropout

        def forward(self, x, adj):
            x = torch.nn.functional.relu(self.gc1(x, adj))
            x = torch.nn.functional.dropout(x, self.dropout, training=False)
            x = self.gc2(x, adj)
            return torch.nn.functional.log_softmax(x, dim=1)

    rng = np.random.default_rng(3)
    n, nfeat, nclass = 30, 8, 3
    edges = rng.integers(0, n, (60, 2))
    edges = np.concatenate([edges, edges[:, ::-1], np.stack([np.arange(n)] * 2, 1)])  # symmetric, self-loops
    ones = np.ones(len(edges))
    degree = np.bincount(edges[:, 0], weights=ones, minlength=n)  # row-normalised, as pygcn's normalize()
    adj = torch.sparse_coo_tensor(torch.tensor(edges.T), torch.tensor(ones / degree[edges[:, 0]]), (n, n),
                                  dtype=torch.float64, check_invariants=True)
    features = torch.tensor(rng.standard_normal((n, nfeat)))
    labels = torch.tensor(rng.integers(0, nclass, n))
    model = GCN(nfeat, 16, nclass, 0.5)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        output = model(features, adj)
        loss = torch.nn.functional.nll_loss(output[:20], labels[:20])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_gcn_trains():
    losses = _gcn_losses(ag, steps=30)
    assert losses[-1] < losses[0]


def test_gcn_losses_match_pytorch_step_for_step():
    torch = torch_or_skip()
    np.testing.assert_allclose(_gcn_losses(ag), _gcn_losses(torch), rtol=1e-10)


@pytest.mark.parametrize("method", ["indices", "values", "coalesce", "is_coalesced", "sparse_dim", "dense_dim", "_nnz",
                                    "_indices", "_values"])
def test_a_dense_values_sparse_accessors_answer_as_pytorchs(method):
    """A dense tensor's sparse accessors: PyTorch's numbers (sparse_dim 0, dense_dim ndim) or its error type and
    first words, not an AttributeError."""
    torch = torch_or_skip()
    outcomes = []
    for lib in (ag, torch):
        try:
            outcomes.append(("value", getattr(lib.ones(2, 3), method)()))
        except Exception as err:  # noqa: BLE001 (the exception is the result compared)
            outcomes.append((type(err), str(err).split(" This could be")[0]))
    assert outcomes[0] == outcomes[1]


def test_save_and_load_keep_a_coo_tensors_entries_order_flag_dtype_and_requires_grad():
    import io

    uncoalesced = ag.sparse_coo_tensor([[0, 1, 1], [1, 0, 0]], [1.0, 2.0, 3.0], (2, 2))
    leaf = ag.tensor(np.array([[0.0, 1.5], [2.0, 0.0]])).to_sparse().requires_grad_()
    buffer = io.BytesIO()
    ag.save({"u": uncoalesced, "c": [uncoalesced.coalesce(), leaf]}, buffer)
    buffer.seek(0)
    loaded = ag.load(buffer)
    for saved, back in ((uncoalesced, loaded["u"]), (uncoalesced.coalesce(), loaded["c"][0]), (leaf, loaded["c"][1])):
        assert isinstance(back.data, SparseArray) and back.layout == ag.sparse_coo
        assert back.is_coalesced() == saved.is_coalesced() and back.requires_grad == saved.requires_grad
        assert back.dtype == saved.dtype
        np.testing.assert_array_equal(back._indices().data, saved._indices().data)  # repeats kept, not summed
        np.testing.assert_array_equal(back._values().data, saved._values().data)
