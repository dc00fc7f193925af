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
import warnings

import numpy as np

import autograd_core as ag
from autograd_core import ShapeError
from autograd_core import no_grad
from autograd_core.python_numbers import complex_values_exist
# One generator and one default dtype for factories and layers: nn.init's names are the core's functions.
from autograd_core.dtypes import get_default_dtype, set_default_dtype  # noqa: F401
from autograd_core.generator import get_rng, manual_seed  # noqa: F401


def resolve_dtype(dtype=None):
    """`dtype` as a float or complex np.dtype (PyTorch's layers take `dtype=torch.cfloat`), or the default when None."""
    if dtype is None:
        return get_default_dtype()
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":
        raise TypeError(f"parameters need a float or complex dtype, not {dtype}")
    if dtype.kind == "c":
        complex_values_exist()
    return dtype


def _draws(draw, shape, dtype):
    """draw(size) as an array of `shape` and `dtype`; for a complex dtype, as PyTorch's uniform_ and normal_ fill a
    complex tensor: its real and imaginary parts drawn alike, each a number of its own (its view_as_real)."""
    dtype = resolve_dtype(dtype)
    shape = tuple(shape)
    if dtype.kind != "c":
        return draw(shape).astype(dtype, copy=False)
    pairs = draw(shape + (2,))
    return (pairs[..., 0] + 1j * pairs[..., 1]).astype(dtype, copy=False)


# ----------------------------------------------------------------------------------------------------
# Scales.


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through `nonlinearity` (PyTorch's values).

    linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid: 1; tanh: 5/3; relu: √2; leaky_relu: √(2/(1+a²)) with
    a = param (0.01; an int or a float, not a bool); selu: 3/4. Any other name is a ValueError, as in PyTorch.
    """
    if nonlinearity in _LINEAR_GAINS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


_LINEAR_GAINS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                 "sigmoid")


def fans(shape):
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel); a 1-D shape (n,) has fans (n, 1)."""
    shape = tuple(int(n) for n in shape)
    if len(shape) == 0:
        raise ShapeError("fans: a scalar has no fan-in or fan-out")
    if len(shape) == 1:
        return shape[0], 1
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _calculate_fan_in_and_fan_out(tensor):
    """PyTorch's (fan_in, fan_out) of a weight (out, in, *kernel); fewer than 2 dims is a ValueError, as
    PyTorch's (`fans` reads a 1-D shape (n,) as (n, 1) for the internal initialisers)."""
    _two_dims(tensor)
    return fans(np.shape(tensor))


def _two_dims(tensor):
    if len(np.shape(tensor)) < 2:
        raise ShapeError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")


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
    """Array of `shape` with entries drawn from U(low, high) (low > high: a ValueError, PyTorch's RuntimeError)."""
    if not low <= high:
        raise ValueError(f"uniform_: expects a range [from, to) with from <= to, got from={low} > to={high}")
    generator = get_rng(rng)
    return _draws(lambda size: generator.uniform(low, high, size=size), shape, dtype)


def normal(shape, mean=0.0, std=1.0, rng=None, dtype=None):
    """Array of `shape` with entries drawn from N(mean, std²) (std >= 0: else a ValueError, PyTorch's RuntimeError).
    A complex dtype draws PyTorch's complex normal: real and imaginary parts each N(mean, std²/2)."""
    if not std >= 0:
        raise ValueError(f"normal_: expects std >= 0.0, got std={std}")
    generator = get_rng(rng)
    if resolve_dtype(dtype).kind == "c":
        std = std / math.sqrt(2)  # E|z − mean|² = std², shared by the two parts
    return _draws(lambda size: generator.normal(mean, std, size=size), shape, dtype)


def zeros(shape, dtype=None):
    """NumPy array of `shape` filled with 0 (dtype: the default float dtype unless given)."""
    return np.zeros(tuple(shape), dtype=resolve_dtype(dtype))


def ones(shape, dtype=None):
    """NumPy array of `shape` filled with 1 (dtype: the default float dtype unless given)."""
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
    # In place, as PyTorch's init functions: the same array, and a version bump (autograd_core/version_counter.py) so
    # that a graph recorded before the change refuses to backpropagate through the old numbers. A parameter's array
    # (PyTorch's `nn.init.normal_(m.weight.data, 0.0, 0.02)`, DCGAN's initialisation) is written as it is, with no bump:
    # as PyTorch's `.data`, it is outside the graph.
    if isinstance(param, np.ndarray):
        np.copyto(param, np.reshape(array, param.shape), casting="same_kind")
        return param
    with no_grad():
        param.copy_(np.reshape(array, np.shape(param.data)))
    return param


# The in-place initialisers take PyTorch's arguments in PyTorch's order: (tensor, ..., generator=None).
# `generator` is PyTorch's name for the source of randomness (an autograd_core.Generator, a NumPy Generator, a seed
# or None); `rng=` (this module's name) is taken as well, keyword-only.


def _no_elements(tensor):
    """True (with PyTorch's warning, which its kaiming initialisers give) when `tensor` has no elements."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def _source(generator, rng):
    if generator is not None and rng is not None:
        raise TypeError("pass generator= or rng=, not both")
    return get_rng(rng if generator is None else generator)


def uniform_(tensor, a=0.0, b=1.0, generator=None, *, rng=None):
    """Fill a parameter in place with U(a, b). Returns it."""
    _integers_refused(tensor, _UNIFORM_KERNEL)
    return _fill(tensor, uniform(tensor.shape, a, b, _source(generator, rng), tensor.dtype))


def normal_(tensor, mean=0.0, std=1.0, generator=None, *, rng=None):
    """Fill a parameter in place with N(mean, std²). Returns it."""
    if _integers_refused(tensor, _NORMAL_KERNEL, empty_is_no_op=True):
        return tensor
    return _fill(tensor, normal(tensor.shape, mean, std, _source(generator, rng), tensor.dtype))


def zeros_(tensor):
    """Fill tensor with 0 in place (without recording a gradient) and return it."""
    return _fill(tensor, np.zeros(tensor.shape, dtype=tensor.dtype))


def ones_(tensor):
    """Fill tensor with 1 in place (without recording a gradient) and return it."""
    return _fill(tensor, np.ones(tensor.shape, dtype=tensor.dtype))


def constant_(tensor, val):
    """Fill a parameter in place with the value val. Returns it."""
    return _fill(tensor, np.full(tensor.shape, val, dtype=tensor.dtype))


def xavier_uniform_(tensor, gain=1.0, generator=None, *, rng=None):
    """Fill a parameter in place with U(−a, a), a = gain·√(6 / (fan_in + fan_out)). Returns it."""
    _two_dims(tensor)
    _integers_refused(tensor, _UNIFORM_KERNEL)
    return _fill(tensor, xavier_uniform(tensor.shape, gain, _source(generator, rng), tensor.dtype))


def xavier_normal_(tensor, gain=1.0, generator=None, *, rng=None):
    """Fill a parameter in place with N(0, std²), std = gain·√(2 / (fan_in + fan_out)). Returns it."""
    _two_dims(tensor)
    if _integers_refused(tensor, _NORMAL_KERNEL, empty_is_no_op=True):
        return tensor
    return _fill(tensor, xavier_normal(tensor.shape, gain, _source(generator, rng), tensor.dtype))


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None, *, rng=None):
    """Fill a parameter in place with U(−b, b), b = gain·√(3 / fan) (He et al., 2015). Returns it."""
    _two_dims(tensor)
    if _no_elements(tensor):
        return tensor
    _integers_refused(tensor, _UNIFORM_KERNEL)
    return _fill(tensor, kaiming_uniform(tensor.shape, a, mode, nonlinearity, _source(generator, rng), tensor.dtype))


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None, *, rng=None):
    """Fill a parameter in place with N(0, std²), std = gain/√fan (He et al., 2015). Returns it."""
    _two_dims(tensor)
    if _no_elements(tensor):
        return tensor
    _integers_refused(tensor, _NORMAL_KERNEL)
    return _fill(tensor, kaiming_normal(tensor.shape, a, mode, nonlinearity, _source(generator, rng), tensor.dtype))


# ----------------------------------------------------------------------------------------------------
# Structured and truncated initialisations (PyTorch's eye_, dirac_, trunc_normal_, orthogonal_, sparse_).


def _normal_cdf(x):
    """Φ(x), elementwise, in float64: the core's `special.ndtr` (full relative precision in the left tail)."""
    return ag.special.ndtr(ag.tensor(np.asarray(x, dtype=np.float64))).data


def _normal_ppf(p):
    """Φ⁻¹(p) for p in [0, 1] (±inf at 0 and 1), elementwise, in float64: the core's `special.ndtri`."""
    return ag.special.ndtri(ag.tensor(np.asarray(p, dtype=np.float64))).data


def trunc_normal(shape, mean=0.0, std=1.0, a=-2.0, b=2.0, rng=None, dtype=None):
    """Array of `shape` drawn from N(mean, std²) conditioned on [a, b] (a and b are values, not multiples of std).

    With α = (a − mean)/std and β = (b − mean)/std, the interval holds the mass Φ(β) − Φ(α) of N(0, 1). When that is
    at least 1/10 (the usual ±2 std, or timm's std=0.02 in [−2, 2]), standard normal draws outside [α, β] are drawn
    again until none is: exact in distribution, and ~2.5× faster than the inverse CDF at ±2 std (Φ⁻¹, Wichura's
    rational approximation, costs ~0.15 µs a number; the two break even near mass 0.4).
    Otherwise (an interval far in a tail, where most draws would miss) inverse-CDF sampling, as PyTorch's:
    u ~ U(Φ(α), Φ(β)), then Φ⁻¹(u). Either way mean + std·z, clamped to [a, b] against rounding.
    """
    if not std > 0:
        raise ValueError(f"trunc_normal_: std must be positive, got {std}")
    if not a < b:
        raise ValueError(f"trunc_normal_: the interval [a, b] must have a < b, got a={a}, b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("trunc_normal_: mean is more than 2 std from [a, b]; the values may be incorrectly "
                      "distributed", stacklevel=3)
    alpha, beta = (a - mean) / std, (b - mean) / std
    low, high = _normal_cdf(alpha), _normal_cdf(beta)
    rng = get_rng(rng)
    if high - low >= 0.1:
        z = _normal_within(alpha, beta, tuple(shape), rng)
    else:
        z = _normal_ppf(rng.uniform(low, high, size=tuple(shape)))
    values = np.clip(mean + std * z, a, b)
    return values.astype(resolve_dtype(dtype), copy=False)


def _normal_within(alpha, beta, shape, rng):
    """Standard normal draws conditioned on [alpha, beta], by drawing again those that fall outside (rejection
    sampling). Each round misses again a fraction 1 − (Φ(β) − Φ(α)) of what it draws: ~5 rounds for a million
    numbers within ±2 std, ~130 at mass 1/10 (each smaller than the last), thousands far in a tail."""
    z = rng.normal(0.0, 1.0, size=shape)
    outside = np.flatnonzero((z < alpha) | (z > beta))
    flat = z.reshape(-1)
    while outside.size:
        again = rng.normal(0.0, 1.0, size=outside.size)
        flat[outside] = again
        outside = outside[(again < alpha) | (again > beta)]
    return z


def orthogonal(shape, gain=1.0, rng=None, dtype=None):
    """A (semi-)orthogonal matrix (Saxe et al., 2013) reshaped to `shape` (≥ 2-D; trailing axes are flattened):
    rows = shape[0], cols = prod(shape[1:]); orthonormal rows if rows ≤ cols, else orthonormal columns; times gain.

    The Q of a QR decomposition of a standard normal matrix, with columns' signs fixed by R's diagonal so that Q
    is uniformly (Haar) distributed, as PyTorch."""
    shape = tuple(int(n) for n in shape)
    if len(shape) < 2:
        raise ShapeError(f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape {shape}")
    if math.prod(shape) == 0:
        return zeros(shape, dtype)  # nothing to draw (PyTorch: a no-op)
    rows = shape[0]
    cols = math.prod(shape[1:])
    flat = get_rng(rng).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape).astype(resolve_dtype(dtype), copy=False)


def sparse(shape, sparsity, std=0.01, rng=None, dtype=None):
    """A 2-D array (rows, cols) drawn from N(0, std²) with ⌈sparsity·rows⌉ entries of each column set to zero, at
    rows chosen at random per column (Martens, 2010)."""
    shape = tuple(int(n) for n in shape)
    if len(shape) != 2:
        raise ShapeError(f"sparse_: only tensors with 2 dimensions are supported, got shape {shape}")
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparse_: sparsity must be in [0, 1], got {sparsity}")
    rows, cols = shape
    generator = get_rng(rng)
    values = normal(shape, 0.0, std, generator, dtype)
    num_zeros = int(math.ceil(sparsity * rows))
    for col in range(cols):
        values[generator.permutation(rows)[:num_zeros], col] = 0.0
    return values.astype(resolve_dtype(dtype), copy=False)


def eye_(tensor):
    """Fill a 2-D parameter with the identity matrix (ones on the main diagonal, also when not square), in place;
    keeps the identity of the inputs in Linear layers. Returns the parameter."""
    if len(tensor.shape) != 2:
        raise ShapeError(f"eye_: only tensors with 2 dimensions are supported, got shape {tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape, dtype=tensor.dtype))


def dirac_(tensor, groups=1):
    """Fill a 3-, 4- or 5-D convolution weight (out, in, *kernel) with the Dirac delta, in place: output channel
    d of each of the `groups` blocks copies input channel d at the kernel's centre (index k // 2), so the
    convolution preserves its input's first min(out/groups, in) channels. Returns the parameter."""
    shape = tuple(tensor.shape)
    if len(shape) not in (3, 4, 5):
        raise ShapeError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, got shape {shape}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 or shape[0] % groups:
        raise ShapeError(f"dirac_: dim 0 ({shape[0]}) must be divisible by groups ({groups!r})")
    per_group = shape[0] // groups
    centre = tuple(k // 2 for k in shape[2:])
    values = np.zeros(shape, dtype=tensor.dtype)
    for g in range(groups):
        for d in range(min(per_group, shape[1])):
            values[(g * per_group + d, d) + centre] = 1
    return _fill(tensor, values)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None, *, rng=None):
    """Fill a parameter in place with N(mean, std²) truncated to [a, b] (see `trunc_normal`). Returns it."""
    _refuse_complex(tensor, NotImplementedError, '"lt_cpu" not implemented for \'{name}\'')
    if np.dtype(tensor.dtype).kind in "biu" and _trunc_normal_refused(tensor, mean, std, a, b):
        return tensor
        return tensor
    return _fill(tensor, trunc_normal(tensor.shape, mean, std, a, b, _source(generator, rng), tensor.dtype))


def _trunc_normal_refused(tensor, mean, std, a, b):
    """PyTorch's refusal of an integer or bool tensor, from the branch its trunc_normal_ takes (True: an empty tensor
    it leaves as it is). With more than 0.3 of the mass in [a, b] it converts a and b to the tensor's dtype (uint8
    cannot hold -2: an overflow, even when empty), then draws normal_; else it draws uniform_ for rejection sampling."""
    if _normal_cdf((b - mean) / std) - _normal_cdf((a - mean) / std) <= 0.3:
        return _integers_refused(tensor, _UNIFORM_KERNEL)
    dtype = np.dtype(tensor.dtype)
    if dtype.kind in "iu" and not all(np.iinfo(dtype).min <= bound <= np.iinfo(dtype).max for bound in (a, b)):
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")
    return _integers_refused(tensor, _NORMAL_KERNEL, empty_is_no_op=True)


def orthogonal_(tensor, gain=1.0, generator=None, *, rng=None):
    """Fill a parameter (≥ 2-D) in place with a (semi-)orthogonal matrix times gain (see `orthogonal`)."""
    _refuse_complex(tensor, NotImplementedError, "Unlike NumPy, torch.sign is not intended to support complex "
                                                 "numbers. Please use torch.sgn instead.")
    # A tensor of fewer than 2 dimensions gets orthogonal's ShapeError first, as in PyTorch.
    if np.ndim(tensor) >= 2 and _integers_refused(tensor, _NORMAL_KERNEL, empty_is_no_op=True):
        return tensor
    return _fill(tensor, orthogonal(tensor.shape, gain, _source(generator, rng), tensor.dtype))


# The kernels PyTorch names when asked to draw into an integer or bool tensor.
_UNIFORM_KERNEL, _NORMAL_KERNEL = "check_uniform_bounds", "normal_kernel_cpu"


def _integers_refused(tensor, kernel, *, empty_is_no_op=False):
    """PyTorch's NotImplementedError (its kernel's words) for random numbers drawn into an integer or bool tensor;
    with `empty_is_no_op`, True instead for one without elements (PyTorch's normal_ draws nothing, so raises
    nothing, while its uniform_ checks its bounds first). False for a float or complex tensor."""
    dtype = np.dtype(tensor.dtype)
    if dtype.kind not in "biu":
        return False
    if empty_is_no_op and 0 in tuple(tensor.shape):
        return True
    from autograd_core.errors import scalar_type_name

    raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_type_name(dtype)}\'')


def _refuse_complex(tensor, kind, message):
    """PyTorch's error (its kernel's words) for an initialiser it does not run on complex tensors."""
    dtype = np.dtype(tensor.dtype)
    if dtype.kind == "c":
        from autograd_core.errors import scalar_type_name

        raise kind(message.format(name=scalar_type_name(dtype)))


def sparse_(tensor, sparsity, std=0.01, generator=None, *, rng=None):
    """Fill a 2-D parameter in place with N(0, std²), ⌈sparsity·rows⌉ zeros per column (see `sparse`)."""
    if np.ndim(tensor) == 2 and _integers_refused(tensor, _NORMAL_KERNEL, empty_is_no_op=True):
        return tensor
    return _fill(tensor, sparse(tensor.shape, sparsity, std, _source(generator, rng), tensor.dtype))


# ----------------------------------------------------------------------------------------------------
# PyTorch's deprecated names without the underscore, in code written before PyTorch 0.4 (`init.xavier_uniform(
# m.weight)`, `init.constant(m.bias, 0)`, `init.normal(m.weight.data, std=0.01)`): PyTorch still runs them as the
# in-place initialisers, with a FutureWarning. The shape functions above keep their names (layers build their
# weights with them), so each tells a tensor from a shape by its first argument.


def _deprecated(name):
    warnings.warn(f"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`.", FutureWarning, stacklevel=3)
    return globals()[name + "_"]


def _is_tensor(x):
    """A Value (a Parameter) or a float array (a parameter's `.data`): what PyTorch's deprecated names take. Shapes
    are tuples (or Sizes) of ints."""
    return isinstance(x, ag.Value) or (isinstance(x, np.ndarray) and x.dtype.kind == "f")


def _shape_or_tensor(shape_function):
    name = shape_function.__name__

    def shape_or_tensor(shape, *args, **kwargs):
        if _is_tensor(shape):
            return _deprecated(name)(shape, *args, **kwargs)
        return shape_function(shape, *args, **kwargs)

    shape_or_tensor.__name__ = shape_or_tensor.__qualname__ = name
    shape_or_tensor.__module__ = shape_function.__module__
    shape_or_tensor.__wrapped__ = shape_function
    shape_or_tensor.__doc__ = (f"{shape_function.__doc__} Given a tensor (a Parameter or its `.data`) instead of a "
                               f"shape: PyTorch's deprecated `nn.init.{name}(tensor, ...)`, which is `{name}_` with a "
                               "FutureWarning.")
    return shape_or_tensor


uniform, normal, xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal, orthogonal, sparse = map(
    _shape_or_tensor, (uniform, normal, xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal, orthogonal,
                       sparse))


def constant(tensor, val):
    """PyTorch's deprecated `nn.init.constant`: `constant_` with a FutureWarning."""
    return _deprecated("constant")(tensor, val)


def eye(tensor):
    """PyTorch's deprecated `nn.init.eye`: `eye_` with a FutureWarning."""
    return _deprecated("eye")(tensor)


def dirac(tensor, groups=1):
    """PyTorch's deprecated `nn.init.dirac`: `dirac_` with a FutureWarning."""
    return _deprecated("dirac")(tensor, groups)
