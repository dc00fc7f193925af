"""SparseAdam: Adam on the rows a gradient touches (PyTorch's, for nn.Embedding(sparse=True)). Our gradients are dense:
the touched rows are those holding a nonzero number. Compared with PyTorch's sparse gradients where installed."""

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
    with pytest.raises(ValueError, match="0-d parameter"):
        scalar = nn.Parameter(1.0)
        scalar.grad = np.float64(1.0)
        optim.SparseAdam([scalar]).step()
