"""nn.init's eye_, dirac_, trunc_normal_, orthogonal_, sparse_: exact structure against PyTorch (eye_, dirac_),
distributions (moments of the truncated normal in closed form, bounds, orthogonality, zeros per column),
reproducibility under manual_seed, in-place semantics and errors."""

import math

import numpy as np
import pytest

from autograd_core import nn
from autograd_core.nn import init


def _param(*shape, dtype=np.float64):
    return nn.Parameter(np.full(shape, 7.0, dtype))


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2)])
def test_eye_matches_torch(shape):
    torch = pytest.importorskip("torch")
    p = _param(*shape)
    assert init.eye_(p) is p
    np.testing.assert_array_equal(p.data, torch.nn.init.eye_(torch.empty(shape)).numpy())


@pytest.mark.parametrize("shape,groups", [((4, 3, 3), 1), ((6, 2, 3, 3), 2), ((4, 4, 2, 3, 4), 1), ((3, 5, 4), 3)])
def test_dirac_matches_torch(shape, groups):
    torch = pytest.importorskip("torch")
    p = _param(*shape, dtype=np.float32)
    init.dirac_(p, groups)
    assert p.dtype == np.float32
    np.testing.assert_array_equal(p.data, torch.nn.init.dirac_(torch.empty(shape), groups).numpy())


def test_dirac_conv_preserves_its_input():
    conv = nn.Conv2d(3, 3, 3, padding=1, bias=False, dtype=np.float64)
    init.dirac_(conv.weight)
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 5))
    np.testing.assert_allclose(conv(x).data, x, atol=1e-15)


def test_eye_and_dirac_errors():
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(_param(2, 2, 2))
    with pytest.raises(ValueError, match="3, 4, or 5"):
        init.dirac_(_param(2, 2))
    with pytest.raises(ValueError, match="divisible by groups"):
        init.dirac_(_param(5, 2, 3), groups=2)


def _truncated_moments(mean, std, a, b):
    """Closed-form mean and standard deviation of N(mean, std²) truncated to [a, b]."""
    al, be = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    cdf = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))
    z = cdf(be) - cdf(al)
    m = (pdf(al) - pdf(be)) / z
    var = 1 + (al * pdf(al) - be * pdf(be)) / z - m * m
    return mean + std * m, std * math.sqrt(var)


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 3.0), (0.0, 0.02, -2.0, 2.0),
                                          (0.0, 1.0, 3.0, 4.0)])  # the last far in a tail: rejection would stall
@pytest.mark.filterwarnings("ignore:trunc_normal_")  # PyTorch's warning for the tail interval; tested below
def test_trunc_normal_distribution(mean, std, a, b):
    p = _param(200, 250)
    init.trunc_normal_(p, mean, std, a, b, rng=0)
    w = p.data
    assert w.min() >= a and w.max() <= b
    mu, sigma = _truncated_moments(mean, std, a, b)
    n = w.size
    assert abs(w.mean() - mu) < 5 * sigma / math.sqrt(n)
    assert abs(w.std() - sigma) < 0.02 * sigma
    # the whole distribution: Kolmogorov-Smirnov distance to the truncated normal's CDF
    cdf = lambda x: 0.5 * np.array([math.erfc(-v / math.sqrt(2)) for v in x])
    lo, hi = cdf([(a - mean) / std])[0], cdf([(b - mean) / std])[0]
    xs = np.sort(w.ravel())[::250]
    expected = (cdf((xs - mean) / std) - lo) / (hi - lo)
    empirical = np.searchsorted(np.sort(w.ravel()), xs, side="right") / n
    assert np.abs(expected - empirical).max() < 0.01


@pytest.mark.parametrize("mean,std,a,b,by_inverse_cdf", [(0.0, 0.02, -2.0, 2.0, False), (0.0, 1.0, -2.0, 2.0, False),
                                                         (0.5, 2.0, -1.0, 3.0, False), (0.0, 1.0, 1.5, 4.0, True),
                                                         (0.0, 1.0, -0.05, 0.05, True)])
def test_trunc_normal_draws_again_unless_the_interval_is_a_narrow_one(monkeypatch, mean, std, a, b, by_inverse_cdf):
    """An interval holding most of the normal's mass is sampled by drawing the misses again (~30× faster than the
    inverse CDF); one holding less than 1/10 of it (a tail, a sliver) by the inverse CDF, where draws would miss."""
    calls = []
    real_ppf = init._normal_ppf
    monkeypatch.setattr(init, "_normal_ppf", lambda p: calls.append(p.size) or real_ppf(p))
    w = init.trunc_normal((300, 40), mean, std, a, b, rng=1, dtype=np.float64)
    assert bool(calls) == by_inverse_cdf
    assert w.shape == (300, 40) and w.min() >= a and w.max() <= b
    assert len(np.unique(w)) == w.size  # every value a draw of its own (none left at a rejected draw's value)
    mu, _ = _truncated_moments(mean, std, a, b)
    assert abs(w.mean() - mu) < 0.05 * std


def test_trunc_normal_warns_and_refuses():
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(_param(3), mean=10.0, a=-1.0, b=1.0)
    with pytest.raises(ValueError, match="a < b"):
        init.trunc_normal_(_param(3), a=1.0, b=1.0)
    with pytest.raises(ValueError, match="std must be positive"):
        init.trunc_normal_(_param(3), std=0.0)
    with pytest.raises(TypeError, match="not both"):
        init.trunc_normal_(_param(3), generator=1, rng=1)


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4), (6, 2, 3, 3)])
def test_orthogonal_is_orthogonal(shape):
    p = _param(*shape)
    init.orthogonal_(p, gain=2.0, rng=0)
    m = p.data.reshape(shape[0], -1)
    small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(small, 4.0 * np.eye(len(small)), atol=1e-12)


def test_orthogonal_is_haar_distributed():
    # Haar: without the sign fix from R's diagonal, Q's diagonal would be biased (always positive first entries)
    diagonals = np.array([init.orthogonal((3, 3), rng=s, dtype=np.float64)[0, 0] for s in range(400)])
    assert abs(diagonals.mean()) < 0.1
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(_param(4))


def test_sparse_zeros_per_column_and_spread():
    p = _param(40, 300)
    init.sparse_(p, sparsity=0.3, std=0.5, rng=0)
    zeros = (p.data == 0).sum(axis=0)
    assert np.all(zeros == math.ceil(0.3 * 40))
    assert not np.all((p.data == 0).sum(axis=1) == zeros[0])  # rows chosen at random per column
    kept = p.data[p.data != 0]
    assert abs(kept.std() - 0.5) < 0.02 and abs(kept.mean()) < 0.02
    with pytest.raises(ValueError, match="2 dimensions"):
        init.sparse_(_param(2, 2, 2), 0.5)
    with pytest.raises(ValueError, match="sparsity"):
        init.sparse_(_param(2, 2), 1.5)


@pytest.mark.parametrize("fill", [lambda p, **k: init.trunc_normal_(p, **k), lambda p, **k: init.orthogonal_(p, **k),
                                  lambda p, **k: init.sparse_(p, 0.5, **k)], ids=["trunc_normal_", "orthogonal_",
                                                                                  "sparse_"])
def test_random_fills_repeat_under_manual_seed_and_bump_version(fill):
    p, q = _param(5, 4, dtype=np.float32), _param(5, 4, dtype=np.float32)
    nn.manual_seed(3)
    version = p._version_count
    assert fill(p) is p
    assert p._version_count > version and p.dtype == np.float32
    nn.manual_seed(3)
    fill(q)
    np.testing.assert_array_equal(p.data, q.data)
    fill(q)
    assert not np.array_equal(p.data, q.data)  # the generator advanced
    fill(q, generator=np.random.default_rng(1))
    r = _param(5, 4, dtype=np.float32)
    fill(r, rng=1)
    np.testing.assert_array_equal(q.data, r.data)
