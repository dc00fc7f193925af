"""torchvision.transforms' colour augmentations (v1), re-exported by transforms.py: ColorJitter, RandomGrayscale and
the RandomInvert family. Each takes either kind of image and returns that kind (functional's colour functions say how
the pixels change); the draws come from autograd_core's default generator."""

from __future__ import annotations

import numbers

import autograd_core as ag
from autograd_core import nn

from . import functional as TF
from .transforms import _uniform, _WithProbability

__all__ = ["ColorJitter", "RandomGrayscale", "RandomInvert", "RandomPosterize", "RandomSolarize",
           "RandomAdjustSharpness", "RandomAutocontrast", "RandomEqualize"]


def _jitter_range(value, name, center=1.0, bound=(0.0, float("inf")), clip_first_on_zero=True):
    """torchvision's ColorJitter._check_input: a number v gives [center − v, center + v] (the low end at least 0
    for the factors), a pair is taken as (min, max); both must lie within bound. None when the range is just the
    centre, i.e. the adjustment would do nothing."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"If {name} is a single number, it must be non negative.")
        value = [center - float(value), center + float(value)]
        if clip_first_on_zero:
            value[0] = max(value[0], 0.0)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        value = [float(value[0]), float(value[1])]
    else:
        raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
    if not bound[0] <= value[0] <= value[1] <= bound[1]:
        raise ValueError(f"{name} values should be between {bound}, but got {value}.")
    return None if value[0] == value[1] == center else tuple(value)


class ColorJitter(nn.Module):
    """Random brightness, contrast, saturation and hue, applied in a random order. brightness, contrast and
    saturation: a number v draws the factor uniformly from [max(0, 1 − v), 1 + v], a pair (min, max) from that range;
    hue: a number v from [−v, v] (v ≤ 0.5), a pair within [−0.5, 0.5]. 0 (the default) leaves that one out. Per call:
    the order is autograd_core.randperm(4), then one uniform draw per adjustment in use (brightness, contrast,
    saturation, hue), as torchvision's."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        super().__init__()
        self.brightness = _jitter_range(brightness, "brightness")
        self.contrast = _jitter_range(contrast, "contrast")
        self.saturation = _jitter_range(saturation, "saturation")
        self.hue = _jitter_range(hue, "hue", center=0.0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """(order, brightness_factor, contrast_factor, saturation_factor, hue_factor): order a permutation of 0…3 (a
        Value; 0 brightness, 1 contrast, 2 saturation, 3 hue), each factor uniform in its (min, max) range, or None
        where the range is None."""
        order = ag.randperm(4)
        factors = [None if bounds is None else _uniform(bounds[0], bounds[1])
                   for bounds in (brightness, contrast, saturation, hue)]
        return (order, *factors)

    def forward(self, img):
        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        adjustments = (TF.adjust_brightness, TF.adjust_contrast, TF.adjust_saturation, TF.adjust_hue)
        for index in order.tolist():
            if factors[index] is not None:
                img = adjustments[index](img, factors[index])
        return img

    def __repr__(self):
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class RandomGrayscale(_WithProbability):
    """The image's grayscale with probability p (default 0.1), with as many channels as the image (3 equal ones for
    RGB, 1 for gray): one draw of autograd_core.rand(1) < p per call."""

    def __init__(self, p=0.1):
        super().__init__(p)

    def _transform(self, img):
        return TF.rgb_to_grayscale(img, num_output_channels=TF.get_dimensions(img)[0])


class RandomInvert(_WithProbability):
    """functional.invert (max − x) with probability p."""

    _transform = staticmethod(TF.invert)


class RandomAutocontrast(_WithProbability):
    """functional.autocontrast (each channel stretched to the full range) with probability p."""

    _transform = staticmethod(TF.autocontrast)


class RandomEqualize(_WithProbability):
    """functional.equalize (histogram equalisation; uint8 images) with probability p."""

    _transform = staticmethod(TF.equalize)


class _WithProbabilityAndArgument(_WithProbability):
    """functional `_function(img, argument)` with probability p; the argument is stored under `_argument_name`, and
    the repr is torchvision's: Name(argument=...,p=...), no space after the comma."""

    def __init__(self, argument, p=0.5):
        super().__init__(p)
        setattr(self, self._argument_name, argument)

    def _transform(self, img):
        return type(self)._function(img, getattr(self, self._argument_name))

    def __repr__(self):
        return f"{type(self).__name__}({self._argument_name}={getattr(self, self._argument_name)},p={self.p})"


class RandomPosterize(_WithProbabilityAndArgument):
    """functional.posterize(img, bits) (keep the `bits` high bits of each uint8 value) with probability p."""

    _argument_name, _function = "bits", staticmethod(TF.posterize)

    def __init__(self, bits, p=0.5):
        super().__init__(bits, p)


class RandomSolarize(_WithProbabilityAndArgument):
    """functional.solarize(img, threshold) (values ≥ threshold inverted) with probability p."""

    _argument_name, _function = "threshold", staticmethod(TF.solarize)

    def __init__(self, threshold, p=0.5):
        super().__init__(threshold, p)


class RandomAdjustSharpness(_WithProbabilityAndArgument):
    """functional.adjust_sharpness(img, sharpness_factor) with probability p."""

    _argument_name, _function = "sharpness_factor", staticmethod(TF.adjust_sharpness)

    def __init__(self, sharpness_factor, p=0.5):
        super().__init__(sharpness_factor, p)
