"""`torch.nn.utils.rnn`: variable-length sequences as one padded batch (`pad_sequence`, `unpad_sequence`) or as one
packed batch (`PackedSequence`, `pack_padded_sequence`, `pad_packed_sequence`, `pack_sequence`,
`unpack_sequence`), which the recurrent layers (RNN, LSTM, GRU) read step by step without the padding.

Packed layout (PyTorch's): the sequences sorted by decreasing length; `data` holds time step 0 of every sequence,
then time step 1 of those still running, and so on; `batch_sizes[t]` counts the sequences running at step t.
Packing and unpacking are each one differentiable indexing node, so gradients reach the padded input.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value, concatenate
from autograd_core.grad_fn_chain_tops import declare_top_of
from autograd_core.grad_fn_names import chain_layout
from autograd_core.one_node import shown_as
from autograd_core.ops import data_of, stack  # the primitive: sequences may be arrays (torch.stack refuses them)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Pad sequences of shapes (L_i, *) to the longest length T and stack them: (T, B, *), or (B, T, *) with
    batch_first=True. padding_side: 'right' (padding after each sequence) or 'left' (before it).

    Differentiable: each sequence's gradient is its slice of the batch's; the padding is a constant. Arrays are
    taken as sequences without gradient. The trailing shapes * must agree."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
    if isinstance(sequences, (Value, np.ndarray)):
        sequences = list(sequences)  # a tensor is taken as the list of its rows, as PyTorch
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    shapes = [tuple(np.shape(s.data if isinstance(s, Value) else s)) for s in sequences]
    if any(len(s) == 0 for s in shapes):
        raise ShapeError("pad_sequence: each sequence needs a length axis, got a 0-d one")
    trailing = shapes[0][1:]
    for i, shape in enumerate(shapes):
        if shape[1:] != trailing:
            raise ShapeError(f"pad_sequence: sequence {i} has trailing shape {shape[1:]}, sequence 0 has "
                             f"{trailing}; all must agree")
    dtype = np.result_type(*[np.asarray(s.data if isinstance(s, Value) else s).dtype for s in sequences])
    longest = max(shape[0] for shape in shapes)
    padded = []
    for seq, shape in zip(sequences, shapes):
        missing = longest - shape[0]
        if missing == 0:
            padded.append(seq)
            continue
        fill = np.full((missing,) + trailing, padding_value, dtype=dtype)
        padded.append(concatenate([seq, fill] if padding_side == "right" else [fill, seq]))
    return stack(padded, axis=0 if batch_first else 1)


def _int_array(x):
    return np.asarray(data_of(x)).astype(np.int64)


def _index_value(array):
    return Value(np.asarray(array, np.int64), requires_grad=False, dtype=np.int64)


class _PackedFields(NamedTuple):
    data: Value
    batch_sizes: Value
    sorted_indices: Value | None
    unsorted_indices: Value | None


class PackedSequence(_PackedFields):
    """A batch of variable-length sequences packed time step by time step (made by `pack_padded_sequence` or
    `pack_sequence`; do not build one by hand), a named tuple as PyTorch's:

    data (Σ lengths, *): the steps of all sequences, time step 0 of every sequence first (longest sequence first);
    batch_sizes (max length,) int64: how many sequences are running at each time step (non-increasing);
    sorted_indices (N,) int64 or None: sorted_indices[j] is the original batch position of the j-th longest
        sequence (None when the input was sorted already, enforce_sorted=True);
    unsorted_indices (N,) int64 or None: its inverse permutation.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            raise TypeError("PackedSequence needs batch_sizes: make one with pack_padded_sequence or pack_sequence")
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The same packing with `data.to(*args, **kwargs)` (a dtype or the CPU)."""
        return type(self)(self.data.to(*args, **kwargs), self.batch_sizes, self.sorted_indices,
                          self.unsorted_indices)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch: input (T, N, *) ((N, T, *) when batch_first), sequence i being the first lengths[i]
    steps of column i. lengths: a list, array or int64 Value of N positive lengths, at most T (floats
    are truncated, as PyTorch's).

    enforce_sorted=True: lengths must be non-increasing (sorted_indices stays None); False: the sequences are
    sorted by decreasing length first (a stable sort: equal lengths keep their order) and the permutation is
    kept in sorted_indices. Returns a `PackedSequence` whose data is differentiable with respect to input.
    """
    input = input if isinstance(input, Value) else Value(input, requires_grad=False)
    lengths = np.asarray(data_of(lengths))
    if lengths.dtype.kind == "f":
        lengths = lengths.astype(np.int64)  # as PyTorch's torch.as_tensor(lengths, dtype=int64): truncated
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu":
        raise RuntimeError(f"'lengths' argument should be a 1D int64 tensor, but got {lengths.ndim}D "
                           f"{lengths.dtype} tensor")
    if input.ndim < 2:
        raise ShapeError(f"pack_padded_sequence: input needs a time and a batch axis, got shape {input.shape}")
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if lengths.size != batch:
        raise ShapeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
                         f"(batch_size={batch})")
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    if lengths.size and lengths.max() > steps:
        raise ShapeError(f"pack_padded_sequence: a length of {lengths.max()} exceeds the input's {steps} time "
                         "steps")
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                               "to sidestep this requirement if you do not need ONNX exportability.")
        order, sorted_indices = np.arange(batch), None
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = _index_value(order)
    sorted_lengths = lengths[order]
    batch_sizes = (sorted_lengths[None, :] > np.arange(sorted_lengths[0] if batch else 0)[:, None]).sum(axis=1)
    times = np.repeat(np.arange(batch_sizes.size), batch_sizes)          # packed row -> time step
    columns = np.concatenate([order[:size] for size in batch_sizes]) if batch else np.zeros(0, np.int64)
    data = input[columns, times] if batch_first else input[times, columns]
    # PyTorch's nodes: its packing kernel's, over the index_select that sorts the batch (one gather here)
    data = shown_as(data, input, _PACKED if sorted_indices is None else _PACKED_SORTED)
    if sorted_indices is not None and isinstance(data, Value):  # (for node hooks: the top's entry, the sorted batch)
        declare_top_of(data, lambda out, x: (x[order] if batch_first else x[:, order],),
                       lambda out, ordered: _packed(ordered, batch_sizes, batch_first))
    return PackedSequence(data, _index_value(batch_sizes), sorted_indices)


def _packed(ordered, batch_sizes, batch_first):
    """PyTorch's packing kernel: the rows of a batch sorted by decreasing length, step by step (batch_sizes[t] rows
    at step t)."""
    times = np.repeat(np.arange(batch_sizes.size), batch_sizes)
    columns = np.concatenate([np.arange(size) for size in batch_sizes])
    return ordered[columns, times] if batch_first else ordered[times, columns]


_PACKED = "PackPaddedSequenceBackward0"
_PACKED_SORTED = chain_layout(("PackPaddedSequenceBackward0", (("IndexSelectBackward0", (0,)),)))


def invert_permutation(permutation):
    """The inverse of a permutation (an int64 Value or array of 0..N-1 in some order), as an int64 Value: the
    position of each index in it. None gives None (a PackedSequence's sorted_indices of an already sorted batch)."""
    if permutation is None:
        return None
    order = _int_array(permutation)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return _index_value(inverse)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Unpack a `PackedSequence` into a padded batch, the inverse of `pack_padded_sequence`.

    Returns (padded, lengths): padded (T, N, *) ((N, T, *) when batch_first) in the original batch order, with
    padding_value after each sequence, T = total_length or the longest length; lengths (N,) int64 Value.
    Differentiable with respect to sequence.data (the padding is a constant).
    """
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    data = sequence.data if isinstance(sequence.data, Value) else Value(sequence.data, requires_grad=False)
    batch_sizes = _int_array(sequence.batch_sizes)
    steps, batch = batch_sizes.size, int(batch_sizes[0])
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {steps}")
        steps = int(total_length)
    starts = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    running = np.arange(batch)[None, :] < batch_sizes[:, None]            # (max length, N), sorted order
    rows = np.where(running, starts[:, None] + np.arange(batch)[None, :], data.shape[0])   # past the end: padding
    rows = np.concatenate([rows, np.full((steps - batch_sizes.size, batch), data.shape[0])])
    lengths = running.sum(axis=0)
    if sequence.unsorted_indices is not None:
        unsorted = _int_array(sequence.unsorted_indices)
        rows, lengths = rows[:, unsorted], lengths[unsorted]
    fill = np.full((1,) + data.shape[1:], padding_value, data.dtype)
    padded = concatenate([data, fill])[rows.T if batch_first else rows]
    return padded, _index_value(lengths)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences of shapes (L_i, *) (decreasing lengths unless enforce_sorted=False): the same as
    pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)."""
    lengths = [np.shape(data_of(s))[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences (L_i, *) of a `PackedSequence`, in the original batch order (inverse of
    `pack_sequence`)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return [padded[i, :length] for i, length in enumerate(_int_array(lengths))]


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences of a padded batch (T, N, *) ((N, T, *) when batch_first): sequence i is the first
    lengths[i] steps of column i (inverse of `pad_sequence` with right padding)."""
    padded = padded_sequences if isinstance(padded_sequences, Value) else Value(padded_sequences,
                                                                                requires_grad=False)
    lengths = _int_array(lengths)
    if not batch_first:
        padded = padded.swapaxes(0, 1)
    if lengths.shape != (padded.shape[0],):
        raise ShapeError(f"unpad_sequence: {lengths.size} lengths for a batch of {padded.shape[0]}")
    return [padded[i, :length] for i, length in enumerate(lengths)]
