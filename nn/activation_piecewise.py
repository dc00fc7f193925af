"""The piecewise-linear activations hardtanh (relu6), hardshrink, softshrink and threshold as primitives, each with its
backward rule beside it. The rule is a node of its own where the gradient is made with create_graph
(autograd_core.ops.backward_nodes), as PyTorch's HardtanhBackwardBackward0, HardshrinkBackwardBackward0, ...: its
derivative in x is zeros, so a second derivative of these is zeros rather than missing (x looking unused), and the
first-order node has PyTorch's name (HardtanhBackward0, ...). The comparisons are PyTorch's, so the gradient at a kink
and at NaN is PyTorch's too (see activation_extra.py's docstring); a branch not chosen is never in a product.
"""

from __future__ import annotations

import numpy as np

from autograd_core.ops import primitive
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


@primitive("threshold")
def _threshold(x, threshold, value):
    """x where x > threshold (NaN included), `value` elsewhere."""
    return np.where(x <= threshold, value, x)[()]


def _threshold_vjp(g, out, x, threshold, value):
    return _threshold_rule_vjp(g, out, x, threshold=threshold)


_threshold_rule_vjp = vjp_through(threshold_backward)  # ReLU's rule, at `threshold`
_threshold.defvjp(_threshold_vjp, formulas=("g⊙[x>threshold]",))
_threshold.defjvp_elementwise()
