"""PyTorch's tensor facts that are fixed for a real NumPy array on the CPU, and the few methods that follow from them:
`x.is_cpu`, `x.get_device()` (-1), `x.layout` (`torch.strided`), `x.is_signed()`, the conjugate family (`conj`,
`resolve_conj`, `resolve_neg`, `is_conj`, `is_neg`, `real`: x itself, as PyTorch's for a real tensor), the
conjugate transposes (`H`, `mH`, `adjoint()`: transposes, conjugated for complex Values), the legacy constructor
`x.new(...)`, `x.new_empty_strided(...)`, `resize_`/`resize_as_`, `isreal()` and `imag` (refused, as PyTorch does for a
real tensor), `pin_memory()` (refused: no accelerator), `share_memory_()` (refused: see SHARED_MEMORY_REFUSED), and
PyTorch's deprecated spellings `ger`, `unsafe_chunk`, `unsafe_split`, `cholesky`.

They are attached to `TensorMethods` (tensor_methods_more.py imports this module at its end), as class attributes and
methods: a Value has no per-instance state for any of them, and the engine's hot path does not see them.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from . import value as _value
from .errors import ShapeError
from .version_counter import mark_changed
from .lazy_bits import is_conjugate, is_negative, mark_conjugate, mark_negative
from .multiple_views import unmark_multiple_views
from .one_node import output_of, outputs_of_one_node, shown_as
from .tensor_methods import Size, TensorMethods, _is_dim


class _TorchConstant:
    """A named constant of PyTorch's (torch.strided, torch.channels_last, ...): it prints as PyTorch's, and a pickled
    one loads as the same object (each subclass's `_ALL` maps names to its constants)."""

    __slots__ = ("name",)
    _ALL = {}

    def __init__(self, name):
        self.name = name
        type(self)._ALL[name] = self

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):  # one object per name, after pickling too
        return (_constant, (type(self), self.name))


def _constant(kind, name):
    return kind._ALL[name]


def _layout(name):  # what torch.strided pickled as before _TorchConstant: such pickles still load
    return Layout._ALL[name]


class Layout(_TorchConstant):
    """PyTorch's `torch.layout`: how a tensor's elements are laid out in memory. A Value is dense and strided (a
    NumPy array, `torch.strided`) unless it is a sparse COO tensor (`torch.sparse_coo`, sparse_tensor.py);
    `x.layout == torch.strided` is True and prints `torch.strided`, as in PyTorch."""

    __slots__ = ()
    _ALL = {}


strided = Layout("strided")


class MemoryFormat(_TorchConstant):
    """PyTorch's `torch.memory_format`: the order of a tensor's dimensions in memory. Every operation here computes
    the same numbers on any layout (NumPy's), so the formats are names to pass: `torch.zeros_like(p,
    memory_format=torch.preserve_format)` (PyTorch's optimizers' own code, copied into custom ones), `x.clone(
    memory_format=...)`, `x.to(memory_format=torch.channels_last)` and `model.to(memory_format=...)` accept them and
    give C-order arrays. They print as PyTorch's (`torch.channels_last`)."""

    __slots__ = ()
    _ALL = {}


contiguous_format = MemoryFormat("contiguous_format")
preserve_format = MemoryFormat("preserve_format")
channels_last = MemoryFormat("channels_last")
channels_last_3d = MemoryFormat("channels_last_3d")


def check_memory_format(memory_format, who):
    """A `memory_format=` argument: None or one of PyTorch's four (which change no numbers here); anything else is
    PyTorch's TypeError."""
    if memory_format is not None and not isinstance(memory_format, MemoryFormat):
        raise TypeError(f"{who}(): argument 'memory_format' must be torch.memory_format, not "
                        f"{type(memory_format).__name__}")


def check_layout(layout, who):
    """None or torch.strided (the only layout of dense factories here); PyTorch's sparse layouts raise (sparse COO
    tensors are made by sparse_coo_tensor or x.to_sparse())."""
    if layout is not None and layout is not strided:
        raise NotImplementedError(f"{who}: layout {layout} is not available; every Value is dense (torch.strided)")


def _conjugated(x, source=None):
    """conj(x) for a complex Value, carrying PyTorch's conjugate bit (lazy_bits.py) unless `source` (the Value x is a
    view of, or x) carries it; x itself for a real one."""
    if x.data.dtype.kind != "c":
        return x
    from .ops import complex as _complex

    out = _complex.conj(x)
    return out if is_conjugate(x if source is None else source) else mark_conjugate(out)


def _deprecated_on_0d(self, what, ndim_needed):
    """PyTorch's rule for H, mH and adjoint(): a 0-d Value is returned as it is, with its deprecation warning; one
    with fewer dimensions than the transpose needs raises."""
    ndim = self.data.ndim
    if ndim == 0:
        warnings.warn(f"{what} is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, stacklevel=3)
        return True
    if ndim < 2 or (ndim_needed == 2 and ndim != 2):
        kind = "matrices (2-D tensors)" if ndim_needed == 2 else "matrices or batches of matrices"
        hint = ". For batches of matrices, consider using tensor.mH" if ndim_needed == 2 and ndim > 2 else ""
        raise ShapeError(f"{what} is only supported on {kind}. Got {ndim}-D tensor{hint}")
    return False


_TRANSPOSE_WARNED = set()  # the ranks PyTorch has warned about (0, or 1 for all other ranks but 2)


def warn_transpose_once(ndim):
    """PyTorch's UserWarning for x.T on a Value of `ndim` other than 2 dimensions, given as PyTorch gives it: once a
    process (TORCH_WARN_ONCE), the 0-d one apart (x.T is then x itself, as a view)."""
    kind = 0 if ndim == 0 else 1
    if kind in _TRANSPOSE_WARNED:
        return
    _TRANSPOSE_WARNED.add(kind)
    warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases." if kind == 0
                  else "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and "
                  "it will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
                  "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                  UserWarning, stacklevel=3)


SHARED_MEMORY_REFUSED = (  # after the name of the method refused
    "parameters cannot be shared between processes here: a Value sent to another process is a "
    "pickled copy, so processes updating one shared model (Hogwild training) would each train their own copy. Train "
    "in one process, or average gradients across processes with autograd_core.distributed (DistributedDataParallel)")


def _deprecated_cholesky(A, upper):
    from .linalg import cholesky  # linalg imports the Value classes

    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release: L = torch.linalg.cholesky(A); U = torch.linalg.cholesky(A).mH", UserWarning,
                  stacklevel=3)
    return cholesky(A, upper=bool(upper))


_COMPRESSED = ("sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc")


def _to_compressed(x, layout_name, blocksize, dense_dim):
    from .compressed_tensor import to_layout  # (which defines the compressed layouts)

    # PyTorch's node of x.to_sparse_csr() and its twins: ToSparseCsrBackward0, ...
    grad_fn_name = f"ToSparse{layout_name[len('sparse_'):].capitalize()}Backward0"
    return to_layout(x, Layout._ALL[layout_name], blocksize, dense_dim, grad_fn_name)


def _no_dense_kernel(name):
    """PyTorch's error for a sparse-only operator called on a dense tensor (its first sentence)."""
    return NotImplementedError(f"Could not run 'aten::{name}' with arguments from the 'CPU' backend. This could be "
                               "because the operator doesn't exist for this backend (it is for sparse tensors).")


class _Attributes:
    """Copied onto TensorMethods below."""

    # Where the data is: main memory, as a NumPy array; never pinned, shared between processes, or a meta tensor;
    # never on another backend, quantized or nested (PyTorch's flags for those, all False here).
    is_cpu = True
    is_meta = False
    is_mps = is_xpu = is_xla = is_ipu = is_maia = is_mtia = is_vulkan = is_mkldnn = False
    is_quantized = is_nested = False
    layout = strided

    @property
    def output_nr(self):
        """Which output of the node that made it this Value is, as PyTorch's: 1 for torch.std_mean's mean, svd's S,
        unbind's second piece (outputs_of_one_node); 0 for the output of a node of one output, a view, a leaf."""
        shared = output_of(self)
        return 0 if shared is None else shared[1]

    def is_distributed(self):
        """False: a Value is never spread over processes (PyTorch's legacy distributed tensors)."""
        return False

    @property
    def volatile(self):
        """False, with PyTorch's warning: the legacy Variable flag was removed (use no_grad())."""
        warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning, stacklevel=2)
        return False

    def dim_order(self, *, ambiguity_check=False):
        """The dimensions from outermost to innermost in memory (largest stride first): (0, 1, ..., n-1) for a
        C-contiguous Value, (1, 0) for a transposed matrix, from PyTorch's strides (`stride()`). Dimensions of equal
        stride keep their order."""
        strides = self.stride()
        return tuple(sorted(range(len(strides)), key=lambda d: -strides[d]))

    def const_data_ptr(self):
        """data_ptr(): the address of the first element (PyTorch's read-only spelling)."""
        return self.data_ptr()
    is_sparse = False  # sparse COO Values are SparseTensors (sparse_tensor.py), which say True
    is_sparse_csr = False  # CSR Values are CompressedTensors (compressed_tensor.py), which say True

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        """x as a sparse COO tensor of its nonzero entries (the first `sparse_dim` axes sparse, all by default;
        sparse_tensor.py), or in a compressed `layout` (torch.sparse_csr, ...: compressed_tensor.py);
        differentiable, its gradient comes back dense."""
        if layout is not None and layout.name in _COMPRESSED:
            from .compressed_tensor import to_layout

            if sparse_dim is not None:
                raise RuntimeError(f"to_sparse: sparse_dim is not supported for layout {layout}; use dense_dim")
            return to_layout(self, layout, blocksize, dense_dim)
        from .sparse_functions import to_sparse

        return to_sparse(self, sparse_dim, layout=layout, blocksize=blocksize, dense_dim=dense_dim)

    # x.to_sparse_csr(), ...: x (dense, sparse COO or compressed) in a compressed layout (compressed_tensor.py)
    def to_sparse_csr(self, dense_dim=None):
        """x in the CSR layout (its nonzero elements; the last `dense_dim` dims dense); differentiable."""
        return _to_compressed(self, "sparse_csr", None, dense_dim)

    def to_sparse_csc(self, dense_dim=None):
        """x in the CSC layout (its nonzero elements; the last `dense_dim` dims dense); differentiable."""
        return _to_compressed(self, "sparse_csc", None, dense_dim)

    def to_sparse_bsr(self, blocksize, dense_dim=None):
        """x in the BSR layout: the (r, c) blocks of `blocksize` holding a nonzero element; differentiable."""
        return _to_compressed(self, "sparse_bsr", blocksize, dense_dim)

    def to_sparse_bsc(self, blocksize, dense_dim=None):
        """x in the BSC layout: the (r, c) blocks of `blocksize` holding a nonzero element; differentiable."""
        return _to_compressed(self, "sparse_bsc", blocksize, dense_dim)

    def crow_indices(self):
        """PyTorch's RuntimeError: a dense Value has no compressed indices (`x.to_sparse_csr().crow_indices()` has)."""
        raise RuntimeError("crow_indices expected sparse row compressed tensor layout but got Strided")

    def col_indices(self):
        """PyTorch's RuntimeError, as crow_indices."""
        raise RuntimeError("col_indices expected sparse row compressed tensor layout but got Strided")

    def ccol_indices(self):
        """PyTorch's RuntimeError: a dense Value has no compressed indices (`x.to_sparse_csc().ccol_indices()` has)."""
        raise RuntimeError("ccol_indices expected sparse column compressed tensor layout but got Strided")

    def row_indices(self):
        """PyTorch's RuntimeError, as ccol_indices."""
        raise RuntimeError("row_indices expected sparse column compressed tensor layout but got Strided")

    def to_sparse_coo(self):
        """x.to_sparse()."""
        return self.to_sparse()

    # The sparse COO accessors on a dense (strided) Value, answered as PyTorch's dense tensors answer them (a
    # SparseTensor, sparse_tensor.py, has its own): no sparse dimensions, every dimension dense, errors for the rest.
    def sparse_dim(self):
        """0: a dense Value has no sparse dimensions."""
        return 0

    def dense_dim(self):
        """x.ndim: every dimension of a dense Value is dense."""
        return self.ndim

    def indices(self):
        """PyTorch's RuntimeError: a dense Value has no sparse indices (`x.to_sparse().indices()` has)."""
        raise RuntimeError("indices expected sparse coordinate tensor layout but got Strided")

    def values(self):
        """PyTorch's RuntimeError: a dense Value has no sparse values (`x.to_sparse().values()` has)."""
        raise RuntimeError("values expected sparse tensor layout but got Strided")

    def coalesce(self):
        """PyTorch's RuntimeError: only a sparse COO tensor can be coalesced."""
        raise RuntimeError("coalesce expected sparse coordinate tensor layout but got Strided")

    def is_coalesced(self):
        """PyTorch's RuntimeError: only a sparse COO tensor is coalesced or not."""
        raise RuntimeError("is_coalesced expected sparse coordinate tensor layout but got Strided")

    def _nnz(self):
        """PyTorch's NotImplementedError: a dense Value stores no sparse entries."""
        raise _no_dense_kernel("_nnz")

    def _indices(self):
        """PyTorch's NotImplementedError, as `_nnz`."""
        raise _no_dense_kernel("_indices")

    def _values(self):
        """PyTorch's NotImplementedError, as `_nnz`."""
        raise _no_dense_kernel("_values")

    def to_dense(self, dtype=None, *, masked_grad=None):
        """x itself (already dense), or x.to(dtype)."""
        return self if dtype is None else self.to(dtype)

    def sparse_mask(self, mask):
        """A sparse COO tensor holding x's elements at the positions of sparse `mask` (its coalesced pattern; its
        values are not read); differentiable (sparse_functions.py)."""
        from .sparse_functions import sparse_mask

        return sparse_mask(self, mask)

    def get_device(self):
        """The device index of x: -1, PyTorch's number for the CPU (every Value is on the CPU)."""
        return -1

    def is_pinned(self, device=None):
        """False: NumPy memory is never pinned (page-locked) for a GPU."""
        return False

    def is_shared(self):
        """False: a Value's memory is its process's own (PyTorch's share_memory_ is not modelled)."""
        return False

    def share_memory_(self):
        """Refused: a Value sent to another process is a pickled copy (autograd_core.multiprocessing), so
        training that relies on processes updating one shared copy of the parameters (PyTorch's Hogwild example)
        would silently train copies. Raises NotImplementedError saying so."""
        raise NotImplementedError(f"share_memory_: {SHARED_MEMORY_REFUSED}")

    def pin_memory(self, device=None):
        """Raises RuntimeError, as PyTorch's does without an accelerator: pinned memory is for copies to a GPU."""
        raise RuntimeError("Cannot access accelerator device when none is available.")

    def isreal(self):
        """A boolean Value of x's shape: True where the imaginary part is 0 (all True for a real Value)."""
        return _value.Value(np.isreal(self.data), requires_grad=False, dtype=np.bool_)

    @property
    def imag(self):
        """The imaginary part of a complex Value (real dtype, differentiable); a real Value raises RuntimeError, as
        PyTorch's."""
        if self.data.dtype.kind != "c":
            raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
        from .ops import complex as _complex

        out = _complex.imag(self)
        return mark_negative(out) if is_conjugate(self) else out  # Im z̄ = −Im z, as PyTorch

    # PyTorch's deprecated spellings of existing methods.
    def ger(self, vec2):
        """x.outer(vec2): the outer product (PyTorch's deprecated name)."""
        return self.outer(vec2)

    def unsafe_chunk(self, chunks, dim=0):
        """x.chunk(chunks, dim) (PyTorch's variant that skips a view check: the same pieces here)."""
        return _unsafe(self, self.chunk(chunks, dim), "UnsafeSplitBackward0")  # no view check: free to change

    def unsafe_split(self, split_size, dim=0):
        """x.split(split_size, dim) (PyTorch's variant that skips a view check: the same pieces here)."""
        return _unsafe(self, self.split(split_size, dim), "UnsafeSplitBackward0")  # no view check: free to change

    def unsafe_split_with_sizes(self, split_sizes, dim=0):
        """x.split_with_sizes(split_sizes, dim) (the same pieces here)."""
        return _unsafe(self, self.split_with_sizes(split_sizes, dim), "UnsafeSplitWithSizesBackward0")

    def cholesky(self, upper=False):
        """PyTorch's deprecated x.cholesky(upper=False): linalg.cholesky(x) (its transpose with upper=True), with
        PyTorch's deprecation warning."""
        return _deprecated_cholesky(self, upper)

    def is_signed(self):
        """Whether x's dtype holds negative numbers: True for floats and signed integers, False for unsigned
        integers (uint8) and bool."""
        return self.data.dtype.kind in "fic"

    def is_inference(self):
        """False: inference_mode() here is no_grad(), whose Values are ordinary ones (PyTorch marks tensors made
        inside it as inference tensors)."""
        return False

    # The conjugate family: a real Value is its own conjugate (PyTorch returns the same tensor too); a complex one's
    # conjugate is computed at once, and carries PyTorch's conjugate bit (lazy_bits.py).
    def conj(self):
        """The complex conjugate (differentiable), with is_conj() True (False for the conjugate of a Value that has
        it: the bit undone); x itself for a real Value, as PyTorch's."""
        return _conjugated(self)

    def conj_physical(self):
        """The complex conjugate, computed, without the conjugate bit (x itself for a real Value here; PyTorch copies
        it)."""
        if self.data.dtype.kind != "c":
            return self
        from .ops import complex as _complex

        return _complex.conj(self)

    def resolve_conj(self):
        """A Value without the conjugate bit: a copy of x if x carries it (differentiable, as clone), else x."""
        return self.clone() if is_conjugate(self) else self

    def stft(self, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
             normalized=False, onesided=None, return_complex=None, align_to_window=None):
        """torch.stft(x, ...): the short-time Fourier transform (autograd_core/spectral.py)."""
        from .spectral import stft

        return stft(self, n_fft, hop_length, win_length, window, center, pad_mode, normalized, onesided,
                    return_complex, align_to_window)

    def istft(self, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
              onesided=None, length=None, return_complex=False):
        """torch.istft(x, ...): the inverse short-time Fourier transform (autograd_core/spectral.py)."""
        from .spectral import istft

        return istft(self, n_fft, hop_length, win_length, window, center, normalized, onesided, length,
                     return_complex)

    def angle(self):
        """The argument of each element in (−π, π] (real dtype; a real Value gives π where negative, 0 elsewhere)."""
        from .ops import complex as _complex

        return _complex.angle(self)

    def _neg_view(self):
        """−x carrying PyTorch's negative bit (is_neg() True, for its views too; numpy() refuses it until
        resolve_neg()), differentiable as negation; computed at once here, where PyTorch's is a lazy view."""
        from .ops.elementwise import neg

        return mark_negative(neg(self))

    def resolve_neg(self):
        """A Value without the negative bit: a copy of x if x carries it (differentiable, as clone), else x."""
        return self.clone() if is_negative(self) else self

    def is_conj(self):
        """Whether x carries PyTorch's conjugate bit: True for the result of conj(), H, mH or adjoint() of a complex
        Value and for views of it (reshape, transpose, slicing, expand, select, detach, ...), as PyTorch's; copies
        (resolve_conj(), clone(), arithmetic, advanced indexing) carry none."""
        return is_conjugate(self)

    def is_neg(self):
        """Whether x carries PyTorch's negative bit: True for the imaginary part of a Value with the conjugate bit,
        for `_neg_view(x)`, and for views of them (until resolve_neg(), which copies)."""
        return is_negative(self)

    @property
    def real(self):
        """The real part of a complex Value (real dtype, differentiable); x itself for a real Value, as PyTorch's."""
        if self.data.dtype.kind != "c":
            return self
        from .ops import complex as _complex

        return _complex.real(self)

    # Conjugate transposes: transposes of real Values, and conjugated transposes of complex ones (differentiable, as
    # swapaxes and conj are; eager copies, where PyTorch's are lazy views with the conjugate bit).
    @property
    def H(self):  # noqa: N802  (PyTorch's name)
        """The conjugate transpose of a matrix: x.transpose(0, 1) for a 2-D Value, conjugated if complex; other ranks
        raise, a 0-d Value is returned with PyTorch's deprecation warning."""
        return self if _deprecated_on_0d(self, "Tensor.H", 2) else _conjugated(self.transpose(0, 1), self)

    @property
    def mH(self):  # noqa: N802  (PyTorch's name)
        """The conjugate transpose of each matrix: the last two dims swapped ((..., m, n) -> (..., n, m)), as mT, and
        conjugated if complex."""
        return self if _deprecated_on_0d(self, "Tensor.mH", 3) else _conjugated(self.swapaxes(-1, -2), self)

    def adjoint(self):
        """The conjugate transpose of each matrix: the last two dims swapped, as x.mH (conjugated if complex)."""
        return self if _deprecated_on_0d(self, "adjoint()", 3) else _conjugated(self.swapaxes(-1, -2), self)

    def new(self, *args, device=None):
        """PyTorch's legacy constructor, in x's dtype: x.new(2, 3) (or x.new(torch.Size([2, 3]))) a Value of that
        shape (zeros; PyTorch leaves the memory uninitialised), x.new([1, 2]) one holding that data (a tuple is
        data too, as in PyTorch), x.new() an empty one of shape (0,), x.new(y) a Value sharing y's memory (y of x's
        dtype; another dtype raises TypeError). None requires grad; dtype= is refused, as PyTorch refuses it."""
        from .tensor import _legacy_value

        if len(args) == 1 and isinstance(args[0], _value.Value):
            other = args[0]
            if other.dtype != self.dtype:
                raise TypeError(f"new(): expected a Value of dtype {self.dtype}, got {other.dtype}")
            return other.detach()
        if len(args) == 1 and isinstance(args[0], Size):
            args = tuple(args[0])
        if len(args) == 1 and isinstance(args[0], numbers.Number) and not _is_dim(args[0]):
            raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
        return _legacy_value("new", self.dtype, args, device)

    def new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                          pin_memory=False):
        """autograd_core.empty_strided(size, stride) with x's dtype unless dtype= is given."""
        from .tensor_functions import empty_strided

        return empty_strided(size, stride, dtype=self.dtype if dtype is None else dtype, layout=layout,
                             device=device, requires_grad=requires_grad)

    def resize_(self, *sizes, memory_format=None):
        """x given the shape `sizes` in place, its elements kept in order as far as they go (x.resize_(2, 3) or
        x.resize_((2, 3))): fewer elements drops the rest, more adds zeros (PyTorch leaves them uninitialised).
        As PyTorch's, a Value that requires grad refuses (RuntimeError). Returns x."""
        if len(sizes) == 1 and not _is_dim(sizes[0]):
            sizes = sizes[0]
        shape = tuple(int(n) for n in sizes)
        if any(n < 0 for n in shape):
            raise RuntimeError(f"resize_: negative dimension in {shape}")
        if self.requires_grad:
            raise RuntimeError("cannot resize variables that require grad")
        from .modes import TRACERS

        if TRACERS.get():
            raise RuntimeError("resize_: a Value that a jvp or compile follows cannot change its shape in place")
        flat, count = np.ravel(self.data), int(np.prod(shape))
        if count <= flat.size:
            data = flat[:count].reshape(shape)
        else:
            data = np.concatenate([flat, np.zeros(count - flat.size, flat.dtype)]).reshape(shape)
        self.data = data[()] if data.ndim == 0 else data
        mark_changed(self)  # a graph that read the old array sees the change at backward (version counter)
        return self

    def resize_as_(self, the_template, memory_format=None):
        """x.resize_(the_template.shape): x takes the template's shape in place, its elements kept in order as far
        as they go (see resize_). Returns x."""
        template = the_template
        return self.resize_(tuple(np.shape(template.data if isinstance(template, _value.Value) else template)))


for _name, _member in vars(_Attributes).items():
    if not _name.startswith("__"):
        assert not hasattr(TensorMethods, _name), _name
        setattr(TensorMethods, _name, _member)


def _unsafe(x, pieces, grad_fn_name):
    """The pieces of x.unsafe_split and its kin: free to change in place (no view check, as PyTorch's), their
    nodes named as PyTorch's (UnsafeSplitBackward0)."""
    for piece in pieces:
        shown_as(piece, x, grad_fn_name)
    return unmark_multiple_views(outputs_of_one_node(pieces))
