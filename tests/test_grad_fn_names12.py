"""`y.grad_fn`'s names and whole chains against PyTorch's, round 12 (each case run in both libraries, float64):

* indexing with a bool (or a 0-d bool tensor): PyTorch unsqueezes there (UnsqueezeBackward0, in the order of the
  index's items) and indexes by a tensor at the end (IndexBackward0): x[0, True] is IndexBackward0 over
  UnsqueezeBackward0 over SelectBackward0; a slice inside a tuple that keeps a whole dimension (start 0, step 1, stop
  at or past the end: x[:, 0:6] of 6 columns) records no node (AliasBackward0 where nothing else does);
* matmul as PyTorch's _matmul_impl for every rank and size-1 batch: a batch of one against another batch (its
  squeeze(0), SqueezeBackward1, then mm of the folded rows), a matrix or vector against a stack (the stack
  transposed and folded, TransposeBackward0 then CloneBackward0 back), folding decided by whether the smaller operand
  requires grad and by the larger one's strides, else expand, reshape (ViewBackward0, ReshapeAliasBackward0 or a copy)
  and bmm; F.linear of a strided input is that matmul of Wᵀ;
* reshape of an input whose elements are not in row order but can be viewed (a chunk along a later dimension, a
  transpose): ReshapeAliasBackward0 (x.view: ViewBackward0 whatever the strides); ravel: contiguous().view(-1);
  channel_shuffle: PyTorch's one ChannelShuffleBackward0;
* nn.MultiheadAttention (with and without weights, masks, bias_kv, zero attention, batch_first, unbatched) and the
  transformer layers (norm_first, batch_first), composed as PyTorch's multi_head_attention_forward: the packed
  in-projection's chain, and after scaled_dot_product_attention a ViewBackward0 of the permute (its output laid out as
  the query), not a copy.

Then: values and leaf gradients against PyTorch's, and node hooks on every node (observing or replacing) against
PyTorch's, for the cases without random parameters."""

import numpy as np
import pytest
from test_grad_fn_hooks_pytorch4 import _hooked_passes, _pairs, _same
from test_grad_fn_names import _chain, _library, _next_names, run_on, values_and_gradients

_RNG = np.random.default_rng(12)
_ARRAYS = {
    "x": _RNG.standard_normal((4, 6)), "b3": _RNG.standard_normal((2, 4, 6)), "v": _RNG.standard_normal(3),
    "m43": _RNG.standard_normal((4, 3)), "m35": _RNG.standard_normal((3, 5)), "a3": _RNG.standard_normal((2, 4, 3)),
    "a1": _RNG.standard_normal((1, 4, 3)), "c3": _RNG.standard_normal((2, 3, 5)), "c1": _RNG.standard_normal((1, 3, 5)),
    "r1": _RNG.standard_normal((1, 1, 3)), "col": _RNG.standard_normal((1, 3, 1)),
    "a4": _RNG.standard_normal((2, 1, 4, 3)),
    "w4": _RNG.standard_normal((4, 2, 3)), "w": _RNG.standard_normal((5, 3)), "bias": _RNG.standard_normal(5),
    "q": _RNG.standard_normal((5, 2, 8)), "kv": _RNG.standard_normal((6, 2, 8)), "qb": _RNG.standard_normal((2, 5, 8)),
    "kvb": _RNG.standard_normal((2, 6, 8)), "q2": _RNG.standard_normal((5, 8)),
}
_CAUSAL = np.triu(np.ones((5, 5), bool), 1)
_PADDING = np.zeros((2, 6), bool)
_PADDING[1, 4:] = True


def _run(library, make):
    return run_on(library, make, _ARRAYS)


def _mha(nn, **options):
    return nn.MultiheadAttention(8, 2, **options).double()


def _layer(nn, **options):
    return nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **options).double()


_ACC, _IDX, _UNSQ, _SEL = "AccumulateGrad", "IndexBackward0", "UnsqueezeBackward0", "SelectBackward0"
_UV, _VIEW, _ADDMM = "UnsafeViewBackward0", "ViewBackward0", "AddmmBackward0"
_ALIAS = "ReshapeAliasBackward0"
_LN = "NativeLayerNormBackward0"

# (id, name of y.grad_fn, next_functions' names joined by "|", y from (L, F, nn, d)): PyTorch 2.13's names
CASES = [
    # a bool in the index: an unsqueeze in its place, an index node at the end
    ("x[0,True]", _IDX, _UNSQ, lambda L, F, nn, d: d.x[0, True]),
    ("x[True]", _IDX, _UNSQ, lambda L, F, nn, d: d.x[True]),
    ("x[False]", _IDX, _UNSQ, lambda L, F, nn, d: d.x[False]),
    ("x[True,0]", _IDX, _SEL, lambda L, F, nn, d: d.x[True, 0]),
    ("x[...,True]", _IDX, _UNSQ, lambda L, F, nn, d: d.x[..., True]),
    ("x[0,None,True]", _IDX, _UNSQ, lambda L, F, nn, d: d.x[0, None, True]),
    ("x[:,True,1]", _IDX, _SEL, lambda L, F, nn, d: d.x[:, True, 1]),
    ("x[True,True]", _IDX, _UNSQ, lambda L, F, nn, d: d.x[True, True]),
    ("x[tensor(True)]", _IDX, _UNSQ, lambda L, F, nn, d: d.x[L.tensor(True)]),
    ("x[1:,tensor(False)]", _IDX, _UNSQ, lambda L, F, nn, d: d.x[1:, L.tensor(False)]),
    ("x[idx,True]", _IDX, _UNSQ, lambda L, F, nn, d: d.x[L.tensor([0, 2]), True]),
    ("b3[0,...,True,1]", _IDX, _SEL, lambda L, F, nn, d: d.b3[0, ..., True, 1]),
    ("x[0][True]", _IDX, _UNSQ, lambda L, F, nn, d: d.x[0][True]),
    # an int apart from the index arrays or bools: PyTorch's select first, the indexed dimension kept in place
    ("b3[0,:,True]", _IDX, _UNSQ, lambda L, F, nn, d: d.b3[0, :, True]),
    ("b3[1,None,:,False]", _IDX, _UNSQ, lambda L, F, nn, d: d.b3[1, None, :, False]),
    # a slice of a whole dimension inside a tuple: no node
    ("x[:,0:6]", "AliasBackward0", _ACC, lambda L, F, nn, d: d.x[:, 0:6]),
    ("x[:,:100]", "AliasBackward0", _ACC, lambda L, F, nn, d: d.x[:, :100]),
    ("x[(0:4,)]", "AliasBackward0", _ACC, lambda L, F, nn, d: d.x[(slice(0, 4),)]),
    ("x[0:4,0]", _SEL, _ACC, lambda L, F, nn, d: d.x[0:4, 0]),
    ("x[None,0:4]", _UNSQ, _ACC, lambda L, F, nn, d: d.x[None, 0:4]),
    ("x[:4,idx]", _IDX, _ACC, lambda L, F, nn, d: d.x[:4, L.tensor([0, 2])]),
    # matmul: a batch of one against another batch, a matrix or vector against a stack, size-1 dimensions
    ("a3@c1", _UV, "MmBackward0", lambda L, F, nn, d: d.a3 @ d.c1),
    ("a1@c3", "CloneBackward0", "TransposeBackward0", lambda L, F, nn, d: d.a1 @ d.c3),
    ("r1@c3", "TransposeBackward0", _UV, lambda L, F, nn, d: d.r1 @ d.c3),
    ("a3@col", _UV, "MmBackward0", lambda L, F, nn, d: d.a3 @ d.col),
    ("v@c3", _UV, "MvBackward0", lambda L, F, nn, d: d.v @ d.c3),
    ("v@c1", _UV, "MvBackward0", lambda L, F, nn, d: d.v @ d.c1),
    ("m43@c3", "CloneBackward0", "TransposeBackward0", lambda L, F, nn, d: d.m43 @ d.c3),
    ("m43@col", "TransposeBackward0", _UV, lambda L, F, nn, d: d.m43 @ d.col),
    ("a1@c3[:,None]", _UV, "BmmBackward0", lambda L, F, nn, d: d.a1 @ d.c3[:, None]),
    ("a4@c1", _UV, "BmmBackward0", lambda L, F, nn, d: d.a4 @ d.c1),
    ("a1const@c3", _UV, "BmmBackward0", lambda L, F, nn, d: d.a1.detach() @ d.c3),
    ("a3@c1const", _UV, "BmmBackward0", lambda L, F, nn, d: d.a3 @ d.c1.detach()),
    ("perm@m35const", _UV, "BmmBackward0", lambda L, F, nn, d: d.w4.transpose(0, 1) @ d.m35.detach()),
    ("vconst@c3", _UV, "BmmBackward0", lambda L, F, nn, d: d.v.detach() @ d.c3),
    ("matmul(a1,c3)", "CloneBackward0", "TransposeBackward0", lambda L, F, nn, d: L.matmul(d.a1, d.c3)),
    ("linear_foldable", "AddBackward0", f"{_UV}|{_ACC}",
     lambda L, F, nn, d: F.linear(d.w4[:, :1].transpose(0, 1), d.w, d.bias)),
    ("linear_weight_const", _UV, "BmmBackward0", lambda L, F, nn, d: F.linear(d.w4.transpose(0, 1), d.w.detach())),
    # reshape of a viewable input out of row order: _reshape_alias; view: ViewBackward0
    ("chunk.reshape", _ALIAS, "SplitBackward0", lambda L, F, nn, d: d.x.chunk(3, 1)[1].reshape(2, 2, 2)),
    ("chunk.view.reshape", _ALIAS, _VIEW, lambda L, F, nn, d: d.x.chunk(3, 1)[1].view(2, 2, 2).reshape(4, 2)),
    ("split.flatten(0,1)", _ALIAS, "SplitBackward0", lambda L, F, nn, d: d.b3.split(3, 2)[0].flatten(0, 1)),
    ("T.reshape", _ALIAS, "PermuteBackward0", lambda L, F, nn, d: d.x.T.reshape(6, 2, 2)),
    ("T.reshape_same", _ALIAS, "PermuteBackward0", lambda L, F, nn, d: d.x.T.reshape(6, 4)),
    ("slice.reshape", _ALIAS, "SliceBackward0", lambda L, F, nn, d: d.b3[:, ::2].reshape(4, 6)),
    ("expand.reshape", _ALIAS, "ExpandBackward0", lambda L, F, nn, d: d.x[:1].expand(3, 6).reshape(3, 2, 3)),
    ("unbind.reshape", _ALIAS, "UnbindBackward0", lambda L, F, nn, d: d.x.unbind(1)[2].reshape(2, 2)),
    ("T.ravel", _VIEW, "CloneBackward0", lambda L, F, nn, d: d.x.T.ravel()),  # (contiguous().view(-1))
    ("ravel(slice)", _VIEW, "CloneBackward0", lambda L, F, nn, d: L.ravel(d.b3[:, ::2])),
    # channel_shuffle: PyTorch's one node (a view, a transpose and a reshape here)
    ("channel_shuffle", "ChannelShuffleBackward0", _ACC, lambda L, F, nn, d: F.channel_shuffle(d.b3, 2)),
    ("ChannelShuffle_of_a_node", "ChannelShuffleBackward0", "TanhBackward0",
     lambda L, F, nn, d: nn.ChannelShuffle(2)(d.b3.tanh())),
    # multi-head attention and the transformer layers (each library's random parameters: the names only)
    ("mha", _VIEW, _ADDMM, lambda L, F, nn, d: _mha(nn)(d.q, d.q, d.q)[0]),
    ("mha_weights", "MeanBackward1", _VIEW, lambda L, F, nn, d: _mha(nn)(d.q, d.q, d.q)[1]),
    ("mha_no_weights", _VIEW, _ADDMM, lambda L, F, nn, d: _mha(nn)(d.q, d.q, d.q, need_weights=False)[0]),
    ("mha_cross", _VIEW, _ADDMM, lambda L, F, nn, d: _mha(nn)(d.q, d.kv, d.kv)[0]),
    ("mha_cross_no_weights", _VIEW, _ADDMM,
     lambda L, F, nn, d: _mha(nn)(d.q, d.kv, d.kv * 2, need_weights=False)[0]),
    ("mha_kdim", _VIEW, _ADDMM, lambda L, F, nn, d: _mha(nn, kdim=4, vdim=6)(d.q, d.kv[..., :4], d.kv[..., 2:],
                                                                            need_weights=False)[0]),
    ("mha_batch_first", "TransposeBackward0", _VIEW,
     lambda L, F, nn, d: _mha(nn, batch_first=True)(d.qb, d.qb, d.qb)[0]),
    ("mha_batch_first_no_weights", "TransposeBackward0", _VIEW,
     lambda L, F, nn, d: _mha(nn, batch_first=True)(d.qb, d.kvb, d.kvb, need_weights=False)[0]),
    ("mha_unbatched", "SqueezeBackward1", _VIEW, lambda L, F, nn, d: _mha(nn)(d.q2, d.q2, d.q2)[0]),
    ("mha_unbatched_no_weights", "SqueezeBackward1", _VIEW,
     lambda L, F, nn, d: _mha(nn)(d.q2, d.q2, d.q2, need_weights=False)[0]),
    ("mha_masks", _VIEW, _ADDMM, lambda L, F, nn, d: _mha(nn)(d.q, d.kv, d.kv, key_padding_mask=L.tensor(_PADDING),
                                                             attn_mask=L.tensor(_CAUSAL[:, :1].repeat(6, 1)))[0]),
    ("mha_masks_no_weights", _VIEW, _ADDMM,
     lambda L, F, nn, d: _mha(nn)(d.q, d.kv, d.kv, key_padding_mask=L.tensor(_PADDING), need_weights=False)[0]),
    ("mha_causal_no_weights", _VIEW, _ADDMM,
     lambda L, F, nn, d: _mha(nn)(d.q, d.q, d.q, attn_mask=L.tensor(_CAUSAL), is_causal=True, need_weights=False)[0]),
    ("mha_bias_kv_zero_attn", _VIEW, _ADDMM,
     lambda L, F, nn, d: _mha(nn, add_bias_kv=True, add_zero_attn=True)(d.q, d.q, d.q, attn_mask=L.tensor(_CAUSAL))[0]),
    ("mha_mask_with_grad", _VIEW, _ADDMM,
     lambda L, F, nn, d: _mha(nn)(d.q, d.q, d.q, attn_mask=d.q[:, 0, :5] * 0.1, need_weights=False)[0]),
    ("encoder_layer", _LN, f"AddBackward0|{_ACC}|{_ACC}", lambda L, F, nn, d: _layer(nn)(d.q)),
    ("encoder_layer_norm_first", "AddBackward0", f"AddBackward0|{_VIEW}",
     lambda L, F, nn, d: _layer(nn, norm_first=True)(d.q)),
    ("encoder_layer_batch_first", _LN, f"AddBackward0|{_ACC}|{_ACC}",
     lambda L, F, nn, d: _layer(nn, batch_first=True)(d.qb)),
    ("encoder_layer_mask", _LN, f"AddBackward0|{_ACC}|{_ACC}",
     lambda L, F, nn, d: _layer(nn, activation="gelu")(d.q, src_mask=L.tensor(_CAUSAL))),
    ("encoder_layer_unbatched", _LN, f"AddBackward0|{_ACC}|{_ACC}", lambda L, F, nn, d: _layer(nn)(d.q2)),
    ("decoder_layer", _LN, f"AddBackward0|{_ACC}|{_ACC}",
     lambda L, F, nn, d: nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0).double()(d.q, d.kv)),
    ("decoder_layer_norm_first_batch_first", "AddBackward0", f"AddBackward0|{_VIEW}",
     lambda L, F, nn, d: nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=True, batch_first=True)
     .double()(d.qb, d.kvb)),
]

_IDS = [case[0] for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_names_and_the_whole_chain_are_pytorchs(case):
    """The table's names in this library (and in PyTorch's, where it is installed), and the whole chain down to the
    leaves against PyTorch's."""
    _, name, next_names, make = case
    fn = _run("autograd_core", make).grad_fn
    assert (type(fn).__name__, fn.name(), _next_names(fn)) == (name, name, next_names)
    pytest.importorskip("torch")
    theirs = _run("torch", make).grad_fn
    assert (type(theirs).__name__, theirs.name(), _next_names(theirs)) == (name, name, next_names)
    assert _chain(fn, depth=80, any_output=True) == _chain(theirs, depth=80, any_output=True)


# PyTorch 2.13's chains, checked without PyTorch too
_X_0_TRUE = (_IDX, ((_UNSQ, ((_SEL, (_ACC,)),)),))
_MM_FOLDED = ("MmBackward0", ((_UV, (("CloneBackward0", (("TransposeBackward0", (_ACC,)),)),)),
                              ("TBackward0", (("SqueezeBackward1", (_ACC,)),))))
_A1_C3 = ("CloneBackward0", (("TransposeBackward0", ((_UV, (_MM_FOLDED,)),)),))
_A3_C1 = (_UV, (("MmBackward0", ((_VIEW, (_ACC,)), ("SqueezeBackward1", (_ACC,)))),))


def test_the_chains_without_pytorch():
    cases = {case[0]: case[3] for case in CASES}
    assert _chain(_run("autograd_core", cases["x[0,True]"]).grad_fn) == _X_0_TRUE
    assert _chain(_run("autograd_core", cases["a1@c3"]).grad_fn, depth=12) == _A1_C3
    assert _chain(_run("autograd_core", cases["a3@c1"]).grad_fn, depth=12) == _A3_C1
    attention = _run("autograd_core", cases["mha_no_weights"]).grad_fn
    below = attention.next_functions[0][0].next_functions[1][0]  # the out-projection's input
    assert [below.name(), below.next_functions[0][0].name(),
            below.next_functions[0][0].next_functions[0][0].name()] == [
        _VIEW, "PermuteBackward0", "ScaledDotProductFlashAttentionForCpuBackward0"]


# ---- the numbers and the node hooks, against PyTorch's

_NUMBER_CASES = [case for case in CASES if not case[0].startswith(("mha", "encoder", "decoder"))]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("case", _NUMBER_CASES, ids=[case[0] for case in _NUMBER_CASES])
def test_numbers_and_hooks_on_every_node_are_pytorchs(case, replace):
    """float64: the value and the gradients of Σ y·cos(k) are PyTorch's; a prehook and a hook on every node (which
    observe, or replace their arguments: test_grad_fn_hooks_pytorch4.py's) are called with PyTorch's arguments, and
    the leaves' gradients are PyTorch's then too."""
    from autograd_core.grad_fn_names import hook_refusal

    pytest.importorskip("torch")
    ours, our_grads = values_and_gradients("autograd_core", case[3], _ARRAYS)
    theirs, their_grads = values_and_gradients("torch", case[3], _ARRAYS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-14)
    for a, b in zip(our_grads, their_grads):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    (Lo, y_ours), (Lt, y_theirs) = ((_library(name)[0], _run(name, case[3])) for name in ("autograd_core", "torch"))
    assert _chain(y_ours.grad_fn, depth=80, any_output=True) == _chain(y_theirs.grad_fn, depth=80, any_output=True)
    pairs = _pairs(y_ours.grad_fn, y_theirs.grad_fn)
    picked = [pair for pair in pairs
              if type(pair[0]).__name__ != "AccumulateGrad" and not pair[0]._path
              and hook_refusal(pair[0]._node) is None]
    results = _hooked_passes(((Lo, y_ours, 0), (Lt, y_theirs, 1)), pairs, picked, replace)
    _same(results[0], results[1], 1e-9)


@pytest.mark.parametrize("options, call", [
    ({}, lambda m, L, d: m(d.q, d.q, d.q)),
    ({"batch_first": True}, lambda m, L, d: m(d.qb, d.kvb, d.kvb, need_weights=False)),
    ({"add_bias_kv": True, "add_zero_attn": True},
     lambda m, L, d: m(d.q, d.kv, d.kv, key_padding_mask=L.tensor(_PADDING), average_attn_weights=False)),
    ({}, lambda m, L, d: m(d.q2, d.q2, d.q2, attn_mask=L.tensor(_CAUSAL), need_weights=False)),
], ids=["self", "batch_first_no_weights", "bias_kv_zero_attn_padding", "unbatched_causal_no_weights"])
def test_attention_numbers_are_pytorchs(options, call):
    """nn.MultiheadAttention with PyTorch's parameters copied: the output's whole chain, outputs, weights and
    gradients in float64."""
    torch = pytest.importorskip("torch")
    import autograd_core as ag

    results, chains = [], []
    for L in (torch, ag):
        L.manual_seed(0)
        module = L.nn.MultiheadAttention(8, 2, **options).double()
        if L is torch:
            state = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
        else:
            module.load_state_dict({k: ag.tensor(v) for k, v in state.items()})
        d = type("Inputs", (), {name: L.tensor(a, requires_grad=True) for name, a in _ARRAYS.items()})
        out, weights = call(module, L, d)
        chains.append(_chain(out.grad_fn, depth=80, any_output=True))
        loss = (out * L.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))).sum()
        if weights is not None:
            loss = loss + (weights * weights).sum()
        loss.backward()
        as_array = (lambda t: t.detach().numpy()) if L is torch else (lambda t: t.data)
        grads = [None if getattr(d, n).grad is None else as_array(getattr(d, n).grad) for n in ("q", "qb", "kvb", "kv",
                                                                                                 "q2")]
        grads += [as_array(p.grad) for _, p in sorted(module.named_parameters())]
        results.append([as_array(out), None if weights is None else as_array(weights)] + grads)
    assert chains[1] == chains[0]
    for theirs, ours in zip(*results):
        assert (theirs is None) == (ours is None)
        if theirs is not None:
            np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda L, d: d.b3[0, :, L.tensor([0, 2, 5])],
    lambda L, d: d.b3[0, :, L.tensor([True, False, True, True, False, True])],
    lambda L, d: d.b3[1, ..., L.tensor([5, 0])],
    lambda L, d: d.b3[1, None, :, L.tensor([[0, 1], [2, 3]])],
], ids=["b3[0,:,idx]", "b3[0,:,mask]", "b3[1,...,idx]", "b3[1,None,:,idx2d]"])
def test_an_int_apart_from_the_index_arrays_is_pytorchs(make):
    """x[0, :, idx]: PyTorch's select, then its index, the indexed dimension where it was (NumPy's x[0, :, idx] puts
    it first): the value, the gradient and the chain are PyTorch's."""
    torch = pytest.importorskip("torch")
    import autograd_core as ag

    results = []
    for L in (torch, ag):
        d = type("Inputs", (), {"b3": L.tensor(_ARRAYS["b3"], requires_grad=True)})
        y = make(L, d)
        (y * L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))).sum().backward()
        as_array = (lambda t: t.detach().numpy()) if L is torch else (lambda t: t.data)
        results.append((as_array(y), as_array(d.b3.grad), _chain(y.grad_fn)))
    (theirs, their_grad, their_chain), (ours, our_grad, our_chain) = results
    assert ours.shape == theirs.shape and our_chain == their_chain
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(our_grad, their_grad)


def test_index_names_stay_after_a_backward_pass_frees_the_node():
    """(without PyTorch too) a backward pass without retain_graph keeps of x[index] only the index's structure (each
    array a small one of its dimensions and kind): the names read from it stay, a bool's unsqueeze and a whole slice
    after a mask of two dimensions included."""
    import autograd_core as ag

    b3 = ag.tensor(_ARRAYS["b3"], requires_grad=True)
    mask = ag.tensor(_ARRAYS["b3"][..., 0] > 0)
    for make, expected in ((lambda: b3[0, True], (_IDX, ((_UNSQ, ((_SEL, (_ACC,)),)),))),
                           (lambda: b3[:, :, 0:6], ("AliasBackward0", (_ACC,))),
                           (lambda: b3[mask, 0:6], (_IDX, (_ACC,))),
                           (lambda: b3[0, ..., True, 1], (_IDX, ((_SEL, ((_UNSQ, ((_SEL, (_ACC,)),)),)),)))):
        y = make()
        before = _chain(y.grad_fn)
        y.sum().backward()
        assert before == _chain(y.grad_fn) == expected
