"""The colour functions of torchvision.transforms.functional (v1), re-exported there: brightness, contrast,
saturation, hue, gamma, sharpness, invert, posterize, solarize, autocontrast, equalize.

Each computes torchvision's tensor formula. A tensor image (…, C, H, W) gives a Value of its dtype, inside the graph
when it requires grad (except posterize and equalize, which take uint8 only, as torchvision's); an image array (where
torchvision has a PIL image and calls Pillow) is computed with the same tensor formula on its pixels and comes back as
an image array of its layout and dtype, so the two kinds agree exactly (Pillow's own results differ from torchvision's
tensor ones by a rounding here and there, contrast's mean by up to 0.5).

Integer images (uint8) are computed in float32 and clamped to [0, max]; where torchvision casts back with `.to`, the
cast truncates (blends: brightness, contrast, saturation, sharpness, autocontrast), and where it converts with
convert_image_dtype (hue, gamma) it scales by 255.999 and truncates. Float images are clamped to [0, 1].
"""

from __future__ import annotations

import numpy as np

import autograd_core as ag
from autograd_core.nn import functional as F

from ._filters import convolve_channels
from .functional import _as_tensor_image, _max_value, convert_image_dtype, get_dimensions, rgb_to_grayscale

__all__ = ["adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue", "adjust_gamma",
           "adjust_sharpness", "invert", "posterize", "solarize", "autocontrast", "equalize"]


def _check_channels(img, permitted):
    channels = get_dimensions(img)[0]
    if channels not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {list(permitted)}, but found {channels}")


def _check_non_negative(factor, name):
    if factor < 0:
        raise ValueError(f"{name} ({factor}) is not non-negative.")


def _check_at_least_3d(tensor):
    if tensor.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {tensor.ndim}")


def _blend(image, other, ratio):
    """ratio · image + (1 − ratio) · other, clamped to [0, image's max] (1 for floats) and cast to image's dtype: the
    cast truncates for integers, as torchvision's `.to`. Every adjust_* that mixes two images is this blend."""
    ratio = float(ratio)
    return (ratio * image + (1.0 - ratio) * other).clamp(0, _max_value(image.dtype)).to(image.dtype)


def _compute_dtype(tensor):
    """The dtype torchvision computes a tensor in: its own if float, float32 otherwise."""
    return tensor.dtype if tensor.dtype.kind == "f" else np.dtype(np.float32)


def _color_op(img, who, permitted_channels, tensor_op):
    """tensor_op applied to img as a tensor image, after torchvision's channel check; the result in img's kind."""
    tensor, as_input_kind = _as_tensor_image(img, who)
    _check_channels(tensor, permitted_channels)
    return as_input_kind(tensor_op(tensor))


def adjust_brightness(img, brightness_factor):
    """The image times brightness_factor (≥ 0; 0 black, 1 the image, 2 twice as bright): a blend with black, clamped
    to the dtype's range (uint8: truncated back to uint8). 1 or 3 channels."""
    _check_non_negative(brightness_factor, "brightness_factor")
    return _color_op(img, "adjust_brightness", (1, 3),
                     lambda x: _blend(x, ag.zeros_like(x), brightness_factor))


def adjust_contrast(img, contrast_factor):
    """A blend with the image's mean luma (one number per image, over all its pixels; float32 for integer images,
    computed from the uint8 grayscale as torchvision's): 0 gives a gray image, 1 the image, 2 twice the contrast."""
    _check_non_negative(contrast_factor, "contrast_factor")

    def contrast(x):
        gray = rgb_to_grayscale(x) if get_dimensions(x)[0] == 3 else x
        return _blend(x, gray.to(_compute_dtype(x)).mean(dim=(-3, -2, -1), keepdim=True), contrast_factor)

    return _color_op(img, "adjust_contrast", (1, 3), contrast)


def adjust_saturation(img, saturation_factor):
    """A blend with the image's grayscale (torchvision's luma, in the image's dtype): 0 gives the gray image, 1 the
    image, 2 doubles the saturation. A one-channel image comes back unchanged."""
    _check_non_negative(saturation_factor, "saturation_factor")

    def saturation(x):
        return x if get_dimensions(x)[0] == 1 else _blend(x, rgb_to_grayscale(x), saturation_factor)

    return _color_op(img, "adjust_saturation", (1, 3), saturation)


def _rgb_to_hsv(rgb):
    """(…, 3, H, W) RGB in [0, 1] -> (…, 3, H, W) hue, saturation, value, all in [0, 1] (Pillow's formulas, as
    torchvision's). Where R = G = B the hue and saturation are 0: the divisors are replaced by 1 there, so nothing
    divides by zero."""
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc, minc = rgb.amax(dim=-3), rgb.amin(dim=-3)
    gray = maxc == minc
    ones = ag.ones_like(maxc)
    spread = maxc - minc
    saturation = spread / ag.where(gray, ones, maxc)
    divisor = ag.where(gray, ones, spread)
    rc, gc, bc = (maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor
    # The hue's sector: red is the largest (between magenta and yellow), else green, else blue.
    red_max, green_max = maxc == r, (maxc == g) & (maxc != r)
    blue_max = (maxc != g) & (maxc != r)
    hue = red_max * (bc - gc) + green_max * (2.0 + rc - bc) + blue_max * (4.0 + gc - rc)
    hue = ag.fmod(hue / 6.0 + 1.0, 1.0)
    return ag.stack([hue, saturation, maxc], dim=-3)


def _hsv_to_rgb(hsv):
    """The inverse of _rgb_to_hsv: (…, 3, H, W) hue, saturation, value -> RGB, by the hue's sixth of the circle."""
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    sector = (h * 6.0).floor()
    f = h * 6.0 - sector
    sector = sector.to(ag.int32) % 6
    p = (v * (1.0 - s)).clamp(0.0, 1.0)
    q = (v * (1.0 - s * f)).clamp(0.0, 1.0)
    t = (v * (1.0 - s * (1.0 - f))).clamp(0.0, 1.0)

    def by_sector(choices):  # choices[k] where sector == k
        out = choices[5]
        for k in range(4, -1, -1):
            out = ag.where(sector == k, choices[k], out)
        return out

    return ag.stack([by_sector((v, q, p, p, t, v)), by_sector((t, v, v, q, p, p)), by_sector((p, p, t, v, v, q))],
                    dim=-3)


def adjust_hue(img, hue_factor):
    """The hue turned by hue_factor ∈ [-0.5, 0.5] of the colour circle (0.5 and -0.5 give the complementary
    colours): RGB -> HSV, h = (h + hue_factor) mod 1, -> RGB, computed in float32 (convert_image_dtype there and
    back: uint8 x -> x / 255 -> ⌊y · 255.999⌋). A one-channel image comes back unchanged."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")

    def hue(x):
        if get_dimensions(x)[0] == 1:
            return x
        hsv = _rgb_to_hsv(convert_image_dtype(x, ag.float32))
        turned = ag.cat([(hsv[..., 0:1, :, :] + hue_factor) % 1.0, hsv[..., 1:, :, :]], dim=-3)
        return convert_image_dtype(_hsv_to_rgb(turned), x.dtype)

    return _color_op(img, "adjust_hue", (1, 3), hue)


def adjust_gamma(img, gamma, gain=1):
    """gain · x^gamma on the image scaled to [0, 1] (gamma ≥ 0; below 1 brightens the shadows), clamped to [0, 1]; an
    integer image goes there and back with convert_image_dtype."""
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")

    def power(x):
        scaled = x if x.dtype.kind == "f" else convert_image_dtype(x, ag.float32)
        return convert_image_dtype((gain * scaled ** gamma).clamp(0, 1), x.dtype)

    return _color_op(img, "adjust_gamma", (1, 3), power)


def _smoothed(x):
    """torchvision's degenerate image for sharpness: the inner pixels averaged over their 3×3 neighbourhood with
    weights 1 (centre 5) / 13, the border pixels as they are; integers rounded back to their dtype."""
    kernel = np.ones((3, 3))
    kernel[1, 1] = 5.0
    blurred = convolve_channels(x, kernel / kernel.sum())                     # (…, C, H − 2, W − 2)
    inner = np.zeros(x.shape[-2:], dtype=bool)
    inner[1:-1, 1:-1] = True
    return ag.where(inner, F.pad(blurred, (1, 1, 1, 1)), x)


def adjust_sharpness(img, sharpness_factor):
    """A blend with the smoothed image (3×3 weights 1, centre 5): 0 gives the smoothed image, 1 the image, 2 twice
    as sharp. The border pixels are not smoothed, and an image 2 pixels high or wide or less comes back unchanged."""
    _check_non_negative(sharpness_factor, "sharpness_factor")

    def sharpness(x):
        if x.shape[-1] <= 2 or x.shape[-2] <= 2:
            return x
        return _blend(x, _smoothed(x), sharpness_factor)

    return _color_op(img, "adjust_sharpness", (1, 3), sharpness)


def invert(img):
    """max − x: 255 − x for uint8, 1 − x for floats (the dtype kept)."""
    def inverted(x):
        _check_at_least_3d(x)
        return _max_value(x.dtype) - x

    return _color_op(img, "invert", (1, 3), inverted)


def _check_uint8(tensor):
    if tensor.dtype != np.uint8:
        raise TypeError(f"Only uint8 image tensors are supported, but found {tensor.dtype}")


def posterize(img, bits):
    """Each uint8 value with all but its `bits` (0 to 8) highest bits set to 0: x & ~(2^(8−bits) − 1). uint8 only, as
    torchvision's."""
    if not 0 <= bits <= 8:
        raise ValueError(f"The number of bits should be between 0 and 8. Got {bits}")

    def posterized(x):
        _check_at_least_3d(x)
        _check_uint8(x)
        return x & (256 - 2 ** (8 - int(bits)))  # the `bits` high bits set: 0b11100000 for bits = 3

    return _color_op(img, "posterize", (1, 3), posterized)


def solarize(img, threshold):
    """Every value at or above threshold inverted (max − x), the others kept. threshold above the dtype's max (255
    for uint8, 1.0 for floats) is a TypeError, as torchvision's."""
    def solarized(x):
        _check_at_least_3d(x)
        if threshold > _max_value(x.dtype):
            raise TypeError("Threshold should be less than bound of img.")
        return ag.where(x >= threshold, _max_value(x.dtype) - x, x)

    return _color_op(img, "solarize", (1, 3), solarized)


def autocontrast(img):
    """Each channel of each image stretched so its darkest value becomes 0 and its brightest the dtype's max:
    (x − min) · max / (max_x − min), clamped and cast back (truncating for uint8). A flat channel is left as it is."""
    def stretched(x):
        _check_at_least_3d(x)
        bound = _max_value(x.dtype)
        low = x.amin(dim=(-2, -1), keepdim=True).to(_compute_dtype(x))
        high = x.amax(dim=(-2, -1), keepdim=True).to(_compute_dtype(x))
        flat = high == low  # torchvision's infinite scale: leave the channel (minimum 0, scale 1)
        scale = ag.where(flat, 1.0, bound / ag.where(flat, 1.0, high - low))
        return ((x - ag.where(flat, 0.0, low)) * scale).clamp(0, bound).to(x.dtype)

    return _color_op(img, "autocontrast", (1, 3), stretched)


def _equalized_channel(values):
    """One uint8 channel (H, W) through torchvision's equalisation table: the cumulative histogram, in steps of
    (pixels not of the last occupied value) // 255, rounded half up; a channel with step 0 stays as it is."""
    histogram = np.bincount(values.ravel(), minlength=256)
    step = histogram[histogram != 0][:-1].sum() // 255
    if step == 0:
        return values
    table = (np.cumsum(histogram) + step // 2) // step
    table = np.clip(np.concatenate([[0], table[:-1]]), 0, 255)  # value v maps through the count below v
    return table[values].astype(np.uint8)


def equalize(img):
    """Histogram equalisation of each channel of each uint8 image (torchvision's table, as Pillow's). uint8 only, as
    torchvision's; not differentiable (uint8 has no gradient)."""
    def equalized(x):
        _check_at_least_3d(x)
        _check_uint8(x)
        channels = x.numpy().reshape(-1, *x.shape[-2:])
        return ag.from_numpy(np.stack([_equalized_channel(c) for c in channels]).reshape(x.shape))

    return _color_op(img, "equalize", (1, 3), equalized)
