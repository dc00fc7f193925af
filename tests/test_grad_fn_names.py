"""`y.grad_fn`'s names against PyTorch's: for each case of `CASES`, the class name of `y.grad_fn`, its `name()` and
the names of its `next_functions` (AccumulateGrad for a leaf, None for a constant), in both libraries (the `L`
argument: PyTorch's side skips without it), and, where PyTorch records several nodes for one of ours (linear's
AddmmBackward0 over TBackward0, a reshape that copies), the whole chain down to the leaves against PyTorch's. The
table's names are PyTorch 2.13's; the tests of this library's side alone run without PyTorch."""

import numpy as np
import pytest

_RNG = np.random.default_rng(0)
_ARRAYS = {
    "x": _RNG.standard_normal((4, 3)), "t": _RNG.standard_normal((4, 3)), "v": _RNG.standard_normal(3),
    "b3": _RNG.standard_normal((2, 4, 3)), "c3": _RNG.standard_normal((2, 3, 5)),
    "img": _RNG.standard_normal((2, 3, 8, 8)), "w": _RNG.standard_normal((2, 3)), "bias": _RNG.standard_normal(2),
}


class _Inputs:
    """The arrays above as float32 tensors of library L (those of `_CONSTANT` without requires_grad)."""

    _CONSTANT = {"t"}

    def __init__(self, L):
        for name, a in _ARRAYS.items():
            setattr(self, name, L.tensor(a.astype(np.float32), requires_grad=name not in self._CONSTANT))
        self.lab = L.tensor([0, 1, 2, 0])


# (id, name of y.grad_fn, next_functions' names joined by "|", y from (L, F, nn, d)): PyTorch's names
CASES = [
    # arithmetic with a number: PyTorch's Scalar overloads list only the tensor
    ("x+2", "AddBackward0", "AccumulateGrad|None", lambda L, F, nn, d: d.x + 2),
    ("2+x", "AddBackward0", "AccumulateGrad|None", lambda L, F, nn, d: 2 + d.x),
    ("2*x", "MulBackward0", "AccumulateGrad|None", lambda L, F, nn, d: 2 * d.x),
    ("x-t", "SubBackward0", "AccumulateGrad|None", lambda L, F, nn, d: d.x - d.t),
    ("2-x", "RsubBackward1", "AccumulateGrad", lambda L, F, nn, d: 2 - d.x),
    ("x/2", "DivBackward0", "AccumulateGrad|None", lambda L, F, nn, d: d.x / 2),
    ("2/x", "MulBackward0", "ReciprocalBackward0|None", lambda L, F, nn, d: 2 / d.x),
    ("x**2", "PowBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x ** 2),
    ("x.pow(2)", "PowBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.pow(2)),
    ("2**x", "PowBackward2", "AccumulateGrad", lambda L, F, nn, d: 2 ** d.x),
    ("x**t", "PowBackward1", "ExpBackward0|None", lambda L, F, nn, d: d.x.exp() ** d.t),
    ("x**v", "PowBackward1", "ExpBackward0|AccumulateGrad", lambda L, F, nn, d: d.x.exp() ** d.v),
    ("clamp", "ClampBackward1", "AccumulateGrad", lambda L, F, nn, d: d.x.clamp(0, 1)),
    ("clamp_min", "ClampBackward1", "AccumulateGrad", lambda L, F, nn, d: d.x.clamp(min=0)),
    # reductions
    ("sum", "SumBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.sum()),
    ("sum(1)", "SumBackward1", "AccumulateGrad", lambda L, F, nn, d: d.x.sum(1)),
    ("mean", "MeanBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.mean()),
    ("mean(1)", "MeanBackward1", "AccumulateGrad", lambda L, F, nn, d: d.x.mean(1)),
    ("max", "MaxBackward1", "AccumulateGrad", lambda L, F, nn, d: d.x.max()),
    ("min", "MinBackward1", "AccumulateGrad", lambda L, F, nn, d: d.x.min()),
    ("amax", "AmaxBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.amax(1)),
    ("norm", "LinalgVectorNormBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.norm()),
    ("pad", "ConstantPadNdBackward0", "AccumulateGrad", lambda L, F, nn, d: F.pad(d.x, (1, 1))),
    # shapes
    ("view", "ViewBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.view(12)),
    ("view(1,4,3)", "ViewBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.view(1, 4, 3)),
    ("reshape", "ViewBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.reshape(12)),
    ("flatten", "ViewBackward0", "AccumulateGrad", lambda L, F, nn, d: L.flatten(d.img, 1)),
    ("t().reshape", "UnsafeViewBackward0", "CloneBackward0", lambda L, F, nn, d: d.x.t().reshape(12)),
    ("t().flatten", "UnsafeViewBackward0", "CloneBackward0", lambda L, F, nn, d: d.x.t().flatten()),
    ("unsqueeze", "UnsqueezeBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.unsqueeze(0)),
    ("squeeze()", "SqueezeBackward0", "SliceBackward0", lambda L, F, nn, d: d.x[:1].squeeze()),
    ("squeeze(0)", "SqueezeBackward1", "SliceBackward0", lambda L, F, nn, d: d.x[:1].squeeze(0)),
    ("squeeze((0,))", "SqueezeBackward2", "SliceBackward0", lambda L, F, nn, d: d.x[:1].squeeze((0,))),
    ("t()", "TBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.t()),
    ("transpose", "TransposeBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.transpose(0, 1)),
    ("mT", "TransposeBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.mT),
    ("T", "PermuteBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x.T),
    ("permute", "PermuteBackward0", "AccumulateGrad", lambda L, F, nn, d: d.b3.permute(2, 0, 1)),
    ("expand", "ExpandBackward0", "AccumulateGrad", lambda L, F, nn, d: d.v.expand(4, 3)),
    ("cat", "CatBackward0", "AccumulateGrad|AccumulateGrad", lambda L, F, nn, d: L.cat([d.x, d.x])),
    ("stack", "StackBackward0", "AccumulateGrad|AccumulateGrad", lambda L, F, nn, d: L.stack([d.x, d.x])),
    # indexing
    ("x[0]", "SelectBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x[0]),
    ("x[1:]", "SliceBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x[1:]),
    ("x[:]", "SliceBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x[:]),
    ("x[::2]", "SliceBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x[::2]),
    ("x[:,0]", "SelectBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x[:, 0]),
    ("x[...,0]", "SelectBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x[..., 0]),
    ("x[0,1:]", "SliceBackward0", "SelectBackward0", lambda L, F, nn, d: d.x[0, 1:]),
    ("x[1:,0]", "SelectBackward0", "SliceBackward0", lambda L, F, nn, d: d.x[1:, 0]),
    ("x[0,0]", "SelectBackward0", "SelectBackward0", lambda L, F, nn, d: d.x[0, 0]),
    ("x[None]", "UnsqueezeBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x[None]),
    ("x[idx]", "IndexBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x[L.tensor([0, 2])]),
    ("x[list]", "IndexBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x[[0, 1]]),
    ("x[mask]", "IndexBackward0", "AccumulateGrad", lambda L, F, nn, d: d.x[d.t > 0]),
    ("x[1:,idx]", "IndexBackward0", "SliceBackward0", lambda L, F, nn, d: d.x[1:, L.tensor([0, 2])]),
    # products
    ("mm", "MmBackward0", "AccumulateGrad|None", lambda L, F, nn, d: d.x @ d.t.T),
    ("x@x.T", "MmBackward0", "AccumulateGrad|PermuteBackward0", lambda L, F, nn, d: d.x @ d.x.T),
    ("torch.mm", "MmBackward0", "AccumulateGrad|TBackward0", lambda L, F, nn, d: L.mm(d.x, d.x.t())),
    ("mv", "MvBackward0", "AccumulateGrad|AccumulateGrad", lambda L, F, nn, d: d.x @ d.v),
    ("dot", "DotBackward0", "AccumulateGrad|AccumulateGrad", lambda L, F, nn, d: d.v @ d.v),
    ("v@x.T", "SqueezeBackward4", "MmBackward0", lambda L, F, nn, d: d.v @ d.x.T),
    ("b3@w.T", "UnsafeViewBackward0", "MmBackward0", lambda L, F, nn, d: d.b3 @ d.w.T),
    ("b3@v", "UnsafeViewBackward0", "MvBackward0", lambda L, F, nn, d: d.b3 @ d.v),
    ("b3@c3", "UnsafeViewBackward0", "BmmBackward0", lambda L, F, nn, d: d.b3 @ d.c3),
    ("bmm", "BmmBackward0", "AccumulateGrad|AccumulateGrad", lambda L, F, nn, d: L.bmm(d.b3, d.c3)),
    # nn
    ("linear", "AddmmBackward0", "AccumulateGrad|AccumulateGrad|TBackward0",
     lambda L, F, nn, d: F.linear(d.x, d.w, d.bias)),
    ("linear_nb", "MmBackward0", "AccumulateGrad|TBackward0", lambda L, F, nn, d: F.linear(d.x, d.w)),
    ("linear3d", "ViewBackward0", "AddmmBackward0", lambda L, F, nn, d: F.linear(d.b3, d.w, d.bias)),
    ("linear3d_nb", "UnsafeViewBackward0", "MmBackward0", lambda L, F, nn, d: F.linear(d.b3, d.w)),
    ("linear1d", "ViewBackward0", "AddmmBackward0", lambda L, F, nn, d: F.linear(d.v, d.w, d.bias)),
    ("linear1d_nb", "SqueezeBackward4", "MmBackward0", lambda L, F, nn, d: F.linear(d.v, d.w)),
    ("linear_strided", "AddBackward0", "UnsafeViewBackward0|AccumulateGrad",
     lambda L, F, nn, d: F.linear(d.b3.transpose(0, 1), d.w, d.bias)),
    ("conv2d", "ConvolutionBackward0", "AccumulateGrad|AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: nn.Conv2d(3, 4, 3)(d.img)),
    ("max_pool2d", "MaxPool2DWithIndicesBackward0", "AccumulateGrad", lambda L, F, nn, d: F.max_pool2d(d.img, 2)),
    ("embedding", "EmbeddingBackward0", "AccumulateGrad", lambda L, F, nn, d: F.embedding(d.lab, d.x)),
    ("relu", "ReluBackward0", "AccumulateGrad", lambda L, F, nn, d: F.relu(d.x)),
    # losses PyTorch computes in one kernel: one node each, input then target
    ("mse", "MseLossBackward0", "AccumulateGrad|None", lambda L, F, nn, d: F.mse_loss(d.x, d.t)),
    ("mse_sum", "MseLossBackward0", "AccumulateGrad|None", lambda L, F, nn, d: F.mse_loss(d.x, d.t, reduction="sum")),
    ("mse_none", "MseLossBackward0", "AccumulateGrad|None",
     lambda L, F, nn, d: F.mse_loss(d.x, d.t, reduction="none")),
    ("MSELoss", "MseLossBackward0", "AccumulateGrad|None", lambda L, F, nn, d: nn.MSELoss()(d.x, d.t)),
    ("mse_target", "MseLossBackward0", "AccumulateGrad|SelectBackward0",
     lambda L, F, nn, d: F.mse_loss(d.x, d.b3[0])),
    ("smooth_l1", "SmoothL1LossBackward0", "AccumulateGrad|None", lambda L, F, nn, d: F.smooth_l1_loss(d.x, d.t)),
    ("SmoothL1Loss", "SmoothL1LossBackward0", "AccumulateGrad|None",
     lambda L, F, nn, d: nn.SmoothL1Loss(reduction="none", beta=0.5)(d.x, d.t)),
    ("huber", "HuberLossBackward0", "AccumulateGrad|None", lambda L, F, nn, d: F.huber_loss(d.x, d.t)),
    ("HuberLoss", "HuberLossBackward0", "AccumulateGrad|AccumulateGrad",
     lambda L, F, nn, d: nn.HuberLoss(reduction="sum", delta=0.5)(d.x, d.b3[0].detach().requires_grad_())),
    ("bce", "BinaryCrossEntropyBackward0", "SigmoidBackward0|None",
     lambda L, F, nn, d: F.binary_cross_entropy(d.x.sigmoid(), d.t.sigmoid())),
    ("bce_weight", "BinaryCrossEntropyBackward0", "SigmoidBackward0|SigmoidBackward0",
     lambda L, F, nn, d: F.binary_cross_entropy(d.x.sigmoid(), d.v.sigmoid().expand(4, 3).detach().requires_grad_()
                                                .sigmoid(), weight=L.ones(3), reduction="sum")),
    ("BCELoss", "BinaryCrossEntropyBackward0", "SigmoidBackward0|None",
     lambda L, F, nn, d: nn.BCELoss(reduction="none")(d.x.sigmoid(), d.t.sigmoid())),
    ("bce_logits", "BinaryCrossEntropyWithLogitsBackward0", "AccumulateGrad|None",
     lambda L, F, nn, d: F.binary_cross_entropy_with_logits(d.x, d.t.sigmoid())),
    ("bce_logits_pos_weight", "BinaryCrossEntropyWithLogitsBackward0", "AccumulateGrad|None",
     lambda L, F, nn, d: F.binary_cross_entropy_with_logits(d.x, d.t.sigmoid(), pos_weight=2 * L.ones(3),
                                                            weight=L.ones(3))),
    ("BCEWithLogitsLoss", "BinaryCrossEntropyWithLogitsBackward0", "AccumulateGrad|None",
     lambda L, F, nn, d: nn.BCEWithLogitsLoss(reduction="sum")(d.x, d.t.sigmoid())),
    # cross_entropy: one node here, PyTorch's two (nll_loss of log_softmax)
    ("cross_entropy", "NllLossBackward0", "LogSoftmaxBackward0", lambda L, F, nn, d: F.cross_entropy(d.x, d.lab)),
    ("cross_entropy_none", "NllLossBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: F.cross_entropy(d.x, d.lab, reduction="none")),
    ("CrossEntropyLoss", "NllLossBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: nn.CrossEntropyLoss(reduction="sum")(d.x, d.lab)),
    ("cross_entropy_linear", "NllLossBackward0", "LogSoftmaxBackward0",
     lambda L, F, nn, d: F.cross_entropy(nn.Linear(3, 4)(d.x), d.lab)),
    # the 60-minute blitz's graph: loss.grad_fn, then next_functions[0][0] twice
    ("blitz_linear_mse", "MseLossBackward0", "AddmmBackward0|None",
     lambda L, F, nn, d: nn.MSELoss()(nn.Linear(3, 3)(d.x), d.t)),
    ("linear_relu_linear", "AddmmBackward0", "AccumulateGrad|ReluBackward0|TBackward0",
     lambda L, F, nn, d: nn.Linear(2, 3)(F.relu(nn.Linear(3, 2)(d.x)))),
    ("sequential_mse", "MseLossBackward0", "AddmmBackward0|None",
     lambda L, F, nn, d: F.mse_loss(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 3))(d.x), d.t)),
]

_IDS = [case[0] for case in CASES]


def _library(name):
    if name == "torch":
        torch = pytest.importorskip("torch")
        return torch, torch.nn.functional, torch.nn
    import autograd_core
    import autograd_core.nn
    import autograd_core.nn.functional

    return autograd_core, autograd_core.nn.functional, autograd_core.nn


def _run(library, make):
    L, F, nn = _library(library)
    L.manual_seed(0)
    return make(L, F, nn, _Inputs(L))


class Tensors:
    """`arrays` (name -> array) as attributes: tensors of library L that require grad, real arrays as `dtype` and
    complex ones as they are (the inputs of the later rounds' tables: test_grad_fn_names4, 5, 6, 10)."""

    def __init__(self, L, arrays, dtype=np.float64):
        for name, a in arrays.items():
            setattr(self, name, L.tensor(a if a.dtype.kind == "c" else a.astype(dtype), requires_grad=True))


def run_on(library, make, arrays, dtype=np.float64):
    """make(L, F, nn, Tensors(L, arrays, dtype)) in `library` ("torch" or "autograd_core"), its generator seeded."""
    L, F, nn = _library(library)
    L.manual_seed(0)
    return make(L, F, nn, Tensors(L, arrays, dtype))


def values_and_gradients(library, make, arrays):
    """make(L, F, nn, Tensors(L, arrays)) in `library` ("torch" or "autograd_core"): its output and the gradients of
    Σ output·cos(k) (k: the flat index) with respect to every input (None where none reaches it), as arrays."""
    L, F, nn = _library(library)
    d = Tensors(L, arrays)
    y = make(L, F, nn, d)
    inputs = [getattr(d, name) for name in arrays]
    weights = L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape))).to(y.dtype)
    grads = L.autograd.grad((y * weights).sum(), inputs, allow_unused=True)
    as_array = (lambda t: t.detach().numpy()) if library == "torch" else (lambda t: t.data)
    return as_array(y), [None if g is None else as_array(g) for g in grads]


def _next_names(fn):
    return "|".join("None" if f is None else type(f).__name__ for f, _ in fn.next_functions)


def _chain(fn, depth=6, any_output=False):
    """fn's name and its next_functions' chains, down to the leaves (AccumulateGrad) and constants (None). Each edge
    must lead to its node's output 0 unless any_output (PyTorch's output numbers are not compared then: svdvals'
    singular values are LinalgSvdBackward0's output 1, ours are each a node's one output)."""
    if fn is None:
        return None
    name = type(fn).__name__
    if name == "AccumulateGrad" or depth == 0:
        return name
    assert any_output or all(n == 0 for _, n in fn.next_functions)
    return name, tuple(_chain(f, depth - 1, any_output) for f, _ in fn.next_functions)


@pytest.mark.parametrize("L", ["torch", "autograd_core"])
@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_grad_fn_and_next_functions_are_named_as_the_table(L, case):
    _, name, next_names, make = case
    fn = _run(L, make).grad_fn
    assert (type(fn).__name__, fn.name(), _next_names(fn)) == (name, name, next_names)


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_whole_chain_is_pytorchs(case):
    make = case[3]
    ours, theirs = _run("autograd_core", make), _run("torch", make)
    assert _chain(ours.grad_fn) == _chain(theirs.grad_fn)


def test_the_table_covers_each_renamed_primitive_and_context():
    """Every name grad_fn.py gives (its table and its context functions' primitives) has a case above, so a name
    changed there is seen here."""
    from test_grad_fn_names4 import CASES as MORE_CASES  # round 4's renames

    from autograd_core import grad_fn_names as grad_fn

    cases = CASES + MORE_CASES
    names = {case[1] for case in cases} | {n for case in cases for n in case[2].split("|")}
    assert set(grad_fn._TORCH_NAMES.values()) <= names
    assert {"+", "*", "-", "/", "**", "sum", "mean", "max", "min", "clip", "clamp_tensor", "linear", "matmul",
            "reshape", "getitem", "cross_entropy", "nll_loss", "sort", "round", "lerp",
            "einsum"} == set(grad_fn._CONTEXTS)


# ---- this library's side alone (no PyTorch needed)

def test_linear_chain_down_to_the_weight_and_input():
    import autograd_core as ag
    import autograd_core.nn as nn

    layer = nn.Linear(3, 2)
    fn = layer(ag.randn(5, 3, requires_grad=True)).grad_fn
    bias, x, weight_t = (f for f, _ in fn.next_functions)
    assert (bias.variable is layer.bias) and x.variable.shape == (5, 3)
    assert weight_t.name() == "TBackward0" and weight_t.next_functions[0][0].variable is layer.weight
    assert weight_t == fn.next_functions[2][0] and weight_t != fn and hash(weight_t) == hash(fn.next_functions[2][0])
    assert weight_t.primitive is fn.primitive
    with pytest.raises(RuntimeError, match="hooks go on the node above"):
        weight_t.register_hook(lambda *a: None)
    frozen = nn.Linear(3, 2).requires_grad_(False)  # no node PyTorch would record for a weight without a gradient
    fn = frozen(ag.randn(5, 3, requires_grad=True)).grad_fn
    assert _next_names(fn) == "None|AccumulateGrad|None"


def test_blitz_chain_from_the_loss_to_the_parameters():
    """PyTorch's 60-minute blitz prints loss.grad_fn and two steps of next_functions[0][0]."""
    import autograd_core as ag
    import autograd_core.nn as nn

    layer = nn.Linear(3, 3)
    loss = nn.MSELoss()(layer(ag.randn(4, 3)), ag.randn(4, 3))
    first = loss.grad_fn.next_functions[0][0]
    assert [type(f).__name__ for f in (loss.grad_fn, first, first.next_functions[0][0])] == [
        "MseLossBackward0", "AddmmBackward0", "AccumulateGrad"]
    assert first.next_functions[0][0].variable is layer.bias
    assert first.next_functions[1][0] is None  # the input needs no gradient
    loss.backward()
    assert layer.weight.grad is not None and layer.bias.grad is not None


def test_names_depend_on_the_call_not_on_the_first_node_seen():
    """The profiler names events by grad_fn: two calls of one primitive may have two names."""
    import autograd_core as ag
    from autograd_core.profiler import profile

    x = ag.randn(4, 3, requires_grad=True)
    with profile() as prof:
        (x[0].sum() + x[1:].sum() + x.reshape(12).sum() + x.t().reshape(12).sum()).backward()
    names = {e.name for e in prof.events()}
    assert {"SelectBackward0", "SliceBackward0", "ViewBackward0", "UnsafeViewBackward0"} <= names


def test_a_primitive_outside_the_tables_is_named_by_its_title():
    import autograd_core as ag
    from autograd_core.ops import primitive
    from autograd_core.ops.primitive import PRIMITIVES

    try:
        double = primitive("test_grad_fn_names.double", title="twice_over")(lambda x: 2 * x)
        double.defvjp(lambda g, out, x: 2 * g)
        fn = double(ag.randn(3, requires_grad=True)).grad_fn
        assert (fn.name(), type(fn).__name__, _next_names(fn)) == ("TwiceOverBackward0",) * 2 + ("AccumulateGrad",)
        assert ag.randn(3, requires_grad=True).tanh().grad_fn.name() == "TanhBackward0"
    finally:
        PRIMITIVES.pop("test_grad_fn_names.double", None)
