"""Random sampling (ops/sampling.py) and the in-place fillers (inplace_fills.py): shapes and dtypes as PyTorch's, the
moments of large samples, repeatability under manual_seed and the saved generator state, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

from test_tensor_ops2_arrange import check_error_against_torch

import autograd_core as ag


def _torch():
    return pytest.importorskip("torch")


SHAPE_CASES = [
    ("normal-tensors", lambda m: m.normal(m.zeros(2, 1), m.ones(3))),
    ("normal-tensor-mean", lambda m: m.normal(m.zeros(2, 3, dtype=m.float64), 2.0)),
    ("normal-tensor-std", lambda m: m.normal(1.0, m.ones(4))),
    ("normal-numbers", lambda m: m.normal(0.0, 1.0, (2, 5))),
    ("bernoulli", lambda m: m.bernoulli(m.full((3, 2), 0.5))),
    ("bernoulli-p", lambda m: m.bernoulli(m.zeros(4, dtype=m.float64), 0.3)),
    ("bernoulli-method", lambda m: m.full((2,), 0.5).bernoulli()),
    ("multinomial-1d", lambda m: m.multinomial(m.tensor([1.0, 2.0, 3.0]), 2)),
    ("multinomial-2d-replacement", lambda m: m.tensor([[1.0, 0.0, 3.0], [1.0, 1.0, 1.0]]).multinomial(5, True)),
    ("poisson", lambda m: m.poisson(m.full((2, 3), 4.0))),
    ("randint_like", lambda m: m.randint_like(m.zeros(2, 2), 5)),
    ("randint_like-low-dtype", lambda m: m.randint_like(m.zeros(3), 2, 9, dtype=m.int64)),
]


@pytest.mark.parametrize("label, draw", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_shapes_and_dtypes_match_torch(label, draw):
    torch = _torch()
    ours, theirs = draw(ag), draw(torch)
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert not ours.requires_grad


def test_moments_of_large_samples():
    ag.manual_seed(0)
    n = 20000
    x = ag.normal(ag.full((n,), 2.0, dtype=ag.float64), ag.full((n,), 3.0, dtype=ag.float64)).data
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.1
    b = ag.bernoulli(ag.full((n,), 0.3)).data
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.02
    p = ag.poisson(ag.full((n,), 4.0)).data
    assert abs(p.mean() - 4.0) < 0.1 and abs(p.var() - 4.0) < 0.3
    counts = np.bincount(ag.multinomial(ag.tensor([1.0, 0.0, 3.0]), n, replacement=True).data, minlength=3)
    assert counts[1] == 0 and abs(counts[2] / n - 0.75) < 0.02
    r = ag.randint_like(ag.zeros(n), 3, 7).data
    assert r.min() == 3 and r.max() == 6


def test_multinomial_without_replacement_draws_distinct_categories():
    rows = ag.multinomial(ag.tensor([[1.0, 2.0, 0.0, 4.0], [1.0, 1.0, 1.0, 1.0]]), 3).data
    for row in rows:
        assert len(set(row)) == 3
    assert 2 not in rows[0]  # a weight of 0 is never drawn


def test_in_place_fillers():
    ag.manual_seed(1)
    x = ag.zeros(20000, dtype=ag.float64)
    assert x.bernoulli_(0.25) is x and abs(x.data.mean() - 0.25) < 0.02 and x._version_count == 1
    x.bernoulli_(ag.full((20000,), 0.75, dtype=ag.float64))
    assert abs(x.data.mean() - 0.75) < 0.02
    assert abs(x.exponential_(2.0).data.mean() - 0.5) < 0.02
    g = x.geometric_(0.5).data
    assert g.min() >= 1 and abs(g.mean() - 2.0) < 0.05
    assert abs(np.median(x.log_normal_(1.0, 0.5).data) - np.e) < 0.1
    assert abs(np.median(x.cauchy_(3.0, 1.0).data) - 3.0) < 0.1
    r = x.random_(2, 5).data
    assert set(np.unique(r)) == {2.0, 3.0, 4.0}
    assert set(np.unique(x.random_(3).data)) == {0.0, 1.0, 2.0}
    assert x.random_().data.max() <= 2 ** 53 and ag.zeros(4, dtype=ag.int8).random_().data.min() >= 0
    w = ag.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Value that requires grad"):
        w.exponential_()


def test_seeded_draws_repeat_and_state_restores():
    ag.manual_seed(7)
    assert ag.initial_seed() == 7
    first = [ag.normal(0.0, 1.0, (3,)).data, ag.multinomial(ag.ones(5), 3).data, ag.bernoulli(ag.full((4,), 0.5)).data]
    ag.manual_seed(7)
    again = [ag.normal(0.0, 1.0, (3,)).data, ag.multinomial(ag.ones(5), 3).data, ag.bernoulli(ag.full((4,), 0.5)).data]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    state = ag.get_rng_state()
    assert state.dtype == np.uint8 and state.ndim == 1
    a = ag.randn(4).data
    ag.set_rng_state(state)
    np.testing.assert_array_equal(ag.randn(4).data, a)
    s = ag.seed()
    assert isinstance(s, int) and ag.initial_seed() == s
    g = ag.Generator().manual_seed(3)
    assert g.initial_seed() == 3
    saved = g.get_state()
    u = ag.rand(3, generator=g).data
    g.set_state(saved)
    np.testing.assert_array_equal(ag.rand(3, generator=g).data, u)
    np.testing.assert_array_equal(ag.normal(0.0, 1.0, (2,), generator=ag.Generator().manual_seed(4)).data,
                                  ag.normal(0.0, 1.0, (2,), generator=ag.Generator().manual_seed(4)).data)


def test_default_generator_is_the_generator_every_default_draw_uses():
    """torch.default_generator: what manual_seed returns (one object, of type Generator), the same seed and state as
    torch.initial_seed / get_rng_state, seeding it seeds randn and nn.init, and generator=default_generator draws
    what no generator draws."""
    g = ag.default_generator
    assert type(g) is ag.Generator and ag.manual_seed(3) is g and ag.random.default_generator is g
    assert g.initial_seed() == ag.initial_seed() == 3
    g.manual_seed(7)
    assert ag.initial_seed() == 7
    first = ag.randn(4).data
    assert g.manual_seed(7) is g
    np.testing.assert_array_equal(ag.randn(4, generator=g).data, first)
    ag.manual_seed(7)
    np.testing.assert_array_equal(ag.nn.init.get_rng().standard_normal(4).astype(np.float32), first)
    state = g.get_state()
    np.testing.assert_array_equal(state.data, ag.get_rng_state().data)
    drawn = ag.rand(3).data
    assert g.set_state(state) is g
    np.testing.assert_array_equal(ag.rand(3).data, drawn)
    held = g.rng
    assert g.seed() == ag.initial_seed() and g.rng is held  # reseeded in place
    assert str(g.device) == "cpu"
    seed = ag.initial_seed()
    other = ag.Generator().manual_seed(5)  # a Generator of its own: seeding it leaves the default one alone
    assert other.rng is not g.rng and ag.initial_seed() == seed and other.initial_seed() == 5


def test_default_generator_as_pytorchs():
    torch = pytest.importorskip("torch")
    for module in (torch, ag):
        g = module.manual_seed(11)
        assert g is module.default_generator and type(g) is module.Generator and g.initial_seed() == 11
        g.manual_seed(12)
        assert module.initial_seed() == 12
        assert module.random.default_generator is g


def test_torch_random_seeds_the_default_generator_and_forks_it():
    # torch.random.manual_seed(seed=42) (the Zero to Mastery course's reproducibility cell) is torch.manual_seed; its
    # other names are the package's, and fork_rng restores the state after its block, also when the block raises.
    assert set(ag.random.__all__) == {"set_rng_state", "get_rng_state", "manual_seed", "seed", "initial_seed",
                                      "fork_rng", "thread_safe_generator"}
    assert all(getattr(ag.random, name) is getattr(ag, name) for name in ag.random.__all__ if name != "fork_rng")
    ag.random.manual_seed(seed=42)
    first = ag.rand(3, 4).data
    ag.manual_seed(42)
    np.testing.assert_array_equal(ag.rand(3, 4).data, first)
    assert ag.random.initial_seed() == 42
    with ag.random.fork_rng():
        forked = ag.randn(5).data
    after = ag.randn(5).data
    np.testing.assert_array_equal(after, forked)  # the block's draws were undone
    with pytest.raises(ZeroDivisionError), ag.random.fork_rng(devices=[]):
        ag.randn(2)
        1 / 0  # noqa: B018
    state = ag.get_rng_state()
    with ag.random.fork_rng(enabled=False):
        ag.randn(2)
    assert not np.array_equal(ag.get_rng_state().data, state.data)


ERRORS = [
    ("normal-std", lambda m: m.normal(m.zeros(2), -1.0), RuntimeError, "std >= 0"),
    ("bernoulli-p", lambda m: m.bernoulli(m.tensor([1.5])), RuntimeError, "probabilities|p_in"),
    ("multinomial-negative", lambda m: m.multinomial(m.tensor([-1.0, 1.0]), 1), RuntimeError, "element < 0"),
    ("multinomial-too-many", lambda m: m.multinomial(m.tensor([1.0, 1.0]), 3), RuntimeError, "without replacement"),
    ("multinomial-3d", lambda m: m.multinomial(m.ones(2, 2, 2), 1), RuntimeError, "1 or 2 dim"),
    ("poisson-negative", lambda m: m.poisson(m.tensor([-1.0])), RuntimeError, "non-negative"),
    ("randint_like-range", lambda m: m.randint_like(m.zeros(2), 5, 3), RuntimeError, "less than"),
    ("exponential_-lambda", lambda m: m.zeros(2).exponential_(-1.0), RuntimeError, "lambda"),
    ("random_-range", lambda m: m.zeros(2).random_(5, 2), RuntimeError, "less than"),
]


@pytest.mark.parametrize("label, call, error, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(label, call, error, words):
    check_error_against_torch(call, error, words)
