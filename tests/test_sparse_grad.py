"""Sparse gradients where PyTorch users meet them: nn.Embedding(sparse=True) / F.embedding / F.embedding_bag give the
table a sparse COO gradient (PyTorch's entries, accumulation and zero_grad), and the optimizers take it as PyTorch's
do (SGD, Adagrad, SparseAdam; LBFGS densifies; every other one raises PyTorch's error). Checked against PyTorch in
float64 where it is installed, and by hand otherwise."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn, optim
from autograd_core.sparse_array import SparseArray, sparse_sum
F = nn.functional


def _table(rows=6, dim=3, seed=0):
    return np.random.default_rng(seed).normal(size=(rows, dim))


def _entries(g):
    """(indices, values, coalesced) of a sparse gradient."""
    assert g.is_sparse
    return g._indices().data.tolist(), np.asarray(g._values().data), g.is_coalesced()


def _backward(emb, ids, weights=None):
    """A loss that sends each looked-up row a gradient of its own (a fresh, contiguous array, as PyTorch's mul)."""
    out = emb(ag.tensor(ids))
    w = np.arange(1.0, 1.0 + out.data.size).reshape(out.shape) if weights is None else weights
    (out * ag.tensor(w)).sum().backward()


# ------------------------------------------------------------------------------------------------------------------
# The gradient itself, by hand.


def test_embedding_sparse_gradient_lists_one_entry_per_lookup_without_padding():
    emb = nn.Embedding(6, 3, padding_idx=2, sparse=True, _weight=_table())
    _backward(emb, [[1, 2, 4], [4, 0, 2]])
    indices, values, coalesced = _entries(emb.weight.grad)
    assert indices == [[1, 4, 4, 0]] and not coalesced
    assert values.tolist() == [[1, 2, 3], [7, 8, 9], [10, 11, 12], [13, 14, 15]]
    assert emb.weight.grad.layout is ag.sparse_coo and emb.weight.grad.shape == (6, 3)
    assert not emb.weight.grad.requires_grad


def test_only_padding_looked_up_gives_an_empty_sparse_gradient():
    emb = nn.Embedding(6, 3, padding_idx=2, sparse=True, _weight=_table())
    _backward(emb, [2, 2])
    indices, values, coalesced = _entries(emb.weight.grad)
    assert indices == [[]] and values.shape == (0, 3)


def test_functional_embedding_sparse_and_dense_agree_densified():
    w = ag.tensor(_table(), requires_grad=True)
    ids = ag.tensor([[0, 5, 5], [1, 0, 3]])
    g = np.random.default_rng(1).normal(size=(2, 3, 3))
    (F.embedding(ids, w, sparse=True) * ag.tensor(g)).sum().backward()
    sparse = w.grad.to_dense().data
    w.grad = None
    (F.embedding(ids, w) * ag.tensor(g)).sum().backward()
    np.testing.assert_allclose(sparse, w.grad, rtol=0, atol=1e-15)


def test_sparse_requires_a_2d_table_and_refuses_scale_grad_by_freq_in_backward():
    w = ag.tensor(np.ones((4, 2, 2)), requires_grad=True)
    with pytest.raises(RuntimeError, match="'weight' must be 2-D"):
        F.embedding(ag.tensor([1]), w, sparse=True)
    w = ag.tensor(_table(), requires_grad=True)
    out = F.embedding(ag.tensor([1, 1]), w, scale_grad_by_freq=True, sparse=True)  # the forward works, as PyTorch's
    with pytest.raises(RuntimeError, match="scale_grad_by_freq not supported with sparse gradients"):
        out.sum().backward()


def test_max_norm_renormalises_and_the_gradient_stays_sparse():
    emb = nn.Embedding(4, 2, max_norm=1.0, sparse=True, _weight=np.array([[3.0, 4], [0.1, 0], [1, 1], [0, 2]]))
    _backward(emb, [0, 3])
    np.testing.assert_allclose(np.linalg.norm(emb.weight.data[[0, 3]], axis=1), 1.0, rtol=1e-6)
    assert _entries(emb.weight.grad)[0] == [[0, 3]]


def test_two_backward_passes_merge_the_entry_lists_as_pytorch():
    emb = nn.Embedding(6, 3, sparse=True, _weight=_table())
    for first, second, indices, firsts in (([2, 1], [2, 1], [[2, 1]], [2, 2]), ([3, 1], [3], [[3, 1]], [2, 1]),
                                           ([1, 3], [4], [[1, 3, 4]], [1, 1, 1]), ([3], [2], [[2, 3]], [1, 1])):
        emb.weight.grad = None
        ones = lambda n: np.ones((n, 3))  # noqa: E731
        _backward(emb, first, ones(len(first)))
        _backward(emb, second, ones(len(second)))
        got, values, _ = _entries(emb.weight.grad)
        assert got == indices and values[:, 0].tolist() == firsts


def test_zero_grad_leaves_an_empty_sparse_gradient_or_none():
    emb = nn.Embedding(6, 3, sparse=True, _weight=_table())
    _backward(emb, [1, 4])
    grad = emb.weight.grad
    emb.zero_grad(set_to_none=False)
    assert emb.weight.grad is grad and _entries(grad)[0] == [[]] and grad.is_coalesced()
    _backward(emb, [3, 1])
    assert _entries(emb.weight.grad)[0] == [[3, 1]]
    opt = optim.SGD(emb.parameters(), lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert _entries(emb.weight.grad)[0] == [[]]
    opt.zero_grad()
    assert emb.weight.grad is None


def test_sparse_then_dense_gradient_is_dense():
    w = ag.tensor(_table(4, 2), requires_grad=True)
    F.embedding(ag.tensor([1, 1]), w, sparse=True).sum().backward()
    F.embedding(ag.tensor([1, 3]), w).sum().backward()
    assert not w.grad.is_sparse
    assert np.asarray(w.grad).tolist() == [[0, 0], [3, 3], [0, 0], [1, 1]]
    w.grad = None  # dense first, then sparse: dense too, as PyTorch's
    F.embedding(ag.tensor([1, 3]), w).sum().backward()
    F.embedding(ag.tensor([1, 1]), w, sparse=True).sum().backward()
    assert not w.grad.is_sparse
    assert np.asarray(w.grad).tolist() == [[0, 0], [3, 3], [0, 0], [1, 1]]


def test_embedding_bag_sparse_gradient():
    bag = nn.EmbeddingBag(5, 2, mode="sum", sparse=True, _weight=_table(5, 2))
    bag(ag.tensor([1, 2, 4, 1]), ag.tensor([0, 2])).sum().backward()
    indices, values, _ = _entries(bag.weight.grad)
    assert indices == [[1, 2, 4, 1]] and values.tolist() == [[1, 1]] * 4
    bag = nn.EmbeddingBag(5, 2, mode="mean", sparse=True, padding_idx=1, _weight=_table(5, 2))
    bag(ag.tensor([1, 2, 4, 1, 3]), ag.tensor([0, 2])).sum().backward()
    indices, values, _ = _entries(bag.weight.grad)
    assert indices == [[2, 4, 3]] and values[:, 0].tolist() == [1.0, 0.5, 0.5]


def test_sparse_sum_merges_contiguous_entries_and_concatenates_strided_ones():
    a = SparseArray(np.array([[3, 1]]), np.ones((2, 2)), (5, 2))
    b = SparseArray(np.array([[3]]), np.ones((1, 2)) * 2, (5, 2), coalesced=True)
    merged = sparse_sum(a, b)
    assert merged.indices.tolist() == [[3, 1]] and merged.values[:, 0].tolist() == [3, 1] and not merged.coalesced
    strided = SparseArray(np.array([[3, 0]]), np.broadcast_to(np.ones(2), (2, 2)), (5, 2))  # PyTorch's expand
    assert sparse_sum(a, strided).indices.tolist() == [[3, 1, 3, 0]]
    empty = SparseArray(np.zeros((1, 0), np.int64), np.zeros((0, 2)), (5, 2), coalesced=True)
    assert sparse_sum(empty, a) is a and sparse_sum(a, empty) is a


# ------------------------------------------------------------------------------------------------------------------
# Optimizers, by hand.


def _looked_up(rows=6, dim=3, ids=(1, 4, 1)):
    emb = nn.Embedding(rows, dim, sparse=True, _weight=_table(rows, dim))
    _backward(emb, list(ids))
    return emb


@pytest.mark.parametrize("name, message", [
    ("Adam", "Adam does not support sparse gradients, please consider SparseAdam instead"),
    ("AdamW", "Adam does not support sparse gradients, please consider SparseAdam instead"),
    ("Adamax", "Adamax does not support sparse gradients"), ("NAdam", "NAdam does not support sparse gradients"),
    ("RAdam", "RAdam does not support sparse gradients"), ("RMSprop", "RMSprop does not support sparse gradients"),
    ("Rprop", "Rprop does not support sparse gradients"), ("Adadelta", "Adadelta does not support sparse gradients"),
    ("ASGD", "ASGD does not support sparse gradients"), ("Adafactor", "Adafactor does not support sparse gradients"),
])
def test_other_optimizers_refuse_sparse_gradients_before_changing_anything(name, message):
    emb = _looked_up()
    other = ag.tensor(np.ones(3), requires_grad=True)
    (other * 2).sum().backward()
    before, other_before = emb.weight.data.copy(), other.data.copy()
    opt = getattr(optim, name)([other] + list(emb.parameters()), lr=0.1)
    with pytest.raises(RuntimeError, match=message):
        opt.step()
    assert np.array_equal(emb.weight.data, before) and np.array_equal(other.data, other_before)


@pytest.mark.parametrize("name, kwargs, message", [
    ("SGD", dict(weight_decay=0.1), r"add\(sparse, dense\) is not supported"),
    ("SGD", dict(fused=True), "`_fused_sgd` does not support sparse gradients"),
    ("Adagrad", dict(weight_decay=0.1), "weight_decay option is not compatible with sparse gradients"),
    ("Adagrad", dict(fused=True), "`fused` does not support sparse grad or complex param"),
])
def test_sparse_taking_optimizers_refuse_what_pytorch_refuses(name, kwargs, message):
    emb = _looked_up()
    with pytest.raises(RuntimeError, match=message):
        getattr(optim, name)(emb.parameters(), lr=0.1, **kwargs).step()


def test_sparse_adam_refuses_dense_gradients():
    emb = nn.Embedding(6, 3, _weight=_table())
    _backward(emb, [1])
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients, please consider Adam"):
        optim.SparseAdam(emb.parameters()).step()


def test_sgd_sparse_step_by_hand():
    emb = _looked_up()
    before = emb.weight.data.copy()
    optim.SGD(emb.parameters(), lr=0.5).step()
    expected = before.copy()
    expected[1] -= 0.5 * (np.array([1, 2, 3.]) + np.array([7, 8, 9.]))
    expected[4] -= 0.5 * np.array([4, 5, 6.])
    np.testing.assert_allclose(emb.weight.data, expected, rtol=1e-15)


def test_adagrad_sparse_step_by_hand_touches_only_the_rows_held():
    emb = _looked_up()
    before = emb.weight.data.copy()
    optim.Adagrad(emb.parameters(), lr=0.5).step()
    g1, g4 = np.array([8, 10, 12.]), np.array([4, 5, 6.])
    expected = before.copy()
    expected[1] -= 0.5 * g1 / (np.abs(g1) + 1e-10)
    expected[4] -= 0.5 * g4 / (np.abs(g4) + 1e-10)
    np.testing.assert_allclose(emb.weight.data, expected, rtol=1e-14)


def test_sparse_adam_by_hand_moves_only_rows_held():
    emb = _looked_up()
    before = emb.weight.data.copy()
    opt = optim.SparseAdam(emb.parameters(), lr=0.1)
    opt.step()
    moved = np.flatnonzero(np.any(emb.weight.data != before, axis=1))
    assert moved.tolist() == [1, 4]
    np.testing.assert_allclose(emb.weight.data[[1, 4]], before[[1, 4]] - 0.1 * np.sign([[8, 10, 12], [4, 5, 6]]),
                               rtol=1e-6)
    assert opt.state[emb.weight]["step"] == 1


def test_lbfgs_densifies_a_sparse_gradient():
    emb = nn.Embedding(4, 2, sparse=True, _weight=_table(4, 2))
    opt = optim.LBFGS(emb.parameters(), max_iter=3)

    def closure():
        opt.zero_grad()
        loss = (emb(ag.tensor([1, 3])) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert np.abs(emb.weight.data[[1, 3]]).max() < np.abs(_table(4, 2)[[1, 3]]).max()
    assert np.array_equal(emb.weight.data[[0, 2]], _table(4, 2)[[0, 2]])


def test_clipping_a_sparse_gradient_raises_as_pytorch():
    emb = _looked_up()
    with pytest.raises(NotImplementedError):
        nn.utils.clip_grad_norm_(emb.parameters(), 1.0)
    with pytest.raises(NotImplementedError):
        nn.utils.clip_grad_value_(emb.parameters(), 0.1)


# ------------------------------------------------------------------------------------------------------------------
# Against PyTorch, float64.


def _torch():
    return pytest.importorskip("torch")


def _torch_entries(g):
    return g._indices().tolist(), g._values().detach().numpy(), g.is_coalesced()


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_gradient_matches_pytorch(padding_idx):
    torch = _torch()
    table = _table()
    ids = [[1, 2, 4], [4, 0, 2]]
    weights = np.random.default_rng(3).normal(size=(2, 3, 3))
    ours = nn.Embedding(6, 3, padding_idx=padding_idx, sparse=True, _weight=table.copy())
    theirs = torch.nn.Embedding(6, 3, padding_idx=padding_idx, sparse=True, _weight=torch.tensor(table))
    for _ in range(2):  # the second pass accumulates
        _backward(ours, ids, weights)
        (theirs(torch.tensor(ids)) * torch.tensor(weights)).sum().backward()
        a, b = _entries(ours.weight.grad), _torch_entries(theirs.weight.grad)
        assert a[0] == b[0] and a[2] == b[2]
        np.testing.assert_array_equal(a[1], b[1])


def _skipgram(torch_like, optimizer, table_in, table_out, steps=4, **kwargs):
    """A word2vec skip-gram with negative sampling: (center, context, negatives) batches, two sparse tables; the
    losses and the tables after each step."""
    nn_, tensor = torch_like.nn, torch_like.tensor
    vocab, dim = table_in.shape
    centers = nn_.Embedding(vocab, dim, sparse=True, _weight=tensor(table_in.copy()))
    contexts = nn_.Embedding(vocab, dim, sparse=True, _weight=tensor(table_out.copy()))
    opt = getattr(torch_like.optim, optimizer)(list(centers.parameters()) + list(contexts.parameters()), **kwargs)
    rng = np.random.default_rng(7)
    losses, tables = [], []
    for _ in range(steps):
        center = rng.integers(0, vocab, 8)
        context = rng.integers(0, vocab, 8)
        negatives = rng.integers(0, vocab, (8, 3))
        opt.zero_grad()
        v = centers(tensor(center))                                   # (8, dim)
        u = contexts(tensor(context))                                 # (8, dim)
        n = contexts(tensor(negatives))                               # (8, 3, dim)
        positive = torch_like.nn.functional.logsigmoid((u * v).sum(-1))
        negative = torch_like.nn.functional.logsigmoid(-(n * v.unsqueeze(1)).sum(-1)).sum(-1)
        loss = -(positive + negative).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
        tables.append((np.array(centers.weight.detach().numpy() if hasattr(centers.weight, "numpy")
                                else centers.weight.data), np.array(contexts.weight.detach().numpy()
                                                                    if hasattr(contexts.weight, "numpy")
                                                                    else contexts.weight.data)))
    return losses, tables


@pytest.mark.parametrize("optimizer, kwargs", [
    ("SparseAdam", dict(lr=0.05)), ("SGD", dict(lr=0.5)), ("SGD", dict(lr=0.5, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.5, momentum=0.9, dampening=0.1, maximize=True)), ("Adagrad", dict(lr=0.3, lr_decay=0.01)),
])
def test_skipgram_training_matches_pytorch_step_for_step(optimizer, kwargs):
    torch = _torch()
    rng = np.random.default_rng(0)
    table_in, table_out = rng.normal(size=(12, 4)), rng.normal(size=(12, 4)) * 0.1
    ours = _skipgram(ag, optimizer, table_in, table_out, **kwargs)
    theirs = _skipgram(torch, optimizer, table_in, table_out, **kwargs)
    # PyTorch's add_(sparse, alpha) fuses each multiply-add into one rounding (SGD's and Adagrad's last step):
    # the last bits may differ, nothing more
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-13)
    for (a_in, a_out), (b_in, b_out) in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a_in, b_in, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(a_out, b_out, rtol=1e-13, atol=1e-15)


def test_optimizer_errors_match_pytorch():
    torch = _torch()
    for name in ("Adam", "AdamW", "RMSprop", "Adagrad", "SparseAdam", "SGD"):
        for kwargs in ({}, {"weight_decay": 0.1}):
            if name == "SparseAdam" and kwargs:
                continue
            results = []
            for lib, table in ((ag, ag.tensor(_table())), (torch, torch.tensor(_table()))):
                emb = lib.nn.Embedding(6, 3, sparse=True, _weight=table)
                emb(lib.tensor([1, 4, 1])).sum().backward()
                try:
                    getattr(lib.optim, name)(emb.parameters(), lr=0.1, **kwargs).step()
                    results.append("ok")
                except RuntimeError as error:
                    results.append(str(error))
            assert results[0] == results[1], (name, kwargs)


def test_a_stored_sparse_gradient_owns_contiguous_values():
    # PyTorch's accumulation clones a sparse gradient whose values are a strided view: later sums then merge
    w = ag.tensor(_table(5, 2), requires_grad=True)
    w.grad = SparseArray(np.array([[3, 0]]), np.broadcast_to(np.ones(2), (2, 2)), (5, 2))
    assert w.grad.is_sparse and w.grad._values().data.flags.c_contiguous
    w.grad = w.grad + SparseArray(np.array([[3, 0]]), np.ones((2, 2)), (5, 2))
    assert _entries(w.grad)[0] == [[3, 0]]


def test_hooks_see_a_sparse_tensor_and_may_replace_it():
    emb = nn.Embedding(5, 2, sparse=True, _weight=_table(5, 2))
    seen = []
    emb.weight.register_hook(lambda g: seen.append(g.is_sparse) or g * 2)
    _backward(emb, [1, 2], np.ones((2, 2)))
    assert seen == [True] and _entries(emb.weight.grad)[1].tolist() == [[2, 2], [2, 2]]


def test_second_derivatives_through_a_sparse_gradient():
    w = ag.tensor(_table(4, 2), requires_grad=True)
    out = F.embedding(ag.tensor([1, 3, 1]), w, sparse=True)
    g, = ag.autograd.grad((out ** 2).sum(), [w], create_graph=True)
    assert g.is_sparse and g.requires_grad
    np.testing.assert_allclose(g.to_dense().data, np.array([[0, 0], [4, 4], [0, 0], [2, 2]]) * w.data, rtol=1e-15)
    h, = ag.autograd.grad(g.to_dense().sum(), [w])   # d/dw Σ 2·count(row)·w[row] = 2·count(row)
    dense = h.to_dense().data if getattr(h, "is_sparse", False) else np.asarray(h)
    np.testing.assert_allclose(dense, [[0, 0], [4, 4], [0, 0], [2, 2]])


# ------------------------------------------------------------------------------------------------------------------
# Sparse @ sparse (torch.sparse.mm, torch.mm, @): a sparse product, with PyTorch's sparse gradients.

_PRODUCTS = {"sparse.mm": lambda lib, a, b: lib.sparse.mm(a, b), "mm": lambda lib, a, b: lib.mm(a, b),
             "@": lambda lib, a, b: a @ b}


def _random_sparse(lib, rng, shape, nnz):
    indices = np.stack([rng.integers(0, n, nnz) for n in shape])  # repeats included: uncoalesced
    return lib.sparse_coo_tensor(lib.tensor(indices), lib.tensor(rng.normal(size=nnz)), shape, requires_grad=True)


def _as_entries(x, lib):
    to_numpy = (lambda v: v.detach().numpy()) if lib is not ag else (lambda v: np.asarray(v.data))
    return x._indices().tolist() if lib is not ag else x._indices().data.tolist(), to_numpy(x._values()), \
        x.is_coalesced()


@pytest.mark.parametrize("product", list(_PRODUCTS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sparse_sparse_product_and_gradients_match_pytorch(product, seed):
    torch = _torch()
    results = []
    for lib in (ag, torch):
        rng = np.random.default_rng(seed)
        a, b = _random_sparse(lib, rng, (4, 5), 7), _random_sparse(lib, rng, (5, 3), 6)
        c = _PRODUCTS[product](lib, a, b)
        weights = lib.tensor(rng.normal(size=(4, 3)))
        ga, gb = lib.autograd.grad((c.to_dense() * weights).sum(), (a, b))
        results.append([_as_entries(x, lib) for x in (c, ga, gb)])
    for ours, theirs in zip(*results):
        assert ours[0] == theirs[0] and ours[2] == theirs[2]
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-14, atol=1e-15)


def test_sparse_sparse_product_keeps_cancelled_entries_and_checks_shapes():
    a = ag.sparse_coo_tensor([[0, 0], [0, 1]], [1.0, -1.0], (1, 2))
    b = ag.sparse_coo_tensor([[0, 1], [0, 0]], [1.0, 1.0], (2, 1))
    c = ag.sparse.mm(a, b)
    assert c.is_sparse and c._indices().data.tolist() == [[0], [0]] and c._values().data.tolist() == [0.0]
    with pytest.raises(ag.ShapeError, match="cannot be multiplied"):
        ag.mm(a, a)


def test_mm_of_sparse_matrices_with_a_dense_output_gradient_matches_pytorch():
    torch = _torch()
    results = []
    for lib in (ag, torch):
        rng = np.random.default_rng(5)
        a, b = _random_sparse(lib, rng, (3, 4), 5), _random_sparse(lib, rng, (4, 2), 5)
        d = lib.tensor(rng.normal(size=(3, 2)))
        ga, gb = lib.autograd.grad(((d + lib.mm(a, b)) * d).sum(), (a, b))  # dense + sparse: a dense gradient
        results.append([np.asarray(g.data if lib is ag else g.detach().numpy()) for g in (ga, gb)])
        assert not ga.is_sparse
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-14)


def test_zero_grad_of_a_sparse_parameter_stays_zeroed():
    s = ag.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2), requires_grad=True)
    ag.sparse.sum(s * 3.0).backward()
    assert s.grad is s.grad
    optim.SGD([s], lr=0.1).zero_grad(set_to_none=False)
    assert s.grad._nnz() == 0


def test_sgd_momentum_of_a_sparse_gradient_saves_and_loads():
    import copy

    emb = _looked_up()
    opt = optim.SGD(emb.parameters(), lr=0.1, momentum=0.9)
    opt.step()
    fresh = optim.SGD(emb.parameters(), lr=0.1, momentum=0.9)
    fresh.load_state_dict(copy.deepcopy(opt.state_dict()))
    buffer = fresh.state[emb.weight]["momentum_buffer"]
    assert buffer.__class__ is SparseArray and buffer.indices.tolist() == [[1, 4, 1]]
    fresh.step()
    opt.step()
    np.testing.assert_array_equal(fresh.state[emb.weight]["momentum_buffer"].values,
                                  opt.state[emb.weight]["momentum_buffer"].values)
