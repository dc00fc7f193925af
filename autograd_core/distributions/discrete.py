"""OneHotCategorical (one-hot vectors) and Binomial (counts of successes in total_count trials)."""

from __future__ import annotations

import numpy as np

from . import constraints
from .categorical import Categorical, OverCategorical
from .distribution import Distribution
from .special import lgamma, softplus
from .utils import BinaryParameter, as_float_value, constant, sampled_from

__all__ = ["Binomial", "OneHotCategorical", "OneHotCategoricalStraightThrough"]


class OneHotCategorical(OverCategorical, Distribution):
    """A Categorical whose samples are one-hot vectors: probs or logits (..., K), batch_shape (...),
    event_shape (K,). Samples have the parameters' float dtype."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(OneHotCategorical, _instance)
        batch_shape = tuple(batch_shape)
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def mean(self):
        return self._categorical.probs

    @property
    def mode(self):
        probs = self._categorical.probs.data
        return constant(np.eye(probs.shape[-1], dtype=probs.dtype)[np.argmax(probs, -1)])

    @property
    def variance(self):
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape=()):
        # The categorical draw (a recorded operation: a compiled step draws anew), one-hot by recorded operations
        index = self._categorical.sample(sample_shape)
        k = self.event_shape[0]
        return (index.unsqueeze(-1) == constant(np.arange(k))).astype(self._categorical._param.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        index = np.argmax(np.asarray(value.data), -1)
        return self._categorical.log_prob(constant(index.astype(np.int64)))

    def entropy(self):
        return self._categorical.entropy()

    def enumerate_support(self, expand=True):
        k = self.event_shape[0]
        values = np.eye(k, dtype=self._categorical._param.dtype).reshape((k,) + (1,) * len(self.batch_shape) + (k,))
        if expand:
            values = np.broadcast_to(values, (k,) + self.batch_shape + (k,))
        return constant(np.array(values))


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """OneHotCategorical with the straight-through gradient (Bengio et al., 2013): rsample's value is a one-hot
    sample, its gradient that of probs (sample + probs − probs.detach())."""

    has_rsample = True

    def rsample(self, sample_shape=()):
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())


class Binomial(BinaryParameter, Distribution):
    """The number of successes in total_count independent trials of probability probs = sigmoid(logits):
    give probs or logits; total_count (a number or Value of counts) broadcasts with it to batch_shape.
    Samples are floats, as PyTorch's."""

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        (total_count,) = self._set_binary_parameter(probs, logits, total_count)
        # differentiable, as PyTorch's: log_prob's lgamma(total_count + 1) − ... has a gradient w.r.t. it
        self.total_count = total_count.astype(self._param.dtype)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_binary(Binomial, batch_shape, _instance, others=("total_count",))

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        n = self.total_count.data
        return constant(np.minimum(np.floor((n + 1) * self.probs.data), n))

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)  # (a compiled step draws anew: utils.sampled_from)
        return sampled_from("binomial", shape, self._param.dtype, self.total_count, self.probs, counts=(0,))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        n = self.total_count
        value = as_float_value(value, self._param.dtype)
        log_binomial = lgamma(n + 1) - lgamma(value + 1) - lgamma(n - value + 1)
        # k·logits − n·log(1 + exp(logits)) = k log p + (n − k) log(1 − p), stable for large |logits|
        return log_binomial + value * self.logits - n * softplus(self.logits)

    def entropy(self):
        """−Σₖ P(k) log P(k) over k = 0..total_count (all total_counts must be equal, as in PyTorch)."""
        n = np.unique(self.total_count.data)
        if n.size > 1:
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(expand=False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        n = int(np.max(self.total_count.data, initial=0))
        if not np.all(self.total_count.data == n):
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        values = np.arange(n + 1, dtype=self._param.dtype).reshape((-1,) + (1,) * len(self.batch_shape))
        if expand:
            values = np.broadcast_to(values, (n + 1,) + self.batch_shape)
        return constant(np.array(values))

