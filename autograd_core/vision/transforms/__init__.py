"""torchvision.transforms (v1) for NumPy images and Values: `from autograd_core.vision import transforms`.

    transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])

Classes (transforms.py): Compose, ToTensor, PILToTensor, ToPILImage, ConvertImageDtype, Normalize, Lambda, Resize,
CenterCrop, Pad, RandomCrop, RandomHorizontalFlip, RandomVerticalFlip, Grayscale, RandomApply, RandomChoice,
RandomOrder and InterpolationMode; the augmentations RandomResizedCrop, FiveCrop, TenCrop, RandomRotation,
RandomAffine, GaussianBlur, RandomErasing (_geometry_transforms.py) and ColorJitter, RandomGrayscale, RandomInvert,
RandomPosterize, RandomSolarize, RandomAdjustSharpness, RandomAutocontrast, RandomEqualize (_color_transforms.py). The
functions they call are `transforms.functional` (to_tensor, to_pil_image, normalize, crop, resize, rotate, affine,
adjust_hue, ...). Images are NumPy arrays H×W or H×W×C where torchvision has PIL images, and Values (…, C, H, W) where
it has tensors.
"""

from . import functional  # noqa: F401
from .transforms import (  # noqa: F401
    CenterCrop, ColorJitter, Compose, ConvertImageDtype, FiveCrop, GaussianBlur, Grayscale, InterpolationMode, Lambda,
    Normalize, Pad, PILToTensor, RandomAdjustSharpness, RandomAffine, RandomApply, RandomAutocontrast, RandomChoice,
    RandomCrop, RandomEqualize, RandomErasing, RandomGrayscale, RandomHorizontalFlip, RandomInvert, RandomOrder,
    RandomPosterize, RandomResizedCrop, RandomRotation, RandomSolarize, RandomVerticalFlip, Resize, TenCrop, ToPILImage,
    ToTensor,
)
from .transforms import __all__  # noqa: F401
