"""Gumbel-softmax (Jang et al., 2017; Maddison et al., 2017): differentiable samples from a categorical
distribution, soft or one-hot with a straight-through gradient."""

from __future__ import annotations

import numpy as np

from autograd_core import Value
from autograd_core.ops import data_of, softmax, without_gradient
from autograd_core.errors import scalar_type_name
from autograd_core.ops.complex import complex_dtype_among

from . import init


def _gumbel_noise(x, *, rng):
    """−log E with E ~ Exponential(1), of x's shape and float dtype: standard Gumbel noise (no gradient)."""
    dtype = x.dtype if np.asarray(x).dtype.kind == "f" else np.float64
    return (-np.log(rng.standard_exponential(np.shape(x)))).astype(dtype, copy=False)


def _one_hot_argmax(y, *, axis):
    """1 at the first maximum along `axis`, 0 elsewhere (no gradient)."""
    hot = np.zeros_like(y)
    np.put_along_axis(hot, np.expand_dims(np.argmax(y, axis=axis), axis), 1, axis=axis)
    return hot


def _relaxed(logits, gumbels, tau, hard, dim):
    """softmax((logits + gumbels)/tau) along dim; with hard, its one-hot argmax carrying the soft gradient."""
    y_soft = softmax((logits + gumbels) / tau, axis=dim)
    if not hard:
        return y_soft
    if isinstance(y_soft, Value):
        y_hard = without_gradient(_one_hot_argmax, y_soft, axis=dim)
        return y_hard - y_soft.detach() + y_soft   # the value y_hard; the gradient y_soft's (straight-through)
    return _one_hot_argmax(y_soft, axis=dim)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1, *, rng=None):
    """A sample from the Gumbel-softmax distribution: softmax((logits + g)/tau) along `dim`, g standard Gumbel
    noise drawn from `rng` (nn.init's generator by default, so manual_seed repeats it). With hard=True the result
    is the one-hot of its argmax, and the gradient is the soft sample's (straight-through), as PyTorch.
    logits: (..., classes, ...) unnormalised log-probabilities; the result has their shape. eps: PyTorch's unused
    argument, accepted."""
    dtype = complex_dtype_among(logits)
    if dtype is not None:  # PyTorch draws its Gumbel noise in the logits' dtype
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {scalar_type_name(dtype)}")
    if not tau > 0:
        raise ValueError(f"gumbel_softmax: tau must be positive, got {tau}")
    generator = init.get_rng(rng)
    if isinstance(logits, Value):
        gumbels = without_gradient(_gumbel_noise, logits, rng=generator)
    else:
        gumbels = _gumbel_noise(np.asarray(data_of(logits)), rng=generator)
    return _relaxed(logits, gumbels, tau, hard, dim)
