"""Poisson, Binomial and OneHotCategorical samples (and Bernoulli, Geometric, NegativeBinomial and Multinomial ones)
inside compiled steps: drawn through ops.sampling.sample with their parameters as inputs (distributions/utils.py's
sampled_from; OneHotCategorical one-hot by recorded operations of its Categorical draw), so a step replays and draws
fresh numbers at each call from the parameters of that call, the numbers eager mode draws. Where they were constants
of the recording, a step either ran eagerly after its recordings or, when two recordings drew alike by chance (a few
one-hot rows), replayed the recorded sample.

Each step runs eagerly and compiled, each run seeded alike once at its start (tests/test_compile_random.py's
runner), and every call's results, weights and gradients are compared bit for bit; the compiled step must replay
every call after its two recordings without a CompileWarning."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as torch
import autograd_core.nn.functional as F
from autograd_core import nn, optim
from autograd_core.generator import get_rng
from test_compile_random import _batches, _replays_as_eager


def _step(sample_and_loss):
    def make():
        model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))
        opt = optim.SGD(model.parameters(), lr=0.05)

        def step(x):
            opt.zero_grad()
            drawn, loss = sample_and_loss(model(x))
            loss.backward()
            opt.step()
            return loss, drawn

        return model, step

    return make


def _poisson(out):
    dist = torch.distributions.Poisson(F.softplus(out) + 0.1)
    counts = dist.sample()
    return counts, -dist.log_prob(counts).mean()


def _binomial(out):
    dist = torch.distributions.Binomial(10, logits=out)
    successes = dist.sample()
    return successes, -dist.log_prob(successes).mean()


def _binomial_of_counts(out):
    total = torch.tensor(np.array([3.0, 7.0, 12.0], dtype=np.float32))  # counts per column, broadcast over rows
    dist = torch.distributions.Binomial(total, probs=torch.sigmoid(out))
    successes = dist.sample((2,))
    return successes, -dist.log_prob(successes).mean()


def _one_hot(out):
    dist = torch.distributions.OneHotCategorical(logits=out)
    choice = dist.sample()
    return choice, -(choice * F.log_softmax(out, dim=1)).sum(1).mean()


def _straight_through(out):
    choice = torch.distributions.OneHotCategoricalStraightThrough(logits=out).rsample()
    return choice, (choice * out).sum(1).pow(2).mean()


def _bernoulli(out):
    dist = torch.distributions.Bernoulli(logits=out)
    bits = dist.sample()
    return bits, -dist.log_prob(bits).mean()


def _geometric(out):
    dist = torch.distributions.Geometric(probs=torch.sigmoid(out) * 0.9 + 0.05)
    failures = dist.sample()
    return failures, -dist.log_prob(failures).mean()


def _negative_binomial(out):
    dist = torch.distributions.NegativeBinomial(4.0, logits=out)
    counts = dist.sample()
    return counts, -dist.log_prob(counts).mean()


def _multinomial(out):
    dist = torch.distributions.Multinomial(6, logits=out)
    counts = dist.sample()
    return counts, -dist.log_prob(counts).mean()


@pytest.mark.parametrize("sample_and_loss", [_poisson, _binomial, _binomial_of_counts, _one_hot, _straight_through,
                                             _bernoulli, _geometric, _negative_binomial, _multinomial],
                         ids=lambda f: f.__name__.strip("_"))
def test_count_and_one_hot_samples_replay_as_eager_mode_draws(sample_and_loss):
    _replays_as_eager(_step(sample_and_loss), _batches(6))


def test_eager_samples_are_the_draws_they_were():
    """The same generator calls as before, in eager mode: Poisson's rng.poisson(rate), Binomial's rng.binomial(n, p),
    OneHotCategorical's one-hot of the Categorical draw."""
    rate = torch.tensor(np.array([[0.5, 2.0, 7.5]]))
    torch.manual_seed(3)
    got = torch.distributions.Poisson(rate).sample((4,))
    torch.manual_seed(3)
    expected = get_rng().poisson(np.broadcast_to(rate.data, (4, 1, 3)), size=(4, 1, 3)).astype(np.float64)
    assert np.array_equal(got.data, expected) and got.dtype == np.float64 and not got.requires_grad

    probs = torch.tensor(np.array([0.2, 0.7], dtype=np.float32))
    torch.manual_seed(4)
    got = torch.distributions.Binomial(torch.tensor(np.array([5.0, 9.0], dtype=np.float32)), probs=probs).sample()
    torch.manual_seed(4)
    expected = get_rng().binomial(np.array([5, 9]), probs.data, size=(2,)).astype(np.float32)
    assert np.array_equal(got.data, expected) and got.dtype == np.float32

    logits = torch.tensor(np.array([[0.1, 2.0, -1.0], [0.0, 0.0, 3.0]], dtype=np.float32))
    torch.manual_seed(5)
    got = torch.distributions.OneHotCategorical(logits=logits).sample((3,))
    torch.manual_seed(5)
    index = torch.distributions.Categorical(logits=logits).sample((3,)).data
    assert np.array_equal(got.data, np.eye(3, dtype=np.float32)[index]) and got.dtype == np.float32
