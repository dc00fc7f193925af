"""`StateArray`: a value of `Module.state_dict()`. It shares memory with the parameter or buffer it was taken from,
as the detached tensors of PyTorch's state dicts share their parameters' storage, so PyTorch's EMA loops work:

    with no_grad():
        for ema_v, model_v in zip(ema.state_dict().values(), model.state_dict().values()):
            ema_v.mul_(decay).add_(model_v, alpha=1 - decay)       # timm's ModelEmaV2: ema's parameters change

and so does PyTorch's pitfall: `best = model.state_dict()` follows training. Keep a snapshot with
`copy.deepcopy(model.state_dict())` or `{k: v.clone() for k, v in model.state_dict().items()}`.

A StateArray is a ParameterArray (an ndarray with PyTorch's tensor methods). A change through it with the in-place
tensor methods (`copy_`, `mul_`, `add_`, `lerp_`, `zero_`, `normal_`, ...), item assignment (`v[0] = x`) or the
augmented operators (`v *= d`) counts as a change of its parameter: the parameter's version counter notes it, so a
graph that read the old numbers refuses to backpropagate, as PyTorch's (whose `detach()` shares the counter). Raw
NumPy writes (`np.copyto(v, x)`, `np.add(v, x, out=v)`), changes through a view of the entry (`v[0].zero_()`) and
changes of a buffer's entry change the memory without that note, as `p.data` writes do (`version_counter.mark_changed`).

A 0-d parameter holds a NumPy scalar (a float, as micrograd's code expects), which no array can share: its entry is
a 0-d array that reads the parameter before each of those in-place changes and writes the result back after it, so
the change reaches the parameter as PyTorch's would; read without a change, it shows the number it was taken with.

Copies (`clone()`, `copy()`, `copy.deepcopy`, `np.array(v)`, pickling, `autograd_core.save`, `np.savez`) are
independent arrays: they keep no link to the parameter.
"""

from __future__ import annotations

import numpy as np

from autograd_core.grad_array import ParameterArray
from autograd_core.version_counter import mark_changed
from autograd_core.sparse_array import SparseData

# In-place methods of Value, reached through `_in_place_through_value`, that change no number.
_NO_CHANGE = frozenset(("requires_grad_", "share_memory_"))


class StateArray(ParameterArray):
    """A state dict's value: memory shared with a parameter or buffer (see the module's docstring)."""

    # Class defaults: a copy or a view of an entry (NumPy makes them without __dict__ entries) is linked to nothing.
    _owner = None        # the Parameter, or the Module holding the buffer
    _attribute = None    # None for a parameter, the buffer's name for a buffer
    _scalar = False      # a 0-d copy of a NumPy scalar, written back after each change

    def _current(self):
        return self._owner.data if self._attribute is None else getattr(self._owner, self._attribute, None)

    def _before_change(self):
        if self._scalar:  # the parameter's number now (an optimizer's step gave it a new scalar)
            current = self._current()
            if np.ndim(current) == 0:
                np.copyto(self, current, casting="unsafe")

    def _after_change(self):
        owner = self._owner
        if owner is None:
            return
        if self._scalar:
            if np.ndim(self._current()) != 0:  # the parameter or buffer was given an array of another shape since
                return
            number = np.ndarray.__getitem__(self, ())  # a NumPy scalar of the entry's dtype, as the owner held
            if self._attribute is None:
                owner.data = number
            else:
                setattr(owner, self._attribute, number)
        elif self._attribute is not None or not np.may_share_memory(self, owner.data):
            return  # a buffer (no version counter), or a parameter given another array since (no longer shared)
        if self._attribute is None:
            mark_changed(owner)  # graphs that read the old numbers refuse to backpropagate, as PyTorch's

    def _in_place_through_value(self, name, *args, **kwargs):
        if name in _NO_CHANGE:
            return ParameterArray._in_place_through_value(self, name, *args, **kwargs)
        self._before_change()
        result = super()._in_place_through_value(name, *args, **kwargs)
        self._after_change()
        return result


def _counted(name):
    """StateArray's `name`: ParameterArray's (looked up at each call: a compile recording replaces some), with the
    change noted on the parameter."""

    def method(self, *args, **kwargs):
        self._before_change()
        result = getattr(super(StateArray, self), name)(*args, **kwargs)
        self._after_change()
        return result

    method.__name__ = name
    method.__qualname__ = f"StateArray.{name}"
    method.__doc__ = getattr(ParameterArray, name).__doc__
    return method


# (zero_ and fill_ write through __setitem__: counted there, once)
for _name in ("copy_", "add_", "sub_", "mul_", "div_", "clamp_", "fill", "__setitem__",
              "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__", "__ipow__",
              "__imatmul__", "__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__"):
    setattr(StateArray, _name, _counted(_name))
del _name


def state_array(owner, attribute, array):
    """The state dict's value for a parameter (owner: the Parameter, attribute None) or a buffer (owner: the Module,
    attribute: its name) whose array is `array`: a StateArray view of it, or for a NumPy scalar a 0-d copy written
    back after each in-place change."""
    if isinstance(array, SparseData):  # a sparse parameter's: a sparse tensor sharing its data (PyTorch's detach())
        return owner.detach()
    if isinstance(array, np.ndarray):
        entry = np.ndarray.view(array, StateArray)  # (NumPy's own: a ParameterArray's view() is PyTorch's, in Python)
    else:
        entry = np.array(array).view(StateArray)
        entry._scalar = True
    entry._owner, entry._attribute = owner, attribute
    return entry
