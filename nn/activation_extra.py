"""PyTorch's other activations, as functions (`F.hardtanh(x)`, ...) and modules (`nn.Hardtanh()`, ...).

Most are compositions of existing primitives (where, clip-free masks, exp, tanh, sigmoid, softplus, elu), so
gradients, forward mode, higher derivatives and compile come with them; mish and hardswish are primitives whose rule
is PyTorch's derivative (one product with the incoming gradient, which as compositions met ∞ − ∞ = NaN for an
infinite one: see activation.py's GELU and SiLU). The piecewise ones choose their pieces
with `where` on a recorded comparison, and the comparisons are PyTorch's, so that the gradient AT a kink is
PyTorch's too:

    hardtanh, relu6      gradient 1 strictly inside (min_val, max_val), 0 at and beyond the limits
    hardsigmoid          1/6 strictly inside (−3, 3), 0 at ±3 (and at NaN)
    hardswish            (2x + 3)/6 strictly inside (−3, 3); 0 at and below −3, 1 at and above 3 (and at NaN)
    softshrink, hardshrink   0 on [−λ, λ], 1 outside (NaN included: the value is NaN)
    threshold            0 where x <= threshold, else 1 (NaN included: the value is NaN)

As PyTorch's, these compare so that NaN falls where PyTorch's kernels put it, and a branch that is not chosen never
sees an infinite x (its zero gradient would meet ∞ in a product: NaN).
    prelu                1 where x > 0, else the weight (x = 0 included)

`inplace=True` (where PyTorch has it) changes the input and returns it, under PyTorch's rules, as for ReLU (see
activation.py and autograd_core.inplace.update_in_place).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

import autograd_core as ag
from autograd_core import ops  # the primitives, which also run on arrays (the rules below call them on arrays)
from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.inplace import update_in_place
from autograd_core.ops import data_of, getitem, primitive, where
from autograd_core.ops.backward_nodes import backward_node, vjp_through
from autograd_core.one_node import shown_as
from autograd_core.ops.complex import refuse_complex, refuse_complex_kernel

from . import init
from .dtype_checks import check_prelu
from .activation_piecewise import _hardshrink, _hardsigmoid, _hardtanh, _prelu, _softshrink, _threshold, float_input
from .activation import _arrays, _elu, _ratio, _softmax_input, softmax, softplus
from .module import Module, Parameter, check_device

# SELU's constants (Klambauer et al., 2017), as PyTorch writes them.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


_celu = _elu.named("CeluBackward0")


def _shape(x):
    return tuple(np.shape(data_of(x)))


# ----------------------------------------------------------------------------------------------------
# Functions.


def prelu(input, weight):
    """x where x > 0, a·x elsewhere, with a learned slope `weight`: one number, or one per channel (axis 1 of
    input; an input of fewer than 2 axes has one channel). Gradients: to x, 1 or a; to a, x where x <= 0."""
    refuse_complex_kernel("prelu_cpu", input)
    check_prelu(input, weight)
    x_shape, w_shape = _shape(input), _shape(weight)
    count = math.prod(w_shape)
    if len(w_shape) > 1:
        raise ShapeError(f"prelu: weight must be 0-D or 1-D, got shape {w_shape}")
    channels = x_shape[1] if len(x_shape) >= 2 else 1
    if count != 1 and count != channels:
        raise ShapeError(f"prelu: weight has {count} parameters and the input has {channels} channels "
                         f"(input shape {x_shape}): give one parameter, or one per channel")
    if count == 1:
        slope = weight.reshape(()) if isinstance(weight, Value) else np.reshape(weight, ())
    else:
        shape = (channels,) + (1,) * (len(x_shape) - 2)
        slope = weight.reshape(shape) if isinstance(weight, Value) else np.reshape(weight, shape)
    return _prelu(input, slope)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]; gradient 1 strictly inside, 0 at the limits and beyond (as PyTorch).
    inplace=True: written into input, which is returned (so for every `inplace` below)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    refuse_complex("hardtanh", input)  # PyTorch's clamp: complex numbers have no order
    if inplace:
        return update_in_place(input, "hardtanh(inplace=True)", lambda x: hardtanh(x, min_val, max_val))
    # Integer input stays integer, with the limits cast to it (PyTorch's hardtanh and relu6 of int64 are int64).
    cast = int if np.result_type(data_of(input)).kind in "iu" else float
    return _hardtanh(input, min_val=cast(min_val), max_val=cast(max_val))


def relu6(input, inplace=False):
    """min(max(0, x), 6): hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def selu(input, inplace=False):
    """scale·elu(x, alpha) with PyTorch's scale ≈ 1.0507 and alpha ≈ 1.6733 (self-normalising networks)."""
    if inplace:
        return update_in_place(input, "selu(inplace=True)", selu)
    return _elu(input, alpha=_SELU_ALPHA, scale=_SELU_SCALE)  # PyTorch's: elu with a scale (EluBackward0)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha·(e^(x/alpha) − 1)) = alpha·elu(x/alpha, 1): ELU that is C¹ for any alpha."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides x)")
    refuse_complex_kernel("elu_cpu", input)  # (PyTorch's celu is its elu: the twin _celu is not gated itself)
    alpha = float(alpha)
    if inplace:
        return update_in_place(input, "celu(inplace=True)", lambda x: celu(x, alpha))
    return _celu(input, alpha=alpha, input_scale=1.0 / alpha)  # PyTorch's: elu with input_scale 1/alpha


@primitive("mish")
def _mish(x):
    """x·tanh(log(1 + eˣ)), PyTorch's formula (eˣ = inf past 709 gives tanh(inf) = 1: x)."""
    return x * np.tanh(np.log1p(np.exp(x)))


def _mish_vjp(g, out, x):
    # d/dx x·tanh(sp(x)) = tanh(sp(x)) + x·σ(x)·(1 − tanh²(sp(x))), sp = softplus, sp′ = σ: PyTorch's mish_backward.
    # On arrays tanh(sp(x)) = out/x (tanh(log 2) = 3/5 at 0).
    if _arrays(g, out, x):
        t = _ratio(out, x, 0.6)
        return g * (t + x * ops.sigmoid(x) * (1 - t * t))
    t = ops.tanh(softplus(x, threshold=math.inf))
    return g * (t + x * ops.sigmoid(x) * (1 - t * t))


_mish.defvjp(_mish_vjp, formulas=("g⊙(tanh sp(x) + x·σ(x)(1 − tanh² sp(x)))",))
_mish.defjvp_elementwise()


def mish(input, inplace=False):
    """x·tanh(softplus(x)) (Misra, 2019), same shape as x; one primitive with PyTorch's derivative as its rule."""
    if inplace:
        return update_in_place(input, "mish(inplace=True)", mish)
    return _mish(input)


def softsign(input):
    """x / (1 + |x|)."""
    return input / (1 + ops.abs(input))


@primitive("hardswish")
def _hardswish(x):
    """x·min(max(x + 3, 0), 6)/6, PyTorch's formula (NaN at −inf: −∞·0, as PyTorch's)."""
    return x * np.minimum(np.maximum(x + 3, 0), 6) / 6


def _hardswish_rule(g, x):
    """0 where x <= −3, g⊙(x/3 + 1/2) strictly between, g from 3 up (NaN too): PyTorch's hardswish_backward, a
    `where`, so that an infinite g gives 0 below −3 and ±inf inside (one product), not ∞ − ∞."""
    return np.where(x <= -3.0, 0.0, np.where(x < 3.0, g * (x / 3 + 0.5), g))[()]


def _hardswish_rule_in_x(gg, out, g, x):
    # PyTorch's: gg⊙g/3 strictly inside (−3, 3), 0 elsewhere (the kinks included)
    xd = data_of(x)
    return where((xd > -3.0) & (xd < 3.0), gg * g / 3, 0.0)


# HardswishBackwardBackward0 where the gradient is made with create_graph
_hardswish.defvjp(vjp_through(backward_node("hardswish_backward", _hardswish_rule, in_inputs=(_hardswish_rule_in_x,))),
                  formulas=("0 for x <= −3, g⊙(x/3 + ½) inside, g from 3",))
_hardswish.defjvp_elementwise()


def hardswish(input, inplace=False):
    """x·relu6(x + 3)/6: 0 for x <= −3, x for x >= 3, x(x + 3)/6 between (Howard et al., 2019); same shape as x.
    One primitive with PyTorch's derivative as its rule."""
    if inplace:
        return update_in_place(input, "hardswish(inplace=True)", hardswish)
    return _hardswish(input)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3)/6: 0 for x <= −3, 1 for x >= 3, x/6 + 1/2 between (NaN kept). One primitive (PyTorch's
    HardsigmoidBackward0)."""
    refuse_complex_kernel("hardsigmoid_cpu", input)
    if inplace:
        return update_in_place(input, "hardsigmoid(inplace=True)", hardsigmoid)
    return _hardsigmoid(input)


def logsigmoid(input):
    """log σ(x) = −softplus(−x), without overflow for large |x|."""
    refuse_complex_kernel("log_sigmoid_cpu", input)
    out = -softplus(-input, threshold=math.inf)
    return shown_as(out, input, "LogSigmoidBackward0") if isinstance(input, Value) else out  # PyTorch's one node


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(−x) along `dim`. dim=None picks it as PyTorch does (0 for 0-, 1- and 3-D inputs, else 1) with
    PyTorch's deprecation warning. dtype: the input is cast to it first. _stacklevel: PyTorch's, unused."""
    input, dim = _softmax_input(input, dim, dtype, "softmin")
    return softmax(-input, dim)


def glu(input, dim=-1):
    """a·σ(b), where a and b are the first and second halves of x along `dim` (whose size must be even).
    Output: x's shape with that axis halved."""
    refuse_complex("glu", input)  # PyTorch's kernel takes real numbers only
    shape = _shape(input)
    if not shape:
        raise ShapeError("glu: does not support scalars because halving size must be even")
    if not -len(shape) <= dim < len(shape):
        raise IndexError(f"glu: dim {dim} is out of range for an input of {len(shape)} dimensions")
    axis = dim % len(shape)
    if shape[axis] % 2:
        raise ShapeError(f"glu: halving dimension must be even, but dimension {axis} is size {shape[axis]}")
    half = shape[axis] // 2
    first = (slice(None),) * axis + (slice(0, half),)
    second = (slice(None),) * axis + (slice(half, None),)
    if not isinstance(input, Value):
        x = np.asarray(input)
        return x[first] * ops.sigmoid(x[second])
    return shown_as(getitem(input, first) * ops.sigmoid(getitem(input, second)), input, "GluBackward0")  # PyTorch's


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, `value` elsewhere (in x's dtype: integers stay integers, as PyTorch's)."""
    refuse_complex_kernel("threshold_cpu", input)
    dtype = ag.as_tensor(input).dtype
    value = float(value) if dtype.kind == "f" else np.asarray(value).astype(dtype)[()]
    if inplace:
        return update_in_place(input, "threshold(inplace=True)",
                               lambda x: _threshold(x, threshold=threshold, value=value))
    return _threshold(input, threshold=threshold, value=value)  # NaN is kept, as PyTorch's


def tanhshrink(input):
    """x − tanh(x)."""
    return input - ops.tanh(input)


def _check_lambd(lambd, who):
    if not lambd >= 0:
        raise ValueError(f"{who}: lambd must be greater or equal to 0, got {lambd}")
    return float(lambd)


def softshrink(input, lambd=0.5):
    """x − λ where x > λ, x + λ where x < −λ, 0 on [−λ, λ] (λ >= 0)."""
    refuse_complex_kernel("softshrink_check", input)
    lambd = _check_lambd(lambd, "softshrink")
    return _softshrink(float_input(input), lambd=lambd)


def hardshrink(input, lambd=0.5):
    """x where |x| > λ, 0 on [−λ, λ] (λ >= 0)."""
    refuse_complex_kernel("hardshrink_cpu", input)
    lambd = _check_lambd(lambd, "hardshrink")
    return _hardshrink(float_input(input), lambd=lambd)  # NaN is kept, as PyTorch's


# ----------------------------------------------------------------------------------------------------
# Modules.


class PReLU(Module):
    """PReLU(num_parameters=1, init=0.25, device=None, dtype=None): `prelu` with a learned slope `weight` of shape
    (num_parameters,), every entry `init`; num_parameters is 1 or the number of channels (axis 1)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        check_device(device)
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, numbers.Integral) \
                or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got {num_parameters!r}")
        self.num_parameters, self.init = int(num_parameters), float(init)
        self.weight = Parameter(np.full(self.num_parameters, self.init, _dtype(dtype)))  # `init` is the argument here

    def forward(self, input):
        return prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


def _dtype(dtype):
    return init.resolve_dtype(dtype)  # nn.init, which PReLU's argument `init` hides inside its __init__


class _Elementwise(Module):
    """An activation without options other than `inplace` (True: the input is changed and returned)."""

    _fn = None

    def __init__(self, inplace=False):
        self.inplace = bool(inplace)

    def forward(self, input):
        return type(self)._fn(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU6(_Elementwise):
    """min(max(0, x), 6); see `relu6`."""
    _fn = staticmethod(relu6)


class SELU(_Elementwise):
    """scale·elu(x, alpha); see `selu`."""
    _fn = staticmethod(selu)


class Mish(_Elementwise):
    """x·tanh(softplus(x)); see `mish`."""
    _fn = staticmethod(mish)


class Hardswish(_Elementwise):
    """x·relu6(x + 3)/6; see `hardswish`."""
    _fn = staticmethod(hardswish)

    def extra_repr(self):
        return ""  # PyTorch's repr omits its inplace flag


class Hardsigmoid(Hardswish):
    """relu6(x + 3)/6; see `hardsigmoid`."""
    _fn = staticmethod(hardsigmoid)


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, input):
        return softsign(input)


class LogSigmoid(Module):
    """log σ(x), stable; see `logsigmoid`."""

    def forward(self, input):
        return logsigmoid(input)


class Tanhshrink(Module):
    """x − tanh(x)."""

    def forward(self, input):
        return tanhshrink(input)


class Hardtanh(Module):
    """Hardtanh(min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None): x clamped to
    [min_val, max_val]; see `hardtanh`. min_value, max_value: PyTorch's deprecated names of min_val and max_val
    (they replace them when given, with PyTorch's FutureWarning)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and rename to `min_val`", FutureWarning,
                          stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and rename to `max_val`", FutureWarning,
                          stacklevel=2)
            max_val = max_value
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
        self.min_val, self.max_val, self.inplace = float(min_val), float(max_val), bool(inplace)

    def forward(self, input):
        return hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class CELU(Module):
    """CELU(alpha=1.0, inplace=False); see `celu`."""

    def __init__(self, alpha=1.0, inplace=False):
        if alpha == 0:
            raise ValueError("CELU: alpha must not be 0")
        self.alpha, self.inplace = float(alpha), bool(inplace)

    def forward(self, input):
        return celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softmin(Module):
    """Softmin(dim=None): softmax(−x) along `dim` (None: PyTorch's implicit choice, with its warning)."""

    def __init__(self, dim=None):
        self.dim = dim

    def forward(self, input):
        return softmin(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class GLU(Module):
    """GLU(dim=-1): a·σ(b) of the two halves of the input along `dim`; see `glu`."""

    def __init__(self, dim=-1):
        self.dim = int(dim)

    def forward(self, input):
        return glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Threshold(Module):
    """Threshold(threshold, value, inplace=False): x where x > threshold, else value."""

    def __init__(self, threshold, value, inplace=False):
        self.threshold, self.value, self.inplace = threshold, value, bool(inplace)  # as given, as PyTorch's repr

    def forward(self, input):
        return threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class Softshrink(Module):
    """Softshrink(lambd=0.5); see `softshrink`."""

    def __init__(self, lambd=0.5):
        self.lambd = _check_lambd(lambd, type(self).__name__)

    def forward(self, input):
        return softshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Hardshrink(Softshrink):
    """Hardshrink(lambd=0.5); see `hardshrink`."""

    def forward(self, input):
        return hardshrink(input, self.lambd)


class Softmax2d(Module):
    """Softmax2d(): softmax over the channels at every location: (N, C, H, W) or (C, H, W), along axis −3."""

    def forward(self, input):
        ndim = len(_shape(input))
        if ndim not in (3, 4):
            raise ShapeError(f"Softmax2d: expected input to be 3D or 4D, got {ndim}D instead")
        return softmax(input, -3)
