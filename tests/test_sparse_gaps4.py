"""The sparse gaps closed after tests/test_sparse_gaps3.py, each a difference from PyTorch 2.13 confirmed first:

1. coalesce()'s backward masked its gradient with the input's pattern; PyTorch's CoalesceBackward0 hands the gradient
   on unchanged (an entry that reaches a coalesced tensor from elsewhere, `c + b`'s at b's positions, reaches the
   uncoalesced input too; a dense gradient stays dense).
2. sparse * sparse (`a * b`, torch.mul, mul_) kept the positions both store, coalesced, whatever the inputs. PyTorch's
   does so only when both are coalesced (or one is empty); otherwise it stores the entries of one operand (the
   uncoalesced one; of two, the one with fewer entries, b on a tie) as they are, duplicates and entries the other lacks
   (value 0) kept, uncoalesced. Its gradients are g * b and g * a, products of the same kind (so a's gradient may hold
   positions a does not store); its grad_fn is MulBackward0 (was SparseCooBackward0).
3. zero_() of a compressed tensor (CSR, CSC, BSR, BSC) in a graph cut it from the graph (it no longer required grad,
   and a node that had read it before kept reading the new, empty contents without complaint); PyTorch's stays in the
   graph (zero gradient) and a node that read it before refuses backward.
4. copy_() into a sparse COO tensor failed outright (np.asarray of the source), in a graph or not. PyTorch's makes self
   a copy of the source (indices as stored, values in self's dtype, shape; resize rules and errors for a self that
   stores entries), and records it: the source's gradient is the copy's. Where self's old contents needed a gradient
   PyTorch's backward fails (its zeros need a strided layout); here they get a zero one, as a dense copy_'s.
5. grad_fn names of sparse operations were the primitives' (SparseScaleBackward0 for * 2, / 2, -x and clone();
   SpmmBackward0 for torch.mm and torch.sparse.mm; SparseCooBackward0 for abs, pow, softmax, ...), and
   type(y.grad_fn).__name__ was 'GradFn' for every node; both are now PyTorch's (Primitive.named: one primitive
   recorded under the name of the function that called it; a GradFn class per name).

Each is checked without PyTorch where it can be (values by hand, finite differences in float64) and against PyTorch
2.13 where installed. The coalesced flag of a leaf's `.grad` is not compared: PyTorch's AccumulateGrad re-wraps a
sparse gradient it can steal as a new tensor flagged uncoalesced, and clones one it cannot, keeping the flag."""

from __future__ import annotations

import numpy as np
import pytest

from gradient_helpers import central_gradients, dense_array as _dense
from nn_helpers import torch_or_skip
from probe_helpers import error_named as _error

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


def _entries(x):
    """(indices, values) of sparse COO x as stored (ours or PyTorch's), lists."""
    x = x.detach()
    return np.asarray(x._indices().tolist()).tolist(), np.asarray(x._values().tolist()).tolist()


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


# ----------------------------------------------------------------------------------------------------
# 2. sparse * sparse, stored as PyTorch stores it.

A = ([[0, 0, 1], [0, 2, 1]], [1.0, 2.0, 3.0])
B = ([[0, 1, 1], [2, 1, 2]], [4.0, 5.0, 6.0])
A_LOOSE = ([[1, 0, 1, 0], [1, 2, 1, 0]], [1.0, 2.0, 3.0, 4.0])  # (1, 1) twice
B_LOOSE = ([[0, 1, 0], [2, 1, 2]], [4.0, 5.0, 6.0])               # (0, 2) twice
PRODUCTS = {  # name: (a, a coalesced?, b, b coalesced?, a * b as stored: indices, values, coalesced), by hand
    "both coalesced": (A, True, B, True, ([[0, 1], [2, 1]], [8.0, 15.0], True)),
    "both coalesced, disjoint": (([[0], [0]], [1.0]), True, ([[1], [1]], [4.0]), True, ([[], []], [], True)),
    "flagged uncoalesced, as many entries: b's": (A, None, B, None, ([[0, 1, 1], [2, 1, 2]], [8.0, 15.0, 0.0], False)),
    "a uncoalesced, more entries: b's": (A_LOOSE, None, B, None, ([[0, 1, 1], [2, 1, 2]], [8.0, 20.0, 0.0], False)),
    "a uncoalesced, b coalesced: a's": (A_LOOSE, None, B, True,
                                        ([[1, 0, 1, 0], [1, 2, 1, 0]], [5.0, 8.0, 15.0, 0.0], False)),
    "a coalesced, b uncoalesced: b's": (A, True, B_LOOSE, None, ([[0, 1, 0], [2, 1, 2]], [8.0, 15.0, 12.0], False)),
    "both uncoalesced, duplicates kept": (A_LOOSE, None, B_LOOSE, None,
                                          ([[0, 1, 0], [2, 1, 2]], [8.0, 20.0, 12.0], False)),
    "a empty": (([[], []], []), None, B_LOOSE, None, ([[], []], [], True)),
}


def _operands(module, name, requires_grad=False):
    a, a_flag, b, b_flag, _ = PRODUCTS[name]
    return (_coo(module, a, requires_grad, is_coalesced=a_flag), _coo(module, b, requires_grad, is_coalesced=b_flag))


@pytest.mark.parametrize("name", list(PRODUCTS))
def test_sparse_times_sparse_is_stored_as_pytorchs(name):
    indices, values, coalesced = PRODUCTS[name][-1]
    for module in _ours_and_pytorchs():
        a, b = _operands(module, name)
        for product in (a * b, module.mul(a, b)):
            assert str(product.layout) == "torch.sparse_coo"
            assert _entries(product) == (indices, values), module.__name__
            assert product.is_coalesced() == coalesced, module.__name__
            np.testing.assert_allclose(_dense(product), _dense(a) * _dense(b), rtol=1e-13)


def _product_gradients(module, name):
    a, b = _operands(module, name, requires_grad=True)
    product = a * b
    (product.to_dense() * module.tensor(W, dtype=module.float64)).sum().backward()
    return product, a.grad, b.grad


@pytest.mark.parametrize("name", list(PRODUCTS))
def test_sparse_times_sparse_gradients_are_g_times_the_other(name):
    """a's gradient is g * b, g being W on the product's pattern (to_dense's): W·b wherever the product and b store
    an entry, a's own positions or not; b's alike."""
    product, a_grad, b_grad = _product_gradients(ag, name)
    a, b = _operands(ag, name)
    on_product = _stored(product)
    np.testing.assert_allclose(_dense(a_grad), np.where(on_product & _stored(b), W * _dense(b), 0), rtol=1e-13)
    np.testing.assert_allclose(_dense(b_grad), np.where(on_product & _stored(a), W * _dense(a), 0), rtol=1e-13)
    assert product.grad_fn.name() == "MulBackward0"


def _stored(x):
    """Where sparse x stores an entry (any value): a boolean (2, 3)."""
    stored = np.zeros(SHAPE, dtype=bool)
    indices = np.asarray(_entries(x)[0], dtype=np.int64).reshape(2, -1)
    stored[tuple(indices)] = True
    return stored


@pytest.mark.parametrize("name", [n for n in PRODUCTS if "empty" not in n])
def test_sparse_times_sparse_gradients_at_stored_values_are_finite_differences(name):
    (a_indices, a_values), a_flag, (b_indices, b_values), b_flag, _ = PRODUCTS[name]

    def loss(va, vb):
        a = ag.sparse_coo_tensor(a_indices, ag.tensor(va), SHAPE, is_coalesced=a_flag)
        b = ag.sparse_coo_tensor(b_indices, ag.tensor(vb), SHAPE, is_coalesced=b_flag)
        return float(((a * b).to_dense() * ag.tensor(W)).sum().data)

    expected = central_gradients(loss, [np.array(a_values), np.array(b_values)])
    va = ag.tensor(a_values, dtype=ag.float64, requires_grad=True)
    vb = ag.tensor(b_values, dtype=ag.float64, requires_grad=True)
    a = ag.sparse_coo_tensor(a_indices, va, SHAPE, is_coalesced=a_flag)
    b = ag.sparse_coo_tensor(b_indices, vb, SHAPE, is_coalesced=b_flag)
    ((a * b).to_dense() * ag.tensor(W, dtype=ag.float64)).sum().backward()
    np.testing.assert_allclose(va.grad.data, expected[0], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(vb.grad.data, expected[1], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", list(PRODUCTS))
def test_sparse_times_sparse_gradients_match_pytorch(name):
    torch = torch_or_skip()
    ours, theirs = _product_gradients(ag, name), _product_gradients(torch, name)
    assert ours[0].grad_fn.name() == theirs[0].grad_fn.name()
    for our_grad, their_grad in zip(ours[1:], theirs[1:]):
        assert str(our_grad.layout) == str(their_grad.layout)
        assert _entries(our_grad) == _entries(their_grad)


def test_sparse_times_sparse_of_two_dtypes_gives_each_gradient_its_dtype():
    for module in _ours_and_pytorchs():
        a = _coo(module, A, requires_grad=True)
        b = module.sparse_coo_tensor(*B, SHAPE, dtype=module.float32, requires_grad=True)
        product = a * b
        module.sparse.sum(product).backward()
        assert str(product.dtype).endswith("float64") and str(b.grad.dtype).endswith("float32"), module.__name__
        np.testing.assert_allclose(_dense(b.grad), [[0, 0, 2], [0, 3, 0]])


def test_sparse_times_sparse_in_place_is_the_product():
    a = _coo(ag, A_LOOSE, requires_grad=True)
    b = _coo(ag, B, requires_grad=True)
    y = a * 1
    y.mul_(b)
    assert _entries(y) == _entries(a.detach() * b.detach()) and not y.is_coalesced()


def test_sparse_times_sparse_of_other_sparse_dims_raises_pytorchs_error():
    a = _coo(ag, A)
    b = ag.sparse_coo_tensor([[0, 1]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], SHAPE, dtype=ag.float64)
    errors = {module.__name__: _error(lambda m=module: _coo(m, A) * m.sparse_coo_tensor(
        [[0, 1]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], SHAPE, dtype=m.float64)) for module in _ours_and_pytorchs()}
    with pytest.raises(RuntimeError, match="equal dimensionality, number of sparse dimensions"):
        _ = a * b
    if "torch" in errors:
        assert errors["torch"] == errors["autograd_core"]


# ----------------------------------------------------------------------------------------------------
# 3. zero_() of a compressed tensor inside a graph.

DENSE = [[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]]
LAYOUTS = {  # name: x (dense) in that layout
    "coo": lambda x: x.to_sparse(),
    "csr": lambda x: x.to_sparse_csr(),
    "csc": lambda x: x.to_sparse_csc(),
    "bsr": lambda x: x.to_sparse_bsr((1, 1)),
    "bsc": lambda x: x.to_sparse_bsc((1, 1)),
}


def _zeroed(module, layout):
    x = module.tensor(DENSE, dtype=module.float64, requires_grad=True)
    y = LAYOUTS[layout](x) * 2
    returned = y.zero_()
    assert returned is y
    return x, y


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_zero_in_a_graph_stays_in_it(layout):
    x, y = _zeroed(ag, layout)
    assert y.requires_grad and y.grad_fn is not None and y._nnz() == 0
    assert str(y.layout) == f"torch.sparse_{layout}"
    np.testing.assert_array_equal(_dense(y), np.zeros(SHAPE))
    (y.to_dense() * ag.tensor(W, dtype=ag.float64)).sum().backward()
    np.testing.assert_array_equal(_dense(x.grad), np.zeros(SHAPE))
    assert y.values().shape[0] == 0


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_zero_after_a_node_read_the_tensor_refuses_backward(layout):
    for module in _ours_and_pytorchs():
        x = module.tensor(DENSE, dtype=module.float64, requires_grad=True)
        y = LAYOUTS[layout](x) * 2
        read = y.to_dense()
        y.zero_()
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            read.sum().backward()


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_zero_in_a_graph_matches_pytorch(layout):
    torch = torch_or_skip()
    (x, y), (t_x, t_y) = _zeroed(ag, layout), _zeroed(torch, layout)
    assert str(y.layout) == str(t_y.layout) and y._nnz() == t_y._nnz() and y.requires_grad == t_y.requires_grad
    for module, zeroed in ((ag, y), (torch, t_y)):
        (zeroed.to_dense() * module.tensor(W, dtype=module.float64)).sum().backward()
    assert str(x.grad.layout) == str(t_x.grad.layout)
    np.testing.assert_array_equal(_dense(x.grad), _dense(t_x.grad))


# ----------------------------------------------------------------------------------------------------
# 4. copy_() into a sparse COO tensor.

SOURCE = ([[0, 1, 1], [1, 0, 0]], [1.0, 2.0, 3.0])  # uncoalesced: (1, 0) twice


def _copy_into_constant(module, dtype="float64"):
    """A tensor that needs no gradient, copy_ of a source that does: PyTorch's working case."""
    src = _coo(module, SOURCE, requires_grad=True)
    y = module.sparse_coo_tensor([[0], [2]], [7.0], SHAPE, dtype=getattr(module, dtype))
    y.copy_(src)
    (y.to_dense() * module.tensor(W, dtype=y.dtype)).sum().backward()
    return y, src.grad


def test_copy_makes_self_the_source_as_stored():
    for module in _ours_and_pytorchs():
        y = module.sparse_coo_tensor([[0], [2]], [7.0], SHAPE, dtype=module.float64)
        returned = y.copy_(_coo(module, SOURCE))
        assert returned is y and _entries(y) == SOURCE and not y.is_coalesced(), module.__name__
        loose = _coo(module, SOURCE)
        y.copy_(_coo(module, ([[0, 0], [1, 2]], [3.0, 4.0]), is_coalesced=True))
        assert y.is_coalesced() and _entries(y) == ([[0, 0], [1, 2]], [3.0, 4.0])
        y.copy_(loose)
        assert _entries(y) == SOURCE


def test_copy_into_a_tensor_without_gradient_passes_the_gradient_to_the_source():
    y, src_grad = _copy_into_constant(ag)
    assert y.requires_grad and _entries(y) == SOURCE
    np.testing.assert_allclose(_dense(src_grad), [[0.0, 2.0, 0.0], [4.0, 0.0, 0.0]], rtol=1e-13)  # W on src's pattern


def test_copy_converts_the_values_to_self_s_dtype_and_the_gradient_back():
    y, src_grad = _copy_into_constant(ag, "float32")
    assert y.dtype == ag.float32 and src_grad.dtype == ag.float64
    np.testing.assert_allclose(_dense(src_grad), [[0.0, 2.0, 0.0], [4.0, 0.0, 0.0]], rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_copy_into_a_tensor_without_gradient_matches_pytorch(dtype):
    torch = torch_or_skip()
    (y, grad), (t_y, t_grad) = _copy_into_constant(ag, dtype), _copy_into_constant(torch, dtype)
    assert _entries(y) == _entries(t_y) and y.is_coalesced() == t_y.is_coalesced()
    assert str(grad.layout) == str(t_grad.layout) and str(grad.dtype).split(".")[-1] == str(t_grad.dtype)[6:]
    np.testing.assert_allclose(_dense(grad), _dense(t_grad), rtol=1e-13)


def test_copy_into_a_node_gives_its_old_contents_a_zero_gradient():
    """Where PyTorch's backward fails: the old contents get zeros, the source its gradient (finite differences)."""
    a = _coo(ag, LOOSE, requires_grad=True)
    src = _coo(ag, SOURCE, requires_grad=True)
    y = a * 2
    y.copy_(src * 3)
    assert _entries(y) == (SOURCE[0], [3.0, 6.0, 9.0])
    (y.to_dense() * ag.tensor(W, dtype=ag.float64)).sum().backward()
    np.testing.assert_array_equal(_dense(a.grad), np.zeros(SHAPE))

    def loss(v):
        copied = _coo(ag, LOOSE) * 2
        copied.copy_(ag.sparse_coo_tensor(SOURCE[0], ag.tensor(v), SHAPE) * 3)
        return float((copied.to_dense() * ag.tensor(W)).sum().data)

    (expected,) = central_gradients(loss, [np.array(SOURCE[1])])
    v = ag.tensor(SOURCE[1], dtype=ag.float64, requires_grad=True)
    y = _coo(ag, LOOSE, requires_grad=True) * 2
    y.copy_(ag.sparse_coo_tensor(SOURCE[0], v, SHAPE) * 3)
    (y.to_dense() * ag.tensor(W, dtype=ag.float64)).sum().backward()
    np.testing.assert_allclose(v.grad.data, expected, rtol=1e-7)
    torch = torch_or_skip()
    t_y = _coo(torch, LOOSE, requires_grad=True) * 2
    t_y.copy_(_coo(torch, SOURCE, requires_grad=True) * 3)
    with pytest.raises(RuntimeError, match="memory format option is only supported by strided tensors"):
        (t_y.to_dense() * torch.tensor(W, dtype=torch.float64)).sum().backward()


def test_copy_after_a_node_read_the_tensor_refuses_backward():
    for module in _ours_and_pytorchs():
        y = _coo(module, LOOSE, requires_grad=True) * 2
        read = y.to_dense()
        y.copy_(_coo(module, SOURCE))
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            read.sum().backward()


def test_copy_into_a_leaf_that_requires_grad_refuses():
    for module in _ours_and_pytorchs():
        leaf = _coo(module, LOOSE, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            leaf.copy_(_coo(module, SOURCE))
        with module.no_grad():
            leaf.copy_(_coo(module, SOURCE))
        assert _entries(leaf) == SOURCE and leaf.requires_grad


COPY_ERRORS = {  # name: (self, src) of module m, each refused with PyTorch's words
    "shrinking": lambda m: (_coo(m, SOURCE), _coo(m, SOURCE, shape=(2, 2))),
    "fewer sparse dims": lambda m: (_coo(m, SOURCE), m.sparse_coo_tensor([[0]], [1.0], (2,), dtype=m.float64)),
    "a dense dim": lambda m: (_coo(m, SOURCE), m.sparse_coo_tensor([[0]], [[1.0, 2.0, 3.0]], SHAPE,
                                                                     dtype=m.float64)),
    "shrinking a dense dim": lambda m: (m.sparse_coo_tensor([[0]], [[1.0, 2.0, 3.0]], SHAPE, dtype=m.float64),
                                        m.sparse_coo_tensor([[0]], [[1.0, 2.0]], (2, 2), dtype=m.float64)),
    "dense src": lambda m: (_coo(m, SOURCE), m.ones(SHAPE, dtype=m.float64)),
    "csr src": lambda m: (_coo(m, SOURCE), m.ones(SHAPE, dtype=m.float64).to_sparse_csr()),
}


@pytest.mark.parametrize("name", list(COPY_ERRORS))
def test_copy_refuses_as_pytorch(name):
    y, src = COPY_ERRORS[name](ag)
    with pytest.raises(RuntimeError, match="not supported|not implemented|expected sparse compressed"):
        y.copy_(src)
    torch = torch_or_skip()
    t_y, t_src = COPY_ERRORS[name](torch)
    assert _error(lambda: y.copy_(src)) == _error(lambda: t_y.copy_(t_src))


def test_copy_into_an_empty_tensor_takes_any_shape_as_pytorchs():
    for module in _ours_and_pytorchs():
        y = module.sparse_coo_tensor(np.zeros((2, 0), np.int64), np.zeros(0), (1, 1), dtype=module.float64)
        y.copy_(module.sparse_coo_tensor([[0]], [[1.0, 2.0, 3.0]], SHAPE, dtype=module.float64))
        assert tuple(y.shape) == SHAPE and y.sparse_dim() == 1 and y.dense_dim() == 1


def test_copy_changing_the_shape_inside_a_graph_is_refused_clearly():
    y = _coo(ag, LOOSE, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"changing the shape of a sparse tensor inside a graph \(from \(2, 3\) to "
                                           r"\(3, 3\)\)"):
        y.copy_(_coo(ag, SOURCE, shape=(3, 3)))


# ----------------------------------------------------------------------------------------------------
# 5. grad_fn names of sparse operations, as PyTorch names them.


def _leaf(m):
    return _coo(m, LOOSE, requires_grad=True)


def _matrix(m):
    return m.tensor(W.T, dtype=m.float64, requires_grad=True)


NAMED = {  # what: (the operation on module m, PyTorch's name of its grad_fn)
    "x.to_sparse()": (lambda m: m.tensor(W, dtype=m.float64, requires_grad=True).to_sparse(), "ToSparseBackward1"),
    "x.to_sparse(1)": (lambda m: m.tensor(W, dtype=m.float64, requires_grad=True).to_sparse(1), "ToSparseBackward0"),
    "to_dense": (lambda m: _leaf(m).to_dense(), "ToDenseBackward0"),
    "sparse_coo_tensor of values": (lambda m: m.sparse_coo_tensor(
        LOOSE[0], m.tensor(LOOSE[1], dtype=m.float64, requires_grad=True), SHAPE),
        "SparseCooTensorWithDimsAndTensorsBackward0"),
    "coalesce": (lambda m: _leaf(m).coalesce(), "CoalesceBackward0"),
    "values()": (lambda m: _leaf(m).coalesce().values(), "ValuesBackward0"),
    "* 2": (lambda m: _leaf(m) * 2, "MulBackward0"),
    "/ 2": (lambda m: _leaf(m) / 2, "DivBackward0"),
    "neg": (lambda m: -_leaf(m), "NegBackward0"),
    "clone": (lambda m: _leaf(m).clone(), "CloneBackward0"),
    "sparse + sparse": (lambda m: _leaf(m) + _leaf(m), "AddBackward0"),
    "sparse - sparse": (lambda m: _leaf(m) - _leaf(m), "SubBackward0"),
    "sparse * sparse": (lambda m: _leaf(m) * _leaf(m), "MulBackward0"),
    "sparse * dense": (lambda m: _leaf(m) * m.tensor(W, dtype=m.float64, requires_grad=True), "MulBackward0"),
    "dense + sparse": (lambda m: m.tensor(W, dtype=m.float64) + _leaf(m), "AddBackward0"),
    "t()": (lambda m: _leaf(m).t(), "TBackward0"),
    "transpose": (lambda m: _leaf(m).transpose(0, 1), "TransposeBackward0"),
    "sparse.sum": (lambda m: m.sparse.sum(_leaf(m)), "SumBackward0"),
    "sparse.sum(dim)": (lambda m: m.sparse.sum(_leaf(m), 0), "SparseSumBackward0"),
    "x.sum()": (lambda m: _leaf(m).sum(), "SumBackward0"),
    "x.sum(0)": (lambda m: _leaf(m).sum(0), "SumBackward1"),
    "torch.mm": (lambda m: m.mm(_leaf(m), _matrix(m)), "MmBackward0"),
    "@": (lambda m: _leaf(m) @ _matrix(m), "MmBackward0"),
    "sparse.mm": (lambda m: m.sparse.mm(_leaf(m), _matrix(m)), "SparseAddmmBackward0"),
    "sparse @ sparse": (lambda m: _leaf(m) @ _leaf(m).t(), "MmBackward0"),
    "sparse.mm(sparse, sparse)": (lambda m: m.sparse.mm(_leaf(m), _leaf(m).t()), "SparseSparseMatmulBackward0"),
    "to(float32)": (lambda m: _leaf(m).to(m.float32), "ToCopyBackward0"),
    "abs": (lambda m: _leaf(m).abs(), "AbsBackward0"),
    "sin": (lambda m: _leaf(m).sin(), "SinBackward0"),
    "pow": (lambda m: _leaf(m).pow(2), "PowBackward0"),
    "sparse.softmax": (lambda m: m.sparse.softmax(_leaf(m), 1), "SparseSoftmaxBackward0"),
    "sparse.log_softmax": (lambda m: m.sparse.log_softmax(_leaf(m), 1), "SparseLogSoftmaxBackward0"),
    "sparse_mask": (lambda m: m.tensor(W, dtype=m.float64, requires_grad=True).sparse_mask(_leaf(m).coalesce()),
                    "SparseMaskBackward0"),
    "zero_": (lambda m: (_leaf(m) * 1).zero_(), "ZeroBackward0"),
    "to_sparse_csr": (lambda m: m.tensor(W, dtype=m.float64, requires_grad=True).to_sparse_csr(),
                      "ToSparseCsrBackward0"),
    "to_sparse_csc": (lambda m: m.tensor(W, dtype=m.float64, requires_grad=True).to_sparse_csc(),
                      "ToSparseCscBackward0"),
    "to_sparse_bsr": (lambda m: m.tensor(W, dtype=m.float64, requires_grad=True).to_sparse_bsr((1, 1)),
                      "ToSparseBsrBackward0"),
    "csr.to_sparse()": (lambda m: m.tensor(W, dtype=m.float64, requires_grad=True).to_sparse_csr().to_sparse(),
                        "ToSparseBackward1"),
    "csr.values()": (lambda m: m.tensor(W, dtype=m.float64, requires_grad=True).to_sparse_csr().values(),
                     "ValuesBackward0"),
    "csr * 2": (lambda m: m.tensor(W, dtype=m.float64, requires_grad=True).to_sparse_csr() * 2, "MulBackward0"),
    "csr.zero_": (lambda m: (m.tensor(W, dtype=m.float64, requires_grad=True).to_sparse_csr() * 2).zero_(),
                  "ZeroBackward0"),
    "csr.abs": (lambda m: m.tensor(W, dtype=m.float64, requires_grad=True).to_sparse_csr().abs(), "AbsBackward0"),
}


@pytest.mark.parametrize("what", list(NAMED))
def test_grad_fn_names_are_pytorchs(what):
    make, name = NAMED[what]
    grad_fn = make(ag).grad_fn
    assert grad_fn.name() == type(grad_fn).__name__ == name
    assert repr(grad_fn).startswith(f"<{name} object at ")


def test_copy_grad_fn_name_is_pytorchs():
    y = ag.sparse_coo_tensor([[0], [2]], [7.0], SHAPE, dtype=ag.float64)
    y.copy_(_leaf(ag))
    assert y.grad_fn.name() == type(y.grad_fn).__name__ == "CopyBackwards"
    assert repr(y).endswith("grad_fn=<CopyBackwards>)")


@pytest.mark.parametrize("what", list(NAMED))
def test_grad_fn_names_match_pytorch(what):
    torch = torch_or_skip()
    make, name = NAMED[what]
    assert type(make(torch).grad_fn).__name__ == name == type(make(ag).grad_fn).__name__


# ----------------------------------------------------------------------------------------------------
# A sparse gradient handed to backward() or autograd.grad() as the seed.

SEED_INDICES, SEED_VALUES = [[0, 2], [1, 0]], [1.0, 5.0]
SEEDED = {"mul": lambda m, x: x * 2, "exp": lambda m, x: x.exp(), "add": lambda m, x: x + 0,
          "matmul": lambda m, x: x @ m.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=x.dtype)}


def _seeded_pass(m, name, seed_dtype, how="backward"):
    x = m.tensor(np.arange(6.0).reshape(3, 2) / 5, dtype=m.float32, requires_grad=True)
    seed = m.sparse_coo_tensor(SEED_INDICES, SEED_VALUES, (3, 2), dtype=seed_dtype)
    y = SEEDED[name](m, x)
    if how == "backward":
        y.backward(seed)
        return x.grad
    (g,) = m.autograd.grad(y, x, grad_outputs=seed)
    return g


@pytest.mark.parametrize("how", ["backward", "grad"])
@pytest.mark.parametrize("name", sorted(SEEDED))
def test_a_sparse_seed_stays_sparse_through_elementwise_rules(name, how):
    # PyTorch takes a sparse gradient for a dense output: elementwise rules keep it sparse, matmul's densifies it;
    # the seed is cast to the output's dtype, and the caller's tensor is not the gradient
    g = _seeded_pass(ag, name, ag.float64, how)
    assert g.layout is (ag.strided if name == "matmul" else ag.sparse_coo)
    assert g.dtype == ag.float32
    x = np.arange(6.0).reshape(3, 2) / 5
    seed = np.zeros((3, 2))
    seed[tuple(SEED_INDICES)] = SEED_VALUES
    expected = {"mul": 2 * seed, "exp": np.exp(x) * seed, "add": seed,
                "matmul": seed @ np.array([[1.0, 2.0], [3.0, 4.0]]).T}[name]
    np.testing.assert_allclose(_dense(g), expected, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_a_sparse_seed_against_pytorch(name):
    torch = torch_or_skip()
    ours, theirs = _seeded_pass(ag, name, ag.float64), _seeded_pass(torch, name, torch.float64)
    assert str(ours.layout) == str(theirs.layout) and ours.dtype == ag.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(_dense(ours), theirs.to_dense().numpy() if theirs.is_sparse else theirs.numpy(),
                               rtol=1e-6)


def test_a_sparse_seed_of_another_shape_is_refused():
    x = ag.ones(3, 2, requires_grad=True)
    seed = ag.sparse_coo_tensor(SEED_INDICES, SEED_VALUES, (3, 3))
    with pytest.raises(ValueError, match=r"gradient of shape \(3, 3\) does not match output of shape \(3, 2\)"):
        (x * 2).backward(seed)
    assert x.grad is None
