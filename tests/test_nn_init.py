"""Initialisation: distributions, fans, gains, PyTorch's defaults, and bit-for-bit reproducibility."""

import math

import numpy as np
import pytest

from autograd_core import nn
import autograd_core.nn.functional as F
from autograd_core.nn import init


def test_get_rng_accepts_none_int_generator():
    g = np.random.default_rng(3)
    assert init.get_rng(g) is g
    np.testing.assert_array_equal(init.get_rng(5).random(3), np.random.default_rng(5).random(3))
    assert isinstance(init.get_rng(None), np.random.Generator)
    with pytest.raises(TypeError, match="rng must be"):
        init.get_rng("seed")


def test_fans_and_gains():
    assert init.fans((16, 3, 5, 5)) == (75, 400)
    assert init.fans((10, 4)) == (4, 10)
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("fn,kwargs,std", [
    (init.xavier_uniform, {}, math.sqrt(2 / (200 + 300))),
    (init.xavier_normal, {"gain": 2.0}, 2 * math.sqrt(2 / (200 + 300))),
    (init.kaiming_uniform, {"nonlinearity": "relu"}, math.sqrt(2 / 300)),
    (init.kaiming_normal, {"nonlinearity": "relu", "mode": "fan_out"}, math.sqrt(2 / 200)),
    (init.default_weight, {}, math.sqrt(1 / 300) / math.sqrt(3)),
])
def test_initialisers_have_the_documented_spread(fn, kwargs, std):
    w = fn((200, 300), rng=0, dtype=np.float64, **kwargs)
    assert w.shape == (200, 300)
    assert abs(w.std() - std) < 0.02 * std
    assert abs(w.mean()) < 0.02 * std


def test_uniform_bound_matches_pytorch_linear_default():
    w = init.kaiming_uniform((50, 400), a=math.sqrt(5), rng=0)
    assert np.abs(w).max() <= 1 / 20 and np.abs(w).max() > 0.99 / 20


def test_in_place_variants_keep_dtype_and_shape():
    p = nn.Parameter(np.zeros((3, 4), np.float32))
    assert init.xavier_uniform_(p, rng=0) is p and p.dtype == np.float32 and p.shape == (3, 4)
    init.constant_(p, 2.5)
    assert np.all(p.data == 2.5)
    init.zeros_(p)
    assert np.all(p.data == 0)


def test_default_dtype_switch():
    assert init.get_default_dtype() == np.float32
    init.set_default_dtype(np.float64)
    try:
        assert nn.Linear(2, 2).weight.dtype == np.float64
    finally:
        init.set_default_dtype(np.float32)
    with pytest.raises(TypeError, match="float"):
        init.set_default_dtype(np.int32)


def test_float32_and_float64_models_from_one_seed_hold_the_same_numbers():
    a = nn.Linear(5, 3, rng=4, dtype=np.float32)
    b = nn.Linear(5, 3, rng=4, dtype=np.float64)
    np.testing.assert_array_equal(a.weight.data, b.weight.data.astype(np.float32))


def _train(seed):
    """A few steps with seeded init, shuffling and dropout: everything random comes from `seed`."""
    rng = np.random.default_rng(seed)
    X, y = nn.make_moons(64, noise=0.1, rng=rng)
    model = nn.Sequential(nn.Linear(2, 16, rng=rng), nn.ReLU(), nn.Dropout(0.2, rng=rng), nn.Linear(16, 2, rng=rng))
    for xb, yb in nn.DataLoader(X.astype(np.float32), y, batch_size=16, shuffle=True, rng=rng):
        model.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
    return model.state_dict(), loss.data


def test_two_seeded_runs_are_equal_bit_for_bit():
    (s1, l1), (s2, l2), (s3, _) = _train(11), _train(11), _train(12)
    assert l1 == l2
    for key in s1:
        np.testing.assert_array_equal(s1[key], s2[key])
    assert not np.array_equal(s1["0.weight"], s3["0.weight"])


def test_manual_seed_makes_the_default_generator_reproducible():
    init.manual_seed(123)
    a = nn.MLP(3, [4, 2]).state_dict()
    init.manual_seed(123)
    b = nn.MLP(3, [4, 2]).state_dict()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
