"""F.multi_head_attention_forward's static_k and static_v: the heads' keys and values given as they are, in place of
the projections of key and value. Outputs, attention weights and every gradient (the statics' too) against PyTorch
in float64, with key_padding_mask and add_zero_attn, batched and unbatched; finite differences without PyTorch."""

import numpy as np
import pytest
from nn_helpers import rand

import autograd_core.nn.functional as F
from autograd_core import Value
from autograd_core.gradcheck import gradcheck

L, S, STATIC, N, E, HEADS = 3, 4, 5, 2, 6, 2
HEAD_DIM = E // HEADS


def _arrays(which, batched):
    """query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, static_k, static_v."""
    batch = (N,) if batched else ()
    rows = N * HEADS if batched else HEADS
    static = (rows, STATIC if which == "kv" else S, HEAD_DIM)   # one static alone must have the other's length
    return [rand(L, *batch, E, seed=1), rand(S, *batch, E, seed=2), rand(S, *batch, E, seed=3), rand(3 * E, E, seed=4),
            rand(3 * E, seed=5), rand(E, E, seed=6), rand(E, seed=7),
            rand(*static, seed=8) if "k" in which else None, rand(*static, seed=9) if "v" in which else None]


def _call(f, arrays, key_padding_mask, add_zero_attn):
    q, k, v, w, b, ow, ob, sk, sv = arrays
    return f(q, k, v, E, HEADS, w, b, None, None, add_zero_attn, 0.0, ow, ob, training=False,
             key_padding_mask=key_padding_mask, static_k=sk, static_v=sv, average_attn_weights=False)


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("add_zero_attn", [False, True])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("which", ["kv", "k", "v"])
def test_static_k_and_v_match_torch(which, masked, add_zero_attn, batched):
    torch = pytest.importorskip("torch")
    arrays = _arrays(which, batched)
    keys = STATIC if which == "kv" else S
    mask = None
    if masked:
        mask = np.zeros((N, keys) if batched else (keys,), bool)
        mask[..., 1] = True                                        # one key ignored
    ours = [None if a is None else Value(a.copy()) for a in arrays]
    theirs = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    out, weights = _call(F.multi_head_attention_forward, ours, mask, add_zero_attn)
    tout, tweights = _call(torch.nn.functional.multi_head_attention_forward, theirs,
                           None if mask is None else torch.tensor(mask), add_zero_attn)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(weights.data, tweights.detach().numpy(), rtol=1e-12, atol=1e-13)
    w = rand(*out.shape, seed=11)
    ((out * w).sum() + (weights * weights).sum()).backward()
    ((tout * torch.tensor(w)).sum() + (tweights * tweights).sum()).backward()
    for i, (value, tensor) in enumerate(zip(ours, theirs)):
        if value is None:
            continue
        expected = np.zeros(value.shape) if tensor.grad is None else tensor.grad.numpy()  # a replaced key: no grad
        got = np.zeros(value.shape) if value.grad is None else value.grad
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, err_msg=f"argument {i}")
    if "k" in which:
        assert np.abs(ours[7].grad).max() > 0


def test_static_k_and_v_finite_differences():
    arrays = _arrays("kv", True)

    def f(query, static_k, static_v):
        out, weights = _call(F.multi_head_attention_forward, [query, *arrays[1:7], static_k, static_v], None, False)
        return out.sum(axis=-1) + (weights * weights).sum(axis=(1, 3)).swapaxes(0, 1)

    assert gradcheck(f, [Value(arrays[0]), Value(arrays[7]), Value(arrays[8])])


def test_static_k_and_v_errors():
    arrays = _arrays("kv", True)
    with pytest.raises(AssertionError, match="static_k"):
        _call(F.multi_head_attention_forward, arrays[:7] + [rand(N * HEADS, STATIC, HEAD_DIM + 1), None], None, False)
    with pytest.raises(AssertionError, match="static_v"):
        _call(F.multi_head_attention_forward, arrays[:7] + [None, rand(N, STATIC, HEAD_DIM)], None, False)
    q, k, v, w, b, ow, ob, sk, sv = arrays
    with pytest.raises(AssertionError, match="bias cannot be added to static key"):
        F.multi_head_attention_forward(q, k, v, E, HEADS, w, b, rand(1, 1, E), rand(1, 1, E), False, 0.0, ow, ob,
                                       static_k=sk)
    with pytest.raises(ValueError, match="key_padding_mask"):                 # it covers the static keys
        _call(F.multi_head_attention_forward, arrays, np.zeros((N, S), bool), False)
