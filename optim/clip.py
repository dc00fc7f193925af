"""Gradient clipping by the global norm of all gradients, or entry by entry.

The clipping itself (reading the gradients, assigning the clipped ones) runs in an effect of a `_Clipping` object
kept per list of parameters (`autograd_core.jit.effect`): a compiled training step that clips replays the clipping
on each step's new gradients, where it would otherwise have had to run eagerly (the norm differs at every call).
"""

from __future__ import annotations

import math
import numbers
import weakref

import numpy as np

from autograd_core import Value, get_default_dtype
from autograd_core.jit import effect
from autograd_core.sparse_array import SPARSE_BACKEND, SparseLayoutError


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients by one factor so that their joint norm is at most `max_norm`.

    parameters:  a Value or an iterable of Values; those whose grad is None are ignored.
    max_norm:    the largest allowed norm (>= 0).
    norm_type:   p of the p-norm (> 0), or math.inf for the largest absolute entry. The total norm is
                 the p-norm of the vector of per-parameter p-norms, i.e. of all entries together.
    Returns the total norm before clipping, as a 0-d Value in the gradients' dtype (PyTorch's 0-d tensor: `norm.item()`,
    `float(norm)`, `f"{norm:.3f}"`). Inside a compiled step it is the replay's own norm; a Python `if` on it makes
    the step run eagerly (the norm is known only after the backward pass).

    When total_norm > max_norm, every gradient becomes grad·max_norm / (total_norm + 1e-6) (PyTorch's
    rule). The scaled gradient is a new array assigned to `p.grad`: a gradient array may be shared
    between nodes of the graph, so it is never modified in place.
    """
    params = _parameters(parameters, "clip_grad_norm_")
    for name, value in (("max_norm", max_norm), ("norm_type", norm_type)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"clip_grad_norm_: {name} must be a real number, got {value!r}")
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 (or math.inf), got {norm_type}")
    _refuse_sparse(params, "clip_grad_norm_", "linalg_vector_norm")
    return _clipping(params).by_norm(max_norm, norm_type, bool(error_if_nonfinite))


def _data(g):
    return g.data if isinstance(g, Value) else g


def _norm(g, norm_type):
    """The p-norm of one gradient's entries, accumulated in float64."""
    a = np.abs(np.asarray(g, dtype=np.float64))
    if a.size == 0:
        return 0.0
    if norm_type == math.inf:
        return float(a.max())
    if norm_type == 2.0:
        return float(np.sqrt(np.sum(a * a)))
    return float(np.sum(a**norm_type) ** (1.0 / norm_type))


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient entry into [−clip_value, clip_value] (PyTorch's `clip_grad_value_`).

    parameters: a Value or an iterable of Values (those whose grad is None are skipped);
    clip_value: a real number >= 0. The clipped gradient is a new array (a gradient may be shared).
    """
    params = _parameters(parameters, "clip_grad_value_")
    if isinstance(clip_value, bool) or not isinstance(clip_value, numbers.Real):
        raise TypeError(f"clip_grad_value_: clip_value must be a real number, got {clip_value!r}")
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    _refuse_sparse(params, "clip_grad_value_", "clamp_")
    _clipping(params).by_value(clip_value)


def _refuse_sparse(params, who, op):
    """PyTorch's NotImplementedError for a sparse gradient (nn.Embedding(sparse=True)'s), whose norm and clamp
    PyTorch's sparse layout does not have."""
    for i, p in enumerate(params):
        if getattr(p.grad, "is_sparse", False):
            raise SparseLayoutError(f"Could not run 'aten::{op}' with arguments from the '{SPARSE_BACKEND}' backend: "
                                    f"{who} does not take the sparse gradient of parameter {i}, as PyTorch's does not")


def _parameters(parameters, who):
    """The parameters as a tuple of Values (a TypeError naming anything else)."""
    params = (parameters,) if isinstance(parameters, Value) else tuple(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{who}: parameter {i} is a {type(p).__name__}, not a Value")
    return params


class _Clipping:
    """The clipping of one list of parameters' gradients. Its methods are effects: a compiled step calls them
    again at each replay, on the gradients the replay computed (so the object must be the same at every call of
    the step, see `_clipping`). Parameters whose gradient is None are skipped, at each call."""

    def __init__(self, params):
        self.params = params

    @effect()
    def by_norm(self, max_norm, norm_type, error_if_nonfinite):
        """The total norm before clipping, as a 0-d Value in the gradients' dtype, as PyTorch's (float32 for float32
        parameters; the default dtype when no parameter has a gradient); accumulated in float64. A Value, not a
        number: a compiled step replays it as its own, where a Python number returned by an effect would be out of
        its sight."""
        dtypes = [_data(p.grad).dtype for p in self.params if p.grad is not None]
        dtype = np.result_type(*dtypes) if dtypes else get_default_dtype()
        total_norm = self._by_norm(max_norm, norm_type, error_if_nonfinite)
        return Value(np.dtype(dtype).type(total_norm), requires_grad=False)

    def _by_norm(self, max_norm, norm_type, error_if_nonfinite):
        params = [p for p in self.params if p.grad is not None]
        if not params:
            return 0.0
        norms = [_norm(_data(p.grad), norm_type) for p in params]
        if norm_type == math.inf:
            total_norm = max(norms)
        else:
            total_norm = float(np.sum(np.array(norms) ** norm_type) ** (1.0 / norm_type))
        if error_if_nonfinite and not math.isfinite(total_norm):
            raise RuntimeError(
                f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite ({total_norm}), "
                "so they cannot be clipped; pass error_if_nonfinite=False to clip anyway"
            )
        coef = max_norm / (total_norm + 1e-6)
        if coef >= 1.0:
            return total_norm  # already within the bound (multiplying by 1 would change nothing)
        for p in params:
            p.grad = p.grad * coef  # a new array: the old one may be shared
        return total_norm

    @effect()
    def by_value(self, clip_value):
        for p in self.params:
            if p.grad is None:
                continue
            g = np.asarray(_data(p.grad))
            clipped = np.clip(g, -clip_value, clip_value).astype(g.dtype, copy=False)
            p.grad = clipped[()] if clipped.ndim == 0 else clipped


def _clipping(params):
    """The `_Clipping` of this tuple of parameters: the same object for the same parameters while anything holds it
    (a compiled step, which calls its effects on the object it recorded, and the recordings it compares), so the
    parameters of models no longer used are not kept alive."""
    key = tuple(map(id, params))
    clipping = _CLIPPINGS.get(key)
    if clipping is None or any(a is not b for a, b in zip(clipping.params, params)):
        clipping = _CLIPPINGS[key] = _Clipping(params)
    return clipping


_CLIPPINGS = weakref.WeakValueDictionary()  # ids of the parameters -> their _Clipping
