"""A Value's storage, as PyTorch shows it: `x.storage()` and `x.untyped_storage()`.

PyTorch's tensors are views of a flat block of memory, and "Deep Learning with PyTorch" (chapter 3) teaches
strides and offsets by looking at it: `points.storage()` lists the six floats under a 3×2 tensor, `points.t()`
shares them, `points.storage()[0] = 2.0` changes `points`. Here the memory is a NumPy array's: the storage of x is
the whole array at the root of x.data's chain of views (`.base`), read flat in memory order, so a transpose, a row
or a slice of x has the same storage as x, and writing to the storage writes to every Value that views it. A 0-d
Value holds an immutable NumPy scalar rather than memory: its storage is a one-element array whose writes (`s[0] = v`,
`fill_`, `copy_`) are stored back into that Value (not into other Values sharing the scalar).
"""

from __future__ import annotations

import numbers

import numpy as np


def _memory(data):
    """The flat array of bytes at the root of `data`'s views, and whether it is shared (False: a copy)."""
    if not isinstance(data, np.ndarray):  # a 0-d Value's NumPy scalar: no memory of its own to share
        return np.array(data).reshape(-1).view(np.uint8), False
    root = data
    while isinstance(getattr(root, "base", None), np.ndarray):
        root = root.base
    root = np.ndarray.view(root, np.ndarray)
    if root.flags.c_contiguous:
        return root.reshape(-1).view(np.uint8), True
    if root.flags.f_contiguous:
        return root.T.reshape(-1).view(np.uint8), True
    # memory NumPy lays out with gaps (an array over a foreign buffer): the data's own elements, copied
    return np.ascontiguousarray(data).reshape(-1).view(np.uint8), False


class UntypedStorage:
    """The bytes under a Value (`x.untyped_storage()`): len() and nbytes() count them, `s[i]` is one byte (an
    int 0-255), data_ptr() is the address of the first; shared with every Value that views the same memory."""

    def __init__(self, data, device="cpu"):
        self._bytes, self._shared = _memory(data)
        self.device = device

    def __len__(self):
        return self._bytes.size

    def nbytes(self):
        """The number of bytes."""
        return self._bytes.size

    def size(self):
        """The number of bytes (PyTorch's UntypedStorage.size())."""
        return self._bytes.size

    def data_ptr(self):
        """The address of the first byte."""
        return self._bytes.__array_interface__["data"][0]

    def __getitem__(self, index):
        if isinstance(index, slice):
            storage = UntypedStorage.__new__(UntypedStorage)
            storage._bytes, storage._shared, storage.device = self._bytes[index], self._shared, self.device
            return storage
        return int(self._bytes[_position(index, len(self))])

    def __setitem__(self, index, value):
        self._bytes[index if isinstance(index, slice) else _position(index, len(self))] = value

    def tolist(self):
        """The bytes as a list of ints."""
        return self._bytes.tolist()

    def __iter__(self):
        return iter(self.tolist())

    def is_shared(self):
        """False: no memory is shared between processes here."""
        return False

    def __repr__(self):
        lines = [f" {b}" for b in self._bytes.tolist()] or [" "]
        return "\n".join([*lines, f"[autograd_core.storage.UntypedStorage(device={self.device}) of size {len(self)}]"])


class TypedStorage:
    """The elements under a Value, flat in memory order (`x.storage()`): `len(s)`, `s[i]` (a Python number),
    `s[i] = v` and `s[a:b] = v` (written into every Value that views this memory), `tolist()`, iteration,
    `fill_`, `copy_`, `clone`, `data_ptr()`, `element_size()`, `nbytes()`, `dtype`, `device`. As in PyTorch, its
    length is the whole memory's (a row of a 3×2 Value has a storage of 6), and slices read through
    `untyped_storage()` only."""

    def __init__(self, data, device="cpu", owner=None):
        dtype = np.asarray(data).dtype
        raw, self._shared = _memory(data)
        self._elements = raw[: raw.size - raw.size % dtype.itemsize].view(dtype)
        self.device = device
        self._owner = None if self._shared else owner  # a 0-d Value, whose scalar is replaced after each write

    def _written(self):
        if self._owner is not None and self._elements.size == 1:
            self._owner.data = self._elements[0]

    @property
    def dtype(self):
        """The element type (a NumPy dtype, as a Value's)."""
        return self._elements.dtype

    def __len__(self):
        return self._elements.size

    def size(self):
        """The number of elements."""
        return self._elements.size

    def element_size(self):
        """Bytes per element."""
        return self._elements.dtype.itemsize

    def nbytes(self):
        """Bytes of all the elements."""
        return self._elements.nbytes

    def data_ptr(self):
        """The address of the first element: equal for Values that share memory."""
        return self._elements.__array_interface__["data"][0]

    def untyped(self):
        """The same memory as bytes (an UntypedStorage)."""
        storage = UntypedStorage.__new__(UntypedStorage)
        storage._bytes, storage._shared, storage.device = self._elements.view(np.uint8), self._shared, self.device
        return storage

    def __getitem__(self, index):
        if isinstance(index, slice):
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        return self._elements[_position(index, len(self))].item()

    def __setitem__(self, index, value):
        if not isinstance(index, slice):
            index = _position(index, len(self))
        self._elements[index] = getattr(value, "data", value)
        self._written()

    def tolist(self):
        """The elements as a list of Python numbers."""
        return self._elements.tolist()

    def __iter__(self):
        return iter(self.tolist())

    def fill_(self, value):
        """Every element set to `value`, in place; returns the storage."""
        self._elements[...] = value
        self._written()
        return self

    def copy_(self, source):
        """The elements of `source` (a storage of the same size, or an array) copied in; returns the storage."""
        elements = source._elements if isinstance(source, TypedStorage) else np.asarray(getattr(source, "data", source))
        if np.size(elements) != len(self):
            raise RuntimeError(f"size mismatch: a storage of size {len(self)} cannot take {np.size(elements)} "
                               f"elements")
        self._elements[...] = np.reshape(elements, -1)
        self._written()
        return self

    def clone(self):
        """A storage with a copy of the elements (shared with nothing)."""
        return TypedStorage(self._elements.copy(), self.device)

    def is_shared(self):
        """False: no memory is shared between processes here."""
        return False

    def __repr__(self):
        lines = [f" {v}" for v in self._elements.tolist()] or [" "]
        return "\n".join([*lines, f"[autograd_core.storage.TypedStorage(dtype={self.dtype}, device={self.device}) "
                                  f"of size {len(self)}]"])


def _position(index, size):
    if not isinstance(index, numbers.Integral) or isinstance(index, bool):
        raise RuntimeError(f"can't index a {TypedStorage} with {type(index)}")
    if not -size <= index < size:
        raise IndexError(f"index {index} out of range for storage of size {size}")
    return index % size
