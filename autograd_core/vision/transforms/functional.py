"""torchvision.transforms.functional (v1) for NumPy images and Values:
`import autograd_core.vision.transforms.functional as TF`.

Two kinds of image, as torchvision has two:

* an image array, where torchvision has a PIL image: a NumPy array H×W (grayscale, PIL's mode "L") or H×W×C (C = 3
  for RGB), uint8 as the datasets return it. Geometric functions return an image array of the same layout and dtype
  (a new array, as PIL returns a new image). An object with `__array_interface__` (a PIL image, if Pillow is around)
  is read as the array it exposes.
* a tensor image: a Value (…, C, H, W), what `to_tensor` makes (any leading batch axes). Functions return a Value,
  inside the graph when the input requires grad: crops, flips and pads pick elements by index, `normalize`,
  `resize` and `rgb_to_grayscale` are arithmetic on Values.

Crops and pads take (top, left) / (left, top, right, bottom) in pixels, as torchvision's; sizes are (height, width).

The augmentations (_geometry.py: resized_crop, five_crop, ten_crop, rotate, affine, erase; _filters.py:
gaussian_blur; _color.py: adjust_*, invert, posterize, solarize, autocontrast, equalize) are part of this namespace.
Those that torchvision computes with tensor code compute its tensor formulas on either kind of image: an image array
goes through `_as_tensor_image` and comes back as an array, so it gives what its pixels give as a tensor.
"""

from __future__ import annotations

import enum
import numbers

import numpy as np

import autograd_core as ag
from autograd_core import Value
from autograd_core.nn import functional as F

__all__ = ["InterpolationMode", "get_dimensions", "to_tensor", "pil_to_tensor", "to_pil_image", "normalize", "hflip",
           "vflip", "crop", "center_crop", "pad", "resize", "rgb_to_grayscale", "to_grayscale", "convert_image_dtype",
           # augmentations, defined in _geometry.py, _filters.py and _color.py (imported at the end of this file)
           "resized_crop", "five_crop", "ten_crop", "affine", "rotate", "erase", "gaussian_blur", "adjust_brightness",
           "adjust_contrast", "adjust_saturation", "adjust_hue", "adjust_gamma", "adjust_sharpness", "invert",
           "posterize", "solarize", "autocontrast", "equalize"]


class InterpolationMode(enum.Enum):
    """How `resize` samples: torchvision's names and values (a plain string such as "bilinear" works too)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


_PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


def _image(img, who):
    """img as an image array (H×W or H×W×C ndarray) or a tensor image (a Value with at least 2 axes), else TypeError."""
    if isinstance(img, Value):
        if img.ndim < 2:
            raise ValueError(f"{who}: a tensor image has shape (..., H, W), got {tuple(img.shape)}")
        return img
    if not isinstance(img, np.ndarray) and hasattr(img, "__array_interface__"):
        img = np.asarray(img)  # a PIL image, read as its pixels
    if isinstance(img, np.ndarray):
        if img.ndim not in (2, 3):
            raise ValueError(f"{who}: an image array is H×W or H×W×C, got shape {img.shape}")
        return img
    raise TypeError(f"{who}: img should be an image array (an H×W or H×W×C ndarray, what the datasets return where "
                    f"torchvision returns a PIL image) or a tensor image (a Value (..., C, H, W)); got {type(img)}")


def _height_width(img):
    return tuple(img.shape[-2:]) if isinstance(img, Value) else img.shape[:2]


def get_dimensions(img):
    """[channels, height, width] of an image array (H×W has 1 channel) or a tensor image (…, C, H, W)."""
    img = _image(img, "get_dimensions")
    if isinstance(img, Value):
        return [img.shape[-3] if img.ndim > 2 else 1, *img.shape[-2:]]
    return [1 if img.ndim == 2 else img.shape[2], *img.shape[:2]]


def _as_array(pic, who):
    if isinstance(pic, Value):
        raise TypeError(f"{who}: pic should be an image array (an H×W or H×W×C ndarray, torchvision's PIL image or "
                        f"ndarray), got a Value: it is a tensor already")
    if not isinstance(pic, np.ndarray) and hasattr(pic, "__array_interface__"):
        pic = np.asarray(pic)
    if not isinstance(pic, np.ndarray):
        raise TypeError(f"{who}: pic should be an image array (an H×W or H×W×C ndarray), got {type(pic)}")
    if pic.ndim not in (2, 3):
        raise ValueError(f"{who}: pic should be 2 or 3 dimensional (H×W or H×W×C), got {pic.ndim} dimensions")
    return pic if pic.ndim == 3 else pic[:, :, None]


def _as_tensor_image(img, who):
    """(tensor, as_input_kind): img as a tensor image, and the function that turns a tensor image computed from it
    back into img's kind. A tensor image is itself and comes back as it is. An image array H×W×C becomes a Value
    (C, H, W) (H×W: (1, H, W)) holding a copy of its pixels, so nothing done to the tensor reaches the caller's array;
    a result (C', H', W') comes back as a new H'×W'×C' array (H'×W' if img was H×W). This is how the functions that
    torchvision computes on tensors (colour, blur, affine) treat image arrays: with the tensor formulas."""
    if isinstance(img, Value):
        return img, lambda tensor: tensor
    two_dimensional = np.ndim(img) == 2
    tensor = ag.from_numpy(np.array(_as_array(img, who).transpose(2, 0, 1), order="C"))  # a copy, C-ordered

    def as_image_array(result):
        hwc = result.detach().numpy().transpose(1, 2, 0)
        return np.ascontiguousarray(hwc[:, :, 0] if two_dimensional else hwc)

    return tensor, as_image_array


def to_tensor(pic):
    """An image array H×W or H×W×C -> a Value (C, H, W) (H×W gives C = 1). uint8 is scaled to [0, 1] in the default
    float dtype (float32): x / 255; any other dtype keeps its values and dtype, as torchvision's (a float64 array stays
    float64). The Value owns its data (the array is copied)."""
    chw = np.ascontiguousarray(_as_array(pic, "to_tensor").transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        chw = chw.astype(ag.get_default_dtype()) / np.asarray(255, ag.get_default_dtype())
    return ag.from_numpy(chw)


def pil_to_tensor(pic):
    """An image array H×W or H×W×C -> a Value (C, H, W) of the same dtype and values (no scaling): torchvision's
    `pil_to_tensor`, for the arrays that stand for PIL images here."""
    return ag.from_numpy(np.ascontiguousarray(_as_array(pic, "pil_to_tensor").transpose(2, 0, 1)))


def _tensor_image(tensor, who):
    if not isinstance(tensor, Value):
        raise TypeError(f"{who}: expected a tensor image (a Value (..., C, H, W)), got {type(tensor)}; an image "
                        "array becomes one with ToTensor() (or PILToTensor())")
    return tensor


def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean) / std per channel, for a float Value (…, C, H, W): mean and std are sequences of C numbers
    (or of one, for every channel), made of the tensor's dtype. inplace=True writes the result into `tensor`'s array
    and returns it. Differentiable (inplace=False). RuntimeError, as torchvision's, when mean or std has more
    channels than the image (the result would not have the image's shape). ValueError for a zero std."""
    tensor = _tensor_image(tensor, "normalize")
    if tensor.dtype.kind != "f":
        raise TypeError(f"normalize: input tensor should be a float tensor, got {tensor.dtype}")
    if tensor.ndim < 3:
        raise ValueError(f"normalize: expected a tensor image of size (..., C, H, W), got size {tuple(tensor.shape)}")
    mean = np.asarray(mean.numpy() if isinstance(mean, Value) else mean, dtype=tensor.dtype)
    std = np.asarray(std.numpy() if isinstance(std, Value) else std, dtype=tensor.dtype)
    if (std == 0).any():
        raise ValueError(f"normalize: std evaluated to zero after conversion to {tensor.dtype}, leading to division "
                         "by zero")
    if mean.ndim == 1:
        mean = mean.reshape(-1, 1, 1)
    if std.ndim == 1:
        std = std.reshape(-1, 1, 1)
    # torchvision subtracts in place (from a clone when inplace=False): three channels' means against a one-channel
    # image (MNIST with Normalize((0.5, 0.5, 0.5), ...)) are refused, not broadcast into a three-channel image.
    try:
        broadcast = np.broadcast_shapes(tensor.shape, mean.shape, std.shape)
    except ValueError:
        raise RuntimeError(f"normalize: mean {mean.ravel().tolist()} and std {std.ravel().tolist()} do not match the "
                           f"{tensor.shape[-3]} channel(s) of an image of shape {list(tensor.shape)}") from None
    if broadcast != tuple(tensor.shape):
        raise RuntimeError(f"output with shape {list(tensor.shape)} doesn't match the broadcast shape "
                           f"{list(broadcast)}")
    if inplace:
        return tensor.sub_(mean).div_(std)
    return (tensor - mean) / std


def hflip(img):
    """The image mirrored left to right: the last axis of a tensor image, the width (axis 1) of an image array."""
    img = _image(img, "hflip")
    return ag.flip(img, [-1]) if isinstance(img, Value) else img[:, ::-1].copy()


def vflip(img):
    """The image upside down: axis -2 of a tensor image, the height (axis 0) of an image array."""
    img = _image(img, "vflip")
    return ag.flip(img, [-2]) if isinstance(img, Value) else img[::-1].copy()


def _pad_sides(img, left, top, right, bottom, fill=0, padding_mode="constant"):
    """img with `left`, ... pixels added on each side (negative amounts remove pixels, as torchvision's)."""
    height, width = _height_width(img)
    rows = slice(max(-top, 0), height - max(-bottom, 0))
    cols = slice(max(-left, 0), width - max(-right, 0))
    img = img[..., rows, cols] if isinstance(img, Value) else img[rows, cols]
    left, top, right, bottom = (max(amount, 0) for amount in (left, top, right, bottom))
    if not (left or top or right or bottom):
        return img if isinstance(img, Value) else img.copy()
    height, width = _height_width(img)
    if padding_mode == "constant":
        if isinstance(img, Value):
            if not isinstance(fill, numbers.Number):
                raise TypeError(f"pad: a tensor image is filled with a number, got fill={fill!r}")
            return F.pad(img, (left, right, top, bottom), mode="constant", value=fill)
        out = np.empty((height + top + bottom, width + left + right, *img.shape[2:]), dtype=img.dtype)
        out[...] = fill  # a number, or one per channel (fill=(r, g, b))
        out[top:top + height, left:left + width] = img
        return out
    # edge, reflect and symmetric copy pixels: NumPy's np.pad on the indices says which (reflect leaves the edge
    # pixel out of the mirror image, symmetric repeats it: [1 2 3 4] -> reflect 3 2 |1 2 3 4| 3 2, symmetric 2 1 |...)
    row_index = np.pad(np.arange(height), (top, bottom), mode=padding_mode)
    col_index = np.pad(np.arange(width), (left, right), mode=padding_mode)
    if isinstance(img, Value):
        return img[..., row_index[:, None], col_index[None, :]]
    return img[row_index[:, None], col_index[None, :]]


def _padding_sides(padding):
    """torchvision's padding argument -> (left, top, right, bottom): an int pads every side, (lr, tb) left/right and
    top/bottom, (left, top, right, bottom) each side."""
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        return (int(padding),) * 4
    if not isinstance(padding, (tuple, list)) or not all(isinstance(p, numbers.Integral) for p in padding):
        raise TypeError(f"pad: padding should be an int or a sequence of ints, got {padding!r}")
    if len(padding) == 1:
        return (int(padding[0]),) * 4
    if len(padding) == 2:
        return (int(padding[0]), int(padding[1])) * 2
    if len(padding) == 4:
        return tuple(int(p) for p in padding)
    raise ValueError(f"pad: padding must be an int or a 1, 2, or 4 element sequence, not a {len(padding)} element one")


def pad(img, padding, fill=0, padding_mode="constant"):
    """img padded on each side: padding is an int (every side), (left/right, top/bottom) or (left, top, right,
    bottom). padding_mode: 'constant' (with `fill`: a number, or one per channel for an image array), 'edge' (the
    border pixel repeated), 'reflect' (mirrored without the border pixel: [1 2 3 4] padded by 2 is 3 2 1 2 3 4 3 2),
    'symmetric' (mirrored with it: 2 1 1 2 3 4 4 3). Negative amounts crop."""
    img = _image(img, "pad")
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f"pad: padding mode should be one of {', '.join(_PADDING_MODES)}, got {padding_mode!r}")
    return _pad_sides(img, *_padding_sides(padding), fill=fill, padding_mode=padding_mode)


def crop(img, top, left, height, width):
    """The height×width window whose top left corner is pixel (top, left); where the window reaches outside the
    image it is filled with 0, as torchvision's."""
    img = _image(img, "crop")
    image_height, image_width = _height_width(img)
    return _pad_sides(img, -left, -top, left + width - image_width, top + height - image_height)


def _pair(size, who):
    """An int or a sequence of one or two ints -> (height, width)."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) in (1, 2) and all(isinstance(s, numbers.Integral) for s in size):
        return (int(size[0]), int(size[0])) if len(size) == 1 else (int(size[0]), int(size[1]))
    raise ValueError(f"{who}: size should be an int or a sequence of one or two ints (height, width), got {size!r}")


def center_crop(img, output_size):
    """The output_size (an int: a square, or (height, width)) window at the centre. Its top is
    round((H - height) / 2) with Python's round (half to even, as torchvision's: 3 rows to spare put 2 above). An image
    smaller than the window is first padded with 0, (extra) // 2 before and the rest after.

    An image array (torchvision's PIL image) also takes a fractional size, as PIL's crop does: the Raschka book's
    `center_crop(img, [0.7*218, 0.7*178])` of a 218×178 image starts at round(32.7) = 33 and ends at
    round(33 + 152.6) = 186, a 153×125 window. A tensor image refuses one (TypeError), as torchvision's does when it
    slices the tensor."""
    img = _image(img, "center_crop")
    if _fractional(output_size):
        if isinstance(img, Value):
            raise TypeError(f"center_crop: slice indices must be integers or None or have an __index__ method (a "
                            f"tensor image is cropped by whole pixels; got {list(output_size)!r})")
        return _center_crop_fractional(img, output_size)
    crop_height, crop_width = _pair(output_size, "center_crop")
    image_height, image_width = _height_width(img)
    if crop_height > image_height or crop_width > image_width:
        extra_height, extra_width = max(crop_height - image_height, 0), max(crop_width - image_width, 0)
        img = _pad_sides(img, extra_width // 2, extra_height // 2, (extra_width + 1) // 2, (extra_height + 1) // 2)
        image_height, image_width = _height_width(img)
    top = int(round((image_height - crop_height) / 2.0))
    left = int(round((image_width - crop_width) / 2.0))
    return crop(img, top, left, crop_height, crop_width)


def _fractional(size):
    """Whether `size` is a sequence of one or two real numbers, one of them not an integer."""
    return (isinstance(size, (tuple, list)) and len(size) in (1, 2)
            and all(isinstance(s, numbers.Real) and not isinstance(s, bool) for s in size)
            and not all(isinstance(s, numbers.Integral) for s in size))


def _center_crop_fractional(img, output_size):
    """torchvision's center_crop of a PIL image by a fractional (height, width): its corner rounded as above, then
    PIL's crop rounding the far edges (Image.crop rounds its box)."""
    crop_height, crop_width = (output_size[0], output_size[0]) if len(output_size) == 1 else output_size
    image_height, image_width = _height_width(img)
    if not (0 < crop_height <= image_height and 0 < crop_width <= image_width):
        raise ValueError(f"center_crop: a fractional size must fit inside the image ({image_height}×{image_width}), "
                         f"got {list(output_size)!r}")
    top = int(round((image_height - crop_height) / 2.0))
    left = int(round((image_width - crop_width) / 2.0))
    return crop(img, top, left, round(top + crop_height) - top, round(left + crop_width) - left)


def _resized_size(height, width, size, max_size):
    """The (height, width) that torchvision's resize gives: an int (or [int]) sets the shorter side, the longer one
    is int(size * longer / shorter), both shrunk so the longer one is max_size if it would exceed it; (h, w) is
    taken as it is."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = [int(size)]
    if not isinstance(size, (tuple, list)) or len(size) not in (1, 2):
        raise ValueError(f"resize: size should be an int or a sequence of one or two ints, got {size!r}")
    if len(size) == 2:
        if max_size is not None:
            raise ValueError("resize: max_size should only be passed if size specifies the length of the smaller "
                             f"edge, i.e. size should be an int or a sequence of length 1; got size={size}")
        return int(size[0]), int(size[1])
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = int(size[0]), int(size[0] * long / short)
    if max_size is not None:
        if max_size <= new_short:
            raise ValueError(f"resize: max_size = {max_size} must be strictly greater than the requested size for "
                             f"the smaller edge, {new_short}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if width <= height else (new_short, new_long)


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """The image resampled to `size`: (height, width), or an int for the shorter side (the longer one becomes
    int(size * longer / shorter); with max_size, both shrink so the longer is at most max_size). interpolation: an
    InterpolationMode or its string. A tensor image (…, C, H, W) goes
    through nn.functional.interpolate (align_corners=False; antialias for bilinear and bicubic when shrinking, as
    torchvision's default); an integer tensor is computed in float32, rounded (bilinear, bicubic) and clamped back to
    its dtype. An image array is resized the same way, always antialiased (PIL always is): close to PIL's pixels,
    not the same bits."""
    img = _image(img, "resize")
    mode = InterpolationMode(interpolation).value
    height, width = _height_width(img)
    new_height, new_width = _resized_size(height, width, size, max_size)
    if (new_height, new_width) == (height, width):
        return img if isinstance(img, Value) else img.copy()
    is_array = not isinstance(img, Value)
    smooth = mode in ("bilinear", "bicubic")
    img, as_input_kind = _as_tensor_image(img, "resize")
    dtype, leading = img.dtype, tuple(img.shape[:-2])
    x = img.reshape(-1, 1, height, width)  # each channel of each image resized alike
    if dtype.kind != "f":
        x = x.to(ag.float32)
    x = F.interpolate(x, size=(new_height, new_width), mode=mode, align_corners=False if smooth else None,
                      antialias=smooth and (antialias or is_array))
    if dtype.kind != "f":
        if smooth:
            x = x.round()
        if dtype.kind in "iu":
            x = x.clamp(np.iinfo(dtype).min, np.iinfo(dtype).max)
        x = x.to(dtype)
    return as_input_kind(x.reshape(*leading, new_height, new_width))


def rgb_to_grayscale(img, num_output_channels=1):
    """Luma of an RGB image. A tensor image (…, 3, H, W): L = 0.2989 R + 0.587 G + 0.114 B computed in float32 and
    cast back to its dtype (uint8 truncates, as torchvision's); (…, 1, H, W) is gray already. An image array
    H×W×3 (or ×4: the alpha is dropped): PIL's convert("L"), ITU-R 601-2 luma L = (299 R + 587 G + 114 B) / 1000,
    rounded as Pillow rounds (16-bit fixed point), H×W; an H×W array is gray already. num_output_channels: 1, or 3
    (the luma repeated: R = G = B; a one-channel tensor stays one channel, as torchvision's tensor path)."""
    img = _image(img, "rgb_to_grayscale")
    if num_output_channels not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: num_output_channels should be either 1 or 3, got {num_output_channels}")
    if isinstance(img, Value):
        channels = img.shape[-3] if img.ndim > 2 else 0
        if channels not in (1, 3):
            raise TypeError(f"rgb_to_grayscale: a tensor image has 1 or 3 channels (..., C, H, W), got shape "
                            f"{tuple(img.shape)}")
        gray = img
        if channels == 3:
            r, g, b = img[..., 0:1, :, :], img[..., 1:2, :, :], img[..., 2:3, :, :]
            gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype)
        # A one-channel tensor stays one channel whatever num_output_channels says, as torchvision's tensor path
        # (it expands the luma to the input's shape); an image array is repeated to three, as PIL's path.
        return gray if num_output_channels == 1 or channels == 1 else ag.cat([gray] * 3, dim=-3)
    if img.ndim == 3 and img.shape[2] not in (1, 3, 4):
        raise TypeError(f"rgb_to_grayscale: an image array is H×W, H×W×3 or H×W×4, got shape {img.shape}")
    if img.ndim == 2 or img.shape[2] == 1:
        gray = img.reshape(img.shape[:2]).copy()
    elif img.dtype == np.uint8:
        rgb = img[..., :3].astype(np.uint32)
        gray = ((rgb[..., 0] * 19595 + rgb[..., 1] * 38470 + rgb[..., 2] * 7471 + 0x8000) >> 16).astype(np.uint8)
    else:
        gray = (img[..., 0] * 0.299 + img[..., 1] * 0.587 + img[..., 2] * 0.114).astype(img.dtype)
    return gray if num_output_channels == 1 else np.repeat(gray[:, :, None], 3, axis=2)


def to_grayscale(img, num_output_channels=1):
    """torchvision's to_grayscale (PIL images): `rgb_to_grayscale` of an image array."""
    return rgb_to_grayscale(img, num_output_channels)


def _max_value(dtype):
    return np.iinfo(dtype).max if dtype.kind in "iu" else 1.0


def convert_image_dtype(image, dtype=ag.float32):
    """A tensor image in another dtype, its values rescaled to the new range (floats in [0, 1], integers in
    [0, max]): int -> float divides by the int type's max; float -> int multiplies by max + 1 - 0.001 and truncates;
    int -> int scales by the ratio of (max + 1)s. float32 -> int32/int64 and float64 -> int64 raise RuntimeError, as
    torchvision's (not every integer is a float there)."""
    image = _tensor_image(image, "convert_image_dtype")
    dtype = np.dtype(dtype)
    if image.dtype == dtype:
        return image
    if image.dtype.kind == "f":
        if dtype.kind == "f":
            return image.to(dtype)
        if (image.dtype == np.float32 and dtype in (np.int32, np.int64)) or (image.dtype == np.float64
                                                                             and dtype == np.int64):
            raise RuntimeError(f"convert_image_dtype: the cast from {image.dtype} to {dtype} cannot be performed "
                               "safely")
        return (image * (float(_max_value(dtype)) + 1.0 - 1e-3)).to(dtype)
    input_max = int(_max_value(image.dtype))
    if dtype.kind == "f":
        return image.to(dtype) / float(input_max)
    output_max = int(_max_value(dtype))
    if input_max > output_max:
        factor = (input_max + 1) // (output_max + 1)
        return ag.from_numpy((image.numpy() // factor).astype(dtype))
    factor = (output_max + 1) // (input_max + 1)
    return ag.from_numpy(image.numpy().astype(dtype) * np.asarray(factor, dtype))


# to_pil_image and the augmentations are written in modules of their own, which import the helpers above; importing
# them last makes them part of this namespace, as in torchvision.transforms.functional.
from ._conversion import to_pil_image  # noqa: E402, F401
from ._color import (  # noqa: E402
    adjust_brightness, adjust_contrast, adjust_gamma, adjust_hue, adjust_saturation, adjust_sharpness, autocontrast,
    equalize, invert, posterize, solarize,
)
from ._filters import gaussian_blur  # noqa: E402
from ._geometry import affine, erase, five_crop, resized_crop, rotate, ten_crop  # noqa: E402
