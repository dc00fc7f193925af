"""torchvision.datasets for NumPy: MNIST, FashionMNIST, KMNIST (mnist.py), EMNIST, QMNIST (mnist_variants.py),
CIFAR10, CIFAR100 (cifar.py), CelebA (celeba.py: from files already in root/celeba), DatasetFolder and ImageFolder
(folder.py: one sub-folder per class, images decoded by vision.io), FakeData (fakedata.py), their base VisionDataset
(vision.py) and the download helpers (utils.py).

    datasets.MNIST(root="data", train=True, download=True, transform=transforms.ToTensor())

Constructor arguments, files, folders, `.data`, `.targets`, `.classes`, `.class_to_idx` and the repr are torchvision's;
a sample's image is a uint8 NumPy array (H×W, or H×W×3) where torchvision gives a PIL image, so `transforms.ToTensor()`
makes the same tensor. The mirrors and md5 checksums are torchvision's.
"""

from . import utils  # noqa: F401
from .celeba import CelebA
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import (IMG_EXTENSIONS, DatasetFolder, ImageFolder, default_loader, find_classes,
                     has_file_allowed_extension, is_image_file, make_dataset)
from .mnist import KMNIST, MNIST, FashionMNIST
from .mnist_variants import EMNIST, QMNIST
from .vision import StandardTransform, VisionDataset

__all__ = ["VisionDataset", "StandardTransform", "MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST", "CIFAR10",
           "CIFAR100", "CelebA", "DatasetFolder", "ImageFolder", "FakeData", "IMG_EXTENSIONS", "default_loader",
           "has_file_allowed_extension", "is_image_file", "find_classes", "make_dataset"]
