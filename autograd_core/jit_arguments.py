"""The arguments of a compiled step's call (jit.py): flattened into its live inputs (arrays and Values, read anew at
each replay) and a guard key of everything else (structure, shapes, dtypes, strides, Python numbers by value, grad
mode, the default dtype), which chooses among the compiled function's programs; and the comparisons of a call's argument
arrays with those a recording saw. Kept apart from jit.py: plain functions of the arguments, with no state of the
compiler."""

from __future__ import annotations

import inspect
import numbers
import operator

import numpy as np

from .modes import GRAD_ENABLED
from .dtypes import DEFAULTS as _DEFAULTS  # its dtype: a guard (factories inside the function read it)
from .jit_references import _same_contents
from .value import Value


def _flatten(obj, leaves, key):
    # An array's strides are part of its key: the layout of an elementwise result follows its inputs' (x.T * w is
    # Fortran-ordered), a replay writes into buffers laid out as the recorded results were, and a reduction sums in
    # memory order, so a batch in another layout than the recorded one's must be recorded again to give eager bits.
    if isinstance(obj, Value):
        leaves.append(obj)
        key.append(("V", obj.shape, obj.dtype.str, obj.requires_grad, obj.data.strides))
    elif isinstance(obj, np.ndarray):
        leaves.append(obj)
        key.append(("A", obj.shape, obj.dtype.str, obj.strides))
    elif isinstance(obj, (tuple, list)):
        key.append((type(obj).__name__, len(obj)))
        for item in obj:
            _flatten(item, leaves, key)
    elif isinstance(obj, dict):
        key.append(("dict", tuple(obj)))
        for item in obj.values():
            _flatten(item, leaves, key)
    elif obj is None or isinstance(obj, (bool, numbers.Number, str, np.generic)):
        key.append(("S", type(obj).__name__, obj))
    else:
        key.append(("O", id(obj)))  # modules, optimizers, functions: by identity


_NUMBER_VALUES = 8  # values of a Python number argument recorded before new ones run eagerly (Compiled.__call__)


def _is_number_entry(entry):
    """Whether a guard key's entry stands for a Python or NumPy number argument (not a bool: a flag, few values)."""
    return entry.__class__ is tuple and len(entry) == 3 and entry[0] == "S" and entry[1] not in ("bool", "str",
                                                                                                  "NoneType")


def _without_numbers(key):
    """`key` with the values of its number arguments left out; `key` itself when it has none."""
    if not any(_is_number_entry(entry) for entry in key):
        return key
    return tuple(("S", entry[1]) if _is_number_entry(entry) else entry for entry in key)


def _changing_numbers(fn, args, kwargs, keys):
    """Words for the number arguments whose values differ among `keys` (guard keys alike but for numbers): their
    names where the signature binds them ("argument 'step' (0, 1, 2, ...)"), else their positions among the numbers."""
    numbered = [i for i, entry in enumerate(keys[0]) if _is_number_entry(entry)]
    positions = [i for i in numbered if len({key[i][2] for key in keys}) > 1]
    names = {}
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs).arguments
        top = [name for name, value in bound.items() if isinstance(value, numbers.Number) and
               not isinstance(value, bool)]
        if len(top) == len(numbered):  # the numbers are top-level arguments, in order: name them
            names = dict(zip(numbered, top))
    except (TypeError, ValueError):  # a builtin or a callable object without a signature to read
        pass
    words = []
    for i in positions:
        values = ", ".join(repr(key[i][2]) for key in keys[:4])
        label = (f"argument {names[i]!r}" if i in names else
                 f"number {numbered.index(i) + 1} among the arguments (counting those in lists, tuples and dicts)")
        words.append(f"{label} ({values}, ...)")
    return " and ".join(words) or "a Python number argument"


def _numbers_in(obj, found=None):
    """The Python numbers inside nested tuples, lists and dicts, as a list (kept alive: compared by identity)."""
    found = [] if found is None else found
    if isinstance(obj, (tuple, list)):
        for item in obj:
            _numbers_in(item, found)
    elif isinstance(obj, dict):
        for item in obj.values():
            _numbers_in(item, found)
    elif isinstance(obj, numbers.Number) and not isinstance(obj, np.generic):
        found.append(obj)
    return found


def _argument_arrays(leaves):
    """A call's argument arrays: the arrays among its leaves, then the data of its Values."""
    return [a for a in leaves if a.__class__ is np.ndarray] + [
        leaf.data for leaf in leaves if isinstance(leaf, Value) and leaf.data.__class__ is np.ndarray]


def _same_data(data, other):
    """Whether two recordings' argument arrays (copies taken as each call started) held the same data."""
    return len(data) == len(other) and all(_same_contents(a, b) for a, b in zip(data, other))


def _same_arguments(recorded, leaves):
    """Whether this call's argument arrays are those a tentative program was recorded on (`recorded`): the same
    objects (changes made to them in place are not looked for, as elsewhere), or equal ones."""
    if len(leaves) == len(recorded) and all(map(operator.is_, leaves, recorded)):
        return True  # every argument an array, the very ones recorded: full-batch training, checked at each replay
    current = _argument_arrays(leaves)
    return len(current) == len(recorded) and all(a is b or _same_contents(a, b) for a, b in zip(current, recorded))


def _guard_key(args, kwargs):
    if not kwargs:  # the usual call, step(x, y) with arrays: its key without the general walk
        key = [GRAD_ENABLED.get(), _DEFAULTS["dtype"], len(args)]  # (a number where the general key has a tuple)
        for arg in args:
            if arg.__class__ is not np.ndarray:
                break
            key.append((arg.shape, arg.dtype, arg.strides))
        else:
            return tuple(key), list(args)
    leaves, key = [], [GRAD_ENABLED.get(), _DEFAULTS["dtype"]]
    _flatten(args, leaves, key)
    if kwargs:
        _flatten(dict(sorted(kwargs.items())), leaves, key)
    return tuple(key), leaves
