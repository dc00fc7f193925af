"""Forward mode: every primitive's JVP rule against its VJP rules and finite differences, over the op
table (tests/test_ops_table.py) and a table of the nn primitives; the coverage test; jacfwd, jacrev,
jacobian and hessian; forward mode nested with grad and with itself."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from test_ops_backends import OURS
from test_ops_table import CASES

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.nn.conv import _conv2d_weight
from autograd_core.nn.pool import _max_pool2d_gather, _max_pool2d_scatter
from autograd_core.ops import PRIMITIVES


def _rng(label):
    return np.random.default_rng(zlib.crc32(("jvp-" + label).encode()))


def _inner(a, b):
    return float(np.sum(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)))


# ----------------------------------------------------------------------------------------------------
# The nn primitives, each with inputs away from kinks and ties.

NN_CASES = []


def nn_case(prim, label, fn, *inputs):
    NN_CASES.append((prim, label, fn, tuple(np.asarray(x, dtype=np.float64) for x in inputs)))


_r = np.random.default_rng(3)
_GEO = dict(stride=(1, 1), padding=((1, 1), (1, 1)), dilation=(1, 1), groups=1)
nn_case("elu", "elu", lambda x: F.elu(x, alpha=0.7), _r.standard_normal(6))
nn_case("softplus", "softplus", lambda x: F.softplus(x, beta=2.0, threshold=1.0), _r.standard_normal(6))
nn_case("conv2d", "conv2d-bias", lambda x, w, b: F.conv2d(x, w, b, padding=1),
        _r.standard_normal((2, 2, 5, 5)), _r.standard_normal((3, 2, 3, 3)), _r.standard_normal(3))
nn_case("conv2d", "conv2d-stride2-groups2", lambda x, w: F.conv2d(x, w, stride=2, groups=2),
        _r.standard_normal((1, 4, 6, 6)), _r.standard_normal((2, 2, 3, 3)))
nn_case("conv_transpose2d", "conv_transpose2d-bias", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2),
        _r.standard_normal((2, 3, 3, 3)), _r.standard_normal((3, 2, 3, 3)), _r.standard_normal(2))
nn_case("conv2d_weight", "conv2d_weight", lambda x, dy: _conv2d_weight(x, dy, **_GEO, kernel=(3, 3)),
        _r.standard_normal((2, 2, 4, 4)), _r.standard_normal((2, 3, 4, 4)))
_POOL_X = (_r.permutation(2 * 2 * 4 * 4) * 0.1).reshape(2, 2, 4, 4)   # distinct values: no ties
_POOL_GEO = dict(kernel=(2, 2), stride=(2, 2), padding=((0, 0), (0, 0)))
_POOLED = _POOL_X.reshape(2, 2, 2, 2, 2, 2).max(axis=(3, 5))
nn_case("max_pool2d", "max_pool2d", lambda x: F.max_pool2d(x, 2), _POOL_X)
nn_case("max_pool2d_scatter", "max_pool2d_scatter",
        lambda g: _max_pool2d_scatter(g, _POOL_X, _POOLED, **_POOL_GEO), _r.standard_normal((2, 2, 2, 2)))
nn_case("max_pool2d_gather", "max_pool2d_gather",
        lambda h: _max_pool2d_gather(h, _POOL_X, _POOLED, **_POOL_GEO), _r.standard_normal((2, 2, 4, 4)))
nn_case("linear", "linear", lambda x, w, b: F.linear(x, w, b),
        _r.standard_normal((4, 3)), _r.standard_normal((2, 3)), _r.standard_normal(2))
nn_case("linear", "linear-batched", lambda x, w: F.linear(x, w), _r.standard_normal((2, 4, 3)),
        _r.standard_normal((2, 3)))
_LABELS = np.array([0, 2, 1, 2])
for _reduction in ("mean", "sum", "none"):
    nn_case("cross_entropy", f"cross_entropy-{_reduction}",
            lambda z, red=_reduction: F.cross_entropy(z, _LABELS, reduction=red), _r.standard_normal((4, 3)))
nn_case("binary_cross_entropy", "binary_cross_entropy", lambda p, y: F.binary_cross_entropy(p, y),
        _r.uniform(0.2, 0.8, (2, 3)), _r.uniform(0, 1, (2, 3)))
nn_case("bce_with_logits", "bce_with_logits", lambda x, y: F.binary_cross_entropy_with_logits(x, y),
        _r.standard_normal((2, 3)), _r.uniform(0, 1, (2, 3)))
nn_case("normalize", "normalize-layer", lambda x: F.layer_norm(x, (3,)), _r.standard_normal((4, 3)))
nn_case("normalize", "normalize-batch", lambda x: F.batch_norm(x, training=True), _r.standard_normal((5, 3)))
nn_case("sync_normalize", "sync-batch-norm", lambda x: nn.SyncBatchNorm(3)(x), _r.standard_normal((5, 3, 2)))

nn_case("erf", "erf", lambda x: F.erf(x), _r.standard_normal((2, 3)))
_UNPOOL_INDEX = np.array([[[[0, 3], [9, 14]]]])  # positions in a 4×4 output, one per pooled cell
nn_case("max_unpool", "max_unpool2d", lambda x: F.max_unpool2d(x, _UNPOOL_INDEX, 2), _r.standard_normal((1, 1, 2, 2)))

ALL = [(c.prim, c.label, (lambda *xs, c=c: c.fn(OURS, *xs)), c.inputs) for c in CASES] + NN_CASES
ALL_IDS = [label for _, label, _, _ in ALL]


# ----------------------------------------------------------------------------------------------------


def test_every_primitive_has_a_jvp_rule():
    missing = sorted(name for name, p in PRIMITIVES.items() if p.jvps is None)
    assert not missing, f"primitives without a JVP rule (Primitive.defjvp): {missing}"


def test_every_nn_primitive_has_a_forward_mode_case():
    nn_prims = {name for name, p in PRIMITIVES.items() if p.module.startswith("autograd_core.nn.")}
    uncovered = sorted(nn_prims - {prim for prim, _, _, _ in NN_CASES})
    assert not uncovered, f"nn primitives without a case in tests/test_forward.py: {uncovered}"


@pytest.mark.parametrize("prim, label, fn, inputs", ALL, ids=ALL_IDS)
def test_jvp_agrees_with_vjp_and_finite_differences(prim, label, fn, inputs):
    rng = _rng(label)
    tangents = tuple(rng.standard_normal(x.shape) for x in inputs)
    out, jt = ag.jvp(fn, inputs, tangents)
    assert np.shape(jt) == np.shape(out)
    # ⟨u, J t⟩ from forward mode equals ⟨Jᵀu, t⟩ from reverse mode.
    u = rng.standard_normal(np.shape(out))
    _, vjp_fn = ag.vjp(fn, *inputs)
    reverse = sum(_inner(g, t) for g, t in zip(vjp_fn(u), tangents))
    np.testing.assert_allclose(_inner(u, jt), reverse, rtol=1e-9, atol=1e-12)
    # and J t matches central differences along t.
    eps = 1e-6
    plus = ag.Value(fn(*[ag.Value(x + eps * t, requires_grad=False) for x, t in zip(inputs, tangents)])).data
    minus = ag.Value(fn(*[ag.Value(x - eps * t, requires_grad=False) for x, t in zip(inputs, tangents)])).data
    np.testing.assert_allclose(jt, (plus - minus) / (2 * eps), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("prim, label, fn, inputs", ALL, ids=ALL_IDS)
def test_symbolic_jvp_rules_match_numeric(prim, label, fn, inputs):
    """Primals that require a gradient make the rules run on Values (so they compose): same numbers."""
    rng = _rng(label)
    tangents = tuple(rng.standard_normal(x.shape) for x in inputs)
    _, numeric = ag.jvp(fn, inputs, tangents)
    out, symbolic = ag.jvp(fn, tuple(Value(x) for x in inputs), tangents)
    assert isinstance(out, Value) and isinstance(symbolic, Value)
    np.testing.assert_allclose(symbolic.data, numeric, rtol=1e-12, atol=1e-14)


SECOND_ORDER = [c for c in ALL if c[0] not in ("max_pool2d", "max_pool2d_scatter", "max_pool2d_gather")][::3]


@pytest.mark.parametrize("prim, label, fn, inputs", SECOND_ORDER, ids=[c[1] for c in SECOND_ORDER])
def test_reverse_over_forward_equals_forward_over_reverse(prim, label, fn, inputs):
    """grad_x ⟨u, J(x) t⟩ (grad of jvp) equals d/ds Jᵀ(x + s t) u (jvp of vjp): both are uᵀ f''(x)[t, ·]."""
    rng = _rng(label)
    tangents = tuple(rng.standard_normal(x.shape) for x in inputs)
    u = rng.standard_normal(np.shape(ag.jvp(fn, inputs, tangents)[0]))
    nums = tuple(range(len(inputs)))

    def u_jt(*xs):
        return (ag.jvp(fn, xs, tangents)[1] * u).sum()

    rof = ag.grad(u_jt, argnums=nums)(*inputs)

    def jt_u(*xs):
        return ag.vjp(fn, *xs)[1](u)

    _, for_ = ag.jvp(jt_u, inputs, tangents)
    for a, b in zip(rof, for_):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


SMOOTH = [c for c in ALL if c[0] not in ("max_pool2d", "max_pool2d_scatter", "max_pool2d_gather")]


@pytest.mark.parametrize("prim, label, fn, inputs", SMOOTH, ids=[c[1] for c in SMOOTH])
def test_forward_over_forward_equals_reverse_over_forward(prim, label, fn, inputs):
    """d/ds ⟨u, J(x + s t₂) t₁⟩ (jvp of jvp) equals ⟨grad_x ⟨u, J(x) t₁⟩, t₂⟩ (grad of jvp): both uᵀ f''(x)[t₁, t₂].
    Rules that use the output (exp's tangent t·eˣ, tanh's, a quotient's) need the outer trace to know the output's
    own tangent when the inner one multiplies by it."""
    rng = _rng("fof-" + label)
    t1 = tuple(rng.standard_normal(x.shape) for x in inputs)
    t2 = tuple(rng.standard_normal(x.shape) for x in inputs)
    u = rng.standard_normal(np.shape(ag.jvp(fn, inputs, t1)[0]))

    def u_jt(*xs):
        return (ag.jvp(fn, xs, t1)[1] * u).sum()

    _, forward_forward = ag.jvp(u_jt, inputs, t2)
    reverse_forward = ag.grad(u_jt, argnums=tuple(range(len(inputs))))(*inputs)
    expected = sum(_inner(g, t) for g, t in zip(reverse_forward, t2))
    np.testing.assert_allclose(forward_forward, expected, rtol=1e-8, atol=1e-10)


# ----------------------------------------------------------------------------------------------------
# The transforms.

X = np.array([0.3, -1.2, 0.8])


def f_vec(x):
    return ag.concatenate([ag.tanh(x) * x.sum(), ag.exp(x[:2])])


def test_jvp_is_one_forward_pass_with_tangents():
    """No backward pass runs: a hook on the backward would fire; the graph is not even recorded."""
    seen = []

    def f(x):
        y = ag.sin(x) * x
        seen.append(y.requires_grad)
        return y

    out, jt = ag.jvp(f, (X,), (np.ones(3),))
    assert seen == [False]  # top-level forward mode records no graph
    np.testing.assert_allclose(jt, np.cos(X) * X + np.sin(X))


def test_jacfwd_jacrev_jacobian_agree_and_have_jax_shapes():
    jf = ag.jacfwd(f_vec)(X)
    jr = ag.jacrev(f_vec)(X)
    assert jf.shape == jr.shape == (5, 3)
    np.testing.assert_allclose(jf, jr, rtol=1e-12)
    np.testing.assert_allclose(ag.jacobian(f_vec)(X), jr, rtol=1e-12)
    m = np.arange(6.0).reshape(2, 3) / 7
    jm = ag.jacfwd(lambda a: ag.tanh(a).T * 2)(m)
    assert jm.shape == (3, 2, 2, 3)
    np.testing.assert_allclose(jm, ag.jacrev(lambda a: ag.tanh(a).T * 2)(m), rtol=1e-12)


def test_jacfwd_argnums_tuple():
    y = np.array([0.5, 2.0])
    jx, jy = ag.jacfwd(lambda a, b: ag.sin(a).sum() * b, argnums=(0, 1))(X, y)
    assert jx.shape == (2, 3) and jy.shape == (2, 2)
    rx, ry = ag.jacrev(lambda a, b: ag.sin(a).sum() * b, argnums=(0, 1))(X, y)
    np.testing.assert_allclose(jx, rx, rtol=1e-12)
    np.testing.assert_allclose(jy, ry, rtol=1e-12)


def test_jacobian_chooses_forward_mode_for_more_outputs_than_inputs():
    calls = []

    def widen(s):
        calls.append(s.requires_grad)
        return ag.sin(s * np.arange(1.0, 6.0))

    jac = ag.jacobian(widen)(0.3)
    assert jac.shape == (5,)
    np.testing.assert_allclose(jac, np.cos(0.3 * np.arange(1.0, 6.0)) * np.arange(1.0, 6.0))
    assert calls[1:] == [False]  # one recorded evaluation, then one forward-mode pass without a graph


def test_hessian_is_forward_over_reverse_and_matches_hand_computed():
    def f(x):
        return (x ** 3).sum() + (x[0] * x[1]) * ag.sin(x[2])

    h = ag.hessian(f)(X)
    x0, x1, x2 = X
    expected = np.diag(6 * X)
    expected[0, 1] = expected[1, 0] = np.sin(x2)
    expected[0, 2] = expected[2, 0] = x1 * np.cos(x2)
    expected[1, 2] = expected[2, 1] = x0 * np.cos(x2)
    expected[2, 2] += -x0 * x1 * np.sin(x2)
    np.testing.assert_allclose(h, expected, rtol=1e-12)


def test_forward_mode_composes_to_third_order():
    f = lambda x: ag.sin(x) * x  # noqa: E731
    # d³/dx³ (x sin x) = -3 sin x - x cos x, by jvp of jvp of grad and by grad of grad of jvp.
    x = 0.7
    expected = -3 * np.sin(x) - x * np.cos(x)
    d1 = lambda y: ag.grad(f)(y)  # noqa: E731
    d2 = lambda y: ag.jvp(d1, (y,), (1.0,))[1]  # noqa: E731
    d3 = ag.jvp(d2, (x,), (1.0,))[1]
    np.testing.assert_allclose(d3, expected, rtol=1e-12)
    g1 = lambda y: ag.jvp(f, (y,), (1.0,))[1]  # noqa: E731
    np.testing.assert_allclose(ag.grad(ag.grad(g1))(x), expected, rtol=1e-12)


def test_forward_over_forward_through_rules_that_use_the_output():
    # f = sin x · exp x: f'' = 2 exp(x) cos x, f''' = 2 exp(x) (cos x - sin x); exp's tangent rule multiplies t by
    # exp's output, so forward over forward needs that output's own tangent.
    f = lambda x: (ag.sin(x) * ag.exp(x)).sum()  # noqa: E731
    x = np.array([0.3, 0.7])
    hessians = [ag.jacfwd(ag.jacfwd(f))(x), ag.jacrev(ag.jacfwd(f))(x), ag.jacfwd(ag.jacrev(f))(x), ag.hessian(f)(x)]
    for h in hessians:
        np.testing.assert_allclose(h, np.diag(2 * np.exp(x) * np.cos(x)), rtol=1e-12)
    expected = np.zeros((2, 2, 2))
    expected[[0, 1], [0, 1], [0, 1]] = 2 * np.exp(x) * (np.cos(x) - np.sin(x))
    np.testing.assert_allclose(ag.jacfwd(ag.jacfwd(ag.jacfwd(f)))(x), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ag.jacrev(ag.jacrev(ag.jacrev(f)))(x), expected, rtol=1e-12, atol=1e-15)


def test_jvp_float32_keeps_dtype_and_tuple_outputs():
    x = np.array([1.0, 2.0], dtype=np.float32)
    (a, b), (ta, tb) = ag.jvp(lambda v: (v * 2.0, v.sum()), (x,), (np.ones(2, dtype=np.float32),))
    assert ta.dtype == np.float32 and tb.dtype == np.float32
    np.testing.assert_allclose(ta, [2, 2])
    np.testing.assert_allclose(tb, 2)


def test_jvp_output_independent_of_primals_has_zero_tangent():
    out, jt = ag.jvp(lambda v: np.ones(3) * 2, (X,), (np.ones(3),))
    np.testing.assert_array_equal(jt, np.zeros(3))


def test_jvp_errors_name_the_problem():
    with pytest.raises(ValueError, match="tangent of shape"):
        ag.jvp(ag.sin, (X,), (np.ones(2),))
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        ag.jvp(lambda a, b: a * b, (X, X), (X,))
