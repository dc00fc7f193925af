"""Bernoulli(probs=None, logits=None): one coin flip per batch element, values 0. or 1. (floats, as PyTorch)."""

from __future__ import annotations


import numpy as np

from . import constraints
from .exp_family import ExponentialFamily
from .special import softplus
from .. import ops
from .utils import BinaryParameter, broadcast_all, draw, constant

__all__ = ["Bernoulli"]



def _bernoulli_draws(probs, *, shape, generator):
    """1 where a uniform number is below the probability, else 0, in the probabilities' dtype."""
    p = np.broadcast_to(probs, shape)
    return (draw("random", shape, np.float64) < p).astype(p.dtype)  # (generator None: the default one, draw's)

class Bernoulli(BinaryParameter, ExponentialFamily):
    """P(1) = probs = sigmoid(logits): give exactly one of the two (batch_shape = its shape)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._set_binary_parameter(probs, logits)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_binary(Bernoulli, batch_shape, _instance)

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        p = self.probs.data
        mode = (p >= 0.5).astype(p.dtype)
        return constant(np.where(p == 0.5, np.nan, mode).astype(p.dtype)[()])

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)  # (drawn through ops.sampling.sample: a compiled step draws anew)
        return ops.sampling.sample(_bernoulli_draws, self.probs, shape=shape, generator=None)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        # −BCE-with-logits: value·logits − log(1 + exp(logits)), exact for large |logits|.
        return value * logits - softplus(logits)

    def entropy(self):
        return softplus(self.logits) - self.probs * self.logits

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        return softplus(x)

    def enumerate_support(self, expand=True):
        values = np.arange(2, dtype=self._param.dtype).reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = np.broadcast_to(values, (2,) + self._batch_shape)
        return constant(np.array(values))
