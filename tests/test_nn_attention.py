"""Attention (nn/attention.py): MultiheadAttention and F.scaled_dot_product_attention against PyTorch in float64
(weights moved through state dicts), finite differences, forward mode, masks and PyTorch's error cases."""

import math
from contextlib import nullcontext

import numpy as np
import pytest
from nn_helpers import assert_close_to_torch, rand, torch_or_skip

import autograd_core as ag
from autograd_core import Value, nn
import autograd_core.nn.functional as F
from autograd_core.gradcheck import gradcheck, gradgradcheck

F64 = np.float64


def _pair(torch, kwargs):
    theirs = torch.nn.MultiheadAttention(4, 2, **kwargs).double()
    ours = nn.MultiheadAttention(4, 2, dtype=F64, **kwargs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


CAUSAL = np.triu(np.ones((3, 4), bool), 1)        # query i may not look at keys j > i
PADDING = np.array([[False, False, False, True], [False, True, False, False]])
MHA_CASES = [
    ("plain", {}, {}),
    ("kdim-vdim", {"kdim": 3, "vdim": 5}, {}),
    ("batch-first-per-head", {"batch_first": True}, {"average_attn_weights": False}),
    ("bool-masks", {}, {"key_padding_mask": PADDING, "attn_mask": CAUSAL}),
    ("float-masks-no-bias", {"bias": False}, {"attn_mask": rand(4, 3, 4, seed=7),
                                              "key_padding_mask": rand(2, 4, seed=8)}),
    ("causal-hint", {}, {"attn_mask": CAUSAL, "is_causal": True}),
    ("no-weights", {}, {"need_weights": False}),
    ("unbatched", {}, {"key_padding_mask": PADDING[0], "attn_mask": np.stack([CAUSAL, CAUSAL[::-1]])}),
]


@pytest.mark.parametrize("kwargs,call", [c[1:] for c in MHA_CASES], ids=[c[0] for c in MHA_CASES])
def test_multihead_attention_matches_torch(kwargs, call):
    torch = torch_or_skip()
    ours, theirs = _pair(torch, kwargs)
    batched = np.ndim(call.get("key_padding_mask", np.zeros((2, 4)))) == 2
    lead = (2,) if batched else ()
    q, k, v = rand(3, *lead, 4), rand(4, *lead, kwargs.get("kdim", 4), seed=1), rand(4, *lead, kwargs.get("vdim", 4),
                                                                                       seed=2)
    if kwargs.get("batch_first"):
        q, k, v = (np.ascontiguousarray(x.swapaxes(0, 1)) for x in (q, k, v))
    tensors = [torch.tensor(x, requires_grad=True) for x in (q, k, v)]
    values = [Value(x) for x in (q, k, v)]
    tcall = {key: torch.tensor(m) if isinstance(m, np.ndarray) else m for key, m in call.items()}
    tout, tweights = theirs(*tensors, **tcall)
    out, weights = ours(*values, **call)
    assert out.shape == tuple(tout.shape)
    assert_close_to_torch(out.data, tout, "output")
    w_out = rand(*out.shape, seed=3)
    loss, tloss = (out * w_out).sum(), (tout * torch.tensor(w_out)).sum()
    if call.get("need_weights", True):
        assert weights.shape == tuple(tweights.shape)
        assert_close_to_torch(weights.data, tweights, "weights")
        w_weights = rand(*weights.shape, seed=4)
        loss, tloss = loss + (weights * w_weights).sum(), tloss + (tweights * torch.tensor(w_weights)).sum()
    else:
        assert weights is None and tweights is None
    loss.backward()
    tloss.backward()
    for name, value, tensor in zip("qkv", values, tensors):
        assert_close_to_torch(value.grad, tensor.grad, name)
    tgrads = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tgrads)
    for name, p in ours.named_parameters():
        assert_close_to_torch(p.grad, tgrads[name].grad, name)


def test_multihead_attention_float_mask_gets_its_gradient():
    torch = torch_or_skip()
    ours, theirs = _pair(torch, {})
    x, mask = rand(3, 2, 4), rand(3, 3, seed=5)
    tmask, vmask = torch.tensor(mask, requires_grad=True), Value(mask)
    theirs(*[torch.tensor(x)] * 3, attn_mask=tmask)[0].pow(2).sum().backward()
    ours(*[x] * 3, attn_mask=vmask)[0].__pow__(2).sum().backward()
    assert_close_to_torch(vmask.grad, tmask.grad)


def test_multihead_attention_parameters_and_init():
    mha = nn.MultiheadAttention(8, 2, rng=0)
    assert [(n, p.shape) for n, p in mha.named_parameters()] == [
        ("in_proj_weight", (24, 8)), ("in_proj_bias", (24,)), ("out_proj.weight", (8, 8)), ("out_proj.bias", (8,))]
    assert mha.in_proj_weight.dtype == np.float32 and mha.head_dim == 4
    bound = math.sqrt(6 / (8 + 24))                   # xavier_uniform over (3E, E)
    assert bound * 0.9 < np.abs(mha.in_proj_weight.data).max() <= bound
    assert not mha.in_proj_bias.data.any() and not mha.out_proj.bias.data.any()
    separate = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False)
    assert [(n, p.shape) for n, p in separate.named_parameters()] == [
        ("q_proj_weight", (8, 8)), ("k_proj_weight", (8, 3)), ("v_proj_weight", (8, 5)), ("out_proj.weight", (8, 8))]
    assert separate.in_proj_weight is None and separate.in_proj_bias is None
    assert repr(separate).startswith("MultiheadAttention(  # 192 parameters\n  (out_proj): "  # PyTorch's text
                                     "NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=False)")


def test_multihead_attention_dropout_in_training_only():
    mha = nn.MultiheadAttention(4, 2, dropout=0.5, dtype=F64, rng=0)
    plain = nn.MultiheadAttention(4, 2, dtype=F64, rng=0)
    x = rand(5, 2, 4)
    mha.eval()
    for a, b in zip(mha(x, x, x), plain(x, x, x)):
        np.testing.assert_array_equal(a.data, b.data)
    mha.train()
    _, weights = mha(x, x, x, average_attn_weights=False)
    assert (weights.data == 0).any() and not np.allclose(weights.data.sum(-1), 1)   # dropped, scaled by 2
    shared = nn.MultiheadAttention(4, 2, dropout=0.5, dtype=F64)   # masks from nn.init's generator, per call
    ag.manual_seed(5)
    first = shared(x, x, x)[0].data
    ag.manual_seed(5)
    np.testing.assert_array_equal(shared(x, x, x)[0].data, first)


def test_multihead_attention_gradcheck_and_forward_mode():
    mha = nn.MultiheadAttention(4, 2, dtype=F64, rng=1)
    names = [n for n, _ in mha.named_parameters()]

    def f(q, kv, w_in, b_in, w_out, b_out):
        for name, w in zip(names[:2], (w_in, b_in)):
            object.__setattr__(mha, name, w)
        object.__setattr__(mha.out_proj, "weight", w_out)
        object.__setattr__(mha.out_proj, "bias", b_out)
        out, weights = mha(q, kv, kv, key_padding_mask=np.array([[False, True, False]]))
        return out.sum(axis=-1) + weights.sum(axis=0)
    params = [p.data for p in mha.parameters()]
    assert gradcheck(f, [rand(2, 1, 4), rand(3, 1, 4, seed=1), *params])
    small = nn.MultiheadAttention(2, 1, dtype=F64, rng=0)     # second derivatives (create_graph) too
    assert gradgradcheck(lambda q, k: small(q, k, k)[0], [rand(2, 1, 2), rand(2, 1, 2, seed=1)])
    fresh = nn.MultiheadAttention(4, 2, dtype=F64, rng=1)
    x, t = rand(3, 2, 4), rand(3, 2, 4, seed=2)
    _, tangent = ag.jvp(lambda x: fresh(x, x, x)[0].sum(), (x,), (t,))
    xv = Value(x)
    fresh(xv, xv, xv)[0].sum().backward()
    np.testing.assert_allclose(tangent, (xv.grad * t).sum(), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_fully_masked_query_gives_nan_as_pytorch():
    mha = nn.MultiheadAttention(4, 1, dtype=F64)
    x = rand(2, 1, 4)
    out, weights = mha(x, x, x, attn_mask=np.array([[True, True], [False, True]]))
    assert np.isnan(out.data[0]).all() and np.isfinite(out.data[1]).all()


# ----------------------------------------------------------------------------------------------------
# scaled_dot_product_attention.

SDPA_CASES = [
    ("plain", {}),
    ("bool-mask-true-takes-part", {"attn_mask": np.array([[True, False, True, True]] * 3)}),
    ("float-mask", {"attn_mask": rand(2, 1, 3, 4, seed=6)}),
    ("causal", {"is_causal": True}),
    ("scale", {"scale": 0.3}),
]


@pytest.mark.parametrize("kwargs", [c[1] for c in SDPA_CASES], ids=[c[0] for c in SDPA_CASES])
def test_scaled_dot_product_attention_matches_torch(kwargs):
    torch = torch_or_skip()
    arrays = rand(2, 2, 3, 5), rand(2, 2, 4, 5, seed=1), rand(2, 2, 4, 6, seed=2)   # (N, heads, L|S, E)
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    values = [Value(a) for a in arrays]
    tkw = {k: torch.tensor(m) if isinstance(m, np.ndarray) else m for k, m in kwargs.items()}
    tout = torch.nn.functional.scaled_dot_product_attention(*tensors, **tkw)
    out = F.scaled_dot_product_attention(*values, **kwargs)
    assert_close_to_torch(out.data, tout)
    w = rand(*out.shape, seed=3)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for name, value, tensor in zip("qkv", values, tensors):
        assert_close_to_torch(value.grad, tensor.grad, name)


# A query row every key of which is masked out (all its scores −inf): PyTorch's sdpa (its math path's _safe_softmax, its
# flash kernel alike) and its multi-head attention without weights give 0, value and gradients; with weights, NaN.
NO_KEY = np.array([[True, True, False, True], [False] * 4, [True] * 4])  # query 1 sees no key


@pytest.mark.parametrize("backend", [None, "MATH"])
@pytest.mark.parametrize("float_mask", [False, True])
def test_scaled_dot_product_attention_query_without_keys_gives_zeros(backend, float_mask):
    arrays = rand(1, 2, 3, 5), rand(1, 2, 4, 5, seed=1), rand(1, 2, 4, 6, seed=2)
    mask = np.where(NO_KEY, 0.0, -np.inf) if float_mask else NO_KEY

    def run(lib, F):
        inputs = [lib.tensor(a, requires_grad=True) for a in arrays] + [lib.tensor(mask, requires_grad=float_mask)]
        kernel = lib.nn.attention.sdpa_kernel(lib.nn.attention.SDPBackend.MATH) if backend else nullcontext()
        with kernel:
            out = F.scaled_dot_product_attention(*inputs[:3], attn_mask=inputs[3])
        w = lib.tensor(rand(*out.shape, seed=3))
        grads = lib.autograd.grad((out * w).sum(), inputs if float_mask else inputs[:3])
        return [np.asarray(x.detach().tolist()) for x in (out, *grads)]

    ours = run(ag, F)
    out, dq, dk, dv = ours[:4]
    assert (out[:, :, 1] == 0).all() and (dq[:, :, 1] == 0).all() and np.isfinite(out).all()
    assert all(np.isfinite(g).all() for g in ours[1:])
    if float_mask:
        assert (ours[4][1] == 0).all()  # the mask's row of −inf gets no gradient
    torch = torch_or_skip()
    for name, a, b in zip(("out", "q", "k", "v", "mask"), ours, run(torch, torch.nn.functional)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_query_without_keys(need_weights):
    torch = torch_or_skip()
    ours, theirs = _pair(torch, {})
    x, ignored = rand(3, 2, 4), np.array([[True] * 3, [False, True, False]])  # sample 0: every key is padding
    xt, xo = torch.tensor(x, requires_grad=True), Value(x)
    tout, _ = theirs(xt, xt, xt, key_padding_mask=torch.tensor(ignored), need_weights=need_weights)
    out, _ = ours(xo, xo, xo, key_padding_mask=ignored, need_weights=need_weights)
    assert np.isnan(out.data[:, 0]).all() == need_weights and np.isfinite(out.data[:, 1]).all()
    assert_close_to_torch(np.nan_to_num(out.data, nan=7.0), torch.nan_to_num(tout, nan=7.0))
    out.sum().backward()
    tout.sum().backward()
    assert_close_to_torch(np.nan_to_num(xo.grad, nan=7.0), torch.nan_to_num(xt.grad, nan=7.0))


# A query row whose scores are all −inf because the query or keys hold infinities (no mask): PyTorch's sdpa gives 0
# there too (its _safe_softmax looks at the scores), and NaN only where the numbers make it (0 · inf in a gradient).
def _infinite_inputs(ndim):
    q, k, v = rand(2, 3, 4), rand(2, 5, 4, seed=1), rand(2, 5, 4, seed=2)
    q[0, 1, 0] = np.inf  # query (0, 1) against keys of first entry −1: every score −inf
    k[0, :, 0] = -1.0
    q[1, :, 1], k[1, 2, 1] = 1.0, -np.inf  # key (1, 2) scores −inf for every query: one column, not a row
    return tuple(a.reshape((1,) * (ndim - 3) + a.shape) for a in (q, k, v))


@pytest.mark.parametrize("backend", [None, "MATH"])
@pytest.mark.parametrize("ndim", [3, 4])
def test_scaled_dot_product_attention_infinite_scores_give_zeros(backend, ndim):
    arrays = _infinite_inputs(ndim)

    def run(lib, F):
        inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
        kernel = lib.nn.attention.sdpa_kernel(lib.nn.attention.SDPBackend.MATH) if backend else nullcontext()
        with kernel:
            out = F.scaled_dot_product_attention(*inputs)
        w = lib.tensor(rand(*out.shape, seed=3))
        grads = lib.autograd.grad((out * w).sum(), inputs)
        return [np.asarray(x.detach().tolist()) for x in (out, *grads)]

    with np.errstate(invalid="ignore"):
        ours = run(ag, F)
    out, dq = ours[0].reshape(2, 3, 4), ours[1].reshape(2, 3, 4)
    assert (out[0, 1] == 0).all() and np.isfinite(out).all() and (dq[0, 1] == 0).all()
    torch = torch_or_skip()
    for name, a, b in zip(("out", "q", "k", "v"), ours, run(torch, torch.nn.functional)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=name)  # (NaN where theirs is)


def test_multihead_attention_infinite_scores_without_weights_give_zeros():
    torch = torch_or_skip()
    ours, theirs = _pair(torch, {"bias": False})
    weight = np.vstack([np.eye(4) + 0.5] * 3)  # positive projections: no 0 · inf (NaN) in them
    ours.in_proj_weight.data[...] = weight
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.tensor(weight))
    q, k, v = rand(3, 1, 4), -1.0 - np.abs(rand(5, 1, 4, seed=1)), rand(5, 1, 4, seed=2)
    q[1, 0, 0] = np.inf  # query 1 projected to +inf, every key to negatives: its scores all −inf in both heads
    tensors, values = [torch.tensor(a, requires_grad=True) for a in (q, k, v)], [Value(a) for a in (q, k, v)]
    tout, _ = theirs(*tensors, need_weights=False)
    with np.errstate(invalid="ignore"):
        out, _ = ours(*values, need_weights=False)
        out.sum().backward()
    assert np.isfinite(out.data).all()
    assert_close_to_torch(out.data, tout)
    tout.sum().backward()
    for name, value, tensor in zip("qkv", values, tensors):
        assert_close_to_torch(value.grad, tensor.grad, name)


def test_scaled_dot_product_attention_grouped_query_matchestorch_or_skip():
    torch = torch_or_skip()
    q, k, v = rand(1, 4, 3, 2), rand(1, 2, 5, 2, seed=1), rand(1, 2, 5, 3, seed=2)
    tout = torch.nn.functional.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), enable_gqa=True)
    assert_close_to_torch(F.scaled_dot_product_attention(q, k, v, enable_gqa=True).data, tout)


def test_scaled_dot_product_attention_gradcheck_and_dropout():
    mask = np.array([[True, False, True], [True, True, False]])
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                     [rand(2, 2, 3), rand(2, 3, 3, seed=1), rand(2, 3, 2, seed=2)])
    q = rand(4, 6, 3)
    dropped = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5, rng=0)
    kept = F.scaled_dot_product_attention(q, q, q)
    assert dropped.shape == kept.shape and not np.allclose(dropped.data, kept.data)


# ----------------------------------------------------------------------------------------------------
# Errors.


def test_attention_errors_name_the_problem():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(5, 2)
    mha = nn.MultiheadAttention(4, 2)
    x = np.zeros((3, 2, 4))
    with pytest.raises(ValueError, match="expecting embedding dimension of 4, but got 5"):
        mha(np.zeros((3, 2, 5)), x, x)
    with pytest.raises(ValueError, match="expected `key` and `value` to be 3-D but found 2-D and 3-D"):
        mha(x, np.zeros((3, 4)), x)
    with pytest.raises(ValueError, match="received 4-D query tensor"):
        mha(np.zeros((2, 3, 2, 4)), x, x)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(3, 4\), but should be \(3, 3\)"):
        mha(x, x, x, attn_mask=np.zeros((3, 4)))
    with pytest.raises(RuntimeError, match=r"3D attn_mask is \(2, 3, 3\), but should be \(4, 3, 3\)"):
        mha(x, x, x, attn_mask=np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match=r"key_padding_mask shape of \(2, 3\), but got \(2, 4\)"):
        mha(x, x, x, key_padding_mask=np.zeros((2, 4), bool))
    with pytest.raises(TypeError, match="only bool and floating types of attn_mask"):
        mha(x, x, x, attn_mask=np.zeros((3, 3), np.int64))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match="attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=np.ones((2, 2), bool), is_causal=True)
    with pytest.raises(RuntimeError, match="do not fit together"):
        F.scaled_dot_product_attention(x, np.zeros((3, 2, 5)), x)


# ----------------------------------------------------------------------------------------------------
# TransformerEncoderLayer.

ENCODER_CASES = [
    ("post-norm-relu", {}, {"src_mask": np.triu(np.ones((3, 3), bool), 1), "is_causal": True}),
    ("pre-norm-gelu-batch-first", {"norm_first": True, "activation": "gelu", "batch_first": True},
     {"src_key_padding_mask": PADDING[:, 1:]}),
    ("no-bias-unbatched", {"bias": False}, {"src_mask": rand(3, 3, seed=4)}),
]


@pytest.mark.parametrize("kwargs,call", [c[1:] for c in ENCODER_CASES], ids=[c[0] for c in ENCODER_CASES])
def test_transformer_encoder_layer_matches_torch(kwargs, call):
    torch = torch_or_skip()
    theirs = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, **kwargs).double()
    ours = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, dtype=F64, **kwargs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    shape = (3, 4) if kwargs.get("bias") is False else (2, 3, 4) if kwargs.get("batch_first") else (3, 2, 4)
    x = rand(*shape)
    xt, xv = torch.tensor(x, requires_grad=True), Value(x)
    tout = theirs(xt, **{k: torch.tensor(m) if isinstance(m, np.ndarray) else m for k, m in call.items()})
    out = ours(xv, **call)
    assert_close_to_torch(out.data, tout)
    w = rand(*shape, seed=5)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    assert_close_to_torch(xv.grad, xt.grad, "input")
    tgrads = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tgrads)
    for name, p in ours.named_parameters():
        assert_close_to_torch(p.grad, tgrads[name].grad, name)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_transformer_encoder_layer_dropout_gradcheck_and_errors():
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.5, dtype=F64, rng=0)
    plain = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, dtype=F64, rng=0)
    x = rand(3, 2, 4)
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, plain(x).data)
    layer.train()
    assert not np.allclose(layer(x).data, plain(x).data)
    # p = 1 zeroes both residual branches (dropout1 and dropout2): what is left is the two norms
    layer.dropout1.p = layer.dropout2.p = 1.0
    np.testing.assert_allclose(layer(x).data, layer.norm2(layer.norm1(x)).data, rtol=1e-12)
    assert gradcheck(lambda x: plain(x, src_key_padding_mask=np.array([[False, False, True]])), [rand(3, 1, 4)])
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    custom = nn.TransformerEncoderLayer(4, 2, 6, activation=nn.Tanh(), dtype=F64)
    assert "(activation): Tanh()" in repr(custom) and custom(x).shape == x.shape


def test_transformer_encoder_layer_training_step_compiles_with_dropout():
    def make():
        ag.manual_seed(0)
        layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, dtype=F64)
        return layer, ag.optim.SGD(layer.parameters(), lr=0.1)

    def step(layer, opt, x):
        layer.train()
        opt.zero_grad()
        loss = (layer(x) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    (eager_layer, eager_opt), (layer, opt) = make(), make()
    fast = ag.compile(lambda x: step(layer, opt, x))
    xs = [rand(5, 3, 8, seed=i) for i in range(4)]
    ag.manual_seed(7)
    eager = [float(step(eager_layer, eager_opt, x).data) for x in xs]
    ag.manual_seed(7)                                   # the same dropout masks, drawn anew at each replay
    assert [float(fast(x).data) for x in xs] == eager
    assert fast.stats["replayed"] >= 1 and eager[-1] < eager[0]
    assert nn.TransformerEncoderLayer(8, 2, 16)(np.zeros((2, 1, 8), np.float32)).dtype == np.float32


def test_transformer_encoder_matchestorch_or_skip():
    torch = torch_or_skip()
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True), 2,
                                         norm=torch.nn.LayerNorm(4), enable_nested_tensor=False).double()
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True, dtype=F64), 2,
                                 norm=nn.LayerNorm(4, dtype=F64))
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x, mask = rand(2, 3, 4), np.triu(np.ones((3, 3), bool), 1)
    xt, xv = torch.tensor(x, requires_grad=True), Value(x)
    tout = theirs(xt, mask=torch.tensor(mask), is_causal=True)
    out = ours(xv, mask=mask, is_causal=True)
    assert_close_to_torch(out.data, tout)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    assert_close_to_torch(xv.grad, xt.grad)
    tgrads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close_to_torch(p.grad, tgrads[name].grad, name)


def test_transformer_encoder_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.5, dtype=F64, rng=0)
    encoder = nn.TransformerEncoder(layer, 2)
    first, second = encoder.layers[0], encoder.layers[1]
    assert first.linear1.weight is not second.linear1.weight is not layer.linear1.weight
    np.testing.assert_array_equal(first.linear1.weight.data, layer.linear1.weight.data)
    first_weight = first.linear1.weight.data.copy()
    with ag.no_grad():
        layer.linear1.weight.fill_(0.0)
    np.testing.assert_array_equal(first.linear1.weight.data, first_weight)
    # one generator for all the copies (as in PyTorch, where every layer draws from the global one): the two
    # layers' dropout masks differ
    x = Value(rand(3, 1, 4))
    a = first.dropout(Value(np.ones((50,))))
    b = second.dropout(Value(np.ones((50,))))
    assert not np.array_equal(a.data, b.data)
    encoder(x).sum().backward()                         # copies have creation numbers of their own
    assert all(p.grad is not None for p in encoder.parameters())
