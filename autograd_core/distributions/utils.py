"""Helpers shared by the distributions: PyTorch's broadcast_all, probs/logits conversions, lazy properties and
the random draws (from the core's generator, so `autograd_core.manual_seed` repeats samples)."""

from __future__ import annotations

import numbers

import numpy as np

from .. import ops
from ..dtypes import DEFAULTS
from ..generator import get_rng
from ..value import Value

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]


def as_float_value(x, dtype=None):
    """x as a Value: Values are kept, numbers and arrays take `dtype` (the default float dtype if None)."""
    if isinstance(x, Value):
        return x
    arr = np.asarray(x)
    if dtype is None:
        dtype = arr.dtype if arr.dtype.kind == "f" and isinstance(x, np.ndarray) else DEFAULTS["dtype"]
    return constant(arr.astype(dtype))


def broadcast_all(*values):
    """The values broadcast to one shape, as Values: Python numbers take the float dtype of the first Value
    among them (the default float dtype when there is none). Broadcasting is differentiable."""
    dtype = next((v.dtype for v in values if isinstance(v, Value) and v.dtype.kind == "f"), None)
    for v in values:
        if not isinstance(v, (Value, numbers.Number, np.ndarray, np.generic)):
            raise ValueError(f"Input arguments must all be instances of numbers.Number or Tensor, not {type(v)}")
    values = [as_float_value(v, dtype) for v in values]
    shape = np.broadcast_shapes(*(v.shape for v in values))
    return tuple(v if v.shape == shape else ops.broadcast_to(v, shape=shape) for v in values)


def tiny(dtype):
    return np.finfo(np.dtype(dtype)).tiny


def eps(dtype):
    return np.finfo(np.dtype(dtype)).eps


def clamp_into_open_unit(x):
    """x clamped into [tiny, 1 − eps], the floats of x's dtype strictly inside (0, 1) (as PyTorch's clipped
    sigmoid): their log and log1p(−x), hence their logit, stay finite."""
    return x.clamp(min=float(tiny(x.dtype)), max=float(1 - eps(x.dtype)))


def clamp_probs(probs):
    """Probabilities moved into [eps, 1 - eps] (so that their logits are finite)."""
    e = float(eps(probs.dtype))
    return probs.clamp(min=e, max=1 - e)


def logits_to_probs(logits, is_binary=False):
    """Binary: sigmoid(logits); otherwise softmax over the last dimension."""
    return ops.sigmoid(logits) if is_binary else ops.softmax(logits, axis=-1)


def probs_to_logits(probs, is_binary=False):
    """Binary: log p − log(1 − p); otherwise log p (probabilities clamped away from 0 and 1 first)."""
    p = clamp_probs(probs)
    return ops.log(p) - (p * -1).log1p() if is_binary else ops.log(p)


class lazy_property:  # noqa: N801  (PyTorch's name)
    """Computed on first access and then stored on the instance (probs from logits, and back)."""

    def __init__(self, fn):
        self.wrapped = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        instance.__dict__[self.wrapped.__name__] = value
        return value


class BinaryParameter:
    """For a distribution of a binary event given by `probs` or by `logits` (the one given is an attribute, and
    `_param`): storing the one given, the other one computed on first use, the parameter's shape, and `expand`."""

    def _set_binary_parameter(self, probs, logits, *others):
        """Store whichever of probs and logits is given (ValueError unless exactly one is), broadcast together with
        `others` (total_count, temperature), as that attribute and as `_param`; return the broadcast `others`."""
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name, given = ("probs", probs) if probs is not None else ("logits", logits)
        param, *others = broadcast_all(given, *others)
        setattr(self, name, param)
        self._param = param
        return others

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        return self._param.shape

    def _expand_binary(self, cls, batch_shape, _instance=None, others=()):
        """`expand`: a new `cls` with this one's probs and logits (as far as known) and `others` broadcast."""
        known = [name for name in ("probs", "logits") if name in self.__dict__]
        new = self._expand_parameters(cls, batch_shape, (*others, *known), _instance)
        new._param = new.__dict__[known[-1]]
        return new


def draw(method, shape, dtype, *args):
    """Numbers from the core's NumPy generator (`get_rng().method(*args, size=shape)`), cast to `dtype`."""
    return np.asarray(getattr(get_rng(), method)(*args, size=shape)).astype(dtype)


def sampled(method, shape, dtype):
    """draw(method, shape, dtype) as a Value without gradient, drawn through ops.sampling.sample: a compiled step
    that samples (a VAE's `Normal(mu, std).rsample()`) draws anew at each replay, as it does with torch.randn."""
    return ops.sampling.sample(_sampled_numbers, method=method, shape=tuple(shape), dtype=np.dtype(dtype),
                               generator=None)


def _sampled_numbers(*, method, shape, dtype, generator):
    return draw(method, shape, dtype)  # (generator None: the default one, which `draw` draws from)


def sampled_from(method, shape, dtype, *inputs, counts=()):
    """draw(method, shape, dtype, *arrays) of the inputs' data (Values: a Poisson's rate, a Binomial's counts and
    probabilities), each broadcast to `shape` (those at the positions `counts` as int64), as a Value without gradient,
    drawn through ops.sampling.sample with the inputs as its inputs: a compiled step draws anew at each replay, from
    that call's parameters, the numbers eager mode draws."""
    return ops.sampling.sample(_drawn_from, *inputs, method=method, shape=tuple(shape), dtype=np.dtype(dtype),
                               counts=tuple(counts), generator=None)


def _drawn_from(*arrays, method, shape, dtype, counts, generator):
    arrays = [np.broadcast_to(a, shape).astype(np.int64) if i in counts else np.broadcast_to(a, shape)
              for i, a in enumerate(arrays)]
    return draw(method, shape, dtype, *arrays)  # (generator None: the default one, which `draw` draws from)


def uniform_open(shape, dtype):
    """Uniform numbers in (0, 1): 0 is replaced by the smallest positive number, so that log(u) is finite."""
    u = draw("random", shape, dtype)
    return np.maximum(u, tiny(dtype))


def full_like(like, number):
    """A constant Value of like's shape and dtype, every entry `number` (a mean that is nan, a mode that is 0)."""
    return constant(np.full(like.shape, number, dtype=like.dtype))


def constant(data):
    """A Value holding `data` with its own dtype (ints stay ints, bools bools), requiring no gradient."""
    data = np.asarray(data)
    return Value(data[()] if data.ndim == 0 else data, requires_grad=False, dtype=data.dtype)


def xlogy(x, y):
    """x · log(y), with 0 where x == 0 and y is not NaN (as torch.xlogy: 0 · log 0, 0 · log ∞ and 0 · log(−1) are
    0), and finite gradients there.

    y is replaced by 1 at those points before the log (where y is not a positive finite number), so that
    neither the value nor the gradient meets 0 · ∞; elsewhere the gradient w.r.t. x is log(y), also where
    x == 0."""
    xd = np.asarray(x.data if isinstance(x, Value) else x)
    yd = np.asarray(y.data if isinstance(y, Value) else y)
    with np.errstate(invalid="ignore"):
        zero = (xd == 0) & ~np.isnan(yd) & ~((yd > 0) & np.isfinite(yd))
    if np.any(zero):
        y = ops.where(zero, constant(np.array(1, dtype=_float_dtype(x, y))), y)
    return x * ops.log(y)


def _float_dtype(*xs):
    return next((v.dtype for v in xs if isinstance(v, Value) and v.dtype.kind == "f"), DEFAULTS["dtype"])
