"""`torch.nn.utils` under its PyTorch address:

    nn.utils.clip_grad_norm_(model.parameters(), 1.0)      gradient clipping (implemented in optim/clip.py)
    nn.utils.parameters_to_vector(params), vector_to_parameters(vec, params)
    nn.utils.rnn.pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side='right')
    nn.utils.weight_norm(module) (weight_g, weight_v), nn.utils.parametrizations.weight_norm(module)
"""

from __future__ import annotations

from autograd_core import Value, concatenate, no_grad

from . import parametrizations, parametrize, rnn
from .weight_norm import remove_weight_norm, weight_norm  # the function, not the submodule, as in PyTorch

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters", "rnn",
           "parametrize", "parametrizations", "weight_norm", "remove_weight_norm"]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients so that their joint norm is at most max_norm; returns the norm before clipping
    (see `autograd_core.optim.clip_grad_norm_`)."""
    from autograd_core.optim import clip_grad_norm_ as clip

    return clip(parameters, max_norm, norm_type=norm_type, error_if_nonfinite=error_if_nonfinite)


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient element to [-clip_value, clip_value] (see `autograd_core.optim.clip_grad_value_`)."""
    from autograd_core.optim import clip_grad_value_ as clip

    return clip(parameters, clip_value)


def _parameter_list(parameters, who):
    if isinstance(parameters, Value):
        return [parameters]  # one tensor, as PyTorch accepts
    parameters = list(parameters)
    for p in parameters:
        if not isinstance(p, Value):
            raise TypeError(f"{who}: expected Values (parameters), got {type(p).__name__}")
    return parameters


def parameters_to_vector(parameters):
    """All parameters flattened (row-major) and joined into one 1-D Value of length Σ numel, in iteration order.
    Differentiable: a gradient of the vector flows back into each parameter."""
    parameters = _parameter_list(parameters, "parameters_to_vector")
    if not parameters:
        raise RuntimeError("parameters_to_vector: no parameters (an empty list has no dtype to join in)")
    return concatenate([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D Value `vec` into `parameters` (the inverse of `parameters_to_vector`),
    in place and outside the graph, as PyTorch (which assigns `.data`). Each parameter keeps its dtype."""
    if not isinstance(vec, Value):
        raise TypeError(f"vector_to_parameters: expected a Value (tensor), but got {type(vec).__name__}")
    if vec.ndim != 1:
        raise RuntimeError(f"vector_to_parameters: vec must be 1-D, got shape {tuple(vec.shape)}")
    parameters = _parameter_list(parameters, "vector_to_parameters")
    needed = sum(int(p.data.size) for p in parameters)
    if needed != vec.shape[0]:
        raise RuntimeError(f"vector_to_parameters: vec has {vec.shape[0]} elements, the parameters hold {needed}")
    start = 0
    with no_grad():
        for p in parameters:
            size = int(p.data.size)
            p.copy_(vec.data[start:start + size].reshape(p.data.shape))
            start += size
