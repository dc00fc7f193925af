"""The Transformer of Vaswani et al. (2017) with PyTorch's arguments, submodule names and order of operations:
`TransformerEncoderLayer` (self-attention and a feed-forward block, each with a residual connection and layer
normalisation), `TransformerDecoderLayer` (the same with cross-attention to the encoder's output between them),
`TransformerEncoder` and `TransformerDecoder` (stacks of copies of one layer, then an optional norm) and
`Transformer` (an encoder and a decoder)."""

from __future__ import annotations

import copy
import numbers

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value, no_grad
from autograd_core.ops import data_of

from .activation import gelu, relu
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module, check_device
from .norm import LayerNorm
from . import init

_ACTIVATIONS = {"relu": relu, "gelu": gelu}


def _activation(activation):
    """'relu', 'gelu' or a callable, as the function to call."""
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise RuntimeError(f"activation should be relu/gelu, not {activation}")
        return _ACTIVATIONS[activation]
    if not callable(activation):
        raise TypeError(f"activation should be 'relu', 'gelu' or a callable, not {type(activation).__name__}")
    return activation


class TransformerEncoderLayer(Module):
    """One encoder block of a Transformer.

    TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
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

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None, rng=None):
        activation = _activation(activation)
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


def _copies(layer, num_layers, name):
    """A ModuleList of num_layers independent copies of `layer`."""
    if not isinstance(layer, Module):
        raise TypeError(f"{name} must be a Module, not {type(layer).__name__}")
    if not isinstance(num_layers, numbers.Integral) or num_layers < 0:
        raise ValueError(f"num_layers must be a non-negative integer, got {num_layers!r}")
    return ModuleList([_copy_module(layer) for _ in range(num_layers)])


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
        self.layers = _copies(encoder_layer, num_layers, "encoder_layer")
        self.num_layers = int(num_layers)
        self.norm = norm
        self.enable_nested_tensor, self.mask_check = bool(enable_nested_tensor), bool(mask_check)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return output if self.norm is None else self.norm(output)


class TransformerDecoderLayer(Module):
    """One decoder block of a Transformer: self-attention over the target, attention from the target to the
    encoder's output (memory), and a feed-forward block, each with a residual connection and layer normalisation.

    TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                            layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None,
                            dtype=None, rng=None)

    Submodules, named as PyTorch's (so its state dicts load): self_attn, multihead_attn (both
    MultiheadAttention(d_model, nhead)), linear1 (d_model -> dim_feedforward), dropout, linear2, norm1, norm2, norm3
    (LayerNorm(d_model)), dropout1, dropout2, dropout3. activation: 'relu', 'gelu' or a callable.

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
            tgt_is_causal=False, memory_is_causal=False):
    tgt (T, N, d_model), memory (S, N, d_model) ((N, T, d_model), (N, S, d_model) when batch_first; or unbatched
    (T, d_model), (S, d_model)); tgt_mask (T, T) or (N·nhead, T, T), memory_mask (T, S) or (N·nhead, T, S),
    tgt_key_padding_mask (N, T), memory_key_padding_mask (N, S); boolean True (or −inf) = may not attend.
    tgt_is_causal and memory_is_causal are hints that the masks given are causal (the masks are what is applied;
    a hint without its mask is an error, as in PyTorch). Returns tgt's shape:

        norm_first=False:  x = norm1(x + sa(x));   x = norm2(x + ca(x, memory));   x = norm3(x + ff(x))
        norm_first=True:   x = x + sa(norm1(x));   x = x + ca(norm2(x), memory);   x = x + ff(norm3(x))

    with sa(x) = dropout1(self_attn(x, x, x)), ca(x, m) = dropout2(multihead_attn(x, m, m)) and
    ff(x) = dropout3(linear2(dropout(activation(linear1(x))))).
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None, rng=None):
        activation = _activation(activation)
        rng = None if rng is None else init.get_rng(rng)  # one generator for all the parts (None: nn.init's)
        attention = dict(dropout=dropout, bias=bias, batch_first=batch_first, device=device, dtype=dtype, rng=rng)
        self.self_attn = MultiheadAttention(d_model, nhead, **attention)
        self.multihead_attn = MultiheadAttention(d_model, nhead, **attention)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, rng=rng, dtype=dtype)
        self.dropout = Dropout(dropout, rng=rng)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, rng=rng, dtype=dtype)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout, rng=rng)
        self.dropout2 = Dropout(dropout, rng=rng)
        self.dropout3 = Dropout(dropout, rng=rng)
        self.activation = activation

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, memory, memory, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=is_causal)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        dtype = self.linear1.weight.dtype
        x = tgt if isinstance(tgt, Value) else Value(tgt, requires_grad=False, dtype=dtype)
        memory = memory if isinstance(memory, Value) else Value(memory, requires_grad=False, dtype=dtype)
        self_part = (tgt_mask, tgt_key_padding_mask, bool(tgt_is_causal))
        cross_part = (memory, memory_mask, memory_key_padding_mask, bool(memory_is_causal))
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), *self_part)
            x = x + self._mha_block(self.norm2(x), *cross_part)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, *self_part))
        x = self.norm2(x + self._mha_block(x, *cross_part))
        return self.norm3(x + self._ff_block(x))


class TransformerDecoder(Module):
    """A stack of num_layers decoder layers, each a copy (its own parameters) of `decoder_layer`, then `norm`.

    TransformerDecoder(decoder_layer, num_layers, norm=None)

    Parameters named as PyTorch's: layers.0.self_attn.in_proj_weight, layers.0.multihead_attn..., norm.weight.

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
            tgt_is_causal=None, memory_is_causal=False): every layer reads the same memory and masks (shapes as in
    `TransformerDecoderLayer`); returns tgt's shape.
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        self.layers = _copies(decoder_layer, num_layers, "decoder_layer")
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=bool(tgt_is_causal), memory_is_causal=bool(memory_is_causal))
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """An encoder-decoder Transformer (Vaswani et al., 2017), PyTorch's `nn.Transformer`.

    Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                dropout=0.1, activation=F.relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                batch_first=False, norm_first=False, bias=True, device=None, dtype=None, rng=None)

    encoder: TransformerEncoder(TransformerEncoderLayer(...), num_encoder_layers, LayerNorm(d_model)) unless
    custom_encoder is given; decoder likewise (TransformerDecoder with a final LayerNorm). As PyTorch, every
    parameter with two or more dimensions is then drawn anew from xavier_uniform. Parameter names are PyTorch's
    (encoder.layers.0.self_attn.in_proj_weight, ..., decoder.norm.bias), so its state dicts load.

    forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
            tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
            memory_is_causal=False):
    src (S, N, E), tgt (T, N, E) ((N, S, E), (N, T, E) when batch_first; or unbatched (S, E), (T, E));
    src_mask (S, S), tgt_mask (T, T), memory_mask (T, S) (or with a leading N·nhead); key padding masks (N, S),
    (N, T), (N, S). Returns (T, N, E) (tgt's shape): memory = encoder(src), output = decoder(tgt, memory).
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation=relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None, rng=None):
        rng = None if rng is None else init.get_rng(rng)
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first,
                      bias, device, dtype, rng)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(*layer_args), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(*layer_args), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        self.d_model, self.nhead, self.batch_first = int(d_model), int(nhead), bool(batch_first)
        with no_grad():
            for p in self.parameters():
                if p.ndim > 1:
                    init.xavier_uniform_(p, rng=rng)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        src_shape, tgt_shape = np.shape(data_of(src)), np.shape(data_of(tgt))
        if len(src_shape) == 3 and len(tgt_shape) == 3:
            axis = 0 if self.batch_first else 1
            if src_shape[axis] != tgt_shape[axis]:
                raise ShapeError("the batch number of src and tgt must be equal")
        if src_shape[-1] != self.d_model or tgt_shape[-1] != self.d_model:
            raise ShapeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask of a sequence of length sz: an (sz, sz) float Value (no gradient), −inf above the
        diagonal (position i may not attend to j > i) and 0 on and below it; dtype defaults to the default dtype."""
        check_device(device)
        dtype = init.resolve_dtype(dtype)
        mask = np.triu(np.full((int(sz), int(sz)), -np.inf, dtype), 1)
        return Value(mask, requires_grad=False)
