"""Recurrent layers: `RNNCell`, `LSTMCell`, `GRUCell` (one time step) and `RNN`, `LSTM`, `GRU` (whole sequences,
stacked layers, both directions), with PyTorch's parameter names, shapes, gate order and formulas.

The cells are composed from differentiable primitives (linear, sigmoid, tanh, relu, getitem, stack, concatenate),
so gradients, forward mode (jvp), higher derivatives and compile need nothing of their own. A sequence layer runs
each layer-direction over a padded sequence as one node, the primitive `rnn_sequence` (nn/rnn_fused.py: the
recurrence in NumPy, backpropagation through time as its rule); a PackedSequence, and any sequence while forward
mode watches, take the composed path: the inputs of all time steps projected at once (one `linear` node), then
the step functions below in a loop over time.

With gi = x W_ihᵀ + b_ih and gh = h W_hhᵀ + b_hh, split into gate-sized chunks in PyTorch's order:

    RNN    h' = tanh(gi + gh)                                  (or relu)
    LSTM   i, f, g, o = σ(gi+gh)[0], σ(gi+gh)[1], tanh(gi+gh)[2], σ(gi+gh)[3]
           c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')            (h' = (o ⊙ tanh(c')) W_hrᵀ with proj_size)
    GRU    r = σ(gi_r + gh_r),  z = σ(gi_z + gh_z),  n = tanh(gi_n + r ⊙ gh_n)
           h' = (1 − z) ⊙ n + z ⊙ h                           (b_hn stays inside r ⊙ (…), as in PyTorch)
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.forward import JVPTrace
from autograd_core.modes import GRAD_ENABLED, TRACERS
from autograd_core.one_node import shown_as
from autograd_core.ops import concatenate, data_of, relu, sigmoid, stack, tanh

from . import init
from .dropout import dropout
from .linear import _linear
from .dtype_checks import check_linear, check_recurrent_input
from .module import Module, Parameter, check_device
from .rnn_fused import rnn_sequence
from .rnn_grad_fn import show_as_pytorchs
from .rnn_grad_fn_packed import show_packed_as_pytorchs
from .utils.rnn import PackedSequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
FUSED = True  # False: padded sequences take the composed step-by-step path too (tests compare the two paths)


def _affine(x, weight, bias):
    """x Wᵀ (+ b): one 'linear' node."""
    return _linear(x, weight) if bias is None else _linear(x, weight, bias)


# ----------------------------------------------------------------------------------------------------
# One time step. gi: the input projection x W_ihᵀ + b_ih of this step, (N, gates·H). state: a tuple, (h,) or
# (h, c). Each returns the new state tuple; its first entry is the step's output.


def _rnn_tanh_step(gi, state, w_hh, b_hh, w_hr=None):
    return (tanh(gi + _affine(state[0], w_hh, b_hh)),)


def _rnn_relu_step(gi, state, w_hh, b_hh, w_hr=None):
    return (relu(gi + _affine(state[0], w_hh, b_hh)),)


def _lstm_step(gi, state, w_hh, b_hh, w_hr=None):
    h, c = state
    gates = gi + _affine(h, w_hh, b_hh)
    size = c.shape[-1]
    # One sigmoid over all four gates (the candidate's quarter unused) records one node where three sigmoids of
    # slices recorded six: the same numbers, a few percent faster.
    s = sigmoid(gates)
    i = s[..., :size]                                  # input gate
    f = s[..., size:2 * size]                          # forget gate
    g = tanh(gates[..., 2 * size:3 * size])            # candidate cell
    o = s[..., 3 * size:]                              # output gate
    c = f * c + i * g
    h = o * tanh(c)
    return (h if w_hr is None else _linear(h, w_hr)), c


def _gru_step(gi, state, w_hh, b_hh, w_hr=None):
    h = state[0]
    gh = _affine(h, w_hh, b_hh)
    size = h.shape[-1]
    rz = sigmoid(gi[..., :2 * size] + gh[..., :2 * size])
    r, z = rz[..., :size], rz[..., size:]             # reset and update gates
    n = tanh(gi[..., 2 * size:] + r * gh[..., 2 * size:])
    return (n + z * (h - n),)                          # (1 − z) ⊙ n + z ⊙ h


def _pieces(x, bounds, squeeze):
    """The pieces x[bounds[k]:bounds[k+1]] of x along axis 0 (x[k] when `squeeze`: bounds are then 0, 1, ..., T).

    Read through blocks of about √n pieces: the gradient of a slice is a full-size array of zeros around it,
    which the backward pass adds to the sum so far, so n slices of x itself would cost n passes over all of x
    (quadratic in the sequence length). Slicing √n blocks of x, then each block, costs about 2√n passes, and the
    sums are the same numbers (only zeros are added to each entry): 1.1× faster at 30-50 steps, 1.3× at 200.
    """
    n = len(bounds) - 1
    width = max(1, math.isqrt(n))
    pieces = []
    for first in range(0, n, width):
        last = min(first + width, n)
        block = x[bounds[first]:bounds[last]] if (first, last) != (0, n) else x
        start = bounds[first]
        for k in range(first, last):
            pieces.append(block[k - start] if squeeze else block[bounds[k] - start:bounds[k + 1] - start])
    return pieces


_STEPS = {"RNN_TANH": _rnn_tanh_step, "RNN_RELU": _rnn_relu_step, "LSTM": _lstm_step, "GRU": _gru_step}


def _mode(kind, nonlinearity):
    if kind != "RNN":
        return kind
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"Unknown nonlinearity {nonlinearity!r}. Select from 'tanh' or 'relu'.")
    return f"RNN_{nonlinearity.upper()}"


def _check_sizes(input_size, hidden_size):
    for name, size in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(size, numbers.Integral) or isinstance(size, bool):
            raise TypeError(f"{name} should be of type int, got: {type(size).__name__}")
    if hidden_size <= 0:
        raise ValueError("hidden_size must be greater than zero")
    if input_size < 0:
        raise ValueError("input_size must not be negative")


def _as_value(x, dtype):
    return x if isinstance(x, Value) else Value(x, requires_grad=False, dtype=dtype)


# ----------------------------------------------------------------------------------------------------
# Cells.


class RNNCellBase(Module):
    """The base class of `RNNCell`, `LSTMCell` and `GRUCell` (PyTorch's name, for isinstance checks): build one of
    those. Holds weight_ih, weight_hh, bias_ih, bias_hh and runs one time step."""

    _kind = None

    def __init__(self, input_size, hidden_size, bias, nonlinearity="tanh", device=None, dtype=None, rng=None):
        _check_sizes(input_size, hidden_size)
        check_device(device)
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bool(bias)
        self.nonlinearity = nonlinearity
        self._mode = _mode(self._kind, nonlinearity)
        rng, dtype = init.get_rng(rng), init.resolve_dtype(dtype)
        gates, bound = _GATES[self._mode] * self.hidden_size, 1.0 / math.sqrt(self.hidden_size)
        self.weight_ih = Parameter(init.uniform((gates, self.input_size), -bound, bound, rng, dtype))
        self.weight_hh = Parameter(init.uniform((gates, self.hidden_size), -bound, bound, rng, dtype))
        self.bias_ih = Parameter(init.uniform((gates,), -bound, bound, rng, dtype)) if bias else None
        self.bias_hh = Parameter(init.uniform((gates,), -bound, bound, rng, dtype)) if bias else None

    def _hidden(self, hx, which, x):
        """hx (or zeros) as a Value of shape (N, H), checked against the (batched) input x."""
        batch = x.shape[0]
        if hx is None:
            return Value(np.zeros((batch, self.hidden_size), x.dtype), requires_grad=False)
        hx = _as_value(hx, self.weight_hh.dtype)
        if hx.ndim != 2:
            raise ShapeError(f"{type(self).__name__}: hidden{which} should be 2-D for 2-D input and 1-D for "
                             f"1-D input, got shape {hx.shape}")
        if hx.shape[0] != batch:
            raise ShapeError(f"Input batch size {batch} doesn't match hidden{which} batch size {hx.shape[0]}")
        if hx.shape[1] != self.hidden_size:
            raise ShapeError(f"hidden{which} has inconsistent hidden_size: got {hx.shape[1]}, "
                             f"expected {self.hidden_size}")
        return hx

    def _step(self, x, hx):
        """(input, tuple of states or None) -> the tuple of new states, batched or not as the input is."""
        x = _as_value(x, self.weight_ih.dtype)
        products = [(x, self.weight_ih, self.bias_ih)] + [(h, self.weight_hh, self.bias_hh) for h in hx or ()]
        for v, weight, bias in products:
            check_linear(v, weight, bias, array_takes_weight_dtype=True)  # PyTorch's words where dtypes mix
        if x.ndim not in (1, 2):
            raise ShapeError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {x.ndim}D instead")
        if x.shape[-1] != self.input_size:
            raise ShapeError(f"input has inconsistent input_size: got {x.shape[-1]} expected {self.input_size}")
        batched = x.ndim == 2
        if not batched:  # one sample: run it as a batch of one
            x = x.reshape((1, self.input_size))
            if hx is not None:
                hx = tuple(_unsqueeze0(_as_value(h, self.weight_hh.dtype), type(self).__name__) for h in hx)
        count = 2 if self._mode == "LSTM" else 1
        hx = (None,) * count if hx is None else hx
        state = tuple(self._hidden(h, i, x) for i, h in enumerate(hx))
        state = _STEPS[self._mode](_affine(x, self.weight_ih, self.bias_ih), state, self.weight_hh, self.bias_hh)
        return state if batched else tuple(s.reshape(s.shape[1:]) for s in state)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if self.nonlinearity != "tanh":
            text += f", nonlinearity={self.nonlinearity}"  # unquoted, as PyTorch prints it
        return text


def _unsqueeze0(h, who):
    if h.ndim != 1:
        raise ShapeError(f"{who}: for 1-D (unbatched) input, hx should also be 1-D, got shape {h.shape}")
    return h.reshape((1,) + h.shape)


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu).

    RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh', device=None, dtype=None, rng=None)

    Parameters: weight_ih (H, input_size), weight_hh (H, H), bias_ih (H,), bias_hh (H,), all drawn from
    U(-1/√H, 1/√H) with `rng` (see `nn.init`). forward(input, hx=None): input (N, input_size) or unbatched
    (input_size,); hx of shape (N, H) / (H,), zeros when None. Returns h' of hx's shape.
    """

    _kind = "RNN"

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None, rng=None):
        super().__init__(input_size, hidden_size, bias, nonlinearity, device, dtype, rng)

    def forward(self, input, hx=None):
        return self._step(input, None if hx is None else (hx,))[0]


class LSTMCell(RNNCellBase):
    """One step of a long short-term memory cell (Hochreiter and Schmidhuber, 1997), PyTorch's gate order
    i, f, g, o along the rows of the weights.

    LSTMCell(input_size, hidden_size, bias=True, device=None, dtype=None, rng=None)

    Parameters: weight_ih (4H, input_size), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,), from U(-1/√H, 1/√H).
    forward(input, hx=None): input (N, input_size) or (input_size,); hx = (h, c), each (N, H) / (H,), zeros when
    None. Returns (h', c').
    """

    _kind = "LSTM"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None, rng=None):
        super().__init__(input_size, hidden_size, bias, "tanh", device, dtype, rng)

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTMCell: hx must be a tuple (h_0, c_0)")
        return self._step(input, None if hx is None else tuple(hx))


class GRUCell(RNNCellBase):
    """One step of a gated recurrent unit (Cho et al., 2014), PyTorch's gate order r, z, n and formula
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.

    GRUCell(input_size, hidden_size, bias=True, device=None, dtype=None, rng=None)

    Parameters: weight_ih (3H, input_size), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,), from U(-1/√H, 1/√H).
    forward(input, hx=None): input (N, input_size) or (input_size,); hx (N, H) / (H,), zeros when None.
    """

    _kind = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None, rng=None):
        super().__init__(input_size, hidden_size, bias, "tanh", device, dtype, rng)

    def forward(self, input, hx=None):
        return self._step(input, None if hx is None else (hx,))[0]


# ----------------------------------------------------------------------------------------------------
# Sequence layers.


class RNNBase(Module):
    """The base class of `RNN`, `LSTM` and `GRU` (PyTorch's name and arguments; isinstance checks):

    RNNBase(mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
            bidirectional=False, proj_size=0, device=None, dtype=None, rng=None)

    mode: 'LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU' (the parameters' shapes). It holds the parameters; the
    subclasses' forward runs them. Every subclass accepts a padded batch or a `nn.utils.rnn.PackedSequence`.
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None, rng=None):
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        _check_sizes(input_size, hidden_size)
        check_device(device)
        if not isinstance(num_layers, numbers.Integral) or isinstance(num_layers, bool):
            raise TypeError(f"num_layers should be of type int, got: {type(num_layers).__name__}")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=3)
        if not isinstance(proj_size, numbers.Integral) or proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.bias, self.batch_first, self.bidirectional = bool(bias), bool(batch_first), bool(bidirectional)
        self.dropout, self.proj_size = float(dropout), int(proj_size)
        self.mode = self._mode = mode
        self.nonlinearity = "relu" if mode == "RNN_RELU" else "tanh"
        # None: the module-wide generator of nn.init at each use (manual_seed replaces it); else the one to keep using
        self._rng = None if rng is None else init.get_rng(rng)  # the initial weights, then the dropout masks
        dtype = init.resolve_dtype(dtype)
        directions = 2 if self.bidirectional else 1
        out_size = self.proj_size or self.hidden_size  # the size of h (what each step outputs)
        gates, bound = _GATES[self._mode] * self.hidden_size, 1.0 / math.sqrt(self.hidden_size)
        # PyTorch's names and order: per layer, per direction: weight_ih, weight_hh, bias_ih, bias_hh, weight_hr.
        # Only the names are kept as a list: a list of the Parameters would register them a second time.
        names = []
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else out_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = {"weight_ih": (gates, layer_input), "weight_hh": (gates, out_size)}
                if self.bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                if self.proj_size:
                    shapes["weight_hr"] = (self.proj_size, self.hidden_size)
                group = {}
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(init.uniform(shape, -bound, bound, self._rng, dtype)))
                    group[kind] = name
                names.append(group)
        self._weight_names = tuple(names)

    @property
    def all_weights(self):
        """The parameters per layer and direction, [[weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0], ...]."""
        return [[getattr(self, name) for name in group.values()] for group in self._weight_names]

    @property
    def _all_weights(self):
        """PyTorch's private list of the parameters' names per layer and direction,
        [['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'], ...]."""
        return [list(group.values()) for group in self._weight_names]

    @property
    def _flat_weights_names(self):
        """PyTorch's private flat list of the parameters' names, in all_weights' order. d2l initialises a GRU with
        `for param in m._flat_weights_names: if "weight" in param: nn.init.xavier_uniform_(m._parameters[param])`."""
        return [name for group in self._weight_names for name in group.values()]

    @property
    def _flat_weights(self):
        """PyTorch's private flat list of the parameters, in `_flat_weights_names`' order."""
        return [getattr(self, name) for name in self._flat_weights_names]

    def flatten_parameters(self):
        """PyTorch's cuDNN memory layout call: nothing to do here (kept so that PyTorch code runs)."""

    def _initial(self, hx, index, batched, batch, size, dtype):
        """hx (or zeros) as a batched Value (D·num_layers, N, size), checked as PyTorch checks it."""
        count = self.num_layers * (2 if self.bidirectional else 1)
        expected = (count, batch, size)
        if hx is None:
            return Value(np.zeros(expected, dtype), requires_grad=False)
        hx = _as_value(hx, dtype)
        if batched and hx.ndim != 3:
            raise ShapeError(f"For batched 3-D input, hx should also be 3-D but got {hx.ndim}-D tensor")
        if not batched:
            if hx.ndim != 2:
                raise ShapeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.ndim}-D tensor")
            hx = hx.reshape((hx.shape[0], 1, hx.shape[1]))
        if hx.shape != expected:
            got = list(hx.shape) if batched else [hx.shape[0], hx.shape[2]]
            want = expected if batched else (count, size)
            raise ShapeError(f"Expected hidden{index} size {want}, got {got}")
        return hx

    def _run(self, input, hx):
        """The shared forward: returns (output, tuple of final states (h_n,) or (h_n, c_n)), shaped as PyTorch."""
        if isinstance(input, PackedSequence):
            return self._run_packed(input, hx)
        dtype = self.weight_ih_l0.dtype
        x = _as_value(input, dtype)
        self._check_dtypes(x, hx)
        if x.ndim not in (2, 3):
            raise ShapeError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {x.ndim}D instead")
        self._check_input_size(x)
        batched, given = x.ndim == 3, x
        if not batched:
            x = x.reshape((x.shape[0], 1, x.shape[1]))
        elif self.batch_first:
            x = x.swapaxes(0, 1)  # time first inside: x[t] is one step of the whole batch
        if x.shape[0] == 0:
            raise ShapeError(f"{type(self).__name__}: the input sequence is empty (length 0)")
        initial = self._initial_states(hx, batched, x.shape[1], x.dtype)
        layer_outputs = [] if GRAD_ENABLED.get() else None
        x, states = self._run_layers(x, initial, padded_direction(self._mode), layer_outputs)
        if layer_outputs:  # PyTorch's unrolled nodes for grad_fn (a relabel: nn/rnn_grad_fn.py)
            states = show_as_pytorchs(self, given, hx, layer_outputs, states, batched)
        if not batched:  # PyTorch squeezes the batch of one away
            return (shown_as(x.reshape((x.shape[0], x.shape[2])), x, "SqueezeBackward1"),
                    tuple(shown_as(s.reshape((s.shape[0], s.shape[2])), s, "SqueezeBackward1") for s in states))
        if self.batch_first:  # PyTorch's RNN and GRU transpose_ their output (in place): TransposeBackward1
            return (x.swapaxes(0, 1) if self._mode == "LSTM" else shown_as(x.swapaxes(0, 1), x, "TransposeBackward1"),
                    states)
        return x, states

    def _run_packed(self, packed, hx):
        """_run on a PackedSequence: at time step t only the batch_sizes[t] longest sequences take a step (a prefix
        of the sorted batch); each sequence's final state is its state after its own last step (for the reverse
        direction, after its first). hx and the final states are in the original batch order (permuted with
        sorted_indices / unsorted_indices, as PyTorch). Returns (PackedSequence of the outputs, final states)."""
        dtype = self.weight_ih_l0.dtype
        x = _as_value(packed.data, dtype)
        self._check_dtypes(x, hx)
        if x.ndim != 2:
            raise ShapeError(f"{type(self).__name__}: packed input data should be 2-D, got {x.ndim}-D")
        self._check_input_size(x)
        batch_sizes = [int(size) for size in np.asarray(data_of(packed.batch_sizes))]
        bounds = np.concatenate([[0], np.cumsum(batch_sizes)]).tolist()   # time step t: rows bounds[t]:bounds[t+1]
        initial = self._initial_states(hx, True, batch_sizes[0], x.dtype)
        if packed.sorted_indices is not None:
            order = np.asarray(data_of(packed.sorted_indices))
            initial = [h[:, order] for h in initial]
        layer_inputs, layer_outputs = ([x], []) if GRAD_ENABLED.get() else (None, None)
        x, states = self._run_layers(x, initial, packed_direction(self._mode, bounds), layer_outputs, layer_inputs)
        if packed.unsorted_indices is not None:
            unsorted = np.asarray(data_of(packed.unsorted_indices))
            states = tuple(s[:, unsorted] for s in states)
        if layer_inputs is not None:  # PyTorch's nodes for grad_fn, when read (nn/rnn_grad_fn_packed.py)
            show_packed_as_pytorchs(self, layer_outputs, hx, states, batch_sizes, packed.sorted_indices is not None,
                                    packed.unsorted_indices is not None, layer_inputs)
        return type(packed)(x, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices), states

    def _check_dtypes(self, x, hx):
        """PyTorch's refusals of mixed dtypes: the input's ValueError, then the first state's product with
        weight_hh_l0 (real and complex numbers, then float widths)."""
        check_recurrent_input(x, self.weight_ih_l0)
        for h in hx or ():
            check_linear(h, self.weight_hh_l0, getattr(self, "bias_hh_l0", None), array_takes_weight_dtype=True)

    def _check_input_size(self, x):
        if x.shape[-1] != self.input_size:
            raise ShapeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                             f"got {x.shape[-1]}")

    def _initial_states(self, hx, batched, batch, dtype):
        """[h_0] (or [h_0, c_0] for LSTM): hx's parts, or zeros, each checked and batched by `_initial`."""
        out_size = self.proj_size or self.hidden_size
        sizes = (out_size, self.hidden_size) if self._mode == "LSTM" else (out_size,)
        hx = (None,) * len(sizes) if hx is None else hx
        return [self._initial(h, f"[{i}]" if len(sizes) > 1 else "", batched, batch, size, dtype)
                for i, (h, size) in enumerate(zip(hx, sizes))]

    def _run_layers(self, x, initial, run_direction, outputs=None, inputs=None):
        """run_layers over this module's parameters (see there)."""
        weights = [{kind: getattr(self, name) for kind, name in group.items()} for group in self._weight_names]
        return run_layers(x, initial, weights, run_direction, self.num_layers, self.bidirectional,
                          self.dropout if self.training else 0.0, self._rng, outputs, inputs)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {"proj_size": 0, "num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0,
                    "bidirectional": False}
        for name, default in defaults.items():
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text  # PyTorch's shows no nonlinearity


def _packed_forward(step, steps, state, w):
    """Run `step` over packed time steps (inputs steps[t], (batch_sizes[t], G·H)) from the first; the batch shrinks
    as sequences end, and each ended sequence keeps its last state. Returns (outputs (Σ batch_sizes, H), state)."""
    outputs, ended = [], []       # ended: the states of the sequences that stopped, latest-sorted first
    for gi in steps:
        size = gi.shape[0]
        if size < state[0].shape[0]:
            ended.append(tuple(s[size:] for s in state))
            state = tuple(s[:size] for s in state)
        state = step(gi, state, w["weight_hh"], w.get("bias_hh"), w.get("weight_hr"))
        outputs.append(state[0])
    parts = [state] + ended[::-1]
    final = state if len(parts) == 1 else tuple(concatenate([p[i] for p in parts]) for i in range(len(state)))
    return concatenate(outputs), final


def _packed_backward(step, steps, initial, w):
    """Run `step` over packed time steps from the last: a sequence joins (from its initial state) at its own last
    step. Returns (outputs (Σ batch_sizes, H) in packed order, state after step 0 (every sequence's final))."""
    outputs, state = [None] * len(steps), ()
    for t in reversed(range(len(steps))):
        size, running = steps[t].shape[0], (state[0].shape[0] if state else 0)
        if size > running:
            joining = tuple(h if (running, size) == (0, h.shape[0]) else h[running:size] for h in initial)
            state = joining if not state else tuple(concatenate([s, j]) for s, j in zip(state, joining))
        state = step(steps[t], state, w["weight_hh"], w.get("bias_hh"), w.get("weight_hr"))
        outputs[t] = state[0]
    return concatenate(outputs), state


def run_layers(x, initial, weights, run_direction, num_layers, bidirectional, dropout_p=0.0, rng=None,
               outputs=None, inputs=None):
    """The stack of layers and directions, shared by padded and packed input and by torch.lstm & co.
    (nn/functional_rnn.py): x is the first layer's input (time-first, or packed rows); initial: the initial states
    [h_0] or [h_0, c_0], each (D·num_layers, N, size); weights: per layer and direction, a dict weight_ih,
    weight_hh[, bias_ih, bias_hh][, weight_hr]; run_direction(x, state, weights, reverse) runs one direction over
    the input x from `state` and returns (its outputs, its final state). Dropout with probability dropout_p on the
    outputs of every layer but the last. Returns (the last layer's output, final states stacked as
    (D·num_layers, N, size) per part). outputs: a list to which each layer's output is appended, inputs: one to
    which the input of each layer above the first is (the output below, or the dropout over it) (for grad_fn)."""
    layer_outputs = outputs
    directions = 2 if bidirectional else 1
    finals = []
    for layer in range(num_layers):
        outputs = []
        for direction in range(directions):
            index = layer * directions + direction
            output, state = run_direction(x, tuple(h[index] for h in initial), weights[index], bool(direction))
            outputs.append(output)
            finals.append(state)
        x = outputs[0] if directions == 1 else concatenate(outputs, axis=-1)
        if layer_outputs is not None:
            layer_outputs.append(x)
        if dropout_p and layer < num_layers - 1:
            x = dropout(x, dropout_p, True, rng=rng)
        if inputs is not None and layer < num_layers - 1:
            inputs.append(x)
    return x, tuple(stack([state[i] for state in finals], axis=0) for i in range(len(initial)))


def padded_direction(mode):
    """run_direction for run_layers over a time-first padded sequence x (T, N, features): one `rnn_sequence` node
    per layer-direction (nn/rnn_fused.py), except while forward mode watches (its rule would run the composed steps
    anyway, once per input), or on complex numbers: then the steps of _STEPS in a loop over time."""
    fused = FUSED and not any(isinstance(tracer, JVPTrace) for tracer in TRACERS.get())
    step = _STEPS[mode]

    def run_direction(x, state, w, reverse):
        if fused and x.dtype.kind != "c" and w["weight_hh"].dtype.kind != "c":  # (the fused kernel's are real)
            return _run_fused(mode, x, state, w, reverse)
        gi = _affine(x, w["weight_ih"], w.get("bias_ih"))  # every time step's input projection at once
        seq = [None] * gi.shape[0]
        inputs = _pieces(gi, range(len(seq) + 1), squeeze=True)
        for t in (reversed(range(len(seq))) if reverse else range(len(seq))):
            state = step(inputs[t], state, w["weight_hh"], w.get("bias_hh"), w.get("weight_hr"))
            seq[t] = state[0]
        return stack(seq, axis=0), state

    return run_direction


def packed_direction(mode, bounds):
    """run_direction for run_layers over packed rows: time step t is rows bounds[t]:bounds[t+1]."""
    step = _STEPS[mode]

    def run_direction(x, state, w, reverse):
        gi = _affine(x, w["weight_ih"], w.get("bias_ih"))  # every time step's input projection at once
        steps = _pieces(gi, bounds, squeeze=False)
        return (_packed_backward if reverse else _packed_forward)(step, steps, state, w)

    return run_direction


def _run_fused(mode, x, state, w, reverse):
    """One layer-direction over a time-first padded sequence x (T, N, features) as one `rnn_sequence` node (see
    nn/rnn_fused.py). Returns (outputs (T, N, P), final state tuple), as the composed direction does."""
    bias, proj = "bias_ih" in w, "weight_hr" in w
    inputs = [x, *state, w["weight_ih"], w["weight_hh"]]
    if bias:
        inputs += [w["bias_ih"], w["bias_hh"]]
    if proj:
        inputs.append(w["weight_hr"])
    out = rnn_sequence(*inputs, mode=mode, reverse=reverse, bias=bias, proj=proj)
    last = 0 if reverse else out.shape[0] - 1  # the step read last holds the final state
    if mode != "LSTM":  # (the outputs a view of their own, as the final state: each view's gradient apart, as
        return out[:], (out[last],)  # PyTorch's, whose h_n's goes to the last step's node, around the outputs')
    size, cell = state[0].shape[-1], state[1].shape[-1]  # out: h_t, c_t, then the step's gates
    return out[:, :, :size], (out[last, :, :size], out[last, :, size:size + cell])


_SEQUENCE_DOC = """
    input_size, hidden_size; num_layers=1 (stacked: layer k reads layer k−1's output); bias=True (bias_ih, bias_hh);
    batch_first=False; dropout=0.0 (on the outputs of every layer but the last, in training mode only);
    bidirectional=False (a second pass over the reversed sequence, parameters with suffix `_reverse`, outputs
    concatenated along the features); dtype=None (float32 unless the default dtype says otherwise); rng=None
    (for the initial weights and the dropout masks, see `nn.init`).

    Parameters weight_ih_l{k}[_reverse] (G·H, input_size or D·H), weight_hh_l{k}[_reverse] (G·H, H),
    bias_ih_l{k}[_reverse], bias_hh_l{k}[_reverse] (G·H,), with G gates, all from U(-1/√H, 1/√H): the names and
    shapes of PyTorch, so `load_state_dict({k: v.numpy() for k, v in torch_rnn.state_dict().items()})` works.

    input: (L, N, input_size), (N, L, input_size) when batch_first, or unbatched (L, input_size).
    output: (L, N, D·H) (or (N, L, D·H), or (L, D·H)), the last layer's h at every step; D = 2 if bidirectional.
    input may also be a `nn.utils.rnn.PackedSequence` (variable lengths, no padding read): output is then a
    PackedSequence with the same batch_sizes and indices, and the final states hold each sequence's state after
    its own last step (the reverse direction's after its first), in the original batch order.
"""


class RNN(RNNBase):
    __doc__ = """Elman RNN over a sequence: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh) (or relu), G = 1.

    RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False, dropout=0.0,
        bidirectional=False, device=None, dtype=None, rng=None)
    """ + _SEQUENCE_DOC + """
    forward(input, hx=None) -> (output, h_n); hx and h_n: (D·num_layers, N, H) (unbatched (D·num_layers, H)),
    zeros when hx is None. h_n[k] is the final state of layer k // D, direction k % D (for the reverse
    direction, its state after reading x_0).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, rng=None):
        super().__init__(_mode("RNN", nonlinearity), input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype, rng=rng)

    def forward(self, input, hx=None):
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n


class LSTM(RNNBase):
    __doc__ = """Long short-term memory over a sequence, G = 4 (gates i, f, g, o; see LSTMCell).

    LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False,
         proj_size=0, device=None, dtype=None, rng=None)
    """ + _SEQUENCE_DOC + """
    proj_size > 0 projects each h_t to proj_size features (h_t = (o ⊙ tanh c_t) W_hrᵀ, extra parameters
    weight_hr_l{k}[_reverse] (proj_size, H)); h then has proj_size features everywhere (output, h_0, h_n, and
    weight_hh's columns), c keeps H.

    forward(input, hx=None) -> (output, (h_n, c_n)); hx = (h_0, c_0), each (D·num_layers, N, H) (unbatched
    (D·num_layers, H)), zeros when None.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None, rng=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size=proj_size, device=device, dtype=dtype, rng=rng)

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTM: hx must be a tuple (h_0, c_0)")
        return self._run(input, None if hx is None else tuple(hx))


class GRU(RNNBase):
    __doc__ = """Gated recurrent unit over a sequence, G = 3 (gates r, z, n; see GRUCell).

    GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False,
        device=None, dtype=None, rng=None)
    """ + _SEQUENCE_DOC + """
    forward(input, hx=None) -> (output, h_n); hx and h_n: (D·num_layers, N, H) (unbatched (D·num_layers, H)),
    zeros when hx is None.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None, rng=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype, rng=rng)

    def forward(self, input, hx=None):
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n
