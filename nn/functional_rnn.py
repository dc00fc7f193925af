"""PyTorch's functional recurrent cells and layers: `torch.rnn_tanh_cell`, `rnn_relu_cell`, `lstm_cell`,
`gru_cell` (one time step from given weights) and `torch.rnn_tanh`, `rnn_relu`, `lstm`, `gru` (the flat-parameter
calls nn.RNN, nn.LSTM and nn.GRU make: whole sequences, stacked layers, both directions).

The math is nn/rnn.py's: the same step functions (gate order i, f, g, o for LSTM and r, z, n for GRU), the same
fused `rnn_sequence` node per layer-direction, the same loop over layers. Loaded on first use of one of the names.

A layer function takes PyTorch's two overloads, told apart by their types as PyTorch tells them:

    lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)   padded
    lstm(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)    packed

params: per layer and direction, w_ih, w_hh[, b_ih, b_hh][, w_hr] (nn.LSTM's `_flat_weights`); for LSTM a
projection weight w_hr is recognised by the count (5 per layer-direction with biases, 3 without). hx: h_0, or
(h_0, c_0) for LSTM, each (D·num_layers, N, size). The packed overload reads the rows of a PackedSequence's data
with its batch_sizes; hx and the final states are in the sorted batch order (nn.LSTM permutes them around the
call). Returns (output, h_n) or, for lstm, (output, h_n, c_n).
"""

from __future__ import annotations

import numpy as np

from autograd_core import ShapeError
from autograd_core.ops import data_of

from .rnn import _GATES, _STEPS, _affine, _as_value, packed_direction, padded_direction, run_layers

# ----------------------------------------------------------------------------------------------------
# Cells.


def _cell(mode, input, hx, w_ih, w_hh, b_ih, b_hh):
    """One step of `mode` from the states hx (a tuple) with the given weights: the tuple of new states."""
    who = f"{mode.lower()}_cell"
    w_ih, w_hh = _as_value(w_ih, None), _as_value(w_hh, None)
    x = _as_value(input, w_ih.dtype)
    hx = tuple(_as_value(h, w_hh.dtype) for h in hx)
    if x.ndim not in (1, 2) or any(h.ndim != x.ndim for h in hx):
        raise ShapeError(f"{who}: input and hx should both be 2-D (N, features) or both 1-D, got shapes {x.shape} "
                         f"and {[h.shape for h in hx]}")
    if w_ih.ndim != 2 or w_hh.ndim != 2:
        raise ShapeError(f"{who}: w_ih and w_hh should be 2-D, got shapes {w_ih.shape} and {w_hh.shape}")
    hidden, gates = w_hh.shape[1], _GATES[mode] * w_hh.shape[1]
    if x.shape[-1] != w_ih.shape[1]:
        raise ShapeError(f"input has inconsistent input_size: got {x.shape[-1]} expected {w_ih.shape[1]}")
    for name, w in (("weight_ih", w_ih), ("weight_hh", w_hh)):
        if w.shape[0] != gates:
            raise ShapeError(f"{name} first dim must be {_GATES[mode]} * hidden_size = {gates}, but got {w.shape[0]}")
    for i, h in enumerate(hx):
        if h.shape[:-1] != x.shape[:-1]:
            raise ShapeError(f"Input batch size {x.shape[0]} doesn't match hidden{i} batch size {h.shape[0]}")
        if h.shape[-1] != hidden:
            raise ShapeError(f"hidden{i} has inconsistent hidden_size: got {h.shape[-1]}, expected {hidden}")
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        if b is not None and tuple(b.shape) != (gates,):
            raise ShapeError(f"{who}: {name} should be of shape ({gates},), got {tuple(b.shape)}")
    return _STEPS[mode](_affine(x, w_ih, b_ih), hx, w_hh, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step h' = tanh(input w_ihᵀ + b_ih + hx w_hhᵀ + b_hh). input (N, I), hx (N, H), w_ih (H, I),
    w_hh (H, H), b_ih and b_hh (H,) or None; returns h' (N, H). Unbatched: input (I,), hx (H,)."""
    return _cell("RNN_TANH", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step with relu, h' = relu(input w_ihᵀ + b_ih + hx w_hhᵀ + b_hh); shapes as rnn_tanh_cell."""
    return _cell("RNN_RELU", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step (nn.LSTMCell's math, gates i, f, g, o): input (N, I), hx = (h, c) each (N, H), w_ih (4H, I),
    w_hh (4H, H), b_ih and b_hh (4H,) or None; returns (h', c'), each (N, H). Unbatched: input (I,), h, c (H,)."""
    if not isinstance(hx, (tuple, list)):
        raise TypeError(f"lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not {type(hx).__name__}")
    if len(hx) != 2:
        raise RuntimeError("lstm_cell expects two hidden states")
    return _cell("LSTM", input, tuple(hx), w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step (nn.GRUCell's math, gates r, z, n): input (N, I), hx (N, H), w_ih (3H, I), w_hh (3H, H),
    b_ih and b_hh (3H,) or None; returns h' (N, H). Unbatched: input (I,), hx (H,)."""
    return _cell("GRU", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


# ----------------------------------------------------------------------------------------------------
# Layers.


def _weights(mode, params, has_biases, num_layers, directions):
    """params (flat) -> one dict per layer-direction: weight_ih, weight_hh[, bias_ih, bias_hh][, weight_hr]."""
    params = list(params)
    count = num_layers * directions
    kinds = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if has_biases else [])
    if mode == "LSTM" and len(params) == count * (len(kinds) + 1):
        kinds.append("weight_hr")  # LSTM with projections
    if len(params) != count * len(kinds):
        raise RuntimeError(f"got an incorrect number of RNN parameters: {len(params)} for {num_layers} layer(s), "
                           f"{directions} direction(s) and {len(kinds)} per layer-direction")
    return [dict(zip(kinds, (_as_value(p, None) for p in params[i * len(kinds):(i + 1) * len(kinds)])))
            for i in range(count)]


def _layers(mode, input, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional,
            batch_first):
    """The shared body of rnn_tanh, rnn_relu, lstm and gru (padded when batch_sizes is None, else packed)."""
    directions = 2 if bidirectional else 1
    weights = _weights(mode, params, has_biases, num_layers, directions)
    x = _as_value(input, weights[0]["weight_ih"].dtype)
    states = tuple(hx) if mode == "LSTM" else (hx,)
    if mode == "LSTM" and len(states) != 2:
        raise RuntimeError("lstm expects two hidden states")
    states = tuple(_as_value(h, x.dtype) for h in states)
    if batch_sizes is None:
        if x.ndim != 3:
            raise ShapeError(f"{mode.lower()}: input must be 3-D (L, N, features), or (N, L, features) with "
                             f"batch_first, got shape {x.shape}")
        if batch_first:
            x = x.swapaxes(0, 1)  # time first inside
        run_direction, batch = padded_direction(mode), x.shape[1]
    else:
        if x.ndim != 2:
            raise ShapeError(f"{mode.lower()}: packed data must be 2-D (Σ batch_sizes, features), got {x.shape}")
        sizes = [int(size) for size in np.asarray(data_of(batch_sizes)).reshape(-1)]
        run_direction = packed_direction(mode, np.concatenate([[0], np.cumsum(sizes)]).tolist())
        batch = sizes[0]
    if x.shape[-1] != weights[0]["weight_ih"].shape[1]:
        raise ShapeError(f"input.size(-1) must be equal to input_size. Expected {weights[0]['weight_ih'].shape[1]}, "
                         f"got {x.shape[-1]}")
    for i, h in enumerate(states):
        if h.ndim != 3 or h.shape[:2] != (num_layers * directions, batch):
            raise ShapeError(f"Expected hidden[{i}] size ({num_layers * directions}, {batch}, size), got "
                             f"{list(h.shape)}")
    output, finals = run_layers(x, states, weights, run_direction, num_layers, bidirectional,
                                dropout if train else 0.0)
    if batch_sizes is None and batch_first:
        output = output.swapaxes(0, 1)
    return (output, *finals)


def _overload(mode, args):
    """Run the padded or the packed overload: the packed call has the parameters' list where the padded call has
    has_biases (a bool), its 4th argument."""
    if isinstance(args[3], (list, tuple)):
        data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional = args
        return _layers(mode, data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional,
                       False)
    input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first = args
    return _layers(mode, input, None, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)


def rnn_tanh(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """Elman RNN layers with tanh over a sequence (nn.RNN's computation): input (L, N, I) ((N, L, I) when
    batch_first), hx (D·num_layers, N, H), params flat (see the module's docstring); dropout on the outputs of all
    but the last layer when train. Returns (output (L, N, D·H), h_n (D·num_layers, N, H)). Also the packed
    overload rnn_tanh(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)."""
    return _overload("RNN_TANH", (input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
                                  batch_first))


def rnn_relu(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """Elman RNN layers with relu over a sequence; arguments, overloads and results as rnn_tanh."""
    return _overload("RNN_RELU", (input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
                                  batch_first))


def lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """LSTM layers over a sequence (nn.LSTM's computation): input (L, N, I) ((N, L, I) when batch_first),
    hx = (h_0 (D·num_layers, N, P), c_0 (D·num_layers, N, H)) with P = H, or the projection size when params hold
    w_hr; returns (output (L, N, D·P), h_n, c_n). Also the packed overload lstm(data, batch_sizes, hx, params,
    has_biases, num_layers, dropout, train, bidirectional)."""
    return _overload("LSTM", (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first))


def gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """GRU layers over a sequence (nn.GRU's computation); arguments, overloads and results as rnn_tanh."""
    return _overload("GRU", (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first))
