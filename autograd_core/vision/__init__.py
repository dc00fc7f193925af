"""torchvision's data side for NumPy: `from autograd_core.vision import datasets, transforms`, as
`from torchvision import datasets, transforms`.

    train = datasets.MNIST(root="data", train=True, download=True, transform=transforms.ToTensor())
    loader = autograd_core.utils.data.DataLoader(train, batch_size=64, shuffle=True)
    images, labels = next(iter(loader))      # Values (64, 1, 28, 28) float32 and (64,) int64

`datasets`: MNIST, FashionMNIST, KMNIST, EMNIST, QMNIST, CIFAR10 and CIFAR100, reading the files of torchvision's
folder layout (a `data/` folder torchvision made elsewhere is read as it is) and downloading from torchvision's
mirrors; ImageFolder and DatasetFolder (one sub-folder per class); FakeData. A sample's image is a NumPy uint8 array
(H×W, or H×W×3 for CIFAR and ImageFolder) where torchvision gives a PIL image. `transforms`: torchvision's
v1 transforms (Compose, ToTensor, Normalize, RandomCrop, ...) on those arrays and on Values (…, C, H, W). `io`:
torchvision.io's read_image / decode_image (PNG, Netpbm and BMP decoded with NumPy and zlib; other formats by Pillow).
`models`: torchvision's AlexNet, VGGs, GoogLeNet and ResNets, layer for layer, their ImageNet checkpoints loaded from
torch.hub's cache (`resnet18(weights="DEFAULT")`, or the legacy `pretrained=True`). `utils`: make_grid and save_image.

A layer above nn, as torchvision is above torch: it uses nn.functional (interpolate, pad); the core never imports it.
"""

from ..lazy_imports import lazy_attributes

__getattr__, __dir__ = lazy_attributes(__name__, globals(), ("datasets", "transforms", "io", "utils", "models"))
