"""Categorical(probs=None, logits=None): one of K categories (int64 indices) per batch element."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..value import Value
from . import constraints
from .distribution import Distribution
from .utils import as_float_value, constant, draw, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Categorical"]


def _categorical_draws(probs, *, shape, generator):
    """Category indices (int64) of `shape` (sample shape + probs' batch shape) for the probabilities `probs` (an
    array (..., K)): one uniform number per index, times the total, against the cumulative probabilities."""
    cdf = np.cumsum(probs.astype(np.float64), axis=-1)
    u = draw("random", shape + (1,), np.float64) * cdf[..., -1:]  # (generator None: the default one, draw's)
    # the number of categories whose cumulative probability is <= u: the drawn index
    index = (np.broadcast_to(cdf, shape + (cdf.shape[-1],)) <= u).sum(-1)
    return np.minimum(index, cdf.shape[-1] - 1).astype(np.int64)


class Categorical(Distribution):
    """Categories 0..K−1 with probabilities `probs` (..., K), normalised over the last dimension, or with
    unnormalised log-probabilities `logits` (..., K). batch_shape = probs.shape[:-1], event_shape = ()."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            probs = as_float_value(probs)
            if probs.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            logits = as_float_value(logits)
            if logits.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - ops.logsumexp(logits, axis=-1, keepdims=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = tuple(batch_shape)
        param_shape = batch_shape + (self._num_events,)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, ops.broadcast_to(self.__dict__[name], shape=param_shape))
                new._param = new.__dict__[name]
        new._num_events = self._num_events
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        # log p with p clamped into [eps, 1 − eps], as PyTorch's probs_to_logits: finite logits (a category of
        # probability 0 scores log(eps), −36.04 in float64), and no gradient through the clamped entries.
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def param_shape(self):
        return self._param.shape

    @property
    def mean(self):
        return constant(np.full(self._batch_shape, np.nan, dtype=self._param.dtype)[()])

    @property
    def mode(self):
        return constant(np.argmax(self.probs.data, axis=-1).astype(np.int64)[()])

    @property
    def variance(self):
        return constant(np.full(self._batch_shape, np.nan, dtype=self._param.dtype)[()])

    def sample(self, sample_shape=()):
        """Indices (int64) of shape sample_shape + batch_shape, by inverting the cumulative probabilities. Drawn
        through ops.sampling.sample, with the probabilities as its input: a compiled step draws anew at each
        replay, from the probabilities of that call."""
        return ops.sampling.sample(_categorical_draws, self.probs, shape=self._extended_shape(sample_shape),
                                   generator=None)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        # A Value's indices by operations (a compiled step reads those it draws at each replay), anything else as data
        index = value if isinstance(value, Value) else constant(np.asarray(value))
        if index.dtype != np.int64:
            index = index.astype(np.int64)
        shape = np.broadcast_shapes(index.shape, self._batch_shape)
        logits = ops.broadcast_to(self.logits, shape=shape + (self._num_events,))
        if index.shape != shape:
            index = ops.broadcast_to(index, shape=shape)
        return logits.gather(-1, index[..., None]).squeeze(-1)

    def entropy(self):
        min_real = float(np.finfo(self.logits.dtype).min)
        logits = self.logits.clamp(min=min_real)  # 0·log 0 counts as 0, not nan
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = np.arange(self._num_events, dtype=np.int64).reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = np.broadcast_to(values, (self._num_events,) + self._batch_shape)
        return constant(np.array(values))


class OverCategorical:
    """For a distribution over K categories given by a Categorical of the same probs or logits (`_categorical`:
    OneHotCategorical, RelaxedOneHotCategorical): that Categorical's probs and logits."""

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits
