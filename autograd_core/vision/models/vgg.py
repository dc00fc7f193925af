"""torchvision.models' VGG networks (Simonyan and Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", 2014), layer for layer: `features` (3×3 convolutions and ReLUs, 2×2 max pools, as `cfgs` lists them;
numbered '0', '1', ... as torchvision's, so `vgg19().features` layer '0' is conv1_1, '5' conv2_1, '10' conv3_1,
'19' conv4_1 and '28' conv5_1, the layers neural style transfer reads), `avgpool` (adaptive, to 7×7) and
`classifier` (4096, 4096, num_classes with ReLU and dropout), so that torchvision's checkpoints load into them.

    features = vgg19(weights="DEFAULT").features.eval()     # ImageNet weights, from the torch.hub cache

Input (N, 3, H, W), H and W of 32 or more; output (N, num_classes). The classifier alone holds 120M parameters:
`make_layers(cfgs["E"])` builds VGG-19's features without it.
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core import nn

from ._api import WeightsEnum, imagenet_weights, weights_from_arguments, with_weights

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19",
           "vgg19_bn", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights",
           "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights"]

# Each configuration's convolutions by their output channels, "M" a 2×2 max pool: A is VGG-11, B 13, D 16, E 19.
cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def make_layers(cfg, batch_norm=False):
    """VGG's feature extractor for `cfg` (a list of output channels and "M"s) on 3-channel input: each number a
    Conv2d(kernel 3, padding 1) and a ReLU (with a BatchNorm2d between them when batch_norm), each "M" a
    MaxPool2d(2, 2); one nn.Sequential, layers numbered from '0'."""
    layers = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            norm = [nn.BatchNorm2d(v)] if batch_norm else []
            layers += [conv2d, *norm, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """features → avgpool (adaptive, 7×7) → flatten → classifier (Linear 25088→4096, ReLU, Dropout, Linear
    4096→4096, ReLU, Dropout, Linear 4096→num_classes). init_weights: convolutions kaiming_normal_(fan_out, relu)
    with zero bias, BatchNorms weight 1 and bias 0, Linears normal(0, 0.01) with zero bias (torchvision's)."""

    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = ag.flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)


# torchvision's meta for its VGG weights, all trained with one recipe and evaluated on 256-pixel resizes cropped to 224
def _imagenet(url, num_params):
    return imagenet_weights(url, {
        "num_params": num_params, "min_size": (32, 32),
        "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg",
        "_docs": """These weights were trained from scratch by using a simplified training recipe."""})


class VGG11_Weights(WeightsEnum):
    """VGG-11's torchvision ImageNet checkpoints: IMAGENET1K_V1; DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg11-8a719046.pth", 132863336)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    """VGG-11 with BatchNorm's torchvision ImageNet checkpoints: IMAGENET1K_V1; DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg11_bn-6002323d.pth", 132868840)
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):
    """VGG-13's torchvision ImageNet checkpoints: IMAGENET1K_V1; DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg13-19584684.pth", 133047848)
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    """VGG-13 with BatchNorm's torchvision ImageNet checkpoints: IMAGENET1K_V1; DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg13_bn-abd245e5.pth", 133053736)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    """VGG-16's torchvision ImageNet checkpoints: IMAGENET1K_V1; DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg16-397923af.pth", 138357544)
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    """VGG-16 with BatchNorm's torchvision ImageNet checkpoints: IMAGENET1K_V1; DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg16_bn-6c64b313.pth", 138365992)
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    """VGG-19's torchvision ImageNet checkpoints: IMAGENET1K_V1; DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg19-dcbb9e9d.pth", 143667240)
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    """VGG-19 with BatchNorm's torchvision ImageNet checkpoints: IMAGENET1K_V1; DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg19_bn-c79401a0.pth", 143678248)
    DEFAULT = IMAGENET1K_V1


def _vgg(cfg, batch_norm, weights_enum, weights, progress, kwargs):
    weights = weights_from_arguments(weights_enum, weights, kwargs)
    if weights is not None:
        kwargs["init_weights"] = False  # the checkpoint replaces them
    return with_weights(lambda: VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs), weights, progress)


def vgg11(*, weights=None, progress=True, **kwargs):
    """VGG-11 (configuration "A"). `weights`: None (random), VGG11_Weights.DEFAULT or its name; the legacy
    `pretrained=True` is IMAGENET1K_V1, with torchvision's warning. kwargs go to VGG."""
    return _vgg("A", False, VGG11_Weights, weights, progress, kwargs)


def vgg11_bn(*, weights=None, progress=True, **kwargs):
    """VGG-11 with BatchNorm ("A"); arguments as vgg11's."""
    return _vgg("A", True, VGG11_BN_Weights, weights, progress, kwargs)


def vgg13(*, weights=None, progress=True, **kwargs):
    """VGG-13 ("B"); arguments as vgg11's."""
    return _vgg("B", False, VGG13_Weights, weights, progress, kwargs)


def vgg13_bn(*, weights=None, progress=True, **kwargs):
    """VGG-13 with BatchNorm ("B"); arguments as vgg11's."""
    return _vgg("B", True, VGG13_BN_Weights, weights, progress, kwargs)


def vgg16(*, weights=None, progress=True, **kwargs):
    """VGG-16 ("D"); arguments as vgg11's."""
    return _vgg("D", False, VGG16_Weights, weights, progress, kwargs)


def vgg16_bn(*, weights=None, progress=True, **kwargs):
    """VGG-16 with BatchNorm ("D"); arguments as vgg11's."""
    return _vgg("D", True, VGG16_BN_Weights, weights, progress, kwargs)


def vgg19(*, weights=None, progress=True, **kwargs):
    """VGG-19 ("E"); arguments as vgg11's."""
    return _vgg("E", False, VGG19_Weights, weights, progress, kwargs)


def vgg19_bn(*, weights=None, progress=True, **kwargs):
    """VGG-19 with BatchNorm ("E"); arguments as vgg11's."""
    return _vgg("E", True, VGG19_BN_Weights, weights, progress, kwargs)
