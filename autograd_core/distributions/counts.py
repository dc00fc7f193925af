"""Count distributions: Geometric (failures before the first success), NegativeBinomial (as PyTorch: successes
of probability probs before total_count failures) and Multinomial (counts of K categories in total_count draws).
Samples are floats, as PyTorch's."""

from __future__ import annotations

import numbers

import numpy as np

from .. import ops
from ..modes import no_grad
from . import constraints
from .categorical import Categorical, OverCategorical
from .discrete import Binomial
from .distribution import Distribution
from .gamma import Gamma
from .special import lgamma, softplus
from .utils import BinaryParameter, as_float_value, broadcast_all, constant, full_like, sampled_from, uniform_open

__all__ = ["Geometric", "Multinomial", "NegativeBinomial"]


def _logsigmoid(x):
    return -softplus(-x)



def _geometric_draws(probs, *, shape, generator):
    """The failures before the first success, floor(log u / log(1 − p)) of a uniform u in (0, 1), in probs' dtype."""
    u = uniform_open(shape, probs.dtype)  # (generator None: the default one, which uniform_open draws from)
    with np.errstate(divide="ignore"):
        return np.floor(np.log(u) / np.log1p(-probs)).astype(probs.dtype)

class Geometric(BinaryParameter, Distribution):
    """P(k) = (1 − p)ᵏ p for k = 0, 1, ...: the number of failures before the first success of probability
    p = probs = sigmoid(logits) (give one of the two)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._set_binary_parameter(probs, logits)
        super().__init__(self._param.shape, validate_args=validate_args)
        if self._validate_args and probs is not None and not np.all(self.probs.data > 0):
            raise ValueError(f"Expected parameter probs ({type(self.probs).__name__} of shape "
                             f"{tuple(self.probs.shape)}) of distribution {self!r} to be positive but found invalid "
                             f"values:\n{self.probs.data[~(self.probs.data > 0)]}")

    def expand(self, batch_shape, _instance=None):
        return self._expand_binary(Geometric, batch_shape, _instance)

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return full_like(self.probs, 0)

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)  # (drawn through ops.sampling.sample: a compiled step draws anew)
        return ops.sampling.sample(_geometric_draws, self.probs, shape=shape, generator=None)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(as_float_value(value, self._param.dtype), self.probs)
        # p = 1 and k = 0: 0 · log 0 counts as 0
        certain = (probs.data == 1) & (value.data == 0)
        if certain.any():
            probs = ops.where(certain, constant(np.array(0, dtype=probs.dtype)), probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        # binary cross-entropy of probs against its own logits, divided by probs
        bce = softplus(self.logits) - self.probs * self.logits
        return bce / self.probs


class NegativeBinomial(BinaryParameter, Distribution):
    """P(k) = C(k + r − 1, k) (1 − p)^r p^k for k = 0, 1, ...: successes (probability p = probs =
    sigmoid(logits)) before r = total_count failures; total_count >= 0 need not be an integer."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0), "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        (total_count,) = self._set_binary_parameter(probs, logits, total_count)
        self.total_count = total_count.astype(self._param.dtype)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_binary(NegativeBinomial, batch_shape, _instance, others=("total_count",))

    @property
    def mean(self):
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        return constant(np.maximum(np.floor((self.total_count.data - 1) * np.exp(self.logits.data)), 0.0))

    @property
    def variance(self):
        return self.mean / ops.sigmoid(-self.logits)

    def sample(self, sample_shape=()):
        """A Poisson count of a Gamma(total_count, exp(−logits)) rate (the gamma–Poisson mixture)."""
        with no_grad():
            rate = Gamma(self.total_count, (-self.logits).exp(), validate_args=False).sample(sample_shape)
        return sampled_from("poisson", rate.shape, rate.dtype, rate)  # (a compiled step draws both anew)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = as_float_value(value, self._param.dtype)
        r = self.total_count
        log_unnormalized = r * _logsigmoid(-self.logits) + value * _logsigmoid(self.logits)
        log_normalization = -lgamma(r + value) + lgamma(1.0 + value) + lgamma(r)
        # r + k = 0: the probability of k = 0 is 1 (lgamma(0) would be inf)
        zero = np.broadcast_to((r.data + np.asarray(value.data)) == 0, log_normalization.shape)
        if zero.any():
            log_normalization = ops.where(zero, constant(np.array(0, dtype=log_normalization.dtype)),
                                          log_normalization)
        return log_unnormalized - log_normalization


class Multinomial(OverCategorical, Distribution):
    """Counts (..., K) of K categories in total_count independent draws of Categorical(probs or logits);
    batch_shape = probs.shape[:-1], event_shape = (K,). total_count is one int for the whole batch (as
    PyTorch); log_prob accepts any counts (their sum is the number of draws)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, numbers.Integral):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = int(total_count)
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=self.total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = tuple(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = Binomial(total_count=self.total_count, probs=new.probs)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        # The categorical draws (recorded: a compiled step draws anew), counted by recorded operations (sums of
        # ones and zeros: exact, the numbers of the one-hot rows summed)
        draws = self._categorical.sample((self.total_count,) + tuple(sample_shape))
        k = self.event_shape[0]
        counts = (draws.unsqueeze(-1) == constant(np.arange(k))).astype(self._categorical._param.dtype).sum(0)
        return counts.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, as_float_value(value, self._categorical._param.dtype))
        # a category of probability 0 that was not drawn: 0 · log 0 counts as 0
        impossible = (value.data == 0) & (logits.data == -np.inf)
        if impossible.any():
            logits = ops.where(impossible, constant(np.array(0, dtype=logits.dtype)), logits)
        log_factorial_n = lgamma(value.sum(-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(-1)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    def entropy(self):
        n = float(self.total_count)
        term1 = n * self._categorical.entropy() - float(lgamma(np.array(n + 1)))
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = lgamma(support + 1)
        return term1 + (binomial_probs * weights).sum((0, -1))

