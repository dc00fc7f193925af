"""The piecewise-linear activations hardtanh (relu6), hardshrink, softshrink, threshold and hardsigmoid as primitives,
each with its backward rule beside it. The rule is a node of its own where the gradient is made with create_graph
(autograd_core.ops.backward_nodes), as PyTorch's HardtanhBackwardBackward0, HardshrinkBackwardBackward0, ...: its
derivative in x is zeros, so a second derivative of these is zeros rather than missing (x looking unused), and the
first-order node has PyTorch's name (HardtanhBackward0, ...). The comparisons are PyTorch's, so the gradient at a kink
and at NaN is PyTorch's too (see activation_extra.py's docstring); a branch not chosen is never in a product.
"""

from __future__ import annotations

import numpy as np

import autograd_core as ag
from autograd_core import Value
from autograd_core.ops import data_of, primitive, where
from autograd_core.ops.backward_nodes import backward_node, vjp_through
from autograd_core.ops.elementwise import threshold_backward


@primitive("hardtanh")
def _hardtanh(x, min_val, max_val):
    """x clamped to [min_val, max_val] (numbers of x's kind); NaN stays NaN."""
    return np.where(x <= min_val, min_val, np.where(x >= max_val, max_val, x))[()]


def _hardtanh_rule(g, x, min_val, max_val):
    """g strictly inside (min_val, max_val) and at NaN, 0 at the limits and beyond (even for an infinite g)."""
    return np.where((x <= min_val) | (x >= max_val), 0.0, g)[()]


_hardtanh.defvjp(vjp_through(backward_node("hardtanh_backward", _hardtanh_rule)),
                 formulas=("g⊙[min_val<x<max_val]",))
_hardtanh.defjvp_elementwise()


def float_input(input):
    """An integer or bool Value as one of the default float dtype (the shrinks' result, as before they were
    primitives; PyTorch's kernels refuse integers)."""
    if isinstance(input, Value) and input.dtype.kind in "biu":
        return input.to(ag.get_default_dtype())
    return input


def _inside(x, lambd):
    return (x >= -lambd) & (x <= lambd)


@primitive("hardshrink")
def _hardshrink(x, lambd):
    """0 on [−λ, λ], x elsewhere (NaN kept)."""
    return np.where(_inside(x, lambd), 0.0, x)[()]


@primitive("softshrink")
def _softshrink(x, lambd):
    """0 on [−λ, λ], x − λ above, x + λ below (NaN kept)."""
    return np.where(_inside(x, lambd), 0.0, np.where(x > lambd, x - lambd, x + lambd))[()]


def _shrink_rule(g, x, lambd):
    """Both shrinks' rule: 0 on [−λ, λ] (even for an infinite g), g outside (NaN included)."""
    return np.where(_inside(x, lambd), 0.0, g)[()]


_hardshrink.defvjp(vjp_through(backward_node("hardshrink_backward", _shrink_rule)), formulas=("g⊙[|x|>λ]",))
_hardshrink.defjvp_elementwise()
_softshrink.defvjp(vjp_through(backward_node("softshrink_backward", _shrink_rule)), formulas=("g⊙[|x|>λ]",))
_softshrink.defjvp_elementwise()


@primitive("hardsigmoid")
def _hardsigmoid(x):
    """0 for x <= −3, 1 for x >= 3, x/6 + 1/2 between; NaN kept."""
    return np.where(x <= -3.0, 0.0, np.where(x >= 3.0, 1.0, (x + 3.0) / 6))[()]  # PyTorch's rounding


def _hardsigmoid_rule(g, x):
    """g/6 strictly inside (−3, 3), 0 at ±3, beyond and at NaN (even for an infinite g)."""
    return np.where((x > -3.0) & (x < 3.0), g / 6, 0.0)[()]


# PyTorch has no derivative of hardsigmoid_backward (its grad_fn is NotImplemented, and a second derivative raises
# "derivative for aten::hardsigmoid_backward is not implemented"); here it is the zeros it would be
_hardsigmoid.defvjp(vjp_through(backward_node("hardsigmoid_backward", _hardsigmoid_rule)),
                    formulas=("g/6⊙[−3<x<3]",))
_hardsigmoid.defjvp_elementwise()


@primitive("threshold")
def _threshold(x, threshold, value):
    """x where x > threshold (NaN included), `value` elsewhere."""
    return np.where(x <= threshold, value, x)[()]


def _threshold_vjp(g, out, x, threshold, value):
    return _threshold_rule_vjp(g, out, x, threshold=threshold)


_threshold_rule_vjp = vjp_through(threshold_backward)  # ReLU's rule, at `threshold`
_threshold.defvjp(_threshold_vjp, formulas=("g⊙[x>threshold]",))
_threshold.defjvp_elementwise()


@primitive("prelu_kernel", title="prelu_kernel")
def _prelu(x, slope):
    """x where x > 0, slope·x elsewhere (x = 0 and NaN included); slope broadcasts against x (one number, or one per
    channel shaped (C, 1, ...))."""
    return np.where(x > 0, x, slope * x)[()]


def _prelu_rule(g, x, slope):
    """prelu's rule in x: g where x > 0, g⊙slope elsewhere (the slope at 0, as PyTorch's)."""
    return np.where(x > 0, g, g * slope)[()]


def _prelu_rule_in_slope(gg, out, g, x, slope):
    # d(g⊙slope where x <= 0)/d slope: gg⊙g there, summed to the slope's shape by the engine. (PyTorch's
    # PreluKernelBackwardBackward0 tests x < 0 here, so at x = 0 exactly its mixed term leaves out what its first
    # gradient put in; this one is the derivative of the first gradient.)
    return where(data_of(x) <= 0, gg * g, 0.0)


# PreluKernelBackwardBackward0 where the gradient is made with create_graph: zeros in x, gg⊙g (x <= 0) in the slope
_prelu_backward = backward_node("prelu_kernel_backward", _prelu_rule, in_inputs=(None, _prelu_rule_in_slope))
_prelu.defvjp(lambda g, out, x, slope: (
    _prelu_backward(g, x, slope) if g.__class__ is Value else _prelu_rule(g, data_of(x), data_of(slope))),
    lambda g, out, x, slope: where(data_of(x) <= 0, g * x, 0.0), formulas=("g⊙(1 if x>0 else slope)", "g⊙x⊙[x≤0]"))
_prelu.defjvp_elementwise()
