"""torchvision.models' SqueezeNets (Iandola et al., "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and
<0.5MB model size", 2016; version 1.1 from the authors' repository), layer for layer: `features` (a first
convolution, max pools with ceil_mode and Fire modules) and `classifier` (dropout, a 1×1 convolution to the classes,
ReLU, global average pooling), numbered as torchvision's so that its checkpoints' keys (`features.0.weight`,
`features.3.squeeze.weight`, ..., `classifier.1.bias`) load into them. CS231n's Network_Visualization and
StyleTransfer notebooks use squeezenet1_1.

    model = squeezenet1_1()                              # random weights, initialised as torchvision's
    model = squeezenet1_1(weights="DEFAULT")             # ImageNet weights, from the torch.hub cache or downloaded

Input (N, 3, H, W), H and W of 21 or more (1.0) or 17 or more (1.1); output (N, num_classes) logits. 1.25M
parameters (1.0), 1.24M (1.1).
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core import nn

from ._api import WeightsEnum, imagenet_weights, weights_from_arguments, with_weights

__all__ = ["SqueezeNet", "SqueezeNet1_0_Weights", "SqueezeNet1_1_Weights", "squeezenet1_0", "squeezenet1_1"]


class Fire(nn.Module):
    """cat(relu(expand1x1(s)), relu(expand3x3(s))) along the channels, s = relu(squeeze(x)): a 1×1 convolution to
    `squeeze_planes` channels, then 1×1 and 3×3 (padding 1) convolutions whose outputs are stacked:
    expand1x1_planes + expand3x3_planes channels out, the size kept."""

    def __init__(self, inplanes, squeeze_planes, expand1x1_planes, expand3x3_planes):
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = nn.Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return ag.cat([self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 1)


def _pool():
    return nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)


class SqueezeNet(nn.Module):
    """features → classifier → flatten. version "1_0": Conv2d(3, 96, 7, stride 2), ReLU, pool, three Fires, pool,
    four Fires, pool, one Fire; "1_1": Conv2d(3, 64, 3, stride 2), ReLU, pool, two Fires, pool, two Fires, pool,
    four Fires (the pools: 3×3, stride 2, ceil_mode). classifier: Dropout(dropout), Conv2d(512, num_classes, 1),
    ReLU, AdaptiveAvgPool2d(1). Initialised as torchvision's: the last convolution's weights from N(0, 0.01²), the
    others' kaiming_uniform_ (a = 0), every bias 0."""

    def __init__(self, version="1_0", num_classes=1000, dropout=0.5):
        super().__init__()
        self.num_classes = num_classes
        if version == "1_0":
            self.features = nn.Sequential(
                nn.Conv2d(3, 96, kernel_size=7, stride=2), nn.ReLU(inplace=True), _pool(),
                Fire(96, 16, 64, 64), Fire(128, 16, 64, 64), Fire(128, 32, 128, 128), _pool(),
                Fire(256, 32, 128, 128), Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256),
                _pool(), Fire(512, 64, 256, 256))
        elif version == "1_1":
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, kernel_size=3, stride=2), nn.ReLU(inplace=True), _pool(),
                Fire(64, 16, 64, 64), Fire(128, 16, 64, 64), _pool(),
                Fire(128, 32, 128, 128), Fire(256, 32, 128, 128), _pool(),
                Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256), Fire(512, 64, 256, 256))
        else:
            raise ValueError(f"Unsupported SqueezeNet version {version}: 1_0 or 1_1 expected")
        final_conv = nn.Conv2d(512, self.num_classes, kernel_size=1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), final_conv, nn.ReLU(inplace=True),
                                        nn.AdaptiveAvgPool2d((1, 1)))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                if m is final_conv:  # small scores at the start: the classes' layer from N(0, 0.01²)
                    nn.init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    nn.init.kaiming_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        return ag.flatten(self.classifier(self.features(x)), 1)


_RECIPE = "https://github.com/pytorch/vision/pull/49#issuecomment-277560717"
_DOCS = """These weights reproduce closely the results of the paper using a simple training recipe."""


class SqueezeNet1_0_Weights(WeightsEnum):
    """SqueezeNet 1.0's torchvision ImageNet checkpoint: IMAGENET1K_V1; DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = imagenet_weights("https://download.pytorch.org/models/squeezenet1_0-b66bff10.pth", {
        "recipe": _RECIPE, "min_size": (21, 21), "num_params": 1248424, "_docs": _DOCS})
    DEFAULT = IMAGENET1K_V1


class SqueezeNet1_1_Weights(WeightsEnum):
    """SqueezeNet 1.1's torchvision ImageNet checkpoint: IMAGENET1K_V1; DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = imagenet_weights("https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth", {
        "recipe": _RECIPE, "min_size": (17, 17), "num_params": 1235496, "_docs": _DOCS})
    DEFAULT = IMAGENET1K_V1


def squeezenet1_0(*, weights=None, progress=True, **kwargs):
    """SqueezeNet 1.0 (1.25M parameters; inputs of 21×21 or more). `weights`: None (random),
    SqueezeNet1_0_Weights.DEFAULT or its name; the legacy `pretrained=True` is IMAGENET1K_V1, with torchvision's
    warning. kwargs (num_classes, dropout) go to SqueezeNet; with weights, num_classes must be 1000."""
    weights = weights_from_arguments(SqueezeNet1_0_Weights, weights, kwargs, stacklevel=3)
    return with_weights(lambda: SqueezeNet("1_0", **kwargs), weights, progress)


def squeezenet1_1(*, weights=None, progress=True, **kwargs):
    """SqueezeNet 1.1 (1.24M parameters, 2.4× less computation than 1.0; inputs of 17×17 or more). `weights`: None
    (random), SqueezeNet1_1_Weights.DEFAULT or its name; the legacy `pretrained=True` is IMAGENET1K_V1, with
    torchvision's warning. kwargs (num_classes, dropout) go to SqueezeNet; with weights, num_classes must be 1000."""
    weights = weights_from_arguments(SqueezeNet1_1_Weights, weights, kwargs, stacklevel=3)
    return with_weights(lambda: SqueezeNet("1_1", **kwargs), weights, progress)
