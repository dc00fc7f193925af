"""torch.nn.grad: the gradients of a convolution with respect to its input and its weight, as functions
(`conv2d_input(input_size, weight, grad_output)`, `conv2d_weight(input, weight_size, grad_output)`; 1-d and 3-d
alike). PyTorch's fusing tutorial writes a custom Function's backward with them.

Each is the vector-Jacobian product of the convolution (nn/conv.py, nn/conv3d.py keep its rules) with the cotangent
`grad_output`, taken through the engine: the convolution runs once on a stand-in (zeros of `input_size`, or of
`weight_size`) and its backward pass gives the gradient. A convolution is linear in each operand, so the stand-in's
values do not matter. When grad mode is on and an operand requires a gradient, the result is differentiable in it.
"""

from __future__ import annotations

import numpy as np

import autograd_core as _core

from . import functional as F

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input", "conv3d_weight"]


def _as_value(x):
    return x if isinstance(x, _core.Value) else _core.tensor(np.asarray(x))


def _vjp(name, convolution, operands, which, grad_output):
    """The gradient of `convolution(*operands)` with respect to operands[which] (a stand-in of zeros), for the
    cotangent grad_output; RuntimeError when grad_output does not have the convolution's output shape."""
    grad_output = _as_value(grad_output)
    given = [o for i, o in enumerate(operands) if i != which] + [grad_output]
    create_graph = _core.is_grad_enabled() and any(o.requires_grad for o in given)
    with _core.enable_grad():
        out = convolution(*operands)
        if tuple(out.shape) != tuple(grad_output.shape):
            raise RuntimeError(f"{name}: grad_output of shape {tuple(grad_output.shape)} does not match the "
                               f"convolution's output shape {tuple(out.shape)}")
        (gradient,) = _core.autograd.grad(out, operands[which], grad_output, create_graph=create_graph)
    return gradient if isinstance(gradient, _core.Value) else _core.tensor(np.asarray(gradient))


def _stand_in(size, like):
    like = _as_value(like)
    return _core.zeros(*tuple(size), dtype=like.dtype, requires_grad=True)


def _input_gradient(name, convolution, input_size, weight, grad_output, stride, padding, dilation, groups):
    weight = _as_value(weight)

    def conv(x, w):
        return convolution(x, w, None, stride, padding, dilation, groups)

    return _vjp(name, conv, [_stand_in(input_size, weight), weight], 0, grad_output)


def _weight_gradient(name, convolution, input, weight_size, grad_output, stride, padding, dilation, groups):
    input = _as_value(input)

    def conv(x, w):
        return convolution(x, w, None, stride, padding, dilation, groups)

    return _vjp(name, conv, [input, _stand_in(weight_size, input)], 1, grad_output)


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv1d(input, weight) with respect to its input, of shape `input_size` (N, C_in, L), for the
    output's gradient `grad_output` (N, C_out, L_out). The other arguments are conv1d's."""
    return _input_gradient("conv1d_input", F.conv1d, input_size, weight, grad_output, stride, padding, dilation,
                           groups)


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv1d(input, weight) with respect to its weight, of shape `weight_size`
    (C_out, C_in / groups, K), for the output's gradient `grad_output`. The other arguments are conv1d's."""
    return _weight_gradient("conv1d_weight", F.conv1d, input, weight_size, grad_output, stride, padding, dilation,
                            groups)


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv2d(input, weight) with respect to its input, of shape `input_size` (N, C_in, H, W), for
    the output's gradient `grad_output` (N, C_out, H_out, W_out). The other arguments are conv2d's."""
    return _input_gradient("conv2d_input", F.conv2d, input_size, weight, grad_output, stride, padding, dilation,
                           groups)


def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv2d(input, weight) with respect to its weight, of shape `weight_size`
    (C_out, C_in / groups, kH, kW), for the output's gradient `grad_output`. The other arguments are conv2d's."""
    return _weight_gradient("conv2d_weight", F.conv2d, input, weight_size, grad_output, stride, padding, dilation,
                            groups)


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv3d(input, weight) with respect to its input, of shape `input_size` (N, C_in, D, H, W),
    for the output's gradient `grad_output`. The other arguments are conv3d's."""
    return _input_gradient("conv3d_input", F.conv3d, input_size, weight, grad_output, stride, padding, dilation,
                           groups)


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv3d(input, weight) with respect to its weight, of shape `weight_size`
    (C_out, C_in / groups, kD, kH, kW), for the output's gradient `grad_output`. The other arguments are conv3d's."""
    return _weight_gradient("conv3d_weight", F.conv3d, input, weight_size, grad_output, stride, padding, dilation,
                            groups)
