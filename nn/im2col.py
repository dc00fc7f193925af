"""im2col: the NumPy kernels under nn's convolutions and pooling, on plain arrays (no graph).

Arrays are (N, C, H, W); geometry is given per spatial axis: stride (sh, sw), padding ((top, bottom),
(left, right), negative amounts crop), dilation (dh, dw), groups. A strided view of the windows is copied
once into a column matrix, which one batched matrix product turns into the output.

Temporaries that die inside a kernel (padded copies, column matrices, products that are cropped or summed)
live in scratch buffers kept between calls, see `_scratch`; every array a kernel returns is fresh (large ones
recycled from earlier calls once nothing references them: autograd_core/recycle.py).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

import numpy as np
from numpy.lib.stride_tricks import as_strided

from autograd_core import recycle
from autograd_core.threads import parts_for, record, should_split, split_batch

# ----------------------------------------------------------------------------------------------------
# Scratch buffers. Why: a training step makes the same multi-megabyte temporaries every time, and glibc
# hands freed memory that large back to the kernel, so each step touched it afresh and paid a page fault
# per 4 KiB (as much time as the arithmetic, for a small CNN). Buffers kept per thread cost no fault after
# the first step and no global setting (mallopt) of the process.

SCRATCH_BYTES = 64 << 20  # per thread; beyond it the least recently used buffers are dropped
_local = threading.local()  # .buffers: this thread's cache; .part: the split kernel call a part of runs here
_SPLITTING = [0]  # split calls running in any thread: while none is, _scratch skips looking for a part (~0.7 µs)
_SPLITTING_LOCK = threading.Lock()


def _scratch(role, shape, dtype):
    """An uninitialised array of `shape` and `dtype`, reused by the next call with the same `role`.

    `role` names the call site: the array is valid until that site asks again, so it may only hold a
    temporary that dies before its kernel returns (never a result, never a view of one), and two buffers
    alive at the same time need two roles. One buffer per (role, dtype), grown to the largest request.
    A request larger than SCRATCH_BYTES gets a fresh array.

    Inside a part of a kernel split across threads (`_split`), a request whose first axis is the part's samples
    is served as the part's rows of the calling thread's buffer for the whole batch: the buffers a split call
    uses are the very ones a call on one thread would.
    """
    if _SPLITTING[0]:  # some thread is in a split call: is this a part of one?
        context = getattr(_local, "part", None)
        if context is not None and shape and shape[0] == context.part.stop - context.part.start:
            with context.lock:
                whole = _cached(context.buffers, role, (context.n,) + tuple(shape[1:]), dtype)
            return whole[context.part]
    return _cached(_own_buffers(), role, shape, dtype)


def _own_buffers():
    """This thread's scratch cache: {(role, dtype): flat array}, least recently used first."""
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = OrderedDict()
    return buffers


def _cached(buffers, role, shape, dtype):
    dtype = np.dtype(dtype)
    size = math.prod(shape)
    if size * dtype.itemsize > SCRATCH_BYTES:
        return np.empty(shape, dtype)
    key = (role, dtype)
    flat = buffers.pop(key, None)
    if flat is None or flat.size < size:
        flat = None  # free the smaller one first
        kept = sum(b.nbytes for b in buffers.values())
        while buffers and kept + size * dtype.itemsize > SCRATCH_BYTES:
            kept -= buffers.popitem(last=False)[1].nbytes
        flat = np.empty(size, dtype)
    buffers[key] = flat  # now the most recently used
    return flat[:size].reshape(shape)


class _PartRows:
    """What a part of a split kernel call needs to find its scratch rows: the calling thread's cache (`buffers`, with
    `lock` for the parts that use it at once), the batch size `n` and the part's samples `part`."""

    __slots__ = ("buffers", "lock", "n", "part")

    def __init__(self, buffers, lock, n, part):
        self.buffers, self.lock, self.n, self.part = buffers, lock, n, part


def _split(n, body, work, site):
    """autograd_core.threads.split_batch for the kernels here and in pool.py, with each part's scratch buffers taken
    as rows of the calling thread's (see `_scratch`): the memory kept between calls is the same on any number of
    threads, rather than a set of buffers per pool thread on top of the caller's.

    site: the kernel's name. A call that may split is timed, and runs serially instead whenever that has been the
    faster way for this kernel at these sizes (`threads.should_split`): the same results, bit for bit.
    """
    if parts_for(n, work) <= 1:
        body(slice(0, n))  # one part: this thread's own buffers, as requested (no rows to hand out)
        return
    key = (site, n, work)
    parts = should_split(key)
    start = time.perf_counter()
    if parts:
        _split_rows(n, body, work)
    else:
        body(slice(0, n))
    record(key, parts, time.perf_counter() - start)


def _split_rows(n, body, work):
    buffers, lock = _own_buffers(), threading.Lock()

    def part(rows):
        outer = getattr(_local, "part", None)
        _local.part = _PartRows(buffers, lock, n, rows)
        try:
            body(rows)
        finally:
            _local.part = outer

    with _SPLITTING_LOCK:
        _SPLITTING[0] += 1
    try:
        split_batch(n, part, work)
    finally:
        with _SPLITTING_LOCK:
            _SPLITTING[0] -= 1


def _clear_scratch():
    """Drop this thread's scratch buffers (their memory goes back to the allocator)."""
    _local.buffers = OrderedDict()


# ----------------------------------------------------------------------------------------------------
# Kernels.


def _pad(x, padding, fill=0, scratch=None):
    """x with `fill` added on each spatial side (padding ((top, bottom), (left, right))); negative crops.

    Written into the scratch buffer of role `scratch` when given (the caller must not return it), else
    into a fresh array. Without padding, x itself (a view when cropped).
    """
    (top, bottom), (left, right) = padding
    if top < 0 or bottom < 0 or left < 0 or right < 0:
        H, W = x.shape[2:]
        x = x[:, :, max(-top, 0):H - max(-bottom, 0), max(-left, 0):W - max(-right, 0)]
        top, bottom, left, right = max(top, 0), max(bottom, 0), max(left, 0), max(right, 0)
    if not (top or bottom or left or right):
        return x
    N, C, H, W = x.shape
    shape = (N, C, top + H + bottom, left + W + right)
    out = np.empty(shape, x.dtype) if scratch is None else _scratch(scratch, shape, x.dtype)
    out.fill(fill)
    _copy_rows(out[:, :, top:top + H, left:left + W], x)
    return out


def _copy_rows(dst, src):
    """np.copyto(dst, src) for arrays of one shape and dtype. When both have contiguous rows (last axis), each row
    moves as one item: NumPy otherwise calls its inner loop once per row, and rows here are short (a 14-pixel row of a
    padded image, of a wide column matrix): 3-5× faster for thousands of rows, slower for a few."""
    width = dst.shape[-1] if dst.ndim else 0
    if (width and dst.size >= _MANY_ROWS * width and dst.dtype == src.dtype
            and dst.strides[-1] == src.strides[-1] == dst.itemsize):
        row = _row_type(width * dst.itemsize)
        np.copyto(dst.view(row), src.view(row))
    else:
        np.copyto(dst, src)


_MANY_ROWS = 64  # below it the views cost more than they save
_ROW_TYPES = {}  # row size in bytes -> the void dtype of one row


def _row_type(nbytes):
    """The NumPy dtype of an opaque item of `nbytes` bytes (a row of pixels, moved as one)."""
    row = _ROW_TYPES.get(nbytes)
    if row is None:
        row = _ROW_TYPES[nbytes] = np.dtype((np.void, nbytes))
    return row


def _strided(x, shape, strides):
    """A read-only strided view of x (as numpy's as_strided, whose Python wrapper costs ~4 µs a call; the
    constructor ~0.6 µs when x is contiguous, which the padded copies the kernels make are)."""
    if not x.flags.c_contiguous:
        return as_strided(x, shape, strides, writeable=False)
    view = np.ndarray(shape, x.dtype, x, 0, strides)
    view.flags.writeable = False
    return view


def _out_len(n, pad, k, s, d):
    """Windows along an axis of length n padded by pad = (before, after): ⌊(n + pads − d(k−1) − 1)/s⌋ + 1."""
    return (n + pad[0] + pad[1] - d * (k - 1) - 1) // s + 1


def _windows(xp, kernel, stride, dilation, out_size):
    """Read-only view (N, C, kh, kw, Ho, Wo) of padded xp: [n, c, p, q, i, j] = xp[n, c, i·sh + p·dh, j·sw + q·dw]."""
    N, C = xp.shape[:2]
    sN, sC, sH, sW = xp.strides
    return _strided(xp, (N, C) + tuple(kernel) + tuple(out_size),
                    (sN, sC, dilation[0] * sH, dilation[1] * sW, stride[0] * sH, stride[1] * sW))


def _scatter_windows(target, cols, stride, dilation, origin=(0, 0)):
    """target[n, c, oh + i·sh + p·dh, ow + j·sw + q·dw] += cols[n, c, p, q, i, j]: the adjoint of `_windows`.

    Overlapping windows accumulate. One vectorised add per kernel tap, each over every pixel at once:
    faster than one add through a strided view of all windows, and correct when windows overlap.
    """
    N, C, kh, kw, Ho, Wo = cols.shape
    (sh, sw), (dh, dw), (oh, ow) = stride, dilation, origin
    for p in range(kh):
        for q in range(kw):
            r, c = oh + p * dh, ow + q * dw
            target[:, :, r:r + sh * (Ho - 1) + 1:sh, c:c + sw * (Wo - 1) + 1:sw] += cols[:, :, p, q]
    return target


def _columns(x, kernel, stride, padding, dilation, groups, out_size):
    """The im2col matrix (N, G, C/G·kh·kw, Ho·Wo): every window of padded x, copied once. Column i·Wo + j
    holds output pixel (i, j). The matrix is a scratch buffer (role "columns"): use it before the next call.
    """
    xp = _pad(x, padding, scratch="padded")
    N, C = xp.shape[:2]
    (kh, kw), (Ho, Wo) = kernel, out_size
    cols = _scratch("columns", (N, C, kh, kw, Ho, Wo), xp.dtype)
    if stride == (1, 1) and Wo and N * C * kh * kw * Ho >= _MANY_ROWS:
        # Row i of tap (p, q) is a run of Wo pixels of the padded image: copied as one item each, one loop over all
        # of them (10–35% faster convolutions than copying rows as wide as the image and cropping the products).
        if not xp.flags.c_contiguous:  # unpadded x, e.g. a cropped view
            contiguous = _scratch("padded", xp.shape, xp.dtype)
            contiguous[...] = xp
            xp = contiguous
        row = _row_type(Wo * xp.itemsize)
        sN, sC, sH, sW = xp.strides
        runs = np.ndarray((N, C, kh, kw, Ho), row, xp, 0, (sN, sC, dilation[0] * sH, dilation[1] * sW, sH))
        np.copyto(cols.view(row).reshape(N, C, kh, kw, Ho), runs)
    else:
        np.copyto(cols, _windows(xp, kernel, stride, dilation, out_size))
    return cols.reshape(N, groups, C // groups * kh * kw, Ho * Wo)


def _product(role, a, b):
    """a @ b into the scratch buffer of `role` (same dtypes), else into a fresh array."""
    if a.dtype != b.dtype:
        return np.matmul(a, b)
    batch_a, batch_b = a.shape[:-2], b.shape[:-2]
    batch = batch_b if batch_a == batch_b[len(batch_b) - len(batch_a):] else np.broadcast_shapes(batch_a, batch_b)
    shape = batch + (a.shape[-2], b.shape[-1])
    return np.matmul(a, b, out=_scratch(role, shape, a.dtype))


def _crop(buffer, top, left, size, bias, out):
    """out = buffer[:, :, top:top + H, left:left + W] (+ bias per channel). The bias is added to `buffer` itself
    (a scratch buffer of the caller's, never a user's array)."""
    if bias is not None:  # on the whole buffer, in its contiguous layout (the crop's rows are short)
        np.add(buffer, bias.reshape(-1, 1, 1), out=buffer)
    _copy_rows(out, buffer[:, :, top:top + size[0], left:left + size[1]])
    return out


def _conv2d_np(x, w, stride, padding, dilation, groups, bias=None):
    """y = x ⋆ W + b. x (N, C, H, W), w (O, C/G, kh, kw), bias (O,) or None -> (N, O, Ho, Wo), contiguous.
    Large batches are split across threads (autograd_core.threads)."""
    N = x.shape[0]
    work = N * math.prod(w.shape[1:]) * x.shape[2] * x.shape[3] // (stride[0] * stride[1])  # ~ the column matrix
    y = recycle.empty((N, w.shape[0]) + _conv_out_size(x, w, stride, padding, dilation),
                      np.result_type(x.dtype, w.dtype))
    _split(N, lambda part: _conv2d_rows(x[part], w, stride, padding, dilation, groups, bias, out=y[part]), work,
           "conv2d")
    return y


def _conv_out_size(x, w, stride, padding, dilation):
    """(Ho, Wo) of x ⋆ w."""
    return tuple(_out_len(n, pad, k, s, d)
                 for n, pad, k, s, d in zip(x.shape[2:], padding, w.shape[2:], stride, dilation))


def _conv2d_rows(x, w, stride, padding, dilation, groups, bias, out):
    """_conv2d_np of the samples x, written into `out` (N, O, Ho, Wo)."""
    N, O, G = x.shape[0], w.shape[0], groups
    kernel = w.shape[2:]
    Ho, Wo = out.shape[2:]
    cols = _columns(x, kernel, stride, padding, dilation, G, (Ho, Wo))
    w_rows = w.reshape(G, O // G, w.shape[1] * w.shape[2] * w.shape[3])   # explicit: -1 fails on size 0
    y = np.matmul(w_rows, cols, out=out.reshape(N, G, O // G, Ho * Wo))  # a product per group
    if bias is not None:
        y += bias.reshape(G, O // G, 1)


def _conv_transpose2d_np(x, w, stride, padding, dilation, groups, size, bias=None):
    """The adjoint of `_conv2d_np` in its input (+ b): x (N, O, Ho, Wo), w (O, C/G, kh, kw) -> (N, C, *size)."""
    (O, Cg, kh, kw), G = w.shape, groups
    (pt, pb), (pl, pr) = padding
    if stride == (1, 1) and O // G <= 2 * Cg:
        # Gather form, fully vectorised: correlate with the flipped kernel, in/out channels swapped. Its
        # column matrix has O/G·kh·kw rows against the scatter form's C/G·kh·kw, but it skips the scatter's kh·kw
        # additions: measured (3×3 kernels, one thread), it is 6–23% faster at O = 2C and 9% slower at O = 3C.
        flipped = w.reshape(G, O // G, Cg, kh, kw).swapaxes(1, 2).reshape(G * Cg, O // G, kh, kw)[:, :, ::-1, ::-1]
        eh, ew = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
        return _conv2d_np(x, flipped, stride, ((eh - pt, eh - pb), (ew - pl, ew - pr)), dilation, G, bias)
    # Scatter form: one product gives every window's contribution (C/G·kh·kw rows), then the windows are
    # added into a buffer that holds the padded output. With stride s a gather would also multiply the
    # s² − 1 zeros between inputs.
    N, work = x.shape[0], x.size // (O // G) * Cg * kh * kw  # the product's columns
    y = recycle.empty((N, G * Cg) + tuple(size), np.result_type(x.dtype, w.dtype))
    _split(N, lambda part: _scatter_form(x[part], w, stride, padding, dilation, G, size, bias, out=y[part]), work,
           "conv_transpose2d")
    return y


def _scatter_form(x, w, stride, padding, dilation, G, size, bias, out):
    """The scatter form of _conv_transpose2d_np for the samples x, written into `out` (N, C, H, W)."""
    (O, Cg, kh, kw), (N, _, Ho, Wo), (H, W) = w.shape, x.shape, size
    (pt, pb), (pl, pr) = padding
    top, left = max(pt, 0), max(pl, 0)
    Hb, Wb = top + H + max(pb, 0), left + W + max(pr, 0)
    (oh, ow), (dh, dw) = (top - pt, left - pl), dilation      # where window (0, 0) starts in the buffer
    w_t = w.reshape(G, O // G, Cg * kh * kw).swapaxes(1, 2)   # (G, C/G·kh·kw, O/G)
    if stride == (1, 1) and 4 * (Wb - Wo) <= Wo:
        # Rows of x widened with zeros to the buffer's width: each kernel tap then adds one contiguous run
        # of the flattened buffer (the zero columns wrap onto the next row and add nothing).
        wide = _scratch("transpose_rows", (N, O, Ho, Wb), x.dtype)
        wide.fill(0)  # the junk columns; then the rows (faster than zeroing the junk alone)
        _copy_rows(wide[..., :Wo], x)
        cols = _product("transpose_product", w_t, wide.reshape(N, G, O // G, Ho * Wb))
        cols = cols.reshape(N, G * Cg, kh * kw, Ho * Wb)
        flat = _scratch("transpose_sum", (N, G * Cg, Hb * Wb + ow + dw * (kw - 1)), cols.dtype)
        flat.fill(0)
        for tap in range(kh * kw):
            start = (oh + tap // kw * dh) * Wb + ow + tap % kw * dw
            flat[:, :, start:start + Ho * Wb] += cols[:, :, tap]
        buffer = flat[:, :, :Hb * Wb].reshape(N, G * Cg, Hb, Wb)
    else:
        cols = _product("transpose_product", w_t, x.reshape(N, G, O // G, Ho * Wo)).reshape(N, G * Cg, kh, kw, Ho, Wo)
        if (Hb, Wb) == (H, W):  # nothing to crop: sum straight into the result
            out.fill(0)
            _scatter_windows(out, cols, stride, dilation, (oh, ow))
            if bias is not None:
                out += bias.reshape(-1, 1, 1)
            return out
        buffer = _scratch("transpose_sum", (N, G * Cg, Hb, Wb), cols.dtype)
        buffer.fill(0)
        _scatter_windows(buffer, cols, stride, dilation, (oh, ow))
    return _crop(buffer, top, left, (H, W), bias, out=out)


def _conv2d_weight_np(x, dy, stride, padding, dilation, groups, kernel):
    """dL/dW of y = x ⋆ W given dy = dL/dy: x (N, C, H, W), dy (N, O, Ho, Wo) -> (O, C/G, kh, kw).
    The per-sample products are made in parts of the batch (threads, see autograd_core.threads) and summed here."""
    N, C = x.shape[:2]
    O, Ho, Wo = dy.shape[1:]
    taps = C // groups * math.prod(kernel)
    products = _scratch("weight_product", (N, groups, O // groups, taps), np.result_type(x.dtype, dy.dtype))
    _split(N, lambda part: _weight_products_into(products[part], x[part], dy[part], stride, padding, dilation,
                                                 groups, kernel),
           N * groups * taps * Ho * Wo, "conv2d_weight")  # work: the column matrix
    return products.sum(axis=0).reshape((O, C // groups) + tuple(kernel))


def _weight_products_into(products, x, dy, stride, padding, dilation, groups, kernel):
    """products[n, g] = dy[n, g] · columns(x[n], g)ᵀ: sample n's share of dL/dW, (N, G, O/G, C/G·kh·kw)."""
    N, O, Ho, Wo = dy.shape
    cols = _columns(x, kernel, stride, padding, dilation, groups, (Ho, Wo))
    dy = dy.reshape(N, groups, O // groups, Ho * Wo)  # explicit: -1 fails on an empty batch
    np.matmul(dy, cols.swapaxes(-1, -2), out=products)
