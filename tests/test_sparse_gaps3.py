"""The sparse gaps closed after tests/test_sparse_gaps.py: the layout of the gradient that reaches the dense operand of
sparse * dense (a non-leaf, a broadcast one) and of a sparse gradient that reaches a dense operation's node
(F.embedding(i, w.exp(), sparse=True) and its kin), in-place changes of sparse tensors inside a graph, CSR @ CSC,
sparse parameters in Module.save, the words of sparse products' dtype errors, and one home for
elementwise_in_layout. Each is checked without PyTorch where it can be (values, layouts, finite differences in
float64) and against PyTorch 2.13 where installed (layouts, values, errors word for word)."""

from __future__ import annotations

import numpy as np
import pytest

from gradient_helpers import central_gradients
from nn_helpers import torch_or_skip

import autograd_core as ag

pytestmark = [pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta state"),
              pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")]

INDICES = [[0, 1, 2, 2], [1, 0, 2, 0]]
VALUES = [1.0, -2.0, 3.0, 0.5]
SHAPE = (3, 3)
RNG = np.random.default_rng(7)
W = RNG.standard_normal((3, 3))
IDS = [0, 2, 2, 3]
TABLE = RNG.standard_normal((4, 3))
WEIGHTS = RNG.standard_normal((4, 3))  # of the loss Σ weights·rows


def _sparse(module, requires_grad=False):
    return module.sparse_coo_tensor(INDICES, module.tensor(VALUES, dtype=module.float64), SHAPE,
                                    requires_grad=requires_grad)


def _dense(x):
    """x (ours or PyTorch's, any layout) as an ndarray."""
    if "strided" not in str(x.layout):
        x = x.to_dense()
    x = x.detach()
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x.data)


def _error(fn):
    try:
        fn()
    except Exception as err:  # noqa: BLE001  (the type and words are what is compared)
        return type(err).__name__, str(err)
    return None


# ----------------------------------------------------------------------------------------------------
# 1. The dense operand of sparse * dense: a non-leaf's and a broadcast one's gradient.

OPERANDS = {  # name: (shape of the leaf, what the product's dense operand is made of it)
    "leaf": ((3, 3), lambda w: w),
    "exp": ((3, 3), lambda w: w.exp()),
    "t": ((3, 3), lambda w: w.t()),
    "times 3, then sin": ((3, 3), lambda w: (w * 3).sin()),
    "broadcast (1, 3)": ((1, 3), lambda w: w),
    "broadcast (3, 1), exp": ((3, 1), lambda w: w.exp()),
    "one element (1, 1)": ((1, 1), lambda w: w),
    "fewer dims (3,)": ((3,), lambda w: w),
    "dense operand first": ((3, 3), lambda w: w.exp()),
}


def _leaf(shape):
    return W.reshape(-1)[:int(np.prod(shape))].reshape(shape).copy()


def _operand_gradients(module, name):
    shape, make = OPERANDS[name]
    w = module.tensor(_leaf(shape), dtype=module.float64, requires_grad=True)
    d = make(w)
    d.retain_grad()
    s = _sparse(module)
    product = d * s if name == "dense operand first" else s * d
    module.sparse.sum(product * 2.0).backward()
    return w.grad, d.grad


@pytest.mark.parametrize("name", list(OPERANDS))
def test_dense_operand_gradient_is_finite_differences(name):
    shape, make = OPERANDS[name]
    x0 = _leaf(shape)
    s_dense = _dense(_sparse(ag))

    def loss(x):
        return float(2.0 * (s_dense * make(ag.tensor(x, dtype=ag.float64)).data).sum())

    (expected,) = central_gradients(loss, [x0])
    w_grad, _ = _operand_gradients(ag, name)
    np.testing.assert_allclose(_dense(w_grad), expected, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", [n for n in OPERANDS if n != "fewer dims (3,)"])
def test_dense_operand_gradient_layouts_match_pytorch(name):
    torch = torch_or_skip()
    for ours, theirs in zip(_operand_gradients(ag, name), _operand_gradients(torch, name)):
        assert str(ours.layout) == str(theirs.layout), name
        np.testing.assert_allclose(_dense(ours), _dense(theirs), rtol=1e-13, atol=1e-15)
        if str(ours.layout) == "torch.sparse_coo":
            assert ours.coalesce()._nnz() == theirs.coalesce()._nnz()


def test_dense_operand_of_fewer_dims_gets_a_dense_gradient_where_pytorchs_fails():
    w_grad, _ = _operand_gradients(ag, "fewer dims (3,)")
    assert str(w_grad.layout) == "torch.strided"
    torch = torch_or_skip()
    with pytest.raises(NotImplementedError, match="aten::view"):
        _operand_gradients(torch, "fewer dims (3,)")


def test_a_sparse_and_a_dense_gradient_meeting_at_a_node_sum_dense_as_pytorchs():
    w = ag.tensor(W, dtype=ag.float64, requires_grad=True)
    d = w.exp()
    d.retain_grad()
    (ag.sparse.sum(_sparse(ag) * d) + d.sum()).backward()
    assert str(d.grad.layout) == str(w.grad.layout) == "torch.strided"
    np.testing.assert_allclose(_dense(w.grad), (_dense(_sparse(ag)) + 1) * np.exp(W), rtol=1e-13)


# ----------------------------------------------------------------------------------------------------
# 2. A sparse gradient reaching a dense operation's node.

TABLES = {  # name: the table embedding reads, made of the leaf w (module m's); PyTorch's backward fails for some
    "w.exp()": lambda m, w: w.exp(),
    "w * 2": lambda m, w: w * 2,
    "w / 3": lambda m, w: w / 3,
    "w + 1": lambda m, w: w + 1,
    "w ** 2": lambda m, w: w ** 2,
    "w.sin()": lambda m, w: w.sin(),
    "w.clone()": lambda m, w: w.clone(),
    "w * a row of w": lambda m, w: w * w[:1],
    "w.t().t()": lambda m, w: w.t().t(),
    "w.tanh()": lambda m, w: w.tanh(),
    "w.sigmoid()": lambda m, w: w.sigmoid(),
    "w.relu()": lambda m, w: w.relu(),
    "w @ I": lambda m, w: w @ m.eye(3, dtype=m.float64),
    "cat, then slice": lambda m, w: m.cat([w, w])[:4],
}
PYTORCH_FAILS = {"w.t().t()", "w.tanh()", "w.sigmoid()", "w.relu()", "w @ I", "cat, then slice"}


def _table_gradient(module, name, sparse=True):
    w = module.tensor(TABLE, dtype=module.float64, requires_grad=True)
    table = TABLES[name](module, w)
    rows = module.nn.functional.embedding(module.tensor(IDS), table, sparse=sparse)
    (rows * module.tensor(WEIGHTS, dtype=module.float64)).sum().backward()
    return w.grad


@pytest.mark.parametrize("name", list(TABLES))
def test_embedding_of_a_computed_table_differentiates(name):
    def loss(x):
        table = TABLES[name](ag, ag.tensor(x, dtype=ag.float64)).data
        return float((table[IDS] * WEIGHTS).sum())

    (expected,) = central_gradients(loss, [TABLE.copy()])
    grad = _table_gradient(ag, name)
    np.testing.assert_allclose(_dense(grad), expected, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(_dense(grad), _dense(_table_gradient(ag, name, sparse=False)), rtol=1e-13)


@pytest.mark.parametrize("name", [n for n in TABLES if n not in PYTORCH_FAILS])
def test_embedding_of_a_computed_table_gradient_layout_matches_pytorch(name):
    torch = torch_or_skip()
    ours, theirs = _table_gradient(ag, name), _table_gradient(torch, name)
    # sparse, but for w * a row of w: the row's gradient, from a slice of w, is dense, and so is the sum at w
    assert str(ours.layout) == str(theirs.layout) == ("torch.strided" if "row" in name else "torch.sparse_coo")
    np.testing.assert_allclose(_dense(ours), _dense(theirs), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(PYTORCH_FAILS))
def test_embedding_of_a_computed_table_works_where_pytorchs_backward_fails(name):
    torch = torch_or_skip()
    assert _error(lambda: _table_gradient(torch, name)) is not None
    assert _table_gradient(ag, name) is not None  # (values: the finite-difference test above)


def test_tied_weight_gets_a_dense_gradient_as_pytorchs():
    results = []
    for module in (ag, torch_or_skip()):
        module.manual_seed(0)
        emb = module.nn.Embedding(4, 3, sparse=True).double()
        lin = module.nn.Linear(3, 4, bias=False).double()
        with module.no_grad():
            emb.weight.copy_(module.tensor(TABLE))
        lin.weight = emb.weight
        (lin(emb(module.tensor(IDS))) ** 2).sum().backward()
        results.append(emb.weight.grad)
    assert str(results[0].layout) == str(results[1].layout) == "torch.strided"
    np.testing.assert_allclose(_dense(results[0]), _dense(results[1]), rtol=1e-12)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_of_a_computed_table_matches_pytorch(mode):
    results = []
    for module in (ag, torch_or_skip()):
        bag = module.nn.EmbeddingBag(4, 3, mode=mode, sparse=True).double()
        with module.no_grad():
            bag.weight.copy_(module.tensor(TABLE))
        table = bag.weight.exp()
        out = module.nn.functional.embedding_bag(module.tensor(IDS), table, module.tensor([0, 1]), mode=mode,
                                                 sparse=True)
        (out * module.tensor(WEIGHTS[:2], dtype=module.float64)).sum().backward()
        results.append(bag.weight.grad)
    assert str(results[0].layout) == str(results[1].layout) == "torch.sparse_coo"
    np.testing.assert_allclose(_dense(results[0]), _dense(results[1]), rtol=1e-13)


def test_embedding_bag_of_a_computed_table_is_finite_differences():
    offsets = [0, 1]

    def bags(module, x):
        return module.nn.functional.embedding_bag(module.tensor(IDS), x.exp(), module.tensor(offsets), mode="mean",
                                                  sparse=True)

    def loss(x):
        return float((bags(ag, ag.tensor(x, dtype=ag.float64)).data * WEIGHTS[:2]).sum())

    (expected,) = central_gradients(loss, [TABLE.copy()])
    w = ag.tensor(TABLE, dtype=ag.float64, requires_grad=True)
    (bags(ag, w) * ag.tensor(WEIGHTS[:2], dtype=ag.float64)).sum().backward()
    assert w.grad.layout is ag.sparse_coo
    np.testing.assert_allclose(_dense(w.grad), expected, rtol=1e-7, atol=1e-9)


def test_a_dense_error_in_a_rule_is_still_raised():
    # the engine densifies a sparse gradient only for a refusal of that gradient: an error of another kind goes on
    w = ag.tensor(TABLE, dtype=ag.float64, requires_grad=True)

    class Refuses(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            raise ValueError("the rule's own error")

    rows = ag.nn.functional.embedding(ag.tensor(IDS), Refuses.apply(w), sparse=True)
    with pytest.raises(ValueError, match="the rule's own error"):
        rows.sum().backward()
