"""How a DataLoader turns samples into what it yields, as `torch.utils.data`'s: `default_collate` (a list of samples
-> one batch) and `default_convert` (one sample, when batching is off). Re-exported by `autograd_core.utils.data`.
"""

from __future__ import annotations

import collections.abc
import numbers

import numpy as np

from ..errors import ShapeError
from ..torch_functions import stack
from ..value import Value

__all__ = ["default_collate", "default_convert"]

_NOT_NUMERIC = "SaUO"  # NumPy dtype kinds of strings and objects, which make no tensor


def _plain_value(data):
    data = np.asarray(data)
    return Value(data[()] if data.ndim == 0 else data, requires_grad=False, dtype=data.dtype)


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _same_type(template, items):
    """`items` (a list) in the container type of `template` when that type can be built from a list, else a list."""
    try:
        return type(template)(items)
    except TypeError:
        return items


def _collate_error(elem):
    return TypeError("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                     f"found {type(elem)}")


def default_collate(batch):
    """Stack a list of samples into one batch, as PyTorch's `default_collate`:

    * Values -> one Value with a new first axis (`stack`: it keeps the graph when a sample requires grad);
      all samples must have one shape (RuntimeError otherwise);
    * NumPy arrays and NumPy scalars -> a Value of their dtype, batch first;
    * Python floats -> a float64 Value (len,), ints -> int64, bools -> bool; strings and bytes -> the list as is;
    * dicts (mappings) -> the same mapping type, collated key by key; named tuples -> the same named tuple,
      field by field; other tuples -> a LIST of collated fields (PyTorch's rule); lists (sequences) -> the same
      type, element by element, all samples of equal length (RuntimeError otherwise).
    Anything else is a TypeError.
    """
    elem = batch[0]
    if isinstance(elem, Value):
        if len({tuple(b.shape) for b in batch}) > 1:
            raise ShapeError(f"default_collate: stack expects each tensor to be equal size, got shapes "
                             f"{[tuple(b.shape) for b in batch]}")
        if any(b.requires_grad for b in batch):
            return stack(batch)
        return _plain_value(np.stack([b.data for b in batch]))
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        if elem.dtype.kind in _NOT_NUMERIC:
            raise _collate_error(elem)
        if isinstance(elem, np.ndarray) and len({b.shape for b in batch}) > 1:
            raise ShapeError(f"default_collate: stack expects each tensor to be equal size, got shapes "
                             f"{[b.shape for b in batch]}")
        return _plain_value(np.stack(batch) if isinstance(elem, np.ndarray) else np.asarray(batch))
    if isinstance(elem, bool):
        return _plain_value(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, float):
        return _plain_value(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, numbers.Integral):
        return _plain_value(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        return _same_type(elem, collated)
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(b) != len(elem) for b in batch):
            raise ShapeError("each element in list of batch should be of equal size")
        collated = [default_collate(list(field)) for field in zip(*batch)]
        return collated if isinstance(elem, tuple) else _same_type(elem, collated)
    raise _collate_error(elem)


def default_convert(data):
    """One sample as a loader yields it without batching (`batch_size=None`), as PyTorch's `default_convert`:
    NumPy arrays and scalars (numeric) become Values of their own shape; Values, Python numbers and strings stay as
    they are; mappings and named tuples keep their type and are converted field by field; other tuples become
    LISTS (PyTorch's rule) and other sequences keep their type when it can be rebuilt from a list."""
    if isinstance(data, Value):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        return data if data.dtype.kind in _NOT_NUMERIC else _plain_value(data)
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return _same_type(data, {key: default_convert(v) for key, v in data.items()})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        return _same_type(data, [default_convert(d) for d in data])
    return data
