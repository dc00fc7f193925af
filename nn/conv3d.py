"""3-D convolutions (PyTorch's layout NCDHW): Conv3d, ConvTranspose3d, F.conv3d, F.conv_transpose3d.

Both are compositions of the 2-D primitives of conv.py with indexing along the depth axis, so they inherit their
gradients, forward mode, higher derivatives and compile without rules of their own (the weight goes to the primitive in
its own rank, read as the 2-D one below: conv._weight4), and are shown as PyTorch's one ConvolutionBackward0:

    conv3d:            y[n, o, z] = Σ_p conv2d(x[n, :, z·s + p·d], W[o, :, p])
                       the kd depth taps of every output plane become input channels (a gather along depth), so
                       one conv2d of the (N·Do, C·kd, H, W) stack with the weight (O, C/G·kd, kh, kw) does it all.
    conv_transpose3d:  y[n, o, i·s + p·d − pad] += conv_transpose2d(x[n, :, i], W[:, o, p])
                       one conv_transpose2d gives every (input plane, depth tap) pair, and a scatter-add along depth
                       puts each at its output plane.
"""

from __future__ import annotations

import numpy as np

from autograd_core.ops import data_of, getitem, reshape, scatter_add, transpose

from .conv import (
    _batched, _bias_free, _conv2d, _conv_geometry, _conv_transpose2d, _conv_transpose_geometry, _ConvNd, _same_padded,
    _unbatched,
    Conv2d, ConvTranspose2d, one_convolution,
)
from . import dtype_checks
from .padding import pad


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation. input (N, C, D, H, W) or (C, D, H, W), weight (O, C/groups, kd, kh, kw), bias (O,)
    -> (N, O, Do, Ho, Wo) (or (O, Do, Ho, Wo)).

    stride, dilation: int or triple. padding: int, triple, 'valid' or 'same' (stride 1; an odd total puts the extra
    plane/row/column at the end, as PyTorch). Do = ⌊(D + 2p − d(kd−1) − 1)/s⌋ + 1, and so for Ho, Wo.
    """
    who = "conv3d"
    dtype_checks.check_convolution(input, weight, bias, nd=3)
    x, unbatched = _batched(who, input, 5)
    x_shape, w_shape = np.shape(data_of(x)), np.shape(data_of(weight))
    groups, out_channels, stride, dilation, pads, out_size = _conv_geometry(
        who, 3, x_shape, w_shape, bias, stride, padding, dilation, groups)
    if padding.__class__ is str:  # (an odd 'same' padding: x padded at the end first, as PyTorch)
        x, pads = _same_padded(x, pads)
        x_shape = np.shape(data_of(x))
    batched = x  # (PyTorch's node lists it, not its copy padded along depth below)
    N, C, _, H, W = x_shape
    kd, (Do, Ho, Wo), G = w_shape[2], out_size, groups
    if pads[0] != (0, 0):
        x = pad(x, (0, 0, 0, 0) + pads[0])  # zeros before and after along depth; H and W are padded by conv2d
    # planes[n, c, p, z] = x[n, c, z·s + p·d]: every output plane's kd input planes.
    taps = np.arange(kd)[:, None] * dilation[0] + np.arange(Do)[None, :] * stride[0]
    planes = getitem(x, (slice(None), slice(None), taps))                        # (N, C, kd, Do, H, W)
    planes = reshape(planes, shape=(N, G, C // G, kd, Do, H, W))
    planes = transpose(planes, axes=(0, 4, 1, 2, 3, 5, 6))                       # (N, Do, G, C/G, kd, H, W)
    planes = reshape(planes, shape=(N * Do, C * kd, H, W))                       # channel (g, c, p), as the weight
    # the weight as it is: the primitive reads it as (O, C/G·kd, kh, kw) (conv._weight4)
    args = (planes, weight) if bias is None else (planes, weight, bias)
    y = _conv2d(*args, stride=stride[1:], padding=pads[1:], dilation=dilation[1:], groups=G)  # (N·Do, O, Ho, Wo)
    if bias is None:
        y = _bias_free(y, planes, weight, 3)
    y = transpose(reshape(y, shape=(N, Do, out_channels, Ho, Wo)), axes=(0, 2, 1, 3, 4))
    y = one_convolution(y, batched, weight, bias, key=(who, pads[0] != (0, 0)))  # (padded along depth: a node more)
    return _unbatched(y) if unbatched else y


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint (gradient) of conv3d with respect to its input, PyTorch's ConvTranspose3d.

    input (N, C_in, D, H, W) or unbatched (C_in, D, H, W), weight (C_in, C_out/groups, kd, kh, kw), bias (C_out,)
    -> (N, C_out, Do, Ho, Wo) with Do = (D − 1)s − 2p + d(kd − 1) + output_padding + 1 (and so for Ho, Wo);
    output_padding < stride or < dilation.
    """
    who = "conv_transpose3d"
    dtype_checks.check_convolution(input, weight, bias, transposed=True, nd=3)
    x, unbatched = _batched(who, input, 5)
    x_shape, w_shape = np.shape(data_of(x)), np.shape(data_of(weight))
    groups, out_channels, stride, dilation, padding, output_padding, size = _conv_transpose_geometry(
        who, 3, x_shape, w_shape, bias, stride, padding, output_padding, groups, dilation)
    N, C, D, H, W = x_shape
    kd, (Do, Ho, Wo) = w_shape[2], size
    # Each input plane through each depth tap: output channels (o, p), the weight's own order (a reshape).
    planes = reshape(transpose(x, axes=(0, 2, 1, 3, 4)), shape=(N * D, C, H, W))
    pads = tuple((p, p - op) for p, op in zip(padding[1:], output_padding[1:]))
    t = _conv_transpose2d(planes, weight, stride=stride[1:], padding=pads, dilation=dilation[1:], groups=groups,
                          size=(Ho, Wo))
    t = _bias_free(t, planes, weight, 3)  # (the bias is added below)
    t = reshape(t, shape=(N, D, out_channels, kd, Ho, Wo))
    # Scatter-add along depth: (input plane i, tap p) lands on plane i·s + p·d of the uncropped output.
    span = max((D - 1) * stride[0] + dilation[0] * (kd - 1) + 1, padding[0] + Do)
    plane = np.arange(D)[:, None] * stride[0] + np.arange(kd)[None, :] * dilation[0]
    index = (np.arange(N)[:, None, None, None], plane[None, :, None, :], np.arange(out_channels)[None, None, :, None])
    y = scatter_add(t, index=index, shape=(N, span, out_channels, Ho, Wo))
    y = transpose(getitem(y, (slice(None), slice(padding[0], padding[0] + Do))), axes=(0, 2, 1, 3, 4))
    if bias is not None:
        y = y + reshape(bias, shape=(1, out_channels, 1, 1, 1))
    y = one_convolution(y, x, weight, bias, key=(who,))
    return _unbatched(y) if unbatched else y


class Conv3d(_ConvNd):
    """3-D convolution layer: (N, in_channels, D, H, W) or (in_channels, D, H, W) -> (…, out_channels, Do, Ho, Wo);
    see `conv3d`.

    Conv3d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros'): weight (out_channels, in_channels/groups, kd, kh, kw), bias (out_channels,) or None, both
    U(−1/√fan_in, 1/√fan_in) as PyTorch. padding may be 'same' or 'valid'; padding_mode 'zeros', 'reflect',
    'replicate' or 'circular'. rng: None, an int seed or a np.random.Generator; dtype defaults to float32.
    """

    _nd = 3
    __init__ = Conv2d.__init__  # the same arguments; _ConvNd reads the rank from _nd

    def forward(self, input):
        return conv3d(self._input(input), self.weight, self.bias, self.stride, self._padding(), self.dilation,
                      self.groups)


class ConvTranspose3d(_ConvNd):
    """3-D transposed convolution layer (the gradient of Conv3d w.r.t. its input); see `conv_transpose3d`.

    ConvTranspose3d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
    bias=True, dilation=1, padding_mode='zeros'): weight (in_channels, out_channels/groups, kd, kh, kw).
    forward(input, output_size=None): output_size (D, H, W) chooses output_padding, as PyTorch.
    """

    _nd, _transposed = 3, True
    __init__ = ConvTranspose2d.__init__

    def forward(self, input, output_size=None):
        x = self._input(input)
        batched = x if len(x.shape) == 5 else reshape(x, shape=(1,) + x.shape)
        return conv_transpose3d(x, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(batched, output_size), self.groups, self.dilation)


__all__ = ["conv3d", "conv_transpose3d", "Conv3d", "ConvTranspose3d"]
