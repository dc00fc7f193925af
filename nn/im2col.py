"""im2col: the NumPy kernels under nn's convolutions and pooling, on plain arrays (no graph).

Arrays are (N, C, H, W); geometry is given per spatial axis: stride (sh, sw), padding ((top, bottom),
(left, right), negative amounts crop), dilation (dh, dw), groups. A strided view of the windows is copied
once into a column matrix, which one batched matrix product turns into the output.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided



def _pad(x, padding, fill=0):
    """x with `fill` added on each spatial side (padding ((top, bottom), (left, right))); negative crops."""
    (top, bottom), (left, right) = padding
    if top < 0 or bottom < 0 or left < 0 or right < 0:
        H, W = x.shape[2:]
        x = x[:, :, max(-top, 0):H - max(-bottom, 0), max(-left, 0):W - max(-right, 0)]
        top, bottom, left, right = max(top, 0), max(bottom, 0), max(left, 0), max(right, 0)
    if not (top or bottom or left or right):
        return x
    N, C, H, W = x.shape
    out = np.full((N, C, top + H + bottom, left + W + right), fill, dtype=x.dtype)
    out[:, :, top:top + H, left:left + W] = x
    return out


def _out_len(n, pad, k, s, d):
    """Windows along an axis of length n padded by pad = (before, after): ⌊(n + pads − d(k−1) − 1)/s⌋ + 1."""
    return (n + pad[0] + pad[1] - d * (k - 1) - 1) // s + 1


def _windows(xp, kernel, stride, dilation, out_size):
    """Read-only view (N, C, kh, kw, Ho, Wo) of padded xp: [n, c, p, q, i, j] = xp[n, c, i·sh + p·dh, j·sw + q·dw]."""
    N, C = xp.shape[:2]
    sN, sC, sH, sW = xp.strides
    return as_strided(xp, (N, C) + tuple(kernel) + tuple(out_size),
                      (sN, sC, dilation[0] * sH, dilation[1] * sW, stride[0] * sH, stride[1] * sW),
                      writeable=False)


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
    """The im2col matrix (N, G, C/G·kh·kw, Ho·width) and `width`: every window of padded x, copied once.

    Output pixel (i, j) is column i·width + j. For stride 1 (when it wastes little) the rows are as wide
    as the padded image, width = Wp: each kernel tap is then one contiguous run of the image, so the copy
    runs several times faster than row by row. The Wp − Wo extra columns per row hold neighbouring pixels
    (junk); callers drop them from outputs and give them zero weight in sums.
    """
    xp = _pad(x, padding)
    N, C, Hp, Wp = xp.shape
    (kh, kw), (Ho, Wo) = kernel, out_size
    taps = C // groups * kh * kw
    if stride != (1, 1) or 4 * (Wp - Wo) > Wo:
        return _windows(xp, kernel, stride, dilation, out_size).reshape(N, groups, taps, Ho * Wo), Wo
    xp = np.ascontiguousarray(xp)
    run = (Ho - 1) * Wp + Wo  # the last tap's run ends exactly at the image's last element
    sN, sC, sH, sW = xp.strides
    view = as_strided(xp, (N, C, kh, kw, run), (sN, sC, dilation[0] * sH, dilation[1] * sW, sW), writeable=False)
    cols = np.empty((N, C, kh, kw, Ho * Wp), dtype=xp.dtype)
    cols[..., :run] = view
    cols[..., run:] = 0
    return cols.reshape(N, groups, taps, Ho * Wp), Wp


def _conv2d_np(x, w, stride, padding, dilation, groups, bias=None):
    """y = x ⋆ W + b. x (N, C, H, W), w (O, C/G, kh, kw), bias (O,) or None -> (N, O, Ho, Wo)."""
    N, O, G = x.shape[0], w.shape[0], groups
    kernel = w.shape[2:]
    (Ho, Wo) = out_size = tuple(_out_len(n, pad, k, s, d) for n, pad, k, s, d in
                                zip(x.shape[2:], padding, kernel, stride, dilation))
    cols, width = _columns(x, kernel, stride, padding, dilation, G, out_size)
    y = np.matmul(w.reshape(G, O // G, -1), cols)           # (N, G, O/G, Ho·width): one product per group
    if bias is not None:
        y += bias.reshape(G, O // G, 1)                     # on the contiguous product: fastest
    return y.reshape(N, O, Ho, width)[..., :Wo]


def _conv_transpose2d_np(x, w, stride, padding, dilation, groups, size, bias=None):
    """The adjoint of `_conv2d_np` in its input (+ b): x (N, O, Ho, Wo), w (O, C/G, kh, kw) -> (N, C, *size)."""
    (O, Cg, kh, kw), G = w.shape, groups
    (pt, pb), (pl, pr) = padding
    if stride == (1, 1) and O // G <= Cg:
        # Gather form, fully vectorised: correlate with the flipped kernel, in/out channels swapped. Its
        # column matrix has O/G·kh·kw rows, so it is used when that is no more than the scatter form's.
        flipped = w.reshape(G, O // G, Cg, kh, kw).swapaxes(1, 2).reshape(G * Cg, O // G, kh, kw)[:, :, ::-1, ::-1]
        eh, ew = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
        return _conv2d_np(x, flipped, stride, ((eh - pt, eh - pb), (ew - pl, ew - pr)), dilation, G, bias)
    # Scatter form: one product gives every window's contribution (C/G·kh·kw rows), then the windows are
    # added into a buffer that holds the padded output. With stride s a gather would also multiply the
    # s² − 1 zeros between inputs.
    N, _, Ho, Wo = x.shape
    H, W = size
    top, left = max(pt, 0), max(pl, 0)
    Hb, Wb = top + H + max(pb, 0), left + W + max(pr, 0)
    (oh, ow), (dh, dw) = (top - pt, left - pl), dilation      # where window (0, 0) starts in the buffer
    w_t = w.reshape(G, O // G, -1).swapaxes(1, 2)             # (G, C/G·kh·kw, O/G)
    if stride == (1, 1) and 4 * (Wb - Wo) <= Wo:
        # Rows of x widened with zeros to the buffer's width: each kernel tap then adds one contiguous run
        # of the flattened buffer (the zero columns wrap onto the next row and add nothing).
        wide = np.zeros((N, O, Ho, Wb), dtype=x.dtype)
        wide[..., :Wo] = x
        cols = np.matmul(w_t, wide.reshape(N, G, O // G, Ho * Wb)).reshape(N, G * Cg, kh * kw, Ho * Wb)
        flat = np.zeros((N, G * Cg, Hb * Wb + ow + dw * (kw - 1)), dtype=cols.dtype)
        for tap in range(kh * kw):
            start = (oh + tap // kw * dh) * Wb + ow + tap % kw * dw
            flat[:, :, start:start + Ho * Wb] += cols[:, :, tap]
        buffer = flat[:, :, :Hb * Wb].reshape(N, G * Cg, Hb, Wb)
    else:
        cols = np.matmul(w_t, x.reshape(N, G, O // G, Ho * Wo)).reshape(N, G * Cg, kh, kw, Ho, Wo)
        buffer = _scatter_windows(np.zeros((N, G * Cg, Hb, Wb), dtype=cols.dtype), cols, stride, dilation, (oh, ow))
    if bias is not None:
        buffer += bias.reshape(-1, 1, 1)
    return buffer[:, :, top:top + H, left:left + W]


def _conv2d_weight_np(x, dy, stride, padding, dilation, groups, kernel):
    """dL/dW of y = x ⋆ W given dy = dL/dy: x (N, C, H, W), dy (N, O, Ho, Wo) -> (O, C/G, kh, kw)."""
    N, C = x.shape[:2]
    O, Ho, Wo = dy.shape[1:]
    cols, width = _columns(x, kernel, stride, padding, dilation, groups, (Ho, Wo))
    if width != Wo:  # zero gradient on the junk columns (only a NaN or inf in x could leak through them)
        wide = np.zeros((N, O, Ho, width), dtype=dy.dtype)
        wide[..., :Wo] = dy
        dy = wide
    dw = np.matmul(dy.reshape(N, groups, O // groups, -1), cols.swapaxes(-1, -2)).sum(axis=0)
    return dw.reshape((O, C // groups) + tuple(kernel))
