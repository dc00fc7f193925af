"""Neuron, Layer, MLP as in micrograd, running on scalars (for pictures) or on tensors (for speed).

Design: a `Layer` holds one weight matrix (nout, nin) and one bias vector (nout,), exactly like
`Linear` (same names, same layout, same initialisation), and works at two granularities:

* called on a list of scalars (Values or numbers), it builds micrograd's graph: for every neuron j,
  the products w[j,i]·x[i] are separate nodes, summed one by one, plus b[j], through the activation.
  Each w[j,i] is a getitem node of the weight matrix, labelled `w[j,i]`, inside a `Neuron` scope
  (`neurons.j`), so a picture shows MLP > Layer > Neuron clusters with every multiply in them. It
  returns a list of scalar Values (a single Value when nout == 1, as micrograd does).
* called on a Value or array of shape (batch, nin) or (nin,), it runs one fused `linear` node
  (x Wᵀ + b) and one activation node per layer, and returns (batch, nout) or (nout,).

Both read the same Parameters, so they give the same numbers and the same gradients (up to the order
of floating-point additions). Holding scalar Parameters instead would make tensor mode stack
nin·nout scalars on every call; slicing the matrix costs only in scalar mode, where graphs are small.

Initialisation is that of `Linear`: U(-1/√nin, 1/√nin) for weights and biases (micrograd uses U(-1, 1)
and zero biases; pass your own with `init.uniform_(layer.weight, -1, 1)` if you want those).
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core import Value
from autograd_core.modes import name_scope

from . import init
from .activation import ACTIVATIONS
from .linear import _linear
from .module import Module, Parameter


def _activation(activation, nonlin):
    if nonlin is not None:  # micrograd's keyword: nonlin=True is ReLU, False is linear
        activation = "relu" if nonlin else "linear"
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of 'relu', 'tanh', 'sigmoid', 'linear' or None, "
                         f"not {activation!r}")
    return "linear" if activation is None else activation


def _is_scalar_list(x):
    """A list or tuple of scalars (0-d Values or numbers): micrograd's input."""
    if not isinstance(x, (list, tuple)):
        return False
    if any(isinstance(item, (list, tuple, np.ndarray)) for item in x):
        return False  # a nested list is a batch: tensor mode
    for item in x:
        if isinstance(item, Value):
            if item.ndim != 0:
                raise ValueError(f"scalar mode takes a list of scalar Values, got one of shape {item.shape}")
        elif not isinstance(item, numbers.Real):
            raise TypeError(f"a list input must hold scalars (Values or numbers), got {type(item).__name__}")
    return True


def _as_input(x, nin, dtype, who):
    """x as a Value or an ndarray of the parameters' dtype (the engine wraps arrays as constants)."""
    if isinstance(x, np.ndarray):
        if x.dtype != dtype:
            x = x.astype(dtype)  # float64 data into a float32 model: compute in float32
    elif not isinstance(x, Value):
        x = Value(x, requires_grad=False, dtype=dtype)
    if x.ndim == 0 or x.shape[-1] != nin:
        raise ValueError(f"{who}: expected input of shape (..., {nin}), got {x.shape}")
    return x


def _neuron_sum(w_of, b, xs, activation):
    """Σᵢ wᵢ·xᵢ + b, one node per product and per addition (micrograd's graph), then the activation."""
    act = None
    for i, x in enumerate(xs):
        term = w_of(i) * x
        act = term if act is None else act + term
    act = b if act is None else act + b
    fn = ACTIVATIONS[activation]
    return act if fn is None else fn(act)


class Neuron(Module):
    """One neuron: activation(Σᵢ wᵢxᵢ + b).

    Neuron(nin, activation='relu', nonlin=None, rng=None, dtype=None)

    weight: (nin,), bias: () — a scalar. activation: 'relu', 'tanh', 'sigmoid', 'linear' or None;
    micrograd's `nonlin=True/False` means 'relu'/'linear'. Input: a list of nin scalars (a scalar graph,
    one node per product) or a tensor (..., nin) (one matmul). Output: a scalar Value, or (...,).
    """

    def __init__(self, nin, activation="relu", nonlin=None, rng=None, dtype=None):
        self.nin = int(nin)
        self.activation = _activation(activation, nonlin)
        rng, dtype = init.get_rng(rng), init.resolve_dtype(dtype)
        self.weight = Parameter(init.default_bias((self.nin,), self.nin, rng, dtype))
        self.bias = Parameter(init.default_bias((), self.nin, rng, dtype))

    def forward(self, x):
        if _is_scalar_list(x):
            if len(x) != self.nin:
                raise ValueError(f"Neuron: expected {self.nin} inputs, got {len(x)}")
            w = self.weight

            def w_of(i):
                wi = w[i]
                wi.label = f"w[{i}]"
                return wi

            return _neuron_sum(w_of, self.bias, x, self.activation)
        x = _as_input(x, self.nin, self.weight.dtype, "Neuron")
        fn = ACTIVATIONS[self.activation]
        act = x @ self.weight + self.bias
        return act if fn is None else fn(act)

    def extra_repr(self):
        return f"nin={self.nin}, activation={self.activation!r}"


class Layer(Module):
    """nout neurons reading the same nin inputs.

    Layer(nin, nout, activation='relu', nonlin=None, rng=None, dtype=None)

    weight: (nout, nin), bias: (nout,) — the layout and initialisation of `Linear`. Input: a list of
    nin scalars -> a list of nout scalar Values (one Value when nout == 1); a tensor (..., nin) ->
    (..., nout).
    """

    def __init__(self, nin, nout, activation="relu", nonlin=None, rng=None, dtype=None):
        self.nin, self.nout = int(nin), int(nout)
        self.activation = _activation(activation, nonlin)
        rng, dtype = init.get_rng(rng), init.resolve_dtype(dtype)
        self.weight = Parameter(init.default_weight((self.nout, self.nin), rng, dtype))
        self.bias = Parameter(init.default_bias((self.nout,), self.nin, rng, dtype))

    def forward(self, x):
        if _is_scalar_list(x):
            return self._scalar_forward(x)
        x = _as_input(x, self.nin, self.weight.dtype, "Layer")
        fn = ACTIVATIONS[self.activation]
        act = _linear(x, self.weight, self.bias)
        return act if fn is None else fn(act)

    def _scalar_forward(self, xs):
        if len(xs) != self.nin:
            raise ValueError(f"Layer: expected {self.nin} inputs, got {len(xs)}")
        w, b = self.weight, self.bias
        outs = []
        for j in range(self.nout):
            with name_scope(f"neurons.{j}", kind="Neuron", owner=self):

                def w_of(i, j=j):
                    wji = w[j, i]
                    wji.label = f"w[{j},{i}]"
                    return wji

                bj = b[j]
                bj.label = f"b[{j}]"
                outs.append(_neuron_sum(w_of, bj, xs, self.activation))
        return outs[0] if len(outs) == 1 else outs

    def extra_repr(self):
        return f"nin={self.nin}, nout={self.nout}, activation={self.activation!r}"


class MLP(Module):
    """A multi-layer perceptron: Layers of sizes nin -> nouts[0] -> ... -> nouts[-1].

    MLP(nin, nouts, activation='relu', rng=None, dtype=None)

    Hidden layers use `activation`; the last layer is linear (as in micrograd). Parameters are named
    `layers.0.weight`, `layers.0.bias`, ... Input: a list of nin scalars (scalar graph; returns a list,
    or one Value for a single output) or a tensor (..., nin) -> (..., nouts[-1]).
    """

    def __init__(self, nin, nouts, activation="relu", rng=None, dtype=None):
        nouts = [int(n) for n in np.atleast_1d(nouts)]
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer size")
        rng = init.get_rng(rng)
        sizes = [int(nin)] + nouts
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=activation if i < len(nouts) - 1 else "linear",
                  rng=rng, dtype=dtype)
            for i in range(len(nouts))
        ]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
            if isinstance(x, Value) and x.ndim == 0:
                x = [x]  # a one-output layer returned a bare Value: the next layer wants a list
        return x[0] if isinstance(x, list) and len(x) == 1 else x

    def extra_repr(self):
        sizes = [self.layers[0].nin] + [layer.nout for layer in self.layers]
        return "sizes=" + "-".join(str(n) for n in sizes)
