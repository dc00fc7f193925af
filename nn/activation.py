"""Activation functions as modules (`ReLU()`, `Tanh()`, ...) and as functions (`relu(x)`, ...).

Each is one engine primitive, so a picture shows one node per activation. Functions accept Values
(recording a node) or arrays (computed directly).
"""

from __future__ import annotations

import autograd_core as ag

from .module import Module


def relu(x):
    """max(x, 0), elementwise; gradient 1 where x > 0, else 0."""
    return ag.relu(x)


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, negative_slope·x elsewhere."""
    return ag.leaky_relu(x, negative_slope=float(negative_slope))


def sigmoid(x):
    """1 / (1 + e⁻ˣ), computed without overflow."""
    return ag.sigmoid(x)


def tanh(x):
    return ag.tanh(x)


def softmax(x, dim=-1):
    """exp(x) / Σ exp(x) along `dim` (stable for large |x|)."""
    return ag.softmax(x, axis=dim)


def log_softmax(x, dim=-1):
    """x − logsumexp(x) along `dim`: the log of softmax without its underflow."""
    return ag.log_softmax(x, axis=dim)


class ReLU(Module):
    def forward(self, x):
        return ag.relu(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01):
        self.negative_slope = float(negative_slope)

    def forward(self, x):
        return ag.leaky_relu(x, negative_slope=self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    def forward(self, x):
        return ag.sigmoid(x)


class Tanh(Module):
    def forward(self, x):
        return ag.tanh(x)


class Softmax(Module):
    """softmax along `dim` (default: the last axis, the classes of a (batch, classes) input)."""

    def __init__(self, dim=-1):
        self.dim = int(dim)

    def forward(self, x):
        return ag.softmax(x, axis=self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log_softmax along `dim` (default: the last axis)."""

    def forward(self, x):
        return ag.log_softmax(x, axis=self.dim)


ACTIVATIONS = {"relu": relu, "tanh": tanh, "sigmoid": sigmoid, "linear": None, None: None}
