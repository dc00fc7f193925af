"""Attention: `scaled_dot_product_attention`, `multi_head_attention_forward` and `MultiheadAttention`, with
PyTorch's arguments, shapes and mask conventions (Vaswani et al., 2017).

    attention(Q, K, V) = softmax(Q Kᵀ · scale + mask) V

composed from differentiable primitives (linear, matmul, softmax, reshape, transpose, getitem), so gradients,
forward mode, higher derivatives and compile need nothing of their own.

Masks, as in PyTorch (mind the two opposite boolean conventions):

* a float mask is added to the scores (−inf removes a position; any other value biases it);
* a boolean `attn_mask` of `scaled_dot_product_attention` is True where a position TAKES PART;
* a boolean `attn_mask` or `key_padding_mask` of `MultiheadAttention` is True where a position is IGNORED.

A query row whose every key is removed (all its scores −inf, by the mask or by infinities in the queries or keys)
attends to nothing: 0, with gradient 0, in `scaled_dot_product_attention` and in multi-head attention without
weights (need_weights=False), as PyTorch's sdpa (its math path's _safe_softmax, and its flash kernel); NaN in
multi-head attention with weights, whose plain softmax PyTorch runs there.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core import baddbmm, bmm
from autograd_core.ops import broadcast_to, concatenate, data_of, softmax, where

from autograd_core.backends.cuda import check_sdp_kernel_available, flash_sdp_enabled
from autograd_core.grad_fn_einsum import batched_as_pytorch
from autograd_core.grad_fn_names import chain_layout
from autograd_core.jit import replay_requires
from autograd_core.one_node import shown_as

from . import init
from .dropout import dropout
from .sdpa_backends import WARN_FOR_UNFUSED_KERNELS, SDPBackend, sdpa_kernel  # noqa: F401  (torch.nn.attention's)
from .linear import NonDynamicallyQuantizableLinear, _linear
from .module import Module, Parameter, check_device


def _as_value(x, dtype=None):
    return x if isinstance(x, Value) else Value(x, requires_grad=False, dtype=dtype)


def _affine(x, weight, bias):
    """x Wᵀ (+ b): one 'linear' node."""
    return _linear(x, weight) if bias is None else _linear(x, weight, bias)


def _float_mask(mask, name, dtype, true_means_ignore):
    """A mask as an additive float: a boolean one becomes 0 / −inf (an array), a float one is used as it is (a Value
    keeps its gradient)."""
    if mask is None:
        return None
    kind = np.asarray(data_of(mask)).dtype.kind
    if kind == "b":
        # An operation (where), not NumPy on the mask's array: a compiled step replays it on each call's mask (one the
        # data gives, key_padding_mask=(tokens == pad)), where NumPy's result would be a constant of the recording.
        removed, kept = (Value(np.array(number, dtype), requires_grad=False) for number in (-np.inf, 0.0))
        return where(mask, removed, kept) if true_means_ignore else where(mask, kept, removed)
    if kind != "f":
        raise TypeError(f"only bool and floating types of {name} are supported, got {np.asarray(data_of(mask)).dtype}")
    return mask


def _safe_softmax(scores, mask):
    """softmax(scores) over the last axis, but 0 (gradient 0) in a row whose every score is −inf: PyTorch's
    _safe_softmax (sdpa's math path; its flash kernel gives the same), where the plain softmax gives NaN (−inf − −inf).
    Such a row comes from the mask (an additive mask that removes every key of a query) or from infinities in the
    queries or keys themselves (q·k = −inf for every key). The mask's check is the cheap one (an (L, S) mask, not the
    scores); otherwise the softmax runs and one sum (of squares) of its weights tells whether any is NaN (the common
    path's only extra work: ~7,000 instructions); the scores are looked at only then."""
    weights = None
    if mask is None or not np.isneginf(data_of(mask)).all(axis=-1).any():
        weights = softmax(scores, axis=-1)
        data = weights.data
        total = np.vdot(data, data)  # (NumPy's cheapest reduction of a small array: ~6,000 instructions, sum's ~10,000)
        if total == total:  # no NaN: no row of −inf only
            replay_requires(_no_nan, data)  # a compiled step's scores (and mask) must leave none either
            return weights
    empty = np.isneginf(data_of(scores)).all(axis=-1, keepdims=True)
    replay_requires(_rows_removed, data_of(scores), empty)  # a compiled step's scores: the same rows removed
    if not empty.any():  # (NaN from NaN or +inf scores: PyTorch's NaN too)
        return softmax(scores, axis=-1) if weights is None else weights
    # The empty rows' scores replaced by 0 before the softmax: its rule would give NaN there even for a zero gradient.
    return where(empty, 0.0, softmax(where(empty, 0.0, scores), axis=-1))


def _no_nan(weights):
    """A compiled step's check that its softmax weights hold no NaN (no row of −inf only), as the recorded call's."""
    total = np.vdot(weights, weights)
    return total == total


def _rows_removed(scores, empty):
    """A compiled step's check that the rows of its scores that are −inf only are the recorded call's (`empty`)."""
    return np.array_equal(np.isneginf(scores).all(axis=-1, keepdims=True), empty)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False, rng=None):
    """softmax(Q Kᵀ · scale + mask) V over the last two axes, batched over the leading ones.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); leading axes broadcast.
    attn_mask: broadcastable to (..., L, S); boolean True = the position takes part (PyTorch's convention for this
        function), or float, added to the scores.
    dropout_p: dropout on the attention weights (always applied when > 0, as in PyTorch: pass 0.0 in evaluation).
    is_causal: query i sees keys j ≤ i only (a lower triangle aligned at the top left, for L ≠ S too); attn_mask
        must then be None.
    scale: defaults to 1/√E.
    enable_gqa: grouped-query attention: key and value have fewer heads (axis −3) than query, each shared by
        query.shape[-3] / key.shape[-3] consecutive query heads.
    rng: the generator of the dropout masks (see `nn.init`).
    RuntimeError (PyTorch's) inside `with sdpa_kernel(...)` that allows neither MATH nor FLASH_ATTENTION.
    """
    query, key, value = (_as_value(x) for x in (query, key, value))
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ShapeError(f"scaled_dot_product_attention: query, key and value need at least 2 dimensions, got "
                         f"shapes {query.shape}, {key.shape}, {value.shape}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ShapeError(f"scaled_dot_product_attention: query (..., L, E) {query.shape}, key (..., S, E) "
                         f"{key.shape} and value (..., S, Ev) {value.shape} do not fit together")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    check_sdp_kernel_available()  # sdpa_kernel may have switched off the kernels that run on the CPU
    inputs = (query, key, value)  # (PyTorch's flash kernel lists them, before grouped-query attention repeats heads)
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        heads, kv_heads = query.shape[-3], key.shape[-3]
        if kv_heads == 0 or heads % kv_heads or value.shape[-3] != kv_heads:
            raise ShapeError(f"scaled_dot_product_attention: enable_gqa needs the query's {heads} heads to be a "
                             f"multiple of the key's and value's ({kv_heads}, {value.shape[-3]})")
        key, value = _heads_repeated(key, heads // kv_heads), _heads_repeated(value, heads // kv_heads)
    length, source = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    flash = _flash_on_the_cpu(*inputs, attn_mask, dropout_p, enable_gqa)
    key_t = key.swapaxes(-1, -2)
    scores = (query @ key_t) * scale
    if not flash:
        scores = _math_path_scores(scores, query, key_t)
    if is_causal:
        attn_mask = np.tril(np.ones((length, source), bool))
    mask = _float_mask(attn_mask, "attn_mask", scores.dtype, true_means_ignore=False)
    if mask is not None:
        scores = scores + mask
    weights = _safe_softmax(scores, mask)
    if not flash:  # PyTorch's math path's softmax, named so
        weights = shown_as(weights, scores, "SafeSoftmaxBackward0")
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True, rng=rng)
    out = weights @ value
    if flash:  # PyTorch's one node there, over the inputs; its output laid out in memory as the query is
        if not query.data.flags.c_contiguous:  # (multi-head attention's heads: a permute of it is then contiguous)
            out = _laid_out_as(out, query.data)
        return shown_as(out, inputs, "ScaledDotProductFlashAttentionForCpuBackward0")
    return out


def _laid_out_as(out, like):
    """out with its axes laid out in memory in the order of like's strides (as np.empty_like(like) lays an array out),
    made by operations (permute, contiguous, permute back), which a compiled step replays: the copy into such an array
    by NumPy (`out.data = laid`) it skipped, and a reduction of its result summed in C order instead."""
    order = sorted(range(like.ndim), key=lambda axis: -abs(like.strides[axis]))  # (ties keep their order)
    return out.permute(*order).contiguous().permute(*np.argsort(order))


def _heads_repeated(x, group):
    """x (..., kv_heads, S, E) with each head repeated `group` times in a row (query head h reads head h // group),
    as PyTorch's repeat_interleave(group, dim=-3): unsqueezed, expanded, copied (in row order) and viewed, its nodes
    shown as PyTorch's."""
    shape = x.shape
    expanded = broadcast_to(x.reshape(shape[:-2] + (1,) + shape[-2:]), shape=shape[:-2] + (group,) + shape[-2:])
    repeated = expanded.reshape(shape[:-3] + (shape[-3] * group,) + shape[-2:])
    return shown_as(repeated, x, _REPEATED_HEADS)


_REPEATED_HEADS = chain_layout(("ViewBackward0", (("CloneBackward0", (("ExpandBackward0", (("UnsqueezeBackward0",
                                                                                           (0,)),)),)),)))


def _math_path_scores(scores, query, key_t):
    """scores = (q kᵀ)·scale shown as PyTorch's math path records them: (q·√scale) and (kᵀ·√scale) (MulBackward1
    each), expanded to the batch and reshaped to (batch, n, m), multiplied by bmm and viewed back (matrices: mm);
    other shapes keep this library's nodes. A relabel: the numbers are this library's."""
    if query.ndim == key_t.ndim == 2:
        layout = "MmBackward0", (("MulBackward1", (0,)), ("MulBackward1", (1,)))
    elif query.ndim >= 3 and key_t.ndim >= 3 and (math.prod(query.shape[:-2]) == 1) == (
            math.prod(key_t.shape[:-2]) == 1):  # (a batch of one against more: PyTorch's matmul folds it)
        batch = np.broadcast_shapes(query.shape[:-2], key_t.shape[:-2])

        def batched(x, i):
            return batched_as_pytorch(("ExpandBackward0", (("MulBackward1", (i,)),)), x.shape, x.stride(), batch)

        layout = "UnsafeViewBackward0", (("BmmBackward0", (batched(query, 0), batched(key_t, 1))),)
    else:
        return scores
    return shown_as(scores, (query, key_t), chain_layout(layout))


def _flash_on_the_cpu(query, key, value, attn_mask, dropout_p, enable_gqa):
    """Whether PyTorch's CPU dispatch picks its flash-attention kernel (one node) over the math path (the nodes of
    its matmuls, as here): 4-D inputs of one batch size and one head size, heads shared only by enable_gqa, none
    empty, no dropout, no mask that requires grad, the kernel allowed (sdpa_kernel)."""
    if not flash_sdp_enabled() or dropout_p > 0.0 or query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        return False
    (batch, heads, length, size), (_, kv_heads, source, _) = query.shape, key.shape
    if key.shape[0] != batch or value.shape[0] != batch or value.shape[-1] != size or value.shape[1] != kv_heads:
        return False
    if kv_heads != heads and not (enable_gqa and kv_heads and heads % kv_heads == 0):
        return False
    return bool(length and source and size) and not (isinstance(attn_mask, Value) and attn_mask.requires_grad)


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's shape rules for multi-head attention; returns whether the input is batched."""
    if query.ndim not in (2, 3):
        raise ShapeError(f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor")
    batched = query.ndim == 3
    name = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ShapeError(f"For {name} `query`, expected `key` and `value` to be {query.ndim}-D but found "
                         f"{key.ndim}-D and {value.ndim}-D tensors respectively")
    if key_padding_mask is not None and np.ndim(data_of(key_padding_mask)) != query.ndim - 1:
        raise ShapeError(f"For {name} `query`, expected `key_padding_mask` to be `None` or "
                         f"{query.ndim - 1}-D but found {np.ndim(data_of(key_padding_mask))}-D tensor instead")
    if attn_mask is not None and np.ndim(data_of(attn_mask)) not in (2, 3):
        raise ShapeError(f"For {name} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                         f"{np.ndim(data_of(attn_mask))}-D tensor instead")
    return batched


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False, rng=None):
    """PyTorch's functional multi-head attention, time first: query (L, N, E), key (S, N, kdim), value (S, N, vdim),
    or unbatched (L, E), (S, kdim), (S, vdim).

    Each of the num_heads heads attends with head_dim = E / num_heads features of the projections
    q = query W_qᵀ + b_q, k = key W_kᵀ + b_k, v = value W_vᵀ + b_v (rows of in_proj_weight (3E, E), or the
    separate q/k/v_proj_weight when use_separate_proj_weight), scores scaled by 1/√head_dim; the heads'
    outputs, side by side, go through out_proj. key_padding_mask (N, S) (unbatched (S,)): True (or −inf) where a
    key is padding. attn_mask (L, S) or (N·num_heads, L, S): True (or −inf) where a query may not look.
    is_causal is only a hint, as in PyTorch: attn_mask must be given with it, and is what is applied.
    Dropout (dropout_p) on the attention weights in training only.

    bias_k, bias_v (1, 1, E), both or neither: one more key and value, appended after the projected ones (every
    query may attend to it). add_zero_attn: one more key and value of zeros per head, appended after those. The
    masks get a column of 0 (takes part) for each; S below counts them.

    static_k, static_v (N·num_heads, S', head_dim) (unbatched: (num_heads, S', head_dim)): the heads' keys (values)
    as they are, used instead of projecting key (value); row b·num_heads + h is head h of sample b. Not with
    bias_k/bias_v. key_padding_mask then covers the S' static keys; attn_mask still has key's length (as PyTorch).

    Returns (attn_output (L, N, E) or (L, E), attn_weights) with attn_weights (N, L, S) averaged over heads
    (average_attn_weights) or (N, num_heads, L, S), unbatched without N; None when not need_weights.
    """
    if bias_k is not None and (static_k is not None or static_v is not None):
        raise AssertionError(f"bias cannot be added to static {'key' if static_k is not None else 'value'}.")
    if (bias_k is None) != (bias_v is None):
        raise RuntimeError(f"bias_{'k' if bias_v is None else 'v'} is set but bias_{'v' if bias_v is None else 'k'} "
                           "is None")
    query, key, value = _once_each(_as_value, (query, key, value))
    batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:  # one sample: a batch of one, each input unsqueezed by itself (as PyTorch: no longer one Value)
        query, key, value = (x.unsqueeze(1) for x in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = _unsqueezed(key_padding_mask, 0)
    length, batch, embed_dim = query.shape
    source = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise ShapeError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    if embed_dim % num_heads:
        raise ValueError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2]:
        raise ShapeError(f"key shape {key.shape} does not match value shape {value.shape}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    head_dim = embed_dim // num_heads
    statics = [None if x is None else _as_value(x) for x in (static_k, static_v)]
    for name, static in zip(("static_k", "static_v"), statics):
        if static is not None and (static.ndim != 3 or static.shape[0] != batch * num_heads
                                   or static.shape[2] != head_dim):
            raise AssertionError(f"expecting {name} of shape ({batch * num_heads}, S, {head_dim}) (batch * num_heads, "
                                 f"source length, head_dim), but got {static.shape}")

    # The masks as additive floats (True, or −inf: ignored); with is_causal alone and no weights to return, the sdpa's
    # own causal mask instead of the one given (PyTorch's hint)
    dtype = query.dtype
    padding = _float_mask(key_padding_mask, "key_padding_mask", dtype, true_means_ignore=True)
    mask = _float_mask(attn_mask, "attn_mask", dtype, true_means_ignore=True)
    if is_causal and padding is None and not need_weights:
        mask = None
    elif padding is not None:
        is_causal = False
    if mask is not None:
        shape = tuple(np.shape(data_of(mask)))
        if len(shape) == 2 and shape != (length, source):
            raise ShapeError(f"The shape of the 2D attn_mask is {shape}, but should be {(length, source)}.")
        if len(shape) == 3 and shape != (batch * num_heads, length, source):
            raise ShapeError(f"The shape of the 3D attn_mask is {shape}, but should be "
                             f"{(batch * num_heads, length, source)}.")
        if len(shape) == 2:
            mask = _unsqueezed(mask, 0)
    q, k, v = _in_projection(query, key, value, embed_dim, in_proj_weight, in_proj_bias, use_separate_proj_weight,
                             q_proj_weight, k_proj_weight, v_proj_weight)
    if bias_k is not None:  # one more key and value, the same for every sample; the masks a column of 0 for it
        k = concatenate([k, _as_value(bias_k).repeat(1, batch, 1)])
        v = concatenate([v, _as_value(bias_v).repeat(1, batch, 1)])
        mask, padding = _padded(mask), _padded(padding)
    keys = source if statics[0] is None else statics[0].shape[1]  # the source's keys: key's, or the static ones

    # Heads, batch first: (T, N, E) -> (N·heads, T, head_dim)
    q = q.view(length, batch * num_heads, head_dim).swapaxes(0, 1)
    k, v = (x.view(x.shape[0], batch * num_heads, head_dim).swapaxes(0, 1) if static is None else static
            for x, static in zip((k, v), statics))
    if add_zero_attn:  # one more key and value of zeros per head
        zeros = np.zeros((batch * num_heads, 1, head_dim), q.dtype)
        k, v = concatenate([k, zeros], axis=1), concatenate([v, zeros], axis=1)
        mask, padding = _padded(mask), _padded(padding)
    source = k.shape[1]
    if padding is not None:  # (N, S) -> (N·heads, 1, S), merged into the mask
        if tuple(np.shape(data_of(padding))) != (batch, source):
            given = tuple(np.shape(data_of(key_padding_mask)))
            raise ShapeError(f"expecting key_padding_mask shape of {(batch, keys)}, but got {given}")
        padding = _heads_of_padding(padding, batch, num_heads, source)
        mask = padding if mask is None else mask + padding
    if not training:
        dropout_p = 0.0

    if need_weights:  # PyTorch's plain softmax of q kᵀ (NaN in a row with no key), the weights returned
        scaled = q * math.sqrt(1.0 / head_dim)
        key_t = k.swapaxes(-2, -1)
        scores = bmm(scaled, key_t) if mask is None else baddbmm(mask, scaled, key_t)
        attention = softmax(scores, axis=-1)
        if dropout_p > 0.0:
            attention = dropout(attention, dropout_p, True, rng=rng)
        output = bmm(attention, v).swapaxes(0, 1).reshape((length * batch, embed_dim))
        output = _affine(output, out_proj_weight, out_proj_bias).view(length, batch, embed_dim)
        weights = attention.view(batch, num_heads, length, source)
        if average_attn_weights:
            weights = weights.mean(axis=1)
        if not batched:
            output, weights = output.squeeze(1), weights.squeeze(0)
        return output, weights
    # without the weights: scaled_dot_product_attention (its _safe_softmax: 0 in a row with no key)
    if mask is not None:
        shape = np.shape(data_of(mask))
        mask = _unsqueezed(mask, 0) if shape[0] == 1 else _viewed(mask, (batch, num_heads, -1, source))
    q = q.view(batch, num_heads, length, head_dim)
    k, v = k.view(batch, num_heads, source, head_dim), v.view(batch, num_heads, source, head_dim)
    output = scaled_dot_product_attention(q, k, v, mask, dropout_p, is_causal, rng=rng)
    output = output.permute(2, 0, 1, 3).reshape((batch * length, embed_dim))
    output = _affine(output, out_proj_weight, out_proj_bias).view(length, batch, embed_dim)
    return (output if batched else output.squeeze(1)), None


def _once_each(fn, xs):
    """fn(x) for each of xs, computed once for an object given several times, so that self-attention's query is key is
    value stays so (PyTorch's code tests it with `is`)."""
    made = {}
    for x in xs:
        if id(x) not in made:
            made[id(x)] = fn(x)
    return tuple(made[id(x)] for x in xs)


def _in_projection(query, key, value, embed_dim, weight, bias, separate, q_weight, k_weight, v_weight):
    """q, k, v projected as PyTorch's _in_projection_packed (_in_projection for separate weights): self-attention
    (query is key is value) one linear to 3E, its rows viewed as (3, E) and moved to the front (a copy); key is value
    (encoder-decoder) the query's linear and one to 2E for both; otherwise a linear each, of the weight's chunks."""
    weight, bias, q_weight, k_weight, v_weight = (None if w is None else _as_value(w)
                                                  for w in (weight, bias, q_weight, k_weight, v_weight))
    if separate:
        biases = (None,) * 3 if bias is None else bias.chunk(3)
        return tuple(_affine(x, w, b) for x, w, b in zip((query, key, value), (q_weight, k_weight, v_weight), biases))
    if key is value:
        if query is key:
            return _projections_apart(_affine(query, weight, bias), 3, embed_dim)
        w_q, w_kv = weight.split([embed_dim, 2 * embed_dim])
        b_q, b_kv = (None, None) if bias is None else bias.split([embed_dim, 2 * embed_dim])
        return (_affine(query, w_q, b_q),) + _projections_apart(_affine(key, w_kv, b_kv), 2, embed_dim)
    biases = (None,) * 3 if bias is None else bias.chunk(3)
    return tuple(_affine(x, w, b) for x, w, b in zip((query, key, value), weight.chunk(3), biases))


def _projections_apart(projected, count, embed_dim):
    """(T, N, count·E) -> count Values (T, N, E): PyTorch's unflatten, unsqueeze, transpose, squeeze, contiguous,
    then select."""
    apart = projected.unflatten(-1, (count, embed_dim)).unsqueeze(0).swapaxes(0, -2).squeeze(-2).contiguous()
    return tuple(apart[i] for i in range(count))


def _unsqueezed(mask, dim):
    return mask.unsqueeze(dim) if isinstance(mask, Value) else np.expand_dims(mask, dim)


def _viewed(mask, shape):
    return mask.view(*shape) if isinstance(mask, Value) else np.reshape(mask, shape)


def _padded(mask):
    """A mask with a column of 0 (takes part) after its last (PyTorch's pad(mask, (0, 1))), None as it is."""
    if mask is None:
        return None
    if isinstance(mask, Value):
        from .padding import pad

        return pad(mask, (0, 1))
    return np.pad(mask, [(0, 0)] * (np.ndim(mask) - 1) + [(0, 1)])


def _heads_of_padding(padding, batch, num_heads, source):
    """(N, S) -> (N·heads, 1, S), each sample's row for each of its heads (view, expand, reshape, as PyTorch's)."""
    if isinstance(padding, Value):
        return broadcast_to(padding.view(batch, 1, 1, source), shape=(batch, num_heads, 1, source)).reshape(
            (batch * num_heads, 1, source))
    return np.broadcast_to(np.reshape(padding, (batch, 1, 1, source)), (batch, num_heads, 1, source)).reshape(
        (batch * num_heads, 1, source))


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al., 2017) with PyTorch's parameters and forward.

    MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                       kdim=None, vdim=None, batch_first=False, device=None, dtype=None, rng=None)

    Parameters: in_proj_weight (3E, E) (xavier_uniform), in_proj_bias (3E,) (zeros), out_proj (a Linear(E, E),
    bias zeros); when kdim or vdim differs from E, q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight
    (E, vdim) replace in_proj_weight. The names of PyTorch's, so its state dicts load.
    dropout: on the attention weights, in training mode only. add_bias_kv: parameters bias_k, bias_v (1, 1, E)
    (xavier_normal), one more key and value every query may attend to; add_zero_attn: one more key and value of
    zeros (see `multi_head_attention_forward`); attn_weights then has a column for each.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None, average_attn_weights=True,
            is_causal=False) -> (attn_output, attn_weights):
    query (L, N, E), key (S, N, kdim), value (S, N, vdim); (N, L, E), ... when batch_first; or unbatched (L, E), ...
    attn_output has query's shape; attn_weights (N, L, S) (averaged over heads) or (N, num_heads, L, S), None when
    not need_weights. Masks as in `multi_head_attention_forward` (True = ignore).
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None, rng=None):
        for name, size in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if not isinstance(size, numbers.Integral) or size <= 0:
                raise ValueError(f"{name} must be a positive integer, got {size!r}")
        if embed_dim % num_heads:
            raise ValueError("embed_dim must be divisible by num_heads")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        check_device(device)
        self.embed_dim, self.num_heads, self.head_dim = int(embed_dim), int(num_heads), embed_dim // num_heads
        self.kdim = embed_dim if kdim is None else int(kdim)
        self.vdim = embed_dim if vdim is None else int(vdim)
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = float(dropout), bool(batch_first)
        self._rng = None if rng is None else init.get_rng(rng)  # weights, then dropout masks (None: nn.init's, per use)
        dtype = init.resolve_dtype(dtype)
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(init.xavier_uniform((3 * e, e), rng=self._rng, dtype=dtype))
            self.q_proj_weight = self.k_proj_weight = self.v_proj_weight = None
        else:
            self.q_proj_weight = Parameter(init.xavier_uniform((e, e), rng=self._rng, dtype=dtype))
            self.k_proj_weight = Parameter(init.xavier_uniform((e, self.kdim), rng=self._rng, dtype=dtype))
            self.v_proj_weight = Parameter(init.xavier_uniform((e, self.vdim), rng=self._rng, dtype=dtype))
            self.in_proj_weight = None
        self.in_proj_bias = Parameter(np.zeros(3 * e, dtype)) if bias else None
        self.out_proj = NonDynamicallyQuantizableLinear(e, e, bias=bias, rng=self._rng, dtype=dtype)
        if bias:
            init.zeros_(self.out_proj.bias)
        if add_bias_kv:
            self.bias_k = Parameter(init.xavier_normal((1, 1, e), rng=self._rng, dtype=dtype))
            self.bias_v = Parameter(init.xavier_normal((1, 1, e), rng=self._rng, dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = bool(add_zero_attn)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        dtype = self.out_proj.weight.dtype
        query, key, value = _once_each(lambda x: _as_value(x, dtype), (query, key, value))
        batched = query.ndim == 3
        if self.batch_first and batched:
            query, key, value = _once_each(lambda x: x.swapaxes(0, 1), (query, key, value))
        output, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.bias_k,
            self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal, rng=self._rng)
        if self.batch_first and batched:
            output = output.swapaxes(0, 1)
        return output, weights

    # No extra_repr: PyTorch prints `MultiheadAttention(` and its out_proj only.
