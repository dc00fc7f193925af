"""RReLU (randomized leaky ReLU), and the in-place functional activations F.relu_, F.elu_, F.leaky_relu_, F.hardtanh_,
F.selu_, F.celu_, F.threshold_, F.rrelu_.

    rrelu(x)   training: x where x ≥ 0, a·x elsewhere with a ~ U(lower, upper) drawn per element (Xu et al., 2015);
               evaluation: leaky_relu with the mean slope (lower + upper)/2. The slopes are data without gradient
               (drawn as a recorded operation, so a compiled step draws new ones each call, as dropout's masks).

The in-place forms follow PyTorch's rules (autograd_core.inplace.update_in_place): the input is changed and returned.
Its own array changes when nothing records it (inside no_grad(), or a Value that needs no gradient; in a jvp its
tangent follows); a Value in a graph being recorded keeps its identity and records the change (the gradient of the
out-of-place function; graphs that read the old contents refuse backward); a leaf that requires grad raises
RuntimeError outside no_grad(). An ndarray is written in place.
"""

from __future__ import annotations

import numpy as np

from autograd_core import Value
from autograd_core.inplace import update_in_place
from autograd_core import ops
from autograd_core.ops import data_of, primitive, without_gradient
from autograd_core.ops.elementwise import leaky_relu_backward
from autograd_core.ops.backward_nodes import backward_node, vjp_through
from autograd_core.ops.complex import refuse_complex_kernel

from . import init
from .activation import elu, leaky_relu, relu
from .activation_extra import celu, hardtanh, selu
from .activation_extra import threshold as _threshold
from .module import Module


def _rrelu_factor(x, *, lower, upper, rng):
    """1 where x ≥ 0, a slope drawn from U(lower, upper) elsewhere, in x's float dtype (no gradient)."""
    dtype = x.dtype if np.asarray(x).dtype.kind == "f" else np.float64
    return np.where(x >= 0, 1.0, rng.uniform(lower, upper, np.shape(x))).astype(dtype, copy=False)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False, rng=None):
    """Randomized leaky ReLU: x where x ≥ 0, else a·x with a ~ U(lower, upper) per element when training, a =
    (lower + upper)/2 otherwise (PyTorch's default training=False for this function). rng: the generator of the
    slopes (see `nn.init.get_rng`). inplace=True: written into input, which is returned (see `relu_`)."""
    lower, upper = float(lower), float(upper)
    if not lower <= upper:
        raise ValueError(f"rrelu: lower ({lower}) must be at most upper ({upper})")
    if inplace:
        return update_in_place(input, "rrelu(inplace=True)", lambda x: rrelu(x, lower, upper, training, rng=rng))
    if not training:
        if isinstance(input, Value) and input.dtype.kind == "f":  # PyTorch's RreluWithNoiseBackward0
            return _rrelu_eval(input, negative_slope=(lower + upper) / 2)
        return leaky_relu(input, (lower + upper) / 2)
    refuse_complex_kernel("rrelu_with_noise_out_cpu", input)
    generator = init.get_rng(rng)
    if isinstance(input, Value):
        return _rrelu_with_noise(input, without_gradient(_rrelu_factor, input, lower=lower, upper=upper, rng=generator))
    return np.asarray(input) * _rrelu_factor(np.asarray(input), lower=lower, upper=upper, rng=generator)


@primitive("rrelu_with_noise")
def _rrelu_with_noise(x, noise):
    """x⊙noise: the slopes drawn for x < 0, 1 elsewhere (`_rrelu_factor`, no gradient)."""
    return x * noise


def _noise_rule(g, x, noise):
    """rrelu's rule g⊙noise, as a node of its own under create_graph (zeros in x and the noise)."""
    return g * noise


_noise_backward = backward_node("rrelu_with_noise_backward", _noise_rule)  # RreluWithNoiseBackwardBackward0
_rrelu_with_noise.defvjp(lambda g, out, x, noise: _noise_backward(g, x, noise) if g.__class__ is Value
                         else g * data_of(noise), None, formulas=("g⊙noise", ""))
_rrelu_with_noise.defjvp(lambda t, out, x, noise: t * data_of(noise), None)
# Evaluation: leaky_relu with the mean slope, its rule's node named as PyTorch's (RreluWithNoiseBackwardBackward0)
_rrelu_eval = ops.leaky_relu.named("RreluWithNoiseBackward0")
_rrelu_eval.defvjp(vjp_through(leaky_relu_backward.named("RreluWithNoiseBackwardBackward0")),
                   formulas=("g⊙(1 if x>0 else slope)",))


class RReLU(Module):
    """RReLU(lower=1/8, upper=1/3, inplace=False, rng=None): `rrelu` with random slopes in training mode, the mean
    slope in evaluation mode."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False, rng=None):
        self.lower, self.upper, self.inplace = float(lower), float(upper), bool(inplace)
        if not self.lower <= self.upper:
            raise ValueError(f"RReLU: lower ({lower}) must be at most upper ({upper})")
        self._rng = None if rng is None else init.get_rng(rng)  # a seed: one generator, new slopes at each call

    def forward(self, input):
        return rrelu(input, self.lower, self.upper, self.training, self.inplace, rng=self._rng)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


# ----------------------------------------------------------------------------------------------------
# In place


def _in_place(name, input, function):
    """input's contents replaced by function(input), under PyTorch's in-place rules; returns input."""
    return update_in_place(input, name, function)


def relu_(input):
    """relu in place: max(x, 0) written into input; returns input (see the module docstring for the rules)."""
    return _in_place("relu_", input, relu)


def elu_(input, alpha=1.0):
    """elu in place; returns input."""
    return _in_place("elu_", input, lambda x: elu(x, alpha))


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu in place; returns input."""
    return _in_place("leaky_relu_", input, lambda x: leaky_relu(x, negative_slope))


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """hardtanh in place; returns input."""
    return _in_place("hardtanh_", input, lambda x: hardtanh(x, min_val, max_val))


def selu_(input):
    """selu in place; returns input."""
    return _in_place("selu_", input, selu)


def celu_(input, alpha=1.0):
    """celu in place; returns input."""
    return _in_place("celu_", input, lambda x: celu(x, alpha))


def threshold_(input, threshold, value):
    """threshold in place (x where x > threshold, else value); returns input."""
    return _in_place("threshold_", input, lambda x: _threshold(x, threshold, value))


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, rng=None):
    """rrelu in place; returns input."""
    return _in_place("rrelu_", input, lambda x: rrelu(x, lower, upper, training, rng=rng))


__all__ = ["rrelu", "RReLU", "relu_", "elu_", "leaky_relu_", "hardtanh_", "selu_", "celu_", "threshold_", "rrelu_"]
