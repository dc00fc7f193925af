"""SparseAdam: Adam on the rows a sparse gradient holds (PyTorch's, for nn.Embedding(sparse=True), whose weight gets a
sparse COO gradient as PyTorch's); a dense gradient is PyTorch's error. Compared with PyTorch where installed."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn, optim


def _embedding_steps(lib, weights, batches, **kwargs):
    emb = lib.nn.Embedding(*weights.shape, sparse=True, _weight=lib.tensor(weights.copy()))
    opt = lib.optim.SparseAdam(emb.parameters(), **kwargs)
    for ids, target in batches:
        opt.zero_grad()
        ((emb(lib.tensor(ids)) - lib.tensor(target)) ** 2).sum().backward()
        opt.step()
    data = emb.weight.detach().numpy() if lib is not ag else emb.weight.data
    return np.array(data), opt


def _batches(seed=1, steps=6):
    rng = np.random.default_rng(seed)
    return [(rng.integers(0, 12, 5), rng.standard_normal((5, 3))) for _ in range(steps)]


def test_only_the_rows_looked_up_change_with_their_moments():
    weights = np.random.default_rng(0).standard_normal((12, 3))
    ids = np.array([2, 5, 2])
    after, opt = _embedding_steps(ag, weights, [(ids, np.zeros((3, 3)))], lr=0.1)
    untouched = np.setdiff1d(np.arange(12), ids)
    np.testing.assert_array_equal(after[untouched], weights[untouched])
    assert not np.any(after[[2, 5]] == weights[[2, 5]])
    state = next(iter(opt.state.values()))
    assert state["step"] == 1 and not state["exp_avg"][untouched].any() and state["exp_avg"][[2, 5]].all()
    # Adam's first step moves each touched element by lr (the bias-corrected m/√v is ±1)
    np.testing.assert_allclose(np.abs(after[[2, 5]] - weights[[2, 5]]), 0.1, rtol=1e-6)


def test_rows_untouched_this_step_keep_their_moments():
    weights = np.random.default_rng(0).standard_normal((12, 3))
    _, opt = _embedding_steps(ag, weights, [(np.array([1]), np.zeros((1, 3))), (np.array([4]), np.zeros((1, 3)))],
                              lr=0.1)
    state = next(iter(opt.state.values()))
    first = (1 - 0.9) * 2 * weights[1]  # m after the one step that touched row 1 (the loss's gradient 2·w)
    np.testing.assert_allclose(state["exp_avg"][1], first, rtol=1e-12)  # not decayed by the second step
    assert state["step"] == 2


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    weights = np.random.default_rng(0).standard_normal((12, 3))
    for kwargs in (dict(lr=0.05), dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, maximize=True)):
        ours, ours_opt = _embedding_steps(ag, weights, _batches(), **kwargs)
        theirs, their_opt = _embedding_steps(torch, weights, _batches(), **kwargs)
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)
        assert ours_opt.state_dict()["param_groups"] == their_opt.state_dict()["param_groups"]
        ours_state, their_state = ours_opt.state_dict()["state"][0], their_opt.state_dict()["state"][0]
        assert ours_state["step"] == their_state["step"]
        np.testing.assert_allclose(ours_state["exp_avg_sq"], their_state["exp_avg_sq"].numpy(), rtol=1e-13)


def test_state_dict_round_trip_and_bad_settings():
    weights = np.random.default_rng(0).standard_normal((12, 3))
    _, opt = _embedding_steps(ag, weights, _batches(steps=2), lr=0.05)
    fresh = optim.SparseAdam([nn.Parameter(weights.copy())], lr=0.05)
    fresh.load_state_dict(opt.state_dict())
    assert next(iter(fresh.state.values()))["step"] == 2
    with pytest.raises(ValueError, match="lr"):
        optim.SparseAdam([nn.Parameter(weights.copy())], lr=-1.0)
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients, please consider Adam"):
        scalar = nn.Parameter(1.0)
        scalar.grad = np.float64(1.0)
        optim.SparseAdam([scalar]).step()


# A looked-up row whose gradient is exactly 0 (its output multiplied by 0) after a step that gave it moments: PyTorch's
# sparse gradient lists it, so SparseAdam decays its moments and moves it; so does ours (it was left alone).
_ZERO_ROW_BATCHES = [np.array([[1, 2, 7]]), np.array([[2, 3, 7]]), np.array([[7, 4, 1]]), np.array([[5, 5, 2]])]


def _zero_row_steps(lib, case):
    weights = np.random.default_rng(0).standard_normal((10, 3))
    bag, padding = case.get("bag", False), case.get("padding")
    kind = lib.nn.EmbeddingBag if bag else lib.nn.Embedding
    extra = dict(mode="sum") if bag else {}
    emb = kind(10, 3, sparse=True, padding_idx=padding, **extra)
    emb.weight.data = lib.tensor(weights.copy())  # float64 in both (`_weight=` of a bag is float32 here)
    opt = lib.optim.SparseAdam(emb.parameters(), lr=0.1, maximize=case.get("maximize", False))
    for i, ids in enumerate(_ZERO_ROW_BATCHES):
        if not case.get("accumulate") or i % 2 == 0:
            opt.zero_grad(set_to_none=case.get("set_to_none", True))
        scale = np.where(ids == 7, 0.0, 1.0) if i else np.ones(ids.shape)  # row 7: a zero gradient after step 0
        if bag:  # one bag per id, so that each id's output can be scaled alone
            out = emb(lib.tensor(ids.reshape(-1, 1))) * lib.tensor(scale.reshape(-1, 1))
        else:
            out = emb(lib.tensor(ids)) * lib.tensor(scale[..., None])
        loss = (out ** 2).sum()
        if case.get("twice"):  # two lookups in one pass: the gradient lists the rows of both
            loss = loss + (emb(lib.tensor(np.array([[8]]))) * 0.0).sum()
        loss.backward()
        if not case.get("accumulate") or i % 2 == 1:
            opt.step()
    state = opt.state[emb.weight]
    to_numpy = (lambda a: a.detach().numpy()) if lib is not ag else np.asarray
    return to_numpy(emb.weight.data), to_numpy(state["exp_avg"]), to_numpy(state["exp_avg_sq"])


ZERO_ROW_CASES = [dict(), dict(padding=7), dict(padding=2), dict(maximize=True), dict(set_to_none=False),
                  dict(accumulate=True), dict(twice=True), dict(bag=True), dict(bag=True, padding=5)]


@pytest.mark.parametrize("case", ZERO_ROW_CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "plain")
def test_looked_up_rows_with_zero_gradient_step_as_pytorch(case):
    torch = pytest.importorskip("torch")
    for ours, theirs in zip(_zero_row_steps(ag, case), _zero_row_steps(torch, case)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)


def test_looked_up_rows_with_zero_gradient_by_values():
    weights = np.random.default_rng(0).standard_normal((10, 3))
    emb = nn.Embedding(10, 3, sparse=True, padding_idx=4, _weight=ag.tensor(weights.copy()))
    opt = optim.SparseAdam(emb.parameters(), lr=0.1)
    (emb(ag.tensor([1, 7, 4])) ** 2).sum().backward()
    g = emb.weight.grad
    assert g.is_sparse and g._indices().data.tolist() == [[1, 7]]  # not the padding row
    opt.step()
    m_before = opt.state[emb.weight]["exp_avg"].copy()
    opt.zero_grad()
    (emb(ag.tensor([7, 1])) * ag.tensor([[0.0], [1.0]])).sum().backward()  # row 7: looked up, gradient 0
    opt.step()
    m = opt.state[emb.weight]["exp_avg"]
    np.testing.assert_array_equal(m[7], 0.9 * m_before[7])  # decayed: m ← m + (0 − m)·(1 − 0.9)
    assert m[7].all()
    # a lookup without sparse=True gives a dense gradient, which SparseAdam refuses (before changing anything)
    dense = nn.Embedding(10, 3, _weight=ag.tensor(weights.copy()))
    (dense(ag.tensor([2, 3])) * ag.tensor([[1.0], [0.0]])).sum().backward()
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        optim.SparseAdam(list(emb.parameters()) + list(dense.parameters()), lr=0.1).step()
    np.testing.assert_array_equal(dense.weight.data, weights)
