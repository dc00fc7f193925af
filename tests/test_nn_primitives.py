"""Every primitive that nn registers (Primitive.module under 'autograd_core.nn.') has a gradient case here,
checked against finite differences (and its second derivative where the rule is itself differentiable).
The coverage test fails the day a new nn primitive arrives without a case: delete one case and watch it."""

import numpy as np
import pytest

import autograd_core.nn.functional as F
from autograd_core import Value
from autograd_core.gradcheck import gradcheck, gradgradcheck
from autograd_core.nn import conv, max_pool_kernels, norm, pool
from autograd_core.nn.avg_pool_nodes import avg_pool2d_adjoint, avg_pool3d_adjoint
from autograd_core.nn.rnn_fused import rnn_sequence as _rnn_sequence
from autograd_core.nn.sync_batchnorm import sync_normalize
from autograd_core.ops import PRIMITIVES


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


GEO = dict(stride=(1, 2), padding=((1, 0), (1, 1)), dilation=(1, 1), groups=1)
POOL = dict(kernel=(2, 2), stride=(1, 2), padding=((1, 1), (0, 1)), dilation=(1, 1))
X_POOL = rand(1, 2, 4, 5, seed=4)
Y_POOL = max_pool_kernels._max_np(X_POOL, **POOL)
_, IDX = F.max_pool2d(Value(rand(1, 2, 6, 6, seed=5)), 2, return_indices=True)
LABELS = np.array([2, 0, 1])
PIXEL_LABELS = np.array([[0, 3, 1], [2, 2, 3]])  # (N, d) = (2, 3)
# input and target of smooth L1 and Huber: |x − y| = 0.3, 0.5, 2.1, 2.2, 0.6, on both sides of 0.8 and 1, none near
D_X, D_Y = np.array([0.1, -0.3, 2.0, -1.7, 0.6]), np.array([0.4, 0.2, -0.1, 0.5, 0.0])

KINKED_X = np.array([-2.0, -0.7, -0.3, 0.2, 0.8, 1.6])  # off the kinks at ±1, ±0.5, 0.1 (and ±3 for 3x)
PICKED = np.array([[0, 3, 5], [1, 1, 4]])
NOISE = np.where(KINKED_X >= 0, 1.0, [0.2, 0.3, 0.15, 0.25, 0.2, 0.3])  # rrelu's slopes drawn for x < 0

# (primitive, label, function of Values, inputs, second derivative checked)
CASES = [
    ("linear", "linear", lambda x, w, b: F.linear(x, w, b), (rand(3, 4), rand(2, 4, seed=1), rand(2, seed=2)), True),
    ("conv2d", "conv2d", lambda x, w, b: conv._conv2d(x, w, b, **GEO), (rand(2, 2, 4, 5), rand(3, 2, 2, 3, seed=1),
                                                                         rand(3, seed=2)), True),
    ("conv_transpose2d", "conv_transpose2d",
     lambda x, w: conv._conv_transpose2d(x, w, **GEO, size=(4, 5)), (rand(2, 3, 4, 3), rand(3, 2, 2, 3, seed=1)), True),
    ("conv2d_weight", "conv2d_weight",
     lambda x, dy: conv._conv2d_weight(x, dy, **GEO, kernel=(2, 3)),
     (rand(2, 2, 4, 5), rand(2, 3, 4, 3, seed=1)), True),
    ("max_pool2d", "max_pool2d", lambda x: pool._max_pool2d(x, **POOL), (X_POOL,), True),
    ("max_pool2d_scatter", "max_pool2d_scatter",
     lambda g: pool._max_pool2d_scatter(g, X_POOL, Y_POOL, **POOL), (rand(*Y_POOL.shape, seed=6),), True),
    ("max_pool2d_gather", "max_pool2d_gather",
     lambda h: pool._max_pool2d_gather(h, X_POOL, Y_POOL, **POOL), (rand(*X_POOL.shape, seed=7),), True),
    ("max_unpool", "max_unpool", lambda y: F.max_unpool2d(y, IDX, 2), (rand(1, 2, 3, 3, seed=8),), True),
    ("normalize", "normalize", lambda x: norm.standardize(x, (1,))[0] * rand(3, 4, seed=3), (rand(3, 4),), True),
    ("scale_shift", "scale_shift", lambda x, w, b: norm._scale_shift(x, w, b, axis=1) * rand(2, 3, 4, seed=3),
     (rand(2, 3, 4), rand(3, seed=1), rand(3, seed=2)), True),
    # group_norm's saved mean (or rstd) in its double backward's formula, recorded over the weight too (none for it)
    ("saved_output", "saved_output", lambda m, w: norm._saved_output(m, w) * rand(2, 3, seed=3),
     (rand(2, 3), rand(4, seed=1)), True),
    ("cross_entropy", "cross_entropy", lambda z: F.cross_entropy(z, LABELS), (rand(3, 4),), True),
    # per pixel: the logits (N, C, d...) taken as they are, classes on axis 1
    *[("cross_entropy", f"cross_entropy-per-pixel-{r}", lambda z, r=r: F.cross_entropy(z, PIXEL_LABELS, reduction=r),
       (rand(2, 4, 3),), True) for r in ("mean", "none")],
    ("constant_pad", "constant_pad", lambda x: F.pad(x, (1, 2, -1, 1), value=0.5), (rand(2, 3, 4),), True),
    # average pooling as one node (nn/avg_pool_nodes.py) and its adjoint: partial windows, padding, a divisor
    ("avg_pool2d", "avg_pool2d-ceil-no-pad-count", lambda x: F.avg_pool2d(x, 3, 2, 1, True, False) ** 2,
     (rand(1, 2, 5, 6),), True),
    ("avg_pool2d_adjoint", "avg_pool2d_adjoint",
     lambda g: avg_pool2d_adjoint(g, box=np.ones((1, 1, 2, 3)), stride=(1, 2), pads=((1, 1), (0, 1)),
                                  scale=rand(4, 2, seed=1), size=(3, 4)) ** 2, (rand(2, 4, 2),), True),
    ("avg_pool3d", "avg_pool3d-padded-divisor", lambda x: F.avg_pool3d(x, 2, 1, 1, divisor_override=3) ** 2,
     (rand(1, 1, 2, 3, 2),), True),
    ("avg_pool3d_adjoint", "avg_pool3d_adjoint",
     lambda g: avg_pool3d_adjoint(g, kernel=(2, 2, 1), stride=(1, 2, 1), pads=((0, 1), (1, 0), (0, 0)),
                                  scale=rand(2, 2, 2, seed=1), size=(2, 3, 2)) ** 2, (rand(1, 2, 2, 2),), True),
    # constant matrices along the last axes (nn/axis_maps.py): adaptive average pooling, interpolation
    ("along_axes", "along_axes-adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)) * rand(1, 2, 2, 3,
                                                                                                     seed=3),
     (rand(1, 2, 3, 5),), True),
    ("along_axes", "along_axes-trilinear", lambda x: F.interpolate(x, size=(3, 2, 4), mode="trilinear") ** 2,
     (rand(1, 1, 2, 3, 2),), True),
    # nll_loss (nn/loss_nll.py): class weights, an ignored label, images and other shapes
    *[("nll_loss", f"nll_loss-weight-{r}", lambda p, r=r: F.nll_loss(p, LABELS, weight=np.array([0.5, 2, 1, 3]),
                                                                      reduction=r), (rand(3, 4),), True)
      for r in ("mean", "sum", "none")],
    ("nll_loss", "nll_loss-image-ignore", lambda p: F.nll_loss(p, PIXEL_LABELS.reshape(2, 3, 1), ignore_index=3),
     (rand(2, 4, 3, 1),), True),
    ("nll_loss", "nll_loss-3d-none", lambda p: F.nll_loss(p, PIXEL_LABELS, reduction="none"), (rand(2, 4, 3),), True),
    ("nll_loss", "nll_loss-one-sample", lambda p: F.nll_loss(p, np.array(2)), (rand(4),), True),
    ("binary_cross_entropy", "binary_cross_entropy", lambda p, y: F.binary_cross_entropy(p, y),
     (np.array([0.2, 0.7, 0.4]), np.array([0.0, 1.0, 0.3])), True),
    ("bce_with_logits", "bce_with_logits", lambda x, y: F.binary_cross_entropy_with_logits(x, y),
     (rand(4), np.array([0.0, 1.0, 0.3, 1.0])), True),
    # the losses of nn/loss_kernels.py: input and target both differentiable, each reduction
    *[("mse_loss", f"mse_loss-{r}", lambda x, y, r=r: F.mse_loss(x, y, reduction=r), (rand(3, 2), rand(3, 2, seed=1)),
       True) for r in ("mean", "sum", "none")],
    *[("smooth_l1_loss", f"smooth_l1_loss-{r}", lambda x, y, r=r: F.smooth_l1_loss(x, y, reduction=r, beta=0.8),
       (D_X, D_Y), True) for r in ("mean", "sum", "none")],
    ("smooth_l1_loss", "smooth_l1_loss-beta0", lambda x, y: F.smooth_l1_loss(x, y, beta=0.0), (D_X, D_Y), True),
    *[("huber_loss", f"huber_loss-{r}", lambda x, y, r=r: F.huber_loss(x, y, reduction=r, delta=0.8), (D_X, D_Y),
       True) for r in ("mean", "sum", "none")],
    ("binary_cross_entropy", "binary_cross_entropy-weight-sum",
     lambda p, y: F.binary_cross_entropy(p, y, weight=np.array([0.5, 2.0, 1.0]), reduction="sum"),
     (np.array([0.2, 0.7, 0.4]), np.array([0.0, 1.0, 0.3])), True),
    ("bce_with_logits", "bce_with_logits-pos_weight-weight-none",
     lambda x, y: F.binary_cross_entropy_with_logits(x, y, weight=np.array([1.5, 0.5, 1.0, 2.0]),
                                                     pos_weight=np.array([2.0, 0.5, 1.0, 3.0]), reduction="none"),
     (rand(4), np.array([0.0, 1.0, 0.3, 1.0])), True),
    ("elu", "elu", lambda x: F.elu(x, alpha=0.7), (rand(6),), True),
    ("softplus", "softplus", lambda x: F.softplus(x, beta=2.0, threshold=1.0), (rand(6),), True),
    ("gelu", "gelu", lambda x: F.gelu(x), (rand(6),), True),
    ("gelu_tanh", "gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), (rand(6),), True),
    ("silu", "silu", lambda x: F.silu(x), (rand(6),), True),
    ("mish", "mish", lambda x: F.mish(x), (rand(6),), True),
    ("hardswish", "hardswish", lambda x: F.hardswish(x), (rand(6),), True),
    # the piecewise-linear activations (nn/activation_piecewise.py), off their kinks, and the backward rules that are
    # nodes of their own under create_graph (ops/backward_nodes.py)
    ("hardtanh", "hardtanh", lambda x: F.hardtanh(x, -0.5, 1.0), (KINKED_X,), True),
    ("hardshrink", "hardshrink", lambda x: F.hardshrink(x, 0.5), (KINKED_X,), True),
    ("softshrink", "softshrink", lambda x: F.softshrink(x, 0.5), (KINKED_X,), True),
    ("threshold", "threshold", lambda x: F.threshold(x, 0.1, -3.0), (KINKED_X,), True),
    ("hardsigmoid", "hardsigmoid", lambda x: F.hardsigmoid(3 * x), (KINKED_X,), True),
    *[(name, name, lambda g, x, name=name, o=o: PRIMITIVES[name](g, x, **o), (rand(6, seed=9), KINKED_X * 2), True)
      for name, o in [("hardtanh_backward", dict(min_val=-1.0, max_val=1.0)), ("hardshrink_backward", dict(lambd=0.5)),
                      ("softshrink_backward", dict(lambd=0.5)), ("hardsigmoid_backward", {}),
                      ("hardswish_backward", {}), ("elu_backward", dict(alpha=0.7, scale=1.2, input_scale=0.5))]],
    ("prelu_kernel", "prelu_kernel", lambda x, w: F.prelu(x, w), (rand(2, 3, 2) + 0.1, rand(3, seed=3)), True),
    ("prelu_kernel_backward", "prelu_kernel_backward", lambda g, x, w: PRIMITIVES["prelu_kernel_backward"](g, x, w),
     (rand(6, seed=9), KINKED_X, rand(6, seed=3)), True),
    ("rrelu_with_noise", "rrelu_with_noise", lambda x: PRIMITIVES["rrelu_with_noise"](x, NOISE), (KINKED_X,), True),
    ("rrelu_with_noise_backward", "rrelu_with_noise_backward",
     lambda g: PRIMITIVES["rrelu_with_noise_backward"](g, KINKED_X, NOISE), (rand(6, seed=9),), True),
    # adaptive and fractional max pooling's pick of the maxima (row 1 picks one element twice), and its rules
    ("max_pool_pick", "max_pool_pick", lambda x: PRIMITIVES["max_pool_pick"](x, PICKED), (rand(2, 6),), True),
    ("max_pool_pick_scatter", "max_pool_pick_scatter",
     lambda g: PRIMITIVES["max_pool_pick_scatter"](g, np.zeros((2, 6)), PICKED), (rand(2, 3),), True),
    ("max_pool_pick_gather", "max_pool_pick_gather",
     lambda h: PRIMITIVES["max_pool_pick_gather"](h, np.zeros((2, 6)), PICKED), (rand(2, 6),), True),
    ("embedding", "embedding", lambda w: F.embedding(np.array([[1, 3, 1], [2, 0, 3]]), w), (rand(4, 2),), True),
    ("embedding_backward", "embedding_backward",
     lambda g: PRIMITIVES["embedding_backward"](g, ids=np.array([[1, 3, 1], [-1, 0, 3]]), num=4), (rand(2, 3, 2),),
     True),
    # rnn_sequence (nn/rnn_fused.py): an LSTM layer with a projection, read backwards; and a GRU layer
    ("rnn_sequence", "rnn_sequence-lstm", lambda *xs: _rnn_sequence(*xs, mode="LSTM", reverse=True, bias=True,
                                                                     proj=True),
     (rand(3, 2, 2), rand(2, 2, seed=1), rand(2, 3, seed=2), 0.5 * rand(12, 2, seed=3), 0.5 * rand(12, 2, seed=4),
      0.3 * rand(12, seed=5), 0.3 * rand(12, seed=6), 0.5 * rand(2, 3, seed=7)), True),
    ("rnn_sequence", "rnn_sequence-gru", lambda *xs: _rnn_sequence(*xs, mode="GRU", reverse=False, bias=True,
                                                                    proj=False),
     (rand(3, 2, 2), rand(2, 3, seed=1), 0.5 * rand(9, 2, seed=3), 0.5 * rand(9, 3, seed=4), 0.3 * rand(9, seed=5),
      0.3 * rand(9, seed=6)), True),
    # in one process; on 2 and 3 ranks tests/test_distributed.py checks SyncBatchNorm against BatchNorm
    ("sync_normalize", "sync_normalize", lambda x: sync_normalize(x)[0] * rand(3, 2, 4, seed=3), (rand(3, 2, 4),),
     False),
]


def nn_primitives():
    return {name for name, p in PRIMITIVES.items() if p.module.startswith("autograd_core.nn.")}


def primitives_in_graph(out):
    seen, stack, names = set(), [out], set()
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if v.primitive is not None:
            names.add(v.primitive.name)
        stack.extend(v.parents)
    return names


@pytest.mark.parametrize("case", CASES, ids=[c[1] for c in CASES])
def test_gradient_matches_finite_differences(case):
    _, _, fn, inputs, twice = case
    assert gradcheck(fn, list(inputs))
    if twice:
        assert gradgradcheck(fn, list(inputs))


def test_every_nn_primitive_has_a_case():
    uncovered = sorted(nn_primitives() - {c[0] for c in CASES})
    assert not uncovered, f"nn primitives without a gradient case in tests/test_nn_primitives.py: {uncovered}"


def test_each_case_records_its_primitive():
    wrong = []
    for prim, label, fn, inputs, _ in CASES:
        names = primitives_in_graph(fn(*[Value(x) for x in inputs]))
        if prim not in names:
            wrong.append((label, prim, sorted(names)))
    assert not wrong, f"cases whose graph lacks their primitive: {wrong}"
    assert {c[0] for c in CASES} <= nn_primitives()
