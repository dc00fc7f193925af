"""Embedding: a lookup table of learned vectors, one row per token id."""

from __future__ import annotations

import numbers

import numpy as np

import autograd_core as ag
from autograd_core import DTypeError, ShapeError
from autograd_core import Value
from autograd_core.errors import legacy_name, scalar_type_name
from autograd_core.jit import not_replayable, replay_requires
from autograd_core.ops.complex import complex_dtype_among, refuse_complex_differentiation
from autograd_core.ops import data_of, matmul, primitive, reshape, stack, where  # stack: of Values and arrays (no bag)
from autograd_core.ops.sparse import sparse_coo, sparse_result

from . import init
from .module import Module, Parameter, check_device


# The lookup and its gradient: two primitives, each the other's transpose (so higher derivatives come free).
#     lookup(W, ids)[...]  = W[ids[...]]                                  (num, *row) -> (*ids.shape, *row)
#     scatter_rows(G, ids) = Σ_{positions p with ids[p] = k} G[p]  in row k     (*ids.shape, *row) -> (num, *row)
# NumPy's add.at over the rows of a 2-D array runs an inner loop per row; over a flat array with one index per element
# it takes a fast path: ~4x quicker for 960 ids of 64 features, the same sums in the same order. The flat indices
# are int32 when they fit: half the temporary memory, which is most of what remains of the cost.


@primitive("embedding")
def _lookup(weight, ids, sparse=False, padding=None, by_frequency=False):
    """weight (num, *row) -> (*ids.shape, *row): the rows ids (integers; `embedding` has checked them). sparse: the
    gradient is a sparse COO array (PyTorch's, see `_sparse_rows`), leaving out the positions that read the row
    `padding`; by_frequency (with sparse) makes the backward pass raise PyTorch's error. Otherwise a plain array."""
    return weight[ids]


@primitive("embedding_backward")
def _scatter_rows(g, ids, num):
    """g (*ids.shape, *row) -> (num, *row): row k the sum of g's rows at the positions whose id is k."""
    row = g.shape[ids.ndim:]
    width = int(np.prod(row, dtype=np.int64))
    kind = np.int32 if num * width < 2**31 else np.int64
    out = np.zeros(num * width, g.dtype)
    # (ids, width): the element each of g's feeds (a negative id gives a negative flat index into the same row)
    flat = ids.reshape(-1, 1).astype(kind) * kind(width) + np.arange(width, dtype=kind)
    np.add.at(out, flat.reshape(-1), g.reshape(-1))               # repeated ids accumulate
    return out.reshape((num,) + row)


def _sparse_rows(g, ids, shape, padding):
    """PyTorch's embedding_sparse_backward: the gradient (num, dim) of the table as a sparse COO array listing one
    entry per position of ids (in ids' order, repeats not summed: uncoalesced), g's row there its value, but the
    positions that read the row `padding`. Made with primitives, so that it runs on Values too (create_graph)."""
    flat = ids.reshape(-1).astype(np.int64)
    values = g.reshape(-1, shape[1])  # a view where NumPy can make one: its layout decides how sums of it go
    if padding is not None:
        keep = np.flatnonzero(flat != padding)
        flat, values = flat[keep], values[keep]
    return sparse_result(sparse_coo(values, indices=flat[None], shape=tuple(shape), coalesced=flat.size < 2))


def _lookup_vjp(g, out, weight, *, ids, sparse=False, padding=None, by_frequency=False):
    if not sparse:
        return _scatter_rows(g, ids=ids, num=weight.shape[0])
    if by_frequency:
        raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with sparse gradients")
    return _sparse_rows(g, ids, weight.shape, padding)


_lookup.defvjp(_lookup_vjp, formulas=("scatter g by ids",))
_scatter_rows.defvjp(lambda g, out, x, *, ids, num: _lookup(g, ids=ids), formulas=("g[ids]",))
_lookup.defjvp_linear()          # both linear in their one input: the tangent is looked up (scattered) alike
_scatter_rows.defjvp_linear()
_lookup.defcomplex()  # a complex table looked up without a gradient (`embedding` refuses one, as PyTorch does)


def refuse_id_dtype(ids, of_value, who):
    """PyTorch's refusal of ids that are not int64 or int32 (floats, even whole numbers, which are most often
    features passed where ids belong; bools; other integer widths), as a DTypeError (a RuntimeError, PyTorch's
    type). NumPy ids (which PyTorch never sees) of any integer type are taken. who: "embedding" or "embedding_bag"."""
    dtype = ids.dtype
    if dtype in (np.int64, np.int32) or dtype.kind in "iu" and not of_value:
        return
    name = f"CPU{scalar_type_name(dtype)}Type" if dtype.kind in "bc" else legacy_name(dtype)
    hint = " (ids must be integers: convert with .long())" if dtype.kind in "fiub" else ""
    raise DTypeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
                     f"but got {name} instead (while checking arguments for {who}){hint}")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """weight[input]: input an integer array of ids of any shape (...) -> (..., dim). PyTorch's arguments and order.

    The gradient scatters back into the rows that were read, adding up for repeated ids; the row
    `padding_idx` (if given; negative counts from the end) is read like the others but gets no gradient.
    max_norm: each row read whose norm_type-norm exceeds max_norm is first rescaled IN PLACE in weight to norm
    max_norm (PyTorch's factor max_norm / (norm + 1e-7)), without gradient. scale_grad_by_freq: each row's gradient
    is divided by how often its id occurs in input. sparse: weight's gradient is a sparse COO tensor, PyTorch's: one
    entry per id read (in input's order, uncoalesced; none for padding_idx), g's row there its value (weight must be
    2-D; with scale_grad_by_freq the backward pass raises, as PyTorch's). optim.SGD, Adagrad and SparseAdam take it.
    """
    idx = input.data if isinstance(input, Value) else np.asarray(input)
    refuse_id_dtype(idx, isinstance(input, Value), "embedding")
    num = np.shape(weight)[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num):  # PyTorch's IndexError: a negative id is no row from the end
        raise IndexError(f"index out of range in self (embedding: ids must be in [0, {num}), got min {idx.min()}, "
                         f"max {idx.max()})")
    if max_norm is not None:
        _renorm_rows(weight, idx, float(max_norm), float(norm_type))
    refuse_complex_differentiation("embedding", weight)  # (PyTorch looks a complex table up, without a gradient)
    if not isinstance(weight, Value):
        rows = np.asarray(weight)[idx]
    elif sparse:
        if weight.ndim != 2:
            raise RuntimeError("'weight' must be 2-D")
        padding = None if padding_idx is None else _padding_index(padding_idx, num, "embedding")
        rows = _lookup(weight, ids=idx, sparse=True, padding=padding, by_frequency=bool(scale_grad_by_freq))
    else:
        rows = _lookup(weight, ids=idx)
    if scale_grad_by_freq and not sparse and isinstance(rows, Value) and idx.size:  # (sparse: backward raises)
        inverse_freq = _inverse_frequencies(idx, rows.dtype)
        replay_requires(_counted_alike, idx, inverse_freq)  # a compiled step's ids: each as often as the recorded
        # the rows' values, and their gradient divided by their id's frequency (detached, not `rows.data`: an array
        # that would be a constant of a compiled step's recording)
        values = rows.detach()
        rows = values + (rows - values) * inverse_freq
    if padding_idx is None or not isinstance(rows, Value):
        return rows
    padding = _padding_index(padding_idx, num, "embedding")
    if not (idx == padding).any():
        replay_requires(_misses, idx, num, padding)  # a compiled step's ids must not read the padding row either
        return rows
    # The padding row's values without a gradient there. The ids compared by an operation and the rows detached (not
    # `rows.data`, an array copied into a constant): a compiled step replays both on each call's ids
    ids = input if isinstance(input, Value) else Value(idx, requires_grad=False)
    return where((ids == padding)[..., None], rows.detach(), rows)


def _renorm_rows(weight, ids, max_norm, norm_type):
    """PyTorch's embedding_renorm_: the rows `ids` of weight whose norm exceeds max_norm scaled (in place, no
    gradient) by max_norm / (norm + 1e-7)."""
    not_replayable("embedding with max_norm rescales rows of weight in place (with NumPy)")
    table = data_of(weight)
    rows = np.unique(ids)
    norms = np.linalg.norm(table[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    table[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(table.dtype)


def _inverse_frequencies(idx, dtype):
    """1 / (how often each id occurs in idx), at each id's place, with an axis for the rows' width."""
    _, position, counts = np.unique(idx, return_inverse=True, return_counts=True)
    return (1.0 / counts[position.reshape(idx.shape)])[..., None].astype(dtype)


def _counted_alike(idx, inverse_freq):
    """Whether each id of idx occurs as often as in the recorded call's ids (scale_grad_by_freq's factors)."""
    return np.array_equal(_inverse_frequencies(idx, inverse_freq.dtype), inverse_freq)


def _misses(idx, num, padding):
    """Whether no id reads the padding row."""
    return not (idx == padding).any()


def _table_shape(embeddings):
    """(num, dim) of a pretrained table for `from_pretrained`; ShapeError (PyTorch's words) unless it is 2-D."""
    if np.ndim(data_of(embeddings)) != 2:
        raise ShapeError("Embeddings parameter is expected to be 2-dimensional")
    return np.shape(data_of(embeddings))


class _PaddingIndexError(ValueError, AssertionError):
    """A padding_idx outside [-num, num): a ValueError (an argument's value), and PyTorch's AssertionError."""


def _padding_index(padding_idx, num, who):
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, numbers.Integral) \
            or not -num <= padding_idx < num:
        raise _PaddingIndexError(f"{who}: padding_idx must be an int in [-{num}, {num}), got {padding_idx!r}")
    return int(padding_idx) % num


class Embedding(Module):
    """Embedding(num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
    scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None, *, rng=None):
    weight (num, dim) drawn from N(0, 1) as in PyTorch. Input: integer ids of any shape (...) -> (..., dim).

    padding_idx: a row initialised to zeros that never gets a gradient (a "no token" id), as PyTorch.
    max_norm, norm_type, scale_grad_by_freq, sparse: `embedding`'s (max_norm renormalises the rows read, in place).
    _weight: the (num, dim) table to use instead (taken as is, the padding row too); _freeze=True: it gets no
    gradient. See also `Embedding.from_pretrained`. device: None or the CPU.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None, *,
                 rng=None):
        check_device(device)
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = None if padding_idx is None else _padding_index(padding_idx, self.num_embeddings,
                                                                            "Embedding")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = bool(scale_grad_by_freq), bool(sparse)
        if _weight is None:
            weight = init.normal((self.num_embeddings, self.embedding_dim), 0.0, 1.0, rng, dtype)
            if self.padding_idx is not None:
                weight[self.padding_idx] = 0
        else:
            weight = data_of(_weight)
            if np.shape(weight) != (self.num_embeddings, self.embedding_dim):
                raise ShapeError(f"Embedding: _weight of shape {np.shape(weight)} does not match num_embeddings and "
                                 f"embedding_dim {(self.num_embeddings, self.embedding_dim)}")
        self.weight = Parameter(weight, dtype=dtype)
        if _freeze:
            self.weight.requires_grad_(False)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is `embeddings` (num, dim), as PyTorch's: freeze=True (the default) keeps it
        out of training (no gradient)."""
        rows, cols = _table_shape(embeddings)
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings,
                   _freeze=freeze)

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):  # PyTorch's: the options that differ from their defaults
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        return text + (", sparse=True" if self.sparse else "")


# ----------------------------------------------------------------------------------------------------
# EmbeddingBag: the sum, mean or max of each bag of embeddings, without materialising the (bags, length, dim)
# lookup of a padded batch.

_BAG_MODES = ("sum", "mean", "max")


def _bags(idx, offsets, include_last_offset, who):
    """The flat ids and the (start, end) of each bag in them."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{who}: if input is 2D, then offsets has to be None, as input is treated as a "
                             f"mini-batch of fixed length sequences. However, found offsets of type "
                             f"{type(offsets).__name__}")
        rows, length = idx.shape
        return idx.reshape(-1), [(b * length, (b + 1) * length) for b in range(rows)]
    if idx.ndim != 1:
        raise ShapeError(f"{who}: input has to be 1D or 2D, but got an input of dimension {idx.ndim}")
    if offsets is None:
        raise ValueError(f"{who}: offsets has to be a 1D tensor but got None")
    offsets = np.asarray(data_of(offsets))
    if offsets.ndim != 1 or offsets.dtype.kind not in "iu":
        raise ValueError(f"{who}: offsets has to be a 1D integer tensor, got {offsets.dtype} of shape "
                         f"{offsets.shape}")
    if offsets.size and offsets[0] != 0:
        raise ValueError(f"{who}: offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                         f"start from position 0. However, got {offsets[0]}")
    if offsets.size and (offsets[-1] > idx.size or np.any(np.diff(offsets) < 0)):
        raise ValueError(f"{who}: offsets must be non-decreasing and at most the number of ids ({idx.size}), "
                         f"got {offsets.tolist()}")
    # with include_last_offset the last entry should be len(input); PyTorch's last bag runs to the end of the
    # input whatever it says, and so does this one
    starts = list(offsets[:-1]) if include_last_offset else list(offsets)
    ends = starts[1:] + [idx.size] if starts else []
    return idx, [(int(s), int(e)) for s, e in zip(starts, ends)]


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """One vector per bag of ids: the sum, mean or max (elementwise) of the weight rows the bag reads.

    input: (B, L) ids, one bag per row, with offsets None; or 1-D ids (M,) with offsets (B,), the start of each
    bag (with include_last_offset=True, offsets (B + 1,) and the last entry ends the last bag). weight: (num, dim).
    Returns (B, dim). Ids equal to padding_idx are left out of every bag (and of the mean's count); an empty bag
    gives zeros. per_sample_weights (same shape as input, mode='sum' only) scales each id's row first; it gets a
    gradient too. max ties send the gradient to one of the tied entries.
    max_norm: every row the input reads (padding ids too) whose norm_type-norm exceeds max_norm is first rescaled IN
    PLACE in weight to norm max_norm, without gradient, as `embedding` does. scale_grad_by_freq: the gradient of each
    row is divided by how often its id occurs in the whole input (not with mode='max': ValueError, as PyTorch).
    sparse: weight's gradient is sparse COO, as `embedding`'s: an entry per id read, but for padding_idx (not with
    mode='max': ValueError, as PyTorch)."""
    who = "embedding_bag"
    if mode not in _BAG_MODES:
        raise ValueError(f"{who}: mode has to be one of sum, mean or max, got {mode!r}")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"{who}: per_sample_weights was not None. per_sample_weights is only supported "
                                  f"for mode='sum' (got mode={mode!r})")
    dtype = complex_dtype_among(weight)
    if dtype is not None:
        raise RuntimeError("Expected tensor for argument #1 'weight' to have one of the following scalar types: Half, "
                           f"BFloat16, Float, Double; but got CPU{scalar_type_name(dtype)}Type instead (while "
                           "checking arguments for embedding_bag)")
    idx = np.asarray(data_of(input))
    refuse_id_dtype(idx, isinstance(input, Value), "embedding_bag")
    if per_sample_weights is not None and tuple(np.shape(data_of(per_sample_weights))) != idx.shape:
        raise ShapeError(f"{who}: per_sample_weights of shape {np.shape(data_of(per_sample_weights))} must have "
                         f"the input's shape {idx.shape}")
    flat, bags = _bags(idx, offsets, include_last_offset, who)
    num, dim = np.shape(weight)
    if flat.size and (flat.min() < 0 or flat.max() >= num):  # PyTorch's embedding_bag: a RuntimeError (embedding's
        bad = int(np.flatnonzero((flat < 0) | (flat >= num))[0])  # is an IndexError)
        raise RuntimeError(f"{who}: Index {bad} of input takes value {flat[bad]} which is not in the valid range "
                           f"[0, {num}) (ids must be in [0, {num}))")
    counted = np.ones(flat.size, bool) if padding_idx is None else flat != _padding_index(padding_idx, num, who)
    dtype = np.result_type(data_of(weight))
    # (M, dim): the row each id reads, renormalised first (max_norm) and with its gradient scaled by its id's
    # frequency (scale_grad_by_freq); padding ids read their row too, but no bag counts them
    # (with sparse=True, padding_idx goes to embedding too, so that the sparse gradient has no entry for the padding
    # row, as PyTorch's: that row's gradient is 0 either way, as no bag counts it)
    rows = embedding(flat, weight, padding_idx if sparse else None, max_norm, norm_type, scale_grad_by_freq, sparse)
    if mode == "max":
        maxima = []
        for start, end in bags:
            members = np.flatnonzero(counted[start:end]) + start
            # an empty bag (or one of padding ids only) is zeros, still read from the rows (a sum of none of them):
            # the result stays a Value of the weight, whose gradient there is 0, as PyTorch's
            maxima.append(rows[members].max(axis=0) if members.size else rows[members].sum(axis=0))
        return stack(maxima) if maxima else ag.zeros((0, dim), dtype=dtype)
    # sum and mean: a constant (bags, ids) matrix times the rows read, one matmul (its gradient scatters back)
    membership = np.zeros((len(bags), flat.size), dtype)
    for b, (start, end) in enumerate(bags):
        membership[b, start:end] = counted[start:end]
    if mode == "mean":
        membership /= np.maximum(membership.sum(axis=1, keepdims=True), 1)
    if per_sample_weights is not None:  # (the primitives: torch's names refuse NumPy arrays, as PyTorch's)
        rows = rows * reshape(per_sample_weights, shape=(-1, 1))
    return matmul(membership, rows)


class EmbeddingBag(Module):
    """EmbeddingBag(num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
    mode='mean', sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None, dtype=None, *,
    rng=None): weight (num, dim) from N(0, 1) (the padding row zeros), as PyTorch. forward(input, offsets=None,
    per_sample_weights=None): see `embedding_bag` (max_norm renormalises the rows read, in place;
    scale_grad_by_freq divides each row's gradient by its id's count in the input)."""

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None,
                 dtype=None, *, rng=None):
        check_device(device)
        if mode not in _BAG_MODES:
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got {mode!r}")
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, bool(scale_grad_by_freq)
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.mode, self.include_last_offset, self.sparse = mode, bool(include_last_offset), bool(sparse)
        self.padding_idx = None if padding_idx is None else _padding_index(padding_idx, self.num_embeddings,
                                                                            "EmbeddingBag")
        if _weight is not None:  # taken as is (its dtype too), as Embedding's and PyTorch's
            weight = data_of(_weight)
            if np.shape(weight) != (self.num_embeddings, self.embedding_dim):
                raise ShapeError(f"EmbeddingBag: _weight of shape {np.shape(weight)} must be "
                                 f"{(self.num_embeddings, self.embedding_dim)}")
        else:
            weight = init.normal((self.num_embeddings, self.embedding_dim), 0.0, 1.0, rng, dtype)
            if self.padding_idx is not None:
                weight[self.padding_idx] = 0
        self.weight = Parameter(weight, dtype=dtype)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        """An EmbeddingBag whose weight is `embeddings` (num, dim), as PyTorch's: freeze=True (the default) keeps it
        out of training (no gradient); the other options as the constructor's."""
        rows, cols = _table_shape(embeddings)
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse, _weight=embeddings,
                  include_last_offset=include_last_offset, padding_idx=padding_idx)
        if freeze:
            bag.weight.requires_grad_(False)
        return bag

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                             self.mode, self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self):  # PyTorch's: the options that differ from their defaults, mode always
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        text += f", mode={self.mode!r}"
        return text if self.padding_idx is None else f"{text}, padding_idx={self.padding_idx}"
