"""Folding an eval-mode BatchNorm into the convolution or linear layer before it, as `torch.nn.utils.fusion`:
bn(conv(x)) = conv'(x) with

    s = γ / sqrt(running_var + eps)       (per output channel)
    W' = W · s  (along the output-channel axis: 0, or 1 for a transposed convolution)
    b' = (b − running_mean) · s + β

The fused weights are new Parameters (leaves), in the dtype of the layer's weight (bias: of its bias).
"""

from __future__ import annotations

import copy

import numpy as np

from autograd_core import Value

from ..module import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]


def _array(x):
    return x.data if isinstance(x, Value) else np.asarray(x)


def _parameter(array, dtype, requires_grad):
    p = Parameter(np.asarray(array, dtype=dtype))
    return p if requires_grad else p.requires_grad_(False)


def _requires_grad(x):
    return not isinstance(x, Value) or x.requires_grad


def _bn_scale_shift(bias, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """s = γ / sqrt(var + eps) and the fused bias (b − mean)·s + β, in float64 (cast by the caller)."""
    rm, rv = _array(bn_rm).astype(np.float64), _array(bn_rv).astype(np.float64)
    gamma = np.ones_like(rm) if bn_w is None else _array(bn_w).astype(np.float64)
    beta = np.zeros_like(rm) if bn_b is None else _array(bn_b).astype(np.float64)
    b = np.zeros_like(rm) if bias is None else _array(bias).astype(np.float64)
    scale = gamma / np.sqrt(rv + bn_eps)
    return scale, (b - rm) * scale + beta


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """(W', b') for a convolution's weight W (out, in/groups, *k) — (in, out/groups, *k) with transpose=True — and
    bias b (or None: zeros), and a BatchNorm's running_mean, running_var, eps, weight γ and bias β (None: 1 and 0).
    Returns two Parameters; the bias is in the conv bias's dtype (the weight's when it had none)."""
    w = _array(conv_w)
    scale, fused_b = _bn_scale_shift(conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)
    shape = [1, -1] + [1] * (w.ndim - 2) if transpose else [-1, 1] + [1] * (w.ndim - 2)
    fused_w = w.astype(np.float64) * scale.reshape(shape)
    bias_dtype = w.dtype if conv_b is None else _array(conv_b).dtype
    return (_parameter(fused_w, w.dtype, _requires_grad(conv_w)),
            _parameter(fused_b, bias_dtype, conv_b is None or _requires_grad(conv_b)))


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """A new convolution (a deep copy of `conv`) that computes bn(conv(x)); both must be in eval mode
    (AssertionError otherwise, as PyTorch) and bn must track running statistics. A conv without bias gets one."""
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """(W', b') for a linear layer's weight W (out, in) and bias b (or None: zeros) followed by a BatchNorm1d's
    running_mean, running_var, eps, γ, β (γ, β None: 1 and 0): W' = W · s[:, None]. Two Parameters."""
    w = _array(linear_w)
    scale, fused_b = _bn_scale_shift(linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)
    fused_w = w.astype(np.float64) * scale[:, None]
    bias_dtype = w.dtype if linear_b is None else _array(linear_b).dtype
    return (_parameter(fused_w, w.dtype, _requires_grad(linear_w)),
            _parameter(fused_b, bias_dtype, linear_b is None or _requires_grad(linear_b)))


def fuse_linear_bn_eval(linear, bn):
    """A new linear layer (a deep copy of `linear`) that computes bn(linear(x)); both in eval mode, and
    linear.out_features == bn.num_features or bn.num_features == 1 (AssertionError otherwise, as PyTorch)."""
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(f"To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
                             f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features}")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                      bn.eps, bn.weight, bn.bias)
    return fused
