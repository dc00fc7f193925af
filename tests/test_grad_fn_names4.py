"""`y.grad_fn`'s names against PyTorch's, round 4 (the style of test_grad_fn_names3.py, each case run in both
libraries): compositions PyTorch records as one node, shown as it (one_node.shown_as): norms of every p
(LinalgVectorNormBackward0, matrix norms' AmaxBackward0 over it, svdvals' LinalgSvdBackward0), F.normalize with another
p, repeat and tile, adaptive max pooling, adaptive_avg_pool1d to one bin, max_pool1d and max_pool3d, conv1d, 0-d
mode, kthvalue, max(dim), median() and nanmedian, masked_fill, gather, index_select, take, split, chunk, unbind,
flip, roll, tril, triu, square, reciprocal, rsqrt, log2, log10, logsigmoid; and primitives renamed as PyTorch names
them (ToCopyBackward0, CloneBackward0 of contiguous, AsinBackward0, Log1PBackward0, the linalg kernels, RoundBackward1,
LerpBackward0/1). Then: relabelling changes no number (the same calls with the relabelling turned off give the same
values and gradients, bit for bit, in float32 and float64), values and gradients against PyTorch's, and the relabelled
node's input is the Value itself."""

import numpy as np
import pytest
from test_grad_fn_names import Tensors, _chain, _library, _next_names, run_on

_RNG = np.random.default_rng(4)
_ARRAYS = {
    "x": _RNG.standard_normal((4, 3)), "v": _RNG.standard_normal(5), "img": _RNG.standard_normal((2, 3, 5, 6)),
    "c3": _RNG.standard_normal((2, 3, 7)), "c5": _RNG.standard_normal((1, 2, 4, 4, 4)),
    "sq": _RNG.standard_normal((3, 3)) + 3 * np.eye(3),
}
_INF = float("inf")


def _Inputs(L, dtype=np.float64):
    """The arrays above as tensors of library L (float64, or `dtype`) that require grad."""
    return Tensors(L, _ARRAYS, dtype)


def _run(library, make, dtype=np.float64):
    return run_on(library, make, _ARRAYS, dtype)


_ACC = "AccumulateGrad"
_SQUEEZE_POOL = "SqueezeBackward1"

# (id, name of y.grad_fn, next_functions' names joined by "|", y from (L, F, nn, d)): PyTorch 2.13's names
CASES = [
    # norms: one node whatever p
    ("norm_p1", "LinalgVectorNormBackward0", _ACC, lambda L, F, nn, d: d.x.norm(p=1)),
    ("norm_p3_dim", "LinalgVectorNormBackward0", _ACC, lambda L, F, nn, d: d.x.norm(p=3, dim=1)),
    ("norm_inf_keepdim", "LinalgVectorNormBackward0", _ACC, lambda L, F, nn, d: d.x.norm(p=_INF, dim=0, keepdim=True)),
    ("norm_-inf", "LinalgVectorNormBackward0", _ACC, lambda L, F, nn, d: d.x.norm(p=-_INF)),
    ("norm_p0", "LinalgVectorNormBackward0", _ACC, lambda L, F, nn, d: d.x.norm(p=0)),
    ("torch.norm_p1", "LinalgVectorNormBackward0", _ACC, lambda L, F, nn, d: L.norm(d.x, p=1)),
    ("vector_norm_inf", "LinalgVectorNormBackward0", _ACC, lambda L, F, nn, d: L.linalg.vector_norm(d.x, ord=_INF)),
    ("vector_norm_1_dims", "LinalgVectorNormBackward0", _ACC,
     lambda L, F, nn, d: L.linalg.vector_norm(d.c3, ord=1, dim=(0, 2))),
    ("vector_norm_0.5", "LinalgVectorNormBackward0", "MulBackward0",
     lambda L, F, nn, d: L.linalg.vector_norm(d.x * 2, 0.5)),
    ("vector_norm_-2", "LinalgVectorNormBackward0", _ACC, lambda L, F, nn, d: L.linalg.vector_norm(d.v, -2)),
    ("linalg.norm_vector_1", "LinalgVectorNormBackward0", _ACC, lambda L, F, nn, d: L.linalg.norm(d.v, 1)),
    ("linalg.norm_dim_3", "LinalgVectorNormBackward0", _ACC, lambda L, F, nn, d: L.linalg.norm(d.x, 3, dim=1)),
    ("matrix_norm_1", "AmaxBackward0", "LinalgVectorNormBackward0", lambda L, F, nn, d: L.linalg.matrix_norm(d.x, 1)),
    ("matrix_norm_-inf", "AminBackward0", "LinalgVectorNormBackward0",
     lambda L, F, nn, d: L.linalg.matrix_norm(d.c3, -_INF)),
    ("linalg.norm_inf", "AmaxBackward0", "LinalgVectorNormBackward0", lambda L, F, nn, d: L.linalg.norm(d.x, _INF)),
    ("matrix_norm_2", "AmaxBackward0", "LinalgSvdBackward0", lambda L, F, nn, d: L.linalg.matrix_norm(d.x, 2)),
    ("matrix_norm_nuc", "SumBackward1", "LinalgSvdBackward0", lambda L, F, nn, d: L.linalg.matrix_norm(d.x, "nuc")),
    ("svdvals", "LinalgSvdBackward0", _ACC, lambda L, F, nn, d: L.linalg.svdvals(d.x)),
    ("normalize_p1", "DivBackward0", "AccumulateGrad|ExpandBackward0", lambda L, F, nn, d: F.normalize(d.x, p=1)),
    # copies
    ("repeat", "RepeatBackward0", _ACC, lambda L, F, nn, d: d.x.repeat(2, 3)),
    ("repeat_more_dims", "RepeatBackward0", _ACC, lambda L, F, nn, d: d.v.repeat(2, 1, 3)),
    ("repeat_of_view", "RepeatBackward0", "UnsqueezeBackward0", lambda L, F, nn, d: d.v.unsqueeze(0).repeat(2, 1)),
    ("tile", "RepeatBackward0", _ACC, lambda L, F, nn, d: L.tile(d.x, (2,))),
    # pooling and convolution
    ("adaptive_max_pool2d", "AdaptiveMaxPool2DBackward0", _ACC, lambda L, F, nn, d: F.adaptive_max_pool2d(d.img, 2)),
    ("adaptive_max_pool2d_indices", "AdaptiveMaxPool2DBackward0", _ACC,
     lambda L, F, nn, d: F.adaptive_max_pool2d(d.img, (3, 2), return_indices=True)[0]),
    ("AdaptiveMaxPool2d_unbatched", "AdaptiveMaxPool2DBackward0", "SelectBackward0",
     lambda L, F, nn, d: nn.AdaptiveMaxPool2d((None, 2))(d.img[0])),
    ("adaptive_max_pool3d", "AdaptiveMaxPool3DBackward0", _ACC, lambda L, F, nn, d: F.adaptive_max_pool3d(d.c5, 2)),
    ("adaptive_max_pool1d", _SQUEEZE_POOL, "AdaptiveMaxPool2DBackward0",
     lambda L, F, nn, d: F.adaptive_max_pool1d(d.c3, 3)),
    ("adaptive_avg_pool1d_one", _SQUEEZE_POOL, "MeanBackward1", lambda L, F, nn, d: F.adaptive_avg_pool1d(d.c3, 1)),
    ("AdaptiveAvgPool1d_one_unbatched", _SQUEEZE_POOL, "MeanBackward1",
     lambda L, F, nn, d: nn.AdaptiveAvgPool1d(1)(d.c3[0])),
    ("max_pool1d", _SQUEEZE_POOL, "MaxPool2DWithIndicesBackward0", lambda L, F, nn, d: F.max_pool1d(d.c3, 2)),
    ("max_pool3d", "MaxPool3DWithIndicesBackward0", _ACC, lambda L, F, nn, d: F.max_pool3d(d.c5, 2)),
    ("conv1d", "ConvolutionBackward0", "AccumulateGrad|SliceBackward0|None",
     lambda L, F, nn, d: F.conv1d(d.c3, d.c3[:, :, :3])),
    ("Conv1d", "ConvolutionBackward0", "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: nn.Conv1d(3, 2, 3).to(d.c3.dtype)(d.c3)),
    # picks of 0-d inputs and medians of everything
    ("mode_0d", "ModeBackward0", "SelectBackward0", lambda L, F, nn, d: d.v[1].mode()[0]),
    ("kthvalue_0d", "KthvalueBackward0", "SelectBackward0", lambda L, F, nn, d: d.v[1].kthvalue(1)[0]),
    ("max_dim_0d", "MaxBackward0", "SelectBackward0", lambda L, F, nn, d: d.v[1].max(0)[0]),
    ("min_dim_0d", "MinBackward0", "SelectBackward0", lambda L, F, nn, d: d.v[1].min(0)[0]),
    ("median", "MedianBackward0", _ACC, lambda L, F, nn, d: d.x.median()),
    ("amax_all", "AmaxBackward0", _ACC, lambda L, F, nn, d: d.x.amax()),
    ("amin_all", "AminBackward0", _ACC, lambda L, F, nn, d: L.amin(d.x)),
    ("aminmax_min", "AminmaxBackward0", _ACC, lambda L, F, nn, d: L.aminmax(d.x).min),
    ("aminmax_max_dim", "AminmaxBackward0", _ACC, lambda L, F, nn, d: L.aminmax(d.x, dim=1).max),
    ("nanmedian", "NanmedianBackward0", _ACC, lambda L, F, nn, d: d.x.nanmedian()),
    ("nanmedian_dim", "NanmedianBackward1", _ACC, lambda L, F, nn, d: d.x.nanmedian(1)[0]),
    ("nanmedian_0d", "NanmedianBackward1", "SelectBackward0", lambda L, F, nn, d: d.v[1].nanmedian(0)[0]),
    # indexing, pieces and copies
    ("masked_fill", "MaskedFillBackward0", _ACC, lambda L, F, nn, d: d.x.masked_fill(d.x > 0, 0.0)),
    ("masked_fill_causal", "SoftmaxBackward0", "MaskedFillBackward0",
     lambda L, F, nn, d: d.sq.masked_fill(L.tril(L.ones(3, 3)) == 0, float("-inf")).softmax(-1)),
    ("masked_fill_tensor", "MaskedFillBackward1", "AccumulateGrad|None",
     lambda L, F, nn, d: d.x.masked_fill(d.x > 0, L.tensor(0.5, dtype=L.float64))),
    ("gather", "GatherBackward0", _ACC, lambda L, F, nn, d: d.x.gather(1, L.tensor([[0], [1], [2], [0]]))),
    ("index_select", "IndexSelectBackward0", _ACC, lambda L, F, nn, d: d.x.index_select(0, L.tensor([0, 2]))),
    ("take", "TakeBackward0", _ACC, lambda L, F, nn, d: L.take(d.x, L.tensor([0, 5]))),
    ("split", "SplitBackward0", _ACC, lambda L, F, nn, d: d.x.split(2)[1]),
    ("split_sizes", "SplitWithSizesBackward0", _ACC, lambda L, F, nn, d: d.x.split([1, 3])[1]),
    ("chunk", "SplitBackward0", _ACC, lambda L, F, nn, d: d.x.chunk(3, 1)[2]),
    ("unsafe_split", "UnsafeSplitBackward0", _ACC, lambda L, F, nn, d: d.x.unsafe_split(2)[1]),
    ("unsafe_chunk", "UnsafeSplitBackward0", _ACC, lambda L, F, nn, d: L.unsafe_chunk(d.x, 2, 1)[0]),
    ("unsafe_split_with_sizes", "UnsafeSplitWithSizesBackward0", _ACC,
     lambda L, F, nn, d: d.x.unsafe_split_with_sizes([1, 3])[1]),
    ("unbind", "UnbindBackward0", _ACC, lambda L, F, nn, d: d.x.unbind(0)[1]),
    ("flip", "FlipBackward0", _ACC, lambda L, F, nn, d: d.x.flip(0)),
    ("roll", "RollBackward0", _ACC, lambda L, F, nn, d: d.x.roll(1, 0)),
    ("roll_flat", "RollBackward0", _ACC, lambda L, F, nn, d: d.x.roll(2)),
    ("tril", "TrilBackward0", _ACC, lambda L, F, nn, d: d.x.tril()),
    ("triu", "TriuBackward0", _ACC, lambda L, F, nn, d: d.sq.triu(1)),
    ("masked_select", "MaskedSelectBackward0", _ACC, lambda L, F, nn, d: d.x.masked_select(d.x > 0)),
    ("masked_select_broadcast", "MaskedSelectBackward0", "SliceBackward0",
     lambda L, F, nn, d: d.v[:3].masked_select(d.x > 0)),
    ("trace", "TraceBackward0", _ACC, lambda L, F, nn, d: d.sq.trace()),
    ("diagonal", "DiagonalBackward0", _ACC, lambda L, F, nn, d: L.diagonal(d.sq, 1)),
    ("contiguous", "CloneBackward0", "TBackward0", lambda L, F, nn, d: d.x.t().contiguous()),
    ("float", "ToCopyBackward0", _ACC, lambda L, F, nn, d: d.x.float()),
    ("to_float32", "ToCopyBackward0", _ACC, lambda L, F, nn, d: d.x.to(L.float32)),
    ("softmax_dtype", "SoftmaxBackward0", "ToCopyBackward0", lambda L, F, nn, d: F.softmax(d.x, 1, dtype=L.float32)),
    # elementwise
    ("square", "PowBackward0", _ACC, lambda L, F, nn, d: d.x.square()),
    ("reciprocal", "ReciprocalBackward0", _ACC, lambda L, F, nn, d: d.x.reciprocal()),
    ("rsqrt", "RsqrtBackward0", "AbsBackward0", lambda L, F, nn, d: d.x.abs().rsqrt()),
    ("log2", "Log2Backward0", "AbsBackward0", lambda L, F, nn, d: d.x.abs().log2()),
    ("log10", "Log10Backward0", "AbsBackward0", lambda L, F, nn, d: L.log10(d.x.abs())),
    ("logsigmoid", "LogSigmoidBackward0", _ACC, lambda L, F, nn, d: F.logsigmoid(d.x)),
    ("frac", "FracBackward0", _ACC, lambda L, F, nn, d: d.x.frac()),
    ("addcmul", "AddcmulBackward0", "AccumulateGrad|SliceBackward0|ExpBackward0",
     lambda L, F, nn, d: L.addcmul(d.x, d.v[:3], d.x.exp(), value=0.5)),
    ("addcdiv", "AddcdivBackward0", "AccumulateGrad|None|ExpBackward0",
     lambda L, F, nn, d: L.addcdiv(d.x, d.x.detach(), d.x.exp())),
    ("hypot", "HypotBackward0", "AccumulateGrad|None",
     lambda L, F, nn, d: L.hypot(d.x, 2 * L.ones(3, dtype=L.float64))),
    ("log1p", "Log1PBackward0", "AbsBackward0", lambda L, F, nn, d: d.x.abs().log1p()),
    ("asin", "AsinBackward0", "TanhBackward0", lambda L, F, nn, d: d.x.tanh().asin()),
    ("acos", "AcosBackward0", "TanhBackward0", lambda L, F, nn, d: L.acos(d.x.tanh())),
    ("atan", "AtanBackward0", _ACC, lambda L, F, nn, d: d.x.atan()),
    ("asinh", "AsinhBackward0", _ACC, lambda L, F, nn, d: L.asinh(d.x)),
    ("acosh", "AcoshBackward0", "AddBackward0", lambda L, F, nn, d: (d.x.abs() + 1.5).acosh()),
    ("arctanh", "AtanhBackward0", "MulBackward0", lambda L, F, nn, d: L.arctanh(d.x.tanh() * 0.5)),
    ("atan2", "Atan2Backward0", "AccumulateGrad|ExpBackward0", lambda L, F, nn, d: L.atan2(d.x, d.x.exp())),
    ("gelu_tanh", "GeluBackward0", _ACC, lambda L, F, nn, d: F.gelu(d.x, approximate="tanh")),
    ("round", "RoundBackward0", _ACC, lambda L, F, nn, d: d.x.round()),
    ("round_decimals", "RoundBackward1", _ACC, lambda L, F, nn, d: d.x.round(decimals=1)),
    ("lerp_number", "LerpBackward0", "AccumulateGrad|MulBackward0", lambda L, F, nn, d: L.lerp(d.x, d.x * 2, 0.3)),
    ("lerp_tensor", "LerpBackward1", "AccumulateGrad|MulBackward0|SigmoidBackward0",
     lambda L, F, nn, d: L.lerp(d.x, d.x * 2, d.x.sigmoid())),
    # torch.linalg's kernels
    ("inv", "LinalgInvExBackward0", _ACC, lambda L, F, nn, d: L.linalg.inv(d.sq)),
    ("inverse", "LinalgInvExBackward0", _ACC, lambda L, F, nn, d: L.inverse(d.sq)),
    ("det", "LinalgDetBackward0", _ACC, lambda L, F, nn, d: L.det(d.sq)),
    ("slogdet", "LinalgSlogdetBackward0", _ACC, lambda L, F, nn, d: L.linalg.slogdet(d.sq)[1]),
    ("solve", "LinalgSolveExBackward0", "AccumulateGrad|PermuteBackward0",
     lambda L, F, nn, d: L.linalg.solve(d.sq, d.x.T)),
    ("pinv", "LinalgPinvBackward0", _ACC, lambda L, F, nn, d: L.linalg.pinv(d.x)),
    ("cholesky", "LinalgCholeskyExBackward0", "AddBackward0",
     lambda L, F, nn, d: L.linalg.cholesky(d.sq @ d.sq.T + 0.1)),
    ("matrix_exp", "LinalgMatrixExpBackward0", "MulBackward0", lambda L, F, nn, d: L.linalg.matrix_exp(d.sq * 0.1)),
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
    assert (_chain(_run("autograd_core", make).grad_fn, any_output=True)
            == _chain(_run("torch", make).grad_fn, any_output=True))


# ---- the numbers: unchanged by the relabelling, and PyTorch's

def _output_and_gradients(library, make, dtype=np.float64):
    L, F, nn = _library(library)
    L.manual_seed(0)
    d = _Inputs(L, dtype)
    y = make(L, F, nn, d)
    inputs = [getattr(d, name) for name in _ARRAYS]
    weights = L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape))).to(y.dtype)
    grads = L.autograd.grad((y * weights).sum(), inputs, allow_unused=True)
    as_array = (lambda t: t.detach().numpy()) if library == "torch" else (lambda t: t.data)
    return as_array(y), [None if g is None else as_array(g) for g in grads]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_relabelling_changes_no_number(case, dtype, monkeypatch):
    """The same call with the relabelling turned off (no input found below the node: it is left as it is) gives the
    same values and gradients, bit for bit; and its node then has this library's own name (the test can fail)."""
    import autograd_core.one_node as one_node

    make = case[3]
    relabelled, relabelled_grads = _output_and_gradients("autograd_core", make, dtype)
    monkeypatch.setattr(one_node, "input_paths", lambda out, inputs: None)
    plain, plain_grads = _output_and_gradients("autograd_core", make, dtype)
    if case[0] not in _TABLE_RENAMES:
        assert type(_run("autograd_core", make).grad_fn).__name__ != case[1] or _next_names(
            _run("autograd_core", make).grad_fn) != case[2]
    assert relabelled.dtype == plain.dtype and np.array_equal(relabelled, plain, equal_nan=True)
    for a, b in zip(relabelled_grads, plain_grads):
        assert (a is None and b is None) or (a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True))


# names of cases that a table renames (grad_fn_names._TORCH_NAMES, _CONTEXTS), not one_node.shown_as; and of cases
# whose first node here is PyTorch's own (their relabelled node is further down)
_TABLE_RENAMES = {"contiguous", "float", "to_float32", "log1p", "asin", "acos", "atan", "asinh", "acosh", "arctanh",
                  "atan2", "gelu_tanh", "round", "round_decimals", "lerp_number", "lerp_tensor", "inv", "inverse",
                  "det", "slogdet", "solve", "pinv", "cholesky", "matrix_exp", "softmax_dtype", "diagonal",
                  "masked_fill_causal", "normalize_p1", "matrix_norm_nuc",
                  "norm_p0"}  # (a named twin of the primitive nondifferentiable, linalg._COUNT_NONZERO)


_NUMBER_CASES = [case for case in CASES if case[0] != "Conv1d"]  # (its parameters are each library's random ones)


@pytest.mark.parametrize("case", _NUMBER_CASES, ids=[case[0] for case in _NUMBER_CASES])
def test_values_and_gradients_are_pytorchs(case):
    pytest.importorskip("torch")
    ours, our_grads = _output_and_gradients("autograd_core", case[3])
    theirs, their_grads = _output_and_gradients("torch", case[3])
    rtol = 1e-5 if ours.dtype == np.float32 else 1e-9  # float32: .float(), softmax's dtype
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-12)
    for a, b in zip(our_grads, their_grads):
        if a is None or b is None:
            assert a is None and b is None or not np.any(a if b is None else b)
        else:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-7 if ours.dtype == np.float32 else 1e-10)


# ---- this library's side alone (no PyTorch needed)

def test_the_relabelled_nodes_list_the_value_itself():
    """next_functions lead to the Value the composite was computed from (its AccumulateGrad's variable), and the
    name survives a backward pass (it is the node's primitive, not a parameter the pass frees)."""
    import autograd_core as ag
    import autograd_core.nn.functional as F

    x = ag.tensor(_ARRAYS["x"], requires_grad=True)
    for y in (x.norm(p=1), ag.linalg.vector_norm(x, 3, dim=0), x.repeat(2, 1), x.masked_fill(x > 0, 1.0),
              F.adaptive_max_pool1d(x[None], 2)):
        fn = y.grad_fn
        while type(fn).__name__ != "AccumulateGrad":
            fn = fn.next_functions[0][0]
        assert fn.variable is x
    y = x.norm(p=1)
    y.backward()
    assert y.grad_fn.name() == "LinalgVectorNormBackward0"
    np.testing.assert_array_equal(x.grad, np.sign(_ARRAYS["x"]))


def test_saved_inputs_and_hooks_of_a_relabelled_node():
    """_saved_self is the composition's input (PyTorch's node's); register_hook gets its gradient (PyTorch's
    grad_inputs, not the last node's inputs': test_grad_fn_hooks_pytorch4.py); register_prehook sees (and may
    replace) the node's gradient."""
    import autograd_core as ag

    x = ag.tensor(_ARRAYS["x"], requires_grad=True)
    y = x.norm(p=1)
    assert y.grad_fn._saved_self is x
    with pytest.raises(AttributeError, match="_saved_other"):
        _ = y.grad_fn._saved_other
    grad_inputs = []
    y.grad_fn.register_hook(lambda gi, go: grad_inputs.append(np.array(gi[0])))
    seen = []
    y.grad_fn.register_prehook(lambda grad_outputs: seen.append(grad_outputs) or (grad_outputs[0] * 2,))
    y.backward()
    assert len(seen) == 1 and float(seen[0][0]) == 1.0
    np.testing.assert_array_equal(x.grad, 2 * np.sign(_ARRAYS["x"]))
    np.testing.assert_array_equal(grad_inputs[0], 2 * np.sign(_ARRAYS["x"]))


def test_conv1d_lists_input_weight_and_bias():
    import autograd_core as ag
    import autograd_core.nn as nn

    conv = nn.Conv1d(3, 2, 3)
    x = ag.randn(2, 3, 7, requires_grad=True)
    fn = conv(x).grad_fn
    assert [f.variable for f, _ in fn.next_functions] == [x, conv.weight, conv.bias]
    fn = nn.Conv1d(3, 2, 3, bias=False)(x).grad_fn
    assert fn.next_functions[2] == (None, 0) and fn.next_functions[0][0].variable is x


def test_a_constant_input_makes_no_relabelled_node():
    """Nothing requires grad: no node, nothing relabelled; a node over another input keeps its name."""
    import autograd_core as ag

    assert ag.tensor(_ARRAYS["x"]).norm(p=1).grad_fn is None
    x = ag.tensor(_ARRAYS["x"], requires_grad=True)
    from autograd_core.one_node import shown_as

    y = x * 2
    assert shown_as(y, ag.tensor(_ARRAYS["x"], requires_grad=True), "Elsewhere").grad_fn.name() == "MulBackward0"
    assert shown_as(x, x, "Itself").grad_fn is None and x.is_leaf
