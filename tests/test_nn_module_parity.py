"""nn module classes against PyTorch's: constructor signatures, printed models, and the constructor arguments that
were added for parity (norm bias=, Embedding's options, legacy loss flags, ...).

Signatures: PyTorch's parameters in PyTorch's order, kinds and defaults (so a positional call means the same);
our own extras (rng) come only after them; device/dtype may be left out together, never one in the other's slot.
Reprs: print(model) equals PyTorch's text line by line, once our `  # N parameters` notes are taken off.
A torch-free test pins a few literal reprs, so that a run without PyTorch still guards them.
"""

import inspect
import re
import warnings
from collections import OrderedDict

import numpy as np
import pytest
from nn_helpers import against_torch, rand, torch_or_skip

import autograd_core.nn as nn
import autograd_core.nn.functional as F
from autograd_core import Value
from autograd_core.gradcheck import gradcheck

# ----------------------------------------------------------------------------------------------------
# The classes compared, and the cases printed.

MODULE_CLASSES = sorted(name for name in dir(nn) if isinstance(getattr(nn, name), type)
                        and issubclass(getattr(nn, name), nn.Module))
OURS_ONLY = {"GlobalAvgPool2d", "HingeLoss", "Layer", "MLP", "Neuron", "Residual"}
SHARED = [name for name in MODULE_CLASSES if name not in OURS_ONLY]

# Not compared: PyTorch's constructor takes only *args, **kwargs (checked by test_torch_variadic_constructors), or
# the signatures differ on purpose (RNNCellBase, a base class: PyTorch's takes the gate count num_chunks, ours the
# nonlinearity).
TORCH_VARIADIC = {"Container", "GRU", "Identity", "LSTM", "LogSigmoid", "Module", "RNN", "Sequential", "Sigmoid",
                  "Softmax2d", "Softsign", "Tanh", "Tanhshrink"}
SIGNATURE_COMPARED = [name for name in SHARED if name not in TORCH_VARIADIC | {"RNNCellBase"}]
# Classes without a repr case: bases that are not built directly.
NO_REPR_CASE = {"Container", "Module", "RNNBase", "RNNCellBase", "LazyModuleMixin"}


def _net(nn):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.head = nn.ModuleDict({"fc": nn.Linear(16, 2), "drop": nn.Dropout(0.1)})
            self.blocks = nn.ModuleList([nn.LayerNorm(16), nn.Identity()])

    return Net()


def _parameter(nn, shape, dtype):
    """A zero Parameter of `shape` and `dtype` (a name) in autograd_core.nn or torch.nn."""
    if nn.__name__ == "torch.nn":
        import torch

        return nn.Parameter(torch.zeros(shape, dtype=getattr(torch, dtype)))
    return nn.Parameter(np.zeros(shape, dtype))


def _with_extra_repr(nn):
    class Scaled(nn.Module):
        """A module with both an extra_repr and a child: PyTorch prints the extra_repr on its own line."""

        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(2, 2)

        def extra_repr(self):
            return "scale=2.0"

    return nn.Sequential(Scaled())


# (id, build): build(namespace) makes the same module from autograd_core.nn or torch.nn; the id starts with the
# class name.
CASES = [
    ("AdaptiveAvgPool1d", lambda nn: nn.AdaptiveAvgPool1d(3)),
    ("AdaptiveAvgPool2d", lambda nn: nn.AdaptiveAvgPool2d((2, None))),
    ("AdaptiveAvgPool2d-int", lambda nn: nn.AdaptiveAvgPool2d(1)),
    ("AdaptiveAvgPool3d", lambda nn: nn.AdaptiveAvgPool3d((1, 2, 3))),
    ("AdaptiveLogSoftmaxWithLoss", lambda nn: nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0)),
    ("AdaptiveMaxPool1d", lambda nn: nn.AdaptiveMaxPool1d(3, return_indices=True)),
    ("AdaptiveMaxPool2d", lambda nn: nn.AdaptiveMaxPool2d(2)),
    ("AdaptiveMaxPool3d", lambda nn: nn.AdaptiveMaxPool3d((1, 2, 3))),
    ("AlphaDropout", lambda nn: nn.AlphaDropout(0.2)),
    ("AvgPool1d", lambda nn: nn.AvgPool1d(3)),
    ("AvgPool1d-options", lambda nn: nn.AvgPool1d(3, 2, 1, True, False)),
    ("AvgPool2d", lambda nn: nn.AvgPool2d(2)),
    ("AvgPool2d-options", lambda nn: nn.AvgPool2d((2, 3), (1, 2), 1, True, False, 4)),
    ("AvgPool3d", lambda nn: nn.AvgPool3d(2)),
    ("BCELoss", lambda nn: nn.BCELoss()),
    ("BCEWithLogitsLoss", lambda nn: nn.BCEWithLogitsLoss(reduction="sum")),
    ("BatchNorm1d", lambda nn: nn.BatchNorm1d(3)),
    ("BatchNorm1d-options", lambda nn: nn.BatchNorm1d(3, 1e-3, 0.2, False, False)),
    ("BatchNorm2d", lambda nn: nn.BatchNorm2d(3, momentum=None, bias=False)),
    ("BatchNorm3d", lambda nn: nn.BatchNorm3d(3)),
    ("Bilinear", lambda nn: nn.Bilinear(2, 3, 4)),
    ("Bilinear-no-bias", lambda nn: nn.Bilinear(2, 3, 4, bias=False)),
    ("CELU", lambda nn: nn.CELU()),
    ("CELU-options", lambda nn: nn.CELU(0.5, inplace=True)),
    ("CTCLoss", lambda nn: nn.CTCLoss(blank=1)),
    ("ChannelShuffle", lambda nn: nn.ChannelShuffle(2)),
    ("CircularPad1d", lambda nn: nn.CircularPad1d(1)),
    ("CircularPad2d", lambda nn: nn.CircularPad2d((1, 2, 3, 4))),
    ("CircularPad3d", lambda nn: nn.CircularPad3d(1)),
    ("ConstantPad1d", lambda nn: nn.ConstantPad1d(2, 3.5)),
    ("ConstantPad2d", lambda nn: nn.ConstantPad2d((1, 2, 3, 4), 0.0)),
    ("ConstantPad3d", lambda nn: nn.ConstantPad3d(1, -1.0)),
    ("Conv1d", lambda nn: nn.Conv1d(2, 4, 3)),
    ("Conv1d-options", lambda nn: nn.Conv1d(2, 4, 3, 2, 1, 2, 2, False, "reflect")),
    ("Conv2d", lambda nn: nn.Conv2d(2, 4, 3)),
    ("Conv2d-tuples", lambda nn: nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(1, 0), padding_mode="circular")),
    ("Conv2d-same", lambda nn: nn.Conv2d(2, 4, 3, padding="same")),
    ("Conv3d", lambda nn: nn.Conv3d(1, 2, 2, bias=False)),
    ("ConvTranspose1d", lambda nn: nn.ConvTranspose1d(2, 4, 3)),
    ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(2, 4, 3, 2, 1, 1, bias=False)),
    ("ConvTranspose2d-dilation", lambda nn: nn.ConvTranspose2d(2, 4, 3, dilation=2, groups=2)),
    ("ConvTranspose3d", lambda nn: nn.ConvTranspose3d(1, 2, 2)),
    ("CosineEmbeddingLoss", lambda nn: nn.CosineEmbeddingLoss(0.5)),
    ("CosineSimilarity", lambda nn: nn.CosineSimilarity()),
    ("CrossEntropyLoss", lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1)),
    ("CrossMapLRN2d", lambda nn: nn.CrossMapLRN2d(3)),
    ("DataParallel", lambda nn: nn.DataParallel(nn.Linear(2, 3))),
    ("Dropout", lambda nn: nn.Dropout()),
    ("Dropout-options", lambda nn: nn.Dropout(0.25, True)),
    ("Dropout1d", lambda nn: nn.Dropout1d(0.1)),
    ("Dropout2d", lambda nn: nn.Dropout2d()),
    ("Dropout3d", lambda nn: nn.Dropout3d(0.3)),
    ("ELU", lambda nn: nn.ELU()),
    ("ELU-options", lambda nn: nn.ELU(0.5, True)),
    ("Embedding", lambda nn: nn.Embedding(10, 3)),
    ("Embedding-options", lambda nn: nn.Embedding(10, 3, 0, 1.5, 1.0, True, True)),
    ("EmbeddingBag", lambda nn: nn.EmbeddingBag(10, 3)),
    ("EmbeddingBag-options", lambda nn: nn.EmbeddingBag(10, 3, mode="sum", padding_idx=1)),
    ("FeatureAlphaDropout", lambda nn: nn.FeatureAlphaDropout()),
    ("Flatten", lambda nn: nn.Flatten()),
    ("Flatten-options", lambda nn: nn.Flatten(0, 2)),
    ("Fold", lambda nn: nn.Fold((4, 5), 2)),
    ("Fold-options", lambda nn: nn.Fold(4, (2, 2), dilation=1, padding=1, stride=2)),
    ("FractionalMaxPool2d", lambda nn: nn.FractionalMaxPool2d(2, output_ratio=0.5, return_indices=True)),
    ("FractionalMaxPool3d", lambda nn: nn.FractionalMaxPool3d((2, 1, 2), output_size=3)),
    ("GELU", lambda nn: nn.GELU()),
    ("GELU-tanh", lambda nn: nn.GELU("tanh")),
    ("GLU", lambda nn: nn.GLU()),
    ("GRU", lambda nn: nn.GRU(3, 4)),
    ("GRU-options", lambda nn: nn.GRU(3, 4, 2, bias=False, batch_first=True, dropout=0.1, bidirectional=True)),
    ("GRUCell", lambda nn: nn.GRUCell(3, 4)),
    ("GaussianNLLLoss", lambda nn: nn.GaussianNLLLoss(full=True)),
    ("GroupNorm", lambda nn: nn.GroupNorm(2, 4)),
    ("GroupNorm-options", lambda nn: nn.GroupNorm(2, 4, 1e-3, False)),
    ("GroupNorm-no-bias", lambda nn: nn.GroupNorm(2, 4, bias=False)),
    ("Hardshrink", lambda nn: nn.Hardshrink()),
    ("Hardsigmoid", lambda nn: nn.Hardsigmoid()),
    ("Hardswish", lambda nn: nn.Hardswish()),
    ("Hardtanh", lambda nn: nn.Hardtanh()),
    ("Hardtanh-options", lambda nn: nn.Hardtanh(-2.0, 2.0, True)),
    ("HingeEmbeddingLoss", lambda nn: nn.HingeEmbeddingLoss()),
    ("HuberLoss", lambda nn: nn.HuberLoss(delta=2.0)),
    ("Identity", lambda nn: nn.Identity()),
    ("InstanceNorm1d", lambda nn: nn.InstanceNorm1d(3)),
    ("InstanceNorm2d", lambda nn: nn.InstanceNorm2d(3, affine=True, track_running_stats=True)),
    ("InstanceNorm3d", lambda nn: nn.InstanceNorm3d(3, affine=True, bias=False)),
    ("KLDivLoss", lambda nn: nn.KLDivLoss(reduction="batchmean")),
    ("L1Loss", lambda nn: nn.L1Loss()),
    ("LPPool1d", lambda nn: nn.LPPool1d(2, 3)),
    ("LPPool2d", lambda nn: nn.LPPool2d(2.0, (2, 3), stride=1, ceil_mode=True)),
    ("LPPool3d", lambda nn: nn.LPPool3d(1, 2)),
    ("LSTM", lambda nn: nn.LSTM(3, 4)),
    ("LSTM-projection", lambda nn: nn.LSTM(3, 4, num_layers=2, proj_size=2)),
    ("LSTMCell", lambda nn: nn.LSTMCell(3, 4, bias=False)),
    ("LayerNorm", lambda nn: nn.LayerNorm(4)),
    ("LayerNorm-options", lambda nn: nn.LayerNorm((2, 3), eps=1e-3, elementwise_affine=True, bias=False)),
    ("LayerNorm-not-affine", lambda nn: nn.LayerNorm([2, 3], elementwise_affine=False)),
    ("LazyBatchNorm1d", lambda nn: nn.LazyBatchNorm1d()),
    ("LazyBatchNorm2d", lambda nn: nn.LazyBatchNorm2d(bias=False)),
    ("LazyBatchNorm3d", lambda nn: nn.LazyBatchNorm3d(affine=False)),
    ("LazyConv1d", lambda nn: nn.LazyConv1d(4, 3)),
    ("LazyConv2d", lambda nn: nn.LazyConv2d(4, 3)),
    ("LazyConv3d", lambda nn: nn.LazyConv3d(4, 2, bias=False)),
    ("LazyConvTranspose1d", lambda nn: nn.LazyConvTranspose1d(4, 3)),
    ("LazyConvTranspose2d", lambda nn: nn.LazyConvTranspose2d(4, 3, stride=2)),
    ("LazyConvTranspose3d", lambda nn: nn.LazyConvTranspose3d(4, 2)),
    ("LazyInstanceNorm1d", lambda nn: nn.LazyInstanceNorm1d()),
    ("LazyInstanceNorm2d", lambda nn: nn.LazyInstanceNorm2d()),
    ("LazyInstanceNorm3d", lambda nn: nn.LazyInstanceNorm3d(bias=False)),
    ("LazyLinear", lambda nn: nn.LazyLinear(4)),
    ("LeakyReLU", lambda nn: nn.LeakyReLU()),
    ("LeakyReLU-options", lambda nn: nn.LeakyReLU(0.2, True)),
    ("LinearCrossEntropyLoss", lambda nn: nn.LinearCrossEntropyLoss(5, 4, out_features=(2,), bias=True)),
    ("Linear", lambda nn: nn.Linear(3, 4)),
    ("Linear-no-bias", lambda nn: nn.Linear(3, 4, False)),
    ("LocalResponseNorm", lambda nn: nn.LocalResponseNorm(3)),
    ("LogSigmoid", lambda nn: nn.LogSigmoid()),
    ("LogSoftmax", lambda nn: nn.LogSoftmax(dim=1)),
    ("LogSoftmax-implicit", lambda nn: nn.LogSoftmax()),
    ("MSELoss", lambda nn: nn.MSELoss()),
    ("MarginRankingLoss", lambda nn: nn.MarginRankingLoss()),
    ("MaxPool1d", lambda nn: nn.MaxPool1d(3)),
    ("MaxPool2d", lambda nn: nn.MaxPool2d(2)),
    ("MaxPool2d-options", lambda nn: nn.MaxPool2d((2, 3), (1, 2), 1, 2, True, True)),
    ("MaxPool3d", lambda nn: nn.MaxPool3d(2, stride=1)),
    ("MaxUnpool1d", lambda nn: nn.MaxUnpool1d(2)),
    ("MaxUnpool2d", lambda nn: nn.MaxUnpool2d((2, 3), stride=1, padding=1)),
    ("MaxUnpool3d", lambda nn: nn.MaxUnpool3d(2)),
    ("Mish", lambda nn: nn.Mish()),
    ("ModuleDict", lambda nn: nn.ModuleDict({"a": nn.ReLU(), "b": nn.Linear(2, 2)})),
    ("ModuleList", lambda nn: nn.ModuleList([nn.Linear(2, 3), nn.Tanh()])),
    ("ModuleList-repeats", lambda nn: nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)])),
    ("ModuleList-empty", lambda nn: nn.ModuleList()),
    ("MultiLabelMarginLoss", lambda nn: nn.MultiLabelMarginLoss()),
    ("MultiLabelSoftMarginLoss", lambda nn: nn.MultiLabelSoftMarginLoss()),
    ("MultiMarginLoss", lambda nn: nn.MultiMarginLoss(p=2)),
    ("MultiheadAttention", lambda nn: nn.MultiheadAttention(4, 2)),
    ("MultiheadAttention-kv", lambda nn: nn.MultiheadAttention(4, 2, kdim=3, vdim=5, bias=False)),
    ("NLLLoss", lambda nn: nn.NLLLoss()),
    ("NLLLoss2d", lambda nn: nn.NLLLoss2d()),
    ("PReLU", lambda nn: nn.PReLU()),
    ("PReLU-options", lambda nn: nn.PReLU(3, 0.1)),
    ("PairwiseDistance", lambda nn: nn.PairwiseDistance()),
    ("ParameterDict", lambda nn: nn.ParameterDict()),
    ("ParameterDict-two", lambda nn: nn.ParameterDict({"a": _parameter(nn, (2, 3), "float32"),
                                                       "b": _parameter(nn, (4,), "float64")})),
    ("ParameterList", lambda nn: nn.ParameterList()),
    ("ParameterList-one", lambda nn: nn.ParameterList([_parameter(nn, (2,), "float32")])),
    ("ParameterList-two", lambda nn: nn.ParameterList([_parameter(nn, (2, 3), "float32"),
                                                       _parameter(nn, (), "float64")])),
    ("PixelShuffle", lambda nn: nn.PixelShuffle(2)),
    ("PixelUnshuffle", lambda nn: nn.PixelUnshuffle(2)),
    ("PoissonNLLLoss", lambda nn: nn.PoissonNLLLoss()),
    ("RMSNorm", lambda nn: nn.RMSNorm(4)),
    ("RMSNorm-options", lambda nn: nn.RMSNorm((2, 3), eps=1e-6, elementwise_affine=False)),
    ("RNN", lambda nn: nn.RNN(3, 4)),
    ("RNN-options", lambda nn: nn.RNN(3, 4, 2, "relu", False, True, 0.1, True)),
    ("RNNCell", lambda nn: nn.RNNCell(3, 4, nonlinearity="relu")),
    ("RReLU", lambda nn: nn.RReLU()),
    ("RReLU-options", lambda nn: nn.RReLU(0.1, 0.3)),
    ("ReLU", lambda nn: nn.ReLU()),
    ("ReLU-inplace", lambda nn: nn.ReLU(True)),
    ("ReLU6", lambda nn: nn.ReLU6()),
    ("ReflectionPad1d", lambda nn: nn.ReflectionPad1d(1)),
    ("ReflectionPad2d", lambda nn: nn.ReflectionPad2d((1, 0, 2, 0))),
    ("ReflectionPad3d", lambda nn: nn.ReflectionPad3d(1)),
    ("ReplicationPad1d", lambda nn: nn.ReplicationPad1d((1, 2))),
    ("ReplicationPad2d", lambda nn: nn.ReplicationPad2d(1)),
    ("ReplicationPad3d", lambda nn: nn.ReplicationPad3d(1)),
    ("SELU", lambda nn: nn.SELU()),
    ("Sequential", lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1), nn.Sigmoid()))),
    ("Sequential-empty", lambda nn: nn.Sequential()),
    ("Sequential-named", lambda nn: nn.Sequential(OrderedDict(conv=nn.Conv2d(1, 2, 3), act=nn.ReLU()))),
    ("Sequential-repeats", lambda nn: nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))),  # not folded, as PyTorch's
    ("SiLU", lambda nn: nn.SiLU()),
    ("SiLU-inplace", lambda nn: nn.SiLU(True)),
    ("Sigmoid", lambda nn: nn.Sigmoid()),
    ("SmoothL1Loss", lambda nn: nn.SmoothL1Loss(beta=0.5)),
    ("SoftMarginLoss", lambda nn: nn.SoftMarginLoss()),
    ("Softmax", lambda nn: nn.Softmax(dim=-1)),
    ("Softmax-implicit", lambda nn: nn.Softmax()),
    ("Softmax2d", lambda nn: nn.Softmax2d()),
    ("Softmin", lambda nn: nn.Softmin(1)),
    ("Softplus", lambda nn: nn.Softplus()),
    ("Softplus-options", lambda nn: nn.Softplus(2.0, 10.0)),
    ("Softshrink", lambda nn: nn.Softshrink(0.3)),
    ("Softsign", lambda nn: nn.Softsign()),
    ("SyncBatchNorm", lambda nn: nn.SyncBatchNorm(3)),
    ("Tanh", lambda nn: nn.Tanh()),
    ("Tanhshrink", lambda nn: nn.Tanhshrink()),
    ("Threshold", lambda nn: nn.Threshold(0.1, 20.0)),
    ("Transformer", lambda nn: nn.Transformer(4, 2, 1, 1, 8)),
    ("TransformerDecoder", lambda nn: nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8), 1)),
    ("TransformerDecoderLayer", lambda nn: nn.TransformerDecoderLayer(4, 2, 8, norm_first=True)),
    ("TransformerEncoder", lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 2,
                                                            enable_nested_tensor=False)),
    ("TransformerEncoderLayer", lambda nn: nn.TransformerEncoderLayer(4, 2, 8)),
    ("TripletMarginLoss", lambda nn: nn.TripletMarginLoss()),
    ("TripletMarginWithDistanceLoss", lambda nn: nn.TripletMarginWithDistanceLoss(margin=0.5)),
    ("Unflatten", lambda nn: nn.Unflatten(1, (2, 3))),
    ("Unfold", lambda nn: nn.Unfold(2)),
    ("Unfold-options", lambda nn: nn.Unfold((2, 3), dilation=2, padding=1, stride=(1, 2))),
    ("Upsample", lambda nn: nn.Upsample(scale_factor=2)),
    ("Upsample-options", lambda nn: nn.Upsample(size=(4, 5), mode="bilinear", align_corners=True)),
    ("UpsamplingBilinear2d", lambda nn: nn.UpsamplingBilinear2d(scale_factor=2)),
    ("UpsamplingNearest2d", lambda nn: nn.UpsamplingNearest2d(size=4)),
    ("ZeroPad1d", lambda nn: nn.ZeroPad1d(1)),
    ("ZeroPad2d", lambda nn: nn.ZeroPad2d((1, 2, 0, 1))),
    ("ZeroPad3d", lambda nn: nn.ZeroPad3d(2)),
    ("model-nested", _net),
    ("model-extra-repr-and-children", _with_extra_repr),
]

# The same reprs, written out: these hold without PyTorch.
LITERAL_REPRS = {
    "Dropout": "Dropout(p=0.5, inplace=False)",
    "MaxPool2d": "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
    "AvgPool2d": "AvgPool2d(kernel_size=2, stride=2, padding=0)",
    "AvgPool1d": "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))",
    "LayerNorm": "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)  # 8 parameters",
    "BatchNorm2d": "BatchNorm2d(3, eps=1e-05, momentum=None, affine=True, bias=False, track_running_stats=True)"
                   "  # 3 parameters",
    "GroupNorm-options": "GroupNorm(2, 4, eps=0.001, affine=False, bias=False)",
    "Conv1d-options": "Conv1d(2, 4, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), groups=2, bias=False, "
                      "padding_mode=reflect)  # 12 parameters",
    "MSELoss": "MSELoss()",
    "ParameterList-one": "ParameterList(  (0): Parameter containing: [torch.float32 of size 2])  # 2 parameters",
    "ParameterDict-two": "ParameterDict(  # 10 parameters\n"
                         "    (a): Parameter containing: [torch.FloatTensor of size 2x3]\n"
                         "    (b): Parameter containing: [torch.DoubleTensor of size 4]\n"
                         ")",
    "model-extra-repr-and-children": "Sequential(  # 6 parameters\n"
                                     "  (0): Scaled(  # 6 parameters\n"
                                     "    scale=2.0\n"
                                     "    (inner): Linear(in_features=2, out_features=2, bias=True)  # 6 parameters\n"
                                     "  )\n"
                                     ")",
    "Softmax-implicit": "Softmax(dim=None)",
    "RNNCell": "RNNCell(3, 4, nonlinearity=relu)  # 36 parameters",
    "Upsample": "Upsample(scale_factor=2.0, mode='nearest')",
    "ModuleList-repeats": "ModuleList(  # 18 parameters\n"
                          "  (0-1): 2 x Linear(in_features=2, out_features=2, bias=True)  # 6 parameters\n"
                          "  (2): ReLU()\n"
                          "  (3): Linear(in_features=2, out_features=2, bias=True)  # 6 parameters\n"
                          ")",
    "MultiheadAttention": "MultiheadAttention(  # 80 parameters\n"
                          "  (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)"
                          "  # 20 parameters\n"
                          ")",
    "model-nested": "Net(  # 106 parameters\n"
                    "  (features): Sequential(  # 40 parameters\n"
                    "    (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))  # 40 parameters\n"
                    "    (1): ReLU()\n"
                    "    (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
                    "  )\n"
                    "  (head): ModuleDict(  # 34 parameters\n"
                    "    (fc): Linear(in_features=16, out_features=2, bias=True)  # 34 parameters\n"
                    "    (drop): Dropout(p=0.1, inplace=False)\n"
                    "  )\n"
                    "  (blocks): ModuleList(  # 32 parameters\n"
                    "    (0): LayerNorm((16,), eps=1e-05, elementwise_affine=True, bias=True)  # 32 parameters\n"
                    "    (1): Identity()\n"
                    "  )\n"
                    ")",
}

_BUILD = dict(CASES)
_PARAMETER_NOTE = re.compile(r"  # [\d,]+ parameters?$", re.MULTILINE)


def _quiet(build, namespace):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's notes on nested tensors and the like
        return build(namespace)


# ----------------------------------------------------------------------------------------------------
# Signatures.

_P = inspect.Parameter
_VARIADIC = (_P.VAR_POSITIONAL, _P.VAR_KEYWORD)


def _parameters(cls):
    return list(inspect.signature(cls.__init__).parameters.values())[1:]


def _default(p):
    """A default as compared: functions by name (our F.relu for PyTorch's F.relu)."""
    return p.default.__name__ if inspect.isfunction(p.default) else repr(p.default)


def signature_problems(ours, theirs):
    """What keeps a call written for `theirs` (a PyTorch class) from meaning the same with `ours`, as text; None
    when PyTorch's constructor takes only *args/**kwargs (nothing to compare)."""
    mine, their_params = _parameters(ours), _parameters(theirs)
    if all(p.kind in _VARIADIC for p in their_params):
        return None
    names = [p.name for p in their_params]
    problems = []
    last_shared = max((i for i, p in enumerate(mine) if p.name in names), default=-1)
    for i, p in enumerate(mine):
        if p.name not in names and p.kind is _P.POSITIONAL_OR_KEYWORD and i < last_shared:
            problems.append(f"our {p.name!r} takes a positional slot among PyTorch's parameters")
    factory = {"device", "dtype"}
    without_factory = not factory & {p.name for p in mine}   # both left out is allowed, one alone is not

    def key(p):
        return (p.kind.name,) if p.kind in _VARIADIC else (p.name, p.kind.name, _default(p))

    expected = [key(p) for p in their_params if not (without_factory and p.name in factory)]
    shared = [key(p) for p in mine if p.name in names or p.kind in _VARIADIC]
    if shared != expected:
        problems.append(f"ours {shared} != PyTorch's {expected}")
    return problems


def test_our_own_classes_are_listed():
    """OURS_ONLY names exactly the module classes PyTorch lacks (kept right by the torch run)."""
    torch = torch_or_skip()
    assert {name for name in MODULE_CLASSES if not isinstance(getattr(torch.nn, name, None), type)} == OURS_ONLY


def test_torch_variadic_constructors():
    torch = torch_or_skip()
    assert {name for name in SHARED if signature_problems(getattr(nn, name), getattr(torch.nn, name)) is None} \
        == TORCH_VARIADIC


@pytest.mark.parametrize("name", SIGNATURE_COMPARED)
def test_signature_matches_torch(name):
    torch = torch_or_skip()
    problems = signature_problems(getattr(nn, name), getattr(torch.nn, name))
    assert not problems, "\n".join(problems)


def test_signature_check_sees_slot_and_default_changes():
    """The checker itself: a default, an order, an extra in a positional slot, dtype in device's slot."""
    torch = torch_or_skip()

    class Moved(nn.Module):
        def __init__(self, in_features, out_features, rng=None, bias=True, device=None, dtype=None):
            pass

    class WrongDefault(nn.Module):
        def __init__(self, in_features, out_features, bias=False, device=None, dtype=None):
            pass

    class DtypeInDeviceSlot(nn.Module):
        def __init__(self, in_features, out_features, bias=True, dtype=None):
            pass

    class Fine(nn.Module):
        def __init__(self, in_features, out_features, bias=True, rng=None):
            pass

    for broken in (Moved, WrongDefault, DtypeInDeviceSlot):
        assert signature_problems(broken, torch.nn.Linear), broken.__name__
    assert signature_problems(Fine, torch.nn.Linear) == []


# ----------------------------------------------------------------------------------------------------
# Reprs.


def test_every_shared_class_has_a_repr_case():
    cased = {case_id.split("-")[0] for case_id, _ in CASES}
    assert set(SHARED) - NO_REPR_CASE - cased == set()


@pytest.mark.parametrize("case", [case_id for case_id, _ in CASES])
def test_repr_matches_torch(case):
    torch = torch_or_skip()
    ours = _PARAMETER_NOTE.sub("", repr(_quiet(_BUILD[case], nn)))
    assert ours == repr(_quiet(_BUILD[case], torch.nn))


@pytest.mark.parametrize("case", sorted(LITERAL_REPRS))
def test_repr_literal(case):
    assert repr(_quiet(_BUILD[case], nn)) == LITERAL_REPRS[case]


def test_parameter_note_counts_shared_parameters_once():
    layer = nn.Linear(2, 2)
    assert repr(nn.Sequential(layer, layer)).splitlines()[0] == "Sequential(  # 6 parameters"


# ----------------------------------------------------------------------------------------------------
# What the new constructor arguments do.


def _torch_twin(ours, theirs):
    """theirs (a torch module, made float64) holding our module's parameters and buffers."""
    torch = torch_or_skip()
    theirs.double().load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in ours.state_dict().items()})
    return theirs


@pytest.mark.parametrize("name,shape", [("BatchNorm1d", (4, 3)), ("BatchNorm2d", (2, 3, 2, 2)),
                                        ("InstanceNorm1d", (2, 3, 4))])
def test_norm_without_bias_matches_torch(name, shape):
    torch = torch_or_skip()
    ours = getattr(nn, name)(3, affine=True, bias=False, dtype=np.float64)
    assert ours.bias is None and [n for n, _ in ours.named_parameters()] == ["weight"]
    ours.weight.data[:] = [0.5, 2.0, -1.0]
    theirs = _torch_twin(ours, getattr(torch.nn, name)(3, affine=True, bias=False))
    against_torch(ours, theirs, rand(*shape), rtol=1e-10, atol=1e-12)
    gradcheck(lambda x: ours(x), [rand(*shape, seed=1)])


def test_group_norm_without_bias_matches_torch():
    torch = torch_or_skip()
    ours = nn.GroupNorm(2, 4, bias=False, dtype=np.float64)
    ours.weight.data[:] = [1.0, -0.5, 2.0, 0.25]
    theirs = _torch_twin(ours, torch.nn.GroupNorm(2, 4, bias=False))
    against_torch(ours, theirs, rand(2, 4, 3), rtol=1e-10, atol=1e-12)


def test_norm_bias_false_without_torch():
    x = rand(4, 3)
    ours = nn.BatchNorm1d(3, bias=False, dtype=np.float64)
    assert ours.bias is None and ours.weight is not None
    out = ours(Value(x))
    np.testing.assert_allclose(out.data, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-10)
    gradcheck(lambda v: nn.GroupNorm(3, 3, bias=False, dtype=np.float64)(v), [rand(2, 3, 2)])
    lazy = nn.LazyBatchNorm1d(bias=False, dtype=np.float64)
    lazy(Value(x))
    assert type(lazy) is nn.BatchNorm1d and lazy.bias is None and lazy.weight.shape == (3,)
    assert nn.LayerNorm(3, bias=False).bias is None


def test_factory_device_is_the_cpu_only():
    for make in (lambda d: nn.Linear(2, 3, True, d), lambda d: nn.BatchNorm1d(3, device=d),
                 lambda d: nn.Conv2d(1, 2, 3, device=d), lambda d: nn.Embedding(4, 2, device=d)):
        make("cpu")
        with pytest.raises(RuntimeError, match="not available"):
            make("cuda")
    with pytest.raises(NotImplementedError, match="process_group"):
        nn.SyncBatchNorm(3, process_group=object())


def test_to_empty_keeps_a_cpu_module_and_refuses_other_devices():
    """Raschka's memory-efficient weight loading: `model.to_empty(device=device)`, then each parameter filled from
    the state dict with `param.copy_` (it was an AttributeError); the module itself comes back, its parameters the
    same objects, and after the copies it computes what the saved model computes, as PyTorch's."""
    x = rand(2, 3).astype(np.float32)

    def reload(library, source):
        model = library.nn.Sequential(library.nn.Linear(3, 4), library.nn.Linear(4, 2))
        before = list(model.parameters())
        assert model.to_empty(device=library.device("cpu")) is model and list(model.parameters()) == before
        with library.no_grad():
            for name, param in model.named_parameters():
                param.copy_(library.tensor(source[name]))
        return model(library.tensor(x)).detach().numpy()

    source = {name: p.data.copy() for name, p in nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)).named_parameters()}
    ours = reload(__import__("autograd_core"), source)
    np.testing.assert_allclose(ours, (x @ source["0.weight"].T + source["0.bias"]) @ source[
        "1.weight"].T + source["1.bias"], rtol=1e-5)
    assert nn.Linear(2, 2).to_empty(device=None).weight.shape == (2, 2)
    with pytest.raises(RuntimeError, match="device 'meta' is not available"):
        nn.Linear(2, 2).to_empty(device="meta")
    torch = torch_or_skip()
    np.testing.assert_allclose(ours, reload(torch, source), rtol=1e-6)


def test_rng_comes_after_pytorchs_arguments():
    a, b = nn.Linear(2, 3, True, None, np.float64, 7), nn.Linear(2, 3, rng=7, dtype=np.float64)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert a.weight.dtype == np.float64


def test_embedding_options_match_torch():
    torch = torch_or_skip()
    table = rand(6, 3) * 2
    ids = np.array([[0, 2, 2], [5, 1, 2]])
    ours = nn.Embedding(6, 3, None, 1.5, 1.0, True, _weight=table.copy())
    theirs = torch.nn.Embedding(6, 3, None, 1.5, 1.0, True, _weight=torch.tensor(table.copy()))
    out, tout = ours(ids), theirs(torch.tensor(ids))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-12)  # renormalised rows
    w = rand(*out.shape, seed=4)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12)   # scaled by frequency
    frozen, tfrozen = nn.Embedding.from_pretrained(table), torch.nn.Embedding.from_pretrained(torch.tensor(table))
    assert frozen.weight.requires_grad is tfrozen.weight.requires_grad is False
    assert repr(nn.Embedding.from_pretrained(table, freeze=False, padding_idx=1)).startswith("Embedding(6, 3, padding_")


def test_embedding_weight_without_torch():
    table = np.arange(6.0).reshape(3, 2)
    layer = nn.Embedding(3, 2, padding_idx=0, _weight=table)
    np.testing.assert_array_equal(layer.weight.data, table)  # taken as given: the padding row is not zeroed
    assert layer.weight.requires_grad and not nn.Embedding(3, 2, _weight=table, _freeze=True).weight.requires_grad
    with pytest.raises(ValueError, match="does not match"):
        nn.Embedding(4, 2, _weight=table)
    out = nn.Embedding(3, 2, max_norm=1.0, _weight=table.copy())(np.array([2]))
    np.testing.assert_allclose(np.linalg.norm(out.data), 1.0, rtol=1e-6)


def test_avg_pool2d_divisor_override_matches_torch():
    torch = torch_or_skip()
    x = rand(1, 2, 5, 5)
    against_torch(nn.AvgPool2d(2, 1, 1, False, True, 3), torch.nn.AvgPool2d(2, 1, 1, False, True, 3), x)
    gradcheck(lambda v: nn.AvgPool2d(2, divisor_override=3)(v), [rand(1, 1, 4, 4)])


def test_upsample_recompute_scale_factor_matches_torch():
    torch = torch_or_skip()
    x = rand(1, 1, 3, 5)
    for mode in ("nearest", "bilinear"):
        against_torch(nn.Upsample(scale_factor=1.7, mode=mode, recompute_scale_factor=True),
                      torch.nn.Upsample(scale_factor=1.7, mode=mode, recompute_scale_factor=True), x)


def test_softmax_implicit_dim_matches_torch():
    torch = torch_or_skip()
    for shape in [(4,), (2, 3), (2, 3, 4), (2, 3, 2, 2)]:
        for cls in ("Softmax", "LogSoftmax"):
            with pytest.warns(UserWarning, match="Implicit dimension"):
                against_torch(getattr(nn, cls)(), getattr(torch.nn, cls)(), rand(*shape))


def test_softmax_implicit_dim_without_torch():
    x = rand(2, 3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = nn.Softmax()(Value(x))
    np.testing.assert_allclose(out.data.sum(axis=0), 1.0)  # 3-D input: axis 0, as PyTorch's legacy choice


@pytest.mark.parametrize("size_average,reduce,reduction", [(None, False, "none"), (False, None, "sum"),
                                                           (True, True, "mean"), (False, False, "none")])
def test_loss_legacy_flags(size_average, reduce, reduction):
    x, t = rand(3, 4), np.array([0, 3, 1])
    with pytest.warns(UserWarning, match=f"reduction='{reduction}'"):
        legacy = nn.NLLLoss(None, size_average, -100, reduce)  # PyTorch's positions
    assert legacy.reduction == reduction
    np.testing.assert_array_equal(legacy(Value(x), t).data, F.nll_loss(Value(x), t, reduction=reduction).data)
    with pytest.warns(UserWarning):
        assert nn.MSELoss(size_average, reduce).reduction == reduction


def test_loss_positional_arguments_match_torch():
    torch = torch_or_skip()
    x, t = rand(4, 3), np.array([0, 2, 1, 2])
    ours, theirs = nn.CrossEntropyLoss(None, None, 2), torch.nn.CrossEntropyLoss(None, None, 2)  # ignore_index=2
    against_torch(lambda v: ours(v, t), lambda v: theirs(v, torch.tensor(t)), x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = nn.L1Loss(False), torch.nn.L1Loss(False)                                  # size_average
    against_torch(lambda v: ours(v, x * 0), lambda v: theirs(v, torch.zeros(4, 3, dtype=torch.float64)), x)


def test_hardtanh_deprecated_names():
    with pytest.warns(FutureWarning) as caught:
        layer = nn.Hardtanh(min_value=-0.5, max_value=0.5)
    assert ["min_value" in str(w.message) for w in caught] == [True, False]
    assert (layer.min_val, layer.max_val) == (-0.5, 0.5)
    np.testing.assert_array_equal(layer(Value(np.array([-2.0, 0.2, 2.0]))).data, [-0.5, 0.2, 0.5])


def test_pool_sizes_are_kept_as_given():
    pool = nn.MaxPool2d(2, padding=1)
    assert (pool.kernel_size, pool.stride, pool.padding, pool.dilation) == (2, 2, 1, 1)
    assert nn.AvgPool1d(3).kernel_size == (3,)
    x = rand(1, 1, 5, 5)
    np.testing.assert_array_equal(pool(Value(x)).data, F.max_pool2d(Value(x), 2, padding=1).data)
    with pytest.raises(TypeError, match="kernel_size"):
        nn.MaxPool2d((2, 2, 2))


def test_transformer_default_activation_is_relu():
    layer = nn.TransformerEncoderLayer(4, 2, 8)
    assert layer.activation is F.relu
