"""The sparse gaps closed after tests/test_sparse_gaps.py: the layout of the gradient that reaches the dense operand of
sparse * dense (a non-leaf, a broadcast one) and of a sparse gradient that reaches a dense operation's node
(F.embedding(i, w.exp(), sparse=True) and its kin), in-place changes of sparse tensors inside a graph, CSR @ CSC,
sparse parameters in Module.save, the words of sparse products' dtype errors, and one home for
elementwise_in_layout. Each is checked without PyTorch where it can be (values, layouts, finite differences in
float64) and against PyTorch 2.13 where installed (layouts, values, errors word for word)."""

from __future__ import annotations

import numpy as np
import pytest

from gradient_helpers import central_gradients, dense_array as _dense
from nn_helpers import torch_or_skip
from probe_helpers import error_named as _error

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


def _ours_and_pytorchs():
    """autograd_core, and torch where installed: a check looped over them runs on ours without PyTorch too."""
    try:
        import torch
    except ImportError:
        return (ag,)
    return (ag, torch)


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
    for module in _ours_and_pytorchs():
        module.manual_seed(0)
        emb = module.nn.Embedding(4, 3, sparse=True).double()
        lin = module.nn.Linear(3, 4, bias=False).double()
        with module.no_grad():
            emb.weight.copy_(module.tensor(TABLE))
        lin.weight = emb.weight
        (lin(emb(module.tensor(IDS))) ** 2).sum().backward()
        results.append(emb.weight.grad)
    assert all(str(r.layout) == "torch.strided" for r in results)
    for theirs in results[1:]:
        np.testing.assert_allclose(_dense(results[0]), _dense(theirs), rtol=1e-12)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_of_a_computed_table_matches_pytorch(mode):
    results = []
    for module in _ours_and_pytorchs():
        bag = module.nn.EmbeddingBag(4, 3, mode=mode, sparse=True).double()
        with module.no_grad():
            bag.weight.copy_(module.tensor(TABLE))
        table = bag.weight.exp()
        out = module.nn.functional.embedding_bag(module.tensor(IDS), table, module.tensor([0, 1]), mode=mode,
                                                 sparse=True)
        (out * module.tensor(WEIGHTS[:2], dtype=module.float64)).sum().backward()
        results.append(bag.weight.grad)
    assert all(str(r.layout) == "torch.sparse_coo" for r in results)
    for theirs in results[1:]:
        np.testing.assert_allclose(_dense(results[0]), _dense(theirs), rtol=1e-13)


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


# ----------------------------------------------------------------------------------------------------
# 3. In-place changes of sparse tensors inside a graph.

IN_GRAPH = {  # name: the in-place change of a non-leaf sparse tensor n (coalesced)
    "mul_(2)": lambda m, n, other: n.mul_(2.0),
    "div_(2)": lambda m, n, other: n.div_(2.0),
    "neg_()": lambda m, n, other: n.neg_(),
    "abs_()": lambda m, n, other: n.abs_(),
    "relu_()": lambda m, n, other: n.relu_(),
    "floor_()": lambda m, n, other: n.floor_(),
    "sign_()": lambda m, n, other: n.sign_(),
    "zero_()": lambda m, n, other: n.zero_(),
    "add_(other)": lambda m, n, other: n.add_(other),
    "sub_(other, alpha=3)": lambda m, n, other: n.sub_(other, alpha=3),
    "mul_(other)": lambda m, n, other: n.mul_(other),
}
OTHER_VALUES = [2.0, 0.5, -1.0]
OTHER_INDICES = [[0, 1, 2], [1, 1, 2]]


def _changed_in_graph(module, name, coalesce=True):
    s = _sparse(module, requires_grad=True)
    other = module.sparse_coo_tensor(OTHER_INDICES, module.tensor(OTHER_VALUES, dtype=module.float64), SHAPE,
                                     requires_grad=True)
    n = s * 1.5
    n = n.coalesce() if coalesce else n
    out = IN_GRAPH[name](module, n, other)
    assert out is n and str(n.layout) == "torch.sparse_coo" and n.requires_grad
    module.sparse.sum(n * module.tensor(W, dtype=module.float64)).backward()
    return _dense(n), s.grad, other.grad


@pytest.mark.parametrize("name", list(IN_GRAPH))
def test_in_place_change_of_a_non_leaf_is_recorded(name):
    _, s_grad, other_grad = _changed_in_graph(ag, name)

    def loss(s_values, o_values):
        s = ag.sparse_coo_tensor(INDICES, ag.tensor(s_values), SHAPE)
        other = ag.sparse_coo_tensor(OTHER_INDICES, ag.tensor(o_values), SHAPE)
        n = (s * 1.5).coalesce()
        IN_GRAPH[name](ag, n, other)
        return float((_dense(n) * W).sum())

    if name in ("floor_()", "sign_()"):  # steps (one value, -3, sits on floor's): the gradient is 0
        expected_s, expected_o = np.zeros(len(VALUES)), np.zeros(len(OTHER_VALUES))
    else:
        expected_s, expected_o = central_gradients(loss, [np.array(VALUES), np.array(OTHER_VALUES)])
    np.testing.assert_allclose(_at(s_grad, INDICES), expected_s, atol=1e-8)
    if "other" in name:
        np.testing.assert_allclose(_at(other_grad, OTHER_INDICES), expected_o, atol=1e-8)


def _at(grad, indices):
    """grad's elements at the positions `indices` (an operand's stored entries: the gradient of a sparse add, ours and
    PyTorch's, may also hold the other operand's positions)."""
    return _dense(grad)[tuple(indices)]


# (not mul_(other): PyTorch's sparse * sparse gives the result, and self's gradient, entries at positions only other
# stores, where self has none; ours keeps the positions both store, as before: test_sparse_gaps.py)
@pytest.mark.parametrize("name", [n for n in IN_GRAPH if n != "mul_(other)"])
def test_in_place_change_of_a_non_leaf_matches_pytorch(name):
    torch = torch_or_skip()
    ours, theirs = _changed_in_graph(ag, name), _changed_in_graph(torch, name)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-13)
    for a, b, indices in zip(ours[1:], theirs[1:], (INDICES, OTHER_INDICES)):
        assert (a is None) == (b is None)
        if a is not None:
            assert str(a.layout) == str(b.layout)
            np.testing.assert_allclose(_at(a, indices), _at(b, indices), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["mul_(2)", "abs_()", "zero_()", "add_(other)"])
def test_in_place_change_of_a_leaf_that_requires_grad_refuses_in_pytorchs_words(name):
    for module in _ours_and_pytorchs():
        s = _sparse(module).coalesce().requires_grad_()  # a coalesced leaf
        other = _sparse(module)
        with pytest.raises(RuntimeError, match=r"^a leaf Variable that requires grad is being used in an in-place "
                                               r"operation\.$"):
            IN_GRAPH[name](module, s, other)
        with module.no_grad():  # inside no_grad: allowed, as PyTorch's (an optimizer's step)
            IN_GRAPH[name](module, s, other)


def test_in_place_unary_change_of_an_uncoalesced_tensor_refuses_as_pytorchs():
    for module in _ours_and_pytorchs():
        uncoalesced = module.sparse_coo_tensor([[0, 0], [1, 1]], module.tensor([1.0, -2.0]), (2, 2))
        with pytest.raises(RuntimeError, match="^abs_ requires coalesced input$"):
            uncoalesced.abs_()
        uncoalesced.neg_()  # linear: fine uncoalesced
        assert _dense(uncoalesced)[0, 1] == 1.0


def test_a_node_that_read_the_old_contents_refuses_backward():
    s = _sparse(ag, requires_grad=True)
    n = s * 1.5
    read = n * n  # reads n's values in its rule
    n.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        ag.sparse.sum(read).backward()
    torch = torch_or_skip()
    s = _sparse(torch, requires_grad=True)
    n = s * 1.5
    read = n * n
    n.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        torch.sparse.sum(read).backward()


@pytest.mark.parametrize("name", ["pow_", "square_"])
def test_pow_in_place_refuses_in_pytorchs_words(name):
    expected = "Could not run 'aten::pow_.Scalar' with arguments from the 'SparseCPU' backend"
    for module in _ours_and_pytorchs():
        n = _sparse(module, requires_grad=True) * 1.0
        with pytest.raises(NotImplementedError, match=expected.replace("(", r"\(").replace(".", r"\.")):
            getattr(n, name)(*(2,) if name == "pow_" else ())


# ----------------------------------------------------------------------------------------------------
# 4. Products of compressed matrices of two layouts.

A = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
B = np.array([[1.0, 0.0], [0.0, 2.0], [4.0, 0.0]])
PRODUCT_WEIGHTS = np.array([[0.5, -1.0], [2.0, 3.0]])
COMPRESSED = {"csr": lambda x: x.to_sparse_csr(), "csc": lambda x: x.to_sparse_csc()}
PAIRS = [(a, b) for a in COMPRESSED for b in COMPRESSED]


def _compressed_product(module, layout_a, layout_b, backward=True):
    a = COMPRESSED[layout_a](module.tensor(A, dtype=module.float64)).requires_grad_()
    b = COMPRESSED[layout_b](module.tensor(B, dtype=module.float64)).requires_grad_()
    product = a @ b
    if backward:
        (product.to_dense() * module.tensor(PRODUCT_WEIGHTS, dtype=module.float64)).sum().backward()
    return product, a.grad, b.grad


@pytest.mark.parametrize("layout_a, layout_b", PAIRS)
def test_compressed_product_is_csr_as_pytorchs(layout_a, layout_b):
    ours = _compressed_product(ag, layout_a, layout_b, backward=False)[0]
    assert ours.layout is ag.sparse_csr and ours.requires_grad
    np.testing.assert_allclose(_dense(ours), A @ B)
    torch = torch_or_skip()
    theirs = _compressed_product(torch, layout_a, layout_b, backward=False)[0]
    assert str(theirs.layout) == "torch.sparse_csr" and ours._nnz() == theirs._nnz()
    assert ours.crow_indices().tolist() == theirs.crow_indices().tolist()
    assert ours.col_indices().tolist() == theirs.col_indices().tolist()


@pytest.mark.parametrize("layout_a, layout_b", PAIRS)
def test_compressed_product_gradients_are_finite_differences(layout_a, layout_b):
    _, a_grad, b_grad = _compressed_product(ag, layout_a, layout_b)
    assert a_grad.layout is COMPRESSED[layout_a](ag.ones(2, 2)).layout  # each in its input's layout
    assert b_grad.layout is COMPRESSED[layout_b](ag.ones(2, 2)).layout
    a_entries, b_entries = np.nonzero(A), np.nonzero(B)

    def loss(a_values, b_values):
        a, b = np.zeros_like(A), np.zeros_like(B)
        a[a_entries], b[b_entries] = a_values, b_values
        return float(((a @ b) * PRODUCT_WEIGHTS).sum())

    expected_a, expected_b = central_gradients(loss, [A[a_entries], B[b_entries]])
    np.testing.assert_allclose(_dense(a_grad)[a_entries], expected_a, atol=1e-8)
    np.testing.assert_allclose(_dense(b_grad)[b_entries], expected_b, atol=1e-8)


def test_csr_product_gradients_match_pytorchs():
    torch = torch_or_skip()
    ours, theirs = _compressed_product(ag, "csr", "csr"), _compressed_product(torch, "csr", "csr")
    for a, b in zip(ours[1:], theirs[1:]):
        assert str(a.layout) == str(b.layout) == "torch.sparse_csr"
        np.testing.assert_allclose(_dense(a), _dense(b), rtol=1e-13)


@pytest.mark.parametrize("layout_a, layout_b", [p for p in PAIRS if p != ("csr", "csr")])
def test_compressed_product_gradients_where_pytorchs_backward_fails(layout_a, layout_b):
    torch = torch_or_skip()
    with pytest.raises(RuntimeError, match="expected layout SparseCsc but got SparseCsr"):
        _compressed_product(torch, layout_a, layout_b)
    assert _compressed_product(ag, layout_a, layout_b)[1] is not None  # (values: finite differences above)


def test_sparse_mm_of_csr_and_csc_refuses_in_pytorchs_words():
    expected = "addmm: computation on CPU is not implemented for SparseCsc + SparseCsr @ SparseCsc"
    for module in _ours_and_pytorchs():
        a, b = module.tensor(A).to_sparse_csr(), module.tensor(B).to_sparse_csc()
        assert _error(lambda m=module, a=a, b=b: m.sparse.mm(a, b)) == ("RuntimeError", expected)


# ----------------------------------------------------------------------------------------------------
# 5. Sparse parameters in Module.save / Module.load.

def _sparse_module(values=VALUES, dense_fill=1.0, layout="coo"):
    module = ag.nn.Module()
    s = ag.sparse_coo_tensor(INDICES, ag.tensor(values, dtype=ag.float64), SHAPE)
    module.coo = ag.nn.Parameter(s)
    module.coalesced = ag.nn.Parameter(s.coalesce())
    module.csr = ag.nn.Parameter(s.to_sparse_csr())
    module.csc = ag.nn.Parameter(s.to_sparse_csc())
    module.bsr = ag.nn.Parameter(ag.tensor(np.kron(_dense(s), np.ones((1, 2)))).to_sparse_bsr((1, 2)))
    module.dense = ag.nn.Parameter(ag.full((2,), dense_fill))
    return module


def _state(module):
    return {key: (str(value.layout), value._nnz() if "strided" not in str(value.layout) else None,
                  getattr(value, "is_coalesced", lambda: None)() if "coo" in str(value.layout) else None,
                  _dense(value).tolist()) for key, value in module.state_dict().items()}


def test_sparse_parameters_save_and_load_back(tmp_path):
    saved = _sparse_module()
    saved.save(tmp_path / "model.npz")
    other = [v * 2 for v in VALUES]
    loaded = _sparse_module(values=other, dense_fill=5.0)
    assert loaded.load(tmp_path / "model.npz") == ([], [])
    assert _state(loaded) == _state(saved)
    assert loaded.coalesced.is_coalesced() and not loaded.coo.is_coalesced()
    assert isinstance(loaded.csr, ag.nn.Parameter) and loaded.csr.requires_grad


def test_a_file_written_before_still_loads(tmp_path):
    # the format of files written before sparse entries: one .npy member per key (np.savez's too)
    model = ag.nn.Linear(3, 2)
    np.savez(tmp_path / "old.npz", weight=np.ones((2, 3), np.float32), bias=np.zeros(2, np.float32))
    assert model.load(tmp_path / "old.npz") == ([], [])
    np.testing.assert_array_equal(model.weight.data, np.ones((2, 3)))


def test_a_save_that_fails_leaves_the_old_file_whole(tmp_path, monkeypatch):
    from autograd_core.nn import checkpoint

    path = tmp_path / "model.npz"
    _sparse_module().save(path)
    before = path.read_bytes()

    def broken(key, value):
        raise RuntimeError("cannot store this entry")

    monkeypatch.setattr(checkpoint, "sparse_members", broken)
    with pytest.raises(RuntimeError, match="cannot store this entry"):
        _sparse_module(values=[0.0] * 4).save(path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def _rewritten(path, change):
    """The .npz at path with its members passed through change(name, array) (None: dropped)."""
    with np.load(path) as archive:
        members = {name: change(name, archive[name]) for name in archive.files}
    np.savez(path, **{name: array for name, array in members.items() if array is not None})


@pytest.mark.parametrize("change, words", [
    (lambda name, a: a + 5 if name == "coo#sparse_coo.indices" else a, "do not make a sparse_coo tensor"),
    (lambda name, a: None if name == "csr#sparse_csr.values" else a, "lacks its part"),
    (lambda name, a: np.zeros(10**6) if name == "coo#sparse_coo.values" else a, "larger than any sparse tensor"),
    (lambda name, a: a.astype(object) if name == "csc#sparse_csc.size" else a, "Python objects"),
])
def test_a_bad_sparse_entry_is_refused_and_changes_nothing(tmp_path, change, words):
    path = tmp_path / "model.npz"
    _sparse_module().save(path)
    _rewritten(path, change)
    model = _sparse_module(values=[7.0] * 4)
    before = _state(model)
    with pytest.raises(ag.nn.CheckpointError, match=words):
        model.load(path)
    assert _state(model) == before


# ----------------------------------------------------------------------------------------------------
# 6. The dtype errors of sparse products, in PyTorch's words.

_A64, _B32 = A, B.astype(np.float32)
MIXED_PRODUCTS = {  # name: (product of module m, PyTorch's message)
    "coo @ dense": (lambda m: m.tensor(_A64).to_sparse() @ m.tensor(_B32),
                    "expected scalar type Double but found Float"),
    "torch.mm(coo, dense)": (lambda m: m.mm(m.tensor(_A64).to_sparse(), m.tensor(_B32)),
                             "expected scalar type Double but found Float"),
    "torch.sparse.mm(coo, dense)": (lambda m: m.sparse.mm(m.tensor(_A64).to_sparse(), m.tensor(_B32)),
                                    "expected scalar type Double but found Float"),
    "coo @ vector": (lambda m: m.tensor(_A64).to_sparse() @ m.ones(3, dtype=m.float32),
                     "expected scalar type Double but found Float"),
    "coo @ int64 dense": (lambda m: m.tensor(_A64).to_sparse() @ m.ones(3, 2, dtype=m.int64),
                          "expected scalar type Double but found Long"),
    "dense @ coo": (lambda m: m.tensor(_B32).t() @ m.tensor(_A64).t().to_sparse(),
                    "expected scalar type Double but found Float"),
    "torch.hspmm": (lambda m: m.hspmm(m.tensor(_A64).to_sparse(), m.tensor(_B32)),
                    "expected scalar type Double but found Float"),
    "coo @ coo": (lambda m: m.tensor(_A64).to_sparse() @ m.tensor(_B32).to_sparse(),
                  "mat1 dtype Double does not match mat2 dtype Float"),
    "csr @ dense": (lambda m: m.tensor(_A64).to_sparse_csr() @ m.tensor(_B32),
                    "expected scalar type Double but found Float"),
    "dense @ csr": (lambda m: m.tensor(_B32).t() @ m.tensor(_A64).t().to_sparse_csr(),
                    "expected scalar type Float but found Double"),
    "csr @ csr": (lambda m: m.tensor(_A64).to_sparse_csr() @ m.tensor(_B32).to_sparse_csr(),
                  "expected scalar type Float but found Double"),
    "csr @ csc": (lambda m: m.tensor(_A64).to_sparse_csr() @ m.tensor(_B32).to_sparse_csc(),
                  "expected scalar type Float but found Double"),
}


@pytest.mark.parametrize("name", list(MIXED_PRODUCTS))
def test_sparse_product_dtype_errors_in_pytorchs_words(name):
    product, words = MIXED_PRODUCTS[name]
    assert _error(lambda: product(ag)) == ("RuntimeError", words)


@pytest.mark.parametrize("name", list(MIXED_PRODUCTS))
def test_sparse_product_dtype_errors_are_pytorchs(name):
    torch = torch_or_skip()
    product, words = MIXED_PRODUCTS[name]
    assert _error(lambda: product(torch)) == ("RuntimeError", words)


# ----------------------------------------------------------------------------------------------------
# 7. elementwise_in_layout: one home.

def test_elementwise_in_layout_has_one_home():
    from autograd_core.compressed_tensor import CompressedTensor
    from autograd_core.sparse_layouts import ElementwiseInLayout
    from autograd_core.sparse_tensor import SparseTensor

    for cls in (SparseTensor, CompressedTensor):
        owner = next(c for c in cls.__mro__ if "elementwise_in_layout" in vars(c))
        assert owner is ElementwiseInLayout
    for layout in ("coo", "csr"):
        x = _sparse(ag)
        x = x.to_sparse_csr() if layout == "csr" else x
        assert str(x.sin().layout) == str(x.layout)
        np.testing.assert_allclose(_dense(x.sin()), np.sin(_dense(x)))


def test_detect_anomaly_reads_a_sparse_gradients_values():
    from autograd_core.anomaly import AnomalyError

    w = ag.tensor(TABLE, dtype=ag.float64, requires_grad=True)
    with ag.autograd.detect_anomaly():
        ag.nn.functional.embedding(ag.tensor(IDS), w.exp(), sparse=True).sum().backward()
        assert w.grad.layout is ag.sparse_coo
        w.grad = None
        rows = ag.nn.functional.embedding(ag.tensor(IDS), w, sparse=True)
        rows.register_hook(lambda g: g * np.inf)  # the embedding's own sparse gradient is then infinite
        with pytest.raises(AnomalyError, match="backward of 'embedding' produced a non-finite gradient"):
            rows.sum().backward()


@pytest.mark.parametrize("before", ["matmul", "sum", "index"])
def test_a_pass_that_densifies_runs_once(before):
    # a rule refusing a sparse gradient gets it dense at that edge, in the pass itself: nothing is undone and run
    # again, so the pass's hooks run once, and the gradient is the chain rule's
    w = ag.tensor(np.arange(12.0).reshape(4, 3) / 10, dtype=ag.float64, requires_grad=True)
    h = w.tanh()
    table = {"matmul": lambda: h @ ag.eye(3, dtype=ag.float64),  # (two inputs: the short way's second rule too)
             "sum": lambda: h.sum(0, keepdim=True).expand(4, 3) + h * 0,
             "index": lambda: h[[0, 1, 2, 3]]}[before]()
    rows = ag.nn.functional.embedding(ag.tensor([0, 2, 2]), table, sparse=True)
    calls = []
    h.register_hook(lambda g: calls.append(g.layout))
    rows.register_hook(lambda g: calls.append(g.layout))
    (rows * ag.tensor([[1.0], [2.0], [3.0]], dtype=ag.float64)).sum().backward()

    def loss(x):
        t = np.tanh(x)
        t = {"matmul": t, "sum": np.broadcast_to(t.sum(0, keepdims=True), (4, 3)), "index": t}[before]
        return float((t[[0, 2, 2]] * [[1.0], [2.0], [3.0]]).sum())

    (expected,) = central_gradients(loss, [w.data.copy()])
    np.testing.assert_allclose(w.grad.data, expected, rtol=1e-7, atol=1e-9)
    assert calls == [ag.strided, ag.strided]  # once each; the embedding's output gradient is dense


def test_a_refused_sparse_gradient_densifies_on_the_short_way_second_edge():
    # x @ y with both needing gradients: the short way calls both rules; a sparse g refused by the second is densified
    # there too, and the first edge's gradient is counted once
    x = ag.tensor(np.eye(4)[:, :3] + 0.5, dtype=ag.float64, requires_grad=True)
    y = ag.tensor(np.arange(12.0).reshape(3, 4) / 7, dtype=ag.float64, requires_grad=True)
    table = x @ y
    ag.nn.functional.embedding(ag.tensor([1, 3, 3]), table, sparse=True).sum().backward()
    g = np.zeros((4, 4))
    g[[1, 3]] = [[1.0] * 4, [2.0] * 4]
    np.testing.assert_allclose(x.grad.data, g @ y.data.T, rtol=1e-13)
    np.testing.assert_allclose(y.grad.data, x.data.T @ g, rtol=1e-13)
