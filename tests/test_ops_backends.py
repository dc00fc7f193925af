"""Backends for the op table: the same small interface on autograd_core (`OURS`), HIPS autograd and
PyTorch, so that one test case `fn(B, *inputs)` runs on all three. Operators (+ - * / ** @, unary -)
work on all of them; everything else goes through a backend's functions.

HIPS autograd lacks a few operations (sigmoid, softmax, scatter_add, ...) and has two gradient quirks
(where does not un-broadcast, transpose mishandles negative axes): the adapter composes around them.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import ops

# ----------------------------------------------------------------------------------------------------
# Backends: the same names on three engines. Operators (+ - * / ** @, unary -) work on all of them.


def _sum_to_axes(in_shape, shape):
    """The axes `sum_to` reduces (with keepdims) to go from in_shape to shape."""
    lead = len(in_shape) - len(shape)
    return tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and in_shape[lead + i] != 1)


def _scatter_matrix(index, g_shape, shape):
    """S with (S @ g.ravel()).reshape(shape) == scatter_add(g, index, shape), repeated indices adding up."""
    positions = np.arange(int(np.prod(shape))).reshape(shape)[index]
    assert positions.shape == tuple(g_shape)
    matrix = np.zeros((positions.size and int(np.prod(shape)), positions.size))
    np.add.at(matrix, (positions.ravel(), np.arange(positions.size)), 1.0)
    return matrix


def _along(index, dim):
    """NumPy's index tuple for torch.gather's positions (each of index's positions, with index along dim)."""
    return tuple(index if d == dim else np.arange(n).reshape((1,) * d + (n,) + (1,) * (index.ndim - d - 1))
                 for d, n in enumerate(index.shape))


class OURS:
    """autograd_core, through its public functions and Value methods."""

    name = "autograd_core"
    exp, log, sqrt, tanh, sigmoid, sin, cos = ag.exp, ag.log, ag.sqrt, ag.tanh, ag.sigmoid, ag.sin, ag.cos
    relu, abs, maximum, minimum, where = ag.relu, ag.abs, ag.maximum, ag.minimum, ag.where
    softmax, log_softmax, concatenate, stack, matmul = ag.softmax, ag.log_softmax, ag.concatenate, ag.stack, ag.matmul

    @staticmethod
    def leaky_relu(x, slope):
        return ag.leaky_relu(x, negative_slope=slope)

    @staticmethod
    def threshold_backward(g, x):  # ReLU's rule, the node of a gradient made with create_graph
        return ag.ops.elementwise.threshold_backward(g, x)

    @staticmethod
    def leaky_relu_backward(g, x, slope):  # leaky_relu's rule, the node of a gradient made with create_graph
        return ag.ops.elementwise.leaky_relu_backward(g, x, negative_slope=slope)

    # Complex Values (tests/test_complex.py has the rest) and torch.fft
    complex, polar, real, imag, conj, angle = ag.complex, ag.polar, ag.real, ag.imag, ag.conj, ag.angle
    view_as_real, view_as_complex = ag.view_as_real, ag.view_as_complex
    fftn, ifftn, rfftn, irfftn = ag.fft.fftn, ag.fft.ifftn, ag.fft.rfftn, ag.fft.irfftn

    # The sparse COO layout (tests/test_sparse.py has the rest): tensors' own methods, and these.
    sparse_coo_tensor, spmm, sparse_mm, sparse_sum = ag.sparse_coo_tensor, ag.spmm, ag.sparse.mm, ag.sparse.sum
    sparse_softmax, sparse_log_softmax = ag.sparse.softmax, ag.sparse.log_softmax
    sparse_csr_tensor = ag.sparse_csr_tensor  # (tests/test_sparse_csr.py has the rest of the compressed layouts)

    @staticmethod
    def sparse_zero_outside(s, indices):
        """Sparse s with its entries off the positions `indices` zeroed (a primitive of sparse.mm's gradients)."""
        return ops.sparse.sparse_result(ops.sparse.zero_outside(s, indices=indices))

    @staticmethod
    def sparse_to(s, dtype):
        """s.to(dtype) always through the conversion (of float64 to float64 too, where .to returns s itself)."""
        converted = ops.sparse.sparse_astype(s, dtype=np.dtype(dtype))  # (of a COO or a compressed s)
        return ops.sparse_compressed.compressed_result(ops.sparse.sparse_result(converted))

    @staticmethod
    def clip(x, lo, hi):
        return ag.clip(x, lo, hi)

    clamp_min, clamp_max = staticmethod(ag.clamp_min), staticmethod(ag.clamp_max)

    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return ag.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def mean(x, axis=None, keepdims=False):
        return ag.mean(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def var(x, axis=None, ddof=0, keepdims=False):
        return ag.var(x, axis=axis, ddof=ddof, keepdims=keepdims)

    @staticmethod
    def std(x, axis=None, ddof=0, keepdims=False):
        return ag.ops.std(x, axis=axis, ddof=ddof, keepdims=keepdims)

    @staticmethod
    def vector_norm(x, axis=None, keepdims=False):
        return ag.ops.norms.vector_norm2(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def prod(x, axis=None, keepdims=False):
        return ag.prod(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def max(x, axis=None, keepdims=False):
        return ag.max(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def min(x, axis=None, keepdims=False):
        return ag.min(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def logsumexp(x, axis=None, keepdims=False):
        return ag.logsumexp(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    @staticmethod
    def transpose(x, axes=None):
        return x.transpose(axes) if axes is not None else x.T

    @staticmethod
    def swapaxes(x, a, b):
        return x.swapaxes(a, b)

    @staticmethod
    def getitem(x, index):
        return x[index]

    @staticmethod
    def broadcast_to(x, shape):
        return ops.broadcast_to(x, shape=shape)

    @staticmethod
    def sum_to(x, shape):
        return ops.sum_to(x, shape=shape)

    @staticmethod
    def scatter_add(g, index, shape):
        return ops.scatter_add(g, index=index, shape=shape)

    @staticmethod
    def astype(x, dtype):
        return x.astype(dtype)

    @staticmethod
    def clone(x):
        return x.clone()

    # PyTorch's functions along a dimension (ops/index.py, ops/scan.py).
    gather, scatter, scatter_add_along, index_select, take = ag.gather, ag.scatter, ag.scatter_add, \
        ag.index_select, ag.take
    scatter_reduce = ag.scatter_reduce
    masked_select, narrow, flip, roll, tril, triu = ag.masked_select, ag.narrow, ag.flip, ag.roll, ag.tril, ag.triu
    diagonal, diag, trace, cumsum, cumprod = ag.diagonal, ag.diag, ag.trace, ag.cumsum, ag.cumprod

    @staticmethod
    def sort(x, dim=-1, descending=False):
        return ag.sort(x, dim, descending).values

    # More elementwise functions and products (ops/special.py, ops/linalg.py).
    erf, erfinv, lgamma, digamma, polygamma = ag.erf, ag.erfinv, ag.lgamma, ag.digamma, ag.polygamma
    # --- special functions, stop 26 ---
    @staticmethod
    def igamma(a, x):  # torch.igamma takes tensors (or, here, numbers), not arrays
        return ag.igamma(ag.as_tensor(a, dtype=x.dtype) if isinstance(a, np.ndarray) else a, x)

    @staticmethod
    def igammac(a, x):
        return ag.igammac(ag.as_tensor(a, dtype=x.dtype) if isinstance(a, np.ndarray) else a, x)

    _s = ag.special
    erfc, erfcx, ndtr, ndtri, log_ndtr, xlogy, xlog1py = _s.erfc, _s.erfcx, _s.ndtr, _s.ndtri, _s.log_ndtr, _s.xlogy, \
        _s.xlog1py
    entr, exp2, logit, sinc, i0, i0e, i1, i1e = _s.entr, _s.exp2, _s.logit, _s.sinc, _s.i0, _s.i0e, _s.i1, _s.i1e
    zeta, multigammaln, logaddexp2 = _s.zeta, _s.multigammaln, ag.logaddexp2
    # --- end of special functions, stop 26 ---
    log1p, expm1, log2, log10, tan, asin, acos, atan = ag.log1p, ag.expm1, ag.log2, ag.log10, ag.tan, ag.asin, \
        ag.acos, ag.atan
    sinh, cosh, atan2, reciprocal, rsqrt, lerp, addcmul = ag.sinh, ag.cosh, ag.atan2, ag.reciprocal, ag.rsqrt, \
        ag.lerp, ag.addcmul
    asinh, acosh, atanh = ag.asinh, ag.acosh, ag.atanh
    addcdiv, logaddexp, hypot, sign, floor, ceil, trunc = ag.addcdiv, ag.logaddexp, ag.hypot, ag.sign, ag.floor, \
        ag.ceil, ag.trunc
    round, frac, outer, dot, bmm, addmm = ag.round, ag.frac, ag.outer, ag.dot, ag.bmm, ag.addmm

    split, chunk, unbind, hstack, vstack, tile, repeat_interleave = ag.split, ag.chunk, ag.unbind, ag.hstack, \
        ag.vstack, ag.tile, ag.repeat_interleave
    einsum, tensordot = ag.einsum, ag.tensordot

    @staticmethod
    def repeat(x, *sizes):
        return x.repeat(*sizes)

    @staticmethod
    def amax(x, dim):
        return ag.amax(x, dim)

    @staticmethod
    def amin(x, dim):
        return ag.amin(x, dim)

    @staticmethod
    def topk(x, k, dim=-1, largest=True):
        return ag.topk(x, k, dim, largest).values

    @staticmethod
    def median(x, dim=None):
        return ag.median(x) if dim is None else ag.median(x, dim).values

    @staticmethod
    def cummax(x, dim):
        return ag.cummax(x, dim).values

    @staticmethod
    def cummin(x, dim):
        return ag.cummin(x, dim).values

    # torch.linalg (ops/linalg.py's primitives through autograd_core.linalg).
    cholesky, inv, det, solve = ag.linalg.cholesky, ag.linalg.inv, ag.linalg.det, ag.linalg.solve

    @staticmethod
    def solve_triangular(a, b, upper):
        return ag.linalg.solve_triangular(a, b, upper=upper)

    @staticmethod
    def slogdet(x):  # logabsdet (the sign has no gradient)
        return ag.linalg.slogdet(x).logabsdet

    @staticmethod
    def eigh(x):
        return tuple(ag.linalg.eigh(x))

    @staticmethod
    def eig(x):
        return tuple(ag.linalg.eig(x))

    # --- linalg decompositions, stop 26 ---
    @staticmethod
    def svd(x):
        return tuple(ag.linalg.svd(x, full_matrices=False))

    @staticmethod
    def pinv(x, hermitian=False):
        return ag.linalg.pinv(x, hermitian=hermitian)

    @staticmethod
    def qr(x, mode="reduced"):
        return tuple(ag.linalg.qr(x, mode=mode))

    @staticmethod
    def matrix_exp(x):
        return ag.linalg.matrix_exp(x)

    @staticmethod
    def lu_factor(x):
        return ag.linalg.lu_factor(x).LU
    # --- end of linalg decompositions, stop 26 ---


def _hips():
    import autograd.numpy as anp
    import autograd.scipy.linalg as scipy_linalg
    from autograd.scipy import special as scipy_special
    from autograd.scipy.special import logsumexp

    class HIPS:
        """HIPS autograd: autograd.numpy, plus compositions for what it lacks."""

        name = "autograd"

        @staticmethod
        def _no_sparse(*args, **kwargs):
            raise NotImplementedError("HIPS autograd has no sparse tensors (the sparse cases' refs leave it out)")

        sparse_coo_tensor = spmm = sparse_mm = sparse_sum = sparse_softmax = sparse_log_softmax = sparse_to = _no_sparse
        sparse_zero_outside = sparse_csr_tensor = _no_sparse

        @staticmethod
        def _no_complex(*args, **kwargs):
            raise NotImplementedError("the complex cases' refs leave HIPS autograd out (PyTorch is their reference)")

        complex = polar = real = imag = conj = angle = view_as_real = view_as_complex = _no_complex
        fftn = ifftn = rfftn = irfftn = _no_complex
        exp, log, sqrt, tanh, sin, cos, abs = anp.exp, anp.log, anp.sqrt, anp.tanh, anp.sin, anp.cos, anp.abs
        maximum, minimum, matmul = anp.maximum, anp.minimum, anp.matmul
        sum, mean, max, min = anp.sum, anp.mean, anp.max, anp.min
        reshape, swapaxes = anp.reshape, anp.swapaxes

        @staticmethod
        def where(cond, x, y):
            shape = np.shape(cond)  # HIPS's where does not un-broadcast its gradients: broadcast first
            return anp.where(cond, x + np.zeros(shape), y + np.zeros(shape))

        @staticmethod
        def transpose(x, axes=None):
            # HIPS's transpose gradient mishandles negative axes
            return anp.transpose(x, None if axes is None else tuple(a % anp.ndim(x) for a in axes))

        @staticmethod
        def sigmoid(x):
            return 0.5 * (anp.tanh(0.5 * x) + 1)

        @staticmethod
        def relu(x):
            return anp.maximum(x, 0.0)

        @staticmethod
        def leaky_relu(x, slope):
            return anp.where(x > 0, x, x * slope)

        @staticmethod
        def threshold_backward(g, x):
            return anp.where(x > 0, g, 0.0)

        @staticmethod
        def leaky_relu_backward(g, x, slope):
            return anp.where(x > 0, g, g * slope)

        @staticmethod
        def clip(x, lo, hi):
            return anp.clip(x, lo, hi)

        @staticmethod
        def clamp_min(x, b):  # (cases run on HIPS keep x off the bound: maximum's rule is clamp_min's there)
            return anp.maximum(x, b)

        @staticmethod
        def clamp_max(x, b):
            return anp.minimum(x, b)

        @staticmethod
        def var(x, axis=None, ddof=0, keepdims=False):
            return anp.var(x, axis=axis, ddof=ddof, keepdims=keepdims)

        @staticmethod
        def std(x, axis=None, ddof=0, keepdims=False):
            return anp.std(x, axis=axis, ddof=ddof, keepdims=keepdims)

        @staticmethod
        def vector_norm(x, axis=None, keepdims=False):
            return anp.sqrt(anp.sum(x * x, axis=axis, keepdims=keepdims))

        @staticmethod
        def prod(x, axis=None, keepdims=False):
            return anp.prod(x, axis=axis, keepdims=keepdims)

        @staticmethod
        def logsumexp(x, axis=None, keepdims=False):
            return logsumexp(x, axis=axis, keepdims=keepdims)

        @staticmethod
        def softmax(x, axis=-1):
            return anp.exp(x - logsumexp(x, axis=axis, keepdims=True))

        @staticmethod
        def log_softmax(x, axis=-1):
            return x - logsumexp(x, axis=axis, keepdims=True)

        @staticmethod
        def concatenate(xs, axis=0):
            return anp.concatenate(xs, axis=axis)

        @staticmethod
        def stack(xs, axis=0):
            return anp.stack(xs, axis=axis)

        @staticmethod
        def getitem(x, index):
            return x[index]

        @staticmethod
        def broadcast_to(x, shape):
            return x + np.zeros(shape)  # anp.broadcast_to cannot add leading axes

        @staticmethod
        def sum_to(x, shape):
            return anp.reshape(anp.sum(x, axis=_sum_to_axes(anp.shape(x), shape), keepdims=True), shape)

        @staticmethod
        def scatter_add(g, index, shape):
            return anp.reshape(anp.dot(_scatter_matrix(index, anp.shape(g), shape), anp.reshape(g, -1)), shape)

        @staticmethod
        def astype(x, dtype):
            return x

        @staticmethod
        def clone(x):
            return x + 0.0  # HIPS has no copy with a gradient; the identity suffices

        # PyTorch's functions along a dimension, written with NumPy's indexing (HIPS differentiates it).
        @staticmethod
        def gather(x, dim, index):
            return x[_along(index, dim % anp.ndim(x))]

        @staticmethod
        def scatter(x, dim, index, src):
            raise NotImplementedError("HIPS autograd has no out-of-place scatter: its cases run on PyTorch only")

        @staticmethod
        def scatter_reduce(x, dim, index, src, reduce, include_self=True):
            raise NotImplementedError("HIPS autograd has no scatter_reduce: its cases run on PyTorch only")

        @staticmethod
        def scatter_add_along(x, dim, index, src):
            positions = _along(index, dim)
            block = src[tuple(slice(0, n) for n in index.shape)]
            return x + HIPS.scatter_add(block, positions, np.shape(x))

        @staticmethod
        def index_select(x, dim, index):
            return x[(slice(None),) * dim + (index,)]

        @staticmethod
        def take(x, index):
            return anp.reshape(x, -1)[index]

        @staticmethod
        def masked_select(x, mask):
            shape = np.broadcast_shapes(anp.shape(x), mask.shape)
            return (x + np.zeros(shape))[np.broadcast_to(mask, shape)]

        @staticmethod
        def narrow(x, dim, start, length):
            start = start % anp.shape(x)[dim]
            return x[(slice(None),) * dim + (slice(start, start + length),)]

        @staticmethod
        def flip(x, dims):
            dims = [d % anp.ndim(x) for d in ((dims,) if isinstance(dims, int) else dims)]
            return x[tuple(slice(None, None, -1) if d in dims else slice(None) for d in range(anp.ndim(x)))]

        @staticmethod
        def roll(x, shifts, dims=None):
            if isinstance(shifts, int):
                return anp.roll(x, shifts, dims)
            for shift, dim in zip(shifts, dims):  # HIPS's roll gradient takes one shift at a time
                x = anp.roll(x, shift, dim)
            return x

        @staticmethod
        def tril(x, diagonal=0):
            return anp.tril(x, diagonal)

        @staticmethod
        def triu(x, diagonal=0):
            return anp.triu(x, diagonal)

        @staticmethod
        def diagonal(x, offset=0, dim1=0, dim2=1):  # HIPS's diagonal gradient: only the main one of the last axes
            ndim = anp.ndim(x)
            dim1, dim2 = dim1 % ndim, dim2 % ndim
            x = anp.transpose(x, [d for d in range(ndim) if d not in (dim1, dim2)] + [dim1, dim2])
            n1, n2 = anp.shape(x)[-2:]
            i = np.arange(max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2)))
            return x[..., i + max(-offset, 0), i + max(offset, 0)]

        @staticmethod
        def diag(x, diagonal=0):
            return HIPS.diagonal(x, diagonal) if anp.ndim(x) == 2 else anp.diag(x, diagonal)

        @staticmethod
        def trace(x):
            return anp.trace(x)

        @staticmethod
        def cumsum(x, dim):
            return anp.cumsum(x, dim)

        @staticmethod
        def cumprod(x, dim):  # HIPS has no cumprod gradient: products of the leading blocks (x without zeros)
            moved = anp.swapaxes(x, dim, -1)
            out = anp.stack([anp.prod(moved[..., :j + 1], axis=-1) for j in range(anp.shape(moved)[-1])], -1)
            return anp.swapaxes(out, dim, -1)

        @staticmethod
        def sort(x, dim=-1, descending=False):  # HIPS sorts 1-D arrays only: index with the order (no ties here)
            return x[_along(anp.argsort(-x if descending else x, dim, kind="stable"), dim % anp.ndim(x))]

        erf, erfinv, lgamma = scipy_special.erf, scipy_special.erfinv, scipy_special.gammaln
        digamma, polygamma = scipy_special.digamma, scipy_special.polygamma
        # --- special functions, stop 26 ---
        igamma, igammac = scipy_special.gammainc, scipy_special.gammaincc

        @staticmethod
        def _torch_only(*args, **kwargs):
            raise NotImplementedError("stop 26's special functions are compared with PyTorch only")

        erfc = erfcx = ndtr = ndtri = log_ndtr = xlogy = xlog1py = entr = exp2 = logit = sinc = _torch_only
        i0 = i0e = i1 = i1e = zeta = logaddexp2 = _torch_only
        multigammaln = scipy_special.multigammaln
        # --- end of special functions, stop 26 ---
        log1p, expm1, log2, log10, tan, sinh, cosh, sign = anp.log1p, anp.expm1, anp.log2, anp.log10, anp.tan, \
            anp.sinh, anp.cosh, anp.sign
        asin, acos, atan, atan2, reciprocal, logaddexp, hypot = anp.arcsin, anp.arccos, anp.arctan, anp.arctan2, \
            anp.reciprocal, anp.logaddexp, anp.hypot
        floor, ceil, trunc, outer, dot = anp.floor, anp.ceil, anp.trunc, anp.outer, anp.dot
        asinh, acosh, atanh = anp.arcsinh, anp.arccosh, anp.arctanh

        @staticmethod
        def round(x, decimals=0):
            return anp.round(x, decimals)

        @staticmethod
        def frac(x):
            return x - anp.trunc(x)

        @staticmethod
        def rsqrt(x):
            return 1 / anp.sqrt(x)

        @staticmethod
        def lerp(x, end, weight):
            return x + weight * (end - x)

        @staticmethod
        def addcmul(x, a, b, value=1):
            return x + value * a * b

        @staticmethod
        def addcdiv(x, a, b, value=1):
            return x + value * a / b

        @staticmethod
        def bmm(x, y):
            return anp.matmul(x, y)

        @staticmethod
        def addmm(x, a, b, beta=1, alpha=1):
            return beta * x + alpha * anp.matmul(a, b)

        @staticmethod
        def split(x, size, dim=0):  # pieces by slicing (sizes as PyTorch's: an int or a list of lengths)
            dim %= anp.ndim(x)
            n = anp.shape(x)[dim]
            sizes = [size] * (n // size) + ([n % size] if n % size else []) if isinstance(size, int) else size
            starts = np.cumsum([0] + list(sizes))
            return tuple(x[(slice(None),) * dim + (slice(a, b),)] for a, b in zip(starts[:-1], starts[1:]))

        @staticmethod
        def chunk(x, chunks, dim=0):
            return HIPS.split(x, -(-anp.shape(x)[dim] // chunks), dim)

        @staticmethod
        def unbind(x, dim=0):
            return tuple(x[(slice(None),) * dim + (i,)] for i in range(anp.shape(x)[dim]))

        @staticmethod
        def hstack(xs):
            return anp.concatenate(xs, axis=0 if anp.ndim(xs[0]) == 1 else 1)

        @staticmethod
        def vstack(xs):
            return anp.concatenate([anp.reshape(x, (1, -1)) if anp.ndim(x) < 2 else x for x in xs], axis=0)

        einsum = anp.einsum

        @staticmethod
        def tensordot(a, b, dims=2):
            return anp.tensordot(a, b, dims)

        @staticmethod
        def tile(x, dims):
            return anp.tile(x, dims)

        @staticmethod
        def repeat(x, *sizes):
            return anp.tile(x, sizes)

        @staticmethod
        def repeat_interleave(x, repeats, dim=None):
            return anp.repeat(x, repeats, axis=dim)

        @staticmethod
        def amax(x, dim):
            return anp.max(x, axis=dim)

        @staticmethod
        def amin(x, dim):
            return anp.min(x, axis=dim)

        @staticmethod
        def topk(x, k, dim=-1, largest=True):
            values = HIPS.sort(x, dim, descending=largest)
            return values[(slice(None),) * (dim % anp.ndim(x)) + (slice(0, k),)]

        @staticmethod
        def median(x, dim=None):  # the lower median: the ((n - 1) // 2)-th of the sorted values (no ties here)
            if dim is None:
                x, dim = anp.reshape(x, (-1,)), 0
            values = HIPS.sort(x, dim)
            dim %= anp.ndim(values)
            return values[(slice(None),) * dim + ((anp.shape(values)[dim] - 1) // 2,)]

        @staticmethod
        def cummax(x, dim):
            raise NotImplementedError("HIPS autograd has no cummax (its cases run on PyTorch only)")

        @staticmethod
        def cummin(x, dim):
            raise NotImplementedError("HIPS autograd has no cummin (its cases run on PyTorch only)")

        cholesky, inv, det, solve = anp.linalg.cholesky, anp.linalg.inv, anp.linalg.det, anp.linalg.solve

        @staticmethod
        def solve_triangular(a, b, upper):
            return scipy_linalg.solve_triangular(a, b, lower=not upper)

        @staticmethod
        def slogdet(x):
            return anp.linalg.slogdet(x)[1]

        @staticmethod
        def eigh(x):
            return anp.linalg.eigh(x)

        @staticmethod
        def eig(x):  # (the op table checks eig against PyTorch alone)
            return anp.linalg.eig(x)

        # --- linalg decompositions, stop 26 ---
        @staticmethod
        def svd(x):
            return anp.linalg.svd(x, full_matrices=False)

        @staticmethod
        def pinv(x, hermitian=False):
            if hermitian:
                raise NotImplementedError("HIPS autograd's pinv has no hermitian gradient (PyTorch only)")
            return anp.linalg.pinv(x)

        @staticmethod
        def qr(x, mode="reduced"):
            raise NotImplementedError("HIPS autograd has no gradient for qr (its cases run on PyTorch only)")

        @staticmethod
        def matrix_exp(x):
            raise NotImplementedError("HIPS autograd has no matrix_exp (its cases run on PyTorch only)")

        @staticmethod
        def lu_factor(x):
            raise NotImplementedError("HIPS autograd has no LU decomposition (its cases run on PyTorch only)")
        # --- end of linalg decompositions, stop 26 ---

    return HIPS


def _torch():
    import torch
    import torch.nn.functional as F

    def _dims(x, axis):
        if axis is None:
            return tuple(range(x.ndim))
        return axis

    def _t(x):
        return torch.as_tensor(x, dtype=torch.float64)

    class TORCH:
        """PyTorch CPU, float64."""

        name = "torch"

        @staticmethod
        def sparse_coo_tensor(indices, values, size):
            return torch.sparse_coo_tensor(torch.as_tensor(np.asarray(indices)), values, size, check_invariants=True)

        @staticmethod
        def sparse_csr_tensor(crow_indices, col_indices, values, size):
            return torch.sparse_csr_tensor(torch.as_tensor(np.asarray(crow_indices)),
                                           torch.as_tensor(np.asarray(col_indices)), values, size,
                                           check_invariants=True)

        spmm, sparse_mm, sparse_sum = torch.spmm, torch.sparse.mm, torch.sparse.sum
        sparse_softmax, sparse_log_softmax = torch.sparse.softmax, torch.sparse.log_softmax
        complex, polar, real, imag, angle = torch.complex, torch.polar, torch.real, torch.imag, torch.angle
        conj = torch.conj_physical  # (torch.conj's lazy bit: view_as_real refuses it)
        view_as_real, view_as_complex = torch.view_as_real, torch.view_as_complex
        fftn, ifftn, rfftn, irfftn = torch.fft.fftn, torch.fft.ifftn, torch.fft.rfftn, torch.fft.irfftn

        @staticmethod
        def sparse_to(s, dtype):
            return s.to(getattr(torch, np.dtype(dtype).name))

        @staticmethod
        def sparse_zero_outside(s, indices):
            raise NotImplementedError("PyTorch has no public zero_outside (the case's refs leave it out)")

        exp, log, sqrt, tanh, sigmoid, sin, cos = torch.exp, torch.log, torch.sqrt, torch.tanh, torch.sigmoid, \
            torch.sin, torch.cos
        relu, abs, matmul = torch.relu, torch.abs, torch.matmul

        @staticmethod
        def leaky_relu(x, slope):
            return F.leaky_relu(x, slope)

        @staticmethod
        def threshold_backward(g, x):
            return torch.ops.aten.threshold_backward(g, x, 0)

        @staticmethod
        def leaky_relu_backward(g, x, slope):
            return torch.ops.aten.leaky_relu_backward(g, x, slope, False)

        @staticmethod
        def clip(x, lo, hi):
            if isinstance(lo, np.ndarray) or isinstance(hi, np.ndarray):  # all tensors or all numbers
                lo, hi = (None if b is None else _t(b) for b in (lo, hi))
            return torch.clamp(x, lo, hi)

        clamp_min, clamp_max = staticmethod(torch.clamp_min), staticmethod(torch.clamp_max)

        @staticmethod
        def maximum(x, y):
            return torch.maximum(_t(x), _t(y))

        @staticmethod
        def minimum(x, y):
            return torch.minimum(_t(x), _t(y))

        @staticmethod
        def where(cond, x, y):
            return torch.where(torch.as_tensor(np.asarray(cond)), _t(x), _t(y))

        @staticmethod
        def sum(x, axis=None, keepdims=False):
            return torch.sum(x, dim=_dims(x, axis), keepdim=keepdims)

        @staticmethod
        def mean(x, axis=None, keepdims=False):
            return torch.mean(x, dim=_dims(x, axis), keepdim=keepdims)

        @staticmethod
        def var(x, axis=None, ddof=0, keepdims=False):
            return torch.var(x, dim=axis, correction=ddof, keepdim=keepdims)

        @staticmethod
        def std(x, axis=None, ddof=0, keepdims=False):
            return torch.std(x, dim=axis, correction=ddof, keepdim=keepdims)

        @staticmethod
        def vector_norm(x, axis=None, keepdims=False):
            return torch.linalg.vector_norm(x, dim=axis, keepdim=keepdims)

        @staticmethod
        def prod(x, axis=None, keepdims=False):  # torch.prod reduces one dim (or all, without keepdim)
            if axis is None:
                out = torch.prod(x)
                return out.reshape((1,) * x.ndim) if keepdims else out
            return torch.prod(x, dim=axis, keepdim=keepdims)

        @staticmethod
        def max(x, axis=None, keepdims=False):
            return torch.amax(x, dim=_dims(x, axis), keepdim=keepdims)

        @staticmethod
        def min(x, axis=None, keepdims=False):
            return torch.amin(x, dim=_dims(x, axis), keepdim=keepdims)

        @staticmethod
        def logsumexp(x, axis=None, keepdims=False):
            return torch.logsumexp(x, dim=_dims(x, axis), keepdim=keepdims)

        @staticmethod
        def softmax(x, axis=-1):
            return torch.softmax(x, dim=axis)

        @staticmethod
        def log_softmax(x, axis=-1):
            return torch.log_softmax(x, dim=axis)

        @staticmethod
        def reshape(x, shape):
            return x.reshape(shape)

        @staticmethod
        def transpose(x, axes=None):
            return x.permute(tuple(reversed(range(x.ndim))) if axes is None else axes)

        @staticmethod
        def swapaxes(x, a, b):
            return torch.swapaxes(x, a, b)

        @staticmethod
        def getitem(x, index):
            items = index if isinstance(index, tuple) else (index,)
            items = tuple(torch.as_tensor(i) if isinstance(i, np.ndarray) else i for i in items)
            return x[items]

        @staticmethod
        def broadcast_to(x, shape):
            return x.broadcast_to(shape)

        @staticmethod
        def sum_to(x, shape):
            axes = _sum_to_axes(tuple(x.shape), shape)
            return (torch.sum(x, dim=axes, keepdim=True) if axes else x).reshape(shape)

        @staticmethod
        def scatter_add(g, index, shape):
            return (_t(_scatter_matrix(index, tuple(g.shape), shape)).to(g.dtype) @ g.reshape(-1)).reshape(shape)

        @staticmethod
        def concatenate(xs, axis=0):
            return torch.cat(list(xs), dim=axis)

        @staticmethod
        def stack(xs, axis=0):
            return torch.stack(list(xs), dim=axis)

        @staticmethod
        def astype(x, dtype):
            return x

        @staticmethod
        def clone(x):
            return torch.clone(x)

        @staticmethod
        def gather(x, dim, index):
            return torch.gather(x, dim, torch.as_tensor(index))

        @staticmethod
        def scatter(x, dim, index, src):
            return torch.scatter(x, dim, torch.as_tensor(index), src)

        @staticmethod
        def scatter_add_along(x, dim, index, src):
            return torch.scatter_add(x, dim, torch.as_tensor(index), src)

        @staticmethod
        def scatter_reduce(x, dim, index, src, reduce, include_self=True):
            return torch.scatter_reduce(x, dim, torch.as_tensor(index), src, reduce, include_self=include_self)

        @staticmethod
        def index_select(x, dim, index):
            return torch.index_select(x, dim, torch.as_tensor(index))

        @staticmethod
        def take(x, index):
            return torch.take(x, torch.as_tensor(index))

        @staticmethod
        def masked_select(x, mask):
            return torch.masked_select(x, torch.as_tensor(mask))

        narrow, flip, roll, tril, triu = torch.narrow, torch.flip, torch.roll, torch.tril, torch.triu
        diagonal, diag, trace, cumsum, cumprod = torch.diagonal, torch.diag, torch.trace, torch.cumsum, torch.cumprod

        @staticmethod
        def sort(x, dim=-1, descending=False):
            return torch.sort(x, dim=dim, descending=descending, stable=True).values

        @staticmethod
        def topk(x, k, dim=-1, largest=True):
            return torch.topk(x, k, dim=dim, largest=largest).values

        @staticmethod
        def median(x, dim=None):
            return torch.median(x) if dim is None else torch.median(x, dim).values

        @staticmethod
        def cummax(x, dim):
            return torch.cummax(x, dim).values

        @staticmethod
        def cummin(x, dim):
            return torch.cummin(x, dim).values

        cholesky, inv, det, solve = torch.linalg.cholesky, torch.linalg.inv, torch.linalg.det, torch.linalg.solve

        @staticmethod
        def solve_triangular(a, b, upper):
            return torch.linalg.solve_triangular(a, b, upper=upper)

        @staticmethod
        def slogdet(x):
            return torch.linalg.slogdet(x).logabsdet

        @staticmethod
        def eigh(x):
            return tuple(torch.linalg.eigh(x))

        @staticmethod
        def eig(x):
            return tuple(torch.linalg.eig(x))

        # --- linalg decompositions, stop 26 ---
        @staticmethod
        def svd(x):
            return tuple(torch.linalg.svd(x, full_matrices=False))

        @staticmethod
        def pinv(x, hermitian=False):
            return torch.linalg.pinv(x, hermitian=hermitian)

        @staticmethod
        def qr(x, mode="reduced"):
            return tuple(torch.linalg.qr(x, mode=mode))

        matrix_exp = torch.linalg.matrix_exp

        @staticmethod
        def lu_factor(x):
            return torch.linalg.lu_factor(x).LU
        # --- end of linalg decompositions, stop 26 ---

        erf, erfinv, lgamma, digamma, polygamma = torch.erf, torch.erfinv, torch.lgamma, torch.digamma, torch.polygamma
        # --- special functions, stop 26 ---

        @staticmethod
        def igamma(a, x):  # torch.igamma takes tensors only
            return torch.igamma(torch.as_tensor(a, dtype=x.dtype), x)

        @staticmethod
        def igammac(a, x):
            return torch.igammac(torch.as_tensor(a, dtype=x.dtype), x)

        _s = torch.special
        erfc, erfcx, ndtr, ndtri, log_ndtr, xlogy, xlog1py = _s.erfc, _s.erfcx, _s.ndtr, _s.ndtri, _s.log_ndtr, \
            _s.xlogy, _s.xlog1py
        entr, exp2, logit, sinc, i0, i0e, i1, i1e = _s.entr, _s.exp2, _s.logit, _s.sinc, _s.i0, _s.i0e, _s.i1, _s.i1e
        multigammaln, logaddexp2 = _s.multigammaln, torch.logaddexp2

        @staticmethod
        def zeta(x, q):
            return torch.special.zeta(torch.as_tensor(x, dtype=q.dtype), q)
        # --- end of special functions, stop 26 ---
        log1p, expm1, log2, log10, tan, asin, acos, atan = torch.log1p, torch.expm1, torch.log2, torch.log10, \
            torch.tan, torch.asin, torch.acos, torch.atan
        sinh, cosh, atan2, reciprocal, rsqrt, lerp, addcmul = torch.sinh, torch.cosh, torch.atan2, torch.reciprocal, \
            torch.rsqrt, torch.lerp, torch.addcmul
        asinh, acosh, atanh = torch.asinh, torch.acosh, torch.atanh
        addcdiv, logaddexp, hypot, sign, floor, ceil, trunc = torch.addcdiv, torch.logaddexp, torch.hypot, torch.sign, \
            torch.floor, torch.ceil, torch.trunc
        round, frac, outer, dot, bmm, addmm = torch.round, torch.frac, torch.outer, torch.dot, torch.bmm, torch.addmm
        amax, amin, einsum, tensordot = torch.amax, torch.amin, torch.einsum, torch.tensordot
        split, chunk, unbind, hstack, vstack, tile = torch.split, torch.chunk, torch.unbind, torch.hstack, \
            torch.vstack, torch.tile

        @staticmethod
        def repeat(x, *sizes):
            return x.repeat(*sizes)

        @staticmethod
        def repeat_interleave(x, repeats, dim=None):
            return torch.repeat_interleave(x, torch.as_tensor(repeats) if isinstance(repeats, np.ndarray) else repeats,
                                           dim=dim)

    return TORCH


def backend(name):
    """The backend called `name` ('autograd' or 'torch'); skips the test when the package is missing."""
    if name == "autograd":
        pytest.importorskip("autograd")
        return _hips()
    pytest.importorskip("torch")
    return _torch()


@pytest.mark.parametrize("name", ["autograd", "torch"])
def test_backends_share_one_interface(name):
    B = backend(name)
    names = {n for n in vars(OURS) if not n.startswith("_")}
    assert names <= set(vars(B)), f"{B.name} lacks {sorted(names - set(vars(B)))}"
