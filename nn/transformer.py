"""`TransformerEncoderLayer`: self-attention and a feed-forward block, each with a residual connection and layer
normalisation (Vaswani et al., 2017), and `TransformerEncoder`, a stack of copies of one, with PyTorch's arguments,
submodule names and order of operations."""

from __future__ import annotations

import copy
import numbers

import numpy as np

from autograd_core import Value

from .activation import gelu, relu
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .norm import LayerNorm
from . import init

_ACTIVATIONS = {"relu": relu, "gelu": gelu}


class TransformerEncoderLayer(Module):
    """One encoder block of a Transformer.

    TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation='relu',
                            layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None,
                            dtype=None, rng=None)

    Submodules, named as PyTorch's (so its state dicts load): self_attn (MultiheadAttention(d_model, nhead)),
    linear1 (d_model -> dim_feedforward), dropout, linear2 (dim_feedforward -> d_model), norm1, norm2
    (LayerNorm(d_model)), dropout1, dropout2. activation: 'relu', 'gelu' or a callable (a Module becomes a child).
    The Dropout modules keep their generator's state in the state dict (`dropout._extra_state`, ...): drop those
    keys before loading our state dict into PyTorch.

    forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False): src (S, N, d_model), (N, S, d_model)
    when batch_first, or unbatched (S, d_model); masks as in `MultiheadAttention` (src_mask (S, S) or
    (N·nhead, S, S), src_key_padding_mask (N, S); True = ignore); is_causal is a hint that src_mask is causal.
    Returns src's shape:

        norm_first=False:  x = norm1(x + sa(x));        x = norm2(x + ff(x))
        norm_first=True:   x = x + sa(norm1(x));        x = x + ff(norm2(x))

    with sa(x) = dropout1(self_attn(x, x, x)) and ff(x) = dropout2(linear2(dropout(activation(linear1(x))))).
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None, rng=None):
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise RuntimeError(f"activation should be relu/gelu, not {activation}")
            activation = _ACTIVATIONS[activation]
        elif not callable(activation):
            raise TypeError(f"activation should be 'relu', 'gelu' or a callable, not {type(activation).__name__}")
        rng = None if rng is None else init.get_rng(rng)  # one generator for all the parts (None: nn.init's)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            device=device, dtype=dtype, rng=rng)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, rng=rng, dtype=dtype)
        self.dropout = Dropout(dropout, rng=rng)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, rng=rng, dtype=dtype)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout, rng=rng)
        self.dropout2 = Dropout(dropout, rng=rng)
        self.activation = activation

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src if isinstance(src, Value) else Value(src, requires_grad=False, dtype=self.linear1.weight.dtype)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))


def _copy_module(module):
    """A deep copy of `module` (its own parameters, tied ones still tied) whose random generators are the original's:
    copies of a generator would draw the same dropout masks in every layer."""
    generators = {id(value): value for part in module.modules() for value in vars(part).values()
                  if isinstance(value, np.random.Generator)}
    return copy.deepcopy(module, generators)


class TransformerEncoder(Module):
    """A stack of num_layers encoder layers, each a copy (its own parameters) of `encoder_layer`, then `norm`.

    TransformerEncoder(encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True)

    Parameters named as PyTorch's: layers.0.self_attn.in_proj_weight, ..., norm.weight. enable_nested_tensor and
    mask_check are accepted and change nothing: there are no nested tensors here, so unlike PyTorch's fast path in
    evaluation mode, outputs at padded positions are computed, not zeroed.

    forward(src, mask=None, src_key_padding_mask=None, is_causal=None): each layer is called with
    (src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal)); returns src's shape.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"encoder_layer must be a Module, not {type(encoder_layer).__name__}")
        if not isinstance(num_layers, numbers.Integral) or num_layers < 0:
            raise ValueError(f"num_layers must be a non-negative integer, got {num_layers!r}")
        self.layers = ModuleList([_copy_module(encoder_layer) for _ in range(num_layers)])
        self.num_layers = int(num_layers)
        self.norm = norm
        self.enable_nested_tensor, self.mask_check = bool(enable_nested_tensor), bool(mask_check)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return output if self.norm is None else self.norm(output)
