"""torchvision.models' GoogLeNet (Szegedy et al., "Going Deeper with Convolutions", 2014: Inception v1), layer for
layer, as torchvision ports it from TensorFlow's slim implementation: every convolution is a BasicConv2d (no bias,
BatchNorm with eps 0.001, ReLU), and the "5×5" branch of each Inception block is a 3×3 convolution (torchvision's
known deviation from the paper, pytorch/vision#906, which its checkpoint was trained with). The module names
(`conv1.conv`, `inception3a.branch2.1.bn`, `aux1.fc1`, `fc`, ...), shapes and initialisation are torchvision's, so
that its ImageNet checkpoint loads into them.

    model = googlenet(init_weights=True)                 # random weights; training returns GoogLeNetOutputs
    model = googlenet(weights="DEFAULT").eval()          # ImageNet weights, from the torch.hub cache or downloaded
    model.fc = nn.Linear(model.fc.in_features, 10)       # fine-tuning: a new head

Input (N, 3, H, W), H and W of 15 or more; output (N, num_classes) logits in eval mode, or without auxiliary heads.
In training mode with aux_logits, GoogLeNetOutputs(logits, aux_logits2, aux_logits1): the two auxiliary
classifiers' logits too (heads after inception4d and inception4a), for the paper's training loss
`loss(logits) + 0.3 · (loss(aux_logits1) + loss(aux_logits2))`.
"""

from __future__ import annotations

import warnings
from collections import namedtuple

import autograd_core as ag
from autograd_core import nn

from ._api import WeightsEnum, imagenet_weights, weights_from_arguments, with_weights

__all__ = ["GoogLeNet", "GoogLeNetOutputs", "BasicConv2d", "Inception", "InceptionAux", "googlenet",
           "GoogLeNet_Weights"]

GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])
GoogLeNetOutputs.__doc__ = """What GoogLeNet returns in training mode with aux_logits: (logits, aux_logits2,
aux_logits1), each (N, num_classes): the main classifier's, then the auxiliary heads' after inception4d (aux2) and
after inception4a (aux1), in torchvision's order."""
_GoogLeNetOutputs = GoogLeNetOutputs  # torchvision's older name, kept there for backward compatibility


class BasicConv2d(nn.Module):
    """relu(bn(conv(x))): a Conv2d without bias (the BatchNorm's shift replaces it) and a BatchNorm2d with
    eps=0.001 (TensorFlow's, which the ported checkpoint's statistics were computed with). kwargs go to the Conv2d
    (kernel_size, stride, padding)."""

    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return nn.functional.relu(self.bn(self.conv(x)), inplace=True)


class Inception(nn.Module):
    """Four parallel branches concatenated on the channels, the spatial size kept: branch1 a 1×1 convolution to
    ch1x1; branch2 1×1 to ch3x3red then 3×3 to ch3x3; branch3 1×1 to ch5x5red then 3×3 (the paper's 5×5, as
    torchvision's) to ch5x5; branch4 a 3×3 max pool (stride 1) then 1×1 to pool_proj. Output channels
    ch1x1 + ch3x3 + ch5x5 + pool_proj. `conv_block` (default BasicConv2d) makes each convolution."""

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, conv_block=None):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.branch1 = conv_block(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(conv_block(in_channels, ch3x3red, kernel_size=1),
                                     conv_block(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(conv_block(in_channels, ch5x5red, kernel_size=1),
                                     conv_block(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                                     conv_block(in_channels, pool_proj, kernel_size=1))

    def forward(self, x):
        return ag.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(nn.Module):
    """An auxiliary classifier on an intermediate (N, in_channels, H, W) map: adaptive average pool to 4×4, a 1×1
    BasicConv2d to 128 channels, flatten (2048), Linear to 1024, ReLU, Dropout(dropout), Linear to num_classes."""

    def __init__(self, in_channels, num_classes, conv_block=None, dropout=0.7):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.conv = conv_block(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        x = ag.flatten(self.conv(nn.functional.adaptive_avg_pool2d(x, (4, 4))), 1)
        x = nn.functional.relu(self.fc1(x), inplace=True)
        return self.fc2(self.dropout(x))


class GoogLeNet(nn.Module):
    """conv1 (7×7, stride 2) → maxpool1 → conv2 (1×1) → conv3 (3×3, 192) → maxpool2 → inception3a, 3b → maxpool3 →
    inception4a ... 4e → maxpool4 (2×2) → inception5a, 5b → avgpool (adaptive, 1×1) → flatten (1024) → dropout →
    fc. maxpool1 to 3 are 3×3 with stride 2, maxpool4 2×2 with stride 2, all with ceil_mode=True (a last, partial
    window is kept), so 224² input is 112², 56², 28², 14² and 7² at the five scales. With aux_logits, aux1 (on
    inception4a's 512 channels) and aux2 (on inception4d's 528) are InceptionAux heads, computed in training mode
    only.

    transform_input: the input is ImageNet-normalised ((x − mean) / std, as weights.transforms() makes it) and
    turned into the [-1, 1] scaling the ported checkpoint was trained on: channel c becomes
    x_c · std_c / 0.5 + (mean_c − 0.5) / 0.5. init_weights: Conv2d and Linear weights drawn from N(0, 0.01²)
    truncated to [-2, 2] (torchvision's trunc_normal_; Linear biases keep their default), BatchNorms weight 1 and
    bias 0; None means True with torchvision's FutureWarning. blocks: [conv_block, inception_block,
    inception_aux_block], default [BasicConv2d, Inception, InceptionAux]. dropout: before fc; dropout_aux: in the
    auxiliary heads."""

    def __init__(self, num_classes=1000, aux_logits=True, transform_input=False, init_weights=None, blocks=None,
                 dropout=0.2, dropout_aux=0.7):
        super().__init__()
        if blocks is None:
            blocks = [BasicConv2d, Inception, InceptionAux]
        if init_weights is None:
            warnings.warn("GoogLeNet(init_weights=None) initialises the weights as init_weights=True does (truncated "
                          "normal, std 0.01), as torchvision does, whose default may change in future releases; pass "
                          "init_weights=True to keep this behaviour, or False for the layers' default initialisation.",
                          FutureWarning, stacklevel=2)
            init_weights = True
        if len(blocks) != 3:
            raise ValueError(f"blocks length should be 3 instead of {len(blocks)}")
        conv_block, inception_block, inception_aux_block = blocks
        self.aux_logits = aux_logits
        self.transform_input = transform_input

        self.conv1 = conv_block(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = conv_block(64, 64, kernel_size=1)
        self.conv3 = conv_block(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        # each block's (in, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj): the paper's table 1
        self.inception3a = inception_block(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = inception_block(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = inception_block(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = inception_block(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = inception_block(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = inception_block(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = inception_block(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = inception_block(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = inception_block(832, 384, 192, 384, 48, 128, 128)
        if aux_logits:
            self.aux1 = inception_aux_block(512, num_classes, dropout=dropout_aux)
            self.aux2 = inception_aux_block(528, num_classes, dropout=dropout_aux)
        else:
            self.aux1 = None
            self.aux2 = None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(1024, num_classes)

        if init_weights:
            for m in self.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)

    def _transform_input(self, x):
        if not self.transform_input:
            return x
        mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
        return ag.cat([x[:, c:c + 1] * (std[c] / 0.5) + (mean[c] - 0.5) / 0.5 for c in range(3)], 1)

    def forward(self, x):
        x = self._transform_input(x)                                          # N × 3 × 224 × 224
        x = self.maxpool1(self.conv1(x))                                      # N × 64 × 56 × 56
        x = self.maxpool2(self.conv3(self.conv2(x)))                          # N × 192 × 28 × 28
        x = self.maxpool3(self.inception3b(self.inception3a(x)))              # N × 480 × 14 × 14
        x = self.inception4a(x)                                               # N × 512 × 14 × 14
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))           # N × 528 × 14 × 14
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.maxpool4(self.inception4e(x))                                # N × 832 × 7 × 7
        x = self.inception5b(self.inception5a(x))                             # N × 1024 × 7 × 7
        x = self.fc(self.dropout(ag.flatten(self.avgpool(x), 1)))             # N × num_classes
        if self.training and self.aux_logits:
            # aux_logits2 is aux2's: torchvision's order since pytorch/vision#8743 (before it, the two were swapped)
            return GoogLeNetOutputs(x, aux2, aux1)
        return x


class GoogLeNet_Weights(WeightsEnum):
    """GoogLeNet's torchvision ImageNet checkpoint: IMAGENET1K_V1 (ported from TensorFlow; its auxiliary heads are
    not trained); DEFAULT is IMAGENET1K_V1."""
    IMAGENET1K_V1 = imagenet_weights("https://download.pytorch.org/models/googlenet-1378be20.pth", {
        "num_params": 6624904, "min_size": (15, 15),
        "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#googlenet",
        "_docs": """These weights are ported from the original paper."""})
    DEFAULT = IMAGENET1K_V1


def googlenet(*, weights=None, progress=True, **kwargs):
    """GoogLeNet (6.6M parameters without its auxiliary heads). `weights`: None (random; kwargs go to GoogLeNet,
    whose init_weights=None warns as torchvision's), GoogLeNet_Weights.DEFAULT or its name; the legacy
    `pretrained=True` is IMAGENET1K_V1, with torchvision's warning.

    With weights, as torchvision: transform_input defaults to True (the checkpoint expects [-1, 1] input; the
    weights' transforms() normalise for ImageNet, the model rescales), num_classes must be 1000, and the model is
    built with its auxiliary heads (the checkpoint holds them) and not initialised, then loaded; the heads are
    dropped (aux1 = aux2 = None, aux_logits False) unless aux_logits=True was asked for, which keeps them with
    torchvision's warning that they are not trained. init_weights=True with weights is a ValueError, as there."""
    weights = weights_from_arguments(GoogLeNet_Weights, weights, kwargs, stacklevel=3)
    if weights is None:
        return GoogLeNet(**kwargs)
    keep_aux = kwargs.pop("aux_logits", False)  # torchvision raises on an explicit False: here it is honoured
    if kwargs.setdefault("init_weights", False) is not False:
        raise ValueError(f"The parameter 'init_weights' expected value False but got {kwargs['init_weights']} "
                         f"instead.")
    kwargs.setdefault("transform_input", True)
    model = with_weights(lambda: GoogLeNet(aux_logits=True, **kwargs), weights, progress)
    if keep_aux:
        warnings.warn("auxiliary heads in the pretrained googlenet model are NOT pretrained, so make sure to train "
                      "them", UserWarning, stacklevel=2)
    else:
        model.aux_logits = False
        model.aux1 = None
        model.aux2 = None
    return model
