"""PyTorch's lazy conjugate and negative bits, as users query them (`is_conj()`, `is_neg()`) and as `numpy()`,
`np.asarray`, `view_as_real` and `view(dtype)` refuse them.

In PyTorch `x.conj()` of a complex tensor is a view with the conjugate bit set, and every view of it (reshape when
it can view, transpose, slicing, expand, select, diagonal, detach, ...) keeps the bit; a copy (clone, contiguous
of a strided view, advanced indexing, arithmetic) resolves it. Here the conjugate is computed at once, so the bit
only tells users what PyTorch would say. It is kept off every operation's path: the result of conj() (H, mH,
adjoint()) is remembered by identity, and so is the array holding its numbers; a Value is a view of a conjugate
when its data is a NumPy view of that array (the `.base` chain), which is exactly where PyTorch's view keeps the bit,
as this library's views share memory where PyTorch's do (flip and rot90 copy, as PyTorch's; tests/test_complex_gaps2.py
checks ~50 operations against PyTorch). Real-dtype views of such an array are the real parts (no bit) and the
imaginary parts (the negative bit: Im z̄ = −Im z), told apart by their offset inside each complex element.
A 0-d Value holds a NumPy scalar, which no view shares: its bit is remembered by the scalar's identity too (its
detach()es hold the same object), and a view made of it (`view(1)`, `c[None]`, `expand`), or one element read out of
a Value with a bit (`c[0, 1]`, a copy here), is given the bit itself by `carry_to_element`, which the engine's view
bookkeeping calls; so all answer as PyTorch's views do (tests/test_core_gaps3.py). The scalar is not made a 0-d array
for this: arithmetic on a 0-d array may differ from a NumPy scalar's in the last bit, and compiled steps replay the
scalar's.
"""

from __future__ import annotations

import weakref

import numpy as np

# Set once the first bit is set: until then numpy(), np.asarray and view(dtype) pay one list read.
BITS_SET = [False]

_CONJUGATE_VALUES = weakref.WeakValueDictionary()  # id -> the Value carrying the bit itself
_CONJUGATE_DATA = weakref.WeakValueDictionary()    # id -> the array of its numbers (views share it)
_CONJUGATE_SCALARS = weakref.WeakValueDictionary()  # id of a 0-d one's NumPy scalar -> that Value (which keeps it)
_NEGATIVE_VALUES = weakref.WeakValueDictionary()
_NEGATIVE_DATA = weakref.WeakValueDictionary()
_NEGATIVE_SCALARS = weakref.WeakValueDictionary()


def _remember(values, arrays, scalars, v):
    BITS_SET[0] = True
    values[id(v)] = v
    data = v.data
    if isinstance(data, np.ndarray):
        arrays[id(data)] = data
    else:  # a NumPy scalar takes no weak reference: the Value holding it does, and keeps its id from being reused
        scalars[id(data)] = v
    return v


def _scalar_flagged(data, scalars):
    owner = scalars.get(id(data))
    return owner is not None and owner.data is data


def mark_conjugate(v):
    """Give Value v the conjugate bit (v: the fresh result of a conjugation). Returns v."""
    return _remember(_CONJUGATE_VALUES, _CONJUGATE_DATA, _CONJUGATE_SCALARS, v)


def mark_negative(v):
    """Give Value v the negative bit. Returns v."""
    return _remember(_NEGATIVE_VALUES, _NEGATIVE_DATA, _NEGATIVE_SCALARS, v)


def carry_to_element(element, source):
    """Give `element`, the result of a view operation on `source` that shares no memory with it here (one element
    `c[0, 1]`, a NumPy scalar; any view of a 0-d Value), the bits `source` carries, as PyTorch's view would."""
    if is_conjugate(source):
        arrays = _CONJUGATE_DATA
        mark_conjugate(element)
    elif is_negative(source):
        arrays = _NEGATIVE_DATA
        mark_negative(element)
    else:
        return
    owner = getattr(element.data, "base", None)
    if owner is not None:  # the array NumPy made of a 0-d source's scalar for this view: its views (which NumPy bases
        arrays[id(owner)] = owner  # on it, past element's own array) carry the bit too


def _flagged_array_under(data, arrays):
    """The array of `arrays` that `data` is or views (following NumPy's .base chain), or None."""
    while data is not None:
        if arrays.get(id(data)) is data:
            return data
        data = getattr(data, "base", None)
    return None


def data_is_conjugate(data):
    """Whether a complex array holds the numbers of a Value with the conjugate bit, or views them."""
    if not (BITS_SET[0] and getattr(data, "dtype", None) is not None and data.dtype.kind == "c"):
        return False
    if not isinstance(data, np.ndarray):
        return _scalar_flagged(data, _CONJUGATE_SCALARS)
    return _flagged_array_under(data, _CONJUGATE_DATA) is not None


def is_conjugate(v):
    """PyTorch's `v.is_conj()`: v is the result of conj(), H, mH or adjoint() of a complex Value, or a view of one."""
    if not BITS_SET[0]:
        return False
    return _CONJUGATE_VALUES.get(id(v)) is v or data_is_conjugate(v.data)


def is_negative(v):
    """PyTorch's `v.is_neg()`: v is the imaginary part of a conjugate (or a view of that), or the result of
    `_neg_view` (or a view of that)."""
    if not BITS_SET[0]:
        return False
    if _NEGATIVE_VALUES.get(id(v)) is v:
        return True
    data = v.data
    if not isinstance(data, np.ndarray):
        return _scalar_flagged(data, _NEGATIVE_SCALARS)
    if data.dtype.kind == "c":
        return False
    if _flagged_array_under(data, _NEGATIVE_DATA) is not None:
        return True
    owner = _flagged_array_under(data, _CONJUGATE_DATA)
    if owner is None or owner.dtype.kind != "c" or owner.dtype.itemsize != 2 * data.dtype.itemsize:
        return False
    offset = data.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    return offset % owner.dtype.itemsize == data.dtype.itemsize  # the second half of each element: the imaginary part


def refuse_for_numpy(v):
    """PyTorch's RuntimeError for numpy() (and np.asarray) of a Value carrying a lazy bit, word for word. PyTorch
    checks requires_grad first: such a Value that requires grad gets that error (np.asarray of other Values that
    require grad is allowed here, where PyTorch refuses it too)."""
    conjugate = is_conjugate(v)
    if v.requires_grad and (conjugate or is_negative(v)):
        raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
    if conjugate:
        raise RuntimeError("Can't call numpy() on Tensor that has conjugate bit set. Use tensor.resolve_conj().numpy() "
                           "instead.")
    if is_negative(v):
        raise RuntimeError("Can't call numpy() on Tensor that has negative bit set. Use tensor.resolve_neg().numpy() "
                           "instead.")


def refuse_dtype_view(v):
    """PyTorch's RuntimeError for x.view(dtype) of a Value carrying the conjugate bit (any dtype, its own too)."""
    if is_conjugate(v):
        raise RuntimeError("torch.Tensor.view is not supported for conjugate view tensors when converting to a "
                           "different dtype.")


def refuse_view_as_real(data):
    """PyTorch's RuntimeError for view_as_real of (the data of) a Value carrying the conjugate bit."""
    if data_is_conjugate(data):
        raise RuntimeError("view_as_real doesn't work on unresolved conjugated tensors.  To resolve the conjugate "
                           "tensor so you can view it as real, use self.resolve_conj(); however, be warned that the "
                           "resulting tensor will NOT alias the original.")
