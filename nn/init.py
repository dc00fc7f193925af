"""Initialisation: seeded random arrays for weights, and the defaults every layer uses.

Every function draws from a `np.random.Generator`, so a run is reproducible bit for bit:

* `rng=None`   the module-wide generator, seeded with 0 when `nn` is imported; `manual_seed(s)` reseeds
               it. Two scripts that build the same layers in the same order get the same weights.
* `rng=<int>`  a fresh `np.random.default_rng(<int>)`.
* `rng=<Generator>` that generator (it advances).

Numbers are drawn in float64 and then cast, so a float32 model and a float64 model built from the same
seed hold the same weights up to rounding. Layers create float32 parameters unless told otherwise
(`dtype=` on the layer, or `set_default_dtype(np.float64)`), like PyTorch.

Fans follow PyTorch for a weight of shape (out, in, *kernel): fan_in = in · prod(kernel),
fan_out = out · prod(kernel).
"""

from __future__ import annotations

import math

import numpy as np

from autograd_core import no_grad
# One generator and one default dtype for factories and layers: nn.init's names are the core's functions.
from autograd_core.tensor import get_default_dtype, get_rng, manual_seed, set_default_dtype  # noqa: F401


def resolve_dtype(dtype=None):
    """`dtype` as a float np.dtype, or the default when None."""
    if dtype is None:
        return get_default_dtype()
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"parameters need a float dtype, not {dtype}")
    return dtype


# ----------------------------------------------------------------------------------------------------
# Scales.


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through `nonlinearity` (PyTorch's values).

    linear/conv/sigmoid: 1; tanh: 5/3; relu: √2; leaky_relu: √(2/(1+a²)) with a = param (0.01);
    selu: 3/4.
    """
    if nonlinearity in ("linear", "identity", "sigmoid", None) or str(nonlinearity).startswith("conv"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def fans(shape):
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel); a 1-D shape (n,) has fans (n, 1)."""
    shape = tuple(int(n) for n in shape)
    if len(shape) == 0:
        raise ValueError("fans: a scalar has no fan-in or fan-out")
    if len(shape) == 1:
        return shape[0], 1
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(shape, mode):
    fan_in, fan_out = fans(shape)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"mode must be 'fan_in' or 'fan_out', not {mode!r}")


# ----------------------------------------------------------------------------------------------------
# Arrays.


def uniform(shape, low=0.0, high=1.0, rng=None, dtype=None):
    """Array of `shape` with entries drawn from U(low, high)."""
    return get_rng(rng).uniform(low, high, size=tuple(shape)).astype(resolve_dtype(dtype), copy=False)


def normal(shape, mean=0.0, std=1.0, rng=None, dtype=None):
    """Array of `shape` with entries drawn from N(mean, std²)."""
    return get_rng(rng).normal(mean, std, size=tuple(shape)).astype(resolve_dtype(dtype), copy=False)


def zeros(shape, dtype=None):
    return np.zeros(tuple(shape), dtype=resolve_dtype(dtype))


def ones(shape, dtype=None):
    return np.ones(tuple(shape), dtype=resolve_dtype(dtype))


def xavier_uniform(shape, gain=1.0, rng=None, dtype=None):
    """Glorot & Bengio (2010): U(-b, b) with b = gain·√(6 / (fan_in + fan_out))."""
    if math.prod(shape) == 0:
        return zeros(shape, dtype)  # nothing to draw (PyTorch: a no-op); the fans may be 0
    fan_in, fan_out = fans(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(shape, -bound, bound, rng, dtype)


def xavier_normal(shape, gain=1.0, rng=None, dtype=None):
    """Glorot & Bengio (2010): N(0, std²) with std = gain·√(2 / (fan_in + fan_out))."""
    if math.prod(shape) == 0:
        return zeros(shape, dtype)  # nothing to draw (PyTorch: a no-op); the fans may be 0
    fan_in, fan_out = fans(shape)
    return normal(shape, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng, dtype)


def kaiming_uniform(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None, dtype=None):
    """He et al. (2015): U(-b, b) with b = gain·√(3 / fan), gain = calculate_gain(nonlinearity, a).

    With a = √5 (PyTorch's choice for Linear and Conv weights) b = 1/√fan_in.
    """
    if math.prod(shape) == 0:
        return zeros(shape, dtype)  # nothing to draw (PyTorch: a no-op); the fans may be 0
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / _fan(shape, mode))
    return uniform(shape, -bound, bound, rng, dtype)


def kaiming_normal(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None, dtype=None):
    """He et al. (2015): N(0, std²) with std = gain / √fan."""
    if math.prod(shape) == 0:
        return zeros(shape, dtype)  # nothing to draw (PyTorch: a no-op); the fans may be 0
    gain = calculate_gain(nonlinearity, a)
    return normal(shape, 0.0, gain / math.sqrt(_fan(shape, mode)), rng, dtype)


def default_weight(shape, rng=None, dtype=None):
    """PyTorch's default for Linear and Conv weights, kaiming_uniform(a=√5): U(-1/√fan_in, 1/√fan_in)."""
    return kaiming_uniform(shape, a=math.sqrt(5), rng=rng, dtype=dtype)


def default_bias(shape, fan_in, rng=None, dtype=None):
    """PyTorch's default for Linear and Conv biases: U(-1/√fan_in, 1/√fan_in)."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return uniform(shape, -bound, bound, rng, dtype)


# ----------------------------------------------------------------------------------------------------
# In place on a Parameter (PyTorch's trailing-underscore spelling): replace its data, keep its dtype.


def _fill(param, array):
    # In place, as PyTorch's init functions: the same array, and a version bump (autograd_core/inplace.py) so that
    # a graph recorded before the change refuses to backpropagate through the old numbers.
    with no_grad():
        param.copy_(np.reshape(array, np.shape(param.data)))
    return param


def uniform_(param, low=0.0, high=1.0, rng=None):
    return _fill(param, uniform(param.shape, low, high, rng, param.dtype))


def normal_(param, mean=0.0, std=1.0, rng=None):
    return _fill(param, normal(param.shape, mean, std, rng, param.dtype))


def zeros_(param):
    return _fill(param, np.zeros(param.shape, dtype=param.dtype))


def ones_(param):
    return _fill(param, np.ones(param.shape, dtype=param.dtype))


def constant_(param, value):
    return _fill(param, np.full(param.shape, value, dtype=param.dtype))


def xavier_uniform_(param, gain=1.0, rng=None):
    return _fill(param, xavier_uniform(param.shape, gain, rng, param.dtype))


def xavier_normal_(param, gain=1.0, rng=None):
    return _fill(param, xavier_normal(param.shape, gain, rng, param.dtype))


def kaiming_uniform_(param, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    return _fill(param, kaiming_uniform(param.shape, a, mode, nonlinearity, rng, param.dtype))


def kaiming_normal_(param, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    return _fill(param, kaiming_normal(param.shape, a, mode, nonlinearity, rng, param.dtype))
