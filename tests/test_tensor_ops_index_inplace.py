"""index_add, index_copy, index_fill (ops/index.py) and the in-place forms of the indexing functions
(inplace_functions.py: scatter_, scatter_add_, index_add_, index_copy_, index_fill_, masked_fill_, tril_, triu_): values
against NumPy by hand, gradients by finite differences, and both against PyTorch in float64 (skipped without it)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value

RNG = np.random.default_rng(11)
X = RNG.standard_normal((3, 4))


def _index_add_by_hand(x, dim, index, source, alpha):
    out = np.array(x, copy=True)
    for i, k in enumerate(index):
        target = [slice(None)] * x.ndim
        target[dim] = k
        picked = [slice(None)] * x.ndim
        picked[dim] = i
        out[tuple(target)] += alpha * source[tuple(picked)]
    return out


@pytest.mark.parametrize("dim, index", [(0, [2, 0, 2]), (1, [3, 1, 1, 0, 3])])
def test_index_add_adds_repeats_and_its_gradients_check(dim, index):
    shape = list(X.shape)
    shape[dim] = len(index)
    source = RNG.standard_normal(shape)
    out = ag.index_add(Value(X), dim, np.array(index), Value(source), alpha=0.5)
    np.testing.assert_allclose(out.data, _index_add_by_hand(X, dim, index, source, 0.5))
    assert ag.gradcheck(lambda x, s: (ag.index_add(x, dim, np.array(index), s, alpha=0.5) ** 2).sum(), [X, source])


def test_index_copy_and_index_fill_write_along_a_dimension():
    source = RNG.standard_normal((3, 2))
    out = Value(X).index_copy(1, np.array([3, 0]), Value(source))
    expected = X.copy()
    expected[:, [3, 0]] = source
    np.testing.assert_array_equal(out.data, expected)
    filled = Value(X).index_fill(0, np.array([1]), -2.0)
    expected = X.copy()
    expected[1] = -2.0
    np.testing.assert_array_equal(filled.data, expected)
    assert ag.gradcheck(lambda x, s: (x.index_copy(1, np.array([3, 0]), s) ** 2).sum(), [X, source])
    assert ag.gradcheck(lambda x: (x.index_fill(0, np.array([1]), 0.5) ** 3).sum(), [X])


def test_bad_indices_and_sources_raise_like_torch():
    with pytest.raises(IndexError, match="index out of range"):
        ag.index_add(Value(X), 0, np.array([3]), Value(np.ones((1, 4))))
    with pytest.raises(RuntimeError, match=r"source of shape \(2, 4\) does not match: expected \(1, 4\)"):
        ag.index_add(Value(X), 0, np.array([0]), Value(np.ones((2, 4))))
    with pytest.raises(IndexError, match="supposed to be a vector"):
        ag.index_copy(Value(X), 0, np.array([[0]]), Value(np.ones((1, 4))))
    with pytest.raises(IndexError, match=r"index_fill_\(\): Expected dtype int64 for index\."):  # PyTorch's
        ag.index_fill(Value(X), 0, np.array([0.0]), 1.0)


def test_in_place_forms_change_the_value_itself_under_the_in_place_rules():
    labels = np.array([2, 0, 1])
    one_hot = ag.zeros(3, 4)
    assert one_hot.scatter_(1, labels[:, None], 1.0) is one_hot  # the classic one-hot idiom
    np.testing.assert_array_equal(one_hot.data, np.eye(4)[labels])
    counts = ag.zeros(4).scatter_add_(0, np.array([1, 1, 3]), ag.ones(3))
    assert counts.tolist() == [0.0, 2.0, 0.0, 1.0]
    h = ag.zeros(3, 2).index_add_(0, np.array([0, 2, 0]), ag.ones(3, 2), alpha=2)
    assert h.tolist() == [[4.0, 4.0], [0.0, 0.0], [2.0, 2.0]]
    m = Value(X.copy(), requires_grad=False)
    m.masked_fill_(m > 0, 0.0)
    np.testing.assert_array_equal(m.data, np.minimum(X, 0))
    t = Value(X.copy(), requires_grad=False)
    t.tril_().triu_(-1)
    np.testing.assert_array_equal(t.data, np.triu(np.tril(X), -1))
    c = Value(X.copy(), requires_grad=False).index_copy_(0, np.array([0]), np.full((1, 4), 9.0))
    assert c.data[0].tolist() == [9.0] * 4
    f = Value(X.copy(), requires_grad=False).index_fill_(1, np.array([2]), 5.0)
    assert f.data[:, 2].tolist() == [5.0] * 3
    assert f._version_count == 1

    w = Value(X.copy(), requires_grad=True)
    with pytest.raises(RuntimeError, match="tril_: a leaf Value that requires grad"):
        w.tril_()
    y = w * 2
    assert y.masked_fill_(y > 0, 0.0) is y and y.op == "where"  # recorded (tests/test_inplace_recorded.py)
    with ag.no_grad():
        w.masked_fill_(w > 0, 0.0)
    np.testing.assert_array_equal(w.data, np.minimum(X, 0))
    assert w.requires_grad and w.is_leaf


def test_a_graph_that_saved_the_value_sees_the_change():
    x = Value(X.copy(), requires_grad=True)
    y = x * 1.0
    z = (y * y).sum()
    with ag.no_grad():
        y.index_fill_(0, np.array([0]), 0.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.backward()


def test_inside_a_jvp_the_tangent_follows_the_change():
    def f(v):
        y = v * 1.0
        y.index_add_(0, np.array([1, 1]), v[:2] * 3.0)
        return y

    def f_out_of_place(v):
        return ag.index_add(v * 1.0, 0, np.array([1, 1]), v[:2] * 3.0)

    x, t = RNG.standard_normal(3), RNG.standard_normal(3)
    np.testing.assert_allclose(ag.jvp(f, (x,), (t,))[1], ag.jvp(f_out_of_place, (x,), (t,))[1])


def test_against_torch():
    torch = pytest.importorskip("torch")
    index = np.array([3, 1, 1, 0])
    source = RNG.standard_normal((3, 4))
    x, s = Value(X, requires_grad=True), Value(source, requires_grad=True)
    tx, ts = torch.tensor(X, requires_grad=True), torch.tensor(source, requires_grad=True)
    ours = ag.index_add(x, 1, index, s, alpha=0.5).index_fill(0, np.array([2]), 1.5).index_copy(
        1, np.array([2]), s[:, :1] * 2.0)
    theirs = torch.index_add(tx, 1, torch.tensor(index), ts, alpha=0.5).index_fill(
        0, torch.tensor([2]), 1.5).index_copy(1, torch.tensor([2]), ts[:, :1] * 2.0)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    (ours ** 2).sum().backward()
    (theirs ** 2).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(s.grad, ts.grad.numpy(), rtol=1e-12)

    for call in (lambda m, T: m.zeros(3, 4).scatter_(1, m.tensor([[1], [0], [3]]), 2.0),
                 lambda m, T: m.zeros(5).scatter_add_(0, m.tensor([1, 1, 4]), m.tensor([1.0, 2.0, 3.0])),
                 lambda m, T: m.tensor(X).masked_fill_(m.tensor(X) < 0, -1.0),
                 lambda m, T: m.tensor(X).tril_(1),
                 lambda m, T: m.tensor(X).triu_(-1),
                 lambda m, T: m.tensor(X).index_fill_(1, m.tensor([0, 2]), 3.0)):
        np.testing.assert_array_equal(np.asarray(call(ag, None).tolist()), np.asarray(call(torch, None).tolist()))
