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
from autograd_core.nn.norm import _saved_output
from autograd_core.nn.avg_pool_nodes import avg_pool2d_adjoint as _avg_pool2d_adjoint
from autograd_core.nn.avg_pool_nodes import avg_pool3d_adjoint as _avg_pool3d_adjoint
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
nn_case("gelu", "gelu", lambda x: F.gelu(x), _r.standard_normal(6))
nn_case("gelu_tanh", "gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), _r.standard_normal(6))
nn_case("silu", "silu", lambda x: F.silu(x), _r.standard_normal(6))
nn_case("mish", "mish", lambda x: F.mish(x), _r.standard_normal(6))
nn_case("hardswish", "hardswish", lambda x: F.hardswish(x), [-4.0, -2.5, -0.7, 0.4, 1.9, 4.0])  # off ±3
# The piecewise-linear activations (nn/activation_piecewise.py) and their backward rules as nodes (create_graph)
_KINKED_X = np.array([-2.0, -0.7, -0.3, 0.2, 0.8, 1.6])  # off ±1, ±0.5 and 0.1
nn_case("hardtanh", "hardtanh", lambda x: F.hardtanh(x), _KINKED_X)
nn_case("hardshrink", "hardshrink", lambda x: F.hardshrink(x, 0.5), _KINKED_X)
nn_case("softshrink", "softshrink", lambda x: F.softshrink(x, 0.5), _KINKED_X)
nn_case("threshold", "threshold", lambda x: F.threshold(x, 0.1, -3.0), _KINKED_X)
nn_case("prelu_kernel", "prelu_kernel", lambda x, w: F.prelu(x, w), _KINKED_X.reshape(2, 3), _r.standard_normal(3))
nn_case("prelu_kernel_backward", "prelu_kernel_backward",
        lambda g, w: PRIMITIVES["prelu_kernel_backward"](g, _KINKED_X, w), _r.standard_normal(6), _r.standard_normal(6))
_NOISE = np.where(_KINKED_X >= 0, 1.0, 0.3)  # rrelu's slopes for x < 0
nn_case("rrelu_with_noise", "rrelu_with_noise", lambda x: PRIMITIVES["rrelu_with_noise"](x, _NOISE), _KINKED_X)
nn_case("rrelu_with_noise_backward", "rrelu_with_noise_backward",
        lambda g: PRIMITIVES["rrelu_with_noise_backward"](g, _KINKED_X, _NOISE), _r.standard_normal(6))
nn_case("hardsigmoid", "hardsigmoid", lambda x: F.hardsigmoid(x * 3), _KINKED_X)
for _name, _options in [("hardtanh_backward", dict(min_val=-1.0, max_val=1.0)), ("hardshrink_backward",
                        dict(lambd=0.5)), ("softshrink_backward", dict(lambd=0.5)), ("hardsigmoid_backward", {}),
                        ("hardswish_backward", {}), ("elu_backward", dict(alpha=0.7, scale=1.2, input_scale=0.5))]:
    nn_case(_name, _name, lambda g, n=_name, o=_options: PRIMITIVES[n](g, _KINKED_X, **o), _r.standard_normal(6))
for _name, _options in [("elu_backward", dict(alpha=0.7, scale=1.2, input_scale=0.5)), ("hardswish_backward", {})]:
    # not piecewise constant in x: the rule's derivative in x too (in_inputs of ops/backward_nodes.py)
    nn_case(_name, _name + "-in-x", lambda g, x, n=_name, o=_options: PRIMITIVES[n](g, x, **o), _r.standard_normal(6),
            _KINKED_X * 2)
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
# adaptive and fractional max pooling's pick of the maxima, and its rules as nodes (create_graph)
_PICKED = np.array([[0, 3, 5], [1, 1, 4]])  # row 1 picks one element twice (overlapping bins)
nn_case("max_pool_pick", "max_pool_pick", lambda x: PRIMITIVES["max_pool_pick"](x, _PICKED), _r.standard_normal((2, 6)))
for _name in ("max_pool_pick_scatter", "max_pool_pick_gather"):
    nn_case(_name, _name, lambda g, n=_name: PRIMITIVES[n](g, np.zeros((2, 6)), _PICKED),
            _r.standard_normal((2, 3) if _name.endswith("scatter") else (2, 6)))
nn_case("linear", "linear", lambda x, w, b: F.linear(x, w, b),
        _r.standard_normal((4, 3)), _r.standard_normal((2, 3)), _r.standard_normal(2))
nn_case("linear", "linear-batched", lambda x, w: F.linear(x, w), _r.standard_normal((2, 4, 3)),
        _r.standard_normal((2, 3)))
_LABELS = np.array([0, 2, 1, 2])
for _reduction in ("mean", "sum", "none"):
    nn_case("cross_entropy", f"cross_entropy-{_reduction}",
            lambda z, red=_reduction: F.cross_entropy(z, _LABELS, reduction=red), _r.standard_normal((4, 3)))
nn_case("constant_pad", "constant_pad", lambda x: F.pad(x, (2, -1, 0, 1), value=-0.5), _r.standard_normal((2, 3, 4)))
nn_case("avg_pool2d", "avg_pool1d-ceil", lambda x: F.avg_pool1d(x, 3, 2, 1, True), _r.standard_normal((2, 2, 6)))
nn_case("avg_pool2d_adjoint", "avg_pool2d_adjoint",
        lambda g: _avg_pool2d_adjoint(g, box=np.ones((1, 1, 2, 2)), stride=(2, 1), pads=((0, 1), (1, 1)), scale=None,
                                      size=(3, 3)), _r.standard_normal((1, 2, 2, 4)))
nn_case("avg_pool3d", "avg_pool3d-no-pad-count", lambda x: F.avg_pool3d(x, 2, 2, 1, count_include_pad=False),
        _r.standard_normal((1, 2, 3, 2, 3)))
nn_case("avg_pool3d_adjoint", "avg_pool3d_adjoint",
        lambda g: _avg_pool3d_adjoint(g, kernel=(1, 2, 2), stride=(1, 1, 2), pads=((0, 0), (1, 0), (0, 1)),
                                      scale=np.asarray(0.5), size=(2, 2, 3)), _r.standard_normal((1, 2, 2, 2)))
nn_case("along_axes", "along_axes-bicubic", lambda x: F.interpolate(x, size=(3, 5), mode="bicubic"),
        _r.standard_normal((1, 2, 4, 3)))
nn_case("along_axes", "along_axes-adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, (2, 1, 2)),
        _r.standard_normal((1, 2, 3, 3, 4)))
_NLL_LABELS = np.array([[0, -1], [2, 1]])  # per pixel, one ignored
for _reduction in ("mean", "none"):
    nn_case("cross_entropy", f"cross_entropy-per-pixel-{_reduction}",
            lambda z, red=_reduction: F.cross_entropy(z, np.array([[0, 2], [2, 1]]), reduction=red),
            _r.standard_normal((2, 3, 2)))
for _reduction in ("mean", "sum", "none"):
    nn_case("nll_loss", f"nll_loss-weight-{_reduction}",
            lambda p, red=_reduction: F.nll_loss(p, _LABELS, weight=np.array([0.5, 2.0, 1.0]), reduction=red),
            _r.standard_normal((4, 3)))
    nn_case("nll_loss", f"nll_loss-2d-ignore-{_reduction}",
            lambda p, red=_reduction: F.nll_loss(p, _NLL_LABELS, ignore_index=-1, reduction=red),
            _r.standard_normal((2, 3, 2)))
nn_case("binary_cross_entropy", "binary_cross_entropy", lambda p, y: F.binary_cross_entropy(p, y),
        _r.uniform(0.2, 0.8, (2, 3)), _r.uniform(0, 1, (2, 3)))
nn_case("bce_with_logits", "bce_with_logits", lambda x, y: F.binary_cross_entropy_with_logits(x, y),
        _r.standard_normal((2, 3)), _r.uniform(0, 1, (2, 3)))
_D_X, _D_Y = np.array([0.1, -0.3, 2.0, -1.7, 0.6]), np.array([0.4, 0.2, -0.1, 0.5, 0.0])  # |x − y| off 0.8
for _reduction in ("mean", "sum", "none"):
    nn_case("mse_loss", f"mse_loss-{_reduction}", lambda x, y, red=_reduction: F.mse_loss(x, y, reduction=red),
            _r.standard_normal((2, 3)), _r.standard_normal((2, 3)))
    nn_case("smooth_l1_loss", f"smooth_l1_loss-{_reduction}",
            lambda x, y, red=_reduction: F.smooth_l1_loss(x, y, reduction=red, beta=0.8), _D_X, _D_Y)
    nn_case("huber_loss", f"huber_loss-{_reduction}",
            lambda x, y, red=_reduction: F.huber_loss(x, y, reduction=red, delta=0.8), _D_X, _D_Y)
    nn_case("binary_cross_entropy", f"binary_cross_entropy-weight-{_reduction}",
            lambda p, y, red=_reduction: F.binary_cross_entropy(p, y, weight=np.array([0.5, 2.0, 1.0]),
                                                                 reduction=red),
            _r.uniform(0.2, 0.8, (2, 3)), _r.uniform(0, 1, (2, 3)))
    nn_case("bce_with_logits", f"bce_with_logits-pos_weight-{_reduction}",
            lambda x, y, red=_reduction: F.binary_cross_entropy_with_logits(
                x, y, weight=np.array([1.5, 0.5, 1.0]), pos_weight=np.array([2.0, 0.5, 3.0]), reduction=red),
            _r.standard_normal((2, 3)), _r.uniform(0, 1, (2, 3)))
nn_case("normalize", "normalize-layer", lambda x: F.layer_norm(x, (3,)), _r.standard_normal((4, 3)))
nn_case("normalize", "normalize-batch", lambda x: F.batch_norm(x, training=True), _r.standard_normal((5, 3)))
nn_case("scale_shift", "scale_shift-layer", lambda x, w, b: F.layer_norm(x, (3,), w, b), _r.standard_normal((4, 3)),
        _r.standard_normal(3), _r.standard_normal(3))
nn_case("scale_shift", "scale_shift-batch", lambda x, w, b: F.batch_norm(x, weight=w, bias=b, training=True),
        _r.standard_normal((3, 2, 2, 2)), _r.standard_normal(2), _r.standard_normal(2))
nn_case("saved_output", "saved_output-group-norm-mean", lambda m, w: _saved_output(m, w), _r.standard_normal((2, 3)),
        _r.standard_normal(4))
nn_case("sync_normalize", "sync-batch-norm", lambda x: nn.SyncBatchNorm(3, dtype=np.float64)(x),
        _r.standard_normal((5, 3, 2)))

_UNPOOL_INDEX = np.array([[[[0, 3], [9, 14]]]])  # positions in a 4×4 output, one per pooled cell
nn_case("max_unpool", "max_unpool2d", lambda x: F.max_unpool2d(x, _UNPOOL_INDEX, 2), _r.standard_normal((1, 1, 2, 2)))
_EMBEDDING_IDS = np.array([[1, 3, 1], [2, 0, 3]])  # repeated ids (a negative one raises IndexError, as in PyTorch)
nn_case("embedding", "embedding", lambda w: F.embedding(_EMBEDDING_IDS, w), np.arange(8.0).reshape(4, 2) / 7)
nn_case("embedding_backward", "embedding_backward",
        lambda g: PRIMITIVES["embedding_backward"](g, ids=_EMBEDDING_IDS, num=4), np.arange(12.0).reshape(2, 3, 2) / 5)
nn_case("rnn_sequence", "rnn_sequence-lstm",
        lambda *xs: PRIMITIVES["rnn_sequence"](*xs, mode="LSTM", reverse=False, bias=True, proj=False),
        _r.standard_normal((3, 2, 2)), _r.standard_normal((2, 2)), _r.standard_normal((2, 2)),
        0.5 * _r.standard_normal((8, 2)), 0.5 * _r.standard_normal((8, 2)), 0.3 * _r.standard_normal(8),
        0.3 * _r.standard_normal(8))
nn_case("rnn_sequence", "rnn_sequence-rnn-relu-reverse",
        lambda *xs: PRIMITIVES["rnn_sequence"](*xs, mode="RNN_RELU", reverse=True, bias=False, proj=False),
        _r.standard_normal((3, 2, 2)), _r.standard_normal((2, 3)), 0.5 * _r.standard_normal((3, 2)),
        0.5 * _r.standard_normal((3, 3)))

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


# (std of a constant row: std = 0 is a kink, where the first derivative is PyTorch's convention, 0, and no second)
SMOOTH = [c for c in ALL if c[0] not in ("max_pool2d", "max_pool2d_scatter", "max_pool2d_gather")
          and c[1] != "std-constant-row"]


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


def _direct_path_functions():
    c32, c64 = np.linspace(-1, 1, 5, dtype=np.float32), np.linspace(-1, 1, 5)
    w = Value(np.linspace(0.5, 1.5, 5), requires_grad=True)  # a parameter f closes over: the graph is recorded
    return {
        "float64, constants": (lambda s: ag.tanh(s * c64 + 1.0) / (1.0 + s * s) - (-s), np.float64(0.3)),
        "float32, Python numbers": (lambda v: ag.exp(-v) * 2.0 + 1.0 / v - 3 * v ** 2,
                                    np.linspace(1, 2, 5, dtype=np.float32)),
        "float32 times a float64 array": (lambda v: ag.sin(v * c64) + c32, np.linspace(1, 2, 5, dtype=np.float32)),
        "0-d float64 times float32": (lambda s: s * c32 + ag.cos(s), np.float64(0.7)),
        "a closed-over parameter": (lambda v: ag.tanh(v * w) * v, np.linspace(1, 2, 5)),
        "integers": (lambda v: ag.exp(v * 1) + v, np.arange(5)),
    }


@pytest.mark.parametrize("name", sorted(_direct_path_functions()))
def test_jvp_direct_path_gives_the_general_paths_values_tangents_and_dtypes(name, monkeypatch):
    """A numeric jvp runs most operations through JVPTrace.apply_directly: the same bits and dtypes as the tracer's
    general path (which it leaves mixed dtypes, parameters and integers to), and it is taken for plain float data."""
    from autograd_core import forward

    f, x = _direct_path_functions()[name]
    t = np.ones_like(x, dtype=np.float64).astype(np.asarray(x).dtype) if np.asarray(x).dtype.kind == "f" else x * 0
    direct = forward.JVPTrace.apply_directly
    taken = []

    def counted(self, op, args):
        node = direct(self, op, args)
        taken.append(node is not None)
        return node

    monkeypatch.setattr(forward.JVPTrace, "apply_directly", counted)
    value, tangent = ag.jvp(f, (x,), (t,))
    monkeypatch.setattr(forward.JVPTrace, "apply_directly", lambda self, op, args: None)
    general_value, general_tangent = ag.jvp(f, (x,), (t,))
    for ours, theirs in ((value, general_value), (tangent, general_tangent)):
        assert np.asarray(ours).dtype == np.asarray(theirs).dtype
        np.testing.assert_array_equal(ours, theirs)
    if name in ("float64, constants", "float32, Python numbers"):
        assert taken and all(taken)


def test_jvp_direct_path_leaves_errors_to_the_general_path():
    with pytest.raises(ag.ShapeError, match="broadcast"):
        ag.jvp(lambda v: v * np.ones(4), (np.ones(3),), (np.ones(3),))


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


# ----------------------------------------------------------------------------------------------------
# In-place changes inside a jvp: the tangent follows them (as in PyTorch's forward mode).

_IN_PLACE = [  # (name, the change made to y = 2v in place, the same written out of place)
    ("+=", lambda y, v: y.__iadd__(v * v), lambda y, v: y + v * v),
    ("-=", lambda y, v: y.__isub__(v), lambda y, v: y - v),
    ("*=", lambda y, v: y.__imul__(v), lambda y, v: y * v),
    ("/=", lambda y, v: y.__itruediv__(v + 4.0), lambda y, v: y / (v + 4.0)),
    ("add_", lambda y, v: y.add_(v.sin()), lambda y, v: y + v.sin()),
    ("add_-alpha", lambda y, v: y.add_(v, alpha=3.0), lambda y, v: y + 3.0 * v),
    ("sub_-alpha", lambda y, v: y.sub_(v * v, alpha=0.5), lambda y, v: y - 0.5 * (v * v)),
    ("mul_", lambda y, v: y.mul_(v.exp()), lambda y, v: y * v.exp()),
    ("mul_-number", lambda y, v: y.mul_(3.0), lambda y, v: y * 3.0),
    ("div_", lambda y, v: y.div_(v * v + 1.0), lambda y, v: y / (v * v + 1.0)),
    ("pow_", lambda y, v: y.pow_(3), lambda y, v: y ** 3),
    ("pow_-Value", lambda y, v: y.abs_().pow_(v.abs() + 1.0), lambda y, v: y.abs() ** (v.abs() + 1.0)),
    ("exp_", lambda y, v: y.exp_(), lambda y, v: y.exp()),
    ("log_", lambda y, v: y.abs_().log_(), lambda y, v: y.abs().log()),
    ("sqrt_", lambda y, v: y.abs_().sqrt_(), lambda y, v: y.abs().sqrt()),
    ("tanh_", lambda y, v: y.tanh_(), lambda y, v: y.tanh()),
    ("sigmoid_", lambda y, v: y.sigmoid_(), lambda y, v: y.sigmoid()),
    ("relu_", lambda y, v: y.relu_(), lambda y, v: y.relu()),
    ("neg_", lambda y, v: y.neg_(), lambda y, v: -y),
    ("clamp_", lambda y, v: y.clamp_(-1.0, 1.0), lambda y, v: y.clip(-1.0, 1.0)),
    ("copy_", lambda y, v: y.copy_(v * v), lambda y, v: v * v),
    ("copy_-broadcast", lambda y, v: y.copy_(v[1]), lambda y, v: v[1] + 0.0 * v),
    ("copy_-array", lambda y, v: y.copy_(np.arange(3.0)), lambda y, v: Value(np.arange(3.0), requires_grad=False)),
    ("fill_", lambda y, v: y.fill_(v[0] * v[2]), lambda y, v: v[0] * v[2] + 0.0 * v),
    ("zero_", lambda y, v: y.zero_(), lambda y, v: Value(np.zeros(3), requires_grad=False)),
]


def _set(index, value):
    def change(y, v):
        y[index] = value(v) if callable(value) else value
    return change


_IN_PLACE += [
    ("setitem-int", _set(0, lambda v: v[2] * 5.0), lambda y, v: ag.stack([v[2] * 5.0, y[1], y[2]])),
    ("setitem-slice-number", _set(slice(1, None), 7.0),
     lambda y, v: ag.stack([y[0], v[0] * 0.0 + 7.0, v[0] * 0.0 + 7.0])),
    ("setitem-mask", _set(np.array([True, False, True]), lambda v: v[:2] ** 2),
     lambda y, v: ag.stack([v[0] ** 2, y[1], v[1] ** 2])),
    # a repeated position keeps the last value written to it, as NumPy's assignment does
    ("setitem-repeated", _set(np.array([0, 0, 1]), lambda v: v[np.array([1, 2, 0])].exp()),
     lambda y, v: ag.stack([v[2].exp(), v[0].exp(), y[2]])),
]


@pytest.mark.parametrize("name, change, written_out", _IN_PLACE, ids=[c[0] for c in _IN_PLACE])
def test_jvp_follows_in_place_changes(name, change, written_out):
    x, t = np.array([0.4, -1.3, 2.1]), np.array([1.0, -0.5, 0.25])

    def in_place(v):
        y = v * 2.0
        change(y, v)
        return y * y

    def out_of_place(v):
        return written_out(v * 2.0, v) ** 2

    out, tangent = ag.jvp(in_place, (x,), (t,))
    expected_out, expected_tangent = ag.jvp(out_of_place, (x,), (t,))
    np.testing.assert_allclose(out, expected_out, rtol=1e-12)
    np.testing.assert_allclose(tangent, expected_tangent, rtol=1e-12, atol=1e-15)
    # forward over forward: the outer jvp sees the operations that carry the inner tangent through the change
    if name not in ("relu_", "clamp_"):  # (kinks: second derivatives there are 0 by convention either way)
        np.testing.assert_allclose(ag.jacfwd(ag.jacfwd(lambda v: in_place(v).sum()))(x),
                                   ag.hessian(lambda v: out_of_place(v).sum())(x), rtol=1e-9, atol=1e-12)


def test_in_place_changes_in_a_jvp_keep_dtype_and_errors():
    def widen(v):  # float32 y += float64: y stays float32, and so does its tangent
        y = v * 2.0
        y += v.astype(np.float64) * Value(np.ones(2), requires_grad=False)
        return y

    out, tangent = ag.jvp(widen, (np.ones(2, dtype=np.float32),), (np.ones(2, dtype=np.float32),))
    assert out.dtype == np.float32 and tangent.dtype == np.float32
    np.testing.assert_array_equal(tangent, [3.0, 3.0])

    def wrong_shape(v):
        y = v * 2.0
        with pytest.raises(RuntimeError, match="copy_"):  # the error the change makes outside a jvp
            y.copy_(v.sum() * Value(np.ones(4), requires_grad=False))
        with pytest.raises(IndexError):
            y[5] = v[0]
        return y  # unchanged, and so is its tangent

    out, tangent = ag.jvp(wrong_shape, (np.array([1.0, 2.0]),), (np.array([1.0, -1.0]),))
    np.testing.assert_array_equal(out, [2.0, 4.0])
    np.testing.assert_array_equal(tangent, [2.0, -2.0])


_THROUGH_VIEWS = [  # (name, f of v, the same function written without in-place changes)
    ("slice-add_", lambda v: _changed(v * 1.0, lambda y: y[1:].add_(v[:2])),
     lambda v: ag.concatenate([v[:1], v[1:] + v[:2]])),
    ("reshape-mul_", lambda v: _changed(v * 1.0, lambda y: y.reshape(3, 1).mul_(2.0)), lambda v: v * 2.0),
    ("reversed-copy_-into-a-constant", lambda v: _changed(Value(np.zeros(3), requires_grad=False),
                                                          lambda y: y[::-1][:2].copy_(v[:2] ** 2)) * 1.0,
     lambda v: ag.stack([v[0] * 0.0, v[1] ** 2, v[0] ** 2])),
    ("transpose-row-add_", lambda v: _changed((v * 1.0).reshape(3, 1), lambda y: y.T[0, 1:].add_(v[:2].exp())),
     lambda v: ag.concatenate([v[:1], v[1:] + v[:2].exp()]).reshape(3, 1)),
    ("base-changed-under-a-view", lambda v: _view_then_change(v), lambda v: v[1:] * 3.0),
]


def _changed(y, change):
    change(y)
    return y


def _view_then_change(v):
    y = v * 1.0
    window = y[1:]  # a view taken before the change: the change reaches it
    y.mul_(3.0)
    return window * 1.0


@pytest.mark.parametrize("name, in_place, written_out", _THROUGH_VIEWS, ids=[c[0] for c in _THROUGH_VIEWS])
def test_jvp_follows_in_place_changes_made_through_a_view(name, in_place, written_out):
    """`y[1:].add_(v)` writes into y's array: y's tangent changes with it (and a view's, when its base changes)."""
    x, t = np.array([0.4, -1.3, 2.1]), np.array([1.0, -0.5, 0.25])
    out, tangent = ag.jvp(in_place, (x,), (t,))
    expected_out, expected_tangent = ag.jvp(written_out, (x,), (t,))
    np.testing.assert_allclose(out, expected_out, rtol=1e-12)
    np.testing.assert_allclose(tangent, expected_tangent, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ag.jacfwd(ag.jacfwd(lambda v: (in_place(v) ** 2).sum()))(x),
                               ag.hessian(lambda v: (written_out(v) ** 2).sum())(x), rtol=1e-9, atol=1e-12)


def test_jacfwd_refuses_a_function_that_changes_between_its_calls():
    """jacfwd calls f once per column: with dropout in training mode each column would come from another mask."""
    drop = nn.Dropout(0.5, rng=0)
    x = np.ones(6)
    with pytest.raises(RuntimeError, match="jacfwd: f gave different outputs on the calls"):
        ag.jacfwd(lambda v: drop(v * 1.0))(x)
    with pytest.raises(RuntimeError, match="jacfwd: f gave different outputs on the calls"):
        ag.hessian(lambda v: drop(v * v).sum())(x)  # forward over reverse: the same calls
    np.testing.assert_allclose(ag.jacrev(lambda v: drop(v * 1.0))(x).sum(axis=1) % 2.0, 0.0)  # one mask: 0 or 2
    drop.eval()
    np.testing.assert_allclose(ag.jacfwd(lambda v: drop(v * 1.0))(x), np.eye(6))
