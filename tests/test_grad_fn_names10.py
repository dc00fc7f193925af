"""`y.grad_fn`'s names against PyTorch's, round 10 (the style of test_grad_fn_names4.py, each case run in both
libraries): convolutions of one unbatched sample, which PyTorch records as x.unsqueeze(0), the batched convolution and
y.squeeze(0) (SqueezeBackward1 over ConvolutionBackward0 over UnsqueezeBackward0), for conv1d, conv2d, conv3d and
their transposed forms, with a bias or without (listed as None); conv_transpose1d, conv3d and conv_transpose3d, which
are several nodes here, as PyTorch's one ConvolutionBackward0 of (input, weight, bias); max_pool2d of an unbatched
sample as its one MaxPool2DWithIndicesBackward0 (PyTorch's kernel takes the sample as it is). Then: values and
gradients against PyTorch's in float64, node hooks on every node against PyTorch's, and the weight, in its own rank,
listed as itself."""

import numpy as np
import pytest
from test_grad_fn_hooks_pytorch4 import _hooked_passes, _pairs, _same
from test_grad_fn_names import Tensors, _chain, _library, _next_names, run_on, values_and_gradients

_RNG = np.random.default_rng(10)
_ARRAYS = {
    "c2": _RNG.standard_normal((3, 7)), "c3": _RNG.standard_normal((2, 3, 7)),
    "i3": _RNG.standard_normal((3, 5, 6)), "i4": _RNG.standard_normal((2, 3, 5, 6)),
    "v4": _RNG.standard_normal((3, 4, 4, 5)), "v5": _RNG.standard_normal((2, 3, 4, 4, 5)),
    "w1": _RNG.standard_normal((2, 3, 3)), "wt1": _RNG.standard_normal((3, 2, 3)),
    "w2": _RNG.standard_normal((2, 3, 3, 2)), "wt2": _RNG.standard_normal((3, 2, 2, 3)),
    "w3": _RNG.standard_normal((2, 3, 2, 3, 2)), "wt3": _RNG.standard_normal((3, 2, 2, 2, 3)),
    "b": _RNG.standard_normal(2),
}


def _Inputs(L, dtype=np.float64):
    """The arrays above as tensors of library L (float64, or `dtype`) that require grad."""
    return Tensors(L, _ARRAYS, dtype)


def _run(library, make, dtype=np.float64):
    return run_on(library, make, _ARRAYS, dtype)


_ACC, _CONV = "AccumulateGrad", "ConvolutionBackward0"
_SQUEEZE = "SqueezeBackward1"

# (id, name of y.grad_fn, next_functions' names joined by "|", y from (L, F, nn, d)): PyTorch 2.13's names
CASES = [
    # one unbatched sample: SqueezeBackward1 over the batched convolution over UnsqueezeBackward0
    ("conv1d_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv1d(d.c2, d.w1)),
    ("conv1d_unbatched_bias", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv1d(d.c2, d.w1, d.b, padding=1, stride=2)),
    ("conv2d_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv2d(d.i3, d.w2)),
    ("conv2d_unbatched_bias", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv2d(d.i3, d.w2, d.b, padding=1)),
    ("conv3d_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv3d(d.v4, d.w3)),
    ("conv3d_unbatched_bias", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv3d(d.v4, d.w3, d.b, padding=1, stride=2)),
    ("conv_transpose1d_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv_transpose1d(d.c2, d.wt1)),
    ("conv_transpose1d_unbatched_bias", _SQUEEZE, _CONV,
     lambda L, F, nn, d: F.conv_transpose1d(d.c2, d.wt1, d.b, stride=2, output_padding=1)),
    ("conv_transpose2d_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv_transpose2d(d.i3, d.wt2)),
    ("conv_transpose2d_unbatched_bias", _SQUEEZE, _CONV,
     lambda L, F, nn, d: F.conv_transpose2d(d.i3, d.wt2, d.b, stride=2, padding=1)),
    ("conv_transpose3d_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv_transpose3d(d.v4, d.wt3)),
    ("conv_transpose3d_unbatched_bias", _SQUEEZE, _CONV,
     lambda L, F, nn, d: F.conv_transpose3d(d.v4, d.wt3, d.b, stride=2, padding=1)),
    ("conv2d_unbatched_of_a_node", _SQUEEZE, _CONV, lambda L, F, nn, d: F.conv2d(d.i3.tanh(), d.w2 * 2)),
    ("Conv1d_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: nn.Conv1d(3, 2, 3).double()(d.c2)),
    ("Conv2d_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: nn.Conv2d(3, 2, 2, bias=False).double()(d.i3)),
    ("Conv3d_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: nn.Conv3d(3, 2, 2).double()(d.v4)),
    ("ConvTranspose2d_unbatched", _SQUEEZE, _CONV, lambda L, F, nn, d: nn.ConvTranspose2d(3, 2, 2).double()(d.i3)),
    # batched: one node of (input, weight, bias) where this library records several
    ("conv_transpose1d", _CONV, "AccumulateGrad|AccumulateGrad|None",
     lambda L, F, nn, d: F.conv_transpose1d(d.c3, d.wt1)),
    ("conv_transpose1d_bias", _CONV, "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: F.conv_transpose1d(d.c3, d.wt1, d.b, stride=2, padding=1)),
    ("conv1d_weight_of_a_node", _CONV, "AccumulateGrad|MulBackward0|None",
     lambda L, F, nn, d: F.conv1d(d.c3, d.w1 * 2)),
    ("conv3d", _CONV, "AccumulateGrad|AccumulateGrad|None", lambda L, F, nn, d: F.conv3d(d.v5, d.w3)),
    ("conv3d_bias", _CONV, "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: F.conv3d(d.v5, d.w3, d.b, padding=1, stride=(2, 1, 2), dilation=(1, 2, 1))),
    ("conv3d_of_nodes", _CONV, "TanhBackward0|MulBackward0|None",
     lambda L, F, nn, d: F.conv3d(d.v5.tanh(), d.w3 * 2, padding=1)),
    ("conv_transpose3d", _CONV, "AccumulateGrad|AccumulateGrad|None",
     lambda L, F, nn, d: F.conv_transpose3d(d.v5, d.wt3)),
    ("conv_transpose3d_bias", _CONV, "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: F.conv_transpose3d(d.v5, d.wt3, d.b, stride=2, padding=1, output_padding=1)),
    ("Conv3d", _CONV, "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: nn.Conv3d(3, 2, 2, padding=1).double()(d.v5)),
    ("ConvTranspose3d", _CONV, "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: nn.ConvTranspose3d(3, 2, 2).double()(d.v5)),
    # max_pool2d of one sample: PyTorch's one node over it
    ("max_pool2d_unbatched", "MaxPool2DWithIndicesBackward0", _ACC, lambda L, F, nn, d: F.max_pool2d(d.i3, 2)),
    ("max_pool2d_unbatched_indices", "MaxPool2DWithIndicesBackward0", "TanhBackward0",
     lambda L, F, nn, d: F.max_pool2d(d.i3.tanh(), 2, stride=1, padding=1, return_indices=True)[0]),
    ("MaxPool2d_unbatched", "MaxPool2DWithIndicesBackward0", _ACC,
     lambda L, F, nn, d: nn.MaxPool2d(3, stride=2, ceil_mode=True)(d.i3)),
]

_IDS = [case[0] for case in CASES]


@pytest.mark.parametrize("L", ["torch", "autograd_core"])
@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_grad_fn_and_next_functions_are_named_as_the_table(L, case):
    _, name, next_names, make = case
    fn = _run(L, make).grad_fn
    assert (type(fn).__name__, fn.name(), _next_names(fn)) == (name, name, next_names)


# PyTorch 2.13's whole chains (test_whole_chain_is_pytorchs checks them against PyTorch itself where it is installed)
_UNBATCHED = (_SQUEEZE, ((_CONV, (("UnsqueezeBackward0", (_ACC,)), _ACC, None)),))
_UNBATCHED_BIAS = (_SQUEEZE, ((_CONV, (("UnsqueezeBackward0", (_ACC,)), _ACC, _ACC)),))


@pytest.mark.parametrize("case", [c for c in CASES if c[0].endswith("_unbatched") and c[0][0].islower()],
                         ids=[c[0] for c in CASES if c[0].endswith("_unbatched") and c[0][0].islower()])
def test_an_unbatched_sample_is_unsqueezed_and_squeezed_as_in_pytorch(case):
    """(without PyTorch too)"""
    of_nodes = (_CONV, (("UnsqueezeBackward0", (("TanhBackward0", (_ACC,)),)), ("MulBackward0", (_ACC, None)), None))
    expected = {"conv2d_unbatched_of_a_node": (_SQUEEZE, (of_nodes,)),
                "max_pool2d_unbatched": ("MaxPool2DWithIndicesBackward0", (_ACC,))}
    assert _chain(_run("autograd_core", case[3]).grad_fn) == expected.get(case[0], _UNBATCHED)
    bias_case = next(c for c in CASES if c[0] == case[0] + "_bias") if case[0] + "_bias" in _IDS else None
    if bias_case is not None:
        assert _chain(_run("autograd_core", bias_case[3]).grad_fn) == _UNBATCHED_BIAS


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_whole_chain_is_pytorchs(case):
    make = case[3]
    assert _chain(_run("autograd_core", make).grad_fn) == _chain(_run("torch", make).grad_fn)


# ---- the numbers and the node hooks, against PyTorch's

_NUMBER_CASES = [case for case in CASES if case[0][0].islower()]  # (modules: each library's random parameters)


@pytest.mark.parametrize("case", _NUMBER_CASES, ids=[case[0] for case in _NUMBER_CASES])
def test_values_and_gradients_are_pytorchs(case):
    pytest.importorskip("torch")
    ours, our_grads = values_and_gradients("autograd_core", case[3], _ARRAYS)
    theirs, their_grads = values_and_gradients("torch", case[3], _ARRAYS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    for a, b in zip(our_grads, their_grads):
        if a is None or b is None:
            assert a is None and b is None or not np.any(a if b is None else b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("case", _NUMBER_CASES, ids=[case[0] for case in _NUMBER_CASES])
def test_hooks_on_every_node_are_pytorchs(case, replace):
    """A prehook and a hook on every node (the unbatched sample's views, the convolution, the relabelled one), which
    observe or replace their arguments (test_grad_fn_hooks_pytorch4.py's): the calls and the leaves' gradients are
    PyTorch's."""
    pytest.importorskip("torch")
    (Lo, ours), (Lt, theirs) = ((_library(name)[0], _run(name, case[3])) for name in ("autograd_core", "torch"))
    pairs = _pairs(ours.grad_fn, theirs.grad_fn)
    picked = [pair for pair in pairs if type(pair[0]).__name__ != "AccumulateGrad"]
    assert picked
    results = _hooked_passes(((Lo, ours, 0), (Lt, theirs, 1)), pairs, picked, replace)
    _same(results[0], results[1], 1e-9)


# ---- this library's side alone

@pytest.mark.parametrize("who, x, w", [("conv1d", "c3", "w1"), ("conv_transpose1d", "c3", "wt1"),
                                       ("conv3d", "v5", "w3"), ("conv_transpose3d", "v5", "wt3"),
                                       ("conv1d", "c2", "w1"), ("conv3d", "v4", "w3")])
def test_the_weight_is_the_convolution_nodes_own_input(who, x, w):
    """The weight reaches the 2-D convolution's node in its own rank, as itself (no view of it in between: the
    backward pass may then set its gradient aside, test_threads_aside_ranks.py), and next_functions list it."""
    import autograd_core as ag
    import autograd_core.nn.functional as F

    d = _Inputs(ag)
    y = getattr(F, who)(getattr(d, x), getattr(d, w))
    convolutions = [node for node in _nodes(y) if node._op.name in ("conv2d", "conv_transpose2d")]
    assert len(convolutions) == 1 and convolutions[0]._parents[1] is getattr(d, w)
    fn = y.grad_fn if y.grad_fn.name() == "ConvolutionBackward0" else y.grad_fn.next_functions[0][0]  # (unbatched)
    assert fn.name() == "ConvolutionBackward0"
    assert fn.next_functions[1][0].variable is getattr(d, w)


def _nodes(y):
    seen, stack, found = set(), [y], []
    while stack:
        node = stack.pop()
        if id(node) in seen or node._op is None:
            continue
        seen.add(id(node))
        found.append(node)
        stack.extend(node._parents)
    return found


@pytest.mark.parametrize("who, w", [("conv3d", "w3"), ("conv_transpose3d", "wt3")])
def test_the_kept_paths_follow_which_inputs_need_gradients(who, w):
    """conv3d's paths down to its inputs are kept between calls (nn/conv.py one_convolution's key): a call whose input
    needs no gradient, or is an array, then one whose input does, lists each input as its own."""
    import autograd_core as ag
    import autograd_core.nn.functional as F

    d = _Inputs(ag)
    weight, x = getattr(d, w), d.v5
    for padding in (0, 1):
        names = []
        for first in (ag.tensor(_ARRAYS["v5"]), _ARRAYS["v5"], x.tanh(), x, ag.tensor(_ARRAYS["v5"])):
            for bias in (None, d.b):
                names.append(_next_names(getattr(F, who)(first, weight, bias, padding=padding).grad_fn))
        assert names == ["None|AccumulateGrad|None", "None|AccumulateGrad|AccumulateGrad"] * 2 + [
            "TanhBackward0|AccumulateGrad|None", "TanhBackward0|AccumulateGrad|AccumulateGrad",
            "AccumulateGrad|AccumulateGrad|None", "AccumulateGrad|AccumulateGrad|AccumulateGrad",
            "None|AccumulateGrad|None", "None|AccumulateGrad|AccumulateGrad"]
