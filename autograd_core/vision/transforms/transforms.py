"""torchvision.transforms' classes (v1): callables that take an image and return the transformed image.

    from autograd_core.vision import transforms
    transform = transforms.Compose([transforms.RandomCrop(28, padding=2), transforms.ToTensor(),
                                    transforms.Normalize((0.1307,), (0.3081,))])
    x = transform(image)        # image: a 28×28 uint8 array (what MNIST returns) -> a float32 Value (1, 28, 28)

An image is an image array (H×W or H×W×C ndarray, where torchvision has a PIL image) or a tensor image (a Value
(…, C, H, W)); functional.py says what each kind means. As in torchvision, ToTensor, PILToTensor, Compose and Lambda
are plain callables and the others are nn.Modules (so nn.Sequential can chain them on tensor images). The random
ones draw from autograd_core's default generator (`autograd_core.rand`, `autograd_core.randint`, as torchvision
draws from torch's), so `autograd_core.manual_seed(s)` makes a run repeat.
"""

from __future__ import annotations

import numbers

import autograd_core as ag
from autograd_core import nn

from . import functional as TF
from .functional import InterpolationMode

__all__ = ["Compose", "ToTensor", "PILToTensor", "ConvertImageDtype", "Normalize", "Lambda", "Resize", "CenterCrop",
           "Pad", "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "Grayscale", "InterpolationMode"]


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


class CenterCrop(nn.Module):
    """The size×size (or (height, width)) window at the centre; a smaller image is padded with 0 first
    (functional.center_crop)."""

    def __init__(self, size):
        super().__init__()
        self.size = _crop_size(size)

    def forward(self, img):
        return TF.center_crop(img, self.size)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


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
        top = int(ag.randint(0, height - crop_height + 1, size=(1,)).item())
        left = int(ag.randint(0, width - crop_width + 1, size=(1,)).item())
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


class _RandomFlip(nn.Module):
    """The image flipped by `_flip` with probability p: one draw of autograd_core.rand(1) < p per call."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, img):
        return self._flip(img) if ag.rand(1).item() < self.p else img

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Mirror the image left to right with probability p: one draw of autograd_core.rand(1) < p per call."""

    _flip = staticmethod(TF.hflip)


class RandomVerticalFlip(_RandomFlip):
    """Turn the image upside down with probability p: one draw of autograd_core.rand(1) < p per call."""

    _flip = staticmethod(TF.vflip)


class Grayscale(nn.Module):
    """The image's luma, with 1 or 3 (equal) channels (functional.rgb_to_grayscale)."""

    def __init__(self, num_output_channels=1):
        super().__init__()
        self.num_output_channels = num_output_channels

    def forward(self, img):
        return TF.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self):
        return f"{type(self).__name__}(num_output_channels={self.num_output_channels})"
