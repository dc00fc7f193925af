"""Spatial transformers (Jaderberg et al., 2015): F.affine_grid makes a sampling grid from affine matrices, and
F.grid_sample reads an image (4-D) or a volume (5-D) at the grid's points, as PyTorch.

    affine_grid(θ, (N, C, H, W))[n, i, j] = θ[n] · (x_j, y_i, 1)        x, y: the pixel centres (or corners) in [−1, 1]
    grid_sample(x, grid)[n, c, i, j]       = Σ_taps w · x[n, c, tap]      bilinear (trilinear) weights, the nearest,
                                                                          or bicubic: 4 × 4 taps, Keys' cubic weights

Both are compositions: the grid's coordinates go through differentiable operations (unnormalise, clip or reflect,
floor, the tap weights), and the input is read at the taps by indexing, whose gradient adds each output's share back
into the input. So both are differentiable in the input and in the grid (the nearest mode only in the input, as in
PyTorch), with forward mode and compile. The tap positions (integer indices and in-bounds masks) are data without
gradient, found by recorded operations, so a compiled step finds them again for each new grid.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.ops import data_of, getitem, matmul, reshape, stack, transpose, where, without_gradient
from autograd_core.ops.complex import complex_dtype_among, refuse_complex_kernel

_MODES = ("bilinear", "nearest", "bicubic")
_CUBIC_A = -0.75   # PyTorch's cubic convolution constant (Keys, 1981), as in its bicubic interpolate
_PADDING_MODES = ("zeros", "border", "reflection")


def _corner_coordinates(n, align_corners, dtype):
    """The n sample positions along an axis in [−1, 1]: the corner pixels' centres at ±1 (align_corners) or the
    image's edges at ±1 (the pixel centres at ±(n − 1)/n); 0 for n = 1, as PyTorch."""
    if n <= 1:
        return np.zeros(max(n, 0), dtype)
    steps = np.linspace(-1.0, 1.0, n, dtype=dtype)
    return steps if align_corners else steps * ((n - 1) / n)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of a batch of affine maps: theta (N, 2, 3) and size (N, C, H, W) -> (N, H, W, 2), or theta
    (N, 3, 4) and size (N, C, D, H, W) -> (N, D, H, W, 3); entry [..., 0] is x (along W), [..., 1] y, [..., 2] z.
    align_corners: None means False (PyTorch's default)."""
    dtype = complex_dtype_among(theta)
    if dtype is not None:
        raise ValueError(f"Expected theta to have floating point type, but got torch.{dtype.name}")
    align_corners = bool(align_corners)
    size = tuple(int(n) for n in size)
    shape = tuple(np.shape(data_of(theta)))
    nd = len(size) - 2
    if nd not in (2, 3):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if shape != (size[0], nd, nd + 1):
        raise ShapeError(f"Expected a batch of {nd}D affine matrices of shape Nx{nd}x{nd + 1} for size {size}. "
                         f"Got {shape}.")
    if min(size[2:]) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    dtype = np.result_type(data_of(theta))
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    axes = [_corner_coordinates(n, align_corners, dtype) for n in size[:1:-1]]  # x (W), y (H)[, z (D)]
    mesh = list(np.meshgrid(*axes, indexing="xy" if nd == 2 else "ij"))
    if nd == 3:  # ij-indexing of (x, y, z) gives (W, H, D): put D, H, W first
        mesh = [m.transpose(2, 1, 0) for m in mesh]
    base = np.stack(mesh + [np.ones_like(mesh[0])], axis=-1).reshape(1, -1, nd + 1)   # (1, points, nd + 1)
    grid = matmul(base, transpose(theta, axes=(0, 2, 1)))                              # (N, points, nd)
    return reshape(grid, shape=(size[0],) + size[2:] + (nd,))


# ----------------------------------------------------------------------------------------------------
# grid_sample


def _unnormalize(coordinate, n, align_corners):
    """[−1, 1] -> pixel units: −1 and 1 are the corner pixels' centres (align_corners) or the image's edges."""
    if align_corners:
        return (coordinate + 1) * ((n - 1) / 2)
    return (coordinate + 1) * (n / 2) - 0.5


def _reflect(coordinate, twice_low, twice_high):
    """PyTorch's reflect_coordinates: fold the coordinate into [low, high] by reflecting at both ends."""
    if twice_low == twice_high:
        return coordinate * 0.0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = abs(coordinate - low)
    flips = (distance * (1.0 / span)).floor()                   # whole spans travelled (no gradient)
    extra = distance - flips * span
    even = (flips - 2.0 * (flips * 0.5).floor()) < 0.5          # an even number of reflections
    return where(even, extra + low, (span - extra) + low)


def _source(coordinate, n, padding_mode, align_corners):
    """Grid coordinate -> the position it reads along an axis of n pixels, after the padding mode's folding."""
    x = _unnormalize(coordinate, n, align_corners)
    if padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (n - 1)) if align_corners else _reflect(x, -1, 2 * n - 1)
    if padding_mode in ("border", "reflection"):
        # into [0, n − 1], with PyTorch's gradient: 0 where clipped, and also on the bounds themselves
        x = where(x <= 0, 0.0, where(x >= n - 1, float(n - 1), x))
    return x


def _tap_indices(corners, *, sizes, offsets):
    """corners (nd, N, *out) floats (each axis' floor or nearest index) -> (N, *out) int64: the flat index of the tap
    at `offsets` (0 or 1 per axis) into the input's volume, each axis clipped into range (out-of-range taps have a
    zero mask instead)."""
    flat = np.zeros(corners.shape[1:], np.int64)
    for corner, n, offset in zip(corners, sizes, offsets):
        flat = flat * n + np.clip(corner.astype(np.int64) + offset, 0, n - 1)
    return flat


def _tap_inside(corners, *, sizes, offsets):
    """1.0 where the tap at `offsets` lies inside the input on every axis, else 0.0 (corners' dtype)."""
    inside = np.ones(corners.shape[1:], bool)
    for corner, n, offset in zip(corners, sizes, offsets):
        inside &= (corner + offset >= 0) & (corner + offset <= n - 1)
    return inside.astype(corners.dtype)


def cubic_weights(t):
    """Keys' cubic convolution weights (A = −0.75, as PyTorch) of the 4 taps at floor(x) − 1, floor(x), floor(x) + 1
    and floor(x) + 2, for t = x − floor(x) in [0, 1) (a Value or an array): a list of 4 of t's shape."""
    def near(s):   # |distance| ≤ 1: (A + 2)|s|³ − (A + 3)|s|² + 1
        return ((_CUBIC_A + 2) * s - (_CUBIC_A + 3)) * s * s + 1
    def far(s):    # 1 < |distance| < 2: A|s|³ − 5A|s|² + 8A|s| − 4A
        return ((_CUBIC_A * s - 5 * _CUBIC_A) * s + 8 * _CUBIC_A) * s - 4 * _CUBIC_A
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _fold_taps(taps, n, padding_mode, align_corners):
    """PyTorch's compute_coordinates for integer tap positions: where each reads along an axis of n pixels (border:
    clipped; reflection: mirrored, then clipped; zeros: unchanged, out-of-range taps read 0)."""
    taps = taps.astype(np.float64)
    if padding_mode == "reflection":
        low, high = (0.0, n - 1.0) if align_corners else (-0.5, n - 0.5)
        if high > low:
            distance = np.abs(taps - low)
            flips, extra = np.floor(distance / (high - low)), np.fmod(distance, high - low)
            taps = np.where(flips % 2 == 0, low + extra, high - extra)
        else:
            taps = np.zeros_like(taps)
    if padding_mode != "zeros":
        taps = np.clip(taps, 0, n - 1)
    return taps


def _bicubic_axes(corners, sizes, padding_mode, align_corners):
    """corners (2, N, Ho, Wo) (floor of y, x) -> the 4 taps' positions along y and x, (4, N, Ho, Wo) each, folded."""
    offsets = np.arange(-1, 3).reshape((4,) + (1,) * (corners.ndim - 1))
    return [_fold_taps(corner[None] + offsets, n, padding_mode, align_corners) for corner, n in zip(corners, sizes)]


def _bicubic_index(corners, *, sizes, padding_mode, align_corners):
    """-> (16, N, Ho, Wo) int64: the flat index into the (H·W) image of tap k = 4·(y offset) + (x offset), each axis
    clipped into range (out-of-range taps have a zero mask instead)."""
    (h, w), (ys, xs) = sizes, _bicubic_axes(corners, sizes, padding_mode, align_corners)
    index = np.clip(ys, 0, h - 1).astype(np.int64)[:, None] * w + np.clip(xs, 0, w - 1).astype(np.int64)[None, :]
    return index.reshape((16,) + corners.shape[1:])


def _bicubic_inside(corners, *, sizes, padding_mode, align_corners):
    """-> (16, N, Ho, Wo): 1.0 where tap k lies inside the image, else 0.0 (corners' dtype)."""
    (h, w), (ys, xs) = sizes, _bicubic_axes(corners, sizes, padding_mode, align_corners)
    inside = ((ys >= 0) & (ys <= h - 1))[:, None] & ((xs >= 0) & (xs <= w - 1))[None, :]
    return inside.reshape((16,) + corners.shape[1:]).astype(corners.dtype)


def _grid_sample_bicubic(input, grid, padding_mode, align_corners):
    """grid_sample's bicubic mode, 4-D: each output reads 4 × 4 input pixels around the point, weighted by the cubic
    weights of its fractional position along y and x. The point itself is not folded by the padding mode (as in
    PyTorch): each tap is, so a point outside the image reads a blend of border or mirrored pixels."""
    (N, C, H, W), out = np.shape(data_of(input)), np.shape(data_of(grid))[1:3]
    y = _unnormalize(getitem(grid, (Ellipsis, 1)), H, align_corners)
    x = _unnormalize(getitem(grid, (Ellipsis, 0)), W, align_corners)
    corners = stack([y.floor(), x.floor()], axis=0)                           # (2, N, Ho, Wo), no gradient
    options = dict(sizes=(H, W), padding_mode=padding_mode, align_corners=align_corners)
    index = without_gradient(_bicubic_index, corners, **options).data
    wy, wx = cubic_weights(y - getitem(corners, 0)), cubic_weights(x - getitem(corners, 1))
    weights = stack([a * b for a in wy for b in wx], axis=0)                  # (16, N, Ho, Wo)
    if padding_mode == "zeros":
        weights = weights * without_gradient(_bicubic_inside, corners, **options)
    flat = transpose(reshape(input, shape=(N, C, H * W)), axes=(0, 2, 1))      # (N, H·W, C)
    values = getitem(flat, (np.arange(N).reshape(N, 1, 1), index))           # (16, N, Ho, Wo, C): one gather
    result = (values * reshape(weights, shape=(16, N) + out + (1,))).sum(axis=0)
    return transpose(result, axes=(0, 3, 1, 2))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample input (N, C, H, W) at grid (N, Ho, Wo, 2) -> (N, C, Ho, Wo), or input (N, C, D, H, W) at grid
    (N, Do, Ho, Wo, 3) -> (N, C, Do, Ho, Wo). grid[..., 0] is x (along W), [..., 1] y, [..., 2] z, in [−1, 1].

    mode: 'bilinear' (trilinear for 5-D), 'nearest' (ties to even, as PyTorch) or 'bicubic' (4-D only: 4 × 4 taps,
    Keys' cubic convolution with A = −0.75, as PyTorch; it may overshoot the input's range). padding_mode: what points
    outside read: 'zeros', 'border' (the nearest edge pixel) or 'reflection' (the image mirrored at its edges).
    align_corners: None means False (−1 and 1 are the image's edges; True: the corner pixels' centres).
    Differentiable in input and grid ('nearest': in input only; the grid's gradient is 0)."""
    refuse_complex_kernel("grid_sampler_2d_cpu_kernel_impl" if np.ndim(data_of(input)) == 4 else
                          "grid_sampler3d_cpu", input)
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align_corners = bool(align_corners)
    x_shape, g_shape = tuple(np.shape(data_of(input))), tuple(np.shape(data_of(grid)))
    nd = len(x_shape) - 2
    if nd not in (2, 3) or len(g_shape) != nd + 2 or g_shape[-1] != nd or g_shape[0] != x_shape[0]:
        raise ShapeError(f"grid_sample: expected input (N, C, H, W) with grid (N, Ho, Wo, 2), or input (N, C, D, H, W) "
                         f"with grid (N, Do, Ho, Wo, 3), got input {x_shape} and grid {g_shape}")
    if min(x_shape[2:]) < 1:
        raise ShapeError(f"grid_sample: the input's spatial size {x_shape[2:]} must be non-empty")
    if mode == "bicubic" and nd != 2:
        raise ShapeError("grid_sampler(): bicubic interpolation only supports 4D input")
    N, C, sizes = x_shape[0], x_shape[1], x_shape[2:]
    out = g_shape[1:-1]
    dtype = np.result_type(data_of(input), data_of(grid))
    grid = grid if isinstance(grid, Value) else Value(np.asarray(grid, dtype), requires_grad=False)
    if mode == "bicubic":
        return _grid_sample_bicubic(input, grid, padding_mode, align_corners)
    # Position along each input axis (D,) H, W: grid entry nd − 1 − axis.
    positions = [_source(getitem(grid, (Ellipsis, nd - 1 - axis)), n, padding_mode, align_corners)
                 for axis, n in enumerate(sizes)]
    if mode == "nearest":
        corners = [p.round() for p in positions]           # NumPy's round: ties to even, as PyTorch's nearbyint
        taps = [((0,) * nd, None)]
    else:
        corners = [p.floor() for p in positions]
        fractions = [p - c for p, c in zip(positions, corners)]
        taps = [(offsets, [f if o else 1.0 - f for f, o in zip(fractions, offsets)])
                for offsets in itertools.product((0, 1), repeat=nd)]
    corners = stack(corners, axis=0)                        # (nd, N, *out), no gradient
    # The input with its volume flattened and channels last: one gather per tap reads (N, *out, C).
    flat = transpose(reshape(input, shape=(N, C, math.prod(sizes))), axes=(0, 2, 1))
    batch = np.arange(N).reshape((N,) + (1,) * len(out))
    result = None
    for offsets, weights in taps:
        index = without_gradient(_tap_indices, corners, sizes=sizes, offsets=offsets)
        weight = None
        for w in weights or ():
            weight = w if weight is None else weight * w
        if padding_mode == "zeros":
            inside = without_gradient(_tap_inside, corners, sizes=sizes, offsets=offsets)
            weight = inside if weight is None else weight * inside
        values = getitem(flat, (batch, index.data))         # (N, *out, C)
        term = values if weight is None else values * reshape(weight, shape=(N,) + out + (1,))
        result = term if result is None else result + term
    return transpose(result, axes=(0, nd + 1) + tuple(range(1, nd + 1)))


__all__ = ["affine_grid", "grid_sample"]
