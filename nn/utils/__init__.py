"""`torch.nn.utils` under its PyTorch address:

    nn.utils.clip_grad_norm_(model.parameters(), 1.0)      gradient clipping (implemented in optim/clip.py)
    nn.utils.parameters_to_vector(params), vector_to_parameters(vec, params)
    nn.utils.rnn.pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side='right')
    nn.utils.weight_norm(module) (weight_g, weight_v), nn.utils.parametrizations.weight_norm(module)
    nn.utils.get_total_norm(grads), clip_grads_with_norm_(params, max_norm, total_norm)   (clip_grad.py)
    nn.utils.spectral_norm(module) (weight_orig, weight_u, weight_v), nn.utils.parametrizations.spectral_norm
    nn.utils.fuse_conv_bn_eval(conv, bn), fuse_linear_bn_eval(linear, bn) and their *_weights    (fusion.py)
    nn.utils.skip_init(Module, ...), nn.utils.convert_parameters, nn.utils.stateless.functional_call
    nn.utils.prune.l1_unstructured(module, "weight", amount=0.3), ln_structured, global_unstructured, remove
    nn.utils.convert_conv2d_weight_memory_format(model, torch.channels_last) (and conv3d's): nothing to move here
"""

from __future__ import annotations

from . import convert_parameters, parametrizations, parametrize, prune, rnn, stateless
from .clip_grad import clip_grad_norm, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights
from .init import skip_init
from .memory_format import convert_conv2d_weight_memory_format, convert_conv3d_weight_memory_format
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm  # the function, not the submodule, as in PyTorch

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grads_with_norm_", "get_total_norm", "clip_grad_value_",
           "parameters_to_vector", "vector_to_parameters", "convert_parameters", "rnn", "parametrize",
           "parametrizations", "stateless", "weight_norm", "remove_weight_norm", "spectral_norm",
           "remove_spectral_norm", "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "skip_init", "prune", "convert_conv2d_weight_memory_format",
           "convert_conv3d_weight_memory_format"]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients so that their joint norm is at most max_norm; returns the norm before clipping
    (see `autograd_core.optim.clip_grad_norm_`). foreach: accepted, ignored."""
    from autograd_core.optim import clip_grad_norm_ as clip

    return clip(parameters, max_norm, norm_type=norm_type, error_if_nonfinite=error_if_nonfinite)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value] (see `autograd_core.optim.clip_grad_value_`).
    foreach: accepted, ignored."""
    from autograd_core.optim import clip_grad_value_ as clip

    return clip(parameters, clip_value)


