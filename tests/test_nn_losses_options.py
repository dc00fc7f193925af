"""Loss options against torch.nn.functional in float64 (values and gradients) and finite differences:
class weights, ignore_index, label smoothing, (N, C, d1, ...) inputs and probability targets for
cross-entropy and NLL; weight and pos_weight for the binary losses; L1, smooth L1, Huber, KL divergence."""

import zlib

import numpy as np
import pytest

import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck

REDUCTIONS = ["mean", "sum", "none"]


class _Seeded:
    """A generator reseeded by each test (below), so that a case draws the same numbers in any order."""

    def __getattr__(self, name):
        return getattr(self.rng, name)


RNG = _Seeded()


@pytest.fixture(autouse=True)
def _seed(request):
    RNG.rng = np.random.default_rng(zlib.crc32(request.node.name.encode()))


def rand(*shape):
    return RNG.normal(size=shape)


def compare_with_torch(ours_fn, torch_fn, x, *rest, grad=True):
    """ours_fn(Value(x), *rest) against torch_fn(tensor(x), *rest): values and d(sum·w)/dx."""
    torch = pytest.importorskip("torch")
    v = Value(x.copy())
    out = ours_fn(v)
    t = torch.tensor(x, requires_grad=True)
    tout = torch_fn(t)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    if grad:
        w = rand(*np.shape(out.data))
        (out * w).sum().backward()
        (tout * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-10, atol=1e-13)


# ----------------------------------------------------------------------------------------------------
# Cross-entropy and NLL.

SHAPES = [(5, 4), (4,), (3, 4, 5), (2, 4, 3, 2)]  # (N, C), (C,), (N, C, d), (N, C, d1, d2)


def labels_for(shape, ignore=None):
    sample = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    y = RNG.integers(0, shape[1] if len(shape) > 1 else shape[0], size=sample)
    if ignore is not None and y.ndim:
        y.reshape(-1)[::3] = ignore
    return y


CE_OPTIONS = [dict(), dict(weight=np.array([0.2, 1.0, 2.5, 0.7])), dict(ignore_index=1),
              dict(ignore_index=-100, _ignored=-100), dict(ignore_index=255, _ignored=255), dict(label_smoothing=0.2),
              dict(weight=np.array([0.2, 1.0, 2.5, 0.7]), ignore_index=2, label_smoothing=0.15, _ignored=2)]


def _split(options):
    options = dict(options)
    return options.pop("_ignored", None), options


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("options", CE_OPTIONS, ids=lambda o: ",".join(sorted(o)) or "plain")
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_matches_torch(shape, options, reduction):
    torch = pytest.importorskip("torch")
    ignored, options = _split(options)
    x, y = rand(*shape), labels_for(shape, ignored)
    topts = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    compare_with_torch(lambda v: F.cross_entropy(v, y, reduction=reduction, **options),
                       lambda t: torch.nn.functional.cross_entropy(t, torch.tensor(y), reduction=reduction, **topts), x)
    if shape != (4,):
        compare_with_torch(lambda v: F.nll_loss(v, y, reduction=reduction, **{k: options[k] for k in options
                                                                                if k != "label_smoothing"}),
                           lambda t: torch.nn.functional.nll_loss(t, torch.tensor(y), reduction=reduction,
                                                                  **{k: topts[k] for k in topts
                                                                     if k != "label_smoothing"}), x)


@pytest.mark.parametrize("shape", [(5, 4), (4,), (3, 4, 2)], ids=str)
@pytest.mark.parametrize("options", [dict(), dict(weight=np.array([0.2, 1.0, 2.5, 0.7])), dict(label_smoothing=0.3)],
                         ids=["plain", "weight", "smoothing"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets_match_torch(shape, options, reduction):
    torch = pytest.importorskip("torch")
    x = rand(*shape)
    axis = 0 if len(shape) == 1 else 1
    p = np.exp(rand(*shape))
    p /= p.sum(axis=axis, keepdims=True)
    topts = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    compare_with_torch(lambda v: F.cross_entropy(v, p, reduction=reduction, **options),
                       lambda t: torch.nn.functional.cross_entropy(t, torch.tensor(p), reduction=reduction, **topts), x)


def test_cross_entropy_options_gradcheck():
    x, y = rand(2, 4, 3), labels_for((2, 4, 3), ignore=3)
    w = np.array([0.5, 1.0, 2.0, 1.5])
    gradcheck(lambda v: F.cross_entropy(v, y, weight=w, ignore_index=3, label_smoothing=0.1), [x])
    gradcheck(lambda v: F.nll_loss(v, y, weight=w, ignore_index=3), [x])
    p = np.abs(rand(2, 4, 3))
    gradcheck(lambda v, t: F.cross_entropy(v, t, weight=w), [x, p])  # the target's gradient too


def test_cross_entropy_all_ignored_is_nan_like_torch():
    torch = pytest.importorskip("torch")
    y = np.array([-100, -100])
    ours = F.cross_entropy(Value(rand(2, 3)), y)
    theirs = torch.nn.functional.cross_entropy(torch.zeros(2, 3, dtype=torch.float64), torch.tensor(y))
    assert np.isnan(ours.data) and torch.isnan(theirs)
    assert F.cross_entropy(Value(rand(2, 3)), y, reduction="sum").data == 0
    for kw in (dict(), dict(weight=np.array([1.0, 2.0, 3.0]), label_smoothing=0.2)):
        z, t = Value(rand(2, 3)), torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
        F.cross_entropy(z, y, **kw).backward()
        torch.nn.functional.cross_entropy(t, torch.tensor(y), **{k: torch.tensor(v) if isinstance(v, np.ndarray)
                                                                 else v for k, v in kw.items()}).backward()
        np.testing.assert_array_equal(z.grad, t.grad.numpy())  # zeros, not nan


def test_cross_entropy_option_errors():
    with pytest.raises(ValueError, match=r"weight tensor should be defined either for all 3 classes"):
        F.cross_entropy(Value(rand(2, 3)), np.array([0, 1]), weight=np.ones(4))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(Value(rand(2, 3)), np.array([0, 1]), label_smoothing=1.5)
    with pytest.raises(IndexError, match=r"ignore_index=-100"):
        F.cross_entropy(Value(rand(2, 3)), np.array([0, -1]))
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=-0.1)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint64])
def test_the_label_range_check_agrees_with_min_and_max(dtype):
    """cross_entropy's one-reduction check (`_in_range`: negative labels read as unsigned) against min and max,
    at the edges of every integer dtype, on strided views too."""
    from autograd_core.nn.loss_classification import _in_range

    info = np.iinfo(dtype)
    for values in ([0, 3, 9], [0, 10], [9, 0, 10], [info.max], [info.min], [], [5] * 7, [-1, 2], [-100, 1]):
        labels = np.array([v for v in values if info.min <= v <= info.max], dtype=dtype)
        for view in (labels, labels[::2], labels[::-1]):
            expected = not view.size or bool(view.min() >= 0 and view.max() < 10)
            assert _in_range(view, 10) == expected, (dtype, view)
    with pytest.raises(IndexError, match=r"labels must be in \[0, 3\)"):
        F.cross_entropy(Value(rand(3, 3)), np.array([0, 1, 3], dtype=dtype))


# ----------------------------------------------------------------------------------------------------
# Binary losses with weights.


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weights", ["none", "weight", "pos_weight", "both"])
def test_bce_with_logits_weights_match_torch(reduction, weights):
    torch = pytest.importorskip("torch")
    x = rand(5, 3) * 3
    x[0, 0] = 0.0  # the kink of the naive formula
    x[1, 1] = 40.0
    y = (RNG.random((5, 3)) < 0.5).astype(float)
    y[2] = 0.3  # soft labels
    kw = {}
    if weights in ("weight", "both"):
        kw["weight"] = np.array([0.5, 2.0, 1.0])
    if weights in ("pos_weight", "both"):
        kw["pos_weight"] = np.array([3.0, 0.2, 1.0])
    tkw = {k: torch.tensor(v) for k, v in kw.items()}
    compare_with_torch(lambda v: F.binary_cross_entropy_with_logits(v, y, reduction=reduction, **kw),
                       lambda t: torch.nn.functional.binary_cross_entropy_with_logits(
                           t, torch.tensor(y), reduction=reduction, **tkw), x)
    gradcheck(lambda v: F.binary_cross_entropy_with_logits(v, y, reduction=reduction, **kw), [x])
    module = nn.BCEWithLogitsLoss(reduction=reduction, **kw)
    np.testing.assert_array_equal(module(Value(x), y).data,
                                  F.binary_cross_entropy_with_logits(Value(x), y, reduction=reduction, **kw).data)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_weight_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    p = 1 / (1 + np.exp(-rand(4, 3)))
    y = (RNG.random((4, 3)) < 0.5).astype(float)
    w = np.array([[0.5], [2.0], [1.0], [0.0]])
    compare_with_torch(lambda v: F.binary_cross_entropy(v, y, weight=w, reduction=reduction),
                       lambda t: torch.nn.functional.binary_cross_entropy(
                           t, torch.tensor(y), weight=torch.tensor(w), reduction=reduction), p)


# ----------------------------------------------------------------------------------------------------
# Regression losses and KL divergence.

REGRESSION = [
    ("l1_loss", {}, "l1_loss", {}),
    ("smooth_l1_loss", dict(beta=1.0), "smooth_l1_loss", dict(beta=1.0)),
    ("smooth_l1_loss", dict(beta=0.3), "smooth_l1_loss", dict(beta=0.3)),
    ("smooth_l1_loss", dict(beta=0.0), "smooth_l1_loss", dict(beta=0.0)),
    ("huber_loss", dict(delta=1.0), "huber_loss", dict(delta=1.0)),
    ("huber_loss", dict(delta=0.4), "huber_loss", dict(delta=0.4)),
]


@pytest.mark.parametrize("case", REGRESSION, ids=[f"{c[0]}{c[1]}" for c in REGRESSION])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_match_torch(case, reduction):
    torch = pytest.importorskip("torch")
    ours, kw, theirs, tkw = case
    x, y = rand(4, 5), rand(4, 5)
    x[0, 0] = y[0, 0]  # |d| = 0: the L1 kink (gradient 0, as PyTorch)
    compare_with_torch(lambda v: getattr(F, ours)(v, y, reduction=reduction, **kw),
                       lambda t: getattr(torch.nn.functional, theirs)(t, torch.tensor(y), reduction=reduction, **tkw),
                       x)
    x[0, 0] += 0.5
    gradcheck(lambda a, b: getattr(F, ours)(a, b, reduction=reduction, **kw), [x, y])


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    torch = pytest.importorskip("torch")
    logq = np.log(np.abs(rand(3, 4)) + 0.1)
    t = np.abs(rand(3, 4))
    t[0, 1] = 0.0  # t·log t = 0 at t = 0
    if log_target:
        t = np.log(t + 0.05)
    compare_with_torch(lambda v: F.kl_div(v, t, reduction=reduction, log_target=log_target),
                       lambda q: torch.nn.functional.kl_div(q, torch.tensor(t), reduction=reduction,
                                                            log_target=log_target), logq)
    # The target's gradient too (a distillation target can be learned).
    tt = torch.tensor(t, requires_grad=True)
    torch.nn.functional.kl_div(torch.tensor(logq), tt, reduction=reduction, log_target=log_target).sum().backward()
    tv = Value(t.copy())
    F.kl_div(Value(logq), tv, reduction=reduction, log_target=log_target).sum().backward()
    finite = np.isfinite(tt.grad.numpy())  # d(t·log t)/dt at t = 0: PyTorch says nan, we say −input
    assert finite.sum() >= t.size - 1
    np.testing.assert_allclose(tv.grad[finite], tt.grad.numpy()[finite], rtol=1e-10, atol=1e-13)
    t_pos = np.abs(t) + 0.2
    gradcheck(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target), [logq, t_pos])


MODULES = [
    (nn.L1Loss, dict(), "L1Loss"), (nn.SmoothL1Loss, dict(beta=0.5), "SmoothL1Loss"),
    (nn.HuberLoss, dict(delta=0.5), "HuberLoss"), (nn.KLDivLoss, dict(reduction="batchmean"), "KLDivLoss"),
    (nn.KLDivLoss, dict(log_target=True), "KLDivLoss"),
    (nn.CrossEntropyLoss, dict(weight=np.array([1.0, 2.0, 0.5]), ignore_index=0, label_smoothing=0.1),
     "CrossEntropyLoss"),
    (nn.NLLLoss, dict(weight=np.array([1.0, 2.0, 0.5]), reduction="sum"), "NLLLoss"),
    (nn.BCEWithLogitsLoss, dict(pos_weight=np.array([2.0, 1.0, 0.5])), "BCEWithLogitsLoss"),
]


@pytest.mark.parametrize("cls,kw,name", MODULES, ids=[f"{m[2]}-{i}" for i, m in enumerate(MODULES)])
def test_loss_modules_match_torch_modules(cls, kw, name):
    torch = pytest.importorskip("torch")
    x = rand(4, 3)
    if name in ("CrossEntropyLoss", "NLLLoss"):
        y = np.array([0, 2, 1, 2])
    elif name == "BCEWithLogitsLoss":
        y = (RNG.random((4, 3)) < 0.5).astype(float)
    elif name == "KLDivLoss":
        y = np.abs(rand(4, 3))
    else:
        y = rand(4, 3)
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    ours = cls(**kw)
    theirs = getattr(torch.nn, name)(**tkw)
    compare_with_torch(lambda v: ours(v, y), lambda t: theirs(t, torch.tensor(y)), x)
    assert repr(ours).startswith(name + "(")
    assert list(ours.state_dict()) == list(theirs.state_dict())  # class weights are buffers, as in PyTorch
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("ignore_index", [-100, 255, 2])
def test_ignored_labels_count_for_nothing_whatever_the_ignore_index(ignore_index):
    """ignore_index below 0, at C or above (255, as segmentation masks use) or a class: the ignored rows drop out."""
    x, y = rand(6, 4), np.array([0, 3, 1, 0, 1, 3])
    y_ignoring = y.copy()
    y_ignoring[[1, 4]] = ignore_index
    kept = [0, 2, 3, 5]
    loss = F.cross_entropy(Value(x), y_ignoring, ignore_index=ignore_index)
    np.testing.assert_allclose(loss.data, F.cross_entropy(Value(x[kept]), y[kept]).data, rtol=1e-12)
