"""clamp with tensor bounds: torch.clamp(x, min=b, max=c) where a bound is a Value, differentiable in x and in the
bounds (PyTorch's clamp.Tensor overload, node ClampBackward0 with edges for self, min and max; clamp_min and
clamp_max's ClampMinBackward1 / ClampMaxBackward1 with edges for self and the bound).

Bounds that are numbers or arrays stay constants of the `clip` primitive (ops/elementwise.py), whose rule is the
same for x. The rules here are PyTorch 2.13's (derivatives.yaml: clamp_backward, clamp_backward_min_max, clamp_jvp):

- x gets g where min <= x <= max (ties included; 0 at a NaN in x or in a bound, and everywhere when min > max);
- min gets g where x < min (and min < max when both are given); max gets g where x > max, or where max < min (the
  result is max there);
- forward mode is PyTorch's too, which differs from the reverse rules at ties and NaNs: clamp's tangent is
  max's where min > max, else min's where x < min, else max's where x > max, else x's (so x's at a NaN x with both
  bounds); with one bound the bound's at ties and NaNs (where(x > min, x_t, min_t)), while clamp_min / clamp_max take
  x's at ties (where(x >= min, x_t, min_t)). A bound without a tangent contributes 0 there.
"""

from __future__ import annotations

import numpy as np

from ..value import Value
from .elementwise import _clip_vjp as clip_rule, data_of, where
from .index import as_value
from .primitive import primitive


def clamped(node, input, lo, hi):  # noqa: A002
    """node (clamp_tensor, or its clamp_min / clamp_max twin) of input and its bounds lo, hi (either may be None; at
    least one a Value), in PyTorch's result dtype of the three. The operands are converted inside the operation, as
    PyTorch's kernel converts them: each Value is its own edge (no ToCopyBackward0 between), and its gradient comes
    back in its own dtype. Numbers and arrays are constants; an array input too."""
    from .promotion import result_dtype

    x = as_value(input)
    given = [b for b in (lo, hi) if b is not None]
    dtype = result_dtype(x, *given)
    return node(x, *[b if isinstance(b, (Value, int, float)) else np.asarray(b) for b in given],
                sides=sides_of(lo, hi), dtype=dtype)


def _in(dtype, *operands):
    """The operands' data in the operation's dtype (None stays None): the comparisons of the rules are made there,
    as PyTorch makes them on the converted operands."""
    return [None if a is None else np.asarray(data_of(a)).astype(dtype, copy=False) for a in operands]


def _bounds(bounds, sides):
    """(min, max) of the bounds given, None for the absent one."""
    if sides == "both":
        return bounds[0], bounds[1]
    return (bounds[0], None) if sides == "min" else (None, bounds[0])


def sides_of(lo, hi):
    """The `sides` of clamp_tensor for bounds lo and hi, either of which may be None."""
    return "both" if lo is not None and hi is not None else "min" if lo is not None else "max"


def _side_of(i, sides):
    """Which bound input i (1 or 2) is."""
    return "max" if i == 2 or sides == "max" else "min"


@primitive("clamp_tensor", title="clamp")
def clamp_tensor(x, *bounds, sides="both", dtype=None):
    """x limited to [min, max] elementwise, broadcast with the bounds: `bounds` are (min, max), (min,) or (max,) as
    `sides` says ("both", "min", "max"), all converted to `dtype` first. min > max gives max; a NaN in x or a bound
    gives NaN (np.clip's)."""
    x, *bounds = _in(dtype or np.result_type(x, *bounds), x, *bounds)
    lo, hi = _bounds(bounds, sides)
    return np.clip(x, lo, hi)


def _vjp(i, g, out, x, *bounds, sides="both", dtype=None):
    xd, *bounds = _in(out.dtype, x, *bounds)
    lo, hi = _bounds(bounds, sides)
    if i == 0:  # x: clip's rule, g where min <= x <= max (0 outside even for an infinite or NaN g)
        return clip_rule(g, out, xd, lo, hi)
    if _side_of(i, sides) == "min":
        chosen = xd < lo
        if hi is not None:
            chosen = chosen & (lo < hi)
    else:
        chosen = xd > hi
        if lo is not None:
            chosen = chosen | (hi < lo)
    return where(chosen, g, 0)


def _jvp(i, t, out, x, *bounds, sides="both", dtype=None):
    """PyTorch's clamp_jvp: where(min > max, max_t, where(x < min, min_t, where(x > max, max_t, x_t))), and with one
    bound where(x > min, x_t, min_t) or where(x < max, x_t, max_t): each input's tangent where it is the one chosen."""
    xd, *bounds = _in(out.dtype, x, *bounds)
    lo, hi = _bounds(bounds, sides)
    if sides == "min":
        x_chosen = xd > lo
    elif sides == "max":
        x_chosen = xd < hi
    else:
        crossed, below, above = lo > hi, xd < lo, xd > hi
        if i == 0:
            chosen = ~crossed & ~below & ~above
        elif i == 1:
            chosen = ~crossed & below
        else:
            chosen = crossed | (~below & above)
        return where(chosen, t, 0)
    return where(x_chosen if i == 0 else ~x_chosen, t, 0)


def _one_side_jvp(i, t, out, x, bound, sides, dtype=None):
    """clamp_min's where(x >= min, x_t, min_t) and clamp_max's where(x <= max, x_t, max_t): x's tangent at ties."""
    xd, bd = _in(out.dtype, x, bound)
    x_chosen = xd >= bd if sides == "min" else xd <= bd
    return where(x_chosen if i == 0 else ~x_chosen, t, 0)


clamp_tensor.defvjp_argnum(_vjp, formula="g⊙[chosen]")
clamp_tensor.defjvp_argnum(_jvp)
clamp_tensor.keeps_for_name = lambda params: {"sides": params.get("sides")}  # which bound an edge is (grad_fn_names)
# torch.clamp_min(x, b) / clamp_max(x, b) with a tensor b: their own nodes, with their own tangent rule
clamp_min_tensor = clamp_tensor.named("ClampMinBackward1").defjvp_argnum(_one_side_jvp)
clamp_max_tensor = clamp_tensor.named("ClampMaxBackward1").defjvp_argnum(_one_side_jvp)
