"""`torch.nn.utils.convert_parameters`: `parameters_to_vector` and `vector_to_parameters` (also at nn.utils)."""

from __future__ import annotations

from autograd_core import ShapeError
from autograd_core import Value, concatenate, no_grad

__all__ = ["parameters_to_vector", "vector_to_parameters"]


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
        raise ValueError("parameters_to_vector: no parameters (an empty list has no dtype to join in)")
    return concatenate([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D Value `vec` into `parameters` (the inverse of `parameters_to_vector`),
    in place and outside the graph, as PyTorch (which assigns `.data`). Each parameter keeps its dtype."""
    if not isinstance(vec, Value):
        raise TypeError(f"vector_to_parameters: expected a Value (tensor), but got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ShapeError(f"vector_to_parameters: vec must be 1-D, got shape {tuple(vec.shape)}")
    parameters = _parameter_list(parameters, "vector_to_parameters")
    needed = sum(int(p.data.size) for p in parameters)
    if needed != vec.shape[0]:
        raise ShapeError(f"vector_to_parameters: vec has {vec.shape[0]} elements, the parameters hold {needed}")
    start = 0
    with no_grad():
        for p in parameters:
            size = int(p.data.size)
            p.copy_(vec.data[start:start + size].reshape(p.data.shape))
            start += size
