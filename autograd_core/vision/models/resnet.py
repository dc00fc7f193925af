"""torchvision.models' ResNets (He et al., "Deep Residual Learning for Image Recognition", 2015), layer for layer:
the same modules, names (`conv1`, `bn1`, `layer1.0.conv2`, ..., `fc`), shapes and initialisation, so that
torchvision's ImageNet checkpoints load into them.

    model = resnet18()                                   # random weights (kaiming_normal_, fan_out)
    model = resnet18(weights="DEFAULT")                  # ImageNet weights, from the torch.hub cache or downloaded
    model.fc = nn.Linear(model.fc.in_features, 10)       # fine-tuning: a new head

Input (N, 3, H, W), any H, W of 32 or more (the adaptive average pool makes the head's input 512·expansion);
output (N, num_classes) logits. BasicBlock (two 3×3 convolutions, ResNet-18/34) and Bottleneck (1×1, 3×3, 1×1 with
4× expansion, ResNet-50/101/152; the stride on the 3×3 as torchvision's "ResNet V1.5").
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core import nn

from ._api import WeightsEnum, imagenet_weights, weights_from_arguments, with_weights

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
           "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights", "ResNet152_Weights"]


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3×3 convolution with padding `dilation` (the size kept at stride 1), no bias (a BatchNorm follows)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups, bias=False,
                     dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    """1×1 convolution, no bias."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)): two 3×3 convolutions, the first with the block's stride;
    the shortcut is `downsample` (a 1×1 convolution and BatchNorm) when the shape changes, else x itself."""
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    """relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x)): 1×1 down to `width`, 3×3 with the
    block's stride, 1×1 up to planes·4 channels; width = planes·base_width/64·groups (ResNeXt, wide ResNets)."""
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    """conv1 (7×7, stride 2) → bn1 → relu → maxpool (3×3, stride 2) → layer1..layer4 (`layers[i]` blocks of 64, 128,
    256, 512 planes; strides 1, 2, 2, 2) → avgpool (adaptive, to 1×1) → flatten → fc. Convolutions are initialised
    kaiming_normal_(mode="fan_out", nonlinearity="relu"), BatchNorms to weight 1 and bias 0; zero_init_residual
    zeroes each block's last BatchNorm weight (each block starts as the identity)."""

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1, width_per_group=64,
                 replace_stride_with_dilation=None, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None or a 3-element tuple, got "
                             f"{replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:  # keep the resolution: dilate the convolutions instead of striding
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation,
                        norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = ag.flatten(self.avgpool(x), 1)
        return self.fc(x)


# torchvision's meta for its ResNet weights: the V1 checkpoints are the paper's recipe, evaluated on 256-pixel resizes;
# the V2 ones (ResNet-50/101/152) its 2021 recipe, evaluated on 232-pixel resizes. Both centre-crop 224.
_V1_DOCS = """These weights reproduce closely the results of the paper using a simple training recipe."""
_V2_DOCS = """
                These weights improve upon the results of the original paper by using TorchVision's `new training recipe
                <https://pytorch.org/blog/how-to-train-state-of-the-art-models-using-torchvision-latest-primitives/>`_.
            """


def _v1(url, num_params):
    return imagenet_weights(url, {"num_params": num_params, "min_size": (1, 1), "_docs": _V1_DOCS,
                                  "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#resnet"})


def _v2(url, num_params, recipe):
    return imagenet_weights(url, {"num_params": num_params, "min_size": (1, 1), "recipe": recipe, "_docs": _V2_DOCS},
                            resize_size=232)


class ResNet18_Weights(WeightsEnum):
    """ResNet-18's torchvision ImageNet checkpoints: IMAGENET1K_V1; DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = _v1("https://download.pytorch.org/models/resnet18-f37072fd.pth", 11689512)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    """ResNet-34's torchvision ImageNet checkpoints: IMAGENET1K_V1; DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = _v1("https://download.pytorch.org/models/resnet34-b627a593.pth", 21797672)
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    """ResNet-50's torchvision ImageNet checkpoints: IMAGENET1K_V1 and IMAGENET1K_V2 (the newer training recipe,
    whose preset resizes to 232 pixels before the 224 crop); DEFAULT is IMAGENET1K_V2."""
    IMAGENET1K_V1 = _v1("https://download.pytorch.org/models/resnet50-0676ba61.pth", 25557032)
    IMAGENET1K_V2 = _v2("https://download.pytorch.org/models/resnet50-11ad3fa6.pth", 25557032,
                        "https://github.com/pytorch/vision/issues/3995#issuecomment-1013906621")
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    """ResNet-101's torchvision ImageNet checkpoints: IMAGENET1K_V1 and IMAGENET1K_V2 (the newer training recipe,
    whose preset resizes to 232 pixels before the 224 crop); DEFAULT is IMAGENET1K_V2."""
    IMAGENET1K_V1 = _v1("https://download.pytorch.org/models/resnet101-63fe2227.pth", 44549160)
    IMAGENET1K_V2 = _v2("https://download.pytorch.org/models/resnet101-cd907fc2.pth", 44549160,
                        "https://github.com/pytorch/vision/issues/3995#new-recipe")
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):
    """ResNet-152's torchvision ImageNet checkpoints: IMAGENET1K_V1 and IMAGENET1K_V2 (the newer training recipe,
    whose preset resizes to 232 pixels before the 224 crop); DEFAULT is IMAGENET1K_V2."""
    IMAGENET1K_V1 = _v1("https://download.pytorch.org/models/resnet152-394f9c45.pth", 60192808)
    IMAGENET1K_V2 = _v2("https://download.pytorch.org/models/resnet152-f82ba261.pth", 60192808,
                        "https://github.com/pytorch/vision/issues/3995#new-recipe")
    DEFAULT = IMAGENET1K_V2


def _resnet(block, layers, weights_enum, weights, progress, kwargs):
    weights = weights_from_arguments(weights_enum, weights, kwargs)
    return with_weights(lambda: ResNet(block, layers, **kwargs), weights, progress)


def resnet18(*, weights=None, progress=True, **kwargs):
    """ResNet-18 (BasicBlock, [2, 2, 2, 2]; 11.7M parameters). `weights`: None (random), ResNet18_Weights.DEFAULT or
    its name; the legacy `pretrained=True` is IMAGENET1K_V1, with torchvision's warning. kwargs go to ResNet."""
    return _resnet(BasicBlock, [2, 2, 2, 2], ResNet18_Weights, weights, progress, kwargs)


def resnet34(*, weights=None, progress=True, **kwargs):
    """ResNet-34 (BasicBlock, [3, 4, 6, 3]; 21.8M parameters); arguments as resnet18's."""
    return _resnet(BasicBlock, [3, 4, 6, 3], ResNet34_Weights, weights, progress, kwargs)


def resnet50(*, weights=None, progress=True, **kwargs):
    """ResNet-50 (Bottleneck, [3, 4, 6, 3]; 25.6M parameters); arguments as resnet18's."""
    return _resnet(Bottleneck, [3, 4, 6, 3], ResNet50_Weights, weights, progress, kwargs)


def resnet101(*, weights=None, progress=True, **kwargs):
    """ResNet-101 (Bottleneck, [3, 4, 23, 3]; 44.5M parameters); arguments as resnet18's."""
    return _resnet(Bottleneck, [3, 4, 23, 3], ResNet101_Weights, weights, progress, kwargs)


def resnet152(*, weights=None, progress=True, **kwargs):
    """ResNet-152 (Bottleneck, [3, 8, 36, 3]; 60.2M parameters); arguments as resnet18's."""
    return _resnet(Bottleneck, [3, 8, 36, 3], ResNet152_Weights, weights, progress, kwargs)
