"""Node hooks on nodes whose PyTorch twin lists nodes of its own that this library's one node does not record, which
refused register_hook before (hooks6), against PyTorch's side by side in float64:

* a view on top of PyTorch's chain (linear of a 3-D, N-D or 1-D input: ViewBackward0 of AddmmBackward0; matmul of
  batches: UnsafeViewBackward0 of BmmBackward0; einsum: ViewBackward0 of its permuted bmm; cross_entropy of 3-D
  logits unreduced: ViewBackward0 of NllLoss2DBackward0): grad_inputs are the node's gradient in the shape of the node
  under the view, and a replacement goes back through this library's rules;
* PyTorch's inner nodes over an input that the primitive declares (`inner_node`): x[0, 0]'s SelectBackward0 of a
  SelectBackward0 (and other indexing of several steps), cross_entropy of 3-D and 5-D logits (NllLoss2DBackward0 of
  a ViewBackward0 of LogSoftmaxBackward0): grad_inputs are the gradients at the inner top node's output;
* PyTorch's copy of an input (x.t().flatten(): UnsafeViewBackward0 of CloneBackward0): the input's gradient.

Each case hooks every node this library records (test_grad_fn_hooks_pytorch5's `_every_node_side_by_side`: a prehook
and a hook that observe, or replace), the calls' arguments and the leaves' gradients compared with PyTorch's; and a
hook that changes grad_inputs under create_graph, then a second derivative."""

from __future__ import annotations

import numpy as np
import pytest
from test_grad_fn_hooks_pytorch4 import _hooked_passes, _numbers, _pairs, _same
from test_grad_fn_hooks_pytorch5 import _every_node_side_by_side
from test_grad_fn_names import Tensors, _library

import autograd_core as ag

_RNG = np.random.default_rng(6)
_ARRAYS = {"x": _RNG.standard_normal((4, 3)), "v": _RNG.standard_normal(3), "w": _RNG.standard_normal((2, 3)),
           "bias": _RNG.standard_normal(2), "c3": _RNG.standard_normal((2, 4, 3)),
           "c4": _RNG.standard_normal((2, 2, 4, 3)), "b3": _RNG.standard_normal((2, 3, 5)),
           "b1": _RNG.standard_normal((1, 3, 5)), "logits3": _RNG.standard_normal((2, 3, 4)),
           "logits5": _RNG.standard_normal((2, 3, 2, 1, 2)), "k4": _RNG.standard_normal((2, 2, 5, 3))}
_LABELS3 = np.array([[0, 2, 1, 0], [1, 1, 2, 0]])
_LABELS5 = np.array([[[[0, 2]], [[1, 0]]], [[[2, 2]], [[1, 0]]]])


def _labels(L, labels):
    return L.tensor(labels)


CASES = [
    # linear: PyTorch's addmm (mm without a bias) of rows folded from more dims, under a view of them back
    ("linear3d", lambda L, F, nn, d: F.linear(d.c3, d.w, d.bias)),
    ("linear3d_no_bias", lambda L, F, nn, d: F.linear(d.c3, d.w)),
    ("linear4d", lambda L, F, nn, d: F.linear(d.c4, d.w, d.bias)),
    ("linear1d", lambda L, F, nn, d: F.linear(d.v, d.w, d.bias)),
    ("linear1d_no_bias", lambda L, F, nn, d: F.linear(d.v, d.w)),
    ("linear_strided", lambda L, F, nn, d: F.linear(d.c3.transpose(0, 1), d.w, d.bias)),  # AddBackward0 of the bias
    ("linear_strided_no_bias", lambda L, F, nn, d: F.linear(d.c3.transpose(0, 1), d.w)),
    ("nn.Linear3d", lambda L, F, nn, d: _linear(nn, d, d.w.shape, bias=True)(d.c3)),
    ("nn.Linear4d_no_bias", lambda L, F, nn, d: _linear(nn, d, d.w.shape, bias=False)(d.c4.relu())),
    ("linear3d_of_linear3d", lambda L, F, nn, d: F.linear(F.linear(d.c3, d.w.T @ d.w, d.v).tanh(), d.w, d.bias)),
    # matmul of batches, of a batch and a matrix or a vector, of a vector and a matrix
    ("bmm", lambda L, F, nn, d: d.c3 @ d.b3),
    ("batch_broadcast", lambda L, F, nn, d: d.c4 @ d.b3[:, None].transpose(-1, -2)[..., :3, :]),
    ("attention_scores", lambda L, F, nn, d: d.c4 @ d.k4.transpose(-2, -1)),
    ("batch@matrix", lambda L, F, nn, d: d.c3 @ d.w.T),
    ("batch@vector", lambda L, F, nn, d: d.c3 @ d.v),
    ("vector@matrix", lambda L, F, nn, d: d.v @ d.x.T),
    # indexing in several of PyTorch's steps
    ("x[0,0]", lambda L, F, nn, d: d.x[0, 0]),
    ("x[1:,0]", lambda L, F, nn, d: d.x[1:, 0]),
    ("x[0,1:]", lambda L, F, nn, d: d.x[0, 1:]),
    ("x[None,None]", lambda L, F, nn, d: d.x[None, None]),
    ("x[None,0]", lambda L, F, nn, d: d.x[None, 0]),
    ("c3[1,1:,2]", lambda L, F, nn, d: d.c3[1, 1:, 2]),
    ("c3[0,...,None]", lambda L, F, nn, d: d.c3[0, ..., None] * 2),
    ("x[1:,idx]", lambda L, F, nn, d: d.x[1:, L.tensor([2, 0, 2])]),
    ("c3[0,idx,idx]", lambda L, F, nn, d: d.c3[0, L.tensor([1, 1, 3]), L.tensor([0, 2, 2])]),
    ("c3[0,mask]", lambda L, F, nn, d: d.c3[0, L.tensor(np.arange(12).reshape(4, 3) % 3 == 1)]),
    ("c3[...,0,None]", lambda L, F, nn, d: d.c3[..., 0, None]),
    ("c3[None,...,1:]", lambda L, F, nn, d: d.c3[None, ..., 1:]),
    ("c3[1,None,::2]", lambda L, F, nn, d: d.c3[1, None, ::2]),
    ("c3[:,idx,1]", lambda L, F, nn, d: d.c3[:, L.tensor([3, 0]), 1]),
    ("c3[None,idx]", lambda L, F, nn, d: d.c3[None, L.tensor([1, 0, 1])]),
    ("x[0,0]_of_tanh", lambda L, F, nn, d: d.x.tanh()[1, 2] * d.x[0, 0]),
    # cross_entropy of logits of 3 and 5 dims: PyTorch's 2-D kernel of a view of them
    ("ce3d", lambda L, F, nn, d: F.cross_entropy(d.logits3, _labels(L, _LABELS3))),
    ("ce3d_sum", lambda L, F, nn, d: F.cross_entropy(d.logits3, _labels(L, _LABELS3), reduction="sum")),
    ("ce3d_none", lambda L, F, nn, d: F.cross_entropy(d.logits3, _labels(L, _LABELS3), reduction="none")),
    ("ce5d", lambda L, F, nn, d: F.cross_entropy(d.logits5, _labels(L, _LABELS5))),
    ("ce5d_none", lambda L, F, nn, d: F.cross_entropy(d.logits5, _labels(L, _LABELS5), reduction="none")),
    ("ce_of_linear", lambda L, F, nn, d: F.cross_entropy(F.linear(d.c3, d.w.T @ d.w, d.v).transpose(1, 2),
                                                         _labels(L, _LABELS3))),
    # einsum: a view dropping the summed labels over PyTorch's permuted bmm
    ("einsum_mm", lambda L, F, nn, d: L.einsum("ij,jk->ik", d.x, d.x.T)),
    ("einsum_bmm", lambda L, F, nn, d: L.einsum("bij,bjk->bik", d.c3, d.b3)),
    ("einsum_scores", lambda L, F, nn, d: L.einsum("bhqd,bhkd->bhqk", d.c4, d.k4)),
    ("einsum_swapped", lambda L, F, nn, d: L.einsum("ij,jk->ki", d.x, d.x.T)),
    # einsum without a contraction: PyTorch's product or sum of the operands' aligned views (permuted, unsqueezed)
    ("einsum_outer", lambda L, F, nn, d: L.einsum("ij,k->ijk", d.x, d.v)),
    ("einsum_batch_outer", lambda L, F, nn, d: L.einsum("bi,bj->bij", d.x, d.x.tanh())),
    ("einsum_sum", lambda L, F, nn, d: L.einsum("ij->j", d.x)),
    ("einsum_transpose_sum", lambda L, F, nn, d: L.einsum("bij->jb", d.c3)),
    ("einsum_diagonal", lambda L, F, nn, d: L.einsum("ii->i", d.x[:3])),
    ("einsum_trace", lambda L, F, nn, d: L.einsum("bii->b", d.c3[:, :3])),
    ("einsum_scale", lambda L, F, nn, d: L.einsum("bij,b->bji", d.c3, d.bias)),
    ("einsum_sums_alone", lambda L, F, nn, d: L.einsum("ij,kl->i", d.x, d.w)),
    # PyTorch's copy of an input before its view
    ("t().flatten", lambda L, F, nn, d: d.x.t().flatten()),
    # normalisations PyTorch computes in one kernel: its node takes the input below this library's steps
    ("layer_norm", lambda L, F, nn, d: F.layer_norm(d.c3, (3,))),
    ("layer_norm_affine", lambda L, F, nn, d: F.layer_norm(d.c3, (3,), d.v * 2, d.v.flip(0))),
    ("layer_norm_weight", lambda L, F, nn, d: F.layer_norm(d.c3, (4, 3), d.x)),
    ("layer_norm_bias", lambda L, F, nn, d: F.layer_norm(d.c3, (3,), None, d.v)),
    ("LayerNorm_of_a_product", lambda L, F, nn, d: nn.LayerNorm(3).double()(d.c3 * d.v)),
    ("LayerNorm_no_bias", lambda L, F, nn, d: nn.LayerNorm(3, bias=False).double()(d.c3.tanh())),
    ("batch_norm", lambda L, F, nn, d: F.batch_norm(d.x, None, None, d.v, d.v.exp(), training=True)),
    ("BatchNorm2d", lambda L, F, nn, d: nn.BatchNorm2d(2).double()(d.c4)),
    ("BatchNorm2d_eval", lambda L, F, nn, d: nn.BatchNorm2d(2).double().eval()(d.c4)),
    ("BatchNorm1d_no_affine", lambda L, F, nn, d: nn.BatchNorm1d(4, affine=False).double()(d.c3)),
    ("group_norm", lambda L, F, nn, d: F.group_norm(d.c4, 1)),
    ("GroupNorm", lambda L, F, nn, d: nn.GroupNorm(2, 2).double()(d.c4 * 3)),
    ("group_norm_affine", lambda L, F, nn, d: F.group_norm(d.c3, 2, d.x[:, 0] * 2, d.x[:, 1] + 1)),
    ("InstanceNorm1d", lambda L, F, nn, d: nn.InstanceNorm1d(4).double()(d.c3)),
    ("InstanceNorm2d_affine", lambda L, F, nn, d: nn.InstanceNorm2d(2, affine=True).double()(d.c4 * 2)),
    ("instance_norm_weights", lambda L, F, nn, d: F.instance_norm(d.c3, weight=d.x[:, 0] + 1, bias=d.x[:, 1])),
    # a pool of PyTorch's 2-D kernel between an unsqueeze and a squeeze
    ("adaptive_avg_pool1d_unbatched", lambda L, F, nn, d: F.adaptive_avg_pool1d(d.b3[0], 2)),
    ("AdaptiveAvgPool1d_unbatched", lambda L, F, nn, d: nn.AdaptiveAvgPool1d(3)(d.x.tanh())),
    ("AdaptiveAvgPool1d_one", lambda L, F, nn, d: nn.AdaptiveAvgPool1d(1)(d.c3)),
    ("AdaptiveAvgPool1d_one_unbatched", lambda L, F, nn, d: nn.AdaptiveAvgPool1d(1)(d.x * 2)),
    ("max_pool1d", lambda L, F, nn, d: F.max_pool1d(d.b3, 2)),
    ("MaxPool1d_unbatched", lambda L, F, nn, d: nn.MaxPool1d(2, stride=1)(d.x.exp())),
    ("adaptive_max_pool1d", lambda L, F, nn, d: F.adaptive_max_pool1d(d.b3, 2)),
    ("adaptive_max_pool1d_unbatched", lambda L, F, nn, d: F.adaptive_max_pool1d(d.x, 2)),
    # a / x of a number a: PyTorch's MulBackward0 of ReciprocalBackward0 of x and the number
    ("2/x", lambda L, F, nn, d: 2 / d.x),
    ("1/v", lambda L, F, nn, d: 1 / (d.v * d.v + 1)),
    # assignments: PyTorch's CopySlices and IndexPutBackward0 take the written Value and the value
    ("y[0]=x[1]", lambda L, F, nn, d: _written(d, 0, d.x[1] * 2)),
    ("y[:,1]=v[0]", lambda L, F, nn, d: _written(d, (slice(None), 1), d.v[0])),
    ("y[1:]=0", lambda L, F, nn, d: _written(d, slice(1, None), 0)),
    ("y[[0,2]]=w[0]", lambda L, F, nn, d: _written(d, [0, 2], d.w[0].tanh())),
    ("y[y>0]=0", lambda L, F, nn, d: _written(d, (d.x * 1).detach() > 0, 0)),
    ("y[0,1]=5", lambda L, F, nn, d: _written(d, (0, 1), 5)),
    ("zeros[1:]=x[:3]", lambda L, F, nn, d: _into_zeros(L, slice(1, None), d.x[:3] * 2)),
]


def _into_zeros(L, index, value):
    """zeros (4, 3), which needs no gradient, with zeros[index] = value written in place."""
    y = L.zeros(4, 3, dtype=L.float64)
    y[index] = value
    return y


def _linear(nn, d, shape, bias):
    """nn.Linear(in, out) with the weight d.w and the bias d.bias."""
    layer = nn.Linear(shape[1], shape[0], bias=bias).double()
    layer.weight.data = d.w.detach().clone()
    if bias:
        layer.bias.data = d.bias.detach().clone()
    return layer


def _written(d, index, value):
    """y = x·1 with y[index] = value written in place: y's node is PyTorch's CopySlices (IndexPutBackward0)."""
    y = d.x * 1
    y[index] = value
    return y


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("make", [case[1] for case in CASES], ids=[case[0] for case in CASES])
def test_hooks_on_every_node_are_pytorchs(make, replace):
    pytest.importorskip("torch")
    ours, theirs = _every_node_side_by_side(make, replace, _ARRAYS)
    _same(ours, theirs, 1e-9)


# ---- whole models the PyTorch way: every node hooked

_BLOCK_RNG = np.random.default_rng(3)
_BLOCK = {"x": _BLOCK_RNG.standard_normal((2, 4, 6)), "wqkv": _BLOCK_RNG.standard_normal((18, 6)) / 3,
          "bqkv": _BLOCK_RNG.standard_normal(18) / 3, "wo": _BLOCK_RNG.standard_normal((6, 6)) / 3,
          "w1": _BLOCK_RNG.standard_normal((12, 6)) / 3, "w2": _BLOCK_RNG.standard_normal((6, 12)) / 3,
          "g1": 1 + _BLOCK_RNG.standard_normal(6) / 5, "b1": _BLOCK_RNG.standard_normal(6) / 5,
          "wv": _BLOCK_RNG.standard_normal((5, 6)) / 3, "img": _BLOCK_RNG.standard_normal((2, 3, 6, 6)),
          "k": _BLOCK_RNG.standard_normal((4, 3, 3, 3)) / 3, "kb": _BLOCK_RNG.standard_normal(4) / 3,
          "fc": _BLOCK_RNG.standard_normal((3, 16)) / 3}


def _transformer(L, F, nn, d):
    """A pre-norm transformer block (attention of two heads, a GELU MLP) and a loss over 5 tokens."""
    h = F.layer_norm(d.x, (6,), d.g1, d.b1)
    q, k, v = (t.view(2, 4, 2, 3).transpose(1, 2) for t in F.linear(h, d.wqkv, d.bqkv).split(6, dim=-1))
    attention = F.softmax(q @ k.transpose(-2, -1) / 3 ** 0.5, dim=-1) @ v
    x = d.x + F.linear(attention.transpose(1, 2).reshape(2, 4, 6), d.wo)
    x = x + F.linear(F.gelu(F.linear(F.layer_norm(x, (6,)), d.w1)), d.w2)
    return F.cross_entropy(F.linear(x, d.wv).transpose(1, 2), L.tensor(np.array([[0, 1, 2, 3], [4, 0, 1, 2]])))


def _cnn(L, F, nn, d):
    """A convolution, batch norm, ReLU, pools, a linear layer and a loss."""
    h = F.batch_norm(F.conv2d(d.img, d.k, d.kb, padding=1), None, None, training=True)
    h = F.adaptive_avg_pool2d(F.max_pool2d(F.relu(h), 2), 2).flatten(1)
    return F.cross_entropy(F.linear(h, d.fc), L.tensor(np.array([0, 2])))


def _close(a, b):
    """_same, with an absolute tolerance of the numbers' scale (a gradient zero in exact arithmetic, as the key's bias
    in attention, is rounding noise of that scale)."""
    scale = max(float(np.abs(x).max()) for x in _flat(b) if isinstance(x, np.ndarray) and x.size)
    for x, y in zip(_flat(a), _flat(b), strict=True):
        if isinstance(y, np.ndarray):
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12 * scale)
        else:
            assert x == y


def _flat(nested):
    if isinstance(nested, (list, tuple)):
        return [x for item in nested for x in _flat(item)]
    return [nested]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("make", [_transformer, _cnn], ids=["transformer", "cnn"])
def test_hooks_on_every_node_of_a_model_are_pytorchs(make, replace):
    pytest.importorskip("torch")
    ours, theirs = _every_node_side_by_side(make, replace, _BLOCK)
    assert len(ours[0]) > 30 if make is _transformer else len(ours[0]) > 10  # (the hooks' calls)
    _close(ours, theirs)


# ---- recurrent layers: their h_n is PyTorch's StackBackward0 of each layer's last step, a bidirectional layer's
# output its CatBackward0 of the directions, this library's own stack and cat of its steps' composite

def recurrent_layers_run(kind, options):
    """The recurrent layer `kind` (GRU, LSTM, RNN) of `options`, 6 features in and 4 out, in float64 in both libraries
    with PyTorch's first weights, run on one x (3, 2, 6) that requires grad: [(ag, out, h), (torch, out, h)], h an
    LSTM's h_n alone."""
    import torch

    x = np.random.default_rng(7).standard_normal((3, 2, 6))
    torch.manual_seed(0)
    theirs_layer = getattr(torch.nn, kind)(6, 4, **options).double()
    state = {k: v.detach().numpy().copy() for k, v in theirs_layer.state_dict().items()}
    ours_layer = getattr(ag.nn, kind)(6, 4, **options).double()
    ours_layer.load_state_dict({k: ag.tensor(v) for k, v in state.items()})
    runs = []
    for L, layer in ((ag, ours_layer), (torch, theirs_layer)):
        out, h = layer(L.tensor(x, requires_grad=True))
        runs.append((L, out, h[0] if kind == "LSTM" else h))
    return runs


def _recurrent_side_by_side(kind, options, which, replace):
    """The layer `kind` (the same weights in both libraries) of x (3, 2, 6): a prehook and a hook on each node of its
    output `which` ("out" or "h") that is not a top refusing them (the output's StackBackward0 of its steps)."""
    import torch

    from autograd_core.grad_fn_names import hook_refusal

    ys = [out if which == "out" else h for _, out, h in recurrent_layers_run(kind, options)]
    pairs = _pairs(ys[0].grad_fn, ys[1].grad_fn)
    picked = [pair for pair in pairs if type(pair[0]).__name__ != "AccumulateGrad" and not pair[0]._path
              and hook_refusal(pair[0]._node) is None]
    assert [type(a).__name__ for a, _ in picked] == [type(b).__name__ for _, b in picked]
    return picked, _hooked_passes(((ag, ys[0], 0), (torch, ys[1], 1)), pairs, picked, replace)


_RECURRENT = [("GRU", {}, "h"), ("LSTM", {}, "h"), ("RNN", {"nonlinearity": "relu"}, "h"),
              ("GRU", {"num_layers": 2}, "h"), ("LSTM", {"num_layers": 2, "bidirectional": True}, "h"),
              ("GRU", {"bidirectional": True}, "out"), ("LSTM", {"bidirectional": True}, "out"),
              ("RNN", {"bidirectional": True, "num_layers": 2}, "out")]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("kind, options, which", _RECURRENT,
                         ids=[f"{k}-{'-'.join(f'{a}={b}' for a, b in o.items())}-{w}" for k, o, w in _RECURRENT])
def test_a_recurrent_layers_stack_and_cat_of_its_directions_hook_as_pytorchs(kind, options, which, replace):
    pytest.importorskip("torch")
    picked, ((our_calls, our_grads), (their_calls, their_grads)) = _recurrent_side_by_side(kind, options, which,
                                                                                           replace)
    assert {type(a).__name__ for a, _ in picked} & {"StackBackward0", "CatBackward0"}
    _same(our_calls, their_calls, 1e-9)
    _same(our_grads, their_grads, 1e-9)


# (id, y from (L, F, d), the grad_inputs position the hook doubles)
DOUBLE = [
    ("linear3d", lambda L, F, d: F.linear(d.c3, d.w, d.bias), 0),
    ("linear_strided", lambda L, F, d: F.linear(d.c3.transpose(0, 1), d.w, d.bias), 0),
    ("bmm", lambda L, F, d: d.c3 @ d.b3, 0),
    ("x[0,1:]", lambda L, F, d: (d.x * d.x)[0, 1:], 0),
    ("x[1:,idx]", lambda L, F, d: d.x[1:, L.tensor([2, 0, 2])], 0),
    ("ce3d", lambda L, F, d: F.cross_entropy(d.logits3, _labels(L, _LABELS3), reduction="sum"), 0),
    ("ce5d_none", lambda L, F, d: F.cross_entropy(d.logits5, _labels(L, _LABELS5), reduction="none"), 0),
    ("einsum_bmm", lambda L, F, d: L.einsum("bij,bjk->bik", d.c3, d.b3), 0),
    ("layer_norm_affine", lambda L, F, d: F.layer_norm(d.c3, (3,), d.v * 2, d.v.flip(0)), 1),
    ("batch_norm", lambda L, F, d: F.batch_norm(d.c4, None, None, d.v[:2], d.v[1:], training=True), 0),
    ("y[:,1]=v[0]", lambda L, F, d: _written(d, (slice(None), 1), d.v[0] * d.v[1]), 1),
    ("InstanceNorm2d_affine", lambda L, F, d: F.instance_norm(d.c4, weight=d.v[:2] + 1, bias=d.v[1:]), 0),
    ("einsum_outer", lambda L, F, d: L.einsum("bi,bj->bij", d.x, d.x.tanh()), 1),
    ("einsum_trace", lambda L, F, d: L.einsum("bii->b", d.c3[:, :3] * d.c3[:, 1:]), 0),
    ("2/x", lambda L, F, d: 2 / d.x, 0),
    ("max_pool1d", lambda L, F, d: F.max_pool1d(d.b3 * d.b3, 2), 0),
]


def _double_backward(library, make, position, once=False):
    """A hook that doubles grad_inputs[position] and squares the others (differentiably), in each pass that reaches
    the node (or the first alone: once), and notes them; the gradients of Σ (y·cos)² with create_graph, then the
    gradients of their sum: all as arrays. (The second pass reaches y's node too, where the first pass's graph reads
    y: its hooks run there again, on what reaches the node; PyTorch's norms' double backward sends what their rules
    read around the node, not through it, and so does this library's.)"""
    L, F, _ = _library(library)
    d = Tensors(L, _ARRAYS)
    y = make(L, F, d)
    seen = []

    def hook(grad_inputs, grad_outputs):
        seen.append([_numbers(g) for g in grad_inputs])
        if len(seen) == 1 or not once:
            return tuple(None if g is None else g * 2 if k == position else g * g for k, g in enumerate(grad_inputs))

    y.grad_fn.register_hook(hook)
    weights = L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), dtype=L.float64)
    leaves = [t for t in vars(d).values()]
    firsts = L.autograd.grad(((y * weights) ** 2).sum(), leaves, create_graph=True, allow_unused=True)
    used = [(t, g) for t, g in zip(leaves, firsts) if g is not None]
    seconds = L.autograd.grad(sum((g * g).sum() for _, g in used), [t for t, _ in used], allow_unused=True)
    return (seen if not once else seen[:1]), [_numbers(g) for _, g in used], [_numbers(g) for g in seconds]


@pytest.mark.parametrize("make, position", [case[1:] for case in DOUBLE], ids=[case[0] for case in DOUBLE])
def test_a_replacement_under_create_graph_is_differentiable_as_pytorchs(make, position):
    pytest.importorskip("torch")
    _same(_double_backward("autograd_core", make, position), _double_backward("torch", make, position), 1e-9)


def test_group_norms_replacement_under_create_graph_is_differentiable_as_pytorchs():
    """group_norm's hook changes the first pass only: in the second, PyTorch's node also gets the gradients of its
    mean and rstd (outputs its double backward reads), which this library's node does not have."""
    pytest.importorskip("torch")

    def make(L, F, d):
        return F.group_norm(d.c3, 2, d.x[:, 0] * 2, d.x[:, 1] + 1)

    _same(_double_backward("autograd_core", make, 2, once=True), _double_backward("torch", make, 2, once=True), 1e-9)


def test_nested_selects_without_pytorch():
    """x[0, 2] of x (2, 3): the top select's grad_inputs are x[0]'s gradient (0, 0, g); a replacement r goes to row
    0 of x."""
    import autograd_core as ag

    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x[0, 2]
    seen = []
    y.grad_fn.register_hook(lambda gi, go: seen.append(np.array(gi[0])) or (gi[0] + 1,))
    y.backward(ag.tensor(5.0))
    np.testing.assert_array_equal(seen[0], [0.0, 0.0, 5.0])
    np.testing.assert_array_equal(x.grad, [[1.0, 1.0, 6.0], [0.0, 0.0, 0.0]])


def test_linear_of_a_batch_without_pytorch():
    """F.linear of x (2, 4, 3): PyTorch's ViewBackward0 sends its AddmmBackward0 the gradient as rows (8, 2); a
    replacement of zeros leaves x, the weight and the bias without a gradient's worth."""
    import autograd_core as ag
    import autograd_core.nn.functional as F

    x = ag.tensor(_ARRAYS["c3"], requires_grad=True)
    w, b = ag.tensor(_ARRAYS["w"], requires_grad=True), ag.tensor(_ARRAYS["bias"], requires_grad=True)
    y = F.linear(x, w, b)
    seen = []
    y.grad_fn.register_hook(lambda gi, go: seen.append((gi[0].shape, go[0].shape)) or (gi[0] * 0,))
    y.sum().backward()
    assert seen == [((8, 2), (2, 4, 2))]
    for t in (x, w, b):
        np.testing.assert_array_equal(t.grad, np.zeros(t.shape))
