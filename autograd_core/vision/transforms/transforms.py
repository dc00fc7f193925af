"""torchvision.transforms' classes (v1): callables that take an image and return the transformed image.

    from autograd_core.vision import transforms
    transform = transforms.Compose([transforms.RandomCrop(28, padding=2), transforms.ToTensor(),
                                    transforms.Normalize((0.1307,), (0.3081,))])
    x = transform(image)        # image: a 28×28 uint8 array (what MNIST returns) -> a float32 Value (1, 28, 28)

An image is an image array (H×W or H×W×C ndarray, where torchvision has a PIL image) or a tensor image (a Value
(…, C, H, W)); functional.py says what each kind means. As in torchvision, ToTensor, PILToTensor, Compose, Lambda,
RandomOrder and RandomChoice are plain callables and the others are nn.Modules (so nn.Sequential can chain them on
tensor images). The random ones draw from autograd_core's default generator (`autograd_core.rand`,
`autograd_core.randint`, `autograd_core.randperm`, as torchvision draws from torch's), so
`autograd_core.manual_seed(s)` makes a run repeat. This file holds the v1 basics and the random containers; the
augmentations are in _geometry_transforms.py and _color_transforms.py, imported at its end.
"""

from __future__ import annotations

import bisect
import itertools
import numbers
from collections.abc import Sequence

import autograd_core as ag
from autograd_core import nn

from . import functional as TF
from .functional import InterpolationMode

__all__ = ["Compose", "ToTensor", "PILToTensor", "ToPILImage", "ConvertImageDtype", "Normalize", "Lambda", "Resize",
           "CenterCrop", "Pad", "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "Grayscale",
           "InterpolationMode", "RandomApply", "RandomChoice", "RandomOrder",
           # augmentations, defined in _geometry_transforms.py and _color_transforms.py (imported at the end)
           "RandomResizedCrop", "FiveCrop", "TenCrop", "RandomRotation", "RandomAffine", "GaussianBlur",
           "RandomErasing", "ColorJitter", "RandomGrayscale", "RandomInvert", "RandomPosterize", "RandomSolarize",
           "RandomAdjustSharpness", "RandomAutocontrast", "RandomEqualize"]


class Compose:
    """Compose([t1, t2, ...])(img) is t2(t1(img))...: the transforms applied in order."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self):
        return "\n".join([f"{type(self).__name__}(", *(f"    {t}" for t in self.transforms), ")"])


class ToTensor:
    """An image array H×W or H×W×C -> a Value (C, H, W); uint8 scaled to float32 in [0, 1], other dtypes kept as
    they are (functional.to_tensor)."""

    def __call__(self, pic):
        return TF.to_tensor(pic)

    def __repr__(self):
        return f"{type(self).__name__}()"


class PILToTensor:
    """An image array H×W or H×W×C -> a Value (C, H, W) of its own dtype, not scaled (functional.pil_to_tensor)."""

    def __call__(self, pic):
        return TF.pil_to_tensor(pic)

    def __repr__(self):
        return f"{type(self).__name__}()"


class ToPILImage:
    """A tensor image (C, H, W) or an image array -> an image array H×W×C (H×W for one channel), uint8 for a float
    tensor (x·255 truncated): what stands for torchvision's PIL image here (functional.to_pil_image)."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return TF.to_pil_image(pic, self.mode)

    def __repr__(self):
        return f"{type(self).__name__}({'' if self.mode is None else f'mode={self.mode}'})"


class Lambda:
    """A function of yours as a transform: Lambda(lambda x: x.repeat(3, 1, 1))."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{type(self).__name__}()"


class ConvertImageDtype(nn.Module):
    """A tensor image in `dtype`, its values rescaled to that dtype's range (functional.convert_image_dtype)."""

    def __init__(self, dtype):
        super().__init__()
        self.dtype = dtype

    def forward(self, image):
        return TF.convert_image_dtype(image, self.dtype)


class Normalize(nn.Module):
    """output[c] = (input[c] - mean[c]) / std[c] for a float tensor image (…, C, H, W); mean and std are sequences of
    C numbers. inplace=True overwrites the input Value's array."""

    def __init__(self, mean, std, inplace=False):
        super().__init__()
        self.mean, self.std, self.inplace = mean, std, inplace

    def forward(self, tensor):
        return TF.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Resize(nn.Module):
    """Resize to `size`: (height, width), or an int for the shorter side keeping the aspect ratio (the longer side
    at most max_size). Bilinear by default, antialiased when shrinking (functional.resize)."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        super().__init__()
        if not isinstance(size, (numbers.Integral, tuple, list)):
            raise TypeError(f"Size should be int or sequence, got {type(size)}")
        if isinstance(size, (tuple, list)) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = InterpolationMode(interpolation)

    def forward(self, img):
        return TF.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


def _crop_size(size):
    return TF._pair(size, "crop")


class _CropOfSize(nn.Module):
    """`_crop(img, size)` for a fixed size ((height, width); an int for a square): CenterCrop and FiveCrop, which
    differ only by their crop."""

    def __init__(self, size):
        super().__init__()
        self.size = _crop_size(size)

    def forward(self, img):
        return self._crop(img, self.size)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


class CenterCrop(_CropOfSize):
    """The size×size (or (height, width)) window at the centre; a smaller image is padded with 0 first
    (functional.center_crop)."""

    _crop = staticmethod(TF.center_crop)


def _check_padding(padding, fill, padding_mode):
    if padding is not None:
        TF._padding_sides(padding)  # raises for a malformed one
    if not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError(f"Got inappropriate fill arg: {fill!r}")
    if padding_mode not in TF._PADDING_MODES:
        raise ValueError(f"Padding mode should be either constant, edge, reflect or symmetric, got {padding_mode!r}")


class Pad(nn.Module):
    """Pad each side: padding an int (every side), (left/right, top/bottom) or (left, top, right, bottom);
    padding_mode 'constant' (with fill), 'edge', 'reflect' or 'symmetric' (functional.pad)."""

    def __init__(self, padding, fill=0, padding_mode="constant"):
        super().__init__()
        _check_padding(padding, fill, padding_mode)
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def forward(self, img):
        return TF.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomCrop(nn.Module):
    """A size×size (or (height, width)) window at a random place. First `padding` is added (if given; see Pad), then,
    with pad_if_needed, a side shorter than the window is padded on both ends by the shortfall. The top row is drawn
    before the left column, each uniform over the places that fit (autograd_core.randint)."""

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        super().__init__()
        _check_padding(padding, fill, padding_mode)
        self.size = _crop_size(size)
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    @staticmethod
    def get_params(img, output_size):
        """(top, left, height, width) of a random output_size = (height, width) window inside img."""
        _, height, width = TF.get_dimensions(img)
        crop_height, crop_width = output_size
        if height < crop_height or width < crop_width:
            raise ValueError(f"Required crop size {(crop_height, crop_width)} is larger than input image size "
                             f"{(height, width)}")
        if (height, width) == (crop_height, crop_width):
            return 0, 0, height, width
        top = _randint(height - crop_height + 1)
        left = _randint(width - crop_width + 1)
        return top, left, crop_height, crop_width

    def forward(self, img):
        if self.padding is not None:
            img = TF.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = TF.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = TF.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = TF.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return TF.crop(img, *self.get_params(img, self.size))

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class _WithProbability(nn.Module):
    """`_transform(img)` with probability p, else img itself: one draw of autograd_core.rand(1) < p per call, as
    torchvision's torch.rand(1) < p. The flips, RandomGrayscale and the RandomInvert family are this with their
    own `_transform`."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, img):
        return self._transform(img) if ag.rand(1).item() < self.p else img

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_WithProbability):
    """Mirror the image left to right with probability p: one draw of autograd_core.rand(1) < p per call."""

    _transform = staticmethod(TF.hflip)


class RandomVerticalFlip(_WithProbability):
    """Turn the image upside down with probability p: one draw of autograd_core.rand(1) < p per call."""

    _transform = staticmethod(TF.vflip)


class Grayscale(nn.Module):
    """The image's luma, with 1 or 3 (equal) channels (functional.rgb_to_grayscale)."""

    def __init__(self, num_output_channels=1):
        super().__init__()
        self.num_output_channels = num_output_channels

    def forward(self, img):
        return TF.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self):
        return f"{type(self).__name__}(num_output_channels={self.num_output_channels})"


# -- drawing from autograd_core's default generator, as torchvision draws from torch's ---------------------------

def _uniform(low, high):
    """One float drawn uniformly from [low, high): torchvision's torch.empty(1).uniform_(low, high).item()."""
    return float(ag.empty(1).uniform_(float(low), float(high)).item())


def _randint(high):
    """One int drawn uniformly from 0 … high − 1: torchvision's torch.randint(0, high, size=(1,)).item()."""
    return int(ag.randint(0, high, size=(1,)).item())


# -- applying transforms at random ---------------------------------------------------------------------------------

def _listing(name, transforms, *extra):
    """torchvision's repr of a list of transforms: 'Name(', optional extra lines, one line per transform, ')'."""
    return "\n".join([f"{name}(", *(f"    {line}" for line in (*extra, *transforms)), ")"])


class RandomApply(nn.Module):
    """All of `transforms`, in order, with probability p; else the image untouched. One draw r = rand(1) per call,
    applied when r ≤ p (torchvision skips when p < r)."""

    def __init__(self, transforms, p=0.5):
        super().__init__()
        self.transforms, self.p = transforms, p

    def forward(self, img):
        if self.p < ag.rand(1).item():
            return img
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self):
        return _listing(type(self).__name__, self.transforms, f"p={self.p}")


class _RandomTransforms:
    """A sequence of transforms that a subclass picks from or orders at random."""

    def __init__(self, transforms):
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence")
        self.transforms = transforms

    def __repr__(self):
        return _listing(type(self).__name__, self.transforms)


class RandomOrder(_RandomTransforms):
    """All the transforms, in an order drawn with autograd_core.randperm (torchvision shuffles with Python's
    `random` module, which torch.manual_seed does not seed; here manual_seed repeats the order)."""

    def __call__(self, img):
        for index in ag.randperm(len(self.transforms)).tolist():
            img = self.transforms[index](img)
        return img


class RandomChoice(_RandomTransforms):
    """One of the transforms, drawn with weights p (a sequence, one non-negative weight per transform, not
    necessarily summing to 1; None: equal weights), as Python's random.choices draws (torchvision's): r =
    rand(1) · Σp picks the first transform whose cumulative weight exceeds r. The draw comes from autograd_core's
    generator, so manual_seed repeats it."""

    def __init__(self, transforms, p=None):
        super().__init__(transforms)
        if p is not None and not isinstance(p, Sequence):
            raise TypeError("Argument p should be a sequence")
        if p is not None and len(p) != len(transforms):
            raise ValueError(f"The number of weights p ({len(p)}) does not match the number of transforms "
                             f"({len(transforms)})")
        self.p = p

    def __call__(self, *args):
        cumulative = list(itertools.accumulate([1.0] * len(self.transforms) if self.p is None else self.p))
        if not cumulative or cumulative[-1] <= 0:
            raise ValueError("RandomChoice: there is no transform to choose (no transforms, or all weights 0)")
        index = bisect.bisect_right(cumulative, ag.rand(1).item() * cumulative[-1], 0, len(cumulative) - 1)
        return self.transforms[index](*args)

    def __repr__(self):
        return f"{super().__repr__()}(p={self.p})"  # torchvision's, the p after the closing bracket


# The augmentation classes live in modules of their own, which import the helpers above; importing them last makes
# them part of this namespace, as in torchvision.transforms.
from ._color_transforms import (  # noqa: E402
    ColorJitter, RandomAdjustSharpness, RandomAutocontrast, RandomEqualize, RandomGrayscale, RandomInvert,
    RandomPosterize, RandomSolarize,
)
from ._geometry_transforms import (  # noqa: E402
    FiveCrop, GaussianBlur, RandomAffine, RandomErasing, RandomResizedCrop, RandomRotation, TenCrop,
)
