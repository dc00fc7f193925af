"""Activation functions as modules (`ReLU()`, `Tanh()`, ...) and as functions (`relu(x)`, ...).

ReLU, sigmoid, tanh, softmax are one engine primitive each, so a picture shows one node per activation;
GELU, SiLU, ELU and Softplus are primitives of this file: GELU and SiLU so that their rule is PyTorch's derivative
(one product with the incoming gradient, see below), ELU and Softplus so that a compiled step chooses their
branches again for each batch.
Functions accept Values (recording nodes) or arrays (computed directly).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

import autograd_core as ag
from autograd_core import ops  # the primitives, which also run on arrays (the rules below call them on arrays)
from autograd_core.grad_array import NUMPY_ARRAYS
from autograd_core.inplace import update_in_place
from autograd_core.ops import data_of, primitive, where
from autograd_core.ops.backward_nodes import backward_node, vjp_through
from autograd_core.ops.complex import refuse_complex_differentiation
from autograd_core.ops.special_functions import erf
from autograd_core.ops.special_kernels import erf_kernel, float_result

from .module import Module


# PyTorch's `inplace=True` of the activations (ReLU, LeakyReLU, ELU, SiLU; relu, leaky_relu, elu, silu) changes
# the input and returns it, under PyTorch's rules (autograd_core.inplace.update_in_place): recorded on a Value in a
# graph (the same gradient as out of place; graphs that read the old contents refuse backward), RuntimeError on a
# leaf that requires grad outside no_grad(). Inside autograd_core.compile it makes the function run eagerly (a
# replay runs recorded operations only).


def relu(input, inplace=False):
    """max(x, 0), elementwise; gradient 1 where x > 0, else 0. inplace=True: written into input, which is returned
    (PyTorch's rules, see the comment above)."""
    if inplace:
        return update_in_place(input, "relu(inplace=True)", ops.relu)
    return ops.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, negative_slope·x elsewhere. inplace=True: written into input, which is returned."""
    negative_slope = float(negative_slope)
    if inplace:
        return update_in_place(input, "leaky_relu(inplace=True)",
                               lambda x: ops.leaky_relu(x, negative_slope=negative_slope))
    return ops.leaky_relu(input, negative_slope=negative_slope)


def sigmoid(input):
    """1 / (1 + e⁻ˣ), computed without overflow."""
    return ops.sigmoid(input)


def tanh(input):
    """Hyperbolic tangent elementwise (same shape as input), in (-1, 1)."""
    return ops.tanh(input)


def _implicit_dim(name, ndim):
    """PyTorch's legacy choice when dim=None: 0 for 0-, 1- and 3-D inputs, else 1 (with its warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", UserWarning, stacklevel=4)  # the caller of softmax, past _softmax_input
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(input, dim, dtype, name):
    """The input cast to dtype (if given) and the axis: dim, or PyTorch's implicit choice when dim is None. A dim
    out of range is PyTorch's IndexError; a 0-d input counts as one axis (dim 0 or -1), as PyTorch's."""
    if dtype is not None:
        input = input.astype(dtype) if isinstance(input, ag.Value) else np.asarray(input, dtype=dtype)
    ndim = np.ndim(data_of(input))
    if dim is None:
        dim = _implicit_dim(name, ndim)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim}) "
                         f"({name}: an input of shape {np.shape(data_of(input))} has no dim {dim})")
    return input, dim


def _over_one_axis(fn, input, dim):
    """fn(input, axis=dim); a 0-d input is a one-element axis (softmax 1, log_softmax 0, gradients through)."""
    if np.ndim(data_of(input)) == 0:
        return ops.reshape(fn(ops.reshape(input, shape=(1,)), axis=0), shape=())
    return fn(input, axis=dim)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / Σ exp(x) along `dim` (stable for large |x|). dim=None chooses it as PyTorch does (0 for 0-, 1- and
    3-D inputs, else 1) with PyTorch's deprecation warning: pass dim. dtype: the input is cast to it first.
    _stacklevel: PyTorch's, accepted and unused (it keeps PyTorch's positions)."""
    input, dim = _softmax_input(input, dim, dtype, "softmax")
    return _over_one_axis(ag.softmax, input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x − logsumexp(x) along `dim`: the log of softmax without its underflow. dim=None and dtype: as softmax's."""
    input, dim = _softmax_input(input, dim, dtype, "log_softmax")
    return _over_one_axis(ag.log_softmax, input, dim)


# GELU, SiLU (and Mish, Hardswish in activation_extra.py) are one primitive each, whose rule is PyTorch's backward
# formula: one product with g. As compositions, g reached x along two paths whose terms cancel for an infinite g
# (∞ − ∞ = NaN, where PyTorch gives ±inf). On arrays the rules read Φ(x) or σ(x) back from the output (out/x, and
# its limit at 0): erf or σ again would cost as much as the forward pass. On Values (create_graph, nested forward
# mode) they compose primitives, so that they can be differentiated again.
_SQRT1_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_BETA, _TANH_KAPPA = math.sqrt(2 / math.pi), 0.044715
_TINY = 1e-20  # below it, out/x loses its digits (or is 0/0); the ratio's limit at 0 is used instead


def _arrays(*xs):
    """Whether all are NumPy arrays (a rule's fast path), not Values (create_graph) or NumPy scalars."""
    return all(x.__class__ in NUMPY_ARRAYS for x in xs)


def _ratio(out, x, limit):
    """out/x on arrays, `limit` where |x| <= 1e-20 (the ratio's value at 0, where out/x is 0/0 or inexact)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = out / x
    small = np.abs(x) <= _TINY
    return np.where(small, limit, ratio) if small.any() else ratio


@primitive("gelu")
def _gelu(x):
    """x·Φ(x) = ½·x·(1 + erf(x/√2)), in x's dtype (as PyTorch's: float32 arithmetic for float32)."""
    return 0.5 * x * (1 + float_result(erf_kernel(x * _SQRT1_2), x))


def _gelu_vjp(g, out, x):
    # d/dx x·Φ(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π): PyTorch's gelu_backward. On arrays Φ(x) = out/x (½ at 0).
    if _arrays(g, out, x):  # the same arithmetic in one array
        d = np.square(x, dtype=out.dtype)
        d *= -0.5
        np.exp(d, out=d)
        d *= x
        d *= _INV_SQRT_2PI
        d += _ratio(out, x, 0.5)
        return g * d
    return g * (0.5 * (1 + erf(x * _SQRT1_2)) + x * ops.exp(-0.5 * x * x) * _INV_SQRT_2PI)


_gelu.defvjp(_gelu_vjp, formulas=("g⊙(Φ(x) + x·φ(x))",))
_gelu.defjvp_elementwise()


@primitive("gelu_tanh")
def _gelu_tanh(x):
    """½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), in x's dtype."""
    return 0.5 * x * (1 + np.tanh(_TANH_BETA * (x + _TANH_KAPPA * x * x * x)))


def _gelu_tanh_vjp(g, out, x):
    # With r = 1 + tanh(u), u = β(x + κx³): d/dx ½·x·r = ½·r + ½·x·(1 − tanh²u)·β(1 + 3κx²), PyTorch's formula;
    # on arrays r = 2·out/x (1 at 0) and 1 − tanh²u = (2 − r)·r.
    slope = _TANH_BETA * (1 + 3 * _TANH_KAPPA * x * x)
    if _arrays(g, out, x):
        r = _ratio(2 * out, x, 1.0)
        return g * (0.5 * r + 0.5 * x * (2 - r) * r * slope)
    th = ops.tanh(_TANH_BETA * (x + _TANH_KAPPA * x * x * x))
    return g * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * slope)


_gelu_tanh.defvjp(_gelu_tanh_vjp, formulas=("g⊙(½(1 + tanh u) + ½x(1 − tanh²u)·u′)",))
_gelu_tanh.defjvp_elementwise()


def gelu(input, approximate="none"):
    """x·Φ(x), Φ the standard normal CDF: 0.5·x·(1 + erf(x/√2)); approximate='tanh' uses
    0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (Hendrycks and Gimpel, 2016). Same shape as x.

    One primitive (each form), with PyTorch's derivative as its rule. The exact form uses the core's vectorised
    erf, which costs a few times the tanh form's arithmetic."""
    if approximate == "none":
        return _gelu(input)
    if approximate == "tanh":
        return _gelu_tanh(input)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


@primitive("silu")
def _silu(x):
    """x·σ(x)."""
    return x * ops.sigmoid(x)


def _silu_vjp(g, out, x):
    # d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x))): PyTorch's silu_backward. On arrays σ(x) = out/x (½ at 0), and the
    # same derivative as σ + out·(1 − σ) (x·σ = out), in one array.
    if _arrays(g, out, x):
        s = _ratio(out, x, 0.5)
        d = 1 - s
        d *= out
        d += s
        return g * d
    s = ops.sigmoid(x)
    return g * s * (1 + x * (1 - s))


_silu.defvjp(_silu_vjp, formulas=("g⊙σ(x)(1 + x(1 − σ(x)))",))
_silu.defjvp_elementwise()
_silu.defcomplex()  # computes complex data as PyTorch's does (which has no complex gradient: `silu` refuses one)


def silu(input, inplace=False):
    """x·σ(x) (also called swish), same shape as x; one primitive with PyTorch's derivative as its rule.
    inplace=True: written into input, which is returned."""
    if inplace:
        return update_in_place(input, "silu(inplace=True)", silu)
    refuse_complex_differentiation("silu", input)
    return _silu(input)


@primitive("elu")
def _elu(x, alpha, scale=1.0, input_scale=1.0):
    """PyTorch's elu: scale·x where x > 0, scale·alpha·(e^(input_scale·x) − 1) elsewhere (elu: scale = input_scale =
    1; selu: SELU's scale and alpha; celu: input_scale = 1/alpha)."""
    positive = x > 0
    e = np.exp(np.where(positive, 0.0, x if input_scale == 1.0 else x * input_scale))  # eˣ only where x <= 0
    y = np.where(positive, x, alpha * (e - 1))
    return (y if scale == 1.0 else y * scale)[()]


def _elu_rule(g, x, alpha, scale=1.0, input_scale=1.0):
    """ELU's rule, PyTorch's elu_backward: g·scale where x > 0, g·scale·alpha·input_scale·e^(input_scale·x) where
    x <= 0 (alpha at 0 for elu); NaN x passes g·scale (it tests x <= 0). eˣ from x, not from the output: that is
    −alpha once eˣ < 1e-16 (x < −37), where an infinite g then gave NaN (PyTorch's: ±inf). Of min(x, 0), so that the
    branch not chosen never overflows (its zero gradient times ∞ would be NaN)."""
    negative = x <= 0
    if _arrays(g, x):
        e = np.minimum(x, 0)
        if input_scale != 1.0:
            e *= input_scale
        np.exp(e, out=e)
        e *= alpha * scale * input_scale
        return np.where(negative, g * e, g if scale == 1.0 else g * scale)
    e = np.exp(np.minimum(x, 0) * input_scale) * (alpha * scale * input_scale)
    return np.where(negative, g * e, g * scale)[()]


def _elu_rule_in_x(gg, out, g, x, alpha, scale=1.0, input_scale=1.0):
    # PyTorch's elu_double_backward: the rule of gg·g·input_scale where x < 0 (strictly: 0 at the kink), else 0
    return where(data_of(x) < 0, elu_backward(gg * g * input_scale, x, alpha=alpha, scale=scale,
                                              input_scale=input_scale), 0.0)


elu_backward = backward_node("elu_backward", _elu_rule, in_inputs=(_elu_rule_in_x,))  # EluBackwardBackward0
_elu.defvjp(vjp_through(elu_backward), formulas=("g where x > 0, g⊙α·eˣ elsewhere",))
_elu.defjvp_elementwise()


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, alpha·(eˣ − 1) elsewhere; the gradient at 0 is alpha, as PyTorch. One primitive: its
    branches are chosen inside it (so a compiled step chooses them again for each batch). inplace=True: written
    into input, which is returned."""
    alpha = float(alpha)
    if inplace:
        return update_in_place(input, "elu(inplace=True)", lambda x: _elu(x, alpha=alpha))
    return _elu(input, alpha=alpha)


@primitive("softplus")
def _softplus(x, beta, threshold):
    bx = x * beta if beta != 1 else x
    smooth = np.logaddexp(0, bx)  # log(1 + e^bx), stable
    if beta != 1:
        smooth = smooth * (1.0 / beta)
    return np.where(bx > threshold, x, smooth)[()]


def _softplus_vjp(g, out, x, beta, threshold):
    # σ(beta·x) on the smooth part, 1 where softplus is x itself
    return where(np.asarray(data_of(x)) * beta > threshold, g, g * ops.sigmoid(x * beta if beta != 1 else x))


_softplus.defvjp(_softplus_vjp, formulas=("g⊙σ(βx), g past the threshold",))
_softplus.defjvp_elementwise()


def softplus(input, beta=1.0, threshold=20.0):
    """(1/beta)·log(1 + e^(beta·x)), and x itself where beta·x > threshold (as PyTorch). One primitive: which
    elements are past the threshold is decided inside it, for each input (also in a compiled step)."""
    return _softplus(input, beta=float(beta), threshold=float(threshold))


class ReLU(Module):
    """max(x, 0). inplace=True: the input is changed and returned (see `relu`)."""

    def __init__(self, inplace=False):
        self.inplace = bool(inplace)

    def forward(self, input):
        return relu(input, inplace=True) if self.inplace else ops.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """LeakyReLU(negative_slope=0.01, inplace=False): x if x > 0 else negative_slope * x, elementwise (same shape)."""
    def __init__(self, negative_slope=0.01, inplace=False):
        self.negative_slope = float(negative_slope)
        self.inplace = bool(inplace)

    def forward(self, input):
        return leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """Sigmoid(): 1 / (1 + exp(-x)) elementwise (same shape), computed without overflow."""
    def forward(self, input):
        return ops.sigmoid(input)


class Tanh(Module):
    """Tanh(): hyperbolic tangent elementwise (same shape), in (-1, 1)."""
    def forward(self, input):
        return ops.tanh(input)


class Softmax(Module):
    """softmax along `dim`. Softmax(dim=None) as PyTorch's: dim=None picks the axis at each call (0 for 0-, 1- and
    3-D inputs, else 1) with PyTorch's deprecation warning, so pass dim (dim=-1: the classes of (batch, classes))."""

    def __init__(self, dim=None):
        self.dim = None if dim is None else int(dim)

    def forward(self, input):
        return softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log_softmax along `dim`; LogSoftmax(dim=None), the axis chosen as Softmax's."""

    def forward(self, input):
        return log_softmax(input, self.dim)


class GELU(Module):
    """`gelu` as a module: GELU(approximate='none' | 'tanh')."""

    def __init__(self, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x·σ(x). inplace=True: the input is changed and returned (see `silu`)."""

    def __init__(self, inplace=False):
        self.inplace = bool(inplace)

    def forward(self, input):
        return silu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ELU(Module):
    """`elu` as a module: ELU(alpha=1.0, inplace=False) (inplace=True: the input is changed and returned)."""

    def __init__(self, alpha=1.0, inplace=False):
        self.alpha = float(alpha)
        self.inplace = bool(inplace)

    def forward(self, input):
        return elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """`softplus` as a module: Softplus(beta=1.0, threshold=20.0)."""

    def __init__(self, beta=1.0, threshold=20.0):
        if not beta > 0:
            raise ValueError(f"Softplus: beta must be > 0, got {beta}")
        self.beta, self.threshold = float(beta), float(threshold)

    def forward(self, input):
        return softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Identity(Module):
    """Returns its input unchanged; takes (and ignores) any constructor arguments, as PyTorch's."""

    def __init__(self, *args, **kwargs):
        pass

    def forward(self, input):
        return input


ACTIVATIONS = {"relu": relu, "tanh": tanh, "sigmoid": sigmoid, "linear": None, None: None}
