"""`y.grad_fn`'s names against PyTorch's, round 11 (the style of test_grad_fn_names10.py, each case run in both
libraries): convolutions with padding='same' whose total padding d(k−1) is odd along some axis (an even kernel at an
odd dilation), which PyTorch pads first with constant_pad_nd (one zero at the end of each such axis) and then
convolves with the symmetric rest: ConvolutionBackward0 over ConstantPadNdBackward0 over the input; the symmetric case,
and the modules' other padding modes (one pad node of their own), unchanged. Then lp_pool1d/2d/3d and LPPool1d/2d/3d as
torch/nn/functional.py computes them: avg_pool(x.pow(p)), sign(out)·relu(|out|), .mul(kernel size), .pow(1/p), and
max_pool(|x|) for p = inf (−max_pool(−|x|) for −inf). Then: values and gradients against PyTorch's in float64 (with
windows of zeros, where sign and relu decide the gradient), against central differences, and node hooks on every
node against PyTorch's."""

import math

import numpy as np
import pytest
from gradient_helpers import central_gradients
from test_grad_fn_hooks_pytorch4 import _hooked_passes, _pairs, _same
from test_grad_fn_names import _chain, _library, _next_names, run_on, values_and_gradients

_RNG = np.random.default_rng(11)
_P3 = _RNG.standard_normal((2, 3, 7))
_P3[0, 1, :4] = 0.0  # windows of zeros (kernel 2: two whole windows; kernel 3: one)
_P4 = _RNG.standard_normal((2, 3, 5, 6))
_P4[1, 0, :3, :3] = 0.0
_P5 = _RNG.standard_normal((2, 3, 4, 4, 5))
_P5[0, 2, :2, :2, :2] = 0.0
_ARRAYS = {
    "c2": _RNG.standard_normal((3, 7)), "c3": _RNG.standard_normal((2, 3, 7)),
    "i3": _RNG.standard_normal((3, 5, 6)), "i4": _RNG.standard_normal((2, 3, 5, 6)),
    "v4": _RNG.standard_normal((3, 4, 4, 5)), "v5": _RNG.standard_normal((2, 3, 4, 4, 5)),
    "w1e": _RNG.standard_normal((2, 3, 2)), "w1o": _RNG.standard_normal((2, 3, 3)),
    "w14": _RNG.standard_normal((2, 3, 4)),
    "w2e": _RNG.standard_normal((2, 3, 2, 2)), "w2m": _RNG.standard_normal((2, 3, 3, 2)),
    "w2o": _RNG.standard_normal((2, 3, 3, 3)),
    "w3e": _RNG.standard_normal((2, 3, 2, 3, 2)), "w3d": _RNG.standard_normal((2, 3, 2, 1, 1)),
    "b": _RNG.standard_normal(2),
    "p3": _P3, "p4": _P4, "p5": _P5,
}


def _run(library, make):
    return run_on(library, make, _ARRAYS)


_ACC, _CONV, _PAD, _SQUEEZE = "AccumulateGrad", "ConvolutionBackward0", "ConstantPadNdBackward0", "SqueezeBackward1"
_POW, _LP_NEXT = "PowBackward0", "MulBackward0"  # lp_pool's last node: (… .mul(kernel size)).pow(1/p)
_MAX2 = "MaxPool2DWithIndicesBackward0"
_INF = math.inf

# (id, name of y.grad_fn, next_functions' names joined by "|", y from (L, F, nn, d)): PyTorch 2.13's names
CASES = [
    # padding='same' of an odd total: the input padded at the end first (ConstantPadNdBackward0)
    ("conv1d_same_even", _CONV, f"{_PAD}|{_ACC}|None", lambda L, F, nn, d: F.conv1d(d.c3, d.w1e, padding="same")),
    ("conv1d_same_even_bias", _CONV, f"{_PAD}|{_ACC}|{_ACC}",
     lambda L, F, nn, d: F.conv1d(d.c3, d.w1e, d.b, padding="same")),
    ("conv1d_same_dilated_odd_total", _CONV, f"{_PAD}|{_ACC}|None",  # 3·(4 − 1) = 9
     lambda L, F, nn, d: F.conv1d(d.c3, d.w14, padding="same", dilation=3)),
    ("conv1d_same_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv1d(d.c2, d.w1e, d.b, padding="same")),
    ("conv2d_same_even", _CONV, f"{_PAD}|{_ACC}|{_ACC}",
     lambda L, F, nn, d: F.conv2d(d.i4, d.w2e, d.b, padding="same")),
    ("conv2d_same_one_axis", _CONV, f"{_PAD}|{_ACC}|None",  # (3, 2): only the width is padded unevenly
     lambda L, F, nn, d: F.conv2d(d.i4, d.w2m, padding="same")),
    ("conv2d_same_dilated", _CONV, f"{_PAD}|{_ACC}|None",  # totals 2·1 (even) and 3·1 (odd)
     lambda L, F, nn, d: F.conv2d(d.i4, d.w2e, padding="same", dilation=(2, 3))),
    ("conv2d_same_groups", _CONV, f"{_PAD}|SliceBackward0|None",
     lambda L, F, nn, d: F.conv2d(d.i4[:, :2], d.w2e[:, :1], padding="same", groups=2)),
    ("conv2d_same_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv2d(d.i3, d.w2e, padding="same")),
    ("conv2d_same_of_nodes", _CONV, f"{_PAD}|MulBackward0|None",
     lambda L, F, nn, d: F.conv2d(d.i4.tanh(), d.w2e * 2, padding="same")),
    ("conv3d_same_even", _CONV, f"{_PAD}|{_ACC}|{_ACC}",
     lambda L, F, nn, d: F.conv3d(d.v5, d.w3e, d.b, padding="same")),
    ("conv3d_same_depth_only", _CONV, f"{_PAD}|{_ACC}|None",
     lambda L, F, nn, d: F.conv3d(d.v5, d.w3d, padding="same")),
    ("conv3d_same_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv3d(d.v4, d.w3e, padding="same")),
    # the symmetric case and 'valid': no pad node, as before
    ("conv1d_same_odd_kernel", _CONV, f"{_ACC}|{_ACC}|None", lambda L, F, nn, d: F.conv1d(d.c3, d.w1o, padding="same")),
    ("conv1d_same_even_dilation_even", _CONV, f"{_ACC}|{_ACC}|None",
     lambda L, F, nn, d: F.conv1d(d.c3, d.w1e, padding="same", dilation=2)),
    ("conv2d_same_odd_kernel", _CONV, f"{_ACC}|{_ACC}|{_ACC}",
     lambda L, F, nn, d: F.conv2d(d.i4, d.w2o, d.b, padding="same")),
    ("conv2d_valid_even", _CONV, f"{_ACC}|{_ACC}|None", lambda L, F, nn, d: F.conv2d(d.i4, d.w2e, padding="valid")),
    # the modules: padding_mode 'zeros' as the functions; the other modes pad (unevenly) with their own node
    ("Conv1d_same_even", _CONV, f"{_PAD}|{_ACC}|{_ACC}",
     lambda L, F, nn, d: nn.Conv1d(3, 2, 4, padding="same").double()(d.c3)),
    ("Conv2d_same_even", _CONV, f"{_PAD}|{_ACC}|None",
     lambda L, F, nn, d: nn.Conv2d(3, 2, 2, padding="same", bias=False).double()(d.i4)),
    ("Conv2d_same_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: nn.Conv2d(3, 2, 2, padding="same").double()(d.i3)),
    ("Conv3d_same_even", _CONV, f"{_PAD}|{_ACC}|{_ACC}",
     lambda L, F, nn, d: nn.Conv3d(3, 2, (2, 3, 2), padding="same").double()(d.v5)),
    ("Conv2d_same_reflect", _CONV, f"ReflectionPad2DBackward0|{_ACC}|{_ACC}",
     lambda L, F, nn, d: nn.Conv2d(3, 2, (2, 3), padding="same", padding_mode="reflect").double()(d.i4)),
    ("Conv1d_same_replicate", _CONV, f"ReplicationPad1DBackward0|{_ACC}|{_ACC}",
     lambda L, F, nn, d: nn.Conv1d(3, 2, 2, padding="same", padding_mode="replicate").double()(d.c3)),
    ("Conv2d_same_circular", _CONV, f"CopySlices|{_ACC}|{_ACC}",
     lambda L, F, nn, d: nn.Conv2d(3, 2, 2, padding="same", padding_mode="circular").double()(d.i4)),
    ("Conv3d_same_reflect_unbatched", _SQUEEZE, _CONV,
     lambda L, F, nn, d: nn.Conv3d(3, 2, 2, padding="same", padding_mode="reflect").double()(d.v4)),
    # lp_pool: PyTorch's chain
    ("lp_pool1d", _POW, _LP_NEXT, lambda L, F, nn, d: F.lp_pool1d(d.p3, 2, 2)),
    ("lp_pool1d_cubes_stride_ceil", _POW, _LP_NEXT,
     lambda L, F, nn, d: F.lp_pool1d(d.p3, 3, 3, stride=2, ceil_mode=True)),
    ("lp_pool1d_unbatched", _POW, _LP_NEXT, lambda L, F, nn, d: F.lp_pool1d(d.p3[0], 2, 3)),
    ("lp_pool2d", _POW, _LP_NEXT, lambda L, F, nn, d: F.lp_pool2d(d.p4, 2, 2)),
    ("lp_pool2d_fractional_p", _POW, _LP_NEXT,
     lambda L, F, nn, d: F.lp_pool2d(d.p4.abs(), 1.5, (2, 3), stride=1)),
    ("lp_pool2d_ceil", _POW, _LP_NEXT, lambda L, F, nn, d: F.lp_pool2d(d.p4, 2, 2, stride=2, ceil_mode=True)),
    ("lp_pool2d_negative_p", _POW, _LP_NEXT, lambda L, F, nn, d: F.lp_pool2d(d.p4.abs() + 0.5, -2, 2)),
    ("lp_pool2d_unbatched_ceil", _POW, _LP_NEXT, lambda L, F, nn, d: F.lp_pool2d(d.p4[1], 2, 3, ceil_mode=True)),
    ("lp_pool3d", _POW, _LP_NEXT, lambda L, F, nn, d: F.lp_pool3d(d.p5, 2, 2)),
    ("lp_pool3d_unbatched", _POW, _LP_NEXT, lambda L, F, nn, d: F.lp_pool3d(d.p5[0], 3, (2, 2, 1), stride=1)),
    ("lp_pool3d_ceil", _POW, _LP_NEXT, lambda L, F, nn, d: F.lp_pool3d(d.p5, 2, 3, stride=2, ceil_mode=True)),
    ("lp_pool1d_inf", _SQUEEZE, _MAX2, lambda L, F, nn, d: F.lp_pool1d(d.p3, _INF, 2)),
    ("lp_pool2d_inf", _MAX2, "AbsBackward0", lambda L, F, nn, d: F.lp_pool2d(d.p4, _INF, 2, stride=1)),
    ("lp_pool2d_minus_inf", "NegBackward0", _MAX2, lambda L, F, nn, d: F.lp_pool2d(d.p4, -_INF, 2, ceil_mode=True)),
    ("lp_pool3d_inf", "MaxPool3DWithIndicesBackward0", "AbsBackward0", lambda L, F, nn, d: F.lp_pool3d(d.p5, _INF, 2)),
    ("lp_pool3d_minus_inf_unbatched", "NegBackward0", "MaxPool3DWithIndicesBackward0",
     lambda L, F, nn, d: F.lp_pool3d(d.p5[1], -_INF, 2)),
    ("LPPool1d", _POW, _LP_NEXT, lambda L, F, nn, d: nn.LPPool1d(2, 3)(d.p3)),
    ("LPPool2d", _POW, _LP_NEXT, lambda L, F, nn, d: nn.LPPool2d(2.0, (2, 3), stride=1, ceil_mode=True)(d.p4)),
    ("LPPool3d", _POW, _LP_NEXT, lambda L, F, nn, d: nn.LPPool3d(1, 2)(d.p5)),
    ("LPPool2d_inf", _MAX2, "AbsBackward0", lambda L, F, nn, d: nn.LPPool2d(_INF, 2)(d.p4)),
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
    assert _chain(_run("autograd_core", make).grad_fn, depth=12) == _chain(_run("torch", make).grad_fn, depth=12)


# PyTorch 2.13's whole chains, checked without PyTorch too (test_whole_chain_is_pytorchs: against PyTorch itself)
_LP_BODY = "AvgPool2DBackward0", (("PowBackward0", (_ACC,)),)
_LP_CHAIN = (_POW, (("MulBackward0", (("MulBackward0", (("SignBackward0", (_LP_BODY,)),
                                                        ("ReluBackward0", (("AbsBackward0", (_LP_BODY,)),)))),
                                      None)),))


def test_the_chains_without_pytorch():
    """(without PyTorch too) the unbatched sample's views around the pad and the convolution; lp_pool2d's chain"""
    cases = {case[0]: case[3] for case in CASES}
    unsqueezed = ("UnsqueezeBackward0", (_ACC,))
    assert _chain(_run("autograd_core", cases["conv2d_same_unbatched"]).grad_fn) == (
        _SQUEEZE, ((_CONV, ((_PAD, (unsqueezed,)), _ACC, None)),))
    assert _chain(_run("autograd_core", cases["lp_pool2d"]).grad_fn, depth=12) == _LP_CHAIN


# ---- the numbers and the node hooks, against PyTorch's

_NUMBER_CASES = [case for case in CASES if not case[0].startswith("Conv")]  # (each library's random parameters)


@pytest.mark.parametrize("case", _NUMBER_CASES, ids=[case[0] for case in _NUMBER_CASES])
def test_values_and_gradients_are_pytorchs(case):
    """float64, NaN where PyTorch's are (x^p of a negative x, a negative sum's odd root) and 0 at windows of zeros"""
    pytest.importorskip("torch")
    ours, our_grads = values_and_gradients("autograd_core", case[3], _ARRAYS)
    theirs, their_grads = values_and_gradients("torch", case[3], _ARRAYS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-14)
    for a, b in zip(our_grads, their_grads):
        if a is None or b is None:
            assert a is None and b is None or not np.any(a if b is None else b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("nd, kernel, x", [(1, 4, "c3"), (2, (2, 3), "i4"), (3, 2, "v4")], ids=["1d", "2d", "3d"])
def test_modules_of_every_padding_mode_are_pytorchs(mode, nd, kernel, x):
    """nn.Conv1d/2d/3d(padding='same') of an even kernel, PyTorch's weights copied: values and gradients in float64
    (the zeros mode through the pad node above; the other modes pad unevenly with their own node, as before)"""
    torch = pytest.importorskip("torch")
    import autograd_core as ag

    results = []
    for L in (torch, ag):
        L.manual_seed(0)
        module = getattr(L.nn, f"Conv{nd}d")(3, 2, kernel, padding="same", padding_mode=mode).double()
        if L is torch:
            weight, bias = module.weight.detach().numpy().copy(), module.bias.detach().numpy().copy()
        else:
            module.weight.data[...], module.bias.data[...] = weight, bias
        value = L.tensor(_ARRAYS[x], requires_grad=True)
        y = module(value)
        y.sin().sum().backward()
        results.append([np.asarray(t.detach().numpy()) if L is torch else t.data
                        for t in (y, value.grad, module.weight.grad, module.bias.grad)])
    for theirs, ours in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-13)


def test_a_window_of_zeros_gets_pytorchs_zero_gradient():
    """(without PyTorch too) sign(s)·relu(|s|) before the root: relu's gradient picks 0 where Σ x^p = 0, where the
    root's derivative is infinite (PyTorch's "if the sum of all inputs to the power of p is zero, the gradient is set
    to zero")"""
    import autograd_core as ag
    import autograd_core.nn.functional as F

    for p in (2, 3, 1.5):
        x = ag.tensor(np.array([[[0.0, 0.0, 3.0, 4.0]]]), requires_grad=True)
        y = F.lp_pool1d(x, p, 2)
        y.sum().backward()
        assert np.array_equal(x.grad.data[0, 0, :2], [0.0, 0.0]) and np.all(np.isfinite(x.grad.data))
        assert y.data[0, 0, 0] == 0.0


_SMALL = np.random.default_rng(111)
_SMOOTH = np.abs(_SMALL.standard_normal((1, 2, 3, 4, 5))) + 0.1  # (lp_pool: no window of zeros, x^p defined)


@pytest.mark.parametrize("make, arrays", [
    (lambda F, x, w: F.conv1d(x, w, padding="same", dilation=3), (_ARRAYS["c3"], _ARRAYS["w14"])),
    (lambda F, x, w: F.conv2d(x, w, padding="same"), (_ARRAYS["i4"], _ARRAYS["w2m"])),
    (lambda F, x, w: F.conv3d(x, w, padding="same"), (_SMALL.standard_normal((1, 2, 3, 3, 4)),
                                                      _SMALL.standard_normal((2, 2, 2, 1, 2)))),
    (lambda F, x: F.lp_pool1d(x, 3, 3, stride=2, ceil_mode=True), (_SMOOTH[0, :, 0],)),
    (lambda F, x: F.lp_pool2d(x, 1.5, (2, 3), stride=1), (_SMOOTH[:, :, 0],)),
    (lambda F, x: F.lp_pool3d(x, 2, 2, ceil_mode=True), (_SMOOTH,)),
], ids=["conv1d", "conv2d", "conv3d", "lp_pool1d", "lp_pool2d", "lp_pool3d"])
def test_gradients_are_central_differences(make, arrays):
    """(without PyTorch too) float64, at smooth points"""
    import autograd_core as ag
    import autograd_core.nn.functional as F

    shape = make(F, *arrays).shape
    weights = np.cos(np.arange(math.prod(shape))).reshape(shape)

    def loss(*values):
        return float(np.sum(make(F, *values) * weights))

    values = [ag.tensor(a, requires_grad=True) for a in arrays]
    (make(F, *values) * ag.tensor(weights)).sum().backward()
    for value, expected in zip(values, central_gradients(loss, arrays)):
        np.testing.assert_allclose(value.grad.data, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("case", _NUMBER_CASES, ids=[case[0] for case in _NUMBER_CASES])
def test_hooks_on_every_node_are_pytorchs(case, replace):
    """A prehook and a hook on every node (the pad, the convolution, each node of lp_pool's chain), which observe or
    replace their arguments (test_grad_fn_hooks_pytorch4.py's): the calls and the leaves' gradients are PyTorch's.
    (On max_pool1d's SqueezeBackward1, lp_pool1d's for p = inf, the top of its relabelled chain: not on the
    MaxPool2DWithIndicesBackward0 it shows below, which is PyTorch's alone.)"""
    from autograd_core.grad_fn_names import hook_refusal

    pytest.importorskip("torch")
    (Lo, ours), (Lt, theirs) = ((_library(name)[0], _run(name, case[3])) for name in ("autograd_core", "torch"))
    pairs = _pairs(ours.grad_fn, theirs.grad_fn)
    picked = [pair for pair in pairs
              if type(pair[0]).__name__ != "AccumulateGrad" and not pair[0]._path
              and hook_refusal(pair[0]._node) is None]
    assert picked
    results = _hooked_passes(((Lo, ours, 0), (Lt, theirs, 1)), pairs, picked, replace)
    _same(results[0], results[1], 1e-9)


# ---- this library's side alone


def test_the_pad_is_only_where_the_padding_is_uneven():
    """(without PyTorch too) the pad's amounts: one zero at the end of each axis of an odd total, none elsewhere, and
    the output the size of the input, equal to the convolution of the input padded unevenly by hand"""
    import autograd_core as ag
    import autograd_core.nn.functional as F

    x, w = ag.tensor(_ARRAYS["i4"], requires_grad=True), ag.tensor(_ARRAYS["w2e"])
    y = F.conv2d(x, w, padding="same", dilation=(2, 3))
    pad = y.grad_fn.next_functions[0][0]
    assert pad.name() == _PAD and pad.next_functions[0][0].variable is x
    padded = np.pad(_ARRAYS["i4"], ((0, 0), (0, 0), (1, 1), (1, 2)))  # totals 2 and 3: (1, 1) and (1, 2)
    assert y.shape == x.shape[:1] + (2,) + x.shape[2:]
    np.testing.assert_allclose(y.data, F.conv2d(ag.tensor(padded), w, dilation=(2, 3)).data, rtol=1e-14, atol=1e-14)
    for make in (lambda: F.conv2d(x, ag.tensor(_ARRAYS["w2o"]), padding="same"),
                 lambda: F.conv2d(x, w, padding="same", dilation=2), lambda: F.conv2d(x, w, padding=1)):
        assert make().grad_fn.next_functions[0][0].variable is x


def test_lp_pool_refuses_a_zero_or_nan_norm_type():
    """(PyTorch divides by it: 1.0 / 0 raises its ZeroDivisionError there) a zero or NaN p is refused with its name, a
    zero one with PyTorch's type; a negative p or ±inf is PyTorch's (see the table)"""
    import autograd_core as ag
    import autograd_core.nn.functional as F

    x = ag.tensor(np.ones((1, 2, 4)))
    for p, error in ((0, ZeroDivisionError), (0.0, ZeroDivisionError), (-0.0, ZeroDivisionError),
                     (math.nan, ValueError), (True, ValueError), (False, ValueError)):
        with pytest.raises(error, match="norm_type must be a nonzero number"):
            F.lp_pool1d(x, p, 2)
        with pytest.raises(error, match="lp_pool2d: norm_type"):
            ag.nn.LPPool2d(p, 2)(ag.tensor(np.ones((1, 2, 4, 4))))


def test_the_picture_shows_the_pad_between_the_input_and_the_convolution():
    """(without PyTorch too) viz's graph of an even kernel's 'same' convolution: x -> constant_pad -> conv2d, the pad's
    output one row and column larger than x"""
    import autograd_core as ag
    import autograd_core.nn.functional as F
    from autograd_core import viz

    x = ag.tensor(_ARRAYS["i4"][:1], requires_grad=True)
    x.label = "x"
    graph = viz.trace(F.conv2d(x, ag.tensor(_ARRAYS["w2e"]), padding="same").sum())
    ops = {node.op: node for node in graph.nodes}
    assert {"constant_pad", "conv2d"} <= set(ops)
    edges = {(edge.src, edge.dst) for edge in graph.edges}
    x_id = next(node.id for node in graph.nodes if node.label == "x")
    padded = next(node for node in graph.nodes if (x_id, node.id) in edges or (node.id, x_id) in edges)
    assert padded.op == "constant_pad" and tuple(padded.shape) == (1, 3, 6, 7)


def test_second_derivatives_are_central_differences():
    """(without PyTorch too; PyTorch's own first double backward through avg_pool takes seconds) float64: the gradient
    of |∇ₓ Σ sin(y)|² through a 'same' convolution of an even kernel and lp_pool2d (ceil_mode), against central
    differences of the first gradient"""
    import autograd_core as ag
    import autograd_core.nn.functional as F

    arrays = (np.abs(_SMOOTH[:, :, 0]), _ARRAYS["w2e"][:, :2])

    def first(x, w, create_graph=False):
        y = F.lp_pool2d(F.conv2d(x, w, padding="same"), 2, 2, ceil_mode=True)
        return ag.autograd.grad(y.sin().sum(), [x], create_graph=create_graph)[0]

    def loss(x, w):
        g = first(ag.tensor(x, requires_grad=True), ag.tensor(w))
        return float(np.sum(g.data * g.data))

    x, w = (ag.tensor(a, requires_grad=True) for a in arrays)
    g = first(x, w, create_graph=True)
    for ours, expected in zip(ag.autograd.grad((g * g).sum(), [x, w]), central_gradients(loss, arrays)):
        np.testing.assert_allclose(ours.data, expected, rtol=1e-6, atol=1e-7)


def test_an_uneven_same_padding_warns_once_as_pytorch(monkeypatch):
    """PyTorch's UserWarning (TORCH_WARN_ONCE: once a process) where padding='same' needs a padded copy; none where
    the padding is even."""
    import warnings

    import autograd_core as ag
    from autograd_core.nn import conv

    monkeypatch.setattr(conv, "_SAME_COPY_WARNED", [])
    x = ag.tensor(_RNG.standard_normal((1, 2, 6, 6)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ag.nn.functional.conv2d(x, ag.tensor(_RNG.standard_normal((1, 2, 3, 3))), padding="same")  # even: no copy
        assert not caught
        for _ in range(2):
            ag.nn.functional.conv2d(x, ag.tensor(_RNG.standard_normal((1, 2, 2, 2))), padding="same")
    assert [str(w.message) for w in caught] == ["Using padding='same' with even kernel lengths and odd dilation may "
                                                "require a zero-padded copy of the input be created"]
    assert caught[0].category is UserWarning and caught[0].filename == __file__
