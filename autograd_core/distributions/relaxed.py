"""RelaxedBernoulli and RelaxedOneHotCategorical: the Concrete / Gumbel-softmax relaxations, reparameterizable.

A relaxed sample is a smooth function of the parameters and of logistic (Gumbel) noise, so `rsample` carries
gradients; as temperature → 0 the samples approach the discrete ones. Their rounding is exact at any temperature:
P(sample > 1/2) = probs for RelaxedBernoulli, and argmax of a RelaxedOneHotCategorical sample is distributed as
Categorical(probs).
"""

from __future__ import annotations

import numpy as np

from .. import ops
from . import constraints
from .categorical import Categorical, OverCategorical
from .distribution import Distribution
from .special import lgamma, softplus
from .utils import (
    BinaryParameter, as_float_value, broadcast_all, clamp_into_open_unit, clamp_probs, constant, draw, eps,
)

__all__ = ["RelaxedBernoulli", "RelaxedOneHotCategorical"]


def _open_uniform(shape, dtype):
    """Uniform noise clamped into [eps, 1 − eps], as PyTorch's clamp_probs(rand(...)): logs stay finite."""
    return np.clip(draw("random", shape, dtype), eps(dtype), 1 - eps(dtype))


def _check_temperature(dist):
    """ValueError unless the temperature is positive, when validating. PyTorch leaves it unchecked (it is not in
    arg_constraints there, nor here); a temperature <= 0 divides by zero or turns the samples around."""
    if dist._validate_args and not np.all(dist.temperature.data > 0):
        raise ValueError(f"Expected parameter temperature to satisfy the constraint {constraints.positive!r}, "
                         f"but found invalid values:\n{dist.temperature}")


class RelaxedBernoulli(BinaryParameter, Distribution):
    """Values in (0, 1): sigmoid((logits + L) / temperature), L standard logistic noise. Give probs or logits;
    temperature (positive) broadcasts with them to batch_shape."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        (self.temperature,) = self._set_binary_parameter(probs, logits, temperature)
        super().__init__(self._param.shape, validate_args=validate_args)
        _check_temperature(self)

    def expand(self, batch_shape, _instance=None):
        return self._expand_binary(RelaxedBernoulli, batch_shape, _instance, others=("temperature",))

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = _open_uniform(shape, self._param.dtype)
        probs = clamp_probs(self.probs)
        # logistic noise log u − log(1 − u), plus the logits log p − log(1 − p)
        x = (constant(np.log(u) - np.log1p(-u)) + probs.log() - (-probs).log1p()) / self.temperature
        return clamp_into_open_unit(ops.sigmoid(x))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = clamp_into_open_unit(as_float_value(value, self._param.dtype))
        x = y.log() - (-y).log1p()                          # logit(y)
        logits, x = broadcast_all(self.logits, x)
        diff = logits - x * self.temperature
        base = self.temperature.log() + diff - 2 * softplus(diff)  # the density of the logit x
        return base + softplus(-x) + softplus(x)                   # − log |dy/dx|, dy/dx = σ(x)(1 − σ(x))


class RelaxedOneHotCategorical(OverCategorical, Distribution):
    """Points of the simplex: softmax((logits + G) / temperature), G i.i.d. Gumbel noise. probs or logits
    (..., K): batch_shape (...), event_shape (K,); temperature a positive number or 0-d Value (as in PyTorch,
    a Value is broadcast against the (..., K) scores, not against the batch)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        self.temperature = as_float_value(temperature, self._categorical._param.dtype)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)
        _check_temperature(self)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        batch_shape = tuple(batch_shape)
        new.temperature = self.temperature
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _log_rsample(self, sample_shape):
        shape = self._extended_shape(sample_shape)
        u = _open_uniform(shape, self._categorical._param.dtype)
        gumbels = constant(-np.log(-np.log(u)))
        scores = (self.logits + gumbels) / self.temperature
        return scores - ops.logsumexp(scores, axis=-1, keepdims=True)

    def rsample(self, sample_shape=()):
        return self._log_rsample(sample_shape).exp()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        k = self.event_shape[0]
        t = self.temperature
        log_y = as_float_value(value, self._categorical._param.dtype).log()
        # the density of log y (ExpRelaxedCategorical), then − log |dy/d log y| = − Σ log y
        log_scale = float(lgamma(np.array(float(k)))) + (k - 1) * t.log()
        score = self.logits - log_y * t
        score = (score - ops.logsumexp(score, axis=-1, keepdims=True)).sum(-1)
        return score + log_scale - log_y.sum(-1)
