"""torchvision.transforms._presets' ImageClassification: the inference preprocessing that goes with the ImageNet
weights. Users get it from the weights, as in torchvision, not from this module:

    weights = ResNet50_Weights.DEFAULT
    preprocess = weights.transforms()         # ImageClassification(crop_size=224, resize_size=232)
    batch = preprocess(img).unsqueeze(0)       # img: a PIL image, an H×W×C uint8 array or a Value (C, H, W)

It is the composition of transforms.functional's resize, center_crop, pil_to_tensor, convert_image_dtype and
normalize, in torchvision's order, so each kind of image is treated as those functions treat it (functional.py).
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core import Value, nn

from . import functional as TF
from .functional import InterpolationMode

__all__ = ["ImageClassification"]


class ImageClassification(nn.Module):
    """An image -> the float32 Value a classifier trained on ImageNet expects: (3, crop_size, crop_size) for an image,
    (N, 3, crop_size, crop_size) for a batch.

    The image is a PIL image or an image array H×W×C (what it stands for here), or a tensor image: a Value (C, H, W)
    or a batch (N, C, H, W), uint8 (0-255) or float (0-1). In order:

    1. resize: the shorter side becomes resize_size, the longer one int(resize_size · longer / shorter)
       (functional.resize: bilinear by default, antialiased when shrinking);
    2. center_crop: the crop_size × crop_size window at the centre;
    3. to a float32 Value (C, H, W): uint8 / 255, float as it is (an image array goes through pil_to_tensor first);
    4. normalize: (x − mean[c]) / std[c] per channel.

    Integer images are resized as integers (computed in float32, rounded back), as torchvision resizes them, before
    the division. An image array is resampled as its pixels are by functional.resize, within one grey level of
    PIL's own resize (PIL rounds to 8 bits between its horizontal and vertical passes).

    crop_size and resize_size are stored as one-element lists, mean and std as lists, as torchvision's: the repr
    shows them so."""

    def __init__(self, *, crop_size, resize_size=256, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias

    def forward(self, img):
        img = TF.resize(img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias)
        img = TF.center_crop(img, self.crop_size)
        if not isinstance(img, Value):
            img = TF.pil_to_tensor(img)
        img = TF.convert_image_dtype(img, ag.float32)
        return TF.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self):
        return "\n".join([f"{type(self).__name__}(", f"    crop_size={self.crop_size}",
                          f"    resize_size={self.resize_size}", f"    mean={self.mean}", f"    std={self.std}",
                          f"    interpolation={self.interpolation}", ")"])

    def describe(self):
        """What the preset does, in torchvision's words (its documentation shows this for each weights)."""
        return ("Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)`` image ``torch.Tensor`` "
                "objects (here: PIL images, H×W×C image arrays and Values). "
                f"The images are resized to ``resize_size={self.resize_size}`` using "
                f"``interpolation={self.interpolation}``, followed by a central crop of "
                f"``crop_size={self.crop_size}``. Finally the values are first rescaled to ``[0.0, 1.0]`` and then "
                f"normalized using ``mean={self.mean}`` and ``std={self.std}``.")
