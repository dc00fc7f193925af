"""MultivariateNormal and its matrix primitives (cholesky, solve_triangular): against torch in float64, finite
differences (first and second order), forward mode, sampling statistics and validation."""

import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import distributions as D
from autograd_core.distributions.linalg import cholesky, solve_triangular

RNG = np.random.default_rng(0)
LOC = RNG.standard_normal((2, 3))
_B = RNG.standard_normal((2, 3, 3))
COV = _B @ _B.swapaxes(-1, -2) + np.eye(3)
TRIL = np.linalg.cholesky(COV)
X = RNG.standard_normal((4, 2, 3))
KINDS = ["covariance_matrix", "precision_matrix", "scale_tril"]


def f64(x, requires_grad=False):
    return ag.tensor(np.asarray(x, dtype=np.float64), dtype=ag.float64, requires_grad=requires_grad)


def _matrix(kind):
    return TRIL if kind == "scale_tril" else COV


def _spd(b):
    """A symmetric positive-definite matrix from any square b: b bᵀ + I (so finite differences stay inside)."""
    return b @ b.swapaxes(-1, -2) + f64(np.eye(b.shape[-1]))


@pytest.mark.parametrize("kind", KINDS)
def test_matches_torch_with_gradients(kind):
    torch = pytest.importorskip("torch")
    loc, m = f64(LOC, True), f64(_matrix(kind), True)
    tloc, tm = torch.tensor(LOC, requires_grad=True), torch.tensor(_matrix(kind), requires_grad=True)
    d = D.MultivariateNormal(loc, **{kind: m})
    t = torch.distributions.MultivariateNormal(tloc, **{kind: tm})
    assert d.batch_shape == tuple(t.batch_shape) and d.event_shape == tuple(t.event_shape)
    lp, tlp = d.log_prob(f64(X)), t.log_prob(torch.tensor(X))
    np.testing.assert_allclose(lp.data, tlp.detach().numpy(), rtol=1e-12)
    for attr in ("mean", "mode", "variance", "stddev", "covariance_matrix", "precision_matrix", "scale_tril"):
        np.testing.assert_allclose(getattr(d, attr).data, getattr(t, attr).detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=attr)
    np.testing.assert_allclose(d.entropy().data, t.entropy().detach().numpy(), rtol=1e-12)
    (lp.sum() + d.entropy().sum() + d.precision_matrix.sum()).backward()
    (tlp.sum() + t.entropy().sum() + t.precision_matrix.sum()).backward()
    np.testing.assert_allclose(loc.grad, tloc.grad.numpy(), rtol=1e-10)
    if kind == "scale_tril":  # torch's gradient reaches the upper triangle's zeros too; ours only what is read
        np.testing.assert_allclose(np.tril(m.grad), np.tril(tm.grad.numpy()), rtol=1e-9)
    else:
        np.testing.assert_allclose(m.grad, tm.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_kl_matches_torch_with_gradients():
    torch = pytest.importorskip("torch")
    loc, cov, tril2 = f64(LOC, True), f64(COV, True), f64(TRIL[::-1].copy(), True)
    q_loc = RNG.standard_normal(3)
    ours = D.kl_divergence(D.MultivariateNormal(loc, cov), D.MultivariateNormal(f64(q_loc), scale_tril=tril2))
    tloc, tcov, ttril = (torch.tensor(v, requires_grad=True) for v in (LOC, COV, TRIL[::-1].copy()))
    td = torch.distributions
    theirs = td.kl_divergence(td.MultivariateNormal(tloc, tcov), td.MultivariateNormal(torch.tensor(q_loc),
                                                                                        scale_tril=ttril))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(loc.grad, tloc.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(cov.grad, tcov.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.tril(tril2.grad), np.tril(ttril.grad.numpy()), rtol=1e-9, atol=1e-12)


def test_closed_forms_without_torch():
    d = D.MultivariateNormal(f64([1.0, -1.0]), f64([[4.0, 0.0], [0.0, 2.25]]))
    # independent coordinates: the sum of two Normals' log densities and entropies
    n1, n2 = D.Normal(f64(1.0), f64(2.0)), D.Normal(f64(-1.0), f64(1.5))
    x = f64([[0.3, 0.2], [2.0, -1.5]])
    np.testing.assert_allclose(d.log_prob(x).data, (n1.log_prob(x[:, 0]) + n2.log_prob(x[:, 1])).data, rtol=1e-13)
    np.testing.assert_allclose(d.entropy().data, (n1.entropy() + n2.entropy()).data, rtol=1e-13)
    e = D.MultivariateNormal(f64([0.0, 0.0]), precision_matrix=f64([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_allclose(D.kl_divergence(d, e).data,
                               (D.kl_divergence(n1, D.Normal(0.0, 1.0)) + D.kl_divergence(n2, D.Normal(0.0, 1.0))).data)
    np.testing.assert_allclose(e.log_prob(f64([0.0, 0.0])).data, -math.log(2 * math.pi))
    # the three parametrisations describe the same distribution
    by_cov = D.MultivariateNormal(f64(LOC), f64(COV))
    for other in (D.MultivariateNormal(f64(LOC), precision_matrix=f64(np.linalg.inv(COV))),
                  D.MultivariateNormal(f64(LOC), scale_tril=f64(TRIL))):
        np.testing.assert_allclose(other.log_prob(f64(X)).data, by_cov.log_prob(f64(X)).data, rtol=1e-12)
        np.testing.assert_allclose(other.covariance_matrix.data, COV, rtol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_finite_differences(kind):
    x = f64(X[:, 0])

    def log_prob(loc, b):
        m = _spd(b) if kind != "scale_tril" else b * f64(np.tri(3)) + f64(2 * np.eye(3))
        return D.MultivariateNormal(loc, **{kind: m}).log_prob(x)

    ag.gradcheck(log_prob, [LOC[0], _B[0]])

    def entropy_and_kl(loc, b):
        m = _spd(b) if kind != "scale_tril" else b * f64(np.tri(3)) + f64(2 * np.eye(3))
        p = D.MultivariateNormal(loc, **{kind: m})
        return p.entropy() + D.kl_divergence(p, D.MultivariateNormal(f64(np.zeros(3)), f64(np.eye(3) * 2)))

    ag.gradcheck(entropy_and_kl, [LOC[0], _B[0]])


def test_rsample_loss_gradients_match_finite_differences():
    def loss(loc, b):
        ag.manual_seed(2)
        z = D.MultivariateNormal(loc, _spd(b)).rsample((5,))
        return (z.sin() * z).sum(0)

    ag.gradcheck(loss, [LOC[0], _B[0]])


def test_matrix_primitives_first_and_second_derivatives_and_forward_mode():
    a = np.tril(RNG.standard_normal((3, 3))) + 3 * np.eye(3)
    b = RNG.standard_normal((2, 3, 2))
    for upper in (False, True):
        aa = a.T.copy() if upper else a
        ag.gradcheck(lambda x, y, upper=upper: solve_triangular(x, y, upper=upper), [aa, b])
        ag.gradgradcheck(lambda x, y, upper=upper: solve_triangular(x, y, upper=upper), [aa, b])
    ag.gradcheck(lambda m: cholesky(_spd(m)), [_B])
    ag.gradgradcheck(lambda m: cholesky(_spd(m)), [_B])
    for fn, inputs in [(lambda m: cholesky(_spd(m)), (_B,)), (lambda x, y: solve_triangular(x, y), (a, b))]:
        tangents = tuple(RNG.standard_normal(np.shape(v)) for v in inputs)
        out, jt = ag.jvp(fn, inputs, tangents)
        u = RNG.standard_normal(np.shape(out))
        _, vjp_fn = ag.vjp(fn, *inputs)
        np.testing.assert_allclose(np.sum(u * jt), sum(np.sum(g * t) for g, t in zip(vjp_fn(u), tangents)),
                                   rtol=1e-10)


def test_matrix_primitives_match_torch():
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(cholesky(COV), torch.linalg.cholesky(torch.tensor(COV)).numpy(), rtol=1e-12)
    b = RNG.standard_normal((2, 3, 4))
    np.testing.assert_allclose(solve_triangular(TRIL, b),
                               torch.linalg.solve_triangular(torch.tensor(TRIL), torch.tensor(b), upper=False).numpy(),
                               rtol=1e-10)


@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3)])
def test_shapes_and_expand(sample_shape):
    d = D.MultivariateNormal(ag.zeros(3), ag.eye(3))  # batch () event (3,)
    assert d.sample(sample_shape).shape == sample_shape + (3,) and d.sample().dtype == np.float32
    b = D.MultivariateNormal(ag.zeros(2, 1, 3), scale_tril=ag.eye(3) * ag.ones(4, 1, 1))
    assert b.batch_shape == (2, 4) and b.event_shape == (3,)
    x = b.sample(sample_shape)
    assert x.shape == sample_shape + (2, 4, 3) and b.log_prob(x).shape == sample_shape + (2, 4)
    e = d.expand((6,))
    assert e.batch_shape == (6,) and e.sample(sample_shape).shape == sample_shape + (6, 3)
    assert e.entropy().shape == (6,) and e.covariance_matrix.shape == (6, 3, 3)


def test_sample_mean_and_covariance():
    ag.manual_seed(0)
    cov = COV[0]
    z = D.MultivariateNormal(f64(LOC[0]), f64(cov)).sample((20000,)).data
    se = np.sqrt(np.diag(cov) / 20000)
    assert np.all(np.abs(z.mean(0) - LOC[0]) < 5 * se)
    np.testing.assert_allclose(np.cov(z.T), cov, rtol=0.1, atol=0.1)
    ag.manual_seed(0)
    np.testing.assert_array_equal(D.MultivariateNormal(f64(LOC[0]), f64(cov)).sample((20000,)).data, z)


@pytest.mark.parametrize("kwargs, message", [
    (dict(covariance_matrix=f64([[1.0, 2.0], [2.0, 1.0]])), "Expected parameter covariance_matrix"),
    (dict(precision_matrix=f64([[1.0, 0.5], [0.0, 1.0]])), "Expected parameter precision_matrix"),
    (dict(scale_tril=f64([[1.0, 0.5], [0.0, 1.0]])), "Expected parameter scale_tril"),
    (dict(scale_tril=f64([[-1.0, 0.0], [0.0, 1.0]])), "Expected parameter scale_tril"),
    (dict(), "Exactly one of"),
    (dict(covariance_matrix=f64(np.eye(2)), scale_tril=f64(np.eye(2))), "Exactly one of"),
    (dict(covariance_matrix=f64([1.0, 1.0])), "at least two-dimensional"),
])
def test_bad_parameters_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        D.MultivariateNormal(f64([0.0, 0.0]), **kwargs)


def test_values_of_the_wrong_event_shape_raise_value_error():
    with pytest.raises(ValueError, match="event_shape"):
        D.MultivariateNormal(f64([0.0, 0.0]), f64(np.eye(2))).log_prob(f64([0.0, 0.0, 0.0]))


@pytest.mark.parametrize("make", [lambda **m: D.MultivariateNormal(f64(LOC), **m), lambda **m: D.Wishart(4.5, **m)],
                         ids=["MultivariateNormal", "Wishart"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_three_matrices_before_and_after_expand(make, kind):
    """Whichever is given, covariance_matrix, precision_matrix and scale_tril are Σ, Σ⁻¹ and chol(Σ); expand
    broadcasts the given one (and any computed) to the new batch."""
    given = COV if kind != "scale_tril" else TRIL
    d = make(**{kind: f64(np.linalg.inv(COV) if kind == "precision_matrix" else given)})
    want = {"covariance_matrix": COV, "precision_matrix": np.linalg.inv(COV), "scale_tril": TRIL}
    e = d.expand((5, 2))
    assert e.__dict__[kind].shape == (5, 2, 3, 3)
    for dist, shape in ((d, (2, 3, 3)), (e, (5, 2, 3, 3))):
        for name, value in want.items():
            np.testing.assert_allclose(getattr(dist, name).data, np.broadcast_to(value, shape), rtol=1e-10,
                                       atol=1e-12)
