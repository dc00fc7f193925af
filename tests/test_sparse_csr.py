"""PyTorch's compressed sparse layouts (CSR, CSC, BSR, BSC: sparse_compressed.py, ops/sparse_compressed.py,
compressed_tensor.py): making and reading them, PyTorch's repr and errors, conversions, products and their
gradients against finite differences (always) and PyTorch's (float64, when installed), with the gradients' layouts."""

from __future__ import annotations

import io

import numpy as np
import pytest

from nn_helpers import torch_or_skip
from test_ops_backends import OURS
from test_ops_backends import backend as backend_named
from test_ops_table import CSR_CASES

import autograd_core as ag
from autograd_core.gradcheck import gradcheck
from autograd_core.sparse_compressed import CompressedArray

DENSE = [[0.0, 2.0, 0.0], [1.0, 0.0, 3.0], [0.0, 0.0, 0.0], [4.0, 5.0, 0.0]]
CROW, COL, VALUES = [0, 1, 3, 3, 5], [1, 0, 2, 0, 1], [2.0, 1.0, 3.0, 4.0, 5.0]
BATCHED = [[[1.0, 0.0], [0.0, 2.0]], [[0.0, 3.0], [4.0, 0.0]]]
pytestmark = [pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta state"),
              pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")]
_D = np.random.default_rng(0).standard_normal((3, 2))
_D4 = np.random.default_rng(1).standard_normal((4, 2))


def _csr(module, requires_grad=False, values=VALUES):
    return module.sparse_csr_tensor(module.tensor(CROW), module.tensor(COL), module.tensor(values,
                                    dtype=module.float64), (4, 3), requires_grad=requires_grad)


def _dense(x):
    """x (ours or PyTorch's, of any layout, or a gradient) as an ndarray."""
    if x.layout is not ag.strided and str(x.layout) != "torch.strided":
        x = x.to_dense()
    if hasattr(x, "detach"):
        x = x.detach()
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _parts(x):
    """A compressed tensor's (layout, shape, compressed indices, plain indices, values) as plain lists."""
    first, second = ("crow_indices", "col_indices") if str(x.layout) in ("torch.sparse_csr", "torch.sparse_bsr") \
        else ("ccol_indices", "row_indices")
    arrays = [getattr(x, first)(), getattr(x, second)(), x.values().detach()]
    return (str(x.layout), tuple(x.shape), *(np.asarray(a.numpy() if hasattr(a, "numpy") else a).tolist()
                                             for a in arrays))


def _both(fn):
    """fn(module) for ours and PyTorch's."""
    torch = torch_or_skip()
    return fn(ag), fn(torch)


# ----------------------------------------------------------------------------------------------------
# Making and reading.


def test_names_and_layouts():
    for name in ("sparse_csr_tensor", "sparse_csc_tensor", "sparse_bsr_tensor", "sparse_bsc_tensor",
                 "sparse_compressed_tensor", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc"):
        assert hasattr(ag, name), name
    assert repr(ag.sparse_csr) == "torch.sparse_csr" and str(ag.sparse_bsc) == "torch.sparse_bsc"
    assert hasattr(ag.sparse, "check_sparse_tensor_invariants")
    assert ag.zeros(2).is_sparse_csr is False


def test_construction_and_accessors():
    c = _csr(ag)
    assert c.layout is ag.sparse_csr and c.is_sparse is False and c.is_sparse_csr is True
    assert c.shape == (4, 3) and c.dtype == np.float64 and c._nnz() == 5 and c.ndim == 2
    assert c.sparse_dim() == 2 and c.dense_dim() == 0 and isinstance(c, ag.Tensor)
    assert np.asarray(c.crow_indices()).tolist() == CROW and np.asarray(c.col_indices()).tolist() == COL
    assert np.asarray(c.values()).tolist() == VALUES
    np.testing.assert_array_equal(_dense(c), DENSE)
    csc = ag.tensor(DENSE).to_sparse_csc()
    assert csc.layout is ag.sparse_csc and not csc.is_sparse_csr and not csc.is_sparse
    assert ag.sparse_csr_tensor(CROW, COL, VALUES).shape == (4, 3)  # size inferred
    assert ag.sparse_csr_tensor(CROW, COL, VALUES).dtype == np.float32
    assert ag.sparse_csr_tensor(CROW, COL, [1, 2, 3, 4, 5]).dtype == np.int64


def test_accessors_match_pytorch():
    def read(m):
        c = m.tensor(DENSE, dtype=m.float64).to_sparse_csr()
        b = m.tensor(BATCHED).to_sparse_csc()
        return [_parts(c), _parts(b), c._nnz(), b._nnz(), c.is_sparse, c.is_sparse_csr, b.is_sparse_csr,
                c.sparse_dim(), c.dense_dim(), b.sparse_dim(), b.dense_dim(), tuple(b.size()), c.numel(), len(c)]

    ours, theirs = _both(read)
    assert ours == theirs


_COMPRESSED_ACCESSORS = ["crow_indices", "col_indices", "ccol_indices", "row_indices"]
_ACCESSOR_CASES = [(method, layout) for layout in ("csr", "csc") for method in _COMPRESSED_ACCESSORS + [
    "indices", "coalesce", "is_coalesced", "_values", "_indices"]] + [(m, "strided") for m in _COMPRESSED_ACCESSORS]


@pytest.mark.parametrize("method, layout", _ACCESSOR_CASES)
def test_accessor_errors_match_pytorch(method, layout):
    torch = torch_or_skip()
    errors = []
    for m in (ag, torch):
        x = m.tensor(DENSE)
        x = x if layout == "strided" else getattr(x, f"to_sparse_{layout}")()
        try:
            getattr(x, method)()
            errors.append(None)
        except (RuntimeError, NotImplementedError) as err:
            errors.append((type(err), str(err).split("\n")[0][:len(str(errors[0][1])) if errors else None]))
    if errors[0] is None:
        assert errors[1] is None
    else:
        assert errors[1] is not None and errors[0][0] is errors[1][0]
        assert errors[1][1].startswith(errors[0][1]), errors


REPR_CASES = {
    "csr-float64": lambda m: m.tensor(DENSE, dtype=m.float64).to_sparse_csr(),
    "csc-float32": lambda m: m.tensor(DENSE).to_sparse_csc(),
    "csr-int": lambda m: m.tensor(DENSE).long().to_sparse_csr(),
    "csr-requires_grad": lambda m: m.sparse_csr_tensor(m.tensor([0, 1, 2]), m.tensor([0, 1]), m.tensor([1., 2.]),
                                                       (2, 2), requires_grad=True),
    "csr-empty": lambda m: m.zeros(2, 3).to_sparse_csr(),
    "csr-batched": lambda m: m.tensor(BATCHED).to_sparse_csr(),
    "csc-batched": lambda m: m.tensor(BATCHED).to_sparse_csc(),
    "csr-hybrid": lambda m: m.ones(2, 2, 3).to_sparse_csr(dense_dim=1),
    "bsr": lambda m: m.tensor(DENSE, dtype=m.float64).to_sparse_bsr((2, 1)),
    "bsc": lambda m: m.tensor(DENSE, dtype=m.float64).to_sparse_bsc((2, 1)),
    "csr-long": lambda m: m.arange(1, 61, dtype=m.float64).reshape(6, 10).to_sparse_csr() / 7 if m is ag else
    (m.arange(1, 61, dtype=m.float64).reshape(6, 10) / 7).to_sparse_csr(),
    "csr-summarized": lambda m: m.arange(1., 2001.).reshape(40, 50).to_sparse_csr(),
    "csr-transposed": lambda m: m.tensor(DENSE).to_sparse_csr().t(),
}


@pytest.mark.parametrize("name", REPR_CASES)
def test_repr_matches_pytorch(name):
    torch = torch_or_skip()
    if name == "csr-long":  # (a compressed tensor has no division here, as PyTorch's has none)
        ours = ag.tensor(np.arange(1, 61, dtype=np.float64).reshape(6, 10) / 7).to_sparse_csr()
        theirs = (torch.arange(1, 61, dtype=torch.float64).reshape(6, 10) / 7).to_sparse_csr()
    else:
        ours, theirs = REPR_CASES[name](ag), REPR_CASES[name](torch)
    assert repr(ours) == repr(theirs)


# ----------------------------------------------------------------------------------------------------
# Bad input: PyTorch's messages (its check_invariants=True ones: here the invariants are always checked).

BAD = {
    "crow first nonzero": ([1, 1, 2], [0, 1], [1., 2.], (2, 2)),
    "crow last != nnz": ([0, 1, 3], [0, 1], [1., 2.], (2, 2)),
    "crow decreasing": ([0, 2, 1, 2], [0, 1], [1., 2.], (3, 2)),
    "col out of range": ([0, 1, 2], [0, 5], [1., 2.], (2, 2)),
    "col negative": ([0, 1, 2], [0, -1], [1., 2.], (2, 2)),
    "col unsorted": ([0, 2, 2], [1, 0], [1., 2.], (2, 2)),
    "col duplicate": ([0, 2, 2], [1, 1], [1., 2.], (2, 2)),
    "crow wrong length": ([0, 1, 2, 2], [0, 1], [1., 2.], (2, 2)),
    "values wrong length": ([0, 1, 2], [0, 1], [1., 2., 3.], (2, 2)),
    "col length vs crow": ([0, 1, 3], [0, 1, 1], [1., 2., 3.], (2, 2)),
    "size 1-d": ([0, 1, 2], [0, 1], [1., 2.], (2,)),
    "float crow": ("float", [0, 1], [1., 2.], (2, 2)),
    "int32 and int64": ("int32", [0, 1], [1., 2.], (2, 2)),
    "2-d col": ([0, 1, 2], [[0, 1]], [1., 2.], (2, 2)),
    "ncols too small": ([0, 1, 2], [0, 3], [1., 2.], (2, 3)),
}


def _bad_args(m, case, csc=False):
    crow, col, values, size = case
    if crow == "float":
        crow = m.tensor([0., 1., 2.])
    elif crow == "int32":
        crow = m.tensor([0, 1, 2], dtype=m.int32)
    else:
        crow = m.tensor(crow)
    return crow, m.tensor(col), m.tensor(values), size


@pytest.mark.parametrize("layout", ["csr", "csc"])
@pytest.mark.parametrize("name", BAD)
def test_bad_input_raises_pytorchs_error(name, layout):
    torch = torch_or_skip()
    messages = []
    for m in (ag, torch):
        with pytest.raises(RuntimeError) as err:
            getattr(m, f"sparse_{layout}_tensor")(*_bad_args(m, BAD[name]), check_invariants=True)
        messages.append(str(err.value))
    assert messages[0] == messages[1]


BAD_BLOCKS = {
    "col out of range": ([0, 1, 2], [0, 2], (4, 2)),
    "crow wrong length": ([0, 1, 2, 2], [0, 1], (4, 2)),
    "size not divisible": ([0, 1, 2], [0, 1], (5, 2)),
}


@pytest.mark.parametrize("layout", ["bsr", "bsc"])
@pytest.mark.parametrize("name", BAD_BLOCKS)
def test_bad_block_input_raises_pytorchs_error(name, layout):
    torch = torch_or_skip()
    crow, col, size = BAD_BLOCKS[name]
    messages = []
    for m in (ag, torch):
        with pytest.raises(RuntimeError) as err:
            getattr(m, f"sparse_{layout}_tensor")(m.tensor(crow), m.tensor(col), m.ones(2, 2, 1), size,
                                                  check_invariants=True)
        messages.append(str(err.value))
    assert messages[0] == messages[1]


def test_bad_input_raises_without_check_invariants_too():
    with pytest.raises(RuntimeError, match="col_indices < ncols"):
        ag.sparse_csr_tensor([0, 1, 2], [0, 5], [1., 2.], (2, 2), check_invariants=False)
    with ag.sparse.check_sparse_tensor_invariants():
        assert ag.sparse.check_sparse_tensor_invariants.is_enabled()
    assert not ag.sparse.check_sparse_tensor_invariants.is_enabled()


def test_other_bad_input():
    torch = torch_or_skip()
    for m in (ag, torch):
        with pytest.raises(RuntimeError, match="expected sparse compressed tensor layout but got none"):
            m.sparse_compressed_tensor(m.tensor([0, 1]), m.tensor([0]), m.tensor([1.]), (1, 1))
        with pytest.raises(RuntimeError, match="coalesce expected sparse coordinate tensor layout but got SparseCsr"):
            m.sparse.sum(m.tensor(DENSE).to_sparse_csr())
        with pytest.raises(RuntimeError, match="Expect the same number of specified elements per batch."):
            m.tensor([[[1., 0], [0, 2]], [[0, 3], [0, 0]]]).to_sparse_csr()
        with pytest.raises(RuntimeError, match="with blocksize argument given is not supported"):
            m.tensor(DENSE).to_sparse(layout=m.sparse_csr, blocksize=(2, 1))
        with pytest.raises(RuntimeError, match="keepdim=False is unsupported"):
            m.tensor(DENSE).to_sparse_csr().sum(0)
        with pytest.raises(RuntimeError, match="only compressed sparse format supported for sum.dim_IntList is CSR"):
            m.tensor(DENSE).to_sparse_csc().sum(0, keepdim=True)
        with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions"):
            m.ones(2, 2, 2).to_sparse_csr().t()
        with pytest.raises(RuntimeError, match="can only transpose dimensions of the same type"):
            m.ones(2, 2, 2).to_sparse_csr().transpose(0, 1)
        with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype"):
            m.sparse_csr_tensor(m.tensor([0, 1]), m.tensor([0]), m.tensor([1]), (1, 1), requires_grad=True)
    with pytest.raises(RuntimeError, match="is not divisible by the blocksize"):
        ag.tensor(DENSE).to_sparse_bsr((3, 1))


@pytest.mark.parametrize("operation, name", [
    (lambda c: np.exp(c.data), "exp"), (lambda c: np.subtract(c.data, 1), "subtract"),
    (lambda c: c[0], "indexing"), (lambda c: np.asarray(c.data), "np.asarray"),
])  # (c / 2, c - c, 1 / c: PyTorch's RuntimeError "unsupported tensor layout", tests/test_sparse_gaps.py)
def test_other_operations_name_the_layout(operation, name):
    c = _csr(ag)
    with pytest.raises(NotImplementedError, match=r"torch\.sparse_csr") as err:
        operation(c)
    assert name.split(".")[-1] in str(err.value)


# ----------------------------------------------------------------------------------------------------
# Conversions against PyTorch: the same index arrays and values, in the same order.

CONVERSIONS = {
    "dense->csr": lambda m: m.tensor(DENSE).to_sparse_csr(),
    "dense->csc": lambda m: m.tensor(DENSE).to_sparse_csc(),
    "dense->to_sparse(layout=csc)": lambda m: m.tensor(DENSE).to_sparse(layout=m.sparse_csc),
    "dense->bsr": lambda m: m.tensor(DENSE).to_sparse_bsr((2, 1)),
    "dense->bsc": lambda m: m.tensor(DENSE).to_sparse_bsc((2, 3)),
    "batched->csr": lambda m: m.tensor(BATCHED).to_sparse_csr(),
    "batched->csc": lambda m: m.tensor(BATCHED).to_sparse_csc(),
    "hybrid->csr": lambda m: m.tensor(np.arange(12.).reshape(2, 3, 2) % 5).to_sparse_csr(dense_dim=1),
    "coo->csr": lambda m: m.sparse_coo_tensor(m.tensor([[1, 0, 1], [2, 1, 2]]), m.tensor([1., 2., 3.]),
                                              (2, 3)).to_sparse_csr(),
    "coo->csc": lambda m: m.sparse_coo_tensor(m.tensor([[1, 0, 1], [2, 1, 2]]), m.tensor([1., 2., 3.]),
                                              (2, 3)).to_sparse_csc(),
    "coo->to_sparse(layout=csr)": lambda m: m.tensor(DENSE).to_sparse().to_sparse(layout=m.sparse_csr),
    "csr->csc": lambda m: m.tensor(DENSE).to_sparse_csr().to_sparse_csc(),
    "csc->csr": lambda m: m.tensor(DENSE).to_sparse_csc().to_sparse(layout=m.sparse_csr),
    "csr->bsr": lambda m: m.tensor(DENSE).to_sparse_csr().to_sparse_bsr((2, 1)),
    "csr.t()": lambda m: m.tensor(DENSE).to_sparse_csr().t(),
    "bsr.t()": lambda m: m.tensor(DENSE).to_sparse_bsr((2, 1)).t(),
    "batched csr.transpose(-2, -1)": lambda m: m.tensor(BATCHED).to_sparse_csr().transpose(-2, -1),
    "explicit zero kept": lambda m: m.sparse_coo_tensor(m.tensor([[0, 1], [1, 0]]), m.tensor([0., 2.]),
                                                        (2, 2)).to_sparse_csr(),
}


@pytest.mark.parametrize("name", CONVERSIONS)
def test_conversions_match_pytorch(name):
    ours, theirs = _both(CONVERSIONS[name])
    assert _parts(ours) == _parts(theirs)
    np.testing.assert_array_equal(_dense(ours), _dense(theirs))


@pytest.mark.parametrize("layout", ["csr", "csc", "batched-csr", "bsr"])
def test_to_coo_matches_pytorch(layout):
    def convert(m):
        x = m.tensor(BATCHED) if layout == "batched-csr" else m.tensor(DENSE)
        c = x.to_sparse_bsr((2, 1)) if layout == "bsr" else getattr(x, f"to_sparse_{layout.split('-')[-1]}")()
        coo = c.to_sparse_coo()
        return (coo.is_coalesced(), np.asarray(coo._indices()).tolist(), np.asarray(coo._values()).tolist(),
                tuple(coo.shape), c.to_sparse().layout == m.sparse_coo)

    ours, theirs = _both(convert)
    assert ours == theirs


# ----------------------------------------------------------------------------------------------------
# Results of the operations against PyTorch.

RESULTS = {
    "@": lambda m, c, d: c @ d,
    "mm": lambda m, c, d: m.mm(c, d),
    "Tensor.mm": lambda m, c, d: c.mm(d),
    "matmul": lambda m, c, d: m.matmul(c, d),
    "sparse.mm": lambda m, c, d: m.sparse.mm(c, d),
    "addmm": lambda m, c, d: m.addmm(m.ones(4, 2, dtype=m.float64), c, d, beta=0.5, alpha=2.0),
    "sparse.addmm": lambda m, c, d: m.sparse.addmm(m.ones(4, 2, dtype=m.float64), c, d),
    "@vector": lambda m, c, d: c @ d[:, 0],
    "spmm": lambda m, c, d: m.spmm(c, d),
    "mT": lambda m, c, d: c.mT,
    "dense@csr": lambda m, c, d: d.t() @ c.t(),
    "dense@csr-2": lambda m, c, d: m.ones(2, 4, dtype=m.float64) @ c,
    "csc@": lambda m, c, d: c.to_sparse_csc() @ d,
    "bsr@": lambda m, c, d: c.to_sparse_bsr((1, 1)) @ d,  # (PyTorch's MKL product takes square blocks only)
    "csr@csr": lambda m, c, d: c @ c.t().to_sparse_csr(),
    "*2": lambda m, c, d: c * 2,
    "2*": lambda m, c, d: 2.5 * c,
    "*0-d": lambda m, c, d: c * m.tensor(3.0, dtype=m.float64),
    "neg": lambda m, c, d: -c,
    "csc*2": lambda m, c, d: c.to_sparse_csc() * 2,
    "+same pattern": lambda m, c, d: c + c * 3,
    "+other pattern": lambda m, c, d: c + m.eye(4, 3, dtype=m.float64).to_sparse_csr(),
    "+dense": lambda m, c, d: c + m.ones(4, 3, dtype=m.float64),
    "dense+": lambda m, c, d: m.ones(4, 3, dtype=m.float64) + c,
    "sum": lambda m, c, d: c.sum(),
    "csc.sum": lambda m, c, d: c.to_sparse_csc().sum(),
    "sum-dtype": lambda m, c, d: c.float().sum(dtype=m.float64),
    "sum(0, keepdim)": lambda m, c, d: c.sum(0, keepdim=True),
    "sum(-1, keepdim)": lambda m, c, d: c.sum(-1, keepdim=True),
    "sum((0, 1), keepdim)": lambda m, c, d: c.sum((0, 1), keepdim=True),
    "to(float32)": lambda m, c, d: c.to(m.float32),
    "to(int64)": lambda m, c, d: c.to(m.int64),
    "double": lambda m, c, d: c.float().double(),
    "clone": lambda m, c, d: c.clone(),
    "detach": lambda m, c, d: c.detach(),
    "values": lambda m, c, d: c.values(),
    "batched sum": lambda m, c, d: m.tensor(BATCHED).to_sparse_csr().sum(),
    "batched to_dense": lambda m, c, d: m.tensor(BATCHED).to_sparse_csc().to_dense(),
    "hybrid to_dense": lambda m, c, d: m.ones(2, 2, 3).to_sparse_csr(dense_dim=1).to_dense(),
}


@pytest.mark.parametrize("name", RESULTS)
def test_results_match_pytorch(name):
    ours, theirs = _both(lambda m: RESULTS[name](m, _csr(m), m.tensor(_D, dtype=m.float64)))
    assert str(ours.layout) == str(theirs.layout) and ours.dtype == np.dtype(str(theirs.dtype).split(".")[-1])
    if ours.layout is not ag.strided and name != "csr@csr":  # (PyTorch's product leaves its columns unsorted)
        assert _parts(ours) == _parts(theirs)
    np.testing.assert_allclose(_dense(ours), _dense(theirs), rtol=1e-13, atol=1e-13)


# ----------------------------------------------------------------------------------------------------
# Gradients: finite differences of functions of the values and a dense operand, and PyTorch's for leaves.

FUNCTIONS = {  # name -> fn(values (5,), dense (3, 2)) -> a Value
    "to_dense": lambda v, d: ag.sparse_csr_tensor(CROW, COL, v, (4, 3)).to_dense() * v[0],
    "@": lambda v, d: ag.sparse_csr_tensor(CROW, COL, v, (4, 3)) @ d,
    "sparse.mm": lambda v, d: ag.sparse.mm(ag.sparse_csr_tensor(CROW, COL, v * v, (4, 3)), d),
    "addmm": lambda v, d: ag.addmm(d[:1, :] * 2, ag.sparse_csr_tensor(CROW, COL, v, (4, 3)), d, beta=0.5, alpha=3),
    "sparse.addmm": lambda v, d: ag.sparse.addmm(d[:1, :] * 2, ag.sparse_csr_tensor(CROW, COL, v, (4, 3)), d),
    "csc": lambda v, d: ag.sparse_csr_tensor(CROW, COL, v, (4, 3)).to_sparse_csc() @ d,
    "bsr": lambda v, d: ag.sparse_csr_tensor(CROW, COL, v, (4, 3)).to_sparse_bsr((2, 1)) @ d,
    "t": lambda v, d: d.t() @ ag.sparse_csr_tensor(CROW, COL, v, (4, 3)).t().t().t().to_dense(),
    "dense@csr": lambda v, d: d.t() @ ag.sparse_csr_tensor(CROW, COL, v, (4, 3)).t(),
    "scale-neg-add": lambda v, d: (-(ag.sparse_csr_tensor(CROW, COL, v, (4, 3)) * 2.5)
                                   + ag.sparse_csr_tensor(CROW, COL, v * v, (4, 3))) @ d,
    "add-other-pattern": lambda v, d: (ag.sparse_csr_tensor(CROW, COL, v, (4, 3)) + ag.eye(4, 3, dtype=ag.float64)
                                       .to_sparse_csr() * 0.5).to_dense() * v[1],
    "dense+csr": lambda v, d: (d[:1, :1] * ag.ones(4, 3, dtype=ag.float64)) + ag.sparse_csr_tensor(CROW, COL, v,
                                                                                                  (4, 3)),
    "sum": lambda v, d: ag.sparse_csr_tensor(CROW, COL, v * v, (4, 3)).sum(),
    "sum-keepdim": lambda v, d: ag.sparse_csr_tensor(CROW, COL, v * v, (4, 3)).sum(1, keepdim=True).to_dense() * v[0],
    "sum-all-keepdim": lambda v, d: ag.sparse_csr_tensor(CROW, COL, v, (4, 3)).sum((1, 0), keepdim=True).to_dense(),
    "values": lambda v, d: ag.sparse_csr_tensor(CROW, COL, v, (4, 3)).values() ** 2,
    "to_sparse_csr": lambda v, d: ((d @ d.t())[:, :3] * v[:3]).to_sparse_csr() @ d,
    "to_sparse_coo": lambda v, d: ag.sparse.mm(ag.sparse_csr_tensor(CROW, COL, v, (4, 3)).to_sparse_coo(), d),
    "coo->csr": lambda v, d: ag.sparse_coo_tensor([[1, 0, 1], [2, 1, 2]], v[:3], (2, 3)).to_sparse_csr() @ d,
    "clone-to": lambda v, d: ag.sparse_csr_tensor(CROW, COL, v, (4, 3)).clone().to(ag.float64) @ d,
    "csr@csr": lambda v, d: (ag.sparse_csr_tensor(CROW, COL, v, (4, 3)) @ ag.sparse_csr_tensor(
        CROW, COL, v * v, (4, 3)).t().to_sparse_csr()).to_dense(),
    "batched": lambda v, d: ag.sparse_csr_tensor([[0, 1, 2], [0, 1, 2]], [[0, 1], [1, 0]], v[:4].reshape(2, 2),
                                                 (2, 2, 2)).to_sparse_csc().to_dense() * d[0, 0],
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_gradients_match_finite_differences(name):
    v, d = np.array(VALUES) / 3, _D.copy()
    assert gradcheck(FUNCTIONS[name], (v, d))


@pytest.mark.parametrize("name", ["to_dense", "@", "sparse.mm", "csc", "t", "scale-neg-add", "values", "sum"])
def test_second_derivatives_match_finite_differences(name):
    fn = FUNCTIONS[name]
    assert ag.gradgradcheck(lambda v, d: fn(v * v, d), (np.array(VALUES) / 3, _D.copy()))


LEAF_CASES = {  # name -> fn(module, compressed leaf (4, 3), dense leaf (3, 2)) -> a scalar
    "@": lambda m, c, d: ((c @ d) ** 2).sum(),
    "mm": lambda m, c, d: (m.mm(c, d) ** 2).sum(),
    "matmul": lambda m, c, d: (m.matmul(c, d) ** 2).sum(),
    "sparse.mm": lambda m, c, d: (m.sparse.mm(c, d) ** 2).sum(),
    "addmm": lambda m, c, d: (m.addmm(m.ones(4, 2, dtype=m.float64), c, d, beta=0.5, alpha=2.0) ** 2).sum(),
    "sparse.addmm": lambda m, c, d: (m.sparse.addmm(m.ones(4, 2, dtype=m.float64), c, d) ** 2).sum(),
    "to_dense": lambda m, c, d: (c.to_dense() ** 2).sum(),
    "sum": lambda m, c, d: c.sum() * 3,
    "*": lambda m, c, d: ((c * 2).to_dense() ** 2).sum(),
    "neg": lambda m, c, d: ((-c).to_dense() * m.arange(12., dtype=m.float64).reshape(4, 3)).sum(),
    "+": lambda m, c, d: ((c + c * 3).to_dense() ** 2).sum(),
    "+dense": lambda m, c, d: ((c + m.ones(4, 3, dtype=m.float64)) ** 2).sum(),
    "t": lambda m, c, d: ((c.t() @ m.ones(4, 1, dtype=m.float64)) ** 2).sum(),
    "t-to_dense": lambda m, c, d: (c.t().to_dense() ** 2).sum(),
    "values": lambda m, c, d: (c.values() ** 3).sum(),
    "to_sparse_coo": lambda m, c, d: (c.to_sparse_coo().to_dense() ** 2).sum(),
    "to(float32)": lambda m, c, d: (c.to(m.float32).to_dense() ** 2).sum(),
    "clone": lambda m, c, d: (c.clone().to_dense() ** 2).sum(),
    "to_sparse_csc": lambda m, c, d: (c.to_sparse_csc().to_dense() ** 2).sum(),
    "csc@": lambda m, c, d: ((c.to_sparse_csc() @ d) ** 2).sum(),
    "dense@csr": lambda m, c, d: ((d.t() @ c.t()) ** 2).sum(),
    "@vector": lambda m, c, d: ((c @ d[:, 0]) ** 2).sum(),
}


@pytest.mark.parametrize("name", LEAF_CASES)
def test_leaf_gradients_match_pytorch(name):
    torch = torch_or_skip()
    results = {}
    for m in (ag, torch):
        c = _csr(m, requires_grad=True)
        d = m.tensor(_D, dtype=m.float64, requires_grad=True)
        out = LEAF_CASES[name](m, c, d)
        out.backward()
        results[m] = (out, c, d)
    (out, c, d), (t_out, t_c, t_d) = results[ag], results[torch]
    np.testing.assert_allclose(_dense(out), _dense(t_out), rtol=1e-12, atol=1e-12)
    assert (d.grad is None) == (t_d.grad is None), name
    if d.grad is not None:
        np.testing.assert_allclose(_dense(d.grad), _dense(t_d.grad), rtol=1e-12, atol=1e-12)
    assert str(c.grad.layout) == str(t_c.grad.layout), name
    np.testing.assert_allclose(_dense(c.grad), _dense(t_c.grad), rtol=1e-12, atol=1e-12)
    if t_c.grad.layout != torch.strided:  # the same pattern; values to round-off
        ours, theirs = _parts(c.grad), _parts(t_c.grad)
        assert ours[:4] == theirs[:4]
        np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-13)


@pytest.mark.parametrize("case", CSR_CASES, ids=[c.label for c in CSR_CASES])
def test_op_table_cases_match_pytorch(case):
    """The op table's CSR cases (refs=() there: PyTorch's CSR rules fail under create_graph): values and gradients."""
    torch = torch_or_skip()
    results = []
    for backend, module in ((OURS, ag), (backend_named("torch"), torch)):
        xs = [module.tensor(x, requires_grad=True) for x in case.inputs]
        out = case.fn(backend, *xs)
        weights = module.tensor(np.linspace(-1, 1, int(np.prod(out.shape))).reshape(tuple(out.shape)))
        (out * weights).sum().backward()
        results.append([_dense(out)] + [_dense(x.grad) for x in xs])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_values_gradient_through_the_constructor_matches_pytorch():
    def grads(m):
        v = m.tensor(VALUES, dtype=m.float64, requires_grad=True)
        d = m.tensor(_D, dtype=m.float64)
        out = (m.sparse_csr_tensor(m.tensor(CROW), m.tensor(COL), v, (4, 3)) @ d) ** 2
        out.sum().backward()
        return np.asarray(v.grad).tolist() if m is ag else v.grad.tolist()

    ours, theirs = _both(grads)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)


def test_grad_accumulates_over_passes_and_resets():
    c = _csr(ag, requires_grad=True)
    for _ in range(2):
        (c.to_dense() ** 2).sum().backward()
    assert c.grad.layout is ag.sparse_csr and not c.grad.requires_grad
    np.testing.assert_allclose(np.asarray(c.grad.values()), 4 * np.array(VALUES))
    (c @ ag.tensor(_D)).sum().backward()  # a dense gradient added: dense
    assert c.grad.layout is ag.strided
    np.testing.assert_allclose(np.asarray(c.grad), 4 * np.array(DENSE) + np.ones((4, 1)) * _D.sum(1))
    c.grad = None
    assert c.grad is None


def test_hooks_see_compressed_gradients_and_may_replace_them():
    torch = torch_or_skip()
    seen = {}
    for m in (ag, torch):
        c = _csr(m, requires_grad=True)
        c.register_hook(lambda g, m=m: seen.setdefault(m, (str(g.layout), g.requires_grad)) and None)
        (c.to_dense() ** 2).sum().backward()
    assert seen[ag] == seen[torch] == ("torch.sparse_csr", False)
    c = _csr(ag, requires_grad=True)
    c.register_hook(lambda g: g * 10)
    (c.to_dense() ** 2).sum().backward()
    np.testing.assert_allclose(np.asarray(c.grad.values()), 20 * np.array(VALUES))


def test_create_graph_gives_compressed_gradients_in_the_graph():
    v = ag.tensor(VALUES, dtype=ag.float64, requires_grad=True)
    c = ag.sparse_csr_tensor(CROW, COL, v, (4, 3))
    (g,) = ag.autograd.grad((c.to_dense() ** 3).sum(), [v], create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(np.asarray(v.grad), 6 * np.array(VALUES))


# ----------------------------------------------------------------------------------------------------
# Saving and loading.


def test_save_and_load():
    c = _csr(ag, requires_grad=True)
    b = ag.tensor(BATCHED).to_sparse_bsc((1, 2))
    buffer = io.BytesIO()
    ag.save({"w": c, "b": [b]}, buffer)
    buffer.seek(0)
    loaded = ag.load(buffer)
    assert _parts(loaded["w"]) == _parts(c) and loaded["w"].requires_grad
    assert _parts(loaded["b"][0]) == _parts(b) and not loaded["b"][0].requires_grad
    assert isinstance(loaded["w"].data, CompressedArray)


def test_saving_in_pytorchs_format():  # (tests/test_sparse_ops_more.py loads the file in PyTorch)
    buffer = io.BytesIO()
    ag.save({"w": _csr(ag)}, buffer, format="torch")
    buffer.seek(0)
    assert _parts(ag.load(buffer)["w"]) == _parts(_csr(ag))


def test_picture_of_a_graph_with_a_csr_node():
    from autograd_core import viz

    c = _csr(ag, requires_grad=True)
    c.label = "adj"
    out = ag.sparse.mm(c, ag.tensor(_D, dtype=ag.float64)).sum()
    assert "adj" in viz.draw(out).source and "(4, 3) float64 sparse" in viz.draw(out).source
    out.backward()
    assert c.grad.layout is ag.sparse_csr and "<td>grad" in viz.draw(out).source  # its gradient's stored values
    viz.to_json(viz.trace(out))
    viz.explore(out)
