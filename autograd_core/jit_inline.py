"""The VJP rules of the commonest primitives written out inline in a compiled step (jit_plan.py): templates of the
rules' own expressions (the same NumPy operations in the same order, so the same numbers) that the plan writes into
a program's lines instead of a call of the rule, the ufuncs those templates call (`_UFUNCS`, also in a program's
namespace: jit_runtime.py), and the check, run once per recorded rule, that a template still computes what its rule
computes."""

from __future__ import annotations

import numpy as np

from .ops.elementwise import relu_backward

_INLINE = {}
# template -> the same rule written into g (ReLU's; see _Plan._update_in_place)
_IN_PLACE = {"_relu_backward({g}, {out})": "_relu_backward({g}, {out}, {g})"}
# What the templates call. Where every operand is an array, a template calls the ufunc itself (a few tens of
# nanoseconds less than the operator) and takes its numbers 1 and 0 as 0-d arrays of the data's dtype: a
# Python number costs NumPy a conversion of about 400 ns per call, and the result is the same (a Python
# number meets an array in the array's dtype).
_UFUNCS = {"_add": np.add, "_sub": np.subtract, "_mul": np.multiply, "_div": np.divide, "_neg": np.negative,
           "_matmul": np.matmul, "_add_reduce": np.add.reduce, "_relu_backward": relu_backward}
_PYTHON_UNITS = {"one": "1", "zero": "0"}


def _units(out, xs):
    """The constants 1 (like the output) and 0 (like the first input) for an array template: the eager rules'
    own (`number_like`: 0-d arrays of a float dtype, else the Python number)."""
    from .ops.elementwise import number_like

    return {"one": number_like(1, out), "zero": number_like(0, xs[0])}


def _inline_rules():
    """VJP rules of the commonest primitives as their expressions: the same NumPy operations in the same
    order as the rule (so the same numbers), without a Python call each. Keyed by the rule function, each a
    pair (template for Python numbers and NumPy scalars, template for arrays). (Other primitives declare
    theirs for arrays with `Primitive.definline`: nn's linear.)"""
    if not _INLINE:
        from .ops import elementwise as e

        for prim, templates in (
                (e.add, (("{g}", "{g}"), ("{g}", "{g}"))),
                (e.sub, (("{g}", "{g}"), ("-{g}", "_neg({g})"))),
                (e.neg, (("-{g}", "_neg({g})"),)),
                (e.mul, (("{g} * {x[1]}", "_mul({g}, {x[1]})"), ("{g} * {x[0]}", "_mul({g}, {x[0]})"))),
                (e.div, (("{g} / {x[1]}", "_div({g}, {x[1]})"),
                         ("-{g} * {out} / {x[1]}", "_div(_mul(_neg({g}), {out}), {x[1]})"))),
                (e.exp, (("{g} * {out}", "_mul({g}, {out})"),)),
                (e.tanh, (("{g} * (({one} - {out}) * ({one} + {out}))",  # float64 arrays: 1 - out·out
                           {None: "_mul({g}, _mul(_sub({one}, {out}), _add({one}, {out})))",
                            np.dtype(np.float64): "_mul({g}, _sub({one}, _mul({out}, {out})))"}),)),
                (e.relu, ((None, "_relu_backward({g}, {out})"),))):  # numbers: the rule itself
            for rule, pair in zip(prim.vjps, templates):
                _INLINE[rule] = pair
    return _INLINE


def _inline_agrees(template, units, gp, g, out, xs):
    """Whether the template computes what the rule computed on the recorded arrays (identity for g)."""
    if template == "{g}":
        return gp is g
    names = {"G": g, "OUT": out, **_UFUNCS, **{f"X{i}": x for i, x in enumerate(xs)},
             **{k.upper(): u for k, u in units.items()}}
    text = template.format(g="G", out="OUT", x=[f"X{i}" for i in range(len(xs))],
                           **{k: u if isinstance(u, str) else k.upper() for k, u in units.items()})
    try:
        value = eval(text, {}, names)  # our own template text (or a primitive's, from definline)
    except (ValueError, TypeError):  # a template for other shapes (linear's for 2-D, here on 3-D data)
        return False
    return (type(value) is type(gp) and np.shape(value) == np.shape(gp) and value.dtype == gp.dtype
            and np.array_equal(value, gp, equal_nan=True))
