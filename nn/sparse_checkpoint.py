"""Sparse entries of checkpoint files (`Module.save` / `Module.load`, nn/checkpoint.py).

An .npz holds plain arrays only, so a sparse state-dict entry KEY (a sparse parameter: COO, CSR, CSC, BSR, BSC) is
stored as several members named `KEY#LAYOUT.PART` ('#' never appears in a parameter's name, so they cannot collide
with a dense entry): for sparse_coo the parts `indices`, `values`, `size` and `is_coalesced` (0-d bool); for the
compressed layouts `compressed_indices`, `plain_indices`, `values` and `size`. A file without such members (every
file written before sparse entries could be saved) reads as it always did.

On loading, every part is checked before its data is read (numeric dtype; no larger than a sparse tensor of the
model's shape can be), and the parts are assembled by the public constructors, which check the indices against the
size; any problem is a CheckpointError naming the file and the key.
"""

from __future__ import annotations

import math

import numpy as np

from autograd_core.sparse_array import SparseData

MARK = "#"  # KEY#LAYOUT.PART
PARTS = {
    "sparse_coo": ("indices", "values", "size", "is_coalesced"),
    **{layout: ("compressed_indices", "plain_indices", "values", "size")
       for layout in ("sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc")},
}


def is_sparse_entry(value):
    """Whether a state-dict value is a sparse tensor (stored as parts)."""
    return isinstance(getattr(value, "data", None), SparseData)


def sparse_members(key, value):
    """{member name: ndarray} of sparse tensor `value` stored under state-dict key `key`."""
    data = value.data
    layout = str(value.layout).removeprefix("torch.")
    size = np.array(data.shape, dtype=np.int64)
    if layout == "sparse_coo":
        arrays = (data.indices, data.values, size, np.array(data.coalesced))
    else:
        arrays = (data.compressed, data.plain, data.values, size)
    return {f"{key}{MARK}{layout}.{part}": np.asarray(array) for part, array in zip(PARTS[layout], arrays)}


def split_member(name):
    """(key, layout, part) of a sparse entry's member name, or None for a dense entry's."""
    key, mark, rest = name.rpartition(MARK)
    if not mark:
        return None
    layout, _, part = rest.partition(".")
    if part not in PARTS.get(layout, ()):
        return None
    return key, layout, part


def part_limit(current):
    """The most bytes one part of a sparse entry for the model's entry `current` may hold: that of an index array of
    every position of its shape (no sparse tensor of that shape needs more), plus a little for the small parts."""
    shape = np.shape(current)
    return 8 * (len(shape) + 1) * max(math.prod(shape), 1) + 1024


def assemble(where, layout, parts):
    """The sparse tensor of `layout` made of `parts` ({part: ndarray}), checked by the public constructors; raises
    ValueError (with what is wrong) for missing parts or parts that do not make a valid tensor."""
    import autograd_core as ag

    missing = [part for part in PARTS[layout] if part not in parts]
    if missing:
        raise ValueError(f"{where}: the sparse entry lacks its part(s) {missing}")
    size = tuple(int(n) for n in parts["size"].reshape(-1))
    values = ag.tensor(parts["values"], dtype=parts["values"].dtype)
    try:
        if layout == "sparse_coo":
            coalesced = bool(parts["is_coalesced"].reshape(-1)[0]) if parts["is_coalesced"].size else False
            return ag.sparse_coo_tensor(parts["indices"], values, size, is_coalesced=coalesced or None)
        return ag.sparse_compressed_tensor(parts["compressed_indices"], parts["plain_indices"], values, size,
                                           layout=getattr(ag, layout))
    except (ValueError, TypeError, RuntimeError, IndexError) as err:
        raise ValueError(f"{where}: the sparse entry's parts do not make a {layout} tensor ({err})") from None
