"""torchvision.transforms (v1) for NumPy images and Values: `from autograd_core.vision import transforms`.

    transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])

Classes (transforms.py): Compose, ToTensor, PILToTensor, ConvertImageDtype, Normalize, Lambda, Resize, CenterCrop,
Pad, RandomCrop, RandomHorizontalFlip, RandomVerticalFlip, Grayscale, and InterpolationMode. The functions they call
are `transforms.functional` (to_tensor, normalize, hflip, crop, pad, resize, ...). Images are NumPy arrays H×W or
H×W×C where torchvision has PIL images, and Values (…, C, H, W) where it has tensors.
"""

from . import functional  # noqa: F401
from .transforms import (  # noqa: F401
    CenterCrop, Compose, ConvertImageDtype, Grayscale, InterpolationMode, Lambda, Normalize, Pad, PILToTensor,
    RandomCrop, RandomHorizontalFlip, RandomVerticalFlip, Resize, ToTensor,
)
from .transforms import __all__  # noqa: F401
