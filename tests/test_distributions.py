"""autograd_core.distributions against torch.distributions in float64 (values and gradients), against finite
differences (gradcheck, without torch), and by sampling statistics with a fixed seed."""

import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import distributions as D
from autograd_core.distributions import special


def leaf(x):
    return ag.tensor(np.asarray(x, dtype=np.float64), dtype=ag.float64, requires_grad=True)


def const(x, dtype=np.float64):
    return ag.tensor(np.asarray(x, dtype=dtype))


def torch_leaf(torch, x):
    return torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)


# ----------------------------------------------------------------------------------------------------
# Cases: (name, parameters, ours(*params), torch's(torch, *params), values to score).

LOC, SCALE = [0.3, -1.2, 2.0], [0.5, 1.5, 2.5]
PROBS = [0.2, 0.5, 0.9]
LOGITS = [-1.5, 0.0, 2.5]
CAT_PROBS = [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]
CAT_LOGITS = [[1.0, -0.5, 0.2, 2.0], [0.0, 0.3, -1.0, 0.5]]
LOW, HIGH = [-1.0, 0.5, 2.0], [1.0, 3.0, 2.5]

CASES = {
    "Normal": ((LOC, SCALE), D.Normal, lambda torch, a, b: torch.distributions.Normal(a, b),
               [0.1, -3.0, 4.0]),
    "Bernoulli(probs)": ((PROBS,), lambda p: D.Bernoulli(probs=p),
                         lambda torch, p: torch.distributions.Bernoulli(probs=p), [0.0, 1.0, 1.0]),
    "Bernoulli(logits)": ((LOGITS,), lambda g: D.Bernoulli(logits=g),
                          lambda torch, g: torch.distributions.Bernoulli(logits=g), [1.0, 0.0, 1.0]),
    "Categorical(probs)": ((CAT_PROBS,), lambda p: D.Categorical(probs=p),
                           lambda torch, p: torch.distributions.Categorical(probs=p), [[2, 0], [1, 1]]),
    "Categorical(logits)": ((CAT_LOGITS,), lambda g: D.Categorical(logits=g),
                            lambda torch, g: torch.distributions.Categorical(logits=g), [3, 1]),
    "Uniform": ((LOW, HIGH), D.Uniform, lambda torch, a, b: torch.distributions.Uniform(a, b), [0.0, 2.9, 2.1]),
    "Independent(Normal)": ((LOC, SCALE), lambda a, b: D.Independent(D.Normal(a, b), 1),
                            lambda torch, a, b: torch.distributions.Independent(torch.distributions.Normal(a, b), 1),
                            [[0.1, -3.0, 4.0], [0.0, 0.0, 1.0]]),
}
DISCRETE = {"Categorical(probs)", "Categorical(logits)"}


def _value(discrete, v, torch=None):
    dtype = np.int64 if discrete else np.float64
    return torch.tensor(np.asarray(v, dtype=dtype)) if torch else const(v, dtype)


def _attributes(dist):
    """The numbers a distribution offers (mean, variance, ... where defined)."""
    out = {}
    for attr in ("mean", "variance", "stddev", "mode", "entropy"):
        try:
            v = getattr(dist, attr)
            out[attr] = v() if callable(v) else v
        except NotImplementedError:
            pass
    return out


@pytest.mark.parametrize("name", CASES)
def test_log_prob_entropy_moments_match_torch(name):
    check_against_torch(CASES[name], discrete=name in DISCRETE)


def check_against_torch(case, discrete=False, grad_rtol=1e-10):
    """log_prob, mean, variance, stddev, mode, entropy and the gradients of log_prob + entropy, in float64."""
    torch = pytest.importorskip("torch")
    params, ours, theirs, values = case
    p_ours = [leaf(p) for p in params]
    p_torch = [torch_leaf(torch, p) for p in params]
    d, t = ours(*p_ours), theirs(torch, *p_torch)
    assert d.batch_shape == tuple(t.batch_shape) and d.event_shape == tuple(t.event_shape)
    lp, tlp = d.log_prob(_value(discrete, values)), t.log_prob(_value(discrete, values, torch))
    np.testing.assert_allclose(lp.data, tlp.detach().numpy(), rtol=1e-12, atol=1e-12)
    for attr, v in _attributes(d).items():
        want = getattr(t, attr)
        want = (want() if callable(want) else want).detach().numpy()
        np.testing.assert_allclose(np.asarray(v.data, dtype=float), want, rtol=1e-12, atol=1e-12, err_msg=attr)
    # gradients of log_prob + entropy w.r.t. every parameter
    has_entropy = "entropy" in _attributes(d)
    (lp.sum() + (d.entropy().sum() if has_entropy else 0)).backward()
    (tlp.sum() + (t.entropy().sum() if has_entropy else 0)).backward()
    for a, b in zip(p_ours, p_torch):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=grad_rtol, atol=1e-12)


def test_normal_cdf_icdf_match_torch():
    torch = pytest.importorskip("torch")
    loc, scale = leaf(LOC), leaf(SCALE)
    tl, ts = torch_leaf(torch, LOC), torch_leaf(torch, SCALE)
    x, q = [0.1, -3.0, 4.0], [0.05, 0.5, 0.999]
    ours = D.Normal(loc, scale).cdf(const(x)).sum() + D.Normal(loc, scale).icdf(const(q)).sum()
    theirs = torch.distributions.Normal(tl, ts).cdf(torch.tensor(x, dtype=torch.float64)).sum() + \
        torch.distributions.Normal(tl, ts).icdf(torch.tensor(q, dtype=torch.float64)).sum()
    np.testing.assert_allclose(float(ours.data), theirs.item(), rtol=1e-12)
    ours.backward(), theirs.backward()
    np.testing.assert_allclose(loc.grad, tl.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(scale.grad, ts.grad.numpy(), rtol=1e-10)


def test_uniform_cdf_icdf_match_torch():
    torch = pytest.importorskip("torch")
    x, q = [0.0, 2.9, 2.1], [0.1, 0.5, 0.99]
    d = D.Uniform(leaf(LOW), leaf(HIGH))
    t = torch.distributions.Uniform(torch_leaf(torch, LOW), torch_leaf(torch, HIGH))
    np.testing.assert_allclose(d.cdf(const(x)).data, t.cdf(torch.tensor(x, dtype=torch.float64)).detach().numpy())
    np.testing.assert_allclose(d.icdf(const(q)).data, t.icdf(torch.tensor(q, dtype=torch.float64)).detach().numpy())


def test_closed_forms_without_torch():
    half_log_2pi = 0.5 * math.log(2 * math.pi)
    n = D.Normal(const([0.0, 1.0]), const([1.0, 2.0]))
    np.testing.assert_allclose(n.log_prob(const([0.0, 3.0])).data, [-half_log_2pi, -0.5 - math.log(2) - half_log_2pi])
    np.testing.assert_allclose(n.entropy().data, [0.5 + half_log_2pi, 0.5 + half_log_2pi + math.log(2)])
    np.testing.assert_allclose(n.cdf(const([0.0, 1.0])).data, [0.5, 0.5])
    np.testing.assert_allclose(n.icdf(const([0.975, 0.5])).data, [1.959963984540054, 1.0], rtol=1e-12)
    b = D.Bernoulli(probs=const([0.25]))
    np.testing.assert_allclose(b.log_prob(const([1.0, 0.0])).data, [math.log(0.25), math.log(0.75)])
    np.testing.assert_allclose(b.entropy().data, [-(0.25 * math.log(0.25) + 0.75 * math.log(0.75))])
    c = D.Categorical(probs=const([1.0, 3.0]))  # normalised to [0.25, 0.75]
    np.testing.assert_allclose(c.log_prob(const([0, 1], np.int64)).data, [math.log(0.25), math.log(0.75)])
    # a category of probability 0 (logits -inf) adds 0·log 0 = 0 to the entropy, not nan
    np.testing.assert_allclose(D.Categorical(logits=const([0.0, -np.inf])).entropy().data, 0.0)
    u = D.Uniform(const([0.0]), const([4.0]))
    np.testing.assert_allclose(u.log_prob(const([1.0])).data, [-math.log(4)])
    np.testing.assert_allclose(u.entropy().data, [math.log(4)])
    np.testing.assert_allclose(D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 1.0)).data, 0.5)


# ----------------------------------------------------------------------------------------------------
# KL divergences.

KL_CASES = {
    "Normal": ((LOC, SCALE), ([1.0, 0.0, -1.0], [1.0, 0.7, 3.0]), D.Normal, "Normal"),
    "Bernoulli": ((PROBS,), ([0.5, 0.1, 0.7],), lambda p: D.Bernoulli(probs=p), "Bernoulli"),
    "Categorical": ((CAT_PROBS,), ([[0.1, 0.1, 0.8], [0.3, 0.3, 0.4]],), lambda p: D.Categorical(probs=p),
                    "Categorical"),
    "Uniform": (([-0.5, 0.5], [0.5, 1.0]), ([-1.0, 0.0], [1.0, 1.5]), D.Uniform, "Uniform"),
    "Independent(Normal)": ((LOC, SCALE), ([1.0, 0.0, -1.0], [1.0, 0.7, 3.0]),
                            lambda a, b: D.Independent(D.Normal(a, b), 1), None),
}


def _torch_dist(torch, kind, params):
    if kind is None:
        return torch.distributions.Independent(torch.distributions.Normal(*params), 1)
    if kind in ("Bernoulli", "Categorical"):
        return getattr(torch.distributions, kind)(probs=params[0])
    return getattr(torch.distributions, kind)(*params)


@pytest.mark.parametrize("name", KL_CASES)
def test_kl_divergence_matches_torch(name):
    check_kl_against_torch(KL_CASES[name], _torch_dist)


def check_kl_against_torch(case, torch_dist, grad_rtol=1e-10):
    """KL(p ‖ q) and its gradients w.r.t. both distributions' parameters, in float64."""
    torch = pytest.importorskip("torch")
    pp, qp, make, kind = case
    ours_p, ours_q = [leaf(x) for x in pp], [leaf(x) for x in qp]
    th_p, th_q = [torch_leaf(torch, x) for x in pp], [torch_leaf(torch, x) for x in qp]
    kl = D.kl_divergence(make(*ours_p), make(*ours_q))
    tkl = torch.distributions.kl_divergence(torch_dist(torch, kind, th_p), torch_dist(torch, kind, th_q))
    np.testing.assert_allclose(kl.data, tkl.detach().numpy(), rtol=1e-12, atol=1e-14)
    kl.sum().backward()
    tkl.sum().backward()
    for a, b in zip(ours_p + ours_q, th_p + th_q):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=grad_rtol, atol=1e-12)


def test_kl_infinite_and_zero_cases_match_torch():
    torch = pytest.importorskip("torch")
    td = torch.distributions
    kl = D.kl_divergence(D.Uniform(const([-2.0, 0.0]), const([1.0, 1.0])), D.Uniform(const([-1.0, -1.0]), 2.0))
    f64 = torch.float64
    tkl = td.kl_divergence(td.Uniform(torch.tensor([-2.0, 0.0], dtype=f64), torch.tensor([1.0, 1.0], dtype=f64)),
                           td.Uniform(torch.tensor([-1.0, -1.0], dtype=f64), 2.0))
    np.testing.assert_allclose(kl.data, tkl.numpy(), rtol=1e-15)
    p, q = [[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]], [[0.2, 0.8, 0.0], [0.5, 0.5, 0.0]]
    kl = D.kl_divergence(D.Categorical(probs=const(p)), D.Categorical(probs=const(q)))
    tkl = td.kl_divergence(td.Categorical(probs=torch.tensor(p, dtype=torch.float64)),
                           td.Categorical(probs=torch.tensor(q, dtype=torch.float64)))
    np.testing.assert_array_equal(kl.data, tkl.numpy())
    kl = D.kl_divergence(D.Bernoulli(probs=const([0.0, 1.0, 0.3])), D.Bernoulli(probs=const([0.4, 0.4, 0.4])))
    tkl = td.kl_divergence(td.Bernoulli(probs=torch.tensor([0.0, 1.0, 0.3], dtype=torch.float64)),
                           td.Bernoulli(probs=torch.tensor([0.4, 0.4, 0.4], dtype=torch.float64)))
    np.testing.assert_allclose(kl.data, tkl.numpy(), rtol=1e-12)
    # certain coins, given by infinite logits: their 0·log 0 terms count as 0
    inf = [-np.inf, np.inf]
    kl = D.kl_divergence(D.Bernoulli(logits=const(inf)), D.Bernoulli(probs=const([0.4, 0.4])))
    tkl = td.kl_divergence(td.Bernoulli(logits=torch.tensor(inf, dtype=torch.float64)),
                           td.Bernoulli(probs=torch.tensor([0.4, 0.4], dtype=torch.float64)))
    np.testing.assert_allclose(kl.data, tkl.numpy(), rtol=1e-12)
    np.testing.assert_allclose(kl.data, [-math.log(0.6), -math.log(0.4)], rtol=1e-12)


def test_kl_without_a_registered_pair_raises():
    with pytest.raises(NotImplementedError, match="Uniform.*Laplace"):   # PyTorch has no closed form either
        D.kl_divergence(D.Uniform(0.0, 1.0), D.Laplace(0.0, 1.0))


def test_register_kl_picks_the_most_specific_pair():
    class MyNormal(D.Normal):
        pass

    assert float(D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 1.0)).data) == pytest.approx(0.5)

    @D.register_kl(MyNormal, D.Normal)
    def _mine(p, q):
        return ag.tensor(42.0)

    try:
        assert float(D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 1.0)).data) == 42.0
        assert float(D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 1.0)).data) == pytest.approx(0.5)
    finally:
        from autograd_core.distributions import kl
        del kl._KL_REGISTRY[MyNormal, D.Normal]
        kl._KL_MEMOIZE.clear()


# ----------------------------------------------------------------------------------------------------
# Finite differences (no torch needed).


@pytest.mark.parametrize("name", CASES)
def test_log_prob_and_entropy_gradients_match_finite_differences(name):
    check_gradients_numerically(CASES[name], discrete=name in DISCRETE)


def check_gradients_numerically(case, discrete=False, entropy=True):
    params, ours, _, values = case
    value = _value(discrete, values)
    ag.gradcheck(lambda *ps: ours(*ps).log_prob(value), [np.asarray(p, dtype=np.float64) for p in params])
    if entropy:
        ag.gradcheck(lambda *ps: ours(*ps).entropy(), [np.asarray(p, dtype=np.float64) for p in params])


@pytest.mark.parametrize("name", KL_CASES)
def test_kl_gradients_match_finite_differences(name):
    check_kl_gradients_numerically(KL_CASES[name])


def check_kl_gradients_numerically(case):
    pp, qp, make, _ = case
    n = len(pp)
    ag.gradcheck(lambda *ps: D.kl_divergence(make(*ps[:n]), make(*ps[n:])),
                 [np.asarray(x, dtype=np.float64) for x in pp + qp])


def test_normal_cdf_icdf_gradients_match_finite_differences():
    x, q = const([0.1, -3.0, 4.0]), const([0.05, 0.5, 0.999])
    ag.gradcheck(lambda a, b: D.Normal(a, b).cdf(x), [np.array(LOC), np.array(SCALE)])
    ag.gradcheck(lambda a, b, p: D.Normal(a, b).icdf(p), [np.array(LOC), np.array(SCALE), q.data], rtol=1e-4)


@pytest.mark.parametrize("name", ["Normal", "Uniform"])
def test_rsample_loss_gradients_match_finite_differences(name):
    params, ours, _, _ = CASES[name]

    def loss(*ps):
        ag.manual_seed(3)  # the same noise at every evaluation: the loss is a smooth function of the parameters
        z = ours(*ps).rsample((4,))
        return (z * z).sum(0) + z.sin().sum(0)

    ag.gradcheck(loss, [np.asarray(p, dtype=np.float64) for p in params])


def test_rsample_gradient_matches_torch_given_the_same_noise():
    torch = pytest.importorskip("torch")
    ag.manual_seed(0)
    loc, scale = leaf(LOC), leaf(SCALE)
    z = D.Normal(loc, scale).rsample((5,))
    eps = (z.data - np.asarray(LOC)) / np.asarray(SCALE)  # the noise the sample was made of
    (z ** 3).sum().backward()
    tl, ts = torch_leaf(torch, LOC), torch_leaf(torch, SCALE)
    (((tl + torch.tensor(eps) * ts)) ** 3).sum().backward()
    np.testing.assert_allclose(loc.grad, tl.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(scale.grad, ts.grad.numpy(), rtol=1e-10)


def test_special_functions_match_closed_forms_and_finite_differences():
    x = np.array([0.2, 1.0, 3.5, 12.0])
    np.testing.assert_allclose(special.lgamma(x), [math.lgamma(v) for v in x], rtol=1e-14)
    np.testing.assert_allclose(special.digamma(np.array([1.0, 0.5])), [-0.5772156649015329, -1.9635100260214235],
                               rtol=1e-13)
    np.testing.assert_allclose(special.polygamma(np.array([1.0]), n=1), [math.pi ** 2 / 6], rtol=1e-13)
    np.testing.assert_allclose(special.erf(special.erfinv(np.array([-0.99, 0.0, 0.3]))), [-0.99, 0.0, 0.3], atol=1e-15)
    np.testing.assert_allclose(special.softplus(np.array([-800.0, 0.0, 800.0])), [0.0, math.log(2), 800.0])
    for fn in (special.lgamma, special.digamma, special.erf, special.softplus, lambda v: special.polygamma(v, n=2)):
        ag.gradcheck(fn, [x])
        ag.gradgradcheck(fn, [x])
    ag.gradcheck(special.erfinv, [np.array([-0.9, 0.1, 0.6])])


def test_special_functions_match_torch():
    torch = pytest.importorskip("torch")
    x = np.array([0.01, 0.2, 1.0, 3.5, 12.0, 150.0])
    tx = torch.tensor(x)
    np.testing.assert_allclose(special.lgamma(x), torch.lgamma(tx).numpy(), rtol=1e-13)
    for n in range(4):
        np.testing.assert_allclose(special.polygamma(x, n=n), torch.polygamma(n, tx).numpy(), rtol=1e-8)  # torch: ~1e-9
    y = np.linspace(-0.999, 0.999, 21)
    np.testing.assert_allclose(special.erfinv(y), torch.erfinv(torch.tensor(y)).numpy(), rtol=1e-12, atol=1e-15)


def test_log_prob_has_forward_mode_and_compiles():
    value = const([0.1, -3.0, 4.0])

    def f(loc, scale):
        return D.Normal(loc, scale).log_prob(value).sum()

    loc, scale = np.array(LOC), np.array(SCALE)
    out, tangent = ag.jvp(f, (loc, scale), (np.ones(3), np.zeros(3)))
    grads = ag.grad(f, argnums=(0, 1))(loc, scale)
    np.testing.assert_allclose(tangent, np.sum(grads[0]), rtol=1e-12)
    compiled = ag.compile(f)
    for _ in range(2):
        np.testing.assert_allclose(compiled(leaf(LOC), leaf(SCALE)).data, out, rtol=1e-12)


# ----------------------------------------------------------------------------------------------------
# Shapes, dtypes, sampling.

SHAPE_CASES = {
    "Normal": (lambda: D.Normal(ag.zeros(3, 2), 1.0), (3, 2), ()),
    "Bernoulli": (lambda: D.Bernoulli(logits=ag.zeros(3, 2)), (3, 2), ()),
    "Categorical": (lambda: D.Categorical(logits=ag.zeros(3, 2, 5)), (3, 2), ()),
    "Uniform": (lambda: D.Uniform(ag.zeros(3, 1), ag.ones(2)), (3, 2), ()),
    "Independent": (lambda: D.Independent(D.Normal(ag.zeros(3, 2), 1.0), 1), (3,), (2,)),
}


@pytest.mark.parametrize("name", SHAPE_CASES)
@pytest.mark.parametrize("sample_shape", [(), (4,), (2, 3)])
def test_sample_shape_is_sample_batch_event(name, sample_shape):
    make, batch, event = SHAPE_CASES[name]
    d = make()
    assert d.batch_shape == batch and d.event_shape == event
    x = d.sample(sample_shape)
    assert x.shape == sample_shape + batch + event
    assert d.log_prob(x).shape == sample_shape + batch
    assert not x.requires_grad
    assert x.dtype == (np.int64 if name == "Categorical" else np.float32)


@pytest.mark.parametrize("name", SHAPE_CASES)
def test_expand_broadcasts_the_batch(name):
    make, batch, event = SHAPE_CASES[name]
    d = make().expand((4,) + batch)
    assert d.batch_shape == (4,) + batch and d.event_shape == event
    assert d.sample((2,)).shape == (2, 4) + batch + event
    assert d.entropy().shape == (4,) + batch


def test_rsample_carries_gradients_and_sample_does_not():
    loc = leaf([0.0, 1.0])
    d = D.Normal(loc, 2.0)
    assert d.rsample().requires_grad and not d.sample().requires_grad
    with pytest.raises(NotImplementedError):
        D.Bernoulli(probs=0.3).rsample()


def test_parameters_keep_their_dtype_and_numbers_take_the_default():
    assert D.Normal(0.0, 1.0).sample().dtype == np.float32
    assert D.Normal(ag.zeros(2, dtype=ag.float64), 1.0).scale.dtype == np.float64
    assert D.Normal(0.0, 1.0).batch_shape == ()


def test_manual_seed_repeats_samples():
    def draw():
        ag.manual_seed(123)
        return [D.Normal(ag.zeros(3), 1.0).sample((2,)).data, D.Bernoulli(probs=0.4).sample((5,)).data,
                D.Categorical(logits=ag.zeros(4)).sample((6,)).data, D.Uniform(-1.0, 1.0).rsample((3,)).data]

    first, second = draw(), draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    ag.manual_seed(124)
    assert not np.array_equal(D.Normal(ag.zeros(3), 1.0).sample((2,)).data, first[0])


N = 20000


@pytest.mark.parametrize("dist, mean, var", [
    (lambda: D.Normal(const([1.0, -2.0]), const([0.5, 3.0])), [1.0, -2.0], [0.25, 9.0]),
    (lambda: D.Bernoulli(probs=const([0.1, 0.7])), [0.1, 0.7], [0.09, 0.21]),
    (lambda: D.Uniform(const([0.0, -3.0]), const([1.0, 1.0])), [0.5, -1.0], [1 / 12, 16 / 12]),
    (lambda: D.Independent(D.Normal(const([1.0, -2.0]), const([0.5, 3.0])), 1), [1.0, -2.0], [0.25, 9.0]),
])
def test_sample_moments(dist, mean, var):
    ag.manual_seed(0)
    d = dist()
    x = d.sample((N,)).data
    np.testing.assert_allclose(d.mean.data, mean) and np.testing.assert_allclose(d.variance.data, var)
    # 5 standard errors of the mean and of the variance
    se = np.sqrt(np.asarray(var) / N)
    assert np.all(np.abs(x.mean(0) - mean) < 5 * se + 1e-12)
    assert np.all(np.abs(x.var(0) - var) < 5 * np.asarray(var) * np.sqrt(2 / N) + 0.01 * np.asarray(var))


def test_categorical_sample_frequencies():
    ag.manual_seed(0)
    probs = np.array([[0.1, 0.2, 0.7], [0.5, 0.0, 0.5]])
    x = D.Categorical(probs=const(probs)).sample((N,)).data
    freq = np.stack([(x == k).mean(0) for k in range(3)], -1)
    assert np.all(np.abs(freq - probs) < 5 * np.sqrt(probs * (1 - probs) / N) + 1e-12)
    assert not np.any(x[:, 1] == 1)  # a category of probability 0 is never drawn


def test_enumerate_support_matches_torch():
    torch = pytest.importorskip("torch")
    td = torch.distributions
    for ours, theirs in [(D.Bernoulli(probs=ag.ones(2, 3) * 0.5), td.Bernoulli(torch.ones(2, 3) / 2)),
                         (D.Categorical(logits=ag.zeros(2, 4)), td.Categorical(logits=torch.zeros(2, 4)))]:
        for expand in (True, False):
            np.testing.assert_array_equal(ours.enumerate_support(expand).data,
                                          theirs.enumerate_support(expand).numpy())


# ----------------------------------------------------------------------------------------------------
# validate_args.


@pytest.mark.parametrize("make", [
    lambda: D.Normal(0.0, -1.0), lambda: D.Normal(0.0, 0.0), lambda: D.Normal(float("nan"), 1.0),
    lambda: D.Bernoulli(probs=1.5), lambda: D.Bernoulli(probs=const([-0.1, 0.5])),
    lambda: D.Categorical(probs=const([[0.5, -0.1, 0.6]])), lambda: D.Uniform(1.0, 1.0),
    lambda: D.Uniform(const([0.0, 2.0]), 1.0),
], ids=["scale<0", "scale=0", "loc=nan", "probs>1", "probs<0", "categorical probs<0", "low=high", "low>high"])
def test_bad_parameters_raise_value_error(make):
    with pytest.raises(ValueError, match="Expected parameter|Uniform is not defined"):
        make()


@pytest.mark.parametrize("dist, value", [
    (lambda: D.Bernoulli(probs=0.3), [0.5]), (lambda: D.Bernoulli(probs=0.3), [2.0]),
    (lambda: D.Categorical(logits=ag.zeros(3)), [3]), (lambda: D.Categorical(logits=ag.zeros(3)), [-1]),
    (lambda: D.Uniform(0.0, 1.0), [1.5]), (lambda: D.Normal(0.0, 1.0), [float("nan")]),
], ids=["bernoulli 0.5", "bernoulli 2", "categorical 3", "categorical -1", "uniform 1.5", "normal nan"])
def test_out_of_support_values_raise_value_error(dist, value):
    d = dist()
    dtype = np.int64 if isinstance(d, D.Categorical) else np.float32
    with pytest.raises(ValueError, match="to be within the support"):
        d.log_prob(const(value, dtype))


def test_validation_can_be_turned_off_and_shapes_are_checked():
    D.Normal(0.0, -1.0, validate_args=False)  # no error
    assert float(D.Bernoulli(probs=0.3, validate_args=False).log_prob(const(0.5)).data) == pytest.approx(
        0.5 * math.log(0.3) + 0.5 * math.log(0.7))
    with pytest.raises(ValueError, match="not broadcastable"):
        D.Normal(ag.zeros(3), 1.0).log_prob(ag.zeros(2))
    with pytest.raises(ValueError, match="must be a Tensor"):
        D.Normal(0.0, 1.0).log_prob(0.5)
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Bernoulli(probs=0.3, logits=0.0)
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Categorical()
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(0.0, -1.0)
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)


def test_repr_and_lazy_import():
    assert repr(D.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(D.Bernoulli(logits=ag.zeros(2))) == "Bernoulli(logits: (2,))"
    assert ag.distributions is D


# ----------------------------------------------------------------------------------------------------
# A VAE-style step: a Gaussian encoder's rsample, a Bernoulli decoder's log_prob and the KL to the prior.


def test_vae_step_loss_goes_down():
    from autograd_core import nn, optim

    ag.manual_seed(0)
    x = (ag.rand(16, 6) > 0.5).float()
    enc, dec = nn.Linear(6, 4), nn.Linear(2, 6)
    opt = optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=0.05)
    prior = D.Normal(ag.zeros(2), ag.ones(2))
    losses = []
    for _ in range(15):
        h = enc(x)
        q = D.Normal(h[:, :2], h[:, 2:].exp())
        z = q.rsample()
        recon = D.Independent(D.Bernoulli(logits=dec(z)), 1).log_prob(x)
        loss = (D.kl_divergence(q, prior).sum(-1) - recon).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert losses[-1] < losses[0] - 0.5, losses
