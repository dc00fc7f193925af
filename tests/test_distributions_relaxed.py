"""RelaxedBernoulli and RelaxedOneHotCategorical (Gumbel-softmax): log_prob against torch in float64 with
gradients, finite differences of log_prob and of rsample-based losses, and the exact rounding property of the
samples (P(y > 1/2) = probs; argmax ~ Categorical(probs)) with a fixed seed."""

import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import distributions as D

TEMP, LOGITS = [0.5, 2.0, 0.7], [-1.0, 0.3, 2.0]
CAT_LOGITS = [[1.0, 0.0, -1.0], [0.5, 0.2, 0.1]]
SIMPLEX = [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]


def f64(x, requires_grad=False):
    return ag.tensor(np.asarray(x, dtype=np.float64), dtype=ag.float64, requires_grad=requires_grad)


@pytest.mark.parametrize("by", ["probs", "logits"])
def test_relaxed_bernoulli_log_prob_matches_torch(by):
    torch = pytest.importorskip("torch")
    param = [0.2, 0.6, 0.9] if by == "probs" else LOGITS
    t, p = f64(TEMP, True), f64(param, True)
    tt, tp = (torch.tensor(np.array(v), requires_grad=True) for v in (TEMP, param))
    value = [0.2, 0.9, 0.5]
    lp = D.RelaxedBernoulli(t, **{by: p}).log_prob(f64(value))
    tlp = torch.distributions.RelaxedBernoulli(tt, **{by: tp}).log_prob(torch.tensor(value, dtype=torch.float64))
    np.testing.assert_allclose(lp.data, tlp.detach().numpy(), rtol=1e-12)
    lp.sum().backward()
    tlp.sum().backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("by", ["probs", "logits"])
def test_relaxed_one_hot_log_prob_matches_torch(by):
    torch = pytest.importorskip("torch")
    param = SIMPLEX if by == "probs" else CAT_LOGITS
    t, p = f64(0.7, True), f64(param, True)
    tt, tp = (torch.tensor(np.array(v), requires_grad=True) for v in (0.7, param))
    value = [[0.1, 0.3, 0.6], [0.5, 0.25, 0.25]]
    lp = D.RelaxedOneHotCategorical(t, **{by: p}).log_prob(f64(value))
    tlp = torch.distributions.RelaxedOneHotCategorical(tt, **{by: tp}).log_prob(
        torch.tensor(value, dtype=torch.float64))
    np.testing.assert_allclose(lp.data, tlp.detach().numpy(), rtol=1e-12)
    lp.sum().backward()
    tlp.sum().backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_log_prob_gradients_match_finite_differences():
    ag.gradcheck(lambda t, g: D.RelaxedBernoulli(t, logits=g).log_prob(f64([0.2, 0.9, 0.5])),
                 [np.array(TEMP), np.array(LOGITS)])
    ag.gradcheck(lambda t, g: D.RelaxedOneHotCategorical(t, logits=g).log_prob(f64(SIMPLEX)),
                 [np.array(0.7), np.array(CAT_LOGITS)])


def test_rsample_loss_gradients_match_finite_differences():
    def bernoulli_loss(t, g):
        ag.manual_seed(4)
        return (D.RelaxedBernoulli(t, logits=g).rsample((3,)) ** 2).sum(0)

    def categorical_loss(t, g):
        ag.manual_seed(4)
        y = D.RelaxedOneHotCategorical(t, logits=g).rsample((3,))
        return (y * f64([1.0, 2.0, 3.0])).sum(-1).sum(0)

    ag.gradcheck(bernoulli_loss, [np.array(TEMP), np.array(LOGITS)])
    ag.gradcheck(categorical_loss, [np.array(0.7), np.array(CAT_LOGITS)])


@pytest.mark.parametrize("temperature", [0.5, 2.0])
def test_samples_follow_the_density(temperature):
    # ∫₀¹ p(y) dy = 1 and the sample mean is ∫₀¹ y p(y) dy, for RelaxedBernoulli and for the first coordinate of a
    # two-category RelaxedOneHotCategorical (logits 0.3 − (−0.2) = 0.5: the same law). The integrals are taken over
    # x = logit(y) (dy = y (1 − y) dx), where the integrand is smooth: p(y) is unbounded at 0 and 1 when T < 1.
    x = np.linspace(-30, 30, 60001)
    y = 1 / (1 + np.exp(-x))
    dx = x[1] - x[0]
    ag.manual_seed(0)
    for d, grid, first in [
        (D.RelaxedBernoulli(f64(temperature), logits=f64(0.5), validate_args=False), f64(y), lambda s: s),
        (D.RelaxedOneHotCategorical(f64(temperature), logits=f64([0.3, -0.2]), validate_args=False),
         f64(np.stack([y, 1 - y], -1)), lambda s: s[:, 0]),
    ]:
        weight = np.exp(d.log_prob(grid).data) * y * (1 - y) * dx
        assert abs(weight.sum() - 1) < 1e-6
        samples = first(d.sample((20000,)).data)
        assert abs(samples.mean() - (y * weight).sum()) < 5 * samples.std() / math.sqrt(20000)


def test_samples_round_to_the_discrete_distribution():
    ag.manual_seed(0)
    n = 20000
    probs = np.array([0.1, 0.5, 0.8])
    y = D.RelaxedBernoulli(f64([0.3, 1.0, 3.0]), probs=f64(probs)).sample((n,)).data
    assert np.all((y > 0) & (y < 1))
    assert np.all(np.abs((y > 0.5).mean(0) - probs) < 5 * np.sqrt(probs * (1 - probs) / n))
    cat = np.array(SIMPLEX)
    z = D.RelaxedOneHotCategorical(f64(0.5), probs=f64(cat)).sample((n,)).data
    np.testing.assert_allclose(z.sum(-1), 1.0, rtol=1e-12)
    freq = np.stack([(z.argmax(-1) == k).mean(0) for k in range(3)], -1)
    assert np.all(np.abs(freq - cat) < 5 * np.sqrt(cat * (1 - cat) / n))


def test_shapes_rsample_seed_and_validation():
    b = D.RelaxedBernoulli(0.5, logits=ag.zeros(4, 2))
    c = D.RelaxedOneHotCategorical(0.5, logits=ag.zeros(4, 3))
    assert b.batch_shape == (4, 2) and b.event_shape == () and b.rsample((5,)).shape == (5, 4, 2)
    assert c.batch_shape == (4,) and c.event_shape == (3,) and c.rsample((5,)).shape == (5, 4, 3)
    assert b.expand((6, 4, 2)).sample().shape == (6, 4, 2) and c.expand((6, 4)).sample().shape == (6, 4, 3)
    g = ag.tensor([0.0, 1.0], requires_grad=True)
    assert D.RelaxedBernoulli(0.5, logits=g).rsample().requires_grad
    assert not D.RelaxedBernoulli(0.5, logits=g).sample().requires_grad
    ag.manual_seed(9)
    first = c.sample((2,)).data
    ag.manual_seed(9)
    np.testing.assert_array_equal(c.sample((2,)).data, first)
    with pytest.raises(ValueError, match="temperature"):
        D.RelaxedBernoulli(-1.0, probs=0.5)
    with pytest.raises(ValueError, match="temperature"):
        D.RelaxedOneHotCategorical(0.0, probs=ag.ones(3) / 3)
    with pytest.raises(ValueError, match="to be within the support"):
        D.RelaxedBernoulli(0.5, probs=0.5).log_prob(ag.tensor(1.5))
    with pytest.raises(ValueError, match="to be within the support"):
        D.RelaxedOneHotCategorical(0.5, probs=ag.ones(3) / 3).log_prob(ag.tensor([0.5, 0.6, 0.1]))


def test_closed_form_without_torch():
    # temperature 1, logits 0: y = σ(L) for standard logistic L is uniform on (0, 1), density 1
    np.testing.assert_allclose(D.RelaxedBernoulli(f64(1.0), logits=f64(0.0)).log_prob(f64([0.1, 0.5, 0.7])).data,
                               0.0, atol=1e-12)
    # K = 2, temperature 1, equal logits: (y₁, 1 − y₁) with y₁ uniform on (0, 1), density 1
    lp = D.RelaxedOneHotCategorical(f64(1.0), logits=f64([0.0, 0.0])).log_prob(f64([0.25, 0.75])).data
    np.testing.assert_allclose(lp, math.log(1.0), atol=1e-12)


def test_values_at_0_and_1_are_clamped_strictly_inside_as_torch():
    """sigmoid rounds to 0 or 1 for large |x|: RelaxedBernoulli and SigmoidTransform clamp into [tiny, 1 − eps],
    so that samples stay inside (0, 1) and log_prob and the inverse stay finite at the ends."""
    tiny, one = np.finfo(np.float64).tiny, 1 - np.finfo(np.float64).eps
    cold = D.RelaxedBernoulli(f64([0.001, 0.001]), logits=f64([-800.0, 800.0]))
    np.testing.assert_array_equal(np.sort(cold.rsample((50,)).data, axis=None)[[0, -1]], [tiny, one])
    ends = f64([0.0, 1.0])
    d = D.RelaxedBernoulli(f64([0.5, 0.7]), logits=f64([-1.0, 2.0]))
    assert np.all(np.isfinite(d.log_prob(ends).data))
    sigmoid = D.transforms.SigmoidTransform()
    np.testing.assert_array_equal(sigmoid(f64([-800.0, 800.0])).data, [tiny, one])
    assert np.all(np.isfinite(sigmoid.inv(ends).data))
    torch = pytest.importorskip("torch")
    tends = torch.tensor([0.0, 1.0], dtype=torch.float64)
    td = torch.distributions.RelaxedBernoulli(torch.tensor([0.5, 0.7], dtype=torch.float64),
                                              logits=torch.tensor([-1.0, 2.0], dtype=torch.float64))
    np.testing.assert_allclose(d.log_prob(ends).data, td.log_prob(tends).numpy(), rtol=1e-10)
    tsig = torch.distributions.transforms.SigmoidTransform()
    np.testing.assert_array_equal(sigmoid(f64([-800.0, 800.0])).data,
                                  tsig(torch.tensor([-800.0, 800.0], dtype=torch.float64)).numpy())
    np.testing.assert_allclose(sigmoid.inv(ends).data, tsig.inv(tends).numpy())
