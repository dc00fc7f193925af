"""`y.grad_fn`'s names against PyTorch's, round 2 (the style of test_grad_fn_names.py, whose helpers run each case
in both libraries): nll_loss as one node (NllLossBackward0, images NllLoss2DBackward0, other shapes viewed as
PyTorch views them), cross_entropy's options and images over LogSoftmaxBackward0, label smoothing's sum of two
scaled terms; then the values and gradients of those losses against PyTorch's, and the loss modules' weight that
requires grad (refused where PyTorch's kernel refuses it, differentiated where it is a factor)."""

import numpy as np
import pytest
from test_grad_fn_names import _chain, _library, _next_names

_RNG = np.random.default_rng(1)
_ARRAYS = {
    "x": _RNG.standard_normal((4, 3)), "v": _RNG.standard_normal(3), "c3": _RNG.standard_normal((2, 3, 5)),
    "img": _RNG.standard_normal((2, 3, 4, 4)), "c5": _RNG.standard_normal((2, 3, 2, 2, 2)),
}
_LABELS = {
    "lab": np.array([0, 1, 2, 0]), "ign": np.array([0, -100, 2, 0]), "l3": _RNG.integers(0, 3, (2, 5)),
    "limg": _RNG.integers(0, 3, (2, 4, 4)), "l5": _RNG.integers(0, 3, (2, 2, 2, 2)),
}
_CLASS_WEIGHTS = np.array([0.5, 2.0, 1.25])


class _Inputs:
    """The arrays above as float32 tensors of library L that require grad, the labels as int64 tensors, and `w`,
    the class weights (a constant)."""

    def __init__(self, L):
        for name, a in _ARRAYS.items():
            setattr(self, name, L.tensor(a.astype(np.float32), requires_grad=True))
        for name, a in _LABELS.items():
            setattr(self, name, L.tensor(a))
        self.w = L.tensor(_CLASS_WEIGHTS.astype(np.float32))


def _run(library, make):
    L, F, nn = _library(library)
    L.manual_seed(0)
    return make(L, F, nn, _Inputs(L))


# (id, name of y.grad_fn, next_functions' names joined by "|", y from (L, F, nn, d)): PyTorch 2.13's names
CASES = [
    # nll_loss: one node over the log-probabilities; the labels and class weights are no entries
    ("nll", "NllLossBackward0", "LogSoftmaxBackward0", lambda L, F, nn, d: F.nll_loss(F.log_softmax(d.x, 1), d.lab)),
    ("nll_weight", "NllLossBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: F.nll_loss(F.log_softmax(d.x, 1), d.lab, weight=d.w)),
    ("nll_none", "NllLossBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: F.nll_loss(F.log_softmax(d.x, 1), d.lab, reduction="none")),
    ("nll_ignore_sum", "NllLossBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: F.nll_loss(F.log_softmax(d.x, 1), d.ign, reduction="sum")),
    ("nll_one_sample", "NllLossBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: F.nll_loss(F.log_softmax(d.v, 0), d.lab[1])),
    ("nll_leaf", "NllLossBackward0", "AccumulateGrad", lambda L, F, nn, d: F.nll_loss(d.x, d.lab)),
    ("NLLLoss", "NllLossBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: nn.NLLLoss(weight=d.w)(nn.LogSoftmax(dim=1)(d.x), d.lab)),
    ("nll_image", "NllLoss2DBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: F.nll_loss(F.log_softmax(d.img, 1), d.limg)),
    ("nll_image_none", "NllLoss2DBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: F.nll_loss(F.log_softmax(d.img, 1), d.limg, reduction="none", weight=d.w)),
    ("nll_3d", "NllLoss2DBackward0", "ViewBackward0", lambda L, F, nn, d: F.nll_loss(F.log_softmax(d.c3, 1), d.l3)),
    ("nll_3d_none", "ViewBackward0", "NllLoss2DBackward0",
     lambda L, F, nn, d: F.nll_loss(F.log_softmax(d.c3, 1), d.l3, reduction="none")),
    ("nll_5d", "NllLoss2DBackward0", "ViewBackward0", lambda L, F, nn, d: F.nll_loss(F.log_softmax(d.c5, 1), d.l5)),
    ("nll_5d_none", "ViewBackward0", "NllLoss2DBackward0",
     lambda L, F, nn, d: F.nll_loss(F.log_softmax(d.c5, 1), d.l5, reduction="none")),
    # cross_entropy: nll_loss of log_softmax whatever the options and shape
    ("ce_weight", "NllLossBackward0", "LogSoftmaxBackward0", lambda L, F, nn, d: F.cross_entropy(d.x, d.lab, d.w)),
    ("ce_ignore", "NllLossBackward0", "LogSoftmaxBackward0", lambda L, F, nn, d: F.cross_entropy(d.x, d.ign)),
    ("ce_one_sample", "NllLossBackward0", "LogSoftmaxBackward0", lambda L, F, nn, d: F.cross_entropy(d.v, d.lab[1])),
    ("CrossEntropyLoss_weight", "NllLossBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: nn.CrossEntropyLoss(weight=d.w, reduction="sum")(d.x, d.lab)),
    ("ce_image", "NllLoss2DBackward0", "LogSoftmaxBackward0", lambda L, F, nn, d: F.cross_entropy(d.img, d.limg)),
    ("ce_image_none", "NllLoss2DBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: F.cross_entropy(d.img, d.limg, reduction="none")),
    ("ce_image_weight", "NllLoss2DBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: F.cross_entropy(d.img, d.limg, weight=d.w)),
    ("ce_3d", "NllLoss2DBackward0", "ViewBackward0", lambda L, F, nn, d: F.cross_entropy(d.c3, d.l3)),
    ("ce_3d_none", "ViewBackward0", "NllLoss2DBackward0",
     lambda L, F, nn, d: F.cross_entropy(d.c3, d.l3, reduction="none")),
    ("ce_3d_weight", "NllLoss2DBackward0", "ViewBackward0", lambda L, F, nn, d: F.cross_entropy(d.c3, d.l3, d.w)),
    ("ce_5d", "NllLoss2DBackward0", "ViewBackward0", lambda L, F, nn, d: F.cross_entropy(d.c5, d.l5)),
    ("ce_5d_none", "ViewBackward0", "NllLoss2DBackward0",
     lambda L, F, nn, d: F.cross_entropy(d.c5, d.l5, reduction="none")),
    # std: one node (its gradient 0 where the elements are all equal, as PyTorch's)
    ("std", "StdBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.std()),
    ("std(1)", "StdBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.std(1)),
    ("std(0,keepdim,correction=0)", "StdBackward0", "AccumulateGrad",
     lambda L, F, nn, d: d.x.std(0, keepdim=True, correction=0)),
    ("torch.std(unbiased=False)", "StdBackward0", "AccumulateGrad", lambda L, F, nn, d: L.std(d.c3, 2, False)),
    ("std_of_equal_rows", "StdBackward0", "ExpandBackward0", lambda L, F, nn, d: d.v[:1].expand(4, 3).std(1)),
    # the 2-norm: one node (its gradient 0 where the norm is 0)
    ("norm", "LinalgVectorNormBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.norm()),
    ("norm(dim=1)", "LinalgVectorNormBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.norm(dim=1)),
    ("norm(p=2,dim=(1,2),keepdim)", "LinalgVectorNormBackward0", "AccumulateGrad",
     lambda L, F, nn, d: d.c5.norm(2, (1, 2), True)),
    ("linalg.vector_norm", "LinalgVectorNormBackward0", "AccumulateGrad",
     lambda L, F, nn, d: L.linalg.vector_norm(d.c3, dim=-1)),
    ("linalg.norm", "LinalgVectorNormBackward0", "AccumulateGrad", lambda L, F, nn, d: L.linalg.norm(d.x)),
    ("matrix_norm_fro", "LinalgVectorNormBackward0", "AccumulateGrad", lambda L, F, nn, d: L.linalg.matrix_norm(d.c3)),
    ("torch.norm", "LinalgVectorNormBackward0", "AccumulateGrad", lambda L, F, nn, d: L.norm(d.img)),
    ("norm_of_zero_row", "LinalgVectorNormBackward0", "MulBackward0",
     lambda L, F, nn, d: (d.x * L.tensor([[0.0], [1.0], [1.0], [0.0]])).norm(dim=1)),
    # the normalisations PyTorch computes in one kernel: (input, weight, bias)
    ("layer_norm", "NativeLayerNormBackward0", "AccumulateGrad|None|None", lambda L, F, nn, d: F.layer_norm(d.x, (3,))),
    ("layer_norm_affine", "NativeLayerNormBackward0", "AccumulateGrad|AddBackward0|AccumulateGrad",
     lambda L, F, nn, d: F.layer_norm(d.c3, (5,), d.v.sum() + L.ones(5), L.zeros(5, requires_grad=True))),
    ("LayerNorm", "NativeLayerNormBackward0", "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: nn.LayerNorm((4, 4))(d.img)),
    ("LayerNorm_of_a_product", "NativeLayerNormBackward0", "MulBackward0|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: nn.LayerNorm(3)(d.x * 2)),
    ("batch_norm", "NativeBatchNormBackward0", "AccumulateGrad|None|None",
     lambda L, F, nn, d: F.batch_norm(d.x, None, None, training=True)),
    ("BatchNorm1d", "NativeBatchNormBackward0", "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: nn.BatchNorm1d(3)(d.x)),
    ("BatchNorm2d", "NativeBatchNormBackward0", "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: nn.BatchNorm2d(3)(d.img)),
    ("BatchNorm2d_eval", "NativeBatchNormBackward0", "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: nn.BatchNorm2d(3).eval()(d.img)),
    ("BatchNorm2d_no_affine", "NativeBatchNormBackward0", "AccumulateGrad|None|None",
     lambda L, F, nn, d: nn.BatchNorm2d(3, affine=False)(d.img)),
    ("group_norm", "NativeGroupNormBackward0", "AccumulateGrad|None|None", lambda L, F, nn, d: F.group_norm(d.img, 1)),
    ("GroupNorm", "NativeGroupNormBackward0", "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: nn.GroupNorm(3, 3)(d.c5)),
    ("GroupNorm_of_relu", "NativeGroupNormBackward0", "ReluBackward0|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: nn.GroupNorm(1, 3)(F.relu(d.c3))),
    # constant padding: one node (a negative amount crops)
    ("pad", "ConstantPadNdBackward0", "AccumulateGrad", lambda L, F, nn, d: F.pad(d.x, (1, 2))),
    ("pad_2d_value", "ConstantPadNdBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.pad(d.img, (1, 1, 2, 0), value=2.5)),
    ("pad_crop", "ConstantPadNdBackward0", "AccumulateGrad", lambda L, F, nn, d: F.pad(d.c3, (-1, 2, 1, -1))),
    ("pad_3_axes", "ConstantPadNdBackward0", "MulBackward0", lambda L, F, nn, d: F.pad(d.c5 * d.c5, (1,) * 6)),
    ("ZeroPad2d", "ConstantPadNdBackward0", "AccumulateGrad", lambda L, F, nn, d: nn.ZeroPad2d((0, 1, 1, 0))(d.img)),
    ("ConstantPad1d", "ConstantPadNdBackward0", "AccumulateGrad", lambda L, F, nn, d: nn.ConstantPad1d(2, -1.0)(d.c3)),
    # reflect and replicate padding, nearest interpolation: one index node each, named as PyTorch's kernel
    ("pad_reflect", "ReflectionPad2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.pad(d.img, (1, 2, 2, 1), mode="reflect")),
    ("pad_replicate_1d", "ReplicationPad1DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.pad(d.c3, (2, 1), mode="replicate")),
    ("ReflectionPad1d", "ReflectionPad1DBackward0", "AccumulateGrad", lambda L, F, nn, d: nn.ReflectionPad1d(2)(d.c3)),
    ("ReplicationPad3d", "ReplicationPad3DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: nn.ReplicationPad3d(1)(d.c5)),
    ("interpolate_nearest", "UpsampleNearest2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.img, scale_factor=2)),
    ("interpolate_nearest_size", "UpsampleNearest1DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.c3, size=7)),
    ("interpolate_nearest_exact", "UpsampleNearestExact3DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.c5, size=(3, 3, 1), mode="nearest-exact")),
    ("Upsample", "UpsampleNearest2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: nn.Upsample(scale_factor=2)(d.img)),
    # average pooling: avg_pool2d's plain windows, and adaptive pooling to one bin (a mean)
    ("avg_pool2d", "AvgPool2DBackward0", "AccumulateGrad", lambda L, F, nn, d: F.avg_pool2d(d.img, 2)),
    ("AvgPool2d_padded", "AvgPool2DBackward0", "ReluBackward0",
     lambda L, F, nn, d: nn.AvgPool2d(3, stride=1, padding=1)(F.relu(d.img))),
    ("adaptive_avg_pool2d_1", "MeanBackward1", "AccumulateGrad", lambda L, F, nn, d: F.adaptive_avg_pool2d(d.img, 1)),
    ("AdaptiveAvgPool2d_1x1", "MeanBackward1", "AccumulateGrad",
     lambda L, F, nn, d: nn.AdaptiveAvgPool2d((1, 1))(d.img)),
    ("adaptive_avg_pool3d_1", "MeanBackward1", "AccumulateGrad", lambda L, F, nn, d: F.adaptive_avg_pool3d(d.c5, 1)),
    # x.max(dim) and its kin: one node each (the gradient to the element the index names)
    ("max(1)", "MaxBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.max(1)[0]),
    ("max(1).values", "MaxBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.max(1).values),
    ("max(0,keepdim)", "MaxBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.max(0, keepdim=True)[0]),
    ("torch.max(x,-1)", "MaxBackward0", "AccumulateGrad", lambda L, F, nn, d: L.max(d.c3, -1)[0]),
    ("min(1)", "MinBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.min(1)[0]),
    ("min(1,keepdim)", "MinBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.min(1, keepdim=True).values),
    ("max_of_ties", "MaxBackward0", "ExpandBackward0", lambda L, F, nn, d: d.v[:1].expand(4, 3).max(1)[0]),
    ("median(1)", "MedianBackward1", "AccumulateGrad", lambda L, F, nn, d: d.x.median(1)[0]),
    ("median(0,keepdim)", "MedianBackward1", "AccumulateGrad", lambda L, F, nn, d: d.x.median(0, True).values),
    ("cummax", "CummaxBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.cummax(1)[0]),
    ("cummin", "CumminBackward0", "AccumulateGrad", lambda L, F, nn, d: L.cummin(d.x, 0).values),
    ("sort", "SortBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.sort(1)[0]),
    ("topk", "TopkBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.topk(2)[0]),
    ("topk_smallest", "TopkBackward0", "AccumulateGrad", lambda L, F, nn, d: L.topk(d.c3, 3, dim=1, largest=False)[0]),
]

def _written(L, d, write):
    """y = x·1 (a non-leaf), then write(y) into it in place: y's grad_fn is the write's node."""
    y = d.x * 1
    write(y, d)
    return y


def _set(y, index, value):
    y[index] = value


# assignments into a Value: PyTorch's CopySlices (basic indices) or IndexPutBackward0 (index arrays, masks), listing
# (the written Value's node, the value's)
WRITES = [
    ("y[0]=x[1]", "CopySlices", "MulBackward0|SelectBackward0",
     lambda L, F, nn, d: _written(L, d, lambda y, d: _set(y, 0, d.x[1]))),
    ("y[0,1]=5", "CopySlices", "MulBackward0|None",
     lambda L, F, nn, d: _written(L, d, lambda y, d: _set(y, (0, 1), 5))),
    ("y[1:]=0", "CopySlices", "MulBackward0|None",
     lambda L, F, nn, d: _written(L, d, lambda y, d: _set(y, slice(1, None), 0))),
    ("y[:,1]=v[0]*2", "CopySlices", "MulBackward0|MulBackward0",
     lambda L, F, nn, d: _written(L, d, lambda y, d: _set(y, (slice(None), 1), d.v[0] * 2))),
    ("y[[0,1]]=0", "IndexPutBackward0", "MulBackward0|None",
     lambda L, F, nn, d: _written(L, d, lambda y, d: _set(y, [0, 1], 0))),
    ("y[y>0]=0", "IndexPutBackward0", "MulBackward0|None",
     lambda L, F, nn, d: _written(L, d, lambda y, d: _set(y, y > 0, 0))),
    ("zeros[0]=x[1]", "CopySlices", "None|SelectBackward0",
     lambda L, F, nn, d: (lambda y: (_set(y, 0, d.x[1]), y)[1])(L.zeros(4, 3))),
]


@pytest.mark.parametrize("L", ["torch", "autograd_core"])
@pytest.mark.parametrize("case", WRITES, ids=[c[0] for c in WRITES])
def test_assignments_are_pytorchs_copy_slices_and_index_put(L, case):
    _, name, next_names, make = case
    fn = _run(L, make).grad_fn
    qualified = "torch::autograd::CopySlices" if name == "CopySlices" else name  # a C++ node's, as AccumulateGrad
    assert (type(fn).__name__, fn.name(), _next_names(fn)) == (name, qualified, next_names)


@pytest.mark.parametrize("case", WRITES, ids=[c[0] for c in WRITES])
def test_assignments_whole_chain_and_gradients_are_pytorchs(case):
    make = case[3]
    assert _chain(_run("autograd_core", make).grad_fn) == _chain(_run("torch", make).grad_fn)
    grads = []
    for library in ("autograd_core", "torch"):
        L, F, nn = _library(library)
        d = _Inputs(L)
        (make(L, F, nn, d) * L.tensor(np.cos(np.arange(12.0)).reshape(4, 3).astype(np.float32))).sum().backward()
        grads.append([np.zeros(3) if v.grad is None else np.asarray(v.grad) for v in (d.x, d.v)])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_a_write_through_a_view_is_copy_slices_over_the_written_value():
    """y[0].add_(1): CopySlices over y's old node, as PyTorch's (whose second entry is None there: its node for the
    view's change is folded into CopySlices; here it is the add of the view's elements)."""
    import autograd_core as ag

    x = ag.randn(4, 3, requires_grad=True)
    y = x * 1
    y[0].add_(1)
    assert type(y.grad_fn).__name__ == "CopySlices" and y.grad_fn.next_functions[0][0].name() == "MulBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((4, 3)))


# label smoothing: PyTorch's (1 − ε)·nll + ε/C·smooth, each a mul(Tensor, Scalar) (MulBackward1, one entry); below
# the smooth term our chain differs (a product with the mask of labels kept, where PyTorch's is MaskedFillBackward0)
SMOOTHING = [
    ("ce_smoothing", lambda L, F, nn, d: F.cross_entropy(d.x, d.lab, label_smoothing=0.1)),
    ("ce_smoothing_weight_sum", lambda L, F, nn, d: F.cross_entropy(d.x, d.ign, d.w, label_smoothing=0.2,
                                                                     reduction="sum")),
    ("ce_smoothing_image_none", lambda L, F, nn, d: F.cross_entropy(d.img, d.limg, label_smoothing=0.1,
                                                                     reduction="none")),
    ("CrossEntropyLoss_smoothing", lambda L, F, nn, d: nn.CrossEntropyLoss(label_smoothing=0.3)(d.x, d.lab)),
]

_IDS = [case[0] for case in CASES]


@pytest.mark.parametrize("L", ["torch", "autograd_core"])
@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_grad_fn_and_next_functions_are_named_as_the_table(L, case):
    _, name, next_names, make = case
    fn = _run(L, make).grad_fn
    assert (type(fn).__name__, fn.name(), _next_names(fn)) == (name, name, next_names)


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_whole_chain_is_pytorchs(case):
    make = case[3]
    assert _chain(_run("autograd_core", make).grad_fn) == _chain(_run("torch", make).grad_fn)


def _top(fn):
    """fn's name, its entries' names, and the first entry's entries' names."""
    first = fn.next_functions[0][0]
    return type(fn).__name__, _next_names(fn), _next_names(first), _next_names(first.next_functions[0][0])


@pytest.mark.parametrize("case", SMOOTHING, ids=[c[0] for c in SMOOTHING])
def test_label_smoothing_is_pytorchs_sum_of_two_scaled_terms(case):
    make = case[1]
    ours = _run("autograd_core", make).grad_fn
    assert _top(ours) == _top(_run("torch", make).grad_fn)
    assert _top(ours)[:2] == ("AddBackward0", "MulBackward1|MulBackward1")


# ---- values and gradients (first and second order) against PyTorch's

_GRADIENT_CASES = [c for c in CASES if c[0] != "nll_leaf"] + [(c[0], None, None, c[1]) for c in SMOOTHING]


def _loss_and_gradient(library, make, create_graph):
    L, F, nn = _library(library)
    d = _Inputs(L)
    loss = make(L, F, nn, d)
    inputs = [v for v in (d.x, d.v, d.c3, d.img, d.c5)]
    used = [v for v in inputs if v.grad_fn is None]
    # a weighted sum: a normalisation's outputs sum to a constant, whose gradient would be rounding alone
    out = (loss * L.tensor(np.cos(np.arange(loss.numel())).reshape(tuple(loss.shape)).astype(np.float32))).sum()
    grads = L.autograd.grad(out, used, create_graph=create_graph, allow_unused=True)
    if create_graph:
        # a second derivative: of Σ g² (the gradients' own dependence on the inputs; none for a linear map, whose
        # gradient is a constant: zeros, whether a library says None or zeros)
        total = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
        grads = (None,) * len(used) if isinstance(total, int) else L.autograd.grad(total, used, allow_unused=True)
    return out, tuple(np.zeros(tuple(v.shape)) if g is None else np.asarray(g.detach().numpy() if hasattr(g, "numpy")
                                                                           else g.data) for g, v in zip(grads, used))


@pytest.mark.parametrize("create_graph", [False, True], ids=["grad", "gradgrad"])
@pytest.mark.parametrize("case", _GRADIENT_CASES, ids=[c[0] for c in _GRADIENT_CASES])
def test_loss_and_gradients_are_pytorchs(case, create_graph):
    pytest.importorskip("torch")
    make = case[3]
    ours, ours_grads = _loss_and_gradient("autograd_core", make, create_graph)
    if create_graph and case[0] == "norm_of_zero_row":
        # PyTorch's second derivative at a norm of 0 is nan; ours is finite, as the first (no infinity formed)
        assert all(np.isfinite(g).all() for g in ours_grads)
        return
    theirs, their_grads = _loss_and_gradient("torch", make, create_graph)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(ours_grads, their_grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_nll_loss_gradient_is_exact_without_pytorch():
    """−wₙ/Σw at each sample's label (the weighted mean), 0 elsewhere and for the ignored sample."""
    import autograd_core as ag
    import autograd_core.nn.functional as F

    p = ag.tensor(np.log(np.full((2, 3, 2), 1 / 3)), requires_grad=True)  # (N, C, d)
    labels = np.array([[0, 2], [-1, 1]])
    w = np.array([1.0, 2.0, 4.0])
    loss = F.nll_loss(p, labels, weight=w, ignore_index=-1)
    assert loss.grad_fn.name() == "NllLoss2DBackward0"  # over the view of p as (N, C, 1, d)
    loss.backward()
    expected = np.zeros((2, 3, 2))
    total = 1.0 + 4.0 + 2.0
    expected[0, 0, 0], expected[0, 2, 1], expected[1, 1, 1] = -1 / total, -4 / total, -2 / total
    np.testing.assert_allclose(p.grad, expected)
    np.testing.assert_allclose(loss.data, np.log(3))


# ---- loss modules given a weight that requires grad (PyTorch keeps the tensor itself as the buffer)

def _modules(L, nn, w):
    return [
        (nn.CrossEntropyLoss(weight=w), lambda x, lab: (x, lab)),
        (nn.NLLLoss(weight=w), lambda x, lab: (x.log_softmax(1), lab)),
        (nn.BCELoss(weight=w), lambda x, lab: (x.sigmoid(), x.detach().sigmoid())),
        (nn.BCEWithLogitsLoss(weight=w), lambda x, lab: (x, x.detach().sigmoid())),
        (nn.BCEWithLogitsLoss(pos_weight=w), lambda x, lab: (x, x.detach().sigmoid())),
        (nn.MultiMarginLoss(weight=w), lambda x, lab: (x, lab)),
    ]


@pytest.mark.parametrize("L", ["torch", "autograd_core"])
def test_loss_modules_refuse_a_weight_needing_grad_at_the_call_as_pytorchs(L):
    L, F, nn = _library(L)
    w = L.tensor(_CLASS_WEIGHTS, requires_grad=True)
    x, lab = L.tensor(_ARRAYS["x"], requires_grad=True), L.tensor(_LABELS["lab"])
    for module, args in _modules(L, nn, w):  # made without a word, as PyTorch's
        with pytest.raises(RuntimeError, match="is not differentiable with respect to argument '(pos_)?weight'. This "
                                               "input cannot have requires_grad True."):
            module(*args(x, lab))
        with L.no_grad():
            assert np.isfinite(float(module(*args(x, lab))))


def test_cross_entropy_module_with_probabilities_differentiates_its_weight():
    torch = pytest.importorskip("torch")
    import autograd_core as ag
    import autograd_core.nn as nn

    probs = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [1.0, 0.0, 0.0], [0.3, 0.3, 0.4]])
    grads = []
    for L, M in ((ag, nn), (torch, torch.nn)):
        w = L.tensor(_CLASS_WEIGHTS, requires_grad=True)
        M.CrossEntropyLoss(weight=w)(L.tensor(_ARRAYS["x"]), L.tensor(probs)).backward()
        grads.append(np.asarray(w.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


@pytest.mark.parametrize("how", ["max", "min", "median"])
@pytest.mark.parametrize("dim, keepdim", [(1, False), (0, True), (-1, True)])
def test_pick_along_dim_forward_mode_is_the_tangent_at_the_index(how, dim, keepdim):
    """x.max(dim)'s tangent (forward mode) is t at the element the index names: the pick primitive's JVP rule with
    the dim dropped (keepdim=False) or kept."""
    import autograd_core as ag
    from autograd_core import func

    rng = np.random.default_rng(3)
    x, t = (ag.tensor(rng.standard_normal((4, 3))) for _ in range(2))
    values, indices = getattr(x, how)(dim, keepdim=keepdim)
    _, tangent = func.jvp(lambda x: getattr(x, how)(dim, keepdim=keepdim)[0], (x,), (t,))
    kept = indices.data if keepdim else np.expand_dims(indices.data, dim)
    expected = np.take_along_axis(t.data, kept, axis=dim)
    np.testing.assert_array_equal(tangent.data, expected if keepdim else np.squeeze(expected, dim))
    assert values.grad_fn is None and tangent.shape == values.shape
