"""Differential probe of nn and nn.functional against PyTorch (the specification): a table of cases, each a function
f(lib, *inputs) run once with autograd_core and once with torch on copies of the same float64 arrays. Compared: the
result's type (tensor, array, tuple, number, string), dtype, shape and values, the exception type where PyTorch
raises, and the gradients of sum(output · w) with respect to every float input. Modules get the same weights in
both libraries (`_fill`, by parameter name).

Differences we keep on purpose are in ALLOWED with the reason; an allowed case that no longer differs fails (the
allow-list must not go stale). Cases that PyTorch itself cannot run are skipped without torch. The fixes this probe
found also have finite-difference checks at the end, which run without torch."""

import warnings
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.gradcheck import gradcheck
from probe_helpers import K, as_float64, differences, dtype_name, fill_module, summary, tensors_of

F = lambda t: t.nn.functional  # the functional namespace of either library
R = np.random.default_rng(20261202)


def r(*shape):
    return R.normal(size=shape)


def w3(t):
    return t.tensor([1.0, 2.0, 3.0], dtype=t.float64)


_fill, _np, _dt, _summary = fill_module, as_float64, dtype_name, summary


def _state(module):
    return [(k, _np(v)) for k, v in module.state_dict().items()]


CASES = {}  # name -> (f(lib, *inputs), [arrays or K(array)], options)


def case(name, fn, arrays=(), **options):
    assert name not in CASES, name
    CASES[name] = (fn, list(arrays), options)


# ----------------------------------------------------------------------------------------------------
# section cases1.py
X23 = r(2, 3)
X3 = r(3)
X234 = r(2, 3, 4)
T2 = np.array([0, 2])
T1 = np.array(1)
P23 = np.abs(r(2, 3))
P23 = P23 / P23.sum(1, keepdims=True)
B23 = (r(2, 3) > 0).astype(float)
Y23 = r(2, 3)
for red in ("mean", "sum", "none"):
    case(f"ce {red}", lambda t, x, y, red=red: F(t).cross_entropy(x, y, reduction=red), [X23, T2])
    case(f"ce w {red}", lambda t, x, y, red=red: F(t).cross_entropy(x, y, weight=w3(t), reduction=red), [X23, T2])
    case(
        f"ce ignore {red}", lambda t, x, y, red=red: F(t).cross_entropy(x, y, ignore_index=2, reduction=red), [X23, T2]
    )
    case(
        f"ce ls {red}", lambda t, x, y, red=red: F(t).cross_entropy(x, y, label_smoothing=0.2, reduction=red), [X23, T2]
    )
    case(
        f"ce ls w {red}",
        lambda t, x, y, red=red: F(t).cross_entropy(x, y, weight=w3(t), label_smoothing=0.2, reduction=red),
        [X23, T2],
    )
    case(
        f"ce ls w ign {red}",
        lambda t, x, y, red=red: F(t).cross_entropy(
            x, y, weight=w3(t), ignore_index=0, label_smoothing=0.2, reduction=red
        ),
        [X23, T2],
    )
    case(f"ce prob {red}", lambda t, x, y, red=red: F(t).cross_entropy(x, y, reduction=red), [X23, P23])
    case(
        f"ce prob w ls {red}",
        lambda t, x, y, red=red: F(t).cross_entropy(x, y, weight=w3(t), label_smoothing=0.1, reduction=red),
        [X23, P23],
    )
    case(f"ce 1d {red}", lambda t, x, y, red=red: F(t).cross_entropy(x, y, reduction=red), [X3, T1])
    case(f"ce 1d prob {red}", lambda t, x, y, red=red: F(t).cross_entropy(x, y, reduction=red), [X3, P23[0]])
    case(
        f"ce kdim {red}",
        lambda t, x, y, red=red: F(t).cross_entropy(x, y, reduction=red),
        [X234, np.array([[0, 1, 2, 1], [2, 2, 0, 1]])],
    )
    case(
        f"ce kdim w ign {red}",
        lambda t, x, y, red=red: F(t).cross_entropy(x, y, weight=w3(t), ignore_index=1, reduction=red),
        [X234, np.array([[0, 1, 2, 1], [2, 2, 0, 1]])],
    )
    case(
        f"ce empty {red}",
        lambda t, x, y, red=red: F(t).cross_entropy(x, y, reduction=red),
        [np.zeros((0, 3)), np.zeros(0, dtype=np.int64)],
    )
    case(
        f"ce all ignored {red}",
        lambda t, x, y, red=red: F(t).cross_entropy(x, y, ignore_index=0, reduction=red),
        [X23, np.array([0, 0])],
    )
    case(f"nll {red}", lambda t, x, y, red=red: F(t).nll_loss(x, y, reduction=red), [X23, T2])
    case(
        f"nll w ign {red}",
        lambda t, x, y, red=red: F(t).nll_loss(x, y, weight=w3(t), ignore_index=0, reduction=red),
        [X23, T2],
    )
    case(f"nll 1d {red}", lambda t, x, y, red=red: F(t).nll_loss(x, y, reduction=red), [X3, T1])
    case(
        f"nll kdim {red}",
        lambda t, x, y, red=red: F(t).nll_loss(x, y, reduction=red),
        [X234, np.array([[0, 1, 2, 1], [2, 2, 0, 1]])],
    )
    case(f"mse {red}", lambda t, x, y, red=red: F(t).mse_loss(x, y, reduction=red), [X23, Y23])
    case(f"l1 {red}", lambda t, x, y, red=red: F(t).l1_loss(x, y, reduction=red), [X23, Y23])
    case(f"smoothl1 {red}", lambda t, x, y, red=red: F(t).smooth_l1_loss(x, y, reduction=red, beta=0.5), [X23, Y23])
    case(
        f"smoothl1 beta0 {red}", lambda t, x, y, red=red: F(t).smooth_l1_loss(x, y, reduction=red, beta=0.0), [X23, Y23]
    )
    case(f"huber {red}", lambda t, x, y, red=red: F(t).huber_loss(x, y, reduction=red, delta=0.5), [X23, Y23])
    case(f"bce {red}", lambda t, x, y, red=red: F(t).binary_cross_entropy(t.sigmoid(x), y, reduction=red), [X23, B23])
    case(
        f"bce w {red}",
        lambda t, x, y, red=red: F(t).binary_cross_entropy(t.sigmoid(x), y, weight=w3(t), reduction=red),
        [X23, B23],
    )
    case(
        f"bce 0 1 {red}",
        lambda t, x, y, red=red: F(t).binary_cross_entropy(x, y, reduction=red),
        [np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.5])],
    )
    case(f"bcel {red}", lambda t, x, y, red=red: F(t).binary_cross_entropy_with_logits(x, y, reduction=red), [X23, P23])
    case(
        f"bcel pw {red}",
        lambda t, x, y, red=red: F(t).binary_cross_entropy_with_logits(x, y, pos_weight=w3(t), reduction=red),
        [X23, P23],
    )
    case(
        f"bcel pw w {red}",
        lambda t, x, y, red=red: F(t).binary_cross_entropy_with_logits(
            x, y, weight=t.tensor([[1.0], [2.0]], dtype=t.float64), pos_weight=w3(t), reduction=red
        ),
        [X23, P23],
    )
    case(f"kl {red}", lambda t, x, y, red=red: F(t).kl_div(F(t).log_softmax(x, 1), y, reduction=red), [X23, P23])
    case(
        f"kl logt {red}",
        lambda t, x, y, red=red: F(t).kl_div(F(t).log_softmax(x, 1), y.log(), reduction=red, log_target=True),
        [X23, P23],
    )
    case(
        f"kl zero target {red}",
        lambda t, x, y, red=red: F(t).kl_div(x, y, reduction=red),
        [X3, np.array([0.0, 0.5, 0.5])],
    )
    case(f"poisson {red}", lambda t, x, y, red=red: F(t).poisson_nll_loss(x, y, reduction=red), [X23, P23])
    case(
        f"poisson nolog full {red}",
        lambda t, x, y, red=red: F(t).poisson_nll_loss(x.exp(), y * 3, log_input=False, full=True, reduction=red),
        [X23, P23],
    )
    case(
        f"gauss {red}",
        lambda t, x, y, v, red=red: F(t).gaussian_nll_loss(x, y, v.exp(), reduction=red),
        [X23, Y23, r(2, 3)],
    )
    case(
        f"gauss full var1 {red}",
        lambda t, x, y, v, red=red: F(t).gaussian_nll_loss(x, y, v.exp(), full=True, reduction=red),
        [X23, Y23, r(2, 1)],
    )
    case(
        f"gauss var vec {red}",
        lambda t, x, y, v, red=red: F(t).gaussian_nll_loss(x, y, v.exp(), reduction=red),
        [X23, Y23, r(2)],
    )
    case(
        f"hinge_emb {red}", lambda t, x, y, red=red: F(t).hinge_embedding_loss(x, y, reduction=red), [X23, np.sign(Y23)]
    )
    case(
        f"soft_margin {red}",
        lambda t, x, y, red=red: F(t).soft_margin_loss(x, y, reduction=red),
        [X23, K(np.sign(Y23))],
    )
    case(f"soft_margin target grad {red}", lambda t, x, y, red=red: F(t).soft_margin_loss(x, y, reduction=red),
         [X23, np.sign(Y23)])
    case(
        f"multilabel_soft {red}",
        lambda t, x, y, red=red: F(t).multilabel_soft_margin_loss(x, y, reduction=red),
        [X23, B23],
    )
    case(
        f"multilabel_soft w {red}",
        lambda t, x, y, red=red: F(t).multilabel_soft_margin_loss(x, y, weight=w3(t), reduction=red),
        [X23, B23],
    )
    case(f"multi_margin {red}", lambda t, x, y, red=red: F(t).multi_margin_loss(x, y, reduction=red), [X23, T2])
    case(
        f"multi_margin p2 w {red}",
        lambda t, x, y, red=red: F(t).multi_margin_loss(x, y, p=2, margin=0.5, weight=w3(t), reduction=red),
        [X23, T2],
    )
    case(f"multi_margin 1d {red}", lambda t, x, y, red=red: F(t).multi_margin_loss(x, y, reduction=red), [X3, T1])
    case(
        f"multilabel_margin {red}",
        lambda t, x, y, red=red: F(t).multilabel_margin_loss(x, y, reduction=red),
        [X23, np.array([[2, 0, -1], [1, -1, 0]])],
    )
    case(
        f"multilabel_margin 1d {red}",
        lambda t, x, y, red=red: F(t).multilabel_margin_loss(x, y, reduction=red),
        [X3, np.array([2, -1, 0])],
    )
    case(
        f"margin_rank {red}",
        lambda t, x, y, z, red=red: F(t).margin_ranking_loss(x, y, z, margin=0.3, reduction=red),
        [X3, r(3), np.array([1.0, -1.0, 1.0])],
    )
    case(
        f"cos_emb {red}",
        lambda t, x, y, z, red=red: F(t).cosine_embedding_loss(x, y, z, margin=0.1, reduction=red),
        [X23, Y23, np.array([1.0, -1.0])],
    )
    case(
        f"cos_emb 1d {red}",
        lambda t, x, y, z, red=red: F(t).cosine_embedding_loss(x, y, z, reduction=red),
        [X3, r(3), np.array(-1.0)],
    )
    case(
        f"triplet {red}",
        lambda t, a, p, n, red=red: F(t).triplet_margin_loss(a, p, n, reduction=red),
        [X23, Y23, r(2, 3)],
    )
    case(
        f"triplet swap p1 {red}",
        lambda t, a, p, n, red=red: F(t).triplet_margin_loss(a, p, n, p=1, swap=True, reduction=red),
        [X23, Y23, r(2, 3)],
    )
    case(
        f"triplet 1d {red}",
        lambda t, a, p, n, red=red: F(t).triplet_margin_loss(a, p, n, reduction=red),
        [X3, r(3), r(3)],
    )
    case(
        f"triplet dist {red}",
        lambda t, a, p, n, red=red: F(t).triplet_margin_with_distance_loss(a, p, n, reduction=red, swap=True),
        [X23, Y23, r(2, 3)],
    )
    case(
        f"mse empty {red}",
        lambda t, x, y, red=red: F(t).mse_loss(x, y, reduction=red),
        [np.zeros((0, 3)), np.zeros((0, 3))],
    )
    case(
        f"l1 empty {red}", lambda t, x, y, red=red: F(t).l1_loss(x, y, reduction=red), [np.zeros((0,)), np.zeros((0,))]
    )
    case(
        f"bce empty {red}",
        lambda t, x, y, red=red: F(t).binary_cross_entropy_with_logits(x, y, reduction=red),
        [np.zeros((0,)), np.zeros((0,))],
    )
    case(
        f"nll empty {red}",
        lambda t, x, y, red=red: F(t).nll_loss(x, y, reduction=red),
        [np.zeros((0, 3)), np.zeros(0, dtype=np.int64)],
    )
case("mse broadcast", lambda t, x, y: F(t).mse_loss(x, y), [X23, X3])
case("ce int32 target", lambda t, x, y: F(t).cross_entropy(x, y.int()), [X23, T2])
case("ce float class target error", lambda t, x, y: F(t).cross_entropy(x, y.double()), [X23, T2])
case("ce target oob", lambda t, x, y: F(t).cross_entropy(x, y), [X23, np.array([0, 3])])
case("ce target neg", lambda t, x, y: F(t).cross_entropy(x, y), [X23, np.array([0, -1])])
case("ce shape mismatch", lambda t, x, y: F(t).cross_entropy(x, y), [X23, np.array([0, 1, 1])])
case("nll f32 dtype", lambda t, x, y: _dt(F(t).nll_loss(x.float(), y).dtype), [X23, T2])
case("mse f32 dtype", lambda t, x, y: _dt(F(t).mse_loss(x.float(), y.float()).dtype), [X23, Y23])
case("mse int target", lambda t, x, y: F(t).mse_loss(x, y), [X23, np.ones((2, 3), dtype=np.int64)])
case("bce out of range", lambda t, x, y: F(t).binary_cross_entropy(x, y), [np.array([1.5]), np.array([1.0])])
case("bce shape mismatch", lambda t, x, y: F(t).binary_cross_entropy(t.sigmoid(x), y), [X23, np.ones(3)])
case("bcel shape mismatch", lambda t, x, y: F(t).binary_cross_entropy_with_logits(x, y), [X23, np.ones(3)])
case("bad reduction", lambda t, x, y: F(t).mse_loss(x, y, reduction="avg"), [X23, Y23])
case("CELoss module", lambda t, x, y: t.nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=1)(x, y), [X23, T2])
case("NLLLoss module w", lambda t, x, y: t.nn.NLLLoss(weight=w3(t), reduction="sum")(x, y), [X23, T2])
case(
    "BCEWithLogits module pw",
    lambda t, x, y: t.nn.BCEWithLogitsLoss(pos_weight=t.tensor([2.0], dtype=t.float64))(x, y),
    [X23, P23],
)
case("HuberLoss module", lambda t, x, y: t.nn.HuberLoss(delta=2.0)(x, y * 3), [X23, Y23])
case("SmoothL1 module", lambda t, x, y: t.nn.SmoothL1Loss(beta=2.0)(x, y * 3), [X23, Y23])
case("KLDiv batchmean", lambda t, x, y: t.nn.KLDivLoss(reduction="batchmean")(F(t).log_softmax(x, 1), y), [X23, P23])
case("KLDiv batchmean 1d", lambda t, x, y: t.nn.KLDivLoss(reduction="batchmean")(x, y), [X3, P23[0]])
case("GaussianNLL module", lambda t, x, y, v: t.nn.GaussianNLLLoss(eps=0.5)(x, y, v.abs()), [X23, Y23, r(2, 3) * 0.1])
case("PoissonNLL module", lambda t, x, y: t.nn.PoissonNLLLoss(log_input=False, eps=0.1)(x.abs(), y), [X23, P23])
case("gauss neg var", lambda t, x, y, v: F(t).gaussian_nll_loss(x, y, -v.abs()), [X23, Y23, r(2, 3)])
case(
    "CTC",
    lambda t, x: F(t).ctc_loss(F(t).log_softmax(x, 2), t.tensor([[1, 2], [1, 1]]), t.tensor([4, 4]), t.tensor([2, 2])),
    [r(4, 2, 3)],
)
case(
    "CTC sum zero_inf",
    lambda t, x: F(t).ctc_loss(
        F(t).log_softmax(x, 2),
        t.tensor([[1, 1, 1], [1, 2, 1]]),
        t.tensor([3, 4]),
        t.tensor([3, 1]),
        reduction="sum",
        zero_infinity=True,
    ),
    [r(4, 2, 3)],
)
case(
    "CTC none",
    lambda t, x: F(t).ctc_loss(
        F(t).log_softmax(x, 2), t.tensor([[1, 2], [1, 1]]), t.tensor([4, 3]), t.tensor([2, 1]), reduction="none"
    ),
    [r(4, 2, 3)],
)

# ----------------------------------------------------------------------------------------------------
# section cases2.py
KINK = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 20.0, -20.0])
acts = [
    "relu",
    "relu6",
    "elu",
    "selu",
    "celu",
    "gelu",
    "silu",
    "mish",
    "softplus",
    "softsign",
    "tanhshrink",
    "hardtanh",
    "hardswish",
    "hardsigmoid",
    "leaky_relu",
    "logsigmoid",
    "hardshrink",
    "softshrink",
    "sigmoid",
    "tanh",
]
for a in acts:
    case(f"act {a}", lambda t, x, a=a: getattr(F(t), a)(x), [KINK])
    case(f"act {a} f32 dtype", lambda t, x, a=a: str(getattr(F(t), a)(x.float()).dtype).replace("torch.", ""), [KINK])
case("gelu tanh", lambda t, x: F(t).gelu(x, approximate="tanh"), [KINK])
case("softplus beta thr", lambda t, x: F(t).softplus(x, beta=2, threshold=3), [KINK])
case("elu alpha", lambda t, x: F(t).elu(x, alpha=0.5), [KINK])
case("celu alpha", lambda t, x: F(t).celu(x, alpha=2.0), [KINK])
case("hardtanh range", lambda t, x: F(t).hardtanh(x, -0.5, 1.0), [KINK])
case("threshold", lambda t, x: F(t).threshold(x, 0.5, -2.0), [KINK])
case("threshold at", lambda t, x: F(t).threshold(x, 1.0, 0.0), [KINK])
case("rrelu eval", lambda t, x: F(t).rrelu(x, training=False), [KINK])
case("prelu module", lambda t, x: t.nn.PReLU(3, 0.1).double()(x), [r(2, 3, 4)])
case("prelu 1d", lambda t, x: t.nn.PReLU(1, 0.1).double()(x), [r(3)])
case("glu", lambda t, x: F(t).glu(x, -1), [r(2, 4)])
case("glu odd", lambda t, x: F(t).glu(x, -1), [r(2, 3)])
for fn in ["softmax", "log_softmax", "softmin"]:
    for d in (0, 1, -1, -2):
        case(f"{fn} dim{d}", lambda t, x, fn=fn, d=d: getattr(F(t), fn)(x, dim=d), [r(2, 3)])
    case(f"{fn} 1d", lambda t, x, fn=fn: getattr(F(t), fn)(x, dim=0), [r(4)])
    case(f"{fn} 0d", lambda t, x, fn=fn: getattr(F(t), fn)(x, dim=0), [np.array(0.5)])
    case(
        f"{fn} module",
        lambda t, x, fn=fn: getattr(
            t.nn, {"softmax": "Softmax", "log_softmax": "LogSoftmax", "softmin": "Softmin"}[fn]
        )(dim=-1)(x),
        [r(2, 3)],
    )
    case(f"{fn} dtype arg", lambda t, x, fn=fn: getattr(F(t), fn)(x.float(), dim=1, dtype=t.float64), [r(2, 3)])
    case(
        f"{fn} inf",
        lambda t, x, fn=fn: getattr(F(t), fn)(
            x.masked_fill(t.tensor([[True, False, False], [False, False, False]]), float("-inf")), dim=1
        ),
        [r(2, 3)],
    )
    case(f"{fn} dim oob", lambda t, x, fn=fn: getattr(F(t), fn)(x, dim=2), [r(2, 3)])
    case(f"{fn} empty dim", lambda t, x, fn=fn: getattr(F(t), fn)(x, dim=1), [np.zeros((3, 0))])
for dim, shape in ((1, (3, 0)), (0, (0, 3)), (1, (0, 3))):  # logsumexp of nothing is -inf
    case(f"logsumexp empty {shape} dim {dim}", lambda t, x, dim=dim: t.logsumexp(x, dim), [np.zeros(shape)])
case("logsumexp empty all", lambda t, x: t.logsumexp(x, (0, 1)), [np.zeros((2, 0))])
case("softmax2d", lambda t, x: t.nn.Softmax2d()(x), [r(2, 3, 2, 2)])
case("softmax2d 3d", lambda t, x: t.nn.Softmax2d()(x), [r(3, 2, 2)])
case("gumbel hard shape", lambda t, x: F(t).gumbel_softmax(x, hard=True).sum(-1), [r(2, 3)])
case("normalize", lambda t, x: F(t).normalize(x), [r(2, 3)])
case("normalize p1 dim0", lambda t, x: F(t).normalize(x, p=1, dim=0), [r(2, 3)])
case("normalize zero", lambda t, x: F(t).normalize(x), [np.zeros((2, 3))])
case("cosine_similarity", lambda t, x, y: F(t).cosine_similarity(x, y), [r(2, 3), r(2, 3)])
case("cosine_similarity bc", lambda t, x, y: F(t).cosine_similarity(x, y, dim=-1), [r(2, 3), r(3)])
case("cosine_similarity zero", lambda t, x, y: F(t).cosine_similarity(x, y), [np.zeros((2, 3)), r(2, 3)])
case("pairwise_distance", lambda t, x, y: F(t).pairwise_distance(x, y), [r(2, 3), r(2, 3)])
case("pairwise_distance 1d", lambda t, x, y: F(t).pairwise_distance(x, y, keepdim=True), [r(3), r(3)])
case("pdist", lambda t, x: F(t).pdist(x), [r(4, 3)])
case("one_hot", lambda t, x: F(t).one_hot(x), [np.array([0, 2])])
case("one_hot nc", lambda t, x: F(t).one_hot(x, 4), [np.array([[0, 2], [1, 1]])])
case("one_hot empty", lambda t, x: F(t).one_hot(x, 3), [np.zeros(0, dtype=np.int64)])
case("one_hot empty infer", lambda t, x: F(t).one_hot(x), [np.zeros(0, dtype=np.int64)])
case("one_hot neg", lambda t, x: F(t).one_hot(x, 3), [np.array([-1, 2])])
case("one_hot oob", lambda t, x: F(t).one_hot(x, 2), [np.array([0, 2])])
case("one_hot float", lambda t, x: F(t).one_hot(x, 3), [np.array([0.0, 2.0])])
case("one_hot 0d", lambda t, x: F(t).one_hot(x, 3), [np.array(1)])
case("one_hot int32", lambda t, x: F(t).one_hot(x.int(), 3), [np.array([1])])
case("dropout eval", lambda t, x: F(t).dropout(x, 0.5, training=False), [r(2, 3)])
case("dropout p0", lambda t, x: F(t).dropout(x, 0.0), [r(2, 3)])
case("dropout p1", lambda t, x: F(t).dropout(x, 1.0), [r(2, 3)])
case("dropout p bad", lambda t, x: F(t).dropout(x, 1.5), [r(2, 3)])
case("dropout module eval", lambda t, x: t.nn.Dropout(0.3).eval()(x), [r(2, 3)])
case(
    "dropout train scale",
    lambda t, x: (lambda y: ((y != 0) | (y == x / 0.75)).all())(t.nn.Dropout(0.25)(x)),
    [r(20, 30)],
)
case("dropout2d 3d", lambda t, x: t.nn.Dropout2d(1.0)(x), [r(2, 3, 4)])
case("alpha_dropout eval", lambda t, x: F(t).alpha_dropout(x, 0.5, training=False), [r(2, 3)])
case("feature_alpha_dropout p1", lambda t, x: F(t).feature_alpha_dropout(x, 1.0, training=True), [r(2, 3, 4)])
case("alpha_dropout p1", lambda t, x: F(t).alpha_dropout(x, 1.0, training=True), [r(2, 3)])
case("linear 1d", lambda t, x, w, b: F(t).linear(x, w, b), [r(3), r(4, 3), r(4)])
case("linear 1d w", lambda t, x, w: F(t).linear(x, w), [r(2, 3), r(3)])
case("bilinear", lambda t, x, y, w, b: F(t).bilinear(x, y, w, b), [r(2, 3), r(2, 4), r(5, 3, 4), r(5)])
case("bilinear 1d", lambda t, x, y, w: F(t).bilinear(x, y, w), [r(3), r(4), r(5, 3, 4)])
case(
    "embedding padding_idx grad",
    lambda t, w, i: F(t).embedding(i, w, padding_idx=1),
    [r(4, 3), np.array([[0, 1, 1], [3, 1, 0]])],
)
case(
    "embedding padding_idx neg", lambda t, w, i: F(t).embedding(i, w, padding_idx=-1), [r(4, 3), np.array([[0, 3, 1]])]
)
case(
    "embedding max_norm",
    lambda t, w, i: F(t).embedding(i, w.detach().clone() * 3, max_norm=1.0),
    [r(4, 3), np.array([[0, 3, 0]])],
)
case("embedding oob", lambda t, w, i: F(t).embedding(i, w), [r(4, 3), np.array([4])])
case("embedding float idx", lambda t, w, i: F(t).embedding(i, w), [r(4, 3), np.array([1.0])])
case("Embedding module pad init", lambda t: t.nn.Embedding(4, 3, padding_idx=2).weight[2], [])
case(
    "Embedding from_pretrained",
    lambda t, w, i: t.nn.Embedding.from_pretrained(w, padding_idx=0)(i),
    [r(4, 3), np.array([0, 1, 0])],
)
case("Embedding from_pretrained freeze", lambda t, w: t.nn.Embedding.from_pretrained(w).weight.requires_grad, [r(4, 3)])
case(
    "embedding_bag mean",
    lambda t, w, i, o: F(t).embedding_bag(i, w, o, mode="mean"),
    [r(5, 3), np.array([0, 1, 2, 4, 4]), np.array([0, 2, 2])],
)
case(
    "embedding_bag max",
    lambda t, w, i, o: F(t).embedding_bag(i, w, o, mode="max"),
    [r(5, 3), np.array([0, 1, 2, 4, 3]), np.array([0, 2])],
)
case(
    "embedding_bag sum psw",
    lambda t, w, i, o, s: F(t).embedding_bag(i, w, o, mode="sum", per_sample_weights=s),
    [r(5, 3), np.array([0, 1, 2]), np.array([0, 1]), r(3)],
)
case(
    "embedding_bag pad",
    lambda t, w, i, o: F(t).embedding_bag(i, w, o, mode="mean", padding_idx=1),
    [r(5, 3), np.array([0, 1, 1, 1]), np.array([0, 1])],
)
case(
    "embedding_bag last offset",
    lambda t, w, i, o: F(t).embedding_bag(i, w, o, include_last_offset=True),
    [r(5, 3), np.array([0, 1, 2, 3]), np.array([0, 1, 4])],
)

# ----------------------------------------------------------------------------------------------------
# section cases3.py
X1 = r(2, 3, 7)
X2 = r(2, 3, 6, 5)
X3 = r(1, 2, 4, 5, 3)
# conv
for pad in ("same", "valid", 1, (2, 0)):
    for dil in (1, 2):
        for g in (1, 3):
            case(
                f"conv2d pad{pad} d{dil} g{g}",
                lambda t, x, pad=pad, dil=dil, g=g: _fill(
                    t, t.nn.Conv2d(3, 6, (3, 2), padding=pad, dilation=dil, groups=g)
                )(x),
                [X2],
            )
            case(
                f"conv1d pad{pad} d{dil} g{g}",
                lambda t, x, pad=pad, dil=dil, g=g: _fill(
                    t, t.nn.Conv1d(3, 3, 4, padding=pad if pad != (2, 0) else 2, dilation=dil, groups=g)
                )(x),
                [X1],
            )
for mode in ("zeros", "reflect", "replicate", "circular"):
    case(
        f"conv2d padmode {mode}",
        lambda t, x, mode=mode: _fill(t, t.nn.Conv2d(3, 2, 3, padding=(1, 2), padding_mode=mode))(x),
        [X2],
    )
    case(
        f"conv1d padmode {mode} same",
        lambda t, x, mode=mode: _fill(t, t.nn.Conv1d(3, 2, 4, padding="same", padding_mode=mode))(x),
        [X1],
    )
case("conv2d unbatched", lambda t, x: _fill(t, t.nn.Conv2d(3, 2, 3))(x), [r(3, 5, 5)])
case("conv1d unbatched", lambda t, x: _fill(t, t.nn.Conv1d(3, 2, 3))(x), [r(3, 5)])
case("conv3d unbatched", lambda t, x: _fill(t, t.nn.Conv3d(2, 2, 2))(x), [r(2, 4, 5, 3)])
case("conv same stride err", lambda t, x: t.nn.Conv2d(3, 2, 3, padding="same", stride=2), [X2])
case(
    "convT2d",
    lambda t, x: _fill(t, t.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1, groups=1, dilation=1))(
        x
    ),
    [X2],
)
case(
    "convT2d groups dil",
    lambda t, x: _fill(t, t.nn.ConvTranspose2d(3, 6, 3, stride=2, padding=1, groups=3, dilation=2))(x),
    [X2],
)
case(
    "convT2d output_size",
    lambda t, x: _fill(t, t.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1))(x, output_size=[12, 10]),
    [X2],
)
case("convT1d unbatched", lambda t, x: _fill(t, t.nn.ConvTranspose1d(3, 2, 3, stride=2))(x), [r(3, 5)])
case("convT1d", lambda t, x: _fill(t, t.nn.ConvTranspose1d(3, 2, 3, stride=3, padding=2, output_padding=1))(x), [X1])
# pooling
for cm in (False, True):
    for pad in (0, 1):
        for dil in (1, 2):
            case(
                f"maxpool2d cm{cm} p{pad} d{dil}",
                lambda t, x, cm=cm, pad=pad, dil=dil: F(t).max_pool2d(
                    x, 3, 2, pad, dil, ceil_mode=cm, return_indices=True
                ),
                [X2],
            )
            case(
                f"maxpool1d cm{cm} p{pad} d{dil}",
                lambda t, x, cm=cm, pad=pad, dil=dil: F(t).max_pool1d(
                    x, 2, 2, pad, dil, ceil_mode=cm, return_indices=True
                ),
                [X1],
            )
        for cip in (False, True):
            case(
                f"avgpool2d cm{cm} p{pad} cip{cip}",
                lambda t, x, cm=cm, pad=pad, cip=cip: F(t).avg_pool2d(
                    x, 3, 2, pad, ceil_mode=cm, count_include_pad=cip
                ),
                [X2],
            )
            case(
                f"avgpool1d cm{cm} p{pad} cip{cip}",
                lambda t, x, cm=cm, pad=pad, cip=cip: F(t).avg_pool1d(
                    x, 2, 2, pad, ceil_mode=cm, count_include_pad=cip
                ),
                [X1],
            )
case("avgpool2d divisor", lambda t, x: F(t).avg_pool2d(x, 2, divisor_override=3), [X2])
case("maxpool2d unbatched", lambda t, x: t.nn.MaxPool2d(2, return_indices=True)(x), [r(3, 4, 4)])
case("maxpool1d unbatched", lambda t, x: t.nn.MaxPool1d(2)(x), [r(3, 4)])
case("maxpool1d unbatched indices", lambda t, x: F(t).max_pool1d(x, 2, 1, 1, return_indices=True), [r(3, 4)])
case("avgpool2d unbatched", lambda t, x: t.nn.AvgPool2d(2, 1, 1, count_include_pad=False)(x), [r(3, 4, 5)])
case("avgpool1d unbatched", lambda t, x: F(t).avg_pool1d(x, 3, 2, ceil_mode=True), [r(3, 6)])
case(
    "maxpool indices of array input",
    lambda t, x: F(t).max_pool2d(x.detach(), 2, return_indices=True)[1],
    [r(1, 2, 4, 4)],
)
case("maxpool stride None", lambda t, x: F(t).max_pool2d(x, 2, None), [X2])
case("maxpool ties", lambda t, x: F(t).max_pool2d(x, 2, 1, return_indices=True), [np.ones((1, 1, 3, 3))])
case("maxpool pad too big", lambda t, x: F(t).max_pool2d(x, 2, 2, 2), [X2])
case("avgpool3d", lambda t, x: F(t).avg_pool3d(x, 2, ceil_mode=True), [X3])
case("maxpool3d", lambda t, x: F(t).max_pool3d(x, 2, 1, 1, return_indices=True), [X3])
case("lppool2d", lambda t, x: F(t).lp_pool2d(x, 2, 2), [X2])
case("lppool1d ceil", lambda t, x: F(t).lp_pool1d(x, 3, 2, 2, ceil_mode=True), [X1])
case("adaptive avg2d", lambda t, x: F(t).adaptive_avg_pool2d(x, (4, 3)), [X2])
case("adaptive avg2d None", lambda t, x: F(t).adaptive_avg_pool2d(x, (None, 3)), [X2])
case("adaptive avg1d", lambda t, x: F(t).adaptive_avg_pool1d(x, 4), [X1])
case("adaptive max2d idx", lambda t, x: F(t).adaptive_max_pool2d(x, (4, 3), return_indices=True), [X2])
case("adaptive max1d idx", lambda t, x: F(t).adaptive_max_pool1d(x, 4, return_indices=True), [X1])
case("adaptive avg2d unbatched", lambda t, x: t.nn.AdaptiveAvgPool2d(2)(x), [r(3, 5, 5)])
case("max_unpool2d", lambda t, x: F(t).max_unpool2d(*F(t).max_pool2d(x, 2, return_indices=True), 2), [X2])
# padding
for mode in ("constant", "reflect", "replicate", "circular"):
    case(f"pad {mode} 1d", lambda t, x, mode=mode: F(t).pad(x, (2, 1), mode=mode), [X1])
    case(f"pad {mode} 2d", lambda t, x, mode=mode: F(t).pad(x, (1, 2, 2, 0), mode=mode), [X2])
    case(f"pad {mode} neg", lambda t, x, mode=mode: F(t).pad(x, (-1, 2), mode=mode), [X1])
    case(f"pad {mode} 2d unbatched", lambda t, x, mode=mode: F(t).pad(x, (1, 1, 1, 1), mode=mode), [r(3, 4, 4)])
    case(f"pad {mode} 3d", lambda t, x, mode=mode: F(t).pad(x, (1, 1, 0, 1, 1, 0), mode=mode), [X3])
for mode in ("reflect", "replicate", "circular"):
    case(f"pad {mode} crop 2d", lambda t, x, mode=mode: F(t).pad(x, (2, -3, -1, 1), mode=mode), [r(1, 2, 4, 6)])
case("pad constant value", lambda t, x: F(t).pad(x, (1, 1, 1, 1, 1, 1), value=2.5), [X1])
case("pad constant 1d tensor", lambda t, x: F(t).pad(x, (1, 2)), [r(3)])
case("pad reflect too big", lambda t, x: F(t).pad(x, (7, 0), mode="reflect"), [X1])
case("pad odd len", lambda t, x: F(t).pad(x, (1,)), [X1])
case("pad reflect 2d on 1d input", lambda t, x: F(t).pad(x, (1, 1), mode="reflect"), [r(4)])
case("pad int dtype", lambda t, x: F(t).pad(x, (1, 1), value=3), [np.array([[1, 2]])])
case("ReflectionPad2d", lambda t, x: t.nn.ReflectionPad2d((1, 0, 2, 1))(x), [X2])
case("ZeroPad2d", lambda t, x: t.nn.ZeroPad2d(1)(x), [X2])
case("ConstantPad1d", lambda t, x: t.nn.ConstantPad1d((1, 2), 3.5)(x), [X1])
case("CircularPad2d", lambda t, x: t.nn.CircularPad2d(2)(x), [X2])
case("ReplicationPad3d", lambda t, x: t.nn.ReplicationPad3d(1)(x), [X3])
# interpolate
for mode, dims in (
    ("nearest", 2),
    ("nearest-exact", 2),
    ("bilinear", 2),
    ("bicubic", 2),
    ("area", 2),
    ("linear", 1),
    ("nearest", 1),
    ("trilinear", 3),
):
    x = {1: X1, 2: X2, 3: X3}[dims]
    ac = [None] if mode.startswith("nearest") or mode == "area" else [False, True]
    for a in ac:
        for sf in (2, 1.7, 0.6, 2.5):
            case(
                f"interp {mode} {dims}d sf{sf} ac{a}",
                lambda t, x, mode=mode, sf=sf, a=a: F(t).interpolate(x, scale_factor=sf, mode=mode, align_corners=a),
                [x],
            )
        case(
            f"interp {mode} {dims}d size ac{a}",
            lambda t, x, mode=mode, a=a, dims=dims: F(t).interpolate(
                x, size=(5, 3, 4)[:dims] if dims > 1 else 9, mode=mode, align_corners=a
            ),
            [x],
        )
        if mode not in ("area",):
            case(
                f"interp {mode} {dims}d sf1.7 recompute ac{a}",
                lambda t, x, mode=mode, a=a: F(t).interpolate(
                    x, scale_factor=1.7, mode=mode, align_corners=a, recompute_scale_factor=True
                ),
                [x],
            )
for mode in ("nearest", "nearest-exact", "area"):
    for x in (r(1, 2, 5), r(1, 2, 3, 4, 5)):
        for sf in (1.5, 0.5, 3):
            case(
                f"interp {mode} {x.ndim - 2}d sf{sf}",
                lambda t, x, mode=mode, sf=sf: F(t).interpolate(x, scale_factor=sf, mode=mode),
                [x],
            )
case(
    "interp area align_corners",
    lambda t, x: F(t).interpolate(x, size=3, mode="area", align_corners=False),
    [r(1, 2, 5)],
)
case(
    "Upsample trilinear",
    lambda t, x: t.nn.Upsample(size=(3, 2, 4), mode="trilinear", align_corners=True)(x),
    [r(1, 2, 2, 3, 3)],
)
case("interp antialias", lambda t, x: F(t).interpolate(x, scale_factor=0.5, mode="bilinear", antialias=True), [X2])
case("interp sf tuple", lambda t, x: F(t).interpolate(x, scale_factor=(2, 0.5), mode="nearest"), [X2])
case("interp both", lambda t, x: F(t).interpolate(x, size=3, scale_factor=2), [X2])
case("interp none", lambda t, x: F(t).interpolate(x), [X2])
case("interp bilinear on 3d", lambda t, x: F(t).interpolate(x, scale_factor=2, mode="bilinear"), [X1])
case("Upsample", lambda t, x: t.nn.Upsample(scale_factor=1.5, mode="bilinear")(x), [X2])
case("UpsamplingNearest2d", lambda t, x: t.nn.UpsamplingNearest2d(scale_factor=2)(x), [X2])
case("UpsamplingBilinear2d", lambda t, x: t.nn.UpsamplingBilinear2d(size=(4, 7))(x), [X2])
case("pixel_shuffle", lambda t, x: F(t).pixel_shuffle(x, 2), [r(1, 8, 2, 3)])
case("pixel_unshuffle", lambda t, x: F(t).pixel_unshuffle(x, 2), [r(1, 2, 4, 6)])
case("pixel_shuffle unbatched", lambda t, x: F(t).pixel_shuffle(x, 2), [r(8, 2, 3)])
case("unfold", lambda t, x: F(t).unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), [X2])
case("fold", lambda t, x: F(t).fold(x, (4, 5), 2), [r(1, 12, 12)])
case(
    "grid_sample", lambda t, x, g: F(t).grid_sample(x, g, align_corners=False), [X2, np.clip(r(2, 3, 4, 2), -1.2, 1.2)]
)
case(
    "grid_sample border nearest",
    lambda t, x, g: F(t).grid_sample(x, g, mode="nearest", padding_mode="border", align_corners=True),
    [X2, np.clip(r(2, 3, 4, 2), -1.2, 1.2)],
)
case(
    "grid_sample reflection",
    lambda t, x, g: F(t).grid_sample(x, g, padding_mode="reflection", align_corners=False),
    [X2, r(2, 3, 4, 2)],
)
case("affine_grid", lambda t, th: F(t).affine_grid(th, [2, 3, 4, 5], align_corners=False), [r(2, 2, 3)])
case("channel_shuffle", lambda t, x: F(t).channel_shuffle(x, 3), [r(1, 6, 2, 2)])

# ----------------------------------------------------------------------------------------------------
# section cases4.py
X2 = r(4, 3, 2, 2)
X1 = r(4, 3)
X1L = r(4, 3, 5)


def bn_run(t, x, mod, steps=2, ev=True):
    m = _fill(t, mod)
    outs = []
    for i in range(steps):
        outs.append(m(x * (i + 1)))
    if ev:
        m.eval()
        outs.append(m(x))
    return (outs[-1], _state(m))


for name, ctor, x in (
    ("bn2d", lambda t, **k: t.nn.BatchNorm2d(3, **k), X2),
    ("bn1d", lambda t, **k: t.nn.BatchNorm1d(3, **k), X1),
    ("bn1d L", lambda t, **k: t.nn.BatchNorm1d(3, **k), X1L),
):
    for kw in (
        {},
        {"momentum": None},
        {"track_running_stats": False},
        {"affine": False},
        {"momentum": 0.3, "eps": 1e-3},
    ):
        case(f"{name} {kw}", lambda t, x, ctor=ctor, kw=kw: bn_run(t, x, ctor(t, **kw)), [x])
    case(f"{name} momentum None 3 steps", lambda t, x, ctor=ctor: bn_run(t, x, ctor(t, momentum=None), steps=3), [x])
case("bn1d batch1 train err", lambda t, x: _fill(t, t.nn.BatchNorm1d(3))(x), [r(1, 3)])
case("bn2d unbatched err", lambda t, x: _fill(t, t.nn.BatchNorm2d(3))(x), [r(3, 2, 2)])
case("F.batch_norm no running", lambda t, x: F(t).batch_norm(x, None, None, training=True), [X2])
case("F.batch_norm eval", lambda t, x, m, v: F(t).batch_norm(x, m, v.abs(), training=False), [X2, r(3), r(3)])
case(
    "F.batch_norm update",
    lambda t, x: (lambda rm, rv: (F(t).batch_norm(x, rm, rv, training=True, momentum=0.2), rm, rv))(
        t.zeros(3, dtype=t.float64), t.ones(3, dtype=t.float64)
    ),
    [X2],
)
case(
    "bn num_batches",
    lambda t, x: (lambda m: (m(x), m(x), _np(m.num_batches_tracked)))(t.nn.BatchNorm2d(3).double()),
    [X2],
)
case("layernorm", lambda t, x: _fill(t, t.nn.LayerNorm([2, 2]))(x), [X2])
case("layernorm no affine", lambda t, x: _fill(t, t.nn.LayerNorm(2, elementwise_affine=False))(x), [X2])
case("layernorm no bias", lambda t, x: _fill(t, t.nn.LayerNorm(2, bias=False))(x), [X2])
case("F.layer_norm", lambda t, x, w: F(t).layer_norm(x, (3,), w), [X1, r(3)])
case("rmsnorm", lambda t, x: _fill(t, t.nn.RMSNorm([2, 2]))(x), [X2])
case("rmsnorm eps None", lambda t, x: _fill(t, t.nn.RMSNorm(2, eps=None))(x * 1e-5), [X2])
case("groupnorm", lambda t, x: _fill(t, t.nn.GroupNorm(3, 3))(x), [X2])
case("groupnorm unbatched?", lambda t, x: _fill(t, t.nn.GroupNorm(1, 3))(x), [r(3, 4)])
case("instancenorm2d", lambda t, x: _fill(t, t.nn.InstanceNorm2d(3))(x), [X2])
case(
    "instancenorm2d affine track",
    lambda t, x: bn_run(t, x, t.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)),
    [X2],
)
case("instancenorm1d unbatched", lambda t, x: _fill(t, t.nn.InstanceNorm1d(3))(x), [r(3, 5)])
case("localresponsenorm", lambda t, x: t.nn.LocalResponseNorm(2)(x), [X2])
case("F.normalize eps", lambda t, x: F(t).normalize(x, eps=0.5), [X1 * 0.1])
# dropout train/eval
case("Dropout eval identity", lambda t, x: (lambda m: (m.eval(), m(x))[1])(t.nn.Dropout(0.9)), [X1])
case("Dropout train(False)", lambda t, x: (lambda m: (m.train(False), m(x), m.training)[1:])(t.nn.Dropout(0.9)), [X1])
case("AlphaDropout eval", lambda t, x: t.nn.AlphaDropout(0.5).eval()(x), [X1])
# unbatched layers
case("Linear 1d", lambda t, x: _fill(t, t.nn.Linear(3, 2))(x), [r(3)])
case("Linear no bias 3d", lambda t, x: _fill(t, t.nn.Linear(3, 2, bias=False))(x), [r(2, 4, 3)])
case("Bilinear unbatched", lambda t, x, y: _fill(t, t.nn.Bilinear(3, 2, 4))(x, y), [r(3), r(2)])
case("Identity", lambda t, x: t.nn.Identity(5, k=3)(x), [r(3)])
case("Flatten", lambda t, x: t.nn.Flatten()(x), [X2])
case("Flatten 1d", lambda t, x: t.nn.Flatten(0)(x), [r(3)])
case("Unflatten", lambda t, x: t.nn.Unflatten(1, (2, 2))(x), [r(3, 4)])
case("RNN unbatched", lambda t, x: _fill(t, t.nn.RNN(3, 4))(x), [r(5, 3)])
case("LSTM unbatched", lambda t, x: _fill(t, t.nn.LSTM(3, 4, num_layers=2))(x), [r(5, 3)])
case("GRU unbatched bf", lambda t, x: _fill(t, t.nn.GRU(3, 4, batch_first=True, bidirectional=True))(x), [r(5, 3)])
case("LSTM proj", lambda t, x: _fill(t, t.nn.LSTM(3, 4, proj_size=2))(x), [r(5, 2, 3)])
case("RNNCell unbatched", lambda t, x: _fill(t, t.nn.RNNCell(3, 4, nonlinearity="relu"))(x), [r(3)])
case("LSTMCell unbatched", lambda t, x: _fill(t, t.nn.LSTMCell(3, 4))(x), [r(3)])
case("GRUCell", lambda t, x: _fill(t, t.nn.GRUCell(3, 4))(x), [r(2, 3)])
case("MHA unbatched", lambda t, x: _fill(t, t.nn.MultiheadAttention(4, 2))(x, x, x), [r(3, 4)])
case(
    "MHA avg False",
    lambda t, x: _fill(t, t.nn.MultiheadAttention(4, 2, batch_first=True))(x, x, x, average_attn_weights=False),
    [r(2, 3, 4)],
)
case(
    "MHA need_weights False",
    lambda t, x: _fill(t, t.nn.MultiheadAttention(4, 2))(x, x, x, need_weights=False)[1],
    [r(3, 2, 4)],
)
case(
    "sdpa",
    lambda t, q, k, v: F(t).scaled_dot_product_attention(q, k, v, is_causal=True),
    [r(2, 3, 4), r(2, 3, 4), r(2, 3, 4)],
)
case(
    "sdpa scale",
    lambda t, q, k, v: F(t).scaled_dot_product_attention(
        q, k, v, scale=0.3, attn_mask=t.tensor([[True, False], [True, True], [False, True]])
    ),
    [r(2, 3, 4), r(2, 2, 4), r(2, 2, 4)],
)
case(
    "sdpa float mask",
    lambda t, q, k, v, m: F(t).scaled_dot_product_attention(q, k, v, attn_mask=m),
    [r(2, 3, 4), r(2, 2, 4), r(2, 2, 4), r(3, 2)],
)
case(
    "TransformerEncoderLayer eval",
    lambda t, x: _fill(t, t.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0)).eval()(x),
    [r(3, 2, 4)],
)
case(
    "TransformerEncoderLayer normfirst gelu",
    lambda t, x: _fill(
        t, t.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, norm_first=True, activation="gelu", batch_first=True)
    )(x),
    [r(3, 2, 4)],
)
case(
    "TransformerDecoderLayer",
    lambda t, x, m: _fill(t, t.nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0))(x, m),
    [r(3, 2, 4), r(5, 2, 4)],
)
case(
    "Transformer unbatched",
    lambda t, x, m: _fill(t, t.nn.Transformer(4, 2, 1, 1, 8, dropout=0.0))(x, m),
    [r(3, 4), r(5, 4)],
)
case("CosineSimilarity mod", lambda t, x, y: t.nn.CosineSimilarity(dim=0)(x, y), [r(3), r(3)])
case("PairwiseDistance mod", lambda t, x, y: t.nn.PairwiseDistance(p=1.5, eps=0.1)(x, y), [r(2, 3), r(2, 3)])
case(
    "Embedding max_norm mod",
    lambda t, i: (lambda m: (m(i), m.weight))(_fill(t, t.nn.Embedding(4, 3, max_norm=0.5))),
    [np.array([0, 2])],
)
case("Fold mod", lambda t, x: t.nn.Fold((3, 3), 2)(x), [r(8, 4)])
case("Unfold mod unbatched", lambda t, x: t.nn.Unfold(2)(x), [r(2, 3, 3)])


# ----------------------------------------------------------------------------------------------------
# section cases5.py
def net(t):
    class Net(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.b = t.nn.Linear(2, 3)
            self.register_buffer("buf", t.ones(2))
            self.a = t.nn.Sequential(t.nn.Linear(3, 3), t.nn.ReLU(), t.nn.BatchNorm1d(3))
            self.register_buffer("nb", t.zeros(1), persistent=False)
            self.p = t.nn.Parameter(t.zeros(2))
            self.shared = self.b
            self.ml = t.nn.ModuleList([t.nn.Linear(1, 1), t.nn.Identity()])
            self.md = t.nn.ModuleDict({"z": t.nn.Tanh(), "y": t.nn.Linear(1, 1, bias=False)})
            self.none = None

    return Net()


names = lambda it: [n for n, _ in it]
case("state_dict keys", lambda t: list(net(t).state_dict()), [])
case("named_parameters", lambda t: names(net(t).named_parameters()), [])
case("named_parameters nodedup", lambda t: names(net(t).named_parameters(remove_duplicate=False)), [])
case("named_parameters prefix norec", lambda t: names(net(t).named_parameters(prefix="m", recurse=False)), [])
case("named_buffers", lambda t: names(net(t).named_buffers()), [])
case("buffers count", lambda t: len(list(net(t).buffers())), [])
case("named_modules", lambda t: names(net(t).named_modules()), [])
case("named_modules nodedup", lambda t: names(net(t).named_modules(remove_duplicate=False)), [])
case("named_modules prefix", lambda t: names(net(t).named_modules(prefix="root")), [])
case("named_children", lambda t: names(net(t).named_children()), [])
case("children count", lambda t: len(list(net(t).children())), [])
case("modules count", lambda t: len(list(net(t).modules())), [])
case("parameters count", lambda t: len(list(net(t).parameters())), [])
case("parameters norec", lambda t: len(list(net(t).parameters(recurse=False))), [])
case("apply order", lambda t: (lambda seen: (net(t).apply(lambda m: seen.append(type(m).__name__)), seen)[1])([]), [])
case("apply returns self", lambda t: (lambda n: n.apply(lambda m: None) is n)(net(t)), [])
case(
    "train returns self",
    lambda t: (lambda n: (n.train(False) is n, n.a[2].training, n.eval() is n, n.train() is n, n.ml[0].training))(
        net(t)
    ),
    [],
)
case("train non-bool", lambda t: net(t).train("yes"), [])
case(
    "zero_grad set_to_none",
    lambda t: (lambda n: (n.b(t.ones(1, 2)).sum().backward(), n.zero_grad(), n.b.weight.grad)[2])(net(t)),
    [],
)
case(
    "zero_grad False",
    lambda t: (
        lambda n: (n.b(t.ones(1, 2)).sum().backward(), n.zero_grad(set_to_none=False), n.b.weight.grad.tolist())[2]
    )(net(t)),
    [],
)
case(
    "requires_grad_ returns",
    lambda t: (lambda n: (n.requires_grad_(False) is n, [p.requires_grad for p in n.parameters()]))(net(t)),
    [],
)
case(
    "to double buffers", lambda t: (lambda n: [_dt(v.dtype) for v in n.to(t.float64).state_dict().values()])(net(t)), []
)
case(
    "double int buffer",
    lambda t: (lambda n: [(k, str(v.dtype).replace("torch.", "")) for k, v in n.double().state_dict().items()])(net(t)),
    [],
)
case("half", lambda t: (lambda n: str(n.half().b.weight.dtype).replace("torch.", ""))(net(t)), [])
case(
    "float after double",
    lambda t: (lambda n: str(n.double().float().a[2].running_mean.dtype).replace("torch.", ""))(net(t)),
    [],
)


def hooks(t):
    m = t.nn.Linear(2, 2)
    with t.no_grad():
        m.weight.fill_(1.0)
        m.bias.fill_(0.0)
    h1 = m.register_forward_pre_hook(lambda mod, inp: (inp[0] * 2,))
    m.register_forward_hook(lambda mod, inp, out: out + 1)
    a = m(t.ones(1, 2)).tolist()
    h1.remove()
    b = m(t.ones(1, 2)).tolist()
    m.register_forward_pre_hook(lambda mod, inp: inp[0] * 3)  # non-tuple return wraps
    c = m(t.ones(1, 2)).tolist()
    m.register_forward_hook(lambda mod, inp, out: None)
    d = m(t.ones(1, 2)).tolist()
    return a, b, c, d


case("hooks return values", hooks, [])


def hooks_kw(t):
    m = t.nn.Linear(2, 2)
    with t.no_grad():
        m.weight.fill_(1.0)
        m.bias.fill_(0.0)
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, kwargs), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: out * 2, with_kwargs=True)
    return m(input=t.ones(1, 2)).tolist()


case("hooks with_kwargs", hooks_kw, [])


def lsd(t, strict):
    n = net(t)
    sd = {k: v for k, v in n.state_dict().items() if k != "b.bias"}
    sd["extra"] = sd["buf"]
    r = n.load_state_dict(sd, strict=strict)
    return (
        type(r).__name__,
        list(r.missing_keys),
        list(r.unexpected_keys),
        tuple(r) if hasattr(r, "__iter__") else None,
    )


case("load_state_dict non-strict", lambda t: lsd(t, False), [])
case("load_state_dict strict err", lambda t: lsd(t, True), [])
case(
    "load_state_dict ok",
    lambda t: (
        lambda n: (lambda r: (list(r.missing_keys), list(r.unexpected_keys), str(r)))(n.load_state_dict(n.state_dict()))
    )(net(t)),
    [],
)
case(
    "state_dict keep_vars",
    lambda t: type(net(t).state_dict(keep_vars=True)["p"]).__name__.replace("Value", "Parameter"),
    [],
)
case("getattr missing", lambda t: net(t).nothere, [])
case("sequential slice", lambda t: type(t.nn.Sequential(t.nn.ReLU(), t.nn.Tanh(), t.nn.Sigmoid())[1:]).__name__, [])
case("sequential neg idx", lambda t: type(t.nn.Sequential(t.nn.ReLU(), t.nn.Tanh())[-1]).__name__, [])
case("sequential len/append", lambda t: len(t.nn.Sequential(t.nn.ReLU()).append(t.nn.Tanh())), [])
case("sequential oob", lambda t: t.nn.Sequential(t.nn.ReLU())[3], [])
case(
    "modulelist insert",
    lambda t: (lambda l: (l.insert(0, t.nn.Tanh()), [type(m).__name__ for m in l])[1])(t.nn.ModuleList([t.nn.ReLU()])),
    [],
)
case("get_submodule", lambda t: type(net(t).get_submodule("a.2")).__name__, [])
case("get_parameter", lambda t: tuple(net(t).get_parameter("a.0.bias").shape), [])
case("extra_repr linear", lambda t: repr(t.nn.Linear(2, 3, bias=False)).split("#")[0].strip(), [])
case("repr conv", lambda t: repr(t.nn.Conv2d(2, 3, 3, padding="same", bias=False)).split("#")[0].strip(), [])
case("repr bn", lambda t: repr(t.nn.BatchNorm1d(3, momentum=None)).split("#")[0].strip(), [])
case("repr ln", lambda t: repr(t.nn.LayerNorm(3)).split("#")[0].strip(), [])
case("repr emb", lambda t: repr(t.nn.Embedding(3, 2, padding_idx=0)).split("#")[0].strip(), [])
case("repr ce", lambda t: repr(t.nn.CrossEntropyLoss()), [])
case("repr lrelu", lambda t: repr(t.nn.LeakyReLU(0.2)), [])
case("repr softmax", lambda t: repr(t.nn.Softmax(dim=1)), [])
case("repr gelu", lambda t: repr(t.nn.GELU("tanh")), [])
case("repr flatten", lambda t: repr(t.nn.Flatten()), [])
case("repr upsample", lambda t: repr(t.nn.Upsample(scale_factor=2)), [])
case("repr avgpool", lambda t: repr(t.nn.AvgPool2d(2)), [])
case("repr adaptive", lambda t: repr(t.nn.AdaptiveAvgPool2d((1, 1))), [])
case("repr lstm", lambda t: repr(t.nn.LSTM(2, 3, batch_first=True)).split("#")[0].strip(), [])


# init
def stat(t, fn, shape, **kw):
    w = t.empty(*shape, dtype=t.float64)
    fn(t)(w, **kw)
    a = np.asarray(w.detach().tolist())
    return float(a.std()), float(a.mean()), float(np.abs(a).max()) if "uniform" in fn(t).__name__ else 0.0


I = lambda name: lambda t: getattr(t.nn.init, name)
for name, kw in (
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", {"a": 5**0.5}),
    ("kaiming_normal_", {"mode": "fan_out"}),
    ("kaiming_normal_", {"nonlinearity": "leaky_relu", "a": 0.2}),
    ("xavier_uniform_", {"gain": 2.0}),
    ("xavier_normal_", {}),
    ("uniform_", {"a": -2, "b": 2}),
    ("normal_", {"mean": 1, "std": 3}),
    ("trunc_normal_", {"std": 1, "a": -1, "b": 1}),
    ("kaiming_uniform_", {"nonlinearity": "tanh"}),
    ("kaiming_normal_", {"nonlinearity": "selu"}),
    ("kaiming_normal_", {"nonlinearity": "conv2d", "mode": "fan_out"}),
):
    for shape in ((400, 300), (40, 30, 3, 3)):
        case(
            f"init {name} {kw} {shape}",
            lambda t, name=name, kw=kw, shape=shape: stat(t, I(name), shape, **kw),
            [],
            rtol=0.08,
            atol=0.05,
        )
case(
    "init orthogonal",
    lambda t: (lambda w: (t.nn.init.orthogonal_(w, gain=2), np.round(np.asarray((w @ w.T).tolist()), 6).tolist())[1])(
        t.empty(3, 5, dtype=t.float64)
    ),
    [],
)
case("init eye", lambda t: t.nn.init.eye_(t.empty(2, 3)), [])
case("init dirac", lambda t: t.nn.init.dirac_(t.empty(4, 2, 3), groups=2), [])
case("init constant", lambda t: t.nn.init.constant_(t.empty(2), 0.3), [])
case("init zeros ones", lambda t: (t.nn.init.zeros_(t.empty(2)), t.nn.init.ones_(t.empty(2))), [])
case(
    "init sparse",
    lambda t: (lambda w: (t.nn.init.sparse_(w, 0.5), (np.asarray(w.tolist()) == 0).sum(0).tolist())[1])(t.empty(4, 3)),
    [],
)
case("init 1d kaiming err", lambda t: t.nn.init.kaiming_uniform_(t.empty(3)), [])
case("init xavier 1d err", lambda t: t.nn.init.xavier_uniform_(t.empty(3)), [])
case(
    "calculate_gain",
    lambda t: (
        [t.nn.init.calculate_gain(n) for n in ("linear", "relu", "tanh", "selu", "sigmoid", "conv1d")]
        + [t.nn.init.calculate_gain("leaky_relu", 0.3)]
    ),
    [],
)
case("calculate_gain leaky None", lambda t: t.nn.init.calculate_gain("leaky_relu"), [])
case("calculate_gain bad", lambda t: t.nn.init.calculate_gain("foo"), [])
case("fan in/out", lambda t: t.nn.init._calculate_fan_in_and_fan_out(t.empty(4, 3, 2, 5)), [])
case("init returns same", lambda t: (lambda w: t.nn.init.normal_(w) is w)(t.empty(2)), [])
case(
    "init under grad",
    lambda t: (lambda m: (t.nn.init.normal_(m.weight), m.weight.requires_grad, m.weight.is_leaf)[1:])(
        t.nn.Linear(2, 2)
    ),
    [],
)
case(
    "default Linear init range",
    lambda t: (
        lambda m: (
            round(float(np.abs(np.asarray(m.weight.tolist())).max()), 1),
            round(float(np.abs(np.asarray(m.bias.tolist())).max()), 1),
        )
    )(t.nn.Linear(400, 500)),
    [],
)
case(
    "default Conv init range",
    lambda t: (
        lambda m: (
            round(float(np.abs(np.asarray(m.weight.tolist())).max()), 2),
            round(float(np.abs(np.asarray(m.bias.tolist())).max()), 2),
        )
    )(t.nn.Conv2d(40, 50, 3)),
    [],
)
case(
    "default Embedding init",
    lambda t: (lambda m: round(float(np.asarray(m.weight.tolist()).std()), 1))(t.nn.Embedding(400, 500)),
    [],
)
case(
    "default LSTM init",
    lambda t: (lambda m: round(float(np.abs(np.asarray(m.weight_hh_l0.tolist())).max()), 2))(t.nn.LSTM(20, 100)),
    [],
)
case(
    "default bilinear init",
    lambda t: (lambda m: round(float(np.abs(np.asarray(m.weight.tolist())).max()), 2))(t.nn.Bilinear(20, 30, 100)),
    [],
)
case(
    "default MHA init",
    lambda t: (
        lambda m: (
            round(float(np.abs(np.asarray(m.in_proj_weight.tolist())).max()), 2),
            m.in_proj_bias.tolist()[:2],
            m.out_proj.bias.tolist()[:2],
        )
    )(t.nn.MultiheadAttention(64, 4)),
    [],
)
case("default prelu", lambda t: t.nn.PReLU().weight.tolist(), [])
case("default ln", lambda t: (t.nn.LayerNorm(2).weight.tolist(), t.nn.GroupNorm(1, 2).bias.tolist()), [])
case(
    "Parameter requires",
    lambda t: (t.nn.Parameter(t.ones(2)).requires_grad, t.nn.Parameter(t.ones(2), requires_grad=False).requires_grad),
    [],
)
case("Parameter repr", lambda t: type(t.nn.Parameter(t.ones(2)) * 2).__name__.replace("Value", "Tensor"), [])
case("Parameter of int err", lambda t: t.nn.Parameter(t.ones(2, dtype=t.int64)), [])


# ----------------------------------------------------------------------------------------------------
# More: output dtypes of float32/integer input, negative dims, values at kinks, unbatched layers, norms
X23 = r(2, 3)
T2 = np.array([0, 2])
# output dtypes with float32 inputs
f32 = {
    "ce": lambda t, x, y: F(t).cross_entropy(x.float(), y),
    "ce ls prob": lambda t, x, y: F(t).cross_entropy(x.float(), F(t).softmax(x.float(), 1), label_smoothing=0.1),
    "nll w": lambda t, x, y: F(t).nll_loss(x.float(), y, weight=t.ones(3)),
    "mse f32 f64": lambda t, x, y: F(t).mse_loss(x.float(), x),
    "mse f64 f32": lambda t, x, y: F(t).mse_loss(x, x.float()),
    "l1 f32 int": lambda t, x, y: F(t).l1_loss(x.float(), t.ones(2, 3, dtype=t.int64)),
    "bce f32": lambda t, x, y: F(t).binary_cross_entropy(t.sigmoid(x.float()), t.ones(2, 3)),
    "bcel f32": lambda t, x, y: F(t).binary_cross_entropy_with_logits(x.float(), t.ones(2, 3), pos_weight=t.ones(3)),
    "kl f32": lambda t, x, y: F(t).kl_div(x.float(), t.ones(2, 3), reduction="batchmean"),
    "huber f32": lambda t, x, y: F(t).huber_loss(x.float(), t.zeros(2, 3)),
    "smoothl1 f16": lambda t, x, y: F(t).smooth_l1_loss(x.half(), t.zeros(2, 3, dtype=t.float16)),
    "softmax f32 dim": lambda t, x, y: F(t).softmax(x.float(), -1),
    "log_softmax int err": lambda t, x, y: F(t).log_softmax(y, 0),
    "relu int": lambda t, x, y: F(t).relu(y),
    "gelu f32": lambda t, x, y: F(t).gelu(x.float()),
    "leaky int": lambda t, x, y: F(t).leaky_relu(y),
    "hardtanh int": lambda t, x, y: F(t).hardtanh(y),
    "dropout eval int": lambda t, x, y: F(t).dropout(y, 0.5, training=False),
    "linear f32": lambda t, x, y: _fill(t, t.nn.Linear(3, 2)).float()(x.float()),
    "conv f32": lambda t, x, y: _fill(t, t.nn.Conv1d(2, 2, 2)).float()(x.float()[None]),
    "bn f32": lambda t, x, y: _fill(t, t.nn.BatchNorm1d(3)).float()(x.float()),
    "ln f32": lambda t, x, y: _fill(t, t.nn.LayerNorm(3)).float()(x.float()),
    "emb f32": lambda t, x, y: _fill(t, t.nn.Embedding(3, 2)).float()(y),
    "maxpool int": lambda t, x, y: F(t).max_pool1d(t.tensor([[[1, 3, 2, 5]]]), 2),
    "avgpool int err": lambda t, x, y: F(t).avg_pool1d(t.tensor([[[1, 3, 2, 5]]]), 2),
    "pad int": lambda t, x, y: F(t).pad(t.tensor([[1, 2]]), (1, 1), mode="constant", value=0),
    "pad f32 reflect": lambda t, x, y: F(t).pad(x.float()[None], (1, 1), mode="reflect"),
    "interp f32": lambda t, x, y: F(t).interpolate(x.float()[None], scale_factor=2, mode="linear"),
    "one_hot dtype": lambda t, x, y: F(t).one_hot(y, 3),
    "normalize f32": lambda t, x, y: F(t).normalize(x.float()),
    "cos sim f32": lambda t, x, y: F(t).cosine_similarity(x.float(), x.float() + 1),
}
for k, f in f32.items():
    case("dtype " + k, lambda t, x, y, f=f: (lambda o: (_dt(o.dtype), o))(f(t, x, y)), [X23, T2], rtol=1e-5, atol=1e-6)
# negative dims
case("glu dim -2", lambda t, x: F(t).glu(x, -2), [r(4, 3)])
case("normalize dim -2", lambda t, x: F(t).normalize(x, dim=-2), [r(2, 3, 4)])
case("cos sim dim -2", lambda t, x, y: F(t).cosine_similarity(x, y, dim=-2), [r(2, 3, 4), r(2, 3, 4)])
case("log_softmax dim -3", lambda t, x: F(t).log_softmax(x, -3), [r(2, 3, 4)])
case("Flatten neg", lambda t, x: t.nn.Flatten(-3, -2)(x), [r(2, 3, 4, 5)])
case("Unflatten neg", lambda t, x: t.nn.Unflatten(-1, (2, 2))(x), [r(3, 4)])
case("softmax implicit 3d", lambda t, x: F(t).softmax(x), [r(2, 3, 4)])
case("softmax implicit 4d", lambda t, x: F(t).softmax(x), [r(2, 3, 4, 1)])
case(
    "ce dim class 1 on 3d ls prob",
    lambda t, x, p: F(t).cross_entropy(x, F(t).softmax(p, 1), label_smoothing=0.3),
    [r(2, 3, 4), r(2, 3, 4)],
)
case(
    "ce kdim ls w ign",
    lambda t, x: F(t).cross_entropy(
        x, t.tensor([[0, 1, 2, 1], [2, 2, 0, 1]]), weight=w3(t), label_smoothing=0.3, ignore_index=2, reduction="mean"
    ),
    [r(2, 3, 4)],
)
case("ce 0d target prob 1d", lambda t, x: F(t).cross_entropy(x, t.tensor(2)), [r(3)])
case("ce 2-class 1d input int", lambda t, x: F(t).cross_entropy(x, t.tensor([1])), [r(1, 2)])
case("nll 0d input err", lambda t, x: F(t).nll_loss(x, t.tensor(0)), [np.array(0.3)])
case("mse 0d", lambda t, x, y: F(t).mse_loss(x, y), [np.array(0.3), np.array(1.2)])
case("huber 0d none", lambda t, x, y: F(t).huber_loss(x, y, reduction="none"), [np.array(0.3), np.array(1.2)])
case("l1 grad at zero", lambda t, x: F(t).l1_loss(x, x.detach()), [r(3)])
case(
    "smoothl1 at beta",
    lambda t, x: F(t).smooth_l1_loss(x, t.zeros(3, dtype=t.float64), beta=1.0),
    [np.array([1.0, -1.0, 0.0])],
)
case(
    "huber at delta",
    lambda t, x: F(t).huber_loss(x, t.zeros(3, dtype=t.float64), delta=1.0),
    [np.array([1.0, -1.0, 0.0])],
)
case("relu at 0 grad", lambda t, x: F(t).relu(x), [np.zeros(3)])
case("relu6 at 6 grad", lambda t, x: F(t).relu6(x), [np.array([0.0, 6.0])])
case("hardtanh at 1 grad", lambda t, x: F(t).hardtanh(x), [np.array([-1.0, 1.0])])
case("leaky at 0 grad", lambda t, x: F(t).leaky_relu(x, 0.1), [np.zeros(2)])
case("elu at 0 grad", lambda t, x: F(t).elu(x), [np.zeros(2)])
case("hardswish at ±3", lambda t, x: F(t).hardswish(x), [np.array([-3.0, 3.0])])
case("hardshrink at lambda", lambda t, x: F(t).hardshrink(x, 0.5), [np.array([-0.5, 0.5])])
case("softshrink at lambda", lambda t, x: F(t).softshrink(x, 0.5), [np.array([-0.5, 0.5])])
case("threshold at thr grad", lambda t, x: F(t).threshold(x, 1.0, 0.0), [np.array([1.0, 2.0])])
case("softplus at threshold", lambda t, x: F(t).softplus(x, beta=1, threshold=20), [np.array([20.0, 20.000001])])
case("abs-like clamp grad", lambda t, x: t.clamp(x, 0.0, 1.0), [np.array([0.0, 1.0])])
case("prelu at 0", lambda t, x: _fill(t, t.nn.PReLU())(x), [np.zeros(3)])
case("maxpool tie grad", lambda t, x: F(t).max_pool1d(x, 2, 1), [np.array([[[1.0, 1.0, 1.0]]])])
case("adaptive max tie grad", lambda t, x: F(t).adaptive_max_pool1d(x, 1), [np.array([[[1.0, 1.0, 1.0]]])])
case("max_unpool1d", lambda t, x: F(t).max_unpool1d(*F(t).max_pool1d(x, 2, return_indices=True), 2), [r(1, 2, 6)])
case(
    "max_unpool unbatched", lambda t, x: F(t).max_unpool2d(*F(t).max_pool2d(x, 2, return_indices=True), 2), [r(2, 4, 4)]
)
case(
    "MaxUnpool2d output_size",
    lambda t, x: t.nn.MaxUnpool2d(2)(*F(t).max_pool2d(x, 2, return_indices=True), output_size=(5, 5)),
    [r(1, 1, 5, 5)],
)
case("lppool2d unbatched", lambda t, x: t.nn.LPPool2d(2, 2)(x), [r(2, 4, 4)])
case("AdaptiveMaxPool2d unbatched", lambda t, x: t.nn.AdaptiveMaxPool2d(2, return_indices=True)(x), [r(2, 5, 5)])
case("AdaptiveAvgPool1d unbatched", lambda t, x: t.nn.AdaptiveAvgPool1d(2)(x), [r(2, 5)])
case("interp unbatched", lambda t, x: F(t).interpolate(x, scale_factor=2), [r(2, 5)])
case("BatchNorm1d 2-D (N, C)", lambda t, x: _fill(t, t.nn.BatchNorm1d(3))(x), [r(3, 4)])
case("BatchNorm2d eval unbatched", lambda t, x: _fill(t, t.nn.BatchNorm2d(3)).eval()(x), [r(3, 2, 2)])
case(
    "Embedding padding_idx grad module",
    lambda t, w: (lambda m: (m(t.tensor([0, 1, 1])), m.weight))(t.nn.Embedding(3, 2, padding_idx=1).double()),
    [],
)
case("Dropout1d 2d", lambda t, x: t.nn.Dropout1d(1.0)(x), [r(2, 3)])
case("Dropout p=1 grad", lambda t, x: F(t).dropout(x, 1.0), [r(2, 3)])
case("dropout neg", lambda t, x: F(t).dropout(x, -0.1), [r(2, 3)])
case("Dropout module repr", lambda t: repr(t.nn.Dropout2d(0.2, inplace=True)), [])
case(
    "bn eval then train stats",
    lambda t, x: (lambda m: (m.eval(), m(x), m.train(), m(x), _state(m))[1:])(
        _fill(t, t.nn.BatchNorm1d(3, momentum=None))
    ),
    [r(4, 3)],
)
case("bn no track eval", lambda t, x: _fill(t, t.nn.BatchNorm1d(3, track_running_stats=False)).eval()(x), [r(4, 3)])
case(
    "instance norm track eval",
    lambda t, x: (lambda m: (m(x), m.eval(), m(x))[2])(_fill(t, t.nn.InstanceNorm1d(3, track_running_stats=True))),
    [r(2, 3, 5)],
)
case(
    "F.instance_norm use_input_stats",
    lambda t, x, m, v: F(t).instance_norm(x, m, v.abs() + 0.1, use_input_stats=False),
    [r(2, 3, 5), r(3), r(3)],
)
case("F.group_norm", lambda t, x, w, b: F(t).group_norm(x, 3, w, b, eps=1e-3), [r(2, 6, 2), r(6), r(6)])
case("F.local_response_norm 3d", lambda t, x: F(t).local_response_norm(x, 3), [r(2, 4, 5)])
case("F.rms_norm", lambda t, x, w: F(t).rms_norm(x, (3,), w), [r(2, 3), r(3)])
case(
    "conv1d F groups stride",
    lambda t, x, w, b: F(t).conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2),
    [r(2, 4, 9), r(6, 2, 3), r(6)],
)
case(
    "conv2d F string pad",
    lambda t, x, w: F(t).conv2d(x, w, padding="same", dilation=(2, 1)),
    [r(1, 2, 6, 5), r(3, 2, 3, 4)],
)
case(
    "conv_transpose2d F",
    lambda t, x, w: F(t).conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, groups=2, dilation=1),
    [r(1, 4, 3, 3), r(4, 1, 3, 3)],
)
case("conv2d bad channels", lambda t, x, w: F(t).conv2d(x, w), [r(1, 2, 6, 5), r(3, 3, 3, 3)])
case("conv2d same even kernel", lambda t, x, w: F(t).conv2d(x, w, padding="same"), [r(1, 2, 6, 5), r(3, 2, 2, 4)])
case(
    "Conv2d same even reflect",
    lambda t, x: _fill(t, t.nn.Conv2d(2, 1, (2, 4), padding="same", padding_mode="reflect"))(x),
    [r(1, 2, 6, 5)],
)
case(
    "Conv1d valid int pad str",
    lambda t, x: _fill(t, t.nn.Conv1d(2, 1, 3, padding="valid", dilation=2))(x),
    [r(1, 2, 9)],
)


ALLOWED = {
    # Documented lenience: ours computes where PyTorch refuses.
    "one_hot int32": "one_hot takes int32 indices (PyTorch wants Long)",
    "Parameter of int err": "Parameter converts integer data to float64 (documented: Parameter([1, 2]) is micrograd's)",
    "pad reflect 2d on 1d input": "reflect/replicate/circular padding of a 1-d tensor works (PyTorch: NotImplemented)",
    "soft_margin target grad mean": "soft_margin_loss differentiates labels that require grad (Value(y) does by "
    "default), -x·σ(-y·x); PyTorch's kernel refuses them (RuntimeError)",
    "soft_margin target grad sum": "as 'soft_margin target grad mean'",
    "soft_margin target grad none": "as 'soft_margin target grad mean'",
    # Edges of a function's domain.
    "bce 0 1 mean": "BCE's gradient in the target at p = 0 or 1 is finite here (clamped logs), inf in PyTorch",
    "bce 0 1 sum": "as 'bce 0 1 mean'",
    "bce 0 1 none": "as 'bce 0 1 mean'",
    "act hardsigmoid": "PyTorch's hardsigmoid backward multiplies by a float32 1/6 (5e-8 relative); ours is exact",
    "grid_sample border nearest": "nearest grid_sample gives the grid no gradient (None), PyTorch zeros",
    # Not implemented (raise ValueError / NotImplementedError, never a wrong number).
    "dtype leaky int": "leaky_relu of int64 computes in float (PyTorch: NotImplementedError)",
    "dtype maxpool int": "max_pool1d of int64 pools as floats (PyTorch: NotImplementedError for Long)",
    "dtype avgpool int err": "avg_pool1d of int64 averages in float64; PyTorch truncates the means to int64",
    "bn eval then train stats": "PyTorch's eval-mode BatchNorm backward reads running_var at backward time, "
    "after a later training call has updated it in place; ours differentiates the statistics the forward used",
}


# ----------------------------------------------------------------------------------------------------
# Running a case in one library and comparing.


def _run(lib, fn, arrays):
    """(summary of fn's result or ("raises", exception type), gradients of every input or None)."""
    lib.manual_seed(0)
    inputs = tensors_of(lib, arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(lib, *inputs)
        except Exception as error:  # noqa: BLE001 (the exception's type is what is compared)
            return ("raises", type(error)), None
    first = out[0] if isinstance(out, tuple) and out and hasattr(out[0], "requires_grad") else out
    grads = None
    if getattr(first, "requires_grad", False) and first.numel() and _dt(first.dtype).startswith("float"):
        w = np.random.default_rng(1).normal(size=tuple(first.shape))
        (first * lib.tensor(w)).sum().backward()
        grads = [None if x.grad is None else _np(x.grad) for x in inputs]
    return _summary(out), grads



def _differences(name):
    torch = pytest.importorskip("torch")
    fn, arrays, options = CASES[name]
    rtol, atol = options.get("rtol", 1e-9), options.get("atol", 1e-11)
    return differences(_run(ag, fn, arrays), _run(torch, fn, arrays), rtol, atol)


@pytest.mark.parametrize("name", [n for n in CASES if n not in ALLOWED])
def test_matches_pytorch(name):
    assert _differences(name) == []


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_allowed_difference_still_differs(name):
    """An allowed difference that has gone away must leave the allow-list."""
    assert name in CASES, f"{name!r} is allowed but is no case"
    assert _differences(name), f"{name!r} now matches PyTorch: remove it from ALLOWED ({ALLOWED[name]})"


# ----------------------------------------------------------------------------------------------------
# The fixes this probe found, checked without PyTorch: finite differences and PyTorch's documented behaviour.

Fn = ag.nn.functional


@pytest.mark.parametrize(
    "f, shapes",
    [
        (lambda x: Fn.softmax(x, dim=0), [()]),
        (lambda x: Fn.log_softmax(x, dim=-1) * x, [()]),
        (lambda x, w: Fn.linear(x, w), [(2, 3), (3,)]),
        (lambda x, w, b: Fn.linear(x, w, b), [(3,), (3,), ()]),
        (lambda x: Fn.max_pool2d(x, 2, 1, 1), [(2, 3, 3)]),
        (lambda x: Fn.max_pool1d(x, 2, 1, 1, ceil_mode=True), [(2, 5)]),
        (lambda x: Fn.avg_pool2d(x, 2, 1, 1, count_include_pad=False), [(2, 3, 3)]),
        (lambda x: Fn.adaptive_avg_pool2d(x, (2, 1)), [(2, 3, 3)]),
        (lambda x: Fn.interpolate(x, scale_factor=1.5, mode="trilinear"), [(1, 1, 2, 3, 2)]),
        (lambda x: Fn.interpolate(x, size=(2, 3), mode="area"), [(1, 2, 3, 4)]),
        (lambda x: Fn.interpolate(x, scale_factor=1.7, mode="nearest-exact"), [(1, 2, 3)]),
        (lambda x: Fn.pad(x, (2, -3), mode="circular"), [(1, 2, 6)]),
    ],
    ids=[
        "softmax 0-d",
        "log_softmax 0-d",
        "linear 1-d weight",
        "linear 1-d input and weight",
        "max_pool2d unbatched",
        "max_pool1d unbatched",
        "avg_pool2d unbatched",
        "adaptive_avg_pool2d unbatched",
        "trilinear",
        "area",
        "nearest-exact",
        "circular crop",
    ],
)
def test_fixed_functions_match_finite_differences(f, shapes):
    rng = np.random.default_rng(5)
    assert gradcheck(f, [rng.normal(size=s) for s in shapes])


def test_fixed_shapes_and_types_without_torch():
    x = ag.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    y, indices = Fn.max_pool1d(x, 2, return_indices=True)
    assert y.shape == (3, 2) and isinstance(indices, ag.Value) and indices.dtype == ag.int64
    assert indices.tolist() == [[1, 3]] * 3
    assert Fn.softmax(ag.tensor(3.0), 0).item() == 1.0
    with pytest.raises(IndexError, match="Dimension out of range"):
        Fn.log_softmax(x, dim=2)
    assert Fn.linear(x, ag.ones(4, dtype=ag.float64)).shape == (3,)  # x is float64 (NumPy data)
    pooled = Fn.max_pool1d(ag.tensor([[[1, 3, 2, 5]]]), 2)  # an integer Value pools to a float Value, not an array
    assert isinstance(pooled, ag.Value) and pooled.tolist() == [[[3.0, 5.0]]]
    clamped = Fn.hardtanh(ag.tensor([-3, 0, 4]))  # PyTorch keeps int64
    assert clamped.dtype == ag.int64 and clamped.tolist() == [-1, 0, 1]


def test_module_api_fixes_without_torch():
    model = ag.nn.Sequential(ag.nn.Linear(2, 3), ag.nn.BatchNorm1d(3))
    assert model.get_submodule("1") is model[1] and model.get_submodule("") is model
    assert model.get_parameter("0.bias") is model[0].bias
    assert model.get_buffer("1.running_var") is model[1].running_var
    with pytest.raises(AttributeError):
        model.get_submodule("2")
    with pytest.raises(AttributeError):
        model.get_parameter("0.running_mean")
    with pytest.raises(ValueError, match="boolean"):
        model.train("no")
    assert model.half()[0].weight.dtype == ag.float16 and model[1].running_mean.dtype == np.float16
    assert repr(model.load_state_dict(model.state_dict())) == "<All keys matched successfully>"
    frozen = ag.nn.Parameter(ag.ones(2), requires_grad=False)
    assert not frozen.requires_grad and not ag.nn.Parameter(ag.ones(2), False).requires_grad
    for init in (
        ag.nn.init.kaiming_uniform_,
        ag.nn.init.kaiming_normal_,
        ag.nn.init.xavier_uniform_,
        ag.nn.init.xavier_normal_,
    ):
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            init(ag.empty(3))
    assert ag.nn.init._calculate_fan_in_and_fan_out(ag.empty(4, 3, 2, 5)) == (30, 40)
