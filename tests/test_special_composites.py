"""logaddexp and logaddexp2 as primitives: values, gradients, second derivatives and forward mode against PyTorch
(float64) and finite differences, at ties, far apart, at ±inf and NaN, broadcasting, in float32 and float64.

As composites (max(x, y) + log1p(exp(−|x − y|))) they cut the path at the tie, where the second derivative came out
0 (PyTorch's: 1/4 for logaddexp, (log 2)/4 for logaddexp2), and an infinite incoming gradient met ∞ − ∞ = NaN.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.gradcheck import gradcheck, gradgradcheck

N, I = float("nan"), float("inf")
FUNCTIONS = ("logaddexp", "logaddexp2")

# NumPy warns on inf − inf and ∞·0 (the library silences its own warnings outside pytest); the numbers are compared.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# (x, y) pairs: ties, a small and a huge gap, infinities of either sign on either side, NaN.
PAIRS = [(0.0, 0.0), (1.0, 1.0), (-3.0, -3.0), (3.0, 1.0), (1.0, 3.0), (-0.5, 2.0), (1000.0, -1000.0),
         (-1000.0, 999.0), (40.0, 0.0), (I, I), (-I, -I), (I, -I), (-I, I), (I, 0.0), (-I, 0.0), (0.0, -I),
         (N, 0.0), (0.0, N), (N, N), (I, N), (-I, N)]
XS = np.array([p[0] for p in PAIRS])
YS = np.array([p[1] for p in PAIRS])
FINITE = [(x, y) for x, y in PAIRS if abs(x - y) < 50]  # finite gap: PyTorch's second derivative has no overflow


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _gradients(t, name, xs, ys, g, create_graph=False):
    """(value, ∂/∂x, ∂/∂y) of name(x, y) for an incoming gradient filled with g, on library t (float64)."""
    x = t.tensor(xs, dtype=t.float64, requires_grad=True)
    y = t.tensor(ys, dtype=t.float64, requires_grad=True)
    out = getattr(t, name)(x, y)
    seed = t.full(tuple(out.shape), g, dtype=t.float64)
    gx, gy = t.autograd.grad(out, (x, y), grad_outputs=seed, create_graph=create_graph)
    return out, gx, gy, x, y


def _numbers(v):
    return np.asarray(v.detach().tolist() if hasattr(v, "detach") else v.data, dtype=float)


def _same(ours, theirs, rtol=1e-12):
    np.testing.assert_allclose(_numbers(ours), _numbers(theirs), rtol=rtol, atol=1e-15, equal_nan=True)


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("g", [1.0, I, -I, N, 0.0, 1e300])
def test_values_and_gradients_match_pytorch(name, g, torch):
    ours = _gradients(ag, name, XS, YS, g)
    theirs = _gradients(torch, name, XS, YS, g)
    for a, b in zip(ours[:3], theirs[:3]):
        _same(a, b)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_gradient_at_infinite_ties_is_nan_as_pytorch(name):
    # PyTorch's g/(1 + e^(y−x)) at x = y = ±inf: e^NaN. Checked without PyTorch: its numbers written here.
    out, gx, gy, _, _ = _gradients(ag, name, [-I, I, -I], [-I, I, 0.0], 1.0)
    np.testing.assert_array_equal(out.data, [-I, I, 0.0])
    np.testing.assert_array_equal(gx.data, [N, N, 0.0])
    np.testing.assert_array_equal(gy.data, [N, N, 1.0])


@pytest.mark.parametrize("name, tie", [("logaddexp", 0.25), ("logaddexp2", math.log(2) / 4)])
def test_second_derivative_at_a_tie(name, tie):
    # d²/dx² log(eˣ + eʸ) = σ(x − y)(1 − σ(x − y)) = 1/4 at x = y; the composite gave 0 (its path cut at the tie).
    _, gx, gy, x, y = _gradients(ag, name, [0.0, 2.0, -5.0], [0.0, 2.0, -5.0], 1.0, create_graph=True)
    hxx, hxy = ag.autograd.grad(gx.sum(), (x, y))
    np.testing.assert_allclose(hxx, [tie] * 3, rtol=1e-14)
    np.testing.assert_allclose(hxy, [-tie] * 3, rtol=1e-14)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_hessians_match_pytorch(name, torch):
    xs, ys = [p[0] for p in FINITE], [p[1] for p in FINITE]
    rows = []
    for t in (ag, torch):
        _, gx, gy, x, y = _gradients(t, name, xs, ys, 1.0, create_graph=True)
        w = t.tensor(np.linspace(0.5, 2.0, len(xs)), dtype=t.float64)  # a cotangent that tells elements apart
        rows.append([t.autograd.grad((g * w).sum(), (x, y), retain_graph=True) for g in (gx, gy)])
    for ours, theirs in zip(rows[0], rows[1]):
        for a, b in zip(ours, theirs):
            _same(a, b)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_second_derivative_far_apart_is_zero(name):
    # PyTorch's second derivative there is inf/inf = NaN (e^(y−x) overflows); σ(x − y)(1 − σ(x − y)) is 0.
    _, gx, gy, x, y = _gradients(ag, name, [1000.0, I, -I], [-1000.0, 0.0, 5.0], 1.0, create_graph=True)
    for g in (gx, gy):
        for h in ag.autograd.grad(g.sum(), (x, y), retain_graph=True):
            np.testing.assert_array_equal(np.abs(h), 0.0)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_jvp_matches_pytorch(name, torch):
    tx = np.linspace(-1.0, 2.0, len(XS))
    ty = np.linspace(3.0, 0.5, len(XS))
    fn = getattr(ag, name)
    _, ours = ag.func.jvp(fn, (XS, YS), (tx, ty))
    _, theirs = torch.func.jvp(getattr(torch, name), (torch.tensor(XS), torch.tensor(YS)),
                               (torch.tensor(tx), torch.tensor(ty)))
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-15, equal_nan=True)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_gradients_against_finite_differences(name):
    fn = getattr(ag, name)
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(size=5) * 3, [0.5, -2.0, 30.0]])
    y = np.concatenate([rng.normal(size=5) * 3, [0.5, -2.0, -30.0]])  # two ties and a wide gap
    assert gradcheck(fn, [x, y], atol=1e-8, rtol=1e-6)
    assert gradgradcheck(fn, [x, y], atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_jvp_against_finite_differences(name):
    fn = getattr(ag, name)
    x, y = np.array([0.3, 1.0, -4.0]), np.array([0.3, -2.0, 5.0])
    tx, ty = np.array([1.0, -0.5, 2.0]), np.array([0.25, 1.0, -1.0])
    _, tangent = ag.func.jvp(fn, (x, y), (tx, ty))
    h = 1e-6
    numeric = (np.asarray(fn(x + h * tx, y + h * ty).data) - np.asarray(fn(x - h * tx, y - h * ty).data)) / (2 * h)
    np.testing.assert_allclose(tangent, numeric, rtol=1e-7)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_broadcasting(name, torch):
    xs = np.array([[0.0], [1.0], [-2.0]])
    ys = np.array([0.0, 1.0, 5.0, -I])
    grads = []
    for t in (ag, torch):
        x = t.tensor(xs, requires_grad=True)
        y = t.tensor(ys, requires_grad=True)
        out = getattr(t, name)(x, y)
        out.backward(t.tensor(np.arange(12.0).reshape(3, 4)))
        grads.append((out, x.grad, y.grad))
    assert grads[0][0].shape == (3, 4) and grads[0][1].shape == (3, 1) and grads[0][2].shape == (4,)
    for a, b in zip(*grads):
        _same(a, b)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_float32(name, torch):
    xs = np.array([0.0, 3.0, -80.0, 1e4, -I], np.float32)
    ys = np.array([0.0, 1.0, -79.0, 0.0, -I], np.float32)
    results = []
    for t in (ag, torch):
        x, y = t.tensor(xs, requires_grad=True), t.tensor(ys, requires_grad=True)
        out = getattr(t, name)(x, y)
        out.sum().backward()
        results.append((out, x.grad, y.grad))
    for a, b in zip(*results):
        assert str(a.dtype).endswith("float32")
        np.testing.assert_allclose(_numbers(a), _numbers(b), rtol=1e-6, equal_nan=True)
    assert ag.logaddexp(ag.tensor(xs), 0.0).dtype == np.float32  # a Python number keeps float32


# ----------------------------------------------------------------------------------------------------
# lerp, sinc, logit: primitives with PyTorch's backward formulas (as compositions, an infinite incoming gradient met
# ∞ − ∞ = NaN on two paths; logit's gradient outside its domain was a number where PyTorch's is NaN, and its eps
# form gave 0 at NaN where PyTorch's is NaN).

# Expressions of x (and of y, w: float64 tensors of x's length), each run on both libraries.
UNARY = ["t.lerp(x, y, 0.3)", "t.lerp(y, x, 0.7)", "t.lerp(x, y, w)", "t.lerp(y, w, x)", "t.lerp(x, y, 1.0)",
         "x.sinc()", "x.logit()", "x.logit(0.1)", "t.logit(x, 1e-6)"]
SPECIAL = [-I, -2.0, -1.0, -0.5, -1e-200, -0.0, 0.0, 1e-200, 1e-6, 0.1, 0.25, 0.5, 0.9, 1.0 - 1e-7, 1.0, 1.5, 2.0,
           I, N]
SMOOTH = [-2.3, -1.1, -0.35, 0.05, 0.15, 0.3, 0.45, 0.62, 0.8, 0.97, 1.7, 2.6]  # off kinks, poles and clamp edges


def _smooth(expression):
    """Where finite differences can see the derivative: inside (0, 1) for logit (NaN outside)."""
    return [x for x in SMOOTH if 0 < x < 1] if "logit" in expression else SMOOTH


def _unary(t, expression, xs, g, create_graph=False, dtype=None):
    dtype = dtype or t.float64
    x = t.tensor(xs, dtype=dtype, requires_grad=True)
    y = t.tensor(np.linspace(-1.0, 3.0, len(xs)), dtype=dtype)
    w = t.tensor(np.linspace(-0.5, 1.5, len(xs)), dtype=dtype)
    out = eval(expression, {"t": t, "x": x, "y": y, "w": w})  # test-authored expressions only
    (gx,) = t.autograd.grad(out, x, grad_outputs=t.full(tuple(out.shape), g, dtype=dtype), create_graph=create_graph)
    return x, out, gx


@pytest.mark.parametrize("expression", UNARY)
@pytest.mark.parametrize("g", [1.0, I, -I, N, 0.0])
def test_unary_values_and_gradients_match_pytorch(expression, g, torch):
    _, ours, gours = _unary(ag, expression, SPECIAL, g)
    _, theirs, gtheirs = _unary(torch, expression, SPECIAL, g)
    _same(ours, theirs)
    _same(gours, gtheirs)


@pytest.mark.parametrize("expression", UNARY)
def test_unary_second_derivatives_match_pytorch(expression, torch):
    results = []
    for t in (ag, torch):
        x, _, gx = _unary(t, expression, SMOOTH, 1.0, create_graph=True)
        weights = t.tensor(np.linspace(0.5, 2.0, len(SMOOTH)))
        if not gx.requires_grad:  # PyTorch's gradient of lerp(x, y, 0.3) is a constant without a graph
            results.append(np.zeros(len(SMOOTH)))
            continue
        (h,) = t.autograd.grad((gx * weights).sum(), x, allow_unused=True)
        results.append(np.zeros(len(SMOOTH)) if h is None else h)
    _same(*results, rtol=1e-10)


@pytest.mark.parametrize("expression", UNARY)
def test_unary_jvp_matches_pytorch(expression, torch):
    # The rule is the VJP rule (compared at ±inf and NaN above); here the finite inputs: PyTorch's forward mode
    # multiplies the zero tangents of y and w too (0·∞ = NaN at an infinite weight), and its logit(eps) gives 0 at
    # NaN p in forward mode but NaN in backward.
    xs = [x for x in SPECIAL if np.isfinite(x)]
    tangent = np.linspace(-1.0, 1.0, len(xs))
    values = []
    for t in (ag, torch):
        y = t.tensor(np.linspace(-1.0, 3.0, len(xs)))
        w = t.tensor(np.linspace(-0.5, 1.5, len(xs)))
        fn = lambda x: eval(expression, {"t": t, "x": x, "y": y, "w": w})  # noqa: E731, B023
        jvp = ag.func.jvp if t is ag else torch.func.jvp
        values.append(jvp(fn, (t.tensor(xs, dtype=t.float64),), (t.tensor(tangent),))[1])
    _same(*values)


@pytest.mark.parametrize("expression", UNARY)
def test_unary_against_finite_differences(expression):
    xs = np.array(_smooth(expression))
    y = np.linspace(-1.0, 3.0, len(xs))
    w = np.linspace(-0.5, 1.5, len(xs))
    fn = lambda x: eval(expression, {"t": ag, "x": x, "y": ag.tensor(y), "w": ag.tensor(w)})  # noqa: E731
    assert gradcheck(fn, [xs], atol=1e-7, rtol=1e-6)
    assert gradgradcheck(fn, [xs], atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("expression", UNARY)
def test_unary_float32(expression, torch):
    results = [_unary(t, expression, SMOOTH, 3.0, dtype=t.float32)[1:] for t in (ag, torch)]
    for ours, theirs in zip(*results):
        assert str(ours.dtype).endswith("float32")
        np.testing.assert_allclose(_numbers(ours), _numbers(theirs), rtol=1e-5, atol=1e-6)


def test_lerp_broadcasts_and_rounds_as_pytorch(torch):
    xs, ends, ws = np.array([[0.1], [2.0], [-3.0]]), np.array([1.0, 1e16, -7.0, 0.3]), np.array([1.0, 0.25, 0.75, 0.5])
    results = []
    for t in (ag, torch):
        x, end, w = (t.tensor(a, requires_grad=True) for a in (xs, ends, ws))
        out = t.lerp(x, end, w)
        out.backward(t.tensor(np.arange(12.0).reshape(3, 4)))
        results.append((out, x.grad, end.grad, w.grad))
    assert results[0][0].shape == (3, 4) and results[0][1].shape == (3, 1)
    np.testing.assert_array_equal(_numbers(results[0][0])[:, 0], [1.0] * 3)  # exactly `end` at weight 1
    for ours, theirs in zip(*results):
        _same(ours, theirs)
