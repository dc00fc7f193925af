"""Neuron, Layer, MLP as in micrograd, running on scalars (micrograd's graph) or on tensors (for speed).

A `Layer` stores one weight matrix (nout, nin) and one bias vector (nout,), exactly like `Linear` (same names,
layout and initialisation, so `state_dict()` and optimizers see two arrays per layer), and also exposes them
the way micrograd does: `layer.neurons[j].w[i]` is a scalar leaf for the weight from input i to neuron j and
`layer.neurons[j].b` the bias, each an `ElementView` that reads and writes its element of the matrices. So

* called on a list of scalars (Values or numbers), a layer builds micrograd's graph: for every neuron j,
  `b + w[0]·x[0] + w[1]·x[1] + ...` one node per product and per addition, then the activation, inside a
  `Neuron` scope (`neurons.j`); every weight is one leaf, reused from call to call (no indexing nodes). It
  returns a list of scalar Values (a single Value when nout == 1, as micrograd does);
* called on a Value or array of shape (batch, nin) or (nin,), it runs one fused `linear` node (x Wᵀ + b) and
  one activation node per layer, and returns (batch, nout) or (nout,).

Both read the same numbers and write their gradients into the same arrays (`layer.weight.grad`), whichever
graph computed them. `parameters()` is micrograd's: a list of the scalar leaves, per neuron the weights then
the bias, layer by layer (`p.data -= lr * p.grad` works, and so do optimizers, which update each matrix at
once when all of its elements are listed); `named_parameters()` and `state_dict()` name the matrices as
PyTorch names a list of `Linear` layers (`layers.0.weight`, ...).

Initialisation is that of `Linear`: U(-1/√nin, 1/√nin) for weights and biases (micrograd uses U(-1, 1) and
zero biases; pass your own with `init.uniform_(layer.weight, -1, 1)` if you want those). The dtype is float64
unless `dtype=` says otherwise: micrograd computes with Python floats, and its demo feeds float64 inputs
(`Value(x)`); float32 weights there would mix precisions at every product and cast every weight's gradient.
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.element import ElementList, ElementView
from autograd_core.recording import apply

from . import init
from .activation import ACTIVATIONS
from .linear import _linear
from .module import Module, Parameter

# Value's methods: the shortest route to one node per activation (the functions of nn.functional add two calls).
_ACTIVATION_METHODS = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid, "linear": None}


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
    for item in x:
        if isinstance(item, Value):
            if item.data.ndim != 0:
                raise ShapeError(f"scalar mode takes a list of scalar Values, got one of shape {item.shape}")
        elif isinstance(item, (list, tuple, np.ndarray)):
            return False  # a nested list is a batch: tensor mode
        elif not isinstance(item, numbers.Real):
            raise TypeError(f"a list input must hold scalars (Values or numbers), got {type(item).__name__}")
    return True


class _CheckedScalars(list):
    """A layer's input list, already checked by `_is_scalar_list`: its neurons skip the check."""

    __slots__ = ()


def _as_input(x, nin, dtype, who):
    """x as a Value or an ndarray of the parameters' dtype (the engine wraps arrays as constants)."""
    if isinstance(x, np.ndarray):
        if x.dtype != dtype:  # float64 data into a float32 model: compute in float32 (Value converts, and
            x = Value(x, requires_grad=False, dtype=dtype)  # compile() records the conversion)
    elif not isinstance(x, Value):
        x = Value(x, requires_grad=False, dtype=dtype)
    shape = x.data.shape if isinstance(x, Value) else x.shape  # (a tuple: Value.shape's Size costs two calls)
    if not shape or shape[-1] != nin:
        raise ShapeError(f"{who}: expected input of shape (..., {nin}), got {shape}")
    return x


class _Views:
    """The scalar views a module made of its arrays, cached where the Module walker does not look (it is not a
    Parameter, Module, list, tuple or dict), so that `state_dict()` keeps naming the arrays only."""

    __slots__ = ("weight", "bias", "items")

    def __init__(self, weight, bias, items):
        self.weight, self.bias, self.items = weight, bias, items


class _Micrograd(Module):
    """What Neuron, Layer and MLP share: micrograd's `parameters()` list and a zero_grad over the arrays."""

    def parameters(self):
        """micrograd's list of scalar leaves (per neuron: weights, then bias), layer by layer.

        An `ElementList`: the scalars are made on first use and are the same objects from call to call; an
        optimizer given this list updates the weight arrays directly (see `named_parameters()`).
        """
        raise NotImplementedError

    def zero_grad(self):
        """Reset the gradients to None: those of the weight arrays, and so those of every scalar view."""
        for _, param in self.named_parameters():
            param.grad = None

    def num_parameters(self):
        return sum(int(p.data.size) for _, p in self.named_parameters())


class Neuron(_Micrograd):
    """One neuron: activation(b + Σᵢ wᵢxᵢ).

    Neuron(nin, activation='relu', nonlin=None, rng=None, dtype=float64)

    weight: (nin,), bias: () — a scalar; `w` is micrograd's list of nin scalar leaves (views of `weight`'s
    elements) and `b` the bias leaf. activation: 'relu', 'tanh', 'sigmoid', 'linear' or None; micrograd's
    `nonlin=True/False` means 'relu'/'linear'. Input: a list of nin scalars (a scalar graph, one node per
    product) or a tensor (..., nin) (one matmul). Output: a scalar Value, or (...,).
    """

    _row = None  # j for neuron j of a Layer (its arrays are the layer's), None for a neuron of its own

    def __init__(self, nin, activation="relu", nonlin=None, rng=None, dtype=np.float64):
        self.nin = int(nin)
        self.activation = _activation(activation, nonlin)
        rng, dtype = init.get_rng(rng), init.resolve_dtype(dtype)
        self.weight = Parameter(init.default_bias((self.nin,), self.nin, rng, dtype))
        self.bias = Parameter(init.default_bias((), self.nin, rng, dtype))

    @classmethod
    def _of_layer(cls, layer, j):
        """Neuron j of `layer`: scalar views of row j of the layer's arrays; no parameters of its own."""
        neuron = cls.__new__(cls)
        object.__setattr__(neuron, "_name", f"neurons.{j}")
        neuron.nin, neuron.activation, neuron._row = layer.nin, layer.activation, j
        weight, bias = layer.weight, layer.bias
        view = ElementView._unchecked
        views = ([view(weight, (j, i), f"w[{j},{i}]") for i in range(layer.nin)], view(bias, (j,), f"b[{j}]"))
        object.__setattr__(neuron, "_views", _Views(weight, bias, views))
        return neuron

    def _scalars(self):
        cache = self.__dict__.get("_views")
        if self._row is None and (cache is None or cache.weight is not self.weight or cache.bias is not self.bias):
            views = ([ElementView(self.weight, (i,), label=f"w[{i}]") for i in range(self.nin)],
                     ElementView(self.bias, (), label="b"))
            cache = _Views(self.weight, self.bias, views)
            object.__setattr__(self, "_views", cache)
        return cache

    @property
    def w(self):
        """micrograd's `w`: the list of nin scalar weight leaves."""
        return self._scalars().items[0]

    @property
    def b(self):
        """micrograd's `b`: the bias leaf."""
        return self._scalars().items[1]

    def forward(self, x):
        if x.__class__ is _CheckedScalars or _is_scalar_list(x):
            if len(x) != self.nin:
                raise ShapeError(f"Neuron: expected {self.nin} inputs, got {len(x)}")
            w, act = self._scalars().items
            for wi, xi in zip(w, x):  # micrograd's sum((wi*xi for ...), b): the same nodes in the same order
                act = act + wi * xi
            fn = _ACTIVATION_METHODS[self.activation]
            return act if fn is None else fn(act)
        views = self._scalars()
        weight, bias = views.weight, views.bias
        if self._row is not None:
            weight, bias = weight[self._row], bias[self._row]
        x = _as_input(x, self.nin, views.weight.dtype, "Neuron")
        act = x @ weight + bias
        fn = _ACTIVATION_METHODS[self.activation]
        return act if fn is None else fn(act)

    def parameters(self):
        if self._row is not None:  # part of a layer's arrays
            w, b = self._scalars().items
            return w + [b]
        return ElementList([self.weight, self.bias], self._scalar_list)

    def _scalar_list(self):
        w, b = self._scalars().items
        return w + [b]

    def extra_repr(self):
        return f"nin={self.nin}, activation={self.activation!r}"


class Layer(_Micrograd):
    """nout neurons reading the same nin inputs.

    Layer(nin, nout, activation='relu', nonlin=None, rng=None, dtype=float64)

    weight: (nout, nin), bias: (nout,) — the layout and initialisation of `Linear`; `neurons[j]` is micrograd's
    neuron j, whose `w` and `b` are scalar views of row j (made on first use). Input: a list of nin scalars ->
    a list of nout scalar Values (one Value when nout == 1); a tensor (..., nin) -> (..., nout).
    """

    def __init__(self, nin, nout, activation="relu", nonlin=None, rng=None, dtype=np.float64):
        self.nin, self.nout = int(nin), int(nout)
        self.activation = _activation(activation, nonlin)
        rng, dtype = init.get_rng(rng), init.resolve_dtype(dtype)
        self.weight = Parameter(init.default_weight((self.nout, self.nin), rng, dtype))
        self.bias = Parameter(init.default_bias((self.nout,), self.nin, rng, dtype))

    @property
    def neurons(self):
        """micrograd's list of the layer's neurons (made on first use, again if `weight` or `bias` is replaced)."""
        cache = self.__dict__.get("_views")
        if cache is None or cache.weight is not self.weight or cache.bias is not self.bias:
            cache = _Views(self.weight, self.bias, [Neuron._of_layer(self, j) for j in range(self.nout)])
            object.__setattr__(self, "_views", cache)
        return cache.items

    def forward(self, x):
        weight = self.weight
        if x.__class__ is Value:  # a tensor: the batch from the layer before (_as_input's test, without its call)
            shape = x.data.shape
            if not shape or shape[-1] != self.nin:
                _as_input(x, self.nin, weight.data.dtype, "Layer")  # raises
        elif x.__class__ is not np.ndarray and _is_scalar_list(x):
            if len(x) != self.nin:
                raise ShapeError(f"Layer: expected {self.nin} inputs, got {len(x)}")
            x = _CheckedScalars(x)  # checked once for all the neurons
            outs = [neuron(x) for neuron in self.neurons]
            return outs[0] if len(outs) == 1 else outs
        else:
            x = _as_input(x, self.nin, weight.data.dtype, "Layer")
        act = apply(_linear, (x, weight, self.bias))  # _linear(x, weight, bias) without the dispatch (weight: a Value)
        fn = _ACTIVATION_METHODS[self.activation]
        return act if fn is None else fn(act)

    def parameters(self):
        return ElementList([self.weight, self.bias], self._scalar_list)

    def _scalar_list(self):
        return [p for neuron in self.neurons for p in neuron._scalar_list()]

    def extra_repr(self):
        return f"nin={self.nin}, nout={self.nout}, activation={self.activation!r}"


class MLP(_Micrograd):
    """A multi-layer perceptron: Layers of sizes nin -> nouts[0] -> ... -> nouts[-1].

    MLP(nin, nouts, activation='relu', rng=None, dtype=float64)

    Hidden layers use `activation`; the last layer is linear (as in micrograd). Parameters are named
    `layers.0.weight`, `layers.0.bias`, ... Input: a list of nin scalars (scalar graph; returns a list,
    or one Value for a single output) or a tensor (..., nin) -> (..., nouts[-1]).
    """

    def __init__(self, nin, nouts, activation="relu", rng=None, dtype=np.float64):
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
            if isinstance(x, Value) and x.data.ndim == 0:
                x = [x]  # a one-output layer returned a bare Value: the next layer wants a list
        return x[0] if isinstance(x, list) and len(x) == 1 else x

    def parameters(self):
        return ElementList([a for layer in self.layers for a in (layer.weight, layer.bias)], self._scalar_list)

    def _scalar_list(self):
        return [p for layer in self.layers for p in layer._scalar_list()]

    def extra_repr(self):
        sizes = [self.layers[0].nin] + [layer.nout for layer in self.layers]
        return "sizes=" + "-".join(str(n) for n in sizes)
