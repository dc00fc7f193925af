"""torchvision.transforms' geometric augmentations (v1), re-exported by transforms.py: RandomResizedCrop, FiveCrop,
TenCrop, RandomRotation, RandomAffine, GaussianBlur and RandomErasing. The random ones draw from autograd_core's
default generator in torchvision's order, so autograd_core.manual_seed(s) repeats them."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence

import numpy as np

import autograd_core as ag
from autograd_core import Value, nn

from . import functional as TF
from .functional import InterpolationMode
from .transforms import _crop_size, _CropOfSize, _randint, _uniform

__all__ = ["RandomResizedCrop", "FiveCrop", "TenCrop", "RandomRotation", "RandomAffine", "GaussianBlur",
           "RandomErasing"]


def _check_sequence_input(value, name, req_sizes):
    lengths = " or ".join(str(size) for size in req_sizes)
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise TypeError(f"{name} should be a sequence of length {lengths}.")
    if len(value) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {lengths}.")


def _angle_range(value, name, req_sizes=(2,)):
    """torchvision's _setup_angle: a number d gives [−d, d] (d ≥ 0), a sequence is taken as it is; floats."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        value = [-value, value]
    else:
        _check_sequence_input(value, name, req_sizes)
    return [float(v) for v in value]


def _check_scale_and_ratio(scale, ratio):
    if not isinstance(scale, Sequence):
        raise TypeError("Scale should be a sequence")
    if not isinstance(ratio, Sequence):
        raise TypeError("Ratio should be a sequence")
    if scale[0] > scale[1] or ratio[0] > ratio[1]:
        warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=3)


def _window_sides(area, scale, ratio):
    """One draw of a random window, as RandomResizedCrop and RandomErasing draw it: its area is area · U(scale), its
    aspect ratio r = exp(U(log ratio)) (log-uniform, so r and 1/r are equally likely), and its sides are
    (round(√(area · r)), round(√(area / r))) (width, height for a crop; height, width for an erasure)."""
    target_area = area * _uniform(scale[0], scale[1])
    aspect_ratio = math.exp(_uniform(math.log(ratio[0]), math.log(ratio[1])))
    return int(round(math.sqrt(target_area * aspect_ratio))), int(round(math.sqrt(target_area / aspect_ratio)))


class RandomResizedCrop(nn.Module):
    """A random window, resized to size ((height, width), or an int for a square): the window covers scale = (min,
    max) of the image's area with aspect ratio (width / height) in ratio = (min, max), drawn log-uniformly. Typical
    for ImageNet training: RandomResizedCrop(224)."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.size = _crop_size(size)
        _check_scale_and_ratio(scale, ratio)
        self.interpolation = InterpolationMode(interpolation)
        self.antialias, self.scale, self.ratio = antialias, scale, ratio

    @staticmethod
    def get_params(img, scale, ratio):
        """(top, left, height, width) of the window: up to 10 draws of `_window_sides` (width, height) until the
        window fits in the image, then its top and left uniform (autograd_core.randint, top first). If none fits,
        the centre crop of the whole image, narrowed (or shortened) to the nearest allowed ratio."""
        _, height, width = TF.get_dimensions(img)
        for _ in range(10):
            w, h = _window_sides(height * width, scale, ratio)
            if 0 < w <= width and 0 < h <= height:
                top = _randint(height - h + 1)
                return top, _randint(width - w + 1), h, w
        image_ratio = width / height
        if image_ratio < min(ratio):  # too tall: the full width, the height of the narrowest allowed ratio
            w, h = width, int(round(width / min(ratio)))
        elif image_ratio > max(ratio):  # too wide
            w, h = int(round(height * max(ratio))), height
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def forward(self, img):
        top, left, height, width = self.get_params(img, self.scale, self.ratio)
        return TF.resized_crop(img, top, left, height, width, self.size, self.interpolation, antialias=self.antialias)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, interpolation={self.interpolation.value}, "
                f"antialias={self.antialias})")


class FiveCrop(_CropOfSize):
    """The four corners and the centre, each of size (int: square; or (height, width)): a tuple of 5 images
    (functional.five_crop). Stack them for a batch: ag.stack([ToTensor()(c) for c in crops])."""

    _crop = staticmethod(TF.five_crop)


class TenCrop(nn.Module):
    """FiveCrop of the image and of its mirror image (upside down with vertical_flip): a tuple of 10 images."""

    def __init__(self, size, vertical_flip=False):
        super().__init__()
        self.size, self.vertical_flip = _crop_size(size), vertical_flip

    def forward(self, img):
        return TF.ten_crop(img, self.size, self.vertical_flip)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, vertical_flip={self.vertical_flip})"


def _check_fill(fill):
    if fill is None:
        return 0
    if not isinstance(fill, (Sequence, numbers.Number)) or isinstance(fill, str):
        raise TypeError("Fill should be either a sequence or a number.")
    return fill


def _fill_per_channel(fill, img):
    """A number repeated for each of img's channels, or the sequence as floats (torchvision's forward does this)."""
    if isinstance(fill, numbers.Number):
        return [float(fill)] * TF.get_dimensions(img)[0]
    return [float(f) for f in fill]


class RandomRotation(nn.Module):
    """Rotate by an angle drawn uniformly from degrees (a number d: (−d, d); or (min, max)), counter-clockwise, about
    center (None: the image's centre); expand, interpolation and fill as functional.rotate's."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        super().__init__()
        self.degrees = _angle_range(degrees, "degrees")
        if center is not None:
            _check_sequence_input(center, "center", (2,))
        self.interpolation = InterpolationMode(interpolation)
        self.expand, self.center, self.fill = expand, center, _check_fill(fill)

    @staticmethod
    def get_params(degrees):
        """The angle: uniform in degrees = [min, max]."""
        return _uniform(degrees[0], degrees[1])

    def forward(self, img):
        fill = _fill_per_channel(self.fill, img)
        return TF.rotate(img, self.get_params(self.degrees), self.interpolation, self.expand, self.center, fill)

    def __repr__(self):
        text = (f"{type(self).__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, "
                f"expand={self.expand}")
        text += f", center={self.center}" if self.center is not None else ""
        text += f", fill={self.fill}" if self.fill is not None else ""
        return text + ")"


class RandomAffine(nn.Module):
    """A random affine map about the centre (or `center`), keeping the image's size: rotation uniform in degrees
    (d: (−d, d)); translate = (a, b): a shift drawn in (−a·W, a·W) × (−b·H, b·H), rounded to whole pixels; scale =
    (min, max) uniform; shear: d (x in (−d, d)), (min, max) along x, or (xmin, xmax, ymin, ymax). None leaves that
    part out. interpolation and fill as functional.affine's."""

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST,
                 fill=0, center=None):
        super().__init__()
        self.degrees = _angle_range(degrees, "degrees")
        if translate is not None:
            _check_sequence_input(translate, "translate", (2,))
            if not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError("translation values should be between 0 and 1")
        if scale is not None:
            _check_sequence_input(scale, "scale", (2,))
            if any(s <= 0 for s in scale):
                raise ValueError("scale values should be positive")
        self.translate, self.scale = translate, scale
        self.shear = None if shear is None else _angle_range(shear, "shear", req_sizes=(2, 4))
        self.interpolation = InterpolationMode(interpolation)
        self.fill = _check_fill(fill)
        if center is not None:
            _check_sequence_input(center, "center", (2,))
        self.center = center

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size):
        """(angle, (tx, ty), scale, (shear_x, shear_y)) for an image of img_size = [width, height], drawn in this
        order: angle, tx, ty (if translate), scale (if scale_ranges), shear x, shear y (if 4 shears)."""
        angle = _uniform(degrees[0], degrees[1])
        translations = (0, 0)
        if translate is not None:
            max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            translations = (int(round(_uniform(-max_dx, max_dx))), int(round(_uniform(-max_dy, max_dy))))
        scale = 1.0 if scale_ranges is None else _uniform(scale_ranges[0], scale_ranges[1])
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = _uniform(shears[0], shears[1])
            if len(shears) == 4:
                shear_y = _uniform(shears[2], shears[3])
        return angle, translations, scale, (shear_x, shear_y)

    def forward(self, img):
        _, height, width = TF.get_dimensions(img)
        params = self.get_params(self.degrees, self.translate, self.scale, self.shear, [width, height])
        return TF.affine(img, *params, interpolation=self.interpolation, fill=_fill_per_channel(self.fill, img),
                         center=self.center)

    def __repr__(self):
        text = f"{type(self).__name__}(degrees={self.degrees}"
        text += f", translate={self.translate}" if self.translate is not None else ""
        text += f", scale={self.scale}" if self.scale is not None else ""
        text += f", shear={self.shear}" if self.shear is not None else ""
        text += f", interpolation={self.interpolation.value}" if self.interpolation != InterpolationMode.NEAREST else ""
        text += f", fill={self.fill}" if self.fill != 0 else ""
        text += f", center={self.center}" if self.center is not None else ""
        return text + ")"


class GaussianBlur(nn.Module):
    """Blur with a Gaussian of kernel_size (an odd int, or (kx, ky)) and a σ drawn uniformly from sigma = (min, max)
    (a number: that σ) per call, the same σ along x and y (functional.gaussian_blur)."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        super().__init__()
        try:
            self.kernel_size = _crop_size(kernel_size)
        except ValueError:
            raise ValueError("Kernel size should be a tuple/list of two integers") from None
        if any(size <= 0 or size % 2 == 0 for size in self.kernel_size):
            raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, numbers.Real) and not isinstance(sigma, bool):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (sigma, sigma)
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
        else:
            raise ValueError("sigma should be a single number or a list/tuple with length 2.")
        self.sigma = sigma

    @staticmethod
    def get_params(sigma_min, sigma_max):
        """σ, uniform in [sigma_min, sigma_max)."""
        return _uniform(sigma_min, sigma_max)

    def forward(self, img):
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return TF.gaussian_blur(img, self.kernel_size, [sigma, sigma])

    def __repr__(self):
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})"


class RandomErasing(nn.Module):
    """With probability p, a random rectangle of a tensor image (…, C, H, W) set to value: a number, one per channel,
    or 'random' (standard normal draws, one per erased element). The rectangle covers scale = (min, max) of the area
    with aspect ratio (height / width) in ratio, log-uniform; up to 10 draws until it fits strictly inside, else the
    image is left as it is. Tensor images only, as torchvision's (put it after ToTensor). inplace writes into the
    input Value."""

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False):
        super().__init__()
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        _check_scale_and_ratio(scale, ratio)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None):
        """(top, left, height, width, v): the rectangle and what goes in it, v a (C, h, w) Value of normal draws
        (value None) or an array (len(value), 1, 1). Drawn: area and ratio per attempt, then v, then top, left. When
        no attempt fits: (0, 0, H, W, img), which erases img with itself."""
        channels, height, width = img.shape[-3], img.shape[-2], img.shape[-1]
        for _ in range(10):
            h, w = _window_sides(height * width, scale, ratio)
            if not (h < height and w < width):
                continue
            if value is None:
                v = ag.empty((channels, h, w), dtype=ag.float32).normal_()
            else:
                v = np.asarray(value, dtype=np.float32)[:, None, None]
            top = _randint(height - h + 1)
            return top, _randint(width - w + 1), h, w, v
        return 0, 0, height, width, img

    def forward(self, img):
        if not isinstance(img, Value):
            raise TypeError(f"RandomErasing takes a tensor image (a Value (..., C, H, W)), got {type(img)}; put it "
                            "after ToTensor(), as in torchvision")
        if ag.rand(1).item() >= self.p:
            return img
        if isinstance(self.value, str):
            value = None
        else:
            value = [float(self.value)] if isinstance(self.value, numbers.Number) else list(self.value)
            if len(value) not in (1, img.shape[-3]):
                raise ValueError("If value is a sequence, it should have either a single value or "
                                 f"{img.shape[-3]} (number of input channels)")
        top, left, h, w, v = self.get_params(img, scale=self.scale, ratio=self.ratio, value=value)
        return TF.erase(img, top, left, h, w, v, self.inplace)

    def __repr__(self):
        return (f"{type(self).__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value}, "
                f"inplace={self.inplace})")
