"""The fast array paths of the normalisations (nn/norm.py: `standardize`'s statistics and rule on BLAS sums, the
`scale_shift` node for γ·x̂ + β) and of the softmax family along the last axis (autograd_core/ops/reduce.py): values
and the gradients of input, weight and bias against PyTorch in float64 (~1e-12) and float32 (float32 precision),
float32 kept float32, finite differences and second derivatives, forward mode, compiled steps on new batches, and the
general paths (other axes, dtypes) still agreeing with the fast ones."""

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck, gradgradcheck
from autograd_core.nn import norm
from autograd_core.ops import reduce

R = np.random.default_rng(7)

# (name, our function of (x, w, b), PyTorch's, x shape, weight shape): each layout the fast paths recognise.
LAYERS = [
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (6,), w, b), lambda t, x, w, b: t.nn.functional.layer_norm(
        x, (6,), w, b), (3, 4, 6), (6,)),
    ("layer_norm-2d", lambda x, w, b: F.layer_norm(x, (4, 6), w, b), lambda t, x, w, b: t.nn.functional.layer_norm(
        x, (4, 6), w, b), (3, 4, 6), (4, 6)),
    ("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), lambda t, x, w, b: t.nn.functional.group_norm(
        x, 2, w, b), (3, 4, 5, 2), (4,)),
    ("batch_norm2d", lambda x, w, b: F.batch_norm(x, weight=w, bias=b, training=True),
     lambda t, x, w, b: t.nn.functional.batch_norm(x, None, None, w, b, training=True), (4, 3, 5, 2), (3,)),
    ("batch_norm1d-3d", lambda x, w, b: F.batch_norm(x, weight=w, bias=b, training=True),
     lambda t, x, w, b: t.nn.functional.batch_norm(x, None, None, w, b, training=True), (4, 3, 5), (3,)),
    ("batch_norm1d-2d", lambda x, w, b: F.batch_norm(x, weight=w, bias=b, training=True),
     lambda t, x, w, b: t.nn.functional.batch_norm(x, None, None, w, b, training=True), (5, 3), (3,)),
    ("instance_norm", lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
     lambda t, x, w, b: t.nn.functional.instance_norm(x, weight=w, bias=b), (2, 3, 4, 5), (3,)),
]
IDS = [case[0] for case in LAYERS]
TOLERANCE = {np.float64: dict(rtol=1e-11, atol=1e-12), np.float32: dict(rtol=2e-5, atol=2e-5)}


def _inputs(x_shape, w_shape, dtype, offset=0.0):
    x = (R.standard_normal(x_shape) * 3 + offset).astype(dtype)
    return x, R.uniform(0.5, 2, w_shape).astype(dtype), R.standard_normal(w_shape).astype(dtype)


def _ours(fn, arrays, g):
    values = [Value(a) for a in arrays]
    out = fn(*values)
    (out * g).sum().backward()
    return out, [v.grad for v in values]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", LAYERS, ids=IDS)
def test_values_and_gradients_match_torch(case, dtype):
    torch = pytest.importorskip("torch")
    _, ours, theirs, x_shape, w_shape = case
    arrays = _inputs(x_shape, w_shape, dtype, offset=5.0)  # an offset: the mean matters
    g = R.standard_normal(x_shape).astype(dtype)           # not ones: the x gradient of Σ BatchNorm(x) is 0
    out, grads = _ours(ours, arrays, g)
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    expected = theirs(torch, *tensors)
    (expected * torch.tensor(g)).sum().backward()
    assert out.dtype == dtype and all(gr.dtype == dtype for gr in grads)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOLERANCE[dtype])
    for name, ours_grad, t in zip("xwb", grads, tensors):
        scale = max(1.0, float(np.abs(t.grad.numpy()).max()))
        np.testing.assert_allclose(ours_grad / scale, t.grad.numpy() / scale, **TOLERANCE[dtype], err_msg=name)


@pytest.mark.parametrize("case", LAYERS, ids=IDS)
def test_gradients_match_finite_differences(case):
    _, ours, _, x_shape, w_shape = case
    arrays = _inputs(x_shape, w_shape, np.float64)
    g = R.standard_normal(x_shape)
    assert gradcheck(lambda x, w, b: ours(x, w, b) * g, list(arrays))


@pytest.mark.parametrize("case", [LAYERS[0], LAYERS[2], LAYERS[3]], ids=[IDS[0], IDS[2], IDS[3]])
def test_second_derivatives(case):
    _, ours, _, x_shape, w_shape = case
    arrays = _inputs(x_shape, w_shape, np.float64)
    g = R.standard_normal(x_shape)
    assert gradgradcheck(lambda x, w, b: ours(x, w, b) * g, list(arrays))


@pytest.mark.parametrize("case", LAYERS, ids=IDS)
def test_forward_mode_matches_reverse_mode(case):
    # ⟨u, J t⟩ = ⟨Jᵀ u, t⟩ with J the Jacobian in all three inputs: the JVP rules against the fast VJP paths
    _, ours, _, x_shape, w_shape = case
    arrays = _inputs(x_shape, w_shape, np.float64)
    tangents = [R.standard_normal(a.shape) for a in arrays]
    u = R.standard_normal(x_shape)
    _, jt = ag.jvp(lambda x, w, b: ours(x, w, b), tuple(arrays), tuple(tangents))
    _, grads = _ours(ours, arrays, u)
    np.testing.assert_allclose(np.vdot(u, np.asarray(ag.ops.data_of(jt))),
                               sum(np.vdot(gr, t) for gr, t in zip(grads, tangents)), rtol=1e-10)


def test_layer_norm_is_one_normalize_and_one_scale_shift_node():
    out = nn.LayerNorm(6, dtype=np.float64)(Value(R.standard_normal((2, 6))))
    assert out.op == "scale_shift" and out.parents[0].op == "normalize"
    assert F.layer_norm(Value(R.standard_normal((2, 6))), (6,), np.ones(6)).op == "*"  # weight alone: as before


def test_general_and_fast_paths_agree():
    # the statistics and the rule on the composed NumPy path (forced by a layout it alone handles: axes that are
    # neither trailing nor all-but-channels) against the BLAS path on the same numbers, moved into its layout
    x = R.standard_normal((3, 5, 4))
    g = R.standard_normal((3, 5, 4))
    fast = _ours(lambda v: norm.standardize(v, (0, 2))[0], [x], g)
    slow = _ours(lambda v: norm.standardize(v, (0, 1))[0].transpose((0, 2, 1)), [x.transpose(0, 2, 1)], g)
    np.testing.assert_allclose(fast[0].data, slow[0].data, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(fast[1][0], slow[1][0].transpose(0, 2, 1), rtol=1e-12, atol=1e-13)
    stats = norm._moments(x, (0, 2), 1e-5)
    np.testing.assert_allclose(stats[0], x.mean(axis=(0, 2), keepdims=True), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(stats[1], x.var(axis=(0, 2), keepdims=True), rtol=1e-13)


def test_float32_statistics_are_accurate_with_a_large_mean():
    # BLAS sums in float32 against the float64 truth: as accurate as NumPy's pairwise float32 reduction
    x = (R.standard_normal((4, 3, 50, 40)) + 100).astype(np.float32)
    exact = x.astype(np.float64)
    for axes in [(2, 3), (0, 2, 3)]:
        stats = norm._moments(x, axes, 0.0)
        assert stats.dtype == np.float32
        np.testing.assert_allclose(stats[0], exact.mean(axis=axes, keepdims=True), rtol=1e-6)
        np.testing.assert_allclose(stats[1], exact.var(axis=axes, keepdims=True), rtol=1e-5)


def test_results_are_new_arrays_each_call():
    # the outputs and gradients come from recycle: one still referenced must never be handed out again
    x1, x2 = R.standard_normal((2, 64, 600)).astype(np.float32)  # above recycle.MIN_BYTES
    layer = nn.LayerNorm(600)
    first = layer(Value(x1)).data
    kept = first.copy()
    second = layer(Value(x2)).data
    assert first is not second
    np.testing.assert_array_equal(first, kept)
    y1, y2 = ag.softmax(x1, axis=-1), ag.softmax(x2, axis=-1)
    assert not np.shares_memory(y1, y2)


def test_compiled_training_step_recomputes_the_statistics_for_each_batch():
    model = nn.Sequential(nn.Linear(4, 6, dtype=np.float64), nn.LayerNorm(6, dtype=np.float64), nn.Softmax(dim=-1))
    group = nn.GroupNorm(2, 4, dtype=np.float64)
    batch = nn.BatchNorm1d(4, dtype=np.float64)

    def step(x, y):
        loss = ((model(x) - y) ** 2).sum() + (group(x.reshape((2, 4, 3))) ** 3).sum() + (batch(x) ** 3).sum()
        loss.backward()
        return loss

    compiled = ag.compile(step)
    params = list(model.parameters()) + list(group.parameters()) + list(batch.parameters())
    for _ in range(6):
        x = Value(R.standard_normal((6, 4)), requires_grad=False)
        y = Value(R.standard_normal((6, 6)), requires_grad=False)
        for p in params:
            p.grad = None
        eager = float(step(x, y).data)
        eager_grads = [p.grad.copy() for p in params]
        for p in params:
            p.grad = None
        assert float(compiled(x, y).data) == pytest.approx(eager, rel=1e-12)
        for p, gr in zip(params, eager_grads):
            np.testing.assert_allclose(p.grad, gr, rtol=1e-10, atol=1e-12)
    assert compiled.stats["replayed"] >= 2  # the later calls ran the compiled program, not the eager function


# ----------------------------------------------------------------------------------------------------
# The softmax family.

SOFTMAX = [("softmax", ag.softmax, lambda t, x, d: t.softmax(x, dim=d)),
           ("log_softmax", ag.log_softmax, lambda t, x, d: t.log_softmax(x, dim=d)),
           ("logsumexp", lambda x, axis: ag.logsumexp(x, axis=axis), lambda t, x, d: t.logsumexp(x, dim=d)),
           ("logsumexp-keepdims", lambda x, axis: ag.logsumexp(x, axis=axis, keepdims=True),
            lambda t, x, d: t.logsumexp(x, dim=d, keepdim=True))]


@pytest.mark.parametrize("axis", [-1, 2, 1], ids=["last", "last-positive", "middle"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", SOFTMAX, ids=[c[0] for c in SOFTMAX])
def test_softmax_family_matches_torch(case, dtype, axis):
    torch = pytest.importorskip("torch")
    _, ours, theirs = case
    x = (R.standard_normal((3, 4, 7)) * 4).astype(dtype)
    xv = Value(x)
    out = ours(xv, axis=axis)
    g = R.standard_normal(out.shape).astype(dtype)
    (out * g).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    expected = theirs(torch, xt, axis)
    (expected * torch.tensor(g)).sum().backward()
    assert out.dtype == dtype and xv.grad.dtype == dtype
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOLERANCE[dtype])
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), **TOLERANCE[dtype])


@pytest.mark.parametrize("case", SOFTMAX, ids=[c[0] for c in SOFTMAX])
def test_softmax_family_gradients_and_forward_mode(case):
    _, ours, _ = case
    x = R.standard_normal((2, 3, 5))
    w = R.standard_normal(np.shape(ours(x, axis=-1)))
    assert gradcheck(lambda v: ours(v, axis=-1) * w, [x])
    assert gradgradcheck(lambda v: ours(v, axis=-1) * w, [x])
    t, u = R.standard_normal(x.shape), R.standard_normal(w.shape)
    _, jt = ag.jvp(lambda v: ours(v, axis=-1), (x,), (t,))
    xv = Value(x)
    (ours(xv, axis=-1) * u).sum().backward()
    np.testing.assert_allclose(np.vdot(u, ag.ops.data_of(jt)), np.vdot(xv.grad, t), rtol=1e-10)


def test_last_axis_path_agrees_with_the_general_path():
    # the same rows along the last axis (BLAS path) and along axis 0 (NumPy's reductions). Data of its own: drawn
    # from the module's generator, it depended on which tests a worker had run before, and some draws fail.
    rng = np.random.default_rng(12)
    x = rng.standard_normal((6, 9)) * 10
    g = rng.standard_normal((6, 9))
    # log_softmax is x − max − logsumexp: its rounding error is a few ulps of |x|, not of the result (which
    # cancels to near 0 for the largest entry); over 1,500 draws the paths differ by at most 1.5e-14 at |x| ≤ 40.
    near_zero = {reduce.softmax: 1e-15, reduce.log_softmax: 8 * np.finfo(x.dtype).eps * np.abs(x).max()}
    for fn in (reduce.softmax, reduce.log_softmax):
        a, b = Value(x), Value(x.T.copy())
        (fn(a, axis=-1) * g).sum().backward()
        (fn(b, axis=0) * g.T).sum().backward()
        np.testing.assert_allclose(fn(x, axis=-1), fn(x.T.copy(), axis=0).T, rtol=1e-14, atol=near_zero[fn])
        np.testing.assert_allclose(a.grad, b.grad.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(reduce.logsumexp(x, axis=-1), reduce.logsumexp(x.T.copy(), axis=0), rtol=1e-14)


def test_softmax_family_extremes_on_the_last_axis():
    x = np.array([[1000.0, -1000.0, 0.0], [-np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf]], np.float32)
    with np.errstate(invalid="ignore"):
        s, ls, lse = reduce.softmax(x, axis=-1), reduce.log_softmax(x, axis=-1), reduce.logsumexp(x, axis=-1)
    np.testing.assert_allclose(s[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(ls[0], [0.0, -2000.0, -1000.0])
    assert ls[1, 0] == -np.inf and s[1, 0] == 0.0 and np.isfinite(ls[1, 1:]).all()
    assert np.isnan(s[2]).all() and np.isnan(ls[2]).all() and lse[2] == -np.inf
    assert lse[0] == pytest.approx(1000.0)


def test_softmax_axis_out_of_range_raises():
    x = R.standard_normal((2, 3, 4))
    for fn in (reduce.softmax, reduce.log_softmax, reduce.logsumexp):
        with pytest.raises(ValueError, match="Dimension out of range"):
            fn(x, axis=5)  # 5 % 3 is the last axis: it must not be taken for it
