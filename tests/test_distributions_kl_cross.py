"""KL divergences between different families (every pair PyTorch registers): against torch.distributions in
float64, finite differences of the finite ones, and the registry against PyTorch's list of pairs."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import distributions as D

A, B = [0.5, 2.0, 7.0], [1.5, 0.3, 2.0]
LOC = [0.3, -1.2, 2.0]
PROBS = [0.2, 0.45, 0.9]

# family: (parameters, ours(*ps), torch's name and keyword names)
FAMILIES = {
    "Normal": ((LOC, B), D.Normal),
    "Laplace": ((LOC, B), D.Laplace),
    "Gumbel": ((LOC, B), D.Gumbel),
    "Exponential": ((A,), D.Exponential),
    "Gamma": ((A, B), D.Gamma),
    "Beta": ((A, B), D.Beta),
    "ContinuousBernoulli": ((PROBS,), lambda p: D.ContinuousBernoulli(probs=p)),
    "Pareto": (([0.05, 0.1, 0.02], [2.5, 3.0, 1.5]), D.Pareto),
    "Uniform": (([0.1, 0.2, 0.0], [0.5, 0.9, 1.0]), D.Uniform),
    "Poisson": ((A,), D.Poisson),
    "Bernoulli": ((PROBS,), lambda p: D.Bernoulli(probs=p)),
    "Binomial": ((PROBS,), lambda p: D.Binomial(3, probs=p)),
}


def _torch_dist(torch, name, params):
    td = torch.distributions
    if name in ("ContinuousBernoulli", "Bernoulli"):
        return getattr(td, name)(probs=params[0])
    if name == "Binomial":
        return td.Binomial(3, probs=params[0])
    return getattr(td, name)(*params)


CROSS = [(p, q) for p in FAMILIES for q in FAMILIES if p != q]


def _registered_in_torch():
    torch = pytest.importorskip("torch")
    return {(p.__name__, q.__name__) for p, q in torch.distributions.kl._KL_REGISTRY}


def test_every_pair_pytorch_registers_is_registered():
    ours = {(p.__name__, q.__name__) for p, q in D.kl._KL_REGISTRY}
    assert _registered_in_torch() <= ours


@pytest.mark.parametrize("pair", CROSS, ids=[f"{p}-{q}" for p, q in CROSS])
def test_cross_kl_matches_torch(pair):
    torch = pytest.importorskip("torch")
    p_name, q_name = pair
    (pp, make_p), (qp, make_q) = FAMILIES[p_name], FAMILIES[q_name]
    p_t = _torch_dist(torch, p_name, [torch.tensor(x, dtype=torch.float64) for x in pp])
    q_t = _torch_dist(torch, q_name, [torch.tensor(x, dtype=torch.float64) for x in qp])
    try:
        want = torch.distributions.kl_divergence(p_t, q_t).numpy()
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            D.kl_divergence(make_p(*[ag.tensor(x, dtype=ag.float64) for x in pp]),
                            make_q(*[ag.tensor(x, dtype=ag.float64) for x in qp]))
        return
    got = D.kl_divergence(make_p(*[ag.tensor(x, dtype=ag.float64) for x in pp]),
                          make_q(*[ag.tensor(x, dtype=ag.float64) for x in qp]))
    assert got.shape == want.shape
    np.testing.assert_allclose(got.data, want, rtol=1e-10)


FINITE = [("Bernoulli", "Poisson"), ("Beta", "ContinuousBernoulli"), ("Beta", "Exponential"), ("Beta", "Gamma"),
          ("Beta", "Normal"), ("Beta", "Uniform"), ("ContinuousBernoulli", "Exponential"),
          ("ContinuousBernoulli", "Normal"), ("Exponential", "Gamma"), ("Exponential", "Gumbel"),
          ("Exponential", "Normal"), ("Gamma", "Exponential"), ("Gamma", "Gumbel"), ("Gamma", "Normal"),
          ("Gumbel", "Normal"), ("Laplace", "Normal"), ("Normal", "Gumbel"), ("Normal", "Laplace"),
          ("Pareto", "Exponential"), ("Pareto", "Gamma"), ("Pareto", "Normal"), ("Uniform", "Beta"),
          ("Uniform", "ContinuousBernoulli"), ("Uniform", "Exponential"), ("Uniform", "Gamma"), ("Uniform", "Gumbel"),
          ("Uniform", "Normal"), ("Uniform", "Pareto")]
# parameters where the divergence is finite: p's support inside q's, Pareto's moments finite
P_PARAMS = {"Uniform": ([0.1, 0.2, 0.05], [0.5, 0.9, 0.95]), "Beta": ([2.5, 2.0, 7.0], [1.5, 3.0, 2.0]),
            "Pareto": ([0.05, 0.1, 0.02], [2.5, 3.0, 4.5])}
Q_PARAMS = {"Uniform": ([-0.1, -0.2, -1.0], [1.1, 1.5, 2.0])}


@pytest.mark.parametrize("pair", FINITE, ids=[f"{p}-{q}" for p, q in FINITE])
def test_cross_kl_gradients_match_finite_differences(pair):
    p_name, q_name = pair
    (pp, make_p), (qp, make_q) = FAMILIES[p_name], FAMILIES[q_name]
    pp, qp = P_PARAMS.get(p_name, pp), Q_PARAMS.get(q_name, qp)
    n = len(pp)
    kl = D.kl_divergence(make_p(*[ag.tensor(x, dtype=ag.float64) for x in pp]),
                         make_q(*[ag.tensor(x, dtype=ag.float64) for x in qp]))
    assert np.all(np.isfinite(kl.data)) and np.all(kl.data > -1e-12)   # a divergence is >= 0
    ag.gradcheck(lambda *ps: D.kl_divergence(make_p(*ps[:n]), make_q(*ps[n:])),
                 [np.asarray(x, dtype=np.float64) for x in pp + qp], rtol=1e-4)


def test_cross_kl_matches_a_monte_carlo_estimate():
    """KL(Gamma ‖ Normal) = E_p[log p − log q], estimated from p's samples."""
    ag.manual_seed(0)
    p, q = D.Gamma(ag.tensor([3.0], dtype=ag.float64), 2.0), D.Normal(ag.tensor([1.0], dtype=ag.float64), 1.5)
    x = p.sample((40000,))
    estimate = (p.log_prob(x) - q.log_prob(x)).data.mean(0)
    np.testing.assert_allclose(D.kl_divergence(p, q).data, estimate, atol=0.01)
