"""The second set of distributions (Exponential, Laplace, LogNormal, Gamma, Beta, Dirichlet, Poisson, Binomial,
OneHotCategorical) against torch.distributions in float64, finite differences and sampling statistics. The checks
are test_distributions.py's."""

import math

import numpy as np
import pytest
from test_distributions import (
    check_against_torch, check_gradients_numerically, check_kl_against_torch, check_kl_gradients_numerically, const,
)

import autograd_core as ag
from autograd_core import distributions as D

A, B = [0.5, 2.0, 7.0], [1.5, 0.3, 2.0]
CONC = [[0.5, 2.0, 3.0], [1.2, 1.0, 0.7]]
SIMPLEX = [[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]
OH_PROBS = [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]


def _t(name):
    return lambda torch, *ps: getattr(torch.distributions, name)(*ps)


CASES = {
    "Exponential": ((A,), D.Exponential, _t("Exponential"), [0.0, 0.4, 3.0]),
    "Laplace": ((A, B), D.Laplace, _t("Laplace"), [0.1, -3.0, 7.5]),
    "LogNormal": ((A, B), D.LogNormal, _t("LogNormal"), [0.1, 3.0, 100.0]),
    "Gamma": ((A, B), D.Gamma, _t("Gamma"), [0.3, 4.0, 2.5]),
    "Beta": ((A, B), D.Beta, _t("Beta"), [0.3, 0.9, 0.6]),
    "Dirichlet": ((CONC,), D.Dirichlet, _t("Dirichlet"), SIMPLEX),
    "Poisson": ((A,), D.Poisson, _t("Poisson"), [0.0, 3.0, 5.0]),
    "Binomial(probs)": (([0.2, 0.5, 0.9],), lambda p: D.Binomial(5, probs=p),
                        lambda torch, p: torch.distributions.Binomial(5, probs=p), [0.0, 3.0, 5.0]),
    "Binomial(logits)": (([-1.0, 0.0, 2.0],), lambda g: D.Binomial(4, logits=g),
                         lambda torch, g: torch.distributions.Binomial(4, logits=g), [1.0, 2.0, 4.0]),
    "OneHotCategorical": ((OH_PROBS,), lambda p: D.OneHotCategorical(probs=p),
                          lambda torch, p: torch.distributions.OneHotCategorical(probs=p),
                          [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),
}
NO_ENTROPY = {"Poisson"}
# Gradients through digamma meet torch's trigamma, which is accurate to ~1e-9 (ours matches π²/6 to 1e-13).
TRIGAMMA = {"Gamma", "Beta", "Dirichlet"}


@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name):
    check_against_torch(CASES[name], grad_rtol=1e-8 if name in TRIGAMMA else 1e-10)


@pytest.mark.parametrize("name", CASES)
def test_gradients_match_finite_differences(name):
    check_gradients_numerically(CASES[name], entropy=name not in NO_ENTROPY)


KL_CASES = {
    "Exponential": ((A,), (B,), D.Exponential, "Exponential"),
    "Laplace": ((A, B), (B, A), D.Laplace, "Laplace"),
    "LogNormal": ((A, B), (B, A), D.LogNormal, "LogNormal"),
    "Gamma": ((A, B), (B, A), D.Gamma, "Gamma"),
    "Beta": ((A, B), (B, A), D.Beta, "Beta"),
    "Dirichlet": ((CONC,), (SIMPLEX,), D.Dirichlet, "Dirichlet"),
    "Poisson": ((A,), (B,), D.Poisson, "Poisson"),
    "Binomial": (([0.2, 0.5, 0.9],), ([0.4, 0.3, 0.5],), lambda p: D.Binomial(3, probs=p), "Binomial"),
    "OneHotCategorical": ((OH_PROBS,), (SIMPLEX,), lambda p: D.OneHotCategorical(probs=p), "OneHotCategorical"),
}


def _torch_dist(torch, kind, params):
    if kind == "Binomial":
        return torch.distributions.Binomial(3, probs=params[0])
    if kind == "OneHotCategorical":
        return torch.distributions.OneHotCategorical(probs=params[0])
    return getattr(torch.distributions, kind)(*params)


@pytest.mark.parametrize("name", KL_CASES)
def test_kl_matches_torch(name):
    check_kl_against_torch(KL_CASES[name], _torch_dist, grad_rtol=1e-8 if name in TRIGAMMA else 1e-10)


@pytest.mark.parametrize("name", KL_CASES)
def test_kl_gradients_match_finite_differences(name):
    check_kl_gradients_numerically(KL_CASES[name])


def test_cdf_icdf_match_torch():
    torch = pytest.importorskip("torch")
    td = torch.distributions
    x, q = [0.1, 3.0, 7.5], [0.05, 0.5, 0.99]
    f64 = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    for ours, theirs in [(D.Exponential(const(A)), td.Exponential(f64(A))),
                         (D.Laplace(const(A), const(B)), td.Laplace(f64(A), f64(B))),
                         (D.LogNormal(const(A), const(B)), td.LogNormal(f64(A), f64(B)))]:
        np.testing.assert_allclose(ours.cdf(const(x)).data, theirs.cdf(f64(x)).numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.icdf(const(q)).data, theirs.icdf(f64(q)).numpy(), rtol=1e-12)


def test_closed_forms_without_torch():
    np.testing.assert_allclose(D.Exponential(const(2.0)).log_prob(const(1.0)).data, math.log(2) - 2)
    np.testing.assert_allclose(D.Laplace(0.0, 1.0).log_prob(const([0.0, -2.0])).data, [-math.log(2), -math.log(2) - 2])
    np.testing.assert_allclose(D.Gamma(const(3.0), const(2.0)).log_prob(const(1.5)).data,
                               math.log(2 ** 3 * 1.5 ** 2 * math.exp(-3) / 2))
    np.testing.assert_allclose(D.Gamma(const(1.0), const(2.0)).entropy().data, 1 - math.log(2))  # Exponential(2)
    np.testing.assert_allclose(D.Beta(const(2.0), const(3.0)).log_prob(const(0.4)).data,
                               math.log(12 * 0.4 * 0.6 ** 2))
    np.testing.assert_allclose(D.Beta(const(1.0), const(1.0)).entropy().data, 0.0, atol=1e-15)  # Uniform(0, 1)
    np.testing.assert_allclose(D.Dirichlet(const([1.0, 1.0, 1.0])).log_prob(const([0.2, 0.3, 0.5])).data,
                               math.log(2))
    np.testing.assert_allclose(D.Poisson(const(2.0)).log_prob(const(3.0)).data, math.log(8 * math.exp(-2) / 6))
    np.testing.assert_allclose(D.Binomial(4, probs=const(0.5)).log_prob(const(2.0)).data, math.log(6 / 16))
    np.testing.assert_allclose(D.Binomial(2, probs=const(0.5)).entropy().data, 1.5 * math.log(2))
    np.testing.assert_allclose(D.LogNormal(const(0.0), const(1.0)).log_prob(const(1.0)).data,
                               -0.5 * math.log(2 * math.pi))
    np.testing.assert_allclose(D.kl_divergence(D.Exponential(const(1.0)), D.Exponential(const(2.0))).data,
                               1 - math.log(2))
    euler_gamma = 0.5772156649015329
    np.testing.assert_allclose(D.Gamma(const(2.0), const(1.0)).entropy().data, 1 + euler_gamma)
    # KL(Gamma(2, 1) ‖ Exponential(1)) = E[log x] under Gamma(2, 1) = ψ(2) = 1 − γ
    np.testing.assert_allclose(D.kl_divergence(D.Gamma(const(2.0), const(1.0)), D.Gamma(const(1.0), const(1.0))).data,
                               1 - euler_gamma)
    np.testing.assert_allclose(D.LogNormal(const(0.0), const(1.0)).log_prob(const(math.e)).data,
                               -0.5 * math.log(2 * math.pi) - 1.5)


def test_boundary_values_of_log_prob():
    # x = 0 with concentration 1 (x^0 = 1) and k = 0 with rate 0: finite, with finite gradients
    c = ag.tensor([1.0], dtype=ag.float64, requires_grad=True)
    lp = D.Gamma(c, const([2.0])).log_prob(const([0.0]))
    np.testing.assert_allclose(lp.data, [math.log(2)])
    lp.sum().backward()
    assert np.all(np.isfinite(c.grad))
    np.testing.assert_allclose(D.Poisson(const([0.0])).log_prob(const([0.0])).data, [0.0])


SHAPES = {
    "Exponential": (lambda: D.Exponential(ag.ones(3, 2)), (3, 2), (), np.float32),
    "Laplace": (lambda: D.Laplace(ag.zeros(3, 2), 1.0), (3, 2), (), np.float32),
    "LogNormal": (lambda: D.LogNormal(ag.zeros(3, 2), 1.0), (3, 2), (), np.float32),
    "Gamma": (lambda: D.Gamma(ag.ones(3, 2), 2.0), (3, 2), (), np.float32),
    "Beta": (lambda: D.Beta(ag.ones(3, 2), 2.0), (3, 2), (), np.float32),
    "Dirichlet": (lambda: D.Dirichlet(ag.ones(3, 4)), (3,), (4,), np.float32),
    "Poisson": (lambda: D.Poisson(ag.ones(3, 2)), (3, 2), (), np.float32),
    "Binomial": (lambda: D.Binomial(5, probs=ag.ones(3, 2) * 0.5), (3, 2), (), np.float32),
    "OneHotCategorical": (lambda: D.OneHotCategorical(logits=ag.zeros(3, 4)), (3,), (4,), np.float32),
}


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("sample_shape", [(), (2, 5)])
def test_sample_and_expand_shapes(name, sample_shape):
    make, batch, event, dtype = SHAPES[name]
    d = make()
    assert d.batch_shape == batch and d.event_shape == event
    x = d.sample(sample_shape)
    assert x.shape == sample_shape + batch + event and x.dtype == dtype and not x.requires_grad
    assert d.log_prob(x).shape == sample_shape + batch
    e = d.expand((4,) + batch)
    assert e.batch_shape == (4,) + batch and e.sample(sample_shape).shape == sample_shape + (4,) + batch + event


N = 20000


@pytest.mark.parametrize("name, dist", [
    ("Exponential", lambda: D.Exponential(const([0.5, 3.0]))),
    ("Laplace", lambda: D.Laplace(const([1.0, -2.0]), const([0.5, 2.0]))),
    ("LogNormal", lambda: D.LogNormal(const([0.0, 0.5]), const([0.25, 0.5]))),
    ("Gamma", lambda: D.Gamma(const([0.5, 4.0]), const([2.0, 1.0]))),
    ("Beta", lambda: D.Beta(const([0.5, 4.0]), const([2.0, 1.0]))),
    ("Dirichlet", lambda: D.Dirichlet(const([0.5, 4.0, 2.0]))),
    ("Poisson", lambda: D.Poisson(const([0.5, 7.0]))),
    ("Binomial", lambda: D.Binomial(const([3.0, 10.0]), probs=const([0.3, 0.8]))),
    ("OneHotCategorical", lambda: D.OneHotCategorical(probs=const([0.2, 0.5, 0.3]))),
])
def test_sample_moments(name, dist):
    ag.manual_seed(1)
    d = dist()
    x = d.sample((N,)).data
    mean, var = np.asarray(d.mean.data), np.asarray(d.variance.data)
    assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(var / N)), (x.mean(0), mean)
    assert np.all(np.abs(x.var(0) - var) < 0.1 * var), (x.var(0), var)


def test_rsample_where_reparameterizable_and_not_elsewhere():
    rate = ag.tensor([2.0], dtype=ag.float64, requires_grad=True)
    for d in (D.Exponential(rate), D.Laplace(rate, rate), D.LogNormal(rate, rate), D.Gamma(rate, rate),
              D.Beta(rate, rate), D.Dirichlet(rate.unsqueeze(0) * ag.ones(3, dtype=ag.float64))):
        assert d.has_rsample and d.rsample((3,)).requires_grad
    for d in (D.Poisson(rate),):
        assert not d.has_rsample
        with pytest.raises(NotImplementedError):
            d.rsample()

    def loss(r):
        ag.manual_seed(5)
        return (D.Exponential(r).rsample((3,)) ** 2).sum(0) + D.Laplace(r, r).rsample((3,)).sum(0)

    ag.gradcheck(loss, [np.array([0.7, 2.0])])


def test_manual_seed_repeats_samples():
    def draw():
        ag.manual_seed(7)
        return [d.sample((3,)).data for d in (D.Gamma(const([0.5]), 1.0), D.Beta(const([2.0]), 1.0),
                                              D.Dirichlet(const([1.0, 2.0])), D.Poisson(const([3.0])),
                                              D.Binomial(4, probs=const([0.5])), D.Laplace(0.0, 1.0))]

    for a, b in zip(draw(), draw()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", [
    lambda: D.Exponential(-1.0), lambda: D.Laplace(0.0, 0.0), lambda: D.Gamma(0.0, 1.0), lambda: D.Gamma(1.0, -1.0),
    lambda: D.Beta(-1.0, 1.0), lambda: D.Dirichlet(const([1.0, -1.0])), lambda: D.Poisson(-0.5),
    lambda: D.Binomial(-1, probs=0.5), lambda: D.Binomial(2.5, probs=0.5), lambda: D.Binomial(3, probs=1.5),
    lambda: D.OneHotCategorical(probs=const([0.5, -0.1])), lambda: D.LogNormal(0.0, -1.0),
])
def test_bad_parameters_raise_value_error(make):
    with pytest.raises(ValueError, match="Expected parameter"):
        make()


@pytest.mark.parametrize("dist, value", [
    (lambda: D.Exponential(1.0), -1.0), (lambda: D.Gamma(1.0, 1.0), -0.5), (lambda: D.Beta(1.0, 1.0), 1.5),
    (lambda: D.Dirichlet(const([1.0, 1.0])), [0.5, 0.6]), (lambda: D.Poisson(1.0), 1.5),
    (lambda: D.Binomial(3, probs=0.5), 4.0), (lambda: D.OneHotCategorical(logits=ag.zeros(3)), [1.0, 1.0, 0.0]),
    (lambda: D.LogNormal(0.0, 1.0), 0.0),
])
def test_out_of_support_values_raise_value_error(dist, value):
    with pytest.raises(ValueError, match="to be within the support"):
        dist().log_prob(const(value, np.float32))


BINARY_PARAMETER = {  # name: (make from probs= or logits= and its leaf, values in the support, the other parameters)
    "Bernoulli": (lambda **p: D.Bernoulli(**p), [0.0, 1.0, 1.0], ()),
    "Geometric": (lambda **p: D.Geometric(**p), [0.0, 2.0, 5.0], ()),
    "Binomial": (lambda **p: D.Binomial(ag.tensor([4.0, 5.0, 6.0], dtype=ag.float64), **p), [0.0, 3.0, 6.0],
                 ("total_count",)),
    "NegativeBinomial": (lambda **p: D.NegativeBinomial(ag.tensor([1.5, 2.0, 3.0], dtype=ag.float64), **p),
                         [0.0, 3.0, 6.0], ("total_count",)),
    "RelaxedBernoulli": (lambda **p: D.RelaxedBernoulli(ag.tensor([0.5, 1.0, 2.0], dtype=ag.float64), **p),
                         [0.2, 0.5, 0.9], ("temperature",)),
    "ContinuousBernoulli": (lambda **p: D.ContinuousBernoulli(**p), [0.2, 0.5, 0.9], ()),
}


@pytest.mark.parametrize("given", ["probs", "logits"])
@pytest.mark.parametrize("name", BINARY_PARAMETER)
def test_expand_of_a_probs_or_logits_distribution_broadcasts_its_parameters(name, given):
    make, values, others = BINARY_PARAMETER[name]
    leaf = ag.tensor([0.2, 0.4, 0.7] if given == "probs" else [-1.0, 0.5, 2.0], dtype=ag.float64,
                     requires_grad=True)
    d = make(**{given: leaf})
    e = d.expand((2, 3))
    assert e.batch_shape == (2, 3) and type(e) is type(d)
    assert e.__dict__[given].shape == (2, 3) and e._param is e.__dict__[given]
    assert all(getattr(e, other).shape == (2, 3) for other in others)
    value = ag.tensor(values, dtype=ag.float64)
    np.testing.assert_allclose(e.log_prob(value).data, np.broadcast_to(d.log_prob(value).data, (2, 3)))
    (grad_d,) = ag.autograd.grad(d.log_prob(value).sum(), [leaf], retain_graph=True)  # e shares d's clamp of probs
    (grad_e,) = ag.autograd.grad(e.log_prob(value).sum(), [leaf])
    np.testing.assert_allclose(np.asarray(grad_e.data), 2 * np.asarray(grad_d.data))
