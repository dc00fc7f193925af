"""The geometric functions of torchvision.transforms.functional (v1) beyond crop and resize, re-exported there:
resized_crop, five_crop, ten_crop, affine, rotate, erase.

affine and rotate follow torchvision's tensor path for both kinds of image (an image array is sampled as a tensor
of its pixels and comes back as an image array): the output pixel (i, j), taken at its centre relative to the centre
of the image, is mapped by the inverse affine matrix to a point of the input, which nn.functional.grid_sample reads
(nearest or bilinear, zeros outside, align_corners=False). With `fill`, the points outside take the fill colour
instead: torchvision samples a channel of ones with the image and blends the fill in by how much of each output pixel
it covered (nearest: where it is below 0.5). Integer images are sampled in float32 and rounded back.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

import autograd_core as ag
from autograd_core import Value
from autograd_core.nn import functional as F

from .functional import (InterpolationMode, _as_tensor_image, _pair, center_crop, crop, get_dimensions, hflip,
                         resize, vflip)

__all__ = ["resized_crop", "five_crop", "ten_crop", "affine", "rotate", "erase"]


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    """crop(img, top, left, height, width) resized to size ((height, width), or an int for the shorter side), as
    `resize` resizes: what RandomResizedCrop does with the window it draws."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def _crop_pair(size):
    try:
        return _pair(size, "five_crop")
    except ValueError:
        raise ValueError("Please provide only two dimensions (h, w) for size.") from None


def five_crop(img, size):
    """The four corner crops and the centre crop of size (an int: a square; or (height, width)), as a tuple
    (top left, top right, bottom left, bottom right, centre). A size larger than the image is a ValueError."""
    crop_height, crop_width = _crop_pair(size)
    _, image_height, image_width = get_dimensions(img)
    if crop_width > image_width or crop_height > image_height:
        raise ValueError(f"Requested crop size {(crop_height, crop_width)} is bigger than input size "
                         f"{(image_height, image_width)}")
    bottom, right = image_height - crop_height, image_width - crop_width
    return (crop(img, 0, 0, crop_height, crop_width), crop(img, 0, right, crop_height, crop_width),
            crop(img, bottom, 0, crop_height, crop_width), crop(img, bottom, right, crop_height, crop_width),
            center_crop(img, (crop_height, crop_width)))


def ten_crop(img, size, vertical_flip=False):
    """five_crop of the image, then five_crop of the image flipped (left to right; upside down with vertical_flip):
    a tuple of 10 images."""
    size = _crop_pair(size)
    return five_crop(img, size) + five_crop(vflip(img) if vertical_flip else hflip(img), size)


def _inverse_affine_matrix(center, angle, translate, scale, shear):
    """The 6 numbers (row-major 2×3) of torchvision's inverse affine map, from an output point to the input point it
    reads. The forward map is M = T · C · R · S · Sh · C⁻¹: shear Sh by (sx, sy) degrees, scale S, rotation R by
    `angle` degrees (clockwise in image coordinates, y pointing down), all about `center`, then translation T. Its
    rotation-shear part [[a, b], [c, d]] has determinant 1, so its inverse is [[d, −b], [−c, a]]; M⁻¹ =
    C · (RSSh)⁻¹ · C⁻¹ · T⁻¹."""
    rotation = math.radians(angle)
    shear_x, shear_y = (math.radians(s) for s in shear)
    center_x, center_y = center
    translate_x, translate_y = translate
    a = math.cos(rotation - shear_y) / math.cos(shear_y)
    b = -math.cos(rotation - shear_y) * math.tan(shear_x) / math.cos(shear_y) - math.sin(rotation)
    c = math.sin(rotation - shear_y) / math.cos(shear_y)
    d = -math.sin(rotation - shear_y) * math.tan(shear_x) / math.cos(shear_y) + math.cos(rotation)
    matrix = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]
    # translate by −(centre + t), then back by the centre
    matrix[2] = matrix[0] * (-center_x - translate_x) + matrix[1] * (-center_y - translate_y) + center_x
    matrix[5] = matrix[3] * (-center_x - translate_x) + matrix[4] * (-center_y - translate_y) + center_y
    return matrix


def _sampling_grid(matrix, width, height, out_width, out_height, dtype):
    """(1, out_height, out_width, 2) grid for grid_sample: each output pixel's centre, relative to the output's
    centre, mapped by matrix and divided by half the input's size (so ±1 are the input's edges)."""
    xs = np.linspace(-out_width * 0.5 + 0.5, out_width * 0.5 - 0.5, out_width, dtype=dtype)
    ys = np.linspace(-out_height * 0.5 + 0.5, out_height * 0.5 - 0.5, out_height, dtype=dtype)
    points = np.stack([*np.meshgrid(xs, ys), np.ones((out_height, out_width), dtype)], axis=-1)  # (x, y, 1)
    theta = np.asarray(matrix, dtype).reshape(2, 3)
    return (points @ theta.T / np.asarray([0.5 * width, 0.5 * height], dtype))[None]


def _grid_transform(tensor, matrix, mode, fill, out_size):
    """The tensor image (…, C, H, W) (or (H, W)) resampled through matrix into out_size = (height, width)."""
    shape = tuple(tensor.shape)
    height, width = shape[-2:]
    channels = shape[-3] if len(shape) > 2 else 1
    dtype = tensor.dtype if tensor.dtype.kind == "f" else np.dtype(np.float32)
    batch = tensor.reshape(-1, channels, height, width).to(dtype)
    if fill is not None:  # a channel of ones: after sampling, how much of each output pixel lay inside the image
        batch = ag.cat([batch, ag.ones((batch.shape[0], 1, height, width), dtype=dtype)], dim=1)
    grid = _sampling_grid(matrix, width, height, out_size[1], out_size[0], dtype)
    grid = ag.from_numpy(np.ascontiguousarray(np.broadcast_to(grid, (batch.shape[0], *grid.shape[1:]))))
    out = F.grid_sample(batch, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        inside, out = out[:, -1:], out[:, :-1]
        fill_image = np.asarray(fill, dtype).reshape(1, -1, 1, 1)
        if mode == "nearest":
            out = ag.where(inside < 0.5, fill_image, out)
        else:
            out = out * inside + (1.0 - inside) * fill_image
    if tensor.dtype.kind in "iu":  # rounded back, as torchvision's; clamped so a fill beyond the range cannot wrap
        bounds = np.iinfo(tensor.dtype)
        out = out.round().clamp(bounds.min, bounds.max).to(tensor.dtype)
    return out.reshape(*shape[:-2], *out_size)


def _grid_mode(interpolation):
    mode = InterpolationMode(interpolation).value
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{mode}' is unsupported with Tensor input (nearest or bilinear)")
    return mode


def _fill_values(fill, channels):
    """torchvision's fill: None (zeros outside, no blending), a number, or one number per channel (or one)."""
    if fill is None:
        return None
    if isinstance(fill, numbers.Real) and not isinstance(fill, bool):
        return [float(fill)]
    if not isinstance(fill, (tuple, list)) or not all(isinstance(f, numbers.Real) for f in fill):
        raise TypeError(f"Argument fill should be either int, float, tuple or list, got {fill!r}")
    if len(fill) > 1 and len(fill) != channels:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number of channels of the "
                         f"image ({len(fill)} != {channels})")
    return [float(f) for f in fill]


def _check_center(center):
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")


def _centered(center, width, height):
    """A centre in pixel coordinates (x, y) relative to the image's centre; None is the image's centre, (0, 0)."""
    return [0.0, 0.0] if center is None else [float(c) - s * 0.5 for c, s in zip(center, (width, height))]


def _check_angle(angle):
    if isinstance(angle, bool) or not isinstance(angle, numbers.Real):
        raise TypeError("Argument angle should be int or float")


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None, center=None):
    """The image rotated by angle degrees (clockwise on screen, as torchvision's affine; rotate turns the other
    way), scaled by scale (> 0), sheared by shear
    degrees (a number: along x; (sx, sy); [s]: both) about center ((x, y) in pixels; None: the image's centre), then
    translated by translate = (tx, ty) pixels (right, down); the output has the input's size. interpolation: nearest
    or bilinear. fill: None leaves zeros where the output reads outside; a number or one per channel fills there
    (bilinear: blended by coverage). A whole-pixel translation is a shift; angle=90 on a square is np.rot90(k=-1)."""
    mode = _grid_mode(interpolation)
    _check_angle(angle)
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if isinstance(shear, numbers.Real) and not isinstance(shear, bool):
        shear = [float(shear), 0.0]
    elif not isinstance(shear, (list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    shear = [shear[0], shear[0]] if len(shear) == 1 else list(shear)
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    _check_center(center)
    tensor, as_input_kind = _as_tensor_image(img, "affine")
    channels, height, width = get_dimensions(tensor)
    matrix = _inverse_affine_matrix(_centered(center, width, height), float(angle), [float(t) for t in translate],
                                    float(scale), shear)
    return as_input_kind(_grid_transform(tensor, matrix, mode, _fill_values(fill, channels), (height, width)))


def _expanded_size(matrix, width, height):
    """(width, height) that holds the whole image mapped by the inverse of matrix about its centre: torchvision's
    corners-and-ceil rule in float32, truncated to 1e-4 first so a rounding error of 1e-15 does not add a pixel."""
    corners = np.asarray([[-0.5 * width, -0.5 * height, 1.0], [-0.5 * width, 0.5 * height, 1.0],
                          [0.5 * width, 0.5 * height, 1.0], [0.5 * width, -0.5 * height, 1.0]], np.float32)
    mapped = corners @ np.asarray(matrix, np.float32).reshape(2, 3).T
    half = np.asarray([width * 0.5, height * 0.5], np.float32)
    low, high = mapped.min(axis=0) + half, mapped.max(axis=0) + half
    tolerance = np.float32(1e-4)
    size = np.ceil(np.trunc(high / tolerance) * tolerance) - np.floor(np.trunc(low / tolerance) * tolerance)
    return int(size[0]), int(size[1])


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """The image rotated by angle degrees counter-clockwise about center ((x, y) pixels; None: its centre).
    expand=False keeps the input's size; expand=True makes the output large enough for the whole rotated image
    (torchvision's rule, meant for rotations about the centre). interpolation and fill as `affine`'s."""
    mode = _grid_mode(interpolation)
    _check_angle(angle)
    _check_center(center)
    tensor, as_input_kind = _as_tensor_image(img, "rotate")
    channels, height, width = get_dimensions(tensor)
    # torchvision's rotate turns the other way from affine's angle, hence −angle
    matrix = _inverse_affine_matrix(_centered(center, width, height), -float(angle), [0.0, 0.0], 1.0, [0.0, 0.0])
    out_width, out_height = _expanded_size(matrix, width, height) if expand else (width, height)
    return as_input_kind(_grid_transform(tensor, matrix, mode, _fill_values(fill, channels), (out_height, out_width)))


def erase(img, i, j, h, w, v, inplace=False):
    """The tensor image (…, C, H, W) with its window rows i:i+h, columns j:j+w set to v (a number, or a Value or
    array broadcasting to (…, C, h, w)). A new Value unless inplace=True, which writes into img and returns it.
    Tensor images only, as torchvision's."""
    if not isinstance(img, Value):
        raise TypeError(f"img should be Tensor Image (a Value (..., C, H, W)). Got {type(img)}; an image array "
                        "becomes one with ToTensor() or PILToTensor()")
    out = img if inplace else img.clone()
    out[..., i:i + h, j:j + w] = v
    return out
