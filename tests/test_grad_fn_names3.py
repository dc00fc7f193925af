"""`y.grad_fn`'s names against PyTorch's, round 3 (the style of test_grad_fn_names2.py, each case run in both
libraries): average pooling of every kind as PyTorch's one node (AvgPool2DBackward0, AvgPool3DBackward0; 1-D as the
2-D node between an unsqueeze and a squeeze), adaptive average pooling and (bi/tri)linear, bicubic and area
interpolation as one node (AdaptiveAvgPool2DBackward0, UpsampleBilinear2DBackward0, ...), F.normalize as PyTorch's
x / norm.clamp_min(eps).expand_as(x), std_mean
and var_mean, layer_norm with one of weight and bias,
instance norm's view, batch norm and repeats; then their values,
gradients and second derivatives against PyTorch's in float64, and checks without PyTorch: finite differences and
the numbers of the composites they replace, bit for bit."""

import numpy as np
import pytest
from test_grad_fn_names import _chain, _library, _next_names

_RNG = np.random.default_rng(3)
_ARRAYS = {
    "c3": _RNG.standard_normal((2, 2, 9)), "img": _RNG.standard_normal((2, 2, 5, 6)),
    "chw": _RNG.standard_normal((2, 6, 5)), "c5": _RNG.standard_normal((1, 2, 5, 4, 3)),
}


class _Inputs:
    """The arrays above as float64 tensors of library L that require grad."""

    def __init__(self, L):
        for name, a in _ARRAYS.items():
            setattr(self, name, L.tensor(a, requires_grad=True))


def _run(library, make):
    L, F, nn = _library(library)
    return make(L, F, nn, _Inputs(L))


# (id, name of y.grad_fn, next_functions' names joined by "|", y from (L, F, nn, d)): PyTorch 2.13's names
CASES = [
    # average pooling: one node whatever the windows, padding, counting and divisor
    ("avg_pool2d_ceil", "AvgPool2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.avg_pool2d(d.img, 3, stride=2, ceil_mode=True)),
    ("avg_pool2d_no_pad_count", "AvgPool2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.avg_pool2d(d.img, 3, 1, 1, count_include_pad=False)),
    ("avg_pool2d_ceil_padded", "AvgPool2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.avg_pool2d(d.img, (3, 2), 2, (1, 1), ceil_mode=True)),
    ("avg_pool2d_divisor", "AvgPool2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.avg_pool2d(d.img, 2, padding=1, divisor_override=3)),
    ("avg_pool2d_unbatched", "AvgPool2DBackward0", "AccumulateGrad", lambda L, F, nn, d: F.avg_pool2d(d.chw, 2)),
    ("AvgPool2d_of_relu", "AvgPool2DBackward0", "ReluBackward0",
     lambda L, F, nn, d: nn.AvgPool2d(2, ceil_mode=True)(F.relu(d.img))),
    ("avg_pool1d", "SqueezeBackward1", "AvgPool2DBackward0", lambda L, F, nn, d: F.avg_pool1d(d.c3, 2)),
    ("avg_pool1d_ceil_padded", "SqueezeBackward1", "AvgPool2DBackward0",
     lambda L, F, nn, d: F.avg_pool1d(d.c3, 4, 3, 1, ceil_mode=True, count_include_pad=False)),
    ("AvgPool1d_unbatched", "SqueezeBackward1", "AvgPool2DBackward0", lambda L, F, nn, d: nn.AvgPool1d(3)(d.chw[0])),
    ("avg_pool3d", "AvgPool3DBackward0", "AccumulateGrad", lambda L, F, nn, d: F.avg_pool3d(d.c5, 2)),
    ("avg_pool3d_padded_ceil", "AvgPool3DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.avg_pool3d(d.c5, 3, 2, 1, ceil_mode=True, count_include_pad=False)),
    ("AvgPool3d_divisor_unbatched", "AvgPool3DBackward0", "SelectBackward0",
     lambda L, F, nn, d: nn.AvgPool3d((2, 3, 2), padding=1, divisor_override=5)(d.c5[0])),
    # adaptive average pooling to more than one bin
    ("adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.adaptive_avg_pool2d(d.img, (3, 5))),
    ("AdaptiveAvgPool2d_None", "AdaptiveAvgPool2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: nn.AdaptiveAvgPool2d((None, 3))(d.img)),
    ("adaptive_avg_pool2d_unbatched", "AdaptiveAvgPool2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.adaptive_avg_pool2d(d.chw, 4)),
    ("adaptive_avg_pool1d", "SqueezeBackward1", "AdaptiveAvgPool2DBackward0",
     lambda L, F, nn, d: F.adaptive_avg_pool1d(d.c3, 4)),
    ("AdaptiveAvgPool1d_unbatched", "SqueezeBackward1", "AdaptiveAvgPool2DBackward0",
     lambda L, F, nn, d: nn.AdaptiveAvgPool1d(3)(d.chw[0])),
    ("adaptive_avg_pool3d", "AdaptiveAvgPool3DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.adaptive_avg_pool3d(d.c5, (2, 4, 3))),
    ("AdaptiveAvgPool3d_of_mul", "AdaptiveAvgPool3DBackward0", "MulBackward0",
     lambda L, F, nn, d: nn.AdaptiveAvgPool3d(2)(d.c5 * 2)),
    # interpolation: one node named after PyTorch's kernel
    ("interpolate_linear", "UpsampleLinear1DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.c3, scale_factor=2, mode="linear")),
    ("interpolate_linear_aligned", "UpsampleLinear1DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.c3, size=5, mode="linear", align_corners=True)),
    ("interpolate_bilinear", "UpsampleBilinear2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.img, scale_factor=2, mode="bilinear")),
    ("interpolate_bilinear_aligned", "UpsampleBilinear2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.img, size=(5, 11), mode="bilinear", align_corners=True)),
    ("Upsample_bilinear", "UpsampleBilinear2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: nn.Upsample(scale_factor=1.5, mode="bilinear")(d.img)),
    ("interpolate_bicubic", "UpsampleBicubic2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.img, size=(9, 6), mode="bicubic")),
    ("interpolate_bicubic_aligned", "UpsampleBicubic2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.img, scale_factor=2, mode="bicubic", align_corners=True)),
    ("interpolate_bilinear_antialias", "UpsampleBilinear2DAaBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.img, size=(3, 3), mode="bilinear", antialias=True)),
    ("interpolate_bicubic_antialias", "UpsampleBicubic2DAaBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.img, size=(4, 3), mode="bicubic", antialias=True)),
    ("interpolate_trilinear", "UpsampleTrilinear3DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.c5, scale_factor=2, mode="trilinear")),
    ("interpolate_trilinear_aligned", "UpsampleTrilinear3DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.c5, size=(3, 7, 2), mode="trilinear", align_corners=True)),
    ("interpolate_area_1d", "SqueezeBackward1", "AdaptiveAvgPool2DBackward0",
     lambda L, F, nn, d: F.interpolate(d.c3, size=4, mode="area")),
    ("interpolate_area_2d", "AdaptiveAvgPool2DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.img, size=(3, 3), mode="area")),
    ("interpolate_area_3d", "AdaptiveAvgPool3DBackward0", "AccumulateGrad",
     lambda L, F, nn, d: F.interpolate(d.c5, size=(2, 3, 3), mode="area")),
    # std_mean, var_mean: PyTorch's one node of two outputs is two here, each named as it, over the input
    ("std_mean[0]", "StdMeanBackward0", "AccumulateGrad", lambda L, F, nn, d: L.std_mean(d.img, 1)[0]),
    ("std_mean[1]", "StdMeanBackward0", "AccumulateGrad", lambda L, F, nn, d: L.std_mean(d.img, 1)[1]),
    ("std_mean_all_unbiased_false", "StdMeanBackward0", "AccumulateGrad",
     lambda L, F, nn, d: L.std_mean(d.c3, False)[0]),
    ("std_mean_keepdim_correction", "StdMeanBackward0", "AccumulateGrad",
     lambda L, F, nn, d: L.std_mean(d.chw, (0, 2), keepdim=True, correction=0)[0]),
    ("var_mean[0]", "VarMeanBackward0", "AccumulateGrad", lambda L, F, nn, d: L.var_mean(d.c3, -1)[0]),
    ("var_mean[1]_of_mul", "VarMeanBackward0", "MulBackward0", lambda L, F, nn, d: L.var_mean(d.c5 * 3)[1]),
    # layer_norm with one of weight and bias: PyTorch's one node listing (input, weight, bias)
    ("layer_norm_weight", "NativeLayerNormBackward0", "AccumulateGrad|AccumulateGrad|None",
     lambda L, F, nn, d: F.layer_norm(d.img, (6,), weight=_affine(L))),
    ("layer_norm_bias", "NativeLayerNormBackward0", "AccumulateGrad|None|AccumulateGrad",
     lambda L, F, nn, d: F.layer_norm(d.img, (5, 6), bias=_affine(L, (5, 6)))),
    ("LayerNorm_no_bias", "NativeLayerNormBackward0", "MulBackward0|AccumulateGrad|None",
     lambda L, F, nn, d: nn.LayerNorm(9, bias=False).double()(d.c3 * 2)),
    # instance norm: shown as PyTorch's batch norm of x viewed as (1, N·C, ...), the weight and bias repeated, viewed
    # back (computed over x itself here)
    ("instance_norm", "ViewBackward0", "NativeBatchNormBackward0", lambda L, F, nn, d: F.instance_norm(d.img)),
    ("instance_norm_affine_running", "ViewBackward0", "NativeBatchNormBackward0",
     lambda L, F, nn, d: F.instance_norm(d.c3, L.zeros(2, dtype=L.float64), L.ones(2, dtype=L.float64),
                                         _affine(L, (2,)), _affine(L, (2,)) * 2)),
    ("InstanceNorm2d_affine", "ViewBackward0", "NativeBatchNormBackward0",
     lambda L, F, nn, d: nn.InstanceNorm2d(2, affine=True).double()(d.img)),
    ("InstanceNorm3d_tracking_of_relu", "ViewBackward0", "NativeBatchNormBackward0",
     lambda L, F, nn, d: nn.InstanceNorm3d(2, track_running_stats=True).double()(F.relu(d.c5))),
    # F.normalize: PyTorch's x / norm.clamp_min(eps).expand_as(x), node for node
    ("normalize", "DivBackward0", "AccumulateGrad|ExpandBackward0", lambda L, F, nn, d: F.normalize(d.img)),
    ("normalize_last_dim", "DivBackward0", "AccumulateGrad|ExpandBackward0",
     lambda L, F, nn, d: F.normalize(d.c3, dim=-1)),
    ("normalize_zero_slice", "DivBackward0", "MulBackward0|ExpandBackward0",
     lambda L, F, nn, d: F.normalize(d.c3 * L.tensor([[[1.0], [0.0]]]), dim=2)),
    ("normalize_eps", "DivBackward0", "MulBackward0|ExpandBackward0",
     lambda L, F, nn, d: F.normalize(d.chw * 1e-3, dim=0, eps=0.5)),
]

_IDS = [case[0] for case in CASES]


def _affine(L, shape=(6,)):
    """A layer norm's weight or bias: a leaf of library L that requires grad."""
    return L.tensor(np.linspace(0.5, 2.0, int(np.prod(shape))).reshape(shape), requires_grad=True)


# normalize with another p: PyTorch's chain down to the clamp (below it, the p-norm is still this library's chain)
OTHER_P = [
    ("normalize_p1", lambda L, F, nn, d: F.normalize(d.img, p=1, dim=2)),
    ("normalize_p3", lambda L, F, nn, d: F.normalize(d.c3, p=3, dim=0)),
    ("normalize_inf", lambda L, F, nn, d: F.normalize(d.c3, p=float("inf"))),
]


@pytest.mark.parametrize("case", OTHER_P, ids=[c[0] for c in OTHER_P])
def test_normalize_with_another_p_is_pytorchs_chain_down_to_the_clamp(case):
    def top(fn):
        expand = fn.next_functions[1][0]
        clamp = expand.next_functions[0][0]
        return _next_names(fn), _next_names(expand), type(clamp).__name__

    make = case[1]
    assert top(_run("autograd_core", make).grad_fn) == top(_run("torch", make).grad_fn)
    assert top(_run("autograd_core", make).grad_fn) == ("AccumulateGrad|ExpandBackward0", "ClampMinBackward0",
                                                        "ClampMinBackward0")


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


# ---- values and gradients (first and second order) against PyTorch's, in float64

def _output_and_gradients(library, make, create_graph):
    L, F, nn = _library(library)
    d = _Inputs(L)
    y = make(L, F, nn, d)
    inputs = [getattr(d, name) for name in _ARRAYS]
    # a weighted sum of the squares: the gradient depends on x, so the second derivative is not zero
    weights = L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))
    out = (y * y * weights).sum()
    grads = L.autograd.grad(out, inputs, create_graph=create_graph, allow_unused=True)
    if create_graph:
        total = sum((g * g).sum() for g in grads if g is not None)
        grads = L.autograd.grad(total, inputs, allow_unused=True)
    return np.asarray(y.detach().numpy() if hasattr(y, "numpy") else y.data), [
        np.zeros(tuple(v.shape)) if g is None else np.asarray(g.detach().numpy() if hasattr(g, "numpy") else g.data)
        for g, v in zip(grads, inputs)]


_GRADIENT_CASES = CASES + [(c[0], None, None, c[1]) for c in OTHER_P]


@pytest.mark.parametrize("create_graph", [False, True], ids=["grad", "gradgrad"])
@pytest.mark.parametrize("case", _GRADIENT_CASES, ids=[c[0] for c in _GRADIENT_CASES])
def test_values_and_gradients_are_pytorchs(case, create_graph):
    pytest.importorskip("torch")
    ours, our_grads = _output_and_gradients("autograd_core", case[3], create_graph)
    theirs, their_grads = _output_and_gradients("torch", case[3], create_graph)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    if create_graph and case[0] == "normalize_zero_slice":
        # PyTorch's second derivative is nan at the slice of norm 0 (its norm's), ours finite, as the first
        assert all(np.isfinite(a).all() for a in our_grads) and any(np.isnan(b).any() for b in their_grads)
        our_grads = [np.where(np.isnan(b), 0, a) for a, b in zip(our_grads, their_grads)]
        their_grads = [np.nan_to_num(b, nan=0.0) for b in their_grads]
    for a, b in zip(our_grads, their_grads):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


# ---- without PyTorch

def _input_of(make):
    """The name of the one input the case reads (the one that gets a gradient)."""
    L, F, nn = _library("autograd_core")
    d = _Inputs(L)
    make(L, F, nn, d).sum().backward()
    (name,) = (n for n in _ARRAYS if getattr(d, n).grad is not None)
    return name


@pytest.mark.parametrize("case", _GRADIENT_CASES, ids=[c[0] for c in _GRADIENT_CASES])
def test_gradients_match_finite_differences(case):
    from autograd_core.gradcheck import gradcheck, gradgradcheck

    make, name = case[3], _input_of(case[3])
    L, F, nn = _library("autograd_core")

    def f(x):
        d = _Inputs(L)
        setattr(d, name, x)
        return make(L, F, nn, d)

    assert gradcheck(f, [_ARRAYS[name]])
    assert gradgradcheck(lambda x: f(x) ** 2, [_ARRAYS[name]])


def _composite_pooling(x, nd, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """The views, convolution and scaling this library recorded before the one node (nn/pool.py's composite)."""
    from autograd_core.nn.pool import _avg_pool_batched

    return _avg_pool_batched("avg_pool", nd, x, kernel, stride, padding, ceil_mode, count_include_pad,
                             divisor_override)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("nd, shape, geometry", [
    (2, (2, 3, 7, 8), (2, None, 0, False, True, None)),
    (2, (2, 3, 7, 8), (3, 2, 1, True, False, None)),
    (2, (2, 3, 7, 8), ((3, 2), 1, (1, 0), True, True, None)),
    (2, (1, 2, 6, 6), (2, 2, 1, False, True, 3)),
    (1, (2, 3, 9), (4, 3, 1, True, True, None)),
], ids=["plain", "ceil-no-pad-count", "ceil-padded", "divisor", "1d"])
def test_average_pooling_is_the_composites_numbers_bit_for_bit(nd, shape, geometry, dtype):
    import autograd_core as ag
    import autograd_core.nn.functional as F

    data = np.random.default_rng(4).standard_normal(shape).astype(dtype)
    x, composite_x = (ag.tensor(data, requires_grad=True) for _ in range(2))
    y = getattr(F, f"avg_pool{nd}d")(x, *geometry[:5], *geometry[5:] if nd == 2 else ())
    composite = _composite_pooling(composite_x, nd, *geometry)
    weights = np.cos(np.arange(y.data.size)).reshape(y.shape).astype(dtype)
    (y * weights).sum().backward()
    (composite * weights).sum().backward()
    assert y.dtype == composite.dtype and np.array_equal(y.data, composite.data)
    assert np.array_equal(x.grad, composite_x.grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_separable_maps_are_the_matrix_products_numbers_bit_for_bit(dtype):
    """adaptive_avg_pool2d and bilinear interpolation: A_h · x · A_wᵀ, as the two matmul nodes computed it."""
    import autograd_core as ag
    import autograd_core.nn.functional as F
    from autograd_core.nn.pool import _averaging_matrix
    from autograd_core.nn.upsample import _linear_matrix
    from autograd_core.ops import matmul

    data = np.random.default_rng(5).standard_normal((2, 3, 7, 9)).astype(dtype)
    for call, (rows, cols) in [
        (lambda x: F.adaptive_avg_pool2d(x, (3, 4)), (_averaging_matrix(7, 3, dtype), _averaging_matrix(9, 4, dtype))),
        (lambda x: F.interpolate(x, size=(10, 5), mode="bilinear"),
         (_linear_matrix(7, 10, None, False, dtype), _linear_matrix(9, 5, None, False, dtype))),
    ]:
        x, composite_x = (ag.tensor(data, requires_grad=True) for _ in range(2))
        y, composite = call(x), matmul(rows, matmul(composite_x, cols.T))
        if "Adaptive" in y.grad_fn.name():
            composite = matmul(matmul(rows, composite_x), cols.T)
        weights = np.sin(np.arange(y.data.size)).reshape(y.shape).astype(dtype)
        (y * weights).sum().backward()
        (composite * weights).sum().backward()
        assert np.array_equal(y.data, composite.data) and np.array_equal(x.grad, composite_x.grad)


def test_average_pooling_known_values_and_forward_mode():
    """Windows of a ramp: the means by hand; the tangent of the (linear) pooling is the pooled tangent."""
    import autograd_core as ag
    import autograd_core.nn.functional as F
    from autograd_core import func

    x = ag.tensor(np.arange(5.0).reshape(1, 1, 5), requires_grad=True)
    y = F.avg_pool1d(x, 2, 2, 1, ceil_mode=True, count_include_pad=False)  # windows {0}, {1, 2}, {3, 4}
    np.testing.assert_array_equal(y.data, [[[0.0, 1.5, 3.5]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[[1.0, 0.5, 0.5, 0.5, 0.5]]])
    t = ag.tensor(np.ones((1, 1, 5)))
    _, tangent = func.jvp(lambda x: F.avg_pool1d(x, 2, 2, 1, ceil_mode=True, count_include_pad=False), (x,), (t,))
    np.testing.assert_array_equal(tangent.data, np.ones((1, 1, 3)))


def test_one_dimensional_adaptive_pooling_is_one_node_shown_as_pytorchs_chain():
    """F.adaptive_avg_pool1d is one product here, shown as PyTorch's view, 2-D pooling and view back, down to x; its
    numbers and gradient are matmul's, bit for bit."""
    import autograd_core as ag
    import autograd_core.nn.functional as F
    from autograd_core.nn.pool import _averaging_matrix
    from autograd_core.ops import matmul

    data = np.random.default_rng(6).standard_normal((2, 3, 10))
    x, composite_x = (ag.tensor(data, requires_grad=True) for _ in range(2))
    y = F.adaptive_avg_pool1d(x, 4)
    assert y.primitive.name == "along_axes" and y.parents[0] is x  # one node here
    fn, names = y.grad_fn, []
    while type(fn).__name__ != "AccumulateGrad":
        names.append(type(fn).__name__)
        fn = fn.next_functions[0][0]
    assert names == ["SqueezeBackward1", "AdaptiveAvgPool2DBackward0", "UnsqueezeBackward0"] and fn.variable is x
    composite = matmul(composite_x, _averaging_matrix(10, 4, np.float64).T)
    (y * np.arange(24.0).reshape(2, 3, 4)).sum().backward()
    (composite * np.arange(24.0).reshape(2, 3, 4)).sum().backward()
    assert np.array_equal(y.data, composite.data) and np.array_equal(x.grad, composite_x.grad)
