"""Gradient clipping in PyTorch 2.6's two steps, `get_total_norm` then `clip_grads_with_norm_`, and the deprecated
`clip_grad_norm` (see optim/clip.py for `clip_grad_norm_` and `clip_grad_value_`, which do both steps in one).

    grads = [p.grad for p in model.parameters() if p.grad is not None]
    total = nn.utils.get_total_norm(grads)             # a 0-d Value; all-reduce it across ranks here if sharded
    nn.utils.clip_grads_with_norm_(model.parameters(), max_norm=1.0, total_norm=total)
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from autograd_core import Value, linalg, no_grad, stack, tensor

__all__ = ["get_total_norm", "clip_grads_with_norm_", "clip_grad_norm"]


def _values(tensors, who):
    """A Value or an iterable of Values (or arrays: gradients may be plain arrays here) as a list."""
    items = [tensors] if isinstance(tensors, (Value, np.ndarray, np.generic)) else list(tensors)
    for i, t in enumerate(items):
        if not isinstance(t, (Value, np.ndarray, np.generic)):  # np.generic: the gradient of a 0-d parameter
            raise TypeError(f"{who}: item {i} is a {type(t).__name__}, not a Value (tensor)")
    return items


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The p-norm of the per-tensor p-norms of `tensors` (= the p-norm of all their entries together), as a 0-d
    Value outside the graph (PyTorch computes it under no_grad too). Note: the norm of the TENSORS given (pass
    the gradients to clip by).

    tensors: a Value or an iterable of Values (None entries are not allowed; filter them out).
    norm_type: p > 0, or math.inf (the largest absolute entry). An empty list gives 0.
    error_if_nonfinite: raise RuntimeError when the total is nan or ±inf. foreach: accepted, ignored.
    """
    items = _values(tensors, "get_total_norm")
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(f"get_total_norm: norm_type must be a real number, got {norm_type!r}")
    if not items:
        return tensor(0.0)
    norm_type = float(norm_type)
    with no_grad():
        norms = [linalg.vector_norm(t if isinstance(t, Value) else Value(t, requires_grad=False), norm_type)
                 for t in items]
        dtype = np.result_type(*(n.dtype for n in norms))
        total = linalg.vector_norm(stack([n.to(dtype) if n.dtype != dtype else n for n in norms]), norm_type)
    if error_if_nonfinite and not math.isfinite(float(total.data)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)), given the precomputed `total_norm` (a number
    or a 0-d Value, e.g. from `get_total_norm`). Parameters whose grad is None are skipped; the new gradient is a
    new array (a gradient may be shared). Returns None. foreach: accepted, ignored."""
    params = [p for p in _values(parameters, "clip_grads_with_norm_") if isinstance(p, Value)]
    total = float(total_norm.data if isinstance(total_norm, Value) else total_norm)
    coef = min(float(max_norm) / (total + 1e-6), 1.0)
    for p in params:
        if p.grad is not None:
            grad = p.grad.data if isinstance(p.grad, Value) else np.asarray(p.grad)
            p.grad = (grad * coef).astype(grad.dtype, copy=False)


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated (FutureWarning) alias of `clip_grad_norm_`, as in PyTorch."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    from . import clip_grad_norm_

    return clip_grad_norm_(parameters, max_norm, norm_type=norm_type, error_if_nonfinite=error_if_nonfinite,
                           foreach=foreach)
