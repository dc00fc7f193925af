"""MultiheadAttention's add_bias_kv and add_zero_attn (nn/attention.py) against PyTorch in float64 (state dicts
loaded; outputs, attention weights, gradients of inputs, masks and parameters), parameter names and init, finite
differences."""

import numpy as np
import pytest
from nn_helpers import assert_close_to_torch, rand, torch_or_skip

from autograd_core import Value, nn
import autograd_core.nn.functional as F
from autograd_core.gradcheck import gradcheck

F64 = np.float64


CAUSAL = np.triu(np.ones((3, 4), bool), 1)
PADDING = np.array([[False, False, False, True], [False, True, False, False]])
CASES = [
    ("bias-kv", {"add_bias_kv": True}, {}),
    ("zero-attn", {"add_zero_attn": True}, {}),
    ("both-bool-masks", {"add_bias_kv": True, "add_zero_attn": True},
     {"attn_mask": CAUSAL, "key_padding_mask": PADDING}),
    ("both-float-masks-per-head", {"add_bias_kv": True, "add_zero_attn": True},
     {"attn_mask": rand(4, 3, 4, seed=7), "key_padding_mask": rand(2, 4, seed=8), "average_attn_weights": False}),
    ("both-kdim-vdim-batch-first", {"add_bias_kv": True, "add_zero_attn": True, "kdim": 3, "vdim": 5,
                                    "batch_first": True}, {}),
    ("both-unbatched", {"add_bias_kv": True, "add_zero_attn": True}, {"key_padding_mask": PADDING[0]}),
]


@pytest.mark.parametrize("kwargs,call", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bias_kv_and_zero_attn_match_torch(kwargs, call):
    torch = torch_or_skip()
    theirs = torch.nn.MultiheadAttention(4, 2, **kwargs).double()
    ours = nn.MultiheadAttention(4, 2, dtype=F64, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    lead = () if np.ndim(call.get("key_padding_mask", np.zeros((2, 4)))) == 1 else (2,)
    q, k, v = rand(3, *lead, 4), rand(4, *lead, kwargs.get("kdim", 4), seed=1), rand(4, *lead, kwargs.get("vdim", 4),
                                                                                       seed=2)
    if kwargs.get("batch_first"):
        q, k, v = (np.ascontiguousarray(x.swapaxes(0, 1)) for x in (q, k, v))
    tensors = [torch.tensor(x, requires_grad=True) for x in (q, k, v)]
    values = [Value(x) for x in (q, k, v)]
    tcall = {key: torch.tensor(m, requires_grad=m.dtype == F64) if isinstance(m, np.ndarray) else m
             for key, m in call.items()}
    vcall = {key: Value(m) if isinstance(m, np.ndarray) and m.dtype == F64 else m for key, m in call.items()}
    tout, tweights = theirs(*tensors, **tcall)
    out, weights = ours(*values, **vcall)
    assert_close_to_torch(out.data, tout, "output")
    assert weights.shape == tuple(tweights.shape)
    assert_close_to_torch(weights.data, tweights, "weights")
    w1, w2 = rand(*out.shape, seed=3), rand(*weights.shape, seed=4)
    ((out * w1).sum() + (weights * w2).sum()).backward()
    ((tout * torch.tensor(w1)).sum() + (tweights * torch.tensor(w2)).sum()).backward()
    for name, value, tensor in zip("qkv", values, tensors):
        assert_close_to_torch(value.grad, tensor.grad, name)
    for key, mask in vcall.items():
        if isinstance(mask, Value):
            assert_close_to_torch(mask.grad, tcall[key].grad, key)
    tgrads = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tgrads)
    for name, p in ours.named_parameters():
        assert_close_to_torch(p.grad, tgrads[name].grad, name)


def test_bias_kv_parameters_init_and_repr():
    mha = nn.MultiheadAttention(64, 4, add_bias_kv=True, add_zero_attn=True, rng=0)
    assert [(n, p.shape) for n, p in mha.named_parameters()] == [
        ("in_proj_weight", (192, 64)), ("in_proj_bias", (192,)), ("bias_k", (1, 1, 64)), ("bias_v", (1, 1, 64)),
        ("out_proj.weight", (64, 64)), ("out_proj.bias", (64,))]
    both = np.concatenate([mha.bias_k.data.ravel(), mha.bias_v.data.ravel()])
    assert 0.08 < both.std() < 0.17                   # xavier_normal over (1, 1, E): std = √(1/E) = 0.125
    assert np.abs(both).max() > np.sqrt(3 / 64)       # normal, not xavier_uniform (same std, bounded by √(3/E))
    assert mha.add_zero_attn and nn.MultiheadAttention(4, 2).bias_k is None


def test_bias_kv_gradcheck_and_functional_errors():
    mha = nn.MultiheadAttention(2, 1, add_bias_kv=True, add_zero_attn=True, dtype=F64, rng=0)

    def f(q, kv, bias_k, bias_v):
        object.__setattr__(mha, "bias_k", bias_k)
        object.__setattr__(mha, "bias_v", bias_v)
        out, weights = mha(q, kv, kv, attn_mask=np.array([[False, True], [False, False]]))
        return out.sum(axis=-1) + weights.sum(axis=-1)
    assert gradcheck(f, [rand(2, 1, 2), rand(2, 1, 2, seed=1), mha.bias_k.data, mha.bias_v.data])
    x = rand(3, 2, 4)
    args = (x, x, x, 4, 2, rand(12, 4), np.zeros(12))
    with pytest.raises(RuntimeError, match="bias_k is set but bias_v is None"):
        F.multi_head_attention_forward(*args, rand(1, 1, 4), None, False, 0.0, rand(4, 4), None)
    with pytest.raises(AssertionError, match="static_k"):  # (batch * heads, S, head_dim) = (4, S, 2)
        F.multi_head_attention_forward(*args, None, None, False, 0.0, rand(4, 4), None, static_k=rand(4, 3, 3))
