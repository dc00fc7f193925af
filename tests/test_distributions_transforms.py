"""distributions.transforms, TransformedDistribution and biject_to/transform_to against torch.distributions in
float64 (values, log-determinants, gradients), against finite differences (gradcheck, and the log-determinant
against the log |det| of the numerical Jacobian), and shape/constraint bookkeeping."""

import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import distributions as D
from autograd_core.distributions import constraints
from autograd_core.distributions import transforms as T

RNG = np.random.default_rng(0)
X1 = np.array([[-1.3, 0.2, 2.1], [0.7, -0.4, 1.5]])        # (2, 3): real
POS = np.array([[0.3, 1.2, 2.5], [0.8, 4.0, 0.05]])        # (2, 3): positive


def leaf(x):
    return ag.tensor(np.asarray(x, dtype=np.float64), dtype=ag.float64, requires_grad=True)


def const(x):
    return ag.tensor(np.asarray(x, dtype=np.float64))


def _td(torch):
    return torch.distributions.transforms


def _f64(torch, x):
    return torch.tensor(x, dtype=torch.float64)


# name: (ours(), theirs(torch), x in the domain, whether log_abs_det_jacobian is defined)
CASES = {
    "Exp": (lambda: T.ExpTransform(), lambda torch: _td(torch).ExpTransform(), X1, True),
    "Power": (lambda: T.PowerTransform(2.5), lambda torch: _td(torch).PowerTransform(_f64(torch, 2.5)), POS,
              True),
    "Power(-0.5)": (lambda: T.PowerTransform(-0.5), lambda torch: _td(torch).PowerTransform(_f64(torch, -0.5)),
                    POS, True),
    "Sigmoid": (lambda: T.SigmoidTransform(), lambda torch: _td(torch).SigmoidTransform(), X1, True),
    "Tanh": (lambda: T.TanhTransform(), lambda torch: _td(torch).TanhTransform(), X1, True),
    "Softplus": (lambda: T.SoftplusTransform(), lambda torch: _td(torch).SoftplusTransform(), X1, True),
    "Abs": (lambda: T.AbsTransform(), lambda torch: _td(torch).AbsTransform(), X1, False),
    "Affine": (lambda: T.AffineTransform(1.5, -2.0), lambda torch: _td(torch).AffineTransform(1.5, -2.0), X1, True),
    "Affine(event_dim=1)": (lambda: T.AffineTransform(const([0.0, 1.0, 2.0]), const([0.5, -2.0, 3.0]), event_dim=1),
                            lambda torch: _td(torch).AffineTransform(_f64(torch, [0.0, 1.0, 2.0]),
                                                                     _f64(torch, [0.5, -2.0, 3.0]),
                                                                     event_dim=1), X1, True),
    "Compose": (lambda: T.ComposeTransform([T.AffineTransform(0.5, 2.0), T.ExpTransform(), T.PowerTransform(0.5)]),
                lambda torch: _td(torch).ComposeTransform([
                    _td(torch).AffineTransform(0.5, 2.0), _td(torch).ExpTransform(),
                    _td(torch).PowerTransform(_f64(torch, 0.5))]), X1, True),
    "Compose(event_dims)": (lambda: T.ComposeTransform([T.ExpTransform(), T.StickBreakingTransform()]),
                            lambda torch: _td(torch).ComposeTransform([_td(torch).ExpTransform(),
                                                                       _td(torch).StickBreakingTransform()]), X1, True),
    "identity": (lambda: T.identity_transform, lambda torch: _td(torch).identity_transform, X1, True),
    "Independent": (lambda: T.IndependentTransform(T.SigmoidTransform(), 1),
                    lambda torch: _td(torch).IndependentTransform(_td(torch).SigmoidTransform(), 1), X1, True),
    "Reshape": (lambda: T.ReshapeTransform((3,), (3, 1)), lambda torch: _td(torch).ReshapeTransform((3,), (3, 1)),
                X1, True),
    "Softmax": (lambda: T.SoftmaxTransform(), lambda torch: _td(torch).SoftmaxTransform(), X1, False),
    "StickBreaking": (lambda: T.StickBreakingTransform(), lambda torch: _td(torch).StickBreakingTransform(), X1, True),
    "LowerCholesky": (lambda: T.LowerCholeskyTransform(), lambda torch: _td(torch).LowerCholeskyTransform(),
                      X1[:, :2].reshape(1, 2, 2) + np.eye(2) * 0.3, False),
    "PositiveDefinite": (lambda: T.PositiveDefiniteTransform(), lambda torch: _td(torch).PositiveDefiniteTransform(),
                         X1[:, :2].reshape(1, 2, 2), False),
    "Cat": (lambda: T.CatTransform([T.ExpTransform(), T.SigmoidTransform()], dim=1, lengths=[1, 2]),
            lambda torch: _td(torch).CatTransform([_td(torch).ExpTransform(), _td(torch).SigmoidTransform()], dim=1,
                                                  lengths=[1, 2]), X1, True),
    "Cat(event)": (lambda: T.CatTransform([T.IndependentTransform(T.SigmoidTransform(), 1), T.ExpTransform()], dim=0),
                   lambda torch: _td(torch).CatTransform([
                       _td(torch).IndependentTransform(_td(torch).SigmoidTransform(), 1), _td(torch).ExpTransform()],
                       dim=0), X1, True),
    "Stack": (lambda: T.StackTransform([T.ExpTransform(), T.identity_transform, T.TanhTransform()], dim=1),
              lambda torch: _td(torch).StackTransform([_td(torch).ExpTransform(), _td(torch).identity_transform,
                                                       _td(torch).TanhTransform()], dim=1), X1, True),
    "CorrCholesky": (lambda: T.CorrCholeskyTransform(), lambda torch: _td(torch).CorrCholeskyTransform(),
                     np.array([[0.3, -1.2, 2.0, 0.5, -0.1, 0.7], [0.1, 0.2, 0.3, -2.0, 1.0, 0.0]]), True),
    "inverse(Sigmoid)": (lambda: T.SigmoidTransform().inv, lambda torch: _td(torch).SigmoidTransform().inv,
                         np.array([[0.1, 0.5, 0.97], [0.3, 0.6, 0.02]]), True),
}


@pytest.mark.parametrize("name", CASES)
def test_transform_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs, x, has_ladj = CASES[name]
    t, tt = ours(), theirs(torch)
    xo, xt = leaf(x), torch.tensor(x, requires_grad=True)
    y, yt = t(xo), tt(xt)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(t.inv(y).data, tt.inv(yt).detach().numpy(), rtol=1e-10, atol=1e-12)
    assert t.forward_shape(x.shape) == tuple(tt.forward_shape(x.shape)) == y.shape
    assert t.inverse_shape(y.shape) == tuple(tt.inverse_shape(yt.shape))
    assert t.bijective == tt.bijective
    assert (t.domain.event_dim, t.codomain.event_dim) == (tt.domain.event_dim, tt.codomain.event_dim)
    loss, loss_t = (y * y.sin()).sum(), (yt * yt.sin()).sum()
    if has_ladj:
        ladj, ladj_t = t.log_abs_det_jacobian(xo, y), tt.log_abs_det_jacobian(xt, yt)
        assert ladj.shape == tuple(ladj_t.shape)
        np.testing.assert_allclose(ladj.data, ladj_t.detach().numpy(), rtol=1e-12, atol=1e-12)
        loss, loss_t = loss + ladj.sum(), loss_t + ladj_t.sum()
    loss.backward()
    loss_t.backward()
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    try:
        sign_t = tt.sign
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            t.sign  # noqa: B018
    else:
        np.testing.assert_array_equal(np.asarray(getattr(t.sign, "data", t.sign)), np.asarray(sign_t))


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n][3]])
def test_transform_gradients_match_finite_differences(name):
    ours, _, x, _ = CASES[name]
    t = ours()
    ag.gradcheck(lambda v: t(v), [x])
    ag.gradcheck(lambda v: t.log_abs_det_jacobian(v, t(v)), [x])
    ag.gradcheck(lambda v: t.inv(t(v)), [x])


@pytest.mark.parametrize("name", ["Exp", "Power(-0.5)", "Sigmoid", "Tanh", "Softplus", "Affine", "Compose",
                                  "Affine(event_dim=1)", "Independent", "inverse(Sigmoid)"])
def test_log_abs_det_jacobian_is_log_det_of_the_jacobian(name):
    """One event of x: log |det dy/dx| from the engine's Jacobian equals the transform's closed form."""
    ours, _, x, _ = CASES[name]
    t = ours()
    row = x[0]
    jac = ag.jacobian(lambda v: t(v))(row)
    jac = np.asarray(getattr(jac, "data", jac))
    ladj = t.log_abs_det_jacobian(const(row), t(const(row))).data
    want = np.log(np.abs(np.diag(jac))) if t.domain.event_dim == 0 else np.linalg.slogdet(jac)[1]
    np.testing.assert_allclose(ladj, want, rtol=1e-12)


def test_stick_breaking_log_det_is_that_of_the_first_k_coordinates():
    t = T.StickBreakingTransform()
    x = X1[0]
    jac = ag.jacobian(lambda v: t(v))(x)
    jac = np.asarray(getattr(jac, "data", jac))  # (K + 1, K): the last coordinate is implied
    y = t(const(x))
    np.testing.assert_allclose(y.data.sum(), 1.0, rtol=1e-14)
    np.testing.assert_allclose(t.log_abs_det_jacobian(const(x), y).data, np.linalg.slogdet(jac[:-1])[1], rtol=1e-12)


def test_corr_cholesky_log_det_is_that_of_the_strictly_lower_triangle():
    t = T.CorrCholeskyTransform()
    x = np.array([0.3, -1.2, 2.0, 0.5, -0.1, 0.7])
    rows, cols = np.tril_indices(4, -1)
    jac = ag.jacobian(lambda v: t(v)[..., rows, cols])(x)
    jac = np.asarray(getattr(jac, "data", jac))
    y = t(const(x))
    np.testing.assert_allclose(t.log_abs_det_jacobian(const(x), y).data, np.linalg.slogdet(jac)[1], rtol=1e-12)
    corr = y.data @ y.data.T
    np.testing.assert_allclose(np.diag(corr), 1.0, rtol=1e-14)
    assert np.all(constraints.corr_cholesky.check(y).data)
    with pytest.raises(ValueError, match="not a flattened lower-diagonal number"):
        t.forward_shape((5,))


def test_cache_returns_the_same_value_and_inverse_is_cached_too():
    t = T.ExpTransform(cache_size=1)
    x = leaf([0.5, 1.0])
    y = t(x)
    assert t.inv(y) is x and t(x) is y
    assert T.ExpTransform().inv(T.ExpTransform()(x)) is not x
    assert t.inv.inv is t and T.ExpTransform().with_cache(1)._cache_size == 1
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        T.ExpTransform(cache_size=2)
    c = T.ComposeTransform([T.AffineTransform(1.0, 2.0), T.ExpTransform()], cache_size=1)
    assert all(p._cache_size == 1 for p in c.parts) and c.inv(c(x)) is x


def test_equality_and_repr():
    assert T.ExpTransform() == T.ExpTransform() and T.ExpTransform() != T.SigmoidTransform()
    assert T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0) != T.AffineTransform(1.0, 3.0)
    assert T.ExpTransform().inv == T.ExpTransform().inv
    assert T.ComposeTransform([T.ExpTransform()]) == T.ComposeTransform([T.ExpTransform()])
    assert repr(T.ExpTransform()) == "ExpTransform()"
    assert "_InverseTransform(ExpTransform())" == repr(T.ExpTransform().inv)


def test_shape_errors():
    with pytest.raises(ValueError, match="different numbers of elements"):
        T.ReshapeTransform((2, 3), (5,))
    with pytest.raises(ValueError, match="Shape mismatch"):
        T.ReshapeTransform((2, 3), (6,)).forward_shape((4, 3, 2))
    with pytest.raises(ValueError, match="Too few dimensions"):
        T.StickBreakingTransform().forward_shape(())
    with pytest.raises(ValueError, match="must match"):
        T.CatTransform([T.ExpTransform()], lengths=[1, 2])
    with pytest.raises(ValueError, match="must equal"):
        T.CatTransform([T.ExpTransform(), T.ExpTransform()], dim=0, lengths=[1, 1])(const(np.ones(3)))
    with pytest.raises(ValueError, match="Please use either"):
        T.ReshapeTransform((3,), (3, 1)).event_dim  # noqa: B018 (domain and codomain event_dims differ)
    # an inverse transform's constraints swap
    assert T.ExpTransform().inv.domain is constraints.positive and T.ExpTransform().inv.codomain is constraints.real


# ----------------------------------------------------------------------------------------------------
# TransformedDistribution.

LOC, SCALE = [0.3, -1.2, 2.0], [0.5, 1.5, 2.5]


def _normal_through(torch_or_none, transforms):
    return transforms


TD_CASES = {
    # name: (ours(loc, scale), theirs(torch, loc, scale), values)
    "Normal>Affine>Exp": (
        lambda a, b: D.TransformedDistribution(D.Normal(a, b), [T.AffineTransform(1.0, 2.0), T.ExpTransform()]),
        lambda torch, a, b: torch.distributions.TransformedDistribution(
            torch.distributions.Normal(a, b), [_td(torch).AffineTransform(1.0, 2.0), _td(torch).ExpTransform()]),
        [0.5, 2.0, 30.0]),
    "Normal>decreasing Affine": (
        lambda a, b: D.TransformedDistribution(D.Normal(a, b), T.AffineTransform(-1.0, -3.0)),
        lambda torch, a, b: torch.distributions.TransformedDistribution(torch.distributions.Normal(a, b),
                                                                        _td(torch).AffineTransform(-1.0, -3.0)),
        [0.5, 2.0, -3.0]),
    "Normal>Tanh": (
        lambda a, b: D.TransformedDistribution(D.Normal(a, b), [T.TanhTransform()]),
        lambda torch, a, b: torch.distributions.TransformedDistribution(torch.distributions.Normal(a, b),
                                                                        [_td(torch).TanhTransform()]),
        [0.5, -0.9, 0.99]),
    "Normal>StickBreaking": (
        lambda a, b: D.TransformedDistribution(D.Normal(a, b), T.StickBreakingTransform()),
        lambda torch, a, b: torch.distributions.TransformedDistribution(torch.distributions.Normal(a, b),
                                                                        _td(torch).StickBreakingTransform()),
        [0.1, 0.2, 0.3, 0.4]),
    "Normal>Independent(Sigmoid)": (
        lambda a, b: D.TransformedDistribution(D.Normal(a, b), T.IndependentTransform(T.SigmoidTransform(), 1)),
        lambda torch, a, b: torch.distributions.TransformedDistribution(
            torch.distributions.Normal(a, b), _td(torch).IndependentTransform(_td(torch).SigmoidTransform(), 1)),
        [[0.1, 0.5, 0.9], [0.3, 0.3, 0.3]]),
}
MONOTONE = ["Normal>Affine>Exp", "Normal>decreasing Affine", "Normal>Tanh"]


@pytest.mark.parametrize("name", TD_CASES)
def test_transformed_distribution_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs, values = TD_CASES[name]
    a, b = leaf(LOC), leaf(SCALE)
    ta, tb = _f64(torch, LOC).requires_grad_(), _f64(torch, SCALE).requires_grad_()
    d, t = ours(a, b), theirs(torch, ta, tb)
    assert d.batch_shape == tuple(t.batch_shape) and d.event_shape == tuple(t.event_shape)
    assert d.support.event_dim == t.support.event_dim and d.has_rsample == t.has_rsample
    v = np.asarray(values, dtype=np.float64)
    lp, tlp = d.log_prob(const(v)), t.log_prob(torch.tensor(v))
    np.testing.assert_allclose(lp.data, tlp.detach().numpy(), rtol=1e-12, atol=1e-12)
    loss, loss_t = lp.sum(), tlp.sum()
    if name in MONOTONE:
        c, tc = d.cdf(const(v)), t.cdf(torch.tensor(v))
        np.testing.assert_allclose(c.data, tc.detach().numpy(), rtol=1e-12, atol=1e-14)
        q = np.array([0.1, 0.5, 0.8])
        ic, tic = d.icdf(const(q)), t.icdf(torch.tensor(q))
        np.testing.assert_allclose(ic.data, tic.detach().numpy(), rtol=1e-10)
        loss, loss_t = loss + c.sum() + ic.sum(), loss_t + tc.sum() + tic.sum()
    loss.backward()
    loss_t.backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", TD_CASES)
def test_transformed_distribution_gradients_match_finite_differences(name):
    ours, _, values = TD_CASES[name]
    v = const(values)
    ag.gradcheck(lambda a, b: ours(a, b).log_prob(v), [np.array(LOC), np.array(SCALE)])

    def loss(a, b):
        ag.manual_seed(1)  # the same noise at every evaluation
        return ours(a, b).rsample((3,)).sin().sum(0)

    ag.gradcheck(loss, [np.array(LOC), np.array(SCALE)])
    if name in MONOTONE:
        ag.gradcheck(lambda a, b: ours(a, b).cdf(v), [np.array(LOC), np.array(SCALE)])


def test_transformed_distribution_samples_shapes_expand_and_support():
    ag.manual_seed(0)
    d = D.TransformedDistribution(D.Normal(const(LOC), const(SCALE)), T.StickBreakingTransform())
    assert d.batch_shape == () and d.event_shape == (4,)
    s = d.sample((5,))
    assert s.shape == (5, 4) and not s.requires_grad
    np.testing.assert_allclose(s.data.sum(-1), 1.0, rtol=1e-12)
    assert isinstance(d.base_dist, D.Independent)
    e = D.TransformedDistribution(D.Normal(const(LOC), const(SCALE)), T.ExpTransform()).expand((2, 3))
    assert e.batch_shape == (2, 3) and e.sample().shape == (2, 3) and e.base_dist.batch_shape == (2, 3)
    assert D.TransformedDistribution(D.Normal(0.0, 1.0), []).support is constraints.real
    with pytest.raises(ValueError, match="transforms must be a Transform"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), [T.ExpTransform(), "exp"])
    with pytest.raises(ValueError, match="needs to have shape with size at least 1"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), T.StickBreakingTransform())
    with pytest.raises(ValueError, match="to be within the support"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), T.ExpTransform()).log_prob(const(-1.0))


def test_transformed_distribution_sample_moments():
    ag.manual_seed(0)
    n = 20000
    d = D.TransformedDistribution(D.Normal(const([0.0, 1.0]), const([0.25, 0.5])), [T.ExpTransform()])
    x = d.sample((n,)).data
    mean = np.exp(np.array([0.0, 1.0]) + np.array([0.25, 0.5]) ** 2 / 2)
    var = np.expm1(np.array([0.25, 0.5]) ** 2) * mean ** 2
    assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(var / n))


def test_lognormal_is_a_transformed_distribution_of_normal():
    d = D.LogNormal(const(LOC), const(SCALE))
    assert isinstance(d, D.TransformedDistribution) and isinstance(d.base_dist, D.Normal)
    assert d.transforms == [T.ExpTransform()]
    v = const([0.5, 2.0, 30.0])
    np.testing.assert_allclose(d.log_prob(v).data, D.Normal(const(LOC), const(SCALE)).log_prob(v.log()).data
                               - np.log(v.data), rtol=1e-14)
    assert isinstance(d.expand((2, 3)), D.LogNormal) and d.expand((2, 3)).batch_shape == (2, 3)


# ----------------------------------------------------------------------------------------------------
# biject_to / transform_to.

CONSTRAINTS = {
    "real": lambda c: c.real, "positive": lambda c: c.positive, "nonnegative": lambda c: c.nonnegative,
    "greater_than": lambda c: c.greater_than(2.0), "greater_than_eq": lambda c: c.greater_than_eq(-1.0),
    "less_than": lambda c: c.less_than(3.0), "unit_interval": lambda c: c.unit_interval,
    "interval": lambda c: c.interval(-2.0, 5.0), "half_open_interval": lambda c: c.half_open_interval(0.0, 2.0),
    "simplex": lambda c: c.simplex, "real_vector": lambda c: c.real_vector,
    "independent(positive)": lambda c: c.independent(c.positive, 1),
    "lower_cholesky": lambda c: c.lower_cholesky, "corr_cholesky": lambda c: c.corr_cholesky,
    "positive_definite": lambda c: c.positive_definite,
    "cat": lambda c: c.cat([c.positive, c.interval(0.0, 1.0)], 0, [1, 2]),
    "stack": lambda c: c.stack([c.real, c.positive, c.unit_interval], 0),
}
MATRIX = {"lower_cholesky", "positive_definite"}
VECTOR6 = {"corr_cholesky"}


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("name", CONSTRAINTS)
def test_constraint_registry_matches_torch(registry, name):
    torch = pytest.importorskip("torch")
    c = CONSTRAINTS[name](constraints)
    try:
        tt = getattr(torch.distributions, registry)(CONSTRAINTS[name](torch.distributions.constraints))
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            getattr(D, registry)(c)
        return
    t = getattr(D, registry)(c)
    assert type(t).__name__ == type(tt).__name__
    x = np.array([[0.3, -1.2, 2.0], [0.1, 0.4, -0.7], [1.1, -0.2, 0.5]])
    if name in VECTOR6:
        x = x.reshape(-1)[:6]
    elif name not in MATRIX:
        x = x[0]
    y, yt = t(const(x)), tt(torch.tensor(x))
    np.testing.assert_allclose(y.data, yt.numpy(), rtol=1e-12, atol=1e-15)
    assert np.all(c.check(y).data)


def test_constraint_registry_errors_and_registration():
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean"):
        D.biject_to(constraints.boolean)
    with pytest.raises(TypeError, match="Constraint subclass or instance"):
        D.biject_to.register(int, lambda c: T.ExpTransform())
    registry = type(D.biject_to)()
    registry.register(constraints.positive, lambda c: T.SoftplusTransform())
    assert isinstance(registry(constraints.positive), T.SoftplusTransform)


def test_optimising_an_unconstrained_parameter_through_biject_to():
    """The standard use: fit a positive scale by gradient descent on an unconstrained value."""
    raw = leaf([0.0])
    data = const([1.9, 2.2, 1.7, 2.4])
    to_positive = D.biject_to(constraints.positive)
    for _ in range(150):
        scale = to_positive(raw)
        loss = -D.Normal(const(2.0), scale).log_prob(data).sum()
        raw.grad = None
        loss.backward()
        with ag.no_grad():
            raw -= 0.05 * raw.grad
    want = math.sqrt(float(((data.data - 2.0) ** 2).mean()))
    assert abs(float(to_positive(raw).data[0]) - want) < 1e-3


@pytest.mark.parametrize("join", [lambda ts, c: T.CatTransform(ts, dim=0, cache_size=c),
                                  lambda ts, c: T.StackTransform(ts, dim=0, cache_size=c)], ids=["Cat", "Stack"])
def test_cat_and_stack_check_their_parts_and_pass_on_their_cache(join):
    with pytest.raises(TypeError, match="must be Transform instances"):
        join([T.ExpTransform(), "exp"], 0)
    parts = [T.ExpTransform(), T.AffineTransform(1.0, 2.0)]
    assert all(t._cache_size == 0 for t in join(parts, 0).transforms)
    cached = join(parts, 1)
    assert all(t._cache_size == 1 for t in cached.transforms) and all(p._cache_size == 0 for p in parts)
    x = ag.tensor(np.array([0.5, -1.0]), dtype=ag.float64)
    assert cached.inv(cached(x)) is x
