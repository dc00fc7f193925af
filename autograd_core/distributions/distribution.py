"""`Distribution`, the base class: PyTorch's shapes, sampling, validation and repr."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..modes import no_grad
from ..value import Value
from . import constraints
from .utils import lazy_property

__all__ = ["Distribution"]


def _size(shape):
    if isinstance(shape, Value):
        shape = shape.data.tolist()
    return tuple(int(n) for n in (shape if isinstance(shape, (tuple, list)) else (shape,)))


class Distribution:
    """A (batch of) probability distribution(s), as `torch.distributions.Distribution`.

    batch_shape: the shape of independent, differently parametrised distributions.
    event_shape: the shape of one sample of one distribution (() for scalar distributions).
    A sample of `sample(sample_shape)` has shape sample_shape + batch_shape + event_shape; `log_prob(value)` has
    shape broadcast(value.shape[:-len(event_shape)], batch_shape).

    validate_args: check the parameters against `arg_constraints` now, and values against `support` in
    `log_prob` and `cdf`, raising ValueError (on by default, as PyTorch's default under `python` without -O;
    change the default with `Distribution.set_default_validate_args`).
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__
    arg_constraints: dict = {}
    support = None

    @staticmethod
    def set_default_validate_args(value):
        """Turn validation on or off for distributions made from now on without `validate_args=`."""
        if value not in (True, False):
            raise ValueError("set_default_validate_args: value must be True or False")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = _size(batch_shape)
        self._event_shape = _size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if isinstance(constraint, constraints._Dependent):
                    continue  # checked against other parameters, if at all, by the subclass
                if param not in self.__dict__ and isinstance(getattr(type(self), param, None), lazy_property):
                    continue  # the parameter was not given (probs when logits were): nothing to check
                value = getattr(self, param)
                if not np.all(constraint._check(np.asarray(value.data if isinstance(value, Value) else value))):
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape {tuple(np.shape(value))}) "
                        f"of distribution {self!r} to satisfy the constraint {constraint!r}, "
                        f"but found invalid values:\n{value}")

    @property
    def batch_shape(self):
        """The shape over which parameters are batched: independent distributions side by side (a tuple)."""
        return self._batch_shape

    @property
    def event_shape(self):
        """The shape of one sample of a single distribution, () for a scalar one (a tuple)."""
        return self._event_shape

    def expand(self, batch_shape, _instance=None):
        """A view of this distribution with a larger batch_shape (parameters broadcast, differentiably)."""
        raise NotImplementedError(f"{type(self).__name__}.expand")

    @property
    def mean(self):
        """The mean, shape batch_shape + event_shape (NotImplementedError where the family has none)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self):
        """The most likely value, shape batch_shape + event_shape."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self):
        """The variance, shape batch_shape + event_shape."""
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self):
        """The standard deviation, sqrt(variance)."""
        return self.variance.sqrt()

    def sample(self, sample_shape=()):
        """A sample of shape sample_shape + batch_shape + event_shape, without gradient."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        """A reparameterized sample: gradients flow back to the parameters (only when has_rsample)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement rsample")

    def sample_n(self, n):
        """n samples, shape (n,) + batch_shape + event_shape: sample((n,)) (deprecated in PyTorch)."""
        return self.sample((n,))

    def log_prob(self, value):
        """log p(value), differentiable; the shape is value's without its trailing event_shape dims."""
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value):
        """P(X <= value), elementwise over the batch."""
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value):
        """The inverse of cdf: the value x with P(X <= x) = value (a probability)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def enumerate_support(self, expand=True):
        """All values of a discrete distribution, stacked along a new first dim (expand: to batch_shape too)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement enumerate_support")

    def entropy(self):
        """The entropy in nats, shape batch_shape."""
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self):
        """exp(entropy()), shape batch_shape."""
        return self.entropy().exp()

    def _extended_shape(self, sample_shape=()):
        """sample_shape + batch_shape + event_shape."""
        return _size(sample_shape) + self._batch_shape + self._event_shape

    def _validate_sample(self, value):
        """ValueError unless `value` is a Value whose shape fits the event and batch shapes and which lies in
        the support."""
        if not isinstance(value, Value):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_dim_start = len(value.shape) - len(self._event_shape)
        if value.shape[event_dim_start:] != self._event_shape:
            raise ValueError(f"The right-most size of value must match event_shape: {tuple(value.shape)} vs "
                             f"{self._event_shape}.")
        actual_shape = value.shape
        expected_shape = self._batch_shape + self._event_shape
        for i, j in zip(reversed(actual_shape), reversed(expected_shape)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {tuple(actual_shape)} "
                                 f"vs {expected_shape}.")
        support = self.support
        if support is None:
            return
        if not np.all(support._check(np.asarray(value.data))):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to be within the "
                f"support ({support!r}) of the distribution {self!r}, but found invalid values:\n{value}")

    def _expand_parameters(self, cls, batch_shape, names, _instance=None):
        """`expand` for a distribution with scalar events whose parameters `names` all have its batch_shape: a new
        `cls` (see _get_checked_instance) holding them broadcast, differentiably, to `batch_shape`."""
        new = self._get_checked_instance(cls, _instance)
        batch_shape = tuple(batch_shape)
        for name in names:
            setattr(new, name, ops.broadcast_to(getattr(self, name), shape=batch_shape))
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _get_checked_instance(self, cls, _instance=None):
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(f"Subclass {type(self).__name__} of {cls.__name__} that defines a custom "
                                      "__init__ method must also define a custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    def __repr__(self):
        names = [k for k in self.arg_constraints if k in self.__dict__]
        parts = []
        for name in names:
            v = self.__dict__[name]
            shown = v.item() if isinstance(v, Value) and v.data.size == 1 else tuple(np.shape(v))
            parts.append(f"{name}: {shown}")
        return f"{type(self).__name__}({', '.join(parts)})"
