"""Where a compiled step's data comes from at replay (jit_plan.py): the half of the plan that names things. `_Names`
binds the objects a program refers to (parameters, constants, functions) to names of its namespace; `_PlanSources`,
a base class of `_Plan`, gives the expression of each Value and array the recording saw: an argument's array or a
reshape of it, an intermediate result, a parameter read live through `.data` (with the guard on its shape, dtype and
requires_grad), or a constant baked from the recording. `_unsupported` makes the error (jit.py's `_Unsupported`) the
plan's modules raise for what a replay cannot repeat."""

from __future__ import annotations

import numpy as np

from .value import Value


_REQUIRES_GRAD = Value.requires_grad  # (the property that reads the slot _requires_grad)


class _Names:
    """The namespace of the generated function: objects it refers to by name."""

    def __init__(self):
        self.objects = {}
        self.by_id = {}

    def bind(self, prefix, obj, reuse=True):
        key = (prefix, id(obj))
        if reuse and key in self.by_id:
            return self.by_id[key]
        name = f"{prefix}{len(self.objects)}"
        self.objects[name] = obj
        if reuse:
            self.by_id[key] = name
        return name


def _unsupported(reason):
    from .jit import _Unsupported

    return _Unsupported(reason)


class _PlanSources:
    """The expressions of a plan's data (see the module's docstring); `_Plan` supplies the state they read."""

    def value(self, v):
        expr = self.exprs.get(id(v))
        if expr is not None:
            return expr
        if v.creation_index < self.start and id(v) not in self.shared_constants:  # a parameter: read live
            name = self.ns.bind("E", v)
            expr = f"{name}.data"
            # Its shape, dtype, strides and requires_grad as recorded, and no hook registered since (the replay would
            # not call it; where the program's outputs are nodes of the graph, the engine's backward pass calls
            # the hooks). Written out rather than a call: one per parameter, before every replay. Its data read once
            # (a Parameter's `.data` is a property), and requires_grad from its slot where the class reads it so.
            # The strides as an argument's are (jit_arguments._flatten): `p.data = np.asfortranarray(...)` lays out
            # the elementwise results of p otherwise in eager mode, which a replay's buffers would not follow, and a
            # reduction sums in memory order.
            hooks = "" if self.graph_outputs else f" or {name}._hooks"
            requires_grad = "_requires_grad" if type(v).requires_grad is _REQUIRES_GRAD else "requires_grad"
            self.guards_start.append(
                f"if (_d := {name}.data).shape != {self.constant(v.shape)} or _d.dtype != {self.constant(v.dtype)}"
                f" or _d.strides != {self.constant(np.asarray(v.data).strides)}"
                f" or {name}.{requires_grad} is not {self.constant(v.requires_grad)}{hooks}: raise GuardFailed()")
        elif id(v.data) in self.arrays:          # wraps an argument's or an intermediate's array
            expr = self.arrays[id(v.data)]
        elif id(self.former.get(id(v))) in self.arrays:  # the former contents of a Value made from a live array
            expr = self.arrays[id(self.former[id(v)])]
        elif isinstance(v.data, np.ndarray) and self._reshaped_live(v.data) is not None:
            expr = self._reshaped_live(v.data)
        else:                                   # made inside the call from other data: a constant
            expr = self.constant(v.data)
        self.exprs[id(v)] = expr
        return expr

    def _convert(self, source, result):
        """Value(argument, dtype=...) copied a live array into another dtype: convert the new one likewise."""
        if id(result) in self.arrays:
            return  # made by a recorded operation, or noted already (jit_arrays: tensor() of a NumPy conversion)
        live = self.arrays.get(id(source))
        if live is None:
            live = self._reshaped_live(source)
        if live is None:
            return  # converted from a constant: the result is a constant too
        t = self.temp()
        scalar = "[()]" if isinstance(result, np.generic) else ""  # Value stores 0-d data as a NumPy scalar
        self.lines.append(f"{t} = _astype({live}, {self.constant(result.dtype)}){scalar}")
        self.arrays[id(result)] = t
        self._keep.append(result)

    def _live_base(self, arr):
        """The live array (an argument's, an intermediate's) that `arr` is a reshaped view of, or None."""
        base = arr.base
        while base is not None and id(base) not in self.arrays:
            base = base.base if isinstance(base, np.ndarray) else None
        if (base is None or base.size != arr.size or base.dtype != arr.dtype or not arr.flags.c_contiguous
                or not base.flags.c_contiguous):
            return None
        return base

    def _start_expr(self, a):
        """An expression for `a` (as `param` would give) that a replay can evaluate before anything else: an
        argument's array or a reshape of one, or a constant; None for data the program computes."""
        if not isinstance(a, np.ndarray):
            return self.constant(a)
        live = self.arrays.get(id(a))
        base = None if live is not None else self._live_base(a)
        if live is None and base is None:
            return self.constant(a)  # made by the call from other data: baked, as param() does
        root = live if base is None else self.arrays[id(base)]
        if root.split(".")[0] not in self.args:  # "A1", "A0.data": an argument's own array
            return None
        return root if base is None or base.shape == a.shape else f"_reshape({root}, {self.constant(a.shape)})"

    def _reshaped_live(self, arr):
        """An expression for `arr` when it is a reshaped view of a live array (labels.reshape(-1) of an
        argument, say): the same reshape of the new array at replay. None otherwise."""
        base = self._live_base(arr)
        if base is None:
            return None
        if arr.shape == base.shape:  # a view of the whole array as it is (labels.reshape(-1) of 1-D labels)
            return self.arrays[id(base)]
        cached = self.exprs.get(("view", id(arr)))
        if cached is None:
            cached = self.temp()
            self.lines.append(f"{cached} = _reshape({self.arrays[id(base)]}, {self.constant(arr.shape)})")
            self.exprs[("view", id(arr))] = cached
            self._keep.append(arr)
        return cached

    def constant(self, obj):
        name = self.ns.bind("C", obj, reuse=False)
        self.constants.append(name)
        return name

    def param(self, value):
        if isinstance(value, np.ndarray):
            live = self.arrays.get(id(value))
            if live is None:
                live = self._reshaped_live(value)
            return live if live is not None else self.constant(value)
        if isinstance(value, np.generic) and id(value) in self.arrays:  # a 0-d result the call computed (an argmax)
            return self.arrays[id(value)]
        if value.__class__ is tuple and any(isinstance(v, np.ndarray) for v in value):
            # An index (rows, labels): each array in it live where it can be, the rest constants.
            return "(" + "".join(f"{self.param(v)}, " for v in value) + ")"
        return self.constant(value)

    def _passed(self, a):
        """An effect's argument: arrays and Values computed by the call live, anything else a constant."""
        return self.value(a) if isinstance(a, Value) else self.param(a)

    def _kwargs(self, params):
        if not params:
            return ""
        return "".join(f", {k}={self.param(v)}" for k, v in params.items())

    def _grad_source(self, new, assigned=None):
        """The expression of an array assigned to a .grad in the call: a copy of a live array the call computed, else
        a copy of a constant each call; `assigned`: its contents when assigned, if a pass added into it since."""
        live = self.arrays.get(id(new))
        if live is not None:
            t = self.temp()
            self.lines.append(f"{t} = _copy({live})")
            return t
        if not isinstance(new, np.ndarray):  # a number (micrograd's `p.grad = 0.0`): the setter makes the array
            return self.constant(new)
        t = self.temp()
        self.lines.append(f"{t} = _copy({self.constant(new if assigned is None else assigned)})")  # a copy each
        return t  # call: users (and a backward pass's AccumulateGrad) may change .grad in place

    def temp(self):
        self.temps += 1
        return f"g{self.temps}"

    def value_owner(self, v):
        self.value(v)
        return self.ns.bind("E", v)
