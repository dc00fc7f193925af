"""torchvision.models' AlexNet (Krizhevsky, "One weird trick for parallelizing convolutional neural networks", 2014:
the one-GPU variant of Krizhevsky, Sutskever and Hinton's 2012 network, whose first layer has 64 filters rather
than 96), layer for layer: `features` (five convolutions, three 3×3 max pools), `avgpool` (adaptive, to 6×6) and
`classifier` (dropout, 4096, dropout, 4096, num_classes), numbered as torchvision's so that its checkpoint's keys
(`features.0.weight`, `features.3.weight`, ..., `classifier.6.bias`) load into them.

    model = alexnet()                                    # random weights (the layers' own default initialisation)
    model = alexnet(weights="DEFAULT")                   # ImageNet weights, from the torch.hub cache or downloaded
    model.classifier[6] = nn.Linear(4096, 10)            # fine-tuning: a new last layer

Input (N, 3, H, W), H and W of 63 or more (smaller ones leave nothing for the last max pool); output
(N, num_classes) logits. 61.1M parameters, 58.6M of them in the classifier.
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core import nn

from ._api import WeightsEnum, imagenet_weights, weights_from_arguments, with_weights

__all__ = ["AlexNet", "alexnet", "AlexNet_Weights"]


class AlexNet(nn.Module):
    """features → avgpool (adaptive, 6×6) → flatten → classifier. features: Conv2d(3, 64, 11, stride 4, padding 2),
    ReLU, MaxPool2d(3, 2), Conv2d(64, 192, 5, padding 2), ReLU, MaxPool2d(3, 2), then three 3×3 convolutions
    (384, 256, 256 channels, padding 1) with ReLUs and a last MaxPool2d(3, 2): convolutions at indices 0, 3, 6, 8, 10.
    classifier: Dropout(dropout), Linear(9216, 4096), ReLU, Dropout(dropout), Linear(4096, 4096), ReLU,
    Linear(4096, num_classes): Linears at indices 1, 4, 6. No initialisation of its own: each layer keeps its
    default (as torchvision's AlexNet, PyTorch's kaiming_uniform_(a=√5) for weights, uniform ±1/√fan_in biases)."""

    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        # dropout before each of the first two Linears (the 2012 network's placement, torchvision's indices)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes))

    def forward(self, x):
        x = ag.flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)


class AlexNet_Weights(WeightsEnum):
    """AlexNet's torchvision ImageNet checkpoint: IMAGENET1K_V1 (trained by torchvision with VGG's simplified
    recipe); DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = imagenet_weights("https://download.pytorch.org/models/alexnet-owt-7be5be79.pth", {
        "num_params": 61100840, "min_size": (63, 63),
        "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg",
        "_docs": """These weights reproduce closely the results of the paper using a simplified training recipe."""})
    DEFAULT = IMAGENET1K_V1


def alexnet(*, weights=None, progress=True, **kwargs):
    """AlexNet (61.1M parameters). `weights`: None (random), AlexNet_Weights.DEFAULT or its name; the legacy
    `pretrained=True` is IMAGENET1K_V1, with torchvision's warning. kwargs (num_classes, dropout) go to AlexNet;
    with weights, num_classes must be 1000."""
    weights = weights_from_arguments(AlexNet_Weights, weights, kwargs, stacklevel=3)
    return with_weights(lambda: AlexNet(**kwargs), weights, progress)
